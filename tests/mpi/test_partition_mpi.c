/* METIS + shell partitioner + DMPlexDistribute on 2 or 3 ranks: nothing lost, work balanced.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "twinfe_checks.h"
#include <petscsf.h>
#include <twinfe/fem.h>
#include <twinfe/partition.h>

START_TEST(distribution_keeps_cells_and_tags_and_balances)
{
  TwinfeMesh     mesh = NULL;
  DM             dm;
  PetscInt       cStart, cEnd, local, lo, hi;
  PetscMPIInt    rank, size;
  const PetscInt n = 6, nt = 6 * n * n * n;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  ck_assert_int_ge(size, 2);
  if (rank == 0) TWINFE_CK(twinfe_test_box_mesh(n, &mesh));
  TWINFE_CK(TwinfePartitionDistribute(PETSC_COMM_WORLD, mesh, &dm));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  local = cEnd - cStart;
  ck_assert_int_eq(twinfe_test_global_sum(local), nt);
  MPI_Allreduce(&local, &lo, 1, MPIU_INT, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(&local, &hi, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD);
  /* METIS's default imbalance tolerance is 3%; allow 5% for the small mesh. */
  ck_assert_msg(hi <= 1.05 * nt / size && lo > 0, "cells per rank %d..%d of %d", (int)lo, (int)hi, (int)nt);
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Cell Sets", 1)), nt / 2);
  /* Boundary facets touch one cell, so each lives on exactly one rank. */
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Face Sets", 1)), 2 * n * n * 3);
  ck_assert_int_eq(twinfe_test_global_sum(twinfe_test_stratum_size(dm, "Face Sets", 2)), 2 * n * n * 3);
  TWINFE_CK(DMDestroy(&dm));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

/* A check that every rank ran: it passes only if it passed everywhere, and every rank
   learns the outcome, so no rank goes on alone into the next collective call. */
static void AssertOnAllRanks(PetscErrorCode ierr, const char *what)
{
  int local = ierr ? 1 : 0, failed = 0;
  MPI_Allreduce(&local, &failed, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (failed) PetscPopErrorHandler();
  ck_assert_msg(!failed, "%s failed on a rank", what);
}

static PetscInt DepthSize(DM dm, PetscInt depth)
{
  PetscInt start, end;
  TWINFE_CK(DMPlexGetDepthStratum(dm, depth, &start, &end));
  return end - start;
}

/* Leaves of the point SF (points this rank holds but another owns) at one depth. */
static PetscInt SharedAtDepth(DM dm, PetscInt depth)
{
  PetscSF         sf;
  PetscInt        nleaves, start, end, n = 0;
  const PetscInt *leaves;
  TWINFE_CK(DMGetPointSF(dm, &sf));
  TWINFE_CK(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, NULL));
  TWINFE_CK(DMPlexGetDepthStratum(dm, depth, &start, &end));
  for (PetscInt l = 0; l < nleaves; ++l) {
    PetscInt p = leaves ? leaves[l] : l;
    if (p >= start && p < end) n++;
  }
  return n;
}

/* On a distributed mesh our bulk interpolation numbers a shared face or edge by global vertex
   numbers, so both ranks give it the same cone; the point SF grows as DMPlexInterpolate grows
   it. Against PETSc's: the same faces and edges on each rank, the same ones shared, and
   PETSc's checks (the point SF, cones across the interface, the skeleton) pass. */
START_TEST(bulk_interpolation_matches_petsc_across_ranks)
{
  TwinfeMesh  mesh = NULL;
  DM          ours, petsc;
  PetscMPIInt rank;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) TWINFE_CK(twinfe_test_box_mesh(6, &mesh));
  ck_assert_int_ge(twinfe_test_distribute_both(mesh, &petsc, &ours), 1);
  for (PetscInt d = 0; d <= 3; ++d) {
    ck_assert_int_eq(DepthSize(ours, d), DepthSize(petsc, d));
    ck_assert_int_eq(SharedAtDepth(ours, d), SharedAtDepth(petsc, d));
  }
  ck_assert_int_gt(twinfe_test_global_sum(SharedAtDepth(ours, 2)), 0); /* the test does cross a cut */
  ck_assert_int_eq(twinfe_test_stratum_size(ours, "Face Sets", 1002), twinfe_test_stratum_size(petsc, "Face Sets", 1002));
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL); /* a failed check must not strand the other rank */
  AssertOnAllRanks(DMPlexCheckPointSF(ours, NULL, PETSC_FALSE), "DMPlexCheckPointSF");
  AssertOnAllRanks(DMPlexCheckInterfaceCones(ours), "DMPlexCheckInterfaceCones");
  AssertOnAllRanks(DMPlexCheckSymmetry(ours), "DMPlexCheckSymmetry");
  AssertOnAllRanks(DMPlexCheckSkeleton(ours, 0), "DMPlexCheckSkeleton");
  AssertOnAllRanks(DMPlexCheckFaces(ours, 0), "DMPlexCheckFaces");
  AssertOnAllRanks(DMPlexCheckGeometry(ours), "DMPlexCheckGeometry");
  PetscPopErrorHandler();
  TWINFE_CK(DMDestroy(&ours));
  TWINFE_CK(DMDestroy(&petsc));
  TWINFE_CK(TwinfeMeshDestroy(&mesh));
}
END_TEST

