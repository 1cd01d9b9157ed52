/* The faces of a tet mesh, sorted so that equal faces are neighbours: how the .msh reader finds
 * folds and derives facets, and how the vessel models check and turn their facets.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <stdlib.h>

int TwinfeFaceCompare_Private(const void *a, const void *b)
{
  const TwinfeFace *x = (const TwinfeFace *)a, *y = (const TwinfeFace *)b;
  for (int k = 0; k < 3; k++)
    if (x->v[k] != y->v[k]) return x->v[k] < y->v[k] ? -1 : 1;
  return 0;
}

/* All 4 ntets faces sorted: a counting sort on the smallest vertex, then a sort within each
   vertex's few faces, so equal faces are neighbours. */
PetscErrorCode TwinfeSortedFaces_Private(PetscInt nv, PetscInt ntets, const PetscInt tets[], TwinfeFace **faces)
{
  PetscInt   *start;
  TwinfeFace *f;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nv + 1, &start));
  PetscCall(PetscMalloc1(4 * ntets + 1, &f));
  for (PetscInt t = 0; t < ntets; t++)
    for (int k = 0; k < 4; k++) {
      PetscInt v[3] = {tets[4 * t + (k + 1) % 4], tets[4 * t + (k + 2) % 4], tets[4 * t + (k + 3) % 4]};
      TwinfeSortThree_Private(v);
      start[v[0] + 1]++;
    }
  for (PetscInt v = 0; v < nv; v++)
    start[v + 1] += start[v];
  for (PetscInt t = 0; t < ntets; t++)
    for (int k = 0; k < 4; k++) {
      TwinfeFace face = {{tets[4 * t + (k + 1) % 4], tets[4 * t + (k + 2) % 4], tets[4 * t + (k + 3) % 4]}, t, tets[4 * t + k]};
      TwinfeSortThree_Private(face.v);
      f[start[face.v[0]]++] = face;
    }
  for (PetscInt v = nv; v > 0; v--)
    start[v] = start[v - 1];
  start[0] = 0;
  for (PetscInt v = 0; v < nv; v++)
    qsort(&f[start[v]], (size_t)(start[v + 1] - start[v]), sizeof *f, TwinfeFaceCompare_Private);
  PetscCall(PetscFree(start));
  *faces = f;
  PetscFunctionReturn(0);
}

/* The face of f (sorted) in the sorted list, or -1. */
PetscInt TwinfeFindFace_Private(PetscInt nfaces, const TwinfeFace faces[], const PetscInt v[3])
{
  TwinfeFace        key = {{v[0], v[1], v[2]}, 0, 0};
  const TwinfeFace *hit = (const TwinfeFace *)bsearch(&key, faces, (size_t)nfaces, sizeof key, TwinfeFaceCompare_Private);
  if (!hit) return -1;
  while (hit > faces && !TwinfeFaceCompare_Private(hit - 1, &key))
    hit--;
  return (PetscInt)(hit - faces);
}
