/* A field carried from one mesh to another mesh of the same body (meshes not nested).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: a nonlinear solve (steady Navier-Stokes) converges in fewer Newton steps from the answer
 * of the same problem on a coarser mesh than from a linear guess (grid sequencing), and the two
 * meshes are made independently from the same surface, so no fine cell lies inside one coarse
 * cell. The fine space's nodes are located in the coarse cells and the coarse field evaluated
 * there. The coarse mesh is small (it is the cheap one), so every rank holds all of its cells:
 * each fine node is found without communication, and the result does not depend on the
 * partitions. A node outside every coarse cell (where the fine boundary bulges past the coarse
 * one) takes the value at the nearest point of the nearest coarse cell. */
#include "fem_impl.h"
#include "core/core_impl.h"

/* A point this far outside a cell in barycentric terms is on its face (rounding). */
#define INSIDE_TOLERANCE 1e-12

/* Components a field may have here (a velocity has 3). */
#define TRANSFER_MAX_COMPONENTS 9

/* Per coarse cell: v0 (3), J (9), J^{-1} (9), then its element values (ndof). */
#define GEOMETRY_REALS 21

typedef struct {
  PetscInt      ncells, ndof, stride;
  PetscScalar  *cell; /* ncells * stride */
  TwinfeBoxGrid grid; /* the cells by the grid cells their boxes overlap */
} SourceCells;

static PetscErrorCode CheckCompatible(TwinfeSpace from, TwinfeSpace to)
{
  PetscFunctionBeginUser;
  PetscCheck(from->nfields == to->nfields, to->comm, PETSC_ERR_ARG_INCOMP,
             "transfer: the spaces hold %" PetscInt_FMT " and %" PetscInt_FMT " fields; they must hold the same fields",
             from->nfields, to->nfields);
  for (PetscInt f = 0; f < to->nfields; ++f)
    PetscCheck(from->ncomp[f] == to->ncomp[f], to->comm, PETSC_ERR_ARG_INCOMP,
               "transfer: field %" PetscInt_FMT " has %" PetscInt_FMT " components in one space and %" PetscInt_FMT
               " in the other",
               f, from->ncomp[f], to->ncomp[f]);
  for (PetscInt f = 0; f < to->nfields; ++f)
    PetscCheck(to->ncomp[f] <= TRANSFER_MAX_COMPONENTS, to->comm, PETSC_ERR_SUP,
               "transfer: field %" PetscInt_FMT " has %" PetscInt_FMT " components; at most %d are supported", f, to->ncomp[f],
               TRANSFER_MAX_COMPONENTS);
  PetscFunctionReturn(0);
}

/* Every rank's cells of `from`, with U's values on them, on every rank. */
static PetscErrorCode GatherCells(TwinfeSpace from, Vec U, SourceCells *s)
{
  const PetscScalar *ulocal;
  PetscScalar       *mine;
  PetscMPIInt        size, count, *counts, *displs;
  PetscInt           total = 0;

  PetscFunctionBeginUser;
  s->ndof   = from->ndof;
  s->stride = GEOMETRY_REALS + from->ndof;
  PetscCall(PetscMalloc1(from->ncells * s->stride + 1, &mine));
  PetscCall(TwinfeSpaceGetLocalState(from, U, &ulocal));
  for (PetscInt c = 0; c < from->ncells; ++c) {
    PetscScalar *p = &mine[c * s->stride];
    PetscInt     dofs[TWINFE_MAX_ELEMENT_DOFS];
    PetscReal    v0[3], J[9], Ji[9];
    TwinfeSpaceCellDofs(from, c, dofs);
    TwinfeCellAffine(from->cells, c, v0, J);
    TwinfeInvertJacobian(J, Ji);
    for (PetscInt k = 0; k < 3; ++k)
      p[k] = v0[k];
    for (PetscInt k = 0; k < 9; ++k)
      p[3 + k] = J[k], p[12 + k] = Ji[k];
    for (PetscInt i = 0; i < from->ndof; ++i)
      p[GEOMETRY_REALS + i] = ulocal[dofs[i]];
  }
  PetscCall(TwinfeSpaceRestoreLocalState(from, U, &ulocal));
  PetscCallMPI(MPI_Comm_size(from->comm, &size));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCall(PetscMPIIntCast(from->ncells * s->stride, &count));
  PetscCallMPI(MPI_Allgather(&count, 1, MPI_INT, counts, 1, MPI_INT, from->comm));
  for (PetscMPIInt r = 0; r < size; ++r) {
    PetscCall(PetscMPIIntCast(total, &displs[r]));
    total += counts[r];
  }
  s->ncells = total / s->stride;
  PetscCheck(s->ncells > 0, from->comm, PETSC_ERR_ARG_WRONG, "transfer: the source mesh has no cells");
  PetscCall(PetscMalloc1(total, &s->cell));
  PetscCallMPI(MPI_Allgatherv(mine, count, MPIU_SCALAR, s->cell, counts, displs, MPIU_SCALAR, from->comm));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(mine));
  PetscFunctionReturn(0);
}

