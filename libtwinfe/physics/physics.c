/* TwinfePhysics: the physics a case drives, chosen by name, behind one set of steps.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700 /* realpath */
#include "physics_impl.h"

#include <stdarg.h>
#include "core/core_impl.h"

#include <twinfe/core.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Every physics there is; a new one adds its ops here. */
static const TwinfePhysicsOps *const known[] = {&TwinfePhysicsOps_Elasticity, &TwinfePhysicsOps_Stokes,
                                                &TwinfePhysicsOps_NavierStokes};
#define NKNOWN (sizeof known / sizeof known[0])

PetscErrorCode TwinfePhysicsList(const char *const **names)
{
  static const char *list[NKNOWN + 1]; /* the ops' names, NULL-terminated: one list to keep */

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(names);
  for (size_t i = 0; i < NKNOWN; i++)
    list[i] = known[i]->name;
  list[NKNOWN] = NULL;
  *names       = list;
  PetscFunctionReturn(0);
}

static PetscErrorCode FindOps(MPI_Comm comm, const char name[], const TwinfePhysicsOps **ops)
{
  char list[256] = "";

  PetscFunctionBeginUser;
  *ops = NULL;
  for (size_t i = 0; i < NKNOWN; i++) {
    if (!strcmp(known[i]->name, name)) *ops = known[i];
    PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof list));
    PetscCall(PetscStrlcat(list, known[i]->name, sizeof list));
  }
  PetscCheck(*ops, comm, PETSC_ERR_ARG_WRONG, "-physics %s is not known: give one of %s", name, list);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsCreate(MPI_Comm comm, const char name[], TwinfePhysics *physics)
{
  const TwinfePhysicsOps *ops;
  TwinfePhysics           p;
  PetscErrorCode          ierr;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(name);
  TwinfeCheckArgNull_Private(physics);
  *physics = NULL;
  PetscCall(FindOps(comm, name, &ops));
  PetscCall(PetscNew(&p));
  p->ops  = ops;
  p->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &p->rank));
  PetscCallMPI(MPI_Comm_size(comm, &p->size));
  ierr = ops->create(p);
  if (ierr) PetscCall(PetscFree(p));
  PetscCall(ierr);
  *physics = p;
  PetscFunctionReturn(0);
}

