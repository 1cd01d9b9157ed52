/* .msh 4.1 round trip through Gmsh: counts, region volumes, facet tags and names survive;
 * missing or broken files are refused.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/core.h>
#include <twinfe/mesh.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A box of 3 x 2 x 2 cubes of (2, 1.5, 1) mm far from the origin, each cube split into six
   tets around its main diagonal (some listed with negative orientation, which Create fixes);
   cubes with i = 2 are region 7 ("tumor"), the rest region 4 ("liver"). Facets: every
   boundary face (tag = region) and every interface face (tag 4007), found by brute force. */
static PetscErrorCode BoxMesh(TwinfeMesh *mesh)
{
  const PetscInt  n[3] = {3, 2, 2};
  const PetscReal h[3] = {2.0, 1.5, 1.0}, o[3] = {-200.0, 35.0, 120.0};
  /* the six paths from corner 0 to corner 7 of a cube (bits x=1, y=2, z=4) */
  const PetscInt paths[6][4] = {{0, 1, 3, 7}, {0, 2, 3, 7}, {0, 1, 5, 7}, {0, 4, 5, 7}, {0, 2, 6, 7}, {0, 4, 6, 7}};
  PetscInt       nv = (n[0] + 1) * (n[1] + 1) * (n[2] + 1), nt = 0, nf = 0;
  PetscReal     *xyz;
  PetscInt      *tets, *facets;
  int32_t       *regions, *tags;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(3 * nv, &xyz, 4 * 72, &tets, 72, &regions));
  PetscCall(PetscMalloc2(3 * 4 * 72, &facets, 4 * 72, &tags));
  for (PetscInt v = 0; v < nv; v++) {
    PetscInt c[3] = {v % (n[0] + 1), (v / (n[0] + 1)) % (n[1] + 1), v / ((n[0] + 1) * (n[1] + 1))};
    for (int d = 0; d < 3; d++)
      xyz[3 * v + d] = o[d] + h[d] * c[d];
  }
  for (PetscInt k = 0; k < n[2]; k++)
    for (PetscInt j = 0; j < n[1]; j++)
      for (PetscInt i = 0; i < n[0]; i++)
        for (int p = 0; p < 6; p++) {
          for (int q = 0; q < 4; q++) {
            PetscInt b       = paths[p][q];
            tets[4 * nt + q] = (i + (b & 1)) + (n[0] + 1) * ((j + ((b >> 1) & 1)) + (n[1] + 1) * (k + ((b >> 2) & 1)));
          }
          regions[nt++] = i == 2 ? 7 : 4;
        }
  /* a face is a facet when it belongs to one tet or to two tets of different regions */
  for (PetscInt t = 0; t < nt; t++)
    for (int f = 0; f < 4; f++) {
      PetscInt a[3] = {tets[4 * t + (f + 1) % 4], tets[4 * t + (f + 2) % 4], tets[4 * t + (f + 3) % 4]}, other = -1;
      for (PetscInt s = 0; s < nt && other < 0; s++) {
        int hits = 0;
        if (s == t) continue;
        for (int x = 0; x < 3; x++)
          for (int y = 0; y < 4; y++)
            hits += a[x] == tets[4 * s + y];
        if (hits == 3) other = s;
      }
      if (other >= 0 && (regions[other] == regions[t] || other < t)) continue;
      for (int x = 0; x < 3; x++)
        facets[3 * nf + x] = a[x];
      tags[nf++] = other < 0 ? regions[t] : (int32_t)TwinfeFacetTag(regions[t], regions[other]);
    }
  PetscCall(TwinfeMeshCreate(nv, xyz, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(TwinfeMeshSetRegionName(*mesh, 4, "liver"));
  PetscCall(TwinfeMeshSetRegionName(*mesh, 7, "tumor"));
  PetscCall(PetscFree3(xyz, tets, regions));
  PetscCall(PetscFree2(facets, tags));
  PetscFunctionReturn(0);
}

/* Histogram of facet tags, to compare two meshes tag by tag. */
static void CountTags(TwinfeMesh mesh, PetscInt counts[8000])
{
  PetscInt       nf;
  const int32_t *tags;
  memset(counts, 0, 8000 * sizeof(PetscInt));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, NULL, &tags));
  for (PetscInt f = 0; f < nf; f++) {
    ck_assert_int_lt(tags[f], 8000);
    counts[tags[f]]++;
  }
}

