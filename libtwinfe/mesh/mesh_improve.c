/* TwinfeMeshImprove: remove the slivers Gmsh leaves, without touching the surfaces.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * HXT's optimiser runs inside Generate(3) and is not reproducible from run to run: on a CT case
 * it left 3-6 tets with a dihedral angle below 10 degrees in 1.5M, each with all four vertices
 * on the surface and no face on it (so no vertex of it can move), and Gmsh's later optimisers
 * ("", Netgen, Relocate3D) did not remove them (docs/stack-measurements.md). Here each poor
 * tet is replaced by local topological changes inside its region, as in Klingner and
 * Shewchuk's "Aggressive tetrahedral mesh improvement": edge removal (the ring of tets around
 * an interior edge retriangulated, best of all triangulations of the ring by dynamic
 * programming), 2-3 flips across interior faces, moving interior vertices, and inserting a
 * vertex into a small cavity. A change is kept only if the worst tet it makes is better than
 * the worst it removes. Boundary and interface facets are never changed, so the regions'
 * shapes, volumes and the facet list stay as they were. */
#include "meshimpl.h"
#include "core/core_impl.h"

#include <petsctime.h>
#include <twinfe/core.h>

#define RING_MAX 8     /* edge removal on rings of 3..RING_MAX tets */
#define AROUND_MAX 512 /* tets around one vertex that a query may list */
#define CAVITY_MAX 64  /* tets in an insertion cavity */

typedef struct {
  PetscInt   nv, nv_cap;
  PetscReal *xyz;
  PetscInt   nt, nt_cap;
  PetscInt  *tets;
  int32_t   *region;
  PetscBool *dead;
  PetscBool *fixed; /* per vertex: on a boundary or interface facet, or on no tet */
  /* tets around each vertex: a CSR built once over the original tets, and a linked list of
     the tets made since (head per vertex, next per entry) */
  PetscInt  nv_orig, nt_orig, *csr_offset, *csr_tets;
  PetscInt *head, *ov_tet, *ov_next, nov, nov_cap;
  /* tets to look at again */
  PetscInt *queue, nqueue, queue_cap;
  /* radius ratio and dihedral of the original tets, measured once (the mesh's own per-tet
     measures, borrowed: not freed here); stale once a vertex moved */
  const PetscReal *rr0, *dih0;
  PetscBool       *stale;
  /* the facets, when caps are peeled: the mesh's own plus those made, dead ones flagged */
  PetscInt   nf, nf_cap, *facets, *facet_csr_offset, *facet_csr, nf_orig;
  int32_t   *facet_tags;
  PetscBool *facet_dead;
} Work;

static inline void Sub3(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[0] - b[0], c[1] = a[1] - b[1], c[2] = a[2] - b[2];
}
static inline void Cross3(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1], c[1] = a[2] * b[0] - a[0] * b[2], c[2] = a[0] * b[1] - a[1] * b[0];
}
static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* One number to maximise: a tet meets both bounds (radius ratio >= rr_min, dihedral >=
   dih_min) exactly when Quality >= 1. Inverted or flat tets score -1. */
typedef struct {
  PetscReal rr_min, dih_min;
} Bounds;

static PetscReal QualityOf(const Work *w, const Bounds *b, const PetscInt v[4])
{
  const PetscReal *p[4] = {&w->xyz[3 * v[0]], &w->xyz[3 * v[1]], &w->xyz[3 * v[2]], &w->xyz[3 * v[3]]};
  PetscReal        rr   = TwinfeTetRadiusRatio_Private(p);
  if (rr <= 0) return -1;
  return PetscMin(rr / b->rr_min, TwinfeTetMinDihedralDeg_Private(p) / b->dih_min);
}

static PetscReal TetQuality(const Work *w, const Bounds *b, PetscInt t)
{
  return QualityOf(w, b, &w->tets[4 * t]);
}

static PetscErrorCode Enqueue(Work *w, PetscInt t)
{
  PetscFunctionBeginUser;
  if (w->nqueue == w->queue_cap) {
    w->queue_cap = 2 * w->queue_cap + 64;
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)w->queue_cap, &w->queue));
  }
  w->queue[w->nqueue++] = t;
  PetscFunctionReturn(0);
}

/* Room for one more tet and its four entries in the vertex lists. */
static PetscErrorCode ReserveTet(Work *w)
{
  PetscFunctionBeginUser;
  if (w->nt == w->nt_cap) {
    w->nt_cap = 2 * w->nt_cap + 64;
    PetscCall(PetscRealloc(4 * sizeof(PetscInt) * (size_t)w->nt_cap, &w->tets));
    PetscCall(PetscRealloc(sizeof(int32_t) * (size_t)w->nt_cap, &w->region));
    PetscCall(PetscRealloc(sizeof(PetscBool) * (size_t)w->nt_cap, &w->dead));
  }
  if (w->nov + 4 > w->nov_cap) {
    w->nov_cap = 2 * w->nov_cap + 256;
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)w->nov_cap, &w->ov_tet));
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)w->nov_cap, &w->ov_next));
  }
  PetscFunctionReturn(0);
}

/* Append tet v[] of region r; it joins the lists of its vertices and the queue. */
static PetscErrorCode AddTet(Work *w, const PetscInt v[4], int32_t r)
{
  const PetscInt t = w->nt;
  PetscFunctionBeginUser;
  PetscCall(ReserveTet(w));
  for (int k = 0; k < 4; k++) {
    w->tets[4 * t + k] = v[k];
    w->ov_tet[w->nov]  = t;
    w->ov_next[w->nov] = w->head[v[k]];
    w->head[v[k]]      = w->nov++;
  }
  w->region[t] = r;
  w->dead[t]   = PETSC_FALSE;
  w->nt++;
  PetscCall(Enqueue(w, t));
  PetscFunctionReturn(0);
}

