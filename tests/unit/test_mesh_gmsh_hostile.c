/* Hostile .msh files: each is written here, read with TwinfeMeshReadGmsh, and must give either
 * the right mesh or the right error code with a message that names the file and the problem
 * (and no internal function or temporary path). Inputs that crashed Gmsh 4.8.4's own reader
 * (SIGSEGV) are kept as regression cases.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup, symlink, mkfifo */
#include "twinfe_test.h"
#include <twinfe/core.h>
#include <twinfe/mesh.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Two tets on either side of the face (1, 2, 3): region 1 ("liver") below z = 0, region 2
   ("tumor") above. */
static const char *base41 = "$MeshFormat\n4.1 0 8\n$EndMeshFormat\n"
                            "$PhysicalNames\n2\n3 1 \"liver\"\n3 2 \"tumor\"\n$EndPhysicalNames\n"
                            "$Entities\n0 0 0 2\n"
                            "1 0 0 -1 1 1 0 1 1 0\n"
                            "2 0 0 0 1 1 1 1 2 0\n"
                            "$EndEntities\n"
                            "$Nodes\n1 5 1 5\n3 1 0 5\nN1\nN2\nN3\nN4\nN5\n0 0 0\n1 0 0\n0 1 0\n0 0 -1\n0 0 1\n$EndNodes\n"
                            "$Elements\n2 2 1 2\n3 1 4 1\n1 N1 N2 N3 N4\n3 2 4 1\n2 N1 N2 N3 N5\n$EndElements\n";

static char message[4096];

static PetscErrorCode Capture(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p,
                              const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(message, sizeof message, "%s", mess);
  return n;
}

/* A copy of text with every "from" replaced by "to" (the caller frees). */
static char *Replace(const char *text, const char *from, const char *to)
{
  size_t      nf = strlen(from), nt = strlen(to), n = 0;
  const char *p;
  char       *out, *o;
  for (p = strstr(text, from); p; p = strstr(p + nf, from))
    n++;
  out = (char *)malloc(strlen(text) + n * (nt + 1) + 1);
  for (o = out, p = text;;) {
    const char *hit = strstr(p, from);
    if (!hit) break;
    memcpy(o, p, (size_t)(hit - p));
    o += hit - p;
    memcpy(o, to, nt);
    o += nt;
    p = hit + nf;
  }
  strcpy(o, p);
  return out;
}

/* base41 with node tags N1..N5 spelled out. */
static char *Base(const char *tags[5])
{
  const char *plain[5] = {"1", "2", "3", "4", "5"};
  char       *s        = strdup(base41);
  if (!tags) tags = plain;
  for (int k = 0; k < 5; k++) {
    char key[4] = {'N', (char)('1' + k), 0, 0}, *t = Replace(s, key, tags[k]);
    free(s);
    s = t;
  }
  return s;
}

static const char *WriteFile(const char name[], const void *data, size_t size)
{
  static char path[PETSC_MAX_PATH_LEN];
  FILE       *f;
  snprintf(path, sizeof path, "%s/%s", twinfe_test_work_dir(), name);
  f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, size, f), size);
  fclose(f);
  return path;
}

static const char *WriteText(const char name[], const char *text)
{
  return WriteFile(name, text, strlen(text));
}

/* The read fails with the code, the message names the file and holds every given phrase,
   and no internal name. */
static void ExpectRefused(const char path[], PetscErrorCode code, const char *phrase1, const char *phrase2)
{
  TwinfeMesh     mesh = NULL;
  PetscErrorCode ierr;

  message[0] = 0;
  PetscPushErrorHandler(Capture, NULL);
  ierr = TwinfeMeshReadGmsh(path, &mesh);
  PetscPopErrorHandler();
  ck_assert_msg(ierr == code, "%s: expected error %d, got %d: %s", path, (int)code, (int)ierr, message);
  ck_assert_ptr_null(mesh);
  ck_assert_msg(strstr(message, path) != NULL, "the message does not name the file: %s", message);
  ck_assert_msg(strstr(message, phrase1) != NULL, "the message lacks \"%s\": %s", phrase1, message);
  ck_assert_msg(!phrase2 || strstr(message, phrase2) != NULL, "the message lacks \"%s\": %s", phrase2, message);
  ck_assert_msg(!strstr(message, "Twinfe") && !strstr(message, "_Private") && !strstr(message, "partial") &&
                    !strstr(message, "failed (ierr"),
                "the message names internals: %s", message);
}