/* The whole file, and its length in *length (a binary .msh holds NUL bytes). */
static char *FileText(const char path[], long *length)
{
  FILE *f = fopen(path, "rb");
  long  n;
  char *text;
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = (char *)calloc((size_t)n + 1, 1);
  ck_assert_int_eq((long)fread(text, 1, (size_t)n, f), n);
  fclose(f);
  *length = n;
  return text;
}

static PetscBool Contains(const char *text, long n, const char *needle)
{
  const long k = (long)strlen(needle);
  for (long i = 0; i + k <= n; i++)
    if (!memcmp(text + i, needle, (size_t)k)) return PETSC_TRUE;
  return PETSC_FALSE;
}

START_TEST(round_trip_keeps_counts_volumes_tags_and_names)
{
  TwinfeMesh      mesh, back;
  char            path[PETSC_MAX_PATH_LEN], partial[PETSC_MAX_PATH_LEN + 16];
  PetscInt        nv[2], nt[2], nf[2], nr[2];
  const int32_t  *labels[2];
  PetscReal       vol[2][2];
  static PetscInt counts[2][8000];
  char           *text;
  long            length;
  PetscBool       partial_left;

  TWINFE_CK(BoxMesh(&mesh));
  snprintf(path, sizeof path, "%s/box.msh", twinfe_test_work_dir());
  TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
  snprintf(partial, sizeof partial, "%s.partial.msh", path);
  TWINFE_CK(PetscTestFile(partial, 'r', &partial_left));
  ck_assert_msg(!partial_left, "the temporary file was left behind");
  text = FileText(path, &length);
  ck_assert_msg(Contains(text, length, "$MeshFormat\n4.1 1 8\n"), "not a binary .msh 4.1 file");
  ck_assert_msg(Contains(text, length, "\"liver_tumor_interface\""), "interface group name missing");
  ck_assert_msg(Contains(text, length, "\"tumor_surface\""), "boundary group name missing");
  free(text);
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));

  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv[0], NULL));
  TWINFE_CK(TwinfeMeshGetVertices(back, &nv[1], NULL));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt[0], NULL, NULL));
  TWINFE_CK(TwinfeMeshGetTetrahedra(back, &nt[1], NULL, NULL));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf[0], NULL, NULL));
  TWINFE_CK(TwinfeMeshGetFacets(back, &nf[1], NULL, NULL));
  TWINFE_CK(TwinfeMeshGetRegions(mesh, &nr[0], &labels[0]));
  TWINFE_CK(TwinfeMeshGetRegions(back, &nr[1], &labels[1]));
  ck_assert_int_eq(nv[0], 36);
  ck_assert_int_eq(nt[0], 72);
  ck_assert_int_eq(nf[0],
                   2 * (2 * 3 * 2 + 2 * 3 * 2 + 2 * 2 * 2) + 2 * 2 * 2); /* 2 per boundary square + 2 per interface square */
  ck_assert_int_eq(nv[1], nv[0]);
  ck_assert_int_eq(nt[1], nt[0]);
  ck_assert_int_eq(nf[1], nf[0]);
  ck_assert_int_eq(nr[1], 2);
  ck_assert_int_eq(labels[1][0], 4);
  ck_assert_int_eq(labels[1][1], 7);
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(mesh, vol[0]));
  TWINFE_CK(TwinfeMeshComputeRegionVolumes(back, vol[1]));
  /* 8 and 4 cubes of 3 mm^3; .msh stores coordinates with 16 significant digits, so the
     volumes agree to rounding (1e-12 relative). */
  ck_assert_double_eq_tol(vol[0][0], 24.0, 1e-12 * 24.0);
  ck_assert_double_eq_tol(vol[0][1], 12.0, 1e-12 * 12.0);
  ck_assert_double_eq_tol(vol[1][0], vol[0][0], 1e-12 * vol[0][0]);
  ck_assert_double_eq_tol(vol[1][1], vol[0][1], 1e-12 * vol[0][1]);
  CountTags(mesh, counts[0]);
  CountTags(back, counts[1]);
  ck_assert_int_eq(counts[0][4007], 8);
  for (PetscInt t = 0; t < 8000; t++)
    ck_assert_int_eq(counts[1][t], counts[0][t]);
  {
    const char *name;
    TWINFE_CK(TwinfeMeshGetRegionName(back, 4, &name));
    ck_assert_str_eq(name, "liver");
    TWINFE_CK(TwinfeMeshGetRegionName(back, 7, &name));
    ck_assert_str_eq(name, "tumor");
  }
  TWINFE_CK(TwinfeMeshDestroy(&back));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

