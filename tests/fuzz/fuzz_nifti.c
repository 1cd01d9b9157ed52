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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    TwinfeFuzzPath("input.nii.gz", path);
    TwinfeFuzzWriteFile(path, data, size);
    TwinfeFuzzReadImage(path);
    return 0;
  }
  TwinfeFuzzPath("input.nii", path);
  TwinfeFuzzWriteFile(path, data, size);
  TwinfeFuzzReadImage(path);
  TwinfeFuzzPath("input_gz.nii.gz", path);
  TwinfeFuzzWriteGzip(path, data, size);
  TwinfeFuzzReadImage(path);
  return 0;
}
