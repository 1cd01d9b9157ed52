/* libtwinfe fem: the element assembly every physics reuses (owned by the fem stage).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why this exists: PETSc 3.18's generic PetscFE/DMPlex assembly spends its time in per-point
 * DMPlex queries (docs/stack-measurements.md). A TwinfeSpace asks DMPlex once, at creation, for everything
 * an element loop needs (cell-to-dof map, affine geometry, region, tagged boundary faces) and
 * then assembles from flat arrays: matrices through MatSetValuesCOO on a pattern preallocated
 * once, vectors through a local array and one local-to-global scatter.
 *
 * Mesh: an interpolated tetrahedral DMPlex (distributed or not, overlap 0) with "Cell Sets"
 * (region of each cell; cells without one get region 0) and "Face Sets" (tag of boundary faces).
 * Reference tet: vertices (0,0,0) (1,0,0) (0,1,0) (0,0,1). Element dof order: field, then node
 * (P1: the 4 vertices; P2: the 4 vertices then the edges 01 02 03 12 13 23), then component.
 * Element matrices are row-major over element dofs. */
#pragma once
#include <petscdmplex.h>
#include <petscpc.h>

typedef struct _p_TwinfeSpace *TwinfeSpace;

#define TWINFE_MAX_FIELDS 4

/* What a kernel sees of one element at one quadrature rule (all arrays lent, valid during the
   call). Physical gradients are already mapped by J^{-T}. */
typedef struct {
  PetscInt           cell;   /* local cell index, 0..ncells-1 (cStart offset removed) */
  PetscInt           region; /* "Cell Sets" value (0 when absent) */
  PetscInt           nq;     /* quadrature points */
  const PetscReal   *x;      /* nq*3 physical points (mm) */
  const PetscReal   *w;      /* nq weights times |det J| (volume measure) */
  PetscInt           nfields;
  const PetscInt    *nbasis;               /* per field: 4 (P1) or 10 (P2) */
  const PetscInt    *ncomp;                /* per field */
  const PetscInt    *offset;               /* per field: first element dof of the field */
  PetscInt           ndof;                 /* element dofs, all fields */
  const PetscReal   *B[TWINFE_MAX_FIELDS]; /* nq*nbasis basis values */
  const PetscReal   *D[TWINFE_MAX_FIELDS]; /* nq*nbasis*3 physical basis gradients */
  const PetscScalar *u;                    /* ndof current element values, or NULL */
} TwinfeElement;

/* A boundary face seen from its cell: basis of the cell evaluated at the face points. */
typedef struct {
  PetscInt           cell, face, tag; /* local cell, local face 0..3 (opposite vertex), "Face Sets" value */
  PetscInt           region;
  PetscInt           nq;
  const PetscReal   *x;      /* nq*3 physical points */
  const PetscReal   *w;      /* nq weights times face area Jacobian */
  const PetscReal   *normal; /* 3: outward unit normal */
  PetscInt           nfields;
  const PetscInt    *nbasis, *ncomp, *offset;
  PetscInt           ndof;
  const PetscReal   *B[TWINFE_MAX_FIELDS]; /* nq*nbasis */
  const PetscReal   *D[TWINFE_MAX_FIELDS]; /* nq*nbasis*3 */
  const PetscScalar *u;
} TwinfeFaceElement;

/*@
  TwinfeFaceElementAsElement - Views a boundary face as an element of its cell, at the face's points and weights.

  Not collective

  Input Parameter:
. face - the face

  Output Parameter:
. element - the face as an element of its cell

  Notes:
  The face as an element of its cell, at the face's points and weights: a cell's point-wise
  kernel (a stress, say) then runs on the face unchanged. The arrays stay the face's.

  Level: developer
@*/
PETSC_EXTERN void TwinfeFaceElementAsElement(const TwinfeFaceElement *face, TwinfeElement *element);

/* Kernels ADD into r (ndof) or K (ndof*ndof, row-major); the caller zeroes them first. */
typedef PetscErrorCode (*TwinfeElementVectorKernel)(const TwinfeElement *e, PetscScalar r[], void *ctx);
typedef PetscErrorCode (*TwinfeElementMatrixKernel)(const TwinfeElement *e, PetscScalar K[], void *ctx);
typedef PetscErrorCode (*TwinfeFaceVectorKernel)(const TwinfeFaceElement *f, PetscScalar r[], void *ctx);
typedef PetscErrorCode (*TwinfeFaceMatrixKernel)(const TwinfeFaceElement *f, PetscScalar K[], void *ctx);
/* A boundary term of a matrix: kernel's face matrices (ndof*ndof of the face's cell, row-major)
   over the boundary faces tagged tag, with a rule exact for degree qorder. */
