/* Checked options: typed declarations that refuse a malformed value with a message naming the
 * option, the known option names (taken from the declarations' own -help text, so there is no
 * second list to drift), and the search for options nothing read.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup, strcasecmp */
#include <twinfe/core.h>
#include "core_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- where a value came from (the case file, the command line) ---------- */

static TwinfeOptionsDescribeFn describe_fn;
static void                   *describe_ctx;

void TwinfeOptionsSetDescribe(TwinfeOptionsDescribeFn fn, void *ctx)
{
  describe_fn  = fn;
  describe_ctx = ctx;
}

/* " (case file X line N)" or "" for the option named without its dash; returns its place. */
static int Describe(const char name[], char text[], size_t len)
{
  text[0] = 0;
  return describe_fn ? describe_fn(name, text, len, describe_ctx) : 0;
}

/* ---------- typed declarations ---------- */

/* The full name (prefix included, with its dash) and the raw text of an option, if set. */
static PetscErrorCode GetRaw(PetscOptionItems *items, const char opt[], char full[256], char raw[4096], PetscBool *set)
{
  PetscFunctionBegin;
  snprintf(full, 256, "-%s%s", items->prefix ? items->prefix : "", opt + 1);
  raw[0] = 0;
  PetscCall(PetscOptionsGetString(items->options, items->prefix, opt, raw, 4096, set));
  PetscFunctionReturn(0);
}

static PetscBool ParseReal(const char s[], PetscReal *value)
{
  char  *end;
  double v;
  errno = 0;
  v     = strtod(s, &end);
  if (!s[0] || *end || errno || !isfinite(v)) return PETSC_FALSE;
  *value = (PetscReal)v;
  return PETSC_TRUE;
}

static PetscBool ParseInt(const char s[], PetscInt *value)
{
  char     *end;
  long long v;
  errno = 0;
  v     = strtoll(s, &end, 10);
  if (!s[0] || *end || errno || v < PETSC_MIN_INT || v > PETSC_MAX_INT) return PETSC_FALSE;
  *value = (PetscInt)v;
  return PETSC_TRUE;
}

