/* Checked options: every option the sources read is declared (so -help lists it and a typo of
 * it is caught), values of the wrong kind are refused, unknown options find their closest
 * known name, and the command line's shape is checked.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "twinfe_test.h"
#include <twinfe/case.h>
#include <twinfe/core.h>

#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- the names the sources read ---------- */

#define MAX_READS 512

typedef struct {
  char name[128];  /* with its dash and literal prefix: -elasticity_degree */
  char where[256]; /* file:line */
} Read;

typedef struct {
  Read     reads[MAX_READS];
  PetscInt n;
} Reads;

/* PetscOptionsGetReal(NULL, "elasticity_", "-degree", ...) and PetscOptionsHasName(NULL, NULL,
   "-x", ...): the prefix is NULL, a string, or a variable (a region's name: -<name>_E, whose
   generic -E must be declared). */
static void FindReads(const char text[], const char file[], Reads *reads)
{
  regex_t    re;
  regmatch_t m[5];
  const char pattern[] = "PetscOptions(Get[A-Za-z]+|HasName)[(][^,]*,[[:space:]]*(\"([A-Za-z0-9_]*)\"|[A-Za-z_]+),[[:space:]]*"
                         "\"(-[A-Za-z0-9_]+)\"";
  ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED), 0);
  for (const char *p = text; reads->n < MAX_READS && regexec(&re, p, 5, m, 0) == 0; p += m[0].rm_eo) {
    Read *r      = &reads->reads[reads->n++];
    int   line   = 1;
    int   prefix = m[3].rm_so >= 0 ? (int)(m[3].rm_eo - m[3].rm_so) : 0;
    for (const char *q = text; q < p + m[0].rm_so; ++q)
      line += *q == '\n';
    snprintf(r->name, sizeof r->name, "-%.*s%.*s", prefix, p + m[3].rm_so, (int)(m[4].rm_eo - m[4].rm_so - 1),
             p + m[4].rm_so + 1);
    snprintf(r->where, sizeof r->where, "%s:%d", file, line);
  }
  regfree(&re);
}

static char *ReadFile(const char path[])
{
  FILE *f = fopen(path, "rb");
  long  n;
  char *text;
  ck_assert_msg(f != NULL, "cannot read %s", path);
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = malloc((size_t)n + 1);
  ck_assert_ptr_nonnull(text);
  ck_assert_int_eq(fread(text, 1, (size_t)n, f), n);
  text[n] = 0;
  fclose(f);
  return text;
}

static PetscBool IsSource(const char name[])
{
  const size_t n = strlen(name);
  return (n > 2 && !strcmp(name + n - 2, ".c")) || (n > 4 && !strcmp(name + n - 4, ".cxx"));
}

/* Every .c and .cxx under dir, one level of folders down. */
static void ScanFolder(const char dir[], Reads *reads, int depth)
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  ck_assert_msg(d != NULL, "cannot list %s", dir);
  while ((e = readdir(d))) {
    char path[PETSC_MAX_PATH_LEN];
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    if (IsSource(e->d_name)) {
      char *text = ReadFile(path);
      FindReads(text, path + strlen(TWINFE_SOURCE_DIR) + 1, reads);
      free(text);
    } else if (depth > 0 && !strchr(e->d_name, '.')) {
      DIR *sub = opendir(path);
      if (sub) closedir(sub), ScanFolder(path, reads, depth - 1);
    }
  }
  closedir(d);
}

/* ---------- the names the declarations give ---------- */

/* The library's declarations, captured from their help text once per process (PETSc prints a
   group's help once). */
static void LibraryDeclared(PetscInt *n, const char *const **names)
{
  static PetscBool done = PETSC_FALSE;
  if (!done) {
    TWINFE_CK(TwinfeOptionsCaptureBegin());
    TWINFE_CK(TwinfeCaseOptionsHelp(PETSC_COMM_WORLD, PETSC_FALSE));
    TWINFE_CK(TwinfeOptionsCaptureEnd());
    done = PETSC_TRUE;
  }
  TWINFE_CK(TwinfeOptionsGetKnown(n, names));
}

