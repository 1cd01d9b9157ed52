/* A case's distributed part: partition, the physics, results; then the report and the commit.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"

#include <stdio.h>
#include <string.h>

static PetscErrorCode Distribute(TwinfeCase c)
{
  PetscInt cStart, cEnd, local, min_cells, max_cells, total;
  PetscFunctionBegin;
  PetscCall(TwinfePartitionDistribute(c->comm, c->rank == 0 ? c->mesh : NULL, &c->dm));
  PetscCall(DMPlexGetHeightStratum(c->dm, 0, &cStart, &cEnd));
  local = cEnd - cStart;
  PetscCallMPI(MPI_Allreduce(&local, &min_cells, 1, MPIU_INT, MPI_MIN, c->comm));
  PetscCallMPI(MPI_Allreduce(&local, &max_cells, 1, MPIU_INT, MPI_MAX, c->comm));
  PetscCallMPI(MPI_Allreduce(&local, &total, 1, MPIU_INT, MPI_SUM, c->comm));
  if (c->rank == 0) {
    PetscCall(TwinfeReportSetInt(c->report, "partition.ranks", c->size));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cells_min", min_cells));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cells_max", max_cells));
  }
  if (c->size == 1)
    PetscCall(PetscPrintf(c->comm, "partition 1 rank: %" PetscInt_FMT " cells\n", total));
  else
    PetscCall(PetscPrintf(c->comm,
                          "partition %d ranks by METIS: %" PetscInt_FMT " to %" PetscInt_FMT " cells per rank (%" PetscInt_FMT
                          " in all)\n",
                          c->size, min_cells, max_cells, total));
  PetscFunctionReturn(0);
}

/* The regions' results: one series (results.pvd) the physics writes its states into, during the
   solve (a pulsatile flow) or after it; every file it wrote, on every rank, goes into the
   manifest. */
static PetscErrorCode ListResults(TwinfeCase c, TwinfeResults results)
{
  char         **files = NULL;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  ierr = TwinfeResultsGetWrittenPaths(results, &files); /* every rank's pieces too */
  for (PetscInt i = 0; !ierr && files[i]; ++i)
    ierr = TwinfeCaseAddOutput(c, files[i]);
  PetscCall(PetscStrArrayDestroy(&files));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode SolveAndWrite(TwinfeCase c, TwinfeResults results)
{
  PetscLogDouble t0;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "solve", PETSC_TRUE, &t0));
  PetscCall(TwinfePhysicsSetResults(c->physics, results));
  PetscCall(TwinfePhysicsSetUp(c->physics, c->dm));
  PetscCall(TwinfePhysicsSolve(c->physics));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscCall(TwinfeCaseBeginStage(c, "write results", PETSC_TRUE, &t0));
  PetscCall(TwinfePhysicsWriteResults(c->physics, results));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseSolve(TwinfeCase c)
{
  PetscLogDouble t0;
  TwinfeResults  results;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseGetPhysics_Private(c));
  PetscCall(TwinfeCaseBeginStage(c, "partition", PETSC_TRUE, &t0));
  /* what the physics must refuse on the whole mesh (a part nothing holds) before distributing */
  PetscCall(TwinfePhysicsPrepare(c->physics, c->rank == 0 ? c->mesh : NULL));
  PetscCall(Distribute(c));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscCall(TwinfeResultsCreate(c->comm, c->staging_dir, "results", &results));
  ierr = SolveAndWrite(c, results);
  if (!ierr) ierr = ListResults(c, results); /* after a failure the staging folder goes whole */
  PetscCall(TwinfePhysicsSetResults(c->physics, NULL));
  PetscCall(TwinfeResultsDestroy(&results));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---------- finish ---------- */

