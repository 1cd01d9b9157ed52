/* -restart: which killed run a run continues, and what becomes of that run's folder
 * (docs/checkpoint.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A killed run leaves its staging folder, .DIR.twinfe-partial-<host>-<pid>, with its checkpoints
 * in checkpoint/. The restarted run makes its own staging folder as every run does, reads the
 * checkpoint from the old one and takes its results states over (hard links). The old folder is
 * left exactly as it was until the new output is in place: a restart that fails or is refused
 * changes nothing, and can be tried again. Then its files go, as far as they are what the new
 * output's manifest lists or checkpoints, and the folder with them when nothing else is left. */
#include "case_impl.h"
#include "io/checkpoint_impl.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STAGING_MARK ".twinfe-partial-"

/* The folder holding -o and -o's last part. */
static void ParentAndBase(const char path[], char parent[PETSC_MAX_PATH_LEN], const char **base)
{
  const char *slash = strrchr(path, '/');
  *base             = slash ? slash + 1 : path;
  if (!slash)
    snprintf(parent, PETSC_MAX_PATH_LEN, ".");
  else
    snprintf(parent, PETSC_MAX_PATH_LEN, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* Of the staging folders of -o beside it (not this run's own), the one with the latest complete
   checkpoint whose run has ended, or may have ended elsewhere. */
static PetscErrorCode FindBeside(TwinfeCase c, char found[PETSC_MAX_PATH_LEN])
{
  char           parent[PETSC_MAX_PATH_LEN], prefix[PETSC_MAX_PATH_LEN], why[2 * PETSC_MAX_PATH_LEN] = "";
  const char    *base;
  PetscInt       best = -1;
  DIR           *d;
  struct dirent *entry;

  PetscFunctionBegin;
  found[0] = 0;
  ParentAndBase(c->output_dir, parent, &base);
  PetscCheck(snprintf(prefix, sizeof prefix, ".%s" STAGING_MARK, base) < (int)sizeof prefix, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "-o %s is too long a path", c->output_dir);
  d = opendir(parent);
  while (d && (entry = readdir(d))) {
    char      path[PETSC_MAX_PATH_LEN], reason[PETSC_MAX_PATH_LEN];
    PetscInt  step;
    PetscBool here;
    if (strncmp(entry->d_name, prefix, strlen(prefix)) || !TwinfePathJoin(path, sizeof path, parent, entry->d_name) ||
        !strcmp(path, c->staging_dir) || !TwinfePathIsFolder(path))
      continue;
    if (!TwinfeStagingOwnerIsGone(entry->d_name, &here) && here) {
      PetscCall(
          PetscPrintf(PETSC_COMM_SELF, "note      -restart: %s belongs to a twinfe run that is still running: not used\n", path));
      continue;
    }
    PetscCall(TwinfeCheckpointLatest_Private(path, &step, reason, sizeof reason));
    if (step < 0) snprintf(why, sizeof why, "; %s", reason);
    if (step > best) {
      best = step;
      PetscCall(PetscStrncpy(found, path, PETSC_MAX_PATH_LEN));
    }
  }
  if (d) closedir(d);
  PetscCheck(
      found[0], PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
      "-restart: no run of -o %s left a checkpoint to continue from (a killed run leaves its staging folder %s/%s<host>-<pid> "
      "beside it, with checkpoints when it ran with -checkpoint_every N)%s. Run without -restart, or name the folder: "
      "-restart FOLDER",
      c->output_dir, parent, prefix, why);
  PetscFunctionReturn(0);
}

static PetscErrorCode FindOnRoot(TwinfeCase c, const char given[])
{
  char     why[2 * PETSC_MAX_PATH_LEN];
  PetscInt step;

  PetscFunctionBegin;
  if (!given[0])
    PetscCall(FindBeside(c, c->restart_dir));
  else {
    PetscCheck(TwinfePathIsFolder(given), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
               "-restart %s: no such folder; give the staging folder of the killed run (.%s" STAGING_MARK
               "<host>-<pid> beside its -o), or -restart alone to have it found",
               given, "DIR");
    PetscCheck(strcmp(given, c->staging_dir), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "-restart %s is this run's own folder",
               given);
    PetscCall(TwinfeCheckpointLatest_Private(given, &step, why, sizeof why));
    PetscCheck(step >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-restart %s: %s; run without -restart to start afresh", given,
               why);
    PetscCall(PetscStrncpy(c->restart_dir, given, sizeof c->restart_dir));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "restart   continuing the run whose folder is %s\n", c->restart_dir));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseFindRestart_Private(TwinfeCase c)
{
  char      given[PETSC_MAX_PATH_LEN] = "";
  PetscBool set;

  PetscFunctionBegin;
  c->restart_dir[0] = 0;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-restart", given, sizeof given, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? FindOnRoot(c, given) : 0));
  PetscCallMPI(MPI_Bcast(c->restart_dir, sizeof c->restart_dir, MPI_CHAR, 0, c->comm));
  PetscFunctionReturn(0);
}

/* Whether name is a results state's file as the series names them (results_NNNN.vtu or .pvtu, or
   a piece results_NNNN_<rank>.vtu): the killed run may have written states past its checkpoint
   on another number of ranks than this run, so they are not in this run's manifest. */
static PetscBool IsStateFile(const char name[])
{
  int  state, rank, used = 0;
  char ext[8];
  if (sscanf(name, "results_%4d_%d.%4s%n", &state, &rank, ext, &used) == 3 && !strcmp(ext, "vtu") && !name[used])
    return PETSC_TRUE;
  used = 0;
  return sscanf(name, "results_%4d.%5s%n", &state, ext, &used) == 2 && !name[used] &&
                 (!strcmp(ext, "vtu") || !strcmp(ext, "pvtu"))
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* The state files and piece folders left in folder (one level of piece folders). */
static void RemoveStates(const char folder[], int depth)
{
  DIR           *d = opendir(folder);
  struct dirent *entry;
  while (d && (entry = readdir(d))) {
    char path[PETSC_MAX_PATH_LEN];
    int  state, used = 0;
    if (!TwinfePathJoin(path, sizeof path, folder, entry->d_name)) continue;
    if (IsStateFile(entry->d_name))
      (void)unlink(path);
    else if (depth == 0 && sscanf(entry->d_name, "results_%4d%n", &state, &used) == 1 && !entry->d_name[used] &&
             TwinfePathIsFolder(path)) {
      RemoveStates(path, 1);
      (void)rmdir(path);
    }
  }
  if (d) closedir(d);
}

static PetscErrorCode RemoveOnRoot(TwinfeCase c)
{
  TwinfeManifest m;
  PetscBool      here;
  char           why[PETSC_MAX_PATH_LEN];
  const char    *name = strrchr(c->restart_dir, '/') ? strrchr(c->restart_dir, '/') + 1 : c->restart_dir;

  PetscFunctionBegin;
  if (!strstr(name, STAGING_MARK) || !TwinfeStagingOwnerIsGone(name, &here)) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "note      %s, the folder this run continued, is left in place%s: delete it when no run writes there\n",
                          c->restart_dir, strstr(name, STAGING_MARK) ? " (its run may still be going on another machine)" : ""));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeManifestRead(c->output_dir, &m, why, sizeof why));
  if (m) {
    PetscCall(TwinfeManifestRemoveListed(m, c->restart_dir));
    PetscCall(TwinfeManifestDestroy(&m));
  }
  TwinfeCheckpointRemoveAll_Private(c->restart_dir);
  RemoveStates(c->restart_dir, 0);
  if (rmdir(c->restart_dir) == 0) PetscFunctionReturn(0);
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "note      %s, the folder this run continued, still holds files this run did not write: it is left in "
                        "place with them\n",
                        c->restart_dir));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseRemoveRestarted_Private(TwinfeCase c)
{
  PetscFunctionBegin;
  if (!c->restart_dir[0]) PetscFunctionReturn(0);
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? RemoveOnRoot(c) : 0));
  PetscFunctionReturn(0);
}
