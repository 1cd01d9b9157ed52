/* SHA-256 (FIPS 180-4) for the input fingerprints in report.json.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * None of our dependencies (PETSc, VTK, Gmsh, METIS) exposes a SHA-256, and pulling in a
 * crypto library for one fingerprint is not worth a dependency: this is the textbook
 * algorithm, checked against the FIPS test vectors in tests/unit/test_core.c. */
#include <twinfe/core.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  uint32_t state[8];
  uint64_t length_bits;
  uint8_t  block[64];
  size_t   block_used;
} Sha256;

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, int n)
{
  return (x >> n) | (x << (32 - n));
}

static void sha256_init(Sha256 *h)
{
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(h->state, initial, sizeof initial);
  h->length_bits = 0;
  h->block_used  = 0;
}

static void sha256_compress(Sha256 *h, const uint8_t block[64])
{
  uint32_t w[64], s[8];
  for (int t = 0; t < 16; ++t)
    w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 | (uint32_t)block[4 * t + 2] << 8 | block[4 * t + 3];
  for (int t = 16; t < 64; ++t) {
    const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t]              = w[t - 16] + s0 + w[t - 7] + s1;
  }
  memcpy(s, h->state, sizeof s);
  for (int t = 0; t < 64; ++t) {
    const uint32_t e1 = rotr(s[4], 6) ^ rotr(s[4], 11) ^ rotr(s[4], 25);
    const uint32_t ch = (s[4] & s[5]) ^ (~s[4] & s[6]);
    const uint32_t t1 = s[7] + e1 + ch + round_constants[t] + w[t];
    const uint32_t a0 = rotr(s[0], 2) ^ rotr(s[0], 13) ^ rotr(s[0], 22);
    const uint32_t mj = (s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]);
    memmove(s + 1, s, 7 * sizeof s[0]);
    s[4] += t1;
    s[0] = t1 + a0 + mj;
  }
  for (int i = 0; i < 8; ++i)
    h->state[i] += s[i];
}

static void sha256_update(Sha256 *h, const uint8_t *data, size_t n)
{
  h->length_bits += (uint64_t)n * 8;
  while (n > 0) {
    size_t take = 64 - h->block_used < n ? 64 - h->block_used : n;
    memcpy(h->block + h->block_used, data, take);
    h->block_used += take;
    data += take;
    n -= take;
    if (h->block_used == 64) {
      sha256_compress(h, h->block);
      h->block_used = 0;
    }
  }
}

static void sha256_final(Sha256 *h, char hex[65])
{
  const uint64_t length_bits = h->length_bits;
  uint8_t        pad[72]     = {0x80};
  size_t         npad        = (h->block_used < 56 ? 56 : 120) - h->block_used;
  for (int i = 0; i < 8; ++i)
    pad[npad + i] = (uint8_t)(length_bits >> (56 - 8 * i));
  sha256_update(h, pad, npad + 8);
  for (int i = 0; i < 8; ++i)
    snprintf(hex + 8 * i, 9, "%08x", h->state[i]);
}

PetscErrorCode TwinfeSHA256(const void *data, size_t length, char hex[65])
{
  Sha256 h;
  PetscFunctionBegin;
  sha256_init(&h);
  sha256_update(&h, (const uint8_t *)data, length);
  sha256_final(&h, hex);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFileSHA256(const char path[], char hex[65])
{
  Sha256  h;
  uint8_t buffer[1 << 16];
  size_t  n;
  FILE   *f = fopen(path, "rb");
  PetscFunctionBegin;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open %s to fingerprint it: check the path and permissions", path);
  sha256_init(&h);
  while ((n = fread(buffer, 1, sizeof buffer, f)) > 0)
    sha256_update(&h, buffer, n);
  const int read_failed = ferror(f);
  fclose(f);
  PetscCheck(!read_failed, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "Reading %s failed while fingerprinting it", path);
  sha256_final(&h, hex);
  PetscFunctionReturn(0);
}
