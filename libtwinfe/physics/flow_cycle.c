/* Pulsatile blood flow over cardiac cycles, as the case runs it (-cycles with an inflow
 * waveform): the steady flow at t = 0 as the start, then BDF2 time steps (TwinfeFlowStep).
 *  - every step: each cap's flow rate and mean pressure, into flow_caps.csv;
 *  - the last cycle: -frames_per_cycle states into the results series (velocity, pressure,
 *    wall shear stress), and the wall shear stress integrated over the cycle (trapezoid rule in
 *    time, at the vertices), which gives, in the last state:
 *      TAWSS = (1/T) int |tau| dt                      time-averaged wall shear stress (Pa)
 *      OSI   = (1/2) (1 - |int tau dt| / int |tau| dt) oscillatory shear index (0 to 1/2)
 *      RRT   = 1 / ((1 - 2 OSI) TAWSS) = T / |int tau dt|  relative residence time (1/Pa)
 * The earlier cycles wash out the start; docs/flow.md says how many are enough.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "flow_run_impl.h"

#include <twinfe/core.h>
#include <twinfe/io.h>
#include <stdio.h>

/* flow_caps.csv: per step the time, then each cap's flow rate (ml/s) and mean pressure (Pa). */
typedef struct {
  const Blood *blood;
  PetscInt     nrows, capacity, ncols;
  PetscReal   *rows;
} CapTable;

static PetscErrorCode CapTableAppend(TwinfePhysics c, CapTable *t, PetscReal time)
{
  const PetscInt n = t->blood->ncaps;
  PetscReal     *flow, *pressure, *row;

  PetscFunctionBegin;
  if (t->nrows == t->capacity) {
    t->capacity = PetscMax(64, 2 * t->capacity);
    PetscCall(PetscRealloc(sizeof(PetscReal) * t->capacity * t->ncols, &t->rows));
  }
  row = &t->rows[t->nrows * t->ncols];
  PetscCall(PetscMalloc2(n, &flow, n, &pressure));
  PetscCall(TwinfeBloodCapFigures_Private(c, flow, pressure));
  row[0] = time;
  for (PetscInt i = 0; i < n; ++i)
    row[1 + 2 * i] = flow[i], row[2 + 2 * i] = pressure[i];
  PetscCall(PetscFree2(flow, pressure));
  t->nrows++;
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitCapTable(FILE *fp, void *ctx)
{
  const CapTable *t = (const CapTable *)ctx;

  fprintf(fp, "time_s");
  for (PetscInt i = 0; i < t->blood->ncaps; ++i)
    fprintf(fp, ",cap%d_flow_ml_per_s,cap%d_mean_pressure_Pa", (int)t->blood->caps[i].cap, (int)t->blood->caps[i].cap);
  fprintf(fp, "\n");
  for (PetscInt r = 0; r < t->nrows; ++r) {
    for (PetscInt k = 0; k < t->ncols; ++k)
      fprintf(fp, k ? ",%.9g" : "%.9g", (double)t->rows[r * t->ncols + k]);
    fprintf(fp, "\n");
  }
  return ferror(fp) ? PETSC_ERR_FILE_WRITE : 0;
}

/* The wall shear stress integrated over the last cycle at this rank's vertex entries. */
typedef struct {
  PetscInt   n;         /* vertex entries (3 per vertex) */
  PetscReal *previous;  /* tau at the previous step */
  PetscReal *integral;  /* int tau dt */
  PetscReal *magnitude; /* int |tau| dt, per vertex */
} ShearHistory;

static PetscErrorCode ShearHistoryDestroy(ShearHistory *h)
{
  PetscFunctionBegin;
  PetscCall(PetscFree3(h->previous, h->integral, h->magnitude));
  PetscFunctionReturn(0);
}

/* The wall shear stress now, into b->wss (on its own vertex DM). */
static PetscErrorCode ComputeShear(TwinfePhysics c, PetscReal *mean, PetscReal *max)
{
  Blood *b = (Blood *)c->data;

  PetscFunctionBegin;
  PetscCall(VecDestroy(&b->wss));
  PetscCall(DMDestroy(&b->wss_dm));
  PetscCall(TwinfeFlowComputeWallShearStress(b->flow, TwinfeFacetTag(c->labels[0], 0), &b->wss_dm, &b->wss, mean, max));
  PetscFunctionReturn(0);
}

/* First call (dt = 0): remember tau; later: add the step's trapezoid. */
static PetscErrorCode ShearHistoryAdd(ShearHistory *h, Vec wss, PetscReal dt)
{
  const PetscScalar *w;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(wss, &n));
  if (!h->previous) {
    h->n = n;
    PetscCall(PetscCalloc3(n, &h->previous, n, &h->integral, n / 3, &h->magnitude));
  }
  PetscCheck(n == h->n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "wall shear stress layout changed between steps");
  PetscCall(VecGetArrayRead(wss, &w));
  for (PetscInt v = 0; v < n / 3; ++v) {
    PetscReal now = 0, before = 0;
    for (PetscInt k = 0; k < 3; ++k) {
      const PetscReal tau = PetscRealPart(w[3 * v + k]);
      h->integral[3 * v + k] += 0.5 * dt * (h->previous[3 * v + k] + tau);
      now += tau * tau, before += PetscSqr(h->previous[3 * v + k]);
      h->previous[3 * v + k] = tau;
    }
    h->magnitude[v] += 0.5 * dt * (PetscSqrtReal(before) + PetscSqrtReal(now));
  }
  PetscCall(VecRestoreArrayRead(wss, &w));
  PetscFunctionReturn(0);
}

