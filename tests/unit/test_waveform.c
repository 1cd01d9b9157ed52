/* Periodic waveforms (TwinfeWaveform): a table's exact values at its samples and midpoints, the
 * period repeated before t_0 and after t_{n-1}, exact means and ranges of tables and Fourier
 * series, references, the CSV reader on good files (comments, a header, CRLF) and its refusal
 * of every bad one, and the bundled carotid inflow (meshes/carotid_inflow.csv).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <twinfe/waveform.h>

/* Dyadic times and values: every interpolated value below is exact in binary, so the table's
   values are asserted to 1e-14 (a few roundings of numbers of size 1 to 10). */
#define EXACT 1e-14

static const PetscReal table_t[4] = {0.0, 0.25, 0.5, 1.0};
static const PetscReal table_v[4] = {1.0, 3.0, -1.0, 1.0};

static PetscReal Value(TwinfeWaveform w, PetscReal t)
{
  PetscReal v;
  TWINFE_CK(TwinfeWaveformEvaluate(w, t, &v));
  return v;
}

/* The mean over [t0, t0 + T] by the midpoint rule on m points: an independent check of the
   closed forms (piecewise linear: error O(T^2 / m^2) times the slopes' jumps). */
static PetscReal SampledMean(TwinfeWaveform w, PetscReal t0, PetscInt m)
{
  PetscReal T, sum = 0;
  TWINFE_CK(TwinfeWaveformGetPeriod(w, &T));
  for (PetscInt j = 0; j < m; ++j)
    sum += Value(w, t0 + T * (j + 0.5) / m);
  return sum / m;
}

START_TEST(table_values_at_samples_and_midpoints)
{
  TwinfeWaveform w;
  PetscReal      T, mean, lo, hi;

  TWINFE_CK(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 4, table_t, table_v, &w));
  TWINFE_CK(TwinfeWaveformGetPeriod(w, &T));
  ck_assert_double_eq(T, 1.0);
  for (PetscInt k = 0; k < 3; ++k)
    ck_assert_double_eq_tol(Value(w, table_t[k]), table_v[k], EXACT);
  ck_assert_double_eq_tol(Value(w, 0.125), 2.0, EXACT);
  ck_assert_double_eq_tol(Value(w, 0.375), 1.0, EXACT);
  ck_assert_double_eq_tol(Value(w, 0.75), 0.0, EXACT);
  ck_assert_double_eq_tol(Value(w, 0.9375), 0.75, EXACT);
  /* The last sample is where the next period starts: v_0 (here equal to v_{n-1}). */
  ck_assert_double_eq_tol(Value(w, 1.0), 1.0, EXACT);
  /* Trapezoids: (1 + 3) / 2 / 4 + (3 - 1) / 2 / 4 + 0 = 0.75. */
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  ck_assert_double_eq_tol(mean, 0.75, EXACT);
  ck_assert_double_eq_tol(SampledMean(w, 0, 4096), 0.75, 1e-6);
  TWINFE_CK(TwinfeWaveformGetRange(w, &lo, &hi));
  ck_assert_double_eq(lo, -1.0);
  ck_assert_double_eq(hi, 3.0);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
  ck_assert_ptr_null(w);
}
END_TEST

/* The period repeats after t_{n-1} and before t_0, also when t_0 is not 0. */
START_TEST(table_wraps_periodically)
{
  const PetscReal shift = 0.5, t[4] = {0.5, 0.75, 1.0, 1.5};
  TwinfeWaveform  w;

  TWINFE_CK(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 4, t, table_v, &w));
  for (PetscInt period = -7; period <= 7; ++period)
    for (PetscInt j = 0; j < 16; ++j) {
      const PetscReal s = j / 16.0, expected = Value(w, shift + s);
      ck_assert_double_eq_tol(Value(w, shift + s + period), expected, EXACT);
    }
  ck_assert_double_eq_tol(Value(w, -0.375), 2.0, EXACT); /* 0.625 - 1 */
  ck_assert_double_eq_tol(Value(w, -0.75), 0.0, EXACT);  /* 1.25 - 2 */
  ck_assert_double_eq_tol(Value(w, 0.0), -1.0, EXACT);   /* 1.0 - 1 */
  ck_assert_double_eq_tol(Value(w, 10.625), 2.0, EXACT);
  ck_assert_double_eq_tol(SampledMean(w, -3.3, 4096), 0.75, 1e-6);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

/* Uneven samples and a cycle closing within the 1% allowed: the mean is the trapezoid sum of
   the samples as given, and the midpoint rule on a fine grid agrees with it. */
