/* The liver (label 5) of the TotalSegmentator example through image -> select -> surface
 * nets -> smoothing -> Gmsh; and the liver with the vessels it touches (portal vein 64,
 * inferior vena cava 63), whose interfaces must come out conformal.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"
#include <twinfe/core.h>
#include <twinfe/image.h>
#include <twinfe/mesh.h>
#include <twinfe/surface.h>

#include <stdio.h>
#include <stdlib.h>

/* -report prints tet counts, quality and timing (silent by default). */
static PetscBool report = PETSC_FALSE;

/* Volume change allowed for each label, from the changes measured on this label map
   (deterministic: smoothing has no randomness and Gmsh keeps the smoothed triangles): liver
   -0.43% alone and -0.34% beside the veins, inferior vena cava -0.27%, portal vein -2.14% (889
   voxels: a thin vessel loses more under smoothing). About twice each, so a smoothing change
   that keeps volumes fails only when it really shrinks them, while a lost or doubled part
   (tens of %) fails clearly. */
static PetscReal VolumeTolerance(int32_t label)
{
  return label == 64 ? 0.04 : 0.01;
}

/* Voxel faces between two different non-zero labels: surface nets makes one quad, two
   triangles, per such face, and Gmsh keeps them as the interface facets. */
static PetscInt CountInterfaceVoxelFaces(TwinfeImage image)
{
  PetscInt dims[3], count = 0;
  int32_t *v;
  TWINFE_CK(TwinfeImageGetDimensions(image, dims));
  TWINFE_CK(TwinfeImageGetLabels(image, &v));
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++) {
        const PetscInt p = i + dims[0] * (j + dims[1] * k), step[3] = {1, dims[0], dims[0] * dims[1]};
        const PetscInt at[3] = {i, j, k};
        for (int d = 0; d < 3; d++)
          if (at[d] + 1 < dims[d] && v[p] && v[p + step[d]] && v[p] != v[p + step[d]]) count++;
      }
  return count;
}

/* Read the example, keep the labels (largest component each, cavities filled), surface
   nets, default smoothing, mesh; check volumes against the voxels and quality. */
