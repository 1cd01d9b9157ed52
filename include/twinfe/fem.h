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

/* The face as an element of its cell, at the face's points and weights: a cell's point-wise
   kernel (a stress, say) then runs on the face unchanged. The arrays stay the face's. */
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

/* Build a space of nfields Lagrange fields (degree[f] 1 or 2, ncomp[f] >= 1) on dm.
   The space keeps its own DMClone of dm with the layout as local section. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreate(DM dm, PetscInt nfields, const PetscInt degree[], const PetscInt ncomp[],
                                              TwinfeSpace *space);
PETSC_EXTERN PetscErrorCode TwinfeSpaceDestroy(TwinfeSpace *space);
/* The DM (cloned, lent) that carries the layout; create Vecs from it. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetDM(TwinfeSpace space, DM *dm);
/* Local cells and element dofs. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetSizes(TwinfeSpace space, PetscInt *ncells, PetscInt *ndof);
/* dofs[0..ndof) = the local vector indices of local cell c's element dofs (field by field,
   node by node, component by component). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetCellDofs(TwinfeSpace space, PetscInt c, PetscInt dofs[]);
/* "Cell Sets" value of each local cell (0 when absent), lent. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetCellRegions(TwinfeSpace space, const PetscInt **region);
/* Sum of the volumes of this rank's cells (mm^3). Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetLocalVolume(TwinfeSpace space, PetscReal *volume);
/* Global dofs of field's nodes set to their coordinates (components 0..min(ncomp,3)-1, others
   0), block size ncomp when there is one field: the input of MatNullSpaceCreateRigidBody.
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateNodeCoordinates(TwinfeSpace space, PetscInt field, Vec *coords);

/* A matrix over the global layout preallocated from the cell-to-dof map with
   MatSetPreallocationCOOLocal (block size = ncomp for one field). The space computes the unique
   (row, col) pairs once and where every element-matrix entry lands among them, so assembly sums
   element blocks in pattern order: on one rank straight into the matrix's value array, on
   several into a flat array handed to MatSetValuesCOO once; PETSc never sorts duplicates. All
   matrices of one space share this pattern. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateMatrix(TwinfeSpace space, Mat *A);
/* For a symmetric operator (small-strain stiffness): on one rank a SeqSBAIJ of block size ncomp
   (one field) holding the upper triangle of the same pattern, 44% of the AIJ's bytes for P1
   elasticity (200 MB instead of 540 MB at 1M unknowns); on several ranks, or for several
   fields, the AIJ above. Assembly keeps each element matrix's upper blocks, so the kernel's
   matrices must be symmetric. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateSymmetricMatrix(TwinfeSpace space, Mat *A);
/* Frees what maps element matrices into the space's matrices (pattern_map: 64 bytes per P1
   cell, 400 per P2): for a matrix assembled once (small strain) before a solve that wants the
   memory. The next matrix creation or assembly builds it again (about 2 s per 1M tets). Not
   collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceReleasePattern(TwinfeSpace space);
/* Assemble A = sum of element matrices from kernel with a quadrature exact for degree qorder;
   U (global, may be NULL) gives e->u. Replaces A's values; A must come from
   TwinfeSpaceCreateMatrix of this space, its pattern unchanged (a matrix given entries outside
   it is refused). If the kernel fails, A's values are undefined. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleMatrix(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementMatrixKernel kernel,
                                                      void *ctx, Mat A);
/* The same, plus the face matrices of nterms boundary terms (a face's dofs are its cell's, so
   they lie in the cells' pattern). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleMatrixWithFaces(TwinfeSpace space, PetscInt qorder, Vec U,
                                                               TwinfeElementMatrixKernel kernel, void *ctx, PetscInt nterms,
                                                               const TwinfeFaceMatrixTerm terms[], Mat A);
/* P with P x = the same function in fine's space for x in coarse's: one field, the same mesh,
   coarse's degree below fine's (P1 in P2, for a p-multigrid's first level). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateProlongation(TwinfeSpace coarse, TwinfeSpace fine, Mat *P);
/* Uto = Ufrom (a function of space `from`) at the nodes of space `to`, made on another mesh of
   the same body (the meshes need not be nested, e.g. two meshes of one surface at different
   sizes): each node of `to` is located in from's cells, or outside them all at the nearest
   point of the nearest cell, and from's basis evaluated there; exact where from's function lies
   in to's space and the node inside from's mesh. The same fields and components in both, any
   degrees. Every rank holds all of from's cells while it runs (meant for a coarse `from`).
   Collective on both. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceInterpolate(TwinfeSpace from, Vec Ufrom, TwinfeSpace to, Vec Uto);
/* The global indices of one field's dofs, increasing: the index set PCFIELDSPLIT gets from the
   space's DM. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateFieldIS(TwinfeSpace space, PetscInt field, IS *is);
/* The block coupling field row (rows) with field col (columns) as its own AIJ matrix, numbered as
   the fields' index sets list the dofs (the sub-vectors' numbering); kernel fills the whole
   element block, of which the (row, col) part is kept. No matrix of the whole space is made.
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleFieldBlock(TwinfeSpace space, PetscInt row, PetscInt col, PetscInt qorder,
                                                          TwinfeElementMatrixKernel kernel, void *ctx, Mat *B);
/* Add the element vectors of kernel into the global F (not zeroed here). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleVector(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel,
                                                      void *ctx, Vec F);
/* Add the face vectors of kernel over the boundary faces tagged tag into F. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAssembleFaceVector(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                          TwinfeFaceVectorKernel kernel, void *ctx, Vec F);

/* Boundary faces carrying "Face Sets" value tag, counted over all ranks. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetFaceCount(TwinfeSpace space, PetscInt tag, PetscInt *count);
/* The "Face Sets" values of the boundary faces, over all ranks, sorted, each once; free *tags
   with PetscFree. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetFaceTags(TwinfeSpace space, PetscInt *ntags, PetscInt **tags);

/* Evaluate kernel on every local cell: it ADDs nout values into out (zeroed per cell), stored
   at out[c*nout] (cStart..cEnd order): cell averages, error norms per cell. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateCells(TwinfeSpace space, PetscInt qorder, Vec U, TwinfeElementVectorKernel kernel,
                                                     void *ctx, PetscInt nout, PetscScalar out[]);
/* The same, handing the values to consume a block of at most `block` cells at a time (cells
   cstart..cend-1, values[(c - cstart)*nout]): memory for block*nout values, not ncells*nout.
   Collective. */