/* A grid over the cells' boxes, its cells about 1.5 times a coarse cell's size. */
static PetscErrorCode BuildGrid(SourceCells *s)
{
  PetscReal *xyz, lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL},
                  hi[3] = {PETSC_MIN_REAL, PETSC_MIN_REAL, PETSC_MIN_REAL};
  PetscReal volume      = 1;
  PetscInt *idx;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(12 * s->ncells, &xyz, 4 * s->ncells, &idx));
  for (PetscInt c = 0; c < s->ncells; ++c) {
    const PetscScalar *p = &s->cell[c * s->stride];
    for (PetscInt v = 0; v < 4; ++v) { /* vertex 0 at v0, vertex j + 1 at v0 + J e_j */
      idx[4 * c + v] = 4 * c + v;
      for (PetscInt k = 0; k < 3; ++k) {
        const PetscReal x        = PetscRealPart(p[k] + (v ? p[3 + 3 * k + v - 1] : 0));
        xyz[3 * (4 * c + v) + k] = x;
        lo[k] = PetscMin(lo[k], x), hi[k] = PetscMax(hi[k], x);
      }
    }
  }
  for (PetscInt k = 0; k < 3; ++k)
    volume *= PetscMax(hi[k] - lo[k], PETSC_SMALL);
  PetscCall(TwinfeBoxGridCreate_Private(xyz, s->ncells, 4, idx, NULL, 1.5 * PetscCbrtReal(volume / s->ncells), &s->grid));
  PetscCall(PetscFree2(xyz, idx));
  PetscFunctionReturn(0);
}

/* The nearest point of cell c to x, in reference coordinates xi, and its squared distance (0
   inside). Barycentric coordinates below zero are clipped and the rest rescaled: exact inside,
   and near enough just outside, where it is used. */
static PetscReal NearestInCell(const SourceCells *s, PetscInt c, const PetscReal x[3], PetscReal xi[3])
{
  const PetscScalar *p = &s->cell[c * s->stride];
  PetscReal          d[3], bary[4], sum = 0, dist2 = 0;

  for (PetscInt k = 0; k < 3; ++k)
    d[k] = x[k] - PetscRealPart(p[k]);
  for (PetscInt k = 0; k < 3; ++k)
    xi[k] = PetscRealPart(p[12 + 3 * k] * d[0] + p[12 + 3 * k + 1] * d[1] + p[12 + 3 * k + 2] * d[2]);
  bary[0] = 1 - xi[0] - xi[1] - xi[2];
  for (PetscInt k = 0; k < 3; ++k)
    bary[k + 1] = xi[k];
  if (bary[0] >= -INSIDE_TOLERANCE && bary[1] >= -INSIDE_TOLERANCE && bary[2] >= -INSIDE_TOLERANCE &&
      bary[3] >= -INSIDE_TOLERANCE)
    return 0;
  for (PetscInt k = 0; k < 4; ++k)
    sum += (bary[k] = PetscMax(0, bary[k]));
  for (PetscInt k = 0; k < 3; ++k)
    xi[k] = bary[k + 1] / sum;
  for (PetscInt k = 0; k < 3; ++k) {
    const PetscReal y = PetscRealPart(p[k] + p[3 + 3 * k] * xi[0] + p[3 + 3 * k + 1] * xi[1] + p[3 + 3 * k + 2] * xi[2]);
    dist2 += PetscSqr(y - x[k]);
  }
  return dist2;
}

/* Checks the cells of the grid cells at Chebyshev distance `ring` from grid cell b, keeping the
   nearest. */
static void SearchRing(const SourceCells *s, const PetscInt b[3], PetscInt ring, const PetscReal x[3], PetscInt *best,
                       PetscReal *best_dist2, PetscReal best_xi[3])
{
  const TwinfeBoxGrid *g = &s->grid;
  for (PetscInt k = b[2] - ring; k <= b[2] + ring; ++k)
    for (PetscInt j = b[1] - ring; j <= b[1] + ring; ++j)
      for (PetscInt l = b[0] - ring; l <= b[0] + ring; ++l) {
        PetscInt cell;
        if (l < 0 || j < 0 || k < 0 || l >= g->n[0] || j >= g->n[1] || k >= g->n[2]) continue;
        if (PetscMax(PetscAbsInt(l - b[0]), PetscMax(PetscAbsInt(j - b[1]), PetscAbsInt(k - b[2]))) != ring) continue;
        cell = l + g->n[0] * (j + g->n[1] * k);
        for (PetscInt t = g->start[cell]; t < g->start[cell + 1] && *best_dist2 > 0; ++t) {
          PetscReal xi[3], d2 = NearestInCell(s, g->item[t], x, xi);
          if (d2 >= *best_dist2) continue;
          *best_dist2 = d2, *best = g->item[t];
          for (PetscInt m = 0; m < 3; ++m)
            best_xi[m] = xi[m];
        }
      }
}

