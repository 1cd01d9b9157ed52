/* TwinfeMesh: the container, its getters and region names.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

PetscReal TwinfeTetDet_Private(const PetscReal a[3], const PetscReal b[3], const PetscReal c[3], const PetscReal d[3])
{
  const PetscReal u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
  const PetscReal v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
  const PetscReal w[3] = {d[0] - a[0], d[1] - a[1], d[2] - a[2]};

  return u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0]);
}

static PetscErrorCode CheckIndices(const char what[], PetscInt n, PetscInt per, const PetscInt idx[], PetscInt nvertices)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n * per; i++)
    PetscCheck(idx[i] >= 0 && idx[i] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreate: %s %" PetscInt_FMT " refers to vertex %" PetscInt_FMT
               ", but vertex indices must lie in [0, %" PetscInt_FMT ")",
               what, i / per, idx[i], nvertices);
  PetscFunctionReturn(0);
}

/* Swap two vertices of every negatively oriented tet: the stored convention is det > 0
   whatever the source (Gmsh, a file, the caller) used. */
static PetscErrorCode OrientTetsPositively(TwinfeMesh mesh)
{
  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    PetscInt *v = &mesh->tets[4 * t];
    if (TwinfeTetDet_Private(&mesh->xyz[3 * v[0]], &mesh->xyz[3 * v[1]], &mesh->xyz[3 * v[2]], &mesh->xyz[3 * v[3]]) < 0) {
      PetscInt swap = v[2];
      v[2]          = v[3];
      v[3]          = swap;
    }
  }
  PetscFunctionReturn(0);
}

