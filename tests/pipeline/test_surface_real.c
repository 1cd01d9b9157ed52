/* Surfaces of real TotalSegmentator labels: read, select, surface nets, smooth.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <stdlib.h>
#include <twinfe/surface.h>

/* World bounding box of the image's voxel corners (the surface lies on or inside them). */
static void image_bounds(TwinfeImage image, PetscReal lo[3], PetscReal hi[3])
{
  PetscInt dims[3];
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  for (int d = 0; d < 3; d++)
    lo[d] = PETSC_MAX_REAL, hi[d] = -PETSC_MAX_REAL;
  for (int c = 0; c < 8; c++) {
    const PetscReal ijk[3] = {(c & 1) ? dims[0] - 0.5 : -0.5, (c & 2) ? dims[1] - 0.5 : -0.5, (c & 4) ? dims[2] - 0.5 : -0.5};
    PetscReal       xyz[3];
    TWINFE_CK(TwinfeImageIndexToWorld(image, ijk, xyz));
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], xyz[d]), hi[d] = PetscMax(hi[d], xyz[d]);
  }
}

START_TEST(test_liver)
{
  const char    *path     = twinfe_test_shared_data("totalsegmentator/example_seg.nii.gz");
  const int32_t  liver[1] = {5};
  TwinfeImage    image;
  TwinfeSurface  surface;
  PetscInt       removed, filled, nvox, nv, nt, hist[6];
  PetscReal     *xyz, vv, raw, smoothed, lo[3], hi[3];
  PetscInt      *tri;
  PetscLogDouble t0, t1, t2, t3;

  PetscTime(&t0);
  TWINFE_CK(TwinfeImageRead(path, &image));
  TWINFE_CK(TwinfeImageSelectLabels(image, 1, liver, &removed, &filled));
  PetscTime(&t1);
  TWINFE_CK(TwinfeImageCountLabel(image, 5, &nvox));
  TWINFE_CK(TwinfeImageGetVoxelVolume(image, &vv));
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 1, liver, &surface));
  PetscTime(&t2);
  TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, 5, &raw));
  TWINFE_CK(TwinfeSurfaceSmooth(surface, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscTime(&t3);
  TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, 5, &smoothed));
  printf("liver: %" PetscInt_FMT " voxels (%" PetscInt_FMT " removed, %" PetscInt_FMT " filled), voxel volume %g mm^3, "
         "nets %g, smoothed %g (%+.2f%%); read+select %.3f s, nets %.3f s, smooth %.3f s\n",
         nvox, removed, filled, (double)(nvox * vv), (double)raw, (double)smoothed, 100 * (double)(smoothed / (nvox * vv) - 1),
         t1 - t0, t2 - t1, t3 - t2);
  /* the liver has 38631 voxels in the ROI file (tests/data/README.md); after selection
     (largest component, cavities filled, pinches mended) 38635 here. 0.2% either way: a
     selection that drops a component or fills the background moves thousands */
  ck_assert_int_ge(nvox, 38558);
  ck_assert_int_le(nvox, 38712);
  /* unsmoothed: voxel faces enclose exactly the voxels (1e-9 relative: rounding only) */
  ck_assert_double_eq_tol(raw, nvox * vv, 1e-9 * nvox * vv);
  /* smoothed: windowed sinc removes the 3 mm staircase, which moves the surface by up to
     half a voxel in and out, mostly cancelling: -0.43% measured, the same on every run (the
     smoothing is deterministic). 1% is over twice that; a shrinking smoother (the -0.5% to
     -9% per label docs/stack-measurements.md saw with an earlier one) or a lost lobe fails */
  ck_assert_double_eq_tol(smoothed, nvox * vv, 0.01 * nvox * vv);

  TWINFE_CK(TwinfeSurfaceExtractLabel(surface, 5, &nv, &xyz, &nt, &tri));
  twinfe_test_edge_histogram(nv, nt, tri, hist);
  /* closed: no open edge and no odd one; edges of 4 triangles are two liver voxels meeting
     along an edge only (checkerboard), still closed (docs/stack-measurements.md: HXT meshes them) */
  printf("liver boundary: %" PetscInt_FMT " triangles, edges of 2 triangles %" PetscInt_FMT ", of 4 %" PetscInt_FMT "\n", nt,
         hist[2], hist[4]);
  ck_assert_int_eq(hist[1] + hist[3] + hist[5], 0);
  image_bounds(image, lo, hi);
  {
    PetscReal slo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL},
              shi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
    for (PetscInt v = 0; v < nv; v++)
      for (int d = 0; d < 3; d++)
        slo[d] = PetscMin(slo[d], xyz[3 * v + d]), shi[d] = PetscMax(shi[d], xyz[3 * v + d]);
    for (int d = 0; d < 3; d++) {
      printf("axis %d: liver [%.2f, %.2f] mm, image [%.2f, %.2f] mm\n", d, (double)slo[d], (double)shi[d], (double)lo[d],
             (double)hi[d]);
      /* The liver is cut by the field of view: its cut face lies on the image border, and
         smoothing rounds that face's rim, which can bulge outward by a fraction of a voxel
         (0.4 mm measured); half a voxel (1.5 mm) bounds it, a misplaced surface is far off. */
      ck_assert_double_ge(slo[d], lo[d] - 1.5);
      ck_assert_double_le(shi[d], hi[d] + 1.5);
    }
  }
  PetscFree(xyz);
  PetscFree(tri);
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* Liver with its neighbours: right kidney 2, IVC 63, portal vein 64. Triple lines give edges
   of 3 triangles; checkerboard voxel arrangements give 4. No open edge, each label closed on
   its own, the triple lines and every label's smoothed volume as measured. */