static TwinfeMesh ExpectRead(const char path[], PetscInt ntets, PetscInt nvertices)
{
  TwinfeMesh mesh = NULL;
  PetscInt   nt, nv;
  message[0] = 0;
  PetscPushErrorHandler(Capture, NULL);
  {
    PetscErrorCode ierr = TwinfeMeshReadGmsh(path, &mesh);
    PetscPopErrorHandler();
    ck_assert_msg(ierr == 0, "%s was refused: %s", path, message);
  }
  TWINFE_CK(TwinfeMeshGetTetrahedra(mesh, &nt, NULL, NULL));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, &nv, NULL));
  ck_assert_int_eq(nt, ntets);
  ck_assert_int_eq(nv, nvertices);
  return mesh;
}

/* Derived facets: 3 outer faces per tet tagged with its region and the shared face 1002, each
   with its normal out of the tet of the higher label. */
static void CheckDerivedFacets(TwinfeMesh mesh)
{
  PetscInt         nf, count[3] = {0, 0, 0};
  const PetscInt  *facets;
  const int32_t   *tags;
  const PetscReal *xyz;
  TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
  TWINFE_CK(TwinfeMeshGetVertices(mesh, NULL, &xyz));
  ck_assert_int_eq(nf, 7);
  for (PetscInt f = 0; f < nf; f++) {
    const PetscReal *a = &xyz[3 * facets[3 * f]], *b = &xyz[3 * facets[3 * f + 1]], *c = &xyz[3 * facets[3 * f + 2]];
    PetscReal        u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    PetscReal        n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
    /* the tet of region 1 lies at z < 0 and region 2 at z > 0: its outside is away from its
       centroid (1/4, 1/4, -+1/4) */
    PetscReal centre[3] = {0.25, 0.25, tags[f] == 1 ? -0.25 : 0.25}, mid[3], dot = 0;
    for (int d = 0; d < 3; d++)
      mid[d] = (a[d] + b[d] + c[d]) / 3, dot += n[d] * (mid[d] - centre[d]);
    ck_assert_msg(dot > 0, "facet %d (tag %d) points inwards", (int)f, (int)tags[f]);
    count[tags[f] == 1 ? 0 : tags[f] == 2 ? 1 : 2]++;
    ck_assert(tags[f] == 1 || tags[f] == 2 || tags[f] == 1002);
  }
  ck_assert_int_eq(count[0], 3);
  ck_assert_int_eq(count[1], 3);
  ck_assert_int_eq(count[2], 1);
}

