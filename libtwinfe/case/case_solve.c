/* A case's distributed part: partition, the physics, results; then the report and the commit.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"
#include "io/checkpoint_impl.h"
#include "io/pictures.h"

#include <stdio.h>
#include <string.h>

/* Cells over all ranks. */
static PetscErrorCode CountCells(DM dm, PetscInt *total)
{
  PetscInt cStart, cEnd, local;
  PetscFunctionBegin;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  local = cEnd - cStart;
  PetscCallMPI(MPI_Allreduce(&local, total, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));
  PetscFunctionReturn(0);
}

/* -mesh_refine: each rank refines its own cells; the levels stay for multigrid. Where the
   physics' fields are P1 alone the finest level is cells and vertices (a third of the memory). */
static PetscErrorCode Refine(TwinfeCase c)
{
  PetscInt  refine = 0, before, after;
  PetscBool needs_edges;
  DM        fine;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_refine", &refine, NULL));
  if (!refine) PetscFunctionReturn(0);
  PetscCall(CountCells(c->dm, &before));
  PetscCall(TwinfePhysicsNeedsMeshEdges(c->physics, &needs_edges));
  if (needs_edges)
    PetscCall(TwinfePartitionRefine(c->dm, refine, &fine));
  else
    PetscCall(TwinfePartitionRefineCellVertex(c->dm, refine, &fine));
  PetscCall(DMDestroy(&c->dm));
  c->dm = fine;
  TwinfeReturnFreedMemory_Private(); /* the refinement's work arrays */
  PetscCall(CountCells(c->dm, &after));
  PetscCall(PetscPrintf(
      c->comm, "refine %" PetscInt_FMT " times in parallel: %" PetscInt_FMT " to %" PetscInt_FMT " cells (the finest %s)\n",
      refine, before, after, needs_edges ? "with faces and edges" : "as cells and vertices: P1 needs no more"));
  if (c->rank == 0) {
    PetscCall(TwinfeReportSetInt(c->report, "partition.refinements", refine));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cells_refined", after));
    PetscCall(TwinfeReportSetString(c->report, "partition.finest_level", needs_edges ? "interpolated" : "cells_and_vertices"));
  }
  PetscCall(TwinfeCaseSnapRefinedBoundary_Private(c));
  PetscFunctionReturn(0);
}

/* The partition's figures (TwinfePartitionGetQuality) in report.json and on the terminal. */
static PetscErrorCode ReportPartition(TwinfeCase c)
{
  TwinfePartitionQuality q;
  PetscFunctionBegin;
  PetscCall(TwinfePartitionGetQuality(c->dm, &q));
  if (c->rank == 0) {
    PetscCall(TwinfeReportSetInt(c->report, "partition.ranks", q.parts));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cells_min", q.cells_min));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cells_max", q.cells_max));
    PetscCall(TwinfeReportSetReal(c->report, "partition.cells_imbalance", q.cells_imbalance));
    PetscCall(TwinfeReportSetInt(c->report, "partition.cut_faces", q.cut_faces));
    PetscCall(TwinfeReportSetInt(c->report, "partition.interface_vertices", q.interface_vertices));
  }
  if (c->size == 1) {
    PetscCall(PetscPrintf(c->comm, "partition 1 rank: %" PetscInt_FMT " cells\n", q.cells));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscPrintf(c->comm,
                        "partition %d ranks by METIS: %" PetscInt_FMT " to %" PetscInt_FMT " cells per rank (%" PetscInt_FMT
                        " in all; imbalance %.3f, most over mean)\n",
                        c->size, q.cells_min, q.cells_max, q.cells, (double)q.cells_imbalance));
  PetscCall(PetscPrintf(c->comm,
                        "          %" PetscInt_FMT " faces between ranks (the edge cut), %" PetscInt_FMT
                        " vertices on more than one rank\n",
                        q.cut_faces, q.interface_vertices));
  PetscFunctionReturn(0);
}

