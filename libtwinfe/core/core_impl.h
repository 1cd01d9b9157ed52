/* Private helpers shared by the stages. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscdm.h>
#include <petscdmlabel.h>
#include <petscsys.h>

/* Collective: rank 0 passes the error code of its serial step, the others 0; if rank 0 failed,
   every rank returns an error (rank 0 its own, with its message). */
PETSC_INTERN PetscErrorCode TwinfeRunOnRoot(MPI_Comm comm, PetscErrorCode root_error);
/* Collective, before a long serial step that ends in TwinfeRunOnRoot: until then rank 0 may use
   a thread for every rank of comm on its machine (they wait asleep in TwinfeRunOnRoot), unless
   -threads says otherwise. */
PETSC_INTERN PetscErrorCode TwinfeRootStepBegin(MPI_Comm comm);
/* The threads of the serial step rank 0 is in (TwinfeRootStepBegin), 0 outside one. */
PETSC_INTERN PetscInt TwinfeRootStepThreads_Private(void);
/* The cores the calling thread may run on (its affinity). Not collective. */
PETSC_INTERN PetscErrorCode TwinfeGetCores_Private(PetscInt *cores);
/* A per-rank count over the ranks: the fewest, the most, the sum, and the imbalance (the most
   over the mean; 1 when the sum is 0). Collective. */
PETSC_INTERN PetscErrorCode TwinfeRankSpread(MPI_Comm comm, PetscInt local, PetscInt *min, PetscInt *max, PetscInt *total,
                                             PetscReal *imbalance);
/* Errors of an optional step caught instead of printed: between Begin and End, a failing call
   returns its code and the first message raised is kept in message (a step the run can do
   without, such as a coarse start, then says why it was left out). Not collective. */
typedef struct {
  char message[512];
} TwinfeErrorCapture;
PETSC_INTERN PetscErrorCode TwinfeErrorCaptureBegin(TwinfeErrorCapture *capture);
PETSC_INTERN PetscErrorCode TwinfeErrorCaptureEnd(TwinfeErrorCapture *capture);

/* Visit every point of a label with its value, one pass over each stratum: much cheaper than a
   DMLabelGetValue per point, which searches every stratum. A NULL label visits nothing. */
typedef PetscErrorCode (*TwinfeLabelPointVisitor)(PetscInt point, PetscInt value, void *ctx);
PETSC_INTERN PetscErrorCode TwinfeLabelForEachPoint(DMLabel label, TwinfeLabelPointVisitor visit, void *ctx);

/* A cell-vertex mesh has no face points, so its tagged facets ("Face Sets" values on an
   interpolated mesh) are carried by cells: each by the one cell that integrates it (over all
   ranks, once), in the cell label of this name for the facet opposite the cell's vertex
   `opposite` (0..3, in the cell's cone order). TwinfePartitionRefineCellVertex makes them and
   TwinfeSpaceCreate reads them. */
PETSC_INTERN const char *TwinfeOwnedFacetLabelName(PetscInt opposite);

/* After a phase whose large work arrays are freed (a refinement, a results state, a solver's
   set-up): hands the freed memory back to the system, which the C library would otherwise keep
   beside the next phase's arrays (core/memory.c). Not collective; does nothing off glibc. */
PETSC_INTERN void TwinfeReturnFreedMemory_Private(void);

/* The coordinates of a DMPlex's local vertices, 3 per vertex in vertex-point order (xyz holds
   3 * the number of vertices); a vertex without 3 coordinates is an error. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeReadVertexCoordinates_Private(DM dm, PetscReal xyz[]);

/* The name of value in a NULL-terminated list of names whose last nextra names are not values
   (2 for PETSc's enum lists, which end with the type's name and prefix; 0 for an EList). A
   value outside the list is refused; caller names the public function in the message. Not
   collective. The public XGetName functions use it, so that no table leaves the library
   (docs/abi.md: exported data). */
PETSC_INTERN PetscErrorCode TwinfeListGetName_Private(const char caller[], const char *const list[], PetscInt nextra,
                                                      PetscInt value, const char **name);

/* Where an option's value came from, for messages: writes e.g. " (case file X line 12)" or
   nothing; name is without its dash. Returns where it stands among the arguments and keys (the
   first unknown one is named first). One describer for the process, as the options database is. */
typedef int (*TwinfeOptionsDescribeFn)(const char name[], char text[], size_t len, void *ctx);
PETSC_INTERN void TwinfeOptionsSetDescribe(TwinfeOptionsDescribeFn fn, void *ctx);
/* Options nothing read yet, except those defer() keeps for a later check (name without dash):
   message names the first one and the closest known name. Not collective. */
typedef PetscBool (*TwinfeOptionsDeferFn)(const char name[], void *ctx);
PETSC_INTERN PetscErrorCode TwinfeOptionsFindUnused(TwinfeOptionsDeferFn defer, void *ctx, char message[], size_t len,
                                                    PetscBool *found);
/* Not collective: an error naming the first unused option (FindUnused's message) if there is one. */
PETSC_INTERN PetscErrorCode TwinfeOptionsRefuseUnused(TwinfeOptionsDeferFn defer);

