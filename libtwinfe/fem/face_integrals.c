/* Integrals over tagged boundary faces: totals over all ranks (area, flow rate, force) and
 * values face by face (wall shear stress), from the face loop of TwinfeSpaceAssembleFaceVector.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

#include <twinfe/core.h>

/* Receives face i (index into the space's face arrays) and the kernel's nout values there. */
typedef PetscErrorCode (*FaceVisitor)(TwinfeSpace space, PetscInt i, const PetscScalar values[], void *vctx);

static PetscErrorCode CheckKernel(TwinfeSpace space, TwinfeFaceVectorKernel kernel, PetscInt nout)
{
  PetscFunctionBeginUser;
  PetscCheck(kernel, space->comm, PETSC_ERR_ARG_NULL,
             "face integral: the kernel is NULL; pass the function that sums the integrand");
  PetscCheck(nout >= 1, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "face integral: %" PetscInt_FMT " values per face requested; a kernel writes at least 1", nout);
  PetscFunctionReturn(0);
}

/* This rank's faces with the tag; refused (on every rank alike) when no rank has one. */
static PetscErrorCode CountTaggedFaces(TwinfeSpace space, PetscInt tag, PetscInt *nlocal)
{
  PetscInt nglobal;

  PetscFunctionBeginUser;
  *nlocal = 0;
  for (PetscInt i = 0; i < space->nfaces; ++i)
    if (space->face_tag[i] == tag) ++*nlocal;
  PetscCall(MPIU_Allreduce(nlocal, &nglobal, 1, MPIU_INT, MPI_SUM, space->comm));
  PetscCheck(nglobal > 0, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "no face of the mesh carries \"Face Sets\" tag %" PetscInt_FMT
             ": name a facet tag the mesh has (a region's outer surface is its region number, the interface of regions a < b "
             "is 1000*a+b)",
             tag);
  PetscFunctionReturn(0);
}

/* A face between two regions is seen from whichever of its cells the rank owning it has first,
   which depends on the partition. Its normal is turned to point out of the region with the
   higher label, into the lower one (as the mesh orients interface facets), so a flux through
   an interface has one sign on any number of ranks. An outer face's cell is its only one. */
static void OrientFromHigherRegion(TwinfeSpace space, PetscInt c, PetscInt tag, PetscReal normal[3])
{
  PetscInt larger, smaller;
  TwinfeFacetTagLabels(tag, &larger, &smaller);
  if (smaller > 0 && space->region[c] == smaller)
    for (int k = 0; k < 3; ++k)
      normal[k] = -normal[k];
}

/* Runs kernel on every face of this rank with the tag and hands its values to visit. */
static PetscErrorCode ForEachTaggedFace(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U, TwinfeFaceVectorKernel kernel,
                                        void *ctx, PetscInt nout, FaceVisitor visit, void *vctx)
{
  TwinfeRule        *rule;
  TwinfeElementWork  work;
  const PetscScalar *ulocal;
  PetscScalar       *values;
  PetscReal          normal[3];
  PetscErrorCode     ierr = 0;

  PetscFunctionBeginUser;
  /* Every face rule has the points of face 0's: one work size serves the four faces. */
  PetscCall(TwinfeSpaceGetFaceRule(space, qorder, 0, &rule));
  PetscCall(TwinfeElementWorkCreate(space, rule, PETSC_FALSE, &work));
  PetscCall(PetscMalloc1(nout, &values));
  PetscCall(TwinfeSpaceGetLocalState(space, U, &ulocal));
  for (PetscInt i = 0; i < space->nfaces; ++i) {
    TwinfeFaceElement fe;
    if (space->face_tag[i] != tag) continue;
    ierr = TwinfeSpaceFaceElementSetUp(space, i, qorder, ulocal, &work, normal, &fe);
    if (ierr) break;
    OrientFromHigherRegion(space, space->face_cell[i], tag, normal);
    PetscCall(PetscArrayzero(values, nout));
    ierr = kernel(&fe, values, ctx); /* on failure: release what the loop holds, then report */
    if (ierr) break;
    ierr = visit(space, i, values, vctx);
    if (ierr) break;
  }
  PetscCall(TwinfeSpaceRestoreLocalState(space, U, &ulocal));
  PetscCall(PetscFree(values));
  PetscCall(TwinfeElementWorkDestroy(&work));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt   nout;
  PetscReal *sum;
} FaceSum;

