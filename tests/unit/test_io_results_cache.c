/* Unit tests of the io stage's faster result writing: every compressor reads back the same,
 * the mesh arrays reused between states are rebuilt when the mesh changes, and the XDMF format
 * writes its two files.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* mkdir() under -std=c11 */
#include "twinfe_checks.h"

#include <petscdmplex.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <twinfe/io.h>
#include <unistd.h>

/* Coordinates are copied, not computed, and written as Float64 (losslessly compressed or
   not): the read-back must equal them up to the last bit; 1e-12 only allows for printing. */
#define EXACT_TOL "1e-12"

/* Whether the first limit bytes (at most 64 KiB) of a file contain text. */
static PetscBool FileContains(const char *path, size_t limit, const char *text)
{
  static char buffer[65537];
  size_t      n;
  FILE       *fp = fopen(path, "rb");

  if (!fp) return PETSC_FALSE;
  n         = fread(buffer, 1, PetscMin(limit, sizeof buffer - 1), fp);
  buffer[n] = '\0';
  fclose(fp);
  return strstr(buffer, text) ? PETSC_TRUE : PETSC_FALSE;
}

/* Whether the XML header of a .vtu (its first 4 KiB) contains text. */
static PetscBool HeaderContains(const char *path, const char *text)
{
  return FileContains(path, 4096, text);
}

static void MakeFolder(const char *name, char dir[PETSC_MAX_PATH_LEN])
{
  TWINFE_CK(PetscSNPrintf(dir, PETSC_MAX_PATH_LEN, "%s/%s", twinfe_test_work_dir(), name));
  ck_assert_int_eq(mkdir(dir, 0777), 0);
}

/* The box's state as a grid check: exact points, positive tets, fields in cell order. */
static int ReadBackBox(const char *file, const char *region_check, const char *points_check)
{
  char args[4096];

  TWINFE_CK(PetscSNPrintf(args, sizeof args,
                          "grid '%s' --cells 48 --points 27 --array point:coordinates:3 --array cell:region:1 "
                          "--array cell:centroid:3 --check \"volume > 0\" "
                          "--check \"np.abs(cell['centroid'] - centroid) < " EXACT_TOL "\" "
                          "--check \"%s\" --check \"%s\"",
                          file, region_check, points_check));
  return twinfe_test_readback(args);
}

/* none, lz4 and zlib (chosen by the option and by the setter): each file names its
   compressor in its header (none names none) and reads back with exact values. */
START_TEST(test_every_compression_reads_back)
{
  const char *const names[]       = {"none", "lz4", "zlib"};
  const char *const compressors[] = {NULL, "vtkLZ4DataCompressor", "vtkZLibDataCompressor"};
  TwinfeTestBoxCase box;
  char              dir[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN];

  twinfe_test_box_case_create(&box);
  for (int c = 0; c < 3; ++c) {
    TwinfeResults            results;
    TwinfeResultsCompression compression;

    MakeFolder(names[c], dir);
    TWINFE_CK(PetscOptionsSetValue(NULL, "-results_compression", names[c]));
    TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
    TWINFE_CK(PetscOptionsClearValue(NULL, "-results_compression"));
    TWINFE_CK(TwinfeResultsGetCompression(results, &compression));
    ck_assert_int_eq((int)compression, c);
    TWINFE_CK(twinfe_test_box_case_write(results, 0.0, &box));
    TWINFE_CK(TwinfeResultsSetCompression(results, (TwinfeResultsCompression)c)); /* the setter gives the same */
    TWINFE_CK(twinfe_test_box_case_write(results, 1.0, &box));
    TWINFE_CK(TwinfeResultsDestroy(&results));
    for (int s = 0; s < 2; ++s) {
      TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box_000%d.vtu", dir, s));
      if (compressors[c])
        ck_assert_msg(HeaderContains(file, compressors[c]), "%s does not name %s", file, compressors[c]);
      else
        ck_assert_msg(!HeaderContains(file, "compressor="), "%s is compressed but should not be", file);
      ck_assert_int_eq(ReadBackBox(file, "cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)",
                                   "np.abs(point['coordinates'] - points) < " EXACT_TOL),
                       0);
    }
  }
  twinfe_test_box_case_destroy(&box);
}
END_TEST

/* A compression that is none of the three is refused, naming the choices. */
START_TEST(test_bad_compression_refused)
{
  TwinfeResults results, other;
  char          dir[PETSC_MAX_PATH_LEN];

  MakeFolder("bad", dir);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK_FAILS(TwinfeResultsSetCompression(results, (TwinfeResultsCompression)7));
  TWINFE_CK(PetscOptionsSetValue(NULL, "-results_compression", "gzip"));
  TWINFE_CK_FAILS(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "other", &other));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-results_compression"));
  ck_assert_ptr_null(other);
  TWINFE_CK(TwinfeResultsDestroy(&results));
}
END_TEST

