/* TwinfeMeshMergeDuplicateVertices: joining a vertex that a mesher left in two copies.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Gmsh 4.8.4's HXT on several threads leaves a few vertices twice, at the very same place, each
 * copy carrying part of the vertex's tets (on the CT kidney case: 1-4 vertices per run, copies
 * with 2 and 20 tets, 27 and 1). Joined, every such star measured here was whole: 22-30 tets, no
 * face used more than twice, none flat or inverted. So copies are joined, and the join is
 * accepted only when the star around each joined vertex is whole again: every face through it
 * is shared by two of its tets, or by one tet and a boundary or interface facet; no tet of it
 * uses the vertex twice or has a volume <= 0. Anything else is refused as the crack it is. */
#include "meshimpl.h"

typedef struct {
  const PetscReal *xyz;
} Places;

static Places sort_places; /* qsort has no context argument; set only around the one call */

static int ComparePlace(const void *a, const void *b)
{
  const PetscInt   i = *(const PetscInt *)a, j = *(const PetscInt *)b;
  const PetscReal *p = &sort_places.xyz[3 * i], *q = &sort_places.xyz[3 * j];
  for (int d = 0; d < 3; d++)
    if (p[d] != q[d]) return p[d] < q[d] ? -1 : 1;
  return (i > j) - (i < j);
}

/* keep[v]: the vertex v is joined into (the lowest index at its place); *njoined copies. */
static PetscErrorCode FindCopies(TwinfeMesh mesh, PetscInt keep[], PetscInt *njoined)
{
  PetscInt *order;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(mesh->nvertices + 1, &order));
  for (PetscInt v = 0; v < mesh->nvertices; v++)
    order[v] = v, keep[v] = v;
  sort_places.xyz = mesh->xyz;
  qsort(order, (size_t)mesh->nvertices, sizeof(PetscInt), ComparePlace);
  *njoined = 0;
  for (PetscInt i = 1, first = 0; i < mesh->nvertices; i++) {
    const PetscReal *p = &mesh->xyz[3 * order[first]], *q = &mesh->xyz[3 * order[i]];
    if (p[0] == q[0] && p[1] == q[1] && p[2] == q[2]) {
      keep[order[i]] = order[first]; /* the sort puts the lowest index of a place first */
      (*njoined)++;
    } else
      first = i;
  }
  PetscCall(PetscFree(order));
  PetscFunctionReturn(0);
}

static int CompareTriple(const void *a, const void *b)
{
  const PetscInt *p = (const PetscInt *)a, *q = (const PetscInt *)b;
  for (int k = 0; k < 3; k++)
    if (p[k] != q[k]) return p[k] < q[k] ? -1 : 1;
  return 0;
}

/* Is the star of every joined vertex whole (see the head of the file)? On failure *bad is a
   vertex where it is not. */
static PetscErrorCode CheckJoinedStars(TwinfeMesh mesh, const PetscBool joined[], PetscInt *bad)
{
  PetscInt *faces, nfaces = 0, *facet_faces, nfacet = 0, cap = 0;

  PetscFunctionBeginUser;
  *bad = -1;
  for (PetscInt t = 0; t < mesh->ntets; t++)
    for (int k = 0; k < 4; k++)
      if (joined[mesh->tets[4 * t + k]]) cap += 3;
  PetscCall(PetscMalloc1(3 * cap + 3, &faces));
  PetscCall(PetscMalloc1(3 * mesh->nfacets + 3, &facet_faces));
  for (PetscInt t = 0; t < mesh->ntets && *bad < 0; t++) {
    const PetscInt  *T = &mesh->tets[4 * t];
    const PetscReal *p[4];
    PetscBool        star = PETSC_FALSE;
    for (int k = 0; k < 4; k++)
      star = (PetscBool)(star || joined[T[k]]);
    if (!star) continue;
    for (int k = 0; k < 4; k++)
      p[k] = &mesh->xyz[3 * T[k]];
    for (int a = 0; a < 4; a++)
      for (int b = a + 1; b < 4; b++)
        if (T[a] == T[b]) *bad = T[a]; /* a copy joined into a vertex of the same tet: flat */
    if (*bad < 0 && TwinfeTetDet_Private(p[0], p[1], p[2], p[3]) <= 0) *bad = T[0];
    for (int omit = 0; omit < 4; omit++) { /* the faces through a joined vertex */
      PetscInt  f[3], n = 0;
      PetscBool through = PETSC_FALSE;
      for (int k = 0; k < 4; k++)
        if (k != omit) f[n++] = T[k];
      for (int k = 0; k < 3; k++)
        through = (PetscBool)(through || joined[f[k]]);
      if (!through) continue;
      TwinfeSortThree_Private(f);
      PetscCall(PetscArraycpy(&faces[3 * nfaces++], f, 3));
    }
  }
  for (PetscInt i = 0; i < mesh->nfacets; i++) {
    PetscInt f[3] = {mesh->facets[3 * i], mesh->facets[3 * i + 1], mesh->facets[3 * i + 2]};
    if (!joined[f[0]] && !joined[f[1]] && !joined[f[2]]) continue;
    TwinfeSortThree_Private(f);
    PetscCall(PetscArraycpy(&facet_faces[3 * nfacet++], f, 3));
  }
  qsort(faces, (size_t)nfaces, 3 * sizeof(PetscInt), CompareTriple);
  qsort(facet_faces, (size_t)nfacet, 3 * sizeof(PetscInt), CompareTriple);
  for (PetscInt i = 0, j; i < nfaces && *bad < 0; i = j) {
    PetscBool facet;
    for (j = i; j < nfaces && !CompareTriple(&faces[3 * i], &faces[3 * j]); j++) {
    }
    facet = (PetscBool)(bsearch(&faces[3 * i], facet_faces, (size_t)nfacet, 3 * sizeof(PetscInt), CompareTriple) != NULL);
    if (!(j - i == 2 || (j - i == 1 && facet))) *bad = faces[3 * i];
  }
  PetscCall(PetscFree(faces));
  PetscCall(PetscFree(facet_faces));
  PetscFunctionReturn(0);
}