START_TEST(test_liver_neighbours)
{
  const char     *path      = twinfe_test_shared_data("totalsegmentator/example_seg.nii.gz");
  const int32_t   labels[4] = {5, 2, 63, 64};
  TwinfeImage     image;
  TwinfeSurface   surface;
  PetscInt        nv, nt, hist[6], removed, filled;
  const PetscInt *tri;
  PetscLogDouble  t0, t1;

  TWINFE_CK(TwinfeImageRead(path, &image));
  TWINFE_CK(TwinfeImageSelectLabels(image, 4, labels, &removed, &filled));
  PetscTime(&t0);
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 4, labels, &surface));
  PetscTime(&t1);
  TWINFE_CK(TwinfeSurfaceGetVertices(surface, &nv, NULL));
  TWINFE_CK(TwinfeSurfaceGetTriangles(surface, &nt, &tri, NULL));
  twinfe_test_edge_histogram(nv, nt, tri, hist);
  printf("labels 5,2,63,64: %" PetscInt_FMT " vertices, %" PetscInt_FMT " triangles (nets %.3f s); edges by triangle "
         "count: 2: %" PetscInt_FMT ", 3 (triple lines): %" PetscInt_FMT ", 4: %" PetscInt_FMT ", >4: %" PetscInt_FMT "\n",
         nv, nt, t1 - t0, hist[2], hist[3], hist[4], hist[5]);
  ck_assert_int_eq(hist[1], 0);
  /* the liver touches the veins and the kidney: 242 triple-line edges measured (the nets
     are deterministic); +-15% allows another split of the ambiguous voxel configurations
     (109 edges of 4 triangles), while none or one per voxel edge fails */
  ck_assert_int_ge(hist[3], 206);
  ck_assert_int_le(hist[3], 278);
  for (int l = 0; l < 4; l++) {
    PetscInt   lnv, lnt, *ltri, lhist[6], nvox;
    PetscReal *lxyz, vol, vv;
    TWINFE_CK(TwinfeSurfaceExtractLabel(surface, labels[l], &lnv, &lxyz, &lnt, &ltri));
    twinfe_test_edge_histogram(lnv, lnt, ltri, lhist);
    ck_assert_int_eq(lhist[1] + lhist[3] + lhist[5], 0);
    TWINFE_CK(TwinfeImageCountLabel(image, labels[l], &nvox));
    TWINFE_CK(TwinfeImageGetVoxelVolume(image, &vv));
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, labels[l], &vol));
    ck_assert_double_eq_tol(vol, nvox * vv, 1e-9 * nvox * vv);
    printf("  label %d: %" PetscInt_FMT " voxels, %" PetscInt_FMT " edges of 4 triangles in its own boundary\n", (int)labels[l],
           nvox, lhist[4]);
    PetscFree(lxyz);
    PetscFree(ltri);
  }
  TWINFE_CK(TwinfeSurfaceSmooth(surface, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  for (int l = 0; l < 4; l++) {
    /* measured (deterministic): liver -0.13%, right kidney +1.44%, IVC -0.27%, portal vein
       -2.14%; about twice each is allowed (docs/verification.md) */
    const PetscReal tolerance[4] = {0.01, 0.03, 0.01, 0.04};
    PetscInt        nvox;
    PetscReal       vol, vv;
    TWINFE_CK(TwinfeImageCountLabel(image, labels[l], &nvox));
    TWINFE_CK(TwinfeImageGetVoxelVolume(image, &vv));
    TWINFE_CK(TwinfeSurfaceComputeLabelVolume(surface, labels[l], &vol));
    printf("  label %d smoothed: %+.2f%% volume\n", (int)labels[l], 100 * (double)(vol / (nvox * vv) - 1));
    ck_assert_double_eq_tol(vol, nvox * vv, tolerance[l] * nvox * vv);
  }
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("surface_real");
  TCase *tc = tcase_create("totalsegmentator");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_liver);
  tcase_add_test(tc, test_liver_neighbours);
  suite_add_tcase(s, tc);
  return s;
}
