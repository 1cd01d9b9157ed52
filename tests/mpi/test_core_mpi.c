/* -log_view on several ranks: every rank has the same profiling events in the same order
 * (core/events.c), even when rank 0 alone runs a stage, and TwinfeLogEventsAgree notices when
 * they differ.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <petscdmplex.h>
#include <petscksp.h>
#include <twinfe/core.h>
#include <twinfe/image.h>

/* What rank 0 alone does in a run before the others meet any stage: reads a label map (the
   image events) and makes a DMPlex and a solver on its own (PETSc's DMPlex and KSP events). */
static PetscErrorCode RankZeroAlone(void)
{
  TwinfeImage image;
  DM          dm;
  KSP         ksp;
  PetscFunctionBeginUser;
  PetscCall(TwinfeImageRead(TWINFE_SOURCE_DIR "/meshes/organ_phantom.nii.gz", &image));
  PetscCall(TwinfeImageDestroy(&image));
  PetscCall(DMPlexCreateBoxMesh(PETSC_COMM_SELF, 3, PETSC_FALSE, NULL, NULL, NULL, NULL, PETSC_TRUE, &dm));
  PetscCall(DMDestroy(&dm));
  PetscCall(KSPCreate(PETSC_COMM_SELF, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPDestroy(&ksp));
  PetscFunctionReturn(0);
}

START_TEST(test_events_agree_after_a_stage_on_rank_zero)
{
  PetscMPIInt rank;
  PetscBool   agree;

  int code = 0;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TWINFE_CK(TwinfeInitializePackage());
  if (rank == 0) code = (int)RankZeroAlone();
  MPI_Bcast(&code, 1, MPI_INT, 0, PETSC_COMM_WORLD); /* every rank fails with it, none waits */
  ck_assert_msg(code == 0, "rank 0's stage failed with PETSc error %d", code);
  TWINFE_CK(TwinfeLogEventsAgree(PETSC_COMM_WORLD, &agree));
  ck_assert_msg(agree, "the ranks' profiling events differ after rank 0 read an image and made a mesh alone");
}
END_TEST

/* The check itself can fail: an event registered on rank 0 alone makes the lists differ, and
   registering it on the others too makes them agree again. */
START_TEST(test_an_event_on_one_rank_is_noticed)
{
  PetscMPIInt   rank;
  PetscBool     agree;
  PetscLogEvent event;

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  TWINFE_CK(TwinfeInitializePackage());
  if (rank == 0) TWINFE_CK(PetscLogEventRegister("TwinfeTestRankZeroOnly", PETSC_OBJECT_CLASSID, &event));
  TWINFE_CK(TwinfeLogEventsAgree(PETSC_COMM_WORLD, &agree));
  ck_assert_msg(!agree, "an event registered on rank 0 alone went unnoticed");
  if (rank != 0) TWINFE_CK(PetscLogEventRegister("TwinfeTestRankZeroOnly", PETSC_OBJECT_CLASSID, &event));
  TWINFE_CK(TwinfeLogEventsAgree(PETSC_COMM_WORLD, &agree));
  ck_assert_msg(agree, "the ranks' events differ after every rank registered the same one");
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("log_events");
  TCase *tc    = tcase_create("core");
  tcase_add_test(tc, test_events_agree_after_a_stage_on_rank_zero);
  tcase_add_test(tc, test_an_event_on_one_rank_is_noticed);
  suite_add_tcase(suite, tc);
  return suite;
}