START_TEST(table_mean_is_exact)
{
  const PetscReal t[6] = {0.1, 0.13, 0.3, 0.41, 0.8, 0.95}, v[6] = {2.0, 9.5, 4.0, 3.25, 1.0, 2.015};
  PetscReal       mean, expected = 0, T = 0.85;
  TwinfeWaveform  w;

  for (PetscInt k = 1; k < 6; ++k)
    expected += 0.5 * (v[k] + v[k - 1]) * (t[k] - t[k - 1]) / T;
  TWINFE_CK(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 6, t, v, &w));
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  ck_assert_double_eq_tol(mean, expected, 1e-14 * expected);
  /* 2^18 midpoints: the kinks cost O(slope jump * (T / m)^2) each, below 1e-8 here. */
  ck_assert_double_eq_tol(SampledMean(w, 0.1, 1 << 18), expected, 1e-8);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

static PetscReal Series(PetscReal T, PetscInt n, const PetscReal a[], const PetscReal b[], PetscReal t)
{
  PetscReal value = a[0];
  for (PetscInt k = 1; k < n; ++k)
    value += a[k] * PetscCosReal(2 * PETSC_PI * k * t / T) + (b ? b[k] * PetscSinReal(2 * PETSC_PI * k * t / T) : 0);
  return value;
}

START_TEST(fourier_values_mean_and_range)
{
  const PetscReal T = 0.8, a[3] = {5.0, 2.0, -1.0}, b[3] = {123.0 /* not used */, 0.5, 0.3};
  PetscReal       mean, lo, hi, dense_lo = PETSC_MAX_REAL, dense_hi = PETSC_MIN_REAL, period;
  TwinfeWaveform  w;

  TWINFE_CK(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, T, 3, a, b, &w));
  TWINFE_CK(TwinfeWaveformGetPeriod(w, &period));
  ck_assert_double_eq(period, T);
  for (PetscReal t = -2.05; t < 2.0; t += 0.0371)
    ck_assert_double_eq_tol(Value(w, t), Series(T, 3, a, b, t), 1e-12);
  ck_assert_double_eq_tol(Value(w, 0.3 - 5 * T), Value(w, 0.3), 1e-12);
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  ck_assert_double_eq(mean, 5.0);
  ck_assert_double_eq_tol(SampledMean(w, -0.1, 1000), 5.0, 1e-12); /* the harmonics' sums vanish */
  /* The range is sampled at 4096 points: against 10^6 points, the extremes of a series whose
     second derivative is at most (2 pi / T)^2 (|a_1| + |b_1| + 4 (|a_2| + |b_2|)) = 500 are
     missed by at most 500 / 2 (T / 8192)^2 = 2.4e-6. */
  for (PetscInt j = 0; j < 1000000; ++j) {
    const PetscReal value = Series(T, 3, a, b, T * j / 1000000.0);
    dense_lo              = PetscMin(dense_lo, value);
    dense_hi              = PetscMax(dense_hi, value);
  }
  TWINFE_CK(TwinfeWaveformGetRange(w, &lo, &hi));
  ck_assert_double_eq_tol(lo, dense_lo, 3e-6);
  ck_assert_double_eq_tol(hi, dense_hi, 3e-6);
  /* 4096 samples cannot find an extreme beyond the dense grid's by more than its own miss,
     500 / 2 (T / 2e6)^2 = 4e-11. */
  ck_assert_double_ge(lo, dense_lo - 1e-10);
  ck_assert_double_le(hi, dense_hi + 1e-10);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

/* b NULL: a cosine series. cos(2 pi t / T) has its extremes at sampled points (0 and T/2). */
START_TEST(fourier_cosine_series)
{
  const PetscReal a[2] = {0.0, 1.0};
  PetscReal       lo, hi, mean;
  TwinfeWaveform  w;

  TWINFE_CK(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 0.5, 2, a, NULL, &w));
  ck_assert_double_eq_tol(Value(w, 0.125), 0.0, 1e-15);
  ck_assert_double_eq_tol(Value(w, -0.25), -1.0, 1e-15);
  ck_assert_double_eq_tol(Value(w, 1.0), 1.0, 1e-15);
  TWINFE_CK(TwinfeWaveformGetRange(w, &lo, &hi));
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  ck_assert_double_eq_tol(lo, -1.0, 1e-15);
  ck_assert_double_eq_tol(hi, 1.0, 1e-15);
  ck_assert_double_eq(mean, 0.0);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

/* A second reference keeps the waveform alive after the first is destroyed; PETSc's leak report
   (-malloc_dump) fails the test if the last destroy does not free it. */
START_TEST(references)
{
  TwinfeWaveform w, other;

  TWINFE_CK(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 4, table_t, table_v, &w));
  other = w;
  TWINFE_CK(TwinfeWaveformReference(other));
  TWINFE_CK(TwinfeWaveformDestroy(&w));
  ck_assert_ptr_null(w);
  ck_assert_double_eq_tol(Value(other, 0.125), 2.0, EXACT);
  TWINFE_CK(TwinfeWaveformDestroy(&other));
  ck_assert_ptr_null(other);
  TWINFE_CK(TwinfeWaveformDestroy(&other)); /* NULL: nothing to do */
}
END_TEST

