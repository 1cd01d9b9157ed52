/* Womersley flow: blood in a straight rigid tube driven by an oscillating pressure gradient,
 * unsteady Stokes on Taylor-Hood P2-P1 stepped by BDF2 (TwinfeFlowStep), against the analytic
 * solution.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Problem. A tube of radius R = 2 mm and length L = 2 mm (TwinfeMeshCreateTube, h 0.4 mm: the
 * flow is fully developed, so a short tube does), no slip on the wall, on the inlet cap (z = 0)
 * the traction -p_in(t) n with p_in = A L cos(w t) (TwinfeFlowAddTraction with -A L n, scaled by
 * the Fourier waveform cos(2 pi t / T) through TwinfeFlowSetWaveform), the outlet (z = L) free
 * (traction 0: p = 0 there). The pressure gradient along the axis is then -A cos(w t)
 * everywhere, and the fully developed axial velocity is (Womersley 1955)
 *   u(r, t) = Re[ A / (i w rho) (1 - J0(i^{3/2} alpha r / R) / J0(i^{3/2} alpha)) e^{i w t} ],
 * alpha = R sqrt(w rho / mu), with no radial velocity and the pressure A (L - z) cos(w t). The
 * flow is unidirectional, so (u . grad) u = 0 and Stokes is the full problem. Blood: rho
 * 1.06e-3 g/mm^3, mu 3.5e-3 Pa s; period T = 0.6 s (100 beats per minute), so alpha = 3.56: the
 * profile is between Poiseuille's parabola (alpha << 1) and a plug with Stokes layers at the
 * wall (alpha >> 1), and lags the pressure. A = 1 Pa/mm gives a peak centreline velocity of
 * 111 mm/s.
 *
 * Run. From rest at t = -T/4 (where the driving pressure is 0, so it starts without a jump) to
 * t = 2 T, then over one more cycle, measured at the 16 instants t_j = 2 T + j T / 16,
 * j = 1..16. The start-up transient decays like exp(-5.78 mu t / (rho R^2)) (5.78: the first
 * zero of J0, squared): by 2 T, 2.25 cycles after the start, it is down to 1.6e-3 of its initial
 * size, and to 9e-5 at the end.
 *
 * Measure (asserted). The error at instant t_j is E_j = ||u_h(t_j) - u(t_j)|| / max_k ||u(t_k)||,
 * ||.|| the L2 norm over the tube (all three velocity components; the analytic one has only
 * u_z), integrated with a rule exact to degree 6. Dividing by the largest norm over the cycle,
 * not by the norm at t_j, keeps the measure meaningful where the flow reverses and u(t_j) is
 * near 0. Asserted: max_j E_j < 2% (the "axial velocity within 2% of the analytic profile
 * over a cycle") with 64 steps per cycle. Also printed: the largest error at a quadrature point
 * over the peak centreline velocity, and the pressure's relative L2 error.
 *
 * Convergence in time (asserted). The same problem with 16, 32 and 64 steps per cycle on the same
 * mesh. The spatial error is common to the three runs, so the differences between successive
 * runs, D_1 = max_j ||u_16 - u_32|| and D_2 = max_j ||u_32 - u_64|| (scaled as E_j), see only
 * BDF2's error: for a second-order method D_1 / D_2 = 4. The errors against the analytic
 * solution are printed beside them; their ratio tends to 4 only while the time error dominates
 * the spatial one.
 *
 * The figures measured on 1 rank, and the tolerances on 2 and 3 ranks, are given where asserted
 * (and in docs/flow.md, "Womersley"). */
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
#define TUBE_L 2.0    /* mm */
#define MESH_H 0.4    /* mm */
#define PERIOD 0.6    /* s */
#define GRAD_A 1.0    /* Pa/mm: amplitude of -dp/dz */
#define INLET 1000001 /* TwinfeCapTag(1, 1) */
#define OUTLET 2000001
#define WALL 1
#define INSTANTS 16 /* per cycle, where the errors are measured */
#define RUNS 3      /* 16, 32, 64 steps per cycle */

