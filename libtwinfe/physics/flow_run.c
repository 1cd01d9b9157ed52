/* Blood flow as a physics the case drives (`physics: stokes | navier_stokes`): the vessel's caps
 * found and listed, an inflow on one cap scaled to the flow rate asked, the other caps free
 * outlets, the rest of the vessel's surface a no-slip wall; velocity and pressure written.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "flow_run_impl.h"
#include "core/core_impl.h"

#include <twinfe/core.h>
#include <stdio.h>
#include <string.h>

static const char *const profiles[] = {"poiseuille", "plug"};

/* Carreau-Yasuda blood (Cho and Kensey 1991, as in Boyd et al. 2007; docs/flow.md): mu0, mu_inf
   (Pa s), lambda (s), n, a. */
static const PetscReal carreau_yasuda_blood[5] = {0.056, 0.00345, 3.313, 0.3568, 2};
static const char     *carreau_yasuda_names[5] = {"mu0", "mu_inf", "lambda", "n", "a"};

/* -carreau_yasuda mu0,mu_inf,lambda,n,a: five values, each in its range. */
static PetscErrorCode CheckCarreauYasuda(TwinfePhysics c, PetscInt n, const PetscReal v[])
{
  PetscFunctionBegin;
  PetscCheck(n == 5, c->comm, PETSC_ERR_ARG_SIZ,
             "-carreau_yasuda has %" PetscInt_FMT
             "%s values: give five, mu0,mu_inf,lambda,n,a (Pa s, Pa s, s, -, -; blood 0.056,0.00345,3.313,0.3568,2)",
             n, n > 5 ? " or more" : "");
  for (PetscInt i = 0; i < 5; ++i)
    PetscCheck(!PetscIsInfOrNanReal(v[i]), c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-carreau_yasuda %s is not a finite number",
               carreau_yasuda_names[i]);
  PetscCheck(v[0] > 0 && v[1] > 0 && v[1] <= v[0], c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-carreau_yasuda mu0 %g and mu_inf %g Pa s are not allowed: they must be > 0 with mu_inf <= mu0 (blood: 0.056 and "
             "0.00345)",
             (double)v[0], (double)v[1]);
  PetscCheck(v[2] >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-carreau_yasuda lambda %g s is not allowed: the time constant must be >= 0 (blood: 3.313)", (double)v[2]);
  PetscCheck(v[3] > 0 && v[3] <= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-carreau_yasuda n %g is not allowed: the power-law index of shear-thinning blood is in (0, 1] (blood: 0.3568)",
             (double)v[3]);
  PetscCheck(v[4] > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-carreau_yasuda a %g is not allowed: the transition exponent must be > 0 (blood: 2)", (double)v[4]);
  PetscFunctionReturn(0);
}

/* -blood_viscosity_model newtonian | carreau_yasuda and -carreau_yasuda: b->carreau_yasuda[0]
   is 0 for Newtonian blood, else the five parameters. A Newtonian -blood_viscosity beside
   Carreau-Yasuda would leave unsaid which viscosity holds, so it is refused. */
static PetscErrorCode ReadRheology(TwinfePhysics c, PetscBool *carreau_yasuda, PetscReal param[5])
{
  char      model[64] = "newtonian";
  PetscReal v[6];
  PetscInt  n = 6;
  PetscBool given, has_viscosity;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-blood_viscosity_model", model, sizeof model, NULL));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-carreau_yasuda", v, &n, &given));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-blood_viscosity", &has_viscosity));
  PetscCheck(!strcmp(model, "newtonian") || !strcmp(model, "carreau_yasuda"), c->comm, PETSC_ERR_ARG_WRONG,
             "-blood_viscosity_model %s is not a model: give newtonian (default, -blood_viscosity) or carreau_yasuda "
             "(shear-thinning, -carreau_yasuda)",
             model);
  *carreau_yasuda = strcmp(model, "carreau_yasuda") ? PETSC_FALSE : PETSC_TRUE;
  PetscCheck(*carreau_yasuda || !given, c->comm, PETSC_ERR_ARG_INCOMP,
             "-carreau_yasuda gives the parameters of -blood_viscosity_model carreau_yasuda: give that too (the model is "
             "newtonian)");
  PetscCheck(!*carreau_yasuda || !has_viscosity, c->comm, PETSC_ERR_ARG_INCOMP,
             "-blood_viscosity is a Newtonian viscosity, but -blood_viscosity_model is carreau_yasuda: give its parameters "
             "with -carreau_yasuda mu0,mu_inf,lambda,n,a instead");
  PetscCall(PetscArraycpy(param, carreau_yasuda_blood, 5));
  if (given) {
    PetscCall(CheckCarreauYasuda(c, n, v));
    PetscCall(PetscArraycpy(param, v, 5));
  }
  PetscFunctionReturn(0);
}

/* Whether the flow is solved by Newton: inertia, or a shear-thinning viscosity. */
static PetscErrorCode IsNonlinear(TwinfePhysics c, PetscBool *nonlinear)
{
  Blood    *b = (Blood *)c->data;
  PetscBool cy;
  PetscReal param[5];

  PetscFunctionBegin;
  PetscCall(ReadRheology(c, &cy, param));
  *nonlinear = (b->convection && b->density > 0) || cy ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* -start_mesh_size H (mm): grid sequencing (docs/flow.md). Newton's steady solve starts from the
   same flow solved on a mesh of the same vessel with edges of H mm, not from the Stokes flow.
   Refused for a flow that needs no Newton (Stokes is one linear solve). */
static PetscErrorCode ReadStartMeshSize(TwinfePhysics c)
{
  Blood    *b = (Blood *)c->data;
  PetscBool given, nonlinear = PETSC_FALSE;

  PetscFunctionBegin;
  b->start_mesh_size = 0;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-start_mesh_size", &b->start_mesh_size, &given));
  PetscCheck(!PetscIsInfOrNanReal(b->start_mesh_size) && b->start_mesh_size >= 0 && b->start_mesh_size <= 1000, c->comm,
             PETSC_ERR_ARG_OUTOFRANGE,
             "-start_mesh_size %g mm is out of range: give the edge length of the coarser mesh Newton starts from (about twice "
             "-mesh_size), or 0 to start from the Stokes flow",
             (double)b->start_mesh_size);
  PetscCall(IsNonlinear(c, &nonlinear));
  PetscCheck(!given || b->start_mesh_size == 0 || nonlinear, c->comm, PETSC_ERR_ARG_WRONG,
             "-start_mesh_size is for a flow solved by Newton (navier_stokes, or a carreau_yasuda viscosity); this %s flow is "
             "one linear solve: leave the option out",
             c->ops->name);
  PetscFunctionReturn(0);
}

/* The options, each checked: -inlet_cap, -inflow, -inlet_profile, -blood_density,
   -blood_viscosity, -blood_viscosity_model, -carreau_yasuda, -grad_div, -backflow_stabilization. */
static PetscErrorCode ReadOptions(TwinfePhysics c, PetscInt *inlet_cap, PetscInt *profile)
{
  Blood    *b        = (Blood *)c->data;
  PetscReal ml_per_s = 5.0;

  PetscFunctionBegin;
  *inlet_cap = 1;
  *profile   = 0;
  b->density = 1.06e-3, b->viscosity = 3.5e-3;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-inlet_cap", inlet_cap, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-inflow", &ml_per_s, NULL));
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-inlet_profile", profiles, 2, profile, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-blood_density", &b->density, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-blood_viscosity", &b->viscosity, NULL));
  PetscCheck(*inlet_cap >= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-inlet_cap %" PetscInt_FMT " is not a cap: caps are numbered 1, 2, ... by decreasing area (the summary lists them)",
             *inlet_cap);
  PetscCheck(PetscIsNormalReal(ml_per_s) && ml_per_s > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-inflow %g ml/s is not allowed: give the flow rate into the inlet cap, > 0 (an adult carotid: about 6 ml/s)",
             (double)ml_per_s);
  PetscCheck(!PetscIsInfOrNanReal(b->density) && b->density >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-blood_density %g g/mm^3 is not allowed: it must be >= 0 (blood: 1.06e-3)", (double)b->density);
  PetscCheck(PetscIsNormalReal(b->viscosity) && b->viscosity > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-blood_viscosity %g Pa s is not allowed: it must be > 0 (blood: 3.5e-3)", (double)b->viscosity);
  {
    PetscBool cy, table, fourier;
    PetscReal param[5];
    PetscCall(ReadRheology(c, &cy, param));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-inflow_waveform", &table));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-inflow_fourier", &fourier));
    /* Navier-Stokes: grad-div at 10 times the viscosity: on the TotalSegmentator aorta it cut the
       largest linear iteration count of a Newton step from 1795 to 106 (docs/flow.md). Pulsatile
       Stokes: the same, 36 iterations per step against 135 without (vessel phantom, 1.5 mm,
       dt = T/100). Carreau-Yasuda: 10 mu_inf, the viscosity at the shear rates of arteries
       (3.45e-3 Pa s for blood). Steady Stokes: none, so that its velocity block stays one scalar
       matrix per component (flow_split.c: 9.5 s and 986 MiB at 549k unknowns against 17.9 s and
       2.3 GB assembled; its preconditioner needs no help there). */
    b->grad_div = b->convection || table || fourier ? 10 * (cy ? param[1] : b->viscosity) : 0;
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-grad_div", &b->grad_div, NULL));
  PetscCheck(!PetscIsInfOrNanReal(b->grad_div) && b->grad_div >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-grad_div %g Pa s is not allowed: it must be >= 0 (default 10 times the viscosity for navier_stokes and "
             "pulsatile flow, mu_inf with carreau_yasuda; 0 for steady stokes)",
             (double)b->grad_div);
  /* Twice the least value that bounds the energy reversed flow brings in through an outlet: the
     margin FEBio's default gives too (beta 1). It acts only where blood enters by an outlet. */
  b->backflow_beta = 1;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-backflow_stabilization", &b->backflow_beta, NULL));
  PetscCheck(!PetscIsInfOrNanReal(b->backflow_beta) && b->backflow_beta >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-backflow_stabilization %g is not allowed: it must be >= 0 (default 1; 1/2 or more bounds the kinetic energy "
             "that reversed flow brings in through an outlet, 0 turns it off)",
             (double)b->backflow_beta);
  {
    PetscInt picard_steps = 0; /* read by the flow (flow.c, AllowPicardSteps); refused here before any work */
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-flow_picard_steps", &picard_steps, NULL));
    PetscCheck(picard_steps >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-flow_picard_steps %" PetscInt_FMT " is negative: give 0 (Newton's steps only) or more Picard steps (default 2)",
               picard_steps);
  }
  PetscCall(ReadStartMeshSize(c));
  b->inflow_mm3_s = 1000 * ml_per_s;
  b->nrcr         = 3 * TWINFE_FLOW_MAX_OUTLETS;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-outlet_rcr", b->rcr, &b->nrcr, NULL));
  for (PetscInt i = 0; i < b->nrcr; ++i)
    PetscCheck(!PetscIsInfOrNanReal(b->rcr[i]) && b->rcr[i] >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-outlet_rcr value %" PetscInt_FMT " is %g: Rp (Pa s/mm^3), C (mm^3/Pa) and Rd (Pa s/mm^3) must be >= 0", i + 1,
               (double)b->rcr[i]);
  PetscFunctionReturn(0);
}

/* -inflow_waveform FILE.csv (relative to the case file) or -inflow_fourier a0,a1,b1,a2,b2,...
   with -cardiac_period: the inflow in ml/s over one cycle. */
static PetscErrorCode ReadInflowWaveform(TwinfePhysics c, PetscBool *given)
{
  Blood    *b                        = (Blood *)c->data;
  char      file[PETSC_MAX_PATH_LEN] = "", path[PETSC_MAX_PATH_LEN];
  PetscReal coefficients[2 * TWINFE_FLOW_MAX_HARMONICS + 1], period = 1.0;
  PetscInt  n = 2 * TWINFE_FLOW_MAX_HARMONICS + 1;
  PetscBool csv, fourier, has_period, has_inflow;

  PetscFunctionBegin;
  PetscCall(TwinfeWaveformDestroy(&b->inflow_waveform));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-inflow_waveform", file, sizeof file, &csv));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-inflow_fourier", coefficients, &n, &fourier));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-cardiac_period", &period, &has_period));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-inflow", &has_inflow));
  *given = csv || fourier ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(!(csv && fourier), c->comm, PETSC_ERR_ARG_INCOMP,
             "-inflow_waveform and -inflow_fourier both give the inflow over the cycle: give one");
  PetscCheck(!(*given && has_inflow), c->comm, PETSC_ERR_ARG_INCOMP,
             "-inflow gives a steady inflow, -inflow_%s a pulsatile one: give one (the waveform's values are the inflow in ml/s)",
             csv ? "waveform" : "fourier");
  PetscCheck(!has_period || fourier, c->comm, PETSC_ERR_ARG_INCOMP, "-cardiac_period is the period of -inflow_fourier%s",
             csv ? " (a CSV table's period is its time span)" : ": give it too");
  if (csv) {
    PetscCheck(file[0], c->comm, PETSC_ERR_ARG_WRONG, "-inflow_waveform: give a CSV file (time in s, inflow in ml/s)");
    PetscCall(TwinfePhysicsResolveInputPath_Private(c, file, path));
    PetscCall(TwinfeWaveformLoadCSV(c->comm, path, &b->inflow_waveform));
    PetscCall(TwinfePhysicsRecordInputFile_Private(c, "inflow_waveform", path));
  } else if (fourier) {
    PetscCheck(n % 2 == 1, c->comm, PETSC_ERR_ARG_WRONG,
               "-inflow_fourier has %" PetscInt_FMT
               " values: give a0 (the mean, ml/s), then a_k,b_k for each harmonic k = 1, 2, ...",
               n);
    PetscCheck(PetscIsNormalReal(period) && period > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-cardiac_period %g s is not allowed: it must be > 0 (at rest about 0.8-1 s)", (double)period);
    {
      PetscReal      a[TWINFE_FLOW_MAX_HARMONICS + 1], bk[TWINFE_FLOW_MAX_HARMONICS + 1];
      const PetscInt nh = (n - 1) / 2;
      a[0] = coefficients[0], bk[0] = 0;
      for (PetscInt k = 1; k <= nh; ++k)
        a[k] = coefficients[2 * k - 1], bk[k] = coefficients[2 * k];
      PetscCall(TwinfeWaveformCreateFourier(c->comm, period, nh + 1, a, bk, &b->inflow_waveform));
    }
  }
  PetscFunctionReturn(0);
}

/* -cycles, -time_step, -frames_per_cycle: a pulsatile run needs a waveform, and a waveform
   needs cycles to run. */
static PetscErrorCode ReadCycleOptions(TwinfePhysics c)
{
  Blood    *b = (Blood *)c->data;
  PetscBool waveform, has_step, has_frames;
  PetscReal period;

  PetscFunctionBegin;
  PetscCall(ReadInflowWaveform(c, &waveform));
  b->cycles = 0, b->frames_per_cycle = 20;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-cycles", &b->cycles, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-time_step", &b->time_step, &has_step));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-frames_per_cycle", &b->frames_per_cycle, &has_frames));
  PetscCheck(b->cycles >= 0 && b->cycles <= 1000, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-cycles %" PetscInt_FMT " is not allowed: give 0 (steady flow) to 1000 cardiac cycles", b->cycles);
  PetscCheck(!waveform || b->cycles > 0, c->comm, PETSC_ERR_ARG_WRONG,
             "an inflow waveform is given but -cycles is 0: give the cardiac cycles to run (3 usually wash out the start)");
  PetscCheck(waveform || (b->cycles == 0 && !has_step && !has_frames), c->comm, PETSC_ERR_ARG_WRONG,
             "-cycles, -time_step and -frames_per_cycle are for pulsatile flow: give the inflow over the cycle too "
             "(-inflow_waveform FILE.csv or -inflow_fourier)");
  if (!waveform) PetscFunctionReturn(0);
  PetscCall(TwinfeWaveformGetPeriod(b->inflow_waveform, &period));
  if (!has_step) b->time_step = period / 100;
  PetscCheck(PetscIsNormalReal(b->time_step) && b->time_step > 0 && b->time_step <= period, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-time_step %g s is not allowed: it must be > 0 and at most the period, %g s (default: a hundredth of it)",
             (double)b->time_step, (double)period);
  PetscCheck(b->frames_per_cycle >= 1 && b->frames_per_cycle <= 1000, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-frames_per_cycle %" PetscInt_FMT " is not allowed: give 1 to 1000 states of the last cycle to write",
             b->frames_per_cycle);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckOptions(TwinfePhysics c)
{
  PetscInt inlet, profile;

  PetscFunctionBegin;
  PetscCall(ReadOptions(c, &inlet, &profile));
  PetscCall(ReadCycleOptions(c));
  PetscCheck(((Blood *)c->data)->cycles == 0 || ((Blood *)c->data)->start_mesh_size == 0, c->comm, PETSC_ERR_ARG_WRONG,
             "-start_mesh_size is for a steady flow; a pulsatile run (-cycles) starts its steps from the steady flow on its own "
             "mesh: leave the option out");
  PetscCheck(c->nregions == 1, c->comm, PETSC_ERR_ARG_WRONG,
             "-physics %s solves the blood in one vessel's lumen, but %" PetscInt_FMT
             " regions are selected: give the vessel's label alone (-labels)",
             c->ops->name, c->nregions);
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateStokes(TwinfePhysics c)
{
  Blood *b;

  PetscFunctionBegin;
  PetscCall(PetscNew(&b));
  c->data = b;
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateNavierStokes(TwinfePhysics c)
{
  PetscFunctionBegin;
  PetscCall(CreateStokes(c));
  ((Blood *)c->data)->convection = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy(TwinfePhysics c)
{
  Blood *b = (Blood *)c->data;

  PetscFunctionBegin;
  PetscCall(TwinfeFlowDestroy(&b->flow));
  PetscCall(TwinfeWaveformDestroy(&b->inflow_waveform));
  PetscCall(VecDestroy(&b->wss));
  PetscCall(DMDestroy(&b->wss_dm));
  PetscCall(PetscFree(b->caps));
  PetscCall(PetscFree(c->data));
  PetscFunctionReturn(0);
}

/* The region's caps from the whole mesh on rank 0, sent to every rank. */
static PetscErrorCode ShareCaps(TwinfePhysics c, TwinfeMesh mesh)
{
  Blood         *b    = (Blood *)c->data;
  TwinfeCapInfo *all  = NULL;
  PetscInt       nall = 0, n = 0;
  PetscMPIInt    bytes;

  PetscFunctionBegin;
  PetscCall(PetscFree(b->caps));
  if (!c->rank) {
    PetscCall(TwinfeMeshGetCaps(mesh, &nall, &all));
    for (PetscInt i = 0; i < nall; ++i)
      if (all[i].label == c->labels[0]) all[n++] = all[i];
  }
  PetscCallMPI(MPI_Bcast(&n, 1, MPIU_INT, 0, c->comm));
  PetscCall(PetscMalloc1(n + 1, &b->caps));
  if (!c->rank) PetscCall(PetscArraycpy(b->caps, all, n));
  PetscCall(PetscFree(all));
  PetscCall(PetscMPIIntCast((PetscInt)(n * sizeof(TwinfeCapInfo)), &bytes));
  PetscCallMPI(MPI_Bcast(b->caps, bytes, MPI_BYTE, 0, c->comm));
  b->ncaps = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode ListCaps(TwinfePhysics c)
{
  Blood *b = (Blood *)c->data;
  char   key[256];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < b->ncaps; ++i) {
    const TwinfeCapInfo *k = &b->caps[i];
    PetscCall(TwinfePhysicsPrintf_Private(
        c,
        "caps      %s_cap%" PetscInt_FMT "%s: tag %d, area %.1f mm^2 (radius %.2f mm), centre (%.1f, %.1f, %.1f) mm "
        "LPS, normal (%.3f, %.3f, %.3f)\n",
        c->names[0], k->cap, i == b->inlet ? " (inlet)" : " (outlet)", (int)k->tag, (double)k->area, (double)k->radius,
        (double)k->center[0], (double)k->center[1], (double)k->center[2], (double)k->normal[0], (double)k->normal[1],
        (double)k->normal[2]));
    if (!c->report) continue;
    snprintf(key, sizeof key, "flow.caps.cap%d.tag", (int)k->cap);
    PetscCall(TwinfeReportSetInt(c->report, key, k->tag));
    snprintf(key, sizeof key, "flow.caps.cap%d.area_mm2", (int)k->cap);
    PetscCall(TwinfeReportSetReal(c->report, key, k->area));
    snprintf(key, sizeof key, "flow.caps.cap%d.equivalent_radius_mm", (int)k->cap);
    PetscCall(TwinfeReportSetReal(c->report, key, k->radius));
    snprintf(key, sizeof key, "flow.caps.cap%d.center_lps_mm", (int)k->cap);
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, k->center));
    snprintf(key, sizeof key, "flow.caps.cap%d.normal", (int)k->cap);
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, k->normal));
    snprintf(key, sizeof key, "flow.caps.cap%d.role", (int)k->cap);
    PetscCall(TwinfeReportSetString(c->report, key, i == b->inlet ? "inlet" : "outlet"));
  }
  PetscFunctionReturn(0);
}

