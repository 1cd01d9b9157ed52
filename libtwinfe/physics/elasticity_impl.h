/* What the elasticity files share: the material laws at one point (elasticity_materials.c).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/physics.h>
#include "names_impl.h"

/* A material law ready for a quadrature point: the moduli of a TwinfeMaterial in the form its
   strain energy uses. */
typedef struct {
  TwinfeMaterialModel model;
  PetscReal           mu, lambda; /* shear modulus, Lame's first parameter (linear, neo-Hookean) */
  PetscReal           kappa;      /* bulk modulus (Mooney-Rivlin's volumetric energy) */
  PetscReal           c10, c01;   /* Mooney-Rivlin's coefficients */
  PetscReal           density;
} TwinfeElasticLaw;

PETSC_INTERN void TwinfeElasticLawFromMaterial_Private(const TwinfeMaterial *m, TwinfeElasticLaw *law);

/* The first Piola-Kirchhoff stress P (row-major 3x3, Pa) and, if A is not NULL, its derivative
   A[(3i+J)*9 + 3k+L] = dP_iJ/dF_kL at the deformation gradient F (row-major 3x3). Returns
   PETSC_FALSE, leaving P and A unset, where det F <= 0 (an inverted element: no energy is
   defined there, a Newton step that reaches it must be shortened). The linear law gives
   sigma(eps) of F - I (small strain), exact for every F. Not collective. */
PETSC_INTERN PetscBool TwinfeElasticLawStress_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal P[9],
                                                      PetscReal A[81]);
/* Strain energy density W(F) (Pa = uJ/mm^3); PETSC_FALSE where det F <= 0. Not collective. */
PETSC_INTERN PetscBool TwinfeElasticLawEnergy_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal *W);

/* The mixed displacement-pressure form (elasticity_mixed.c) splits every law's energy into
   W(F) = W_shear(F) + K/2 theta(F)^2, theta = ln J (finite strain) or tr(grad u) (the linear
   law): *shear = the law without its volumetric term; returns K (lambda for the linear and
   neo-Hookean laws, kappa for Mooney-Rivlin). Not collective. */
PETSC_INTERN PetscReal TwinfeElasticLawSplit_Private(const TwinfeElasticLaw *law, TwinfeElasticLaw *shear);
/* theta(F) and its first (9) and, if d2theta is not NULL, second (81) derivatives in F, in the
   index order of TwinfeElasticLawStress_Private; PETSC_FALSE where det F <= 0 (finite strain). */
PETSC_INTERN PetscBool TwinfeElasticLawVolumetric_Private(const TwinfeElasticLaw *law, const PetscReal F[9], PetscReal *theta,
                                                          PetscReal dtheta[9], PetscReal d2theta[81]);

/* ---- The elasticity object (elasticity.c: set-up; elasticity_kernels.c: element kernels;
   elasticity_steps.c: load steps and Newton) ---- */

typedef struct {
  PetscInt       region;
  TwinfeMaterial material;
} TwinfeRegionMaterial;

typedef struct {
  PetscInt             tag, mask;
  PetscBool            has_box;
  PetscReal            box[6];
  TwinfeVectorFunction fn; /* NULL: clamp */
  void                *ctx;
  PetscBool            has_tool; /* the nodes inside the tool, moved by its motion */
  TwinfeTool           tool;
  PetscBool            absolute; /* values at load factor t below, not scaled by the space (a tool's path) */
  PetscReal            t;
} TwinfeElasticityDisplacement;

typedef struct {
  PetscInt  tag;
  PetscReal t[3];
  PetscReal load; /* the load factor applied (set before each assembly) */
} TwinfeElasticityTraction;

/* A pressure on the faces with the tag (Pa, pushing into the tissue): -p n da on the deformed
   faces under finite strain (a follower load), -p N dA on the reference faces under small strain. */
