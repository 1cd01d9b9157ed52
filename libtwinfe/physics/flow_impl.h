/* Private layout of TwinfeFlow, shared by flow.c (set-up, solve) and flow_kernels.c.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/flow.h>

#define TWINFE_FLOW_MAX_NEWTON 100 /* steps whose linear iterations are kept */

typedef struct _p_TwinfeFlowPCD      *TwinfeFlowPCD;
typedef struct _p_TwinfeFlowSplit    *TwinfeFlowSplit;
typedef struct _p_TwinfeFlowOutletPC *TwinfeFlowOutletPC;

typedef struct {
  PetscInt             tag;
  TwinfeVectorFunction fn; /* NULL: no slip */
  void                *ctx;
  PetscReal            scale;  /* fn's values are multiplied by it (TwinfeFlowScaleVelocityToFlowRate) */
  PetscReal            factor; /* and by the tag's waveform at the current time (1 without one) */
} TwinfeFlowVelocityBC;

typedef struct {
  PetscInt               tag;
  TwinfeTractionFunction fn;
  void                  *ctx;
  PetscReal              factor; /* the tag's waveform at the current time (1 without one) */
} TwinfeFlowTraction;

typedef struct {
  PetscInt       tag;
  TwinfeWaveform waveform;
} TwinfeFlowWaveform;

/* A Windkessel outlet (TwinfeFlowAddWindkessel): during a solve p = R Q + p0 with Q = b . U. */
typedef struct {
  PetscInt  tag;
  PetscReal Rp, C, Rd, Pd;
  PetscReal Pc, Pc_prev; /* the capacitor's pressure now and one step back */
  PetscReal R, p0;       /* of the current solve */
} TwinfeFlowOutlet;

/* An outlet stabilised against backflow (TwinfeFlowAddBackflowStabilization): the traction
   beta rho (u . n)_- u where u . n < 0 (flow entering through it). */
typedef struct {
  PetscInt   tag;
  PetscReal  beta;
  TwinfeFlow flow;
} TwinfeFlowBackflow;

