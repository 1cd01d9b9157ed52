/* The output folder of a case, and what twinfe may delete: only what it wrote.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A case writes into a hidden staging folder beside the target, .DIR.twinfe-partial-<host>-<pid>,
 * and renames it to DIR when the run succeeded. twinfe deletes:
 *  - its own staging folder after a failed run, and the parent folders of DIR it made for the
 *    run, with rmdir, so only while they are empty;
 *  - of an earlier output at DIR, the files and folders its report.json lists in "manifest",
 *    and only when the folder holds exactly those (a complete twinfe output).
 * Anything else at DIR is refused before any work; with -force it is moved aside, whole, to
 * DIR.twinfe-backup-<date>-<time> once the run succeeded. Whatever is left of an earlier output
 * after its listed files went (someone wrote into it meanwhile) is kept under such a name too. */
#define _GNU_SOURCE /* renameat2 with RENAME_NOREPLACE: a rename that never replaces */
#include "case_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGING_MARK ".twinfe-partial-"
#define BACKUP_MARK ".twinfe-backup-"
#define MAX_WALK_DEPTH 32 /* twinfe writes two levels; deeper trees are someone else's anyway */

/* ---------- small path helpers ---------- */

/* A phrase for a message, cut if it does not fit (a message, not a path to act on). */
static void Describe(char out[], size_t len, const char format[], ...) __attribute__((format(printf, 3, 4)));
static void Describe(char out[], size_t len, const char format[], ...)
{
  va_list args;
  va_start(args, format);
  (void)vsnprintf(out, len, format, args);
  va_end(args);
}

