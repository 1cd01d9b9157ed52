/* Private state of a TwinfeCase. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/twinfe.h>
#include "core/core_impl.h"

#define TWINFE_CASE_MAX_REGIONS 256
#define TWINFE_CASE_MAX_STAGES 16
#define TWINFE_NAME_LEN 64
/* twinfe print's hollowing (case_print.c, declared in case_options.c): a resin printer's usual
   drain hole, and a catheter model's wall that holds its shape yet cuts with scissors. */
#define TWINFE_PRINT_MAX_DRAIN_HOLES 16
#define TWINFE_PRINT_DRAIN_DIAMETER_DEFAULT 3.5
#define TWINFE_PRINT_TUBE_WALL_DEFAULT 1.5

struct _p_TwinfeCase {
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  char        output_dir[PETSC_MAX_PATH_LEN];  /* -o, normalised by TwinfeStagingCreate */
  char        staging_dir[PETSC_MAX_PATH_LEN]; /* where this run writes, renamed to output_dir at the end */
  char        case_file[PETSC_MAX_PATH_LEN], case_dir[PETSC_MAX_PATH_LEN];
  char        created_parent[PETSC_MAX_PATH_LEN]; /* outermost parent folder of -o this run made, or empty */
  char        restart_dir[PETSC_MAX_PATH_LEN];    /* -restart: the staging folder of the run continued, or empty */
  PetscBool   finished;

  /* Regions: labels and names, the same on every rank. */
  PetscInt nregions;
  int32_t  labels[TWINFE_CASE_MAX_REGIONS];
  char     names[TWINFE_CASE_MAX_REGIONS][TWINFE_NAME_LEN];

  /* Serial stages live on rank 0 only. */
  TwinfeImage    image;
  TwinfeSurface  surface;
  TwinfeSurface  segmented_surface;  /* with -mesh_refine: the smoothed surface before remeshing, to snap onto (case_snap.c) */
  PetscReal      segmented_voxel_mm; /* its image's smallest voxel spacing */
  TwinfeMesh     mesh;
  TwinfeReport   report;
  TwinfeFidelity fidelity;                               /* the labels as read, before cleaning: what the mesh is compared with */
  PetscInt       voxels_meshed[TWINFE_CASE_MAX_REGIONS]; /* each region's voxels after the selection (image runs only) */

  DM                dm;
  TwinfePhysics     physics; /* -physics, made when the regions are known */
  TwinfeSolverStore store;   /* solvers shared with other cases in this process (not owned; may be NULL) */

  PetscInt       nstages;
  char           stage_names[TWINFE_CASE_MAX_STAGES][TWINFE_NAME_LEN];
  PetscReal      stage_seconds[TWINFE_CASE_MAX_STAGES];
  PetscReal      stage_peak_mb[TWINFE_CASE_MAX_STAGES]; /* high-water mark of resident memory at the stage's end, largest rank */
  PetscInt       noutputs, maxoutputs;
  char         **outputs; /* every file and folder written, relative to the output folder: the manifest */
  PetscLogDouble start_time;
  PetscInt       pinch_voxels;     /* voxels given to labels to mend pinches */
  char           no_pictures[256]; /* rank 0: why the run drew no picture ("" when it drew them) */
};

/* The output folder (staging.c; docs/outputs.md says what twinfe deletes and what it never does).
   Create, collective: normalises output_dir in place (a buffer of PETSC_MAX_PATH_LEN), refuses
   an output that is a file, a link, or a folder that is not a complete twinfe output (unless
   -force), and makes the staging folder beside it; created_parent gets the outermost parent
   folder it made. On failure it leaves nothing behind. */
PETSC_INTERN PetscErrorCode TwinfeStagingCreate(MPI_Comm comm, char output_dir[], char staging_dir[], char created_parent[]);
/* Commit, collective, after report.json with its "manifest" is in the staging folder: refuses
   an -o that holds an input of the run, then puts the staging folder in place. */
PETSC_INTERN PetscErrorCode TwinfeStagingCommit(MPI_Comm comm, const char staging_dir[], const char output_dir[]);
/* After a failed run, on any rank: removes the staging folder and the parents it made if empty. */
PETSC_INTERN PetscErrorCode TwinfeStagingAbandon(const char staging_dir[], const char output_dir[], const char created_parent[]);
/* Whether a staging folder's owner (the "<host>-<pid>[.<n>]" after its mark) is a process that
   ended on this machine; *here whether it ran here. Not collective. */