/* ---- the analytic solution */

/* J0(z) = sum_k (-z^2 / 4)^k / (k!)^2, summed until the terms, which decrease once k > |z|^2 / 4, fall below
   1e-18 of the sum. For |z| <= 10 the largest term is about 700, so rounding costs about 1e-13 absolutely
   (measured against libm's j0 below: 1.0e-13 at most). */
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

/* ber(x) + i bei(x) = J0(i^{3/2} x): values of Abramowitz and Stegun, table 9.12 (10 digits), and the real
   axis against libm. */
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
  /* The profile: no slip at the wall, and the centreline amplitude of a plug-like core, |A / (i w rho)| (1 -
     1 / J0(i^{3/2} alpha)). */
  for (PetscReal t = 0; t < PERIOD; t += PERIOD / 7)
    ck_assert_double_lt(PetscAbsReal(Womersley(TUBE_R, t)), 1e-12 * cabs(Amplitude(0)));
}
END_TEST

/* ---- the waveform on every rank */

/* TwinfeWaveformLoadCSV reads on rank 0 and sends the table: every rank must evaluate the same waveform, and
   a bad file must fail on every rank (rank 0 with the file's message) instead of leaving the others waiting.
   This program runs on 1, 2 and 3 ranks, the unit test on 1. */
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

/* ---- the flow */

/* -p_in n on the inlet at the waveform's peak: p_in = A L (the waveform scales it by cos). */
static PetscErrorCode InletTraction(const PetscReal x[3], const PetscReal n[3], PetscReal t[3], void *ctx)
{
  (void)x, (void)ctx;
  for (PetscInt i = 0; i < 3; ++i)
    t[i] = -GRAD_A * TUBE_L * n[i];
  return 0;
}

typedef struct {
  PetscReal time;
  PetscBool exact; /* compare with the analytic solution; PETSC_FALSE: measure the field itself */
} Compare;

/* out[0] = int |u_h - u|^2, out[1] = int |u|^2, out[2] = the cell's largest |u_h - u| at a quadrature point,
   out[3] = int (p_h - p)^2, out[4] = int p^2. */
static PetscErrorCode ErrorKernel(const TwinfeElement *e, PetscScalar out[], void *ctx)
{
  const Compare *c = (const Compare *)ctx;
  for (PetscInt q = 0; q < e->nq; ++q) {
    const PetscReal *x    = &e->x[3 * q];
    PetscReal        u[3] = {0, 0, 0}, uh[3] = {0, 0, 0}, p = 0, ph = 0, d2 = 0;
    if (c->exact) {
      u[2] = Womersley(PetscSqrtReal(x[0] * x[0] + x[1] * x[1]), c->time);
      p    = GRAD_A * (TUBE_L - x[2]) * PetscCosReal(Omega() * c->time);
    }
    for (PetscInt b = 0; b < 10; ++b)
      for (PetscInt i = 0; i < 3; ++i)
        uh[i] += e->B[0][q * 10 + b] * PetscRealPart(e->u[3 * b + i]);
    for (PetscInt b = 0; b < 4; ++b)
      ph += e->B[1][q * 4 + b] * PetscRealPart(e->u[30 + b]);
    for (PetscInt i = 0; i < 3; ++i)
      d2 += (uh[i] - u[i]) * (uh[i] - u[i]);
    out[0] += e->w[q] * d2;
    out[1] += e->w[q] * u[2] * u[2];
    out[2] = PetscMax(PetscRealPart(out[2]), PetscSqrtReal(d2));
    out[3] += e->w[q] * (ph - p) * (ph - p);
    out[4] += e->w[q] * p * p;
  }
  return 0;
}

typedef struct {
  PetscReal l2, norm, max, pressure_l2, pressure_norm; /* sqrt of out[0], out[1], out[2], out[3], out[4] */
} Errors;

