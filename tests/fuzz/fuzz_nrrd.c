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

/* The data files a detached header may name, written once: 4096 bytes 0..3 and their gzip
   stream (a fixed 10-byte header, one stored block, CRC-32 and length). */
static void WriteDataFiles(void)
{
  static int    done;
  uint8_t       raw[4096], gz[4096 + 64];
  char          path[PETSC_MAX_PATH_LEN];
  uint32_t      crc      = 0xFFFFFFFFu;
  size_t        m        = 0;
  const uint8_t head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
  if (done) return;
  done = 1;
  for (size_t i = 0; i < sizeof raw; i++)
    raw[i] = (uint8_t)(i % 4);
  TwinfeFuzzPath("data.raw", path);
  TwinfeFuzzWriteFile(path, raw, sizeof raw);
  for (size_t i = 0; i < sizeof raw; i++) {
    crc ^= raw[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  crc = ~crc;
  memcpy(gz, head, 10), m = 10;
  gz[m++] = 1, gz[m++] = 0x00, gz[m++] = 0x10, gz[m++] = 0xFF, gz[m++] = 0xEF; /* final stored block of 4096 */
  memcpy(gz + m, raw, sizeof raw), m += sizeof raw;
  for (int k = 0; k < 4; k++)
    gz[m++] = (uint8_t)(crc >> (8 * k));
  for (int k = 0; k < 4; k++)
    gz[m++] = (uint8_t)(sizeof raw >> (8 * k));
  TwinfeFuzzPath("data.raw.gz", path);
  TwinfeFuzzWriteFile(path, gz, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char path[PETSC_MAX_PATH_LEN];
  WriteDataFiles();
  TwinfeFuzzPath("input.seg.nrrd", path);
  TwinfeFuzzWriteFile(path, data, size);
  ReadImage(path);
  TwinfeFuzzPath("input.nhdr", path);
  TwinfeFuzzWriteFile(path, data, size);
  ReadImage(path);
  return 0;
}
