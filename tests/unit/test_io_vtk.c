/* Unit tests of the io stage: .vtu/.pvd, STL and report.json, read back by the clients that
 * use them (python3-vtk9's XML readers, vtkSTLReader, admesh, Python's json module).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* mkdir() under -std=c11 */
#include "twinfe_checks.h"

#include <petscdmplex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/io.h>

/* Coordinates are copied, not computed, and written as Float64: the read-back field must
   equal the points up to the last bit; 1e-12 only allows for printing in the checker. */
#define EXACT_TOL "1e-12"

static long FileSize(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Captures the first (innermost) message of a PETSc error, to check that it names the file. */
static char           last_error[4096];
static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p,
                                   const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess) snprintf(last_error, sizeof last_error, "%s", mess);
  return n;
}

#define EXPECT_ERROR_NAMING(call, text)                                                                                          \
  do {                                                                                                                           \
    PetscErrorCode ierr_;                                                                                                        \
    last_error[0] = '\0';                                                                                                        \
    PetscPushErrorHandler(CaptureError, NULL);                                                                                   \
    ierr_ = (call);                                                                                                              \
    PetscPopErrorHandler();                                                                                                      \
    ck_assert_msg(ierr_ != 0, "%s succeeded but should have failed", #call);                                                     \
    ck_assert_msg(strstr(last_error, text) != NULL, "error \"%s\" does not name %s", last_error, text);                          \
  } while (0)

/* ---------------------------------------------------------------- tests */

/* Two states, read back with vtkXMLUnstructuredGridReader and vtkXMLCollectionReader. */
START_TEST(test_results_two_states_read_back)
{
  TwinfeTestBoxCase  box;
  TwinfeResults      results;
  PetscInt           nfiles, cStart, cEnd, vStart, vEnd;
  const char *const *files;
  char               dir[PETSC_MAX_PATH_LEN], args[4096];

  TWINFE_CK(PetscSNPrintf(dir, sizeof dir, "%s/series", twinfe_test_work_dir()));
  ck_assert_int_eq(mkdir(dir, 0777), 0);
  twinfe_test_box_case_create(&box);
  TWINFE_CK(DMPlexGetHeightStratum(box.dm, 0, &cStart, &cEnd));
  TWINFE_CK(DMPlexGetDepthStratum(box.dm, 0, &vStart, &vEnd));
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(twinfe_test_box_case_write(results, 0.0, &box));
  TWINFE_CK(twinfe_test_box_case_write(results, 1.0, &box));
  /* ParaView needs increasing times: a repeated time is refused and changes nothing. */
  TWINFE_CK_FAILS(twinfe_test_box_case_write(results, 1.0, &box));
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, &files));
  ck_assert_int_eq(nfiles, 3);
  ck_assert_str_eq(files[0], "box.pvd");
  ck_assert_str_eq(files[1], "box_0000.vtu");
  ck_assert_str_eq(files[2], "box_0001.vtu");
  TWINFE_CK(TwinfeResultsDestroy(&results));
  ck_assert_ptr_null(results);
  TWINFE_CK(TwinfeResultsDestroy(&results)); /* NULL is a no-op */

  /* 27 vertices, 48 tets. Every tet must be positively oriented for VTK (volume > 0; they
     were built negative for DMPlex), the volumes must sum to the unit cube (1e-12: 48 sums
     of exact binary fractions), the cell fields must be in cell order (centroid field equals
     the centroid of VTK's cell), and region must follow x = 0.5. */
  ck_assert_int_eq(vEnd - vStart, 27);
  ck_assert_int_eq(cEnd - cStart, 48);
  TWINFE_CK(
      PetscSNPrintf(args, sizeof args,
                    "grid '%s/box_0001.vtu' --cells %d --points %d --array point:coordinates:3 --array cell:region:1 "
                    "--array cell:rank:1 --array cell:cell_index:1 --array cell:centroid:3 --equals-coordinates coordinates "
                    "--tol " EXACT_TOL " --check \"volume > 0\" --check \"np.abs(volume.sum() - 1.0) < 1e-12\" "
                    "--check \"np.abs(cell['centroid'] - centroid).max() < 1e-12\" "
                    "--check \"cell['cell_index'] == np.arange(len(volume))\" "
                    "--check \"cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)\" --check \"cell['rank'] == 0\"",
                    dir, (int)(cEnd - cStart), (int)(vEnd - vStart)));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "pvd '%s/box.pvd' --times 0 1", dir));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "%s/box.pvd.tmp", dir));
  ck_assert(!twinfe_test_file_exists(args));
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "%s/box_0002.vtu", dir));
  ck_assert(!twinfe_test_file_exists(args));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