/* A clone of the box with its points moved +10 mm in x and all cells in "Cell Sets" 7: new
   coordinates and a new label, on a DM with the same vertex and cell numbering. */
static PetscErrorCode CreateMovedClone(DM dm, DM *moved)
{
  Vec          coordinates, shifted;
  PetscScalar *x;
  PetscInt     n, cStart, cEnd;

  PetscFunctionBeginUser;
  PetscCall(DMClone(dm, moved));
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(VecDuplicate(coordinates, &shifted));
  PetscCall(VecCopy(coordinates, shifted));
  PetscCall(VecGetLocalSize(shifted, &n));
  PetscCall(VecGetArray(shifted, &x));
  for (PetscInt i = 0; i < n; i += 3)
    x[i] += 10.0;
  PetscCall(VecRestoreArray(shifted, &x));
  PetscCall(DMSetCoordinatesLocal(*moved, shifted));
  PetscCall(VecDestroy(&shifted));
  PetscCall(DMRemoveLabel(*moved, "Cell Sets", NULL));
  PetscCall(DMCreateLabel(*moved, "Cell Sets"));
  PetscCall(DMPlexGetHeightStratum(*moved, 0, &cStart, &cEnd));
  for (PetscInt c = cStart; c < cEnd; ++c)
    PetscCall(DMSetLabelValue(*moved, "Cell Sets", c, 7));
  PetscFunctionReturn(0);
}

/* States on the box, on its moved clone, and on the box again: each state shows its own DM's
   points and regions, so the reused mesh arrays are rebuilt whenever the DM changes. */