/* ---- CSV files */

static const char *WorkFile(const char name[])
{
  static char path[8][PETSC_MAX_PATH_LEN];
  static int  slot;
  slot = (slot + 1) % 8;
  snprintf(path[slot], sizeof path[slot], "%s/%s", twinfe_test_work_dir(), name);
  return path[slot];
}

static const char *WriteFile(const char name[], const char text[])
{
  const char *path = WorkFile(name);
  FILE       *f    = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return path;
}

START_TEST(csv_reads_comments_header_and_crlf)
{
  const char    *path = WriteFile("good.csv", "# a test waveform\r\n"
                                                 "time_s, value\r\n"
                                                 "\r\n"
                                                 "0.0, 1\r\n"
                                                 "  0.25 ,3e0\r\n"
                                                 "# a comment among the samples\r\n"
                                                 "0.5,-1.0\r\n"
                                                 "1.0, 1.0"); /* no line end at the end */
  TwinfeWaveform w;
  PetscReal      T, mean;

  TWINFE_CK(TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, path, &w));
  TWINFE_CK(TwinfeWaveformGetPeriod(w, &T));
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  ck_assert_double_eq(T, 1.0);
  ck_assert_double_eq_tol(mean, 0.75, EXACT);
  ck_assert_double_eq_tol(Value(w, 0.375), 1.0, EXACT);
  ck_assert_double_eq_tol(Value(w, -0.875), 2.0, EXACT);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

/* The bundled inflow: one 1 s cycle in ml/s, a carotid's mean (4-6 ml/s) and systolic peak
   (about 2.5 times the mean, 2.2-2.8 asserted), never reversed (an internal carotid feeds the
   brain's low-resistance bed: forward flow throughout diastole). */
START_TEST(csv_carotid_inflow)
{
  TwinfeWaveform w;
  PetscReal      T, mean, lo, hi;

  TWINFE_CK(TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, twinfe_test_source_file("meshes/carotid_inflow.csv"), &w));
  TWINFE_CK(TwinfeWaveformGetPeriod(w, &T));
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  TWINFE_CK(TwinfeWaveformGetRange(w, &lo, &hi));
  PetscPrintf(PETSC_COMM_WORLD, "carotid inflow: period %g s, mean %.4g ml/s, range %.4g..%.4g ml/s, peak/mean %.3f\n", (double)T,
              (double)mean, (double)lo, (double)hi, (double)(hi / mean));
  ck_assert_double_eq_tol(T, 1.0, 1e-12);
  ck_assert_double_ge(mean, 4.0);
  ck_assert_double_le(mean, 6.0);
  ck_assert_double_ge(hi / mean, 2.2);
  ck_assert_double_le(hi / mean, 2.8);
  ck_assert_double_gt(lo, 0.0);
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

/* The file is refused, no waveform is returned, and the message names the file and holds
   every given word (e.g. the line, what would be right). */
static void ExpectRefusal(const char path[], const char word1[], const char word2[])
{
  static char    not_null;
  TwinfeWaveform w = (TwinfeWaveform)&not_null; /* must come back NULL */
  PetscErrorCode ierr;
  const char    *last_message;

  twinfe_test_capture_errors_begin();
  ierr         = TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, path, &w);
  last_message = twinfe_test_capture_errors_end();
  ck_assert_msg(ierr != 0, "%s was accepted", path);
  ck_assert_ptr_null(w);
  ck_assert_msg(strstr(last_message, path), "the message does not name %s: %s", path, last_message);
  ck_assert_msg(!word1 || strstr(last_message, word1), "the message lacks '%s': %s", word1, last_message);
  ck_assert_msg(!word2 || strstr(last_message, word2), "the message lacks '%s': %s", word2, last_message);
}

