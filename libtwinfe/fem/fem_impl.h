/* Private layout of TwinfeSpace, shared by the fem/ sources.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/fem.h>

#include "core/core_impl.h"

#define TWINFE_MAX_QORDER 20
/* Dofs of one element over all its fields: 10 nodes (P2) of up to 16 components each. */
#define TWINFE_MAX_ELEMENT_DOFS 160

/* Reference tabulation for one quadrature rule; face rules are mapped onto one reference face. */
typedef struct {
  PetscInt   nq;
  PetscReal *xi;                   /* nq*3 reference tet coordinates */
  PetscReal *w;                    /* nq reference weights */
  PetscReal *B[TWINFE_MAX_FIELDS]; /* nq*nbasis */
  PetscReal *D[TWINFE_MAX_FIELDS]; /* nq*nbasis*3 reference gradients */
} TwinfeRule;

/* What a cell is, whatever the fields on it: vertices and edges, affine map, region. Spaces
   made on one DM share it (space.c), since the flow alone makes three spaces on its mesh. */
typedef struct {
  PetscInt         refct;
  PetscObjectState coordinates_state, regions_state; /* of the DM when it was built */
  PetscInt         cStart, ncells, vStart, nvertices;
  PetscInt        *cell_vertices, *region; /* 4 vertex points a cell */
  PetscInt        *cell_edges;             /* 6 edge points a cell, in reference order; read for the first P2 space, else NULL */
  PetscReal       *xyz;                    /* 3 per vertex (point vStart + i), from the DM's coordinates */
  PetscReal       *detJ;
} TwinfeCells;

/* Ji = J^{-1} of a cell's affine map (det J != 0: space.c refuses flat cells). Computed where
   it is used, not stored: 72 bytes a cell (183 MB at 2.5M tets) for about 40 flops per use. */
static inline void TwinfeInvertJacobian(const PetscReal J[9], PetscReal Ji[9])
{
  TwinfeInverse3_Private(J, TwinfeDet3_Private(J), Ji);
}

struct _p_TwinfeSpace {
  MPI_Comm comm;
  DM       dm; /* clone carrying the layout */
  PetscInt nfields, degree[TWINFE_MAX_FIELDS], ncomp[TWINFE_MAX_FIELDS];
  PetscInt nbasis[TWINFE_MAX_FIELDS], offset[TWINFE_MAX_FIELDS], ndof;
  PetscInt cStart, ncells;
  /* A cell's dofs are read through its node points (TwinfeSpaceCellDofs): point_dof[f][p -
     node_pStart] is the local vector index of node point p's first dof of field f (-1 where the
     field has none), where a cell-to-dof array had held ndof ints a cell (93 MB at 1.93M P1
     tets). */
  PetscInt  node_pStart;
  PetscInt *point_dof[TWINFE_MAX_FIELDS];
  /* Shared with other spaces on the same DM (cells); the pointers below are its arrays. */
  TwinfeCells *cells;
  PetscInt    *cell_vertices; /* ncells*4 vertex points */
  PetscInt    *cell_edges;    /* ncells*6 edge points in reference order (P2 spaces only) */
  PetscReal   *detJ;          /* |det J| per cell; the affine map: TwinfeCellAffine(cells, ...) */
  PetscInt    *region;
  /* boundary faces owned here */
  PetscInt nfaces, *face_cell, *face_local, *face_tag;
  /* lazily built rules */
  TwinfeRule *vol[TWINFE_MAX_QORDER + 1];
  TwinfeRule *face[TWINFE_MAX_QORDER + 1][4];
  /* Matrix pattern: unique local (row, col) pairs in CSR form, so element blocks are summed
     before PETSc sees them. A node is one basis function of one field, its ncomp dofs
     consecutive; all rows of a node share their columns, in which every node's dofs sit side by
     side. So pattern_map holds, per cell and node pair (i, j), only where node j's first column
     sits in node i's rows: 16 entries per P1 tet instead of 144 for elasticity.
     pattern_rowptr and pattern_map are one allocation (rowptr first); pattern_cols is apart and
     set only while TwinfeSpaceCreateMatrix runs (the matrices hold these columns; a later
     matrix rebuilds them from pattern_map), so it is NULL whenever the space is destroyed. */
  PetscBool pattern_built; /* the arrays may be NULL on a rank without cells */
  PetscInt  nnz, *pattern_rowptr, *pattern_cols, *pattern_map;
  /* The nodes of a cell, field by field, basis function by basis function (the element order):
     node j is basis function node_basis[j] of field node_field[j], its dofs element dofs
     node_first[j] .. + node_ncomp[j]. */
  PetscInt nnodes, node_first[10 * TWINFE_MAX_FIELDS], node_ncomp[10 * TWINFE_MAX_FIELDS];
  PetscInt node_field[10 * TWINFE_MAX_FIELDS], node_basis[10 * TWINFE_MAX_FIELDS];
  Vec      work_local;
  /* Dirichlet: local marks and values, reduced to owned rows on demand */
  Vec          bc_mark, bc_value;
  PetscBool    bc_dirty;
  PetscInt     bc_n, *bc_rows, *bc_local;
  PetscScalar *bc_g;
  PetscReal    bc_scale; /* load factor on bc_g (TwinfeSpaceSetDirichletScale), 1 by default */
};

