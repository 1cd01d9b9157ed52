/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include "fuzz_common.h"

#include <ftw.h>
#include <sanitizer/lsan_interface.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <twinfe/image.h>
#include <zlib.h>

static char tmp_dir[PETSC_MAX_PATH_LEN];

static int RemoveEntry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path) ? -1 : 0;
}

/* The input files of the last run, and the folder. */
static void RemoveTmpDir(void)
{
  if (tmp_dir[0] && nftw(tmp_dir, RemoveEntry, 8, FTW_DEPTH | FTW_PHYS)) fprintf(stderr, "fuzz: could not remove %s\n", tmp_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  const char *base = getenv("TMPDIR");
  /* Open MPI would catch SIGABRT/SIGSEGV/SIGBUS/SIGFPE in MPI_Init, print its own trace and
     die before libFuzzer saves the input: leave those signals to the sanitizer. */
  setenv("OMPI_MCA_opal_signal", "", 0);
  /* MPI_Init keeps its run-time environment until MPI_Finalize, which a fuzzer never reaches:
     what it allocates here is not a leak of any input. */
  __lsan_disable();
  if (PetscInitializeNoArguments()) abort();
  __lsan_enable();
  /* PETSc's handler would print a traceback and exit on SIGSEGV/SIGFPE; the sanitizer's
     report (stack, input saved by libFuzzer) is what we want. */
  if (PetscPopSignalHandler()) abort();
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) abort();
  snprintf(tmp_dir, sizeof tmp_dir, "%s/twinfe-fuzz-XXXXXX", base && base[0] ? base : "/tmp");
  if (!mkdtemp(tmp_dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(RemoveTmpDir);
  return 0;
}

void TwinfeFuzzPath(const char name[], char path[])
{
  snprintf(path, PETSC_MAX_PATH_LEN, "%s/%s", tmp_dir, name);
}

void TwinfeFuzzWriteFile(const char path[], const uint8_t *data, size_t size)
{
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
    perror(path);
    abort();
  }
}

void TwinfeFuzzWriteGzip(const char path[], const uint8_t *data, size_t size)
{
  gzFile gz = gzopen(path, "wb");
  if (!gz || (size && gzwrite(gz, data, (unsigned)size) != (int)size) || gzclose(gz) != Z_OK) abort();
}

void TwinfeFuzzWriteZlib(const char path[], const uint8_t *data, size_t size)
{
  uLongf   n = compressBound((uLong)size);
  uint8_t *z = (uint8_t *)malloc(n);
  if (!z || compress(z, &n, data, (uLong)size) != Z_OK) abort();
  TwinfeFuzzWriteFile(path, z, n);
  free(z);
}

void TwinfeFuzzReadImage(const char path[])
{
  TwinfeImage image = NULL;
  PetscInt    dims[3], count;
  PetscReal   spacing[3], origin[3], direction[9], volume;
  const char *name;
  if (TwinfeImageRead(path, &image)) return;
  if (!TwinfeImageGetDimensions(image, dims) && !TwinfeImageGetGeometry(image, spacing, origin, direction) &&
      !TwinfeImageGetVoxelVolume(image, &volume) && !TwinfeImageGetLabelName(image, 1, &name))
    (void)TwinfeImageCountLabel(image, 1, &count);
  if (TwinfeImageDestroy(&image)) abort(); /* destroying a read image must not fail */
}

void TwinfeFuzzWriteDataFiles(void)
{
  static int done;
  uint8_t    raw[4096];
  char       path[PETSC_MAX_PATH_LEN];
  if (done) return;
  done = 1;
  for (size_t i = 0; i < sizeof raw; i++)
    raw[i] = (uint8_t)(i % 4);
  TwinfeFuzzPath("data.raw", path);
  TwinfeFuzzWriteFile(path, raw, sizeof raw);
  TwinfeFuzzPath("data.raw.gz", path);
  TwinfeFuzzWriteGzip(path, raw, sizeof raw);
  TwinfeFuzzPath("data.zraw", path);
  TwinfeFuzzWriteZlib(path, raw, sizeof raw);
}

void TwinfeFuzzReadImageAs(const uint8_t *data, size_t size, int n, const char *const names[])
{
  char path[PETSC_MAX_PATH_LEN];
  for (int i = 0; i < n; i++) {
    TwinfeFuzzPath(names[i], path);
    TwinfeFuzzWriteFile(path, data, size);
    TwinfeFuzzReadImage(path);
  }
}