/* Drops the joined copies from the vertex list. */
static PetscErrorCode Compact(TwinfeMesh mesh, const PetscInt keep[])
{
  PetscInt  *newid, nv = 0;
  PetscReal *xyz;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(mesh->nvertices + 1, &newid));
  PetscCall(PetscMalloc1(3 * mesh->nvertices + 1, &xyz));
  for (PetscInt v = 0; v < mesh->nvertices; v++) {
    newid[v] = keep[v] == v ? nv : -1;
    if (keep[v] == v) PetscCall(PetscArraycpy(&xyz[3 * nv++], &mesh->xyz[3 * v], 3));
  }
  for (PetscInt i = 0; i < 4 * mesh->ntets; i++)
    mesh->tets[i] = newid[mesh->tets[i]];
  for (PetscInt i = 0; i < 3 * mesh->nfacets; i++)
    mesh->facets[i] = newid[mesh->facets[i]];
  PetscCall(PetscFree(mesh->xyz));
  mesh->xyz       = xyz;
  mesh->nvertices = nv;
  PetscCall(PetscFree(newid));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshMergeDuplicateVertices(TwinfeMesh mesh, PetscInt *nmerged)
{
  PetscInt  *keep, njoined = 0, bad = -1;
  PetscBool *joined;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(nmerged);
  *nmerged = 0;
  PetscCall(PetscMalloc1(mesh->nvertices + 1, &keep));
  PetscCall(FindCopies(mesh, keep, &njoined));
  if (!njoined) {
    PetscCall(PetscFree(keep));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1(mesh->nvertices + 1, &joined));
  for (PetscInt v = 0; v < mesh->nvertices; v++)
    if (keep[v] != v) joined[keep[v]] = PETSC_TRUE;
  for (PetscInt i = 0; i < 4 * mesh->ntets; i++)
    mesh->tets[i] = keep[mesh->tets[i]];
  for (PetscInt i = 0; i < 3 * mesh->nfacets; i++)
    mesh->facets[i] = keep[mesh->facets[i]];
  PetscCall(CheckJoinedStars(mesh, joined, &bad));
  if (bad < 0) PetscCall(Compact(mesh, keep));
  PetscCall(PetscFree(joined));
  PetscCall(PetscFree(keep));
  PetscCall(TwinfeMeshForgetCellMeasures_Private(mesh));
  PetscCheck(bad < 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "TwinfeMeshMergeDuplicateVertices: %" PetscInt_FMT " vertices lie twice at one place, and joined they do not "
             "close the mesh around (%g, %g, %g) mm (a crack or an overlap): mesh again with -mesh_threads 1",
             njoined, (double)mesh->xyz[3 * bad], (double)mesh->xyz[3 * bad + 1], (double)mesh->xyz[3 * bad + 2]);
  *nmerged = njoined;
  PetscFunctionReturn(0);
}
