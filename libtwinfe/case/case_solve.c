/* A case's distributed part: partition, elasticity, results; then the report and the commit.
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

/* Which facets are held: tags (default every region's outer surface) and, within them,
   the part on one side of the mesh along an axis. */
typedef struct {
  PetscInt  ntags;
  PetscInt  tags[TWINFE_CASE_MAX_REGIONS];
  PetscReal box[6];
} ClampSet;

/* The mesh's bounding box and its outer surfaces' tags. Outer tags are region numbers, 1..999
   by the facet tag rule (a case renumbers labels above 999 before meshing), so a flag per tag
   below 1000 finds them all. */
static PetscErrorCode MeshBoundsOnRoot(TwinfeCase c, PetscReal lo[3], PetscReal hi[3], PetscInt *nouter, PetscInt outer[])
{
  PetscInt         nv, nf;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *tags;
  PetscBool        seen[1000] = {PETSC_FALSE};
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &xyz));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  for (int d = 0; d < 3; ++d)
    lo[d] = PETSC_MAX_REAL, hi[d] = PETSC_MIN_REAL;
  for (PetscInt v = 0; v < nv; ++v)
    for (int d = 0; d < 3; ++d)
      lo[d] = PetscMin(lo[d], xyz[3 * v + d]), hi[d] = PetscMax(hi[d], xyz[3 * v + d]);
  for (PetscInt f = 0; f < nf; ++f)
    if (tags[f] > 0 && tags[f] < 1000) seen[tags[f]] = PETSC_TRUE;
  *nouter = 0;
  for (int t = 1; t < 1000; ++t) {
    if (!seen[t]) continue;
    PetscCheck(*nouter < TWINFE_CASE_MAX_REGIONS, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "The mesh has more than %d outer surfaces: choose the ones to hold with -clamp_tags", TWINFE_CASE_MAX_REGIONS);
    outer[(*nouter)++] = t;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadClampSet(TwinfeCase c, ClampSet *clamp)
{
  PetscReal lo[3], hi[3], fraction = 0.25, big = 1e30;
  PetscInt  axis = 1, ntags = TWINFE_CASE_MAX_REGIONS;
  char      axis_name[16] = "y", side[16] = "max";
  PetscBool tags_given;
  PetscFunctionBegin;
  if (c->rank == 0) PetscCall(MeshBoundsOnRoot(c, lo, hi, &clamp->ntags, clamp->tags));
  PetscCallMPI(MPI_Bcast(lo, 3, MPIU_REAL, 0, c->comm));
  PetscCallMPI(MPI_Bcast(hi, 3, MPIU_REAL, 0, c->comm));
  c->mesh_diagonal_mm = PetscSqrtReal(PetscSqr(hi[0] - lo[0]) + PetscSqr(hi[1] - lo[1]) + PetscSqr(hi[2] - lo[2]));
  PetscCallMPI(MPI_Bcast(&clamp->ntags, 1, MPIU_INT, 0, c->comm));
  PetscCallMPI(MPI_Bcast(clamp->tags, (int)clamp->ntags, MPIU_INT, 0, c->comm));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-clamp_tags", clamp->tags, &ntags, &tags_given));
  if (tags_given) clamp->ntags = ntags;
  PetscCheck(clamp->ntags > 0, c->comm, PETSC_ERR_ARG_WRONG,
             "No facets to clamp: the mesh has no outer surface and -clamp_tags is empty");
  PetscCall(PetscOptionsGetString(NULL, NULL, "-clamp_axis", axis_name, sizeof axis_name, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-clamp_side", side, sizeof side, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-clamp_fraction", &fraction, NULL));
  PetscCheck(strlen(axis_name) == 1 && axis_name[0] >= 'x' && axis_name[0] <= 'z', c->comm, PETSC_ERR_ARG_WRONG,
             "-clamp_axis is '%s': give x, y or z (LPS: x to the left, y posterior, z superior)", axis_name);
  PetscCheck(!strcmp(side, "min") || !strcmp(side, "max"), c->comm, PETSC_ERR_ARG_WRONG, "-clamp_side is '%s': give min or max",
             side);
  PetscCheck(fraction > 0 && fraction <= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE, "-clamp_fraction is %g: give a value in (0, 1]",
             (double)fraction);
  axis = axis_name[0] - 'x';
  for (int d = 0; d < 3; ++d)
    clamp->box[2 * d] = -big, clamp->box[2 * d + 1] = big;
  if (!strcmp(side, "max"))
    clamp->box[2 * axis] = hi[axis] - fraction * (hi[axis] - lo[axis]);
  else
    clamp->box[2 * axis + 1] = lo[axis] + fraction * (hi[axis] - lo[axis]);
  if (c->rank == 0) {
    char text[64];
    snprintf(text, sizeof text, "%s of axis %s, fraction %g", side, axis_name, (double)fraction);
    PetscCall(TwinfeReportSetString(c->report, "boundary.clamp.region", text));
    char tags[256] = "";
    for (PetscInt t = 0; t < clamp->ntags; ++t) {
      const size_t used = strlen(tags);
      snprintf(tags + used, sizeof tags - used, "%s%" PetscInt_FMT, t ? " " : "", clamp->tags[t]);
    }
    PetscCall(TwinfeReportSetString(c->report, "boundary.clamp.tags", tags));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUpElasticity(TwinfeCase c)
{
  PetscReal g[3] = {0.0, 9810.0, 0.0};
  PetscInt  ng   = 3;
  ClampSet  clamp;
  char      key[256];
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityCreate(c->dm, &c->elasticity));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscReal E, nu, density;
    PetscCall(TwinfeCaseGetMaterial(c, i, &E, &nu, &density));
    PetscCall(TwinfeElasticitySetMaterial(c->elasticity, c->labels[i], E, nu, density));
    if (c->rank == 0) {
      snprintf(key, sizeof key, "materials.%s.E_Pa", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, E));
      snprintf(key, sizeof key, "materials.%s.nu", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, nu));
      snprintf(key, sizeof key, "materials.%s.density_g_per_mm3", c->names[i]);
      PetscCall(TwinfeReportSetReal(c->report, key, density));
    }
  }
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-gravity", g, &ng, NULL));
  PetscCall(TwinfeElasticitySetGravity(c->elasticity, g));
  if (c->rank == 0) PetscCall(TwinfeReportSetRealArray(c->report, "boundary.gravity_mm_per_s2", 3, g));
  PetscCall(ReadClampSet(c, &clamp));
  for (PetscInt t = 0; t < clamp.ntags; ++t)
    PetscCall(TwinfeElasticityAddClamp(c->elasticity, clamp.tags[t], clamp.box));
  PetscCall(TwinfeElasticitySetFromOptions(c->elasticity));
  PetscFunctionReturn(0);
}