/* The app declares its own few (-o, -voxel_mm, -twinfe_traceback) in DeclareAppOptions. */
static PetscBool AppDeclares(const char app_text[], const char name[])
{
  char pattern[256];
  snprintf(pattern, sizeof pattern, "(PetscOptionsObject, \"%s\"", name);
  return strstr(app_text, pattern) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool Declared(const char name[], PetscInt n, const char *const names[], const char app_text[])
{
  for (PetscInt i = 0; i < n; ++i)
    if (!strcasecmp(names[i], name)) return PETSC_TRUE;
  return AppDeclares(app_text, name);
}

/* The undeclared reads, as "name (file:line)" in missing; their count. */
static int Undeclared(const Reads *reads, const char app_text[], char missing[], size_t len)
{
  PetscInt           n;
  const char *const *names;
  int                count = 0;
  LibraryDeclared(&n, &names);
  missing[0] = 0;
  for (PetscInt i = 0; i < reads->n; ++i) {
    if (Declared(reads->reads[i].name, n, names, app_text)) continue;
    count++;
    snprintf(missing + strlen(missing), len - strlen(missing), " %s (%s)", reads->reads[i].name, reads->reads[i].where);
  }
  return count;
}

START_TEST(every_option_read_is_declared)
{
  static Reads reads;
  char         libdir[PETSC_MAX_PATH_LEN], appdir[PETSC_MAX_PATH_LEN], missing[8192];
  char        *app_text      = ReadFile(TWINFE_SOURCE_DIR "/apps/twinfe.c");
  PetscBool    saw_algorithm = PETSC_FALSE, saw_degree = PETSC_FALSE;
  reads.n = 0;
  snprintf(libdir, sizeof libdir, "%s/libtwinfe", TWINFE_SOURCE_DIR);
  snprintf(appdir, sizeof appdir, "%s/apps", TWINFE_SOURCE_DIR);
  ScanFolder(libdir, &reads, 1);
  ScanFolder(appdir, &reads, 0);
  /* the scan itself works: it sees reads in several stages, prefixed ones too */
  for (PetscInt i = 0; i < reads.n; ++i) {
    saw_algorithm = saw_algorithm || !strcmp(reads.reads[i].name, "-mesh_algorithm");
    saw_degree    = saw_degree || !strcmp(reads.reads[i].name, "-elasticity_degree");
  }
  ck_assert_msg(reads.n >= 25 && saw_algorithm && saw_degree, "the scan found %d reads", (int)reads.n);
  ck_assert_msg(Undeclared(&reads, app_text, missing, sizeof missing) == 0,
                "options read but not declared (add them to libtwinfe/case/case_options.c or the app's DeclareAppOptions):%s",
                missing);
  free(app_text);
}
END_TEST

START_TEST(an_undeclared_read_is_caught)
{
  /* the check above can fail: a read of a name nobody declares is reported with its place */
  static Reads reads;
  char         missing[1024];
  reads.n = 0;
  FindReads("x;\n  PetscCall(PetscOptionsGetInt(NULL, \"mesh_\", \"-no_such_option\", &n, NULL));\n"
            "PetscOptionsGetReal(NULL, NULL, \"-mesh_threads\", &x, NULL);",
            "fake.c", &reads);
  ck_assert_int_eq(reads.n, 2);
  ck_assert_str_eq(reads.reads[0].name, "-mesh_no_such_option");
  ck_assert_int_eq(Undeclared(&reads, "", missing, sizeof missing), 1);
  ck_assert_msg(strstr(missing, "-mesh_no_such_option (fake.c:2)"), "%s", missing);
}
END_TEST

/* ---------- closest names ---------- */

START_TEST(edit_distance_counts_typos)
{
  ck_assert_int_eq(TwinfeEditDistance("-tumour_E", "-tumor_E"), 1);
  ck_assert_int_eq(TwinfeEditDistance("-ksp_rtlo", "-ksp_rtol"), 1); /* a swap is one edit */
  ck_assert_int_eq(TwinfeEditDistance("-Mesh_Algorithm", "-mesh_algorithm"), 0);
  ck_assert_int_eq(TwinfeEditDistance("abc", ""), 3);
  ck_assert_int_eq(TwinfeEditDistance("kitten", "sitting"), 3);
}
END_TEST

START_TEST(unknown_option_names_the_closest)
{
  const char *closest;
  TWINFE_CK(TwinfeOptionsAddKnown("-tumor_E"));
  TWINFE_CK(TwinfeOptionsAddKnown("-organ_E"));
  TWINFE_CK(TwinfeOptionsClosest("-tumour_E", &closest));
  ck_assert_str_eq(closest, "-tumor_E");
  TWINFE_CK(TwinfeOptionsClosest("-completely_different", &closest));
  ck_assert_ptr_null(closest);
  TWINFE_CK(PetscOptionsSetValue(NULL, "-tumour_E", "1e6"));
  TWINFE_CK_FAILS(TwinfeOptionsCheckUnused(PETSC_COMM_WORLD));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-tumour_E"));
}
END_TEST

/* ---------- values ---------- */

typedef struct {
  PetscReal real, gravity[3];
  PetscInt  integer, choice, labels[4], nlabels;
  PetscBool flag;
} Values;

static PetscErrorCode Declare(Values *v)
{
  const char *choices[] = {"hxt", "delaunay"};
  PetscFunctionBegin;
  v->gravity[0] = 0, v->gravity[1] = 9810, v->gravity[2] = 0;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(PETSC_COMM_WORLD, "t_", "test", NULL);
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-real", "a real", 1.5, &v->real, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-int", "an integer", 3, &v->integer, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-flag", "a flag", PETSC_FALSE, &v->flag, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-choice", "a choice", choices, 2, 0, &v->choice, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsRealArray(PetscOptionsObject, "-gravity", "three reals", 3, v->gravity, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsIntArray(PetscOptionsObject, "-labels", "up to four", 4, v->labels, &v->nlabels, NULL));
  PetscOptionsEnd();
  PetscCall(declared);
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareWith(const char option[], const char value[], Values *v)
{
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, option, value));
  ierr = Declare(v);
  PetscCall(PetscOptionsClearValue(NULL, option));
  return ierr;
}

