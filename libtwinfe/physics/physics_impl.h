/* Private layout of TwinfePhysics and what the physics' files share.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/core.h>
#include <twinfe/physics.h>
#include "io/checkpoint_impl.h"

/* What one physics does at each step of its life (TwinfePhysicsCreate ... Destroy). create
   fills physics->data; destroy frees it. check_options and prepare may be NULL. */
typedef struct {
  const char *name;   /* the -physics value */
  const char *fields; /* what its results show, for the summary */
  PetscErrorCode (*create)(TwinfePhysics);
  PetscErrorCode (*check_options)(TwinfePhysics);
  PetscErrorCode (*prepare)(TwinfePhysics, TwinfeMesh); /* the mesh on rank 0, NULL elsewhere */
  PetscErrorCode (*set_up)(TwinfePhysics);
  PetscErrorCode (*solve)(TwinfePhysics);
  PetscErrorCode (*write)(TwinfePhysics, TwinfeResults);
  /* Grid sequencing (may be NULL: never): the edge length (mm; 0: none) of a coarser mesh whose
     solution the solve should start from, and the start itself from such a solved physics. */
  PetscErrorCode (*start_mesh_size)(TwinfePhysics, PetscReal *);
  PetscErrorCode (*start_from)(TwinfePhysics, TwinfePhysics);
  /* Whether the fields need the mesh's faces and edges (may be NULL: they do). */
  PetscErrorCode (*needs_mesh_edges)(TwinfePhysics, PetscBool *);
  PetscErrorCode (*destroy)(TwinfePhysics);
} TwinfePhysicsOps;

struct _p_TwinfePhysics {
  const TwinfePhysicsOps *ops;
  MPI_Comm                comm;
  PetscMPIInt             rank, size;
  PetscInt                nregions;
  int32_t                *labels;
  char                  **names;
  TwinfeReport            report;                           /* rank 0 only */
  DM                      dm;                               /* from TwinfePhysicsSetUp, not owned */
  TwinfeResults           results;                          /* from TwinfePhysicsSetResults, not owned (may be NULL) */
  char                    input_folder[PETSC_MAX_PATH_LEN]; /* "" = the working folder */
  PetscBool               quiet;                            /* nothing on the terminal (TwinfePhysicsSetQuiet) */
  PetscBool               start_only;                       /* solved only to start a finer solve (TwinfePhysicsSetStartOnly) */
  TwinfeCheckpoint checkpoint; /* from TwinfePhysicsSetCheckpoint_Private, not owned (may be NULL): -checkpoint_every, -restart */
  TwinfeSolverStore store;     /* from TwinfePhysicsSetSolverStore, not owned (may be NULL) */
  void             *data;      /* the physics' own state */
};

PETSC_INTERN const TwinfePhysicsOps TwinfePhysicsOps_Elasticity;
PETSC_INTERN const TwinfePhysicsOps TwinfePhysicsOps_Stokes;       /* flow_run.c */
PETSC_INTERN const TwinfePhysicsOps TwinfePhysicsOps_NavierStokes; /* flow_run.c */

/* Where tissue is held (clamp.c): facet tags and, per connected part of the mesh and tag, the
   box of the part's vertices it holds. Read from -clamp_tags, -clamp_axis, -clamp_side and
   -clamp_fraction; a part nothing holds is refused, named. */
typedef struct {
  PetscInt   ntags;
  PetscInt  *tags;
  PetscInt   nboxes;
  PetscInt  *box_tag;          /* the tag box b applies to */
  PetscReal *boxes;            /* 6 per box: lo, hi along x, y, z */
  PetscReal  mesh_diagonal_mm; /* of the mesh's bounding box */
} TwinfeClampSet;
/* Collective; mesh on rank 0 (NULL elsewhere); the result is the same on every rank. */
PETSC_INTERN PetscErrorCode TwinfeClampSetCreate_Private(TwinfePhysics p, TwinfeMesh mesh, TwinfeClampSet *clamp);
PETSC_INTERN PetscErrorCode TwinfeClampSetDestroy_Private(TwinfeClampSet *clamp);

/* The cell fields of the unloaded state (no stress, no strain, J = 1), as new Vecs named and
   sized as TwinfeElasticityComputeCellFields makes them, with no cell evaluated (elasticity.c).
   Collective. */
PETSC_INTERN PetscErrorCode TwinfeElasticityCreateUnloadedCellFields_Private(TwinfeElasticity e, Vec fields[]);

/* The reaction field's Vec (node layout of the displacement, named "reaction_force"), made if
   needed, its values as last computed: the unloaded state, whose reactions are zero, needs only
   its layout, not an assembly of R(0). Collective the first time. */
/* The last solve's residual norms: at each Krylov iteration of a small-strain solve, or before
   each Newton step of the last load step of a finite-strain one and after its last (0 of them
   before any solve); owned by e. */
PETSC_INTERN PetscErrorCode TwinfeElasticityGetResidualHistory_Private(TwinfeElasticity e, PetscInt *n, const PetscReal **norms);
PETSC_INTERN PetscErrorCode TwinfeElasticityGetReactionVec_Private(TwinfeElasticity e, Vec *reaction);

/* An input path given in an option, relative to the input folder (TwinfePhysicsSetInputFolder). */
PETSC_INTERN PetscErrorCode TwinfePhysicsResolveInputPath_Private(TwinfePhysics p, const char given[],
                                                                  char path[PETSC_MAX_PATH_LEN]);
/* How the unknowns are spread over the ranks, from the solution's layout: partition.unknowns_min,
   _max and _imbalance (most / mean) in the report, and a line when there are several ranks.
   Collective. */
PETSC_INTERN PetscErrorCode TwinfePhysicsReportUnknowns_Private(TwinfePhysics p, Vec u);
/* inputs.<role>.path and .sha256 in the report (rank 0), like the case's own inputs. Collective. */
PETSC_INTERN PetscErrorCode TwinfePhysicsRecordInputFile_Private(TwinfePhysics p, const char role[], const char path[]);
/* The load steps' part of a checkpoint (elasticity_checkpoint.c): Begin with the displacement and
   where the steps are; and on a restart, Load it and set the solve to go on from there. */
PETSC_INTERN PetscErrorCode TwinfeElasticityCheckpointBegin_Private(TwinfeElasticity e, TwinfeCheckpoint ck, PetscInt step,
                                                                    PetscReal t);
PETSC_INTERN PetscErrorCode TwinfeElasticityCheckpointLoad_Private(TwinfeElasticity e, TwinfeCheckpoint ck);
/* PetscPrintf on the physics' communicator, unless the physics is quiet. */
PETSC_INTERN PetscErrorCode TwinfePhysicsPrintf_Private(TwinfePhysics p, const char format[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