static PetscErrorCode WriteReportOnRoot(TwinfeCase c)
{
  char           key[256], path[PETSC_MAX_PATH_LEN + 16], *options = NULL;
  PetscLogDouble now;
  PetscFunctionBegin;
  for (PetscInt s = 0; s < c->nstages; ++s) {
    snprintf(key, sizeof key, "timings_s.%s", c->stage_names[s]);
    for (char *p = key; *p; ++p)
      if (*p == ' ') *p = '_';
    PetscCall(TwinfeReportSetReal(c->report, key, c->stage_seconds[s]));
    snprintf(key, sizeof key, "peak_memory_mb.%s", c->stage_names[s]);
    for (char *p = key; *p; ++p)
      if (*p == ' ') *p = '_';
    PetscCall(TwinfeReportSetReal(c->report, key, c->stage_peak_mb[s]));
  }
  PetscCall(PetscTime(&now));
  PetscCall(TwinfeReportSetReal(c->report, "timings_s.total", (PetscReal)(now - c->start_time)));
  {
    PetscInt threads;
    PetscCall(TwinfeGetThreads(&threads));
    PetscCall(TwinfeReportSetInt(c->report, "settings.threads", threads));
    PetscCall(TwinfeReportSetInt(c->report, "settings.ranks", c->size));
  }
  PetscCall(PetscOptionsGetAll(NULL, &options));
  PetscCall(TwinfeReportSetString(c->report, "settings.options", options));
  PetscCall(PetscFree(options));
  /* The manifest: what this run wrote, so that a later run removes exactly that and no more. */
  PetscCall(TwinfeCaseAddOutput(c, "report.json"));
  PetscCall(TwinfeReportSetStringArray(c->report, "manifest", c->noutputs, (const char *const *)c->outputs));
  snprintf(path, sizeof path, "%s/report.json", c->staging_dir);
  PetscCall(TwinfeReportWrite(c->report, path));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseFinish(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? WriteReportOnRoot(c) : 0));
  PetscCall(TwinfeStagingCommit(c->comm, c->staging_dir, c->output_dir));
  c->finished = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCasePrintSummary(TwinfeCase c)
{
  PetscLogDouble now;
  PetscFunctionBegin;
  PetscCall(PetscTime(&now));
  PetscCall(PetscPrintf(c->comm, "timings  "));
  for (PetscInt s = 0; s < c->nstages; ++s)
    PetscCall(PetscPrintf(c->comm, "%s %s %.2f s", s ? ";" : "", c->stage_names[s], (double)c->stage_seconds[s]));
  PetscCall(PetscPrintf(c->comm, "\n          total %.2f s wall; peak memory %.0f MB (largest rank)\n",
                        (double)(now - c->start_time), (double)(c->nstages ? c->stage_peak_mb[c->nstages - 1] : 0)));
  PetscCall(PetscPrintf(c->comm, "outputs   %s/\n", c->output_dir));
  for (PetscInt i = 0; i < c->noutputs; ++i) /* report.json is in the list on rank 0 only */
    if (!strchr(c->outputs[i], '/') && strcmp(c->outputs[i], "report.json"))
      PetscCall(PetscPrintf(c->comm, "            %s\n", c->outputs[i]));
  PetscCall(PetscPrintf(c->comm, "            report.json\n"));
  for (PetscInt i = 0; i < c->noutputs; ++i)
    if (!strcmp(c->outputs[i], "results.pvd") && c->physics) {
      const char *fields;
      PetscCall(TwinfePhysicsGetName(c->physics, NULL, &fields));
      PetscCall(PetscPrintf(c->comm, "Open %s/results.pvd in ParaView (File > Open) to see %s.\n", c->output_dir, fields));
    }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseDestroy(TwinfeCase *tcase)
{
  TwinfeCase c;
  PetscFunctionBegin;
  if (!tcase || !*tcase) PetscFunctionReturn(0);
  c = *tcase;
  /* Every rank that gets here after a failure removes the staging folder: when one rank fails
     alone, the app ends the job before rank 0 could. Parent folders the run made go only if
     they are empty: someone may have put files there meanwhile. */
  if (!c->finished) PetscCall(TwinfeStagingAbandon(c->staging_dir, c->output_dir, c->created_parent));
  PetscCall(TwinfePhysicsDestroy(&c->physics));
  PetscCall(DMDestroy(&c->dm));
  PetscCall(TwinfeMeshDestroy(&c->mesh));
  PetscCall(TwinfeSurfaceDestroy(&c->surface));
  PetscCall(TwinfeImageDestroy(&c->image));
  PetscCall(TwinfeReportDestroy(&c->report));
  for (PetscInt i = 0; i < c->noutputs; ++i)
    PetscCall(PetscFree(c->outputs[i]));
  PetscCall(PetscFree(c->outputs));
  PetscCall(PetscFree(*tcase));
  PetscFunctionReturn(0);
}