/* The point of node a of cell c: vertex a (a < 4), else edge a - 4. */
static inline PetscInt TwinfeCellNodePoint(const struct _p_TwinfeSpace *space, PetscInt c, PetscInt a)
{
  return a < 4 ? space->cell_vertices[4 * c + a] : space->cell_edges[6 * c + a - 4];
}

/* The local vector index of the first dof of field f's basis function a on cell c. */
static inline PetscInt TwinfeSpaceFieldNodeDof(const struct _p_TwinfeSpace *space, PetscInt c, PetscInt f, PetscInt a)
{
  return space->point_dof[f][TwinfeCellNodePoint(space, c, a) - space->node_pStart];
}

/* The local vector index of the first dof of node j (see node_field) of cell c. */
static inline PetscInt TwinfeSpaceNodeDof(const struct _p_TwinfeSpace *space, PetscInt c, PetscInt j)
{
  return TwinfeSpaceFieldNodeDof(space, c, space->node_field[j], space->node_basis[j]);
}

/* dofs[0 .. ndof) = the local vector indices of cell c's element dofs, in the element order. */
static inline void TwinfeSpaceCellDofs(const struct _p_TwinfeSpace *space, PetscInt c, PetscInt dofs[])
{
  for (PetscInt j = 0; j < space->nnodes; ++j) {
    const PetscInt first = TwinfeSpaceNodeDof(space, c, j);
    for (PetscInt k = 0; k < space->node_ncomp[j]; ++k)
      dofs[space->node_first[j] + k] = first + k;
  }
}

/* Cell c's affine map x = v0 + J xi (J row-major, its columns the edges from vertex 0), from
   its vertices' coordinates: 12 reads and 9 subtractions where a stored J and v0 had held 96
   bytes a cell (244 MB at 2.5M tets). */
static inline void TwinfeCellAffine(const TwinfeCells *cells, PetscInt c, PetscReal v0[3], PetscReal J[9])
{
  const PetscInt  *pts = &cells->cell_vertices[4 * c];
  const PetscReal *x0  = &cells->xyz[3 * (pts[0] - cells->vStart)];
  for (PetscInt k = 0; k < 3; ++k)
    v0[k] = x0[k];
  for (PetscInt j = 0; j < 3; ++j) {
    const PetscReal *xj = &cells->xyz[3 * (pts[j + 1] - cells->vStart)];
    for (PetscInt k = 0; k < 3; ++k)
      J[3 * k + j] = xj[k] - x0[k];
  }
}

PETSC_INTERN PetscErrorCode TwinfeSpaceGetVolumeRule(TwinfeSpace, PetscInt, TwinfeRule **);
PETSC_INTERN PetscErrorCode TwinfeSpaceGetFaceRule(TwinfeSpace, PetscInt, PetscInt, TwinfeRule **);
PETSC_INTERN PetscErrorCode TwinfeRuleDestroy(TwinfeRule **);
/* xi (3 per node) = the reference nodes of the degree 1 or 2 basis, in the basis' order. */
PETSC_INTERN void TwinfeReferenceNodes(PetscInt degree, PetscReal xi[]);
/* Physical position of node a (0-3 the vertices, 4-9 the edge midpoints) of cell c (space.c). */
PETSC_INTERN void TwinfeSpaceNodePosition(TwinfeSpace space, PetscInt c, PetscInt a, PetscReal x[3]);

