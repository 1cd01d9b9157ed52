/* libFuzzer target: the NRRD reader (TwinfeImageRead on .nrrd, .nhdr and .seg.nrrd) on hostile
 * headers. The input is read as an attached PATH.nrrd, and as a detached PATH.nhdr beside two
 * data files it may name (data.raw: 4096 bytes; data.raw.gz: the same gzipped), so the
 * detached and the gzip paths are fuzzed as well. A refused file is fine; a crash, a leak or
 * undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[] = {"input.seg.nrrd", "input.nhdr"};
  TwinfeFuzzWriteDataFiles(); /* data.raw, data.raw.gz, data.zraw: what a detached header may name */
  TwinfeFuzzReadImageAs(data, size, 2, names);
  return 0;
}
