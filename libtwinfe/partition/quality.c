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