/* Element-loop pieces shared by assembly.c and face_integrals.c (defined in assembly.c). */
/* Scratch for one element: sized for the largest rule, reused over all cells. */
typedef struct {
  PetscReal   *x, *w, *D[TWINFE_MAX_FIELDS];
  PetscScalar *u, *block;
} TwinfeElementWork;

/* Work arrays for rule; block holds ndof*ndof (matrix) or ndof values. */
PETSC_INTERN PetscErrorCode TwinfeElementWorkCreate(TwinfeSpace, const TwinfeRule *, PetscBool, TwinfeElementWork *);
PETSC_INTERN PetscErrorCode TwinfeElementWorkDestroy(TwinfeElementWork *);
/* The element of cell c as a kernel sees it: geometry at the rule's points, and the cell's values
   of ulocal (may be NULL). */
PETSC_INTERN void TwinfeSpaceElementSetUp(TwinfeSpace, PetscInt, const TwinfeRule *, const PetscScalar *, TwinfeElementWork *,
                                          TwinfeElement *);
/* work->u = the element values of cell c from the local array. */
PETSC_INTERN void TwinfeSpaceGatherCell(TwinfeSpace, PetscInt, const PetscScalar *, TwinfeElementWork *);
/* Points, weights (face measure) and outward unit normal of local face `face` of cell c. */
PETSC_INTERN void TwinfeSpaceFaceSetUp(TwinfeSpace, PetscInt, PetscInt, const TwinfeRule *, TwinfeElementWork *, PetscReal[3]);
/* Face i of the space as a kernel sees it (assembly.c): rule, geometry, the cell's values of
   ulocal (may be NULL), fe->normal = normal, the cell's outward unit normal. */
PETSC_INTERN PetscErrorCode TwinfeSpaceFaceElementSetUp(TwinfeSpace, PetscInt, PetscInt, const PetscScalar *, TwinfeElementWork *,
                                                        PetscReal[3], TwinfeFaceElement *);
/* U scattered to the space's work local vector and its array (NULL when U is NULL). Collective. */
PETSC_INTERN PetscErrorCode TwinfeSpaceGetLocalState(TwinfeSpace, Vec, const PetscScalar **);
PETSC_INTERN PetscErrorCode TwinfeSpaceRestoreLocalState(TwinfeSpace, Vec, const PetscScalar **);

/* A clone of the space's DM whose section holds field's ncomp dofs on every point of depth
   0..ndepths-1 (1: vertices; 2: vertices and edges) and a zeroed global vector on it (block
   size ncomp): the layout of TwinfeSpaceCreateNodeVector (space_fields.c) and of a vertex
   vector. field must exist. Collective. */
PETSC_INTERN PetscErrorCode TwinfeSpaceCreateStrataVector(TwinfeSpace, PetscInt, PetscInt, DM *, Vec *);
/* The points of depth 0 .. ndepths - 1 (vertices; and edges with ndepths 2) as one range: a
   section's chart over them alone, not over the cells and faces that carry no dofs. */
PETSC_INTERN PetscErrorCode TwinfeNodeChart(DM, PetscInt ndepths, PetscInt *pStart, PetscInt *pEnd);
/* A section's dofs at point p, 0 outside its chart. */
PETSC_INTERN PetscErrorCode TwinfeSectionDofAt(PetscSection, PetscInt p, PetscInt *dof);

/* The members TwinfeElement and TwinfeFaceElement share, pointed at the space, the rule and the
   work arrays of cell c (a macro because the two are distinct struct types). */
#define TWINFE_ELEMENT_VIEW_SET(e, space, c, rule, ulocal, work)                                                                 \
  do {                                                                                                                           \
    (e)->cell    = (c);                                                                                                          \
    (e)->region  = (space)->region[c];                                                                                           \
    (e)->nq      = (rule)->nq;                                                                                                   \
    (e)->x       = (work)->x;                                                                                                    \
    (e)->w       = (work)->w;                                                                                                    \
    (e)->nfields = (space)->nfields;                                                                                             \
    (e)->nbasis  = (space)->nbasis;                                                                                              \
    (e)->ncomp   = (space)->ncomp;                                                                                               \
    (e)->offset  = (space)->offset;                                                                                              \
    (e)->ndof    = (space)->ndof;                                                                                                \
    for (PetscInt f_ = 0; f_ < (space)->nfields; ++f_) {                                                                         \
      (e)->B[f_] = (rule)->B[f_];                                                                                                \
      (e)->D[f_] = (work)->D[f_];                                                                                                \
    }                                                                                                                            \
    (e)->u = (ulocal) ? (work)->u : NULL;                                                                                        \
  } while (0)

