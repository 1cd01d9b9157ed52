/* The liver (label 5) of the TotalSegmentator example through image -> select -> surface
 * nets -> smoothing -> Gmsh; and the liver with the vessels it touches (portal vein 64,
 * inferior vena cava 63), whose interfaces must come out conformal.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/core.h>
#include <twinfe/image.h>
#include <twinfe/mesh.h>
#include <twinfe/surface.h>

#include <stdio.h>
#include <stdlib.h>

/* -report prints tet counts, quality and timing (silent by default). */
static PetscBool report = PETSC_FALSE;

typedef struct {
  PetscInt v[3];
  int32_t  value;
} Face;

static int CompareFace(const void *x, const void *y)
{
  const Face *a = (const Face *)x, *b = (const Face *)y;
  for (int k = 0; k < 3; k++)
    if (a->v[k] != b->v[k]) return a->v[k] < b->v[k] ? -1 : 1;
  return 0;
}

static Face SortedFace(PetscInt a, PetscInt b, PetscInt c, int32_t value)
{
  Face f = {{a, b, c}, value};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2 - i; j++)
      if (f.v[j] > f.v[j + 1]) {
        PetscInt s = f.v[j];
        f.v[j] = f.v[j + 1], f.v[j + 1] = s;
      }
  return f;
}

/* Each tet face: inside one region (not a facet), an interface (one facet tagged
   TwinfeFacetTag(a, b)) or a boundary (one facet tagged with the region); each facet one of
   these. Returns the number of interface faces. */
static PetscInt CheckConforming(TwinfeMesh mesh)
{
  PetscInt        ntets, nfacets, matched = 0, interfaces = 0;
  const PetscInt *tets, *facets;
  const int32_t  *regions, *tags;
  Face           *tf, *ff;

  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, &tets, &regions));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nfacets, &facets, &tags));
  tf = (Face *)malloc(sizeof(Face) * 4 * ntets);
  ff = (Face *)malloc(sizeof(Face) * (nfacets + 1));
  for (PetscInt t = 0; t < ntets; t++)
    for (int k = 0; k < 4; k++) {
      const PetscInt *v = &tets[4 * t];
      tf[4 * t + k]     = SortedFace(v[(k + 1) % 4], v[(k + 2) % 4], v[(k + 3) % 4], regions[t]);
    }
  for (PetscInt f = 0; f < nfacets; f++)
    ff[f] = SortedFace(facets[3 * f], facets[3 * f + 1], facets[3 * f + 2], tags[f]);
  qsort(tf, 4 * ntets, sizeof(Face), CompareFace);
  qsort(ff, nfacets, sizeof(Face), CompareFace);
  for (PetscInt f = 1; f < nfacets; f++)
    ck_assert_msg(CompareFace(&ff[f - 1], &ff[f]) != 0, "facet listed twice");
  for (PetscInt i = 0, j; i < 4 * ntets; i = j) {
    const Face *facet;
    for (j = i + 1; j < 4 * ntets && CompareFace(&tf[i], &tf[j]) == 0; j++) {
    }
    ck_assert_msg(j - i <= 2, "a face is shared by %d tets", (int)(j - i));
    facet = (const Face *)bsearch(&tf[i], ff, nfacets, sizeof(Face), CompareFace);
    if (j - i == 1) {
      ck_assert_msg(facet != NULL, "boundary face of region %d is not a facet", (int)tf[i].value);
      ck_assert_int_eq(facet->value, TwinfeFacetTag(tf[i].value, 0));
      matched++;
    } else if (tf[i].value == tf[i + 1].value) {
      ck_assert_msg(facet == NULL, "a face inside region %d is a facet", (int)tf[i].value);
    } else {
      ck_assert_msg(facet != NULL, "interface face %d|%d is not a facet", (int)tf[i].value, (int)tf[i + 1].value);
      ck_assert_int_eq(facet->value, TwinfeFacetTag(tf[i].value, tf[i + 1].value));
      matched++;
      interfaces++;
    }
  }
  ck_assert_int_eq(matched, nfacets);
  free(tf);
  free(ff);
  return interfaces;
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
    /* Smoothing shrank real labels by 0.5-9% (STACK-NOTES; the liver is large, so near the
       low end) and the mesh keeps the smoothed surface exactly: 10% allows the smallest
       vessel while failing for a lost or doubled part. */
    ck_assert_double_eq_tol(volumes[r], count * voxel, 0.10 * count * voxel);
  }
  *interfaces = CheckConforming(mesh);
  if (report)
    printf("# labels %d..: %d tets, min gamma %.3f, mean gamma %.3f, min dihedral %.1f deg, %d interface faces, "
           "surface %.2f s, mesh %.2f s (selection removed %d, filled %d voxels)\n",
           (int)labels[0], (int)ntets, (double)gmin, (double)gmean, (double)dmin, (int)*interfaces, (double)(t1 - t0),
           (double)(t2 - t1), (int)removed, (int)filled);
  /* Measured here with HXT + Mesh.Optimize (repeated runs): min gamma 0.137, mean 0.76, min
     dihedral 8.2-9.7 degrees, for liver alone and with the vessels; the worst tets sit on the
     smoothed surface, whose triangles HXT must keep. The floors 0.05 and 2 degrees leave room
     for run-to-run variation and still fail on slivers (gamma 0.0007-0.007 with surface
     remeshing or without optimisation, STACK-NOTES). */
  ck_assert_double_gt(gmin, 0.05);
  ck_assert_double_gt(dmin, 2.0);
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
  /* the liver touches both vessels in this segmentation (STACK-NOTES) */
  ck_assert_int_gt(interfaces, 0);
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
