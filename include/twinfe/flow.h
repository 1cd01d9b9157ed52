/* libtwinfe physics stage: incompressible blood flow (Stokes, steady Navier-Stokes) on a
 * distributed DMPlex, Taylor-Hood P2 velocity / P1 pressure (TwinfeFlow).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Units mm-g-s: velocity mm/s, pressure Pa (= g mm^-1 s^-2), dynamic viscosity Pa s
 * (= g mm^-1 s^-1), density g/mm^3, flow rate mm^3/s (1 ml/s = 1000 mm^3/s), body force
 * uN/mm^3 (= g mm^-2 s^-2).
 *
 * Weak form (docs/flow.md): find u, p with u = g on the walls and inlets and, for all v, q,
 *   int mu grad u : grad v + rho (u . grad) u . v - p div v - f . v  =  int_traction t . v,
 *   int q div u = 0.
 * The viscous term is the Laplacian form mu grad u : grad v (equal to the symmetric form
 * 2 mu eps(u) : eps(v) for a divergence-free u with no-slip walls); its natural condition on a
 * boundary left free is mu du/dn - p n = 0 ("do nothing"), which a fully developed Poiseuille
 * profile satisfies at an outlet, so an outlet cut across a straight vessel does not disturb the
 * flow upstream. Tractions given on a tag are that same mu du/dn - p n.
 *
 * Solver (docs/flow.md): Newton (SNES newtonls, backtracking line search; Stokes: one linear
 * solve), FGMRES with PCFIELDSPLIT Schur (upper factorisation): velocity block by one GAMG
 * V-cycle, Schur complement approximated by the pressure mass matrix over the viscosity (plus the
 * grad-div parameter, TwinfeFlowSetGradDiv). Every
 * choice can be changed from the options, prefix "flow_" (-flow_snes_*, -flow_ksp_*,
 * -flow_pc_*, -flow_fieldsplit_velocity_*, -flow_fieldsplit_pressure_*). */
#pragma once
#include <twinfe/physics.h>
#include <twinfe/waveform.h>

typedef struct _p_TwinfeFlow *TwinfeFlow;

/* A traction t(x, n) (Pa) on a face with outward unit normal n. */
typedef PetscErrorCode (*TwinfeTractionFunction)(const PetscReal x[3], const PetscReal n[3], PetscReal t[3], void *ctx);

