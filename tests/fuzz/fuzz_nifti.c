/* libFuzzer target: the NIfTI label-map reader (TwinfeImageRead) on hostile files.
 * The input is read as PATH.nii; unless it is a gzip stream already, it is also gzipped into
 * PATH.nii.gz so the same header and voxels go through the compressed path; a gzip input is
 * read as .nii.gz as it is (broken streams). A refused file is fine; a crash, a leak or
 * undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

#include <stdlib.h>
#include <twinfe/image.h>
#include <zlib.h>

/* Reads the file and, when it is accepted, touches what a caller would use. */
static void ReadImage(const char path[])
{
  TwinfeImage image = NULL;
  PetscInt    dims[3], count;
  PetscReal   spacing[3], origin[3], direction[9], volume;
  if (TwinfeImageRead(path, &image)) return;
  if (!TwinfeImageGetDimensions(image, dims) && !TwinfeImageGetGeometry(image, spacing, origin, direction) &&
      !TwinfeImageGetVoxelVolume(image, &volume))
    (void)TwinfeImageCountLabel(image, 1, &count);
  if (TwinfeImageDestroy(&image)) abort(); /* destroying a read image must not fail */
}

static void WriteGzip(const char path[], const uint8_t *data, size_t size)
{
  gzFile gz = gzopen(path, "wb");
  if (!gz || (size && gzwrite(gz, data, (unsigned)size) != (int)size) || gzclose(gz) != Z_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    TwinfeFuzzPath("input.nii.gz", path);
    TwinfeFuzzWriteFile(path, data, size);
    ReadImage(path);
    return 0;
  }
  TwinfeFuzzPath("input.nii", path);
  TwinfeFuzzWriteFile(path, data, size);
  ReadImage(path);
  TwinfeFuzzPath("input_gz.nii.gz", path);
  WriteGzip(path, data, size);
  ReadImage(path);
  return 0;
}