/* a/b into out; PETSC_FALSE when it does not fit (the caller treats that as "not ours"). */
static PetscBool Join(char out[], size_t len, const char a[], const char b[])
{
  const int n = a[0] ? snprintf(out, len, "%s/%s", a, b) : snprintf(out, len, "%s", b);
  return n >= 0 && (size_t)n < len ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsRealFolder(const char path[])
{
  struct stat st;
  return lstat(path, &st) == 0 && S_ISDIR(st.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

/* The folder holding path and its last part ("." when path has no '/'). */
static void SplitPath(const char path[], char parent[PETSC_MAX_PATH_LEN], char base[PETSC_MAX_PATH_LEN])
{
  const char *slash = strrchr(path, '/');
  if (!slash) {
    snprintf(parent, PETSC_MAX_PATH_LEN, ".");
    snprintf(base, PETSC_MAX_PATH_LEN, "%s", path);
  } else {
    snprintf(parent, PETSC_MAX_PATH_LEN, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    snprintf(base, PETSC_MAX_PATH_LEN, "%s", slash + 1);
  }
}

/* -o made plain: no empty or '.' parts, no trailing '/', and '..' taken against the part before
   it as written (not through symbolic links: the folder named is the one acted on and shown),
   so that "out/", "./out" and "x/../out" all mean out. */
static PetscErrorCode NormalisePath(const char given[], char out[PETSC_MAX_PATH_LEN])
{
  char      copy[PETSC_MAX_PATH_LEN], *parts[PETSC_MAX_PATH_LEN / 2], *save = NULL;
  int       n        = 0;
  PetscBool absolute = given[0] == '/' ? PETSC_TRUE : PETSC_FALSE;
  size_t    used     = 0;

  PetscFunctionBegin;
  PetscCheck(strlen(given) < sizeof copy, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "-o %.64s... is longer than %d characters", given,
             PETSC_MAX_PATH_LEN - 1);
  PetscCall(PetscStrncpy(copy, given, sizeof copy));
  for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
    if (!strcmp(part, ".")) continue;
    if (!strcmp(part, "..") && n > 0 && strcmp(parts[n - 1], "..")) {
      n--;
      continue;
    }
    if (!strcmp(part, "..") && absolute) continue; /* "/.." is "/" */
    parts[n++] = part;
  }
  out[0] = 0;
  if (absolute) used = (size_t)snprintf(out, PETSC_MAX_PATH_LEN, "/");
  for (int i = 0; i < n; ++i)
    used += (size_t)snprintf(out + used, PETSC_MAX_PATH_LEN - used, "%s%s", i ? "/" : "", parts[i]);
  PetscCheck(n > 0 && strcmp(parts[n - 1], ".."), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-o %s names %s, not a folder twinfe can write in its place: give a folder's name, e.g. -o results/case1", given,
             n == 0 ? (absolute ? "the root folder" : "the current folder") : "a parent of the current folder");
  PetscFunctionReturn(0);
}

/* Folders from the parent of path upwards are removed while they are empty, up to created (the
   outermost one this run made): what the run made and nobody filled. */
static void RemoveEmptyParents(const char path[], const char created[])
{
  char folder[PETSC_MAX_PATH_LEN], *slash;
  if (!created[0]) return;
  snprintf(folder, sizeof folder, "%s", path);
  while ((slash = strrchr(folder, '/')) && slash != folder) {
    *slash = 0;
    if (rmdir(folder) != 0 || !strcmp(folder, created)) break;
  }
}

/* ---------- a small JSON reader, for report.json ---------- */

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonKind;

typedef struct JsonValue {
  JsonKind          kind;
  char             *key;  /* its name, inside an object */
  char             *text; /* JSON_STRING: decoded, UTF-8 */
  struct JsonValue *first, *next;
} JsonValue;

typedef struct {
  const char *p;
  int         depth;
} JsonCursor;

static void JsonFree(JsonValue *v)
{
  while (v) {
    JsonValue *next = v->next;
    JsonFree(v->first);
    free(v->key);
    free(v->text);
    free(v);
    v = next;
  }
}

static void SkipSpace(JsonCursor *c)
{
  while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
    c->p++;
}

static PetscBool ReadHex4(JsonCursor *c, unsigned long *value)
{
  *value = 0;
  for (int i = 0; i < 4; ++i, c->p++) {
    const char h = *c->p;
    if (h >= '0' && h <= '9')
      *value = 16 * *value + (unsigned long)(h - '0');
    else if (h >= 'a' && h <= 'f')
      *value = 16 * *value + (unsigned long)(h - 'a' + 10);
    else if (h >= 'A' && h <= 'F')
      *value = 16 * *value + (unsigned long)(h - 'A' + 10);
    else
      return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Code point cp as UTF-8 at o; returns the bytes written. */
static size_t PutUTF8(unsigned long cp, char *o)
{
  const size_t  n     = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  const uint8_t first = n == 1 ? 0x00 : n == 2 ? 0xC0 : n == 3 ? 0xE0 : 0xF0;
  for (size_t i = n - 1; i > 0; --i, cp >>= 6)
    o[i] = (char)(0x80 | (cp & 0x3F));
  o[0] = (char)(first | cp);
  return n;
}

/* One \u escape (a surrogate pair counts as one); NUL is refused: it cannot be in a file name. */
static PetscBool ReadEscapedCodePoint(JsonCursor *c, unsigned long *cp)
{
  unsigned long low;
  if (!ReadHex4(c, cp) || *cp == 0 || (*cp >= 0xDC00 && *cp <= 0xDFFF)) return PETSC_FALSE;
  if (*cp < 0xD800 || *cp > 0xDBFF) return PETSC_TRUE;
  if (c->p[0] != '\\' || c->p[1] != 'u') return PETSC_FALSE;
  c->p += 2;
  if (!ReadHex4(c, &low) || low < 0xDC00 || low > 0xDFFF) return PETSC_FALSE;
  *cp = 0x10000 + ((*cp - 0xD800) << 10) + (low - 0xDC00);
  return PETSC_TRUE;
}

/* The string whose opening quote is just behind c->p, decoded; NULL if malformed. Decoding
   never makes a string longer, so the raw length bounds the buffer. */
static char *JsonParseString(JsonCursor *c)
{
  static const char escapes[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
  const char       *end = c->p;
  char             *out, *o;
  PetscBool         ok = PETSC_TRUE;
  while (*end && *end != '"')
    end += (end[0] == '\\' && end[1]) ? 2 : 1;
  if (*end != '"' || !(out = malloc((size_t)(end - c->p) + 1))) return NULL;
  o = out;
  while (ok && c->p < end) {
    const char    ch = *c->p++;
    const char   *simple;
    unsigned long cp;
    if ((unsigned char)ch < 0x20)
      ok = PETSC_FALSE; /* control characters must be escaped */
    else if (ch != '\\')
      *o++ = ch;
    else if (*c->p == 'u') {
      c->p++;
      if (ReadEscapedCodePoint(c, &cp))
        o += PutUTF8(cp, o);
      else
        ok = PETSC_FALSE;
    } else if (*c->p && (simple = strchr(escapes, *c->p))) {
      *o++ = decoded[simple - escapes];
      c->p++;
    } else
      ok = PETSC_FALSE;
  }
  if (!ok || c->p != end) {
    free(out);
    return NULL;
  }
  *o   = 0;
  c->p = end + 1;
  return out;
}

static JsonValue *JsonNew(JsonKind kind)
{
  JsonValue *v = calloc(1, sizeof *v);
  if (v) v->kind = kind;
  return v;
}

static JsonValue *JsonParseValue(JsonCursor *c);

/* An object or an array, from its opening bracket. */
static JsonValue *JsonParseContainer(JsonCursor *c)
{
  const PetscBool object = *c->p == '{' ? PETSC_TRUE : PETSC_FALSE;
  const char      close  = object ? '}' : ']';
  JsonValue      *v, **tail;
  if (c->depth >= 64 || !(v = JsonNew(object ? JSON_OBJECT : JSON_ARRAY))) return NULL; /* a report is 4 deep */
  tail = &v->first;
  c->p++;
  c->depth++;
  SkipSpace(c);
  if (*c->p == close) {
    c->p++;
    c->depth--;
    return v;
  }
  for (;;) {
    char      *key = NULL;
    JsonValue *item;
    if (object) {
      SkipSpace(c);
      if (*c->p != '"') break;
      c->p++;
      if (!(key = JsonParseString(c))) break;
      SkipSpace(c);
      if (*c->p++ != ':') {
        free(key);
        break;
      }
    }
    if (!(item = JsonParseValue(c))) {
      free(key);
      break;
    }
    item->key = key;
    *tail     = item;
    tail      = &item->next;
    SkipSpace(c);
    if (*c->p == ',') {
      c->p++;
      continue;
    }
    if (*c->p != close) break;
    c->p++;
    c->depth--;
    return v;
  }
  JsonFree(v);
  return NULL;
}

static JsonValue *JsonParseValue(JsonCursor *c)
{
  static const char *const literals[] = {"true", "false", "null"};
  JsonValue               *v;
  SkipSpace(c);
  if (*c->p == '{' || *c->p == '[') return JsonParseContainer(c);
  if (*c->p == '"') {
    c->p++;
    if (!(v = JsonNew(JSON_STRING))) return NULL;
    if (!(v->text = JsonParseString(c))) {
      JsonFree(v);
      return NULL;
    }
    return v;
  }
  for (int i = 0; i < 3; ++i)
    if (!strncmp(c->p, literals[i], strlen(literals[i]))) {
      c->p += strlen(literals[i]);
      return JsonNew(i < 2 ? JSON_BOOL : JSON_NULL);
    }
  if (!*c->p || !strchr("-0123456789", *c->p)) return NULL;
  while (*c->p && strchr("+-0123456789.eE", *c->p))
    c->p++;
  return JsonNew(JSON_NUMBER);
}

/* A whole document; NULL if it is not JSON. */
static JsonValue *JsonParse(const char text[])
{
  JsonCursor c = {text, 0};
  JsonValue *v = JsonParseValue(&c);
  SkipSpace(&c);
  if (v && *c.p) {
    JsonFree(v);
    v = NULL;
  }
  return v;
}

static const JsonValue *JsonMember(const JsonValue *object, const char key[])
{
  if (!object || object->kind != JSON_OBJECT) return NULL;
  for (const JsonValue *m = object->first; m; m = m->next)
    if (!strcmp(m->key, key)) return m;
  return NULL;
}

/* The whole text of a small file (NULL if it cannot be read or holds a NUL byte); caller frees. */
static char *ReadSmallFile(const char path[])
{
  FILE  *f = fopen(path, "rb");
  char  *text;
  long   n;
  size_t got;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1L << 26) || fseek(f, 0, SEEK_SET) != 0 ||
      !(text = malloc((size_t)n + 1))) {
    fclose(f);
    return NULL;
  }
  got       = fread(text, 1, (size_t)n, f);
  text[got] = 0;
  fclose(f);
  if (got != (size_t)n || strlen(text) != got) {
    free(text);
    return NULL;
  }
  return text;
}

static JsonValue *ReadJsonFile(const char path[])
{
  char      *text = ReadSmallFile(path);
  JsonValue *doc  = text ? JsonParse(text) : NULL;
  free(text);
  return doc;
}

/* ---------- the manifest of an output ---------- */

/* What an earlier run listed as its own in report.json: "manifest", an array of paths relative
   to its folder, folders marked by a trailing '/'. */
typedef struct {
  JsonValue       *doc;
  const JsonValue *list;
} Manifest;

static void ManifestFree(Manifest *m)
{
  JsonFree(m->doc);
  m->doc  = NULL;
  m->list = NULL;
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

static PetscBool ManifestLists(const Manifest *m, const char entry[])
{
  for (const JsonValue *e = m->list->first; e; e = e->next)
    if (!strcmp(e->text, entry)) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Reads dir/report.json as twinfe writes it: an object whose "twinfe" holds a "version" and whose
   "manifest" lists safe entries, report.json among them. On PETSC_FALSE, why says what is not so. */
static PetscBool ManifestRead(const char dir[], Manifest *m, char why[], size_t len)
{
  char             path[PETSC_MAX_PATH_LEN];
  const JsonValue *version;
  m->doc  = NULL;
  m->list = NULL;
  if (!Join(path, sizeof path, dir, "report.json") || access(path, F_OK) != 0) {
    Describe(why, len, "has no report.json, so twinfe did not write it");
    return PETSC_FALSE;
  }
  m->doc  = ReadJsonFile(path);
  version = JsonMember(JsonMember(m->doc, "twinfe"), "version");
  if (!version || version->kind != JSON_STRING) {
    Describe(why, len, "has a report.json that twinfe did not write");
    ManifestFree(m);
    return PETSC_FALSE;
  }
  m->list = JsonMember(m->doc, "manifest");
  if (!m->list || m->list->kind != JSON_ARRAY) {
    Describe(why, len, "has a report.json without the list of files twinfe wrote (an output of twinfe %s, before that list)",
             version->text);
    ManifestFree(m);
    return PETSC_FALSE;
  }
  for (const JsonValue *e = m->list->first; e; e = e->next)
    if (e->kind != JSON_STRING || !IsSafeEntry(e->text)) {
      Describe(why, len, "has a report.json whose list of files is not twinfe's (an entry leaves the folder)");
      ManifestFree(m);
      return PETSC_FALSE;
    }
  if (!ManifestLists(m, "report.json")) {
    Describe(why, len, "has a report.json whose list of files is not twinfe's (it lacks report.json)");
    ManifestFree(m);
    return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Whether no part of rel below root is a symbolic link (or missing), so that acting on root/rel
   acts inside root. */
static PetscBool StaysInside(const char root[], const char rel[])
{
  char path[PETSC_MAX_PATH_LEN];
  if (!Join(path, sizeof path, root, rel)) return PETSC_FALSE;
  for (char *p = path + strlen(root) + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    if (!IsRealFolder(path)) return PETSC_FALSE;
    *p = '/';
  }
  return PETSC_TRUE;
}

/* The first entry listed but absent (or of the other kind: file or folder); PETSC_FALSE if none. */
static PetscBool FindMissing(const char dir[], const Manifest *m, char missing[], size_t len)
{
  for (const JsonValue *e = m->list->first; e; e = e->next) {
    char        path[PETSC_MAX_PATH_LEN];
    struct stat st;
    PetscBool   ok = Join(path, sizeof path, dir, e->text) && StaysInside(dir, e->text) && lstat(path, &st) == 0;
    if (ok) ok = IsFolderEntry(e->text) ? (PetscBool)S_ISDIR(st.st_mode) : (PetscBool)S_ISREG(st.st_mode);
    if (!ok) {
      Describe(missing, len, "%s", e->text);
      return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

/* The first entry under dir/rel (symbolic links not followed) that the manifest does not list,
   into found: a folder as "name/"; anything but a regular file or a folder is never listed. */
static PetscBool FindUnlisted(const char dir[], const char rel[], const Manifest *m, int depth, char found[], size_t len)
{
  char           path[PETSC_MAX_PATH_LEN];
  DIR           *d;
  struct dirent *entry;
  PetscBool      any = PETSC_FALSE;
  if (!Join(path, sizeof path, dir, rel) || depth > MAX_WALK_DEPTH || !(d = opendir(path))) {
    Describe(found, len, "%s", rel[0] ? rel : ".");
    return PETSC_TRUE; /* what cannot be read cannot be vouched for */
  }
  while (!any && (entry = readdir(d))) {
    char        child[PETSC_MAX_PATH_LEN], full[PETSC_MAX_PATH_LEN];
    struct stat st;
    if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
    if (!Join(child, sizeof child - 1, rel, entry->d_name) || !Join(full, sizeof full, dir, child) || lstat(full, &st) != 0) {
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

typedef enum { TARGET_ABSENT, TARGET_COMPLETE, TARGET_OTHER } TargetKind;

/* Whether the folder dir is a complete twinfe output: a report.json of twinfe with a manifest,
   every listed entry present, nothing else. If so and m is given, m gets its manifest (free it
   with ManifestFree); if not, why says what is not so, as "<dir> <why>" reads. */
static TargetKind ClassifyFolder(const char dir[], Manifest *m, char why[], size_t len)
{
  Manifest  own;
  char      name[PETSC_MAX_PATH_LEN];
  DIR      *d     = opendir(dir);
  PetscBool empty = PETSC_TRUE;
  if (!d) {
    Describe(why, len, "cannot be read (%s)", strerror(errno));
    return TARGET_OTHER;
  }
  for (struct dirent *entry; empty && (entry = readdir(d));)
    if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, "..")) empty = PETSC_FALSE;
  closedir(d);
  if (empty) {
    Describe(why, len, "is an empty folder, not an output of twinfe");
    return TARGET_OTHER;
  }
  if (!ManifestRead(dir, &own, why, len)) return TARGET_OTHER;
  if (FindMissing(dir, &own, name, sizeof name)) {
    Describe(why, len, "lacks %s, which its report.json lists, so it is not a complete twinfe output", name);
    ManifestFree(&own);
    return TARGET_OTHER;
  }
  if (FindUnlisted(dir, "", &own, 0, name, sizeof name)) {
    Describe(why, len, "holds %s, which twinfe did not write", name);
    ManifestFree(&own);
    return TARGET_OTHER;
  }
  if (m)
    *m = own;
  else
    ManifestFree(&own);
  return TARGET_COMPLETE;
}

/* Of a complete earlier output (moved to folder), the listed files, then the listed folders
   deepest first, each only if it is still of its kind and reached without a symbolic link. */
static void RemoveListed(const char folder[], const Manifest *m)
{
  int deepest = 0;
  for (const JsonValue *e = m->list->first; e; e = e->next) {
    char        path[PETSC_MAX_PATH_LEN];
    struct stat st;
    int         depth = 0;
    for (const char *p = e->text; *p; ++p)
      depth += *p == '/';
    deepest = PetscMax(deepest, depth);
    if (IsFolderEntry(e->text) || !Join(path, sizeof path, folder, e->text) || !StaysInside(folder, e->text)) continue;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) (void)unlink(path);
  }
  for (int depth = deepest; depth >= 1; --depth)
    for (const JsonValue *e = m->list->first; e; e = e->next) {
      char path[PETSC_MAX_PATH_LEN];
      int  n = 0;
      for (const char *p = e->text; *p; ++p)
        n += *p == '/';
      if (n == depth && IsFolderEntry(e->text) && Join(path, sizeof path, folder, e->text) && StaysInside(folder, e->text))
        (void)rmdir(path); /* only succeeds when empty */
    }
}

/* ---------- staging folders ---------- */

/* This machine's name, kept to characters that are safe in a file name. */
static void HostName(char host[64])
{
  if (gethostname(host, 64) != 0) snprintf(host, 64, "host");
  host[63] = 0;
  for (char *p = host; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_')) *p = '_';
}

/* Whether a staging folder's owner ("<host>-<pid>[.<n>]") is a twinfe process that ended on this
   machine; PETSC_FALSE when it may still run or runs elsewhere. */
static PetscBool OwnerIsGone(const char owner[], PetscBool *here, long *pid)
{
  char        host[64];
  const char *dash = strrchr(owner, '-');
  char       *end;
  *here = PETSC_FALSE;
  *pid  = 0;
  if (!dash) return PETSC_FALSE;
  *pid = strtol(dash + 1, &end, 10);
  if (*pid <= 0 || (*end && *end != '.')) return PETSC_FALSE;
  HostName(host);
  *here = strlen(host) == (size_t)(dash - owner) && !strncmp(owner, host, (size_t)(dash - owner)) ? PETSC_TRUE : PETSC_FALSE;
  /* our own pid cannot own one yet: this process makes its folder after this check */
  return *here && (*pid == (long)getpid() || (kill((pid_t)*pid, 0) != 0 && errno == ESRCH)) ? PETSC_TRUE : PETSC_FALSE;
}

/* A stale staging folder holds nothing but twinfe's files when it is empty or a complete output
   by its own manifest: then it goes. */
static PetscBool RemoveIfOnlyTwinfes(const char path[])
{
  Manifest m;
  char     why[PETSC_MAX_PATH_LEN];
  if (rmdir(path) == 0) return PETSC_TRUE;
  if (ClassifyFolder(path, &m, why, sizeof why) != TARGET_COMPLETE) return PETSC_FALSE;
  RemoveListed(path, &m);
  ManifestFree(&m);
  return rmdir(path) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Staging folders for the same -o left by runs that never finished (killed, out of power), and
   those of earlier twinfe versions (DIR.partial-<pid>): removed only when they hold nothing but
   twinfe's files and their process is gone; otherwise named, so that the user decides. */
static PetscErrorCode HandleStaleStaging(const char output_dir[], const char parent[], const char base[])
{
  char           stale[PETSC_MAX_PATH_LEN], old[PETSC_MAX_PATH_LEN];
  DIR           *d;
  struct dirent *entry;

  PetscFunctionBegin;
  if (snprintf(stale, sizeof stale, ".%s" STAGING_MARK, base) >= (int)sizeof stale ||
      snprintf(old, sizeof old, "%s.partial-", base) >= (int)sizeof old || !(d = opendir(parent)))
    PetscFunctionReturn(0);
  while ((entry = readdir(d))) {
    char      path[PETSC_MAX_PATH_LEN];
    PetscBool here;
    long      pid;
    if (!Join(path, sizeof path, strcmp(parent, ".") ? parent : "", entry->d_name) || !IsRealFolder(path)) continue;
    if (!strncmp(entry->d_name, stale, strlen(stale))) {
      const PetscBool gone = OwnerIsGone(entry->d_name + strlen(stale), &here, &pid);
      if (gone && RemoveIfOnlyTwinfes(path)) continue;
      if (!gone && here)
        PetscCall(PetscPrintf(PETSC_COMM_SELF,
                              "note      a twinfe run (process %ld) may be writing -o %s too: the one that ends last replaces "
                              "the other's output\n",
                              pid, output_dir));
      else
        PetscCall(PetscPrintf(PETSC_COMM_SELF,
                              "note      %s is left from a twinfe run that did not finish%s; twinfe leaves it alone: delete it "
                              "if no run is writing there and you do not need what it holds\n",
                              path, here ? "" : " (or one running on another machine)"));
    } else if (!strncmp(entry->d_name, old, strlen(old)) && entry->d_name[strlen(old)] >= '0' &&
               entry->d_name[strlen(old)] <= '9') {
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "note      %s is left from an earlier twinfe version's run that did not finish; twinfe leaves it "
                            "alone: delete it if you do not need what it holds\n",
                            path));
    }
  }
  closedir(d);
  PetscFunctionReturn(0);
}

/* mkdir -p of the folder that will hold path; created gets the outermost folder this made
   (empty when all existed), so that a failed run can take them away again while empty. */
static PetscErrorCode CreateParents(const char path[], char created[])
{
  char folder[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  created[0] = 0;
  PetscCall(PetscStrncpy(folder, path, sizeof folder));
  for (char *p = folder + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(folder, 0777) == 0) {
      if (!created[0]) PetscCall(PetscStrncpy(created, folder, PETSC_MAX_PATH_LEN));
    } else {
      struct stat st;
      const int   err = errno == EEXIST ? (stat(folder, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : ENOTDIR) : errno;
      if (err) {
        RemoveEmptyParents(path, created);
        created[0] = 0;
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot create the folder %s for -o %s: %s", folder, path, strerror(err));
      }
    }
    *p = '/';
  }
  PetscFunctionReturn(0);
}

/* The staging folder beside path: hidden, and named so that nobody takes it for theirs. */
static PetscErrorCode MakeStagingFolder(const char path[], const char parent[], const char base[], char staging[])
{
  char host[64];
  int  err = 0;
  PetscFunctionBegin;
  HostName(host);
  for (int k = 1; k <= 9; ++k) {
    const int n =
        k == 1 ? snprintf(staging, PETSC_MAX_PATH_LEN, "%s/.%s" STAGING_MARK "%s-%ld", parent, base, host, (long)getpid())
               : snprintf(staging, PETSC_MAX_PATH_LEN, "%s/.%s" STAGING_MARK "%s-%ld.%d", parent, base, host, (long)getpid(), k);
    PetscCheck(n > 0 && n < PETSC_MAX_PATH_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "-o %s is too long a path", path);
    if (mkdir(staging, 0777) == 0) PetscFunctionReturn(0);
    if ((err = errno) != EEXIST) break;
  }
  staging[0] = 0;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write -o %s: creating a folder in %s failed: %s (is %s writable?)", path,
          parent, strerror(err), parent);
}

/* An existing -o: only a complete twinfe output, or anything with -force, goes on. */
static PetscErrorCode CheckExistingTarget(const char path[], const struct stat *st, PetscBool force)
{
  char why[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCheck(!S_ISLNK(st->st_mode), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output %s is a symbolic link: twinfe would replace the link, not write where it points; give that folder or "
             "another -o",
             path);
  PetscCheck(S_ISDIR(st->st_mode), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output %s exists and is a file, not a folder: twinfe will not overwrite it; choose another -o", path);
  if (ClassifyFolder(path, NULL, why, sizeof why) == TARGET_COMPLETE) PetscFunctionReturn(0);
  PetscCheck(force, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output folder %s exists and %s; twinfe replaces only a complete output of its own. Choose another -o, or add "
             "-force to have %s moved aside (kept whole, as %s" BACKUP_MARK "<date>-<time>) when this run succeeds",
             path, why, path, path);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "note      -force: %s %s; it will be moved aside, not deleted, when this run succeeds\n",
                        path, why));
  PetscFunctionReturn(0);
}

/* Rank 0: check -o, make its parents and the staging folder. */
static PetscErrorCode CreateStagingOnRoot(char output_dir[], char staging_dir[], char created_parent[])
{
  char           given[PETSC_MAX_PATH_LEN], parent[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN];
  PetscBool      force = PETSC_FALSE;
  struct stat    st;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(output_dir[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "No output folder given: pass -o DIR");
  PetscCall(PetscStrncpy(given, output_dir, sizeof given));
  PetscCall(NormalisePath(given, output_dir));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-force", &force, NULL));
  SplitPath(output_dir, parent, base);
  if (lstat(output_dir, &st) == 0)
    PetscCall(CheckExistingTarget(output_dir, &st, force));
  else
    PetscCheck(errno == ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot use -o %s: %s", output_dir, strerror(errno));
  PetscCall(HandleStaleStaging(output_dir, parent, base));
  PetscCall(CreateParents(output_dir, created_parent));
  ierr = MakeStagingFolder(output_dir, parent, base, staging_dir);
  if (ierr) {
    RemoveEmptyParents(output_dir, created_parent);
    created_parent[0] = 0;
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeStagingCreate(MPI_Comm comm, char output_dir[], char staging_dir[], char created_parent[])
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  staging_dir[0]    = 0;
  created_parent[0] = 0;
  if (rank == 0)
    PetscCall(TwinfeRunOnRoot(comm, CreateStagingOnRoot(output_dir, staging_dir, created_parent)));
  else
    PetscCall(TwinfeRunOnRoot(comm, 0));
  PetscCallMPI(MPI_Bcast(output_dir, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(staging_dir, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(created_parent, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

static int RemoveEntry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  (void)remove(path);
  return 0;
}

PetscErrorCode TwinfeStagingAbandon(const char staging_dir[], const char output_dir[], const char created_parent[])
{
  const char *slash = strrchr(staging_dir, '/');
  PetscFunctionBegin;
  /* Only a folder this run made under its own mark is removed whole (links are not followed). */
  if (staging_dir[0] && slash && strstr(slash, STAGING_MARK) && IsRealFolder(staging_dir))
    (void)nftw(staging_dir, RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
  RemoveEmptyParents(output_dir, created_parent);
  PetscFunctionReturn(0);
}

/* ---------- commit ---------- */

PetscErrorCode TwinfeStagingCheckInput(const char output_dir[], const char input[])
{
  char   folder[PETSC_MAX_PATH_LEN], file[PETSC_MAX_PATH_LEN];
  size_t n;
  PetscFunctionBegin;
  if (!realpath(output_dir, folder) || !realpath(input, file)) PetscFunctionReturn(0);
  n = strlen(folder);
  PetscCheck(strncmp(file, folder, n) || file[n] != '/', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-o %s holds %s, an input of this run: writing the new output there would take the input away. Choose another -o",
             output_dir, input);
  PetscFunctionReturn(0);
}

/* Every input the new report records ("inputs": {role: {"path": ...}}) lies outside -o. */
static PetscErrorCode CheckInputsOutside(const char staging_dir[], const char output_dir[])
{
  char       path[PETSC_MAX_PATH_LEN];
  JsonValue *doc = NULL;

  PetscFunctionBegin;
  PetscCheck(Join(path, sizeof path, staging_dir, "report.json") && (doc = ReadJsonFile(path)), PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "The report.json just written for -o %s cannot be read back", output_dir);
  for (const JsonValue *role = JsonMember(doc, "inputs") ? JsonMember(doc, "inputs")->first : NULL; role; role = role->next) {
    const JsonValue *input = JsonMember(role, "path");
    PetscErrorCode   ierr  = input && input->kind == JSON_STRING ? TwinfeStagingCheckInput(output_dir, input->text) : 0;
    if (ierr) JsonFree(doc);
    PetscCall(ierr);
  }
  JsonFree(doc);
  PetscFunctionReturn(0);
}

/* The new output is complete by its own manifest, or a later run would refuse to replace it. */
static PetscErrorCode CheckNewOutput(const char staging_dir[], const char output_dir[])
{
  char why[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  if (ClassifyFolder(staging_dir, NULL, why, sizeof why) != TARGET_COMPLETE)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "warning   the new %s %s: a later run will refuse to replace it (a bug in twinfe; please report it)\n",
                          output_dir, why));
  PetscFunctionReturn(0);
}

/* rename that fails instead of replacing what is at to (a folder someone made meanwhile). */
static int RenameNoReplace(const char from[], const char to[])
{
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (access(to, F_OK) == 0) return errno = EEXIST, -1; /* a file system without the flag */
  return rename(from, to);
}

/* Moves path aside to path.twinfe-backup-<date>-<time>[-n], a name nobody else uses. */
static PetscErrorCode MoveAside(const char path[], char backup[PETSC_MAX_PATH_LEN])
{
  char      stamp[32];
  time_t    now = time(NULL);
  struct tm local;
  int       err = 0;

  PetscFunctionBegin;
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime_r(&now, &local));
  for (int k = 1; k <= 99; ++k) {
    const int n = k == 1 ? snprintf(backup, PETSC_MAX_PATH_LEN, "%s" BACKUP_MARK "%s", path, stamp)
                         : snprintf(backup, PETSC_MAX_PATH_LEN, "%s" BACKUP_MARK "%s-%d", path, stamp, k);
    PetscCheck(n > 0 && n < PETSC_MAX_PATH_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "-o %s is too long a path", path);
    if (RenameNoReplace(path, backup) == 0) PetscFunctionReturn(0);
    if ((err = errno) != EEXIST && err != ENOTEMPTY) break;
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot move the earlier %s aside to make room for the new output: %s", path,
          strerror(err));
}

/* What becomes of an earlier folder at -o when the new output takes its place. It was checked at
   the start; what it is now decides: a complete twinfe output loses exactly what it lists. With
   -force a folder that is not one is kept whole. Without -force it was complete (or absent) at
   the start and someone wrote into it since: it still loses only what its manifest lists. */
static PetscBool ReplaceListedOnly(const char dir[], PetscBool force, Manifest *old, char why[], size_t len)
{
  if (ClassifyFolder(dir, old, why, len) == TARGET_COMPLETE) return PETSC_TRUE;
  if (force) return PETSC_FALSE;
  {
    char ignored[PETSC_MAX_PATH_LEN];
    return ManifestRead(dir, old, ignored, sizeof ignored);
  }
}

/* Rank 0: put the staging folder in place as output_dir, moving what was there aside first. */
static PetscErrorCode CommitOnRoot(const char staging_dir[], const char output_dir[])
{
  char        why[PETSC_MAX_PATH_LEN] = "", backup[PETSC_MAX_PATH_LEN] = "";
  struct stat st;
  Manifest    old     = {NULL, NULL};
  PetscBool   existed = PETSC_FALSE, listed_only = PETSC_FALSE, force = PETSC_FALSE;

  PetscFunctionBegin;
  /* read again: it can only make twinfe delete less (a case file cannot set it for the check at the start) */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-force", &force, NULL));
  PetscCall(CheckInputsOutside(staging_dir, output_dir));
  PetscCall(CheckNewOutput(staging_dir, output_dir));
  if (lstat(output_dir, &st) == 0) {
    PetscCheck(S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "%s appeared during the run and is not a folder: twinfe left it alone and kept nothing of this run; run again "
               "with another -o",
               output_dir);
    existed     = PETSC_TRUE;
    listed_only = ReplaceListedOnly(output_dir, force, &old, why, sizeof why);
    PetscCall(MoveAside(output_dir, backup));
  }
  if (RenameNoReplace(staging_dir, output_dir) != 0) {
    const int err = errno;
    if (existed && RenameNoReplace(backup, output_dir) != 0)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "warning   the earlier %s is in %s\n", output_dir, backup));
    ManifestFree(&old);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot put the new output in place as %s: %s", output_dir, strerror(err));
  }
  if (listed_only) {
    RemoveListed(backup, &old);
    ManifestFree(&old);
    if (rmdir(backup) != 0)
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "warning   the earlier %s held files twinfe did not write (added during this run?): they are kept in "
                            "%s\n",
                            output_dir, backup));
  } else if (existed) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s the earlier %s (it %s) is kept whole in %s\n", force ? "note     " : "warning  ",
                          output_dir, why, backup));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeStagingCommit(MPI_Comm comm, const char staging_dir[], const char output_dir[])
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(comm)); /* every rank has closed its files */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0)
    PetscCall(TwinfeRunOnRoot(comm, CommitOnRoot(staging_dir, output_dir)));
  else
    PetscCall(TwinfeRunOnRoot(comm, 0));
  PetscFunctionReturn(0);
}