static PetscInt CellsInRegion(DM dm, PetscInt region)
{
  PetscInt cStart, cEnd, value, n = 0;
  DMLabel  label;
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  TWINFE_CK(DMGetLabel(dm, "Cell Sets", &label));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    TWINFE_CK(DMLabelGetValue(label, c, &value));
    n += value == region;
  }
  return n;
}

/* Every vertex of a refined level sits at the mean of its two coarse parents (itself twice
   for an old vertex, an edge's ends for its midpoint): what the prolongation assumes. */
static PetscReal MaxParentOffset(DM fine)
{
  DM                 coarse;
  const PetscInt    *parents;
  PetscInt           vStart, vEnd, cvStart, cvEnd, nvertices;
  PetscReal          worst = 0;
  Vec                fx, cx;
  PetscSection       fs, cs;
  const PetscScalar *f, *c;

  TWINFE_CK(TwinfePartitionGetVertexParents(fine, &coarse, &nvertices, &parents));
  ck_assert_ptr_nonnull(parents);
  TWINFE_CK(DMPlexGetDepthStratum(fine, 0, &vStart, &vEnd));
  ck_assert_int_eq(nvertices, vEnd - vStart);
  TWINFE_CK(DMPlexGetDepthStratum(coarse, 0, &cvStart, &cvEnd));
  TWINFE_CK(DMGetCoordinatesLocal(fine, &fx));
  TWINFE_CK(DMGetCoordinatesLocal(coarse, &cx));
  TWINFE_CK(DMGetCoordinateSection(fine, &fs));
  TWINFE_CK(DMGetCoordinateSection(coarse, &cs));
  TWINFE_CK(VecGetArrayRead(fx, &f));
  TWINFE_CK(VecGetArrayRead(cx, &c));
  for (PetscInt v = vStart; v < vEnd; ++v) {
    PetscInt off, a, b, pa = parents[2 * (v - vStart)], pb = parents[2 * (v - vStart) + 1];
    ck_assert(pa >= cvStart && pa < cvEnd && pb >= cvStart && pb < cvEnd);
    TWINFE_CK(PetscSectionGetOffset(fs, v, &off));
    TWINFE_CK(PetscSectionGetOffset(cs, pa, &a));
    TWINFE_CK(PetscSectionGetOffset(cs, pb, &b));
    for (PetscInt k = 0; k < 3; ++k)
      worst = PetscMax(worst, PetscAbsReal(PetscRealPart(f[off + k]) - 0.5 * PetscRealPart(c[a + k] + c[b + k])));
  }
  TWINFE_CK(VecRestoreArrayRead(fx, &f));
  TWINFE_CK(VecRestoreArrayRead(cx, &c));
  return worst;
}

/* Refinement after distribution, on every rank for its own cells: 8 children a tet, the
   volume and every tagged boundary's area kept, labels carried, a valid distributed mesh
   (PETSc's checks of the point SF, cones and faces), parents where the vertices are. */
START_TEST(refinement_in_parallel_keeps_volume_tags_and_parents)
{
  PetscInt    nn[3] = {2, 3, 2};
  PetscReal   lo[3] = {0, 0, 0}, hi[3] = {2, 3, 4}, area[7] = {0, 12, 12, 8, 8, 6, 6};
  PetscInt    squares[7] = {0, 6, 6, 4, 4, 6, 6}; /* hexes' sides on x = lo/hi (3 x 2), y (2 x 2), z (2 x 3) */
  DM          coarse, fine, level;
  TwinfeSpace space;
  PetscInt    degree = 1, ncomp = 1, cStart, cEnd, count;
  PetscReal   volume, total;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &coarse));
  TWINFE_CK(TwinfePartitionRefine(coarse, 2, &fine));
  TWINFE_CK(DMPlexGetHeightStratum(fine, 0, &cStart, &cEnd));
  ck_assert_int_eq(twinfe_test_global_sum(cEnd - cStart), 64 * 6 * 2 * 3 * 2);
  /* every child keeps its region (the label also reaches the edges inside a tet: count cells) */
  ck_assert_int_eq(twinfe_test_global_sum(CellsInRegion(fine, 1)), 64 * 6 * 2 * 3 * 2);
  AssertOnAllRanks(DMPlexCheckPointSF(fine, NULL, PETSC_FALSE), "DMPlexCheckPointSF");
  AssertOnAllRanks(DMPlexCheckSkeleton(fine, 0), "DMPlexCheckSkeleton");
  AssertOnAllRanks(DMPlexCheckFaces(fine, 0), "DMPlexCheckFaces");
  TWINFE_CK(TwinfeSpaceCreate(fine, 1, &degree, &ncomp, &space));
  TWINFE_CK(TwinfeSpaceGetLocalVolume(space, &volume));
  MPI_Allreduce(&volume, &total, 1, MPIU_REAL, MPI_SUM, PETSC_COMM_WORLD);
  ck_assert_double_eq_tol(total, 24.0, 1e-10);
  for (PetscInt tag = 1; tag <= 6; ++tag) {
    PetscReal a;
    TWINFE_CK(TwinfeSpaceComputeFaceArea(space, tag, &a));
    ck_assert_double_eq_tol(a, area[tag], 1e-10);
    TWINFE_CK(TwinfeSpaceGetFaceCount(space, tag, &count));
    ck_assert_int_eq(count, 16 * 2 * squares[tag]); /* 2 triangles a side, 4 x 4 children each */
  }
  TWINFE_CK(TwinfeSpaceDestroy(&space));
  level = fine;
  for (PetscInt l = 0; l < 2; ++l) {
    DM              below;
    const PetscInt *parents;
    PetscInt        nvertices;
    ck_assert_double_le(MaxParentOffset(level), 1e-12);
    TWINFE_CK(TwinfePartitionGetVertexParents(level, &below, &nvertices, &parents));
    level = below;
  }
  ck_assert_ptr_eq(level, coarse);
  TWINFE_CK(DMDestroy(&fine));
  TWINFE_CK(DMDestroy(&coarse));
}
END_TEST