static PetscErrorCode AddVertex(Work *w, const PetscReal x[3], PetscInt *v)
{
  PetscFunctionBeginUser;
  if (w->nv == w->nv_cap) {
    w->nv_cap = 2 * w->nv_cap + 64;
    PetscCall(PetscRealloc(3 * sizeof(PetscReal) * (size_t)w->nv_cap, &w->xyz));
    PetscCall(PetscRealloc(sizeof(PetscBool) * (size_t)w->nv_cap, &w->fixed));
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)w->nv_cap, &w->head));
  }
  for (int d = 0; d < 3; d++)
    w->xyz[3 * w->nv + d] = x[d];
  w->fixed[w->nv] = PETSC_FALSE;
  w->head[w->nv]  = -1;
  *v              = w->nv++;
  PetscFunctionReturn(0);
}

/* The living tets around vertex v, at most AROUND_MAX; -1 if there are more (such a vertex is
   left alone). */
static PetscInt Around(const Work *w, PetscInt v, PetscInt out[])
{
  PetscInt n = 0;
  if (v < w->nv_orig)
    for (PetscInt i = w->csr_offset[v]; i < w->csr_offset[v + 1]; i++) {
      if (w->dead[w->csr_tets[i]]) continue;
      if (n == AROUND_MAX) return -1;
      out[n++] = w->csr_tets[i];
    }
  for (PetscInt e = w->head[v]; e >= 0; e = w->ov_next[e]) {
    if (w->dead[w->ov_tet[e]]) continue;
    if (n == AROUND_MAX) return -1;
    out[n++] = w->ov_tet[e];
  }
  return n;
}

static inline PetscBool HasVertex(const Work *w, PetscInt t, PetscInt v)
{
  const PetscInt *q = &w->tets[4 * t];
  return (PetscBool)(q[0] == v || q[1] == v || q[2] == v || q[3] == v);
}

/* The living tet other than t with face (a, b, c), or -1 (a boundary facet). Among the tets
   around a, the one holding b and c. */
static PetscInt Neighbour(const Work *w, PetscInt t, PetscInt a, PetscInt b, PetscInt c)
{
  PetscInt around[AROUND_MAX], n = Around(w, a, around);
  for (PetscInt i = 0; i < n; i++)
    if (around[i] != t && HasVertex(w, around[i], b) && HasVertex(w, around[i], c)) return around[i];
  return -1;
}

/* The tet across the face of t opposite its local vertex k, when that face is inside t's
   region (not a facet); else -1. */
static PetscInt InteriorNeighbour(const Work *w, PetscInt t, int k)
{
  const PetscInt *q = &w->tets[4 * t];
  PetscInt        f[3], m = 0, u;
  for (int i = 0; i < 4; i++)
    if (i != k) f[m++] = q[i];
  u = Neighbour(w, t, f[0], f[1], f[2]);
  return u >= 0 && w->region[u] == w->region[t] ? u : -1;
}

/* Replace the tets old[] by new ones (4 vertices each) of region r. */
static PetscErrorCode Replace(Work *w, PetscInt nold, const PetscInt old[], PetscInt nnew, const PetscInt (*fresh)[4], int32_t r)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nold; i++)
    w->dead[old[i]] = PETSC_TRUE;
  for (PetscInt i = 0; i < nnew; i++)
    PetscCall(AddTet(w, fresh[i], r));
  PetscFunctionReturn(0);
}

static PetscReal WorstOf(const Work *w, const Bounds *b, PetscInt n, const PetscInt t[])
{
  PetscReal worst = PETSC_MAX_REAL;
  for (PetscInt i = 0; i < n; i++)
    worst = PetscMin(worst, TetQuality(w, b, t[i]));
  return worst;
}

/* ---- edge removal ---------------------------------------------------------------------- */

/* The tets around edge (a, b), and the other two vertices of each in the order that walks
   once around the edge with det(a, b, ring[i], ring[i+1]) > 0. Fails (returns 0) when the edge
   lies on a facet (the ring is open or leaves the region) or the ring is too long. */
static PetscInt EdgeRing(const Work *w, PetscInt t, PetscInt a, PetscInt b, PetscInt ring_tets[], PetscInt ring[])
{
  PetscInt around[AROUND_MAX], n = Around(w, a, around), m = 0, other[RING_MAX][2], used[RING_MAX] = {0};
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt *q = &w->tets[4 * around[i]];
    int             o = 0;
    if (!HasVertex(w, around[i], b)) continue;
    if (m == RING_MAX || w->region[around[i]] != w->region[t]) return 0;
    ring_tets[m] = around[i];
    for (int k = 0; k < 4; k++)
      if (q[k] != a && q[k] != b) other[m][o++] = q[k];
    m++;
  }
  if (m < 3) return 0;
  /* chain the pairs into one cycle */
  ring[0] = other[0][0], ring[1] = other[0][1], used[0] = 1;
  {
    PetscInt tets_in_order[RING_MAX];
    tets_in_order[0] = ring_tets[0];
    for (PetscInt len = 2; len <= m; len++) {
      PetscInt last = ring[len - 1], found = -1;
      for (PetscInt i = 0; i < m && found < 0; i++)
        if (!used[i] && (other[i][0] == last || other[i][1] == last)) found = i;
      if (found < 0) return 0; /* open: the edge is on a facet */
      used[found]            = 1;
      tets_in_order[len - 1] = ring_tets[found];
      if (len < m)
        ring[len] = other[found][0] == last ? other[found][1] : other[found][0];
      else if ((other[found][0] == last ? other[found][1] : other[found][0]) != ring[0])
        return 0;
    }
    for (PetscInt i = 0; i < m; i++)
      ring_tets[i] = tets_in_order[i];
  }
  if (TwinfeTetDet_Private(&w->xyz[3 * a], &w->xyz[3 * b], &w->xyz[3 * ring[0]], &w->xyz[3 * ring[1]]) < 0)
    for (PetscInt i = 0; i < m / 2; i++) {
      PetscInt s = ring[i];
      ring[i] = ring[m - 1 - i], ring[m - 1 - i] = s;
    }
  return m;
}

