/* report.json lists of objects: keys with name[index] parts (TwinfeReportSet* in io.h), written
 * and compared byte for byte with the expected document, and the keys that are refused.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_test.h"
#include <twinfe/io.h>

#include <stdio.h>
#include <string.h>

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

static const char *expected = "{\n"
                              "  \"twinfe\": {\n"
                              "    \"ranks\": 1\n"
                              "  },\n"
                              "  \"regions\": [\n"
                              "    {\n"
                              "      \"name\": \"liver\",\n"
                              "      \"volume_mm3\": 2.5,\n"
                              "      \"tets\": 10\n"
                              "    },\n"
                              "    {\n"
                              "      \"name\": \"tumor\",\n"
                              "      \"tets\": 7,\n"
                              "      \"pair\": [1, 2]\n"
                              "    }\n"
                              "  ],\n"
                              "  \"tags\": [4, 6],\n"
                              "  \"a\": {\n"
                              "    \"b\": [\n"
                              "      {\n"
                              "        \"c\": {\n"
                              "          \"d\": [\n"
                              "            {\n"
                              "              \"e\": 1\n"
                              "            }\n"
                              "          ]\n"
                              "        }\n"
                              "      }\n"
                              "    ]\n"
                              "  }\n"
                              "}\n";

/* Items are objects made on first use, members keep their order, an existing member or item
   is replaced in place, and lists nest. */
START_TEST(lists_of_objects)
{
  TwinfeReport   report;
  char           path[PETSC_MAX_PATH_LEN], text[4096];
  const PetscInt pair[2] = {1, 2};
  FILE          *fp;
  size_t         n;
  TWINFE_CK(PetscSNPrintf(path, sizeof path, "%s/report.json", twinfe_test_work_dir()));
  TWINFE_CK(TwinfeReportCreate(&report));
  TWINFE_CK(TwinfeReportSetInt(report, "twinfe.ranks", 1));
  TWINFE_CK(TwinfeReportSetString(report, "regions[0].name", "liver"));
  TWINFE_CK(TwinfeReportSetReal(report, "regions[0].volume_mm3", 2.5));
  TWINFE_CK(TwinfeReportSetString(report, "regions[1].name", "tumor"));
  TWINFE_CK(TwinfeReportSetInt(report, "regions[1].tets", 7));
  TWINFE_CK(TwinfeReportSetIntArray(report, "regions[1].pair", 2, pair));
  TWINFE_CK(TwinfeReportSetInt(report, "regions[0].tets", 9));
  TWINFE_CK(TwinfeReportSetInt(report, "regions[0].tets", 10)); /* replaced, keeps its place */
  TWINFE_CK(TwinfeReportSetInt(report, "tags[0]", 5));
  TWINFE_CK(TwinfeReportSetInt(report, "tags[1]", 6));
  TWINFE_CK(TwinfeReportSetInt(report, "tags[0]", 4)); /* an item replaced */
  TWINFE_CK(TwinfeReportSetInt(report, "a.b[0].c.d[0].e", 1));
  /* refused: a gap, a malformed index, a value where members are, a list where an object is */
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions[3].tets", 1), "regions[3].tets");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions[3].tets", 1), "next index is 2");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions[x].tets", 1), "regions[x].tets");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions[1", 1), "name[index]");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions1].x", 1), "']' without '['");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions[0]", 1), "already holds members");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "twinfe.ranks[0]", 1), "other than a list");
  EXPECT_ERROR_NAMING(TwinfeReportSetInt(report, "regions.x", 1), "regions");
  {
    PetscInt  value = -1;
    PetscBool found;
    TWINFE_CK(TwinfeReportGetInt(report, "regions[1].tets", &value, &found));
    ck_assert(found && value == 7);
    TWINFE_CK(TwinfeReportGetInt(report, "a.b[0].c.d[0].e", &value, &found));
    ck_assert(found && value == 1);
    TWINFE_CK(TwinfeReportGetInt(report, "tags[1]", &value, &found));
    ck_assert(found && value == 6);
    TWINFE_CK(TwinfeReportGetInt(report, "regions[2].tets", &value, &found)); /* no such item */
    ck_assert(!found && value == 6);
    TWINFE_CK(TwinfeReportGetInt(report, "regions[0].name", &value, &found)); /* a string */
    ck_assert(!found);
    TWINFE_CK(TwinfeReportGetInt(report, "twinfe.ranks.x", &value, &found));
    ck_assert(!found);
  }
  TWINFE_CK(TwinfeReportWrite(report, path));
  TWINFE_CK(TwinfeReportDestroy(&report));
  fp = fopen(path, "r");
  ck_assert_ptr_nonnull(fp);
  n       = fread(text, 1, sizeof text - 1, fp);
  text[n] = '\0';
  fclose(fp);
  ck_assert_str_eq(text, expected);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("io_report");
  TCase *tc = tcase_create("io_report");
  tcase_add_test(tc, lists_of_objects);
  suite_add_tcase(s, tc);
  return s;
}