typedef PetscErrorCode (*TwinfeCellValuesFn)(PetscInt cstart, PetscInt cend, const PetscScalar values[], void *ctx);
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateCellBlocks(TwinfeSpace space, PetscInt qorder, Vec U,
                                                          TwinfeElementVectorKernel kernel, void *ctx, PetscInt nout,
                                                          PetscInt block, TwinfeCellValuesFn consume, void *consume_ctx);

/* Dirichlet conditions. Constrain the components in mask (bit c = component c) of field on
   every node in the closure of the faces with "Face Sets" value tag whose coordinates lie in
   box (xmin,xmax,ymin,ymax,zmin,zmax; NULL = everywhere), to fn(x) (fn NULL = 0). Later
   calls overwrite earlier ones on shared nodes. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAddDirichlet(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask,
                                                    const PetscReal box[6], TwinfePointFunction fn, void *ctx);
/* The same for the nodes where inside(x, inside_ctx) is true (inside NULL: every node of the
   faces), e.g. the tissue a tool's shape holds. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceAddDirichletWhere(TwinfeSpace space, PetscInt tag, PetscInt field, PetscInt mask,
                                                         PetscBool (*inside)(const PetscReal x[3], void *ctx), void *inside_ctx,
                                                         TwinfePointFunction fn, void *ctx);
/* Forget every Dirichlet condition. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceClearDirichlet(TwinfeSpace space);
/* Number of constrained global dofs owned by this rank, and their global rows (lent, valid
   until the next AddDirichlet/Clear). Collective on first call after a change. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceGetDirichlet(TwinfeSpace space, PetscInt *n, const PetscInt **rows,
                                                    const PetscScalar **values);
/* The prescribed values g are multiplied by scale (a load factor, 1 by default) wherever they
   are used below; the constrained rows stay the same. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceSetDirichletScale(TwinfeSpace space, PetscReal scale);
/* U[rows] = g. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToVector(TwinfeSpace space, Vec U);
/* F[rows] = scale*(U[rows] - g): the residual of the constraint rows. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToResidual(TwinfeSpace space, PetscReal scale, Vec U, Vec F);
/* Zero the constrained rows and columns of J with scale on the diagonal. With the residual
   scaled alike and U satisfying the constraints, the Newton update of constrained dofs is 0
   and J stays symmetric. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceApplyDirichletToMatrix(TwinfeSpace space, PetscReal scale, Mat J);

/* Reference P1/P2 basis on the reference tet at n points xi (n*3): values (n*nb) and
   reference gradients (n*nb*3), nb = 4 or 10. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeTabulateLagrange(PetscInt degree, PetscInt n, const PetscReal xi[], PetscReal B[],
                                                   PetscReal D[]);
/* Quadrature on the reference tet (dim 3) or triangle (dim 2, vertices (0,0) (1,0) (0,1)) exact
   for polynomials of degree order: *n points, xi (n*dim) and weights (sum = reference volume)
   allocated with PetscMalloc, caller frees. Not collective. */
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

