/* libFuzzer target: the MetaImage reader (TwinfeImageRead on .mha and .mhd) on hostile
 * headers. The input is read as PATH.mha (ElementDataFile = LOCAL), and as PATH.mhd beside two
 * data files it may name (data.raw: 4096 bytes; data.zraw: the same as a zlib stream), so the
 * detached and the compressed paths are fuzzed as well. A refused file is fine; a crash, a leak or
 * undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[] = {"input.mha", "input.mhd"};
  TwinfeFuzzWriteDataFiles(); /* data.raw, data.raw.gz, data.zraw: what a detached header may name */
  TwinfeFuzzReadImageAs(data, size, 2, names);
  return 0;
}
