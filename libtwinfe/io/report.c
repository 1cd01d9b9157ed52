/* libtwinfe io stage: report.json, an ordered JSON document built by dotted keys.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A small tree of named nodes kept in insertion order (a reader of the report finds the
 * version first and the timings last, as they were set). */
#include "ioimpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/io.h>

typedef enum {
  NODE_OBJECT,
  NODE_STRING,
  NODE_REAL,
  NODE_INT,
  NODE_BOOL,
  NODE_REAL_ARRAY,
  NODE_INT_ARRAY,
  NODE_STRING_ARRAY
} NodeKind;

typedef struct Node {
  char        *key;
  NodeKind     kind;
  char        *string;
  PetscReal    real;
  PetscInt     integer;
  PetscBool    boolean;
  PetscReal   *reals;    /* NODE_REAL_ARRAY: n values */
  PetscInt    *integers; /* NODE_INT_ARRAY: n values */
  char       **strings;  /* NODE_STRING_ARRAY: n values */
  PetscInt     n;
  struct Node *first, *last, *next; /* children (objects) and the next sibling */
} Node;

struct _p_TwinfeReport {
  Node root;
};

/* ---------------------------------------------------------------- building */

/* JSON text must be UTF-8; a Latin-1 byte from some header would make the whole file
   unreadable to strict parsers (Python's json), so refuse it where the caller is known. */
