/* Element quality and region volumes of a TwinfeMesh.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * gamma = 3 * inradius / circumradius, so the regular tet scores 1 and a flat one 0. This is
 * the classic radius ratio (not Gmsh's own "gamma", which uses volume over the sum of face
 * areas times the longest edge). */
#include "meshimpl.h"

static void Sub(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  for (int i = 0; i < 3; i++)
    c[i] = a[i] - b[i];
}

static void Cross(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1];
  c[1] = a[2] * b[0] - a[0] * b[2];
  c[2] = a[0] * b[1] - a[1] * b[0];
}

static PetscReal Dot(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* With edge vectors a, b, c from vertex 0 and det = a.(b x c): inradius = |det| / (2 S) with
   S the total face area, circumradius = |N| / (2 |det|) with
   N = |a|^2 (b x c) + |b|^2 (c x a) + |c|^2 (a x b). So gamma = 3 det^2 / (S |N|). */
static PetscReal TetGamma(const PetscReal *p[4])
{
  PetscReal a[3], b[3], c[3], bc[3], ca[3], ab[3], n[3], area = 0;
  PetscReal det;

  Sub(p[1], p[0], a);
  Sub(p[2], p[0], b);
  Sub(p[3], p[0], c);
  Cross(b, c, bc);
  Cross(c, a, ca);
  Cross(a, b, ab);
  det = Dot(a, bc);
  if (det <= 0) return 0;
  for (int i = 0; i < 3; i++)
    n[i] = Dot(a, a) * bc[i] + Dot(b, b) * ca[i] + Dot(c, c) * ab[i];
  {
    PetscReal e1[3], e2[3], f[3];
    Sub(p[2], p[1], e1);
    Sub(p[3], p[1], e2);
    Cross(e1, e2, f);
    area =
        0.5 * (PetscSqrtReal(Dot(bc, bc)) + PetscSqrtReal(Dot(ca, ca)) + PetscSqrtReal(Dot(ab, ab)) + PetscSqrtReal(Dot(f, f)));
  }
  return 3 * det * det / (area * PetscSqrtReal(Dot(n, n)));
}

/* Smallest of the six dihedral angles (radians): pi minus the angle between the outward
   normals of the two faces meeting at each edge. */
static PetscReal TetMinDihedral(const PetscReal *p[4])
{
  PetscReal normal[4][3], best = PETSC_PI;

  for (int i = 0; i < 4; i++) {
    const PetscReal *q[3];
    PetscReal        e1[3], e2[3], toward[3], len;
    for (int k = 0, m = 0; k < 4; k++)
      if (k != i) q[m++] = p[k];
    Sub(q[1], q[0], e1);
    Sub(q[2], q[0], e2);
    Cross(e1, e2, normal[i]);
    Sub(p[i], q[0], toward);
    if (Dot(normal[i], toward) > 0)
      for (int d = 0; d < 3; d++)
        normal[i][d] = -normal[i][d];
    len = PetscSqrtReal(Dot(normal[i], normal[i]));
    if (len == 0) return 0;
    for (int d = 0; d < 3; d++)
      normal[i][d] /= len;
  }
  for (int i = 0; i < 4; i++)
    for (int j = i + 1; j < 4; j++) {
      PetscReal cosine = PetscMin(1.0, PetscMax(-1.0, Dot(normal[i], normal[j])));
      best             = PetscMin(best, PETSC_PI - PetscAcosReal(cosine));
    }
  return best;
}

PetscErrorCode TwinfeMeshComputeQuality(TwinfeMesh mesh, PetscReal *min_gamma, PetscReal *mean_gamma, PetscReal *min_dihedral_deg)
{
  PetscReal gmin = PETSC_MAX_REAL, gsum = 0, dmin = PETSC_PI;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  PetscCheck(mesh->ntets > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "TwinfeMeshComputeQuality: the mesh has no tetrahedra");
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscReal *p[4];
    PetscReal        g;
    for (int k = 0; k < 4; k++)
      p[k] = &mesh->xyz[3 * mesh->tets[4 * t + k]];
    g    = TetGamma(p);
    gmin = PetscMin(gmin, g);
    gsum += g;
    dmin = PetscMin(dmin, TetMinDihedral(p));
  }
  if (min_gamma) *min_gamma = gmin;
  if (mean_gamma) *mean_gamma = gsum / (PetscReal)mesh->ntets;
  if (min_dihedral_deg) *min_dihedral_deg = dmin * 180.0 / PETSC_PI;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGammaHistogram(TwinfeMesh mesh, PetscInt nbins, const PetscReal edges[], PetscInt counts[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(edges);
  TwinfeCheckArgNull_Private(counts);
  PetscCheck(nbins >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMeshGammaHistogram: nbins %" PetscInt_FMT " must be >= 1", nbins);
  for (PetscInt b = 0; b < nbins; b++)
    PetscCheck(edges[b] < edges[b + 1], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeMeshGammaHistogram: bin edges must increase (edge %" PetscInt_FMT " is %g, the next %g)", b,
               (double)edges[b], (double)edges[b + 1]);
  for (PetscInt b = 0; b < nbins; b++)
    counts[b] = 0;
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscReal *p[4];
    PetscReal        g;
    PetscInt         lo = 0, hi = nbins;
    for (int k = 0; k < 4; k++)
      p[k] = &mesh->xyz[3 * mesh->tets[4 * t + k]];
    g = PetscMin(1.0, PetscMax(0.0, TetGamma(p))); /* gamma lies in [0, 1]; rounding may step out */
    if (g < edges[0] || g > edges[nbins]) continue;
    while (hi - lo > 1) { /* the bin b with edges[b] <= g < edges[b + 1]; the top bin is closed */
      PetscInt mid = (lo + hi) / 2;
      if (g >= edges[mid])
        lo = mid;
      else
        hi = mid;
    }
    counts[lo]++;
  }
  PetscFunctionReturn(0);
}

static int CompareInt32(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

PetscErrorCode TwinfeMeshComputeRegionVolumes(TwinfeMesh mesh, PetscReal volumes[])
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(volumes);
  for (PetscInt r = 0; r < mesh->nregions; r++)
    volumes[r] = 0;
  for (PetscInt t = 0; t < mesh->ntets; t++) {
    const PetscInt *v = &mesh->tets[4 * t];
    const int32_t  *hit =
        (const int32_t *)bsearch(&mesh->regions[t], mesh->region_labels, (size_t)mesh->nregions, sizeof(int32_t), CompareInt32);
    PetscCheck(hit, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "TwinfeMesh: tet %" PetscInt_FMT " has a region missing from the region list", t);
    volumes[hit - mesh->region_labels] +=
        TwinfeTetDet_Private(&mesh->xyz[3 * v[0]], &mesh->xyz[3 * v[1]], &mesh->xyz[3 * v[2]], &mesh->xyz[3 * v[3]]) / 6.0;
  }
  PetscFunctionReturn(0);
}