/* With the ring oriented as EdgeRing gives it, triangle (i < j < k) of the ring polygon makes
   the tets (ri, rj, rk, b) and (ri, rk, rj, a). */
static PetscReal RingTriangleQuality(const Work *w, const Bounds *bd, const PetscInt ring[], PetscInt a, PetscInt b, PetscInt i,
                                     PetscInt j, PetscInt k)
{
  const PetscInt up[4] = {ring[i], ring[j], ring[k], b}, down[4] = {ring[i], ring[k], ring[j], a};
  return PetscMin(QualityOf(w, bd, up), QualityOf(w, bd, down));
}

/* Best triangulation of the ring polygon (maximising the worst tet) by dynamic programming over
   sub-polygons i..j; split[i][j] records the apex. */
static PetscReal BestRingTriangulation(const Work *w, const Bounds *bd, const PetscInt ring[], PetscInt m, PetscInt a, PetscInt b,
                                       PetscInt split[RING_MAX][RING_MAX])
{
  PetscReal best[RING_MAX][RING_MAX];
  for (PetscInt i = 0; i + 1 < m; i++)
    best[i][i + 1] = PETSC_MAX_REAL;
  for (PetscInt len = 2; len < m; len++)
    for (PetscInt i = 0; i + len < m; i++) {
      const PetscInt j = i + len;
      best[i][j]       = -PETSC_MAX_REAL;
      for (PetscInt k = i + 1; k < j; k++) {
        PetscReal q = PetscMin(PetscMin(best[i][k], best[k][j]), RingTriangleQuality(w, bd, ring, a, b, i, k, j));
        if (q > best[i][j]) best[i][j] = q, split[i][j] = k;
      }
    }
  return best[0][m - 1];
}

static void CollectRingTets(const PetscInt ring[], PetscInt a, PetscInt b, PetscInt split[RING_MAX][RING_MAX], PetscInt i,
                            PetscInt j, PetscInt (*fresh)[4], PetscInt *n)
{
  PetscInt k;
  if (j - i < 2) return;
  k            = split[i][j];
  fresh[*n][0] = ring[i], fresh[*n][1] = ring[k], fresh[*n][2] = ring[j], fresh[*n][3] = b, (*n)++;
  fresh[*n][0] = ring[i], fresh[*n][1] = ring[j], fresh[*n][2] = ring[k], fresh[*n][3] = a, (*n)++;
  CollectRingTets(ring, a, b, split, i, k, fresh, n);
  CollectRingTets(ring, a, b, split, k, j, fresh, n);
}

