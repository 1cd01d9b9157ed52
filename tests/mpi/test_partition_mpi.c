/* METIS + shell partitioner + DMPlexDistribute on 2 ranks: nothing lost, work balanced.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"
#include <twinfe/partition.h>

START_TEST(distribution_keeps_cells_and_tags_and_balances)
{
  TwinfeMesh     mesh = NULL;
  DM             dm;
  PetscInt       cStart, cEnd, local, lo, hi;
  PetscMPIInt    rank, size;
  const PetscInt n = 6, nt = 6 * n * n * n;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  ck_assert_int_eq(size, 2);
  if (rank == 0) TWINFE_CK(twinfe_test_box_mesh(n, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  local = cEnd - cStart;
  ck_assert_int_eq(twinfe_test_global_sum(local), nt);
  MPI_Allreduce(&local, &lo, 1, MPIU_INT, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(&local, &hi, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD);
  /* METIS's default imbalance tolerance is 3%; allow 5% for the small mesh. */
  ck_assert_msg(hi <= 1.05 * nt / 2.0 && lo > 0, "cells per rank %d..%d of %d", (int)lo, (int)hi, (int)nt);
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Cell Sets", 1)), nt / 2);
  /* Boundary facets touch one cell, so each lives on exactly one rank. */
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Face Sets", 1)), 2 * n * n * 3);
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Face Sets", 2)), 2 * n * n * 3);
  TWINFE_CK(DMDestroy(&dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("partition_mpi");
  TCase *tc = tcase_create("two_ranks");
  tcase_add_test(tc, distribution_keeps_cells_and_tags_and_balances);
  suite_add_tcase(s, tc);
  return s;
}