typedef struct {
  PetscInt               tag, qorder;
  TwinfeFaceMatrixKernel kernel;
  void                  *ctx;
} TwinfeFaceMatrixTerm;
/* Values of the ncomp components of a field at x (for Dirichlet data). */
typedef PetscErrorCode (*TwinfePointFunction)(const PetscReal x[3], PetscInt ncomp, PetscScalar value[], void *ctx);

/*@
  TwinfeSpaceCreate - Creates a space of Lagrange fields on a tetrahedral DMPlex.

  Collective

  Input Parameters:
+ dm      - interpolated tetrahedral DMPlex with "Cell Sets" and "Face Sets"
. nfields - number of fields, at most TWINFE_MAX_FIELDS
. degree  - Lagrange degree of each field, 1 or 2
- ncomp   - components of each field, >= 1

  Output Parameter:
. space - the new space

  Notes:
  Build a space of nfields Lagrange fields (degree[f] 1 or 2, ncomp[f] >= 1) on dm.
  The space keeps its own DMClone of dm with the layout as local section.

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreate(DM dm, PetscInt nfields, const PetscInt degree[], const PetscInt ncomp[],
                                              TwinfeSpace *space);

/*@
  TwinfeSpaceDestroy - Destroys a space.

  Collective

  Input Parameter:
. space - the space, set to NULL

  Level: advanced

.seealso: TwinfeSpaceCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceDestroy(TwinfeSpace *space);

/*@
  TwinfeSpaceGetDM - Returns the DM that carries the space's layout.

  Not collective

  Input Parameter:
. space - the space

  Output Parameter:
. dm - the space's DM (lent)

  Notes:
  The DM (cloned, lent) that carries the layout; create Vecs from it.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetDM(TwinfeSpace space, DM *dm);

/*@
  TwinfeSpaceGetSizes - Returns the number of local cells and of element dofs.

  Not collective

  Input Parameter:
. space - the space

  Output Parameters:
+ ncells - number of local cells
- ndof   - number of element dofs

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetSizes(TwinfeSpace space, PetscInt *ncells, PetscInt *ndof);

/*@
  TwinfeSpaceGetCellDofs - Returns the local vector indices of a local cell's element dofs.

  Not collective

  Input Parameters:
+ space - the space
- c     - local cell index

  Output Parameter:
. dofs - local vector indices of the cell's element dofs (ndof values)

  Notes:
  dofs[0..ndof) = the local vector indices of local cell c's element dofs (field by field,
  node by node, component by component).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetCellDofs(TwinfeSpace space, PetscInt c, PetscInt dofs[]);

/*@
  TwinfeSpaceGetCellRegions - Returns the "Cell Sets" value of each local cell.

  Not collective

  Input Parameter:
. space - the space

  Output Parameter:
. region - "Cell Sets" value of each local cell (lent)

  Notes:
  "Cell Sets" value of each local cell (0 when absent), lent.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetCellRegions(TwinfeSpace space, const PetscInt **region);

/*@
  TwinfeSpaceGetLocalVolume - Returns the sum of the volumes of this rank's cells.

  Not collective

  Input Parameter:
. space - the space

  Output Parameter:
. volume - volume of this rank's cells (mm^3)

  Notes:
  Sum of the volumes of this rank's cells (mm^3).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetLocalVolume(TwinfeSpace space, PetscReal *volume);

/*@
  TwinfeSpaceCreateNodeCoordinates - Creates a global vector holding the coordinates of a field's nodes.

  Collective

  Input Parameters:
+ space - the space
- field - field index

  Output Parameter:
. coords - the new vector of node coordinates

  Notes:
  Global dofs of field's nodes set to their coordinates (components 0..min(ncomp,3)-1, others
  0), block size ncomp when there is one field: the input of MatNullSpaceCreateRigidBody.

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateNodeCoordinates(TwinfeSpace space, PetscInt field, Vec *coords);

/*@
  TwinfeSpaceCreateMatrix - Creates a matrix over the space's global layout, preallocated from the cell-to-dof map.

  Collective

  Input Parameter:
. space - the space

  Output Parameter:
. A - the new matrix

  Notes:
  A matrix over the global layout preallocated from the cell-to-dof map with
  MatSetPreallocationCOOLocal (block size = ncomp for one field). The space computes the unique
  (row, col) pairs once and where every element-matrix entry lands among them, so assembly sums
  element blocks in pattern order: on one rank straight into the matrix's value array, on
  several into a flat array handed to MatSetValuesCOO once; PETSc never sorts duplicates. All
  matrices of one space share this pattern.

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateMatrix(TwinfeSpace space, Mat *A);

/*@
  TwinfeSpaceCreateSymmetricMatrix - Creates a matrix for a symmetric operator, storing only its upper triangle where it
  can.

  Collective

  Input Parameter:
. space - the space

  Output Parameter:
. A - the new matrix

  Notes:
  For a symmetric operator (small-strain stiffness): on one rank a SeqSBAIJ of block size ncomp
  (one field) holding the upper triangle of the same pattern, 44% of the AIJ's bytes for P1
  elasticity (200 MB instead of 540 MB at 1M unknowns); on several ranks, or for several
  fields, the AIJ above. Assembly keeps each element matrix's upper blocks, so the kernel's
  matrices must be symmetric.

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateSymmetricMatrix(TwinfeSpace space, Mat *A);

/*@
  TwinfeSpaceReleasePattern - Frees what maps element matrices into the space's matrices.

  Not collective

  Input Parameter:
. space - the space

  Notes:
  Frees what maps element matrices into the space's matrices (pattern_map: 64 bytes per P1
  cell, 400 per P2): for a matrix assembled once (small strain) before a solve that wants the
  memory. The next matrix creation or assembly builds it again (about 2 s per 1M tets).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceReleasePattern(TwinfeSpace space);

/*@
  TwinfeSpaceAssembleMatrix - Assembles a matrix from element matrices.

  Collective

  Input Parameters:
+ space  - the space
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
- ctx    - context handed to the callback (may be NULL)

  Input/Output Parameter:
. A - matrix from TwinfeSpaceCreateMatrix() of this space; its values are replaced

  Notes:
  Assemble A = sum of element matrices from kernel with a quadrature exact for degree qorder;
  U (global, may be NULL) gives e->u. Replaces A's values; A must come from
  TwinfeSpaceCreateMatrix of this space, its pattern unchanged (a matrix given entries outside
  it is refused). If the kernel fails, A's values are undefined.

  Level: advanced

.seealso: TwinfeSpaceCreateMatrix()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleMatrix(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementMatrixKernel kernel,
                                                      void *ctx, Mat A);

/*@
  TwinfeSpaceAssembleMatrixWithFaces - Assembles a matrix from element matrices and boundary face matrices.

  Collective

  Input Parameters:
+ space  - the space
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
. ctx    - context handed to the callback (may be NULL)
. nterms - number of boundary terms
- terms  - the boundary terms

  Input/Output Parameter:
. A - matrix from TwinfeSpaceCreateMatrix() of this space; its values are replaced

  Notes:
  The same, plus the face matrices of nterms boundary terms (a face's dofs are its cell's, so
  they lie in the cells' pattern).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleMatrixWithFaces(TwinfeSpace space, PetscInt qorder, Vec U,
                                                               TwinfeElementMatrixKernel kernel, void *ctx, PetscInt nterms,
                                                               const TwinfeFaceMatrixTerm terms[], Mat A);

/*@
  TwinfeSpaceCreateProlongation - Creates the prolongation from a lower-degree space to a higher-degree space on the
  same mesh.

  Collective

  Input Parameters:
+ coarse - space of the lower degree
- fine   - space of the higher degree on the same mesh

  Output Parameter:
. P - the new prolongation matrix

  Notes:
  P with P x = the same function in fine's space for x in coarse's: one field, the same mesh,
  coarse's degree below fine's (P1 in P2, for a p-multigrid's first level).

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateProlongation(TwinfeSpace coarse, TwinfeSpace fine, Mat *P);

/*@
  TwinfeSpaceInterpolate - Interpolates a function of one space at the nodes of another space, on another mesh of the
  same body.

  Collective on both

  Input Parameters:
+ from  - the space Ufrom belongs to
. Ufrom - the function on from
- to    - the space of the result

  Output Parameter:
. Uto - global vector of to, set to Ufrom at its nodes

  Notes:
  Uto = Ufrom (a function of space `from`) at the nodes of space `to`, made on another mesh of
  the same body (the meshes need not be nested, e.g. two meshes of one surface at different
  sizes): each node of `to` is located in from's cells, or outside them all at the nearest
  point of the nearest cell, and from's basis evaluated there; exact where from's function lies
  in to's space and the node inside from's mesh. The same fields and components in both, any
  degrees. Every rank holds all of from's cells while it runs (meant for a coarse `from`).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceInterpolate(TwinfeSpace from, Vec Ufrom, TwinfeSpace to, Vec Uto);

/*@
  TwinfeSpaceCreateFieldIS - Creates the index set of one field's global dofs.

  Collective

  Input Parameters:
+ space - the space
- field - field index

  Output Parameter:
. is - the new index set

  Notes:
  The global indices of one field's dofs, increasing: the index set PCFIELDSPLIT gets from the
  space's DM.

  Level: advanced

.seealso: TwinfeSpaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateFieldIS(TwinfeSpace space, PetscInt field, IS *is);

/*@
  TwinfeSpaceAssembleFieldBlock - Assembles the block coupling two fields as its own matrix.

  Collective

  Input Parameters:
+ space  - the space
. row    - field of the rows
. col    - field of the columns
. qorder - polynomial degree the quadrature rule is exact for
. kernel - the kernel
- ctx    - context handed to the callback (may be NULL)

  Output Parameter:
. B - the new matrix of the block

  Notes:
  The block coupling field row (rows) with field col (columns) as its own AIJ matrix, numbered as
  the fields' index sets list the dofs (the sub-vectors' numbering); kernel fills the whole
  element block, of which the (row, col) part is kept. No matrix of the whole space is made.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleFieldBlock(TwinfeSpace space, PetscInt row, PetscInt col, PetscInt qorder,
                                                          TwinfeElementMatrixKernel kernel, void *ctx, Mat *B);

/*@
  TwinfeSpaceAssembleVector - Adds the element vectors of a kernel into a global vector.

  Collective

  Input Parameters:
+ space  - the space
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
- ctx    - context handed to the callback (may be NULL)

  Input/Output Parameter:
. F - global vector the element vectors are added to

  Notes:
  Add the element vectors of kernel into the global F (not zeroed here).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleVector(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel,
                                                      void *ctx, Vec F);

/*@
  TwinfeSpaceAssembleFaceVector - Adds the face vectors of a kernel over tagged boundary faces into a global vector.

  Collective

  Input Parameters:
+ space  - the space
. tag    - facet tag ("Face Sets" value)
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
- ctx    - context handed to the callback (may be NULL)

  Input/Output Parameter:
. F - global vector the face vectors are added to

  Notes:
  Add the face vectors of kernel over the boundary faces tagged tag into F.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleFaceVector(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                          TwinfeFaceVectorKernel kernel, void *ctx, Vec F);

/*@
  TwinfeSpaceGetFaceCount - Counts the boundary faces carrying a tag over all ranks.

  Collective

  Input Parameters:
+ space - the space
- tag   - "Face Sets" value

  Output Parameter:
. count - number of boundary faces with the tag, over all ranks

  Notes:
  Boundary faces carrying "Face Sets" value tag, counted over all ranks.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetFaceCount(TwinfeSpace space, PetscInt tag, PetscInt *count);

/*@
  TwinfeSpaceGetFaceTags - Returns the distinct "Face Sets" values of the boundary faces over all ranks.

  Collective

  Input Parameter:
. space - the space

  Output Parameters:
+ ntags - number of tags
- tags  - the tags (PetscFree it)

  Notes:
  The "Face Sets" values of the boundary faces, over all ranks, sorted, each once; free *tags
  with PetscFree.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetFaceTags(TwinfeSpace space, PetscInt *ntags, PetscInt **tags);

/*@
  TwinfeSpaceEvaluateCells - Evaluates a kernel on every local cell.

  Collective

  Input Parameters:
+ space  - the space
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
. ctx    - context handed to the callback (may be NULL)
- nout   - values per cell

  Output Parameter:
. out - nout values per local cell

  Notes:
  Evaluate kernel on every local cell: it ADDs nout values into out (zeroed per cell), stored
  at out[c*nout] (cStart..cEnd order): cell averages, error norms per cell.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateCells(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel,
                                                     void *ctx, PetscInt nout, PetscScalar out[]);
/* The same, handing the values to consume a block of at most `block` cells at a time (cells
   cstart..cend-1, values[(c - cstart)*nout]): memory for block*nout values, not ncells*nout.
   Collective. */