/* C = P^T A P for A a SeqSBAIJ of block size bs and P a SeqAIJ whose rows repeat a node-level
   prolongation per component (galerkin.c): a SeqAIJ of block size bs. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeGalerkinSymmetric_Private(Mat A, Mat P, Mat *C);

/* Rows this rank computes, owned here or elsewhere, in global numbers (CSR): a row whose
   columns are all owned here lists them ascending. */
typedef struct {
  PetscInt        nlocal;
  const PetscInt *grow;   /* nlocal global rows, each at most once */
  const PetscInt *rowptr; /* nlocal + 1 */
  const PetscInt *gcol;   /* rowptr[nlocal] global columns */
} TwinfeLocalRows;

/* Where the rows that several ranks hold land at their owners (assembly_ranks.c): the owned
   rows' merged columns as a diagonal block (ai, aj: local columns) and an off-diagonal one (bi,
   bj: global columns), and where every entry of the local rows goes. An entry may be a scalar
   or a block: the plan only places them. */
typedef struct {
  PetscInt  nlocal, nowned;    /* local rows (owned or not); owned rows */
  PetscInt  nza, nzb, nrecv;   /* entries of the diagonal and off-diagonal blocks; entries received */
  PetscInt  nghost;            /* entries of the local rows owned elsewhere (sent) */
  PetscInt *ai, *aj, *bi, *bj; /* the blocks' CSR */
  /* an owned local row d: row_at[d] >= 0 when its entries land in order in the diagonal block
     from there; else -1 - o, its entries' places at slow_at[o ..] (< nza: diagonal block, else
     nza + k: off-diagonal). A row owned elsewhere: row_at[d] = TWINFE_NOT_OWNED. */
  PetscInt *row_at, *slow_at;
  PetscInt *recv_at;  /* per received entry, as slow_at */
  PetscInt *ghost_at; /* per local row owned elsewhere, where its entries start among the sent ones */
  PetscSF   entries;  /* sent entries (leaves: the local rows' entries, or the compact sent ones) -> receive slots */
} TwinfeRanksPlan;
#define TWINFE_NOT_OWNED PETSC_MIN_INT

/* The plan of rows over the ranks; compact: the sent entries' leaves are numbered 0..nghost-1
   in local row order (ghost_at), else by their place among all local rows' entries. Collective. */
PETSC_INTERN PetscErrorCode TwinfeRanksPlanCreate_Private(MPI_Comm comm, PetscInt nowned, const TwinfeLocalRows *rows,
                                                          PetscBool compact, TwinfeRanksPlan *plan);
PETSC_INTERN PetscErrorCode TwinfeRanksPlanDestroy_Private(TwinfeRanksPlan *plan);

/* A square MPIAIJ summed from every rank's local rows, each shared row at its owner in a fixed
   order (assembly_ranks.c); owner marks who made it. */
PETSC_INTERN PetscErrorCode TwinfeRanksMatrixCreate_Private(MPI_Comm comm, PetscInt nowned, const TwinfeLocalRows *rows,
                                                            const void *owner, Mat *A);
PETSC_INTERN PetscErrorCode TwinfeRanksMatrixIsOwnedBy_Private(Mat A, const void *owner, PetscBool *is);
PETSC_INTERN PetscErrorCode TwinfeRanksMatrixSetValues_Private(Mat A, const PetscInt rowptr[], const PetscScalar values[]);
/* The space's pattern as such a matrix (needs pattern_cols); its values set in pattern order. */
PETSC_INTERN PetscErrorCode TwinfeSpaceCreateRanksMatrix_Private(TwinfeSpace space, PetscInt nowned, Mat *A);

