/* What an earlier output folder is, by its report.json, and removing what it lists.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A complete twinfe output is a folder whose report.json twinfe wrote (it has "twinfe.version")
 * and whose "manifest" lists every file and folder in it, nothing more and nothing less
 * (docs/outputs.md). Only such a folder is ever replaced, and of it only the listed entries are
 * removed, each only when it stays inside the folder: no '..', no absolute path, no symbolic link
 * on the way. report.json is read with jansson; whatever cannot be read, or reads as anything
 * but what twinfe writes, is not twinfe's, which is the safe answer: twinfe then deletes nothing. */
#define _POSIX_C_SOURCE 200809L /* O_NOFOLLOW, O_CLOEXEC, lstat */
#include "case_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WALK_DEPTH 32 /* twinfe writes two levels; deeper trees are someone else's anyway */
/* twinfe's own report is a few kB (a manifest of 10^4 files about 0.5 MB): a larger file is not
   one, and is not read into memory to find that out */
#define MAX_REPORT_BYTES (1L << 26)

struct _n_TwinfeManifest {
  json_t *doc;  /* the whole report.json, which owns the entries */
  json_t *list; /* its "manifest", in order (lent by doc) */
  json_t *set;  /* the same entries as the keys of an object, to look one up at once */
};

/* ---------- paths ---------- */

/* A phrase for a message, cut if it does not fit (a message, not a path to act on). */
static void Describe(char out[], size_t len, const char format[], ...) __attribute__((format(printf, 3, 4)));
static void Describe(char out[], size_t len, const char format[], ...)
{
  va_list args;
  va_start(args, format);
  (void)vsnprintf(out, len, format, args);
  va_end(args);
}

PetscBool TwinfePathJoin(char out[], size_t len, const char a[], const char b[])
{
  const int n = a[0] ? snprintf(out, len, "%s/%s", a, b) : snprintf(out, len, "%s", b);
  return n >= 0 && (size_t)n < len ? PETSC_TRUE : PETSC_FALSE;
}

PetscBool TwinfePathIsFolder(const char path[])
{
  struct stat st;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsFolderEntry(const char entry[])
{
  return entry[0] && entry[strlen(entry) - 1] == '/' ? PETSC_TRUE : PETSC_FALSE;
}

/* An entry twinfe may act on stays inside its folder: relative, no empty, '.' or '..' part. */
static PetscBool IsSafeEntry(const char entry[])
{
  const char *part = entry;
  if (!entry[0] || entry[0] == '/') return PETSC_FALSE;
  while (*part) {
    const char  *slash = strchr(part, '/');
    const size_t len   = slash ? (size_t)(slash - part) : strlen(part);
    if (len == 0 || (len == 1 && part[0] == '.') || (len == 2 && part[0] == '.' && part[1] == '.')) return PETSC_FALSE;
    if (!slash) break;
    part = slash + 1;
  }
  return PETSC_TRUE;
}

/* Whether no part of rel below root is a symbolic link (or missing), so that acting on root/rel
   acts inside root. */
static PetscBool StaysInside(const char root[], const char rel[])
{
  char path[PETSC_MAX_PATH_LEN];
  if (!TwinfePathJoin(path, sizeof path, root, rel)) return PETSC_FALSE;
  for (char *p = path + strlen(root) + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    if (!TwinfePathIsFolder(path)) return PETSC_FALSE;
    *p = '/';
  }
  return PETSC_TRUE;
}

/* ---------- reading report.json ---------- */

/* The report at path as a JSON object; NULL when it is not a regular file (a link, a pipe that
   would block the run), is too large, or is not JSON. Keys given twice are refused (which
   "manifest" would count?), and so is \u0000, which no file name holds. */
static json_t *LoadReport(const char path[])
{
  struct stat  st;
  json_error_t error;
  json_t      *doc = NULL;
  FILE        *f   = NULL;
  const int    fd  = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return NULL;
  /* the descriptor checked is the one read (json_load_file would open the name again), through a
     FILE: json_loadfd reads one byte per system call */
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MAX_REPORT_BYTES && (f = fdopen(fd, "rb")))
    doc = json_loadf(f, JSON_REJECT_DUPLICATES, &error);
  if (f)
    (void)fclose(f);
  else
    (void)close(fd);
  if (doc && !json_is_object(doc)) {
    json_decref(doc);
    doc = NULL;
  }
  return doc;
}

