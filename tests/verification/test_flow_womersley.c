/* Womersley flow: blood in a straight rigid tube driven by an oscillating pressure gradient,
 * against the analytic solution. This first part checks the analytic solution's complex Bessel
 * function J0, and that a waveform read from a CSV file is the same on every rank; the flow
 * part follows with the unsteady solver (TwinfeFlowStep).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700 /* j0() of libm */
#include "twinfe_checks.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <twinfe/flow.h>
#include <twinfe/partition.h>
#include <twinfe/waveform.h>

#define RHO 1.06e-3   /* g/mm^3 */
#define MU 3.5e-3     /* Pa s */
#define TUBE_R 2.0    /* mm */
#define TUBE_L 4.0    /* mm */
#define MESH_H 0.5    /* mm */
#define PERIOD 0.6    /* s */
#define GRAD_A 1.0    /* Pa/mm: amplitude of -dp/dz */
#define INLET 1000001 /* TwinfeCapTag(1, 1) */
#define OUTLET 2000001
#define WALL 1
#define INSTANTS 16 /* per cycle, where the errors are measured */
#define RUNS 3      /* 16, 32, 64 steps per cycle */

/* ---- the analytic solution */

/* J0(z) = sum_k (-z^2 / 4)^k / (k!)^2, summed until the terms, which decrease once k > |z|^2 / 4,
   fall below 1e-18 of the sum. For |z| <= 10 the largest term is about 700, so rounding costs
   about 1e-13 absolutely (measured against libm's j0 below: 1.0e-13 at most). */
static double complex BesselJ0(double complex z)
{
  const double complex q    = -z * z / 4;
  double complex       term = 1, sum = 1;
  for (int k = 1; k < 200; ++k) {
    term *= q / ((double)k * k);
    sum += term;
    if (k > cabs(q) && cabs(term) < 1e-18 * (1 + cabs(sum))) break;
  }
  return sum;
}

static PetscReal Omega(void)
{
  return 2 * PETSC_PI / PERIOD;
}

static PetscReal Alpha(void)
{
  return TUBE_R * PetscSqrtReal(Omega() * RHO / MU);
}

/* The complex amplitude of u_z at radius r: u = Re[U(r) e^{i w t}]. */
static double complex Amplitude(PetscReal r)
{
  const double complex  i32 = cexp(I * 3 * PETSC_PI / 4); /* i^{3/2} */
  static double complex j0_wall;                          /* J0(i^{3/2} alpha), computed once */
  if (j0_wall == 0) j0_wall = BesselJ0(i32 * Alpha());
  return GRAD_A / (I * Omega() * RHO) * (1 - BesselJ0(i32 * Alpha() * r / TUBE_R) / j0_wall);
}

static PetscReal Womersley(PetscReal r, PetscReal t)
{
  return creal(Amplitude(r) * cexp(I * Omega() * t));
}

/* ber(x) + i bei(x) = J0(i^{3/2} x): values of Abramowitz and Stegun, table 9.12 (10 digits),
   and the real axis against libm. */
START_TEST(bessel_j0_of_complex_argument)
{
  const double complex i32     = cexp(I * 3 * PETSC_PI / 4);
  const double         x[3]    = {1, 2, 3};
  const double         ber[3]  = {0.9843817812, 0.7517341827, -0.2213802496};
  const double         bei[3]  = {0.2495660400, 0.9722916273, 1.9375867853};
  double               largest = 0;

  for (int k = 0; k < 3; ++k) {
    const double complex j = BesselJ0(i32 * x[k]);
    ck_assert_double_eq_tol(creal(j), ber[k], 1e-10);
    ck_assert_double_eq_tol(cimag(j), bei[k], 1e-10);
  }
  for (double r = 0; r <= 10; r += 0.01) {
    const double complex j = BesselJ0(r);
    largest                = PetscMax(largest, PetscAbsReal(creal(j) - j0(r)));
    ck_assert_double_eq(cimag(j), 0);
  }
  PetscPrintf(PETSC_COMM_WORLD, "J0 on [0, 10] against libm's j0: largest difference %.2e\n", largest);
  ck_assert_double_lt(largest, 1e-12);
  /* The profile: no slip at the wall, and the centreline amplitude of a plug-like core,
     |A / (i w rho)| (1 - 1 / J0(i^{3/2} alpha)). */
  for (PetscReal t = 0; t < PERIOD; t += PERIOD / 7)
    ck_assert_double_lt(PetscAbsReal(Womersley(TUBE_R, t)), 1e-12 * cabs(Amplitude(0)));
}
END_TEST

/* ---- the waveform on every rank */

/* TwinfeWaveformLoadCSV reads on rank 0 and sends the table: every rank must evaluate the same
   waveform, and a bad file must fail on every rank (rank 0 with the file's message) instead of
   leaving the others waiting. This program runs on 1, 2 and 3 ranks, the unit test on 1. */
START_TEST(waveform_csv_on_every_rank)
{
  TwinfeWaveform w;
  PetscReal      sum = 0, lo, hi, mean;
  PetscMPIInt    rank;
  PetscErrorCode ierr;
  int            failed, all_failed;
  char           path[PETSC_MAX_PATH_LEN];
  const char    *message;

  TWINFE_CK(TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, twinfe_test_source_file("meshes/carotid_inflow.csv"), &w));
  for (PetscInt j = 0; j < 100; ++j) {
    PetscReal v;
    TWINFE_CK(TwinfeWaveformEvaluate(w, -1.3 + 0.0237 * j, &v));
    sum += (j + 1) * v;
  }
  TWINFE_CK(TwinfeWaveformGetMean(w, &mean));
  MPI_Allreduce(&sum, &lo, 1, MPIU_REAL, MPIU_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(&sum, &hi, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  ck_assert_double_eq(lo, hi);                     /* the same table: the same bits */
  ck_assert_double_eq_tol(mean, 4.5096875, 1e-12); /* the file's trapezoid sum */
  TWINFE_CK(TwinfeWaveformDestroy(&w));

  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  snprintf(path, sizeof path, "%s/open_cycle.csv", twinfe_test_work_dir());
  if (!rank) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("time,flow\n0,1\n0.5,2\n1,3\n", f);
    fclose(f);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  twinfe_test_capture_errors_begin();
  ierr    = TwinfeWaveformLoadCSV(PETSC_COMM_WORLD, path, &w);
  message = twinfe_test_capture_errors_end();
  ck_assert_int_ne(ierr, 0);
  ck_assert_ptr_null(w);
  if (!rank) ck_assert_msg(strstr(message, path) && strstr(message, "does not close"), "rank 0's message: %s", message);
  failed = ierr != 0;
  MPI_Allreduce(&failed, &all_failed, 1, MPI_INT, MPI_MIN, PETSC_COMM_WORLD);
  ck_assert_int_eq(all_failed, 1); /* every rank failed */
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_womersley");
  TCase *tc = tcase_create("womersley");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, bessel_j0_of_complex_argument);
  tcase_add_test(tc, waveform_csv_on_every_rank);
  suite_add_tcase(s, tc);
  return s;
}