/* Cell Sets missing, or a cell field of the wrong size: refused with the reason. */
START_TEST(test_results_refuses_bad_fields)
{
  TwinfeTestBoxCase box;
  TwinfeResults     results;
  Vec               short_field;
  const char       *names[] = {"short"};
  DM                bare;

  twinfe_test_box_case_create(&box);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, twinfe_test_work_dir(), "bad", &results));
  TWINFE_CK(VecCreateMPI(PETSC_COMM_WORLD, 5, PETSC_DETERMINE, &short_field));
  EXPECT_ERROR_NAMING(TwinfeResultsWriteState(results, 0.0, box.dm, 0, NULL, NULL, 1, names, &short_field), "short");
  names[0] = "region"; /* reserved */
  EXPECT_ERROR_NAMING(TwinfeResultsWriteState(results, 0.0, box.dm, 0, NULL, NULL, 1, names, &box.cell_index), "reserved");
  TWINFE_CK(DMClone(box.dm, &bare));
  TWINFE_CK(DMRemoveLabel(bare, "Cell Sets", NULL));
  EXPECT_ERROR_NAMING(TwinfeResultsWriteState(results, 0.0, bare, 0, NULL, NULL, 0, NULL, NULL), "Cell Sets");
  TWINFE_CK(DMDestroy(&bare));
  TWINFE_CK(VecDestroy(&short_field));
  TWINFE_CK(TwinfeResultsDestroy(&results));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

/* A closed 10 mm cube, outward winding: 12 triangles, no open edges, admesh repairs nothing. */
static const PetscReal cube_xyz[] = {0, 0, 0, 10, 0, 0, 10, 10, 0, 0, 10, 0, 0, 0, 10, 10, 0, 10, 10, 10, 10, 0, 10, 10};
static const PetscInt  cube_tri[] = {0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4,
                                     1, 2, 6, 1, 6, 5, 2, 3, 7, 2, 7, 6, 3, 0, 4, 3, 4, 7};

START_TEST(test_stl_cube_read_back)
{
  char path[PETSC_MAX_PATH_LEN], args[4096];

  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/cube.stl", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeWriteSTL(8, cube_xyz, 12, cube_tri, path));
  /* Binary STL: 80-byte header, 4-byte count, 50 bytes per triangle. */
  ck_assert_int_eq(FileSize(path), 84 + 50 * 12);
  TWINFE_CK(PetscSNPrintf(args, sizeof args, "stl '%s' --triangles 12 --closed --admesh", path));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
  /* A dangling index is refused before anything is written. */
  {
    PetscInt bad[36];
    memcpy(bad, cube_tri, sizeof bad);
    bad[35] = 8;
    TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/bad.stl", twinfe_test_work_dir()));
    EXPECT_ERROR_NAMING(TwinfeWriteSTL(8, cube_xyz, 12, bad, path), "bad.stl");
    ck_assert(!twinfe_test_file_exists(path));
  }
}
END_TEST

START_TEST(test_report_json_read_back)
{
  TwinfeReport report;
  char         path[PETSC_MAX_PATH_LEN], args[4096];

  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/report.json", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeReportCreate(&report));
  TWINFE_CK(TwinfeReportSetString(report, "version", "0.0.0"));
  TWINFE_CK(TwinfeReportSetReal(report, "mesh.min_gamma", 0.1 + 0.2));
  TWINFE_CK(TwinfeReportSetInt(report, "mesh.ntets", 1234567));
  TWINFE_CK(TwinfeReportSetReal(report, "mesh.region.liver.volume_mm3", 2.0));
  TWINFE_CK(TwinfeReportSetReal(report, "mesh.tiny", 1e-300));
  TWINFE_CK(TwinfeReportSetBool(report, "solver.converged", PETSC_TRUE));
  {
    const PetscReal gravity[3] = {0.0, 9810.0, 0.1 + 0.2};
    const PetscInt  dims[3]    = {67, 45, 35};
    TWINFE_CK(TwinfeReportSetRealArray(report, "solver.gravity", 3, gravity));
    TWINFE_CK(TwinfeReportSetIntArray(report, "mesh.dims", 3, dims));
  }
  TWINFE_CK(TwinfeReportSetReal(report, "solver.residual", NAN));
  TWINFE_CK(TwinfeReportSetReal(report, "solver.growth", INFINITY));
  TWINFE_CK(TwinfeReportSetString(report, "note", "q\" b\\ n\n t\t c\x01 mu\xc2\xb5 / end"));
  TWINFE_CK(TwinfeReportSetString(report, "version", "0.1.0")); /* replaced in place, stays first */
  /* A key cannot be both a value and an object; empty parts and non-UTF-8 are refused. */
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "mesh.ntets.x", 1), "mesh.ntets");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "mesh", 1), "mesh");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "mesh..x", 1), "mesh..x");
  EXPECT_ERROR_NAMING(TwinfeReportSetString(report, "latin1", "caf\xe9"), "latin1");
  TWINFE_CK(TwinfeReportWrite(report, path));
  TWINFE_CK(TwinfeReportDestroy(&report));
  ck_assert_ptr_null(report);
  /* Reals must read back bit-exact (0.30000000000000004 needs 17 digits), whole reals stay
     reals, non-finite reals are null, and the escaped note is the original string. */
  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "json '%s' --order version,mesh,solver,note --expect 'version=\"0.1.0\"' "
                          "--expect mesh.min_gamma=0.30000000000000004 --expect mesh.ntets=1234567 "
                          "--expect mesh.region.liver.volume_mm3=2.0 --expect mesh.tiny=1e-300 --expect solver.converged=true "
                          "--expect solver.residual=null --expect solver.growth=null "
                          "--expect 'solver.gravity=[0.0, 9810.0, 0.30000000000000004]' --expect 'mesh.dims=[67, 45, 35]' "
                          "--expect 'note=\"q\\\" b\\\\ n\\n t\\t c\\u0001 mu\\u00b5 / end\"'",
                          path));
  ck_assert_int_eq(twinfe_test_readback(args), 0);
}
END_TEST