/* Region 2 where x > 1 and the plane x = 1 their interface (tag 1002), decided by geometry so
   that every rank agrees whichever holds a cell or a face. */
static void SplitBoxAtX1(DM dm)
{
  DMLabel  cell_sets, face_sets;
  PetscInt cStart, cEnd, fStart, fEnd;

  TWINFE_CK(DMGetLabel(dm, "Cell Sets", &cell_sets));
  TWINFE_CK(DMGetLabel(dm, "Face Sets", &face_sets));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  TWINFE_CK(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  for (PetscInt c = cStart; c < cEnd; ++c) {
    PetscReal volume, centroid[3];
    TWINFE_CK(DMPlexComputeCellGeometryFVM(dm, c, &volume, centroid, NULL));
    if (centroid[0] < 1) continue;
    TWINFE_CK(DMLabelClearValue(cell_sets, c, 1));
    TWINFE_CK(DMLabelSetValue(cell_sets, c, 2));
  }
  for (PetscInt f = fStart; f < fEnd; ++f) {
    PetscReal area, centroid[3], normal[3];
    TWINFE_CK(DMPlexComputeCellGeometryFVM(dm, f, &area, centroid, normal));
    if (PetscAbsReal(centroid[0] - 1) < 1e-12) TWINFE_CK(DMLabelSetValue(face_sets, f, 1002));
  }
}

/* The flux of the field (x, 0, 0) through a face: x n_x. */
static PetscErrorCode FluxOfX(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  (void)ctx;
  for (PetscInt q = 0; q < f->nq; ++q)
    r[0] += f->w[q] * f->x[3 * q] * f->normal[0];
  return 0;
}

/* A tagged facet's count, area and flux of (x, 0, 0) over all ranks. */
static void FacetTotals(TwinfeSpace space, PetscInt tag, PetscReal totals[3])
{
  PetscInt count;
  TWINFE_CK(TwinfeSpaceGetFaceCount(space, tag, &count));
  totals[0] = count;
  TWINFE_CK(TwinfeSpaceComputeFaceArea(space, tag, &totals[1]));
  TWINFE_CK(TwinfeSpaceIntegrateFaces(space, tag, 2, NULL, FluxOfX, NULL, 1, &totals[2]));
}

/* The finest level as cells and vertices: each tagged facet on one cell over all ranks, so the
   space integrates every boundary and the interface of two regions exactly as on the
   interpolated level (counts, areas, and normals: the flux of (x, 0, 0) is x times the area on
   x = 2, and on the interface, turned out of region 2, -1 times it); the same cells, regions and
   vertex parents; a P2 field refused, as it needs edges. */
START_TEST(cell_vertex_refinement_carries_each_facet_once)
{
  PetscInt        nn[3] = {2, 3, 2}, tags[7] = {1, 2, 3, 4, 5, 6, 1002};
  PetscReal       lo[3] = {0, 0, 0}, hi[3] = {2, 3, 4};
  const PetscReal area[7] = {12, 12, 8, 8, 6, 6, 12}, flux[7] = {0, 24, 0, 0, 0, 0, -12};
  DM              coarse, full, cv;
  TwinfeSpace     sfull, scv, p2 = NULL;
  PetscInt        degree = 1, ncomp = 1, degree2 = 2, depth, cStart, cEnd, nfull, ncv;
  const PetscInt *pfull, *pcv;
  DM              below;
  PetscErrorCode  ierr;

  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &coarse));
  SplitBoxAtX1(coarse);
  TWINFE_CK(TwinfePartitionRefine(coarse, 2, &full));
  TWINFE_CK(TwinfePartitionRefineCellVertex(coarse, 2, &cv));
  TWINFE_CK(DMPlexGetHeightStratum(cv, 0, &cStart, &cEnd));
  TWINFE_CK(DMPlexGetDepth(cv, &depth));
  ck_assert_int_eq(depth, 1);
  ck_assert_int_eq(twinfe_test_global_sum(cEnd - cStart), 64 * 6 * 2 * 3 * 2);
  ck_assert_int_eq(twinfe_test_global_sum(CellsInRegion(cv, 2)), twinfe_test_global_sum(CellsInRegion(full, 2)));
  ck_assert_int_eq(twinfe_test_global_sum(CellsInRegion(cv, 2)), 64 * 6 * 3 * 2);
  AssertOnAllRanks(DMPlexCheckPointSF(cv, NULL, PETSC_FALSE), "DMPlexCheckPointSF");
  TWINFE_CK(TwinfeSpaceCreate(full, 1, &degree, &ncomp, &sfull));
  TWINFE_CK(TwinfeSpaceCreate(cv, 1, &degree, &ncomp, &scv));
  for (PetscInt t = 0; t < 7; ++t) {
    PetscReal a[3], b[3];
    FacetTotals(sfull, tags[t], a);
    FacetTotals(scv, tags[t], b);
    ck_assert_msg(a[0] == b[0], "tag %d: %g facets on the interpolated level, %g on the cell-vertex one", (int)tags[t], a[0],
                  b[0]);
    ck_assert_double_eq_tol(b[1], area[t], 1e-10);
    ck_assert_double_eq_tol(b[2], flux[t], 1e-10);
    ck_assert_double_eq_tol(a[2], flux[t], 1e-10);
  }
  TWINFE_CK(TwinfePartitionGetVertexParents(full, &below, &nfull, &pfull));
  TWINFE_CK(TwinfePartitionGetVertexParents(cv, &below, &ncv, &pcv));
  ck_assert_int_eq(nfull, ncv);
  for (PetscInt i = 0; i < 2 * ncv; ++i)
    ck_assert_int_eq(pfull[i], pcv[i]);
  TWINFE_CK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeSpaceCreate(cv, 1, &degree2, &ncomp, &p2);
  TWINFE_CK(PetscPopErrorHandler());
  ck_assert_int_ne(ierr, 0);
  ck_assert_ptr_null(p2);
  TWINFE_CK(TwinfeSpaceDestroy(&scv));
  TWINFE_CK(TwinfeSpaceDestroy(&sfull));
  TWINFE_CK(DMDestroy(&cv));
  TWINFE_CK(DMDestroy(&full));
  TWINFE_CK(DMDestroy(&coarse));
}
END_TEST

