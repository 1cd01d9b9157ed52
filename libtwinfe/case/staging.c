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
 * after its listed files went (someone wrote into it meanwhile) is kept under such a name too.
 * manifest.c reads report.json and tells a complete output from anything else; this file makes
 * the staging folder, takes it away after a failure and puts it in place after a success. */
#define _GNU_SOURCE /* renameat2 with RENAME_NOREPLACE: a rename that never replaces */
#include "case_impl.h"
#include "io/checkpoint_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STAGING_MARK ".twinfe-partial-"
#define BACKUP_MARK ".twinfe-backup-"

/* ---------- small path helpers ---------- */

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
  PetscCheck(strlen(given) < sizeof copy, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "-o %.64s... is longer than %d characters: choose a shorter -o", given, PETSC_MAX_PATH_LEN - 1);
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
static PetscErrorCode RemoveIfOnlyTwinfes(const char path[], PetscBool *removed)
{
  TwinfeManifest m;
  PetscBool      complete;
  char           why[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  *removed = rmdir(path) == 0 ? PETSC_TRUE : PETSC_FALSE;
  if (*removed) PetscFunctionReturn(0);
  PetscCall(TwinfeOutputClassify(path, &m, &complete, why, sizeof why));
  if (!complete) PetscFunctionReturn(0);
  PetscCall(TwinfeManifestRemoveListed(m, path));
  PetscCall(TwinfeManifestDestroy(&m));
  *removed = rmdir(path) == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscBool TwinfeStagingOwnerIsGone(const char folder[], PetscBool *here)
{
  const char *mark = strstr(folder, STAGING_MARK);
  long        pid;
  *here = PETSC_FALSE;
  return mark ? OwnerIsGone(mark + strlen(STAGING_MARK), here, &pid) : PETSC_FALSE;
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
    PetscBool here, removed = PETSC_FALSE;
    long      pid;
    if (!TwinfePathJoin(path, sizeof path, strcmp(parent, ".") ? parent : "", entry->d_name) || !TwinfePathIsFolder(path))
      continue;
    if (!strncmp(entry->d_name, stale, strlen(stale))) {
      const PetscBool gone = OwnerIsGone(entry->d_name + strlen(stale), &here, &pid);
      if (gone) PetscCall(RemoveIfOnlyTwinfes(path, &removed));
      if (removed) continue;
      if (!gone && here)
        PetscCall(PetscPrintf(PETSC_COMM_SELF,
                              "note      a twinfe run (process %ld) may be writing -o %s too: the one that ends last replaces "
                              "the other's output\n",
                              pid, output_dir));
      else {
        char      why[8];
        PetscInt  step;
        PetscBool restart;
        PetscCall(TwinfeCheckpointLatest_Private(path, &step, why, sizeof why));
        PetscCall(PetscOptionsHasName(NULL, NULL, "-restart", &restart));
        if (step >= 0 && restart) continue; /* -restart says which it continues */
        PetscCall(PetscPrintf(PETSC_COMM_SELF,
                              "note      %s is left from a twinfe run that did not finish%s; twinfe leaves it alone: %s\n", path,
                              here ? "" : " (or one running on another machine)",
                              step >= 0 ? "it holds a checkpoint, and the same command with -restart continues that run from it"
                                        : "delete it if no run is writing there and you do not need what it holds"));
      }
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
        PetscCheck(err != ENOTDIR, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
                   "Cannot use -o %s: %s is a file, not a folder, and -o must lie inside a folder; choose another -o", path,
                   folder);
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
                "Cannot create the folder %s for -o %s: %s; choose a -o inside a folder you can write to", folder, path,
                strerror(err));
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
    PetscCheck(n > 0 && n < PETSC_MAX_PATH_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "-o %s is too long a path: choose a shorter -o", path);
    if (mkdir(staging, 0777) == 0) PetscFunctionReturn(0);
    if ((err = errno) != EEXIST) break;
  }
  staging[0] = 0;
  SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
      "Cannot write -o %s: creating a folder in %s failed: %s (is %s writable?); choose a -o inside a folder you can write to",
      path, parent, strerror(err), parent);
}

/* lstat of -o failed: absent is fine (it is made); a file on the way (ENOTDIR) is named, since
   strerror alone does not say which part of -o is the file. */
