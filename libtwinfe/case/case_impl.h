/* Private state of a TwinfeCase. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/twinfe.h>
#include "core/core_impl.h"

#define TWINFE_CASE_MAX_REGIONS 256
#define TWINFE_CASE_MAX_STAGES 16
#define TWINFE_CASE_MAX_OUTPUTS 512
#define TWINFE_NAME_LEN 64

struct _p_TwinfeCase {
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  char        output_dir[PETSC_MAX_PATH_LEN], staging_dir[PETSC_MAX_PATH_LEN];
  char        case_file[PETSC_MAX_PATH_LEN], case_dir[PETSC_MAX_PATH_LEN];
  char        created_parent[PETSC_MAX_PATH_LEN]; /* parent folders made for -o, removed if the run fails */
  PetscBool   finished;

  /* Regions: labels and names, the same on every rank. */
  PetscInt nregions;
  int32_t  labels[TWINFE_CASE_MAX_REGIONS];
  char     names[TWINFE_CASE_MAX_REGIONS][TWINFE_NAME_LEN];

  /* Serial stages live on rank 0 only. */
  TwinfeImage   image;
  TwinfeSurface surface;
  TwinfeMesh    mesh;
  TwinfeReport  report;

  DM               dm;
  PetscReal        mesh_diagonal_mm; /* of the mesh's bounding box, for the small-strain check */
  TwinfeElasticity elasticity;

  PetscInt       nstages;
  char           stage_names[TWINFE_CASE_MAX_STAGES][TWINFE_NAME_LEN];
  PetscReal      stage_seconds[TWINFE_CASE_MAX_STAGES];
  PetscReal      stage_peak_mb[TWINFE_CASE_MAX_STAGES]; /* high-water mark of resident memory at the stage's end, largest rank */
  PetscInt       noutputs;
  char          *outputs[TWINFE_CASE_MAX_OUTPUTS];
  PetscLogDouble start_time;
  PetscInt       pinch_voxels; /* voxels given to labels to mend pinches */
};

/* created_parent: the outermost missing parent folder of output_dir it made (or empty). */
PETSC_INTERN PetscErrorCode TwinfeStagingCreate(MPI_Comm comm, const char output_dir[], char staging_dir[],
                                                char created_parent[]);
PETSC_INTERN PetscErrorCode TwinfeStagingCommit(MPI_Comm comm, const char staging_dir[], const char output_dir[]);
PETSC_INTERN PetscErrorCode TwinfeRemoveTree(const char path[]);
/* Records an output file (relative to the output folder) for the summary and the report. */
PETSC_INTERN PetscErrorCode TwinfeCaseAddOutput(TwinfeCase c, const char relative[]);
/* Material of region i from the options (-<name>_E ..., then -E ...), checked. */
PETSC_INTERN PetscErrorCode TwinfeCaseGetMaterial(TwinfeCase c, PetscInt i, PetscReal *E, PetscReal *nu, PetscReal *density);
/* Time (and peak memory) a stage; collective stages also become -log_view stages. */
PETSC_INTERN PetscErrorCode TwinfeCaseBeginStage(TwinfeCase c, const char name[], PetscBool collective, PetscLogDouble *t0);
PETSC_INTERN PetscErrorCode TwinfeCaseEndStage(TwinfeCase c, PetscBool collective, PetscLogDouble t0);