/* Faces two ranks share, counted without the point SF: a face with one cell here and no
   boundary tag lies on the partition's interface, and both ranks see it. */
static PetscInt CutFacesBySupport(DM dm)
{
  PetscInt fStart, fEnd, local = 0, tag;
  DMLabel  face_sets;
  TWINFE_CK(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  TWINFE_CK(DMGetLabel(dm, "Face Sets", &face_sets));
  for (PetscInt f = fStart; f < fEnd; ++f) {
    PetscInt size;
    TWINFE_CK(DMPlexGetSupportSize(dm, f, &size));
    TWINFE_CK(DMLabelGetValue(face_sets, f, &tag));
    local += size == 1 && tag < 0;
  }
  return twinfe_test_global_sum(local) / 2;
}

/* This rank's vertices that it owns (a non-negative global number); *held = all it holds. */
static PetscInt OwnedVertices(DM dm, PetscInt *held)
{
  PetscInt        vStart, vEnd, owned = 0;
  IS              numbering;
  const PetscInt *g;
  TWINFE_CK(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  TWINFE_CK(DMPlexGetVertexNumbering(dm, &numbering));
  TWINFE_CK(ISGetIndices(numbering, &g));
  for (PetscInt v = 0; v < vEnd - vStart; ++v)
    owned += g[v] >= 0;
  TWINFE_CK(ISRestoreIndices(numbering, &g));
  *held = vEnd - vStart;
  return owned;
}

/* Vertices counted once per rank holding them, less the vertices of the mesh: what the
   vertices on several ranks hold beyond one copy each (each of them once on 2 ranks). */
static PetscInt ExtraVertexCopies(DM dm)
{
  PetscInt held, owned = OwnedVertices(dm, &held);
  return twinfe_test_global_sum(held) - twinfe_test_global_sum(owned);
}

/* Owned vertices on the fullest rank over the mean. */
static PetscReal OwnedVertexImbalance(DM dm)
{
  PetscInt    held, owned = OwnedVertices(dm, &held), most;
  PetscMPIInt size;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  MPI_Allreduce(&owned, &most, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD);
  return (PetscReal)most * size / twinfe_test_global_sum(owned);
}

/* The partition's figures against counts made another way: cut faces from the faces' supports
   (and 16 times the coarse cut after two refinements, either kind of finest level), vertices on
   several ranks from the vertex copies, the cells' imbalance from their counts. */
START_TEST(partition_quality_counts_cut_and_interface)
{
  PetscInt               nn[3] = {4, 3, 4};
  PetscReal              lo[3] = {0, 0, 0}, hi[3] = {4, 3, 4};
  DM                     coarse, full, cv;
  TwinfePartitionQuality q, qfull, qcv;
  PetscMPIInt            size;
  PetscInt               extra;

  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &coarse));
  TWINFE_CK(TwinfePartitionGetQuality(coarse, &q));
  ck_assert_int_eq(q.parts, size);
  ck_assert_int_eq(q.cells, 6 * 4 * 3 * 4);
  ck_assert_double_eq_tol(q.cells_imbalance, (PetscReal)q.cells_max * size / q.cells, 1e-14);
  ck_assert_int_gt(q.cut_faces, 0);
  ck_assert_int_eq(q.cut_faces, CutFacesBySupport(coarse));
  extra = ExtraVertexCopies(coarse);
  if (size == 2) ck_assert_int_eq(q.interface_vertices, extra);
  ck_assert_int_le(q.interface_vertices, extra);
  ck_assert_int_ge(2 * q.interface_vertices, extra);
  TWINFE_CK(TwinfePartitionRefine(coarse, 2, &full));
  TWINFE_CK(TwinfePartitionRefineCellVertex(coarse, 2, &cv));
  TWINFE_CK(TwinfePartitionGetQuality(full, &qfull));
  TWINFE_CK(TwinfePartitionGetQuality(cv, &qcv));
  ck_assert_int_eq(qfull.cut_faces, CutFacesBySupport(full));
  ck_assert_int_eq(qfull.cut_faces, 16 * q.cut_faces);
  ck_assert_int_eq(qcv.cut_faces, qfull.cut_faces);
  ck_assert_int_eq(qcv.interface_vertices, qfull.interface_vertices);
  ck_assert_int_eq(qcv.cells_max, qfull.cells_max);
  if (size == 2) ck_assert_int_eq(qcv.interface_vertices, ExtraVertexCopies(cv));
  /* the shared fine vertices' owners balanced (ownership.c; shared_points_owned_in_balance holds
     it to its bound), where following the coarse edges' owners gave 1.024 (2 ranks) and 1.067 (3) */
  ck_assert_double_le(OwnedVertexImbalance(cv), 1.045);
  ck_assert_double_le(OwnedVertexImbalance(full), 1.045);
  TWINFE_CK(DMDestroy(&cv));
  TWINFE_CK(DMDestroy(&full));
  TWINFE_CK(DMDestroy(&coarse));
}
END_TEST