/*@
  TwinfeFlowCreate - Creates an incompressible flow problem on a distributed DMPlex.

  Collective on the DM

  Input Parameter:
. dm - distributed DMPlex with "Cell Sets" and "Face Sets"

  Output Parameter:
. flow - the new flow problem

  Notes:
  Blood by default (density 1.06e-3 g/mm^3, viscosity 3.5e-3 Pa s), Navier-Stokes.

  Level: intermediate

.seealso: TwinfeFlowDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowCreate(DM dm, TwinfeFlow *flow);

/*@
  TwinfeFlowDestroy - Destroys a flow problem.

  Collective

  Input Parameter:
. flow - the flow problem, set to NULL

  Level: intermediate

.seealso: TwinfeFlowCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowDestroy(TwinfeFlow *flow);

/*@
  TwinfeFlowSetFluid - Sets a Newtonian fluid's density and dynamic viscosity.

  Not collective

  Input Parameters:
+ flow      - the flow problem
. density   - density (g/mm^3, >= 0)
- viscosity - dynamic viscosity (Pa s, > 0)

  Notes:
  Newtonian fluid: density (g/mm^3, >= 0) and dynamic viscosity (Pa s, > 0).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetFluid(TwinfeFlow flow, PetscReal density, PetscReal viscosity);

/*@
  TwinfeFlowSetCarreauYasuda - Sets a Carreau-Yasuda shear-thinning viscosity.

  Not collective

  Input Parameters:
+ flow   - the flow problem
. mu0    - viscosity at zero shear rate (Pa s)
. mu_inf - viscosity at infinite shear rate (Pa s, > 0, <= mu0)
. lambda - time constant (s, >= 0)
. n      - power-law index, 0 < n <= 1
- a      - Yasuda exponent (> 0)

  Notes:
  Carreau-Yasuda blood: mu(g) = mu_inf + (mu0 - mu_inf) (1 + (lambda g)^a)^((n - 1) / a), g =
  sqrt(2 D:D) the shear rate (1/s), D the symmetric velocity gradient; mu0 >= mu_inf > 0 (Pa s),
  lambda >= 0 (s), 0 < n <= 1, a > 0. Blood (Cho and Kensey 1991, as in Boyd et al. 2007):
  0.056, 0.00345, 3.313, 0.3568, 2. The viscous term becomes 2 mu(g) D(u) : D(v), so a traction
  (and the natural condition of a free outlet) is 2 mu D n - p n; TwinfeFlowSetFluid's viscosity
  is then unused. The flow is nonlinear: it is solved by Newton, with convection or without
  (Stokes: convection off, or density 0), from the Stokes flow with viscosity mu0.

  Level: intermediate

.seealso: TwinfeFlowGetCarreauYasuda(), TwinfeFlowSetFluid()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetCarreauYasuda(TwinfeFlow flow, PetscReal mu0, PetscReal mu_inf, PetscReal lambda,
                                                       PetscReal n, PetscReal a);

/*@
  TwinfeFlowGetCarreauYasuda - Returns whether the Carreau-Yasuda viscosity is set, and its parameters.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameters:
+ set   - whether the Carreau-Yasuda viscosity is set
- param - mu0, mu_inf, lambda, n, a (may be NULL)

  Notes:
  Whether the Carreau-Yasuda viscosity is set, and its mu0, mu_inf, lambda, n, a (param may be
  NULL).

  Level: intermediate

.seealso: TwinfeFlowSetCarreauYasuda()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetCarreauYasuda(TwinfeFlow flow, PetscBool *set, PetscReal param[5]);

/*@
  TwinfeFlowSetGradDiv - Sets the grad-div stabilisation parameter.

  Not collective

  Input Parameters:
+ flow  - the flow problem
- gamma - the grad-div parameter (Pa s, >= 0)

  Notes:
  gamma >= 0 (Pa s) of the grad-div term gamma int div u div v added to the momentum equation
  (0 by default). The exact solution has div u = 0, so the term is consistent; it makes the
  discrete velocity more nearly divergence-free, and it is the augmented-Lagrangian way to make
  the Schur complement look like -M_p / (mu + gamma) whatever the convection: in a duct at
  Re 300 with the velocity block solved exactly, FGMRES needed 553 iterations per Newton step
  with gamma = 0 and 39 with gamma = 1 Pa s (benchmarks/bench_flow, docs/flow.md). The
  velocity block then gets harder for one GAMG V-cycle. The pressure mass matrix of the
  preconditioner is scaled by 1 / (mu + gamma).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetGradDiv(TwinfeFlow flow, PetscReal gamma);

/*@
  TwinfeFlowSetConvection - Chooses Stokes or Navier-Stokes.

  Not collective

  Input Parameters:
+ flow       - the flow problem
- convection - PETSC_FALSE for Stokes, PETSC_TRUE for Navier-Stokes

  Notes:
  PETSC_FALSE: Stokes (no convection, one linear solve); PETSC_TRUE (default): Navier-Stokes.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetConvection(TwinfeFlow flow, PetscBool convection);

/*@
  TwinfeFlowAddWall - Adds a no-slip wall on the faces with a tag.

  Not collective

  Input Parameters:
+ flow - the flow problem
- tag  - facet tag ("Face Sets" value)

  Notes:
  No slip (u = 0) on the faces with the tag.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowAddWall(TwinfeFlow flow, PetscInt tag);

/*@
  TwinfeFlowAddVelocity - Prescribes the velocity on the faces with a tag.

  Not collective

  Input Parameters:
+ flow - the flow problem
. tag  - facet tag ("Face Sets" value)
. fn   - the velocity u(x) (mm/s)
- ctx  - context handed to the callback (may be NULL)

  Notes:
  u = fn(x) on the faces with the tag (an inlet profile; nodes shared with a wall take the
  later condition: add walls first, or last to keep the inlet's rim at rest).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowAddVelocity(TwinfeFlow flow, PetscInt tag, TwinfeVectorFunction fn, void *ctx);

/*@
  TwinfeFlowScaleVelocityToFlowRate - Scales the velocity given on a tag so that it carries a flow rate.

  Collective

  Input Parameters:
+ flow      - the flow problem
. tag       - facet tag ("Face Sets" value)
- flow_rate - the flow rate into the domain (mm^3/s, > 0)

  Notes:
  Scale the velocity given on tag (TwinfeFlowAddVelocity) so that it carries flow_rate
  (mm^3/s, > 0) into the domain through the discrete faces: the flux of the prescribed values,
  with the nodes a wall holds at rest, integrated exactly. A plug profile on a cap otherwise
  carries less than speed x area (8% less on a 3 mm aorta mesh).

  Level: intermediate

.seealso: TwinfeFlowAddVelocity()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowScaleVelocityToFlowRate(TwinfeFlow flow, PetscInt tag, PetscReal flow_rate);

/*@
  TwinfeFlowAddTraction - Prescribes the traction on the faces with a tag.

  Not collective

  Input Parameters:
+ flow - the flow problem
. tag  - facet tag ("Face Sets" value)
. fn   - the traction t(x, n) (Pa)
- ctx  - context handed to the callback (may be NULL)

  Notes:
  Traction mu du/dn - p n = fn(x, n) on the faces with the tag; a tag given nothing is free
  (traction 0).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowAddTraction(TwinfeFlow flow, PetscInt tag, TwinfeTractionFunction fn, void *ctx);

/*@
  TwinfeFlowAddWindkessel - Adds a three-element Windkessel (RCR) outlet.

  Not collective

  Input Parameters:
+ flow - the flow problem
. tag  - the outlet's facet tag
. Rp   - proximal resistance (Pa s/mm^3)
. C    - compliance (mm^3/Pa; 0: a resistance)
. Rd   - distal resistance (Pa s/mm^3)
- Pd   - distal pressure (Pa)

  Notes:
  A three-element Windkessel (RCR) on an outlet: its pressure p (a traction -p n) follows the
  flow Q (mm^3/s) out through tag as p = Rp Q + Pc, C dPc/dt = Q - (Pc - Pd) / Rd, coupled to
  the 3D solve implicitly: the operator carries the rank-one term R b b^T of each outlet (b the
  outlet's flux functional, a MATLRC beside the assembled matrix), so Newton and the Krylov
  solver see the coupling, and the preconditioner is corrected for it by Woodbury's identity
  (exact for these terms: a resistance costs no iterations).
  Rp, Rd in Pa s/mm^3 (1 mmHg s/ml = 0.133322 Pa s/mm^3), C in mm^3/Pa, Pd the distal pressure
  (Pa). C = 0 (then Rd may be 0): a resistance Rp + Rd. A steady solve takes Pc = Pd + Rd Q.
  Time steps integrate Pc with the flow's BDF scheme.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowAddWindkessel(TwinfeFlow flow, PetscInt tag, PetscReal Rp, PetscReal C, PetscReal Rd,
                                                    PetscReal Pd);

/*@
  TwinfeFlowAddBackflowStabilization - Stabilises an open boundary against backflow.

  Not collective

  Input Parameters:
+ flow - the flow problem
. tag  - the open boundary's facet tag
- beta - the stabilisation coefficient (>= 1/2 bounds the energy; 0 removes it)

  Notes:
  Stabilise the open boundary tag (an outlet: free, traction or Windkessel) against backflow:
  where blood enters through it (u . n < 0) its traction gains beta rho (u . n) u, which takes
  out the kinetic energy the reversed flow would carry in (beta >= 1/2 bounds it; 0 removes the
  term). Blood leaving is untouched. Navier-Stokes only (the term is inertial). Without it a
  flow that reverses at an outlet, as in diastole, diverges there.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowAddBackflowStabilization(TwinfeFlow flow, PetscInt tag, PetscReal beta);

/*@
  TwinfeFlowGetWindkessel - Returns an outlet's flow and pressure in the current state.

  Collective

  Input Parameters:
+ flow - the flow problem
- tag  - the outlet's facet tag

  Output Parameters:
+ Q - flow out through the outlet (mm^3/s)
- p - the outlet's pressure (Pa)

  Notes:
  The outlet's flow Q (mm^3/s, out of the vessel) and pressure p = Rp Q + Pc (Pa) of the current
  state.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetWindkessel(TwinfeFlow flow, PetscInt tag, PetscReal *Q, PetscReal *p);

/*@
  TwinfeFlowSetBodyForce - Sets a body force.

  Not collective

  Input Parameters:
+ flow - the flow problem
. fn   - the body force f(x) (uN/mm^3; NULL removes it)
- ctx  - context handed to the callback (may be NULL)

  Notes:
  A body force f(x) (uN/mm^3), e.g. for manufactured solutions; fn NULL removes it.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetBodyForce(TwinfeFlow flow, TwinfeVectorFunction fn, void *ctx);

/*@
  TwinfeFlowSetFromOptions - Sets the SNES, KSP and PC from the options database.

  Collective

  Input Parameter:
. flow - the flow problem

  Notes:
  SNES, KSP and PC from the options database (prefix "flow_").

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetFromOptions(TwinfeFlow flow);
/* The PC type "twinfe_components" (libtwinfe/physics/flow_components.c): one block Gauss-Seidel
   sweep over the components of a matrix whose block size (2 or 3) interleaves them, x, y, z at
   each node: y_i = A_ii^-1 (x_i - sum_{j<i} A_ij y_j), each A_ii solved by a KSP of prefix
   <the PC's prefix>component_. Steady Navier-Stokes uses it on its velocity block. A flow
   registers it when it makes its solver; call this to use it in a solver of your own first. Not
   collective. */