typedef PetscErrorCode (*TwinfeCellValuesFn)(PetscInt cstart, PetscInt cend, const PetscScalar values[], void *ctx);

/*@
  TwinfeSpaceEvaluateCellBlocks - Evaluates a kernel on every local cell, handing the values over in blocks of cells.

  Collective

  Input Parameters:
+ space       - the space
. qorder      - polynomial degree the quadrature rule is exact for
. U           - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel      - the kernel
. ctx         - context handed to the callback (may be NULL)
. nout        - values per cell
. block       - most cells per call of consume
. consume     - called with each block of values
- consume_ctx - context handed to consume

  Notes:
  The same, handing the values to consume a block of at most `block` cells at a time (cells
  cstart..cend-1, values[(c - cstart)*nout]): memory for block*nout values, not ncells*nout.
  Collective.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateCellBlocks(TwinfeSpace space, PetscInt qorder, Vec U,
                                                          TwinfeElementVectorKernel kernel, void *ctx, PetscInt nout,
                                                          PetscInt block, TwinfeCellValuesFn consume, void *consume_ctx);

/*@
  TwinfeSpaceAddDirichlet - Adds a Dirichlet condition on the nodes of tagged faces, optionally within a box.

  Collective

  Input Parameters:
+ space - the space
. tag   - facet tag ("Face Sets" value)
. field - field index
. mask  - components constrained, bit c for component c
. box   - xmin, xmax, ymin, ymax, zmin, zmax of the nodes constrained (NULL: everywhere)
. fn    - the prescribed values (NULL: 0)
- ctx   - context handed to the callback (may be NULL)

  Notes:
  Dirichlet conditions. Constrain the components in mask (bit c = component c) of field on
  every node in the closure of the faces with "Face Sets" value tag whose coordinates lie in
  box (xmin,xmax,ymin,ymax,zmin,zmax; NULL = everywhere), to fn(x) (fn NULL = 0). Later
  calls overwrite earlier ones on shared nodes.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAddDirichlet(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask,
                                                    const PetscReal box[6], TwinfePointFunction fn, void *ctx);

/*@
  TwinfeSpaceAddDirichletWhere - Adds a Dirichlet condition on the nodes of tagged faces where a predicate holds.

  Collective

  Input Parameters:
+ space      - the space
. tag        - facet tag ("Face Sets" value)
. field      - field index
. mask       - components constrained, bit c for component c
. inside     - whether a node at x is constrained (NULL: every node of the faces)
. inside_ctx - context handed to inside
. fn         - the prescribed values (NULL: 0)
- ctx        - context handed to the callback (may be NULL)

  Notes:
  The same for the nodes where inside(x, inside_ctx) is true (inside NULL: every node of the
  faces), e.g. the tissue a tool's shape holds.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceAddDirichletWhere(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask,
                                                         PetscBool (*inside)(const PetscReal x[3], void *ctx), void *inside_ctx,
                                                         TwinfePointFunction fn, void *ctx);

/*@
  TwinfeSpaceClearDirichlet - Forgets every Dirichlet condition.

  Not collective

  Input Parameter:
. space - the space

  Notes:
  Forget every Dirichlet condition.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceClearDirichlet(TwinfeSpace space);

/*@
  TwinfeSpaceGetDirichlet - Returns the constrained global dofs this rank owns and their values.

  Collective on first call after a change

  Input Parameter:
. space - the space

  Output Parameters:
+ n      - number of constrained global dofs owned by this rank
. rows   - their global rows (lent)
- values - their prescribed values (lent)

  Notes:
  Number of constrained global dofs owned by this rank, and their global rows (lent, valid
  until the next AddDirichlet/Clear).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetDirichlet(TwinfeSpace space, PetscInt *n, const PetscInt **rows,
                                                    const PetscScalar **values);

/*@
  TwinfeSpaceSetDirichletScale - Sets the factor the prescribed Dirichlet values are multiplied by.

  Not collective

  Input Parameters:
+ space - the space
- scale - factor on the prescribed values

  Notes:
  The prescribed values g are multiplied by scale (a load factor, 1 by default) wherever they
  are used below; the constrained rows stay the same.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceSetDirichletScale(TwinfeSpace space, PetscReal scale);

/*@
  TwinfeSpaceApplyDirichletToVector - Sets the constrained entries of a vector to their prescribed values.

  Collective

  Input Parameter:
. space - the space

  Input/Output Parameter:
. U - global vector whose constrained entries are set

  Notes:
  U[rows] = g.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToVector(TwinfeSpace space, Vec U);

/*@
  TwinfeSpaceApplyDirichletToResidual - Sets the constrained rows of a residual, scale*(U - g).

  Collective

  Input Parameters:
+ space - the space
. scale - factor on the constraint rows
- U     - the current state

  Input/Output Parameter:
. F - residual whose constrained rows are set

  Notes:
  F[rows] = scale*(U[rows] - g): the residual of the constraint rows.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToResidual(TwinfeSpace space, PetscReal scale, Vec U, Vec F);

/*@
  TwinfeSpaceApplyDirichletToMatrix - Zeroes the constrained rows and columns of a matrix, with scale on the diagonal.

  Collective

  Input Parameters:
+ space - the space
- scale - the diagonal value of the constrained rows

  Input/Output Parameter:
. J - matrix whose constrained rows and columns are replaced

  Notes:
  Zero the constrained rows and columns of J with scale on the diagonal. With the residual
  scaled alike and U satisfying the constraints, the Newton update of constrained dofs is 0
  and J stays symmetric.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToMatrix(TwinfeSpace space, PetscReal scale, Mat J);

/*@
  TwinfeTabulateLagrange - Tabulates the reference P1 or P2 basis and its gradients at points.

  Not collective

  Input Parameters:
+ degree - 1 or 2
. n      - number of points
- xi     - reference coordinates, three per point

  Output Parameters:
+ B - basis values, n*nb
- D - reference gradients, n*nb*3

  Notes:
  Reference P1/P2 basis on the reference tet at n points xi (n*3): values (n*nb) and
  reference gradients (n*nb*3), nb = 4 or 10.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeTabulateLagrange(PetscInt degree, PetscInt n, const PetscReal xi[], PetscReal B[],
                                                   PetscReal D[]);

/*@
  TwinfeQuadratureCreate - Creates a quadrature rule on the reference tetrahedron or triangle.

  Not collective

  Input Parameters:
+ dim   - 3 (tetrahedron) or 2 (triangle)
- order - polynomial degree the rule is exact for

  Output Parameters:
+ n  - number of points
. xi - reference coordinates, dim per point (PetscFree it)
- w  - weights (PetscFree it)

  Notes:
  Quadrature on the reference tet (dim 3) or triangle (dim 2, vertices (0,0) (1,0) (0,1)) exact
  for polynomials of degree order: *n points, xi (n*dim) and weights (sum = reference volume)
  allocated with PetscMalloc, caller frees.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeQuadratureCreate(PetscInt dim, PetscInt order, PetscInt *n, PetscReal **xi, PetscReal **w);

/* Integrals over the boundary faces whose "Face Sets" value is tag (flow rates, forces, wall
   shear stress). Every face is counted once over all ranks: a space keeps only the faces its
   rank owns in the point SF, each seen from one of its cells; the normal f->normal points out of
   the region (a tagged interface between regions a and b: out of the one with the higher
   label, into the lower, as the mesh orients interface facets; any partition gives the same
   sign). A tag that no face of the mesh
   carries (on any rank) is refused with an error naming it, rather than giving 0: a misspelt
   outlet would otherwise pass as zero flow. Kernels get U's element values in f->u (U NULL:
   f->u NULL) and a rule exact for degree qorder on the face. */