/* TAWSS, OSI and RRT at the vertices (0 off the wall) on a scalar vertex DM, with their mean
   and largest values over the wall's vertices (rank 0: stats[0..5] = TAWSS mean, max, OSI mean,
   max, RRT mean, max). */
static PetscErrorCode ShearMeasures(TwinfePhysics c, const ShearHistory *h, PetscReal period, DM *sdm, Vec fields[3],
                                    PetscReal stats[6])
{
  Blood       *b = (Blood *)c->data;
  TwinfeSpace  space;
  PetscScalar *tawss, *osi, *rrt;
  PetscInt     n;
  PetscReal    local[4] = {0, 0, 0, 0}, sums[4], big[3] = {0, 0, 0}, bigs[3];

  PetscFunctionBegin;
  PetscCall(TwinfeFlowGetSpace(b->flow, &space));
  PetscCall(TwinfeSpaceCreateVertexVector(space, 1, sdm, &fields[0])); /* the scalar pressure layout */
  PetscCall(VecDuplicate(fields[0], &fields[1]));
  PetscCall(VecDuplicate(fields[0], &fields[2]));
  PetscCall(PetscObjectSetName((PetscObject)fields[0], "tawss"));
  PetscCall(PetscObjectSetName((PetscObject)fields[1], "osi"));
  PetscCall(PetscObjectSetName((PetscObject)fields[2], "rrt"));
  PetscCall(VecGetLocalSize(fields[0], &n));
  PetscCheck(3 * n == h->n, PETSC_COMM_SELF, PETSC_ERR_PLIB, "vertex layouts of the shear measures differ");
  PetscCall(VecGetArray(fields[0], &tawss));
  PetscCall(VecGetArray(fields[1], &osi));
  PetscCall(VecGetArray(fields[2], &rrt));
  for (PetscInt v = 0; v < n; ++v) {
    const PetscReal *s = &h->integral[3 * v];
    const PetscReal  m = h->magnitude[v], net = PetscSqrtReal(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]);
    tawss[v] = osi[v] = rrt[v] = 0;
    if (m <= 0) continue; /* not on the wall */
    tawss[v] = m / period;
    osi[v]   = 0.5 * (1 - PetscMin(1, net / m));
    rrt[v]   = net > 0 ? period / net : 0;
    local[0] += PetscRealPart(tawss[v]), local[1] += PetscRealPart(osi[v]), local[2] += PetscRealPart(rrt[v]), local[3] += 1;
    big[0] = PetscMax(big[0], PetscRealPart(tawss[v]));
    big[1] = PetscMax(big[1], PetscRealPart(osi[v]));
    big[2] = PetscMax(big[2], PetscRealPart(rrt[v]));
  }
  PetscCall(VecRestoreArray(fields[0], &tawss));
  PetscCall(VecRestoreArray(fields[1], &osi));
  PetscCall(VecRestoreArray(fields[2], &rrt));
  PetscCall(MPIU_Allreduce(local, sums, 4, MPIU_REAL, MPIU_SUM, c->comm));
  PetscCall(MPIU_Allreduce(big, bigs, 3, MPIU_REAL, MPIU_MAX, c->comm));
  for (PetscInt k = 0; k < 3; ++k) {
    stats[2 * k]     = sums[3] > 0 ? sums[k] / sums[3] : 0;
    stats[2 * k + 1] = bigs[k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeBloodWriteState_Private(TwinfePhysics c, TwinfeResults results, PetscReal time, PetscInt nextra,
                                             const Vec extra[])
{
  Blood         *b = (Blood *)c->data;
  TwinfeSpace    space;
  Vec            U, fields[6] = {NULL, NULL, b->wss, NULL, NULL, NULL};
  DM             dms[2]   = {NULL, NULL};
  const char    *names[6] = {"velocity", "pressure", "wall_shear_stress", "tawss", "osi", "rrt"};
  PetscErrorCode ierr     = 0;

  PetscFunctionBegin;
  PetscCall(TwinfeFlowGetSpace(b->flow, &space));
  PetscCall(TwinfeFlowGetSolution(b->flow, &U));
  for (PetscInt k = 0; k < nextra; ++k)
    fields[3 + k] = extra[k];
  for (PetscInt f = 0; f < 2 && !ierr; ++f) {
    ierr = TwinfeSpaceCreateNodeVector(space, f, &dms[f], &fields[f]);
    if (!ierr) ierr = TwinfeSpaceCopyNodeValues(space, f, U, dms[f], fields[f]);
  }
  if (!ierr) ierr = TwinfeResultsWriteState(results, time, c->dm, 3 + nextra, names, fields, 0, NULL, NULL);
  for (PetscInt f = 0; f < 2; ++f) {
    PetscCall(VecDestroy(&fields[f]));
    PetscCall(DMDestroy(&dms[f]));
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  steps, newton, linear, max_linear;
  PetscReal period, dt;
  PetscInt  steps_per_cycle, steps_per_frame;
  PetscBool steady_start; /* the start is the steady flow of the fluid's own equations (else Stokes) */
} CycleRun;

/* A whole number of steps per frame and frames per cycle: the step is shortened to fit. */
static PetscErrorCode PlanSteps(Blood *b, CycleRun *run)
{
  PetscFunctionBegin;
  PetscCall(TwinfeWaveformGetPeriod(b->inflow_waveform, &run->period));
  run->steps_per_frame = (PetscInt)PetscCeilReal(run->period / (b->time_step * b->frames_per_cycle) - 1e-9);
  run->steps_per_frame = PetscMax(1, run->steps_per_frame);
  run->steps_per_cycle = run->steps_per_frame * b->frames_per_cycle;
  run->dt              = run->period / run->steps_per_cycle;
  PetscFunctionReturn(0);
}

static PetscErrorCode Step(TwinfePhysics c, CycleRun *run)
{
  Blood   *b = (Blood *)c->data;
  PetscInt newton, linear, max_linear;

  PetscFunctionBegin;
  PetscCall(TwinfeFlowStep(b->flow, run->dt));
  PetscCall(TwinfeFlowGetSolverInfo(b->flow, &newton, &linear, &max_linear));
  run->steps++;
  run->newton += newton, run->linear += linear;
  run->max_linear = PetscMax(run->max_linear, max_linear);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReportCycles(TwinfePhysics c, const CycleRun *run, const CapTable *table, const PetscReal stats[6])
{
  Blood         *b     = (Blood *)c->data;
  const PetscInt first = table->nrows - run->steps_per_cycle; /* the last cycle's rows after its start */
  char           key[256];

  PetscFunctionBegin;
  PetscCall(PetscPrintf(c->comm, "          last cycle: TAWSS mean %.4g Pa, largest %.4g Pa; OSI mean %.3f, largest %.3f\n",
                        (double)stats[0], (double)stats[1], (double)stats[2], (double)stats[3]));
  for (PetscInt i = 0; i < b->ncaps; ++i) {
    PetscReal mean = 0, pmean = 0, pmin = PETSC_MAX_REAL, pmax = -PETSC_MAX_REAL;
    for (PetscInt r = first; r < table->nrows; ++r) {
      const PetscReal *row = &table->rows[r * table->ncols];
      mean += row[1 + 2 * i] / run->steps_per_cycle; /* periodic trapezoid: equal weights */
      pmean += row[2 + 2 * i] / run->steps_per_cycle;
      pmin = PetscMin(pmin, row[2 + 2 * i]), pmax = PetscMax(pmax, row[2 + 2 * i]);
    }
    PetscCall(PetscPrintf(c->comm,
                          "          cap %" PetscInt_FMT
                          ": mean outflow %.4g ml/s, mean pressure %.4g to %.4g Pa (%.4g to %.4g mmHg), %.4g Pa over the cycle\n",
                          b->caps[i].cap, (double)mean, (double)pmin, (double)pmax, (double)(pmin / 133.322),
                          (double)(pmax / 133.322), (double)pmean));
    if (!c->report) continue;
    snprintf(key, sizeof key, "flow.caps.cap%d.last_cycle_mean_outflow_mm3_per_s", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetReal(c->report, key, 1000 * mean));
    snprintf(key, sizeof key, "flow.caps.cap%d.last_cycle_mean_pressure_Pa", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetReal(c->report, key, pmean));
    snprintf(key, sizeof key, "flow.caps.cap%d.last_cycle_pressure_range_Pa", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetRealArray(c->report, key, 2, (PetscReal[]){pmin, pmax}));
  }
  if (!c->report) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetReal(c->report, "flow.pulsatile.period_s", run->period));
  PetscCall(TwinfeReportSetInt(c->report, "flow.pulsatile.cycles", b->cycles));
  PetscCall(TwinfeReportSetString(c->report, "flow.pulsatile.start", run->steady_start || !b->convection ? "steady" : "stokes"));
  PetscCall(TwinfeReportSetReal(c->report, "flow.pulsatile.time_step_s", run->dt));
  PetscCall(TwinfeReportSetInt(c->report, "flow.pulsatile.steps_per_cycle", run->steps_per_cycle));
  PetscCall(TwinfeReportSetInt(c->report, "flow.pulsatile.frames_per_cycle", b->frames_per_cycle));
  PetscCall(TwinfeReportSetInt(c->report, "solve.time_steps", run->steps));
  PetscCall(TwinfeReportSetInt(c->report, "solve.newton_steps", run->newton));
  PetscCall(TwinfeReportSetInt(c->report, "solve.iterations", run->linear));
  PetscCall(TwinfeReportSetInt(c->report, "solve.max_iterations_per_step", run->max_linear));
  PetscCall(TwinfeReportSetRealArray(c->report, "flow.last_cycle.tawss_Pa", 2, &stats[0]));
  PetscCall(TwinfeReportSetRealArray(c->report, "flow.last_cycle.osi", 2, &stats[2]));
  PetscCall(TwinfeReportSetRealArray(c->report, "flow.last_cycle.rrt_per_Pa", 2, &stats[4]));
  PetscFunctionReturn(0);
}

/* Everything the cycles carry from step to step, what a checkpoint holds (besides the flow's own
   state): the counts, the cap table, and in the last cycle the shear history. */
typedef struct {
  CycleRun       run;
  CapTable       table;
  ShearHistory   history;
  DM             sdm;
  Vec            measures[3]; /* TAWSS, OSI, RRT: made at the last step */
  PetscReal      stats[6];
  PetscInt       total; /* steps of all cycles */
  PetscLogDouble t0;    /* when the current cycle began */
  TwinfeProgress progress;
} Cycles;

/* The shear history's three arrays as Vecs on the wall shear stress's vertex layout, so that the
   checkpoint keys them by vertex: previous, integral, and magnitude (first component). */
static PetscErrorCode ShearHistoryVecs(TwinfePhysics c, const ShearHistory *h, PetscBool fill, Vec v[3])
{
  Blood       *b = (Blood *)c->data;
  PetscScalar *x;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < 3; ++k) {
    PetscCall(VecDuplicate(b->wss, &v[k]));
    PetscCall(VecZeroEntries(v[k]));
    if (!fill) continue;
    PetscCall(VecGetArray(v[k], &x));
    for (PetscInt i = 0; i < h->n; ++i)
      x[i] = k == 0 ? h->previous[i] : k == 1 ? h->integral[i] : (i % 3 ? 0 : h->magnitude[i / 3]);
    PetscCall(VecRestoreArray(v[k], &x));
  }
  PetscFunctionReturn(0);
}

static const char *const shear_blocks[3] = {"wss_previous", "wss_integral", "wss_magnitude"};

/* The checkpoint after step s of all cycles (-checkpoint_every): the flow, the counts, the cap
   table, the shear history when the last cycle has one, and the states written so far. */
static PetscErrorCode WriteCheckpoint(TwinfePhysics c, TwinfeResults results, Cycles *y, PetscInt s, PetscReal t)
{
  Blood    *b      = (Blood *)c->data;
  PetscReal run[6] = {(PetscReal)s,
                      (PetscReal)y->run.steps,
                      (PetscReal)y->run.newton,
                      (PetscReal)y->run.linear,
                      (PetscReal)y->run.max_linear,
                      (PetscReal)(y->history.previous != NULL)};

  PetscFunctionBegin;
  PetscCall(TwinfeCheckpointBegin(c->checkpoint, "pulsatile", s, t));
  PetscCall(TwinfeFlowCheckpointAdd_Private(b->flow, c->checkpoint));
  PetscCall(TwinfeCheckpointAddReals(c->checkpoint, "cycles", 6, run));
  PetscCall(TwinfeCheckpointAddReals(c->checkpoint, "caps", y->table.nrows * y->table.ncols, y->table.rows));
  if (y->history.previous) {
    Vec v[3];
    PetscCall(ShearHistoryVecs(c, &y->history, PETSC_TRUE, v));
    for (PetscInt k = 0; k < 3; ++k) {
      PetscCall(TwinfeCheckpointAddVec(c->checkpoint, shear_blocks[k], b->wss_dm, v[k]));
      PetscCall(VecDestroy(&v[k]));
    }
  }
  PetscCall(TwinfeCheckpointCommit(c->checkpoint, results));
  PetscFunctionReturn(0);
}

/* The shear history of a checkpoint taken in the last cycle, on the wall shear stress of the
   restored flow (which gives the layout). */
static PetscErrorCode RestoreShearHistory(TwinfePhysics c, ShearHistory *h)
{
  Blood             *b = (Blood *)c->data;
  Vec                v[3];
  const PetscScalar *x[3];

  PetscFunctionBegin;
  PetscCall(ComputeShear(c, NULL, NULL));
  PetscCall(ShearHistoryVecs(c, h, PETSC_FALSE, v));
  PetscCall(VecGetLocalSize(v[0], &h->n));
  PetscCall(PetscCalloc3(h->n, &h->previous, h->n, &h->integral, h->n / 3, &h->magnitude));
  for (PetscInt k = 0; k < 3; ++k) {
    PetscCall(TwinfeCheckpointGetVec(c->checkpoint, shear_blocks[k], b->wss_dm, v[k]));
    PetscCall(VecGetArrayRead(v[k], &x[k]));
  }
  for (PetscInt i = 0; i < h->n; ++i) {
    h->previous[i] = PetscRealPart(x[0][i]);
    h->integral[i] = PetscRealPart(x[1][i]);
    if (i % 3 == 0) h->magnitude[i / 3] = PetscRealPart(x[2][i]);
  }
  for (PetscInt k = 0; k < 3; ++k) {
    PetscCall(VecRestoreArrayRead(v[k], &x[k]));
    PetscCall(VecDestroy(&v[k]));
  }
  PetscFunctionReturn(0);
}

/* -restart: the cycles go on after the checkpoint's step; *first is the next step. The start was
   solved again before (it sets up the solvers as the checkpointed run had them), and is now
   replaced by the checkpoint's state. */
static PetscErrorCode Restart(TwinfePhysics c, TwinfeResults results, Cycles *y, PetscInt *first)
{
  Blood    *b = (Blood *)c->data;
  PetscInt  step, n;
  PetscReal t, run[6];

  PetscFunctionBegin;
  PetscCall(TwinfeCheckpointLoad(c->checkpoint, "pulsatile", &step, &t));
  PetscCall(TwinfeFlowCheckpointGet_Private(b->flow, c->checkpoint));
  PetscCall(TwinfeCheckpointGetReals(c->checkpoint, "cycles", 6, run));
  PetscCheck((PetscInt)run[0] == step && step >= 1 && step < y->total, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: the checkpoint's time step %" PetscInt_FMT " is not one of 1 to %" PetscInt_FMT
             " before the last: the checkpoint is damaged",
             step, y->total - 1);
  y->run.steps = (PetscInt)run[1], y->run.newton = (PetscInt)run[2], y->run.linear = (PetscInt)run[3];
  y->run.max_linear = (PetscInt)run[4];
  PetscCall(TwinfeCheckpointGetRealsSize(c->checkpoint, "caps", &n));
  PetscCheck(n == (step + 1) * y->table.ncols, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: the checkpoint's cap table has %" PetscInt_FMT " values, expected %" PetscInt_FMT " (%" PetscInt_FMT
             " rows of %" PetscInt_FMT "): it is damaged",
             n, (step + 1) * y->table.ncols, step + 1, y->table.ncols);
  y->table.nrows = y->table.capacity = step + 1;
  PetscCall(PetscFree(y->table.rows));
  PetscCall(PetscMalloc1(n, &y->table.rows));
  PetscCall(TwinfeCheckpointGetReals(c->checkpoint, "caps", n, y->table.rows));
  if (run[5] != 0) PetscCall(RestoreShearHistory(c, &y->history));
  PetscCall(TwinfeCheckpointRestoreResults(c->checkpoint, results));
  *first = step + 1;
  PetscFunctionReturn(0);
}

/* Step s of all cycles (1-based): in the last cycle the wall shear stress is integrated from the
   cycle's start, and every -frames_per_cycle-th step is a state of the results. */
static PetscErrorCode Advance(TwinfePhysics c, TwinfeResults results, Cycles *y, PetscInt s)
{
  Blood          *b   = (Blood *)c->data;
  const PetscInt  spc = y->run.steps_per_cycle, cycle = (s - 1) / spc, k = (s - 1) % spc + 1;
  const PetscBool last = cycle == b->cycles - 1 ? PETSC_TRUE : PETSC_FALSE;
  PetscReal       t;
  PetscLogDouble  t1;

  PetscFunctionBegin;
  if (last && k == 1) {
    PetscCall(ComputeShear(c, NULL, NULL));
    PetscCall(ShearHistoryAdd(&y->history, b->wss, 0));
  }
  PetscCall(Step(c, &y->run));
  PetscCall(TwinfeFlowGetTime(b->flow, &t));
  PetscCall(CapTableAppend(c, &y->table, t));
  if (last) {
    PetscCall(ComputeShear(c, NULL, NULL));
    PetscCall(ShearHistoryAdd(&y->history, b->wss, y->run.dt));
    if (k == spc) PetscCall(ShearMeasures(c, &y->history, y->run.period, &y->sdm, y->measures, y->stats));
    if (k % y->run.steps_per_frame == 0) PetscCall(TwinfeBloodWriteState_Private(c, results, t, k == spc ? 3 : 0, y->measures));
  }
  if (k == spc) {
    PetscCall(PetscTime(&t1));
    PetscCall(TwinfeProgressPause(y->progress));
    PetscCall(PetscPrintf(c->comm,
                          "          cycle %" PetscInt_FMT "/%" PetscInt_FMT ": %.1f s; so far %" PetscInt_FMT
                          " Newton steps, %" PetscInt_FMT " linear iterations (at most %" PetscInt_FMT " in a step)\n",
                          cycle + 1, b->cycles, (double)(t1 - y->t0), y->run.newton, y->run.linear, y->run.max_linear));
    y->t0 = t1;
  }
  if (TwinfeCheckpointDue(c->checkpoint, s) && s < y->total) PetscCall(WriteCheckpoint(c, results, y, s, t));
  {
    char detail[96];
    snprintf(detail, sizeof detail, "time step %" PetscInt_FMT " of %" PetscInt_FMT ", cycle %" PetscInt_FMT " of %" PetscInt_FMT,
             s, y->total, cycle + 1, b->cycles);
    PetscCall(TwinfeProgressSet(y->progress, (PetscReal)s / y->total, detail));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeBloodRunCycles_Private(TwinfePhysics c, TwinfeResults results)
{
  Blood         *b     = (Blood *)c->data;
  Cycles         y     = {.table = {b, 0, 0, 1 + 2 * b->ncaps, NULL}};
  PetscInt       first = 1;
  PetscErrorCode ierr  = 0;

  PetscFunctionBegin;
  PetscCall(PlanSteps(b, &y.run));
  y.total = b->cycles * y.run.steps_per_cycle;
  PetscCall(PetscPrintf(c->comm,
                        "solve     pulsatile %s: period %g s, %" PetscInt_FMT " cycles of %" PetscInt_FMT
                        " steps of %.4g s (BDF2), %" PetscInt_FMT " states of the last cycle written\n",
                        b->convection ? "Navier-Stokes" : "Stokes", (double)y.run.period, b->cycles, y.run.steps_per_cycle,
                        (double)y.run.dt, b->frames_per_cycle));
  PetscCall(TwinfeFlowSetTime(b->flow, 0));
  /* the steady flow at the inflow of t = 0; Stokes where steady Navier-Stokes has no converging
     Newton (the time steps' inertia term makes each step easier than the steady problem) */
  PetscCall(TwinfeFlowSolveStart(b->flow, &y.run.steady_start));
  if (b->convection)
    PetscCall(PetscPrintf(c->comm, "          start: %s\n",
                          y.run.steady_start ? "the steady Navier-Stokes flow at t = 0"
                                             : "the Stokes flow at t = 0 (steady Navier-Stokes did not converge there; the "
                                               "first cycles wash the start out)"));
  PetscCall(CapTableAppend(c, &y.table, 0));
  if (TwinfeCheckpointRestarting(c->checkpoint)) ierr = Restart(c, results, &y, &first);
  if (!ierr) ierr = PetscTime(&y.t0);
  if (!ierr && !c->quiet) ierr = TwinfeProgressCreate(c->comm, "solve     pulsatile flow", &y.progress);
  for (PetscInt s = first; s <= y.total && !ierr; ++s)
    ierr = Advance(c, results, &y, s);
  PetscCall(TwinfeProgressDestroy(&y.progress));
  if (!ierr) ierr = TwinfeResultsWriteSideFile(results, "flow_caps.csv", EmitCapTable, &y.table);
  if (!ierr) ierr = ReportCycles(c, &y.run, &y.table, y.stats);
  for (PetscInt k = 0; k < 3; ++k)
    PetscCall(VecDestroy(&y.measures[k]));
  PetscCall(DMDestroy(&y.sdm));
  PetscCall(ShearHistoryDestroy(&y.history));
  PetscCall(PetscFree(y.table.rows));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