/* ---- who owns the shared points (partition/ownership.c) ---- */

/* Points of depth `depth` this rank owns (not leaves of the point SF). */
static PetscInt OwnedAtDepth(DM dm, PetscInt depth)
{
  return DepthSize(dm, depth) - SharedAtDepth(dm, depth);
}

/* The point SF of a non-overlapping mesh is sound: PETSc's checks pass, PetscSFSetUp too, and
   every leaf points to a root that is no leaf itself (one owner per shared point: with the
   owned counts summing to the mesh's, each point has exactly one root). */
static void AssertPointSFSound(DM dm)
{
  PetscSF         sf;
  PetscInt        nroots, nleaves, bad = 0, pEnd;
  const PetscInt *leaves;
  PetscInt       *is_leaf, *root_is_leaf;
  TWINFE_CK(DMGetPointSF(dm, &sf));
  TWINFE_CK(PetscSFSetUp(sf));
  TWINFE_CK(PetscSFGetGraph(sf, &nroots, &nleaves, &leaves, NULL));
  TWINFE_CK(DMPlexGetChart(dm, NULL, &pEnd));
  TWINFE_CK(PetscCalloc2(pEnd + 1, &is_leaf, pEnd + 1, &root_is_leaf));
  for (PetscInt l = 0; l < nleaves; ++l)
    is_leaf[leaves ? leaves[l] : l] = 1;
  TWINFE_CK(PetscSFBcastBegin(sf, MPIU_INT, is_leaf, root_is_leaf, MPI_REPLACE));
  TWINFE_CK(PetscSFBcastEnd(sf, MPIU_INT, is_leaf, root_is_leaf, MPI_REPLACE));
  for (PetscInt l = 0; l < nleaves; ++l)
    bad += root_is_leaf[leaves ? leaves[l] : l];
  TWINFE_CK(PetscFree2(is_leaf, root_is_leaf));
  ck_assert_int_eq(twinfe_test_global_sum(bad), 0);
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  AssertOnAllRanks(DMPlexCheckPointSF(dm, NULL, PETSC_FALSE), "DMPlexCheckPointSF");
  PetscPopErrorHandler();
}

/* What the rule guarantees, checked from the point SF alone: no rank owns a point of depth
   `depth` that a rank owning 2 or more fewer of them holds (the hand-over rounds stop only
   then). Returns the owned counts' spread (most less least over the ranks). */
static PetscInt AssertLocallyBalanced(DM dm, PetscInt depth)
{
  PetscSF         sf;
  PetscMPIInt     rank, size;
  PetscInt        owned = OwnedAtDepth(dm, depth), *counts, nroots, sStart, sEnd, ngathered = 0, pEnd, most = 0, least, worst = 0;
  const PetscInt *degree;
  PetscInt       *ranks, *gathered;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TWINFE_CK(PetscMalloc1(size, &counts));
  MPI_Allgather(&owned, 1, MPIU_INT, counts, 1, MPIU_INT, PETSC_COMM_WORLD);
  TWINFE_CK(DMGetPointSF(dm, &sf));
  TWINFE_CK(PetscSFGetGraph(sf, &nroots, NULL, NULL, NULL));
  TWINFE_CK(DMPlexGetChart(dm, NULL, &pEnd));
  TWINFE_CK(DMPlexGetDepthStratum(dm, depth, &sStart, &sEnd));
  TWINFE_CK(PetscSFComputeDegreeBegin(sf, &degree));
  TWINFE_CK(PetscSFComputeDegreeEnd(sf, &degree));
  for (PetscInt p = 0; p < nroots; ++p)
    ngathered += degree[p];
  TWINFE_CK(PetscMalloc2(pEnd + 1, &ranks, ngathered + 1, &gathered));
  for (PetscInt p = 0; p < pEnd; ++p)
    ranks[p] = rank;
  TWINFE_CK(PetscSFGatherBegin(sf, MPIU_INT, ranks, gathered));
  TWINFE_CK(PetscSFGatherEnd(sf, MPIU_INT, ranks, gathered));
  for (PetscInt p = 0, g = 0; p < nroots; g += degree[p], ++p)
    for (PetscInt k = 0; k < degree[p] && p >= sStart && p < sEnd; ++k)
      worst = PetscMax(worst, counts[rank] - counts[gathered[g + k]]);
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD);
  ck_assert_msg(worst <= 1, "depth %d: a rank owns a point held by a rank owning %d fewer", (int)depth, (int)worst);
  least = counts[0];
  for (PetscMPIInt r = 0; r < size; ++r)
    most = PetscMax(most, counts[r]), least = PetscMin(least, counts[r]);
  TWINFE_CK(PetscFree2(ranks, gathered));
  TWINFE_CK(PetscFree(counts));
  return most - least;
}