typedef struct {
  PetscInt  tag;
  PetscReal pressure;
  PetscBool follower;
  PetscReal load;
} TwinfeElasticityPressure;

/* An elastic support: the traction -stiffness * u on the faces with the tag. */
typedef struct {
  PetscInt  tag;
  PetscReal stiffness; /* Pa/mm */
} TwinfeElasticitySpring;

struct _p_TwinfeElasticity {
  MPI_Comm                      comm;
  DM                            dm;
  PetscInt                      degree;
  TwinfeElasticityFormulation   formulation;
  TwinfeRegionMaterial         *materials;
  PetscInt                      nmaterials;
  TwinfeElasticityDisplacement *displacements;
  PetscInt                      ndisplacements;
  TwinfeElasticityTraction     *tractions;
  PetscInt                      ntractions;
  TwinfeElasticitySpring       *springs;
  PetscInt                      nsprings;
  TwinfeElasticityPressure     *pressures;
  PetscInt                      npressures;
  TwinfeFaceMatrixTerm         *face_terms; /* the springs', then the follower pressures' (set-up) */
  PetscInt                      nface_terms, nfollower_terms;
  PetscReal                     gravity[3];
  TwinfeVectorFunction          body;
  void                         *body_ctx;
  PetscInt                      nsteps; /* nominal load steps (TwinfeElasticitySetLoadSteps) */
  TwinfeElasticityStepMonitor   monitor;
  void                         *monitor_ctx;
  /* built by setup */
  TwinfeSpace       space;
  Mat               J;
  PetscBool         J_symmetric; /* J was made by TwinfeSpaceCreateSymmetricMatrix (EnsureOperator) */
  Vec               u, r;
  SNES              snes;
  TwinfeMultigrid   mg;                /* P1 on a refined mesh: its levels (NULL otherwise: GAMG) */
  TwinfeElasticLaw *laws;              /* one per material, in materials' order */
  TwinfeElasticLaw *shear_laws;        /* mixed form: the laws without their volumetric term */
  PetscReal        *bulk;              /* mixed form: the volumetric modulus K each law's theta carries */
  IS                field_is[2];       /* mixed form: displacement and pressure dofs (owned) */
  Mat               schur_pre;         /* mixed form: -(1/mu + 1/K) M_p, the Schur complement's model */
  PetscBool         blocks_configured; /* mixed form: the block solvers have their defaults */
  PetscInt         *row_component;     /* per owned row: its displacement component, -1 for a pressure */
  PetscInt         *cell_law;          /* per local cell: its law in laws */
  PetscBool         nonlinear;
  PetscReal         bc_scale;     /* constraint rows' diagonal: the mean stiffness diagonal */
  PetscReal         load;         /* the load factor of the residual and Jacobian being assembled */
  PetscBool         follows_path; /* a tool moves along waypoints: prescribed values are set per load factor */
  PetscInt          inverted;     /* quadrature points with det F <= 0 seen by the last residual */
  PetscBool         dirty;
  PetscInt          nsets;    /* held sets: the displacements, in the order added */
  PetscInt        **set_rows; /* per set: the owned local rows it holds (for its reaction) */
  PetscInt         *set_nrows;
  /* what the last solve did */
  PetscInt steps_taken, newton_its, linear_its, cutbacks;
  /* Checkpoints (elasticity_checkpoint.c): the increment the step after a converged one starts
     with; and on a restart the converged state the steps go on from (resume.u NULL: from 0). */
  PetscReal next_dt;
  struct {
    PetscInt  step, steps_taken, newton_its, linear_its, cutbacks;
    PetscReal t, dt;
    Vec       u;
  } resume;
  /* the last linear solve's iterations, residual norm and KSPConvergedReason, read from the KSP
     while there is one (TwinfeElasticityReleaseSolver drops it) */
  PetscInt last_its, last_reason;
  /* small strain: the store solvers are shared through (NULL: none), the kept solver found there
     for this stiffness (referenced; NULL: this one's own), and whether the solver of the
     stiffness is ready for the load steps; with a store the multigrid's products wait for it */
  TwinfeSolverStore store;
  KSP               kept;
  PetscBool         linear_ready, operator_pending, reused; /* reused: the last solve used a kept solver */
  PetscBool         offered;                                /* this one's KSP went to the store (DestroySNES) */
  PetscReal         last_rnorm;
  PetscReal        *residual_history; /* the last solve's residual norms: per CG iteration (small strain), per Newton
                                        step of the last load step (finite strain); report.html */
  PetscReal newton_norms[101];        /* SNES's history of one load step (its own array: SNES would allocate anew each time) */
  PetscInt  nresidual_history;
  PetscBool released;
  /* vertex-only displacement for writers (P2 only; P1 lends u), and the mixed form's pressure */
  DM  vertex_dm, pressure_dm, reaction_dm, node_dm;
  Vec vertex_u, pressure, reaction, node_u;
  /* R(u) at the load factor it was assembled for: the reaction forces and the reaction field
     read it, assembled once per state (HeldResidual) */
  Vec              held_residual;
  PetscObjectState held_state;
  PetscReal        held_load;
};

