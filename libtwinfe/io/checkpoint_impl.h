/* Checkpoints of a stepped solve (io/checkpoint.c; docs/checkpoint.md): what a run needs to go on
 * after it was killed, written into its staging folder and read back by a run with -restart.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A checkpoint is a pair of files in STAGING/checkpoint/: checkpoint_SSSSSS.bin (PETSc binary:
 * the blocks, in the order they were added) and checkpoint_SSSSSS.json (what the blocks are, the
 * step, the results states written so far, the fingerprint of the inputs and options, and the
 * size and SHA-256 of the .bin). Each is written under a temporary name, fsync'ed and renamed,
 * the .json last: a checkpoint whose .json is there and whose .bin has that size and hash is
 * complete. The two latest are kept, so a damaged latest one falls back to the one before.
 *
 * Node blocks are keyed by where each node is (a vertex, or the midpoint of an edge), not by
 * its number, so a checkpoint written on N ranks restarts on M. */
#pragma once
#include <petscdm.h>
#include <twinfe/io.h>
#include <twinfe/physics.h>

typedef struct _p_TwinfeCheckpoint *TwinfeCheckpoint;

/* Collective. folder: the run's staging folder (checkpoints go to folder/checkpoint/); every: the
   steps between checkpoints (0: none); restart_dir: the staging folder of the run to continue
   ("" or NULL: none). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointCreate(MPI_Comm comm, const char folder[], PetscInt every, const char restart_dir[],
                                                   TwinfeCheckpoint *ck);
PETSC_INTERN PetscErrorCode TwinfeCheckpointDestroy(TwinfeCheckpoint *ck);
/* Whether step is one to checkpoint (every > 0 and step a multiple of it). */
PETSC_INTERN PetscBool TwinfeCheckpointDue(TwinfeCheckpoint ck, PetscInt step);

/* Writing, collective: Begin, the blocks, Commit. kind names the stepping ("load_steps",
   "pulsatile"); time is the load factor or the time (s) the step reached. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointBegin(TwinfeCheckpoint ck, const char kind[], PetscInt step, PetscReal time);
/* A global Vec on dm (a DMPlex with coordinates, or a clone of one with its own section). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointAddVec(TwinfeCheckpoint ck, const char name[], DM dm, Vec v);
/* Numbers every rank holds alike (rank 0's are written). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointAddReals(TwinfeCheckpoint ck, const char name[], PetscInt n, const PetscReal v[]);
/* Writes the blocks and the results states written so far (may be NULL). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointCommit(TwinfeCheckpoint ck, TwinfeResults results);

/* Reading, collective. Load picks the latest complete checkpoint of the restart folder, checks
   its kind and fingerprint (refusing, naming the option or the mesh, on a mismatch), and says
   so on the terminal; *step and *time are the step it was written after. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointLoad(TwinfeCheckpoint ck, const char kind[], PetscInt *step, PetscReal *time);
/* Whether a restart folder was given. */
PETSC_INTERN PetscBool TwinfeCheckpointRestarting(TwinfeCheckpoint ck);
/* The fingerprint's mesh part is made from the node blocks: Load checks it from the first GetVec. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointGetVec(TwinfeCheckpoint ck, const char name[], DM dm, Vec v);
/* n values into v (n must be what was written). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointGetReals(TwinfeCheckpoint ck, const char name[], PetscInt n, PetscReal v[]);
/* The count of values of a reals block. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointGetRealsSize(TwinfeCheckpoint ck, const char name[], PetscInt *n);
/* The results states the checkpointed run had written, linked (or copied) from the restart
   folder into this run's and added to results. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointRestoreResults(TwinfeCheckpoint ck, TwinfeResults results);
/* After a successful solve: the checkpoints are removed from the staging folder (an output holds
   the results, not what it took to get there), and report.json says what was written and read. */
PETSC_INTERN PetscErrorCode TwinfeCheckpointFinish(TwinfeCheckpoint ck, TwinfeReport report);

/* A physics' checkpoints (physics.c): a stepped solve writes them and, restarting, reads one
   (elasticity_run.c, flow_cycle.c). ck is not owned. Not collective. */
PETSC_INTERN PetscErrorCode TwinfePhysicsSetCheckpoint_Private(TwinfePhysics p, TwinfeCheckpoint ck);
/* Rank 0: the checkpoint files and their folder removed from staging_dir (what is not a
   checkpoint stays). */
PETSC_INTERN void TwinfeCheckpointRemoveAll_Private(const char staging_dir[]);

/* The step of staging_dir's latest complete checkpoint, -1 (and why says why) when it has none.
   Not collective (the case's rank 0 looks for the folder to restart from). */
PETSC_INTERN PetscErrorCode TwinfeCheckpointLatest_Private(const char staging_dir[], PetscInt *step, char why[], size_t len);

/* results.c: the states of a series, and a state written by another run (with its number of
   pieces) taken into it; the caller has put its files in the series' folder. */
PETSC_INTERN PetscErrorCode TwinfeResultsGetState_Private(TwinfeResults results, PetscInt s, PetscReal *time, const char **file,
                                                          PetscMPIInt *pieces);
PETSC_INTERN PetscErrorCode TwinfeResultsAdoptState_Private(TwinfeResults results, PetscReal time, const char file[],
                                                            PetscMPIInt pieces);
PETSC_INTERN PetscErrorCode TwinfeResultsGetFolder_Private(TwinfeResults results, const char **dir, const char **basename);
/* The series' HDF5 writer, NULL unless its format is XDMF (results_xdmf.h). */
struct _p_TwinfeXDMF;
PETSC_INTERN PetscErrorCode TwinfeResultsGetXDMF_Private(TwinfeResults results, struct _p_TwinfeXDMF **xdmf);