PETSC_INTERN PetscBool TwinfeStagingOwnerIsGone(const char folder[], PetscBool *here);
/* -restart (restart.c, docs/checkpoint.md): after the staging folder was made, the folder of the
   killed run to continue: the one named, or the staging folder of the same -o with the latest
   complete checkpoint; refused, before any work, when there is none. Collective. */
PETSC_INTERN PetscErrorCode TwinfeCaseFindRestart_Private(TwinfeCase c);
/* After the commit: the continued run's staging folder goes, file by file, as far as it holds
   what this run's manifest lists and checkpoints; otherwise it stays, named. Collective. */
PETSC_INTERN PetscErrorCode TwinfeCaseRemoveRestarted_Private(TwinfeCase c);
/* Refuses an input of the run that lies inside output_dir. Not collective (rank 0). */
PETSC_INTERN PetscErrorCode TwinfeStagingCheckInput(const char output_dir[], const char input[]);

/* Output folders and their manifests (TwinfeOutputClassify ...): include/twinfe/case.h. */
/* Refuses the run when an input its new report.json records ("inputs": {role: {"path": ...}}),
   read back from staging_dir, lies inside output_dir. */
PETSC_INTERN PetscErrorCode TwinfeOutputCheckInputs(const char staging_dir[], const char output_dir[]);
/* a/b into out (b alone when a is empty); PETSC_FALSE when it does not fit. */
PETSC_INTERN PetscBool TwinfePathJoin(char out[], size_t len, const char a[], const char b[]);
/* Whether path is a folder itself, not a symbolic link to one. */
PETSC_INTERN PetscBool TwinfePathIsFolder(const char path[]);
/* Records a file or folder (relative to the output folder, a folder with a trailing '/') in the
   manifest and the summary; a name already recorded is kept once. */
PETSC_INTERN PetscErrorCode TwinfeCaseAddOutput(TwinfeCase c, const char relative[]);
/* A complete twinfe output in folder (relative to the case's staging folder) and every entry of
   its manifest, as outputs of the case (manifest.c). Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeCaseAddOutputFolder(TwinfeCase c, const char folder[]);
/* The case's physics (-physics, default elasticity), made on first use, given the regions and
   the report, its options checked: called again whenever the regions change. */
PETSC_INTERN PetscErrorCode TwinfeCaseGetPhysics_Private(TwinfeCase c);
/* Time (and peak memory) a stage; collective stages also become -log_view stages. */
PETSC_INTERN PetscErrorCode TwinfeCaseBeginStage(TwinfeCase c, const char name[], PetscBool collective, PetscLogDouble *t0);
PETSC_INTERN PetscErrorCode TwinfeCaseEndStage(TwinfeCase c, PetscBool collective, PetscLogDouble t0);
/* report.json's `regions` and `interfaces` lists and the summary's per-region table, from the
   mesh and, when f is not NULL, its comparison with the labels as read (case_fidelity.c). Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeCaseReportRegions(TwinfeCase c, TwinfeFidelity f);
/* -mesh_refine with -mesh_snap (case_snap.c): rank 0 keeps the smoothed surface before it is
   remeshed; after the refinement, collectively, the finest level's boundary vertices move onto
   it, with what moved and each region's volume in the summary and report.json. */
PETSC_INTERN PetscErrorCode TwinfeCaseKeepSegmentedSurface_Private(TwinfeCase c);
PETSC_INTERN PetscErrorCode TwinfeCaseSnapRefinedBoundary_Private(TwinfeCase c);

/* What `twinfe print` (case_print.c) shares with the other commands (case.c). The staging path
   of a file of the output; -labels and -names; the regions from rank 0 to every rank; rank 0
   only: the label map read and cleaned as the image stage (with the serial threads recorded);
   a Gmsh mesh's regions and its facets as the case's surface. */
PETSC_INTERN PetscErrorCode TwinfeCaseStagingPath_Private(TwinfeCase c, const char relative[], char path[PETSC_MAX_PATH_LEN]);
PETSC_INTERN PetscErrorCode TwinfeCaseReadRegionOptions_Private(TwinfeCase c);
PETSC_INTERN PetscErrorCode TwinfeCaseBroadcastRegions_Private(TwinfeCase c);
PETSC_INTERN PetscErrorCode TwinfeCaseReadImageOnRoot_Private(TwinfeCase c, const char path[]);
PETSC_INTERN PetscErrorCode TwinfeCaseReadMeshSurfaceOnRoot_Private(TwinfeCase c, const char path[]);
/* The -print_* options belong to `twinfe print`: the other commands refuse them (case_print.c). */
PETSC_INTERN PetscErrorCode TwinfeCaseRefusePrintOptions_Private(TwinfeCase c);