/* The same mesh on this rank alone: how many points of each depth it has. */
static void SerialSizes(const PetscInt nn[3], const PetscReal lo[3], const PetscReal hi[3], PetscInt levels, PetscInt sizes[2])
{
  DM box, fine;
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_SELF, nn, lo, hi, &box));
  TWINFE_CK(TwinfePartitionRefine(box, levels, &fine));
  sizes[0] = DepthSize(fine, 0);
  sizes[1] = DepthSize(fine, 1);
  TWINFE_CK(DMDestroy(&fine));
  TWINFE_CK(DMDestroy(&box));
}

/* Ownership after distribution and after both kinds of refinement: one owner per shared vertex
   and edge (owned counts add up to the serial mesh's), a sound point SF, no rank owning a point
   a rank with 2 fewer holds, so that on these boxes (every rank sharing points with the others)
   any two ranks' owned vertices, and edges, differ by at most the ranks' number; and the same
   owners when done again. */
START_TEST(shared_points_owned_in_balance)
{
  PetscInt    nn[3] = {5, 3, 4}, levels[3] = {0, 1, 2}, serial[2];
  PetscReal   lo[3] = {0, 0, 0}, hi[3] = {5, 3, 4};
  DM          coarse, again;
  PetscMPIInt size;
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &coarse));
  for (int l = 0; l < 3; ++l) {
    for (int cell_vertex = 0; cell_vertex < (levels[l] ? 2 : 1); ++cell_vertex) {
      DM       fine;
      PetscInt spread;
      if (cell_vertex)
        TWINFE_CK(TwinfePartitionRefineCellVertex(coarse, levels[l], &fine));
      else
        TWINFE_CK(TwinfePartitionRefine(coarse, levels[l], &fine));
      SerialSizes(nn, lo, hi, levels[l], serial);
      AssertPointSFSound(fine);
      ck_assert_int_eq(twinfe_test_global_sum(OwnedAtDepth(fine, 0)), serial[0]);
      spread = AssertLocallyBalanced(fine, 0);
      ck_assert_msg(spread <= size, "level %d: owned vertices %d apart on %d ranks", (int)levels[l], (int)spread, (int)size);
      if (!cell_vertex) {
        ck_assert_int_eq(twinfe_test_global_sum(OwnedAtDepth(fine, 1)), serial[1]);
        spread = AssertLocallyBalanced(fine, 1);
        ck_assert_msg(spread <= size, "level %d: owned edges %d apart on %d ranks", (int)levels[l], (int)spread, (int)size);
      }
      TWINFE_CK(DMDestroy(&fine));
    }
  }
  /* deterministic: the same leaves pointing to the same owners */
  TWINFE_CK(TwinfeCreateBoxTetMesh(PETSC_COMM_WORLD, nn, lo, hi, &again));
  {
    PetscSF            a, b;
    PetscInt           na, nb, differ = 0;
    const PetscInt    *la, *lb;
    const PetscSFNode *ra, *rb;
    TWINFE_CK(DMGetPointSF(coarse, &a));
    TWINFE_CK(DMGetPointSF(again, &b));
    TWINFE_CK(PetscSFGetGraph(a, NULL, &na, &la, &ra));
    TWINFE_CK(PetscSFGetGraph(b, NULL, &nb, &lb, &rb));
    ck_assert_int_eq(na, nb);
    for (PetscInt l = 0; l < na; ++l)
      differ += la[l] != lb[l] || ra[l].rank != rb[l].rank || ra[l].index != rb[l].index;
    ck_assert_int_eq(twinfe_test_global_sum(differ), 0);
  }
  TWINFE_CK(DMDestroy(&again));
  TWINFE_CK(DMDestroy(&coarse));
}
END_TEST

/* The many-part emulation on a made-up sharing (any rank runs it alone): every held point gets
   one of its holders, and no part owns a point held by a part owning 2 or more fewer. */
