/* Profiling events (-log_view), registered on every rank in one order.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: PETSc numbers events in the order a process registers them, and -log_view on several
 * ranks combines the ranks' figures number by number under rank 0's names. The image, surface
 * and mesh stages run on rank 0 only, so rank 0 used to register their events (and meet PETSc's
 * DMPlex package) before the others did, and every later event had another number on rank 1:
 * a two-rank -log_view showed rank 1's MatMult under another name (DMSwarm events that no code
 * here runs appeared with counts). TwinfeInitializePackage registers libtwinfe's events and
 * initialises the PETSc packages it uses, the same on every rank, before any stage runs; the
 * stages still register their events where they use them, which then only looks the number up
 * (PETSc returns the existing event for a name already registered). */
#include "core_impl.h"
#include <petscdmplex.h>
#include <petscds.h>
#include <petscsf.h>
#include <petscsnes.h>
#include <petscts.h>
#include <twinfe/core.h>

typedef struct {
  const char *name;
  PetscBool   dm; /* a DM event (DM_CLASSID), else a general one; class ids are not constants */
} EventName;

/* Every event libtwinfe registers, by stage; a name missing here is registered where it is
   used, and TwinfeLogEventsAgree reports the difference when only some ranks used it. */
static const EventName twinfe_events[] = {
    /* image */
    {"TwinfeImageRead", PETSC_FALSE},
    {"TwinfeImageVoxels", PETSC_FALSE},
    {"TwinfeGzipWhole", PETSC_FALSE},
    {"ImgSelect", PETSC_FALSE},
    {"ImgScan", PETSC_FALSE},
    {"ImgComponents", PETSC_FALSE},
    {"ImgCavities", PETSC_FALSE},
    {"ImgPinches", PETSC_FALSE},
    {"ImgCountPinches", PETSC_FALSE},
    {"TwinfeFidCapture", PETSC_FALSE},
    {"TwinfeFidCompare", PETSC_FALSE},
    /* surface */
    {"TwinfeSurfNets", PETSC_FALSE},
    {"TwinfeSurfSmooth", PETSC_FALSE},
    {"TwinfeSurfCut", PETSC_FALSE},
    {"TwinfeRmSetUp", PETSC_FALSE},
    {"TwinfeRmHalves", PETSC_FALSE},
    {"TwinfeRmBand", PETSC_FALSE},
    {"TwinfeRmStats", PETSC_FALSE},
    /* mesh */
    {"TwinfeGmshGenerate", PETSC_FALSE},
    {"TwinfeGmshExtract", PETSC_FALSE},
    {"TwinfeMeshImprove", PETSC_FALSE},
    {"TwinfeMeshMeasure", PETSC_FALSE},
    {"TwinfeMshWrite", PETSC_FALSE},
    /* partition: DM events */
    {"TwinfeInterpTets", PETSC_TRUE},
    {"TwinfeOwnership", PETSC_TRUE},
    {"TwinfeRefine", PETSC_TRUE},
    {"TwinfeSnap", PETSC_FALSE},
    /* fem */
    {"TwinfeSpaceLayout", PETSC_FALSE},
    {"TwinfeSpaceCells", PETSC_FALSE},
    {"TwinfeSpacePattern", PETSC_FALSE},
    {"TwinfeRanksMatrix", PETSC_FALSE},
    {"TwinfeGalerkin", PETSC_FALSE},
    {"TwinfeRanksGalerkin", PETSC_FALSE},
    {"TwinfeSpaceInterp", PETSC_FALSE},
    /* physics */
    {"TwinfeElaSpace", PETSC_FALSE},
    {"TwinfeElaStiffness", PETSC_FALSE},
    {"TwinfeElaBoundary", PETSC_FALSE},
    {"TwinfeElaCellFields", PETSC_FALSE},
    {"TwinfeElaForces", PETSC_FALSE},
    /* io */
    {"TwinfeResTopology", PETSC_FALSE},
    {"TwinfeResFields", PETSC_FALSE},
    {"TwinfeResVTKWrite", PETSC_FALSE},
    {"TwinfeResHDF5Write", PETSC_FALSE},
};

static PetscBool package_initialized = PETSC_FALSE;

