/* 3MF through lib3mf (io/threemf.c): parts written as named, coloured objects and read back by
 * lib3mf's reader; bad parts refused with the file named, leaving no file.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* access() under -std=c11 */
#include "twinfe_checks.h"

#include <string.h>
#include <twinfe/io.h>
#include <unistd.h>

static const PetscReal cube_xyz[24] = {0, 0, 0, 10, 0, 0, 10, 10, 0, 0, 10, 0, 0, 0, 10, 10, 0, 10, 10, 10, 10, 0, 10, 10};
static const PetscInt  cube_tri[36] = {0, 3, 2, 0, 2, 1, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                                       2, 3, 7, 2, 7, 6, 1, 2, 6, 1, 6, 5, 0, 4, 7, 0, 7, 3};
/* a tetrahedron beside the cube, outward */
static const PetscReal tet_xyz[12] = {20, 0, 0, 30, 0, 0, 20, 10, 0, 20, 0, 10};
static const PetscInt  tet_tri[12] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};

START_TEST(parts_come_back_named_and_coloured)
{
  TwinfeThreeMFPart   parts[2] = {{"liver", {230, 159, 0}, 8, 12, cube_xyz, cube_tri},
                                  {"tumour_1", {213, 94, 0}, 4, 4, tet_xyz, tet_tri}};
  TwinfeThreeMFObject read[4];
  PetscInt            n;
  char                path[PETSC_MAX_PATH_LEN];
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/parts.3mf", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeWrite3MF(2, parts, path));
  TWINFE_CK(TwinfeRead3MFObjects(path, 4, &n, read));
  ck_assert_int_eq(n, 2);
  for (int p = 0; p < 2; p++) {
    ck_assert_str_eq(read[p].name, parts[p].name);
    ck_assert_int_eq(read[p].nvertices, parts[p].nvertices);
    ck_assert_int_eq(read[p].ntriangles, parts[p].ntriangles);
    ck_assert(read[p].has_color);
    for (int q = 0; q < 3; q++)
      ck_assert_int_eq(read[p].rgb[q], parts[p].rgb[q]);
    ck_assert_int_eq(read[p].alpha, 255);
  }
}
END_TEST

START_TEST(a_bad_part_is_refused_and_leaves_no_file)
{
  static const PetscInt bad_tri[3] = {0, 1, 9};
  TwinfeThreeMFPart     parts[1]   = {{"broken", {0, 0, 0}, 4, 1, tet_xyz, bad_tri}};
  char                  path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  PetscErrorCode        ierr;
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/broken.3mf", twinfe_test_work_dir()));
  TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeWrite3MF(1, parts, path);
  TWINFE_CK(PetscPopErrorHandler());
  ck_assert_int_ne(ierr, 0);
  ck_assert_int_ne(access(path, F_OK), 0);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  ck_assert_int_ne(access(tmp, F_OK), 0);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("io_threemf");
  TCase *tc = tcase_create("io_threemf");
  tcase_add_test(tc, parts_come_back_named_and_coloured);
  tcase_add_test(tc, a_bad_part_is_refused_and_leaves_no_file);
  suite_add_tcase(s, tc);
  return s;
}
