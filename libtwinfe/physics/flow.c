/* Incompressible flow on a TwinfeSpace (Taylor-Hood P2-P1): conditions, set-up, Newton solve.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Navier-Stokes is solved by Newton from the Stokes solution: Stokes is one linear solve with
 * the same matrix layout and preconditioner, and it is the right start at the Reynolds numbers
 * of blood in vessels (100-1000), where Newton from rest may wander. */
#include "flow_impl.h"
#include "flow_run_impl.h" /* TwinfeFlowGetNewtonHistory_Private */
#include <string.h>

PetscErrorCode TwinfeFlowCreate(DM dm, TwinfeFlow *flow)
{
  TwinfeFlow f;
  PetscInt   dim;

  PetscFunctionBeginUser;
  PetscCall(DMGetDimension(dm, &dim));
  PetscCheck(dim == 3, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeFlowCreate needs a 3D mesh, got dimension %" PetscInt_FMT, dim);
  PetscCall(PetscNew(&f));
  f->comm        = PetscObjectComm((PetscObject)dm);
  f->density     = 1.06e-3; /* g/mm^3, blood */
  f->viscosity   = 3.5e-3;  /* Pa s, blood at high shear rates */
  f->convection  = PETSC_TRUE;
  f->dirty       = PETSC_TRUE;
  f->jacobian_c0 = -1;
  PetscCall(PetscObjectReference((PetscObject)dm));
  f->dm = dm;
  *flow = f;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowDestroy(TwinfeFlow *flow)
{
  TwinfeFlow f;

  PetscFunctionBeginUser;
  if (!flow || !*flow) PetscFunctionReturn(0);
  f = *flow;
  PetscCall(PetscFree(f->velocity_bcs));
  PetscCall(PetscFree(f->tractions));
  for (PetscInt i = 0; i < f->nwaveforms; ++i)
    PetscCall(TwinfeWaveformDestroy(&f->waveforms[i].waveform));
  PetscCall(PetscFree(f->waveforms));
  PetscCall(PetscFree(f->outlets));
  PetscCall(PetscFree(f->backflows));
  PetscCall(MatDestroy(&f->J_coupled));
  PetscCall(MatDestroy(&f->outlet_flux));
  PetscCall(VecDestroy(&f->outlet_R));
  PetscCall(VecDestroy(&f->history));
  PetscCall(VecDestroy(&f->U_prev));
  PetscCall(VecDestroy(&f->start));
  PetscCall(SNESDestroy(&f->snes));
  PetscCall(TwinfeFlowOutletPCDestroy_Private(f, NULL));
  PetscCall(TwinfeFlowSplitDestroy_Private(f));
  PetscCall(MatDestroy(&f->J));
  PetscCall(MatDestroy(&f->schur_pre));
  PetscCall(TwinfeFlowPCDDestroy_Private(f));
  PetscCall(VecDestroy(&f->U));
  PetscCall(VecDestroy(&f->R));
  PetscCall(TwinfeSpaceDestroy(&f->space));
  PetscCall(TwinfeSpaceDestroy(&f->pressure_space));
  PetscCall(DMDestroy(&f->dm));
  PetscCall(PetscFree(f));
  *flow = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetFluid(TwinfeFlow f, PetscReal density, PetscReal viscosity)
{
  PetscFunctionBeginUser;
  PetscCheck(!PetscIsInfOrNanReal(density) && density >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "fluid density %g g/mm^3 is not allowed: it must be >= 0 (blood: 1.06e-3)", (double)density);
  PetscCheck(PetscIsNormalReal(viscosity) && viscosity > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "fluid viscosity %g Pa s is not allowed: it must be > 0 (blood: 3.5e-3)", (double)viscosity);
  f->density   = density;
  f->viscosity = viscosity;
  f->dirty     = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetGradDiv(TwinfeFlow f, PetscReal gamma)
{
  PetscFunctionBeginUser;
  PetscCheck(!PetscIsInfOrNanReal(gamma) && gamma >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "grad-div parameter %g Pa s is not allowed: it must be >= 0", (double)gamma);
  f->grad_div = gamma;
  f->dirty    = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetConvection(TwinfeFlow f, PetscBool convection)
{
  PetscFunctionBeginUser;
  f->convection = convection;
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendVelocity(TwinfeFlow f, PetscInt tag, TwinfeVectorFunction fn, void *ctx)
{
  TwinfeFlowVelocityBC *list;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(f->nvelocity_bcs + 1, &list));
  PetscCall(PetscArraycpy(list, f->velocity_bcs, f->nvelocity_bcs));
  list[f->nvelocity_bcs].tag    = tag;
  list[f->nvelocity_bcs].fn     = fn;
  list[f->nvelocity_bcs].ctx    = ctx;
  list[f->nvelocity_bcs].scale  = 1;
  list[f->nvelocity_bcs].factor = 1;
  f->nvelocity_bcs++;
  PetscCall(PetscFree(f->velocity_bcs));
  f->velocity_bcs = list;
  f->dirty        = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowAddWall(TwinfeFlow f, PetscInt tag)
{
  PetscFunctionBeginUser;
  PetscCall(AppendVelocity(f, tag, NULL, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowAddVelocity(TwinfeFlow f, PetscInt tag, TwinfeVectorFunction fn, void *ctx)
{
  PetscFunctionBeginUser;
  PetscCheck(fn, f->comm, PETSC_ERR_ARG_NULL, "velocity on tag %" PetscInt_FMT ": give a function (a wall is TwinfeFlowAddWall)",
             tag);
  PetscCall(AppendVelocity(f, tag, fn, ctx));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowAddTraction(TwinfeFlow f, PetscInt tag, TwinfeTractionFunction fn, void *ctx)
{
  TwinfeFlowTraction *list;

  PetscFunctionBeginUser;
  PetscCheck(fn, f->comm, PETSC_ERR_ARG_NULL, "traction on tag %" PetscInt_FMT ": give a function (a free outlet needs none)",
             tag);
  PetscCall(PetscMalloc1(f->ntractions + 1, &list));
  PetscCall(PetscArraycpy(list, f->tractions, f->ntractions));
  list[f->ntractions].tag    = tag;
  list[f->ntractions].fn     = fn;
  list[f->ntractions].ctx    = ctx;
  list[f->ntractions].factor = 1;
  f->ntractions++;
  PetscCall(PetscFree(f->tractions));
  f->tractions = list;
  f->dirty     = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowAddWindkessel(TwinfeFlow f, PetscInt tag, PetscReal Rp, PetscReal C, PetscReal Rd, PetscReal Pd)
{
  TwinfeFlowOutlet *o;

  PetscFunctionBeginUser;
  PetscCheck(!PetscIsInfOrNanReal(Rp) && !PetscIsInfOrNanReal(C) && !PetscIsInfOrNanReal(Rd) && !PetscIsInfOrNanReal(Pd), f->comm,
             PETSC_ERR_ARG_OUTOFRANGE, "Windkessel on tag %" PetscInt_FMT ": Rp, C, Rd and Pd must be finite numbers", tag);
  PetscCheck(Rp >= 0 && C >= 0 && Rd >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Windkessel on tag %" PetscInt_FMT ": Rp %g, C %g and Rd %g must be >= 0", tag, (double)Rp, (double)C, (double)Rd);
  PetscCheck(C == 0 || Rd > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Windkessel on tag %" PetscInt_FMT ": a compliance C > 0 needs a distal resistance Rd > 0 to drain it", tag);
  PetscCheck(Rp + Rd > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Windkessel on tag %" PetscInt_FMT ": Rp + Rd must be > 0 (an outlet without resistance is free: give it nothing)",
             tag);
  PetscCall(PetscRealloc(sizeof(TwinfeFlowOutlet) * (f->noutlets + 1), &f->outlets));
  o = &f->outlets[f->noutlets++];
  PetscCall(PetscMemzero(o, sizeof *o));
  o->tag = tag, o->Rp = Rp, o->C = C, o->Rd = Rd, o->Pd = Pd;
  o->Pc = o->Pc_prev = Pd;
  f->dirty           = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowAddBackflowStabilization(TwinfeFlow f, PetscInt tag, PetscReal beta)
{
  TwinfeFlowBackflow *bf;

  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(beta) || beta == 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "backflow stabilisation on tag %" PetscInt_FMT ": beta must be a finite number", tag);
  PetscCheck(beta >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "backflow stabilisation on tag %" PetscInt_FMT ": beta %g must be >= 0 (1/2 or more bounds the energy reversed flow "
             "brings in; 0 turns it off)",
             tag, (double)beta);
  for (PetscInt i = 0; i < f->nbackflows; ++i)
    PetscCheck(f->backflows[i].tag != tag, f->comm, PETSC_ERR_ARG_WRONGSTATE,
               "backflow stabilisation on tag %" PetscInt_FMT " is already given", tag);
  PetscCall(PetscRealloc(sizeof(TwinfeFlowBackflow) * (f->nbackflows + 1), &f->backflows));
  bf       = &f->backflows[f->nbackflows++];
  bf->tag  = tag;
  bf->beta = beta;
  bf->flow = f;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetBodyForce(TwinfeFlow f, TwinfeVectorFunction fn, void *ctx)
{
  PetscFunctionBeginUser;
  f->body     = fn;
  f->body_ctx = ctx;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetWaveform(TwinfeFlow f, PetscInt tag, TwinfeWaveform w)
{
  PetscInt i;

  PetscFunctionBeginUser;
  for (i = 0; i < f->nwaveforms && f->waveforms[i].tag != tag; ++i) {
  }
  if (i == f->nwaveforms) {
    if (!w) PetscFunctionReturn(0);
    PetscCall(PetscRealloc(sizeof(TwinfeFlowWaveform) * (f->nwaveforms + 1), &f->waveforms));
    f->waveforms[f->nwaveforms].tag      = tag;
    f->waveforms[f->nwaveforms].waveform = NULL;
    f->nwaveforms++;
  }
  if (w) PetscCall(TwinfeWaveformReference(w));
  PetscCall(TwinfeWaveformDestroy(&f->waveforms[i].waveform));
  f->waveforms[i].waveform = w;
  if (!w) f->waveforms[i] = f->waveforms[--f->nwaveforms];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetTime(TwinfeFlow f, PetscReal t)
{
  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(t) || t == 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE, "flow time %g s is not a finite number",
             (double)t);
  f->time    = t;
  f->dt_prev = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetTime(TwinfeFlow f, PetscReal *t)
{
  PetscFunctionBeginUser;
  *t = f->time;
  PetscFunctionReturn(0);
}

/* The waveform on tag at the current time, 1 without one. */
static PetscErrorCode WaveformFactor(TwinfeFlow f, PetscInt tag, PetscReal *factor)
{
  PetscFunctionBeginUser;
  *factor = 1;
  for (PetscInt i = 0; i < f->nwaveforms; ++i)
    if (f->waveforms[i].tag == tag) PetscCall(TwinfeWaveformEvaluate(f->waveforms[i].waveform, f->time, factor));
  PetscFunctionReturn(0);
}

/* Every condition's waveform factor at the current time; all 1 while a velocity is scaled to a
   flow rate, which the waveform then multiplies. */
static PetscErrorCode UpdateFactors(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < f->nvelocity_bcs; ++i) {
    f->velocity_bcs[i].factor = 1;
    if (f->velocity_bcs[i].fn && !f->scaling) PetscCall(WaveformFactor(f, f->velocity_bcs[i].tag, &f->velocity_bcs[i].factor));
  }
  for (PetscInt i = 0; i < f->ntractions; ++i)
    PetscCall(WaveformFactor(f, f->tractions[i].tag, &f->tractions[i].factor));
  PetscFunctionReturn(0);
}

/* ---- set-up ------------------------------------------------------------------------------- */

static PetscErrorCode EnsureSpaces(TwinfeFlow f)
{
  const PetscInt degree[2] = {2, 1}, ncomp[2] = {3, 1}, one[1] = {1};
  PetscBool      split;

  PetscFunctionBeginUser;
  if (f->space) PetscFunctionReturn(0);
  PetscCall(TwinfeSpaceCreate(f->dm, 2, degree, ncomp, &f->space));
  PetscCall(TwinfeSpaceSetFieldName(f->space, 0, "velocity"));
  PetscCall(TwinfeSpaceSetFieldName(f->space, 1, "pressure"));
  PetscCall(TwinfeSpaceCreate(f->dm, 1, one, one, &f->pressure_space));
  {
    DM sdm;
    PetscCall(TwinfeSpaceGetDM(f->space, &sdm));
    PetscCall(DMCreateGlobalVector(sdm, &f->U));
    PetscCall(PetscObjectSetName((PetscObject)f->U, "flow"));
    PetscCall(VecDuplicate(f->U, &f->R));
  }
  PetscCall(TwinfeFlowSplitApplies_Private(f, &split));
  if (split)
    PetscCall(TwinfeFlowSplitCreate_Private(f, &f->J));
  else
    PetscCall(TwinfeSpaceCreateMatrix(f->space, &f->J));
  PetscCall(TwinfeFlowPCDCreate_Private(f, &f->schur_pre));
  PetscFunctionReturn(0);
}

/* The options that flows set as defaults, with the values they set. A later flow in the same
   process may need other defaults (a Stokes flow after a Navier-Stokes one): it replaces these
   and clears the ones it does not use, so that no flow inherits another's and none is left
   unread (the case reports an option nothing reads as an error). An option whose value differs
   from the one recorded was given by the user since, and is the user's. */
#define MAX_FLOW_DEFAULTS 32
static struct {
  char name[96], value[32];
} flow_defaults[MAX_FLOW_DEFAULTS];
static int nflow_defaults;

static PetscErrorCode FindFlowDefault(const char name[], int *index)
{
  PetscFunctionBeginUser;
  *index = -1;
  for (int i = 0; i < nflow_defaults; ++i)
    if (!strcmp(flow_defaults[i].name, name)) *index = i;
  PetscFunctionReturn(0);
}

/* Whether name is in the database with the value a flow set (not the user's). */
static PetscErrorCode SetByAFlow(const char name[], PetscBool *ours)
{
  const char *value;
  PetscBool   set;
  int         i;

  PetscFunctionBeginUser;
  *ours = PETSC_FALSE;
  PetscCall(FindFlowDefault(name, &i));
  if (i < 0) PetscFunctionReturn(0);
  PetscCall(PetscOptionsFindPair(NULL, NULL, name, &value, &set));
  if (set && value && !strcmp(value, flow_defaults[i].value)) *ours = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Whether the user gave name (set, and not by a flow). */
static PetscErrorCode GivenByUser(const char name[], PetscBool *given)
{
  PetscBool set, ours;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasName(NULL, NULL, name, &set));
  PetscCall(SetByAFlow(name, &ours));
  *given = set && !ours ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* A default for an option the user did not give (full name with the "flow_" prefix). */
PetscErrorCode TwinfeFlowDefaultOption_Private(const char name[], const char value[])
{
  PetscBool given;
  int       i;

  PetscFunctionBeginUser;
  PetscCall(GivenByUser(name, &given));
  if (given) PetscFunctionReturn(0);
  PetscCheck(strlen(name) < sizeof flow_defaults[0].name && strlen(value) < sizeof flow_defaults[0].value, PETSC_COMM_SELF,
             PETSC_ERR_PLIB, "flow: the default %s %s is too long to record", name, value);
  PetscCall(FindFlowDefault(name, &i));
  if (i < 0) {
    PetscCheck(nflow_defaults < MAX_FLOW_DEFAULTS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "flow: no room to record the default %s",
               name);
    i = nflow_defaults++;
    PetscCall(PetscStrcpy(flow_defaults[i].name, name));
  }
  PetscCall(PetscStrcpy(flow_defaults[i].value, value));
  PetscCall(PetscOptionsSetValue(NULL, name, value));
  PetscFunctionReturn(0);
}

/* Clears a default that an earlier flow set and this one does not use (the user's stays). */
static PetscErrorCode ClearFlowDefault(const char name[])
{
  PetscBool ours;

  PetscFunctionBeginUser;
  PetscCall(SetByAFlow(name, &ours));
  if (ours) PetscCall(PetscOptionsClearValue(NULL, name));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *name, *value;
} FlowDefault;

/* set by the ILU fallback (FallBackToILU), cleared for the next flow */
#define VELOCITY_ILU_LEVELS "-flow_fieldsplit_velocity_sub_pc_factor_levels"

#define VELOCITY "-flow_fieldsplit_velocity_"
/* Stokes: one GAMG V-cycle, threshold 0 and one smoothing step per level
   (benchmarks/flow_solver_study.md: at 549k unknowns 90 iterations and 18.9 s against 85 and
   44.7 s with threshold 0.02 and two steps; the Galerkin products take a third of the time). */
static const FlowDefault stokes_velocity[] = {
    {VELOCITY "pc_type", "gamg"},
    {VELOCITY "pc_gamg_threshold", "0"},
    {VELOCITY "mg_levels_ksp_max_it", "1"},
};
/* Navier-Stokes: the velocity block's lower block triangle in its components (one block
   Gauss-Seidel sweep over x, y, z: the modified augmented Lagrangian preconditioner of Benzi,
   Olshanskii and Wang, 2011; the PC of flow_components.c, which keeps only the three lower
   blocks where PCFIELDSPLIT's multiplicative type copies every component's whole rows), one
   BoomerAMG V-cycle with l1-Jacobi smoothing per component. Steady flows only (no waveform): in time steps the mass term
   dominates the blocks, whose P2 mass entries are of both signs, and BoomerAMG's classical coarsening fails there (the aorta at
   20 ml/s, steps of 0.005 s: the first step's linear solve diverges, GAMG takes 82 iterations).
   GAMG's V-cycle on the whole block, and BoomerAMG with its default Gauss-Seidel smoothing
   (which returns Inf), do not converge on convection with grad-div; this does, in a number of
   iterations that does not grow with the mesh (duct at Re 300: at most 97 per Newton step at 73k
   unknowns and 18.2 s, against 1,342 and 80.6 s with GAMG; benchmarks/flow_solver_study.md).
   At most 2 interpolation weights per row (P_max): the coarsening of these nonsymmetric blocks
   is slow (a level keeps 60% of the rows), and the cap keeps the coarse operators sparse: 44%
   less time per V-cycle at the same iterations (237k unknowns). The l1-Jacobi sweeps go over all
   rows at once, two down and two up (no_CF, grid_sweeps_all 2): hypre's C-then-F order sends
   l1-Jacobi through a row-by-row loop that took 40% of the whole run (perf), where all rows at
   once is a matrix-vector product; at 549k unknowns 57.2 s against 73.3 s for 165 and 170
   GMRES iterations, run in turn (one sweep each way: 206 iterations at 237k, against 169). */
static const FlowDefault navier_stokes_velocity[] = {
    {VELOCITY "pc_type", TWINFE_PC_COMPONENTS},
    {VELOCITY "component_ksp_type", "preonly"},
    {VELOCITY "component_pc_type", "hypre"},
    {VELOCITY "component_pc_hypre_boomeramg_relax_type_all", "l1scaled-Jacobi"},
    {VELOCITY "component_pc_hypre_boomeramg_P_max", "2"},
    {VELOCITY "component_pc_hypre_boomeramg_no_CF", "true"},
    {VELOCITY "component_pc_hypre_boomeramg_grid_sweeps_all", "2"},
};

/* Clears what an earlier flow set from list, the user's options staying. */
static PetscErrorCode ClearFlowDefaults(const FlowDefault list[], size_t n)
{
  PetscFunctionBeginUser;
  for (size_t i = 0; i < n; ++i)
    PetscCall(ClearFlowDefault(list[i].name));
  PetscFunctionReturn(0);
}

/* The inner solvers' defaults go through the options database because PCFIELDSPLIT creates its
   sub-solvers only at set-up, and the user's options must still win. Velocity block: by the
   regime (above); a user's -flow_fieldsplit_velocity_pc_type keeps the whole choice to the user,
   and a PETSc without hypre gets GAMG. Schur block: the operator of flow_pcd.c (PCD, or the
   pressure mass matrix's diagonal), applied once through PCMAT. */
static PetscErrorCode SetInnerSolverDefaults(TwinfeFlow f)
{
  PetscBool          hypre, user_velocity_pc;
  const FlowDefault *use  = stokes_velocity;
  size_t             nuse = PETSC_STATIC_ARRAY_LENGTH(stokes_velocity);

  PetscFunctionBeginUser;
  PetscCall(PetscHasExternalPackage("hypre", &hypre));
  PetscCall(GivenByUser(VELOCITY "pc_type", &user_velocity_pc));
  /* an earlier flow's, of either regime, go; a user's choice takes neither (they would be left
     unread) */
  PetscCall(ClearFlowDefaults(stokes_velocity, PETSC_STATIC_ARRAY_LENGTH(stokes_velocity)));
  PetscCall(ClearFlowDefaults(navier_stokes_velocity, PETSC_STATIC_ARRAY_LENGTH(navier_stokes_velocity)));
  PetscCall(ClearFlowDefault(VELOCITY_ILU_LEVELS)); /* an earlier flow's ILU fallback */
  if (user_velocity_pc)
    nuse = 0;
  else if (hypre && TwinfeFlowNavierStokes_Private(f) && !f->nwaveforms)
    use = navier_stokes_velocity, nuse = PETSC_STATIC_ARRAY_LENGTH(navier_stokes_velocity);
  for (size_t i = 0; i < nuse; ++i)
    PetscCall(TwinfeFlowDefaultOption_Private(use[i].name, use[i].value));
  PetscCall(TwinfeFlowDefaultOption_Private("-flow_fieldsplit_velocity_ksp_type", "preonly"));
  PetscCall(TwinfeFlowDefaultOption_Private("-flow_fieldsplit_pressure_ksp_type", "preonly"));
  PetscCall(TwinfeFlowDefaultOption_Private("-flow_fieldsplit_pressure_pc_type", "mat"));
  PetscFunctionReturn(0);
}
#undef VELOCITY

/* (u . n) u . v of P2 functions on a face: degree 6 where it acts */
#define BACKFLOW_ORDER 6

static PetscErrorCode FormFunction(SNES snes, Vec U, Vec F, void *ctx)
{
  TwinfeFlow f = (TwinfeFlow)ctx;

  PetscFunctionBeginUser;
  (void)snes;
  PetscCall(VecZeroEntries(F));
  PetscCall(TwinfeSpaceAssembleVector(f->space, TwinfeFlowResidualOrder_Private(f), U, TwinfeFlowResidualKernel_Private, f, F));
  for (PetscInt i = 0; i < f->ntractions; ++i)
    PetscCall(TwinfeSpaceAssembleFaceVector(f->space, f->tractions[i].tag, 4, NULL, TwinfeFlowTractionKernel_Private,
                                            &f->tractions[i], F));
  if (f->with_convection)
    for (PetscInt i = 0; i < f->nbackflows; ++i)
      PetscCall(TwinfeSpaceAssembleFaceVector(f->space, f->backflows[i].tag, BACKFLOW_ORDER, U, TwinfeFlowBackflowKernel_Private,
                                              &f->backflows[i], F));
  if (f->mass_coeff > 0) PetscCall(VecAXPY(F, 1.0, f->history));
  for (PetscInt k = 0; k < f->noutlets; ++k) {
    const TwinfeFlowOutlet *o = &f->outlets[k];
    Vec                     b;
    PetscScalar             Q;
    PetscCall(MatDenseGetColumnVecRead(f->outlet_flux, k, &b));
    PetscCall(VecDot(b, U, &Q));
    PetscCall(VecAXPY(F, o->R * PetscRealPart(Q) + o->p0, b)); /* int p n . v, p = R Q + p0 */
    PetscCall(MatDenseRestoreColumnVecRead(f->outlet_flux, k, &b));
  }
  PetscCall(TwinfeSpaceApplyDirichletToResidual(f->space, f->bc_scale, U, F));
  PetscFunctionReturn(0);
}

/* Mean |diagonal| of A: the constraint rows' diagonal. */
PetscErrorCode TwinfeFlowMeanDiagonal_Private(Mat A, PetscReal *mean)
{
  Vec      diag;
  PetscInt n;

  PetscFunctionBeginUser;
  PetscCall(MatCreateVecs(A, &diag, NULL));
  PetscCall(MatGetDiagonal(A, diag));
  PetscCall(VecNorm(diag, NORM_1, mean));
  PetscCall(VecGetSize(diag, &n));
  *mean /= n;
  PetscCall(VecDestroy(&diag));
  PetscFunctionReturn(0);
}

/* The volume terms and, with convection, the outlets' backflow terms. */
static PetscErrorCode AssembleJacobian(TwinfeFlow f, Vec U, Mat P)
{
  TwinfeFaceMatrixTerm *terms  = NULL;
  PetscInt              nterms = f->with_convection ? f->nbackflows : 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nterms, &terms));
  for (PetscInt i = 0; i < nterms; ++i) {
    terms[i].tag    = f->backflows[i].tag;
    terms[i].qorder = BACKFLOW_ORDER;
    terms[i].kernel = TwinfeFlowBackflowJacobianKernel_Private;
    terms[i].ctx    = &f->backflows[i];
  }
  PetscCall(TwinfeSpaceAssembleMatrixWithFaces(f->space, TwinfeFlowJacobianOrder_Private(f), U, TwinfeFlowJacobianKernel_Private,
                                               f, nterms, terms, P));
  PetscCall(PetscFree(terms));
  PetscFunctionReturn(0);
}

/* Constraint rows get the mean magnitude of the viscous diagonal, so they are neither tiny nor
   huge next to the other rows in GAMG's strength graph; the residual is scaled alike. */
static PetscErrorCode FormJacobian(SNES snes, Vec U, Mat J, Mat P, void *ctx)
{
  TwinfeFlow f = (TwinfeFlow)ctx;

  PetscFunctionBeginUser;
  (void)snes, (void)J;
  f->jacobian_count++;
  if (f->split) { /* Stokes: the velocity block is all that changes */
    PetscCall(TwinfeFlowSplitAssemble_Private(f));
    f->jacobian_c0     = f->mass_coeff;
    f->jacobian_linear = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCall(AssembleJacobian(f, U, P));
  if (f->bc_scale == 0) PetscCall(TwinfeFlowMeanDiagonal_Private(P, &f->bc_scale));
  PetscCall(TwinfeSpaceApplyDirichletToMatrix(f->space, f->bc_scale, P));
  if (f->with_convection) PetscCall(TwinfeFlowPCDUpdate_Private(f, U));
  f->jacobian_c0     = f->mass_coeff;
  f->jacobian_linear = f->with_convection || f->rheology.carreau_yasuda ? PETSC_FALSE : PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Whether the user made the inner solver with this option prefix a Krylov method (anything but
   preonly, the default). */
static PetscErrorCode InnerIsKrylov(const char option[], PetscBool *krylov)
{
  char      type[64] = "";
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, option, type, sizeof type, &set));
  *krylov = set && strcmp(type, KSPPREONLY) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* GMRES(200), right-preconditioned: the inner solvers are fixed linear operators by default, and
   GMRES keeps one Krylov vector per iteration where FGMRES keeps two (-389 MB at 549k unknowns,
   the same 90 iterations; benchmarks/flow_solver_study.md). A Krylov method inside (e.g.
   -flow_fieldsplit_velocity_ksp_type gmres) makes the preconditioner vary, which needs FGMRES.
   Classical Gram-Schmidt with a second pass where it loses orthogonality: without it GMRES
   stalled at relative residuals of 1e-7 to 1e-9 (the aorta's Stokes solve at 1 mm: 216
   iterations against 92; the Poiseuille tubes at rtol 1e-10: 108 against 79). */
static PetscErrorCode SetOuterKrylov(KSP ksp)
{
  const char *inner[] = {"-flow_fieldsplit_velocity_ksp_type", "-flow_fieldsplit_pressure_ksp_type", "-flow_pcd_laplace_ksp_type",
                         "-flow_pcd_mass_ksp_type", "-flow_velocity_ksp_type"};
  PetscBool   flexible = PETSC_FALSE;

  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof inner / sizeof inner[0]; ++i) {
    PetscBool krylov = PETSC_FALSE;
    PetscCall(InnerIsKrylov(inner[i], &krylov));
    flexible = flexible || krylov ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(KSPSetType(ksp, flexible ? KSPFGMRES : KSPGMRES));
  if (!flexible) PetscCall(KSPSetPCSide(ksp, PC_RIGHT));
  PetscCall(KSPGMRESSetRestart(ksp, 200));
  PetscCall(KSPGMRESSetCGSRefinementType(ksp, KSP_GMRES_CGS_REFINE_IFNEEDED));
  PetscFunctionReturn(0);
}

/* Whether the next linear solve keeps the preconditioner it has. SNES's lag and the KSP's flag
   are both set so that neither overrides the other; a user's lag or reuse option is left alone. */
static PetscErrorCode SetPreconditionerReuse(SNES snes, PetscBool reuse)
{
  KSP       ksp;
  PetscBool user_lag, user_reuse;

  PetscFunctionBeginUser;
  PetscCall(GivenByUser("-flow_snes_lag_preconditioner", &user_lag));
  PetscCall(GivenByUser("-flow_ksp_reuse_preconditioner", &user_reuse));
  if (user_lag || user_reuse) PetscFunctionReturn(0);
  PetscCall(SNESSetLagPreconditioner(snes, reuse ? -1 : 1));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPSetReusePreconditioner(ksp, reuse));
  PetscFunctionReturn(0);
}

static PetscErrorCode PrepareNewtonStep(SNES snes, PetscInt k);
static PetscErrorCode EnsureSNES(TwinfeFlow f)
{
  KSP ksp;
  PC  pc;
  DM  sdm;

  PetscFunctionBeginUser;
  if (f->snes) PetscFunctionReturn(0);
  PetscCall(TwinfePCRegisterComponents());
  PetscCall(EnsureSpaces(f));
  PetscCall(TwinfeSpaceGetDM(f->space, &sdm));
  PetscCall(SNESCreate(f->comm, &f->snes));
  PetscCall(SNESSetOptionsPrefix(f->snes, "flow_"));
  /* The DM gives PCFIELDSPLIT the fields; the space assembles (SNESSetDM leaves the KSP's DM
     inactive, so the KSP never asks the DM for operators). */
  PetscCall(SNESSetDM(f->snes, sdm));
  PetscCall(SNESSetType(f->snes, SNESNEWTONLS));
  PetscCall(SNESSetFunction(f->snes, f->R, FormFunction, f));
  PetscCall(SNESSetJacobian(f->snes, f->J, f->J, FormJacobian, f));
  PetscCall(SNESSetTolerances(f->snes, 1e-50, 1e-8, 1e-10, 30, PETSC_DEFAULT));
  PetscCall(SNESSetConvergenceHistory(f->snes, f->history_norms, f->history_its, TWINFE_FLOW_MAX_NEWTON + 1, PETSC_TRUE));
  PetscCall(SNESSetApplicationContext(f->snes, f));
  PetscCall(SNESSetUpdate(f->snes, PrepareNewtonStep));
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(SetOuterKrylov(ksp));
  PetscCall(KSPSetTolerances(ksp, 1e-8, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
  PetscCall(KSPGetPC(ksp, &pc));
  if (f->split)
    PetscCall(TwinfeFlowSplitSetPC_Private(f, pc));
  else {
    PetscCall(PCSetType(pc, PCFIELDSPLIT));
    PetscCall(PCFieldSplitSetType(pc, PC_COMPOSITE_SCHUR));
    PetscCall(PCFieldSplitSetSchurFactType(pc, PC_FIELDSPLIT_SCHUR_FACT_UPPER));
    PetscCall(PCFieldSplitSetSchurPre(pc, PC_FIELDSPLIT_SCHUR_PRE_USER, f->schur_pre));
    PetscCall(SetInnerSolverDefaults(f));
  }
  PetscCall(SNESSetFromOptions(f->snes));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSetFromOptions(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(f));
  PetscCall(SNESSetFromOptions(f->snes));
  PetscFunctionReturn(0);
}

static PetscErrorCode VelocityValue(const PetscReal x[3], PetscInt ncomp, PetscScalar value[], void *ctx)
{
  const TwinfeFlowVelocityBC *bc   = (const TwinfeFlowVelocityBC *)ctx;
  PetscReal                   u[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  (void)ncomp;
  if (bc->fn) PetscCall(bc->fn(x, u, bc->ctx));
  for (PetscInt k = 0; k < 3; ++k)
    value[k] = bc->scale * bc->factor * u[k];
  PetscFunctionReturn(0);
}

/* Prescribed velocities first, walls last: where an inlet meets the wall, the rim's nodes
   stay at rest whatever the inlet profile gives there (a plug profile would otherwise put a
   velocity jump into the wall). */
static PetscErrorCode ApplyBoundaryConditions(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSpaceClearDirichlet(f->space));
  for (PetscInt pass = 0; pass < 2; ++pass)
    for (PetscInt i = 0; i < f->nvelocity_bcs; ++i) {
      TwinfeFlowVelocityBC *bc = &f->velocity_bcs[i];
      if ((pass == 0) == (bc->fn == NULL)) continue;
      PetscCall(TwinfeSpaceAddDirichlet(f->space, bc->tag, 0, 7, NULL, VelocityValue, bc));
    }
  for (PetscInt i = 0; i < f->nwaveforms; ++i) {
    PetscBool given = PETSC_FALSE;
    for (PetscInt k = 0; k < f->nvelocity_bcs; ++k)
      if (f->velocity_bcs[k].tag == f->waveforms[i].tag && f->velocity_bcs[k].fn) given = PETSC_TRUE;
    for (PetscInt k = 0; k < f->ntractions; ++k)
      if (f->tractions[k].tag == f->waveforms[i].tag) given = PETSC_TRUE;
    PetscCheck(given, f->comm, PETSC_ERR_ARG_WRONGSTATE,
               "waveform on tag %" PetscInt_FMT ": the tag has no prescribed velocity or traction for it to multiply",
               f->waveforms[i].tag);
  }
  for (PetscInt i = 0; i < f->ntractions; ++i) {
    PetscInt count;
    PetscCall(TwinfeSpaceGetFaceCount(f->space, f->tractions[i].tag, &count));
    PetscCheck(count > 0, f->comm, PETSC_ERR_ARG_WRONG,
               "traction on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", f->tractions[i].tag);
  }
  PetscFunctionReturn(0);
}

/* int phi_a n_i over an outlet's faces: b with Q = b . U the outflow. */
static PetscErrorCode FluxKernel(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < fe->nq; ++q)
    for (PetscInt a = 0; a < 10; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        r[3 * a + i] += fe->w[q] * fe->B[0][q * 10 + a] * fe->normal[i];
  PetscFunctionReturn(0);
}

/* Each outlet's flux functional b (its constrained rows 0: the rim at rest carries nothing and
   the constraint rows stay the identity), and the operator J + sum R b b^T. */
static PetscErrorCode BuildOutlets(TwinfeFlow f)
{
  PetscInt        n, nrows;
  const PetscInt *rows;
  PetscScalar    *zeros;

  PetscFunctionBeginUser;
  PetscCall(MatDestroy(&f->J_coupled));
  PetscCall(MatDestroy(&f->outlet_flux));
  PetscCall(VecDestroy(&f->outlet_R));
  if (!f->noutlets) {
    PetscCall(SNESSetJacobian(f->snes, f->J, f->J, FormJacobian, f));
    PetscFunctionReturn(0);
  }
  PetscCall(VecGetLocalSize(f->U, &n));
  PetscCall(MatCreateDense(f->comm, n, PETSC_DECIDE, PETSC_DETERMINE, f->noutlets, NULL, &f->outlet_flux));
  PetscCall(TwinfeSpaceGetDirichlet(f->space, &nrows, &rows, NULL));
  PetscCall(PetscCalloc1(nrows + 1, &zeros));
  for (PetscInt k = 0; k < f->noutlets; ++k) {
    Vec      b;
    PetscInt count;
    PetscCall(TwinfeSpaceGetFaceCount(f->space, f->outlets[k].tag, &count));
    PetscCheck(count > 0, f->comm, PETSC_ERR_ARG_WRONG,
               "Windkessel on \"Face Sets\" tag %" PetscInt_FMT ": no boundary face carries this tag", f->outlets[k].tag);
    PetscCall(MatDenseGetColumnVecWrite(f->outlet_flux, k, &b));
    PetscCall(VecZeroEntries(b));
    PetscCall(TwinfeSpaceAssembleFaceVector(f->space, f->outlets[k].tag, 4, NULL, FluxKernel, NULL, b));
    PetscCall(VecSetValues(b, nrows, rows, zeros, INSERT_VALUES));
    PetscCall(VecAssemblyBegin(b));
    PetscCall(VecAssemblyEnd(b));
    PetscCall(MatDenseRestoreColumnVecWrite(f->outlet_flux, k, &b));
  }
  PetscCall(PetscFree(zeros));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, f->noutlets, &f->outlet_R));
  PetscCall(MatCreateLRC(f->J, f->outlet_flux, f->outlet_R, NULL, &f->J_coupled));
  PetscCall(SNESSetJacobian(f->snes, f->J_coupled, f->J, FormJacobian, f));
  {
    KSP ksp;
    PetscCall(SNESGetKSP(f->snes, &ksp));
    PetscCall(TwinfeFlowOutletPCSetUp_Private(f, ksp));
  }
  PetscFunctionReturn(0);
}

/* Each outlet's p = R Q + p0 for the coming solve: steady, Pc = Pd + Rd Q; a time step,
   C (c0 Pc + c1 Pc^n + c2 Pc^{n-1}) = Q - (Pc - Pd) / Rd solved for Pc in terms of Q. */
static PetscErrorCode UpdateOutletLaws(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < f->noutlets; ++k) {
    TwinfeFlowOutlet *o = &f->outlets[k];
    o->R = o->Rp + o->Rd, o->p0 = o->Pd;
    if (o->C > 0 && f->mass_coeff > 0) {
      const PetscReal g = o->C * f->bdf[0] + 1 / o->Rd;
      o->R              = o->Rp + 1 / g;
      o->p0             = (o->Pd / o->Rd - o->C * (f->bdf[1] * o->Pc + f->bdf[2] * o->Pc_prev)) / g;
    }
    PetscCall(VecSetValue(f->outlet_R, k, o->R, INSERT_VALUES));
  }
  if (f->outlet_R) {
    PetscCall(VecAssemblyBegin(f->outlet_R));
    PetscCall(VecAssemblyEnd(f->outlet_R));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode OutletFlow(TwinfeFlow f, PetscInt k, PetscReal *Q)
{
  Vec         b;
  PetscScalar q;

  PetscFunctionBeginUser;
  PetscCall(MatDenseGetColumnVecRead(f->outlet_flux, k, &b));
  PetscCall(VecDot(b, f->U, &q));
  PetscCall(MatDenseRestoreColumnVecRead(f->outlet_flux, k, &b));
  *Q = PetscRealPart(q);
  PetscFunctionReturn(0);
}

/* After a solve: the capacitors' new pressure, Pc = p - Rp Q; a step also shifts the history. */
static PetscErrorCode AdvanceOutlets(TwinfeFlow f, PetscBool step)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < f->noutlets; ++k) {
    TwinfeFlowOutlet *o = &f->outlets[k];
    PetscReal         Q = 0, Pc; /* set for gcc -O3, which does not see OutletFlow set it */
    PetscCall(OutletFlow(f, k, &Q));
    Pc         = o->R * Q + o->p0 - o->Rp * Q;
    o->Pc_prev = step ? o->Pc : Pc;
    o->Pc      = Pc;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetWindkessel(TwinfeFlow f, PetscInt tag, PetscReal *Q, PetscReal *p)
{
  PetscInt k;

  PetscFunctionBeginUser;
  for (k = 0; k < f->noutlets && f->outlets[k].tag != tag; ++k) {
  }
  PetscCheck(k < f->noutlets, f->comm, PETSC_ERR_ARG_WRONG, "tag %" PetscInt_FMT " has no Windkessel", tag);
  PetscCheck(f->have_state && f->outlet_flux, f->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeFlowGetWindkessel: solve first");
  PetscCall(OutletFlow(f, k, Q));
  *p = f->outlets[k].Rp * *Q + f->outlets[k].Pc;
  PetscFunctionReturn(0);
}

/* Whether the solver's structure, made at the first set-up, still fits the flow: a split Stokes
   operator cannot take convection, grad-div or a shear-thinning viscosity set afterwards. */
static PetscErrorCode CheckStructureUnchanged(TwinfeFlow f)
{
  PetscFunctionBeginUser;
  PetscCheck(!f->split || TwinfeFlowSplitAllowed_Private(f), f->comm, PETSC_ERR_ARG_WRONGSTATE,
             "flow: the solver was made for Stokes with one viscous matrix per velocity component (at the first solve or "
             "TwinfeFlowSetFromOptions), and convection, grad-div or a Carreau-Yasuda viscosity was turned on afterwards: "
             "set them before the solver is made, or use a new flow");
  PetscFunctionReturn(0);
}

/* Conditions at the current time: the waveforms' factors, and the prescribed velocities
   evaluated again when a waveform scales one of them. */
static PetscErrorCode SetUp(TwinfeFlow f)
{
  PetscBool pulsatile_velocity = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(f));
  PetscCall(CheckStructureUnchanged(f));
  PetscCall(UpdateFactors(f));
  /* a traction's waveform acts through its kernel; only prescribed velocities are stored values */
  for (PetscInt i = 0; i < f->nvelocity_bcs; ++i)
    for (PetscInt k = 0; k < f->nwaveforms; ++k)
      if (f->velocity_bcs[i].fn && f->velocity_bcs[i].tag == f->waveforms[k].tag) pulsatile_velocity = PETSC_TRUE;
  if (!f->dirty) {
    if (pulsatile_velocity) PetscCall(ApplyBoundaryConditions(f));
    PetscFunctionReturn(0);
  }
  PetscCall(ApplyBoundaryConditions(f));
  /* again: the regime may have changed since EnsureSNES; the sub-solvers read them at set-up */
  if (!f->split) PetscCall(SetInnerSolverDefaults(f));
  if (f->split) PetscCall(TwinfeFlowSplitSetUp_Private(f));
  PetscCall(BuildOutlets(f));
  f->bc_scale    = 0; /* set by the first Jacobian */
  f->jacobian_c0 = -1;
  PetscCall(TwinfeFlowPCDSetUp_Private(f));
  f->dirty = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---- solve -------------------------------------------------------------------------------- */

static PetscErrorCode CheckLinearSolve(TwinfeFlow f, KSP ksp, const char stage[])
{
  KSPConvergedReason reason;
  PetscInt           its;

  PetscFunctionBeginUser;
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(KSPGetIterationNumber(ksp, &its));
  f->linear_iterations += its;
  f->max_linear_iterations = PetscMax(f->max_linear_iterations, its);
  PetscCheck(reason >= 0, f->comm, PETSC_ERR_NOT_CONVERGED,
             "flow: the linear solve (%s) did not converge (%s after %" PetscInt_FMT
             " iterations): check that an outlet is left free or given a traction (walls and inlets all around leave the "
             "pressure undetermined), or raise -flow_ksp_max_it",
             stage, KSPConvergedReasons[reason], its);
  PetscFunctionReturn(0);
}

/* Stokes (steady, or one time step): one linear solve for the Newton update from U with its
   boundary values. The matrix of the last linear solve is kept when nothing in it changed
   (a run of equal time steps), and with it the preconditioner PETSc has set up. */
static PetscErrorCode SolveStokes(TwinfeFlow f, const char stage[])
{
  KSP ksp;
  Vec dU;

  PetscFunctionBeginUser;
  f->with_convection = PETSC_FALSE;
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->space, f->U));
  PetscCall(SNESGetKSP(f->snes, &ksp));
  if (!(f->jacobian_linear && f->jacobian_c0 == f->mass_coeff)) {
    PetscCall(FormJacobian(f->snes, f->U, f->J, f->J, f)); /* first: it sets the constraint scale */
    PetscCall(KSPSetOperators(ksp, f->J_coupled ? f->J_coupled : f->J, f->J));
  }
  PetscCall(FormFunction(f->snes, f->U, f->R, f));
  PetscCall(VecDuplicate(f->U, &dU));
  PetscCall(KSPSolve(ksp, f->R, dU));
  PetscCall(CheckLinearSolve(f, ksp, stage));
  PetscCall(VecAXPY(f->U, -1.0, dU));
  PetscCall(VecDestroy(&dU));
  PetscFunctionReturn(0);
}

PetscBool TwinfeFlowNavierStokes_Private(TwinfeFlow f)
{
  return f->convection && f->density > 0 ? PETSC_TRUE : PETSC_FALSE;
}

/* Whether a solve needs Newton: Navier-Stokes, or a viscosity that depends on the velocity
   (Carreau-Yasuda), also without inertia. */
static PetscBool Nonlinear(TwinfeFlow f)
{
  return TwinfeFlowNavierStokes_Private(f) || f->rheology.carreau_yasuda ? PETSC_TRUE : PETSC_FALSE;
}

/* Inexact Newton (Dembo, Eisenstat and Steihaug 1982) for a steady solve: Newton's linear solves
   near the solution stop at a relative residual of NEWTON_LINEAR_RTOL (those far from it at
   FAR_LINEAR_RTOL, the Stokes start at STOKES_START_RTOL), not the 1e-8 of a linear solve. Newton's own test on the nonlinear
   residual (relative 1e-8) still sets the answer's accuracy (Eisenstat-Walker forcing, which stops as soon as that test can be
   met, saved a further 15-30% but moved test_flow_mms's pressure by 6e-6; benchmarks/flow_solver_study.md). Duct at Re 300, 237k
   unknowns: 3 Newton steps either way, 180 GMRES iterations against 319 (docs/flow.md). Time steps keep 1e-8: Newton starts there
   from the last step's flow and a looser solve costs it a step (the cut aorta's cycle: 600 Newton steps against 437, no faster).
   A user's -flow_ksp_rtol, or PETSc's Eisenstat-Walker forcing (-flow_snes_ksp_ew), is left
   alone. */
#define NEWTON_LINEAR_RTOL 1e-4
/* Far from the solution a Newton step cuts the residual only a few-fold (the cut aorta at 1.5 mm
   and Re 300: 24.5 -> 12.1 -> 3.6 -> 0.61, full steps), and a linear solve to 1e-4 buys nothing
   there that one to 1e-2 does not: the same 6 Newton steps and residuals, 308 GMRES iterations
   against 378 (294 with FINAL_MARGIN below; 1e-1 took 267 but no less time, each step's set-up
   and Jacobian then weighing more, and risks a step). Such steps, and the first (nothing is
   known of it yet), stop at FAR_LINEAR_RTOL. */
#define FAR_LINEAR_RTOL 1e-2
/* A step in the quadratic regime solves to NEWTON_LINEAR_RTOL, or only to what brings the residual
   to FINAL_MARGIN times Newton's target where that is looser: the answer then still meets the
   target tenfold (the duct's last step: from 4e-5 to a target of 2.4e-8). */
#define FINAL_MARGIN 0.1
/* The Stokes flow Newton starts from needs no more than the first Newton step will correct: the
   duct at Re 300 (237k unknowns) takes the same 3 Newton steps from a Stokes solve to 1e-3 (16
   GMRES iterations) as from one to 1e-4 (22); to 1e-2 (11) its steps took 7 more iterations. */
#define STOKES_START_RTOL 1e-3

/* Whether the flow chooses the outer Krylov method's relative tolerance: not where the user set
   -flow_ksp_rtol or PETSc's Eisenstat-Walker forcing. */
static PetscErrorCode FlowSetsLinearTolerance(TwinfeFlow f, PetscBool *flow_sets)
{
  PetscBool user_rtol, ew;

  PetscFunctionBeginUser;
  PetscCall(GivenByUser("-flow_ksp_rtol", &user_rtol));
  PetscCall(SNESKSPGetUseEW(f->snes, &ew));
  *flow_sets = !user_rtol && !ew ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Sets the outer Krylov method's relative tolerance to rtol where the flow chooses it;
 *previous gets the one to restore. */
static PetscErrorCode LoosenLinearSolves(TwinfeFlow f, PetscReal rtol, PetscReal *previous)
{
  KSP       ksp;
  PetscBool flow_sets;
  PetscReal atol, dtol;
  PetscInt  maxit;

  PetscFunctionBeginUser;
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(KSPGetTolerances(ksp, previous, &atol, &dtol, &maxit));
  PetscCall(FlowSetsLinearTolerance(f, &flow_sets));
  if (flow_sets) PetscCall(KSPSetTolerances(ksp, rtol, atol, dtol, maxit));
  PetscFunctionReturn(0);
}

static PetscErrorCode RestoreLinearSolves(TwinfeFlow f, PetscReal rtol)
{
  KSP       ksp;
  PetscBool ew;

  PetscFunctionBeginUser;
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(SNESKSPGetUseEW(f->snes, &ew));
  if (!ew) PetscCall(KSPSetTolerances(ksp, rtol, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscFunctionReturn(0);
}

/* Step k's linear tolerance in a steady solve (see FAR_LINEAR_RTOL and FINAL_MARGIN above). */
static PetscErrorCode SetNewtonForcing(TwinfeFlow f, PetscInt k, PetscBool near)
{
  KSP       ksp;
  PetscReal rtol = FAR_LINEAR_RTOL, atol, dtol, snes_atol, snes_rtol, target;
  PetscInt  maxit;

  PetscFunctionBeginUser;
  if (near) {
    PetscCall(SNESGetTolerances(f->snes, &snes_atol, &snes_rtol, NULL, NULL, NULL));
    target = PetscMax(snes_atol, snes_rtol * f->history_norms[0]);
    rtol   = PetscMin(FAR_LINEAR_RTOL, PetscMax(NEWTON_LINEAR_RTOL, FINAL_MARGIN * target / f->history_norms[k]));
  }
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(KSPGetTolerances(ksp, NULL, &atol, &dtol, &maxit));
  PetscCall(KSPSetTolerances(ksp, rtol, atol, dtol, maxit));
  PetscFunctionReturn(0);
}

/* Picard steps where Newton is slow. From the Stokes flow at Re 300 in a curved vessel,
   Newton's first steps cut the residual only 2-6 fold, and each linear solve pays a plateau of
   about 20 GMRES iterations: the PCD Schur approximation models the Oseen operator, not Newton's
   reaction term rho (du . grad) u (benchmarks/flow_solver_study.md). A Picard step, the Jacobian
   without that term, cuts the residual as much there (2.5-3 fold) in half the iterations, without
   the plateau. So after a slow step (cut less than tenfold) up to max_picard_steps (-flow_picard_steps,
   default 2) Picard steps are taken, then Newton again, which now starts nearer: the cut aorta at
   1 mm and Re 300, 449k unknowns, takes the same 6 steps in 262 GMRES iterations against 296
   (1.5 mm: 256 against 290). The first step stays Newton's, since from a flow close to Poiseuille's
   (the duct) Newton cuts 30-fold at once where a Picard step cuts 3-fold and costs the duct a
   step; three Picard steps did no better than two (1.5 mm: 268, 7 steps). */
static void ChooseLinearization(TwinfeFlow f, PetscInt k, PetscBool near)
{
  f->picard = k >= 1 && !near && f->picard_steps < f->max_picard_steps ? PETSC_TRUE : PETSC_FALSE;
  if (f->picard) f->picard_steps++;
}

/* At the start of Newton step k (SNESSetUpdate). Near the solution (the last step cut the
   residual at least tenfold: Newton converges quadratically) the preconditioner built for an
   earlier step is kept, since the Jacobian then changes by the size of the step, and the set-up
   (the velocity block's sub-matrices and its AMG) is what a step would cost beyond its
   iterations. Duct at Re 300, 549k unknowns: the same 3 Newton steps of 49, 52, 52 GMRES
   iterations (51, 53, 52 before), 2 of the 4 set-ups saved, 78.6 -> 68.6 s with the Stokes
   start's looser tolerance above. Where Newton is still far from the solution (a slow step) the
   preconditioner is built again: kept from the first step on, the duct's later steps took
   266-858 iterations (benchmarks/flow_solver_study.md). A steady solve also sets the step's
   linear tolerance here. */
#define REUSE_RATIO 0.1
static PetscErrorCode PrepareNewtonStep(SNES snes, PetscInt k)
{
  TwinfeFlow f;
  PetscBool  near = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(SNESGetApplicationContext(snes, &f));
  if (k >= 1 && k <= TWINFE_FLOW_MAX_NEWTON)
    near = f->history_norms[k] <= REUSE_RATIO * f->history_norms[k - 1] ? PETSC_TRUE : PETSC_FALSE;
  ChooseLinearization(f, k, near);
  PetscCall(SetPreconditionerReuse(snes, near));
  if (f->newton_forcing && k <= TWINFE_FLOW_MAX_NEWTON) PetscCall(SetNewtonForcing(f, k, near));
  PetscFunctionReturn(0);
}

/* One Newton solve from U, adding its steps and iterations to the solve's counts. */
static PetscErrorCode Newton(TwinfeFlow f, SNESConvergedReason *reason, PetscReal *fnorm)
{
  PetscInt steps, its;

  PetscFunctionBeginUser;
  f->with_convection = TwinfeFlowNavierStokes_Private(f);
  /* The Jacobian eliminates the constrained columns (MatZeroRowsColumns), so a Newton step is
     consistent only from a U that already holds the boundary values: with a pulsatile inflow
     they change every time step, and a step from the last step's values only moves the
     constrained rows (the cut aorta at 20 - 20 cos + 15 sin ml/s: the line search failed in
     the first step). */
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->space, f->U));
  PetscCall(SNESSolve(f->snes, NULL, f->U));
  PetscCall(SetPreconditionerReuse(f->snes, PETSC_FALSE)); /* the next solve's first step builds its own */
  PetscCall(SNESGetConvergedReason(f->snes, reason));
  PetscCall(SNESGetIterationNumber(f->snes, &steps));
  PetscCall(SNESGetLinearSolveIterations(f->snes, &its));
  PetscCall(SNESGetFunctionNorm(f->snes, fnorm));
  f->newton_steps += steps;
  f->linear_iterations += its;
  for (PetscInt k = 0; k < PetscMin(steps + 1, TWINFE_FLOW_MAX_NEWTON + 1); ++k)
    f->max_linear_iterations = PetscMax(f->max_linear_iterations, f->history_its[k]);
  PetscFunctionReturn(0);
}

/* Navier-Stokes from U; *converged says whether it did, and detail what failed (U is then where
   Newton stopped). Continuation in the Reynolds number (Newton at a fraction of the density,
   raised step by step) was tried and removed: on the vessel phantom at 1.5 mm, where steady
   Newton fails from Stokes at 1.3-1.7 ml/s, it reached 66-86% of the Reynolds number in 6-8
   minutes and failed there the same way, in the linear solve (docs/flow.md). Newton with an
   exact LU stalls there too (residual 18.6 from 126, line search failing), and the same inflow
   run in time never settles (the outlets' flows swing by 3% with a period of about 0.4 s): on
   that mesh the flow has no stable steady state, which the message says for steady runs. */
static PetscErrorCode TryNavierStokes(TwinfeFlow f, const char when[], PetscBool *converged, char detail[], size_t len)
{
  SNESConvergedReason reason;
  PetscReal           fnorm;
  const PetscBool     ns = TwinfeFlowNavierStokes_Private(f);

  PetscFunctionBeginUser;
  f->newton_steps = f->picard_steps = 0;
  PetscCall(Newton(f, &reason, &fnorm));
  *converged = reason > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscSNPrintf(detail, len,
                          "flow: Newton did not converge for %s%s (%s, residual %g): %srefine the mesh, %sor raise "
                          "-flow_snes_max_it%s",
                          ns ? "Navier-Stokes" : "the shear-thinning Stokes flow", when, SNESConvergedReasons[reason],
                          (double)fnorm, ns ? "lower the inflow or the density (the Reynolds number), " : "",
                          when[0] ? "shorten the time step, " : "",
                          ns && !when[0] ? "; a flow may also have no stable steady state at this Reynolds number: then run it "
                                           "in time (TwinfeFlowStep; in twinfe a constant inflow is -inflow_fourier Q with "
                                           "-cardiac_period and -cycles)"
                                         : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode SolveNavierStokes(TwinfeFlow f, const char when[])
{
  PetscBool converged;
  char      detail[1024];

  PetscFunctionBeginUser;
  PetscCall(TryNavierStokes(f, when, &converged, detail, sizeof detail));
  PetscCheck(converged, f->comm, PETSC_ERR_NOT_CONVERGED, "%s", detail);
  PetscFunctionReturn(0);
}

/* The flow's PCFIELDSPLIT, or NULL (Stokes from its blocks, or a user's outer preconditioner). */
static PetscErrorCode GetFieldSplit(TwinfeFlow f, PC *fieldsplit)
{
  KSP       ksp;
  PC        pc, inner;
  PetscBool is;

  PetscFunctionBeginUser;
  *fieldsplit = NULL;
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(TwinfeFlowOutletPCGetInner_Private(f, &inner));
  if (inner) pc = inner;
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCFIELDSPLIT, &is));
  if (is) *fieldsplit = pc;
  PetscFunctionReturn(0);
}

/* Where the default velocity multigrid cannot follow convection (a coarse mesh at a high flow:
   the cut aorta at 40 ml/s on a 3 mm mesh, cell Reynolds number about 80, where GMRES stops at
   2,000 iterations in Newton's first linear solve while with an exact velocity block Newton
   converges in 5 steps), the velocity block gets block Jacobi with ILU(1) on each rank: 5 Newton
   steps, at most 81 iterations there (135 before the inexact Newton). ILU(0) converged on one
   3 mm mesh of that aorta and stalled at Newton's third step on another (2,000 iterations);
   ILU(2) took 7 times longer.
   Incomplete factorisations are not the default because they do not scale with the mesh (the
   duct at Re 300 with ILU(0): 129, 135, 283 iterations per Newton step at n = 4, 8, 12 against
   155, 97, 93; docs/flow.md). Only the flow's own choice is replaced; *switched says whether it
   was. */
static PetscErrorCode FallBackToILU(TwinfeFlow f, PetscBool *switched)
{
  PC        fieldsplit, velocity;
  KSP      *sub;
  PetscInt  n;
  PetscBool user;

  PetscFunctionBeginUser;
  *switched = PETSC_FALSE;
  PetscCall(GivenByUser("-flow_fieldsplit_velocity_pc_type", &user));
  if (user || f->velocity_ilu) PetscFunctionReturn(0);
  PetscCall(GetFieldSplit(f, &fieldsplit));
  if (!fieldsplit) PetscFunctionReturn(0);
  PetscCall(PCFieldSplitGetSubKSP(fieldsplit, &n, &sub));
  PetscCall(KSPGetPC(sub[0], &velocity));
  PetscCall(PetscFree(sub));
  PetscCall(TwinfeFlowDefaultOption_Private(VELOCITY_ILU_LEVELS, "1"));
  PetscCall(PCSetType(velocity, PCBJACOBI)); /* ILU on each rank's block; its sub-solver reads the levels at set-up */
  PetscCall(PetscInfo(NULL, "flow: the velocity multigrid did not converge; the velocity block falls back to ILU(1)\n"));
  f->velocity_ilu = *switched = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* After steady Navier-Stokes failed in the linear solve with the default velocity multigrid:
   Newton again from the Stokes flow with ILU on the velocity block. */
static PetscErrorCode RetryWithILU(TwinfeFlow f, Vec stokes, PetscBool *converged, char detail[], size_t len)
{
  SNESConvergedReason reason;
  PetscBool           switched = PETSC_FALSE;
  size_t              used;

  PetscFunctionBeginUser;
  if (!TwinfeFlowNavierStokes_Private(f)) PetscFunctionReturn(0);
  PetscCall(SNESGetConvergedReason(f->snes, &reason));
  if (reason != SNES_DIVERGED_LINEAR_SOLVE) PetscFunctionReturn(0);
  PetscCall(FallBackToILU(f, &switched));
  if (!switched) PetscFunctionReturn(0);
  PetscCall(VecCopy(stokes, f->U));
  PetscCall(TryNavierStokes(f, "", converged, detail, len));
  if (*converged) PetscFunctionReturn(0);
  PetscCall(PetscStrlen(detail, &used));
  PetscCall(PetscSNPrintf(detail + used, len - used,
                          " (the default velocity multigrid failed first, then ILU(1) on the velocity block)"));
  PetscFunctionReturn(0);
}

/* The Picard steps a steady Navier-Stokes solve may take (ChooseLinearization): -flow_picard_steps,
   default 2. A shear-thinning Stokes flow has no convection to leave out. */
#define PICARD_STEPS 2
static PetscErrorCode AllowPicardSteps(TwinfeFlow f)
{
  PetscInt n = PICARD_STEPS;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetInt(NULL, "flow_", "-picard_steps", &n, NULL));
  PetscCheck(n >= 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "flow: -flow_picard_steps %" PetscInt_FMT " is negative; give 0 (Newton's steps only) or more Picard steps", n);
  f->max_picard_steps = TwinfeFlowNavierStokes_Private(f) ? n : 0;
  PetscFunctionReturn(0);
}

/* Newton (Navier-Stokes, or a shear-thinning flow) from the guess in U; where it fails U is
   the guess again. Required: a failure in the linear solve is retried with ILU on the velocity
   block before it counts. */
static PetscErrorCode NewtonFromGuess(TwinfeFlow f, PetscBool required, PetscBool *converged, char detail[], size_t len)
{
  Vec guess;

  PetscFunctionBeginUser;
  PetscCall(FlowSetsLinearTolerance(f, &f->newton_forcing)); /* each step's, by PrepareNewtonStep */
  PetscCall(AllowPicardSteps(f));
  PetscCall(VecDuplicate(f->U, &guess));
  PetscCall(VecCopy(f->U, guess));
  PetscCall(TryNavierStokes(f, "", converged, detail, len));
  if (!*converged && required) PetscCall(RetryWithILU(f, guess, converged, detail, len));
  if (!*converged) PetscCall(VecCopy(guess, f->U));
  PetscCall(VecDestroy(&guess));
  PetscFunctionReturn(0);
}

/* Newton from the flow given by TwinfeFlowStartFrom (a coarser mesh's answer), used once. Where
   it does not converge the solve starts again from the Stokes flow, as without it. */
static PetscErrorCode TryStart(TwinfeFlow f, PetscBool *converged, char detail[], size_t len)
{
  PetscReal ignored;

  PetscFunctionBeginUser;
  *converged = f->started = PETSC_FALSE;
  if (!f->start || !Nonlinear(f)) PetscFunctionReturn(0);
  PetscCall(VecCopy(f->start, f->U));
  PetscCall(VecDestroy(&f->start));
  PetscCall(NewtonFromGuess(f, PETSC_FALSE, converged, detail, len));
  f->started = *converged;
  if (*converged) PetscFunctionReturn(0);
  PetscCall(PetscInfo(NULL, "flow: Newton from the given start did not converge; starting again from the Stokes flow\n"));
  PetscCall(LoosenLinearSolves(f, STOKES_START_RTOL, &ignored)); /* Newton's steps set their own */
  PetscFunctionReturn(0);
}

/* The steady flow: Navier-Stokes from a given start (TwinfeFlowStartFrom), or Stokes, then
   Navier-Stokes from it. Required: a Navier-Stokes failure is an error; else the Stokes flow is
   kept and *navier_stokes is false. */
static PetscErrorCode SolveSteady(TwinfeFlow f, PetscBool required, PetscBool *navier_stokes)
{
  PetscReal linear_rtol = 0;
  PetscBool converged   = PETSC_FALSE;
  char      detail[1024];

  PetscFunctionBeginUser;
  PetscCall(SetUp(f));
  f->newton_steps = f->linear_iterations = f->max_linear_iterations = 0;
  f->mass_coeff                                                     = 0;
  *navier_stokes                                                    = PETSC_FALSE;
  PetscCall(UpdateOutletLaws(f));
  if (Nonlinear(f)) PetscCall(LoosenLinearSolves(f, STOKES_START_RTOL, &linear_rtol));
  PetscCall(TryStart(f, &converged, detail, sizeof detail));
  if (!converged) {
    PetscCall(VecZeroEntries(f->U));
    PetscCall(SolveStokes(f, "Stokes"));
    f->newton_steps = 1;
    /* only for a steady answer: a pulsatile run keeps its own preconditioner for the steps, and
       starts from the Stokes flow instead */
    if (Nonlinear(f)) PetscCall(NewtonFromGuess(f, required, &converged, detail, sizeof detail));
  }
  if (Nonlinear(f)) {
    f->newton_forcing   = PETSC_FALSE;
    f->max_picard_steps = 0; /* time steps start near their solution: Newton's alone */
    f->picard           = PETSC_FALSE;
    PetscCall(RestoreLinearSolves(f, linear_rtol));
    PetscCheck(converged || !required, f->comm, PETSC_ERR_NOT_CONVERGED, "%s", detail);
    *navier_stokes = converged;
  }
  /* Constrained values are known exactly; the solver leaves them to its tolerance. */
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->space, f->U));
  PetscCall(AdvanceOutlets(f, PETSC_FALSE));
  f->have_state = PETSC_TRUE;
  f->dt_prev    = 0;
  PetscFunctionReturn(0);
}

/* After a steady solve from the blocks, the outer Krylov basis (one vector of the whole flow
   per iteration: 126 x 3.7 MB on the aorta at 464k unknowns) and the velocity multigrid are
   released, so what follows (wall shear stress, output) does not stack on them: the run's peak
   is then the solve's. A later solve sets them up again (1.3 s of GAMG set-up there). The
   assembled path keeps them: PCFIELDSPLIT's reset would drop the Schur operator it was given. */
static PetscErrorCode ReleaseSolverWork(TwinfeFlow f)
{
  KSP ksp;

  PetscFunctionBeginUser;
  if (!f->split) PetscFunctionReturn(0);
  PetscCall(SNESGetKSP(f->snes, &ksp));
  PetscCall(KSPReset(ksp));
  PetscCall(TwinfeFlowSplitReset_Private(f));
  f->jacobian_c0 = -1; /* the operators are gone: the next solve forms them again */
  PetscFunctionReturn(0);
}

/* A flow that only starts a finer one is solved to 1e-2 relative. The fine Newton starts from its
   interpolant, whose residual on the fine mesh is the two meshes' difference: on the cut aorta at
   1 mm from 2.5 mm (itself from 5 mm) 119 where the coarse flow's own last residual at 1e-2 is
   about 5. The fine solve took the same 3 Newton steps and 144 GMRES iterations (its residuals
   the same to 2-3 digits) whether the start was solved to 1e-8, 1e-3 or 1e-2, and the start
   stage took 5.6, 4.3 and 3.3 s. */
#define START_ONLY_RTOL 1e-2

PetscErrorCode TwinfeFlowSetStartOnly(TwinfeFlow f, PetscBool start_only)
{
  PetscFunctionBeginUser;
  f->start_only = start_only;
  PetscFunctionReturn(0);
}

/* Newton's relative tolerance for a start-only flow, the one set (by default or by the user's
   -flow_snes_rtol) kept where it is looser. */
static PetscErrorCode LoosenNewtonForStart(TwinfeFlow f)
{
  PetscReal rtol;

  PetscFunctionBeginUser;
  if (!f->start_only) PetscFunctionReturn(0);
  PetscCall(SNESGetTolerances(f->snes, NULL, &rtol, NULL, NULL, NULL));
  PetscCall(
      SNESSetTolerances(f->snes, PETSC_DEFAULT, PetscMax(rtol, START_ONLY_RTOL), PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSolve(TwinfeFlow f)
{
  PetscBool navier_stokes;

  PetscFunctionBeginUser;
  PetscCall(EnsureSNES(f));
  PetscCall(LoosenNewtonForStart(f));
  PetscCall(SolveSteady(f, PETSC_TRUE, &navier_stokes));
  PetscCall(ReleaseSolverWork(f));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowStartFrom(TwinfeFlow f, TwinfeFlow coarse)
{
  PetscFunctionBeginUser;
  PetscCheck(coarse->have_state, f->comm, PETSC_ERR_ORDER,
             "flow: the flow to start from has no state yet: solve it first (TwinfeFlowSolve)");
  PetscCall(EnsureSpaces(f));
  if (!f->start) PetscCall(VecDuplicate(f->U, &f->start));
  PetscCall(TwinfeSpaceInterpolate(coarse->space, coarse->U, f->space, f->start));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetStarted(TwinfeFlow f, PetscBool *started)
{
  PetscFunctionBeginUser;
  *started = f->started;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowSolveStart(TwinfeFlow f, PetscBool *navier_stokes)
{
  PetscFunctionBeginUser;
  PetscCall(SolveSteady(f, PETSC_FALSE, navier_stokes));
  PetscFunctionReturn(0);
}

/* BDF coefficients of du/dt ~ c0 u^{n+1} + c1 u^n + c2 u^{n-1}: backward Euler without a
   previous step, else BDF2 for steps dt after dt_prev (ratio w = dt / dt_prev):
   c0 = (1 + 2w) / ((1 + w) dt), c1 = -(1 + w) / dt, c2 = w^2 / ((1 + w) dt). */
static void BDFCoefficients(PetscReal dt, PetscReal dt_prev, PetscReal c[3])
{
  const PetscReal w = dt_prev > 0 ? dt / dt_prev : 0;

  c[0] = (1 + 2 * w) / ((1 + w) * dt);
  c[1] = -(1 + w) / dt;
  c[2] = w * w / ((1 + w) * dt);
}

/* history = int rho (c1 u^n + c2 u^{n-1}) . v; then U_prev = u^n. */
static PetscErrorCode AssembleHistory(TwinfeFlow f, const PetscReal c[3])
{
  Vec H;

  PetscFunctionBeginUser;
  if (!f->history) {
    PetscCall(VecDuplicate(f->U, &f->history));
    PetscCall(VecDuplicate(f->U, &f->U_prev));
  }
  PetscCall(VecDuplicate(f->U, &H));
  PetscCall(VecAXPBYPCZ(H, c[1], c[2], 0.0, f->U, f->U_prev));
  PetscCall(VecZeroEntries(f->history));
  PetscCall(TwinfeSpaceAssembleVector(f->space, 4, H, TwinfeFlowHistoryKernel_Private, f, f->history));
  PetscCall(VecDestroy(&H));
  PetscCall(VecCopy(f->U, f->U_prev));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowStep(TwinfeFlow f, PetscReal dt)
{
  PetscReal c[3];
  char      when[64];

  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(dt) && dt > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "flow time step %g s is not allowed: it must be > 0", (double)dt);
  PetscCheck(f->density > 0, f->comm, PETSC_ERR_ARG_WRONGSTATE,
             "flow: a time step needs a fluid density > 0 (blood: 1.06e-3 g/mm^3); a fluid without inertia has no time "
             "derivative");
  PetscCall(EnsureSNES(f));
  if (!f->have_state) {
    PetscCall(VecZeroEntries(f->U)); /* at rest */
    f->have_state = PETSC_TRUE;
    f->dt_prev    = 0;
  }
  BDFCoefficients(dt, f->dt_prev, c);
  PetscCall(AssembleHistory(f, c));
  f->time += dt;
  f->mass_coeff = c[0];
  f->bdf[0] = c[0], f->bdf[1] = c[1], f->bdf[2] = c[2];
  PetscCall(SetUp(f));
  PetscCall(UpdateOutletLaws(f));
  f->newton_steps = f->linear_iterations = f->max_linear_iterations = 0;
  PetscCall(PetscSNPrintf(when, sizeof when, " at t = %g s", (double)f->time));
  if (Nonlinear(f))
    PetscCall(SolveNavierStokes(f, when));
  else {
    char stage[80];
    PetscCall(PetscSNPrintf(stage, sizeof stage, "Stokes%s", when));
    PetscCall(SolveStokes(f, stage));
    f->newton_steps = 1;
  }
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->space, f->U));
  PetscCall(AdvanceOutlets(f, PETSC_TRUE));
  f->dt_prev = dt;
  PetscFunctionReturn(0);
}

/* The flux into the domain of the prescribed velocities through tag: the Dirichlet values on the
   discrete faces (nodes shared with a wall at rest), integrated exactly. */
static PetscErrorCode PrescribedInflow(TwinfeFlow f, PetscInt tag, PetscReal *inflow)
{
  Vec       G;
  PetscReal flux;

  PetscFunctionBeginUser;
  PetscCall(SetUp(f));
  PetscCall(VecDuplicate(f->U, &G));
  PetscCall(VecZeroEntries(G));
  PetscCall(TwinfeSpaceApplyDirichletToVector(f->space, G));
  PetscCall(TwinfeSpaceComputeFaceFlux(f->space, tag, 0, G, &flux));
  PetscCall(VecDestroy(&G));
  *inflow = -flux;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowScaleVelocityToFlowRate(TwinfeFlow f, PetscInt tag, PetscReal flow_rate)
{
  TwinfeFlowVelocityBC *bc     = NULL;
  PetscReal             inflow = 0;

  PetscFunctionBeginUser;
  PetscCheck(PetscIsNormalReal(flow_rate) && flow_rate > 0, f->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "flow rate %g mm^3/s through tag %" PetscInt_FMT " is not allowed: it must be > 0", (double)flow_rate, tag);
  for (PetscInt i = 0; i < f->nvelocity_bcs; ++i)
    if (f->velocity_bcs[i].tag == tag && f->velocity_bcs[i].fn) bc = &f->velocity_bcs[i];
  PetscCheck(bc, f->comm, PETSC_ERR_ARG_WRONGSTATE,
             "tag %" PetscInt_FMT " has no prescribed velocity to scale: call TwinfeFlowAddVelocity for it first", tag);
  bc->scale  = 1;
  f->dirty   = PETSC_TRUE;
  f->scaling = PETSC_TRUE;
  PetscCall(PrescribedInflow(f, tag, &inflow));
  f->scaling = PETSC_FALSE;
  PetscCheck(inflow > 0, f->comm, PETSC_ERR_ARG_WRONG,
             "the velocity prescribed on tag %" PetscInt_FMT
             " carries %g mm^3/s into the vessel: it must point inward to be scaled to "
             "a flow rate",
             tag, (double)inflow);
  bc->scale = flow_rate / inflow;
  f->dirty  = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Per face: out[0..2] += int wss, out[3] += area, out[4] += int |wss|, out[5] = the largest
   |wss| at the face's quadrature points. wss = t - (t . n) n, t = mu (grad u + grad u^T) n, mu
   the viscosity at that point's shear rate (Carreau-Yasuda) or the Newtonian one. ctx: the flow. */
static PetscErrorCode WallShearKernel(const TwinfeFaceElement *fe, PetscScalar out[], void *ctx)
{
  const TwinfeFlow f = (TwinfeFlow)ctx;
  const PetscReal *n = fe->normal;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < fe->nq; ++q) {
    const PetscReal *D       = &fe->D[0][q * 10 * 3];
    PetscReal        G[3][3] = {{0}}, t[3], tn = 0, wss[3], mag = 0, mu;
    for (PetscInt a = 0; a < 10; ++a)
      for (PetscInt i = 0; i < 3; ++i)
        for (PetscInt j = 0; j < 3; ++j)
          G[i][j] += PetscRealPart(fe->u[3 * a + i]) * D[3 * a + j];
    mu = TwinfeFlowViscosity_Private(f, G);
    for (PetscInt i = 0; i < 3; ++i) {
      t[i] = 0;
      for (PetscInt j = 0; j < 3; ++j)
        t[i] += mu * (G[i][j] + G[j][i]) * n[j];
      tn += t[i] * n[i];
    }
    for (PetscInt i = 0; i < 3; ++i) {
      wss[i] = t[i] - tn * n[i];
      mag += wss[i] * wss[i];
      out[i] += fe->w[q] * wss[i];
    }
    mag = PetscSqrtReal(mag);
    out[3] += fe->w[q];
    out[4] += fe->w[q] * mag;
    out[5] = PetscMax(PetscRealPart(out[5]), mag);
  }
  PetscFunctionReturn(0);
}

/* Each face's mean wss times its area, and its area, added to the face's vertices. */
static PetscErrorCode SpreadFacesToVertices(DM vdm, PetscInt nfaces, const PetscInt faces[], const PetscReal values[], Vec W,
                                            Vec A)
{
  PetscSection section;
  Vec          Wl, Al;
  PetscScalar *w, *a;
  PetscInt     vStart, vEnd;

  PetscFunctionBeginUser;
  PetscCall(DMGetLocalSection(vdm, &section));
  PetscCall(DMPlexGetDepthStratum(vdm, 0, &vStart, &vEnd));
  PetscCall(DMGetLocalVector(vdm, &Wl));
  PetscCall(DMGetLocalVector(vdm, &Al));
  PetscCall(VecZeroEntries(Wl));
  PetscCall(VecZeroEntries(Al));
  PetscCall(VecGetArray(Wl, &w));
  PetscCall(VecGetArray(Al, &a));
  for (PetscInt i = 0; i < nfaces; ++i) {
    PetscInt *closure = NULL, nclosure;
    PetscCall(DMPlexGetTransitiveClosure(vdm, faces[3 * i], PETSC_TRUE, &nclosure, &closure));
    for (PetscInt c = 0; c < nclosure; ++c) {
      const PetscInt p = closure[2 * c];
      PetscInt       off;
      if (p < vStart || p >= vEnd) continue;
      PetscCall(PetscSectionGetOffset(section, p, &off));
      for (PetscInt k = 0; k < 3; ++k) {
        w[off + k] += values[6 * i + k];
        a[off + k] += values[6 * i + 3];
      }
    }
    PetscCall(DMPlexRestoreTransitiveClosure(vdm, faces[3 * i], PETSC_TRUE, &nclosure, &closure));
  }
  PetscCall(VecRestoreArray(Wl, &w));
  PetscCall(VecRestoreArray(Al, &a));
  PetscCall(VecZeroEntries(W));
  PetscCall(VecZeroEntries(A));
  PetscCall(DMLocalToGlobal(vdm, Wl, ADD_VALUES, W));
  PetscCall(DMLocalToGlobal(vdm, Al, ADD_VALUES, A));
  PetscCall(DMRestoreLocalVector(vdm, &Wl));
  PetscCall(DMRestoreLocalVector(vdm, &Al));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowComputeWallShearStress(TwinfeFlow f, PetscInt tag, DM *vdm, Vec *wss, PetscReal *mean, PetscReal *max)
{
  PetscInt     nfaces, *faces, n;
  PetscReal   *values, local[3] = {0, 0, 0}, sum[2], largest;
  Vec          A;
  PetscScalar *w, *a;

  PetscFunctionBeginUser;
  PetscCheck(f->space, f->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeFlowComputeWallShearStress: call TwinfeFlowSolve first");
  PetscCall(TwinfeSpaceEvaluateFaces(f->space, tag, 4, f->U, WallShearKernel, f, 6, &nfaces, &faces, &values));
  for (PetscInt i = 0; i < nfaces; ++i) {
    local[0] += values[6 * i + 4];
    local[1] += values[6 * i + 3];
    local[2] = PetscMax(local[2], values[6 * i + 5]);
  }
  PetscCall(MPIU_Allreduce(local, sum, 2, MPIU_REAL, MPIU_SUM, f->comm));
  PetscCall(MPIU_Allreduce(&local[2], &largest, 1, MPIU_REAL, MPIU_MAX, f->comm));
  if (mean) *mean = sum[1] > 0 ? sum[0] / sum[1] : 0;
  if (max) *max = largest;
  PetscCall(TwinfeSpaceCreateVertexVector(f->space, 0, vdm, wss));
  PetscCall(PetscObjectSetName((PetscObject)*wss, "wall_shear_stress"));
  PetscCall(VecDuplicate(*wss, &A));
  PetscCall(SpreadFacesToVertices(*vdm, nfaces, faces, values, *wss, A));
  PetscCall(VecGetLocalSize(*wss, &n));
  PetscCall(VecGetArray(*wss, &w));
  PetscCall(VecGetArray(A, &a));
  for (PetscInt i = 0; i < n; ++i)
    w[i] = PetscRealPart(a[i]) > 0 ? w[i] / a[i] : 0;
  PetscCall(VecRestoreArray(*wss, &w));
  PetscCall(VecRestoreArray(A, &a));
  PetscCall(VecDestroy(&A));
  PetscCall(PetscFree(faces));
  PetscCall(PetscFree(values));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetSpace(TwinfeFlow f, TwinfeSpace *space)
{
  PetscFunctionBeginUser;
  PetscCheck(f->space, f->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeFlowGetSpace: call TwinfeFlowSolve first");
  *space = f->space;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetSolution(TwinfeFlow f, Vec *U)
{
  PetscFunctionBeginUser;
  PetscCheck(f->U, f->comm, PETSC_ERR_ARG_WRONGSTATE, "TwinfeFlowGetSolution: call TwinfeFlowSolve first");
  *U = f->U;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetVelocityFallback(TwinfeFlow f, PetscBool *ilu)
{
  PetscFunctionBeginUser;
  *ilu = f->velocity_ilu;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetSolverInfo(TwinfeFlow f, PetscInt *newton_steps, PetscInt *linear_iterations,
                                       PetscInt *max_linear_iterations)
{
  PetscFunctionBeginUser;
  if (newton_steps) *newton_steps = f->newton_steps;
  if (linear_iterations) *linear_iterations = f->linear_iterations;
  if (max_linear_iterations) *max_linear_iterations = f->max_linear_iterations;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetNewtonHistory_Private(TwinfeFlow f, PetscInt *n, const PetscReal **norms)
{
  PetscReal *a  = NULL;
  PetscInt   na = 0;
  PetscFunctionBeginUser;
  if (f->snes) PetscCall(SNESGetConvergenceHistory(f->snes, &a, NULL, &na));
  *n     = na;
  *norms = a;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFlowGetPicardSteps(TwinfeFlow f, PetscInt *picard_steps)
{
  PetscFunctionBeginUser;
  *picard_steps = f->picard_steps;
  PetscFunctionReturn(0);
}
