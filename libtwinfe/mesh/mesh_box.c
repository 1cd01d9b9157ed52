/* A structured tetrahedral box as a TwinfeMesh: the one generator behind the fem stage's
 * TwinfeCreateBoxTetMesh and the tests' boxes (PETSc 3.18's simplex DMPlexCreateBoxMesh needs
 * TetGen, which Debian's PETSc lacks).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

/* Kuhn split of each hex into 6 tets along its 000-111 diagonal: tet t steps from corner 000
   along the axes kuhn_path[t]. Every hex cuts its faces the same way, so the mesh is
   conforming. */
static const PetscInt kuhn_path[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

static PetscInt BoxVertex(const PetscInt n[3], const PetscInt p[3])
{
  return (p[2] * (n[1] + 1) + p[1]) * (n[0] + 1) + p[0];
}

/* Index of the vertex along axis: the inverse of BoxVertex, one axis at a time. */
static PetscInt GridIndex(const PetscInt n[3], PetscInt vertex, PetscInt axis)
{
  if (axis == 0) return vertex % (n[0] + 1);
  if (axis == 1) return vertex / (n[0] + 1) % (n[1] + 1);
  return vertex / ((n[0] + 1) * (n[1] + 1));
}

static PetscErrorCode CheckBox(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 3; ++k) {
    PetscCheck(n[k] >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreateBox: %" PetscInt_FMT " cells in direction %" PetscInt_FMT ", need >= 1", n[k], k);
    PetscCheck(hi[k] > lo[k], PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreateBox: upper bound %g <= lower bound %g in direction %" PetscInt_FMT ", need hi > lo",
               (double)hi[k], (double)lo[k], k);
  }
  /* 4 indices per tet must fit a (32-bit) PetscInt. */
  PetscCheck(24.0 * n[0] * n[1] * n[2] < (double)PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMeshCreateBox: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " hexes overflow PetscInt; use fewer",
             n[0], n[1], n[2]);
  PetscFunctionReturn(0);
}

static void BoxVertices(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], PetscReal xyz[])
{
  PetscInt p[3];

  for (p[2] = 0; p[2] <= n[2]; ++p[2])
    for (p[1] = 0; p[1] <= n[1]; ++p[1])
      for (p[0] = 0; p[0] <= n[0]; ++p[0])
        for (PetscInt k = 0; k < 3; ++k)
          xyz[3 * BoxVertex(n, p) + k] = lo[k] + (hi[k] - lo[k]) * p[k] / n[k];
}

/* The 6 tets of hex h, in hex order x fastest, then y, then z. */
static void BoxTets(const PetscInt n[3], PetscInt tets[])
{
  PetscInt h[3], t = 0;

  for (h[2] = 0; h[2] < n[2]; ++h[2])
    for (h[1] = 0; h[1] < n[1]; ++h[1])
      for (h[0] = 0; h[0] < n[0]; ++h[0])
        for (PetscInt k = 0; k < 6; ++k, ++t) {
          PetscInt p[3] = {h[0], h[1], h[2]};
          tets[4 * t]   = BoxVertex(n, p);
          for (PetscInt s = 0; s < 3; ++s) {
            p[kuhn_path[k][s]]++;
            tets[4 * t + s + 1] = BoxVertex(n, p);
          }
        }
}

/* The face of tet (a, b, c, d) opposite vertex `omit`, with its normal along +axis (out of the
   box at the hi side) or -axis (lo side). */
static void OutwardFace(const PetscReal xyz[], const PetscInt tet[4], PetscInt omit, PetscInt axis, PetscInt side,
                        PetscInt face[3])
{
  const PetscReal *a, *b, *c;
  PetscReal        normal_axis;
  PetscInt         m = 0, u = (axis + 1) % 3, v = (axis + 2) % 3;

  for (PetscInt s = 0; s < 4; ++s)
    if (s != omit) face[m++] = tet[s];
  a           = &xyz[3 * face[0]];
  b           = &xyz[3 * face[1]];
  c           = &xyz[3 * face[2]];
  normal_axis = (b[u] - a[u]) * (c[v] - a[v]) - (b[v] - a[v]) * (c[u] - a[u]);
  if ((normal_axis > 0) != (side == 1)) {
    PetscInt swap = face[1];
    face[1]       = face[2];
    face[2]       = swap;
  }
}