static PetscErrorCode TryEdgeRemoval(Work *w, const Bounds *bd, PetscInt t, PetscBool *done)
{
  static const int edge[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  for (int e = 0; e < 6 && !*done; e++) {
    const PetscInt a = w->tets[4 * t + edge[e][0]], b = w->tets[4 * t + edge[e][1]];
    PetscInt ring_tets[RING_MAX], ring[RING_MAX], split[RING_MAX][RING_MAX], m = EdgeRing(w, t, a, b, ring_tets, ring), n = 0;
    PetscInt fresh[2 * RING_MAX][4];
    int32_t  r = w->region[t];
    if (m < 3) continue;
    if (BestRingTriangulation(w, bd, ring, m, a, b, split) <= WorstOf(w, bd, m, ring_tets) + 1e-9) continue;
    CollectRingTets(ring, a, b, split, 0, m - 1, fresh, &n);
    PetscCall(Replace(w, m, ring_tets, n, (const PetscInt(*)[4])fresh, r));
    *done = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* ---- cavities starred from a point ----------------------------------------------------- */

/* The faces of the cavity (tets cav[]) that no other cavity tet shares, each as (tet, local
   vertex opposite it). Replacing that vertex by a point p gives a tet that is positive exactly
   when p sees the face from inside. */
static PetscInt CavityFaces(const Work *w, PetscInt ncav, const PetscInt cav[], PetscInt face_tet[], int face_k[])
{
  PetscInt nf = 0;
  for (PetscInt i = 0; i < ncav; i++)
    for (int k = 0; k < 4; k++) {
      const PetscInt *q = &w->tets[4 * cav[i]];
      PetscInt        f[3], m = 0, u;
      PetscBool       inside = PETSC_FALSE;
      for (int l = 0; l < 4; l++)
        if (l != k) f[m++] = q[l];
      u = Neighbour(w, cav[i], f[0], f[1], f[2]);
      for (PetscInt j = 0; j < ncav && u >= 0; j++)
        inside = (PetscBool)(inside || cav[j] == u);
      if (inside) continue;
      face_tet[nf] = cav[i], face_k[nf] = k, nf++;
    }
  return nf;
}

/* The worst tet of the cavity starred from vertex p (faces containing p are skipped). */
static PetscReal StarQuality(const Work *w, const Bounds *bd, PetscInt nf, const PetscInt face_tet[], const int face_k[],
                             PetscInt p)
{
  PetscReal worst = PETSC_MAX_REAL;
  for (PetscInt i = 0; i < nf; i++) {
    PetscInt v[4];
    for (int l = 0; l < 4; l++)
      v[l] = w->tets[4 * face_tet[i] + l];
    if (v[0] == p || v[1] == p || v[2] == p || v[3] == p) continue;
    v[face_k[i]] = p;
    worst        = PetscMin(worst, QualityOf(w, bd, v));
  }
  return worst;
}

static PetscErrorCode ApplyStar(Work *w, PetscInt ncav, const PetscInt cav[], PetscInt nf, const PetscInt face_tet[],
                                const int face_k[], PetscInt p)
{
  PetscInt(*fresh)[4], n = 0;
  int32_t r = w->region[cav[0]];
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nf, &fresh));
  for (PetscInt i = 0; i < nf; i++) {
    PetscInt *v = fresh[n];
    for (int l = 0; l < 4; l++)
      v[l] = w->tets[4 * face_tet[i] + l];
    if (v[0] == p || v[1] == p || v[2] == p || v[3] == p) continue;
    v[face_k[i]] = p;
    n++;
  }
  PetscCall(Replace(w, ncav, cav, n, (const PetscInt(*)[4])fresh, r));
  PetscCall(PetscFree(fresh));
  PetscFunctionReturn(0);
}

/* 2-3 flips: t and its neighbour across an interior face, starred from t's opposite vertex. */
static PetscErrorCode TryFaceFlip(Work *w, const Bounds *bd, PetscInt t, PetscBool *done)
{
  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  for (int k = 0; k < 4 && !*done; k++) {
    PetscInt u = InteriorNeighbour(w, t, k), cav[2], face_tet[8], nf;
    int      face_k[8];
    if (u < 0) continue;
    cav[0] = t, cav[1] = u;
    nf = CavityFaces(w, 2, cav, face_tet, face_k);
    if (StarQuality(w, bd, nf, face_tet, face_k, w->tets[4 * t + k]) <= WorstOf(w, bd, 2, cav) + 1e-9) continue;
    PetscCall(ApplyStar(w, 2, cav, nf, face_tet, face_k, w->tets[4 * t + k]));
    *done = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* A new vertex inside t and its interior neighbours (and theirs, when the first ring is not
   enough), at the best of a few trial points. */
static PetscErrorCode TryInsertion(Work *w, const Bounds *bd, PetscInt t, PetscBool *done)
{
  PetscInt cav[CAVITY_MAX], ncav = 1, face_tet[4 * CAVITY_MAX], nf;
  int      face_k[4 * CAVITY_MAX];
  PetscFunctionBeginUser;
  *done  = PETSC_FALSE;
  cav[0] = t;
  for (int ring = 0; ring < 2 && !*done; ring++) {
    const PetscInt grown       = ncav;
    PetscReal      trial[3][3] = {{0}}, best_q, weight = 0;
    int            best = -1;
    for (PetscInt i = 0; i < grown; i++)
      for (int k = 0; k < 4; k++) {
        PetscInt  u    = InteriorNeighbour(w, cav[i], k);
        PetscBool have = PETSC_FALSE;
        for (PetscInt j = 0; j < ncav && u >= 0; j++)
          have = (PetscBool)(have || cav[j] == u);
        if (u >= 0 && !have && ncav < CAVITY_MAX) cav[ncav++] = u;
      }
    best_q = WorstOf(w, bd, ncav, cav);
    nf     = CavityFaces(w, ncav, cav, face_tet, face_k);
    /* trial points: the centroid of t, of the cavity's vertices, and halfway between */
    for (int l = 0; l < 4; l++)
      for (int d = 0; d < 3; d++)
        trial[0][d] += 0.25 * w->xyz[3 * w->tets[4 * t + l] + d];
    for (PetscInt i = 0; i < nf; i++)
      for (int l = 0; l < 4; l++)
        if (l != face_k[i]) {
          for (int d = 0; d < 3; d++)
            trial[1][d] += w->xyz[3 * w->tets[4 * face_tet[i] + l] + d];
          weight += 1;
        }
    for (int d = 0; d < 3; d++) {
      trial[1][d] /= weight;
      trial[2][d] = 0.5 * (trial[0][d] + trial[1][d]);
    }
    {
      PetscInt p = -1;
      PetscCall(AddVertex(w, trial[0], &p)); /* a scratch vertex, kept only if used */
      for (int c = 0; c < 3; c++) {
        PetscReal q;
        for (int d = 0; d < 3; d++)
          w->xyz[3 * p + d] = trial[c][d];
        q = StarQuality(w, bd, nf, face_tet, face_k, p);
        if (q > best_q + 1e-9) best_q = q, best = c;
      }
      if (best >= 0) {
        for (int d = 0; d < 3; d++)
          w->xyz[3 * p + d] = trial[best][d];
        PetscCall(ApplyStar(w, ncav, cav, nf, face_tet, face_k, p));
        *done = PETSC_TRUE;
      } else
        w->nv--; /* nothing refers to the scratch vertex */
    }
  }
  PetscFunctionReturn(0);
}

/* Place free vertex v at trial[] if that makes the worst of its tets around[] better than
   before; else leave it where it was. */
static PetscErrorCode TryPlace(Work *w, const Bounds *bd, PetscInt v, PetscInt n, const PetscInt around[], PetscReal before,
                               const PetscReal trial[3], PetscBool *done)
{
  PetscReal old[3];
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++)
    old[d] = w->xyz[3 * v + d], w->xyz[3 * v + d] = trial[d];
  if (WorstOf(w, bd, n, around) > before + 1e-9) {
    *done = PETSC_TRUE;
    for (PetscInt i = 0; i < n; i++) {
      if (around[i] < w->nt_orig) w->stale[around[i]] = PETSC_TRUE;
      PetscCall(Enqueue(w, around[i]));
    }
  } else
    for (int d = 0; d < 3; d++)
      w->xyz[3 * v + d] = old[d];
  PetscFunctionReturn(0);
}

/* Move a vertex of t that is on no facet: toward the centroid of its neighbours, or away from
   the plane of t's other three vertices (a sliver's height grows), in shrinking steps. */
static PetscErrorCode TrySmoothing(Work *w, const Bounds *bd, PetscInt t, PetscBool *done)
{
  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  for (int k = 0; k < 4 && !*done; k++) {
    const PetscInt   v = w->tets[4 * t + k];
    PetscInt         around[AROUND_MAX], n;
    PetscReal        centroid[3] = {0, 0, 0}, normal[3], e1[3], e2[3], old[3], length = 0, weight = 0, before, norm;
    const PetscReal *q[3];
    if (w->fixed[v]) continue;
    n = Around(w, v, around);
    if (n <= 0) continue;
    before = WorstOf(w, bd, n, around);
    for (PetscInt i = 0; i < n; i++)
      for (int l = 0; l < 4; l++)
        if (w->tets[4 * around[i] + l] != v) {
          for (int d = 0; d < 3; d++)
            centroid[d] += w->xyz[3 * w->tets[4 * around[i] + l] + d];
          weight += 1;
        }
    for (int d = 0; d < 3; d++)
      old[d] = w->xyz[3 * v + d], centroid[d] /= weight;
    for (int l = 0, m = 0; l < 4; l++)
      if (l != k) q[m++] = &w->xyz[3 * w->tets[4 * t + l]];
    Sub3(q[1], q[0], e1), Sub3(q[2], q[0], e2), Cross3(e1, e2, normal);
    norm = PetscSqrtReal(Dot3(normal, normal));
    for (int l = 0; l < 3; l++)
      for (int d = 0; d < 3; d++)
        length += PetscAbsReal(q[l][d] - old[d]) / 3;
    if (norm == 0) continue;
    {
      PetscReal toward[3];
      Sub3(old, q[0], toward);
      if (Dot3(toward, normal) < 0) norm = -norm;
    }
    for (PetscReal step = 1.0; step > 0.1 && !*done; step *= 0.5) {
      PetscReal trial[3];
      for (int d = 0; d < 3; d++)
        trial[d] = old[d] + step * (centroid[d] - old[d]);
      PetscCall(TryPlace(w, bd, v, n, around, before, trial, done));
      for (int d = 0; d < 3 && !*done; d++)
        trial[d] = old[d] + 0.3 * step * length * normal[d] / norm;
      if (!*done) PetscCall(TryPlace(w, bd, v, n, around, before, trial, done));
    }
  }
  PetscFunctionReturn(0);
}

/* ---- caps: poor tets with two faces on facets ------------------------------------------ */

/* Outward faces of a positively oriented tet, face k opposite vertex k. */
static const int outward_face[4][3] = {{1, 2, 3}, {0, 3, 2}, {0, 1, 3}, {0, 2, 1}};

/* The living facet with vertices {a, b, c} in any order, or -1. */
static PetscInt FindFacet(const Work *w, PetscInt a, PetscInt b, PetscInt c)
{
  for (PetscInt i = w->facet_csr_offset[a]; i < w->facet_csr_offset[a + 1]; i++) {
    const PetscInt  f = w->facet_csr[i];
    const PetscInt *q = &w->facets[3 * f];
    if (!w->facet_dead[f] && (q[0] == b || q[1] == b || q[2] == b) && (q[0] == c || q[1] == c || q[2] == c)) return f;
  }
  for (PetscInt f = w->nf_orig; f < w->nf; f++) {
    const PetscInt *q = &w->facets[3 * f];
    if (!w->facet_dead[f] && (q[0] == a || q[1] == a || q[2] == a) && (q[0] == b || q[1] == b || q[2] == b) &&
        (q[0] == c || q[1] == c || q[2] == c))
      return f;
  }
  return -1;
}

/* Whether some living facet holds both a and b. */
static PetscBool EdgeOnFacet(const Work *w, PetscInt a, PetscInt b)
{
  for (PetscInt i = w->facet_csr_offset[a]; i < w->facet_csr_offset[a + 1]; i++) {
    const PetscInt  f = w->facet_csr[i];
    const PetscInt *q = &w->facets[3 * f];
    if (!w->facet_dead[f] && (q[0] == b || q[1] == b || q[2] == b)) return PETSC_TRUE;
  }
  for (PetscInt f = w->nf_orig; f < w->nf; f++) {
    const PetscInt *q = &w->facets[3 * f];
    if (!w->facet_dead[f] && (q[0] == a || q[1] == a || q[2] == a) && (q[0] == b || q[1] == b || q[2] == b)) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static PetscErrorCode AddFacet(Work *w, PetscInt a, PetscInt b, PetscInt c, int32_t tag)
{
  PetscFunctionBeginUser;
  if (w->nf == w->nf_cap) {
    w->nf_cap = 2 * w->nf_cap + 64;
    PetscCall(PetscRealloc(3 * sizeof(PetscInt) * (size_t)w->nf_cap, &w->facets));
    PetscCall(PetscRealloc(sizeof(int32_t) * (size_t)w->nf_cap, &w->facet_tags));
    PetscCall(PetscRealloc(sizeof(PetscBool) * (size_t)w->nf_cap, &w->facet_dead));
  }
  w->facets[3 * w->nf] = a, w->facets[3 * w->nf + 1] = b, w->facets[3 * w->nf + 2] = c;
  w->facet_tags[w->nf]   = tag;
  w->facet_dead[w->nf++] = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* A poor tet of region A with exactly two faces on facets, both against the same side (the
   background, or one region B), and the edge its two other faces share on no facet: it is a
   cap that no change inside the region can reach. Against the background it is removed;
   against B it joins B. Either way its two facets are replaced by its two other faces, so the
   surface stays closed and manifold and moves by the cap's thickness only. */
static PetscErrorCode TryPeelCap(Work *w, PetscInt t, PetscBool *done)
{
  const PetscInt *v = &w->tets[4 * t];
  PetscInt        on[4], other[4], non = 0, noff = 0, f[4];
  int32_t         side = -1, a = w->region[t];
  PetscFunctionBeginUser;
  *done = PETSC_FALSE;
  for (int k = 0; k < 4; k++) {
    const int *o = outward_face[k];
    PetscInt   u;
    f[k] = FindFacet(w, v[o[0]], v[o[1]], v[o[2]]);
    u    = Neighbour(w, t, v[o[0]], v[o[1]], v[o[2]]);
    if (f[k] >= 0) {
      int32_t s = u < 0 ? 0 : w->region[u];
      if (side >= 0 && s != side) PetscFunctionReturn(0);
      side = s, on[non++] = k;
    } else {
      if (u < 0 || w->region[u] != a) PetscFunctionReturn(0);
      other[noff++] = k;
    }
  }
  if (non != 2 || EdgeOnFacet(w, v[on[0]], v[on[1]]))
    PetscFunctionReturn(0); /* v[on[i]] are the vertices of the shared edge of the other two */
  /* a cap's facets (surface caps: flat, tagged inlets) stay in their plane with their tag */
  if (TwinfeCapIndex(w->facet_tags[f[on[0]]]) || TwinfeCapIndex(w->facet_tags[f[on[1]]])) PetscFunctionReturn(0);
  for (int i = 0; i < 2; i++)
    w->facet_dead[f[on[i]]] = PETSC_TRUE;
  for (int i = 0; i < 2; i++) {
    const int *o = outward_face[other[i]];
    /* facets point from the higher label to the lower: out of the tet when its new side is higher */
    const int32_t hi = PetscMax(a, side), lo = PetscMin(a, side);
    if (side > a)
      PetscCall(AddFacet(w, v[o[0]], v[o[1]], v[o[2]], (int32_t)TwinfeFacetTag(hi, lo)));
    else
      PetscCall(AddFacet(w, v[o[0]], v[o[2]], v[o[1]], (int32_t)TwinfeFacetTag(hi, lo)));
  }
  if (side == 0)
    w->dead[t] = PETSC_TRUE;
  else
    w->region[t] = side;
  *done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---- set-up and the passes -------------------------------------------------------------- */

static PetscErrorCode SetUpFacets(Work *w, TwinfeMesh mesh)
{
  PetscInt *fill;
  PetscFunctionBeginUser;
  w->nf = w->nf_cap = w->nf_orig = mesh->nfacets;
  PetscCall(PetscMalloc1(3 * w->nf_cap + 3, &w->facets));
  PetscCall(PetscArraycpy(w->facets, mesh->facets, 3 * w->nf));
  PetscCall(PetscMalloc1(w->nf_cap + 1, &w->facet_tags));
  PetscCall(PetscArraycpy(w->facet_tags, mesh->facet_tags, w->nf));
  PetscCall(PetscCalloc1(w->nf_cap + 1, &w->facet_dead));
  PetscCall(PetscCalloc1(w->nv_orig + 2, &w->facet_csr_offset));
  PetscCall(PetscMalloc1(3 * w->nf + 1, &w->facet_csr));
  for (PetscInt i = 0; i < 3 * w->nf; i++)
    w->facet_csr_offset[w->facets[i] + 1]++;
  for (PetscInt v = 0; v < w->nv_orig; v++)
    w->facet_csr_offset[v + 1] += w->facet_csr_offset[v];
  PetscCall(PetscMalloc1(w->nv_orig + 1, &fill));
  PetscCall(PetscArraycpy(fill, w->facet_csr_offset, w->nv_orig));
  for (PetscInt i = 0; i < 3 * w->nf; i++)
    w->facet_csr[fill[w->facets[i]]++] = i / 3;
  PetscCall(PetscFree(fill));
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkCreate(TwinfeMesh mesh, Work *w)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  w->nv = w->nv_cap = w->nv_orig = mesh->nvertices;
  w->nt = w->nt_cap = w->nt_orig = mesh->ntets;
  PetscCall(PetscMalloc1(3 * w->nv_cap + 3, &w->xyz));
  PetscCall(PetscArraycpy(w->xyz, mesh->xyz, 3 * w->nv));
  PetscCall(PetscMalloc1(4 * w->nt_cap + 4, &w->tets));
  PetscCall(PetscArraycpy(w->tets, mesh->tets, 4 * w->nt));
  PetscCall(PetscMalloc1(w->nt_cap + 1, &w->region));
  PetscCall(PetscArraycpy(w->region, mesh->regions, w->nt));
  PetscCall(PetscCalloc1(w->nt_cap + 1, &w->dead));
  PetscCall(PetscMalloc1(w->nv_cap + 1, &w->fixed));
  PetscCall(PetscMalloc1(w->nv_cap + 1, &w->head));
  for (PetscInt v = 0; v < w->nv; v++)
    w->fixed[v] = PETSC_TRUE, w->head[v] = -1;
  /* a vertex on a tet and on no facet may move */
  for (PetscInt i = 0; i < 4 * w->nt; i++)
    w->fixed[w->tets[i]] = PETSC_FALSE;
  for (PetscInt i = 0; i < 3 * mesh->nfacets; i++)
    w->fixed[mesh->facets[i]] = PETSC_TRUE;
  PetscCall(PetscCalloc1(w->nv + 2, &w->csr_offset));
  PetscCall(PetscMalloc1(4 * w->nt + 1, &w->csr_tets));
  for (PetscInt i = 0; i < 4 * w->nt; i++)
    w->csr_offset[w->tets[i] + 1]++;
  for (PetscInt v = 0; v < w->nv; v++)
    w->csr_offset[v + 1] += w->csr_offset[v];
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(w->nv + 1, &fill));
    PetscCall(PetscArraycpy(fill, w->csr_offset, w->nv));
    for (PetscInt i = 0; i < 4 * w->nt; i++)
      w->csr_tets[fill[w->tets[i]]++] = i / 4;
    PetscCall(PetscFree(fill));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WorkDestroy(Work *w)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(w->xyz));
  PetscCall(PetscFree(w->tets));
  PetscCall(PetscFree(w->region));
  PetscCall(PetscFree(w->dead));
  PetscCall(PetscFree(w->fixed));
  PetscCall(PetscFree(w->head));
  PetscCall(PetscFree(w->csr_offset));
  PetscCall(PetscFree(w->csr_tets));
  PetscCall(PetscFree(w->ov_tet));
  PetscCall(PetscFree(w->ov_next));
  PetscCall(PetscFree(w->queue));
  PetscCall(PetscFree(w->stale));
  PetscCall(PetscFree(w->facets));
  PetscCall(PetscFree(w->facet_tags));
  PetscCall(PetscFree(w->facet_dead));
  PetscCall(PetscFree(w->facet_csr_offset));
  PetscCall(PetscFree(w->facet_csr));
  PetscFunctionReturn(0);
}

/* The living tets back into the mesh, in their order (new tets last), and the new vertices. */
static PetscErrorCode WorkToMesh(const Work *w, TwinfeMesh mesh)
{
  PetscInt n = 0;
  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshForgetCellMeasures_Private(mesh));
  for (PetscInt t = 0; t < w->nt; t++)
    n += !w->dead[t];
  PetscCall(PetscFree(mesh->tets));
  PetscCall(PetscFree(mesh->regions));
  PetscCall(PetscMalloc1(4 * n + 4, &mesh->tets));
  PetscCall(PetscMalloc1(n + 1, &mesh->regions));
  mesh->ntets = 0;
  for (PetscInt t = 0; t < w->nt; t++) {
    if (w->dead[t]) continue;
    PetscCall(PetscArraycpy(&mesh->tets[4 * mesh->ntets], &w->tets[4 * t], 4));
    mesh->regions[mesh->ntets++] = w->region[t];
  }
  if (w->nv != mesh->nvertices) {
    PetscCall(PetscFree(mesh->xyz));
    PetscCall(PetscMalloc1(3 * w->nv, &mesh->xyz));
    mesh->nvertices = w->nv;
  }
  PetscCall(PetscArraycpy(mesh->xyz, w->xyz, 3 * w->nv));
  if (w->facets) {
    PetscInt nf = 0;
    for (PetscInt f = 0; f < w->nf; f++)
      nf += !w->facet_dead[f];
    PetscCall(PetscFree(mesh->facets));
    PetscCall(PetscFree(mesh->facet_tags));
    PetscCall(PetscMalloc1(3 * nf + 3, &mesh->facets));
    PetscCall(PetscMalloc1(nf + 1, &mesh->facet_tags));
    mesh->nfacets = 0;
    for (PetscInt f = 0; f < w->nf; f++) {
      if (w->facet_dead[f]) continue;
      PetscCall(PetscArraycpy(&mesh->facets[3 * mesh->nfacets], &w->facets[3 * f], 3));
      mesh->facet_tags[mesh->nfacets++] = w->facet_tags[f];
    }
  }
  PetscFunctionReturn(0);
}

/* One pass over the queued tets: each poor one tries the changes from cheapest to dearest. */
static PetscErrorCode ImprovePass(Work *w, const Bounds *bd, TwinfeMeshImproveStats *stats, PetscBool *changed)
{
  PetscInt n = w->nqueue, *todo;
  PetscFunctionBeginUser;
  *changed = PETSC_FALSE;
  PetscCall(PetscMalloc1(n + 1, &todo));
  PetscCall(PetscArraycpy(todo, w->queue, n));
  w->nqueue = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt t    = todo[i];
    PetscBool      done = PETSC_FALSE;
    if (w->dead[t] || TetQuality(w, bd, t) >= 1) continue;
    PetscCall(TryEdgeRemoval(w, bd, t, &done));
    if (done) stats->edge_removals++;
    if (!done) {
      PetscCall(TryFaceFlip(w, bd, t, &done));
      if (done) stats->face_flips++;
    }
    if (!done) {
      PetscCall(TrySmoothing(w, bd, t, &done));
      if (done) stats->vertex_moves++;
    }
    if (!done) {
      PetscCall(TryInsertion(w, bd, t, &done));
      if (done) stats->insertions++;
    }
    if (done)
      *changed = PETSC_TRUE;
    else
      PetscCall(Enqueue(w, t)); /* a neighbour's change may help it next pass */
  }
  PetscCall(PetscFree(todo));
  PetscFunctionReturn(0);
}

static void Measure(const Work *w, PetscInt t, PetscReal *rr, PetscReal *dih)
{
  const PetscInt  *v    = &w->tets[4 * t];
  const PetscReal *p[4] = {&w->xyz[3 * v[0]], &w->xyz[3 * v[1]], &w->xyz[3 * v[2]], &w->xyz[3 * v[3]]};
  *rr                   = TwinfeTetRadiusRatio_Private(p);
  *dih                  = TwinfeTetMinDihedralDeg_Private(p);
}

/* The mesh's measures of every tet (computed on TwinfeGetThreads threads unless the mesh has
   them), and the tets below the aimed bounds queued. They are the ones the report and mesh.vtu
   use: when nothing changes here, the mesh keeps them and they are not computed twice (0.05 s
   on the CT-sized phantom); a change makes the mesh forget them (WorkToMesh). */
static PetscErrorCode MeasureAll(Work *w, TwinfeMesh mesh, const Bounds *aim)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshMeasureCells_Private(mesh));
  w->rr0 = mesh->cell_radius_ratio, w->dih0 = mesh->cell_min_dihedral;
  PetscCall(PetscMalloc1(w->nt_orig + 1, &w->stale));
  for (PetscInt t = 0; t < w->nt_orig; t++) {
    w->stale[t] = PETSC_FALSE;
    if (w->rr0[t] < aim->rr_min || w->dih0[t] < aim->dih_min) PetscCall(Enqueue(w, t));
  }
  PetscFunctionReturn(0);
}

