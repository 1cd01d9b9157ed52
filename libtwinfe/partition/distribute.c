/* From a serial TwinfeMesh on rank 0 to a distributed, labelled DMPlex.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Meshing happens on one rank, so the mesh enters there. METIS splits the cells on the dual
 * graph (tets sharing a face), which is what balances assembly work and keeps the cut small;
 * PetscPartitionerShell hands that split to DMPlexDistribute, which avoids PETSc building its
 * own partition graph (10 s at 1M tets, docs/stack-measurements.md).
 *
 * Faces and edges are made after the distribution, on every rank for its own cells (by
 * interpolate.c, several times faster than DMPlexInterpolate's 10-13 us per tet), so no rank
 * builds them for the whole mesh. Until the faces exist, each boundary or interface facet
 * travels with the tet(s) it bounds, as the tag of "the face opposite the tet's k-th vertex"
 * in one of four cell labels; after interpolation that face is found by its vertices. */
#include <twinfe/core.h>
#include <twinfe/partition.h>

#include "core/core_impl.h"
#include "partition_impl.h"

#include <metis.h>

/* DMPlex expects the opposite tet orientation from ours (det > 0 as Gmsh and VTK): swap
   the first two vertices. */
static PetscErrorCode CreateSerialPlex(MPI_Comm comm, TwinfeMesh mesh, PetscBool on_root, DM *dm)
{
  PetscInt         nv = 0, nt = 0, *cells = NULL;
  const PetscReal *xyz     = NULL;
  const PetscInt  *tets    = NULL;
  const int32_t   *regions = NULL;

  PetscFunctionBegin;
  if (on_root) {
    PetscCall(TwinfeMeshGetVertices(mesh, &nv, &xyz));
    PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
    PetscCall(PetscMalloc1(4 * nt, &cells));
    for (PetscInt t = 0; t < nt; ++t) {
      cells[4 * t + 0] = tets[4 * t + 1];
      cells[4 * t + 1] = tets[4 * t + 0];
      cells[4 * t + 2] = tets[4 * t + 2];
      cells[4 * t + 3] = tets[4 * t + 3];
    }
  }
  PetscCall(DMPlexCreateFromCellListPetsc(comm, 3, nt, nv, 4, PETSC_FALSE, cells, 3, xyz, dm));
  PetscCall(PetscFree(cells));
  PetscFunctionReturn(0);
}

static const char *const facet_label_names[4] = {"twinfe facet opposite vertex 0", "twinfe facet opposite vertex 1",
                                                 "twinfe facet opposite vertex 2", "twinfe facet opposite vertex 3"};