START_TEST(missing_or_broken_files_are_refused)
{
  TwinfeMesh mesh = NULL;
  char       path[PETSC_MAX_PATH_LEN];
  FILE      *f;
  TWINFE_CK_FAILS(TwinfeMeshReadGmsh("/nonexistent/folder/mesh.msh", &mesh));
  ck_assert_ptr_null(mesh);
  /* a .msh with a broken header and a file that holds no tetrahedra */
  snprintf(path, sizeof path, "%s/broken.msh", twinfe_test_work_dir());
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$Nodes\n1 2 1 2\nthis is not a node block\n", f);
  fclose(f);
  TWINFE_CK_FAILS(TwinfeMeshReadGmsh(path, &mesh));
  ck_assert_ptr_null(mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  /* writing needs a folder that exists */
  TWINFE_CK(BoxMesh(&mesh));
  TWINFE_CK_FAILS(TwinfeMeshWriteGmsh(mesh, "/nonexistent/folder/mesh.msh"));
  /* Gmsh was left in a usable state by each failure: a write and a read still work */
  snprintf(path, sizeof path, "%s/after_failures.msh", twinfe_test_work_dir());
  TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  TWINFE_CK(TwinfeMeshReadGmsh(path, &mesh));
  {
    PetscInt ntets;
    TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &ntets, NULL, NULL));
    ck_assert_int_eq(ntets, 72);
  }
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  /* a Gmsh file with nodes but no tetrahedra is not a volume mesh */
  snprintf(path, sizeof path, "%s/nodes_only.msh", twinfe_test_work_dir());
  f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n$Nodes\n1 1 1 1\n0 1 0 1\n1\n0 0 0\n$EndNodes\n", f);
  fclose(f);
  TWINFE_CK_FAILS(TwinfeMeshReadGmsh(path, &mesh));
  ck_assert_ptr_null(mesh);
}
END_TEST

/* A file with physical volumes only: the reader derives every boundary and interface facet,
   the same ones (by tag) as the mesh that was written with its facets. */