static PetscErrorCode SolveElasticity(TwinfeCase c)
{
  PetscInt    iterations, unknowns;
  PetscReal   residual, max_mm;
  const char *reason;
  Vec         u;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticitySolve(c->elasticity));
  PetscCall(TwinfeElasticityGetSolverInfo(c->elasticity, &iterations, &residual, &reason));
  PetscCall(TwinfeElasticityGetMaxDisplacement(c->elasticity, &max_mm));
  PetscCall(TwinfeElasticityGetSolution(c->elasticity, &u)); /* all unknowns, P2 edge dofs included */
  PetscCall(VecGetSize(u, &unknowns));
  if (c->rank == 0) {
    PetscCall(TwinfeReportSetInt(c->report, "solve.unknowns", unknowns));
    PetscCall(TwinfeReportSetInt(c->report, "solve.iterations", iterations));
    PetscCall(TwinfeReportSetReal(c->report, "solve.residual_norm", residual));
    PetscCall(TwinfeReportSetString(c->report, "solve.converged_reason", reason));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_mm", max_mm));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_over_mesh_diagonal",
                                  c->mesh_diagonal_mm > 0 ? max_mm / c->mesh_diagonal_mm : 0));
  }
  PetscCall(PetscPrintf(
      c->comm, "solve     linear elasticity: %" PetscInt_FMT " unknowns, %" PetscInt_FMT " iterations (%s), residual %.3e\n",
      unknowns, iterations, reason, (double)residual));
  PetscCall(PetscPrintf(c->comm, "          max displacement %.6g mm\n", (double)max_mm));
  /* Small-strain elasticity is only trustworthy while displacements stay small against the
     body: past 10% of its size, say so rather than let a planner read it as a prediction. */
  if (c->mesh_diagonal_mm > 0 && max_mm > 0.1 * c->mesh_diagonal_mm) {
    PetscCall(
        PetscPrintf(c->comm,
                    "          WARNING: the max displacement is %.0f%% of the mesh's size (%.4g mm): beyond what small-strain\n"
                    "          linear elasticity describes; hold more of the organ (-clamp_fraction) or stiffen it\n",
                    (double)(100 * max_mm / c->mesh_diagonal_mm), (double)c->mesh_diagonal_mm));
  }
  PetscFunctionReturn(0);
}

