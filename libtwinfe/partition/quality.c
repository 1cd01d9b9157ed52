/* How good a distribution is: the figures a cluster user reads before scaling up.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Computed from the distributed DMPlex itself, so they hold for any partitioner and after a
 * refinement: cells per rank; the faces between cells of two ranks (the dual graph's edge cut
 * METIS minimises; on a cell-vertex level, which has no faces, 4 per cut face of the
 * interpolated level below per refinement, exactly, as a face splits into 4); and the
 * vertices more than one rank holds (the interface whose values the ranks exchange). */
#include <petscsf.h>
#include <twinfe/partition.h>

#include "core/core_impl.h"

/* Points of [pStart, pEnd) that are leaves of the point SF here (another rank owns them). */
static PetscErrorCode CountLeavesIn(DM dm, PetscInt pStart, PetscInt pEnd, PetscInt *count)
{
  PetscSF         sf;
  PetscInt        nroots, nleaves;
  const PetscInt *leaves;

  PetscFunctionBeginUser;
  *count = 0;
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, &nroots, &nleaves, &leaves, NULL));
  for (PetscInt l = 0; nroots >= 0 && l < nleaves; ++l) {
    const PetscInt p = leaves ? leaves[l] : l;
    if (p >= pStart && p < pEnd) ++*count;
  }
  PetscFunctionReturn(0);
}

/* Faces two ranks share, over all ranks: a shared face is a leaf on the one rank that does not
   own it (overlap 0: a face bounds at most 2 cells, so at most 2 ranks hold it). */
static PetscErrorCode CountCutFaces(DM dm, PetscInt *cut)
{
  PetscInt depth, fStart, fEnd, local;
  DM       coarse;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepth(dm, &depth));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &depth, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
  if (depth == 3) {
    PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
    PetscCall(CountLeavesIn(dm, fStart, fEnd, &local));
    PetscCallMPI(MPI_Allreduce(&local, cut, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));
    PetscFunctionReturn(0);
  }
  PetscCall(DMGetCoarseDM(dm, &coarse));
  if (!coarse) { /* a cell-vertex mesh not made by refinement: its faces are not known */
    *cut = -1;
    PetscFunctionReturn(0);
  }
  PetscCall(CountCutFaces(coarse, cut));
  if (*cut >= 0) *cut *= 4;
  PetscFunctionReturn(0);
}

/* Vertices held by more than one rank, each counted once (at its owner). */
static PetscErrorCode CountInterfaceVertices(DM dm, PetscInt *count)
{
  PetscSF         sf;
  PetscInt        nroots, vStart, vEnd, local = 0;
  const PetscInt *degree = NULL;

  PetscFunctionBeginUser;
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, &nroots, NULL, NULL, NULL));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  if (nroots >= 0) {
    PetscCall(PetscSFComputeDegreeBegin(sf, &degree));
    PetscCall(PetscSFComputeDegreeEnd(sf, &degree));
    for (PetscInt v = vStart; v < vEnd && v < nroots; ++v)
      if (degree[v] > 0) ++local;
  }
  PetscCallMPI(MPI_Allreduce(&local, count, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePartitionGetQuality(DM dm, TwinfePartitionQuality *q)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)dm);
  PetscInt    cStart, cEnd;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  q->parts = size;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(TwinfeRankSpread(comm, cEnd - cStart, &q->cells_min, &q->cells_max, &q->cells, &q->cells_imbalance));
  PetscCall(CountCutFaces(dm, &q->cut_faces));
  PetscCall(CountInterfaceVertices(dm, &q->interface_vertices));
  PetscFunctionReturn(0);
}

/* |det [x1 - x0, x2 - x0, x3 - x0]| / 6 of a cell, from its vertices' coordinates. */
static PetscErrorCode CellVolume(DM dm, PetscInt depth, PetscInt cell, PetscSection cs, const PetscScalar coords[],
                                 PetscReal *volume)
{
  PetscInt         vStart, vEnd, nv = 0, off, *closure = NULL, n;
  const PetscReal *p[4];

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  if (depth == 1) {
    const PetscInt *cone;
    PetscCall(DMPlexGetCone(dm, cell, &cone));
    for (nv = 0; nv < 4; ++nv) {
      PetscCall(PetscSectionGetOffset(cs, cone[nv], &off));
      p[nv] = (const PetscReal *)&coords[off];
    }
  } else {
    PetscCall(DMPlexGetTransitiveClosure(dm, cell, PETSC_TRUE, &n, &closure));
    for (PetscInt i = 0; i < n && nv < 4; ++i)
      if (closure[2 * i] >= vStart && closure[2 * i] < vEnd) {
        PetscCall(PetscSectionGetOffset(cs, closure[2 * i], &off));
        p[nv++] = (const PetscReal *)&coords[off];
      }
    PetscCall(DMPlexRestoreTransitiveClosure(dm, cell, PETSC_TRUE, &n, &closure));
  }
  PetscCheck(nv == 4, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "cell %" PetscInt_FMT " is not a tetrahedron", cell);
  *volume = PetscAbsReal(TwinfeTetDet_Private(p[0], p[1], p[2], p[3])) / 6;
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionComputeRegionVolumes - The volume of each region of a distributed tet mesh.

  Collective on dm

  Input: dm (interpolated or cell-vertex), regions[nregions] ("Cell Sets" values).
  Output: volumes[nregions] (mm^3), the same on every rank. Cells are not shared between ranks,
  so each is counted once.
@*/
PetscErrorCode TwinfePartitionComputeRegionVolumes(DM dm, PetscInt nregions, const PetscInt regions[], PetscReal volumes[])
{
  DMLabel            cell_sets;
  PetscSection       cs;
  Vec                X;
  const PetscScalar *coords;
  PetscInt           depth;

  PetscFunctionBeginUser;
  PetscCall(DMGetLabel(dm, "Cell Sets", &cell_sets));
  PetscCall(DMPlexGetDepth(dm, &depth));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(DMGetCoordinatesLocal(dm, &X));
  PetscCall(VecGetArrayRead(X, &coords));
  for (PetscInt i = 0; i < nregions; ++i) {
    IS              cells = NULL;
    PetscInt        n     = 0;
    const PetscInt *c     = NULL;
    volumes[i]            = 0;
    if (cell_sets) PetscCall(DMLabelGetStratumIS(cell_sets, regions[i], &cells));
    if (cells) PetscCall(ISGetLocalSize(cells, &n));
    if (cells) PetscCall(ISGetIndices(cells, &c));
    for (PetscInt k = 0; k < n; ++k) {
      PetscReal v = 0;
      PetscCall(CellVolume(dm, depth, c[k], cs, coords, &v));
      volumes[i] += v;
    }
    if (cells) PetscCall(ISRestoreIndices(cells, &c));
    PetscCall(ISDestroy(&cells));
  }
  PetscCall(VecRestoreArrayRead(X, &coords));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, volumes, nregions, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)dm)));
  PetscFunctionReturn(0);
}