/* The boundary facets of the box, plane by plane (tag 2 axis + side + 1), so facets come out
   sorted by tag. Only the hexes touching a plane are visited; of their tets, the faces whose
   three vertices all lie on the plane are the facets. */
static PetscInt BoxFacets(const PetscInt n[3], const PetscReal xyz[], const PetscInt tets[], PetscInt facets[], int32_t tags[])
{
  PetscInt nf = 0;

  for (PetscInt axis = 0; axis < 3; ++axis)
    for (PetscInt side = 0; side < 2; ++side) {
      const PetscInt plane = side ? n[axis] : 0;
      PetscInt       h[3];
      for (h[2] = 0; h[2] < n[2]; ++h[2])
        for (h[1] = 0; h[1] < n[1]; ++h[1])
          for (h[0] = 0; h[0] < n[0]; ++h[0]) {
            if (h[axis] != (side ? n[axis] - 1 : 0)) continue;
            for (PetscInt t = 6 * ((h[2] * n[1] + h[1]) * n[0] + h[0]), end = t + 6; t < end; ++t)
              for (PetscInt omit = 0; omit < 4; ++omit) {
                PetscInt on_plane = 0;
                for (PetscInt s = 0; s < 4; ++s)
                  if (s != omit && GridIndex(n, tets[4 * t + s], axis) == plane) on_plane++;
                if (on_plane < 3) continue;
                OutwardFace(xyz, &tets[4 * t], omit, axis, side, &facets[3 * nf]);
                tags[nf++] = (int32_t)(2 * axis + side + 1);
              }
          }
    }
  return nf;
}

/*@C
  TwinfeMeshCreateBox - Structured tetrahedral mesh of the box [lo, hi] (mm) with n[k] hexes per
  direction, each split into the 6 Kuhn tets along its lo-hi diagonal. Not collective.

  Vertex (i, j, k) has index i + (n[0]+1) (j + (n[1]+1) k); hex (i, j, k) holds tets
  6 (i + n[0] (j + n[1] k)) .. +5. Region 1 everywhere; boundary facets oriented outward and
  listed by tag: 1/2 on x = lo/hi, 3/4 on y, 5/6 on z (2 n[a] n[b] triangles per face).
@*/
PetscErrorCode TwinfeMeshCreateBox(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3], TwinfeMesh *mesh)
{
  PetscInt   nv, nt, nf_max, nf;
  PetscReal *xyz;
  PetscInt  *tets, *facets;
  int32_t   *regions, *tags;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(n);
  TwinfeCheckArgNull_Private(lo);
  TwinfeCheckArgNull_Private(hi);
  TwinfeCheckArgNull_Private(mesh);
  PetscCall(CheckBox(n, lo, hi));
  nv     = (n[0] + 1) * (n[1] + 1) * (n[2] + 1);
  nt     = 6 * n[0] * n[1] * n[2];
  nf_max = 4 * (n[0] * n[1] + n[1] * n[2] + n[2] * n[0]);
  PetscCall(PetscMalloc5(3 * nv, &xyz, 4 * nt, &tets, nt, &regions, 3 * nf_max, &facets, nf_max, &tags));
  BoxVertices(n, lo, hi, xyz);
  BoxTets(n, tets);
  for (PetscInt t = 0; t < nt; ++t)
    regions[t] = 1;
  nf = BoxFacets(n, xyz, tets, facets, tags);
  PetscCheck(nf == nf_max, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "TwinfeMeshCreateBox: found %" PetscInt_FMT " boundary facets, expected %" PetscInt_FMT, nf, nf_max);
  PetscCall(TwinfeMeshCreate(nv, xyz, nt, tets, regions, nf, facets, tags, mesh));
  PetscCall(PetscFree5(xyz, tets, regions, facets, tags));
  PetscFunctionReturn(0);
}
