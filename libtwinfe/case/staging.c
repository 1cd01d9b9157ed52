/* The output folder of a case appears whole or not at all.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A case writes into DIR.partial-<pid> and renames it to DIR when it succeeded. An existing
 * DIR is replaced only if it is an earlier twinfe output (it holds report.json): anything
 * else in the way is refused, so no user file is ever lost. */
#define _XOPEN_SOURCE 700
#include "case_impl.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  remove(path);
  return 0;
}

PetscErrorCode TwinfeRemoveTree(const char path[])
{
  struct stat st;
  PetscFunctionBegin;
  if (path[0] && stat(path, &st) == 0) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  PetscFunctionReturn(0);
}

static PetscBool IsDirectory(const char path[])
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? PETSC_TRUE : PETSC_FALSE;
}

/* The whole text of a small file (NULL if it cannot be read); caller frees. */
static char *ReadSmallFile(const char path[])
{
  FILE *f = fopen(path, "rb");
  char *text;
  long  n;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1L << 24) || fseek(f, 0, SEEK_SET) != 0 ||
      !(text = malloc((size_t)n + 1))) {
    fclose(f);
    return NULL;
  }
  text[fread(text, 1, (size_t)n, f)] = 0;
  fclose(f);
  return text;
}

/* A folder twinfe may replace: empty, or an earlier twinfe output holding nothing but what its
   report.json lists (a result piece folder results_NNNN/ goes with its listed .pvtu). Anything
   else, such as a ParaView state a planner saved there, makes it someone else's. */
static PetscBool IsEmptyOrTwinfeOutput(const char dir[], char foreign[], size_t foreign_len)
{
  char           path[PETSC_MAX_PATH_LEN + 16], *report;
  DIR           *d;
  struct dirent *entry;
  PetscBool      ours = PETSC_TRUE;

  foreign[0] = 0;
  snprintf(path, sizeof path, "%s/report.json", dir);
  report = ReadSmallFile(path);
  if (!report) return rmdir(dir) == 0 ? PETSC_TRUE : PETSC_FALSE; /* only succeeds when empty */
  if (!strstr(report, "\"twinfe\"") || !strstr(report, "\"version\"")) {
    snprintf(foreign, foreign_len, "report.json (not written by twinfe)");
    free(report);
    return PETSC_FALSE;
  }
  d = opendir(dir);
  while (ours && d && (entry = readdir(d))) {
    char quoted[600];
    if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..") || !strcmp(entry->d_name, "report.json")) continue;
    snprintf(quoted, sizeof quoted, "\"%s\"", entry->d_name);
    if (strstr(report, quoted)) continue;
    snprintf(quoted, sizeof quoted, "\"%s.pvtu\"", entry->d_name);
    if (strstr(report, quoted)) continue;
    snprintf(foreign, foreign_len, "%s", entry->d_name);
    ours = PETSC_FALSE;
  }
  if (d) closedir(d);
  free(report);
  return ours;
}

/* mkdir -p of the folder that will hold dir; created gets the outermost folder this made
   (empty when all existed), so that a failed run can take them away again. */
static PetscErrorCode CreateParents(const char dir[], char created[])
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  created[0] = 0;
  PetscCall(PetscStrncpy(path, dir, sizeof path));
  for (char *p = path + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    if (!IsDirectory(path)) {
      PetscCheck(mkdir(path, 0755) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot create the folder %s for -o %s: %s", path,
                 dir, strerror(errno));
      if (!created[0]) PetscCall(PetscStrncpy(created, path, PETSC_MAX_PATH_LEN));
    }
    *p = '/';
  }
  PetscFunctionReturn(0);
}

/* Rank 0: check the target and make the staging folder. */
static PetscErrorCode CreateStagingOnRoot(const char output_dir[], char staging_dir[], char created_parent[])
{
  PetscFunctionBegin;
  PetscCheck(output_dir[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "No output folder given: pass -o DIR");
  PetscCheck(!(access(output_dir, F_OK) == 0 && !IsDirectory(output_dir)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Output %s exists and is a file, not a folder: choose another -o", output_dir);
  if (IsDirectory(output_dir)) {
    char foreign[512];
    PetscCheck(IsEmptyOrTwinfeOutput(output_dir, foreign, sizeof foreign), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Output folder %s exists and holds %s, which twinfe did not write: choose another -o, or move that away",
               output_dir, foreign[0] ? foreign : "files but no report.json");
  }
  PetscCall(CreateParents(output_dir, created_parent));
  snprintf(staging_dir, PETSC_MAX_PATH_LEN, "%s.partial-%ld", output_dir, (long)getpid());
  PetscCall(TwinfeRemoveTree(staging_dir));
  PetscCheck(mkdir(staging_dir, 0755) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot create the folder %s: %s (is the folder of -o %s writable?)", staging_dir, strerror(errno), output_dir);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeStagingCreate(MPI_Comm comm, const char output_dir[], char staging_dir[], char created_parent[])
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
  PetscCallMPI(MPI_Bcast(staging_dir, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(created_parent, PETSC_MAX_PATH_LEN, MPI_CHAR, 0, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommitOnRoot(const char staging_dir[], const char output_dir[])
{
  char old[PETSC_MAX_PATH_LEN + 32];
  PetscFunctionBegin;
  old[0] = 0;
  if (IsDirectory(output_dir)) {
    snprintf(old, sizeof old, "%s.old-%ld", output_dir, (long)getpid());
    PetscCheck(rename(output_dir, old) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot move the earlier output %s aside: %s",
               output_dir, strerror(errno));
  }
  if (rename(staging_dir, output_dir) != 0) {
    const int err = errno;
    if (old[0]) rename(old, output_dir); /* put the earlier output back */
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot rename %s to %s: %s", staging_dir, output_dir, strerror(err));
  }
  if (old[0]) PetscCall(TwinfeRemoveTree(old));
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
