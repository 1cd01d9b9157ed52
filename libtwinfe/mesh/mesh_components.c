/* Connected parts of a TwinfeMesh: tets that share a vertex belong to one part.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Union-find over the vertices (union by size, path halving): one pass over the tets joins
 * each tet's four vertices, so the cost is close to linear in the number of tets and needs
 * no DMPlex, which a case only builds after it has distributed the mesh. */
#include "meshimpl.h"

static PetscInt FindRoot(PetscInt parent[], PetscInt v)
{
  while (parent[v] != v) {
    parent[v] = parent[parent[v]];
    v         = parent[v];
  }
  return v;
}

static void Join(PetscInt parent[], PetscInt size[], PetscInt a, PetscInt b)
{
  a = FindRoot(parent, a), b = FindRoot(parent, b);
  if (a == b) return;
  if (size[a] < size[b]) {
    const PetscInt s = a;
    a = b, b = s;
  }
  parent[b] = a;
  size[a] += size[b];
}

PetscErrorCode TwinfeMeshGetComponents(TwinfeMesh mesh, PetscInt *ncomponents, PetscInt tet_component[],
                                       PetscInt vertex_component[])
{
  PetscInt *parent, *size, *number, n = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(mesh->nvertices, &parent, mesh->nvertices, &size, mesh->nvertices, &number));
  for (PetscInt v = 0; v < mesh->nvertices; ++v)
    parent[v] = v, size[v] = 1, number[v] = -1;
  for (PetscInt t = 0; t < mesh->ntets; ++t)
    for (int k = 1; k < 4; ++k)
      Join(parent, size, mesh->tets[4 * t], mesh->tets[4 * t + k]);
  /* Parts are numbered in the order of their first tet, so the numbering depends on the mesh only. */
  for (PetscInt t = 0; t < mesh->ntets; ++t) {
    const PetscInt root = FindRoot(parent, mesh->tets[4 * t]);
    if (number[root] < 0) number[root] = n++;
    if (tet_component) tet_component[t] = number[root];
  }
  if (vertex_component)
    for (PetscInt v = 0; v < mesh->nvertices; ++v)
      vertex_component[v] = number[FindRoot(parent, v)]; /* -1 for a vertex no tet uses */
  *ncomponents = n;
  PetscCall(PetscFree3(parent, size, number));
  PetscFunctionReturn(0);
}