START_TEST(csv_refusals)
{
  char long_line[1200];

  ExpectRefusal(WorkFile("missing.csv"), "Cannot open", "time (s) and value");
  ExpectRefusal(twinfe_test_work_dir(), NULL, NULL); /* a folder: fopen succeeds, reading fails */
  ExpectRefusal(WriteFile("word.csv", "t,q\n0,1\n0.5,abc\n1,1\n"), "line 3", "'0.5,abc' is not two numbers");
  ExpectRefusal(WriteFile("three.csv", "0,1\n0.5,2,7\n1,1\n"), "line 2", "time (s), value");
  ExpectRefusal(WriteFile("one_column.csv", "0\n0.5\n1\n"), "line 2", "not two numbers");
  ExpectRefusal(WriteFile("semicolon.csv", "0;1\n0.5;2\n1;1\n"), "line 2", "not two numbers");
  ExpectRefusal(WriteFile("two_headers.csv", "# c\ntime\nflow\n0,1\n1,1\n"), "line 3", "one header line");
  ExpectRefusal(WriteFile("late_header.csv", "0,1\ntime,flow\n1,1\n"), "line 2", "not two numbers");
  ExpectRefusal(WriteFile("equal_times.csv", "0,1\n0.5,2\n0.5,3\n1,1\n"), "line 3", "increase strictly");
  ExpectRefusal(WriteFile("back_in_time.csv", "# x\n0,1\n0.5,2\n0.25,3\n1,1\n"), "line 4", "increase strictly");
  ExpectRefusal(WriteFile("one_sample.csv", "time,flow\n0,1\n"), "1 sample", "at least 2");
  ExpectRefusal(WriteFile("empty.csv", ""), "0 sample", "at least 2");
  ExpectRefusal(WriteFile("header_only.csv", "# nothing\ntime,flow\n"), "0 sample", "at least 2");
  /* 1.011 vs 1 with largest |value| 2: 0.55% is allowed, so make it 3% */
  ExpectRefusal(WriteFile("open.csv", "0,1\n0.5,2\n1,1.06\n"), "line 3", "does not close");
  ExpectRefusal(WriteFile("nan.csv", "0,1\n0.5,nan\n1,1\n"), "line 2", "not finite");
  ExpectRefusal(WriteFile("inf.csv", "0,1\ninf,2\n1,1\n"), "line 2", "not finite");
  ExpectRefusal(WriteFile("overflow.csv", "0,1\n0.5,1e999\n1,1\n"), "line 2", "not finite");
  memset(long_line, ' ', sizeof long_line);
  long_line[sizeof long_line - 1] = '\0';
  {
    char text[1300];
    snprintf(text, sizeof text, "0,1\n%s0.5,2\n1,1\n", long_line);
    ExpectRefusal(WriteFile("long.csv", text), "line 2", "longer than");
  }
}
END_TEST

/* A cycle that closes within 1% of the largest |value| is accepted: 1% of 200 is 2. */
START_TEST(csv_closure_tolerance)
{
  TwinfeWaveform w;
  TWINFE_CK(TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, WriteFile("almost.csv", "0,100\n0.5,200\n1,101.9\n"), &w));
  TWINFE_CK(TwinfeWaveformDestroy(&w));
  ExpectRefusal(WriteFile("not_quite.csv", "0,100\n0.5,200\n1,102.1\n"), "line 3", "does not close");
}
END_TEST

/* The same checks on tables and series given in memory. */
START_TEST(create_refusals)
{
  const PetscReal t[3] = {0, 0.5, 1}, equal[3] = {0, 0.5, 0.5}, v[3] = {1, 2, 1}, open[3] = {1, 2, 3}, nan[3] = {1, NAN, 1},
                  a[2] = {1, INFINITY};
  TwinfeWaveform w     = NULL;

  TWINFE_CK_FAILS(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 1, t, v, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 3, equal, v, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 3, t, open, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 3, t, nan, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateTable(PETSC_COMM_SELF, 3, nan, v, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 0.0, 2, v, NULL, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, -1.0, 2, v, NULL, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, NAN, 2, v, NULL, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 1.0, 0, v, NULL, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 1.0, 2, a, NULL, &w));
  TWINFE_CK_FAILS(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 1.0, 3, v, nan, &w));
  TWINFE_CK_FAILS(TwinfeWaveformEvaluate(NULL, 0, NULL));
  ck_assert_ptr_null(w);
  /* b[0] is not used, so a NaN there is no error. */
  TWINFE_CK(TwinfeWaveformCreateFourier(PETSC_COMM_SELF, 1.0, 1, v, (const PetscReal[]){NAN}, &w));
  TWINFE_CK(TwinfeWaveformDestroy(&w));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("waveform");
  TCase *tc = tcase_create("waveform");
  tcase_add_test(tc, table_values_at_samples_and_midpoints);
  tcase_add_test(tc, table_wraps_periodically);
  tcase_add_test(tc, table_mean_is_exact);
  tcase_add_test(tc, fourier_values_mean_and_range);
  tcase_add_test(tc, fourier_cosine_series);
  tcase_add_test(tc, references);
  tcase_add_test(tc, csv_reads_comments_header_and_crlf);
  tcase_add_test(tc, csv_carotid_inflow);
  tcase_add_test(tc, csv_refusals);
  tcase_add_test(tc, csv_closure_tolerance);
  tcase_add_test(tc, create_refusals);
  suite_add_tcase(s, tc);
  return s;
}