static PetscErrorCode AddToSum(TwinfeSpace space, PetscInt i, const PetscScalar values[], void *vctx)
{
  FaceSum *s = (FaceSum *)vctx;

  PetscFunctionBeginUser;
  (void)space, (void)i;
  for (PetscInt k = 0; k < s->nout; ++k)
    s->sum[k] += PetscRealPart(values[k]);
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceIntegrateFaces - Sum over the faces tagged tag, on all ranks, of the nout values a
  face kernel adds up. Collective.
@*/
PetscErrorCode TwinfeSpaceIntegrateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U, TwinfeFaceVectorKernel kernel,
                                         void *ctx, PetscInt nout, PetscReal out[])
{
  PetscInt n;
  FaceSum  s = {nout, out};

  PetscFunctionBeginUser;
  PetscCall(CheckKernel(space, kernel, nout));
  PetscCall(CountTaggedFaces(space, tag, &n));
  PetscCall(PetscArrayzero(out, nout));
  PetscCall(ForEachTaggedFace(space, tag, qorder, U, kernel, ctx, nout, AddToSum, &s));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, out, nout, MPIU_REAL, MPIU_SUM, space->comm));
  PetscFunctionReturn(0);
}

/* The DMPlex point of local face `local` of cell c: the cone face whose closure lacks the
   opposite vertex. */
static PetscErrorCode FacePoint(TwinfeSpace space, PetscInt c, PetscInt local, PetscInt *point)
{
  const PetscInt *cone;
  PetscInt        opposite = space->cell_vertices[4 * c + local], depth;

  PetscFunctionBeginUser;
  *point = -1;
  PetscCall(DMPlexGetDepth(space->dm, &depth));
  PetscCheck(depth == 3, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeSpaceEvaluateFaces names faces by their DMPlex points, which a cell-vertex mesh does not have: build "
             "the space on an interpolated mesh (TwinfePartitionRefine, not TwinfePartitionRefineCellVertex)");
  PetscCall(DMPlexGetCone(space->dm, c + space->cStart, &cone));
  for (PetscInt k = 0; k < 4 && *point < 0; ++k) {
    PetscInt *closure = NULL, n;
    PetscBool has     = PETSC_FALSE;
    PetscCall(DMPlexGetTransitiveClosure(space->dm, cone[k], PETSC_TRUE, &n, &closure));
    for (PetscInt j = 0; j < n; ++j)
      if (closure[2 * j] == opposite) has = PETSC_TRUE;
    PetscCall(DMPlexRestoreTransitiveClosure(space->dm, cone[k], PETSC_TRUE, &n, &closure));
    if (!has) *point = cone[k];
  }
  PetscCheck(*point >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "cell %" PetscInt_FMT " has no face opposite its vertex %" PetscInt_FMT, c + space->cStart, local);
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt   nout, n;
  PetscInt  *faces;
  PetscReal *values;
} FaceTable;