START_TEST(facets_are_derived_when_the_file_has_none)
{
  TwinfeMesh       mesh, bare, back;
  char             path[PETSC_MAX_PATH_LEN];
  PetscInt         nv, nt, nf[2];
  const PetscReal *xyz;
  const PetscInt  *tets, *facets;
  const int32_t   *regions, *tags;
  static PetscInt  counts[2][8000];

  TWINFE_CK(BoxMesh(&mesh));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, &xyz));
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  TWINFE_CK(TwinfeMeshCreate(nv, xyz, nt, tets, regions, 0, NULL, NULL, &bare));
  TWINFE_CK(TwinfeMeshSetRegionName(bare, 4, "liver"));
  snprintf(path, sizeof path, "%s/bare.msh", twinfe_test_work_dir());
  TWINFE_CK(TwinfeMeshWriteGmsh(bare, path));
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf[0], NULL, NULL));
  TWINFE_CK(TwinfeMeshGetFacets(back, &nf[1], &facets, &tags));
  ck_assert_int_eq(nf[1], nf[0]);
  CountTags(mesh, counts[0]);
  CountTags(back, counts[1]);
  for (PetscInt t = 0; t < 8000; t++)
    ck_assert_int_eq(counts[1][t], counts[0][t]);
  /* outer facets point out of the box: away from its centre (-197, 36.5, 121) */
  TWINFE_CK(TwinfeMeshGetVertices(back, NULL, &xyz));
  for (PetscInt f = 0; f < nf[1]; f++) {
    const PetscReal *a = &xyz[3 * facets[3 * f]], *b = &xyz[3 * facets[3 * f + 1]], *c = &xyz[3 * facets[3 * f + 2]];
    const PetscReal  centre[3] = {-197.0, 36.5, 121.0};
    PetscReal        u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]}, dot = 0;
    PetscReal        n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
    if (tags[f] >= 1000) {
      /* the interface x = -196 between liver (x < -196) and tumor: normal from the tumor (7) to the liver (4) */
      ck_assert_msg(n[0] < 0, "interface facet %d points from the liver into the tumor", (int)f);
      continue;
    }
    for (int d = 0; d < 3; d++)
      dot += n[d] * ((a[d] + b[d] + c[d]) / 3 - centre[d]);
    ck_assert_msg(dot > 0, "outer facet %d points into the box", (int)f);
  }
  {
    const char *name;
    TWINFE_CK(TwinfeMeshGetRegionName(back, 4, &name));
    ck_assert_str_eq(name, "liver");
  }
  TWINFE_CK(TwinfeMeshDestroy(&back));
  TWINFE_CK(TwinfeMeshDestroy(&bare));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

static int ComparePoint(const void *a, const void *b)
{
  const PetscReal *p = (const PetscReal *)a, *q = (const PetscReal *)b;
  for (int d = 0; d < 3; d++)
    if (p[d] != q[d]) return p[d] < q[d] ? -1 : 1;
  return 0;
}

/* -mesh_msh_binary false: the text form, the same mesh read back with every coordinate exact. */
START_TEST(text_format_reads_back_exactly)
{
  TwinfeMesh       mesh, back;
  char             path[PETSC_MAX_PATH_LEN], *text;
  long             length;
  PetscInt         nv[2];
  const PetscReal *x[2];
  TWINFE_CK(BoxMesh(&mesh));
  snprintf(path, sizeof path, "%s/box_text.msh", twinfe_test_work_dir());
  TWINFE_CK(PetscOptionsSetValue(NULL, "-mesh_msh_binary", "false"));
  TWINFE_CK(TwinfeMeshWriteGmsh(mesh, path));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-mesh_msh_binary"));
  text = FileText(path, &length);
  ck_assert_msg(Contains(text, length, "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"), "not a text .msh 4.1 file");
  ck_assert_msg((long)strlen(text) == length, "a text .msh holds a NUL byte");
  free(text);
  TWINFE_CK(TwinfeMeshReadGmsh(path, &back));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv[0], &x[0]));
  TWINFE_CK(TwinfeMeshGetVertices(back, &nv[1], &x[1]));
  ck_assert_int_eq(nv[1], nv[0]);
  { /* the reader numbers vertices its own way: compare the sorted points */
    PetscReal *p[2];
    for (int k = 0; k < 2; k++) {
      p[k] = (PetscReal *)malloc(3 * (size_t)nv[k] * sizeof(PetscReal));
      memcpy(p[k], x[k], 3 * (size_t)nv[k] * sizeof(PetscReal));
      qsort(p[k], (size_t)nv[k], 3 * sizeof(PetscReal), ComparePoint);
    }
    ck_assert_msg(!memcmp(p[0], p[1], 3 * (size_t)nv[0] * sizeof(PetscReal)), "coordinates changed through the text .msh");
    free(p[0]);
    free(p[1]);
  }
  TWINFE_CK(TwinfeMeshDestroy(&back));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_gmsh_io");
  TCase *tc = tcase_create("gmsh_io");
  tcase_add_test(tc, round_trip_keeps_counts_volumes_tags_and_names);
  tcase_add_test(tc, missing_or_broken_files_are_refused);
  tcase_add_test(tc, facets_are_derived_when_the_file_has_none);
  tcase_add_test(tc, text_format_reads_back_exactly);
  suite_add_tcase(s, tc);
  return s;
}