/* Flow needs an inlet and an outlet: caps are refused here, before the mesh is distributed. */
static PetscErrorCode Prepare(TwinfePhysics c, TwinfeMesh mesh)
{
  Blood   *b = (Blood *)c->data;
  PetscInt inlet_cap, profile;

  PetscFunctionBegin;
  PetscCall(ReadOptions(c, &inlet_cap, &profile));
  PetscCall(ShareCaps(c, mesh));
  PetscCheck(b->ncaps >= 2, c->comm, PETSC_ERR_ARG_WRONG,
             "region '%s' has %" PetscInt_FMT
             " caps (flat ends), but blood flow needs an inlet and at least one outlet: mesh the vessel with -surface_caps true "
             "(its caps are where it leaves the image), or give a mesh whose caps carry cap tags (docs/vessel_models.md)",
             c->names[0], b->ncaps);
  b->inlet = -1;
  for (PetscInt i = 0; i < b->ncaps; ++i)
    if (b->caps[i].cap == inlet_cap) b->inlet = i;
  PetscCheck(b->inlet >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-inlet_cap %" PetscInt_FMT " does not exist: region '%s' has caps 1 to %" PetscInt_FMT
             " (listed with their areas in "
             "the summary)",
             inlet_cap, c->names[0], b->ncaps);
  {
    const TwinfeCapInfo *k = &b->caps[b->inlet];
    for (PetscInt d = 0; d < 3; ++d)
      b->profile.center[d] = k->center[d], b->profile.normal[d] = k->normal[d];
    b->profile.radius     = k->radius;
    b->profile.poiseuille = profile == 0 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCheck(b->nrcr == 0 || b->nrcr == 3 * (b->ncaps - 1), c->comm, PETSC_ERR_ARG_SIZ,
             "-outlet_rcr has %" PetscInt_FMT " values, region '%s' has %" PetscInt_FMT
             " outlets: give Rp,C,Rd for each outlet cap in cap order (C 0 for a resistance Rp + Rd)",
             b->nrcr, c->names[0], b->ncaps - 1);
  PetscCall(ListCaps(c));
  PetscFunctionReturn(0);
}

/* Into the vessel along the cap's inward normal: 1 - (r / R)^2 (clipped at 0 beyond the
   equivalent radius R of a cap that is not round) or 1; scaled to the flow rate afterwards. */
static PetscErrorCode InletProfile(const PetscReal x[3], PetscReal u[3], void *ctx)
{
  const Profile *p = (const Profile *)ctx;
  PetscReal      d[3], along = 0, r2 = 0, shape = 1;

  for (PetscInt k = 0; k < 3; ++k) {
    d[k] = x[k] - p->center[k];
    along += d[k] * p->normal[k];
  }
  for (PetscInt k = 0; k < 3; ++k)
    r2 += PetscSqr(d[k] - along * p->normal[k]);
  if (p->poiseuille) shape = PetscMax(0, 1 - r2 / (p->radius * p->radius));
  for (PetscInt k = 0; k < 3; ++k)
    u[k] = -shape * p->normal[k];
  return 0;
}

/* The rheology on the flow, and in report.json: flow.rheology.model, and the Newtonian
   viscosity (flow.blood_viscosity_Pa_s) or the Carreau-Yasuda parameters. */
static PetscErrorCode SetRheology(TwinfePhysics c)
{
  Blood    *b = (Blood *)c->data;
  PetscBool cy;
  PetscReal p[5];
  char      key[256];

  PetscFunctionBegin;
  PetscCall(ReadRheology(c, &cy, p));
  if (cy) PetscCall(TwinfeFlowSetCarreauYasuda(b->flow, p[0], p[1], p[2], p[3], p[4]));
  if (!c->report) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetString(c->report, "flow.rheology.model", cy ? "carreau_yasuda" : "newtonian"));
  if (!cy) {
    PetscCall(TwinfeReportSetReal(c->report, "flow.blood_viscosity_Pa_s", b->viscosity));
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < 5; ++i) {
    snprintf(key, sizeof key, "flow.rheology.%s%s", carreau_yasuda_names[i], i < 2 ? "_Pa_s" : i == 2 ? "_s" : "");
    PetscCall(TwinfeReportSetReal(c->report, key, p[i]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfePhysics c)
{
  Blood *b = (Blood *)c->data;

  PetscFunctionBegin;
  PetscCall(TwinfeFlowDestroy(&b->flow));
  PetscCall(TwinfeFlowCreate(c->dm, &b->flow));
  PetscCall(TwinfeFlowSetFluid(b->flow, b->density, b->viscosity));
  PetscCall(SetRheology(c));
  PetscCall(TwinfeFlowSetConvection(b->flow, b->convection));
  PetscCall(TwinfeFlowSetGradDiv(b->flow, b->grad_div));
  PetscCall(TwinfeFlowAddVelocity(b->flow, b->caps[b->inlet].tag, InletProfile, &b->profile));
  PetscCall(TwinfeFlowAddWall(b->flow, TwinfeFacetTag(c->labels[0], 0)));
  for (PetscInt i = 0; b->convection && b->density > 0 && b->backflow_beta > 0 && i < b->ncaps; ++i)
    if (i != b->inlet) PetscCall(TwinfeFlowAddBackflowStabilization(b->flow, b->caps[i].tag, b->backflow_beta));
  for (PetscInt i = 0, k = 0; b->nrcr && i < b->ncaps; ++i) {
    const PetscReal *r = &b->rcr[3 * k];
    char             key[256];
    if (i == b->inlet) continue;
    PetscCall(TwinfeFlowAddWindkessel(b->flow, b->caps[i].tag, r[0], r[1], r[2], 0));
    ++k;
    if (!c->report) continue;
    snprintf(key, sizeof key, "flow.caps.cap%d.rcr_Rp_C_Rd", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, r));
  }
  PetscCall(TwinfeFlowSetFromOptions(b->flow));
  if (b->inflow_waveform) {
    /* 1 ml/s on the discrete cap, times the waveform's value in ml/s */
    PetscCall(TwinfeFlowScaleVelocityToFlowRate(b->flow, b->caps[b->inlet].tag, 1000.0));
    PetscCall(TwinfeFlowSetWaveform(b->flow, b->caps[b->inlet].tag, b->inflow_waveform));
  } else
    PetscCall(TwinfeFlowScaleVelocityToFlowRate(b->flow, b->caps[b->inlet].tag, b->inflow_mm3_s));
  if (c->report) {
    if (!b->inflow_waveform) PetscCall(TwinfeReportSetReal(c->report, "flow.inflow_mm3_per_s", b->inflow_mm3_s));
    PetscCall(TwinfeReportSetString(c->report, "flow.inlet_profile", b->profile.poiseuille ? "poiseuille" : "plug"));
    PetscCall(TwinfeReportSetReal(c->report, "flow.blood_density_g_per_mm3", b->density));
    PetscCall(TwinfeReportSetReal(c->report, "flow.grad_div_Pa_s", b->grad_div));
    PetscCall(TwinfeReportSetReal(c->report, "flow.backflow_stabilization", b->backflow_beta));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(TwinfePhysics c)
{
  Blood      *b = (Blood *)c->data;
  TwinfeSpace space;
  Vec         U;
  PetscInt    steps, linear, max_linear, unknowns, picard;
  PetscBool   started;
  PetscReal  *flow_ml_s, *pressure;
  char        key[256], picard_note[64] = "";

  PetscFunctionBegin;
  if (b->cycles > 0) {
    PetscCheck(c->results, c->comm, PETSC_ERR_ORDER,
               "pulsatile flow writes its states as it steps: call TwinfePhysicsSetResults before TwinfePhysicsSolve");
    PetscCall(TwinfeBloodRunCycles_Private(c, c->results));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeFlowSetStartOnly(b->flow, c->start_only));
  PetscCall(TwinfeFlowSolve(b->flow));
  PetscCall(TwinfeFlowGetSolverInfo(b->flow, &steps, &linear, &max_linear));
  PetscCall(TwinfeFlowGetPicardSteps(b->flow, &picard));
  PetscCall(TwinfeFlowGetSpace(b->flow, &space));
  PetscCall(TwinfeFlowGetSolution(b->flow, &U));
  PetscCall(VecGetSize(U, &unknowns));
  PetscCall(TwinfeFlowGetStarted(b->flow, &started));
  if (picard) PetscCall(PetscSNPrintf(picard_note, sizeof picard_note, " (%" PetscInt_FMT " of them Picard steps)", picard));
  PetscCall(TwinfePhysicsPrintf_Private(c,
                                        "solve     %s: %" PetscInt_FMT " unknowns (P2 velocity, P1 pressure), %" PetscInt_FMT
                                        " Newton steps%s%s, %" PetscInt_FMT " linear iterations (at most %" PetscInt_FMT
                                        " in a step)\n",
                                        b->convection ? "steady Navier-Stokes" : "Stokes", unknowns, steps, picard_note,
                                        started                  ? " from the coarse flow"
                                        : b->start_mesh_size > 0 ? " from the Stokes flow (not from the coarse one)"
                                                                 : "",
                                        linear, max_linear));
  PetscCall(TwinfePhysicsReportUnknowns_Private(c, U));
  {
    PetscBool ilu;
    PetscCall(TwinfeFlowGetVelocityFallback(b->flow, &ilu));
    if (ilu)
      PetscCall(TwinfePhysicsPrintf_Private(
          c, "          velocity block: ILU(1), as the default multigrid did not converge at this flow "
             "(slower on large meshes; docs/flow.md)\n"));
    if (c->report) PetscCall(TwinfeReportSetString(c->report, "solve.velocity_preconditioner", ilu ? "ilu" : "default"));
  }
  if (c->report) {
    PetscCall(TwinfeReportSetInt(c->report, "solve.unknowns", unknowns));
    PetscCall(TwinfeReportSetInt(c->report, "solve.newton_steps", steps));
    PetscCall(TwinfeReportSetInt(c->report, "solve.picard_steps", picard));
    if (b->start_mesh_size > 0) PetscCall(TwinfeReportSetString(c->report, "solve.start.used", started ? "yes" : "no"));
    PetscCall(TwinfeReportSetInt(c->report, "solve.iterations", linear));
    PetscCall(TwinfeReportSetInt(c->report, "solve.max_iterations_per_step", max_linear));
    {
      const PetscReal *history;
      PetscInt         nhistory;
      PetscCall(TwinfeFlowGetNewtonHistory_Private(b->flow, &nhistory, &history));
      if (nhistory > 1) PetscCall(TwinfeReportSetRealArray(c->report, "solve.newton_history", nhistory, history));
    }
  }
  {
    PetscReal mean, max;
    PetscCall(VecDestroy(&b->wss));
    PetscCall(DMDestroy(&b->wss_dm));
    PetscCall(TwinfeFlowComputeWallShearStress(b->flow, TwinfeFacetTag(c->labels[0], 0), &b->wss_dm, &b->wss, &mean, &max));
    PetscCall(TwinfePhysicsPrintf_Private(c, "          wall shear stress: mean %.4g Pa, largest %.4g Pa\n", (double)mean,
                                          (double)max));
    if (c->report) {
      PetscCall(TwinfeReportSetReal(c->report, "flow.wall_shear_stress_Pa.mean", mean));
      PetscCall(TwinfeReportSetReal(c->report, "flow.wall_shear_stress_Pa.max", max));
    }
  }
  PetscCall(PetscMalloc2(b->ncaps, &flow_ml_s, b->ncaps, &pressure));
  PetscCall(TwinfeBloodCapFigures_Private(c, flow_ml_s, pressure));
  for (PetscInt i = 0; i < b->ncaps; ++i) {
    PetscCall(
        TwinfePhysicsPrintf_Private(c, "          cap %" PetscInt_FMT ": outflow %.4g ml/s, mean pressure %.4g Pa (%.4g mmHg)\n",
                                    b->caps[i].cap, (double)flow_ml_s[i], (double)pressure[i], (double)(pressure[i] / 133.322)));
    if (!c->report) continue;
    snprintf(key, sizeof key, "flow.caps.cap%d.outflow_mm3_per_s", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetReal(c->report, key, 1000 * flow_ml_s[i]));
    snprintf(key, sizeof key, "flow.caps.cap%d.mean_pressure_Pa", (int)b->caps[i].cap);
    PetscCall(TwinfeReportSetReal(c->report, key, pressure[i]));
  }
  PetscCall(PetscFree2(flow_ml_s, pressure));
  PetscFunctionReturn(0);
}

static PetscErrorCode StartMeshSize(TwinfePhysics c, PetscReal *size_mm)
{
  PetscFunctionBegin;
  PetscCall(ReadStartMeshSize(c));
  *size_mm = ((Blood *)c->data)->start_mesh_size;
  PetscFunctionReturn(0);
}

/* The coarse flow (solved) carried onto this one's mesh as Newton's start; said and reported. */
static PetscErrorCode StartFrom(TwinfePhysics c, TwinfePhysics coarse)
{
  Blood   *b = (Blood *)c->data, *k = (Blood *)coarse->data;
  PetscInt steps, linear, max_linear, unknowns;
  Vec      U;
  char     size[32];

  PetscFunctionBegin;
  PetscCheck(k->flow, c->comm, PETSC_ERR_ORDER, "the coarse flow has not been set up and solved");
  PetscCall(TwinfeFlowGetSolverInfo(k->flow, &steps, &linear, &max_linear));
  PetscCall(TwinfeFlowGetSolution(k->flow, &U));
  PetscCall(VecGetSize(U, &unknowns));
  PetscCall(TwinfeFlowStartFrom(b->flow, k->flow));
  snprintf(size, sizeof size, "%g", (double)b->start_mesh_size); /* C's %g: PETSc's would print 3 as "3." */
  PetscCall(TwinfePhysicsPrintf_Private(c,
                                        "start     %s on a %s mm mesh: %" PetscInt_FMT " unknowns, %" PetscInt_FMT
                                        " Newton steps, %" PetscInt_FMT " linear iterations; Newton starts from it\n",
                                        b->convection ? "steady Navier-Stokes" : "the flow", size, unknowns, steps, linear));
  if (!c->report) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetReal(c->report, "solve.start.mesh_size_mm", b->start_mesh_size));
  PetscCall(TwinfeReportSetInt(c->report, "solve.start.unknowns", unknowns));
  PetscCall(TwinfeReportSetInt(c->report, "solve.start.newton_steps", steps));
  PetscCall(TwinfeReportSetInt(c->report, "solve.start.iterations", linear));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeBloodCapFigures_Private(TwinfePhysics c, PetscReal flow_ml_s[], PetscReal pressure[])
{
  Blood      *b = (Blood *)c->data;
  TwinfeSpace space;
  Vec         U;

  PetscFunctionBegin;
  PetscCall(TwinfeFlowGetSpace(b->flow, &space));
  PetscCall(TwinfeFlowGetSolution(b->flow, &U));
  for (PetscInt i = 0; i < b->ncaps; ++i) {
    PetscReal flux;
    PetscCall(TwinfeSpaceComputeFaceFlux(space, b->caps[i].tag, 0, U, &flux));
    PetscCall(TwinfeSpaceComputeFaceMean(space, b->caps[i].tag, 1, U, &pressure[i]));
    flow_ml_s[i] = flux / 1000;
  }
  PetscFunctionReturn(0);
}

/* One state (t = 0): velocity (mm/s, P2), pressure (Pa) and wall shear stress (Pa, 0 off the
   wall); a pulsatile run wrote its states while stepping. */
static PetscErrorCode Write(TwinfePhysics c, TwinfeResults results)
{
  Blood *b = (Blood *)c->data;

  PetscFunctionBegin;
  if (b->cycles == 0) PetscCall(TwinfeBloodWriteState_Private(c, results, 0.0, 0, NULL));
  PetscFunctionReturn(0);
}

const TwinfePhysicsOps TwinfePhysicsOps_Stokes = {
    .name            = "stokes",
    .start_mesh_size = StartMeshSize,
    .start_from      = StartFrom,
    .fields          = "velocity, pressure and wall shear stress",
    .create          = CreateStokes,
    .check_options   = CheckOptions,
    .prepare         = Prepare,
    .set_up          = SetUp,
    .solve           = Solve,
    .write           = Write,
    .destroy         = Destroy,
};

const TwinfePhysicsOps TwinfePhysicsOps_NavierStokes = {
    .name            = "navier_stokes",
    .start_mesh_size = StartMeshSize,
    .start_from      = StartFrom,
    .fields          = "velocity, pressure and wall shear stress",
    .create          = CreateNavierStokes,
    .check_options   = CheckOptions,
    .prepare         = Prepare,
    .set_up          = SetUp,
    .solve           = Solve,
    .write           = Write,
    .destroy         = Destroy,
};