START_TEST(values_of_the_wrong_kind_are_refused)
{
  Values v;
  TWINFE_CK(Declare(&v));
  ck_assert(v.real == 1.5 && v.integer == 3 && !v.flag && v.choice == 0 && v.gravity[1] == 9810 && v.nlabels == 0);
  TWINFE_CK(DeclareWith("-t_real", "-2.5e3", &v));
  ck_assert(v.real == -2500);
  TWINFE_CK(DeclareWith("-t_choice", "Delaunay", &v));
  ck_assert_int_eq(v.choice, 1);
  TWINFE_CK(DeclareWith("-t_flag", NULL, &v));
  ck_assert(v.flag);
  TWINFE_CK(DeclareWith("-t_labels", "5,64,3", &v));
  ck_assert(v.nlabels == 3 && v.labels[1] == 64);
  TWINFE_CK_FAILS(DeclareWith("-t_real", "abc", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_real", "1e3x", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_int", "1.5", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_flag", "maybe", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_choice", "hx", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_gravity", "0,9810", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_gravity", "0,9810,0,1", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_gravity", "0,g,0", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_labels", "1,2,3,4,5", &v));
  TWINFE_CK_FAILS(DeclareWith("-t_labels", "1,,2", &v));
}
END_TEST

/* ---------- the command line ---------- */

START_TEST(command_line_shape_is_checked)
{
  char *ok[]       = {"twinfe", "demo", "-organ_E", "-1", "-gravity", "-9810,0,0", "-mesh_verbose", "-o", "out"};
  char *dashes[]   = {"twinfe", "demo", "--labels", "7"};
  char *stray[]    = {"twinfe", "mesh", "seg.nii.gz", "-labels", "5", "extra", "-o", "out"};
  char *no_input[] = {"twinfe", "demo", "case.yaml", "-o", "out"};
  TWINFE_CK(TwinfeOptionsCheckArguments(PETSC_COMM_WORLD, 9, ok, 1));
  TWINFE_CK_FAILS(TwinfeOptionsCheckArguments(PETSC_COMM_WORLD, 4, dashes, 1));
  TWINFE_CK_FAILS(TwinfeOptionsCheckArguments(PETSC_COMM_WORLD, 8, stray, 2));
  TWINFE_CK_FAILS(TwinfeOptionsCheckArguments(PETSC_COMM_WORLD, 5, no_input, 1));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s = suite_create("options");
  TCase *t = tcase_create("options");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, every_option_read_is_declared);
  tcase_add_test(t, an_undeclared_read_is_caught);
  tcase_add_test(t, edit_distance_counts_typos);
  tcase_add_test(t, unknown_option_names_the_closest);
  tcase_add_test(t, values_of_the_wrong_kind_are_refused);
  tcase_add_test(t, command_line_shape_is_checked);
  suite_add_tcase(s, t);
  return s;
}