/* out[k] = sum over the tagged faces of all ranks of the kernel's nout values: the kernel ADDs
   its quadrature-weighted (f->w, in mm^2) contributions into r[0..nout-1], zeroed per face.
   Units: the kernel's integrand times mm^2. Collective (MPI_Allreduce); every rank gets out. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceIntegrateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                      TwinfeFaceVectorKernel kernel, void *ctx, PetscInt nout, PetscReal out[]);
/* The same kernel face by face, for fields on the wall: *nfaces = this rank's tagged faces;
   (*faces)[3*i] is face i's DMPlex point (in the space's DM and in the DM it was created from:
   the clone shares points), (*faces)[3*i+1] its local cell (cell point minus the first cell
   point), (*faces)[3*i+2] its local face 0..3 (the cell vertex it lies opposite);
   (*values)[nout*i + k] the kernel's value k summed over face i (divide by the face's area,
   e.g. from a kernel value summing f->w, for a face average). Both arrays are allocated with
   PetscMalloc (NULL when *nfaces is 0); the caller PetscFree()s them. Collective (U is
   scattered to ghost values and the tag is checked over all ranks); the output is local. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceEvaluateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U,
                                                     TwinfeFaceVectorKernel kernel, void *ctx, PetscInt nout, PetscInt *nfaces,
                                                     PetscInt **faces, PetscReal **values);
/* Area of the tagged faces (mm^2), summed over all ranks. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceArea(TwinfeSpace space, PetscInt tag, PetscReal *area);
/* Flux int u.n dA of field (3 components) of U through the tagged faces, n their outward unit
   normal, summed over all ranks: mm^3/s for a velocity in mm/s. The quadrature is exact for the
   field's own degree (affine faces), so the flux of its interpolant is exact. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceFlux(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal *flux);
/* Area-weighted mean (int u_k dA / area) of every component k of field of U over the tagged
   faces, summed over all ranks; mean holds ncomp of the field values (a pressure: 1, in Pa).
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceComputeFaceMean(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal mean[]);

/* Vertex-only output of a field (writers read vertex data only; a P2 field's edge values are
   left out). *vdm is a clone of the space's DM with ncomp dofs of the field per vertex and
   nothing else, *V a global vector on it (block size ncomp, zeroed); the caller destroys both.
   Fill V with TwinfeSpaceCopyVertexValues. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateVertexVector(TwinfeSpace space, PetscInt field, DM *vdm, Vec *V);
/* V (from TwinfeSpaceCreateVertexVector for the same field) = the vertex values of field of U
   (a global vector of the space's DM): for P1 all of them, for P2 the values at the vertices.
   Collective (U is scattered to ghost vertices). */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCopyVertexValues(TwinfeSpace space, PetscInt field, Vec U, DM vdm, Vec V);

