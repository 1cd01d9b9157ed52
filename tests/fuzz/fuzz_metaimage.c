/* libFuzzer target: the MetaImage reader (TwinfeImageRead on .mha and .mhd) on hostile
 * headers. The input is read as PATH.mha (ElementDataFile = LOCAL), and as PATH.mhd beside two
 * data files it may name (data.raw: 4096 bytes; data.zraw: the same as a zlib stream), so the
 * detached and the compressed paths are fuzzed as well. A refused file is fine; a crash, a leak or
 * undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>
#include <twinfe/image.h>

/* The data files a header may name, written once: 4096 bytes 0..3, raw and as a zlib stream. */
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
  TwinfeFuzzPath("data.zraw", path);
  TwinfeFuzzWriteZlib(path, raw, sizeof raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  WriteDataFiles();
  TwinfeFuzzPath("input.mha", path);
  TwinfeFuzzWriteFile(path, data, size);
  TwinfeFuzzReadImage(path);
  TwinfeFuzzPath("input.mhd", path);
  TwinfeFuzzWriteFile(path, data, size);
  TwinfeFuzzReadImage(path);
  return 0;
}
