/* Fidelity of a mesh to its label map (include/twinfe/fidelity.h): an analytic box whose mesh
 * lies a known distance inside its voxels, a voxel ball meshed by the pipeline, and the capture
 * itself (voxel and face counts).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/twinfe.h>

#include <math.h>

/* A rotated, anisotropic image: every distance goes through the voxel frame and back. */
static const PetscInt  kDims[3]    = {12, 10, 9};
static const PetscReal kSpacing[3] = {1.0, 0.8, 1.5}, kOrigin[3] = {5, -3, 2};
static const PetscInt  kLo[3] = {2, 2, 2}, kHi[3] = {8, 7, 6}; /* the box of label 1, voxels kLo..kHi */

/* Rows of a rotation (30 degrees about z, then 20 about x): orthonormal columns. */
static void Direction(PetscReal D[9])
{
  const PetscReal a = PETSC_PI / 6, b = PETSC_PI / 9;
  const PetscReal Rz[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1};
  const PetscReal Rx[9] = {1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      D[3 * i + j] = 0;
      for (int k = 0; k < 3; k++)
        D[3 * i + j] += Rx[3 * i + k] * Rz[3 * k + j];
    }
}

static PetscErrorCode BoxImage(TwinfeImage *image)
{
  PetscReal D[9];
  int32_t  *L;
  PetscFunctionBeginUser;
  Direction(D);
  PetscCall(TwinfeImageCreate(kDims, kSpacing, kOrigin, D, image));
  PetscCall(TwinfeImageGetLabels(*image, &L));
  for (PetscInt k = kLo[2]; k <= kHi[2]; k++)
    for (PetscInt j = kLo[1]; j <= kHi[1]; j++)
      for (PetscInt i = kLo[0]; i <= kHi[0]; i++)
        L[i + kDims[0] * (j + kDims[1] * k)] = 1;
  PetscFunctionReturn(0);
}

/* The voxel box shrunk by d on every side, as a mesh of region 1 in world coordinates with
   every boundary facet tagged 1 (label 1 against background). */