static PetscErrorCode StoreFace(TwinfeSpace space, PetscInt i, const PetscScalar values[], void *vctx)
{
  FaceTable *t = (FaceTable *)vctx;

  PetscFunctionBeginUser;
  PetscCall(FacePoint(space, space->face_cell[i], space->face_local[i], &t->faces[3 * t->n]));
  t->faces[3 * t->n + 1] = space->face_cell[i];
  t->faces[3 * t->n + 2] = space->face_local[i];
  for (PetscInt k = 0; k < t->nout; ++k)
    t->values[t->nout * t->n + k] = PetscRealPart(values[k]);
  t->n++;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeSpaceEvaluateFaces - The nout values of a face kernel on each of this rank's faces
  tagged tag, with each face's DMPlex point, local cell and local face. Collective; the output
  is local and the caller frees both arrays with PetscFree.
@*/
PetscErrorCode TwinfeSpaceEvaluateFaces(TwinfeSpace space, PetscInt tag, PetscInt qorder, Vec U, TwinfeFaceVectorKernel kernel,
                                        void *ctx, PetscInt nout, PetscInt *nfaces, PetscInt **faces, PetscReal **values)
{
  PetscInt       n;
  FaceTable      t = {nout, 0, NULL, NULL};
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *nfaces = 0;
  *faces  = NULL;
  *values = NULL;
  PetscCall(CheckKernel(space, kernel, nout));
  PetscCall(CountTaggedFaces(space, tag, &n));
  PetscCall(PetscMalloc1(3 * n, &t.faces));
  PetscCall(PetscMalloc1(nout * n, &t.values));
  ierr = ForEachTaggedFace(space, tag, qorder, U, kernel, ctx, nout, StoreFace, &t);
  if (ierr) { /* a failed kernel leaves no table behind */
    PetscCall(PetscFree(t.faces));
    PetscCall(PetscFree(t.values));
  }
  PetscCall(ierr);
  *faces  = t.faces;
  *values = t.values;
  *nfaces = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode AreaKernel(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  PetscFunctionBeginUser;
  (void)ctx;
  for (PetscInt q = 0; q < f->nq; ++q)
    r[0] += f->w[q];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceComputeFaceArea(TwinfeSpace space, PetscInt tag, PetscReal *area)
{
  PetscFunctionBeginUser;
  /* The measure of an affine face is its constant Jacobian: a rule of degree 0 is exact. */
  PetscCall(TwinfeSpaceIntegrateFaces(space, tag, 0, NULL, AreaKernel, NULL, 1, area));
  PetscFunctionReturn(0);
}

/* Value of component k of field at quadrature point q of a face element. */
static inline PetscScalar FieldValue(const TwinfeFaceElement *f, PetscInt field, PetscInt q, PetscInt k)
{
  const PetscInt   nb = f->nbasis[field], nc = f->ncomp[field], off = f->offset[field];
  const PetscReal *B = &f->B[field][q * nb];
  PetscScalar      v = 0;

  for (PetscInt a = 0; a < nb; ++a)
    v += B[a] * f->u[off + a * nc + k];
  return v;
}

static PetscErrorCode FluxKernel(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  const PetscInt field = *(const PetscInt *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < f->nq; ++q) {
    PetscScalar un = 0;
    for (PetscInt k = 0; k < 3; ++k)
      un += FieldValue(f, field, q, k) * f->normal[k];
    r[0] += f->w[q] * un;
  }
  PetscFunctionReturn(0);
}

/* r[0] = area, r[1 + k] = integral of component k. */
static PetscErrorCode ComponentKernel(const TwinfeFaceElement *f, PetscScalar r[], void *ctx)
{
  const PetscInt field = *(const PetscInt *)ctx;

  PetscFunctionBeginUser;
  for (PetscInt q = 0; q < f->nq; ++q) {
    r[0] += f->w[q];
    for (PetscInt k = 0; k < f->ncomp[field]; ++k)
      r[1 + k] += f->w[q] * FieldValue(f, field, q, k);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckField(TwinfeSpace space, PetscInt field, Vec U)
{
  PetscFunctionBeginUser;
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "face integral: field %" PetscInt_FMT " does not exist; the space has fields 0..%" PetscInt_FMT, field,
             space->nfields - 1);
  PetscCheck(U, space->comm, PETSC_ERR_ARG_NULL, "face integral of field %" PetscInt_FMT ": the solution vector is NULL", field);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceComputeFaceFlux(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal *flux)
{
  PetscFunctionBeginUser;
  PetscCall(CheckField(space, field, U));
  PetscCheck(space->ncomp[field] == 3, space->comm, PETSC_ERR_ARG_WRONG,
             "face flux: field %" PetscInt_FMT " has %" PetscInt_FMT " components; a flux u.n needs a vector field of 3", field,
             space->ncomp[field]);
  /* On an affine face n is constant: u.n has the field's degree. */
  PetscCall(TwinfeSpaceIntegrateFaces(space, tag, space->degree[field], U, FluxKernel, &field, 1, flux));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceComputeFaceMean(TwinfeSpace space, PetscInt tag, PetscInt field, Vec U, PetscReal mean[])
{
  PetscReal *sums;
  PetscInt   nc;

  PetscFunctionBeginUser;
  PetscCall(CheckField(space, field, U));
  nc = space->ncomp[field];
  PetscCall(PetscMalloc1(1 + nc, &sums));
  PetscCall(TwinfeSpaceIntegrateFaces(space, tag, space->degree[field], U, ComponentKernel, &field, 1 + nc, sums));
  for (PetscInt k = 0; k < nc; ++k)
    mean[k] = sums[1 + k] / sums[0];
  PetscCall(PetscFree(sums));
  PetscFunctionReturn(0);
}

void TwinfeFaceElementAsElement(const TwinfeFaceElement *face, TwinfeElement *element)
{
  element->cell    = face->cell;
  element->region  = face->region;
  element->nq      = face->nq;
  element->x       = face->x;
  element->w       = face->w;
  element->nfields = face->nfields;
  element->nbasis  = face->nbasis;
  element->ncomp   = face->ncomp;
  element->offset  = face->offset;
  element->ndof    = face->ndof;
  for (PetscInt f = 0; f < face->nfields; ++f) {
    element->B[f] = face->B[f];
    element->D[f] = face->D[f];
  }
  element->u = face->u;
}
