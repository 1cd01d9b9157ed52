/* libtwinfe io stage: report.json, an ordered JSON document built by dotted keys.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The document is a jansson tree: its objects keep their members in insertion order (a reader
 * of the report finds the version first and the timings last, as they were set), and jansson
 * refuses keys and strings that are not UTF-8 and escapes them. The layout is written here, for
 * two things jansson 2.14 cannot do: a real as the shortest text that reads back to the same
 * double (jansson prints %.17g, so the Poisson ratio 0.3 would read 0.29999999999999999), and
 * an array of numbers on one line (a 3x3 matrix in 9 lines otherwise). */
#include "ioimpl.h"
#include "io/pictures.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/io.h>

struct _p_TwinfeReport {
  json_t *root;
};

/* ---------------------------------------------------------------- building */

/* jansson's own check: a string it takes is UTF-8 (a Latin-1 byte from some header would make
   the whole file unreadable to strict parsers such as Python's json). */
static PetscBool IsUTF8(const char text[])
{
  json_t         *copy = json_string(text);
  const PetscBool ok   = copy ? PETSC_TRUE : PETSC_FALSE;
  json_decref(copy);
  return ok;
}

static PetscErrorCode CheckKey(const char key[])
{
  size_t n;

  PetscFunctionBeginUser;
  PetscCheck(key && key[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key is empty: give a dotted key like mesh.min_gamma");
  n = strlen(key);
  PetscCheck(key[0] != '.' && key[n - 1] != '.' && !strstr(key, ".."), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\" has an empty part: write names joined by single dots, like mesh.min_gamma", key);
  PetscCheck(IsUTF8(key), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Report key \"%s\" is not valid UTF-8", key);
  PetscFunctionReturn(0);
}

/* A part of a key is a name, or a name and a list index: "regions[2]" is item 2 of the list
   "regions". *namelen gets the name's length, *index the index (-1 without one). */
static PetscErrorCode ParsePart(const char key[], const char part[], size_t len, size_t *namelen, PetscInt *index)
{
  const char *open = memchr(part, '[', len);

  PetscFunctionBeginUser;
  *index   = -1;
  *namelen = len;
  if (!open) {
    PetscCheck(!memchr(part, ']', len), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Report key \"%s\" has a ']' without '[': write list items as name[index], like regions[2].volume_mm3", key);
    PetscFunctionReturn(0);
  }
  *namelen = (size_t)(open - part);
  PetscCheck(*namelen > 0 && len - *namelen >= 3 && part[len - 1] == ']', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\": a list item is written name[index], like regions[2].volume_mm3", key);
  *index = 0;
  for (const char *c = open + 1; c < part + len - 1; ++c) {
    PetscCheck(*c >= '0' && *c <= '9' && *index < 100000000, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Report key \"%s\": a list index is a number from 0, like regions[2].volume_mm3", key);
    *index = 10 * *index + (*c - '0');
  }
  PetscFunctionReturn(0);
}

/* The list called name in object, made if new. */
static PetscErrorCode GetList(const char key[], json_t *object, const char name[], size_t namelen, json_t **list)
{
  PetscFunctionBeginUser;
  *list = json_object_getn(object, name, namelen);
  if (!*list) {
    PetscCheck((*list = json_array()), PETSC_COMM_SELF, PETSC_ERR_MEM, "Report key \"%s\": out of memory", key);
    PetscCheck(json_object_setn_new(object, name, namelen, *list) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM,
               "Report key \"%s\": out of memory", key);
  }
  PetscCheck(json_is_array(*list), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\": \"%.*s\" already holds something other than a list", key, (int)namelen, name);
  PetscFunctionReturn(0);
}

/* Items are added in order: index n of a list of n items appends, a larger one would leave a gap. */
static PetscErrorCode CheckIndex(const char key[], json_t *list, PetscInt index)
{
  PetscFunctionBeginUser;
  PetscCheck((size_t)index <= json_array_size(list), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Report key \"%s\": the list has %zu items, so the next index is %zu (items are added in order)", key,
             json_array_size(list), json_array_size(list));
  PetscFunctionReturn(0);
}

/* The object that holds the part name (len characters) in object, made if new; through item
   index of a list when index >= 0. */
static PetscErrorCode GetChild(const char key[], json_t *object, const char part[], size_t len, json_t **child)
{
  size_t   namelen;
  PetscInt index;

  PetscFunctionBeginUser;
  PetscCall(ParsePart(key, part, len, &namelen, &index));
  if (index >= 0) {
    json_t *list;
    PetscCall(GetList(key, object, part, namelen, &list));
    PetscCall(CheckIndex(key, list, index));
    if ((size_t)index == json_array_size(list)) {
      PetscCheck((*child = json_object()) && json_array_append_new(list, *child) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM,
                 "Report key \"%s\": out of memory", key);
    } else
      *child = json_array_get(list, (size_t)index);
  } else {
    *child = json_object_getn(object, part, len);
    if (!*child) {
      PetscCheck((*child = json_object()), PETSC_COMM_SELF, PETSC_ERR_MEM, "Report key \"%s\": out of memory", key);
      PetscCheck(json_object_setn_new(object, part, len, *child) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM,
                 "Report key \"%s\": out of memory", key);
    }
  }
  PetscCheck(json_is_object(*child), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\": \"%.*s\" already holds a value, so it cannot also hold members", key, (int)(part + len - key),
             key);
  PetscFunctionReturn(0);
}

/* The object that holds the last part of a dotted key, made (with the objects above it) if new;
 *last points at that part. */
static PetscErrorCode GetParent(TwinfeReport report, const char key[], json_t **parent, const char **last)
{
  json_t     *object = report->root;
  const char *part   = key;

  PetscFunctionBeginUser;
  PetscCall(CheckKey(key));
  for (const char *dot = strchr(part, '.'); dot; part = dot + 1, dot = strchr(part, '.'))
    PetscCall(GetChild(key, object, part, (size_t)(dot - part), &object));
  *parent = object;
  *last   = part;
  PetscFunctionReturn(0);
}

/* Puts value (taken over) at item index of the list called name in parent. */
static PetscErrorCode SetItem(const char key[], json_t *parent, const char name[], size_t namelen, PetscInt index, json_t *value)
{
  json_t *list = NULL;

  PetscFunctionBeginUser;
  PetscCall(GetList(key, parent, name, namelen, &list));
  PetscCall(CheckIndex(key, list, index));
  PetscCheck(!json_is_object(json_array_get(list, (size_t)index)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\" already holds members: it cannot also hold a value", key);
  if ((size_t)index == json_array_size(list))
    PetscCheck(json_array_append(list, value) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM, "Report key \"%s\": out of memory", key);
  else
    PetscCheck(json_array_set(list, (size_t)index, value) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM,
               "Report key \"%s\": out of memory", key);
  PetscFunctionReturn(0);
}

/* Sets key to value, a reference this takes over (and drops on error; NULL means allocating it
   failed). A value already there is replaced in place, keeping its position. */
static PetscErrorCode Set(TwinfeReport report, const char key[], json_t *value)
{
  json_t        *parent = NULL, *old = NULL;
  const char    *last    = NULL;
  size_t         namelen = 0;
  PetscInt       index   = -1;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report is NULL: create it with TwinfeReportCreate");
  ierr = GetParent(report, key, &parent, &last);
  if (!ierr) ierr = ParsePart(key, last, strlen(last), &namelen, &index);
  if (!ierr && index >= 0) { /* a list item: SetItem keeps its own reference, this one is dropped */
    if (value) ierr = SetItem(key, parent, last, namelen, index, value);
    json_decref(value);
    PetscCheck(value, PETSC_COMM_SELF, PETSC_ERR_MEM, "Report key \"%s\": out of memory", key);
    PetscCall(ierr);
    PetscFunctionReturn(0);
  }
  if (!ierr) old = json_object_get(parent, last);
  if (ierr || json_is_object(old)) json_decref(value);
  PetscCall(ierr);
  PetscCheck(!json_is_object(old), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\" already holds members (e.g. \"%s.%s\"): it cannot also hold a value", key, key,
             json_object_iter_key(json_object_iter(old)));
  PetscCheck(value && json_object_set_new(parent, last, value) == 0, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "Report key \"%s\": out of memory", key);
  PetscFunctionReturn(0);
}

/* NaN and infinities have no JSON number: null says "no value". */
static json_t *Real(PetscReal value)
{
  return PetscIsInfOrNanReal(value) ? json_null() : json_real((double)value);
}

/*@C
  TwinfeReportCreate - An empty report. Not collective.
@*/
PetscErrorCode TwinfeReportCreate(TwinfeReport *report)
{
  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeReportCreate: report (output) is NULL");
  PetscCall(PetscNew(report));
  (*report)->root = json_object();
  if (!(*report)->root) PetscCall(PetscFree(*report));
  PetscCheck(*report, PETSC_COMM_SELF, PETSC_ERR_MEM, "TwinfeReportCreate: out of memory");
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportDestroy - Free a report. NULL is a no-op; sets *report to NULL. Not collective.
@*/
PetscErrorCode TwinfeReportDestroy(TwinfeReport *report)
{
  PetscFunctionBeginUser;
  if (!report || !*report) PetscFunctionReturn(0);
  json_decref((*report)->root);
  PetscCall(PetscFree(*report));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetString - Set key (dotted, e.g. "input.sha256") to a UTF-8 string. Not collective.
@*/
PetscErrorCode TwinfeReportSetString(TwinfeReport report, const char key[], const char value[])
{
  json_t *text;

  PetscFunctionBeginUser;
  PetscCheck(value, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key \"%s\": string value is NULL", key ? key : "");
  PetscCheck((text = json_string(value)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\": the string value is not valid UTF-8 (convert it first)", key ? key : "");
  PetscCall(Set(report, key, text));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetReal - Set key to a real; NaN and infinities are written as null. Not collective.
@*/
PetscErrorCode TwinfeReportSetReal(TwinfeReport report, const char key[], PetscReal value)
{
  PetscFunctionBeginUser;
  PetscCall(Set(report, key, Real(value)));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetInt - Set key to an integer. Not collective.
@*/
PetscErrorCode TwinfeReportSetInt(TwinfeReport report, const char key[], PetscInt value)
{
  PetscFunctionBeginUser;
  PetscCall(Set(report, key, json_integer((json_int_t)value)));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetBool - Set key to true or false. Not collective.
@*/
PetscErrorCode TwinfeReportSetBool(TwinfeReport report, const char key[], PetscBool value)
{
  PetscFunctionBeginUser;
  PetscCall(Set(report, key, json_boolean(value)));
  PetscFunctionReturn(0);
}

/* Appends item (taken over) to array; PETSC_FALSE when either could not be allocated. */
static PetscBool Append(json_t *array, json_t *item)
{
  return array && item && json_array_append_new(array, item) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode CheckLength(const char key[], PetscInt n)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Report key \"%s\": array length %" PetscInt_FMT " is negative",
             key ? key : "", n);
  PetscFunctionReturn(0);
}

/* Sets key to array when every item went in; else drops it. */
static PetscErrorCode SetArray(TwinfeReport report, const char key[], json_t *array, PetscBool complete)
{
  PetscFunctionBeginUser;
  if (!complete) json_decref(array);
  PetscCheck(complete, PETSC_COMM_SELF, PETSC_ERR_MEM, "Report key \"%s\": out of memory", key ? key : "");
  PetscCall(Set(report, key, array));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetRealArray - Set key to an array of n reals (a vector, a matrix row by row).
  Not collective.
@*/
PetscErrorCode TwinfeReportSetRealArray(TwinfeReport report, const char key[], PetscInt n, const PetscReal values[])
{
  json_t   *array;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(CheckLength(key, n));
  ok = (array = json_array()) ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt i = 0; ok && i < n; ++i)
    ok = Append(array, Real(values[i]));
  PetscCall(SetArray(report, key, array, ok));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetIntArray - Set key to an array of n integers. Not collective.
@*/
PetscErrorCode TwinfeReportSetIntArray(TwinfeReport report, const char key[], PetscInt n, const PetscInt values[])
{
  json_t   *array;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(CheckLength(key, n));
  ok = (array = json_array()) ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt i = 0; ok && i < n; ++i)
    ok = Append(array, json_integer((json_int_t)values[i]));
  PetscCall(SetArray(report, key, array, ok));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetStringArray - Set key to an array of n UTF-8 strings (a list of files, say).
  Not collective.
@*/
PetscErrorCode TwinfeReportSetStringArray(TwinfeReport report, const char key[], PetscInt n, const char *const values[])
{
  json_t   *array;
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(CheckLength(key, n));
  for (PetscInt i = 0; i < n; ++i) {
    PetscCheck(values[i], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key \"%s\": string %" PetscInt_FMT " is NULL",
               key ? key : "", i);
    PetscCheck(IsUTF8(values[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Report key \"%s\": string %" PetscInt_FMT " is not valid UTF-8 (convert it first)", key ? key : "", i);
  }
  ok = (array = json_array()) ? PETSC_TRUE : PETSC_FALSE;
  for (PetscInt i = 0; ok && i < n; ++i)
    ok = Append(array, json_string(values[i]));
  PetscCall(SetArray(report, key, array, ok));
  PetscFunctionReturn(0);
}

/* The value at key, or NULL when there is none (nothing is made). */
static PetscErrorCode Lookup(TwinfeReport report, const char key[], json_t **value)
{
  json_t     *node = report->root;
  const char *part = key;

  PetscFunctionBeginUser;
  PetscCall(CheckKey(key));
  for (;;) {
    const char  *dot = strchr(part, '.');
    const size_t len = dot ? (size_t)(dot - part) : strlen(part);
    size_t       namelen;
    PetscInt     index;
    PetscCall(ParsePart(key, part, len, &namelen, &index));
    node = json_is_object(node) ? json_object_getn(node, part, namelen) : NULL;
    if (node && index >= 0) node = json_is_array(node) ? json_array_get(node, (size_t)index) : NULL;
    if (!node || !dot) break;
    part = dot + 1;
  }
  *value = node;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportGetInt - The integer set at key, if any. Not collective.

  Output Parameters:
+ value - the integer (untouched when not found)
- found - whether key holds an integer
@*/
PetscErrorCode TwinfeReportGetInt(TwinfeReport report, const char key[], PetscInt *value, PetscBool *found)
{
  json_t *node;

  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report is NULL: create it with TwinfeReportCreate");
  PetscCall(Lookup(report, key, &node));
  *found = json_is_integer(node) ? PETSC_TRUE : PETSC_FALSE;
  if (*found) *value = (PetscInt)json_integer_value(node);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writing */

/* The shortest of %.15g..%.17g that reads back to the same double, with ".0" added to whole
   numbers so that readers keep the value a real. */
static void EmitReal(FILE *fp, double value)
{
  char text[64];

  for (int digits = 15; digits <= 17; ++digits) {
    snprintf(text, sizeof text, "%.*g", digits, value);
    if (strtod(text, NULL) == value) break;
  }
  if (!strpbrk(text, ".eE")) strcat(text, ".0");
  fputs(text, fp);
}

static void EmitIndent(FILE *fp, int depth)
{
  for (int i = 0; i < depth; ++i)
    fputs("  ", fp);
}

/* A string, integer, boolean or null, as jansson writes it (strings escaped, UTF-8 kept). */
static PetscErrorCode EmitScalar(FILE *fp, const json_t *value)
{
  PetscFunctionBeginUser;
  PetscCheck(json_dumpf(value, fp, JSON_ENCODE_ANY) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Writing report.json failed");
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitValue(FILE *fp, json_t *value, int depth);

/* Members one per line. */
static PetscErrorCode EmitObject(FILE *fp, json_t *object, int depth)
{
  const char  *key;
  json_t      *member;
  size_t       written = 0;
  const size_t n       = json_object_size(object);

  PetscFunctionBeginUser;
  fputs(n ? "{\n" : "{", fp);
  json_object_foreach(object, key, member)
  {
    json_t        *name = json_string(key); /* escaped as any string */
    PetscErrorCode ierr;
    PetscCheck(name, PETSC_COMM_SELF, PETSC_ERR_MEM, "Writing report.json: out of memory");
    EmitIndent(fp, depth + 1);
    ierr = EmitScalar(fp, name);
    json_decref(name);
    PetscCall(ierr);
    fputs(": ", fp);
    PetscCall(EmitValue(fp, member, depth + 1));
    fputs(++written < n ? ",\n" : "\n", fp);
  }
  if (n) EmitIndent(fp, depth);
  fputc('}', fp);
  PetscFunctionReturn(0);
}

/* Strings and objects one per line (lists of names a reader scans, lists of records); numbers on
   one line. */
static PetscErrorCode EmitArray(FILE *fp, json_t *array, int depth)
{
  json_t *const   first = json_array_get(array, 0);
  const PetscBool lines = json_is_string(first) || json_is_object(first) ? PETSC_TRUE : PETSC_FALSE;
  const size_t    n     = json_array_size(array);
  size_t          i;
  json_t         *item;

  PetscFunctionBeginUser;
  fputc('[', fp);
  json_array_foreach(array, i, item)
  {
    if (lines) {
      fputc('\n', fp);
      EmitIndent(fp, depth + 1);
    }
    PetscCall(EmitValue(fp, item, depth + 1));
    if (i + 1 < n) fputs(lines ? "," : ", ", fp);
  }
  if (lines) {
    fputc('\n', fp);
    EmitIndent(fp, depth);
  }
  fputc(']', fp);
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitValue(FILE *fp, json_t *value, int depth)
{
  PetscFunctionBeginUser;
  if (json_is_object(value))
    PetscCall(EmitObject(fp, value, depth));
  else if (json_is_array(value))
    PetscCall(EmitArray(fp, value, depth));
  else if (json_is_real(value))
    EmitReal(fp, json_real_value(value));
  else
    PetscCall(EmitScalar(fp, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitReport(FILE *fp, void *ctx)
{
  PetscFunctionBeginUser;
  PetscCall(EmitValue(fp, ((TwinfeReport)ctx)->root, 0));
  fputc('\n', fp);
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportWrite - Write the report as indented JSON (UTF-8), through path.tmp and a rename.

  Not collective: call on one rank

  Input Parameters:
+ report - the report
- path   - the file, in an existing folder
@*/
PetscErrorCode TwinfeReportWrite(TwinfeReport report, const char path[])
{
  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeReportWrite: report is NULL");
  PetscCall(TwinfeIOWriteTextFile(path, EmitReport, report));
  PetscFunctionReturn(0);
}

struct json_t *TwinfeReportJSON_Private(TwinfeReport report)
{
  return report ? report->root : NULL;
}
