/* The manifest of an earlier output (libtwinfe/case/manifest.c): which folders twinfe takes for a
 * complete output of its own, and what it removes of one, on crafted report.json files. Whatever
 * is not exactly what twinfe writes must make it delete nothing.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* symlink, mkfifo */
#include "twinfe_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <twinfe/case.h>

#define VERSION "{\"twinfe\": {\"version\": \"0.1.0\"}, "

static char path_buffer[8][PETSC_MAX_PATH_LEN];
static int  path_slot;

/* work/<relative>, in one of a few rotating buffers. */
static const char *At(const char relative[])
{
  char *out = path_buffer[path_slot++ % 8];
  ck_assert_int_lt(snprintf(out, PETSC_MAX_PATH_LEN, "%s/%s", twinfe_test_work_dir(), relative), PETSC_MAX_PATH_LEN);
  return out;
}

static void WriteBytes(const char relative[], const char bytes[], size_t n)
{
  FILE *f = fopen(At(relative), "wb");
  ck_assert_msg(f != NULL, "cannot write %s", relative);
  ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

static void Write(const char relative[], const char text[])
{
  WriteBytes(relative, text, strlen(text));
}

static void Folder(const char relative[])
{
  ck_assert_int_eq(mkdir(At(relative), 0777), 0);
}

static PetscBool Exists(const char relative[])
{
  struct stat st;
  return lstat(At(relative), &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* dir is not taken for a complete output, and why (the reason printed) holds expected. */
static void ExpectNotOurs(const char dir[], const char expected[])
{
  TwinfeManifest m = NULL;
  PetscBool      complete;
  char           why[PETSC_MAX_PATH_LEN];
  TWINFE_CK(TwinfeOutputClassify(At(dir), &m, &complete, why, sizeof why));
  ck_assert_msg(!complete, "%s was taken for a complete twinfe output", dir);
  ck_assert_ptr_null(m);
  ck_assert_msg(strstr(why, expected), "%s: the reason \"%s\" does not say \"%s\"", dir, why, expected);
}

/* dir's report.json is not read as a manifest at all, so nothing in it would ever be removed. */
static void ExpectNoManifest(const char dir[], const char expected[])
{
  TwinfeManifest m = NULL;
  char           why[PETSC_MAX_PATH_LEN];
  ExpectNotOurs(dir, expected);
  TWINFE_CK(TwinfeManifestRead(At(dir), &m, why, sizeof why));
  ck_assert_ptr_null(m);
}

/* A complete output: report.json, a file, a folder and a file in it. */
static void MakeOutput(const char dir[], const char report[])
{
  char name[PETSC_MAX_PATH_LEN];
  Folder(dir);
  snprintf(name, sizeof name, "%s/report.json", dir);
  Write(name, report);
  snprintf(name, sizeof name, "%s/mesh.vtu", dir);
  Write(name, "mesh");
  snprintf(name, sizeof name, "%s/results_0000", dir);
  Folder(name);
  snprintf(name, sizeof name, "%s/results_0000/results_0000_0.vtu", dir);
  Write(name, "piece");
}

#define VALID VERSION "\"manifest\": [\"mesh.vtu\", \"results_0000/\", \"results_0000/results_0000_0.vtu\", \"report.json\"]}"

START_TEST(test_valid_output_is_complete_and_removed_whole)
{
  TwinfeManifest m = NULL;
  PetscBool      complete;
  char           why[PETSC_MAX_PATH_LEN] = "";
  MakeOutput("valid", VALID);
  TWINFE_CK(TwinfeOutputClassify(At("valid"), &m, &complete, why, sizeof why));
  ck_assert_msg(complete, "a complete output was refused: it %s", why);
  ck_assert_ptr_nonnull(m);
  TWINFE_CK(TwinfeManifestRemoveListed(m, At("valid")));
  TWINFE_CK(TwinfeManifestDestroy(&m));
  ck_assert_ptr_null(m);
  ck_assert_int_eq(rmdir(At("valid")), 0); /* every listed file and folder went, nothing else did */
}
END_TEST

START_TEST(test_extra_missing_and_empty)
{
  ck_assert_int_eq(mkdir(At("empty"), 0777), 0);
  ExpectNotOurs("empty", "empty folder");
  MakeOutput("extra", VALID);
  Write("extra/notes.txt", "someone's notes");
  ExpectNotOurs("extra", "holds notes.txt");
  MakeOutput("missing", VALID);
  ck_assert_int_eq(unlink(At("missing/mesh.vtu")), 0);
  ExpectNotOurs("missing", "lacks mesh.vtu");
  MakeOutput("kind", VERSION "\"manifest\": [\"mesh.vtu/\", \"results_0000/\", \"results_0000/results_0000_0.vtu\", "
                             "\"report.json\"]}");
  ExpectNotOurs("kind", "lacks mesh.vtu/"); /* listed as a folder, but it is a file */
}
END_TEST

START_TEST(test_not_twinfes_report)
{
  Folder("none");
  Write("none/mesh.vtu", "mesh");
  ExpectNoManifest("none", "has no report.json");
  MakeOutput("notjson", "{\"twinfe\": {\"version\": \"0.1.0\"}, \"manifest\": [\"mesh.vtu\", ");
  ExpectNoManifest("notjson", "twinfe did not write");
  MakeOutput("array", "[\"mesh.vtu\", \"report.json\"]");
  ExpectNoManifest("array", "twinfe did not write");
  MakeOutput("noversion", "{\"other\": \"tool\", \"manifest\": [\"mesh.vtu\", \"report.json\"]}");
  ExpectNoManifest("noversion", "twinfe did not write");
  MakeOutput("nomanifest", VERSION "\"inputs\": {}}");
  ExpectNoManifest("nomanifest", "without the list of files twinfe wrote (an output of twinfe 0.1.0");
  MakeOutput("notarray", VERSION "\"manifest\": \"report.json\"}");
  ExpectNoManifest("notarray", "without the list");
  MakeOutput("noreport", VERSION "\"manifest\": [\"mesh.vtu\", \"results_0000/\", \"results_0000/results_0000_0.vtu\"]}");
  ExpectNoManifest("noreport", "lacks report.json");
  MakeOutput("notstring", VERSION "\"manifest\": [\"mesh.vtu\", 7, \"report.json\"]}");
  ExpectNoManifest("notstring", "not twinfe's");
}
END_TEST

/* A manifest that points outside its folder is refused whole, and the file outside survives. */
START_TEST(test_entries_that_leave_the_folder)
{
  char report[3 * PETSC_MAX_PATH_LEN];
  Write("victim.txt", "not twinfe's");
  MakeOutput("dotdot", VERSION "\"manifest\": [\"../victim.txt\", \"mesh.vtu\", \"results_0000/\", "
                               "\"results_0000/results_0000_0.vtu\", \"report.json\"]}");
  ExpectNoManifest("dotdot", "an entry leaves the folder");
  MakeOutput("inner", VERSION "\"manifest\": [\"results_0000/../../victim.txt\", \"mesh.vtu\", \"results_0000/\", "
                              "\"results_0000/results_0000_0.vtu\", \"report.json\"]}");
  ExpectNoManifest("inner", "an entry leaves the folder");
  snprintf(report, sizeof report,
           VERSION "\"manifest\": [\"%s\", \"mesh.vtu\", \"results_0000/\", \"results_0000/results_0000_0.vtu\", "
                   "\"report.json\"]}",
           At("victim.txt"));
  MakeOutput("absolute", report);
  ExpectNoManifest("absolute", "an entry leaves the folder");
  MakeOutput("dot", VERSION "\"manifest\": [\"./mesh.vtu\", \"results_0000/\", \"results_0000/results_0000_0.vtu\", "
                            "\"report.json\"]}");
  ExpectNoManifest("dot", "an entry leaves the folder");
  MakeOutput("emptypart", VERSION "\"manifest\": [\"mesh.vtu\", \"results_0000//results_0000_0.vtu\", "
                                  "\"results_0000/\", \"report.json\"]}");
  ExpectNoManifest("emptypart", "an entry leaves the folder");
  ck_assert(Exists("victim.txt"));
}
END_TEST

/* Entries reached through a symbolic link are neither taken as present nor removed, even when
   the manifest is read for removal alone (an output someone wrote into during a run). */
START_TEST(test_symbolic_links_on_the_way)
{
  TwinfeManifest m = NULL;
  char           why[PETSC_MAX_PATH_LEN];
  Folder("elsewhere");
  Write("elsewhere/results_0000_0.vtu", "not twinfe's");
  Write("elsewhere/mesh.vtu", "not twinfe's either");
  Folder("linked");
  Write("linked/report.json", VALID);
  ck_assert_int_eq(symlink(At("elsewhere/mesh.vtu"), At("linked/mesh.vtu")), 0);
  ck_assert_int_eq(symlink(At("elsewhere"), At("linked/results_0000")), 0);
  ExpectNotOurs("linked", "lacks mesh.vtu");
  TWINFE_CK(TwinfeManifestRead(At("linked"), &m, why, sizeof why));
  ck_assert_msg(m != NULL, "the manifest itself is twinfe's, yet it was not read: %s", why);
  TWINFE_CK(TwinfeManifestRemoveListed(m, At("linked")));
  TWINFE_CK(TwinfeManifestDestroy(&m));
  ck_assert(Exists("elsewhere/results_0000_0.vtu"));
  ck_assert(Exists("elsewhere/mesh.vtu"));
  ck_assert(Exists("linked/mesh.vtu"));     /* the link itself is not twinfe's file either */
  ck_assert(Exists("linked/results_0000")); /* nor is the link taken for the listed folder */
  ck_assert(!Exists("linked/report.json")); /* the one regular listed file did go */

  /* report.json itself a link to a valid report: not read through the link */
  MakeOutput("reportlink", "");
  ck_assert_int_eq(unlink(At("reportlink/report.json")), 0);
  Write("valid_report.json", VALID);
  ck_assert_int_eq(symlink(At("valid_report.json"), At("reportlink/report.json")), 0);
  ExpectNoManifest("reportlink", "twinfe did not write");
  /* nor a pipe, which would block the run if opened for reading */
  MakeOutput("fifo", "");
  ck_assert_int_eq(unlink(At("fifo/report.json")), 0);
  ck_assert_int_eq(mkfifo(At("fifo/report.json"), 0600), 0);
  ExpectNoManifest("fifo", "twinfe did not write");
}
END_TEST

START_TEST(test_duplicates)
{
  TwinfeManifest m = NULL;
  PetscBool      complete;
  char           why[PETSC_MAX_PATH_LEN] = "";
  /* An entry listed twice names the same file: harmless, and it is removed once. */
  MakeOutput("twice", VERSION "\"manifest\": [\"mesh.vtu\", \"results_0000/\", \"mesh.vtu\", "
                              "\"results_0000/results_0000_0.vtu\", \"report.json\", \"results_0000/\"]}");
  TWINFE_CK(TwinfeOutputClassify(At("twice"), &m, &complete, why, sizeof why));
  ck_assert_msg(complete, "an entry listed twice made the output incomplete: it %s", why);
  TWINFE_CK(TwinfeManifestRemoveListed(m, At("twice")));
  TWINFE_CK(TwinfeManifestDestroy(&m));
  ck_assert_int_eq(rmdir(At("twice")), 0);
  /* A key given twice is ambiguous (readers keep the first or the last "manifest"): refused. */
  MakeOutput("twokeys", VERSION "\"manifest\": [\"report.json\"], \"manifest\": [\"mesh.vtu\", \"results_0000/\", "
                                "\"results_0000/results_0000_0.vtu\", \"report.json\"]}");
  ExpectNoManifest("twokeys", "twinfe did not write");
}
END_TEST

/* A NUL byte cannot be in a file name: raw or escaped, the report is not twinfe's. */
START_TEST(test_nul_bytes)
{
  static const char raw[] = VERSION "\"manifest\": [\"mesh.vtu\", \"results_0000/\", "
                                    "\"results_0000/results_0000_0.vtu\", \"report.json\", \"x\0y\"]}";
  MakeOutput("rawnul", "");
  WriteBytes("rawnul/report.json", raw, sizeof raw - 1);
  ExpectNoManifest("rawnul", "twinfe did not write");
  MakeOutput("escapednul", VERSION "\"manifest\": [\"mesh.vtu\\u0000.txt\", \"mesh.vtu\", \"results_0000/\", "
                                   "\"results_0000/results_0000_0.vtu\", \"report.json\"]}");
  ExpectNoManifest("escapednul", "twinfe did not write");
}
END_TEST

/* A report past 64 MiB is not read at all, even when it is valid JSON (twinfe's are a few kB). */
START_TEST(test_huge_report_is_not_read)
{
  static char spaces[1 << 20];
  FILE       *f;
  MakeOutput("huge", VALID);
  memset(spaces, ' ', sizeof spaces);
  f = fopen(At("huge/report.json"), "ab");
  ck_assert_ptr_nonnull(f);
  for (int i = 0; i < 64; ++i) /* 64 MiB of spaces after the valid document: past the limit */
    ck_assert_uint_eq(fwrite(spaces, 1, sizeof spaces, f), sizeof spaces);
  ck_assert_int_eq(fclose(f), 0);
  ExpectNoManifest("huge", "twinfe did not write");
  ck_assert_int_eq(truncate(At("huge/report.json"), (off_t)strlen(VALID)), 0); /* the same report, small: read */
  {
    PetscBool complete;
    char      why[PETSC_MAX_PATH_LEN] = "";
    TWINFE_CK(TwinfeOutputClassify(At("huge"), NULL, &complete, why, sizeof why));
    ck_assert_msg(complete, "the report cut back to its document was refused: it %s", why);
  }
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *suite = suite_create("case_manifest");
  TCase *tc    = tcase_create("manifest");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_valid_output_is_complete_and_removed_whole);
  tcase_add_test(tc, test_extra_missing_and_empty);
  tcase_add_test(tc, test_not_twinfes_report);
  tcase_add_test(tc, test_entries_that_leave_the_folder);
  tcase_add_test(tc, test_symbolic_links_on_the_way);
  tcase_add_test(tc, test_duplicates);
  tcase_add_test(tc, test_nul_bytes);
  tcase_add_test(tc, test_huge_report_is_not_read);
  suite_add_tcase(suite, tc);
  return suite;
}
