/* libFuzzer target: the NRRD reader (TwinfeImageRead on .nrrd, .nhdr and .seg.nrrd) on hostile
 * headers. The input is read as an attached PATH.nrrd, and as a detached PATH.nhdr beside two
 * data files it may name (data.raw: 4096 bytes; data.raw.gz: the same gzipped), so the
 * detached and the gzip paths are fuzzed as well. A refused file is fine; a crash, a leak or
 * undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>
#include <twinfe/image.h>

/* The data files a detached header may name, written once: 4096 bytes 0..3, raw and gzipped. */
static void WriteDataFiles(void)
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  WriteDataFiles();
  TwinfeFuzzPath("input.seg.nrrd", path);
  TwinfeFuzzWriteFile(path, data, size);
  TwinfeFuzzReadImage(path);
  TwinfeFuzzPath("input.nhdr", path);
  TwinfeFuzzWriteFile(path, data, size);
  TwinfeFuzzReadImage(path);
  return 0;
}
