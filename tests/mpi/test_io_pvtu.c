/* The io stage on 2 or 3 ranks: one .vtu piece per rank under a .pvtu, read back with
 * vtkXMLPUnstructuredGridReader (the reader ParaView uses), and a failure on one rank
 * raised on all without hanging.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* mkdir() under -std=c11 */
#include "twinfe_checks.h"

#include <petscdmplex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/io.h>

/* The box is distributed by TwinfePartitionDistribute (METIS); any split into two pieces will do. */
START_TEST(test_pvtu_pieces_read_back)
{
  TwinfeTestBoxCase  box;
  TwinfeResults      results;
  PetscInt           cStart, cEnd, vStart, vEnd, nfiles, ncells, npoints;
  const char *const *files;
  PetscMPIInt        rank, size;
  char               dir[PETSC_MAX_PATH_LEN], args[4096];

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  ck_assert_int_ge(size, 2);
  TWINFE_CK(PetscSNPrintf(dir, sizeof dir, "%s/series", twinfe_test_work_dir()));
  if (rank == 0) ck_assert_int_eq(mkdir(dir, 0777), 0);
  MPI_Barrier(PETSC_COMM_WORLD);
  twinfe_test_box_case_create(&box);
  TWINFE_CK(DMPlexGetHeightStratum(box.dm, 0, &cStart, &cEnd));
  TWINFE_CK(DMPlexGetDepthStratum(box.dm, 0, &vStart, &vEnd));
  ck_assert_int_gt(cEnd - cStart, 0); /* every rank holds a piece */
  ncells  = twinfe_test_global_sum(cEnd - cStart);
  npoints = twinfe_test_global_sum(vEnd - vStart); /* vertices on the cut are in both pieces */
  ck_assert_int_eq(ncells, 48);

  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(twinfe_test_box_case_write(results, 0.0, &box));
  TWINFE_CK(twinfe_test_box_case_write(results, 0.5, &box));
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, &files));
  ck_assert_int_eq(nfiles, 3);
  ck_assert_str_eq(files[0], "box.pvd");
  ck_assert_str_eq(files[1], "box_0000.pvtu");
  ck_assert_str_eq(files[2], "box_0001.pvtu");
  TWINFE_CK(TwinfeResultsDestroy(&results));

  /* one piece per rank holding all 48 cells; coordinates field equal to the points (bit-exact copies,
     1e-12 only for the checker), positive tets whose volumes sum to the unit cube (1e-12:
     sums of 48 exact binary fractions), region by x = 0.5, every rank present. */
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s/box_0001.pvtu' --pieces %d --cells %d --points %d --array point:coordinates:3 "
                          "--array cell:region:1 --array cell:rank:1 --array cell:centroid:3 "
                          "--equals-coordinates coordinates --tol 1e-12 --check \"volume > 0\" "
                          "--check \"np.abs(volume.sum() - 1.0) < 1e-12\" "
                          "--check \"np.abs(cell['centroid'] - centroid).max() < 1e-12\" "
                          "--check \"cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)\" "
                          "--check \"np.array_equal(np.unique(cell['rank']), np.arange(%d))\"",
                          dir, (int)size, (int)ncells, (int)npoints, (int)size));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "pvd '%s/box.pvd' --times 0 0.5", dir));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "%s/box_0001/box_0001_%d.vtu", dir, rank));
  ck_assert(twinfe_test_file_exists(args));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

/* Rank 1 cannot write its piece (a folder is in the way of its temporary file): every rank
   gets an error, rank 0 removes its piece, and no .pvtu or .pvd appears. */
START_TEST(test_failure_on_one_rank_fails_all)
{
  TwinfeTestBoxCase box;
  TwinfeResults     results;
  PetscMPIInt       rank;
  PetscInt          nfiles;
  char              dir[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  PetscErrorCode    ierr;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TWINFE_CK(PetscSNPrintf(dir, sizeof dir, "%s/blocked", twinfe_test_work_dir()));
  if (rank == 0) {
    ck_assert_int_eq(mkdir(dir, 0777), 0);
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000", dir));
    ck_assert_int_eq(mkdir(path, 0777), 0);
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000/box_0000_1.vtu.tmp", dir));
    ck_assert_int_eq(mkdir(path, 0777), 0);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  twinfe_test_box_case_create(&box);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = twinfe_test_box_case_write(results, 0.0, &box);
  PetscPopErrorHandler();
  ck_assert_int_ne(ierr, 0);
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, NULL));
  ck_assert_int_eq(nfiles, 1);
  MPI_Barrier(PETSC_COMM_WORLD);
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000/box_0000_0.vtu", dir));
  ck_assert(!twinfe_test_file_exists(path));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box_0000.pvtu", dir));
  ck_assert(!twinfe_test_file_exists(path));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/box.pvd", dir));
  ck_assert(!twinfe_test_file_exists(path));
  TWINFE_CK(TwinfeResultsDestroy(&results));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("io_pvtu");
  TCase *tc    = tcase_create("io");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_pvtu_pieces_read_back);
  tcase_add_test(tc, test_failure_on_one_rank_fails_all);
  suite_add_tcase(suite, tc);
  return suite;
}
