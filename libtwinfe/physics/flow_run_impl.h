/* Private state of the case's blood-flow physics, shared by flow_run.c (options, caps, steady
 * flow) and flow_cycle.c (pulsatile flow over cardiac cycles).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "physics_impl.h"

#include <twinfe/flow.h>

/* The last nonlinear flow solve's residual norm before each Newton (or Picard) step and after the
   last (SNES's convergence history; lent by f). */
PETSC_INTERN PetscErrorCode TwinfeFlowGetNewtonHistory_Private(TwinfeFlow f, PetscInt *n, const PetscReal **norms);

#define TWINFE_FLOW_MAX_HARMONICS 64 /* of -inflow_fourier */
#define TWINFE_FLOW_MAX_OUTLETS 64   /* with -outlet_rcr */

typedef struct {
  PetscReal center[3], normal[3], radius;
  PetscBool poiseuille;
} Profile;

typedef struct {
  PetscBool      convection;
  TwinfeFlow     flow;
  PetscInt       ncaps;
  TwinfeCapInfo *caps; /* the same on every rank */
  PetscInt       inlet;
  Profile        profile;
  PetscReal      inflow_mm3_s, density, viscosity, grad_div;
  PetscReal      backflow_beta;   /* the outlets' backflow stabilisation (TwinfeFlowAddBackflowStabilization) */
  PetscReal      start_mesh_size; /* -start_mesh_size (mm): Newton starts from the flow on a mesh this coarse; 0: from Stokes */
  DM             wss_dm;          /* the wall shear stress at the vertices, from the solve */
  Vec            wss;
  /* Pulsatile flow (flow_cycle.c): -cycles > 0 with an inflow waveform. */
  PetscInt       cycles, frames_per_cycle;
  PetscReal      time_step;       /* s, as asked; the run shortens it to a whole number of steps per frame */
  TwinfeWaveform inflow_waveform; /* ml/s */
  /* -outlet_rcr: Rp, C, Rd per outlet (the caps but the inlet, in cap order); n 0: free outlets */
  PetscInt  nrcr;
  PetscReal rcr[3 * TWINFE_FLOW_MAX_OUTLETS];
} Blood;

/* The pulsatile run: the steady flow at t = 0, then -cycles cardiac cycles of time steps; the
   states of the last cycle into the results, the caps' flow and pressure at every step into
   flow_caps.csv, and over the last cycle TAWSS, OSI and RRT. Collective. */
PETSC_INTERN PetscErrorCode TwinfeBloodRunCycles_Private(TwinfePhysics c, TwinfeResults results);
/* The flux (ml/s) and mean pressure (Pa) through each cap of the current solution. */
PETSC_INTERN PetscErrorCode TwinfeBloodCapFigures_Private(TwinfePhysics c, PetscReal flow_ml_s[], PetscReal pressure[]);
/* One state of the results: the velocity at its P2 nodes (written as quadratic tets), the
   pressure and the wall shear stress at the vertices, and nextra more vertex fields (tawss, osi,
   rrt, in that order). Collective. */
PETSC_INTERN PetscErrorCode TwinfeBloodWriteState_Private(TwinfePhysics c, TwinfeResults results, PetscReal time, PetscInt nextra,
                                                          const Vec extra[]);
/* The flow's state in a checkpoint (flow_checkpoint.c): added to one being written; read back
   into a flow whose start was solved. Collective. */
PETSC_INTERN PetscErrorCode TwinfeFlowCheckpointAdd_Private(TwinfeFlow f, TwinfeCheckpoint ck);
PETSC_INTERN PetscErrorCode TwinfeFlowCheckpointGet_Private(TwinfeFlow f, TwinfeCheckpoint ck);