static Errors Measure(TwinfeSpace space, Vec U, PetscReal time, PetscBool exact)
{
  Compare      c = {time, exact};
  PetscInt     ncells;
  PetscScalar *cell;
  PetscReal    local[4] = {0, 0, 0, 0}, sum[4], local_max = 0, max;
  Errors       e;

  TWINFE_CK(TwinfeSpaceGetSizes(space, &ncells, NULL));
  TWINFE_CK(PetscCalloc1(5 * ncells + 5, &cell));
  TWINFE_CK(TwinfeSpaceEvaluateCells(space, 6, U, ErrorKernel, &c, 5, cell));
  for (PetscInt k = 0; k < ncells; ++k) {
    local[0] += PetscRealPart(cell[5 * k]);
    local[1] += PetscRealPart(cell[5 * k + 1]);
    local[2] += PetscRealPart(cell[5 * k + 3]);
    local[3] += PetscRealPart(cell[5 * k + 4]);
    local_max = PetscMax(local_max, PetscRealPart(cell[5 * k + 2]));
  }
  MPI_Allreduce(local, sum, 4, MPIU_REAL, MPIU_SUM, PETSC_COMM_WORLD);
  MPI_Allreduce(&local_max, &max, 1, MPIU_REAL, MPIU_MAX, PETSC_COMM_WORLD);
  TWINFE_CK(PetscFree(cell));
  e.l2            = PetscSqrtReal(sum[0]);
  e.norm          = PetscSqrtReal(sum[1]);
  e.max           = max;
  e.pressure_l2   = PetscSqrtReal(sum[2]);
  e.pressure_norm = PetscSqrtReal(sum[3]);
  return e;
}

/* Unsteady Stokes on dm, the inlet's traction scaled by cos(2 pi t / T), from rest at -T/4. */
static TwinfeFlow PulsatileStokes(DM dm)
{
  const PetscReal cosine[2] = {0, 1};
  TwinfeFlow      flow;
  TwinfeWaveform  w;

  TWINFE_CK(TwinfeFlowCreate(dm, &flow));
  TWINFE_CK(TwinfeFlowSetFluid(flow, RHO, MU));
  TWINFE_CK(TwinfeFlowSetConvection(flow, PETSC_FALSE));
  /* FGMRES to 1e-10: the solver's error stays far below the time and space errors measured. */
  TWINFE_CK(PetscOptionsSetValue(NULL, "-flow_ksp_rtol", "1e-10"));
  TWINFE_CK(TwinfeFlowSetFromOptions(flow));
  TWINFE_CK(PetscOptionsClearValue(NULL, "-flow_ksp_rtol"));
  TWINFE_CK(TwinfeFlowAddWall(flow, WALL));
  TWINFE_CK(TwinfeFlowAddTraction(flow, INLET, InletTraction, NULL));
  TWINFE_CK(TwinfeWaveformCreateFourier(PETSC_COMM_WORLD, PERIOD, 2, cosine, NULL, &w));
  TWINFE_CK(TwinfeFlowSetWaveform(flow, INLET, w));
  TWINFE_CK(TwinfeWaveformDestroy(&w)); /* the flow keeps its reference */
  TWINFE_CK(TwinfeFlowSetTime(flow, -PERIOD / 4));
  return flow;
}

typedef struct {
  PetscInt  steps_per_cycle;
  PetscReal error[INSTANTS];  /* E_j */
  PetscReal max[INSTANTS];    /* largest error at a quadrature point / peak centreline velocity */
  PetscReal change[INSTANTS]; /* ||u_h - u_h of the previous run|| / max_k ||u(t_k)|| */
  PetscReal pressure;         /* max_j ||p_h - p|| / max_k ||p(t_k)|| */
  PetscReal worst_max;        /* max_j of max[j] */
  PetscReal worst_error, worst_change;
  PetscInt  linear_max, linear_total, steps;
  Vec       state[INSTANTS]; /* u_h(t_j), kept for the next run's differences */
} Run;

/* Steps from -T/4 to 3 T with steps_per_cycle steps per period, and measures at the instants; previous (NULL
   for the first run) holds the states of the run with twice the step. */
