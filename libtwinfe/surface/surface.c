/* TwinfeSurface: the container, per-label extraction and enclosed volume.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"

PetscErrorCode TwinfeSurfaceCreateOwning_Private(PetscInt nvertices, PetscReal *xyz, PetscInt ntriangles, PetscInt *tri,
                                                 int32_t *labels, TwinfeSurface *surface)
{
  TwinfeSurface s;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&s));
  s->nvertices  = nvertices;
  s->ntriangles = ntriangles;
  s->xyz        = xyz;
  s->tri        = tri;
  s->labels     = labels;
  *surface      = s;
  PetscFunctionReturn(0);
}

static PetscErrorCode TwinfeSurfaceCheckTriangles_Private(PetscInt nvertices, PetscInt ntriangles, const PetscInt tri[],
                                                          const int32_t labels[])
{
  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < ntriangles; t++) {
    for (int c = 0; c < 3; c++)
      PetscCheck(tri[3 * t + c] >= 0 && tri[3 * t + c] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
                 "TwinfeSurfaceCreate: triangle %" PetscInt_FMT " uses vertex %" PetscInt_FMT ", outside [0, %" PetscInt_FMT ")",
                 t, tri[3 * t + c], nvertices);
    PetscCheck(labels[2 * t] > labels[2 * t + 1] && labels[2 * t + 1] >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeSurfaceCreate: triangle %" PetscInt_FMT " has labels (inside %d, outside %d); need inside > "
               "outside >= 0 (swap them and reverse the triangle's vertex order)",
               t, (int)labels[2 * t], (int)labels[2 * t + 1]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                   const int32_t labels[], TwinfeSurface *surface)
{
  PetscReal *x;
  PetscInt  *t;
  int32_t   *l;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  *surface = NULL;
  PetscCheck(nvertices >= 0 && ntriangles >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceCreate: counts must be >= 0, got %" PetscInt_FMT " vertices and %" PetscInt_FMT " triangles",
             nvertices, ntriangles);
  PetscCall(TwinfeSurfaceCheckTriangles_Private(nvertices, ntriangles, tri, labels));
  PetscCall(PetscMalloc3(3 * nvertices, &x, 3 * ntriangles, &t, 2 * ntriangles, &l));
  PetscCall(PetscArraycpy(x, xyz, 3 * nvertices));
  PetscCall(PetscArraycpy(t, tri, 3 * ntriangles));
  PetscCall(PetscArraycpy(l, labels, 2 * ntriangles));
  PetscCall(TwinfeSurfaceCreateOwning_Private(nvertices, x, ntriangles, t, l, surface));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceDuplicate(TwinfeSurface surface, TwinfeSurface *copy)
{
  TwinfeSurface d;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(copy);
  PetscCheck(!surface->caps_pseudo, PETSC_COMM_SELF, PETSC_ERR_ORDER,
             "TwinfeSurfaceDuplicate: not while the surface is remeshed");
  PetscCall(TwinfeSurfaceCreate(surface->nvertices, surface->xyz, surface->ntriangles, surface->tri, surface->labels, copy));
  d           = *copy;
  d->has_grid = surface->has_grid;
  PetscCall(PetscArraycpy(d->grid_direction, surface->grid_direction, 9));
  PetscCall(PetscArraycpy(d->grid_spacing, surface->grid_spacing, 3));
  d->ncaps = surface->ncaps;
  if (surface->ncaps) {
    PetscCall(PetscMalloc1(surface->ncaps, &d->caps));
    PetscCall(PetscArraycpy(d->caps, surface->caps, surface->ncaps));
  }
  if (surface->tag) {
    PetscCall(PetscMalloc1(surface->ntriangles, &d->tag));
    PetscCall(PetscArraycpy(d->tag, surface->tag, surface->ntriangles));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceDestroy(TwinfeSurface *surface)
{
  PetscFunctionBeginUser;
  if (!surface || !*surface) PetscFunctionReturn(0);
  PetscCall(TwinfeSurfaceCapsDestroy_Private(*surface));
  PetscCall(PetscFree3((*surface)->xyz, (*surface)->tri, (*surface)->labels));
  PetscCall(PetscFree(*surface));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceGetVertices(TwinfeSurface surface, PetscInt *nvertices, const PetscReal **xyz)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  if (nvertices) *nvertices = surface->nvertices;
  if (xyz) *xyz = surface->xyz;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceGetTriangles(TwinfeSurface surface, PetscInt *ntriangles, const PetscInt **tri,
                                         const int32_t **labels)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  if (ntriangles) *ntriangles = surface->ntriangles;
  if (tri) *tri = surface->tri;
  if (labels) *labels = surface->labels;
  PetscFunctionReturn(0);
}

/* +1 if the triangle bounds label from inside (keep its order), -1 from outside (flip), 0 if not. */
static inline int TwinfeTriangleSide_Private(const int32_t labels[], PetscInt t, int32_t label)
{
  if (labels[2 * t] == label) return 1;
  if (labels[2 * t + 1] == label) return -1;
  return 0;
}