struct _p_TwinfeFlow {
  MPI_Comm              comm;
  DM                    dm;
  PetscReal             density, viscosity;
  PetscReal             grad_div; /* gamma of the grad-div term gamma int div u div v (Pa s) */
  PetscBool             convection;
  TwinfeFlowVelocityBC *velocity_bcs;
  PetscInt              nvelocity_bcs;
  TwinfeFlowTraction   *tractions;
  PetscInt              ntractions;
  TwinfeVectorFunction  body;
  void                 *body_ctx;
  TwinfeFlowOutlet     *outlets;
  PetscInt              noutlets;
  Mat                   outlet_flux; /* dense, one column b per outlet: Q = b . U */
  Vec                   outlet_R;    /* sequential, the outlets' R */
  Mat                   J_coupled;   /* J + sum R b b^T (MATLRC), the operator with outlets */
  TwinfeFlowOutletPC    outlet_pc;   /* the preconditioner's correction for them (flow_outlet_pc.c) */
  TwinfeFlowBackflow   *backflows;
  PetscInt              nbackflows;
  TwinfeFlowWaveform   *waveforms;
  PetscInt              nwaveforms;
  PetscReal             time; /* s: where the conditions are evaluated */
  /* Built by the set-up. */
  TwinfeSpace     space;          /* velocity P2 x 3, pressure P1 */
  TwinfeSpace     pressure_space; /* P1 alone: the Schur complement's mass matrix */
  Mat             J;
  Mat             schur_pre; /* MATSHELL applying the Schur complement's approximate inverse (flow_pcd.c) */
  TwinfeFlowPCD   pcd;       /* its state */
  TwinfeFlowSplit split;     /* Stokes from its blocks, without the assembled matrix (flow_split.c); NULL: J is assembled */
  Vec             U, R;
  SNES            snes;
  PetscReal       bc_scale;        /* diagonal of constrained rows */
  PetscBool       with_convection; /* what the current solve assembles (Stokes first, then the fluid's own) */
  PetscBool       dirty;
  PetscBool       scaling; /* TwinfeFlowScaleVelocityToFlowRate at work: waveforms left out */
  /* Time stepping: the residual gets rho (c0 u + h) . v, h = c1 u^n + c2 u^{n-1}. */
  PetscReal mass_coeff;      /* c0 (1/s); 0 for a steady solve */
  PetscReal bdf[3];          /* c0, c1, c2 of the current step */
  Vec       history;         /* int rho h . v, assembled once per step */
  Vec       U_prev;          /* u^{n-1} */
  PetscReal dt_prev;         /* the last step's length; 0: no history, the next step is backward Euler */
  PetscBool have_state;      /* U holds a state (a steady solve or a step); else the flow starts at rest */
  PetscReal jacobian_c0;     /* c0 of the Jacobian in J (-1: none): a linear step with the same c0 reuses it */
  PetscBool jacobian_linear; /* J was assembled without convection */
  PetscInt  jacobian_count;  /* Jacobians formed so far: what depends on J knows when it changed */
  PetscInt  newton_steps, linear_iterations, max_linear_iterations;
  Vec       start;          /* the next steady solve's first guess (TwinfeFlowStartFrom), else it starts from Stokes */
  PetscBool started;        /* the last steady solve converged from that guess */
  PetscBool start_only;     /* solved only to start a finer flow: Newton to START_ONLY_RTOL (flow.c) */
  PetscBool velocity_ilu;   /* the steady solve fell back to ILU on the velocity block (flow.c) */
  PetscBool newton_forcing; /* a steady solve's Newton sets each step's linear tolerance (flow.c, SetNewtonForcing) */
  /* Picard steps of a steady Navier-Stokes solve (flow.c, ChooseLinearization): the Jacobian
     then leaves out convection's reaction term rho (du . grad) u */
  PetscBool picard;
  PetscInt  picard_steps, max_picard_steps; /* taken in this solve; allowed (-flow_picard_steps) */
  PetscReal history_norms[TWINFE_FLOW_MAX_NEWTON + 1];
  PetscInt  history_its[TWINFE_FLOW_MAX_NEWTON + 1]; /* linear iterations of each Newton step */
  /* Blood rheology (flow_rheology.c): Newtonian (viscosity above) unless carreau_yasuda. */
  struct {
    PetscBool carreau_yasuda;
    PetscReal mu0, mu_inf, lambda, n, a; /* Pa s, Pa s, s, -, - */
  } rheology;
};

/* Kernels (flow_kernels.c). Element dofs: velocity (node a, component i) at 3a+i, a = 0..9;
   pressure node b at 30+b, b = 0..3. */
PETSC_INTERN PetscErrorCode TwinfeFlowResidualKernel_Private(const TwinfeElement *, PetscScalar[], void *);
PETSC_INTERN PetscErrorCode TwinfeFlowJacobianKernel_Private(const TwinfeElement *, PetscScalar[], void *);
PETSC_INTERN PetscErrorCode TwinfeFlowTractionKernel_Private(const TwinfeFaceElement *, PetscScalar[], void *);
/* Backflow stabilisation on a face set (ctx a TwinfeFlowBackflow): its residual and Jacobian. */
PETSC_INTERN PetscErrorCode TwinfeFlowBackflowKernel_Private(const TwinfeFaceElement *, PetscScalar[], void *);
PETSC_INTERN PetscErrorCode TwinfeFlowBackflowJacobianKernel_Private(const TwinfeFaceElement *, PetscScalar[], void *);
/* Whether the flow has inertia (convection with a density): Navier-Stokes (flow.c). */
PETSC_INTERN PetscBool TwinfeFlowNavierStokes_Private(TwinfeFlow);
/* Sets an option the user did not give (full name with the "flow_" prefix; flow.c): how the
   defaults of solvers made only at set-up are given while the user's options still win. */
PETSC_INTERN PetscErrorCode TwinfeFlowDefaultOption_Private(const char[], const char[]);
/* Mean |diagonal| of A (flow.c): the scale of constrained rows. */
PETSC_INTERN PetscErrorCode TwinfeFlowMeanDiagonal_Private(Mat, PetscReal *);
/* The Schur complement's preconditioner (flow_pcd.c): Create makes the MATSHELL PCFIELDSPLIT
   gets as the user's Schur matrix (applied by PCMAT), SetUp follows a change of the boundary
   conditions, Update gives it each Navier-Stokes iterate. */