/* Output of a field at all its nodes, for TwinfeResultsWriteState: *ndm is a clone of the
   space's DM whose section holds the field's ncomp values on every vertex and, for a P2 field,
   on every edge (so the writer shows it as quadratic tetrahedra), nothing else; *V a global
   vector on it (block size ncomp, zeroed). The caller destroys both. For a P1 field this is
   the layout of TwinfeSpaceCreateVertexVector. Fill V with TwinfeSpaceCopyNodeValues.
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCreateNodeVector(TwinfeSpace space, PetscInt field, DM *ndm, Vec *V);
/* V (on ndm, from TwinfeSpaceCreateNodeVector for the same field) = field's values of U (a
   global vector of the space's DM) at every point ndm's section gives dofs: vertices and, for
   P2, edges. A vertex vector of TwinfeSpaceCreateVertexVector is filled alike. Collective (U
   is scattered to ghost points). */
PETSC_EXTERN PetscErrorCode TwinfeSpaceCopyNodeValues(TwinfeSpace space, PetscInt field, Vec U, DM ndm, Vec V);

/* Field splits for PCFIELDSPLIT. The space's DM (TwinfeSpaceGetDM) carries its fields in its
   section, so DMCreateFieldIS and DMCreateFieldDecomposition give each field's global dofs, and
   a KSP given that DM (KSPSetDM, then KSPSetDMActive(ksp, PETSC_FALSE): the space assembles)
   splits by field from the options alone (-pc_type fieldsplit). The name of field f (e.g.
   "velocity", "pressure") becomes its split's name, hence the prefix -fieldsplit_<name>_ of
   its options; PETSc names unnamed fields Field_0, Field_1, ... Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSpaceSetFieldName(TwinfeSpace space, PetscInt field, const char name[]);

/* Geometric multigrid for a space of one P1 field on a mesh refined by TwinfePartitionRefine
   (libtwinfe/fem/multigrid.c): the nested levels' prolongations (a fine vertex takes its coarse
   vertex's value or its edge's mean), Galerkin coarse operators, Chebyshev/Jacobi smoothing and
   one GAMG V-cycle on the coarsest level. */
typedef struct _p_TwinfeMultigrid *TwinfeMultigrid;
/* dm: the mesh the space was made from. *mg has 1 level when dm was not refined. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeMultigridCreate(TwinfeSpace space, DM dm, TwinfeMultigrid *mg);
PETSC_EXTERN PetscErrorCode TwinfeMultigridDestroy(TwinfeMultigrid *mg);
/* Levels, the finest included. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeMultigridGetLevels(TwinfeMultigrid mg, PetscInt *nlevels);
/* pc becomes a PCMG V-cycle over the levels. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeMultigridSetUpPC(TwinfeMultigrid mg, PC pc);
/* Frees the data pc's set-up kept to redo its Galerkin products (PETSc's and GAMG's on the
   coarsest level), once the operator will not change; a later set-up or
   TwinfeMultigridSetOperator makes them afresh. Any PC: nothing is done unless it is PCMG (not
   forming its own Galerkin operators) or PCGAMG. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeMultigridReleaseProducts(PC pc);
/* The coarse operators from A (the finest operator, assembled) by Galerkin products, handed to
   pc's levels; call again when A's values change. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeMultigridSetOperator(TwinfeMultigrid mg, Mat A, PC pc);