/*@
  TwinfeSpaceIntegrateFaces - Integrates a face kernel over the tagged boundary faces of all ranks.

  Collective

  Input Parameters:
+ space  - the space
. tag    - facet tag ("Face Sets" value)
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
. ctx    - context handed to the callback (may be NULL)
- nout   - values per face

  Output Parameter:
. out - the nout sums, on every rank

  Notes:
  Integrals over the boundary faces whose "Face Sets" value is tag (flow rates, forces, wall
  shear stress). Every face is counted once over all ranks: a space keeps only the faces its
  rank owns in the point SF, each seen from one of its cells; the normal f->normal points out of
  the region (a tagged interface between regions a and b: out of the one with the higher
  label, into the lower, as the mesh orients interface facets; any partition gives the same
  sign). A tag that no face of the mesh
  carries (on any rank) is refused with an error naming it, rather than giving 0: a misspelt
  outlet would otherwise pass as zero flow. Kernels get U's element values in f->u (U NULL:
  f->u NULL) and a rule exact for degree qorder on the face.
  out[k] = sum over the tagged faces of all ranks of the kernel's nout values: the kernel ADDs
  its quadrature-weighted (f->w, in mm^2) contributions into r[0..nout-1], zeroed per face.
  Units: the kernel's integrand times mm^2. Collective (MPI_Allreduce); every rank gets out.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceIntegrateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                      TwinfeFaceVectorKernel kernel, void *ctx, PetscInt nout, PetscReal out[]);

/*@
  TwinfeSpaceEvaluateFaces - Evaluates a face kernel face by face over this rank's tagged faces.

  Collective

  Input Parameters:
+ space  - the space
. tag    - facet tag ("Face Sets" value)
. qorder - polynomial degree the quadrature rule is exact for
. U      - global vector of the space's DM giving the kernel e->u (may be NULL)
. kernel - the kernel
. ctx    - context handed to the callback (may be NULL)
- nout   - values per face

  Output Parameters:
+ nfaces - number of this rank's tagged faces
. faces  - DMPlex point, local cell and local face of each (PetscFree it)
- values - nout values per face (PetscFree it)

  Notes:
  Integrals over the boundary faces whose "Face Sets" value is tag (flow rates, forces, wall
  shear stress). Every face is counted once over all ranks: a space keeps only the faces its
  rank owns in the point SF, each seen from one of its cells; the normal f->normal points out of
  the region (a tagged interface between regions a and b: out of the one with the higher
  label, into the lower, as the mesh orients interface facets; any partition gives the same
  sign). A tag that no face of the mesh
  carries (on any rank) is refused with an error naming it, rather than giving 0: a misspelt
  outlet would otherwise pass as zero flow. Kernels get U's element values in f->u (U NULL:
  f->u NULL) and a rule exact for degree qorder on the face.
  The same kernel face by face, for fields on the wall: *nfaces = this rank's tagged faces;
  (*faces)[3*i] is face i's DMPlex point (in the space's DM and in the DM it was created from:
  the clone shares points), (*faces)[3*i+1] its local cell (cell point minus the first cell
  point), (*faces)[3*i+2] its local face 0..3 (the cell vertex it lies opposite);
  (*values)[nout*i + k] the kernel's value k summed over face i (divide by the face's area,
  e.g. from a kernel value summing f->w, for a face average). Both arrays are allocated with
  PetscMalloc (NULL when *nfaces is 0); the caller PetscFree()s them. Collective (U is
  scattered to ghost values and the tag is checked over all ranks); the output is local.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                     TwinfeFaceVectorKernel kernel, void *ctx, PetscInt nout, PetscInt *nfaces,
                                                     PetscInt **faces, PetscReal **values);

/*@
  TwinfeSpaceComputeFaceArea - Computes the area of the tagged faces over all ranks.

  Collective

  Input Parameters:
+ space - the space
- tag   - facet tag ("Face Sets" value)

  Output Parameter:
. area - area of the tagged faces (mm^2)

  Notes:
  Area of the tagged faces (mm^2), summed over all ranks.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceArea(TwinfeSpace space, PetscInt tag, PetscReal *area);

/*@
  TwinfeSpaceComputeFaceFlux - Computes the flux of a vector field through the tagged faces.

  Collective

  Input Parameters:
+ space - the space
. tag   - facet tag ("Face Sets" value)
. field - a field of 3 components
- U     - global vector of the space's DM

  Output Parameter:
. flux - the flux through the faces

  Notes:
  Flux int u.n dA of field (3 components) of U through the tagged faces, n their outward unit
  normal, summed over all ranks: mm^3/s for a velocity in mm/s. The quadrature is exact for the
  field's own degree (affine faces), so the flux of its interpolant is exact.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceFlux(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal *flux);

/*@
  TwinfeSpaceComputeFaceMean - Computes the area-weighted mean of a field over the tagged faces.

  Collective

  Input Parameters:
+ space - the space
. tag   - facet tag ("Face Sets" value)
. field - field index
- U     - global vector of the space's DM

  Output Parameter:
. mean - the mean of each component (ncomp values)

  Notes:
  Area-weighted mean (int u_k dA / area) of every component k of field of U over the tagged
  faces, summed over all ranks; mean holds ncomp of the field values (a pressure: 1, in Pa).

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceMean(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal mean[]);

/*@
  TwinfeSpaceCreateVertexVector - Creates a DM and vector holding a field's values at the vertices only, for output.

  Collective

  Input Parameters:
+ space - the space
- field - field index

  Output Parameters:
+ vdm - the new DM of the vertex values
- V   - the new global vector on vdm

  Notes:
  Vertex-only output of a field (writers read vertex data only; a P2 field's edge values are
  left out). *vdm is a clone of the space's DM with ncomp dofs of the field per vertex and
  nothing else, *V a global vector on it (block size ncomp, zeroed); the caller destroys both.
  Fill V with TwinfeSpaceCopyVertexValues.

  Level: advanced

.seealso: TwinfeSpaceDestroy(), TwinfeSpaceCopyVertexValues()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateVertexVector(TwinfeSpace space, PetscInt field, DM *vdm, Vec *V);

/*@
  TwinfeSpaceCopyVertexValues - Copies a field's vertex values into a vector of TwinfeSpaceCreateVertexVector().

  Collective (U is scattered to ghost vertices)

  Input Parameters:
+ space - the space
. field - field index
. U     - global vector of the space's DM
- vdm   - DM from TwinfeSpaceCreateVertexVector()

  Output Parameter:
. V - vector on vdm, set to the vertex values

  Notes:
  V (from TwinfeSpaceCreateVertexVector for the same field) = the vertex values of field of U
  (a global vector of the space's DM): for P1 all of them, for P2 the values at the vertices.

  Level: advanced

.seealso: TwinfeSpaceCreateVertexVector()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCopyVertexValues(TwinfeSpace space, PetscInt field, Vec U, DM vdm, Vec V);

/*@
  TwinfeSpaceCreateNodeVector - Creates a DM and vector holding a field's values at all its nodes, for output.

  Collective

  Input Parameters:
+ space - the space
- field - field index

  Output Parameters:
+ ndm - the new DM of the node values
- V   - the new global vector on ndm

  Notes:
  Output of a field at all its nodes, for TwinfeResultsWriteState: *ndm is a clone of the
  space's DM whose section holds the field's ncomp values on every vertex and, for a P2 field,
  on every edge (so the writer shows it as quadratic tetrahedra), nothing else; *V a global
  vector on it (block size ncomp, zeroed). The caller destroys both. For a P1 field this is
  the layout of TwinfeSpaceCreateVertexVector. Fill V with TwinfeSpaceCopyNodeValues.

  Level: advanced

.seealso: TwinfeSpaceDestroy(), TwinfeResultsWriteState(), TwinfeSpaceCreateVertexVector(),
          TwinfeSpaceCopyNodeValues()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateNodeVector(TwinfeSpace space, PetscInt field, DM *ndm, Vec *V);

/*@
  TwinfeSpaceCopyNodeValues - Copies a field's node values into a vector of TwinfeSpaceCreateNodeVector().

  Collective (U is scattered to ghost points)

  Input Parameters:
+ space - the space
. field - field index
. U     - global vector of the space's DM
- ndm   - DM from TwinfeSpaceCreateNodeVector()

  Output Parameter:
. V - vector on ndm, set to the node values

  Notes:
  V (on ndm, from TwinfeSpaceCreateNodeVector for the same field) = field's values of U (a
  global vector of the space's DM) at every point ndm's section gives dofs: vertices and, for
  P2, edges. A vertex vector of TwinfeSpaceCreateVertexVector is filled alike.

  Level: advanced

.seealso: TwinfeSpaceCreateNodeVector(), TwinfeSpaceCreateVertexVector()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceCopyNodeValues(TwinfeSpace space, PetscInt field, Vec U, DM ndm, Vec V);

/*@
  TwinfeSpaceSetFieldName - Names a field, which names its split in PCFIELDSPLIT.

  Not collective

  Input Parameters:
+ space - the space
. field - field index
- name  - the field's name

  Notes:
  Field splits for PCFIELDSPLIT. The space's DM (TwinfeSpaceGetDM) carries its fields in its
  section, so DMCreateFieldIS and DMCreateFieldDecomposition give each field's global dofs, and
  a KSP given that DM (KSPSetDM, then KSPSetDMActive(ksp, PETSC_FALSE): the space assembles)
  splits by field from the options alone (-pc_type fieldsplit). The name of field f (e.g.
  "velocity", "pressure") becomes its split's name, hence the prefix -fieldsplit_<name>_ of
  its options; PETSc names unnamed fields Field_0, Field_1, ...

  Level: advanced

.seealso: TwinfeSpaceGetDM()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSpaceSetFieldName(TwinfeSpace space, PetscInt field, const char name[]);

/* Geometric multigrid for a space of one P1 field on a mesh refined by TwinfePartitionRefine
   (libtwinfe/fem/multigrid.c): the nested levels' prolongations (a fine vertex takes its coarse
   vertex's value or its edge's mean), Galerkin coarse operators, Chebyshev/Jacobi smoothing and
   one GAMG V-cycle on the coarsest level. */