static PetscErrorCode CheckUnusablePath(const char path[], int err)
{
  char        prefix[PETSC_MAX_PATH_LEN];
  struct stat st;
  PetscFunctionBegin;
  if (err == ENOENT) PetscFunctionReturn(0);
  PetscCheck(err == ENOTDIR, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot use -o %s: %s; choose a -o inside a folder you can write to", path, strerror(err));
  PetscCall(PetscStrncpy(prefix, path, sizeof prefix));
  for (char *p = prefix + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    PetscCheck(stat(prefix, &st) != 0 || S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
               "Cannot use -o %s: %s is a file, not a folder, and -o must lie inside a folder; choose another -o", path, prefix);
    *p = '/';
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot use -o %s: a part of it is not a folder; choose another -o", path);
}

/* A file named on the command line (the mesh of solve, a case file, -image ...) that lies inside
   an existing -o is an input of this run. Checked before the -force advice, since the check
   at input time refuses such a -o with or without -force; inputs named only inside a case file
   are still caught there. */
static PetscErrorCode CheckCommandLineInputs(const char path[])
{
  int    argc = 0;
  char **argv = NULL;
  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &argv));
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (argv[i] && argv[i][0] != '-' && stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
      PetscCall(TwinfeStagingCheckInput(path, argv[i]));
  }
  PetscFunctionReturn(0);
}

/* An existing -o: only a complete twinfe output, or anything with -force, goes on. */
static PetscErrorCode CheckExistingTarget(const char path[], const struct stat *st, PetscBool force)
{
  char      why[PETSC_MAX_PATH_LEN];
  PetscBool complete;
  PetscFunctionBegin;
  PetscCheck(!S_ISLNK(st->st_mode), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output %s is a symbolic link: twinfe would replace the link, not write where it points; give that folder or "
             "another -o",
             path);
  PetscCheck(S_ISDIR(st->st_mode), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output %s exists and is a file, not a folder: twinfe will not overwrite it; choose another -o", path);
  PetscCall(CheckCommandLineInputs(path));
  PetscCall(TwinfeOutputClassify(path, NULL, &complete, why, sizeof why));
  if (complete) PetscFunctionReturn(0);
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
    PetscCall(CheckUnusablePath(output_dir, errno));
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
  if (staging_dir[0] && slash && strstr(slash, STAGING_MARK) && TwinfePathIsFolder(staging_dir))
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

/* The new output is complete by its own manifest, or a later run would refuse to replace it. */
static PetscErrorCode CheckNewOutput(const char staging_dir[], const char output_dir[])
{
  char      why[PETSC_MAX_PATH_LEN];
  PetscBool complete;
  PetscFunctionBegin;
  PetscCall(TwinfeOutputClassify(staging_dir, NULL, &complete, why, sizeof why));
  if (!complete)
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
    PetscCheck(n > 0 && n < PETSC_MAX_PATH_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "-o %s is too long a path: choose a shorter -o", path);
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
static PetscErrorCode ReplaceListedOnly(const char dir[], PetscBool force, TwinfeManifest *old, char why[], size_t len)
{
  PetscBool complete;
  char      ignored[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(TwinfeOutputClassify(dir, old, &complete, why, len));
  if (!complete && !force) PetscCall(TwinfeManifestRead(dir, old, ignored, sizeof ignored));
  PetscFunctionReturn(0);
}

/* Rank 0: put the staging folder in place as output_dir, moving what was there aside first. */
static PetscErrorCode CommitOnRoot(const char staging_dir[], const char output_dir[])
{
  char           why[PETSC_MAX_PATH_LEN] = "", backup[PETSC_MAX_PATH_LEN] = "";
  struct stat    st;
  TwinfeManifest old     = NULL; /* when set, the earlier output loses what it lists, and nothing else */
  PetscBool      existed = PETSC_FALSE, force = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  /* read again: it can only make twinfe delete less (a case file cannot set it for the check at the start) */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-force", &force, NULL));
  PetscCall(TwinfeOutputCheckInputs(staging_dir, output_dir));
  PetscCall(CheckNewOutput(staging_dir, output_dir));
  if (lstat(output_dir, &st) == 0) {
    PetscCheck(S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "%s appeared during the run and is not a folder: twinfe left it alone and kept nothing of this run; run again "
               "with another -o",
               output_dir);
    existed = PETSC_TRUE;
    PetscCall(ReplaceListedOnly(output_dir, force, &old, why, sizeof why));
    ierr = MoveAside(output_dir, backup);
    if (ierr) PetscCall(TwinfeManifestDestroy(&old));
    PetscCall(ierr);
  }
  if (RenameNoReplace(staging_dir, output_dir) != 0) {
    const int err = errno;
    if (existed && RenameNoReplace(backup, output_dir) != 0)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "warning   the earlier %s is in %s\n", output_dir, backup));
    PetscCall(TwinfeManifestDestroy(&old));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
            "Cannot put the new output in place as %s: %s; nothing of this run was kept: run again, with another -o if this one "
            "stays in the way",
            output_dir, strerror(err));
  }
  if (old) {
    PetscCall(TwinfeManifestRemoveListed(old, backup));
    PetscCall(TwinfeManifestDestroy(&old));
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