/* Poor tets and the worst values now: stored values where nothing changed. */
static void CountPoor(const Work *w, const Bounds *bd, PetscBool before, PetscInt *poor, PetscReal *min_rr, PetscReal *min_dih)
{
  *poor = 0, *min_rr = PETSC_MAX_REAL, *min_dih = 180;
  for (PetscInt t = 0; t < (before ? w->nt_orig : w->nt); t++) {
    PetscReal rr, dih;
    if (!before && w->dead[t]) continue;
    if (t < w->nt_orig && (before || !w->stale[t]))
      rr = w->rr0[t], dih = w->dih0[t];
    else
      Measure(w, t, &rr, &dih);
    *min_rr  = PetscMin(*min_rr, rr);
    *min_dih = PetscMin(*min_dih, dih);
    if (rr < bd->rr_min || dih < bd->dih_min) (*poor)++;
  }
}

/* The tets still below the bounds that are caps are peeled (TryPeelCap); their neighbours, and
   a cap that joined another region, are queued again. */
static PetscErrorCode PeelCaps(Work *w, TwinfeMesh mesh, const Bounds *bd, TwinfeMeshImproveStats *stats)
{
  PetscInt n = w->nqueue, *todo;
  PetscFunctionBeginUser;
  PetscCall(SetUpFacets(w, mesh));
  PetscCall(PetscMalloc1(n + 1, &todo));
  PetscCall(PetscArraycpy(todo, w->queue, n));
  w->nqueue = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt t    = todo[i];
    PetscBool      done = PETSC_FALSE;
    if (w->dead[t] || TetQuality(w, bd, t) >= 1) continue;
    PetscCall(TryPeelCap(w, t, &done));
    if (done) {
      const PetscInt *v = &w->tets[4 * t];
      stats->caps_peeled++;
      stats->peeled_volume_mm3 +=
          PetscAbsReal(TwinfeTetDet_Private(&w->xyz[3 * v[0]], &w->xyz[3 * v[1]], &w->xyz[3 * v[2]], &w->xyz[3 * v[3]])) / 6;
      for (int k = 0; k < 4; k++) {
        PetscInt u = InteriorNeighbour(w, t, k);
        if (u >= 0) PetscCall(Enqueue(w, u));
      }
      /* a cap that joined the region across its facets is as thin as before, but its edge
         between its two former facets is inside that region now, and edge removal can reach it */
      if (!w->dead[t]) PetscCall(Enqueue(w, t));
    } else
      PetscCall(Enqueue(w, t));
  }
  PetscCall(PetscFree(todo));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshImprove(TwinfeMesh mesh, PetscReal min_radius_ratio, PetscReal min_dihedral_deg,
                                 TwinfeMeshImproveStats *stats)
{
  Work                   w;
  TwinfeMeshImproveStats s;
  PetscLogDouble         t0, t1;
  /* aim a little above the bounds, so that what is fixed is not left at the edge of them */
  const Bounds aim = {1.2 * min_radius_ratio, 1.2 * min_dihedral_deg}, bounds = {min_radius_ratio, min_dihedral_deg};
  PetscBool    changed = PETSC_TRUE;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  PetscCheck(min_radius_ratio > 0 && min_radius_ratio < 0.5 && min_dihedral_deg > 0 && min_dihedral_deg < 40, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeMeshImprove: bounds radius ratio %g and dihedral %g deg are outside (0, 0.5) and (0, 40) deg",
             (double)min_radius_ratio, (double)min_dihedral_deg);
  PetscCall(PetscTime(&t0));
  PetscCall(PetscMemzero(&s, sizeof s));
  PetscCall(WorkCreate(mesh, &w));
  PetscCall(MeasureAll(&w, mesh, &aim));
  CountPoor(&w, &bounds, PETSC_TRUE, &s.poor_before, &s.min_radius_ratio_before, &s.min_dihedral_deg_before);
  for (PetscInt pass = 0; pass < 8 && changed && w.nqueue; pass++) {
    PetscCall(ImprovePass(&w, &aim, &s, &changed));
    s.passes++;
  }
  if (w.nqueue) PetscCall(PeelCaps(&w, mesh, &bounds, &s));
  for (PetscInt pass = 0; pass < 4 && s.caps_peeled && w.nqueue; pass++) {
    PetscCall(ImprovePass(&w, &aim, &s, &changed));
    s.passes++;
    if (!changed) break;
  }
  CountPoor(&w, &bounds, PETSC_FALSE, &s.poor_after, &s.min_radius_ratio_after, &s.min_dihedral_deg_after);
  if (s.edge_removals + s.face_flips + s.vertex_moves + s.insertions + s.caps_peeled) PetscCall(WorkToMesh(&w, mesh));
  PetscCall(WorkDestroy(&w));
  PetscCall(PetscTime(&t1));
  s.seconds = t1 - t0;
  if (stats) *stats = s;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMeshGetImproveStats(TwinfeMesh mesh, PetscBool *improved, TwinfeMeshImproveStats *stats)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(mesh);
  if (improved) *improved = mesh->improved;
  if (stats) *stats = mesh->improve_stats;
  PetscFunctionReturn(0);
}