/* The law of a local cell. */
static inline const TwinfeElasticLaw *TwinfeElasticityCellLaw(TwinfeElasticity e, PetscInt cell)
{
  return &e->laws[e->cell_law[cell]];
}

static inline PetscBool TwinfeElasticityMixed(TwinfeElasticity e)
{
  return e->formulation == TWINFE_ELASTICITY_MIXED ? PETSC_TRUE : PETSC_FALSE;
}

/* F = I + grad u at quadrature point q (row-major; I where the element has no values). */
PETSC_INTERN void TwinfeElasticityDeformationGradient_Private(const TwinfeElement *el, PetscInt q, PetscReal F[9]);
/* K += the displacement block int grad v : A : grad du at point q (A = dP/dF, 81 values). */
PETSC_INTERN void TwinfeElasticityAddTangent_Private(const TwinfeElement *el, PetscInt q, const PetscReal A[81], PetscScalar K[]);
/* The first Piola-Kirchhoff stress at point q of the cell's law, and in the mixed form with
   the pressure unknown in place of the volumetric stress; PETSC_FALSE where det F <= 0. */
PETSC_INTERN PetscBool TwinfeElasticityPointStress_Private(TwinfeElasticity e, const TwinfeElement *el, PetscInt q,
                                                           const PetscReal F[9], PetscReal P[9]);

/* elasticity_mixed.c: the mixed form's kernels (displacement P2, pressure P1, Taylor-Hood). */
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedResidualKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedTangentKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx);
/* The laws' split, the field index sets, the Schur complement's model and the block solver. */
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedSetUp_Private(TwinfeElasticity e);
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedCreateSolver_Private(TwinfeElasticity e, KSP ksp);
/* Once ksp has its operators: the block solvers' defaults, before the options. Collective. */
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedConfigureBlocks_Private(TwinfeElasticity e, KSP ksp);
PETSC_INTERN PetscErrorCode TwinfeElasticityMixedDestroy_Private(TwinfeElasticity e);

/* elasticity_kernels.c. Quadrature orders: the stiffness and internal forces (one rule, so
   that Newton's matrix is the exact derivative of the discrete residual), and the loads (finer
   when a body force function is given, which is not polynomial). */
PETSC_INTERN PetscInt TwinfeElasticityStiffnessOrder_Private(TwinfeElasticity e);
PETSC_INTERN PetscInt TwinfeElasticityLoadOrder_Private(TwinfeElasticity e);
/* Small strain (every law linear): constant stiffness. */
PETSC_INTERN PetscErrorCode TwinfeElasticityLinearStiffnessKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx);
/* Internal forces int P : grad v (any law; the linear law's P is sigma(eps)) and, for finite
   strain, their derivative in u. Quadrature points with det F <= 0 add nothing and are counted
   in e->inverted. */