static PetscErrorCode ForgetRegions(TwinfePhysics p)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < p->nregions; i++)
    PetscCall(PetscFree(p->names[i]));
  PetscCall(PetscFree(p->names));
  PetscCall(PetscFree(p->labels));
  p->nregions = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsDestroy(TwinfePhysics *physics)
{
  PetscFunctionBeginUser;
  if (!physics || !*physics) PetscFunctionReturn(0);
  PetscCall((*physics)->ops->destroy(*physics));
  PetscCall(ForgetRegions(*physics));
  PetscCall(PetscFree(*physics));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsGetName(TwinfePhysics physics, const char **name, const char **fields)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  if (name) *name = physics->ops->name;
  if (fields) *fields = physics->ops->fields;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetRegions(TwinfePhysics physics, PetscInt nregions, const int32_t labels[],
                                       const char *const names[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  PetscCheck(nregions >= 0 && (nregions == 0 || (labels && names)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfePhysicsSetRegions: %" PetscInt_FMT " regions need their labels and names", nregions);
  PetscCall(ForgetRegions(physics));
  PetscCall(PetscMalloc1(nregions + 1, &physics->labels));
  PetscCall(PetscCalloc1(nregions + 1, &physics->names));
  for (PetscInt i = 0; i < nregions; i++) {
    physics->labels[i] = labels[i];
    PetscCall(PetscStrallocpy(names[i], &physics->names[i]));
  }
  physics->nregions = nregions;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetReport(TwinfePhysics physics, TwinfeReport report)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->report = report;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsCheckOptions(TwinfePhysics physics)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  if (physics->ops->check_options) PetscCall(physics->ops->check_options(physics));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsPrepare(TwinfePhysics physics, TwinfeMesh mesh)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  PetscCheck(physics->rank != 0 || mesh, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "TwinfePhysicsPrepare: rank 0 must give the whole mesh");
  if (physics->ops->prepare) PetscCall(physics->ops->prepare(physics, physics->rank == 0 ? mesh : NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetUp(TwinfePhysics physics, DM dm)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  TwinfeCheckArgNull_Private(dm);
  physics->dm = dm;
  PetscCall(physics->ops->set_up(physics));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetInputFolder(TwinfePhysics physics, const char folder[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  PetscCall(PetscStrncpy(physics->input_folder, folder ? folder : "", sizeof physics->input_folder));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsResolveInputPath_Private(TwinfePhysics p, const char given[], char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBeginUser;
  if (given[0] == '/' || !p->input_folder[0])
    PetscCall(PetscStrncpy(path, given, PETSC_MAX_PATH_LEN));
  else
    PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s/%s", p->input_folder, given));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsRecordInputFile_Private(TwinfePhysics p, const char role[], const char path[])
{
  char hex[65], key[256], resolved[PATH_MAX];

  PetscFunctionBeginUser;
  if (!p->report) PetscFunctionReturn(0);
  PetscCall(TwinfeFileSHA256(path, hex));
  PetscCall(PetscSNPrintf(key, sizeof key, "inputs.%s.path", role));
  PetscCall(TwinfeReportSetString(p->report, key, realpath(path, resolved) ? resolved : path));
  PetscCall(PetscSNPrintf(key, sizeof key, "inputs.%s.sha256", role));
  PetscCall(TwinfeReportSetString(p->report, key, hex));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetResults(TwinfePhysics physics, TwinfeResults results)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->results = results;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetCheckpoint_Private(TwinfePhysics physics, TwinfeCheckpoint ck)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->checkpoint = ck;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSolve(TwinfePhysics physics)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  PetscCheck(physics->dm, physics->comm, PETSC_ERR_ORDER, "TwinfePhysicsSolve: call TwinfePhysicsSetUp first");
  PetscCall(physics->ops->solve(physics));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsWriteResults(TwinfePhysics physics, TwinfeResults results)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  TwinfeCheckArgNull_Private(results);
  PetscCall(physics->ops->write(physics, results));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetQuiet(TwinfePhysics physics, PetscBool quiet)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->quiet = quiet;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetSolverStore(TwinfePhysics physics, TwinfeSolverStore store)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->store = store;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsSetStartOnly(TwinfePhysics physics, PetscBool start_only)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  physics->start_only = start_only;
  physics->quiet      = start_only;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsPrintf_Private(TwinfePhysics p, const char format[], ...)
{
  va_list args;

  PetscFunctionBeginUser;
  if (p->quiet || p->rank != 0) PetscFunctionReturn(0);
  va_start(args, format);
  PetscCall(PetscVFPrintf(PETSC_STDOUT, format, args));
  va_end(args);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsGetStartMeshSize(TwinfePhysics physics, PetscReal *size_mm)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  *size_mm = 0;
  if (physics->ops->start_mesh_size) PetscCall(physics->ops->start_mesh_size(physics, size_mm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsReportUnknowns_Private(TwinfePhysics p, Vec u)
{
  PetscInt  local, min, max, total;
  PetscReal imbalance;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(u, &local));
  PetscCall(TwinfeRankSpread(p->comm, local, &min, &max, &total, &imbalance));
  if (p->size > 1)
    PetscCall(TwinfePhysicsPrintf_Private(
        p, "          unknowns per rank %" PetscInt_FMT " to %" PetscInt_FMT " (imbalance %.3f, most over mean)\n", min, max,
        (double)imbalance));
  if (p->report) {
    PetscCall(TwinfeReportSetInt(p->report, "partition.unknowns_min", min));
    PetscCall(TwinfeReportSetInt(p->report, "partition.unknowns_max", max));
    PetscCall(TwinfeReportSetReal(p->report, "partition.unknowns_imbalance", imbalance));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsNeedsMeshEdges(TwinfePhysics physics, PetscBool *needs)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  *needs = PETSC_TRUE;
  if (physics->ops->needs_mesh_edges) PetscCall(physics->ops->needs_mesh_edges(physics, needs));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePhysicsStartFrom(TwinfePhysics physics, TwinfePhysics coarse)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(physics);
  TwinfeCheckArgNull_Private(coarse);
  PetscCheck(physics->ops == coarse->ops, physics->comm, PETSC_ERR_ARG_INCOMP,
             "TwinfePhysicsStartFrom: a %s physics cannot start from a %s one", physics->ops->name, coarse->ops->name);
  PetscCheck(physics->ops->start_from, physics->comm, PETSC_ERR_SUP, "TwinfePhysicsStartFrom: %s has no start to take",
             physics->ops->name);
  PetscCall(physics->ops->start_from(physics, coarse));
  PetscFunctionReturn(0);
}