static void RunWomersley(DM dm, PetscInt steps_per_cycle, const Run *previous, Run *run)
{
  const PetscReal dt     = PERIOD / steps_per_cycle;
  const PetscInt  stride = steps_per_cycle / INSTANTS, spinup = steps_per_cycle * 9 / 4;
  const PetscReal peak = cabs(Amplitude(0));
  TwinfeFlow      flow = PulsatileStokes(dm);
  Errors          e[INSTANTS];
  PetscReal       largest = 0, largest_p = 0, pressure_error[INSTANTS];

  memset(run, 0, sizeof *run);
  run->steps_per_cycle = steps_per_cycle;
  for (PetscInt s = 1; s <= spinup + steps_per_cycle; ++s) {
    TwinfeSpace space;
    Vec         U;
    PetscReal   time;
    PetscInt    its;

    TWINFE_CK(TwinfeFlowStep(flow, dt));
    TWINFE_CK(TwinfeFlowGetSolverInfo(flow, NULL, &its, NULL));
    run->linear_max = PetscMax(run->linear_max, its);
    run->linear_total += its;
    run->steps++;
    if (s <= spinup || (s - spinup) % stride) continue;
    TWINFE_CK(TwinfeFlowGetTime(flow, &time));
    /* The flow's clock: -T/4 + s dt, summed step by step. */
    ck_assert_double_eq_tol(time, -PERIOD / 4 + s * dt, 1e-12);
    TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
    TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
    {
      const PetscInt j  = (s - spinup) / stride - 1;
      e[j]              = Measure(space, U, time, PETSC_TRUE);
      largest           = PetscMax(largest, e[j].norm);
      run->max[j]       = e[j].max / peak;
      pressure_error[j] = e[j].pressure_l2;
      largest_p         = PetscMax(largest_p, e[j].pressure_norm);
      TWINFE_CK(VecDuplicate(U, &run->state[j]));
      TWINFE_CK(VecCopy(U, run->state[j]));
      if (previous) {
        Vec diff;
        TWINFE_CK(VecDuplicate(U, &diff));
        TWINFE_CK(VecWAXPY(diff, -1.0, previous->state[j], U));
        run->change[j] = Measure(space, diff, time, PETSC_FALSE).l2; /* scaled below */
        TWINFE_CK(VecDestroy(&diff));
      }
    }
  }
  for (PetscInt j = 0; j < INSTANTS; ++j) {
    run->error[j] = e[j].l2 / largest;
    run->change[j] /= largest;
    run->worst_error  = PetscMax(run->worst_error, run->error[j]);
    run->worst_change = PetscMax(run->worst_change, run->change[j]);
    run->worst_max    = PetscMax(run->worst_max, run->max[j]);
    run->pressure     = PetscMax(run->pressure, pressure_error[j] / largest_p);
  }
  TWINFE_CK(TwinfeFlowDestroy(&flow));
}

static void RunFree(Run *run)
{
  for (PetscInt j = 0; j < INSTANTS; ++j)
    TWINFE_CK(VecDestroy(&run->state[j]));
}

static void PrintRun(const Run *run)
{
  PetscPrintf(PETSC_COMM_WORLD, "%2d steps per cycle (dt %.5f s): E_j over the last cycle (%%):", (int)run->steps_per_cycle,
              (double)(PERIOD / run->steps_per_cycle));
  for (PetscInt j = 0; j < INSTANTS; ++j)
    PetscPrintf(PETSC_COMM_WORLD, " %.3f", (double)(100 * run->error[j]));
  PetscPrintf(PETSC_COMM_WORLD,
              "\n  largest E_j %.9e; largest error at a point / peak "
              "centreline velocity %.3f%%; pressure L2 error at most "
              "%.3e; largest change from the previous run %.9e; linear "
              "iterations per step at most %d, mean %.1f\n",
              (double)run->worst_error, (double)(100 * run->worst_max), (double)run->pressure, (double)run->worst_change,
              (int)run->linear_max, (double)run->linear_total / (double)run->steps);
}