PetscErrorCode TwinfeManifestDestroy(TwinfeManifest *m)
{
  PetscFunctionBegin;
  if (!m || !*m) PetscFunctionReturn(0);
  json_decref((*m)->doc);
  json_decref((*m)->set);
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

/* The manifest of doc when it is twinfe's: every entry a string that stays inside the folder,
   report.json among them. On PETSC_FALSE, why says what is not so. */
static PetscBool CheckManifest(json_t *doc, json_t *set, char why[], size_t len)
{
  const json_t *version = json_object_get(json_object_get(doc, "twinfe"), "version");
  const json_t *list    = json_object_get(doc, "manifest");
  const json_t *entry;
  size_t        i;
  if (!json_is_string(version)) {
    Describe(why, len, "has a report.json that twinfe did not write");
    return PETSC_FALSE;
  }
  if (!json_is_array(list)) {
    Describe(why, len, "has a report.json without the list of files twinfe wrote (an output of twinfe %s, before that list)",
             json_string_value(version));
    return PETSC_FALSE;
  }
  json_array_foreach(list, i, entry)
  {
    if (!json_is_string(entry) || !IsSafeEntry(json_string_value(entry))) {
      Describe(why, len, "has a report.json whose list of files is not twinfe's (an entry leaves the folder)");
      return PETSC_FALSE;
    }
    /* an entry listed twice is harmless (it is looked at, and removed, once) */
    if (json_object_set_new(set, json_string_value(entry), json_true()) != 0) {
      Describe(why, len, "has a report.json whose list of files could not be read (out of memory)");
      return PETSC_FALSE;
    }
  }
  if (!json_object_get(set, "report.json")) {
    Describe(why, len, "has a report.json whose list of files is not twinfe's (it lacks report.json)");
    return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

PetscErrorCode TwinfeManifestRead(const char dir[], TwinfeManifest *m, char why[], size_t len)
{
  char        path[PETSC_MAX_PATH_LEN];
  struct stat st;
  json_t     *doc, *set;

  PetscFunctionBegin;
  *m = NULL;
  if (!TwinfePathJoin(path, sizeof path, dir, "report.json") || lstat(path, &st) != 0) {
    Describe(why, len, "has no report.json, so twinfe did not write it");
    PetscFunctionReturn(0);
  }
  if (!(doc = LoadReport(path))) {
    Describe(why, len, "has a report.json that twinfe did not write");
    PetscFunctionReturn(0);
  }
  set = json_object();
  if (!set || !CheckManifest(doc, set, why, len)) {
    if (!set) Describe(why, len, "has a report.json that could not be read (out of memory)");
    json_decref(set);
    json_decref(doc);
    PetscFunctionReturn(0);
  }
  PetscCall(PetscNew(m));
  (*m)->doc  = doc;
  (*m)->list = json_object_get(doc, "manifest");
  (*m)->set  = set;
  PetscFunctionReturn(0);
}

static PetscBool ManifestLists(TwinfeManifest m, const char entry[])
{
  return json_object_get(m->set, entry) ? PETSC_TRUE : PETSC_FALSE;
}

/* ---------- what a folder holds ---------- */

/* The first entry listed but absent (or of the other kind: file or folder); PETSC_FALSE if none. */
static PetscBool FindMissing(const char dir[], TwinfeManifest m, char missing[], size_t len)
{
  size_t        i;
  const json_t *e;
  json_array_foreach(m->list, i, e)
  {
    const char *entry = json_string_value(e);
    char        path[PETSC_MAX_PATH_LEN];
    struct stat st;
    PetscBool   ok = TwinfePathJoin(path, sizeof path, dir, entry) && StaysInside(dir, entry) && lstat(path, &st) == 0;
    if (ok) ok = IsFolderEntry(entry) ? (PetscBool)S_ISDIR(st.st_mode) : (PetscBool)S_ISREG(st.st_mode);
    if (!ok) {
      Describe(missing, len, "%s", entry);
      return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

/* The first entry under dir/rel (symbolic links not followed) that the manifest does not list,
   into found: a folder as "name/"; anything but a regular file or a folder is never listed. */
static PetscBool FindUnlisted(const char dir[], const char rel[], TwinfeManifest m, int depth, char found[], size_t len)
{
  char           path[PETSC_MAX_PATH_LEN];
  DIR           *d;
  struct dirent *entry;
  PetscBool      any = PETSC_FALSE;
  if (!TwinfePathJoin(path, sizeof path, dir, rel) || depth > MAX_WALK_DEPTH || !(d = opendir(path))) {
    Describe(found, len, "%s", rel[0] ? rel : ".");
    return PETSC_TRUE; /* what cannot be read cannot be vouched for */
  }
  while (!any && (entry = readdir(d))) {
    char        child[PETSC_MAX_PATH_LEN], full[PETSC_MAX_PATH_LEN];
    struct stat st;
    if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
    if (!TwinfePathJoin(child, sizeof child - 1, rel, entry->d_name) || !TwinfePathJoin(full, sizeof full, dir, child) ||
        lstat(full, &st) != 0) {
      Describe(found, len, "%s", entry->d_name);
      any = PETSC_TRUE;
    } else if (S_ISDIR(st.st_mode)) {
      strcat(child, "/");
      if (ManifestLists(m, child)) {
        child[strlen(child) - 1] = 0;
        any                      = FindUnlisted(dir, child, m, depth + 1, found, len);
      } else {
        Describe(found, len, "%s", child);
        any = PETSC_TRUE;
      }
    } else if (!S_ISREG(st.st_mode) || !ManifestLists(m, child)) {
      Describe(found, len, "%s", child);
      any = PETSC_TRUE;
    }
  }
  closedir(d);
  return any;
}

/* Whether dir holds nothing; if it cannot be read, why says so. */
static PetscBool IsEmptyFolder(const char dir[], PetscBool *readable, char why[], size_t len)
{
  DIR      *d     = opendir(dir);
  PetscBool empty = PETSC_TRUE;
  *readable       = d ? PETSC_TRUE : PETSC_FALSE;
  if (!d) {
    Describe(why, len, "cannot be read (%s)", strerror(errno));
    return PETSC_FALSE;
  }
  for (struct dirent *entry; empty && (entry = readdir(d));)
    if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..")) empty = PETSC_FALSE;
  closedir(d);
  return empty;
}

PetscErrorCode TwinfeOutputClassify(const char dir[], TwinfeManifest *m, PetscBool *complete, char why[], size_t len)
{
  TwinfeManifest own;
  char           name[PETSC_MAX_PATH_LEN];
  PetscBool      readable;

  PetscFunctionBegin;
  *complete = PETSC_FALSE;
  if (m) *m = NULL;
  if (IsEmptyFolder(dir, &readable, why, len)) {
    Describe(why, len, "is an empty folder, not an output of twinfe");
    PetscFunctionReturn(0);
  }
  if (!readable) PetscFunctionReturn(0);
  PetscCall(TwinfeManifestRead(dir, &own, why, len));
  if (!own) PetscFunctionReturn(0);
  if (FindMissing(dir, own, name, sizeof name))
    Describe(why, len, "lacks %s, which its report.json lists, so it is not a complete twinfe output", name);
  else if (FindUnlisted(dir, "", own, 0, name, sizeof name))
    Describe(why, len, "holds %s, which twinfe did not write", name);
  else
    *complete = PETSC_TRUE;
  if (*complete && m)
    *m = own;
  else
    PetscCall(TwinfeManifestDestroy(&own));
  PetscFunctionReturn(0);
}

/* ---------- removing an earlier output ---------- */

static int Depth(const char entry[])
{
  int depth = 0;
  for (const char *p = entry; *p; ++p)
    depth += *p == '/';
  return depth;
}

PetscErrorCode TwinfeManifestRemoveListed(TwinfeManifest m, const char folder[])
{
  int           deepest = 0;
  size_t        i;
  const json_t *e;

  PetscFunctionBegin;
  json_array_foreach(m->list, i, e)
  {
    const char *entry = json_string_value(e);
    char        path[PETSC_MAX_PATH_LEN];
    struct stat st;
    deepest = PetscMax(deepest, Depth(entry));
    if (IsFolderEntry(entry) || !TwinfePathJoin(path, sizeof path, folder, entry) || !StaysInside(folder, entry)) continue;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) (void)unlink(path);
  }
  for (int depth = deepest; depth >= 1; --depth)
    json_array_foreach(m->list, i, e)
    {
      const char *entry = json_string_value(e);
      char        path[PETSC_MAX_PATH_LEN];
      if (Depth(entry) == depth && IsFolderEntry(entry) && TwinfePathJoin(path, sizeof path, folder, entry) &&
          StaysInside(folder, entry))
        (void)rmdir(path); /* only succeeds when empty */
    }
  PetscFunctionReturn(0);
}

/* ---------- the new output's inputs ---------- */

PetscErrorCode TwinfeOutputCheckInputs(const char staging_dir[], const char output_dir[])
{
  char           path[PETSC_MAX_PATH_LEN];
  json_t        *doc = NULL, *inputs, *role;
  const char    *name;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  PetscCheck(TwinfePathJoin(path, sizeof path, staging_dir, "report.json") && (doc = LoadReport(path)), PETSC_COMM_SELF,
             PETSC_ERR_PLIB, "The report.json just written for -o %s cannot be read back", output_dir);
  inputs = json_object_get(doc, "inputs");
  json_object_foreach(inputs, name, role)
  {
    const json_t *input = json_object_get(role, "path");
    if (json_is_string(input) && (ierr = TwinfeStagingCheckInput(output_dir, json_string_value(input)))) break;
  }
  json_decref(doc);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* A complete twinfe output made inside a case's staging folder (a rehearsal's step) joins that
   case's manifest: the folder and every entry its own manifest lists, under the folder. */
PetscErrorCode TwinfeCaseAddOutputFolder(TwinfeCase c, const char folder[])
{
  char           path[PETSC_MAX_PATH_LEN], entry[PETSC_MAX_PATH_LEN], why[512] = "";
  TwinfeManifest m = NULL;
  size_t         i;
  const json_t  *e;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseStagingPath_Private(c, folder, path));
  PetscCall(TwinfeManifestRead(path, &m, why, sizeof why));
  PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s is not a complete twinfe output: %s", path, why);
  snprintf(entry, sizeof entry, "%s/", folder);
  PetscCall(TwinfeCaseAddOutput(c, entry));
  json_array_foreach(m->list, i, e)
  {
    snprintf(entry, sizeof entry, "%s/%s", folder, json_string_value(e));
    PetscCall(TwinfeCaseAddOutput(c, entry));
  }
  PetscCall(TwinfeManifestDestroy(&m));
  PetscFunctionReturn(0);
}