static PetscBool IsValidUTF8(const char *s)
{
  const unsigned char *c = (const unsigned char *)s;
  while (*c) {
    int n;
    if (*c < 0x80)
      n = 0;
    else if (*c >= 0xC2 && *c <= 0xDF)
      n = 1;
    else if (*c >= 0xE0 && *c <= 0xEF)
      n = 2;
    else if (*c >= 0xF0 && *c <= 0xF4)
      n = 3;
    else
      return PETSC_FALSE;
    if (n == 2 && ((*c == 0xE0 && c[1] < 0xA0) || (*c == 0xED && c[1] > 0x9F))) return PETSC_FALSE; /* overlong, surrogate */
    if (n == 3 && ((*c == 0xF0 && c[1] < 0x90) || (*c == 0xF4 && c[1] > 0x8F))) return PETSC_FALSE; /* overlong, > U+10FFFF */
    ++c;
    for (int k = 0; k < n; ++k, ++c)
      if ((*c & 0xC0) != 0x80) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

static PetscErrorCode CheckKey(const char key[])
{
  size_t n;

  PetscFunctionBeginUser;
  PetscCheck(key && key[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key is empty: give a dotted key like mesh.min_gamma");
  n = strlen(key);
  PetscCheck(key[0] != '.' && key[n - 1] != '.' && !strstr(key, ".."), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\" has an empty part: write names joined by single dots, like mesh.min_gamma", key);
  PetscCheck(IsValidUTF8(key), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Report key \"%s\" is not valid UTF-8", key);
  PetscFunctionReturn(0);
}

static Node *FindChild(Node *object, const char *name, size_t len)
{
  for (Node *child = object->first; child; child = child->next)
    if (strlen(child->key) == len && !strncmp(child->key, name, len)) return child;
  return NULL;
}

static PetscErrorCode AppendChild(Node *object, const char *name, size_t len, NodeKind kind, Node **child)
{
  Node *node;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&node));
  PetscCall(PetscMalloc1(len + 1, &node->key));
  memcpy(node->key, name, len);
  node->key[len] = '\0';
  node->kind     = kind;
  if (object->last)
    object->last->next = node;
  else
    object->first = node;
  object->last = node;
  *child       = node;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeStrings(Node *node)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; node->strings && i < node->n; ++i)
    PetscCall(PetscFree(node->strings[i]));
  PetscCall(PetscFree(node->strings));
  PetscFunctionReturn(0);
}

/* The leaf node for a dotted key, created (with its parent objects) if new; a value already
   there is replaced in place, keeping its position. */
static PetscErrorCode GetLeaf(TwinfeReport report, const char key[], NodeKind kind, Node **leaf)
{
  Node       *object = &report->root, *node;
  const char *part   = key;

  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report is NULL: create it with TwinfeReportCreate");
  PetscCall(CheckKey(key));
  for (const char *dot = strchr(part, '.'); dot; part = dot + 1, dot = strchr(part, '.')) {
    node = FindChild(object, part, (size_t)(dot - part));
    if (!node) PetscCall(AppendChild(object, part, (size_t)(dot - part), NODE_OBJECT, &node));
    PetscCheck(node->kind == NODE_OBJECT, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Report key \"%s\": \"%.*s\" already holds a value, so it cannot also hold members", key, (int)(dot - key), key);
    object = node;
  }
  node = FindChild(object, part, strlen(part));
  if (!node) PetscCall(AppendChild(object, part, strlen(part), kind, &node));
  PetscCheck(node->kind != NODE_OBJECT, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\" already holds members (e.g. \"%s.%s\"): it cannot also hold a value", key, key,
             node->first ? node->first->key : "?");
  PetscCall(PetscFree(node->string));
  PetscCall(PetscFree(node->reals));
  PetscCall(PetscFree(node->integers));
  PetscCall(FreeStrings(node));
  node->n    = 0;
  node->kind = kind;
  *leaf      = node;
  PetscFunctionReturn(0);
}

static PetscErrorCode NodeDestroyChildren(Node *object)
{
  Node *child = object->first, *next;

  PetscFunctionBeginUser;
  while (child) {
    next = child->next;
    PetscCall(NodeDestroyChildren(child));
    PetscCall(PetscFree(child->key));
    PetscCall(PetscFree(child->string));
    PetscCall(PetscFree(child->reals));
    PetscCall(PetscFree(child->integers));
    PetscCall(FreeStrings(child));
    PetscCall(PetscFree(child));
    child = next;
  }
  object->first = object->last = NULL;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportCreate - An empty report. Not collective.
@*/
PetscErrorCode TwinfeReportCreate(TwinfeReport *report)
{
  PetscFunctionBeginUser;
  PetscCheck(report, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeReportCreate: report (output) is NULL");
  PetscCall(PetscNew(report));
  (*report)->root.kind = NODE_OBJECT;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportDestroy - Free a report. NULL is a no-op; sets *report to NULL. Not collective.
@*/
PetscErrorCode TwinfeReportDestroy(TwinfeReport *report)
{
  PetscFunctionBeginUser;
  if (!report || !*report) PetscFunctionReturn(0);
  PetscCall(NodeDestroyChildren(&(*report)->root));
  PetscCall(PetscFree(*report));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetString - Set key (dotted, e.g. "input.sha256") to a UTF-8 string. Not collective.
@*/
PetscErrorCode TwinfeReportSetString(TwinfeReport report, const char key[], const char value[])
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCheck(value, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key \"%s\": string value is NULL", key ? key : "");
  PetscCheck(IsValidUTF8(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Report key \"%s\": the string value is not valid UTF-8 (convert it first)", key ? key : "");
  PetscCall(GetLeaf(report, key, NODE_STRING, &leaf));
  PetscCall(PetscStrallocpy(value, &leaf->string));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetReal - Set key to a real; NaN and infinities are written as null. Not collective.
@*/
PetscErrorCode TwinfeReportSetReal(TwinfeReport report, const char key[], PetscReal value)
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCall(GetLeaf(report, key, NODE_REAL, &leaf));
  leaf->real = value;
  PetscFunctionReturn(0);
}

/* The leaf for an array of n values, its old contents freed. */
static PetscErrorCode GetArrayLeaf(TwinfeReport report, const char key[], PetscInt n, NodeKind kind, Node **leaf)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Report key \"%s\": array length %" PetscInt_FMT " is negative",
             key, n);
  PetscCall(GetLeaf(report, key, kind, leaf));
  (*leaf)->n = n;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetRealArray - Set key to an array of n reals (a vector, a matrix row by row).
  Not collective.
@*/
PetscErrorCode TwinfeReportSetRealArray(TwinfeReport report, const char key[], PetscInt n, const PetscReal values[])
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCall(GetArrayLeaf(report, key, n, NODE_REAL_ARRAY, &leaf));
  PetscCall(PetscMalloc1(n, &leaf->reals));
  PetscCall(PetscArraycpy(leaf->reals, values, n));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetIntArray - Set key to an array of n integers. Not collective.
@*/
PetscErrorCode TwinfeReportSetIntArray(TwinfeReport report, const char key[], PetscInt n, const PetscInt values[])
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCall(GetArrayLeaf(report, key, n, NODE_INT_ARRAY, &leaf));
  PetscCall(PetscMalloc1(n, &leaf->integers));
  PetscCall(PetscArraycpy(leaf->integers, values, n));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetStringArray - Set key to an array of n UTF-8 strings (a list of files, say).
  Not collective.
@*/
PetscErrorCode TwinfeReportSetStringArray(TwinfeReport report, const char key[], PetscInt n, const char *const values[])
{
  Node *leaf;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; ++i) {
    PetscCheck(values[i], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Report key \"%s\": string %" PetscInt_FMT " is NULL",
               key ? key : "", i);
    PetscCheck(IsValidUTF8(values[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Report key \"%s\": string %" PetscInt_FMT " is not valid UTF-8 (convert it first)", key ? key : "", i);
  }
  PetscCall(GetArrayLeaf(report, key, n, NODE_STRING_ARRAY, &leaf));
  PetscCall(PetscCalloc1(n, &leaf->strings));
  for (PetscInt i = 0; i < n; ++i)
    PetscCall(PetscStrallocpy(values[i], &leaf->strings[i]));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetInt - Set key to an integer. Not collective.
@*/
PetscErrorCode TwinfeReportSetInt(TwinfeReport report, const char key[], PetscInt value)
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCall(GetLeaf(report, key, NODE_INT, &leaf));
  leaf->integer = value;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeReportSetBool - Set key to true or false. Not collective.
@*/
PetscErrorCode TwinfeReportSetBool(TwinfeReport report, const char key[], PetscBool value)
{
  Node *leaf;

  PetscFunctionBeginUser;
  PetscCall(GetLeaf(report, key, NODE_BOOL, &leaf));
  leaf->boolean = value;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- writing */

static void EmitString(FILE *fp, const char *s)
{
  fputc('"', fp);
  for (const unsigned char *c = (const unsigned char *)s; *c; ++c) {
    switch (*c) {
    case '"':
      fputs("\\\"", fp);
      break;
    case '\\':
      fputs("\\\\", fp);
      break;
    case '\b':
      fputs("\\b", fp);
      break;
    case '\f':
      fputs("\\f", fp);
      break;
    case '\n':
      fputs("\\n", fp);
      break;
    case '\r':
      fputs("\\r", fp);
      break;
    case '\t':
      fputs("\\t", fp);
      break;
    default:
      if (*c < 0x20)
        fprintf(fp, "\\u%04x", *c);
      else
        fputc(*c, fp); /* UTF-8 bytes pass through unchanged */
    }
  }
  fputc('"', fp);
}

/* The shortest of %.15g..%.17g that reads back to the same double, with ".0" added to whole
   numbers so that readers keep the value a real. */
static void EmitReal(FILE *fp, PetscReal value)
{
  char text[64];

  if (PetscIsInfOrNanReal(value)) {
    fputs("null", fp);
    return;
  }
  for (int digits = 15; digits <= 17; ++digits) {
    snprintf(text, sizeof text, "%.*g", digits, (double)value);
    if (strtod(text, NULL) == (double)value) break;
  }
  if (!strpbrk(text, ".eE")) strcat(text, ".0");
  fputs(text, fp);
}

static void EmitIndent(FILE *fp, int depth)
{
  for (int i = 0; i < depth; ++i)
    fputs("  ", fp);
}

static void EmitNode(FILE *fp, const Node *node, int depth)
{
  switch (node->kind) {
  case NODE_OBJECT:
    if (!node->first) {
      fputs("{}", fp);
      break;
    }
    fputs("{\n", fp);
    for (const Node *child = node->first; child; child = child->next) {
      EmitIndent(fp, depth + 1);
      EmitString(fp, child->key);
      fputs(": ", fp);
      EmitNode(fp, child, depth + 1);
      fputs(child->next ? ",\n" : "\n", fp);
    }
    EmitIndent(fp, depth);
    fputc('}', fp);
    break;
  case NODE_STRING:
    EmitString(fp, node->string);
    break;
  case NODE_REAL:
    EmitReal(fp, node->real);
    break;
  case NODE_INT:
    fprintf(fp, "%" PetscInt_FMT, node->integer);
    break;
  case NODE_BOOL:
    fputs(node->boolean ? "true" : "false", fp);
    break;
  case NODE_REAL_ARRAY:
    fputc('[', fp);
    for (PetscInt i = 0; i < node->n; ++i) {
      if (i) fputs(", ", fp);
      EmitReal(fp, node->reals[i]);
    }
    fputc(']', fp);
    break;
  case NODE_STRING_ARRAY: /* one per line: these are lists of names a reader scans */
    if (!node->n) {
      fputs("[]", fp);
      break;
    }
    fputs("[\n", fp);
    for (PetscInt i = 0; i < node->n; ++i) {
      EmitIndent(fp, depth + 1);
      EmitString(fp, node->strings[i]);
      fputs(i + 1 < node->n ? ",\n" : "\n", fp);
    }
    EmitIndent(fp, depth);
    fputc(']', fp);
    break;
  case NODE_INT_ARRAY:
    fputc('[', fp);
    for (PetscInt i = 0; i < node->n; ++i)
      fprintf(fp, "%s%" PetscInt_FMT, i ? ", " : "", node->integers[i]);
    fputc(']', fp);
    break;
  }
}

static PetscErrorCode EmitReport(FILE *fp, void *ctx)
{
  PetscFunctionBeginUser;
  EmitNode(fp, &((TwinfeReport)ctx)->root, 0);
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
