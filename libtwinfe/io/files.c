/* libtwinfe io stage: writing through a temporary name, and XML text escaping.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* stat() under -std=c11 */
#include "ioimpl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode TwinfeIOTemporaryPath(const char path[], char tmp[], size_t len)
{
  int n;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Output path is empty: give a file name");
  n = snprintf(tmp, len, "%s.tmp", path);
  PetscCheck(n > 0 && (size_t)n < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Output path %s is too long (%d characters, at most %d)", path, n, (int)len - 5);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOCommit(const char tmp[], const char path[])
{
  PetscFunctionBeginUser;
  if (rename(tmp, path) != 0) {
    int err = errno;
    (void)remove(tmp);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot rename %s to %s: %s", tmp, path, strerror(err));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOCheckFolder(const char path[])
{
  char        folder[PETSC_MAX_PATH_LEN];
  const char *slash;
  struct stat st;

  PetscFunctionBeginUser;
  PetscCheck(path && path[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Output path is empty: give a file name");
  slash = strrchr(path, '/');
  if (!slash) PetscFunctionReturn(0); /* the current folder exists */
  PetscCheck((size_t)(slash - path) < sizeof folder, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Output path %s is too long", path);
  if (slash == path) PetscFunctionReturn(0); /* "/" exists */
  memcpy(folder, path, (size_t)(slash - path));
  folder[slash - path] = '\0';
  PetscCheck(stat(folder, &st) == 0 && S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot write %s: folder %s does not exist (create it first)", path, folder);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOWriteXMLEscaped(FILE *fp, const char text[])
{
  PetscFunctionBeginUser;
  for (const char *c = text; *c; ++c) {
    switch (*c) {
    case '&':
      fputs("&amp;", fp);
      break;
    case '<':
      fputs("&lt;", fp);
      break;
    case '>':
      fputs("&gt;", fp);
      break;
    case '"':
      fputs("&quot;", fp);
      break;
    case '\'':
      fputs("&apos;", fp);
      break;
    default:
      fputc(*c, fp);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOWriteTextFile(const char path[], PetscErrorCode (*emit)(FILE *, void *), void *ctx)
{
  char           tmp[PETSC_MAX_PATH_LEN];
  FILE          *fp;
  PetscErrorCode emit_error;
  int            write_failed;

  PetscFunctionBeginUser;
  PetscCall(TwinfeIOCheckFolder(path));
  PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot open %s for writing %s: %s; check that the folder of -o is writable and has free space", tmp, path,
             strerror(errno));
  emit_error   = emit(fp, ctx);
  write_failed = ferror(fp);
  write_failed |= fclose(fp) != 0;
  if (emit_error || write_failed) (void)remove(tmp); /* leave no half file behind */
  PetscCall(emit_error);
  PetscCheck(!write_failed, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "Writing %s failed (disk full?): free space, or choose a -o on another disk", tmp);
  PetscCall(TwinfeIOCommit(tmp, path));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOWriteGrid(const TwinfeVTKGrid *grid, const char path[])
{
  char      tmp[PETSC_MAX_PATH_LEN], message[TWINFE_VTK_MESSAGE_LEN];
  PetscBool ok;

  PetscFunctionBeginUser;
  PetscCall(TwinfeIOCheckFolder(path));
  PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
  PetscCall(TwinfeVTKWriteUnstructuredGrid(grid, tmp, &ok, message));
  if (!ok) (void)remove(tmp);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "Cannot write %s: %s; check that the folder of -o is writable and has free space", path, message);
  PetscCall(TwinfeIOCommit(tmp, path));
  PetscFunctionReturn(0);
}

void TwinfeIOOrientTet(const double xyz[], PetscInt tet[4])
{
  const double *p0 = &xyz[3 * tet[0]], *p1 = &xyz[3 * tet[1]], *p2 = &xyz[3 * tet[2]], *p3 = &xyz[3 * tet[3]];
  double        a[3], b[3], c[3], det;

  for (int d = 0; d < 3; ++d) {
    a[d] = p1[d] - p0[d];
    b[d] = p2[d] - p0[d];
    c[d] = p3[d] - p0[d];
  }
  det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  if (det < 0) {
    PetscInt swap = tet[2];
    tet[2]        = tet[3];
    tet[3]        = swap;
  }
}

PetscErrorCode TwinfeIOMakeFolder(const char path[])
{
  struct stat st;
  int         err;

  PetscFunctionBeginUser;
  if (mkdir(path, 0777) == 0) PetscFunctionReturn(0);
  err = errno;
  PetscCheck(err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot create folder %s: %s", path, err == EEXIST ? "a file of that name is in the way" : strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeIOFolderExists(const char path[], PetscBool *exists)
{
  struct stat st;

  PetscFunctionBeginUser;
  *exists = (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
