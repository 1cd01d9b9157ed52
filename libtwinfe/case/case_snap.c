/* A refined mesh's boundary moved back onto the segmented surface (-mesh_refine with -mesh_snap):
 * the case keeps the smoothed surface the coarse mesh was made from, the partition stage moves
 * the vertices (TwinfePartitionSnapBoundary), and this file reports what moved and what it did
 * to each region's volume. docs/performance.md ("Refining after distribution") has the figures.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "case_impl.h"

#include <stdio.h>

static PetscErrorCode SnapWanted(PetscBool *wanted)
{
  PetscInt  refine = 0;
  PetscBool snap   = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_refine", &refine, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-mesh_snap", &snap, NULL));
  *wanted = refine > 0 && snap ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Rank 0, after smoothing and cutting, before the remesher changes the surface: a copy of it
   when the mesh will be refined and snapped. */
PetscErrorCode TwinfeCaseKeepSegmentedSurface_Private(TwinfeCase c)
{
  PetscBool wanted;
  PetscReal spacing[3], origin[3], direction[9];

  PetscFunctionBegin;
  PetscCall(TwinfeSurfaceDestroy(&c->segmented_surface));
  PetscCall(SnapWanted(&wanted));
  if (!wanted) PetscFunctionReturn(0);
  PetscCall(TwinfeSurfaceDuplicate(c->surface, &c->segmented_surface));
  PetscCall(TwinfeImageGetGeometry(c->image, spacing, origin, direction));
  c->segmented_voxel_mm = PetscMin(spacing[0], PetscMin(spacing[1], spacing[2]));
  PetscFunctionReturn(0);
}

static PetscErrorCode ProjectOnSurface(void *ctx, PetscInt tag, const PetscReal x[3], PetscReal y[3], PetscBool *found)
{
  return TwinfeSurfaceLocatorClosest((TwinfeSurfaceLocator)ctx, tag, x, y, NULL, found);
}

static PetscErrorCode ReportStats(TwinfeCase c, const TwinfePartitionSnapStats *st, PetscReal bound, PetscReal tolerance)
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(
      c->comm,
      "snap      %" PetscInt_FMT " boundary vertices onto the segmented surface: %" PetscInt_FMT " moved, %" PetscInt_FMT
      " part of the way, %" PetscInt_FMT " kept (%" PetscInt_FMT " where patches meet, %" PetscInt_FMT " without a patch)\n",
      st->boundary_vertices, st->moved_whole, st->moved_part, st->kept, st->junction_vertices, st->unmatched_vertices));
  PetscCall(PetscPrintf(c->comm,
                        "          distance to the surface at most %.3f mm before, %.3f mm after (largest move %.3f mm); "
                        "%" PetscInt_FMT " vertices farther than %.3f mm (0.1 voxel)\n",
                        (double)st->max_distance_before_mm, (double)st->max_distance_after_mm, (double)st->max_move_mm,
                        st->far_after, (double)tolerance));
  PetscCall(PetscPrintf(c->comm, "          least radius ratio %.3f -> %.3f, %" PetscInt_FMT " cells below %g\n",
                        (double)st->min_radius_ratio_before, (double)st->min_radius_ratio_after, st->cells_below_bound,
                        (double)bound));
  if (c->rank) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetString(c->report, "partition.snap.applied", "yes"));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.boundary_vertices", st->boundary_vertices));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.moved", st->moved_whole));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.moved_part", st->moved_part));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.kept", st->kept));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.junction_vertices", st->junction_vertices));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.unmatched_vertices", st->unmatched_vertices));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.max_distance_before_mm", st->max_distance_before_mm));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.max_distance_after_mm", st->max_distance_after_mm));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.max_move_mm", st->max_move_mm));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.tolerance_mm", tolerance));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.farther_than_tolerance", st->far_after));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.min_radius_ratio_before", st->min_radius_ratio_before));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.min_radius_ratio_after", st->min_radius_ratio_after));
  PetscCall(TwinfeReportSetReal(c->report, "partition.snap.radius_ratio_bound", bound));
  PetscCall(TwinfeReportSetInt(c->report, "partition.snap.cells_below_bound", st->cells_below_bound));
  PetscFunctionReturn(0);
}