static PetscErrorCode Distribute(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(TwinfePartitionDistribute(c->comm, c->rank == 0 ? c->mesh : NULL, &c->dm));
  PetscCall(Refine(c));
  PetscCall(ReportPartition(c));
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

/* ---------- grid sequencing: a coarse start ---------- */

/* The coarse mesh's surface may lie this fraction of its edge length from the case's surface:
   the start only has to be near the answer, and a tighter bound keeps short edges on curved
   vessels (the remesher refuses coarsening that moves the surface further). */
#define START_DEVIATION 0.2

typedef struct {
  TwinfePhysics physics; /* the case's physics on the coarse mesh, solved; NULL: no start */
  DM            dm;
} CoarseStart;

/* The case's surface remeshed to size_mm and meshed (rank 0), the surface left as it was. */
static PetscErrorCode CoarseMeshOnRoot(TwinfeCase c, PetscReal size_mm, TwinfeMesh *mesh)
{
  TwinfeSurface  surface;
  PetscReal      target[TWINFE_CASE_MAX_REGIONS];
  const char    *names[TWINFE_CASE_MAX_REGIONS];
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCheck(c->surface, PETSC_COMM_SELF, PETSC_ERR_ORDER, "-start_mesh_size: the case has no surface to remesh");
  for (PetscInt i = 0; i < c->nregions; ++i)
    target[i] = size_mm, names[i] = c->names[i];
  PetscCall(TwinfeSurfaceDuplicate(c->surface, &surface));
  ierr = TwinfeSurfaceRemeshInPieces(surface, c->nregions, c->labels, target, START_DEVIATION * size_mm, PETSC_DEFAULT,
                                     PETSC_DEFAULT, NULL);
  if (!ierr) ierr = TwinfeMeshCreateFromSurface(surface, c->nregions, c->labels, names, mesh);
  PetscCall(TwinfeSurfaceDestroy(&surface));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode CoarseStartDestroy(CoarseStart *start)
{
  PetscFunctionBegin;
  PetscCall(TwinfePhysicsDestroy(&start->physics));
  PetscCall(DMDestroy(&start->dm));
  PetscFunctionReturn(0);
}

/* A level of the start is itself started from a mesh twice as coarse while it has at least
   this many cells: on the cut aorta at 1 mm from 2.5 mm, the 2.5 mm level (7.7k cells) from
   5 mm, its solve 6 Newton steps from Stokes. Below it a level costs less than a coarser one
   would save. */
#define START_LEVEL_MIN_CELLS 5000

static PetscErrorCode SolveLevel(TwinfeCase c, PetscReal size_mm, CoarseStart *start);

/* Starts level from one twice as coarse where it is large enough; a failure there only leaves
   the level to start from its Stokes flow. */
static PetscErrorCode StartLevel(TwinfeCase c, PetscReal size_mm, CoarseStart *level)
{
  PetscInt       cStart, cEnd, local, cells;
  CoarseStart    sub = {NULL, NULL};
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(DMPlexGetHeightStratum(level->dm, 0, &cStart, &cEnd));
  local = cEnd - cStart;
  PetscCallMPI(MPI_Allreduce(&local, &cells, 1, MPIU_INT, MPI_SUM, c->comm));
  if (cells < START_LEVEL_MIN_CELLS) PetscFunctionReturn(0);
  ierr = SolveLevel(c, 2 * size_mm, &sub);
  if (!ierr) ierr = TwinfePhysicsStartFrom(level->physics, sub.physics);
  PetscCall(CoarseStartDestroy(&sub));
  (void)ierr; /* the level starts from Stokes instead */
  PetscFunctionReturn(0);
}

/* The physics solved quietly on the coarse mesh (given on rank 0). */
static PetscErrorCode SolveCoarse(TwinfeCase c, PetscReal size_mm, TwinfeMesh mesh, CoarseStart *start)
{
  const char *name, *fields, *names[TWINFE_CASE_MAX_REGIONS];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i)
    names[i] = c->names[i];
  PetscCall(TwinfePhysicsGetName(c->physics, &name, &fields));
  PetscCall(TwinfePhysicsCreate(c->comm, name, &start->physics));
  PetscCall(TwinfePhysicsSetStartOnly(start->physics, PETSC_TRUE));
  PetscCall(TwinfePhysicsSetInputFolder(start->physics, c->case_dir));
  PetscCall(TwinfePhysicsSetRegions(start->physics, c->nregions, c->labels, names));
  PetscCall(TwinfePhysicsPrepare(start->physics, mesh));
  PetscCall(TwinfePartitionDistribute(c->comm, mesh, &start->dm));
  PetscCall(TwinfePhysicsSetUp(start->physics, start->dm));
  PetscCall(StartLevel(c, size_mm, start));
  PetscCall(TwinfePhysicsSolve(start->physics));
  PetscFunctionReturn(0);
}

/* One level of the start: the case's surface meshed at size_mm and the physics solved there. */
static PetscErrorCode SolveLevel(TwinfeCase c, PetscReal size_mm, CoarseStart *start)
{
  TwinfeMesh     mesh = NULL;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeRootStepBegin(c->comm));
  ierr = TwinfeRunOnRoot(c->comm, c->rank == 0 ? CoarseMeshOnRoot(c, size_mm, &mesh) : 0);
  if (!ierr) ierr = SolveCoarse(c, size_mm, c->rank == 0 ? mesh : NULL, start);
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The start is optional: where the coarse mesh or its solve fails (a mesh too coarse for a thin
   vessel, a flow that does not converge there), the run says why and solves without it. Every
   failure on the way is collective (rank 0's meshing through TwinfeRunOnRoot, Newton's on all
   ranks), so the ranks agree. */
static PetscErrorCode MakeCoarseStart(TwinfeCase c, CoarseStart *start)
{
  PetscReal          size_mm;
  PetscLogDouble     t0;
  TwinfeErrorCapture capture;
  PetscErrorCode     ierr;
  char               size[32];
  PetscFunctionBegin;
  PetscCall(TwinfePhysicsGetStartMeshSize(c->physics, &size_mm));
  if (size_mm <= 0) PetscFunctionReturn(0);
  PetscCall(TwinfeCaseBeginStage(c, "start", PETSC_TRUE, &t0));
  PetscCall(TwinfeErrorCaptureBegin(&capture));
  ierr = SolveLevel(c, size_mm, start);
  PetscCall(TwinfeErrorCaptureEnd(&capture));
  if (ierr) {
    PetscCall(CoarseStartDestroy(start));
    snprintf(size, sizeof size, "%g", (double)size_mm); /* C's %g: PETSc's would print 3 as "3." */
    PetscCall(PetscPrintf(c->comm, "start     none: the solve on a %s mm mesh failed (%s); Newton starts from the Stokes flow\n",
                          size, capture.message));
    if (c->rank == 0) PetscCall(TwinfeReportSetString(c->report, "solve.start.failed", capture.message));
  }
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscFunctionReturn(0);
}

/* -checkpoint_every and -restart (docs/checkpoint.md): the checkpoints go into the staging
   folder; the folder of a run to continue was found with the options (restart.c). */
static PetscErrorCode CreateCheckpoint(TwinfeCase c, TwinfeCheckpoint *ck)
{
  PetscInt every = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-checkpoint_every", &every, NULL));
  PetscCall(TwinfeCheckpointCreate(c->comm, c->staging_dir, every, c->restart_dir, ck));
  PetscFunctionReturn(0);
}

static PetscErrorCode SolveAndWrite(TwinfeCase c, TwinfeResults results)
{
  PetscLogDouble   t0;
  CoarseStart      start = {NULL, NULL};
  TwinfeCheckpoint ck    = NULL;
  PetscErrorCode   ierr;
  PetscFunctionBegin;
  PetscCall(MakeCoarseStart(c, &start));
  PetscCall(TwinfeCaseBeginStage(c, "solve", PETSC_TRUE, &t0));
  PetscCall(TwinfePhysicsSetResults(c->physics, results));
  ierr = CreateCheckpoint(c, &ck);
  if (!ierr) ierr = TwinfePhysicsSetCheckpoint_Private(c->physics, ck);
  if (!ierr) ierr = TwinfePhysicsSetUp(c->physics, c->dm);
  if (!ierr && start.physics) ierr = TwinfePhysicsStartFrom(c->physics, start.physics);
  PetscCall(CoarseStartDestroy(&start)); /* before the fine solve, which needs the memory */
  if (!ierr) ierr = TwinfePhysicsSolve(c->physics);
  if (!ierr) ierr = TwinfeCheckpointFinish(ck, c->rank == 0 ? c->report : NULL); /* not kept in the output */
  PetscCall(TwinfePhysicsSetCheckpoint_Private(c->physics, NULL));
  PetscCall(TwinfeCheckpointDestroy(&ck));
  PetscCall(ierr);
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

/* The last results state the run wrote (results_NNNN.vtu or .pvtu), or "" when none (a run
   writing XDMF, a mesh-only run). */
static void LastResultsState(TwinfeCase c, char file[], size_t len)
{
  file[0] = 0;
  for (PetscInt i = 0; i < c->noutputs; ++i) {
    const char *o = c->outputs[i], *dot = strrchr(o, '.');
    if (!strncmp(o, "results_", 8) && !strchr(o, '/') && dot && (!strcmp(dot, ".vtu") || !strcmp(dot, ".pvtu")) &&
        strcmp(o, file) > 0)
      snprintf(file, len, "%s", o);
  }
}

/* Pictures of the last state (-pictures), on the user's display or a private Xvfb. */
static PetscErrorCode DrawPictures(TwinfeCase c, const char state[], TwinfePictures *pictures)
{
  TwinfeDisplay  display;
  PetscBool      draw = PETSC_TRUE;
  PetscInt       labels[TWINFE_CASE_MAX_REGIONS];
  const char    *names[TWINFE_CASE_MAX_REGIONS];
  char           path[PETSC_MAX_PATH_LEN + 64];
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-pictures", &draw, NULL));
  if (!draw) {
    snprintf(pictures->skipped, sizeof pictures->skipped, "-pictures false");
    PetscFunctionReturn(0);
  }
  if (!state[0]) {
    snprintf(pictures->skipped, sizeof pictures->skipped, "no .vtu results state to draw (pictures are drawn from .vtu results)");
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeDisplayAcquire(&display));
  if (!display.name[0]) {
    PetscCall(PetscStrncpy(pictures->skipped, display.why, sizeof pictures->skipped));
    PetscFunctionReturn(0);
  }
  for (PetscInt r = 0; r < c->nregions; ++r)
    labels[r] = c->labels[r], names[r] = c->names[r];
  snprintf(path, sizeof path, "%s/%s", c->staging_dir, state);
  ierr = TwinfeDrawResultsPictures_VTK(path, c->staging_dir, c->nregions, labels, names, pictures);
  PetscCall(TwinfeDisplayRelease(&display));
  PetscCall(ierr);
  for (PetscInt k = 0; k < pictures->n; ++k)
    PetscCall(TwinfeCaseAddOutput(c, pictures->file[k]));
  PetscFunctionReturn(0);
}

/* Whether a procedure (twinfe rehearse) wrote a page of its own: then the case writes none. */
static PetscBool HasOwnPage(TwinfeCase c)
{
  for (PetscInt i = 0; i < c->noutputs; ++i)
    if (!strcmp(c->outputs[i], "report.html")) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* open_in_paraview.py and the pictures, timed and measured as the stage "pictures" (VTK's
   drawing holds the results state and the render windows: it can be the run's peak). Rank 0. */
static PetscErrorCode DrawForReaders(TwinfeCase c, TwinfePictures *pictures)
{
  char           state[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN + 32];
  const char    *files[TWINFE_MAX_PICTURES];
  PetscLogDouble t0;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "pictures", PETSC_FALSE, &t0));
  LastResultsState(c, state, sizeof state);
  if (state[0]) {
    snprintf(path, sizeof path, "%s/open_in_paraview.py", c->staging_dir);
    PetscCall(TwinfeWriteParaViewScript(path));
    PetscCall(TwinfeCaseAddOutput(c, "open_in_paraview.py"));
  }
  PetscCall(DrawPictures(c, state, pictures));
  for (PetscInt k = 0; k < pictures->n; ++k)
    files[k] = pictures->file[k];
  if (pictures->n) PetscCall(TwinfeReportSetStringArray(c->report, "pictures.files", pictures->n, files));
  if (pictures->skipped[0]) PetscCall(TwinfeReportSetString(c->report, "pictures.skipped", pictures->skipped));
  if (state[0] && strcmp(pictures->skipped, "-pictures false")) /* wanted and drawable, yet not drawn */
    PetscCall(PetscStrncpy(c->no_pictures, pictures->skipped, sizeof c->no_pictures));
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

/* report.html (io/report_html.c), from the report as it is about to be written. Rank 0. */
static PetscErrorCode WriteReportPage(TwinfeCase c, const TwinfePictures *pictures)
{
  char path[PETSC_MAX_PATH_LEN + 32];
  PetscFunctionBegin;
  snprintf(path, sizeof path, "%s/report.html", c->staging_dir);
  PetscCall(TwinfeReportWriteHtml(c->report, pictures, path));
  PetscCall(TwinfeCaseAddOutput(c, "report.html"));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteReportOnRoot(TwinfeCase c)
{
  char            key[256], path[PETSC_MAX_PATH_LEN + 16], *options = NULL;
  PetscLogDouble  now;
  TwinfePictures  pictures;
  const PetscBool page = (PetscBool)!HasOwnPage(c);
  PetscFunctionBegin;
  PetscCall(PetscMemzero(&pictures, sizeof pictures));
  if (page) PetscCall(DrawForReaders(c, &pictures));
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
  if (page) PetscCall(WriteReportPage(c, &pictures));
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
  PetscCall(TwinfeCaseRemoveRestarted_Private(c));
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
  if (c->no_pictures[0]) /* asked for, not drawn: say why */
    PetscCall(PetscPrintf(c->comm, "pictures  none: %s\n", c->no_pictures));
  for (PetscInt i = 0; i < c->noutputs; ++i) {
    const char *fields;
    if (!c->physics) break;
    PetscCall(TwinfePhysicsGetName(c->physics, NULL, &fields));
    if (!strcmp(c->outputs[i], "results.pvd"))
      PetscCall(PetscPrintf(c->comm, "Open %s/results.pvd in ParaView (File > Open) to see %s.\n", c->output_dir, fields));
    if (!strcmp(c->outputs[i], "results.xdmf")) /* ParaView asks which XDMF reader: any of its three reads it */
      PetscCall(PetscPrintf(c->comm, "Open %s/results.xdmf in ParaView (File > Open, reader Xdmf3 Reader S) to see %s.\n",
                            c->output_dir, fields));
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
  PetscCall(TwinfeSurfaceDestroy(&c->segmented_surface));
  PetscCall(TwinfeImageDestroy(&c->image));
  PetscCall(TwinfeReportDestroy(&c->report));
  for (PetscInt i = 0; i < c->noutputs; ++i)
    PetscCall(PetscFree(c->outputs[i]));
  PetscCall(PetscFree(c->outputs));
  PetscCall(PetscFree(*tcase));
  PetscFunctionReturn(0);
}