/* max_j E_j and the largest change from the previous run, measured on 1 rank (16, 32, 64 steps per cycle).
   The mesh is the same on any rank count (built on rank 0, then distributed), so on N ranks only the linear
   solver's stopping point differs (FGMRES to 1e-10, GAMG aggregates per rank): 1e-6 relative is asserted. A
   ghost value not updated or a dof mis-mapped between ranks moves these by the field's size. */
static const PetscReal worst_error_1rank[RUNS]  = {4.657272205e-02, 1.501976218e-02, 8.062408544e-03};
static const PetscReal worst_change_1rank[RUNS] = {0, 3.227218722e-02, 8.480549240e-03};
#define RANK_TOLERANCE 1e-6

START_TEST(womersley_profile_over_a_cycle)
{
  DM       dm = twinfe_test_tube_dm(TUBE_R, TUBE_L, MESH_H);
  Run      run[RUNS];
  PetscInt cells;

  {
    TwinfeFlow  flow = PulsatileStokes(dm);
    TwinfeSpace space;
    Vec         U;
    PetscInt    n;
    TWINFE_CK(TwinfeFlowStep(flow, PERIOD / 64)); /* the space exists after a solve */
    TWINFE_CK(TwinfeFlowGetSpace(flow, &space));
    TWINFE_CK(TwinfeFlowGetSolution(flow, &U));
    TWINFE_CK(TwinfeSpaceGetSizes(space, &cells, NULL));
    TWINFE_CK(VecGetSize(U, &n));
    PetscPrintf(PETSC_COMM_WORLD,
                "Womersley: R %g mm, L %g mm, h %g mm, %d tets, %d unknowns; T "
                "%g s, alpha %.4f, peak centreline velocity %.4f "
                "mm/s\n",
                (double)TUBE_R, (double)TUBE_L, (double)MESH_H, (int)twinfe_test_global_sum(cells), (int)n, (double)PERIOD,
                (double)Alpha(), (double)cabs(Amplitude(0)));
    TWINFE_CK(TwinfeFlowDestroy(&flow));
  }
  for (PetscInt k = 0; k < RUNS; ++k) {
    RunWomersley(dm, 16 << k, k ? &run[k - 1] : NULL, &run[k]);
    PrintRun(&run[k]);
    if (k) RunFree(&run[k - 1]);
  }
  RunFree(&run[RUNS - 1]);
  PetscPrintf(PETSC_COMM_WORLD, "time convergence: change ratio %.3f; error ratios %.3f %.3f\n",
              (double)(run[1].worst_change / run[2].worst_change), (double)(run[0].worst_error / run[1].worst_error),
              (double)(run[1].worst_error / run[2].worst_error));
  /* Measured on 1 rank: 4.66%, 1.50%, 0.81% (the spatial error, about 0.65%, mostly the faceted wall, takes
     over: the error ratios are 3.10 and 1.86); 2% is the bound. The differences between runs fall by
     3.81 (theory 4 as dt -> 0; the next halving, 64 to 128 steps, gave 3.93 in an independent BDF2 solve of the same discrete
     problem, docs/flow.md); 4 +- 0.5 tells second order from first (2) and from a time error that does not fall. */
  ck_assert_double_lt(run[RUNS - 1].worst_error, 0.02);
  ck_assert_double_eq_tol(run[1].worst_change / run[2].worst_change, 4.0, 0.5);
  for (PetscInt k = 0; k < RUNS; ++k) {
    ck_assert_double_eq_tol(run[k].worst_error, worst_error_1rank[k], RANK_TOLERANCE * worst_error_1rank[k]);
    if (k) /* the first run has no previous run: its change is 0 by definition */
      ck_assert_double_eq_tol(run[k].worst_change, worst_change_1rank[k], RANK_TOLERANCE * worst_change_1rank[k]);
  }
  TWINFE_CK(DMDestroy(&dm));
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("flow_womersley");
  TCase *tc = tcase_create("womersley");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, bessel_j0_of_complex_argument);
  tcase_add_test(tc, waveform_csv_on_every_rank);
  tcase_add_test(tc, womersley_profile_over_a_cycle);
  suite_add_tcase(s, tc);
  return s;
}
