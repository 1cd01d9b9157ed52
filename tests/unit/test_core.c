/* SHA-256 against the FIPS 180-4 examples; the facet tag convention; the default thread count.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* sched_getaffinity, sched_setaffinity, CPU_COUNT */
#include "twinfe_test.h"
#include <twinfe/core.h>

#include <sched.h>
#include <stdio.h>
#include <string.h>

START_TEST(sha256_matches_fips_vectors)
{
  char        hex[65];
  const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  TWINFE_CK(TwinfeSHA256("", 0, hex));
  ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  TWINFE_CK(TwinfeSHA256("abc", 3, hex));
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TWINFE_CK(TwinfeSHA256(two_blocks, strlen(two_blocks), hex));
  ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(file_sha256_streams_large_files)
{
  /* One million 'a' (FIPS example) spans many read buffers and a final partial block. */
  char  path[PETSC_MAX_PATH_LEN], hex[65];
  FILE *f;
  snprintf(path, sizeof path, "%s/million_a.bin", twinfe_test_work_dir());
  f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  for (int i = 0; i < 1000000; ++i)
    fputc('a', f);
  fclose(f);
  TWINFE_CK(TwinfeFileSHA256(path, hex));
  ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  TWINFE_CK_FAILS(TwinfeFileSHA256("/nonexistent/input.nii.gz", hex));
}
END_TEST

START_TEST(facet_tags_are_symmetric_and_distinct)
{
  ck_assert_int_eq(TwinfeFacetTag(5, 0), 5);
  ck_assert_int_eq(TwinfeFacetTag(0, 5), 5);
  ck_assert_int_eq(TwinfeFacetTag(2, 5), 2005);
  ck_assert_int_eq(TwinfeFacetTag(5, 2), 2005);
  for (PetscInt a = 0; a < 1000; a += 37)
    for (PetscInt b = a + 1; b < 1000; b += 41) {
      PetscInt hi, lo;
      TwinfeFacetTagLabels(TwinfeFacetTag(a, b), &hi, &lo);
      ck_assert_int_eq(hi, b);
      ck_assert_int_eq(lo, a);
    }
  ck_assert_str_eq(TwinfeVersion(), "0.2.0");
}
END_TEST

/* Cap tags lie above every facet tag, name their region and cap, and no facet tag is a cap. */
START_TEST(cap_tags_name_region_and_cap)
{
  ck_assert_int_eq(TwinfeCapTag(52, 3), 3000052);
  for (PetscInt a = 1; a < 1000; a += 37)
    for (PetscInt k = 1; k < 2000; k += 97) {
      PetscInt hi, lo, tag = TwinfeCapTag(a, k);
      ck_assert_int_gt(tag, TwinfeFacetTag(999, 998));
      ck_assert_int_eq(TwinfeCapIndex(tag), k);
      TwinfeFacetTagLabels(tag, &hi, &lo);
      ck_assert_int_eq(hi, a);
      ck_assert_int_eq(lo, 0);
    }
  for (PetscInt a = 0; a < 1000; a += 7)
    for (PetscInt b = a + 1; b < 1000; b += 13)
      ck_assert_int_eq(TwinfeCapIndex(TwinfeFacetTag(a, b)), 0);
}
END_TEST

/* One rank's default thread count is the cores the process may run on (taskset, a batch system's
   binding), not the machine's; -threads still overrides it. */
START_TEST(default_threads_follow_the_allowed_cores)
{
  cpu_set_t given, one;
  PetscInt  nthreads, first = -1;
  ck_assert_int_eq(sched_getaffinity(0, sizeof given, &given), 0);
  TWINFE_CK(TwinfeGetThreads(&nthreads));
  ck_assert_int_eq(nthreads, PetscMin(CPU_COUNT(&given), 64));
  for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
    if (CPU_ISSET(c, &given)) first = c;
  CPU_ZERO(&one);
  CPU_SET((int)first, &one);
  ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
  TWINFE_CK(TwinfeGetThreads(&nthreads));
  ck_assert_int_eq(nthreads, 1);
  TWINFE_CK(PetscOptionsSetValue(NULL, "-threads", "3"));
  TWINFE_CK(TwinfeGetThreads(&nthreads));
  ck_assert_int_eq(nthreads, 3);
  TWINFE_CK(PetscOptionsClearValue(NULL, "-threads"));
  ck_assert_int_eq(sched_setaffinity(0, sizeof given, &given), 0);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, sha256_matches_fips_vectors);
  tcase_add_test(tc, cap_tags_name_region_and_cap);
  tcase_add_test(tc, file_sha256_streams_large_files);
  tcase_add_test(tc, facet_tags_are_symmetric_and_distinct);
  tcase_add_test(tc, default_threads_follow_the_allowed_cores);
  suite_add_tcase(s, tc);
  return s;
}