/* Writing into a missing folder, or when VTK cannot create the file: a PETSc error naming the
   file, and no file (or temporary) left behind. */
START_TEST(test_write_failures_leave_no_file)
{
  char              missing[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN];
  TwinfeReport      report;
  TwinfeResults     results;
  TwinfeTestBoxCase box;

  TWINFE_CK(PetscSNPrintf(missing, sizeof missing, "%s/missing", twinfe_test_work_dir()));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/cube.stl", missing));
  EXPECT_ERROR_NAMING(TwinfeWriteSTL(8, cube_xyz, 12, cube_tri, path), missing);
  ck_assert(!twinfe_test_file_exists(path));
  EXPECT_ERROR_NAMING(TwinfeResultsCreate(PETSC_COMM_WORLD, missing, "box", &results), missing);
  ck_assert_ptr_null(results);
  TWINFE_CK(TwinfeReportCreate(&report));
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/report.json", missing));
  EXPECT_ERROR_NAMING(TwinfeReportWrite(report, path), missing);
  TWINFE_CK(TwinfeReportDestroy(&report));
  ck_assert(!twinfe_test_file_exists(missing));

  /* A folder in the way of the temporary file makes the VTK writer itself fail. */
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/blocked.stl", twinfe_test_work_dir()));
  TWINFE_CK(PetscSNPrintf(tmp, sizeof tmp, "%s.tmp", path));
  ck_assert_int_eq(mkdir(tmp, 0777), 0);
  EXPECT_ERROR_NAMING(TwinfeWriteSTL(8, cube_xyz, 12, cube_tri, path), "blocked.stl");
  ck_assert(!twinfe_test_file_exists(path));

  twinfe_test_box_case_create(&box);
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/blocked", twinfe_test_work_dir()));
  ck_assert_int_eq(mkdir(path, 0777), 0);
  TWINFE_CK(PetscSNPrintf(tmp, sizeof tmp, "%s/blocked/box_0000.vtu.tmp", twinfe_test_work_dir()));
  ck_assert_int_eq(mkdir(tmp, 0777), 0);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, path, "box", &results));
  EXPECT_ERROR_NAMING(twinfe_test_box_case_write(results, 0.0, &box), "box_0000.vtu");
  TWINFE_CK(PetscSNPrintf(tmp, sizeof tmp, "%s/blocked/box_0000.vtu", twinfe_test_work_dir()));
  ck_assert(!twinfe_test_file_exists(tmp));
  TWINFE_CK(PetscSNPrintf(tmp, sizeof tmp, "%s/blocked/box.pvd", twinfe_test_work_dir()));
  ck_assert(!twinfe_test_file_exists(tmp));
  {
    PetscInt nfiles;
    TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, NULL));
    ck_assert_int_eq(nfiles, 1); /* the failed state is not recorded */
  }
  TWINFE_CK(TwinfeResultsDestroy(&results));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("io_vtk");
  TCase *tc    = tcase_create("io");

  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_results_two_states_read_back);
  tcase_add_test(tc, test_results_refuses_bad_fields);
  tcase_add_test(tc, test_stl_cube_read_back);
  tcase_add_test(tc, test_report_json_read_back);
  tcase_add_test(tc, test_write_failures_leave_no_file);
  suite_add_tcase(suite, tc);
  return suite;
}