#define TWINFE_PC_COMPONENTS "twinfe_components"
/*@
  TwinfePCRegisterComponents - Registers the PC type "twinfe_components", a block Gauss-Seidel sweep over components.

  Not collective

  Notes:
  The PC type "twinfe_components" (libtwinfe/physics/flow_components.c): one block Gauss-Seidel
  sweep over the components of a matrix whose block size (2 or 3) interleaves them, x, y, z at
  each node: y_i = A_ii^-1 (x_i - sum_{j<i} A_ij y_j), each A_ii solved by a KSP of prefix
  <the PC's prefix>component_. Steady Navier-Stokes uses it on its velocity block. A flow
  registers it when it makes its solver; call this to use it in a solver of your own first. Not
  collective.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfePCRegisterComponents(void);

/*@
  TwinfeFlowSolve - Solves the steady flow.

  Collective

  Input Parameter:
. flow - the flow problem

  Notes:
  Steady solve. Navier-Stokes starts from the Stokes solution; where the linear solver fails
  with the default velocity multigrid, Newton starts again from the Stokes flow with ILU on the
  velocity block (TwinfeFlowGetVelocityFallback). Fails, naming what to change, when Newton or
  the linear solver does not converge.

  Level: intermediate

.seealso: TwinfeFlowGetVelocityFallback()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSolve(TwinfeFlow flow);

/*@
  TwinfeFlowSetStartOnly - Marks a flow as solved only to start a finer one.

  Not collective

  Input Parameters:
+ flow       - the flow problem
- start_only - PETSC_TRUE: solved only to start a finer flow

  Notes:
  This flow is solved only to start a finer one (TwinfeFlowStartFrom, grid sequencing): its
  steady Newton stops at a residual 1e-2 of its first (or at the tolerance set, if looser), as
  the fine flow needs no more of it (docs/flow.md, Solver).

  Level: developer

.seealso: TwinfeFlowStartFrom()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetStartOnly(TwinfeFlow flow, PetscBool start_only);

/*@
  TwinfeFlowStartFrom - Starts the next steady solve from a coarser mesh's flow (grid sequencing).

  Collective

  Input Parameters:
+ flow   - the flow problem
- coarse - the solved flow on a coarser mesh

  Notes:
  Grid sequencing: the next steady solve starts Newton from coarse's flow (solved, on another
  mesh of the same vessel, e.g. at twice the edge length; TwinfeSpaceInterpolate), not from the
  Stokes flow, and takes fewer steps on the fine mesh (docs/flow.md). Where Newton does not
  converge from it, the solve starts again from the Stokes flow. The two flows must have the
  same fluid and conditions (their tags may sit on different meshes); coarse may be destroyed
  after the call.

  Level: advanced

.seealso: TwinfeSpaceInterpolate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowStartFrom(TwinfeFlow flow, TwinfeFlow coarse);

/*@
  TwinfeFlowGetStarted - Returns whether the last steady solve converged from the start given by TwinfeFlowStartFrom().

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. started - whether the last steady solve converged from the given start

  Level: advanced

.seealso: TwinfeFlowStartFrom()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetStarted(TwinfeFlow flow, PetscBool *started);

/*@
  TwinfeFlowSolveStart - Solves the steady flow to start time steps from.

  Collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. navier_stokes - PETSC_TRUE when the start is the steady Navier-Stokes flow

  Notes:
  The steady flow to start time steps from: steady Navier-Stokes where Newton converges from the
  Stokes flow, else the Stokes flow, which the earlier cycles then wash out (each time step's
  inertia term makes it easier than the steady problem); *navier_stokes says which. Stokes
  flows: the same as TwinfeFlowSolve.

  Level: intermediate

.seealso: TwinfeFlowSolve()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSolveStart(TwinfeFlow flow, PetscBool *navier_stokes);

/* ---- Unsteady flow ------------------------------------------------------------------------
   rho du/dt is added to the momentum equation and integrated by BDF2 (second order, A-stable;
   variable steps allowed), the first step after a start by backward Euler. Each step is one
   Newton solve (one linear solve for Stokes) from the previous state. The state starts at the
   last steady solution (TwinfeFlowSolve) or at rest. */