START_TEST(test_mesh_rebuilt_for_another_dm)
{
  TwinfeTestBoxCase box;
  TwinfeResults     results;
  DM                moved;
  const char       *pnames[] = {"coordinates"}, *cnames[] = {"centroid"};
  char              dir[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN];

  twinfe_test_box_case_create(&box);
  TWINFE_CK(CreateMovedClone(box.dm, &moved));
  MakeFolder("moved", dir);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(TwinfeResultsWriteState(results, 0.0, box.dm, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK(TwinfeResultsWriteState(results, 1.0, moved, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK(TwinfeResultsWriteState(results, 2.0, box.dm, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK(TwinfeResultsDestroy(&results));

  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box_0000.vtu", dir));
  ck_assert_int_eq(ReadBackBox(file, "cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)",
                               "np.abs(point['coordinates'] - points) < " EXACT_TOL),
                   0);
  /* The moved state: points 10 mm right of the (unmoved) coordinates field, all region 7.
     The centroid field is the unmoved box's, so it is checked against points - 10 in x. */
  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box_0001.vtu", dir));
  {
    char args[4096];
    TWINFE_CK(PetscSNPrintf(args, sizeof args,
                            "grid '%s' --cells 48 --points 27 --array point:coordinates:3 --array cell:region:1 "
                            "--array cell:centroid:3 --check \"volume > 0\" --check \"cell['region'] == 7\" "
                            "--check \"np.abs(points[:, 0] - point['coordinates'][:, 0] - 10) < " EXACT_TOL "\" "
                            "--check \"np.abs(points[:, 1:] - point['coordinates'][:, 1:]) < " EXACT_TOL "\" "
                            "--check \"np.abs(centroid[:, 0] - 10 - cell['centroid'][:, 0]) < " EXACT_TOL "\"",
                            file));
    ck_assert_int_eq(twinfe_test_readback(args), 0);
  }
  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box_0002.vtu", dir));
  ck_assert_int_eq(ReadBackBox(file, "cell['region'] == np.where(centroid[:, 0] < 0.5, 1, 2)",
                               "np.abs(point['coordinates'] - points) < " EXACT_TOL),
                   0);
  TWINFE_CK(DMDestroy(&moved));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

/* A side file (a table beside the series) is written on rank 0, replaced when written again,
   listed once among the written paths after the series' own files; a name with a folder or
   one the series uses is refused. */
static PetscErrorCode EmitLine(FILE *fp, void *ctx)
{
  fprintf(fp, "time_s,value\n%s\n", (const char *)ctx);
  return 0;
}

START_TEST(test_side_file_written_and_listed)
{
  TwinfeResults results;
  char          dir[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN], text[64] = "", **paths;
  FILE         *fp;
  PetscInt      n = 0;

  MakeFolder("side", dir);
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(TwinfeResultsWriteSideFile(results, "table.csv", EmitLine, (void *)"0,1"));
  TWINFE_CK(TwinfeResultsWriteSideFile(results, "table.csv", EmitLine, (void *)"0,2"));
  TWINFE_CK_FAILS(TwinfeResultsWriteSideFile(results, "sub/table.csv", EmitLine, (void *)"0,3"));
  TWINFE_CK_FAILS(TwinfeResultsWriteSideFile(results, "box.pvd", EmitLine, (void *)"0,3"));
  TWINFE_CK_FAILS(TwinfeResultsWriteSideFile(results, "box_0000.vtu", EmitLine, (void *)"0,3"));
  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/table.csv", dir));
  fp = fopen(file, "r");
  ck_assert_ptr_nonnull(fp);
  ck_assert_int_eq((int)fread(text, 1, sizeof text - 1, fp), 17);
  fclose(fp);
  ck_assert_str_eq(text, "time_s,value\n0,2\n");
  TWINFE_CK(TwinfeResultsGetWrittenPaths(results, &paths));
  for (PetscInt i = 0; paths[i]; ++i)
    n += !strcmp(paths[i], "table.csv");
  ck_assert_int_eq((int)n, 1);
  ck_assert_str_eq(paths[0], "box.pvd");
  TWINFE_CK(PetscStrArrayDestroy(&paths));
  TWINFE_CK(TwinfeResultsDestroy(&results));
}
END_TEST

/* -results_format xdmf: the series is box.xdmf over box.h5 (listed once each, no file per state);
   a state on another mesh writes another mesh group and the next on the box yet another; the
   format is fixed once a state is written (the same again is kept); an unknown one is refused.
   The values themselves are compared with the .vtu's in clients/test_results_xdmf. */
START_TEST(test_xdmf_format_files)
{
  TwinfeTestBoxCase   box;
  TwinfeResults       results, other = NULL;
  TwinfeResultsFormat format;
  DM                  moved;
  const char         *pnames[] = {"coordinates"}, *cnames[] = {"centroid"};
  const char *const  *files;
  char                dir[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN], **paths;
  PetscInt            nfiles;

  twinfe_test_box_case_create(&box);
  TWINFE_CK(CreateMovedClone(box.dm, &moved));
  MakeFolder("xdmf", dir);
  TWINFE_CK(PetscOptionsSetValue(NULL, "-results_format", "xdmf"));
  TWINFE_CK(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "box", &results));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-results_format"));
  TWINFE_CK(TwinfeResultsGetFormat(results, &format));
  ck_assert_int_eq((int)format, (int)TWINFE_RESULTS_FORMAT_XDMF);
  TWINFE_CK(TwinfeResultsWriteState(results, 0.0, box.dm, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK_FAILS(TwinfeResultsSetFormat(results, TWINFE_RESULTS_FORMAT_VTU));
  TWINFE_CK(TwinfeResultsSetFormat(results, TWINFE_RESULTS_FORMAT_XDMF));
  TWINFE_CK(TwinfeResultsWriteState(results, 1.0, moved, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK(TwinfeResultsWriteState(results, 2.0, box.dm, 1, pnames, &box.coordinates, 1, cnames, &box.centroid));
  TWINFE_CK(TwinfeResultsGetFiles(results, &nfiles, &files));
  ck_assert_int_eq((int)nfiles, 4);
  ck_assert_str_eq(files[0], "box.xdmf");
  ck_assert_str_eq(files[3], "box.h5");
  TWINFE_CK(TwinfeResultsGetWrittenPaths(results, &paths));
  ck_assert_str_eq(paths[0], "box.xdmf");
  ck_assert_str_eq(paths[1], "box.h5");
  ck_assert_ptr_null(paths[2]);
  TWINFE_CK(PetscStrArrayDestroy(&paths));
  TWINFE_CK(TwinfeResultsDestroy(&results));
  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box.xdmf", dir));
  ck_assert(FileContains(file, 65536, "box.h5:/mesh_1/geometry") && FileContains(file, 65536, "box.h5:/mesh_2/topology"));
  ck_assert(FileContains(file, 65536, "box.h5:/box_0002/coordinates") && FileContains(file, 65536, "<Time Value=\"2\"/>"));
  TWINFE_CK(PetscSNPrintf(file, sizeof file, "%s/box_0000.vtu", dir));
  ck_assert_int_ne(access(file, F_OK), 0);
  TWINFE_CK(PetscOptionsSetValue(NULL, "-results_format", "hdf5"));
  TWINFE_CK_FAILS(TwinfeResultsCreate(PETSC_COMM_WORLD, dir, "other", &other));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-results_format"));
  ck_assert_ptr_null(other);
  TWINFE_CK(DMDestroy(&moved));
  twinfe_test_box_case_destroy(&box);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("io_results_cache");
  TCase *tc = tcase_create("io_results_cache");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_every_compression_reads_back);
  tcase_add_test(tc, test_bad_compression_refused);
  tcase_add_test(tc, test_mesh_rebuilt_for_another_dm);
  tcase_add_test(tc, test_side_file_written_and_listed);
  tcase_add_test(tc, test_xdmf_format_files);
  suite_add_tcase(s, tc);
  return s;
}