static PetscErrorCode TwinfeFinalizePackage(void)
{
  PetscFunctionBegin;
  package_initialized = PETSC_FALSE; /* PETSc may be initialised again in the same process */
  PetscFunctionReturn(0);
}

/* PETSc's packages register their events when first used; rank 0 uses DMPlex (the mesh it
   reads back) and others before the other ranks do. Initialised here in one order instead. */
static PetscErrorCode InitializePetscPackages(void)
{
  DM dm;

  PetscFunctionBegin;
  PetscCall(PetscSFInitializePackage());
  PetscCall(ISInitializePackage());
  PetscCall(VecInitializePackage());
  PetscCall(MatInitializePackage());
  PetscCall(PCInitializePackage());
  PetscCall(PCGAMGInitializePackage());
  PetscCall(KSPInitializePackage());
  PetscCall(SNESInitializePackage());
  PetscCall(TSInitializePackage());
  PetscCall(DMInitializePackage());
  PetscCall(PetscPartitionerInitializePackage());
  PetscCall(PetscFEInitializePackage());
  PetscCall(PetscFVInitializePackage());
  PetscCall(PetscDSInitializePackage());
  PetscCall(PetscViewerInitializePackage());
  /* DMPlex's package has no public initialiser in 3.18: making a DMPlex runs it */
  PetscCall(DMCreate(PETSC_COMM_SELF, &dm));
  PetscCall(DMSetType(dm, DMPLEX));
  PetscCall(DMDestroy(&dm));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeInitializePackage - Registers libtwinfe's profiling events, and initialises the PETSc
  packages it uses, in one fixed order, so that -log_view on several ranks puts every rank's
  figures under the right names.

  Not collective, but call it on every rank of a run, after PetscInitialize and before any
  stage: TwinfeCaseCreate and the twinfe program do. A program that calls the stages itself
  (some of them on one rank only) calls it first. Calling it again does nothing.

  Level: intermediate

.seealso: TwinfeLogEventsAgree
@*/
PetscErrorCode TwinfeInitializePackage(void)
{
  PetscFunctionBegin;
  if (package_initialized) PetscFunctionReturn(0);
  package_initialized = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(TwinfeFinalizePackage));
  PetscCall(InitializePetscPackages());
  for (size_t i = 0; i < sizeof twinfe_events / sizeof twinfe_events[0]; ++i) {
    PetscLogEvent event;
    PetscClassId  classid = twinfe_events[i].dm ? DM_CLASSID : PETSC_OBJECT_CLASSID;
    PetscCall(PetscLogEventRegister(twinfe_events[i].name, classid, &event));
  }
  PetscFunctionReturn(0);
}

/* FNV-1a over the names, in event order, with a separator so that "ab","c" differs from "a","bc". */
static uint64_t HashEventNames(PetscEventRegLog log)
{
  uint64_t hash = 1469598103934665603ULL;
  for (int e = 0; e < log->numEvents; ++e) {
    for (const char *p = log->eventInfo[e].name; p && *p; ++p)
      hash = (hash ^ (unsigned char)*p) * 1099511628211ULL;
    hash = (hash ^ 0xffu) * 1099511628211ULL;
  }
  return hash;
}

/*@C
  TwinfeLogEventsAgree - Whether every rank of comm has registered the same profiling events
  in the same order (then -log_view's figures of every rank are under the right names).

  Collective

  Input Parameter:
. comm - the ranks to compare

  Output Parameter:
. agree - PETSC_TRUE when the ranks' event lists are equal, name by name

  Level: developer

.seealso: TwinfeInitializePackage
@*/
PetscErrorCode TwinfeLogEventsAgree(MPI_Comm comm, PetscBool *agree)
{
  PetscStageLog stage_log;
  uint64_t      mine[2], low[2], high[2];

  PetscFunctionBegin;
  PetscCall(PetscLogGetStageLog(&stage_log));
  mine[0] = (uint64_t)stage_log->eventLog->numEvents;
  mine[1] = HashEventNames(stage_log->eventLog);
  PetscCallMPI(MPI_Allreduce(mine, low, 2, MPI_UINT64_T, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(mine, high, 2, MPI_UINT64_T, MPI_MAX, comm));
  *agree = low[0] == high[0] && low[1] == high[1] ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
