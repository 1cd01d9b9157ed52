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

/* Reads the file and, when it is accepted, touches what a caller would use. */
static void ReadImage(const char path[])
{
  TwinfeImage image = NULL;
  PetscInt    dims[3], count;
  PetscReal   spacing[3], origin[3], direction[9];
  const char *name;
  if (TwinfeImageRead(path, &image)) return;
  if (!TwinfeImageGetDimensions(image, dims) && !TwinfeImageGetGeometry(image, spacing, origin, direction) &&
      !TwinfeImageGetLabelName(image, 1, &name))
    (void)TwinfeImageCountLabel(image, 1, &count);
  if (TwinfeImageDestroy(&image)) abort(); /* destroying a read image must not fail */
}

/* The data files a header may name, written once: 4096 bytes 0..3 and their zlib stream
   (header 78 01, one stored block, Adler-32). */
static void WriteDataFiles(void)
{
  static int done;
  uint8_t    raw[4096], z[4096 + 64];
  char       path[PETSC_MAX_PATH_LEN];
  uint32_t   a = 1, b = 0;
  size_t     m = 0;
  if (done) return;
  done = 1;
  for (size_t i = 0; i < sizeof raw; i++)
    raw[i] = (uint8_t)(i % 4);
  TwinfeFuzzPath("data.raw", path);
  TwinfeFuzzWriteFile(path, raw, sizeof raw);
  for (size_t i = 0; i < sizeof raw; i++) {
    a = (a + raw[i]) % 65521u;
    b = (b + a) % 65521u;
  }
  z[m++] = 0x78, z[m++] = 0x01;
  z[m++] = 1, z[m++] = 0x00, z[m++] = 0x10, z[m++] = 0xFF, z[m++] = 0xEF; /* final stored block of 4096 */
  memcpy(z + m, raw, sizeof raw), m += sizeof raw;
  for (int k = 3; k >= 0; k--)
    z[m++] = (uint8_t)(((b << 16) | a) >> (8 * k));
  TwinfeFuzzPath("data.zraw", path);
  TwinfeFuzzWriteFile(path, z, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  WriteDataFiles();
  TwinfeFuzzPath("input.mha", path);
  TwinfeFuzzWriteFile(path, data, size);
  ReadImage(path);
  TwinfeFuzzPath("input.mhd", path);
  TwinfeFuzzWriteFile(path, data, size);
  ReadImage(path);
  return 0;
}