static int CompareInt32(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* The distinct region labels, ascending, each with the default name region_<label>. */
static PetscErrorCode CollectRegions(TwinfeMesh mesh)
{
  int32_t *sorted;
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(mesh->ntets + 1, &sorted));
  if (mesh->ntets) PetscCall(PetscArraycpy(sorted, mesh->regions, mesh->ntets));
  qsort(sorted, (size_t)mesh->ntets, sizeof(int32_t), CompareInt32);
  for (PetscInt t = 0; t < mesh->ntets; t++)
    if (n == 0 || sorted[n - 1] != sorted[t]) sorted[n++] = sorted[t];
  mesh->nregions = n;
  PetscCall(PetscMalloc1(n + 1, &mesh->region_labels));
  PetscCall(PetscCalloc1(n + 1, &mesh->region_names));
  for (PetscInt r = 0; r < n; r++) {
    char name[64];
    mesh->region_labels[r] = sorted[r];
    PetscCall(PetscSNPrintf(name, sizeof name, "region_%d", (int)sorted[r]));
    PetscCall(PetscStrallocpy(name, &mesh->region_names[r]));
  }
  PetscCall(PetscFree(sorted));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntets, const PetscInt tets[],
                                const int32_t regions[], PetscInt nfacets, const PetscInt facets[], const int32_t facet_tags[],
                                TwinfeMesh *mesh)
{
  TwinfeMesh m;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  *mesh = NULL;
  PetscCheck(nvertices >= 0 && ntets >= 0 && nfacets >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMeshCreate: counts must be >= 0, got %" PetscInt_FMT " vertices, %" PetscInt_FMT " tets, %" PetscInt_FMT
             " facets",
             nvertices, ntets, nfacets);
  PetscCheck(!nvertices || xyz, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "TwinfeMeshCreate: xyz is NULL for %" PetscInt_FMT " vertices", nvertices);
  PetscCheck(!ntets || (tets && regions), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "TwinfeMeshCreate: tets or regions is NULL for %" PetscInt_FMT " tets", ntets);
  PetscCheck(!nfacets || (facets && facet_tags), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "TwinfeMeshCreate: facets or facet_tags is NULL for %" PetscInt_FMT " facets", nfacets);
  PetscCall(CheckIndices("tet", ntets, 4, tets, nvertices));
  PetscCall(CheckIndices("facet", nfacets, 3, facets, nvertices));
  for (PetscInt t = 0; t < ntets; t++)
    PetscCheck(regions[t] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreate: tet %" PetscInt_FMT " has region label %d, but region labels must be > 0 (0 is background)", t,
               (int)regions[t]);

  PetscCall(PetscNew(&m));
  m->nvertices = nvertices;
  m->ntets     = ntets;
  m->nfacets   = nfacets;
  PetscCall(PetscMalloc1(3 * nvertices + 1, &m->xyz));
  PetscCall(PetscMalloc1(4 * ntets + 1, &m->tets));
  PetscCall(PetscMalloc1(ntets + 1, &m->regions));
  PetscCall(PetscMalloc1(3 * nfacets + 1, &m->facets));
  PetscCall(PetscMalloc1(nfacets + 1, &m->facet_tags));
  if (nvertices) PetscCall(PetscArraycpy(m->xyz, xyz, 3 * nvertices));
  if (ntets) PetscCall(PetscArraycpy(m->tets, tets, 4 * ntets));
  if (ntets) PetscCall(PetscArraycpy(m->regions, regions, ntets));
  if (nfacets) PetscCall(PetscArraycpy(m->facets, facets, 3 * nfacets));
  if (nfacets) PetscCall(PetscArraycpy(m->facet_tags, facet_tags, nfacets));
  PetscCall(OrientTetsPositively(m));
  PetscCall(CollectRegions(m));
  *mesh = m;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshDestroy(TwinfeMesh *mesh)
{
  PetscFunctionBeginUser;
  if (!mesh || !*mesh) PetscFunctionReturn(0);
  for (PetscInt r = 0; r < (*mesh)->nregions; r++)
    PetscCall(PetscFree((*mesh)->region_names[r]));
  PetscCall(PetscFree((*mesh)->region_names));
  PetscCall(PetscFree((*mesh)->region_labels));
  PetscCall(PetscFree((*mesh)->xyz));
  PetscCall(PetscFree((*mesh)->tets));
  PetscCall(PetscFree((*mesh)->regions));
  PetscCall(PetscFree((*mesh)->facets));
  PetscCall(PetscFree((*mesh)->facet_tags));
  PetscCall(TwinfeMeshForgetCellMeasures_Private(*mesh));
  PetscCall(PetscFree(*mesh));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetVertices(TwinfeMesh mesh, PetscInt *nvertices, const PetscReal **xyz)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  if (nvertices) *nvertices = mesh->nvertices;
  if (xyz) *xyz = mesh->xyz;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetTetrahedra(TwinfeMesh mesh, PetscInt *ntets, const PetscInt **tets, const int32_t **regions)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  if (ntets) *ntets = mesh->ntets;
  if (tets) *tets = mesh->tets;
  if (regions) *regions = mesh->regions;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetFacets(TwinfeMesh mesh, PetscInt *nfacets, const PetscInt **facets, const int32_t **tags)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  if (nfacets) *nfacets = mesh->nfacets;
  if (facets) *facets = mesh->facets;
  if (tags) *tags = mesh->facet_tags;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetRegions(TwinfeMesh mesh, PetscInt *nregions, const int32_t **labels)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  if (nregions) *nregions = mesh->nregions;
  if (labels) *labels = mesh->region_labels;
  PetscFunctionReturn(0);
}

static PetscErrorCode FindRegion(TwinfeMesh mesh, int32_t label, PetscInt *index)
{
  PetscFunctionBeginUser;
  *index = -1;
  for (PetscInt r = 0; r < mesh->nregions; r++)
    if (mesh->region_labels[r] == label) *index = r;
  PetscCheck(*index >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMesh: region label %d has no tetrahedra in this mesh; use a label from TwinfeMeshGetRegions", (int)label);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetRegionName(TwinfeMesh mesh, int32_t label, const char **name)
{
  PetscInt r;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(name);
  PetscCall(FindRegion(mesh, label, &r));
  *name = mesh->region_names[r];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshSetRegionName(TwinfeMesh mesh, int32_t label, const char name[])
{
  PetscInt  r;
  size_t    len;
  PetscBool has_space = PETSC_FALSE;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  PetscCheck(name, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeMeshSetRegionName: name of region %d is NULL", (int)label);
  PetscCall(PetscStrlen(name, &len));
  for (size_t i = 0; i < len; i++)
    if (name[i] == ' ' || name[i] == '"' || name[i] == '\n') has_space = PETSC_TRUE;
  /* A name becomes a Gmsh physical name and part of facet group names: keep it one token. */
  PetscCheck(len > 0 && !has_space, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeMeshSetRegionName: name \"%s\" of region %d must be non-empty without spaces, quotes or newlines", name,
             (int)label);
  PetscCall(FindRegion(mesh, label, &r));
  PetscCall(PetscFree(mesh->region_names[r]));
  PetscCall(PetscStrallocpy(name, &mesh->region_names[r]));
  PetscFunctionReturn(0);
}