START_TEST(serial_emulation_balances_made_up_sharing)
{
  const PetscInt nparts = 7, npoints = 400;
  PetscInt      *start, *holders, *owner, *counts, rounds, n = 0;
  TWINFE_CK(PetscMalloc4(npoints + 1, &start, 3 * npoints, &holders, npoints, &owner, nparts, &counts));
  for (PetscInt i = 0; i < npoints; ++i) { /* part 0 rich in private points; shared ones along a chain of parts */
    const PetscInt a = (i * 7919) % nparts, b = (a + 1 + i % 2) % nparts;
    start[i]     = n;
    holders[n++] = i < 150 ? 0 : PetscMin(a, b);
    if (i >= 150 && a != b) holders[n++] = PetscMax(a, b);
  }
  start[npoints] = n;
  TWINFE_CK(TwinfePartitionBalanceOwnersSerial(nparts, npoints, start, holders, owner, &rounds));
  for (PetscInt p = 0; p < nparts; ++p)
    counts[p] = 0;
  for (PetscInt i = 0; i < npoints; ++i) {
    PetscBool held = PETSC_FALSE;
    for (PetscInt s = start[i]; s < start[i + 1]; ++s)
      held = held || holders[s] == owner[i];
    ck_assert(held);
    counts[owner[i]]++;
  }
  for (PetscInt i = 0; i < npoints; ++i)
    for (PetscInt s = start[i]; s < start[i + 1]; ++s)
      ck_assert_int_le(counts[owner[i]] - counts[holders[s]], 1);
  ck_assert_int_gt(rounds, 0);
  TWINFE_CK(PetscFree4(start, holders, owner, counts));
}
END_TEST

/* The snap's test surface over the box [0, 2]^3: the face x = 2 (tag 2) bulges to
   x = 2 + A sin(pi y / 2) sin(pi z / 2), reached along x; the other faces are their planes. */
typedef struct {
  PetscReal amplitude;
} Bulge;

static PetscReal BulgeX(const Bulge *b, PetscReal y, PetscReal z)
{
  return 2 + b->amplitude * PetscSinReal(PETSC_PI * y / 2) * PetscSinReal(PETSC_PI * z / 2);
}

static PetscErrorCode ProjectOnBulgedBox(void *ctx, PetscInt tag, const PetscReal x[3], PetscReal y[3], PetscBool *found)
{
  const PetscReal plane[7] = {0, 0, 2, 0, 2, 0, 2};
  y[0] = x[0], y[1] = x[1], y[2] = x[2];
  *found = tag >= 1 && tag <= 6 ? PETSC_TRUE : PETSC_FALSE;
  if (tag == 2)
    y[0] = BulgeX((const Bulge *)ctx, x[1], x[2]);
  else if (*found)
    y[(tag - 1) / 2] = plane[tag];
  return 0;
}

/* Largest difference between a rank's copy of a vertex and its owner's: the coordinates made
   global (owners' values) and local again. */
static PetscReal CopiesDisagree(DM dm, MPI_Comm comm)
{
  Vec                local, again;
  DM                 cdm;
  PetscReal          most = 0;
  const PetscScalar *a, *b;
  PetscInt           n;
  TWINFE_CK(DMGetCoordinatesLocal(dm, &local));
  TWINFE_CK(DMGetCoordinateDM(dm, &cdm));
  TWINFE_CK(VecDuplicate(local, &again));
  {
    Vec global;
    TWINFE_CK(DMGetCoordinates(dm, &global));
    TWINFE_CK(DMGlobalToLocal(cdm, global, INSERT_VALUES, again));
  }
  TWINFE_CK(VecGetLocalSize(local, &n));
  TWINFE_CK(VecGetArrayRead(local, &a));
  TWINFE_CK(VecGetArrayRead(again, &b));
  for (PetscInt i = 0; i < n; ++i)
    most = PetscMax(most, PetscAbsReal(PetscRealPart(a[i] - b[i])));
  TWINFE_CK(VecRestoreArrayRead(again, &b));
  TWINFE_CK(VecRestoreArrayRead(local, &a));
  TWINFE_CK(VecDestroy(&again));
  MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPIU_REAL, MPI_MAX, comm);
  return most;
}

/* The box of n^3 hexes (6 tets each) refined `levels` times and snapped onto the bulged box. */
static void SnapBulgedBox(MPI_Comm comm, PetscInt n, PetscInt levels, PetscBool cell_vertex, PetscReal amplitude,
                          PetscReal *volume, TwinfePartitionSnapStats *st)
{
  PetscInt  nn[3] = {n, n, n}, region = 1;
  PetscReal lo[3] = {0, 0, 0}, hi[3] = {2, 2, 2};
  Bulge     bulge = {amplitude};
  DM        coarse, fine;
  TWINFE_CK(TwinfeCreateBoxTetMesh(comm, nn, lo, hi, &coarse));
  if (cell_vertex)
    TWINFE_CK(TwinfePartitionRefineCellVertex(coarse, levels, &fine));
  else
    TWINFE_CK(TwinfePartitionRefine(coarse, levels, &fine));
  TWINFE_CK(TwinfePartitionSnapBoundary(fine, ProjectOnBulgedBox, &bulge, 0.1, 1e-12, st));
  TWINFE_CK(TwinfePartitionComputeRegionVolumes(fine, 1, &region, volume));
  {
    const PetscReal apart = CopiesDisagree(fine, comm);
    ck_assert_msg(apart == 0, "the copies of a shared vertex were moved apart: %g mm", apart);
  }
  if (comm == PETSC_COMM_WORLD) AssertOnAllRanks(DMPlexCheckPointSF(fine, NULL, PETSC_FALSE), "DMPlexCheckPointSF");
  TWINFE_CK(DMDestroy(&fine));
  TWINFE_CK(DMDestroy(&coarse));
}