/* The coarse cell holding x (or the nearest one) and x's reference coordinates in it. Rings of
   grid cells are searched outwards until a cell is found and one more ring, since a nearer cell
   may sit in the next ring; a point inside a cell ends the search. */
static PetscInt LocatePoint(const SourceCells *s, const PetscReal x[3], PetscReal xi[3])
{
  PetscInt        b[3], best = -1, found_ring = -1;
  PetscReal       best_dist2 = PETSC_MAX_REAL;
  const PetscInt *n          = s->grid.n;
  const PetscInt  rings      = PetscMax(n[0], PetscMax(n[1], n[2]));

  TwinfeBoxGridRange_Private(&s->grid, x, x, b, b);
  for (PetscInt ring = 0; ring <= rings; ++ring) {
    SearchRing(s, b, ring, x, &best, &best_dist2, xi);
    if (best_dist2 == 0) break;
    if (best >= 0 && found_ring < 0) found_ring = ring;
    if (found_ring >= 0 && ring > found_ring) break;
  }
  return best;
}

/* Field f of source cell c at reference point xi: ncomp values. */
static PetscErrorCode EvaluateField(const SourceCells *s, TwinfeSpace from, PetscInt c, PetscInt f, const PetscReal xi[3],
                                    PetscScalar value[])
{
  const PetscScalar *u  = &s->cell[c * s->stride + GEOMETRY_REALS + from->offset[f]];
  const PetscInt     nb = from->nbasis[f], nc = from->ncomp[f];
  PetscReal          B[10], D[30];

  PetscFunctionBeginUser;
  PetscCall(TwinfeTabulateLagrange(from->degree[f], 1, xi, B, D));
  for (PetscInt k = 0; k < nc; ++k) {
    value[k] = 0;
    for (PetscInt a = 0; a < nb; ++a)
      value[k] += B[a] * u[a * nc + k];
  }
  PetscFunctionReturn(0);
}

/* Node `node` of to's cell c, each field that has it and that no earlier cell set (done, by
   the node's first local dof): a node is shared by about 20 cells (a vertex) or 5 (an edge), and
   is located once. */
static PetscErrorCode InterpolateNode(const SourceCells *s, TwinfeSpace from, TwinfeSpace to, PetscInt c, PetscInt node,
                                      PetscScalar a[], char done[])
{
  PetscReal   x[3], xi[3];
  PetscScalar value[TRANSFER_MAX_COMPONENTS];
  PetscInt    source = -1;

  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < to->nfields; ++f) {
    PetscInt first;
    if (node >= to->nbasis[f]) continue;
    first = TwinfeSpaceFieldNodeDof(to, c, f, node);
    if (done[first]) continue;
    if (source < 0) {
      TwinfeSpaceNodePosition(to, c, node, x);
      source = LocatePoint(s, x, xi);
    }
    PetscCall(EvaluateField(s, from, source, f, xi, value));
    for (PetscInt k = 0; k < to->ncomp[f]; ++k)
      a[first + k] = value[k];
    done[first] = 1;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SourceCellsDestroy(SourceCells *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(s->cell));
  PetscCall(TwinfeBoxGridDestroy_Private(&s->grid));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceInterpolate - Uto = the field Ufrom of space `from` evaluated at the nodes of space
  `to`, on another mesh of the same body: each of to's nodes is located in from's cells (or, outside
  them all, at the nearest point of the nearest cell) and from's basis evaluated there. The
  spaces must hold the same fields with the same components; the degrees may differ. A node's
  value does not depend on the partition of either mesh. Collective.
@*/
PetscErrorCode TwinfeSpaceInterpolate(TwinfeSpace from, Vec Ufrom, TwinfeSpace to, Vec Uto)
{
  static PetscLogEvent event = -1; /* "TwinfeSpaceInterp" in -log_view */
  SourceCells          s     = {0};
  Vec                  local;
  PetscScalar         *a;
  PetscInt             nlocal;
  char                *done;

  PetscFunctionBeginUser;
  PetscCall(CheckCompatible(from, to));
  if (event < 0) PetscCall(PetscLogEventRegister("TwinfeSpaceInterp", PETSC_OBJECT_CLASSID, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(GatherCells(from, Ufrom, &s));
  PetscCall(BuildGrid(&s));
  PetscCall(DMGetLocalVector(to->dm, &local));
  PetscCall(VecZeroEntries(local));
  PetscCall(VecGetArray(local, &a));
  PetscCall(VecGetLocalSize(local, &nlocal));
  PetscCall(PetscCalloc1(nlocal + 1, &done));
  for (PetscInt c = 0; c < to->ncells; ++c)
    for (PetscInt node = 0; node < 10; ++node)
      PetscCall(InterpolateNode(&s, from, to, c, node, a, done));
  PetscCall(PetscFree(done));
  PetscCall(VecRestoreArray(local, &a));
  PetscCall(DMLocalToGlobal(to->dm, local, INSERT_VALUES, Uto));
  PetscCall(DMRestoreLocalVector(to->dm, &local));
  PetscCall(SourceCellsDestroy(&s));
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