/* A symmetric space matrix over several ranks as its upper blocks, an MPISBAIJ of block size
   ncomp (assembly_ranks_upper.c). Element blocks are summed through a sink: block s of local
   node row n's upper entries (upper_at: an entry of the local block pattern's place among its
   row's upper ones, -1 below the diagonal) lands in PETSc's diagonal block, our off-diagonal
   one, or the blocks sent to the row's owner. */
typedef struct {
  const TwinfeRanksPlan *plan;
  const PetscInt        *upper_at;
  PetscInt               bs, bs2;
  PetscScalar           *diag, *off, *ghost;
} TwinfeUpperSink;

static inline PetscScalar *TwinfeUpperSinkBlock(const TwinfeUpperSink *sink, PetscInt n, PetscInt s)
{
  const PetscInt code = sink->plan->row_at[n];
  PetscInt       at;

  if (code == TWINFE_NOT_OWNED) return &sink->ghost[(size_t)(sink->plan->ghost_at[n] + s) * sink->bs2];
  if (code >= 0) return &sink->diag[(size_t)(code + s) * sink->bs2];
  at = sink->plan->slow_at[-1 - code + s];
  return at < sink->plan->nza ? &sink->diag[(size_t)at * sink->bs2] : &sink->off[(size_t)(at - sink->plan->nza) * sink->bs2];
}

PETSC_INTERN PetscErrorCode TwinfeSpaceCanStoreRanksUpper_Private(TwinfeSpace space, PetscInt nowned, PetscBool *can);
PETSC_INTERN PetscErrorCode TwinfeSpaceCreateRanksUpperMatrix_Private(TwinfeSpace space, PetscInt nowned, Mat *A);
PETSC_INTERN PetscErrorCode TwinfeRanksUpperGetSink_Private(Mat A, const void *owner, TwinfeUpperSink *sink, PetscBool *is);
PETSC_INTERN PetscErrorCode TwinfeRanksUpperRestoreSink_Private(Mat A, TwinfeUpperSink *sink, PetscBool failed);
PETSC_INTERN PetscErrorCode TwinfeRanksUpperZeroRowsColumns_Private(Mat A, PetscInt n, const PetscInt rows[], PetscScalar diag);
/* C = P^T A P (MPIAIJ, exactly symmetric) for such an A and an MPIAIJ prolongation P. */
PETSC_INTERN PetscErrorCode TwinfeRanksUpperGalerkin_Private(Mat A, Mat P, Mat *C);

/* C = P^T A P over several ranks for MPIAIJ A and a P of a few entries a row (galerkin_ranks.c):
   planned and formed by Create (C belongs to the plan), formed again from A's new values by
   Numeric. */
typedef struct _n_TwinfeRanksGalerkin *TwinfeRanksGalerkin;
PETSC_INTERN PetscErrorCode            TwinfeRanksGalerkinCreate_Private(Mat A, Mat P, TwinfeRanksGalerkin *galerkin, Mat *C);
PETSC_INTERN PetscErrorCode            TwinfeRanksGalerkinNumeric_Private(TwinfeRanksGalerkin galerkin);
/* A's owned rows as the product reads them (an MPIAIJ's parts too, with bs 1): the diagonal and
   off-diagonal parts in block CSR, a block bs x bs and column-major; the off-diagonal part's
   block columns compact, garray their global block numbers. The diagonal blocks of the diagonal
   part are read times diag_scale (1/2 for the stored triangle U of a symmetric matrix, whose
   P^T (U' + U'^T) P is the transpose-sum of P^T U' P). */
typedef struct {
  PetscInt           bs, nblocks, ngarray; /* block size; owned block rows; off-diagonal block columns */
  const PetscInt    *di, *dj, *oi, *oj;    /* nblocks + 1 row starts and their block columns, each part */
  const PetscScalar *da, *oa;              /* the parts' blocks, bs * bs scalars each */
  const PetscInt    *garray;
  PetscScalar        diag_scale;
} TwinfeFineRows;
/* The same from such rows (A gives the layout and communicator; it must not change pattern). */
PETSC_INTERN PetscErrorCode TwinfeRanksGalerkinCreateFromRows_Private(Mat A, const TwinfeFineRows *rows, Mat P,
                                                                      TwinfeRanksGalerkin *galerkin, Mat *C);
PETSC_INTERN PetscErrorCode TwinfeRanksGalerkinDestroy_Private(TwinfeRanksGalerkin *galerkin);