/* Begins the -log_view event name (registered in *event the first time; start with -1). Only
   on the main thread: PETSc's log is not thread-safe. */
static inline PetscErrorCode TwinfeLogBegin_Private(const char name[], PetscLogEvent *event)
{
  PetscFunctionBeginUser;
  if (*event < 0) PetscCall(PetscLogEventRegister(name, PETSC_OBJECT_CLASSID, event));
  PetscCall(PetscLogEventBegin(*event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* det A of a row-major 3x3 matrix (a cell's affine map J, a deformation gradient F). */
static inline PetscReal TwinfeDet3_Private(const PetscReal A[9])
{
  return A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) + A[2] * (A[3] * A[7] - A[4] * A[6]);
}

/* Ainv = A^{-1} (row-major) for det A = det != 0, from the cofactors. */
static inline void TwinfeInverse3_Private(const PetscReal A[9], PetscReal det, PetscReal Ainv[9])
{
  Ainv[0] = (A[4] * A[8] - A[5] * A[7]) / det;
  Ainv[1] = (A[2] * A[7] - A[1] * A[8]) / det;
  Ainv[2] = (A[1] * A[5] - A[2] * A[4]) / det;
  Ainv[3] = (A[5] * A[6] - A[3] * A[8]) / det;
  Ainv[4] = (A[0] * A[8] - A[2] * A[6]) / det;
  Ainv[5] = (A[2] * A[3] - A[0] * A[5]) / det;
  Ainv[6] = (A[3] * A[7] - A[4] * A[6]) / det;
  Ainv[7] = (A[1] * A[6] - A[0] * A[7]) / det;
  Ainv[8] = (A[0] * A[4] - A[1] * A[3]) / det;
}

/* body(begin, end, ctx) over [0, n) split into contiguous ranges, one per thread
   (TwinfeGetThreads; 1 for small n). The body calls no PETSc function and allocates nothing
   (core/threads.c says why); it writes only the items of its range. */
typedef void (*TwinfeRangeFn)(PetscInt begin, PetscInt end, void *ctx);
PETSC_INTERN PetscErrorCode TwinfeParallelFor_Private(PetscInt n, TwinfeRangeFn body, void *ctx);

/* used[r] = whether row r (values[r * row_length .. + row_length)) holds a non-zero value, on all
   threads: scans of a label map look only at the rows that hold labels (most of a CT's do not). */
PETSC_INTERN PetscErrorCode TwinfeNonzeroRows_Private(const int32_t values[], PetscInt row_length, PetscInt nrows,
                                                      unsigned char used[]);

/* Six times the signed volume of the tet (a, b, c, d) (defined in mesh/mesh.c; the partition
   stage measures its cells with it too). */
PETSC_INTERN PetscReal TwinfeTetDet_Private(const PetscReal a[3], const PetscReal b[3], const PetscReal c[3],
                                            const PetscReal d[3]);
/* Radius ratio 3 r / R of a positively oriented tet (0 if flat or inverted): the mesh stage's
   quality measure, also what the partition stage keeps when it moves vertices (defined in
   mesh/mesh_quality.c with the other measures). */
PETSC_INTERN PetscReal TwinfeTetRadiusRatio_Private(const PetscReal *p[4]);

/* A NULL argument refused with the function and argument named. */
#define TwinfeCheckArgNull_Private(p)                                                                                            \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument %s is NULL", PETSC_FUNCTION_NAME, #p)

/* ---- a uniform grid over boxes (box_grid.c), for closest-point, overlap and point-location
   queries: the items are segments (nv 2), triangles (3) or tetrahedra (4) given by vertex
   indices into xyz, each entered in every cell its bounding box overlaps. */
typedef struct {
  PetscReal lo[3], cell;
  PetscInt  n[3];
  PetscInt *start, *item; /* CSR: cell (l + n[0] (j + n[1] k)) -> items whose box overlaps it */
} TwinfeBoxGrid;

/* Cells of about `cell` (larger where the box would need too many); only items with keep[i]
   (or all when keep is NULL) are entered. */
PETSC_INTERN PetscErrorCode TwinfeBoxGridCreate_Private(const PetscReal xyz[], PetscInt nitems, int nv, const PetscInt idx[],
                                                        const PetscBool keep[], PetscReal cell, TwinfeBoxGrid *g);
PETSC_INTERN PetscErrorCode TwinfeBoxGridDestroy_Private(TwinfeBoxGrid *g);
/* The bounding box of an item of nv vertices idx[0..nv-1] in xyz. */
PETSC_INTERN void TwinfeItemBox_Private(const PetscReal xyz[], int nv, const PetscInt *idx, PetscReal lo[3], PetscReal hi[3]);
/* Cell range [c0, c1] of the box lo..hi (clamped to the grid). */
PETSC_INTERN void TwinfeBoxGridRange_Private(const TwinfeBoxGrid *g, const PetscReal lo[3], const PetscReal hi[3], PetscInt c0[3],
                                             PetscInt c1[3]);