/*@
  TwinfeFlowSetWaveform - Multiplies what is given on a tag by a periodic waveform of time.

  Not collective

  Input Parameters:
+ flow - the flow problem
. tag  - facet tag ("Face Sets" value)
- w    - the waveform (NULL removes it)

  Notes:
  Multiply what is given on tag, its velocity (after TwinfeFlowScaleVelocityToFlowRate) or its
  traction, by w(t) at the current time: a pulsatile inflow or an oscillating pressure. The flow
  keeps a reference; NULL removes it.

  Level: intermediate

.seealso: TwinfeFlowScaleVelocityToFlowRate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetWaveform(TwinfeFlow flow, PetscInt tag, TwinfeWaveform w);

/*@
  TwinfeFlowSetTime - Sets the time at which the conditions are evaluated, forgetting the state's history.

  Not collective

  Input Parameters:
+ flow - the flow problem
- t    - the time (s)

  Notes:
  The time t (s) at which the conditions are evaluated: that of a steady solve, or where the
  stepping starts; it forgets the state's history, so the next step is backward Euler (default
  0).

  Level: intermediate

.seealso: TwinfeFlowGetTime()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowSetTime(TwinfeFlow flow, PetscReal t);

/*@
  TwinfeFlowGetTime - Returns the current time.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. t - the current time (s)

  Level: intermediate

.seealso: TwinfeFlowSetTime()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetTime(TwinfeFlow flow, PetscReal *t);

/*@
  TwinfeFlowStep - Advances the unsteady flow by one time step.

  Collective

  Input Parameters:
+ flow - the flow problem
- dt   - the time step (s, > 0)

  Notes:
  rho du/dt is added to the momentum equation and integrated by BDF2 (second order, A-stable;
  variable steps allowed), the first step after a start by backward Euler. Each step is one
  Newton solve (one linear solve for Stokes) from the previous state. The state starts at the
  last steady solution (TwinfeFlowSolve) or at rest.
  Advance the state from the current time t to t + dt (dt > 0, s). Fails like
  TwinfeFlowSolve, naming the time. Collective.

  Level: intermediate

.seealso: TwinfeFlowSolve()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowStep(TwinfeFlow flow, PetscReal dt);

/*@
  TwinfeFlowComputeWallShearStress - Computes the wall shear stress on tagged faces.

  Collective

  Input Parameters:
+ flow - the flow problem
- tag  - facet tag ("Face Sets" value)

  Output Parameters:
+ vdm  - the new vertex DM of the stress
. wss  - the new vector of the stress, 3 components per vertex (Pa)
. mean - area-weighted mean of |wss| over the faces (may be NULL)
- max  - largest |wss| at a quadrature point (may be NULL)

  Notes:
  Wall shear stress (Pa) on the faces tagged tag: the tangential part of the viscous traction
  mu (grad u + grad u^T) n, n the wall's outward normal, from the P2 velocity's gradient on
  each face. *wss (3 components per vertex, on the new *vdm; the caller destroys both) holds at
  each vertex the area-weighted mean over the tagged faces around it, 0 elsewhere. mean: the
  area-weighted mean of |wss| over the faces; max: its largest value at a quadrature point
  (either may be NULL). Call after TwinfeFlowSolve.

  Level: intermediate

.seealso: TwinfeFlowSolve()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowComputeWallShearStress(TwinfeFlow flow, PetscInt tag, DM *vdm, Vec *wss, PetscReal *mean,
                                                             PetscReal *max);

/*@
  TwinfeFlowGetSpace - Returns the flow's space.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. space - the space (lent)

  Notes:
  The space (field 0 "velocity", P2, 3 components; field 1 "pressure", P1) and the solution
  on its DM, lent; valid after a solve.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetSpace(TwinfeFlow flow, TwinfeSpace *space);

/*@
  TwinfeFlowGetSolution - Returns the flow's solution vector.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. U - the solution on the space's DM (lent)

  Notes:
  The space (field 0 "velocity", P2, 3 components; field 1 "pressure", P1) and the solution
  on its DM, lent; valid after a solve.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetSolution(TwinfeFlow flow, Vec *U);

/*@
  TwinfeFlowGetVelocityFallback - Returns whether a steady solve fell back to ILU(1) on the velocity block.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. ilu - whether the solve fell back to ILU(1) on the velocity block

  Notes:
  Whether a steady Navier-Stokes solve fell back to ILU(1) on the velocity block (block Jacobi
  across ranks) because the default multigrid did not converge (a coarse mesh at a high flow);
  the flow keeps it for its later solves.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetVelocityFallback(TwinfeFlow flow, PetscBool *ilu);

/*@
  TwinfeFlowGetSolverInfo - Returns the Newton steps and linear iterations of the last solve.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameters:
+ newton_steps          - Newton steps
. linear_iterations     - linear iterations summed over them
- max_linear_iterations - largest linear iteration count of one step

  Notes:
  Newton steps, linear iterations summed over them, and the largest linear iteration count of
  one step.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetSolverInfo(TwinfeFlow flow, PetscInt *newton_steps, PetscInt *linear_iterations,
                                                    PetscInt *max_linear_iterations);

/*@
  TwinfeFlowGetPicardSteps - Returns how many of the last steady solve's Newton steps were Picard steps.

  Not collective

  Input Parameter:
. flow - the flow problem

  Output Parameter:
. picard_steps - how many Newton steps were Picard steps

  Notes:
  How many of the last steady Navier-Stokes solve's Newton steps were Picard steps, the
  Jacobian without convection's reaction term: taken after a step that cut the residual less
  than tenfold, at most -flow_picard_steps (default 2; docs/flow.md).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFlowGetPicardSteps(TwinfeFlow flow, PetscInt *picard_steps);