static void MeshExample(PetscInt nlabels, const int32_t labels[], const char *const names[], PetscInt *interfaces)
{
  TwinfeImage    image;
  TwinfeSurface  surface;
  TwinfeMesh     mesh;
  PetscInt       removed, filled, ntets, nregions;
  PetscReal      voxel, volumes[8], gmin, gmean, dmin;
  PetscLogDouble t0, t1, t2;

  TWINFE_CK(TwinfeImageRead(twinfe_test_shared_data("totalsegmentator/example_seg.nii.gz"), &image));
  TWINFE_CK(TwinfeImageSelectLabels(image, nlabels, labels, &removed, &filled));
  TWINFE_CK(TwinfeImageGetVoxelVolume(image, &voxel));
  TWINFE_CK(PetscTime(&t0));
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, nlabels, labels, &surface));
  TWINFE_CK(TwinfeSurfaceSmooth(surface, -1, -1, -1));
  TWINFE_CK(PetscTime(&t1));
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, nlabels, labels, names, &mesh));
  TWINFE_CK(PetscTime(&t2));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nregions, NULL));
  ck_assert_int_eq(nregions, nlabels);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, volumes));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, NULL, NULL));
  TWINFE_CK(TwinfeMeshComputeQuality(mesh, &gmin, &gmean, &dmin));
  for (PetscInt r = 0; r < nregions; r++) {
    const int32_t *found;
    PetscInt       count;
    TWINFE_CK(TwinfeMeshGetRegions(mesh, NULL, &found));
    TWINFE_CK(TwinfeImageCountLabel(image, found[r], &count));
    if (report)
      printf("# label %d: mesh %.0f mm^3, voxels %.0f mm^3 (%+.2f%%)\n", (int)found[r], (double)volumes[r],
             (double)(count * voxel), 100.0 * (double)(volumes[r] / (count * voxel) - 1));
    ck_assert_double_eq_tol(volumes[r], count * voxel, VolumeTolerance(found[r]) * count * voxel);
  }
  *interfaces = twinfe_test_check_conforming(mesh);
  /* every voxel face between two labels is two interface facets, no more and no fewer */
  ck_assert_int_eq(*interfaces, 2 * CountInterfaceVoxelFaces(image));
  if (report)
    printf("# labels %d..: %d tets, min gamma %.3f, mean gamma %.3f, min dihedral %.1f deg, %d interface faces, "
           "surface %.2f s, mesh %.2f s (selection removed %d, filled %d voxels)\n",
           (int)labels[0], (int)ntets, (double)gmin, (double)gmean, (double)dmin, (int)*interfaces, (double)(t1 - t0),
           (double)(t2 - t1), (int)removed, (int)filled);
  /* Measured here with HXT + Mesh.Optimize (repeated runs): min gamma 0.137, mean 0.76, min
     dihedral 8.2-9.7 degrees, for liver alone and with the vessels; the worst tets sit on the
     smoothed surface, whose triangles HXT must keep. HXT is not reproducible and a rare run
     keeps one sliver there (all 41 labels: 1 run in 6 had one tet of gamma 0.002), so the floor
     is on the count of poor tets (gamma < 0.1): at most 3, where no optimisation leaves
     thousands (9070 of 565k on all labels, 1850 of 175k on the bundled case). */
  ck_assert_int_le(twinfe_test_count_poor_tets(mesh), 3);
  ck_assert_double_gt(gmin, 0); /* no flat or inverted tet */
  /* mean gamma 0.761-0.765 over six runs; 0.72 is below any of them by 0.04 */
  ck_assert_double_gt(gmean, 0.72);
  {
    /* the .msh round trip of a real mesh keeps counts, volumes and names */
    TwinfeMesh     back;
    char           path[PETSC_MAX_PATH_LEN];
    PetscInt       nback, fback, nfacets;
    PetscReal      vback[8];
    const int32_t *found;
    snprintf(path, sizeof path, "%s/labels_%d.msh", twinfe_test_work_dir(), (int)labels[0] * 100 + (int)nlabels);
    TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
    TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
    TWINFE_CK(TwinfeMeshGetTetrahedra(back, &nback, NULL, NULL));
    TWINFE_CK(TwinfeMeshGetFacets(back, &fback, NULL, NULL));
    TWINFE_CK(TwinfeMeshGetFacets(mesh, &nfacets, NULL, NULL));
    ck_assert_int_eq(nback, ntets);
    ck_assert_int_eq(fback, nfacets);
    TWINFE_CK(TwinfeMeshComputeRegionVolumes(back, vback));
    TWINFE_CK(TwinfeMeshGetRegions(back, NULL, &found));
    for (PetscInt r = 0; r < nregions; r++) {
      const char *name;
      /* coordinates are written with 16 significant digits: rounding-level agreement */
      ck_assert_double_eq_tol(vback[r], volumes[r], 1e-10 * volumes[r]);
      TWINFE_CK(TwinfeMeshGetRegionName(back, found[r], &name));
      for (PetscInt i = 0; i < nlabels; i++)
        if (labels[i] == found[r]) ck_assert_str_eq(name, names[i]);
    }
    TWINFE_CK(TwinfeMeshDestroy(&back));
  }
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeImageDestroy(&image));
}

START_TEST(liver_from_the_example_segmentation)
{
  const int32_t     labels[] = {5};
  const char *const names[]  = {"liver"};
  PetscInt          interfaces;
  MeshExample(1, labels, names, &interfaces);
  ck_assert_int_eq(interfaces, 0);
}
END_TEST

START_TEST(liver_with_touching_vessels)
{
  const int32_t     labels[] = {5, 63, 64};
  const char *const names[]  = {"liver", "inferior_vena_cava", "portal_vein"};
  PetscInt          interfaces;
  MeshExample(3, labels, names, &interfaces);
  /* the liver touches both vessels in this segmentation: 624 interface facets measured, 312
     voxel faces (MeshExample checks the count against the voxels exactly) */
  ck_assert_int_eq(interfaces, 624);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_real");
  TCase *tc = tcase_create("real");
  PetscOptionsGetBool(NULL, NULL, "-report", &report, NULL);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, liver_from_the_example_segmentation);
  tcase_add_test(tc, liver_with_touching_vessels);
  suite_add_tcase(s, tc);
  return s;
}