PetscErrorCode TwinfeSurfaceExtractLabel(TwinfeSurface surface, int32_t label, PetscInt *nvertices, PetscReal **xyz,
                                         PetscInt *ntriangles, PetscInt **tri)
{
  PetscInt *newid, nv = 0, nt = 0;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  PetscCheck(label > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceExtractLabel: label %d is background or negative; regions have labels > 0", (int)label);
  PetscCall(PetscMalloc1(surface->nvertices, &newid));
  for (PetscInt v = 0; v < surface->nvertices; v++)
    newid[v] = -1;
  for (PetscInt t = 0; t < surface->ntriangles; t++) {
    if (!TwinfeTriangleSide_Private(surface->labels, t, label)) continue;
    nt++;
    for (int c = 0; c < 3; c++)
      if (newid[surface->tri[3 * t + c]] < 0) newid[surface->tri[3 * t + c]] = nv++;
  }
  PetscCall(PetscMalloc1(3 * nv, xyz));
  PetscCall(PetscMalloc1(3 * nt, tri));
  for (PetscInt v = 0; v < surface->nvertices; v++)
    if (newid[v] >= 0)
      for (int d = 0; d < 3; d++)
        (*xyz)[3 * newid[v] + d] = surface->xyz[3 * v + d];
  nt = 0;
  for (PetscInt t = 0; t < surface->ntriangles; t++) {
    int side = TwinfeTriangleSide_Private(surface->labels, t, label);
    if (!side) continue;
    /* the triangle's normal points out of 'inside'; for the outside label reverse it */
    (*tri)[3 * nt + 0] = newid[surface->tri[3 * t + 0]];
    (*tri)[3 * nt + 1] = newid[surface->tri[3 * t + (side > 0 ? 1 : 2)]];
    (*tri)[3 * nt + 2] = newid[surface->tri[3 * t + (side > 0 ? 2 : 1)]];
    nt++;
  }
  PetscCall(PetscFree(newid));
  *nvertices  = nv;
  *ntriangles = nt;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceComputeLabelVolume(TwinfeSurface surface, int32_t label, PetscReal *volume)
{
  PetscReal ref[3] = {0, 0, 0}, sum = 0;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(volume);
  /* Signed tetra volumes against a point near the surface rather than the scanner origin,
     which can be hundreds of mm away and would cost digits to cancellation. */
  for (PetscInt t = 0; t < surface->ntriangles; t++)
    if (TwinfeTriangleSide_Private(surface->labels, t, label)) {
      for (int d = 0; d < 3; d++)
        ref[d] = surface->xyz[3 * surface->tri[3 * t] + d];
      break;
    }
  for (PetscInt t = 0; t < surface->ntriangles; t++) {
    int              side = TwinfeTriangleSide_Private(surface->labels, t, label);
    const PetscReal *p0, *p1, *p2;
    PetscReal        a[3], b[3], c[3];
    if (!side) continue;
    p0 = surface->xyz + 3 * surface->tri[3 * t];
    p1 = surface->xyz + 3 * surface->tri[3 * t + 1];
    p2 = surface->xyz + 3 * surface->tri[3 * t + 2];
    for (int d = 0; d < 3; d++)
      a[d] = p0[d] - ref[d], b[d] = p1[d] - ref[d], c[d] = p2[d] - ref[d];
    sum += side * (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]));
  }
  *volume = sum / 6.0;
  PetscFunctionReturn(0);
}
