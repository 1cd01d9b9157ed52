/* TwinfeMeshGetCaps: what each cap (inlet, outlet) of a mesh is, measured on its facets: the
 * figures a flow solver needs to set a profile on it (area, centre, normal, radius) and to
 * trust it (flatness).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <twinfe/core.h>

/* The facet's area vector (its normal times its area), by the right-hand rule on its vertex
   order, and its centroid. */
static void FacetGeometry(TwinfeMesh mesh, PetscInt f, PetscReal area_vector[3], PetscReal centroid[3])
{
  const PetscReal *a = &mesh->xyz[3 * mesh->facets[3 * f]], *b = &mesh->xyz[3 * mesh->facets[3 * f + 1]],
                  *c   = &mesh->xyz[3 * mesh->facets[3 * f + 2]];
  const PetscReal u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};

  area_vector[0] = 0.5 * (u[1] * v[2] - u[2] * v[1]);
  area_vector[1] = 0.5 * (u[2] * v[0] - u[0] * v[2]);
  area_vector[2] = 0.5 * (u[0] * v[1] - u[1] * v[0]);
  for (int d = 0; d < 3; d++)
    centroid[d] = (a[d] + b[d] + c[d]) / 3;
}

/* Area, centre and normal from the facets tagged cap->tag; then the flatness about that plane. */
static void MeasureCap(TwinfeMesh mesh, TwinfeCapInfo *cap)
{
  PetscReal sum[3] = {0, 0, 0}, moment[3] = {0, 0, 0}, len;

  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    PetscReal av[3], c[3], area;
    if (mesh->facet_tags[f] != cap->tag) continue;
    FacetGeometry(mesh, f, av, c);
    area = PetscSqrtReal(av[0] * av[0] + av[1] * av[1] + av[2] * av[2]);
    cap->nfacets++;
    cap->area += area;
    for (int d = 0; d < 3; d++) {
      sum[d] += av[d];
      moment[d] += area * c[d];
    }
  }
  len = PetscSqrtReal(sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]);
  for (int d = 0; d < 3; d++) {
    cap->center[d] = cap->area > 0 ? moment[d] / cap->area : 0;
    cap->normal[d] = len > 0 ? sum[d] / len : 0;
  }
  cap->radius = PetscSqrtReal(cap->area / PETSC_PI);
  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    if (mesh->facet_tags[f] != cap->tag) continue;
    for (int k = 0; k < 3; k++) {
      const PetscReal *x    = &mesh->xyz[3 * mesh->facets[3 * f + k]];
      const PetscReal  dist = (x[0] - cap->center[0]) * cap->normal[0] + (x[1] - cap->center[1]) * cap->normal[1] +
                             (x[2] - cap->center[2]) * cap->normal[2];
      cap->flatness = PetscMax(cap->flatness, PetscAbsReal(dist));
    }
  }
}

PetscErrorCode TwinfeMeshGetCaps(TwinfeMesh mesh, PetscInt *ncaps, TwinfeCapInfo **caps)
{
  PetscInt ntags, *counts, n = 0;
  int32_t *tags;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(ncaps);
  TwinfeCheckArgNull_Private(caps);
  *ncaps = 0;
  *caps  = NULL;
  PetscCall(TwinfeMeshCountFacetsByTag(mesh, &ntags, &tags, &counts));
  for (PetscInt t = 0; t < ntags; t++)
    n += TwinfeCapIndex(tags[t]) > 0;
  if (n) PetscCall(PetscCalloc1(n, caps));
  n = 0;
  for (PetscInt t = 0; t < ntags; t++) {
    TwinfeCapInfo *cap = *caps ? &(*caps)[n] : NULL;
    PetscInt       larger, smaller;
    if (TwinfeCapIndex(tags[t]) == 0) continue;
    TwinfeFacetTagLabels(tags[t], &larger, &smaller);
    cap->tag   = tags[t];
    cap->label = (int32_t)larger;
    cap->cap   = TwinfeCapIndex(tags[t]);
    MeasureCap(mesh, cap);
    n++;
  }
  *ncaps = n;
  PetscCall(PetscFree(tags));
  PetscCall(PetscFree(counts));
  PetscFunctionReturn(0);
}