START_TEST(valid_text_41_reads_with_names_and_derived_facets)
{
  char       *text = Base(NULL);
  TwinfeMesh  mesh = ExpectRead(WriteText("base.msh", text), 2, 5);
  const char *name;
  TWINFE_CK(TwinfeMeshGetRegionName(mesh, 1, &name));
  ck_assert_str_eq(name, "liver");
  TWINFE_CK(TwinfeMeshGetRegionName(mesh, 2, &name));
  ck_assert_str_eq(name, "tumor");
  CheckDerivedFacets(mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  /* the same with Windows line ends and a UTF-8 mark, as an editor may save it */
  {
    char *crlf = Replace(text, "\n", "\r\n"), *bom = (char *)malloc(strlen(crlf) + 4);
    snprintf(bom, strlen(crlf) + 4, "\xef\xbb\xbf%s", crlf);
    mesh = ExpectRead(WriteText("crlf_bom.msh", bom), 2, 5);
    CheckDerivedFacets(mesh);
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
    free(crlf);
    free(bom);
  }
  free(text);
}
END_TEST

/* The same two tets as MSH 2.2 text, 2.2 binary and 4.1 binary, as Gmsh writes them. */
static size_t Put(unsigned char *buf, size_t at, const void *v, size_t n)
{
  memcpy(buf + at, v, n);
  return at + n;
}

static size_t PutS(unsigned char *buf, size_t at, const char *text)
{
  return Put(buf, at, text, strlen(text));
}

static const double xyz5[5][3]  = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
static const int    tets2[2][4] = {{1, 2, 3, 4}, {1, 2, 3, 5}};

static size_t Binary22(unsigned char *b)
{
  size_t  n   = 0;
  int32_t one = 1;
  char    head[256];
  snprintf(head, sizeof head, "$MeshFormat\n2.2 1 8\n");
  n = PutS(b, n, head);
  n = Put(b, n, &one, 4);
  n = PutS(b, n, "\n$EndMeshFormat\n$PhysicalNames\n1\n3 2 \"tumor\"\n$EndPhysicalNames\n$Nodes\n5\n");
  for (int32_t i = 0; i < 5; i++) {
    n = Put(b, n, &(int32_t){i + 1}, 4);
    n = Put(b, n, xyz5[i], 24);
  }
  n = PutS(b, n, "\n$EndNodes\n$Elements\n2\n");
  {
    int32_t header[3] = {4, 2, 2};
    n                 = Put(b, n, header, 12);
    for (int32_t e = 0; e < 2; e++) {
      int32_t rec[7] = {e + 1, e + 1, e + 1, tets2[e][0], tets2[e][1], tets2[e][2], tets2[e][3]};
      n              = Put(b, n, rec, sizeof rec);
    }
  }
  return PutS(b, n, "\n$EndElements\n");
}

static size_t Binary41(unsigned char *b)
{
  size_t   n   = 0;
  int32_t  one = 1;
  uint64_t s4[4];
  n     = PutS(b, n, "$MeshFormat\n4.1 1 8\n");
  n     = Put(b, n, &one, 4);
  n     = PutS(b, n, "\n$EndMeshFormat\n$Entities\n");
  s4[0] = 0, s4[1] = 0, s4[2] = 0, s4[3] = 2;
  n = Put(b, n, s4, 32);
  for (int32_t v = 1; v <= 2; v++) {
    double   box[6]  = {0, 0, v == 1 ? -1 : 0, 1, 1, v == 1 ? 0 : 1};
    uint64_t one_tag = 1, none = 0;
    n = Put(b, n, &v, 4);
    n = Put(b, n, box, 48);
    n = Put(b, n, &one_tag, 8);
    n = Put(b, n, &v, 4); /* physical volume = entity */
    n = Put(b, n, &none, 8);
  }
  n     = PutS(b, n, "\n$EndEntities\n$Nodes\n");
  s4[0] = 1, s4[1] = 5, s4[2] = 1, s4[3] = 5;
  n = Put(b, n, s4, 32);
  {
    int32_t  block[3] = {3, 1, 0};
    uint64_t count    = 5;
    n                 = Put(b, n, block, 12);
    n                 = Put(b, n, &count, 8);
    for (uint64_t i = 1; i <= 5; i++)
      n = Put(b, n, &i, 8);
    n = Put(b, n, xyz5, sizeof xyz5);
  }
  n     = PutS(b, n, "\n$EndNodes\n$Elements\n");
  s4[0] = 2, s4[1] = 2, s4[2] = 1, s4[3] = 2;
  n = Put(b, n, s4, 32);
  for (int32_t e = 0; e < 2; e++) {
    int32_t  block[3] = {3, e + 1, 4};
    uint64_t count = 1, rec[5] = {(uint64_t)e + 1, (uint64_t)tets2[e][0], (uint64_t)tets2[e][1], (uint64_t)tets2[e][2],
                                  (uint64_t)tets2[e][3]};
    n = Put(b, n, block, 12);
    n = Put(b, n, &count, 8);
    n = Put(b, n, rec, sizeof rec);
  }
  return PutS(b, n, "\n$EndElements\n");
}

START_TEST(formats_22_and_41_text_and_binary_read_alike)
{
  static unsigned char buf[4096];
  const char          *text22 = "$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$PhysicalNames\n1\n3 2 \"tumor\"\n$EndPhysicalNames\n"
                                "$Nodes\n5\n1 0 0 0\n2 1 0 0\n3 0 1 0\n4 0 0 -1\n5 0 0 1\n$EndNodes\n"
                                "$Elements\n3\n1 4 2 1 1 1 2 3 4\n2 4 2 2 2 1 2 3 5\n3 15 2 0 1 1\n$EndElements\n";
  const char          *path[3];
  char                 truncated[64];
  size_t               n;

  path[0] = strdup(WriteText("text22.msh", text22));
  n       = Binary22(buf);
  path[1] = strdup(WriteFile("binary22.msh", buf, n));
  n       = Binary41(buf);
  path[2] = strdup(WriteFile("binary41.msh", buf, n));
  for (int k = 0; k < 3; k++) {
    TwinfeMesh  mesh = ExpectRead(path[k], 2, 5);
    const char *name;
    CheckDerivedFacets(mesh);
    TWINFE_CK(TwinfeMeshGetRegionName(mesh, 2, &name));
    ck_assert_str_eq(name, k < 2 ? "tumor" : "region_2");
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
  }
  /* a binary file cut in its node data */
  snprintf(truncated, sizeof truncated, "cut41.msh");
  n = Binary41(buf);
  ExpectRefused(WriteFile(truncated, buf, n / 2), PETSC_ERR_FILE_UNEXPECTED, "truncated", "byte");
  for (int k = 0; k < 3; k++)
    free((void *)path[k]);
}
END_TEST

START_TEST(huge_and_sparse_node_tags_are_mapped)
{
  const char *huge[5] = {"4611686018427387904", "4000000000", "17", "9223372036854775807", "2"};
  char       *text    = Base(huge);
  TwinfeMesh  mesh    = ExpectRead(WriteText("huge_tags.msh", text), 2, 5);
  CheckDerivedFacets(mesh);
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  free(text);
  {
    const char *too_big[5] = {"18446744073709551615", "2", "3", "4", "5"};
    text                   = Base(too_big);
    ExpectRefused(WriteText("too_big_tag.msh", text), PETSC_ERR_FILE_UNEXPECTED, "node tag", "too large");
    free(text);
  }
  {
    const char *twice[5] = {"1", "2", "3", "4", "4"};
    text                 = Base(twice);
    ExpectRefused(WriteText("twice.msh", text), PETSC_ERR_FILE_UNEXPECTED, "node tag 4 is given twice", NULL);
    free(text);
  }
  /* a count that the file cannot hold is refused before anything is allocated for it */
  text = Base(NULL);
  {
    char *t = Replace(text, "$Nodes\n1 5 1 5", "$Nodes\n1 2000000000 1 2000000000");
    ExpectRefused(WriteText("huge_count.msh", t), PETSC_ERR_FILE_UNEXPECTED, "cannot hold that many", NULL);
    free(t);
  }
  free(text);
}
END_TEST

START_TEST(broken_references_and_coordinates_are_refused)
{
  char *text = Base(NULL), *t;

  t = Replace(text, "2 1 2 3 5", "2 1 2 3 9");
  ExpectRefused(WriteText("missing_node.msh", t), PETSC_ERR_FILE_UNEXPECTED, "naming node 9", "$Nodes does not hold");
  free(t);
  /* Gmsh 4.8.4 crashed (SIGSEGV) on these two (found by mutating a Gmsh-written file) */
  t = Replace(text, "2 1 2 3 5", "2 1 2 3 -1");
  ExpectRefused(WriteText("negative_node.msh", t), PETSC_ERR_FILE_UNEXPECTED, "node tag", "must lie in");
  free(t);
  t = Replace(text, "3 1 \"liver\"", "99999999999 1 \"liver\"");
  ExpectRefused(WriteText("physical_dim.msh", t), PETSC_ERR_FILE_UNEXPECTED, "dimension", "line 6");
  free(t);
  t = Replace(text, "0 0 1\n$EndNodes", "0 nan 1\n$EndNodes");
  ExpectRefused(WriteText("nan.msh", t), PETSC_ERR_FILE_UNEXPECTED, "finite", "node 5");
  free(t);
  t = Replace(text, "0 0 1\n$EndNodes", "0 0 inf\n$EndNodes");
  ExpectRefused(WriteText("inf.msh", t), PETSC_ERR_FILE_UNEXPECTED, "finite", NULL);
  free(t);
  t = Replace(text, "0 0 1\n$EndNodes", "0 0 one\n$EndNodes");
  ExpectRefused(WriteText("word.msh", t), PETSC_ERR_FILE_UNEXPECTED, "a node coordinate", "\"one\"");
  free(t);
  /* node 5 in the plane z = 0: the second tet is flat */
  t = Replace(text, "0 0 1\n$EndNodes", "0.5 0.25 0\n$EndNodes");
  ExpectRefused(WriteText("flat.msh", t), PETSC_ERR_FILE_UNEXPECTED, "1 tetrahedra of zero volume", "element 2");
  free(t);
  /* node 5 below z = 0 like node 4: both tets on one side of their face (an inverted tet) */
  t = Replace(text, "0 0 1\n$EndNodes", "0.1 0.1 -0.5\n$EndNodes");
  ExpectRefused(WriteText("folded.msh", t), PETSC_ERR_FILE_UNEXPECTED, "overlapping", "inverted");
  free(t);
  free(text);
}
END_TEST

START_TEST(element_kinds)
{
  char      *text = Base(NULL), *t;
  TwinfeMesh mesh;

  /* second order: the corner nodes are used, the mid-edge node 6 is dropped */
  t = Replace(text, "$Nodes\n1 5 1 5\n3 1 0 5\n", "$Nodes\n1 6 1 6\n3 1 0 6\n");
  {
    char *w = Replace(t, "5\n0 0 0\n", "5\n6\n0 0 0\n"), *u = Replace(w, "0 0 1\n$EndNodes", "0 0 1\n0.5 0 0\n$EndNodes"), *v;
    free(w);
    free(t);
    v = Replace(u, "3 1 4 1\n1 1 2 3 4\n3 2 4 1\n2 1 2 3 5", "3 1 11 1\n1 1 2 3 4 6 6 6 6 6 6\n3 2 11 1\n2 1 2 3 5 6 6 6 6 6 6");
    free(u);
    mesh = ExpectRead(WriteText("tet10.msh", v), 2, 5);
    CheckDerivedFacets(mesh);
    TWINFE_CK(TwinfeMeshDestroy(&mesh));
    free(v);
  }
  /* a prism block and a hexahedron block: named and counted */
  t = Replace(text, "$Elements\n2 2 1 2\n", "$Elements\n4 4 1 4\n3 1 6 1\n7 1 2 3 4 5 1\n3 1 5 1\n8 1 2 3 4 5 1 2 3\n");
  ExpectRefused(WriteText("prisms.msh", t), PETSC_ERR_SUP, "1 prism", "1 hexahedron");
  free(t);
  /* an element type Gmsh does not have */
  t = Replace(text, "3 2 4 1\n", "3 2 77 1\n");
  ExpectRefused(WriteText("type77.msh", t), PETSC_ERR_SUP, "element type 77", NULL);
  free(t);
  /* triangles only: a surface mesh */
  t = Replace(text, "3 1 4 1\n1 1 2 3 4\n3 2 4 1\n2 1 2 3 5", "2 1 2 1\n1 1 2 3\n2 2 2 1\n2 1 2 4");
  ExpectRefused(WriteText("surface_only.msh", t), PETSC_ERR_FILE_UNEXPECTED, "surface mesh", "2 triangles");
  free(t);
  free(text);
}
END_TEST

START_TEST(physical_groups)
{
  char       *text = Base(NULL), *t, *u;
  TwinfeMesh  mesh;
  const char *name;

  /* no physical groups at all: the volume entities are the regions */
  t    = Replace(text, "1 0 0 -1 1 1 0 1 1 0\n2 0 0 0 1 1 1 1 2 0", "1 0 0 -1 1 1 0 0 0\n2 0 0 0 1 1 1 0 0");
  mesh = ExpectRead(WriteText("no_groups.msh", t), 2, 5);
  TWINFE_CK(TwinfeMeshGetRegionName(mesh, 2, &name));
  ck_assert_str_eq(name, "region_2");
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  free(t);
  /* tets in no physical volume beside tets in one */
  t = Replace(text, "2 0 0 0 1 1 1 1 2 0", "2 0 0 0 1 1 1 0 0");
  ExpectRefused(WriteText("ungrouped.msh", t), PETSC_ERR_FILE_UNEXPECTED, "1 of 2 tetrahedra (in volume entities 2)",
                "Physical Volume");
  free(t);
  /* one entity in two physical volumes */
  t = Replace(text, "2 0 0 0 1 1 1 1 2 0", "2 0 0 0 1 1 1 2 2 1 0");
  ExpectRefused(WriteText("two_groups.msh", t), PETSC_ERR_FILE_UNEXPECTED, "volume entity 2 is in 2 physical volumes (2 and 1)",
                NULL);
  free(t);
  /* labels the facet tags cannot hold */
  t = Replace(text, "2 0 0 0 1 1 1 1 2 0", "2 0 0 0 1 1 1 1 1000 0");
  ExpectRefused(WriteText("label1000.msh", t), PETSC_ERR_SUP, "physical volume 1000", "1 to 999");
  free(t);
  t = Replace(text, "2 0 0 0 1 1 1 1 2 0", "2 0 0 0 1 1 1 1 -3 0");
  ExpectRefused(WriteText("label_negative.msh", t), PETSC_ERR_FILE_UNEXPECTED, "physical volume -3", "1 to 999");
  free(t);
  /* names */
  t = Replace(text, "\"tumor\"", "\"left kidney\"");
  ExpectRefused(WriteText("name_space.msh", t), PETSC_ERR_FILE_UNEXPECTED, "\"left kidney\"", "left_kidney");
  free(t);
  t = Replace(text, "\"tumor\"", "\"liver\"");
  ExpectRefused(WriteText("name_twice.msh", t), PETSC_ERR_FILE_UNEXPECTED, "both named \"liver\"", NULL);
  free(t);
  t = Replace(text, "$PhysicalNames\n2\n", "$PhysicalNames\n3\n3 2 \"lesion\"\n");
  ExpectRefused(WriteText("group_named_twice.msh", t), PETSC_ERR_FILE_UNEXPECTED, "physical volume 2 is named twice", NULL);
  free(t);
  /* physical surfaces: the interface face tagged by the rule is kept as given ... */
  t    = Replace(text, "$Entities\n0 0 0 2\n", "$Entities\n0 0 1 2\n7 0 0 0 1 1 0 1 1002 0\n");
  u    = Replace(t, "$Elements\n2 2 1 2\n", "$Elements\n3 3 1 3\n2 7 2 1\n3 1 3 2\n");
  mesh = ExpectRead(WriteText("interface_group.msh", u), 2, 5);
  {
    PetscInt       nf;
    const int32_t *tags;
    TWINFE_CK(TwinfeMeshGetFacets(mesh, &nf, NULL, &tags));
    ck_assert_int_eq(nf, 1);
    ck_assert_int_eq(tags[0], 1002);
  }
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
  free(u);
  free(t);
  /* ... a tag that breaks the rule is refused with the tag the face would have */
  t = Replace(text, "$Entities\n0 0 0 2\n", "$Entities\n0 0 1 2\n7 0 0 0 1 1 0 1 7 0\n");
  u = Replace(t, "$Elements\n2 2 1 2\n", "$Elements\n3 3 1 3\n2 7 2 1\n3 1 3 2\n");
  ExpectRefused(WriteText("wrong_surface_tag.msh", u), PETSC_ERR_FILE_UNEXPECTED, "physical surface 7", "tags that face 1002");
  free(u);
  free(t);
  /* a triangle that is no tet's face */
  t = Replace(text, "$Entities\n0 0 0 2\n", "$Entities\n0 0 1 2\n7 0 0 0 1 1 0 1 1 0\n");
  u = Replace(t, "$Elements\n2 2 1 2\n", "$Elements\n3 3 1 3\n2 7 2 1\n3 4 5 2\n");
  ExpectRefused(WriteText("stray_triangle.msh", u), PETSC_ERR_FILE_UNEXPECTED, "not a face of any tetrahedron", NULL);
  free(u);
  free(t);
  free(text);
}
END_TEST

START_TEST(not_a_mesh_file)
{
  char *text = Base(NULL), *t, path[PETSC_MAX_PATH_LEN];

  ExpectRefused(WriteText("empty.msh", ""), PETSC_ERR_FILE_UNEXPECTED, "is empty", NULL);
  ExpectRefused(WriteText("blank.msh", " \n\n"), PETSC_ERR_FILE_UNEXPECTED, "is empty", NULL);
  ExpectRefused(WriteText("words.msh", "hello world\n"), PETSC_ERR_FILE_UNEXPECTED, "not a Gmsh mesh file", "$MeshFormat");
  ExpectRefused(WriteFile("label.msh", "\x1f\x8b\x08\x00", 4), PETSC_ERR_FILE_UNEXPECTED, "not a Gmsh mesh file", "gzip");
  t = Replace(text, "4.1 0 8", "4 0 8");
  ExpectRefused(WriteText("v40.msh", t), PETSC_ERR_SUP, "format version \"4\"", "4.1 or 2.2");
  free(t);
  t = Replace(text, "$EndMeshFormat", "$EndMeshFormatX");
  ExpectRefused(WriteText("end_marker.msh", t), PETSC_ERR_FILE_UNEXPECTED, "expected $EndMeshFormat", NULL);
  free(t);
  /* cut in the middle of every section in turn */
  for (size_t cut = 40; cut < strlen(text) - 14; cut += 23) {
    char saved = text[cut];
    text[cut]  = 0;
    {
      TwinfeMesh     mesh = NULL;
      PetscErrorCode ierr;
      const char    *p = WriteText("cut.msh", text);
      PetscPushErrorHandler(Capture, NULL);
      ierr = TwinfeMeshReadGmsh(p, &mesh);
      PetscPopErrorHandler();
      ck_assert_msg(ierr != 0, "a file cut at byte %zu was read", cut);
      ck_assert_ptr_null(mesh);
      ck_assert_msg(strstr(message, p) != NULL, "the message does not name the file: %s", message);
    }
    text[cut] = saved;
  }
  t = Replace(text, "2 1 2 3 5\n$EndElements\n", "2 1 2 3");
  ExpectRefused(WriteText("truncated.msh", t), PETSC_ERR_FILE_UNEXPECTED, "truncated", "line 32");
  free(t);
  /* things that are not files */
  ExpectRefused(twinfe_test_work_dir(), PETSC_ERR_FILE_OPEN, "is a folder", NULL);
  snprintf(path, sizeof path, "%s/fifo.msh", twinfe_test_work_dir());
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  ExpectRefused(path, PETSC_ERR_FILE_OPEN, "not a regular file", NULL);
  snprintf(path, sizeof path, "%s/loop.msh", twinfe_test_work_dir());
  ck_assert_int_eq(symlink(path, path), 0);
  ExpectRefused(path, PETSC_ERR_FILE_OPEN, "symbolic links", NULL);
  ExpectRefused("/nonexistent/folder/mesh.msh", PETSC_ERR_FILE_OPEN, "No such file", NULL);
  free(text);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("mesh_gmsh_hostile");
  TCase *tc = tcase_create("hostile");
  tcase_add_test(tc, valid_text_41_reads_with_names_and_derived_facets);
  tcase_add_test(tc, formats_22_and_41_text_and_binary_read_alike);
  tcase_add_test(tc, huge_and_sparse_node_tags_are_mapped);
  tcase_add_test(tc, broken_references_and_coordinates_are_refused);
  tcase_add_test(tc, element_kinds);
  tcase_add_test(tc, physical_groups);
  tcase_add_test(tc, not_a_mesh_file);
  suite_add_tcase(s, tc);
  return s;
}
