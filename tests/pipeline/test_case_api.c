/* The C API an engineer links against: TwinfeCase from a case file to an output folder, and
 * a case that fails late (while writing results) leaving no folder and no PETSc memory behind.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The case is the bundled one reduced to its tumour (one 12 mm ball: a few thousand tets), so
 * that the run stays short under -malloc_debug, which CMake sets for this test. */
#include "twinfe_checks.h"

#include <string.h>
#include <sys/stat.h>
#include <twinfe/case.h>

static PetscBool Exists(const char dir[], const char file[])
{
  char        path[2 * PETSC_MAX_PATH_LEN];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return (PetscBool)(stat(path, &st) == 0);
}

static PetscBool HasStagingFolder(const char dir[])
{
  char  command[PETSC_MAX_PATH_LEN + 64];
  FILE *p;
  char  line[PETSC_MAX_PATH_LEN];
  int   found = 0;
  snprintf(command, sizeof command, "ls -a '%s'", dir);
  p = popen(command, "r");
  ck_assert_ptr_nonnull(p);
  while (fgets(line, sizeof line, p))
    if (strstr(line, "partial-")) found = 1; /* twinfe's staging folder, .DIR.twinfe-partial-... */
  pclose(p);
  return (PetscBool)found;
}

/* A number from the folder's report.json: the value after "key": (the report is written by
   our own writer, one key per line). */
static double ReportNumber(const char dir[], const char key[])
{
  char   path[2 * PETSC_MAX_PATH_LEN], pattern[128], line[4096];
  FILE  *f;
  double value = -1;
  snprintf(path, sizeof path, "%s/report.json", dir);
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  while (fgets(line, sizeof line, f)) {
    const char *at = strstr(line, pattern);
    if (at && sscanf(at + strlen(pattern), "%lf", &value) == 1) break;
  }
  fclose(f);
  return value;
}

/* The bundled case file, restricted to the tumour; extra options after it (they win). */
static PetscErrorCode RunTumourCase(const char output[], const char *extra_name, const char *extra_value)
{
  char          *argv[] = {(char *)"test_case_api", (char *)"-labels",  (char *)"2",         (char *)"-names",
                           (char *)"tumor",         (char *)extra_name, (char *)extra_value, NULL};
  const int      argc   = extra_name ? 7 : 5;
  TwinfeCase     tcase;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(TwinfeCaseCreate(PETSC_COMM_WORLD, output, &tcase));
  ierr = TwinfeCaseLoadFile(tcase, twinfe_test_source_file("meshes/organ_phantom.yaml"), argc, argv);
  if (!ierr) ierr = TwinfeCaseMeshImage(tcase, NULL);
  if (!ierr) ierr = TwinfeCaseSolve(tcase);
  if (!ierr) ierr = TwinfeCaseFinish(tcase);
  if (!ierr) ierr = TwinfeCasePrintSummary(tcase);
  PetscCall(TwinfeCaseDestroy(&tcase));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

START_TEST(case_runs_from_file_to_folder)
{
  char out[PETSC_MAX_PATH_LEN];
  snprintf(out, sizeof out, "%s/tumour", twinfe_test_work_dir());
  TWINFE_CK(RunTumourCase(out, NULL, NULL));
  ck_assert(Exists(out, "report.json"));
  ck_assert(Exists(out, "results.pvd"));
  ck_assert(Exists(out, "mesh.msh"));
  ck_assert(Exists(out, "tumor.stl"));
  ck_assert(!HasStagingFolder(twinfe_test_work_dir()));
  {
    /* the 12 mm tumour ball (30 kPa) held at its posterior quarter sags 0.0466 mm under 1 g
       (three HXT meshes of ~3.8k tets: 0.0457-0.0466 mm); +-10% is five times that spread, while a unit error
       (x1000), the wrong material (the organ's 5 kPa: x6) or no gravity falls outside.
       CG + GAMG (rtol 1e-8): 25-26 iterations; 13-39 is 50% of 26 either way. */
    const double sag = ReportNumber(out, "max_displacement_mm"), its = ReportNumber(out, "iterations");
    printf("tumour case: max displacement %.6f mm, %g iterations\n", sag, its);
    ck_assert_double_ge(sag, 0.9 * 0.0466);
    ck_assert_double_le(sag, 1.1 * 0.0466);
    ck_assert_double_ge(its, 13);
    ck_assert_double_le(its, 39);
  }
  /* a second run replaces the first (it is a twinfe output) */
  TWINFE_CK(RunTumourCase(out, NULL, NULL));
  ck_assert(Exists(out, "report.json"));
  printf("tumour case again: max displacement %.6f mm, %g iterations\n", ReportNumber(out, "max_displacement_mm"),
         ReportNumber(out, "iterations"));
}
END_TEST

START_TEST(failure_while_writing_leaves_nothing)
{
  char           out[PETSC_MAX_PATH_LEN];
  PetscLogDouble before, after;
  PetscBool      traced;
  snprintf(out, sizeof out, "%s/failed", twinfe_test_work_dir());
  /* warm up first: PETSc registers packages, classes and log stages once per process */
  TWINFE_CK(RunTumourCase(out, NULL, NULL));
  TWINFE_CK(RunTumourCase(out, NULL, NULL));
  TWINFE_CK(PetscMallocGetDebug(&traced, NULL, NULL));
  ck_assert_msg(traced, "run this test with -malloc_debug: it measures PETSc's memory");
  TWINFE_CK(PetscMallocGetCurrentUsage(&before));
  /* an unknown compression is found only when the results are written, after the solve */
  TWINFE_CK_FAILS(RunTumourCase(out, "-results_compression", "bogus"));
  TWINFE_CK(PetscMallocGetCurrentUsage(&after));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-results_compression")); /* LoadFile left it in the options */
  ck_assert(Exists(out, "report.json"));                           /* the earlier output is untouched */
  ck_assert(!HasStagingFolder(twinfe_test_work_dir()));
  ck_assert_msg(after <= before, "a failed case left %.0f bytes of PETSc memory", after - before);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("case_api");
  TCase *tc = tcase_create("case");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, case_runs_from_file_to_folder);
  tcase_add_test(tc, failure_while_writing_leaves_nothing);
  suite_add_tcase(s, tc);
  return s;
}