START_TEST(snapping_puts_the_refined_boundary_on_the_surface)
{
  /* the bulge adds A (4 / pi)^2 to the cube's 8; the snapped faces interpolate it linearly, so
     the volume error falls as h^2: 4x per refinement */
  const PetscReal          amplitude = 0.1, exact = 8 + amplitude * 16 / (PETSC_PI * PETSC_PI);
  PetscReal                volume[3];
  TwinfePartitionSnapStats st[3];
  SnapBulgedBox(PETSC_COMM_WORLD, 4, 1, PETSC_TRUE, amplitude, &volume[0], &st[0]);
  SnapBulgedBox(PETSC_COMM_WORLD, 4, 2, PETSC_TRUE, amplitude, &volume[1], &st[1]);
  SnapBulgedBox(PETSC_COMM_WORLD, 4, 2, PETSC_FALSE, amplitude, &volume[2], &st[2]);
  for (int k = 0; k < 3; ++k) {
    const PetscInt m = k == 0 ? 8 : 16; /* edges per side of the fine box */
    ck_assert_int_eq(st[k].boundary_vertices, (m + 1) * (m + 1) * (m + 1) - (m - 1) * (m - 1) * (m - 1));
    ck_assert_int_eq(st[k].junction_vertices, 12 * (m - 1) + 8);
    ck_assert_int_eq(st[k].unmatched_vertices, 0);
    ck_assert_int_eq(st[k].moved_part + st[k].kept + st[k].far_after + st[k].cells_below_bound, 0);
    ck_assert_msg(st[k].max_distance_after_mm < 1e-12, "%g mm from the surface after", st[k].max_distance_after_mm);
    ck_assert_double_eq_tol(st[k].max_distance_before_mm, amplitude, 1e-12); /* the face's middle */
    ck_assert_msg(st[k].min_radius_ratio_after > 0.1, "least radius ratio %g", st[k].min_radius_ratio_after);
  }
  ck_assert_msg(PetscAbsReal(volume[2] - volume[1]) < 1e-12, "interpolated %.15g, cell-vertex %.15g", volume[2], volume[1]);
  {
    const PetscReal e1 = exact - volume[0], e2 = exact - volume[1];
    ck_assert_msg(e1 > 0 && e2 > 0 && e1 / e2 > 3.5 && e1 / e2 < 4.5, "volume errors %g, %g: ratio %g, h^2 wants 4", e1, e2,
                  e1 / e2);
    ck_assert_msg(e2 < 1e-2 * (exact - 8), "volume %.10g, exact %.10g", volume[1], exact);
  }
}
END_TEST

START_TEST(snapping_cuts_back_moves_that_would_flatten_cells)
{
  /* a dent of 0.3 mm into cells 0.125 mm deep: whole moves would flip cells, so moves are cut
     back, alike on every rank (SnapBulgedBox checks the copies; the same mesh whole on one rank
     must end the same), and no cell ends below 0.1 or below what it had */
  PetscReal                volume, alone;
  TwinfePartitionSnapStats st, one;
  SnapBulgedBox(PETSC_COMM_WORLD, 4, 2, PETSC_TRUE, -0.3, &volume, &st);
  SnapBulgedBox(PETSC_COMM_SELF, 4, 2, PETSC_TRUE, -0.3, &alone, &one);
  ck_assert_msg(PetscAbsReal(volume - alone) < 1e-10, "volume %.15g on all ranks, %.15g on one", volume, alone);
  ck_assert_int_eq(st.moved_whole, one.moved_whole);
  ck_assert_int_eq(st.moved_part, one.moved_part);
  ck_assert_int_eq(st.kept, one.kept);
  ck_assert_int_gt(st.moved_part + st.kept, 0);
  ck_assert_int_gt(st.moved_whole, 0);
  ck_assert_msg(st.min_radius_ratio_after >= PetscMin(0.1, st.min_radius_ratio_before), "least radius ratio %g -> %g",
                st.min_radius_ratio_before, st.min_radius_ratio_after);
  ck_assert_int_eq(st.cells_below_bound, 0);
  ck_assert_msg(volume < 8 && volume > 8 - 0.3 * 16 / (PETSC_PI * PETSC_PI), "volume %g", volume);
}
END_TEST

Suite *twinfe_test_suite(void)
{
  Suite *s  = suite_create("partition_mpi");
  TCase *tc = tcase_create("two_ranks");
  tcase_add_test(tc, distribution_keeps_cells_and_tags_and_balances);
  tcase_add_test(tc, bulk_interpolation_matches_petsc_across_ranks);
  tcase_add_test(tc, refinement_in_parallel_keeps_volume_tags_and_parents);
  tcase_add_test(tc, cell_vertex_refinement_carries_each_facet_once);
  tcase_add_test(tc, partition_quality_counts_cut_and_interface);
  tcase_add_test(tc, shared_points_owned_in_balance);
  tcase_add_test(tc, serial_emulation_balances_made_up_sharing);
  tcase_add_test(tc, snapping_puts_the_refined_boundary_on_the_surface);
  tcase_add_test(tc, snapping_cuts_back_moves_that_would_flatten_cells);
  suite_add_tcase(s, tc);
  return s;
}