PETSC_INTERN PetscErrorCode TwinfeElasticityResidualKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticityTangentKernel_Private(const TwinfeElement *el, PetscScalar K[], void *ctx);
/* Body forces -t int (rho g + f) . v (dead loads). */
PETSC_INTERN PetscErrorCode TwinfeElasticityBodyKernel_Private(const TwinfeElement *el, PetscScalar r[], void *ctx);
/* Elastic support (ctx: a TwinfeElasticitySpring): its force k u . v on a face (residual) and
   its stiffness k (matrix); out[0..2] += k u (the force the tissue puts on the support, for
   its total). */
PETSC_INTERN PetscErrorCode TwinfeElasticitySpringKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticitySpringMatrixKernel_Private(const TwinfeFaceElement *fe, PetscScalar K[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticitySpringForceKernel_Private(const TwinfeFaceElement *fe, PetscScalar out[], void *ctx);
/* Newton's matrix at U (finite strain), or with U NULL or small strain the small-strain
   stiffness, with the springs' terms. */
PETSC_INTERN PetscErrorCode TwinfeElasticityAssembleMatrix_Private(TwinfeElasticity e, Vec U, Mat J);
/* Traction t->load * t->t on a face (a dead load: fixed in size and direction). */
PETSC_INTERN PetscErrorCode TwinfeElasticityTractionKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx);
/* Pressure (ctx: a TwinfeElasticityPressure) on a face: its force and, for a follower load, its
   derivative in u (not symmetric). */
PETSC_INTERN PetscErrorCode TwinfeElasticityPressureKernel_Private(const TwinfeFaceElement *fe, PetscScalar r[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticityPressureMatrixKernel_Private(const TwinfeFaceElement *fe, PetscScalar K[], void *ctx);
/* Cell means over the stiffness rule of: Cauchy stress (6: xx yy zz xy yz xz), Green-Lagrange
   strain (6, same order), J; out holds 13 values per cell. */
PETSC_INTERN PetscErrorCode TwinfeElasticityCellFieldsKernel_Private(const TwinfeElement *el, PetscScalar out[], void *ctx);
#define TWINFE_ELASTICITY_CELL_FIELDS 13
/* out[0..5] += the Cauchy stress (xx yy zz xy yz xz) times the face measure, out[6] += the face
   measure, over a face's quadrature points. */
PETSC_INTERN PetscErrorCode TwinfeElasticityFaceStressKernel_Private(const TwinfeFaceElement *fe, PetscScalar out[], void *ctx);

/* The prescribed displacements' values at load factor t (elasticity.c). Collective. */
PETSC_INTERN PetscErrorCode TwinfeElasticitySetDisplacementLoad_Private(TwinfeElasticity e, PetscReal t);

/* elasticity_steps.c: the solve over load steps (linear or Newton). */
PETSC_INTERN PetscErrorCode TwinfeElasticitySolveSteps_Private(TwinfeElasticity e);
/* Internal minus external forces at U and the current load factor, the held rows included
   (their values are the supports' reactions); e->inverted counts det F <= 0 over all ranks. */
PETSC_INTERN PetscErrorCode TwinfeElasticityAssembleForces_Private(TwinfeElasticity e, Vec U, Vec F);
PETSC_INTERN PetscErrorCode TwinfeElasticityFormFunction_Private(SNES snes, Vec U, Vec F, void *ctx);
PETSC_INTERN PetscErrorCode TwinfeElasticityFormJacobian_Private(SNES snes, Vec U, Mat J, Mat P, void *ctx);

/* e->J's values changed: a geometric multigrid redoes its coarse operators. */
PETSC_INTERN PetscErrorCode TwinfeElasticityOperatorChanged_Private(TwinfeElasticity e);