PETSC_INTERN PetscErrorCode TwinfeFlowPCDCreate_Private(TwinfeFlow, Mat *);
PETSC_INTERN PetscErrorCode TwinfeFlowPCDSetUp_Private(TwinfeFlow);
PETSC_INTERN PetscErrorCode TwinfeFlowPCDUpdate_Private(TwinfeFlow, Vec);
PETSC_INTERN PetscErrorCode TwinfeFlowPCDDestroy_Private(TwinfeFlow);
/* Stokes from its blocks (flow_split.c). Allowed: whether the flow's physics permits it; Applies:
   allowed and not declined by option (decided once, when the solver is made). Create makes the operator J as a MATSHELL (f->space
   and f->U exist), SetPC makes the outer PC its block preconditioner, SetUp follows a change of the boundary conditions, Assemble
   is the Jacobian (the velocity block at the current c0). */
PETSC_INTERN PetscBool      TwinfeFlowSplitAllowed_Private(TwinfeFlow);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitApplies_Private(TwinfeFlow, PetscBool *);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitCreate_Private(TwinfeFlow, Mat *);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitSetPC_Private(TwinfeFlow, PC);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitSetUp_Private(TwinfeFlow);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitAssemble_Private(TwinfeFlow);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitReset_Private(TwinfeFlow);
PETSC_INTERN PetscErrorCode TwinfeFlowSplitDestroy_Private(TwinfeFlow);
/* Windkessel outlets (flow_outlet_pc.c): SetUp, after the outlets' flux functionals were made,
   puts a PCSHELL applying Woodbury's correction for J + B R B^T around the KSP's preconditioner
   (once) and copies the functionals; Destroy gives the KSP (may be NULL) its preconditioner back. */
PETSC_INTERN PetscErrorCode TwinfeFlowOutletPCSetUp_Private(TwinfeFlow, KSP);
PETSC_INTERN PetscErrorCode TwinfeFlowOutletPCDestroy_Private(TwinfeFlow, KSP);
/* The flow's own preconditioner inside the Woodbury shell (NULL without Windkessel outlets). */
PETSC_INTERN PetscErrorCode TwinfeFlowOutletPCGetInner_Private(TwinfeFlow, PC *);
/* int rho h . v with h the element values given as the assembly's vector (the BDF history). */
PETSC_INTERN PetscErrorCode TwinfeFlowHistoryKernel_Private(const TwinfeElement *, PetscScalar[], void *);
/* Quadrature orders: the residual and Jacobian with convection are degree 5 (u . grad u . v of
   P2 functions), without it 2, with the time derivative (u . v) 4; a body-force function is not
   polynomial, so it gets 6. */
PETSC_INTERN PetscInt TwinfeFlowResidualOrder_Private(TwinfeFlow);
PETSC_INTERN PetscInt TwinfeFlowJacobianOrder_Private(TwinfeFlow);

/* Rheology (flow_rheology.c). G[i][j] = du_i/dx_j; the shear rate is g = sqrt(2 D:D), D the
   symmetric part of G. The viscosity at G: f->viscosity for a Newtonian fluid, the
   Carreau-Yasuda mu(g) otherwise (the wall shear stress uses it). */
PETSC_INTERN PetscReal TwinfeFlowViscosity_Private(TwinfeFlow, const PetscReal G[3][3]);
/* Carreau-Yasuda: mu(g) and c = mu'(g) / g (0 at g = 0, where it multiplies D (x) D = 0), so that
   d mu / d G = 2 c D. */
PETSC_INTERN void TwinfeFlowCarreauYasuda_Private(TwinfeFlow, PetscReal g, PetscReal *mu, PetscReal *c);
/* The viscosity that scales the Schur complement's pressure mass matrix. */
PETSC_INTERN PetscReal TwinfeFlowSchurViscosity_Private(TwinfeFlow);