typedef struct _p_TwinfeMultigrid *TwinfeMultigrid;

/*@
  TwinfeMultigridCreate - Creates the geometric multigrid hierarchy of a space on a refined mesh.

  Collective

  Input Parameters:
+ space - the space
- dm    - the mesh the space was made from

  Output Parameter:
. mg - the new multigrid hierarchy

  Notes:
  Geometric multigrid for a space of one P1 field on a mesh refined by TwinfePartitionRefine
  (libtwinfe/fem/multigrid.c): the nested levels' prolongations (a fine vertex takes its coarse
  vertex's value or its edge's mean), Galerkin coarse operators, Chebyshev/Jacobi smoothing and
  one GAMG V-cycle on the coarsest level.
  dm: the mesh the space was made from. *mg has 1 level when dm was not refined. Collective.

  Level: advanced

.seealso: TwinfeMultigridDestroy(), TwinfePartitionRefine()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridCreate(TwinfeSpace space, DM dm, TwinfeMultigrid *mg);

/*@
  TwinfeMultigridDestroy - Destroys a multigrid hierarchy.

  Collective

  Input Parameter:
. mg - the multigrid hierarchy, set to NULL

  Level: advanced

.seealso: TwinfeMultigridCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridDestroy(TwinfeMultigrid *mg);

/*@
  TwinfeMultigridGetLevels - Returns the number of levels, the finest included.

  Not collective

  Input Parameter:
. mg - the multigrid hierarchy

  Output Parameter:
. nlevels - number of levels, the finest included

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridGetLevels(TwinfeMultigrid mg, PetscInt *nlevels);

/*@
  TwinfeMultigridSetUpPC - Makes a preconditioner a PCMG V-cycle over the levels.

  Collective

  Input Parameter:
. mg - the multigrid hierarchy

  Input/Output Parameter:
. pc - the preconditioner, made a PCMG

  Notes:
  pc becomes a PCMG V-cycle over the levels.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridSetUpPC(TwinfeMultigrid mg, PC pc);

/*@
  TwinfeMultigridReleaseProducts - Frees the data a preconditioner keeps to redo its Galerkin products.

  Collective

  Input Parameter:
. pc - the preconditioner

  Notes:
  Frees the data pc's set-up kept to redo its Galerkin products (PETSc's and GAMG's on the
  coarsest level), once the operator will not change; a later set-up or
  TwinfeMultigridSetOperator makes them afresh. Any PC: nothing is done unless it is PCMG (not
  forming its own Galerkin operators) or PCGAMG.

  Level: developer

.seealso: TwinfeMultigridSetOperator()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridReleaseProducts(PC pc);

/*@
  TwinfeMultigridSetOperator - Makes the coarse operators from the finest one by Galerkin products.

  Collective

  Input Parameters:
+ mg - the multigrid hierarchy
- A  - the finest operator, assembled

  Input/Output Parameter:
. pc - the PCMG of TwinfeMultigridSetUpPC()

  Notes:
  The coarse operators from A (the finest operator, assembled) by Galerkin products, handed to
  pc's levels; call again when A's values change.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeMultigridSetOperator(TwinfeMultigrid mg, Mat A, PC pc);