static PetscErrorCode ShrunkBoxMesh(PetscReal d, TwinfeMesh *mesh)
{
  const PetscInt   n[3] = {3, 4, 2};
  PetscReal        lo[3], hi[3], D[9], *x;
  TwinfeMesh       box;
  PetscInt         nv, nt, nf;
  const PetscReal *bx;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *btags;
  int32_t         *tags;
  PetscFunctionBeginUser;
  Direction(D);
  for (int a = 0; a < 3; a++) {
    lo[a] = (kLo[a] - 0.5) * kSpacing[a] + d;
    hi[a] = (kHi[a] + 0.5) * kSpacing[a] - d;
  }
  PetscCall(TwinfeMeshCreateBox(n, lo, hi, &box));
  PetscCall(TwinfeMeshGetVertices(box, &nv, &bx));
  PetscCall(TwinfeMeshGetTetrahedra(box, &nt, &tets, &regions));
  PetscCall(TwinfeMeshGetFacets(box, &nf, &facets, &btags));
  PetscCall(PetscMalloc2(3 * nv, &x, nf, &tags));
  for (PetscInt v = 0; v < nv; v++) /* world = origin + D u */
    for (int i = 0; i < 3; i++)
      x[3 * v + i] = kOrigin[i] + D[3 * i] * bx[3 * v] + D[3 * i + 1] * bx[3 * v + 1] + D[3 * i + 2] * bx[3 * v + 2];
  for (PetscInt f = 0; f < nf; f++)
    tags[f] = 1;
  PetscCall(TwinfeMeshCreate(nv, x, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(PetscFree2(x, tags));
  PetscCall(TwinfeMeshDestroy(&box));
  PetscFunctionReturn(0);
}

/* 7 x 6 x 5 voxels: 210 voxels, 2 (42 + 30 + 35) = 214 boundary faces; a label the image does
   not hold is captured empty. */
START_TEST(capture_counts)
{
  TwinfeImage    image;
  TwinfeFidelity f;
  const int32_t  labels[2] = {1, 7};
  PetscInt       voxels, faces;
  PetscReal      volume;
  TWINFE_CK(BoxImage(&image));
  TWINFE_CK(TwinfeFidelityCreate(image, 2, labels, &f));
  TWINFE_CK(TwinfeImageDestroy(&image)); /* the capture does not need the image any more */
  TWINFE_CK(TwinfeFidelityGetLabel(f, 1, &voxels, &volume, &faces));
  ck_assert_int_eq(voxels, 210);
  ck_assert_int_eq(faces, 214);
  ck_assert_double_eq_tol(volume, 210 * 1.0 * 0.8 * 1.5, 1e-9);
  TWINFE_CK(TwinfeFidelityGetLabel(f, 7, &voxels, NULL, &faces));
  ck_assert_int_eq(voxels, 0);
  ck_assert_int_eq(faces, 0);
  TWINFE_CK_FAILS(TwinfeFidelityGetLabel(f, 3, &voxels, NULL, NULL));
  TWINFE_CK(TwinfeFidelityDestroy(&f));
}
END_TEST

/* A box touching the image's edge has its faces there too (the label against the outside). */
START_TEST(capture_at_image_edge)
{
  const PetscInt  dims[3] = {3, 2, 2};
  const PetscReal s[3] = {1, 1, 1}, o[3] = {0, 0, 0};
  TwinfeImage     image;
  TwinfeFidelity  f;
  const int32_t   labels[2] = {1, 2};
  int32_t        *L;
  PetscInt        voxels, faces;
  TWINFE_CK(TwinfeImageCreate(dims, s, o, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &L));
  for (int v = 0; v < 12; v++)
    L[v] = (v % 3 == 2) ? 2 : 1; /* label 1: i = 0, 1; label 2: i = 2 */
  TWINFE_CK(TwinfeFidelityCreate(image, 2, labels, &f));
  TWINFE_CK(TwinfeFidelityGetLabel(f, 1, &voxels, NULL, &faces));
  ck_assert_int_eq(voxels, 8);
  ck_assert_int_eq(faces, 2 * (4 + 4 + 4)); /* a 2 x 2 x 2 block: 6 sides of 4 faces */
  TWINFE_CK(TwinfeFidelityGetLabel(f, 2, &voxels, NULL, &faces));
  ck_assert_int_eq(voxels, 4);
  ck_assert_int_eq(faces, 2 * 4 + 2 * 2 + 2 * 2); /* a 1 x 2 x 2 slab */
  TWINFE_CK(TwinfeFidelityDestroy(&f));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* The mesh is the voxel box shrunk by d < s/2 on each side. Every mesh boundary point lies on a
   face of the shrunk box, right under a voxel face at distance d, and no other voxel face is
   nearer (the other sides are at least d away); every voxel face centre lies at least s/2 > d
   from the box's edges, so its nearest mesh point is straight below it, at d. So mean = max = d
   both ways; 1e-9 mm covers the rotation's rounding (1e-15 relative on coordinates ~ 10 mm).
   Half a voxel off in the face positions, or a wrong frame, gives errors of 0.4 mm and more. */
START_TEST(shrunk_box_is_d_both_ways)
{
  const PetscReal      d = 0.25;
  TwinfeImage          image;
  TwinfeFidelity       f;
  TwinfeMesh           mesh;
  TwinfeRegionFidelity r;
  const int32_t        label = 1;
  TWINFE_CK(BoxImage(&image));
  TWINFE_CK(TwinfeFidelityCreate(image, 1, &label, &f));
  TWINFE_CK(ShrunkBoxMesh(d, &mesh));
  TWINFE_CK(TwinfeFidelityCompareMesh(f, mesh, &r));
  ck_assert_int_eq(r.label, 1);
  ck_assert_int_eq(r.voxels, 210);
  ck_assert_int_eq(r.voxel_faces, 214);
  ck_assert_int_gt(r.mesh_points, 0);
  ck_assert_double_eq_tol(r.mesh_to_voxels_mean_mm, d, 1e-9);
  ck_assert_double_eq_tol(r.mesh_to_voxels_max_mm, d, 1e-9);
  ck_assert_double_eq_tol(r.voxels_to_mesh_mean_mm, d, 1e-9);
  ck_assert_double_eq_tol(r.voxels_to_mesh_max_mm, d, 1e-9);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeFidelityDestroy(&f));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

/* A voxel ball (radius 7 voxels of 1 mm) through the pipeline: surface nets put the surface on
   the voxel faces, and the smoothing moves it toward the sphere the voxels sample, which lies
   within half a voxel diagonal of the staircase at its corners and much closer on average:
   the mean distance must be below half a voxel (0.5 mm) both ways. A mesh in the wrong frame
   (or a face half a voxel off) misses that by far; the maximum stays below one voxel. */
START_TEST(voxel_ball_within_half_a_voxel)
{
  const PetscInt       dims[3] = {20, 20, 20};
  const PetscReal      s[3] = {1, 1, 1}, o[3] = {-10, 4, 7};
  TwinfeImage          image;
  TwinfeFidelity       f;
  TwinfeSurface        surface;
  TwinfeMesh           mesh;
  TwinfeRegionFidelity r;
  const int32_t        label = 1;
  int32_t             *L;
  TWINFE_CK(TwinfeImageCreate(dims, s, o, NULL, &image));
  TWINFE_CK(TwinfeImageGetLabels(image, &L));
  for (PetscInt k = 0; k < 20; k++)
    for (PetscInt j = 0; j < 20; j++)
      for (PetscInt i = 0; i < 20; i++)
        if ((i - 9.5) * (i - 9.5) + (j - 9.5) * (j - 9.5) + (k - 9.5) * (k - 9.5) <= 49) L[i + 20 * (j + 20 * k)] = 1;
  TWINFE_CK(TwinfeFidelityCreate(image, 1, &label, &f));
  TWINFE_CK(TwinfeSurfaceCreateFromImage(image, 1, &label, &surface));
  TWINFE_CK(TwinfeSurfaceSmooth(surface, 20, PETSC_DEFAULT, PETSC_DEFAULT));
  TWINFE_CK(TwinfeMeshCreateFromSurface(surface, 1, &label, NULL, &mesh));
  TWINFE_CK(TwinfeFidelityCompareMesh(f, mesh, &r));
  ck_assert_msg(r.mesh_to_voxels_mean_mm < 0.5, "mesh -> voxels mean %g mm", (double)r.mesh_to_voxels_mean_mm);
  ck_assert_msg(r.voxels_to_mesh_mean_mm < 0.5, "voxels -> mesh mean %g mm", (double)r.voxels_to_mesh_mean_mm);
  ck_assert_msg(r.mesh_to_voxels_max_mm < 1 && r.voxels_to_mesh_max_mm < 1, "max %g and %g mm", (double)r.mesh_to_voxels_max_mm,
                (double)r.voxels_to_mesh_max_mm);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeSurfaceDestroy(&surface));
  TWINFE_CK(TwinfeFidelityDestroy(&f));
  TWINFE_CK(TwinfeImageDestroy(&image));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_fidelity");
  TCase *tc = tcase_create("mesh_fidelity");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, capture_counts);
  tcase_add_test(tc, capture_at_image_edge);
  tcase_add_test(tc, shrunk_box_is_d_both_ways);
  tcase_add_test(tc, voxel_ball_within_half_a_voxel);
  suite_add_tcase(s, tc);
  return s;
}