/* Two states: the unloaded organ at t = 0 (zero fields) and the solution at t = 1, so that
   ParaView's time slider and "Warp By Vector" show the deformation. */
static PetscErrorCode WriteStates(TwinfeCase c, Vec u, Vec vm, Vec stress, Vec u0, Vec vm0, Vec stress0)
{
  TwinfeResults  results;
  const char    *pnames[] = {"displacement"}, *cnames[] = {"von_mises", "stress"};
  const Vec      p0[] = {u0}, c0[] = {vm0, stress0}, p1[] = {u}, c1[] = {vm, stress};
  char         **files = NULL;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeResultsCreate(c->comm, c->staging_dir, "results", &results));
  ierr = TwinfeResultsWriteState(results, 0.0, c->dm, 1, pnames, p0, 2, cnames, c0);
  if (!ierr) ierr = TwinfeResultsWriteState(results, 1.0, c->dm, 1, pnames, p1, 2, cnames, c1);
  if (!ierr) ierr = TwinfeResultsGetWrittenPaths(results, &files); /* every rank's pieces too */
  for (PetscInt i = 0; !ierr && files[i]; ++i)
    ierr = TwinfeCaseAddOutput(c, files[i]);
  PetscCall(PetscStrArrayDestroy(&files));
  PetscCall(TwinfeResultsDestroy(&results));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteResults(TwinfeCase c)
{
  DM             udm;
  Vec            u, u0 = NULL, vm = NULL, stress = NULL, vm0 = NULL, stress0 = NULL;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityGetDisplacement(c->elasticity, &udm, &u));
  PetscCall(TwinfeElasticityComputeStress(c->elasticity, &vm, &stress));
  ierr = VecDuplicate(u, &u0);
  if (!ierr) ierr = VecDuplicate(vm, &vm0);
  if (!ierr) ierr = VecDuplicate(stress, &stress0);
  if (!ierr) ierr = VecZeroEntries(u0);
  if (!ierr) ierr = VecZeroEntries(vm0);
  if (!ierr) ierr = VecZeroEntries(stress0);
  if (!ierr) ierr = WriteStates(c, u, vm, stress, u0, vm0, stress0);
  PetscCall(VecDestroy(&u0));
  PetscCall(VecDestroy(&vm0));
  PetscCall(VecDestroy(&stress0));
  PetscCall(VecDestroy(&vm));
  PetscCall(VecDestroy(&stress));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseSolve(TwinfeCase c)
{
  PetscLogDouble t0;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "partition", PETSC_TRUE, &t0));
  PetscCall(Distribute(c));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscCall(TwinfeCaseBeginStage(c, "solve", PETSC_TRUE, &t0));
  PetscCall(SetUpElasticity(c));
  PetscCall(SolveElasticity(c));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
  PetscCall(TwinfeCaseBeginStage(c, "write results", PETSC_TRUE, &t0));
  PetscCall(WriteResults(c));
  PetscCall(TwinfeCaseEndStage(c, PETSC_TRUE, t0));
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
    if (!strcmp(c->outputs[i], "results.pvd"))
      PetscCall(PetscPrintf(c->comm, "Open %s/results.pvd in ParaView (File > Open) to see displacement and von Mises stress.\n",
                            c->output_dir));
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
  PetscCall(TwinfeElasticityDestroy(&c->elasticity));
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