/* PETSc's spellings of a logical value; an option given without a value is true. */
static PetscBool ParseBool(const char s[], PetscBool *value)
{
  const char *yes[] = {"", "1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i)
    if (!strcasecmp(s, yes[i])) return *value = PETSC_TRUE, PETSC_TRUE;
  for (size_t i = 0; i < sizeof no / sizeof no[0]; ++i)
    if (!strcasecmp(s, no[i])) return *value = PETSC_FALSE, PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode TwinfeOptionsReal(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscReal def,
                                 PetscReal *value, PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscReal parsed;
  PetscBool given;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  Describe(full + 1, where, sizeof where);
  PetscCheck(!given || ParseReal(raw, &parsed), PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG,
             "%s '%s'%s is not a number: give a real number (%s)", full, raw, where, text);
  *value = def;
  PetscCall(PetscOptionsReal(opt, text, PetscOptionsObject->title, def, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsInt(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscInt def,
                                PetscInt *value, PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscInt  parsed;
  PetscBool given;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  Describe(full + 1, where, sizeof where);
  PetscCheck(!given || ParseInt(raw, &parsed), PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG,
             "%s '%s'%s is not a whole number: give an integer (%s)", full, raw, where, text);
  *value = def;
  PetscCall(PetscOptionsInt(opt, text, PetscOptionsObject->title, def, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsBool(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscBool def,
                                 PetscBool *value, PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscBool given, parsed;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  Describe(full + 1, where, sizeof where);
  PetscCheck(!given || ParseBool(raw, &parsed), PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG,
             "%s '%s'%s is not a yes/no value: give 1 or 0 (true/false), or the option alone for 1 (%s)", full, raw, where, text);
  *value = def;
  PetscCall(PetscOptionsBool(opt, text, PetscOptionsObject->title, def, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsString(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], const char def[],
                                   char value[], size_t len, PetscBool *set)
{
  char            full[256], raw[4096], where[512];
  PetscBool       given, found = PETSC_FALSE;
  const PetscBool help =
      (PetscBool)(PetscOptionsObject->printhelp && PetscOptionsObject->count == 1 && !PetscOptionsObject->alreadyprinted);
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  Describe(full + 1, where, sizeof where);
  PetscCheck(!given || strlen(raw) < len, PetscOptionsObject->comm, PETSC_ERR_ARG_SIZ, "%s%s is longer than %zu characters (%s)",
             full, where, len - 1, text);
  PetscCall(PetscStrncpy(value, def, len));
  if (def[0] || !help) {
    PetscCall(PetscOptionsString(opt, text, PetscOptionsObject->title, def, value, len, set));
    PetscFunctionReturn(0);
  }
  /* PETSc prints an empty default as "<now  : formerly >": read without its line, then the line
     in the same form with "(none)" (so -help's readers, and docs/options.md, parse it alike) */
  PetscOptionsObject->printhelp = PETSC_FALSE;
  ierr                          = PetscOptionsString(opt, text, PetscOptionsObject->title, def, value, len, &found);
  PetscOptionsObject->printhelp = PETSC_TRUE;
  PetscCall(ierr);
  if (set) *set = found;
  PetscCall((*PetscHelpPrintf)(PetscOptionsObject->comm, "  -%s%s <now %s : formerly (none)>: %s (%s)\n",
                               PetscOptionsObject->prefix ? PetscOptionsObject->prefix : "", opt + 1,
                               found && value[0] ? value : "(none)", text, PetscOptionsObject->title));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsChoice(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                   const char *const choices[], PetscInt nchoices, PetscInt def, PetscInt *value, PetscBool *set)
{
  char      full[256], raw[4096], where[512], list[512] = "";
  PetscBool given;
  PetscInt  found = -1;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  Describe(full + 1, where, sizeof where);
  for (PetscInt i = 0; i < nchoices; ++i) {
    const size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i == 0 ? "" : i == nchoices - 1 ? " or " : ", ", choices[i]);
    if (!strcasecmp(raw, choices[i])) found = i;
  }
  PetscCheck(!given || found >= 0, PetscOptionsObject->comm, PETSC_ERR_ARG_WRONG, "%s '%s'%s is not known: give %s (%s)", full,
             raw, where, list, text);
  *value = def;
  PetscCall(PetscOptionsEList(opt, text, PetscOptionsObject->title, choices, nchoices, choices[def], value, set));
  PetscFunctionReturn(0);
}

/* The comma-separated items of raw, each checked with parse; *n is their count. */
static PetscErrorCode CheckItems(PetscOptionItems *items, const char full[], const char raw[], const char text[],
                                 PetscBool (*check)(const char[]), const char kind[], PetscInt *n)
{
  char where[512], item[4096];
  PetscFunctionBegin;
  Describe(full + 1, where, sizeof where);
  *n = 0;
  for (const char *p = raw; *p || *n == 0;) {
    const char  *comma = strchr(p, ',');
    const size_t len   = comma ? (size_t)(comma - p) : strlen(p);
    memcpy(item, p, len);
    item[len] = 0;
    PetscCheck(check(item), items->comm, PETSC_ERR_ARG_WRONG,
               "%s '%s'%s has '%s', which is not %s: give a comma-separated list (%s)", full, raw, where, item, kind, text);
    ++*n;
    if (!comma) break;
    p = comma + 1;
  }
  PetscFunctionReturn(0);
}

static PetscBool IsReal(const char s[])
{
  PetscReal v;
  return ParseReal(s, &v);
}

static PetscBool IsInt(const char s[])
{
  PetscInt v;
  return ParseInt(s, &v);
}

static PetscBool IsName(const char s[])
{
  return s[0] ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode TwinfeOptionsRealArray(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscInt n,
                                      PetscReal value[], PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscBool given;
  PetscInt  count = n;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  if (given) {
    PetscCall(CheckItems(PetscOptionsObject, full, raw, text, IsReal, "a number", &count));
    Describe(full + 1, where, sizeof where);
    PetscCheck(count == n, PetscOptionsObject->comm, PETSC_ERR_ARG_SIZ,
               "%s '%s'%s has %" PetscInt_FMT " values: give exactly %" PetscInt_FMT ", comma-separated (%s)", full, raw, where,
               count, n, text);
  }
  PetscCall(PetscOptionsRealArray(opt, text, PetscOptionsObject->title, value, &count, set));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsIntArray(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscInt nmax,
                                     PetscInt value[], PetscInt *n, PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscBool given;
  PetscInt  count = 0;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  if (given) {
    PetscCall(CheckItems(PetscOptionsObject, full, raw, text, IsInt, "a whole number", &count));
    Describe(full + 1, where, sizeof where);
    PetscCheck(count <= nmax, PetscOptionsObject->comm, PETSC_ERR_ARG_SIZ,
               "%s%s has %" PetscInt_FMT " values: give at most %" PetscInt_FMT " (%s)", full, where, count, nmax, text);
  }
  *n = nmax;
  PetscCall(PetscOptionsIntArray(opt, text, PetscOptionsObject->title, value, n, set));
  if (!given) *n = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsStringArray(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[], PetscInt nmax,
                                        char *value[], PetscInt *n, PetscBool *set)
{
  char      full[256], raw[4096], where[512];
  PetscBool given;
  PetscInt  count = 0;
  PetscFunctionBegin;
  PetscCall(GetRaw(PetscOptionsObject, opt, full, raw, &given));
  if (given) {
    PetscCall(CheckItems(PetscOptionsObject, full, raw, text, IsName, "a name (it is empty)", &count));
    Describe(full + 1, where, sizeof where);
    PetscCheck(count <= nmax, PetscOptionsObject->comm, PETSC_ERR_ARG_SIZ,
               "%s%s has %" PetscInt_FMT " values: give at most %" PetscInt_FMT " (%s)", full, where, count, nmax, text);
  }
  *n = nmax;
  PetscCall(PetscOptionsStringArray(opt, text, PetscOptionsObject->title, value, n, set));
  if (!given) *n = 0;
  PetscFunctionReturn(0);
}

/* ---------- known names, read from the declarations' help text ---------- */

static char    **known;
static PetscInt  nknown, maxknown;
static PetscBool capturing, forward, set_help, finalize_registered;
static PetscErrorCode (*saved_printf)(MPI_Comm, const char[], ...);
static PetscErrorCode (*saved_vfprintf)(FILE *, const char[], va_list);

static PetscErrorCode ForgetKnown(void)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nknown; ++i)
    free(known[i]);
  free(known);
  known  = NULL;
  nknown = maxknown = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsAddKnown(const char name[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nknown; ++i)
    if (!strcasecmp(known[i], name)) PetscFunctionReturn(0);
  if (nknown == maxknown) {
    char **grown;
    maxknown = maxknown ? 2 * maxknown : 256;
    grown    = (char **)realloc(known, (size_t)maxknown * sizeof *known);
    PetscCheck(grown, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory recording %" PetscInt_FMT " option names", maxknown);
    known = grown;
  }
  known[nknown] = strdup(name);
  PetscCheck(known[nknown], PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory recording option %s", name);
  nknown++;
  if (!finalize_registered) {
    PetscCall(PetscRegisterFinalize(ForgetKnown));
    finalize_registered = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* Every help line of an option starts with "  -name": record the name. */
static PetscErrorCode RecordNames(const char line[])
{
  char name[256];
  for (const char *p = line; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
    size_t n = 0;
    while (*p == ' ')
      ++p;
    if (p[0] != '-' || !(isalnum((unsigned char)p[1]) || p[1] == '_')) continue;
    while (n < sizeof name - 1 && (isalnum((unsigned char)p[n]) || p[n] == '_' || (n == 0 && p[n] == '-')))
      name[n] = p[n], ++n;
    name[n] = 0;
    if (TwinfeOptionsAddKnown(name)) return PETSC_ERR_MEM;
  }
  return 0;
}

static PetscErrorCode CapturePrintf(MPI_Comm comm, const char format[], ...)
{
  char    line[8192];
  va_list ap;
  va_start(ap, format);
  vsnprintf(line, sizeof line, format, ap);
  va_end(ap);
  if (RecordNames(line)) return PETSC_ERR_MEM;
  return forward ? saved_printf(comm, "%s", line) : 0;
}

/* Some help (a type's list of choices) goes to stdout through PetscPrintf, not PetscHelpPrintf. */
static PetscErrorCode CaptureVFPrintf(FILE *file, const char format[], va_list ap)
{
  char    line[8192];
  va_list copy;
  if (file != PETSC_STDOUT) return saved_vfprintf(file, format, ap);
  va_copy(copy, ap);
  vsnprintf(line, sizeof line, format, copy);
  va_end(copy);
  if (RecordNames(line)) return PETSC_ERR_MEM;
  return forward ? saved_vfprintf(file, format, ap) : 0;
}

PetscErrorCode TwinfeOptionsCaptureBegin(void)
{
  PetscBool help;
  PetscFunctionBegin;
  PetscCheck(!capturing, PETSC_COMM_SELF, PETSC_ERR_ORDER, "Option capture is already on");
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  forward  = help; /* the user asked for -help: they still see it */
  set_help = !help;
  if (set_help) PetscCall(PetscOptionsSetValue(NULL, "-help", NULL));
  saved_printf    = PetscHelpPrintf;
  saved_vfprintf  = PetscVFPrintf;
  PetscHelpPrintf = CapturePrintf;
  PetscVFPrintf   = CaptureVFPrintf;
  capturing       = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsCaptureEnd(void)
{
  PetscFunctionBegin;
  if (!capturing) PetscFunctionReturn(0);
  PetscHelpPrintf = saved_printf;
  PetscVFPrintf   = saved_vfprintf;
  capturing       = PETSC_FALSE;
  if (set_help) PetscCall(PetscOptionsClearValue(NULL, "-help"));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsGetKnown(PetscInt *n, const char *const **names)
{
  PetscFunctionBegin;
  *n     = nknown;
  *names = (const char *const *)known;
  PetscFunctionReturn(0);
}

/* ---------- closest names ---------- */

/* Optimal string alignment distance (edits, and swaps of neighbours), case-insensitive. */
PetscInt TwinfeEditDistance(const char a[], const char b[])
{
  const size_t la = strlen(a), lb = strlen(b);
  PetscInt     d[3][257], result;
  if (la > 256 || lb > 256) return PETSC_MAX_INT;
  for (size_t j = 0; j <= lb; ++j)
    d[0][j] = (PetscInt)j;
  for (size_t i = 1; i <= la; ++i) {
    PetscInt *cur = d[i % 3], *prev = d[(i + 2) % 3], *prev2 = d[(i + 1) % 3];
    cur[0] = (PetscInt)i;
    for (size_t j = 1; j <= lb; ++j) {
      const PetscInt cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
      PetscInt       best = PetscMin(prev[j] + 1, cur[j - 1] + 1);
      best                = PetscMin(best, prev[j - 1] + cost);
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]))
        best = PetscMin(best, prev2[j - 2] + 1);
      cur[j] = best;
    }
  }
  result = d[la % 3][lb];
  return result;
}

/* The known name nearest to name (with its dash), if near enough to be a likely typo: a third
   of the name's length, at least 2 edits. */
PetscErrorCode TwinfeOptionsClosest(const char name[], const char **closest)
{
  PetscInt best = PETSC_MAX_INT, limit = PetscMax(2, (PetscInt)strlen(name) / 3);
  PetscFunctionBegin;
  *closest = NULL;
  for (PetscInt i = 0; i < nknown; ++i) {
    const PetscInt d = TwinfeEditDistance(name, known[i]);
    if (d < best && d <= limit) best = d, *closest = known[i];
  }
  PetscFunctionReturn(0);
}

/* ---------- options nothing read ---------- */

/* Read by PETSc only in PetscFinalize, so never "used" while the run goes on. */
static PetscBool ReadAtFinalize(const char name[])
{
  const char *late[] = {"options_left", "options_view", "objects_dump", "malloc_view", "malloc_view_threshold"};
  for (size_t i = 0; i < sizeof late / sizeof late[0]; ++i)
    if (!strcasecmp(name, late[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* "twinfe demo -h" from the command line PETSc was started with, for the hint. */
static void HelpCommand(char text[], size_t len)
{
  int    argc = 0;
  char **argv = NULL;
  if (PetscGetArgs(&argc, &argv) || argc < 1) {
    snprintf(text, len, "-h");
    return;
  }
  snprintf(text, len, "%s%s%s -h", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0],
           argc > 1 && argv[1][0] != '-' ? " " : "", argc > 1 && argv[1][0] != '-' ? argv[1] : "");
}

PetscErrorCode TwinfeOptionsFindUnused(TwinfeOptionsDeferFn defer, void *ctx, char message[], size_t len, PetscBool *found)
{
  PetscInt    n, first = -1, nunknown = 0;
  int         first_place = 0;
  char      **names, **values, dashed[260], where[512], others[512] = "", help[256];
  const char *closest;
  PetscFunctionBegin;
  message[0] = 0;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; ++i) {
    int place;
    if (ReadAtFinalize(names[i]) || (defer && defer(names[i], ctx))) continue;
    place = Describe(names[i], where, sizeof where);
    if (first < 0 || place < first_place) first = i, first_place = place;
    nunknown++;
  }
  for (PetscInt i = 0; first >= 0 && i < n; ++i) {
    const size_t used = strlen(others);
    if (i == first || ReadAtFinalize(names[i]) || (defer && defer(names[i], ctx))) continue;
    snprintf(others + used, sizeof others - used, "%s-%s", used ? ", " : "", names[i]);
  }
  *found = nunknown ? PETSC_TRUE : PETSC_FALSE;
  if (first >= 0) {
    snprintf(dashed, sizeof dashed, "-%s", names[first]);
    Describe(names[first], where, sizeof where);
    PetscCall(TwinfeOptionsClosest(dashed, &closest));
    if (closest)
      snprintf(message, len, "Unknown option %s%s: did you mean %s?%s%s%s", dashed, where, closest,
               others[0] ? " (also unknown: " : "", others, others[0] ? ")" : "");
    else {
      HelpCommand(help, sizeof help);
      snprintf(message, len, "Unknown option %s%s: nothing reads it (%s lists the options)%s%s%s", dashed, where, help,
               others[0] ? " (also unknown: " : "", others, others[0] ? ")" : "");
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsRefuseUnused(TwinfeOptionsDeferFn defer)
{
  char      message[2048];
  PetscBool found;
  PetscFunctionBegin;
  PetscCall(TwinfeOptionsFindUnused(defer, NULL, message, sizeof message, &found));
  PetscCheck(!found, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s", message);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeOptionsCheckUnused(MPI_Comm comm)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(TwinfeRunOnRoot(comm, rank == 0 ? TwinfeOptionsRefuseUnused(NULL) : 0));
  PetscFunctionReturn(0);
}

/* ---------- the command line's shape ---------- */

/* "-3", "-.5", "-1e3,2": a negative number is a value, not an option (PETSc's rule too). */
static PetscBool IsNegativeNumber(const char arg[])
{
  return arg[0] == '-' && (isdigit((unsigned char)arg[1]) || (arg[1] == '.' && isdigit((unsigned char)arg[2]))) ? PETSC_TRUE
                                                                                                                : PETSC_FALSE;
}

PetscErrorCode TwinfeOptionsCheckArguments(MPI_Comm comm, int argc, char **argv, int npositional)
{
  PetscBool after_option = PETSC_FALSE;
  PetscFunctionBegin;
  for (int i = npositional + 1; i < argc; ++i) {
    const char *arg = argv[i];
    PetscCheck(!(arg[0] == '-' && arg[1] == '-'), comm, PETSC_ERR_ARG_WRONG,
               "%s is not an option: twinfe options take one dash, -%s (twinfe %s -h lists them)", arg, arg[2] ? arg + 2 : "h",
               npositional > 0 ? argv[1] : "<command>");
    if (arg[0] == '-' && !IsNegativeNumber(arg)) {
      after_option = PETSC_TRUE;
      continue;
    }
    PetscCheck(after_option, comm, PETSC_ERR_ARG_WRONG,
               "Stray argument '%s': twinfe %s takes %s, then options (-name value); is an option's name missing before it?", arg,
               npositional > 0 ? argv[1] : "<command>",
               npositional > 1 ? "one input after the command" : "no input after the command");
    after_option = PETSC_FALSE; /* it was that option's value */
  }
  PetscFunctionReturn(0);
}