/* Regions as "Cell Sets"; each facet's tag on the cells it bounds (uninterpolated mesh). */
PetscErrorCode TwinfeCreateCellLabels_Private(DM dm)
{
  PetscFunctionBegin;
  PetscCall(DMCreateLabel(dm, "Cell Sets"));
  for (int k = 0; k < 4; ++k)
    PetscCall(DMCreateLabel(dm, facet_label_names[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode LabelCellsOnRoot(DM dm, TwinfeMesh mesh)
{
  DMLabel cell_sets, facet_labels[4];

  PetscFunctionBegin;
  PetscCall(DMGetLabel(dm, "Cell Sets", &cell_sets));
  for (int k = 0; k < 4; ++k)
    PetscCall(DMGetLabel(dm, facet_label_names[k], &facet_labels[k]));
  {
    PetscInt        nt, nf, vStart, vEnd;
    const PetscInt *tets, *facets;
    const int32_t  *regions, *tags;

    PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
    PetscCall(TwinfeMeshGetFacets(mesh, &nf, &facets, &tags));
    PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
    for (PetscInt t = 0; t < nt; ++t)
      PetscCall(DMLabelSetValue(cell_sets, t, regions[t]));
    for (PetscInt f = 0; f < nf; ++f) {
      const PetscInt  points[3] = {vStart + facets[3 * f], vStart + facets[3 * f + 1], vStart + facets[3 * f + 2]};
      const PetscInt *cells;
      PetscInt        ncells;
      /* Without faces, the cells holding all three vertices are the join of the vertices. */
      PetscCall(DMPlexGetJoin(dm, 3, points, &ncells, &cells));
      PetscCheck(ncells == 1 || ncells == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Facet %" PetscInt_FMT " (vertices %" PetscInt_FMT " %" PetscInt_FMT " %" PetscInt_FMT
                 ", tag %d) bounds %" PetscInt_FMT " tetrahedra instead of 1 or 2: the mesh's facets and tets disagree",
                 f, facets[3 * f], facets[3 * f + 1], facets[3 * f + 2], (int)tags[f], ncells);
      for (PetscInt i = 0; i < ncells; ++i) {
        const PetscInt *cone;
        PetscInt        opposite = -1;
        PetscCall(DMPlexGetCone(dm, cells[i], &cone));
        for (int k = 0; k < 4; ++k)
          if (cone[k] != points[0] && cone[k] != points[1] && cone[k] != points[2]) opposite = k;
        PetscCall(DMLabelSetValue(facet_labels[opposite], cells[i], tags[f]));
      }
      PetscCall(DMPlexRestoreJoin(dm, 3, points, &ncells, &cells));
    }
  }
  PetscFunctionReturn(0);
}

/* Whether vertex v is among the ends of face f's edges (an interpolated face's cone). */
static PetscErrorCode FaceHasVertex(DM dm, PetscInt f, PetscInt v, PetscBool *has)
{
  const PetscInt *edges, *ends;
  PetscFunctionBegin;
  *has = PETSC_FALSE;
  PetscCall(DMPlexGetCone(dm, f, &edges));
  for (int e = 0; e < 3 && !*has; ++e) {
    PetscCall(DMPlexGetCone(dm, edges[e], &ends));
    *has = ends[0] == v || ends[1] == v;
  }
  PetscFunctionReturn(0);
}

/* The face of interpolated cell c whose vertices are the three cell vertices other than
   `skip` (the cell's vertices as they were before interpolation): the one face without that
   vertex. DMPlex cones a tet (v0 v1 v2 v3) by the faces (v0 v1 v2) (v0 v3 v1) (v0 v2 v3)
   (v2 v1 v3), so it is face 3 - skip; that is checked, and the other faces are tried if not
   (1.5 s of closures at 2.3M refined tets before this). */
static PetscErrorCode FindFaceOpposite(DM dm, PetscInt c, const PetscInt vertices[4], PetscInt skip, PetscInt *face)
{
  const PetscInt *faces;
  PetscBool       has = PETSC_TRUE;
  PetscFunctionBegin;
  PetscCall(DMPlexGetCone(dm, c, &faces));
  PetscCall(FaceHasVertex(dm, faces[3 - skip], vertices[skip], &has));
  *face = has ? -1 : faces[3 - skip];
  for (int f = 0; f < 4 && *face < 0; ++f) {
    PetscCall(FaceHasVertex(dm, faces[f], vertices[skip], &has));
    if (!has) *face = faces[f];
  }
  PetscCheck(*face >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cell %" PetscInt_FMT " has no face opposite its vertex %" PetscInt_FMT,
             c, skip);
  PetscFunctionReturn(0);
}

typedef struct {
  DM              dm;
  DMLabel         face_sets;
  PetscInt        cStart, opposite;
  const PetscInt *vertices; /* 4 per cell, as before interpolation */
} FaceTagging;

/* A cell carrying a facet tag: put the tag on its face opposite vertex `opposite`. */
static PetscErrorCode TagFaceOpposite(PetscInt cell, PetscInt tag, void *ctx)
{
  FaceTagging *f    = (FaceTagging *)ctx;
  PetscInt     face = -1;
  PetscFunctionBegin;
  PetscCall(FindFaceOpposite(f->dm, cell, f->vertices + 4 * (cell - f->cStart), f->opposite, &face));
  PetscCall(DMLabelSetValue(f->face_sets, face, tag));
  PetscFunctionReturn(0);
}

/* Our bulk interpolation (the same DAG as DMPlexInterpolate's, several times faster: 942k
   tets on 2 ranks, partition 8.6 s -> 4.7 s); -partition_interpolate petsc takes PETSc's.
   Interpolating on rank 0 before distributing was no faster on 2 ranks (9.1 s vs 8.6 s):
   moving faces and edges costs what interpolating half the mesh does. */
static PetscErrorCode Interpolate(DM dm, DM *interpolated)
{
  char      which[16] = "twinfe";
  PetscBool ours, petsc;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-partition_interpolate", which, sizeof which, NULL));
  PetscCall(PetscStrcmp(which, "twinfe", &ours));
  PetscCall(PetscStrcmp(which, "petsc", &petsc));
  PetscCheck(ours || petsc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-partition_interpolate %s is not known: use twinfe (the default) or petsc", which);
  if (ours)
    PetscCall(TwinfeInterpolateTets(dm, interpolated));
  else
    PetscCall(DMPlexInterpolate(dm, interpolated));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGetFacetLabel_Private(DM dm, PetscInt opposite, DMLabel *label)
{
  PetscFunctionBegin;
  PetscCall(DMGetLabel(dm, facet_label_names[opposite], label));
  PetscFunctionReturn(0);
}

/* Interpolate this rank's cells, then turn the facet tags carried by the cells into
   "Face Sets" on the faces. Collective. */
PetscErrorCode TwinfeInterpolateAndLabelFaces_Private(DM *dm)
{
  DM          interpolated;
  PetscInt    cStart, cEnd, *vertices;
  FaceTagging ctx;

  PetscFunctionBegin;
  PetscCall(DMPlexGetHeightStratum(*dm, 0, &cStart, &cEnd));
  /* DMPlexInterpolate keeps cells and vertices numbered as they were: keep each cell's vertices. */
  PetscCall(PetscMalloc1(4 * (cEnd - cStart), &vertices));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    const PetscInt *cone;
    PetscCall(DMPlexGetCone(*dm, c, &cone));
    PetscCall(PetscArraycpy(vertices + 4 * (c - cStart), cone, 4));
  }
  PetscCall(Interpolate(*dm, &interpolated));
  PetscCall(DMDestroy(dm));
  *dm          = interpolated;
  ctx.dm       = *dm;
  ctx.cStart   = cStart;
  ctx.vertices = vertices;
  PetscCall(DMCreateLabel(*dm, "Face Sets"));
  PetscCall(DMGetLabel(*dm, "Face Sets", &ctx.face_sets));
  for (int k = 0; k < 4; ++k) {
    DMLabel carried;
    ctx.opposite = k;
    PetscCall(DMGetLabel(*dm, facet_label_names[k], &carried));
    PetscCall(TwinfeLabelForEachPoint(carried, TagFaceOpposite, &ctx));
    PetscCall(DMRemoveLabel(*dm, facet_label_names[k], NULL));
  }
  PetscCall(PetscFree(vertices));
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionComputeParts - METIS's split of a serial tet mesh's cells into nparts parts: the
  partition TwinfePartitionDistribute gives nparts ranks (METIS_PartMeshDual, faces as the dual
  graph's edges, a fixed seed: the same split on every run).

  Not collective

  Input: mesh, nparts >= 1. Output: part[t] for every tet t; cut (may be NULL): the faces
  between tets of two parts, METIS's objective.
@*/
PetscErrorCode TwinfePartitionComputeParts(TwinfeMesh mesh, PetscInt nparts, PetscInt part[], PetscInt *cut)
{
  PetscInt        nv, nt;
  const PetscInt *tets;
  const int32_t  *regions;
  idx_t          *eptr, *eind, *epart, *npart, ne, nn, ncommon = 3, np = (idx_t)nparts, objval = 0, options[METIS_NOPTIONS];

  PetscFunctionBegin;
  PetscCheck(nparts >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "TwinfePartitionComputeParts: %" PetscInt_FMT " parts asked",
             nparts);
  PetscCall(TwinfeMeshGetVertices(mesh, &nv, NULL));
  PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, &regions));
  ne = (idx_t)nt;
  nn = (idx_t)nv;
  PetscCall(PetscMalloc4(nt + 1, &eptr, 4 * nt, &eind, nt, &epart, nv, &npart));
  for (PetscInt t = 0; t <= nt; ++t)
    eptr[t] = (idx_t)(4 * t);
  for (PetscInt i = 0; i < 4 * nt; ++i)
    eind[i] = (idx_t)tets[i];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED] = 7; /* same partition on every run */
  /* cells within 0.5% of the mean (METIS's default allows 3%): at 1024 parts of a 5.4M-tet mesh
     1.005 instead of 1.030, for 1.7% more cut faces (docs/performance.md) */
  options[METIS_OPTION_UFACTOR] = 5;
  if (nparts > 1 && nt > 0) {
    const int status = METIS_PartMeshDual(&ne, &nn, eptr, eind, NULL, NULL, &ncommon, &np, NULL, options, &objval, epart, npart);
    PetscCheck(status == METIS_OK, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "METIS_PartMeshDual failed with status %d splitting %" PetscInt_FMT " tets into %" PetscInt_FMT " parts", status,
               nt, nparts);
  } else {
    for (PetscInt t = 0; t < nt; ++t)
      epart[t] = 0;
  }
  for (PetscInt t = 0; t < nt; ++t)
    part[t] = (PetscInt)epart[t];
  if (cut) *cut = (PetscInt)objval;
  PetscCall(PetscFree4(eptr, eind, epart, npart));
  PetscFunctionReturn(0);
}

/* METIS part of every cell (rank 0), as the shell partitioner wants it: sizes per part and
   the cells listed part by part. */
static PetscErrorCode PartitionCellsWithMETIS(TwinfeMesh mesh, PetscMPIInt nparts, PetscInt sizes[], PetscInt **points)
{
  PetscInt nt, *part, *offsets;

  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, NULL, NULL));
  PetscCall(PetscMalloc1(nt + 1, &part));
  PetscCall(TwinfePartitionComputeParts(mesh, nparts, part, NULL));
  PetscCall(PetscArrayzero(sizes, nparts));
  for (PetscInt t = 0; t < nt; ++t)
    sizes[part[t]]++;
  PetscCall(PetscMalloc1(nparts + 1, &offsets));
  offsets[0] = 0;
  for (PetscMPIInt p = 0; p < nparts; ++p)
    offsets[p + 1] = offsets[p] + sizes[p];
  PetscCall(PetscMalloc1(nt, points));
  for (PetscInt t = 0; t < nt; ++t)
    (*points)[offsets[part[t]]++] = t;
  PetscCall(PetscFree(offsets));
  PetscCall(PetscFree(part));
  PetscFunctionReturn(0);
}

static PetscErrorCode DistributeWithPartition(DM *dm, TwinfeMesh mesh, PetscBool on_root)
{
  MPI_Comm         comm;
  PetscMPIInt      size;
  PetscInt        *sizes, *points = NULL;
  PetscPartitioner partitioner;
  DM               distributed = NULL;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)*dm, &comm));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(size, &sizes));
  PetscCall(TwinfeRunOnRoot(comm, on_root ? PartitionCellsWithMETIS(mesh, size, sizes, &points) : 0));
  PetscCall(DMPlexGetPartitioner(*dm, &partitioner));
  PetscCall(PetscPartitionerSetType(partitioner, PETSCPARTITIONERSHELL));
  PetscCall(PetscPartitionerShellSetPartition(partitioner, size, sizes, points));
  PetscCall(PetscFree(sizes));
  PetscCall(PetscFree(points));
  /* The shared points spread over their ranks by PETSc: the vertices' and edges' owners are
     chosen again after (ownership.c), but the faces' stay, and an interface face is integrated
     by its owner from its side. Without this, every face to the highest rank, the finite-strain
     retractor case of tests/mpi/test_ranks_agree_physics.py on 3 ranks differed from 1 rank by
     3.6e-3 and its forces no longer balanced: the faces' integration depends on their owners. */
  PetscCall(DMPlexSetPartitionBalance(*dm, PETSC_TRUE));
  PetscCall(DMPlexDistribute(*dm, 0, NULL, &distributed)); /* no overlap: the assembly adds across ranks */
  if (distributed) {
    PetscCall(DMDestroy(dm));
    *dm = distributed;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePartitionDistribute(MPI_Comm comm, TwinfeMesh mesh, DM *dm)
{
  PetscMPIInt rank;
  PetscBool   on_root;
  PetscInt    has_mesh;

  PetscFunctionBegin;
  PetscCheck(dm, comm, PETSC_ERR_ARG_NULL, "TwinfePartitionDistribute: the output DM pointer is NULL");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  on_root  = rank == 0 ? PETSC_TRUE : PETSC_FALSE;
  has_mesh = on_root && mesh ? 1 : 0;
  PetscCallMPI(MPI_Bcast(&has_mesh, 1, MPIU_INT, 0, comm));
  PetscCheck(has_mesh, comm, PETSC_ERR_ARG_NULL, "TwinfePartitionDistribute needs the mesh on rank 0, got NULL");
  PetscCall(CreateSerialPlex(comm, mesh, on_root, dm));
  PetscCall(TwinfeCreateCellLabels_Private(*dm));
  PetscCall(TwinfeRunOnRoot(comm, on_root ? LabelCellsOnRoot(*dm, mesh) : 0));
  PetscCall(DistributeWithPartition(dm, mesh, on_root));
  PetscCall(TwinfeInterpolateAndLabelFaces_Private(dm));
  /* Who owns the shared vertices and edges decides the unknowns per rank, which equal cells do
     not make equal: balanced here, once the edges exist (ownership.c; docs/performance.md). */
  PetscCall(TwinfePartitionBalanceOwnership_Private(*dm));
  PetscCall(PetscObjectSetName((PetscObject)*dm, "mesh"));
  PetscFunctionReturn(0);
}