/* Each region's volume before and after, against the volume its segmented surface encloses. */
static PetscErrorCode ReportVolumes(TwinfeCase c, const PetscReal before[], const PetscReal after[], const PetscReal enclosed[])
{
  char key[256];

  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscCall(PetscPrintf(c->comm, "          %-12s volume %.1f -> %.1f mm^3; the surface encloses %.1f (%+.2f%% -> %+.2f%%)\n",
                          c->names[i], (double)before[i], (double)after[i], (double)enclosed[i],
                          (double)(100 * (before[i] / enclosed[i] - 1)), (double)(100 * (after[i] / enclosed[i] - 1))));
    if (c->rank) continue;
    snprintf(key, sizeof key, "partition.snap.regions.%s.volume_before_mm3", c->names[i]);
    PetscCall(TwinfeReportSetReal(c->report, key, before[i]));
    snprintf(key, sizeof key, "partition.snap.regions.%s.volume_after_mm3", c->names[i]);
    PetscCall(TwinfeReportSetReal(c->report, key, after[i]));
    snprintf(key, sizeof key, "partition.snap.regions.%s.surface_volume_mm3", c->names[i]);
    PetscCall(TwinfeReportSetReal(c->report, key, enclosed[i]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SayNotSnapped(TwinfeCase c, const char why[])
{
  PetscFunctionBegin;
  PetscCall(PetscPrintf(c->comm, "snap      not done: %s; the refined boundary stays on the coarse facets\n", why));
  if (c->rank == 0) PetscCall(TwinfeReportSetString(c->report, "partition.snap.applied", why));
  PetscFunctionReturn(0);
}

/* Collective, after -mesh_refine: the finest level's boundary onto the kept surface. */
PetscErrorCode TwinfeCaseSnapRefinedBoundary_Private(TwinfeCase c)
{
  PetscBool                wanted;
  PetscInt                 have = c->rank == 0 && c->segmented_surface, regions[TWINFE_CASE_MAX_REGIONS];
  PetscReal                before[TWINFE_CASE_MAX_REGIONS], after[TWINFE_CASE_MAX_REGIONS];
  PetscReal                enclosed[TWINFE_CASE_MAX_REGIONS], bound = 0.1, tolerance = 0.1 * c->segmented_voxel_mm;
  TwinfeSurfaceLocator     locator;
  TwinfePartitionSnapStats stats;

  PetscFunctionBegin;
  PetscCall(SnapWanted(&wanted));
  PetscCallMPI(MPI_Bcast(&have, 1, MPIU_INT, 0, c->comm));
  if (!wanted)
    PetscCall(SayNotSnapped(c, "-mesh_snap false"));
  else if (!have)
    PetscCall(SayNotSnapped(c, "no segmented surface (the run started from a mesh)"));
  if (!wanted || !have) PetscFunctionReturn(0);
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_min_radius_ratio", &bound, NULL));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    regions[i]  = c->labels[i];
    enclosed[i] = 0;
    if (c->rank == 0) PetscCall(TwinfeSurfaceComputeLabelVolume(c->segmented_surface, c->labels[i], &enclosed[i]));
  }
  PetscCallMPI(MPI_Bcast(enclosed, (PetscMPIInt)c->nregions, MPIU_REAL, 0, c->comm));
  PetscCallMPI(MPI_Bcast(&tolerance, 1, MPIU_REAL, 0, c->comm));
  PetscCall(TwinfePartitionComputeRegionVolumes(c->dm, c->nregions, regions, before));
  PetscCall(TwinfeSurfaceLocatorCreate(c->comm, c->segmented_surface, &locator));
  PetscCall(TwinfeSurfaceDestroy(&c->segmented_surface));
  PetscCall(TwinfePartitionSnapBoundary(c->dm, ProjectOnSurface, locator, bound, tolerance, &stats));
  PetscCall(TwinfeSurfaceLocatorDestroy(&locator));
  PetscCall(TwinfePartitionComputeRegionVolumes(c->dm, c->nregions, regions, after));
  PetscCall(ReportStats(c, &stats, bound, tolerance));
  PetscCall(ReportVolumes(c, before, after, enclosed));
  PetscFunctionReturn(0);
}
