/* Surface remesher: the four local operations (split, collapse, flip, relax) and compaction.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each pass rebuilds the vertex -> triangle stars once; an operation then locks every vertex
 * whose star it changed, so later operations of the same pass only read stars that are still
 * true. */
#include "remesh_impl.h"

/* Splits above 4/3 of the target, collapses below 4/5 (Botsch and Kobbelt 2004): the two
   bounds keep a split's halves from being collapsed again and a collapse's edges from being
   split again. */
#define RM_SPLIT_ABOVE (4.0 / 3.0)
#define RM_COLLAPSE_BELOW (4.0 / 5.0)
/* Flips only between triangles whose normals are within ~37 degrees (cos 0.8): a flip across a
   sharper crease would change the shape. */
#define RM_FLIP_MAX_CREASE_COS 0.8
/* Relaxation skips moves shorter than this fraction of the local target. */
#define RM_RELAX_TINY 0.02

static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline PetscReal Dist(const PetscReal *a, const PetscReal *b)
{
  return PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

static inline PetscBool TriHas(const PetscInt *T, PetscInt v)
{
  return (PetscBool)(T[0] == v || T[1] == v || T[2] == v);
}

/* Does the ray r from the apex come within the angle whose sine is sin_max of the corner (a1, a2)
   of a triangle with normal n (a1 x a2 along n)? Inside the corner's span that is the angle to
   its plane, outside it the angle to the nearer side. */
static PetscBool RayNearCorner(const PetscReal r[3], const PetscReal a1[3], const PetscReal a2[3], const PetscReal n[3],
                               PetscReal sin_max)
{
  PetscReal c1[3], c2[3], rr = Dot3(r, r);
  c1[0] = a1[1] * r[2] - a1[2] * r[1], c1[1] = a1[2] * r[0] - a1[0] * r[2], c1[2] = a1[0] * r[1] - a1[1] * r[0];
  c2[0] = r[1] * a2[2] - r[2] * a2[1], c2[1] = r[2] * a2[0] - r[0] * a2[2], c2[2] = r[0] * a2[1] - r[1] * a2[0];
  if (Dot3(c1, n) >= 0 && Dot3(c2, n) >= 0) {
    PetscReal rn = Dot3(r, n);
    return (PetscBool)(rn * rn < sin_max * sin_max * rr * Dot3(n, n));
  }
  {
    const PetscReal cos_max = PetscSqrtReal(1 - sin_max * sin_max), d1 = Dot3(r, a1), d2 = Dot3(r, a2);
    return (PetscBool)((d1 > 0 && d1 * d1 > cos_max * cos_max * rr * Dot3(a1, a1)) ||
                       (d2 > 0 && d2 * d2 > cos_max * cos_max * rr * Dot3(a2, a2)));
  }
}

/* Do triangles T (normal nT) and U, whose corners iw and ju are the same vertex, nearly touch
   there: an edge of one at that vertex within the angle (sine sin_max) of the other's corner?
   Two sheets pinched together at a vertex can only be filled by flat tets (TotalSegmentator at
   6 mm: a tet of dihedral 0.3 deg); the wedge test does not see them (no shared edge). */
static PetscBool CornersTouch(const PetscReal x[], const PetscInt T[3], const PetscReal nT[3], int iw, const PetscInt U[3],
                              int ju, PetscReal sin_max)
{
  const PetscReal *pw = x + 3 * T[iw];
  PetscReal        a[2][3], b[2][3], nU[3];
  for (int d = 0; d < 3; d++) {
    a[0][d] = x[3 * T[(iw + 1) % 3] + d] - pw[d], a[1][d] = x[3 * T[(iw + 2) % 3] + d] - pw[d];
    b[0][d] = x[3 * U[(ju + 1) % 3] + d] - pw[d], b[1][d] = x[3 * U[(ju + 2) % 3] + d] - pw[d];
  }
  nU[0] = b[0][1] * b[1][2] - b[0][2] * b[1][1], nU[1] = b[0][2] * b[1][0] - b[0][0] * b[1][2];
  nU[2] = b[0][0] * b[1][1] - b[0][1] * b[1][0];
  return (PetscBool)(RayNearCorner(b[0], a[0], a[1], nT, sin_max) || RayNearCorner(b[1], a[0], a[1], nT, sin_max) ||
                     RayNearCorner(a[0], b[0], b[1], nU, sin_max) || RayNearCorner(a[1], b[0], b[1], nU, sin_max));
}

/* Do the two other vertices p, q of a triangle lie strictly on one side of the plane through w
   with normal n? Then that triangle meets the plane only at w. */
static inline PetscBool OneSide(const PetscReal n[3], const PetscReal *w, const PetscReal *p, const PetscReal *q)
{
  PetscReal sp = n[0] * (p[0] - w[0]) + n[1] * (p[1] - w[1]) + n[2] * (p[2] - w[2]);
  PetscReal sq = n[0] * (q[0] - w[0]) + n[1] * (q[1] - w[1]) + n[2] * (q[2] - w[2]);
  return (PetscBool)((sp > 0 && sq > 0) || (sp < 0 && sq < 0));
}

/* TwinfeTrianglePairBad_Private for T (normal nT) and U, without its box test (triangles that
   share a vertex always pass it), with the fold test written out, and with shortcuts: when they
   share exactly one vertex w and one triangle's other two vertices lie strictly on one side of
   the other's plane, that triangle meets the plane only at w, so neither triangle's edge
   opposite w can cross the other (U against T's plane settles about 70% of such pairs in
   remeshing, T against U's plane most of the rest). Also bad: two triangles on an edge opening
   less than the angle of cosine wedge_cos (>= 0), or (sin_touch > 0) sharing a vertex and
   touching there within the angle of sine sin_touch. */
static PetscBool PairBad(const PetscReal x[], const PetscInt T[3], const PetscReal nT[3], const PetscInt U[3],
                         PetscReal wedge_cos, PetscReal sin_touch)
{
  PetscInt shared = 0, w = -1, o[3], no = 0;
  for (int j = 0; j < 3; j++) {
    PetscBool in = (PetscBool)(U[j] == T[0] || U[j] == T[1] || U[j] == T[2]);
    if (in)
      shared++, w = U[j];
    else
      o[no++] = U[j];
  }
  if (shared == 2) {
    /* folded across the shared edge: normals nearly opposite when the edge runs opposite ways
       (oriented alike), nearly equal when it runs the same way (as TwinfeTrianglePairBad_Private);
       the cosine compared by its square, without a root */
    PetscReal nU[3], dot, bound2;
    PetscBool alike = PETSC_FALSE;
    RmNormal(x + 3 * U[0], x + 3 * U[1], x + 3 * U[2], nU);
    dot = nT[0] * nU[0] + nT[1] * nU[1] + nT[2] * nU[2];
    bound2 =
        wedge_cos * wedge_cos * (nT[0] * nT[0] + nT[1] * nT[1] + nT[2] * nT[2]) * (nU[0] * nU[0] + nU[1] * nU[1] + nU[2] * nU[2]);
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        if (T[i] == U[(j + 1) % 3] && T[(i + 1) % 3] == U[j]) alike = PETSC_TRUE;
    return (PetscBool)((alike ? dot < 0 : dot > 0) && dot * dot > bound2);
  }
  if (shared != 1) return TwinfeTrianglePairBad_Private(x, T, U);
  if (sin_touch > 0 && CornersTouch(x, T, nT, T[0] == w ? 0 : T[1] == w ? 1 : 2, U, U[0] == w ? 0 : U[1] == w ? 1 : 2, sin_touch))
    return PETSC_TRUE;
  if (OneSide(nT, x + 3 * w, x + 3 * o[0], x + 3 * o[1])) return PETSC_FALSE;
  {
    const PetscInt iw = T[0] == w ? 0 : T[1] == w ? 1 : 2;
    PetscReal      nU[3];
    RmNormal(x + 3 * U[0], x + 3 * U[1], x + 3 * U[2], nU);
    if (OneSide(nU, x + 3 * w, x + 3 * T[(iw + 1) % 3], x + 3 * T[(iw + 2) % 3])) return PETSC_FALSE;
  }
  return TwinfeTrianglePairBad_Private(x, T, U);
}

/* Does a triangle just changed meet a triangle around it wrongly (crossing, folded over, a
   duplicate)? "Around" is the stars of its vertices, and the star of also (>= 0), which holds
   triangles a collapse moved to a vertex whose own star is not rebuilt yet. Each pair is tested
   once: a triangle reached through several stars is marked (tmark), and a pair of two changed
   triangles is tested from the one listed first (each is around the other). */
static PetscBool LocalClash(Rm *m, PetscInt n, const PetscInt changed[], PetscInt also)
{
  const PetscInt base = m->tstamp + 1;
  m->tstamp += n + 1;
  for (PetscInt i = 0; i < n; i++)
    m->tpos[changed[i]] = base + i;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt *T = m->t + 3 * changed[i];
    PetscReal       nT[3];
    if (T[0] < 0) continue;
    RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], nT);
    m->tstamp++;
    for (int c = 0; c < 4; c++) {
      PetscInt  w = c < 3 ? T[c] : also;
      PetscReal sin_touch;
      if (w < 0) continue;
      /* pinches are where sheets touch at a point: only there (never inside one disk, where
         the triangles between keep the others apart) is the corner test worth its cost */
      sin_touch = m->type[w] != RM_REGULAR ? m->corner_sin : 0;
      for (PetscInt s = m->vs[w]; s < m->vs[w + 1]; s++) {
        const PetscInt  u = m->vt[s];
        const PetscInt *U = m->t + 3 * u;
        if (m->tmark[u] == m->tstamp) continue;
        m->tmark[u] = m->tstamp;
        if (U[0] < 0 || (m->tpos[u] >= base && m->tpos[u] <= base + i)) continue;
        if (PairBad(m->x, T, nT, U, m->wedge_cos, sin_touch)) return PETSC_TRUE;
      }
    }
  }
  return PETSC_FALSE;
}

/* Is triangle t's centroid within the deviation bound of the input surface of its label pair? */
static PetscBool TriangleNear(const Rm *m, PetscInt t)
{
  const PetscInt *T = m->t + 3 * t;
  PetscReal       c[3], n[3];
  for (int d = 0; d < 3; d++)
    c[d] = (m->x[3 * T[0] + d] + m->x[3 * T[1] + d] + m->x[3 * T[2] + d]) / 3;
  RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n);
  return RmNearSurface(m, c, RmPairCode(m->lab + 2 * t), n, m->maxdev, &m->thint[t]);
}

/* ---------------------------------------------------------------- capacity */

static PetscErrorCode Grow(void **p, size_t elem, PetscInt used, PetscInt cap)
{
  void *q;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc(elem * (size_t)cap, &q));
  if (used) PetscCall(PetscMemcpy(q, *p, elem * (size_t)used));
  PetscCall(PetscFree(*p));
  *p = q;
  PetscFunctionReturn(0);
}

static PetscErrorCode Reserve(Rm *m, PetscInt nv, PetscInt nt)
{
  PetscFunctionBeginUser;
  if (nv > m->cv) {
    PetscInt cv = PetscMax(nv, 2 * m->cv);
    PetscCall(Grow((void **)&m->x, 3 * sizeof(PetscReal), m->nv, cv));
    PetscCall(Grow((void **)&m->size, sizeof(PetscReal), m->nv, cv));
    PetscCall(Grow((void **)&m->type, sizeof(int8_t), m->nv, cv));
    PetscCall(Grow((void **)&m->fn, 2 * sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->key, sizeof(uint64_t), m->nv, cv));
    /* the stars stay valid: a split pass reads them after growing */
    PetscCall(Grow((void **)&m->vs, sizeof(PetscInt), m->nv + 2, cv + 2));
    PetscCall(Grow((void **)&m->lock, sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->seen, sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->vhint, sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->touched, sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->settled, sizeof(PetscInt), m->nv, cv));
    PetscCall(Grow((void **)&m->restar, sizeof(int8_t), m->nv, cv));
    PetscCall(PetscArrayzero(m->lock + m->nv, cv - m->nv));
    PetscCall(PetscArrayzero(m->seen + m->nv, cv - m->nv));
    m->cv = cv;
  }
  if (nt > m->ct) {
    PetscInt ct = PetscMax(nt, 2 * m->ct);
    PetscCall(Grow((void **)&m->t, 3 * sizeof(PetscInt), m->nt, ct));
    PetscCall(Grow((void **)&m->lab, 2 * sizeof(int32_t), m->nt, ct));
    PetscCall(Grow((void **)&m->target, sizeof(PetscReal), m->nt, ct));
    PetscCall(Grow((void **)&m->vt, 3 * sizeof(PetscInt), m->nt, ct));
    PetscCall(Grow((void **)&m->tmark, sizeof(PetscInt), m->nt, ct));
    PetscCall(Grow((void **)&m->thint, sizeof(PetscInt), m->nt, ct));
    PetscCall(Grow((void **)&m->tpos, sizeof(PetscInt), m->nt, ct));
    PetscCall(PetscArrayzero(m->tmark + m->nt, ct - m->nt));
    PetscCall(PetscArrayzero(m->tpos + m->nt, ct - m->nt));
    m->ct = ct;
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- split */

static inline uint64_t EdgeHashKey(PetscInt a, PetscInt b)
{
  return a < b ? ((uint64_t)a << 32) | (uint64_t)b : ((uint64_t)b << 32) | (uint64_t)a;
}

static inline PetscInt HashSlot(const Rm *m, uint64_t k)
{
  return (PetscInt)((k * 0x9E3779B97F4A7C15ull) >> 17) & (m->hcap - 1);
}

static void HashPut(Rm *m, PetscInt a, PetscInt b, PetscInt v)
{
  uint64_t k = EdgeHashKey(a, b);
  PetscInt s = HashSlot(m, k);
  while (m->hval[s] >= 0)
    s = (s + 1) & (m->hcap - 1);
  m->hkey[s] = k, m->hval[s] = v;
}

static PetscInt HashGet(const Rm *m, PetscInt a, PetscInt b)
{
  uint64_t k = EdgeHashKey(a, b);
  PetscInt s = HashSlot(m, k);
  while (m->hval[s] >= 0) {
    if (m->hkey[s] == k) return m->hval[s];
    s = (s + 1) & (m->hcap - 1);
  }
  return -1;
}

static PetscErrorCode HashReset(Rm *m, PetscInt n)
{
  PetscInt cap = 1024;
  PetscFunctionBeginUser;
  while (cap < 2 * n)
    cap *= 2;
  if (cap > m->hcap) {
    PetscCall(PetscFree2(m->hkey, m->hval));
    PetscCall(PetscMalloc2(cap, &m->hkey, cap, &m->hval));
    m->hcap = cap;
  }
  for (PetscInt s = 0; s < m->hcap; s++)
    m->hval[s] = -1;
  PetscFunctionReturn(0);
}

static void AddTri(Rm *m, PetscInt slot, PetscInt a, PetscInt b, PetscInt c, const int32_t lab[2], PetscReal target)
{
  m->t[3 * slot] = a, m->t[3 * slot + 1] = b, m->t[3 * slot + 2] = c;
  m->lab[2 * slot] = lab[0], m->lab[2 * slot + 1] = lab[1];
  m->target[slot] = target;
}

/* The split vertex of edge ab, or -1 when ab is not split (or its split was withdrawn). */
static PetscInt SplitVertex(const Rm *m, PetscInt a, PetscInt b)
{
  PetscInt v = HashGet(m, a, b);
  return v >= 0 && m->type[v] != RM_DEAD ? v : -1;
}

/* The pieces of triangle t (3 vertices each, t's orientation) when edge e (v[e], v[e+1]) is
   split at its split vertex; returns their number (0: t is not cut). */
static PetscInt SplitPieces(const Rm *m, PetscInt t, PetscInt piece[4][3])
{
  PetscInt v[3], s[3], n = 0;
  for (int c = 0; c < 3; c++)
    v[c] = m->t[3 * t + c];
  for (int e = 0; e < 3; e++)
    n += (s[e] = SplitVertex(m, v[e], v[(e + 1) % 3])) >= 0;
#define RM_PIECE(k, p, q, r) (piece[k][0] = (p), piece[k][1] = (q), piece[k][2] = (r))
  if (n == 0) return 0;
  if (n == 3) {
    RM_PIECE(0, v[0], s[0], s[2]);
    RM_PIECE(1, s[0], v[1], s[1]);
    RM_PIECE(2, s[2], s[1], v[2]);
    RM_PIECE(3, s[0], s[1], s[2]);
    return 4;
  }
  if (n == 1) {
    int e = s[0] >= 0 ? 0 : s[1] >= 0 ? 1 : 2;
    RM_PIECE(0, v[e], s[e], v[(e + 2) % 3]);
    RM_PIECE(1, s[e], v[(e + 1) % 3], v[(e + 2) % 3]);
    return 2;
  }
  {
    /* two split edges e (v0 v1) and e+1 (v1 v2) around the corner v1 = v[e+1]; the rest is the
       quad v0 s0 s1 v2, cut along its shorter diagonal */
    int             e  = s[0] < 0 ? 1 : s[1] < 0 ? 2 : 0;
    PetscInt        a0 = v[e], a1 = v[(e + 1) % 3], a2 = v[(e + 2) % 3], m0 = s[e], m1 = s[(e + 1) % 3];
    const PetscReal d1 = Dist(m->x + 3 * a0, m->x + 3 * m1), d2 = Dist(m->x + 3 * m0, m->x + 3 * a2);
    RM_PIECE(0, m0, a1, m1);
    if (d1 <= d2) {
      RM_PIECE(1, a0, m0, m1);
      RM_PIECE(2, a0, m1, a2);
    } else {
      RM_PIECE(1, a0, m0, a2);
      RM_PIECE(2, m0, m1, a2);
    }
    return 3;
  }
#undef RM_PIECE
}

/* Replace triangle t by its pieces. */
static void SplitTriangleCut(Rm *m, PetscInt t)
{
  PetscInt        piece[4][3], n = SplitPieces(m, t, piece);
  int32_t         lab[2] = {m->lab[2 * t], m->lab[2 * t + 1]};
  const PetscReal h      = m->target[t];
  for (PetscInt k = 0; k < n; k++)
    AddTri(m, k ? m->nt++ : t, piece[k][0], piece[k][1], piece[k][2], lab, h);
}

/* The cosine of the angle between the half-planes of triangles (p, q, c) and (p, q, d) on
   their common edge pq: 1 when they fold onto each other, -1 when flat. */
static PetscReal WedgeCos(const PetscReal *p, const PetscReal *q, const PetscReal *c, const PetscReal *d)
{
  PetscReal e[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]}, u[3] = {c[0] - p[0], c[1] - p[1], c[2] - p[2]};
  PetscReal w[3] = {d[0] - p[0], d[1] - p[1], d[2] - p[2]}, ee = Dot3(e, e), su, sw, den;
  if (ee <= 0) return 1;
  su = Dot3(u, e) / ee, sw = Dot3(w, e) / ee;
  for (int k = 0; k < 3; k++)
    u[k] -= su * e[k], w[k] -= sw * e[k];
  den = PetscSqrtReal(Dot3(u, u) * Dot3(w, w));
  return den > 0 ? Dot3(u, w) / den : 1;
}

/* The third vertex of the piece of t (t itself when it is not cut) on the edge pq, or -1. */
static PetscInt PieceApex(const Rm *m, PetscInt t, PetscInt p, PetscInt q)
{
  PetscInt        piece[4][3], n = SplitPieces(m, t, piece);
  const PetscInt *T = m->t + 3 * t;
  if (!n) return TriHas(T, p) && TriHas(T, q) ? T[0] + T[1] + T[2] - p - q : -1;
  for (PetscInt k = 0; k < n; k++)
    if (TriHas(piece[k], p) && TriHas(piece[k], q)) return piece[k][0] + piece[k][1] + piece[k][2] - p - q;
  return -1;
}

/* Would the pieces of t open a narrower wedge than the bound (or than t and its neighbour did
   before, when that was narrower) with the pieces of a triangle across one of t's edges? A
   region squeezed into such a wedge can only be filled by flat tets. */
static PetscBool SplitWedgePoor(const Rm *m, PetscInt t)
{
  const PetscInt *T = m->t + 3 * t;
  for (int e = 0; e < 3; e++) {
    const PetscInt a = T[e], b = T[(e + 1) % 3], c0 = T[(e + 2) % 3], s = SplitVertex(m, a, b);
    const PetscInt sub[2][2] = {{a, s >= 0 ? s : b}, {s, b}};
    RmEdge         E;
    RmEdgeTriangles(m, a, b, &E);
    for (PetscInt i = 0; i < E.n && i < RM_MAX_EDGE_TRIS; i++) {
      const PetscInt t2 = E.t[i], *T2 = m->t + 3 * t2, d0 = T2[0] + T2[1] + T2[2] - a - b;
      PetscReal      bound;
      if (t2 == t) continue;
      bound = PetscMax(m->wedge_cos, WedgeCos(m->x + 3 * a, m->x + 3 * b, m->x + 3 * c0, m->x + 3 * d0));
      for (int h = 0; h < (s >= 0 ? 2 : 1); h++) {
        PetscInt p = sub[h][0], q = sub[h][1], c = PieceApex(m, t, p, q), d = PieceApex(m, t2, p, q);
        if (c < 0 || d < 0) continue;
        if (WedgeCos(m->x + 3 * p, m->x + 3 * q, m->x + 3 * c, m->x + 3 * d) > bound) return PETSC_TRUE;
      }
    }
  }
  return PETSC_FALSE;
}

/* Would cutting t leave a piece with a least angle below the bound (or below t's own, when
   that is lower), turned against t, with its centroid beyond the deviation bound, or in a
   narrow wedge with a neighbour? Midpoints are
   projected back on the input, so a piece of a skinny or curved triangle can be far worse than
   its parent. */
static PetscBool SplitPiecesPoor(const Rm *m, PetscInt t)
{
  PetscInt        piece[4][3], n = SplitPieces(m, t, piece);
  const PetscInt *T = m->t + 3 * t;
  PetscReal       bound, n0[3];
  if (!n) return PETSC_FALSE;
  bound = PetscMax(m->min_angle_cos, RmMinAngleCos(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2]));
  RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n0);
  for (PetscInt k = 0; k < n; k++) {
    const PetscReal *p = m->x + 3 * piece[k][0], *q = m->x + 3 * piece[k][1], *r = m->x + 3 * piece[k][2];
    PetscReal        n1[3];
    RmNormal(p, q, r, n1);
    if (Dot3(n0, n1) <= 0.5 * PetscSqrtReal(Dot3(n0, n0) * Dot3(n1, n1))) return PETSC_TRUE;
    if (RmMinAngleCos(p, q, r) > bound) return PETSC_TRUE;
    {
      PetscReal c[3];
      PetscInt  hint = m->thint[t];
      for (int d = 0; d < 3; d++)
        c[d] = (p[d] + q[d] + r[d]) / 3;
      if (!RmNearSurface(m, c, RmPairCode(m->lab + 2 * t), n1, m->maxdev, &hint)) return PETSC_TRUE;
    }
  }
  return SplitWedgePoor(m, t);
}

/* Withdraw the splits that would leave a poor piece: every split of a triangle with a poor
   piece is withdrawn, which changes its neighbours' patterns, so repeat until none is poor
   (splits only go, so this ends; only triangles cut at first can be cut later). Returns how
   many were withdrawn. */
static PetscErrorCode WithdrawPoorSplits(Rm *m, PetscInt nt0, PetscInt *withdrawn)
{
  PetscInt *cut, ncut = 0, changed;

  PetscFunctionBeginUser;
  *withdrawn = 0;
  PetscCall(PetscMalloc1(nt0, &cut));
  for (PetscInt t = 0; t < nt0; t++) {
    const PetscInt *T = m->t + 3 * t;
    if (T[0] >= 0 && (SplitVertex(m, T[0], T[1]) >= 0 || SplitVertex(m, T[1], T[2]) >= 0 || SplitVertex(m, T[2], T[0]) >= 0))
      cut[ncut++] = t;
  }
  do {
    changed = 0;
    for (PetscInt i = 0; i < ncut; i++) {
      const PetscInt *T = m->t + 3 * cut[i];
      if (!SplitPiecesPoor(m, cut[i])) continue;
      for (int e = 0; e < 3; e++) {
        PetscInt v = SplitVertex(m, T[e], T[(e + 1) % 3]);
        if (v >= 0) m->type[v] = RM_DEAD, changed++;
      }
    }
    *withdrawn += changed;
  } while (changed);
  PetscCall(PetscFree(cut));
  PetscFunctionReturn(0);
}

static void SplitTriangle(Rm *m, PetscInt t)
{
  const PetscInt nt0 = m->nt;
  SplitTriangleCut(m, t);
  for (PetscInt u = nt0; u < m->nt; u++) /* the pieces lie on the same input */
    m->thint[u] = m->thint[t];
  if (m->nt > nt0)
    for (PetscInt u = nt0 - 1; u < m->nt; u++)
      for (int c = 0; c < 3; c++) {
        RmTouch(m, m->t[3 * (u < nt0 ? t : u) + c]);
        m->restar[m->t[3 * (u < nt0 ? t : u) + c]] = 1;
      }
}

/* Put a new vertex on the input surface: on its curve when it splits a feature edge, else on
   the triangles of its label pair facing the same way. */
static void ProjectNew(Rm *m, PetscInt v, PetscBool feature, uint64_t key, const PetscReal nrm[3])
{
  PetscReal q[3];
  if (feature ? RmProjectCurve(m, m->x + 3 * v, key, q) : RmProjectSurface(m, m->x + 3 * v, key, nrm, q, NULL, &m->vhint[v]))
    for (int d = 0; d < 3; d++)
      m->x[3 * v + d] = q[d];
}

PetscErrorCode RmSplitPass(Rm *m, PetscInt *nsplit)
{
  PetscInt nb[RM_MAX_NEIGHBOURS], n = 0, nt0 = m->nt, nv0 = m->nv;

  PetscFunctionBeginUser;
  PetscCall(RmBuildStars(m));
  /* count first: capacities grow before anything is added */
  for (PetscInt a = 0; a < nv0; a++) {
    PetscInt k = m->type[a] == RM_DEAD ? 0 : RmNeighbours(m, a, nb);
    for (PetscInt i = 0; i < k; i++) {
      RmEdge    e;
      PetscReal h;
      if (nb[i] < a) continue;
      RmEdgeTriangles(m, a, nb[i], &e);
      h = RmEdgeTarget(m, a, nb[i], &e);
      if (h > 0 && Dist(m->x + 3 * a, m->x + 3 * nb[i]) > RM_SPLIT_ABOVE * h) n++;
    }
  }
  *nsplit = n;
  if (!n) PetscFunctionReturn(0);
  m->classified = PETSC_FALSE;
  PetscCall(Reserve(m, nv0 + n, 4 * nt0));
  PetscCall(HashReset(m, n));
  for (PetscInt a = 0; a < nv0; a++) {
    PetscInt k = m->type[a] == RM_DEAD ? 0 : RmNeighbours(m, a, nb);
    for (PetscInt i = 0; i < k; i++) {
      const PetscInt b = nb[i], v = m->nv;
      RmEdge         e;
      PetscReal      h, nrm[3] = {0, 0, 0};
      PetscBool      feature;
      if (b < a) continue;
      RmEdgeTriangles(m, a, b, &e);
      h = RmEdgeTarget(m, a, b, &e);
      if (!(h > 0 && Dist(m->x + 3 * a, m->x + 3 * b) > RM_SPLIT_ABOVE * h)) continue;
      for (int d = 0; d < 3; d++)
        m->x[3 * v + d] = 0.5 * (m->x[3 * a + d] + m->x[3 * b + d]);
      m->size[v]   = PetscMin(m->size[a], m->size[b]);
      feature      = RmEdgeIsFeature(m, &e);
      m->type[v]   = feature ? RM_CURVE : RM_REGULAR;
      m->fn[2 * v] = m->fn[2 * v + 1] = -1;
      if (feature)
        m->key[v] = RmEdgeKey(m, &e);
      else {
        const PetscInt *T = m->t + 3 * e.t[0], *U = m->t + 3 * e.t[1];
        PetscReal       n2[3];
        RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], nrm);
        RmNormal(m->x + 3 * U[0], m->x + 3 * U[1], m->x + 3 * U[2], n2);
        for (int d = 0; d < 3; d++)
          nrm[d] += n2[d];
        m->key[v] = RmPairCode(m->lab + 2 * e.t[0]);
      }
      m->vhint[v] = m->vhint[a], m->settled[v] = 0, m->restar[v] = 1;
      RmTouch(m, v);
      ProjectNew(m, v, feature, m->key[v], nrm);
      HashPut(m, a, b, v);
      m->nv++;
    }
  }
  PetscCall(WithdrawPoorSplits(m, nt0, &n));
  *nsplit -= n;
  for (PetscInt t = 0; t < nt0; t++)
    if (m->t[3 * t] >= 0) SplitTriangle(m, t);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- collapse */

/* Do a and b merge at their midpoint (both free on the surface, or on one curve)? Else at b's
   place (b on a feature or a corner, a not). A midpoint keeps the edges around short on both
   sides, which a move onto b does not. */
static PetscBool CollapseAtMidpoint(const Rm *m, PetscInt a, PetscInt b)
{
  return (PetscBool)((m->type[a] == RM_REGULAR && m->type[b] == RM_REGULAR) ||
                     (m->type[a] == RM_CURVE && m->type[b] == RM_CURVE && m->key[a] == m->key[b]));
}

/* Where a and b merge: the midpoint put back on the input (surface or curve), or b's place. */
static void CollapsePosition(const Rm *m, PetscInt a, PetscInt b, const RmEdge *e, PetscReal p[3])
{
  const PetscReal *pa = m->x + 3 * a, *pb = m->x + 3 * b;
  PetscReal        mid[3] = {0.5 * (pa[0] + pb[0]), 0.5 * (pa[1] + pb[1]), 0.5 * (pa[2] + pb[2])}, nrm[3] = {0, 0, 0};
  for (int d = 0; d < 3; d++)
    p[d] = pb[d];
  if (!CollapseAtMidpoint(m, a, b)) return;
  if (m->type[a] == RM_REGULAR) {
    for (PetscInt i = 0; i < e->n && i < RM_MAX_EDGE_TRIS; i++) {
      const PetscInt *T = m->t + 3 * e->t[i];
      PetscReal       n[3];
      RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n);
      for (int d = 0; d < 3; d++)
        nrm[d] += n[d];
    }
    PetscInt hint = m->vhint[a];
    (void)RmProjectSurface(m, mid, m->key[a], nrm, p, NULL, &hint);
  } else
    (void)RmProjectCurve(m, mid, m->key[a], p);
}

/* Would an edge from the merged vertex, placed at q, be longer than the split bound? The edges
   to a's neighbours, and to b's when the merged vertex leaves b's place. Tried at the midpoint
   before its projection, this turns down most candidates that would fail (in the first round
   on the CT kidney case, 97k of the 106k refused) without a search on the input surface; the
   same test runs again at the projected place (ChangedTriangleFair). */
static PetscBool CollapseStretches(const Rm *m, PetscInt a, PetscInt b, const PetscReal q[3], PetscReal h)
{
  const PetscReal bound = RM_SPLIT_ABOVE * h;
  for (int k = 0; k < 2; k++) {
    const PetscInt v = k ? b : a, other = k ? a : b;
    if (k && !CollapseAtMidpoint(m, a, b)) break;
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
      const PetscInt *T = m->t + 3 * m->vt[s];
      if (T[0] < 0 || TriHas(T, other)) continue;
      for (int c = 0; c < 3; c++)
        if (T[c] != v && Dist(q, m->x + 3 * T[c]) > bound) return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

/* The triangle t after the collapse of a into b placed at pnew (old: before it; pb_old: b's
   place before). */
static void CollapsedTriangle(const Rm *m, PetscInt t, PetscInt a, PetscInt b, const PetscReal *pb_old, const PetscReal *pnew,
                              const PetscReal *old[3], const PetscReal *r[3])
{
  const PetscInt *T = m->t + 3 * t;
  for (int k = 0; k < 3; k++) {
    old[k] = T[k] == b ? pb_old : m->x + 3 * T[k];
    r[k]   = (T[k] == a || T[k] == b) ? pnew : m->x + 3 * T[k];
  }
}

/* Is the triangle t, changed by the collapse, still fair: no edge at the new vertex longer than
   the split bound, no flipped or strongly turned normal, no least angle worse than the bound
   (or than before), its centroid near the input surface of its label pair? */
static PetscBool ChangedTriangleFair(const Rm *m, PetscInt t, const PetscReal *old[3], const PetscReal *r[3],
                                     const PetscReal *pnew, PetscReal h)
{
  PetscReal n0[3], n1[3], c[3], l0, l1;
  for (int k = 0; k < 3; k++)
    if (r[k] != pnew && Dist(pnew, r[k]) > RM_SPLIT_ABOVE * h) return PETSC_FALSE;
  RmNormal(old[0], old[1], old[2], n0);
  RmNormal(r[0], r[1], r[2], n1);
  l0 = PetscSqrtReal(Dot3(n0, n0)), l1 = PetscSqrtReal(Dot3(n1, n1));
  if (Dot3(n0, n1) <= 0.5 * l0 * l1) return PETSC_FALSE;
  if (RmMinAngleCos(r[0], r[1], r[2]) > PetscMax(m->min_angle_cos, RmMinAngleCos(old[0], old[1], old[2]))) return PETSC_FALSE;
  for (int d = 0; d < 3; d++)
    c[d] = (r[0][d] + r[1][d] + r[2][d]) / 3;
  return RmNearSurface(m, c, RmPairCode(m->lab + 2 * t), n1, m->maxdev, &m->thint[t]);
}

/* May a merge into b as far as the connectivity goes (wherever the merged vertex lies)? */
static PetscBool CollapseLinkAllowed(Rm *m, PetscInt a, PetscInt b, const RmEdge *e)
{
  PetscInt na[RM_MAX_NEIGHBOURS], nb[RM_MAX_NEIGHBOURS], ka, kb, common = 0;

  if (m->type[a] == RM_CORNER || m->type[a] == RM_FROZEN || m->type[a] == RM_DEAD) return PETSC_FALSE;
  /* a curve vertex slides only along its curve */
  if (m->type[a] == RM_CURVE && b != m->fn[2 * a] && b != m->fn[2 * a + 1]) return PETSC_FALSE;
  if (e->n > RM_MAX_EDGE_TRIS) return PETSC_FALSE;
  /* link condition, for any number of triangles on ab: the vertices next to both a and b are
     exactly the apexes of the triangles on ab */
  ka = RmNeighbours(m, a, na);
  if (ka < 0) return PETSC_FALSE;
  kb = RmNeighbours(m, b, nb); /* marks b's neighbours with the current stamp */
  if (kb < 0) return PETSC_FALSE;
  for (PetscInt i = 0; i < ka; i++)
    common += na[i] != b && m->seen[na[i]] == m->stamp;
  if (common != e->n) return PETSC_FALSE;
  for (PetscInt s = m->vs[a]; s < m->vs[a + 1]; s++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    PetscInt        ia, o1, o2;
    if (T[0] < 0 || TriHas(T, b)) continue;
    ia = T[0] == a ? 0 : T[1] == a ? 1 : 2;
    o1 = T[(ia + 1) % 3], o2 = T[(ia + 2) % 3];
    /* the new triangle (b, o1, o2) must not exist already */
    for (PetscInt u = m->vs[b]; u < m->vs[b + 1]; u++) {
      const PetscInt *U = m->t + 3 * m->vt[u];
      if (U[0] >= 0 && TriHas(U, o1) && TriHas(U, o2)) return PETSC_FALSE;
    }
  }
  return PETSC_TRUE;
}

/* Are the triangles the merge of a into b changes, with the merged vertex at pnew, still fair? */
static PetscBool CollapseFair(Rm *m, PetscInt a, PetscInt b, PetscReal h, const PetscReal pnew[3])
{
  PetscReal pb_old[3] = {m->x[3 * b], m->x[3 * b + 1], m->x[3 * b + 2]};

  for (PetscInt s = m->vs[a]; s < m->vs[a + 1]; s++) {
    const PetscInt   t = m->vt[s], *T = m->t + 3 * t;
    const PetscReal *old[3], *r[3];
    if (T[0] < 0 || TriHas(T, b)) continue;
    CollapsedTriangle(m, t, a, b, pb_old, pnew, old, r);
    if (!ChangedTriangleFair(m, t, old, r, pnew, h)) return PETSC_FALSE;
  }
  if (pnew[0] != pb_old[0] || pnew[1] != pb_old[1] || pnew[2] != pb_old[2])
    for (PetscInt s = m->vs[b]; s < m->vs[b + 1]; s++) {
      const PetscInt   t = m->vt[s], *T = m->t + 3 * t;
      const PetscReal *old[3], *r[3];
      if (T[0] < 0 || TriHas(T, a)) continue;
      CollapsedTriangle(m, t, a, b, pb_old, pnew, old, r);
      if (!ChangedTriangleFair(m, t, old, r, pnew, h)) return PETSC_FALSE;
    }
  return PETSC_TRUE;
}

static void Collapse(Rm *m, PetscInt a, PetscInt b, const PetscReal pnew[3])
{
  for (PetscInt s = m->vs[a]; s < m->vs[a + 1]; s++) {
    PetscInt *T = m->t + 3 * m->vt[s];
    if (T[0] < 0) continue;
    if (TriHas(T, b))
      T[0] = T[1] = T[2] = -1;
    else
      for (int c = 0; c < 3; c++)
        if (T[c] == a) T[c] = b;
  }
  for (int d = 0; d < 3; d++)
    m->x[3 * b + d] = pnew[d];
  m->type[a] = RM_DEAD;
  m->size[b] = PetscMin(m->size[a], m->size[b]);
}

/* After the collapse of a into b: every vertex of a triangle that held a or b has a new star
   (a's triangles now hold b or are gone; their vertices are b's neighbours now). */
static void MarkRestar(Rm *m, PetscInt a, PetscInt b)
{
  for (int k = 0; k < 2; k++) {
    const PetscInt v = k ? b : a;
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
      const PetscInt *T = m->t + 3 * m->vt[s];
      if (T[0] >= 0)
        for (int c = 0; c < 3; c++)
          m->restar[T[c]] = 1;
    }
  }
  m->restar[a] = m->restar[b] = 1;
}

static void LockStar(Rm *m, PetscInt v, PetscInt pass)
{
  for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    if (T[0] >= 0)
      for (int c = 0; c < 3; c++)
        m->lock[T[c]] = pass;
  }
  m->lock[v] = pass;
}

PetscErrorCode RmCollapsePass(Rm *m, PetscInt *ncollapse)
{
  PetscInt nb[RM_MAX_NEIGHBOURS], n = 0, pass;

  PetscFunctionBeginUser;
  PetscCall(RmBuildStars(m));
  PetscCall(RmClassify(m));
  pass = ++m->stamp;
  for (PetscInt a = 0; a < m->nv; a++) {
    PetscInt  k, best = -1;
    PetscReal pbest[3];
    if (m->lock[a] == pass || m->type[a] == RM_DEAD || m->type[a] == RM_CORNER || m->type[a] == RM_FROZEN) continue;
    k = RmNeighbours(m, a, nb);
    /* the shortest qualifying edge first: candidates sorted by length, the (costly) checks
       only until one passes */
    {
      PetscInt  cand[RM_MAX_NEIGHBOURS], nc = 0;
      PetscReal len[RM_MAX_NEIGHBOURS];
      for (PetscInt i = 0; i < k; i++) {
        RmEdge    e;
        PetscReal h, l = Dist(m->x + 3 * a, m->x + 3 * nb[i]);
        PetscInt  j;
        if (m->lock[nb[i]] == pass) continue;
        /* the edge's target is at most the smaller vertex size: longer edges are no candidates */
        if (l >= RM_COLLAPSE_BELOW * PetscMin(m->size[a], m->size[nb[i]])) continue;
        RmEdgeTriangles(m, a, nb[i], &e);
        h = RmEdgeTarget(m, a, nb[i], &e);
        if (!(h > 0 && l < RM_COLLAPSE_BELOW * h)) continue;
        for (j = nc++; j > 0 && len[j - 1] > l; j--)
          cand[j] = cand[j - 1], len[j] = len[j - 1];
        cand[j] = nb[i], len[j] = l;
      }
      for (PetscInt i = 0; i < nc && best < 0; i++) {
        const PetscReal *pa = m->x + 3 * a, *pb = m->x + 3 * cand[i];
        RmEdge           e;
        PetscReal        h, guess[3];
        RmEdgeTriangles(m, a, cand[i], &e);
        h = RmEdgeTarget(m, a, cand[i], &e);
        if (!CollapseLinkAllowed(m, a, cand[i], &e)) continue;
        for (int d = 0; d < 3; d++)
          guess[d] = CollapseAtMidpoint(m, a, cand[i]) ? 0.5 * (pa[d] + pb[d]) : pb[d];
        if (CollapseStretches(m, a, cand[i], guess, h)) continue;
        CollapsePosition(m, a, cand[i], &e, pbest);
        if (CollapseFair(m, a, cand[i], h, pbest)) best = cand[i];
      }
    }
    if (best < 0) continue;
    {
      PetscInt  saved[3 * RM_MAX_NEIGHBOURS], changed[2 * RM_MAX_NEIGHBOURS], ns = m->vs[a + 1] - m->vs[a], nc;
      PetscInt  nsb    = m->vs[best + 1] - m->vs[best];
      PetscReal size_b = m->size[best], pb_old[3] = {m->x[3 * best], m->x[3 * best + 1], m->x[3 * best + 2]};
      int8_t    type_a = m->type[a];
      if (ns > RM_MAX_NEIGHBOURS || nsb > RM_MAX_NEIGHBOURS) continue;
      for (PetscInt s = 0; s < ns; s++) {
        changed[s] = m->vt[m->vs[a] + s];
        for (int c = 0; c < 3; c++)
          saved[3 * s + c] = m->t[3 * changed[s] + c];
      }
      nc = ns;
      for (PetscInt s = 0; s < nsb; s++)
        changed[nc++] = m->vt[m->vs[best] + s];
      Collapse(m, a, best, pbest);
      if (LocalClash(m, nc, changed, a)) {
        for (PetscInt s = 0; s < ns; s++)
          for (int c = 0; c < 3; c++)
            m->t[3 * changed[s] + c] = saved[3 * s + c];
        for (int d = 0; d < 3; d++)
          m->x[3 * best + d] = pb_old[d];
        m->type[a] = type_a, m->size[best] = size_b;
        continue;
      }
    }
    LockStar(m, best, pass);
    LockStar(m, a, pass);
    MarkRestar(m, a, best);
    m->classified = PETSC_FALSE;
    n++;
  }
  *ncollapse = n;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- flip */

static PetscInt Valence(const Rm *m, PetscInt v)
{
  return m->vs[v + 1] - m->vs[v];
}

/* The cosine of the angle at p between p->q and p->r. */
static inline PetscReal CosAt(const PetscReal *p, const PetscReal *q, const PetscReal *r)
{
  PetscReal u[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]}, v[3] = {r[0] - p[0], r[1] - p[1], r[2] - p[2]};
  return Dot3(u, v) / PetscSqrtReal(Dot3(u, u) * Dot3(v, v));
}

/* Flip ab toward Delaunay (and, unless delaunay_only, toward valence 6). Angles are compared by
   their cosines: the least angle has the largest. */
static PetscBool TryFlip(Rm *m, PetscInt a, PetscInt b, const RmEdge *e, PetscBool delaunay_only)
{
  PetscInt         t1 = e->t[0], t2 = e->t[1], *T1 = m->t + 3 * t1, *T2 = m->t + 3 * t2, c = -1, d = -1, i1;
  PetscReal        n1[3], n2[3], m1[3], m2[3], old_cos, new_cos, l1, l2;
  const PetscReal *pa, *pb, *pc, *pd;
  PetscBool        delaunay, valence = PETSC_FALSE;

  /* orient: T1 runs a -> b */
  i1 = T1[0] == a ? 0 : T1[1] == a ? 1 : 2;
  if (T1[(i1 + 1) % 3] != b) {
    PetscInt *s = T1;
    T1 = T2, T2 = s;
    PetscInt st = t1;
    t1 = t2, t2 = st;
  }
  for (int k = 0; k < 3; k++) {
    if (T1[k] != a && T1[k] != b) c = T1[k];
    if (T2[k] != a && T2[k] != b) d = T2[k];
  }
  if (c < 0 || d < 0 || c == d) return PETSC_FALSE;
  for (PetscInt s = m->vs[c]; s < m->vs[c + 1]; s++)
    if (m->t[3 * m->vt[s]] >= 0 && TriHas(m->t + 3 * m->vt[s], d)) return PETSC_FALSE; /* cd exists */
  pa = m->x + 3 * a, pb = m->x + 3 * b, pc = m->x + 3 * c, pd = m->x + 3 * d;
  RmNormal(pa, pb, pc, n1), RmNormal(pb, pa, pd, n2);
  l1 = PetscSqrtReal(Dot3(n1, n1)), l2 = PetscSqrtReal(Dot3(n2, n2));
  if (Dot3(n1, n2) <= RM_FLIP_MAX_CREASE_COS * l1 * l2) return PETSC_FALSE;
  RmNormal(pc, pa, pd, m1), RmNormal(pd, pb, pc, m2);
  if (Dot3(m1, m2) <= RM_FLIP_MAX_CREASE_COS * PetscSqrtReal(Dot3(m1, m1) * Dot3(m2, m2))) return PETSC_FALSE;
  if (Dot3(m1, n1) <= 0 || Dot3(m1, n2) <= 0 || Dot3(m2, n1) <= 0 || Dot3(m2, n2) <= 0) return PETSC_FALSE;
  old_cos = PetscMax(RmMinAngleCos(pa, pb, pc), RmMinAngleCos(pb, pa, pd));
  new_cos = PetscMax(RmMinAngleCos(pc, pa, pd), RmMinAngleCos(pd, pb, pc));
  /* Delaunay: the angles opposite ab sum to more than pi, that is their cosines to less than 0;
     as a last pass, any such flip that keeps the least angle fair (a tet mesher recovers a
     non-Delaunay edge of a flat quad with a flat tet) */
  delaunay = (PetscBool)(CosAt(pc, pa, pb) + CosAt(pd, pa, pb) < -1e-9 &&
                         (delaunay_only ? new_cos <= PetscMax(old_cos, m->min_angle_cos) : new_cos < old_cos));
  if (!delaunay && !delaunay_only && m->type[a] == RM_REGULAR && m->type[b] == RM_REGULAR && m->type[c] == RM_REGULAR &&
      m->type[d] == RM_REGULAR) {
    /* valence toward 6 where every vertex is regular, if angles stay fair */
    PetscInt va = Valence(m, a), vb = Valence(m, b), vc = Valence(m, c), vd = Valence(m, d);
    PetscInt before = PetscAbsInt(va - 6) + PetscAbsInt(vb - 6) + PetscAbsInt(vc - 6) + PetscAbsInt(vd - 6);
    PetscInt after  = PetscAbsInt(va - 7) + PetscAbsInt(vb - 7) + PetscAbsInt(vc - 5) + PetscAbsInt(vd - 5);
    valence         = (PetscBool)(after < before && new_cos <= PetscMax(old_cos, m->min_angle_cos));
  }
  if (!delaunay && !valence) return PETSC_FALSE;
  {
    int32_t   lab[2] = {m->lab[2 * t1], m->lab[2 * t1 + 1]};
    PetscReal h      = m->target[t1];
    PetscInt  s1[3] = {T1[0], T1[1], T1[2]}, s2[3] = {T2[0], T2[1], T2[2]}, changed[2] = {t1, t2};
    AddTri(m, t1, c, a, d, lab, h);
    AddTri(m, t2, d, b, c, lab, h);
    if (!TriangleNear(m, t1) || !TriangleNear(m, t2) || LocalClash(m, 2, changed, -1)) {
      for (int k = 0; k < 3; k++)
        m->t[3 * t1 + k] = s1[k], m->t[3 * t2 + k] = s2[k];
      return PETSC_FALSE;
    }
  }
  return PETSC_TRUE;
}

PetscErrorCode RmFlipPass(Rm *m, PetscBool delaunay_only, PetscInt *nflip)
{
  PetscInt nb[RM_MAX_NEIGHBOURS], n = 0, pass;

  PetscFunctionBeginUser;
  PetscCall(RmBuildStars(m));
  /* flips keep every vertex class (they turn an edge inside one pair's disk), relaxation too */
  if (!m->classified) PetscCall(RmClassify(m));
  pass = ++m->stamp;
  for (PetscInt a = 0; a < m->nv; a++) {
    PetscInt k;
    if (m->lock[a] == pass || m->type[a] == RM_DEAD || m->type[a] == RM_FROZEN) continue;
    k = RmNeighbours(m, a, nb);
    for (PetscInt i = 0; i < k; i++) {
      const PetscInt b = nb[i];
      RmEdge         e;
      if (b < a || m->lock[b] == pass || m->type[b] == RM_FROZEN) continue;
      RmEdgeTriangles(m, a, b, &e);
      if (RmEdgeIsFeature(m, &e) || m->target[e.t[0]] <= 0) continue;
      {
        PetscInt q[4] = {a, b, -1, -1}, j = 2;
        for (int s = 0; s < 2; s++)
          for (int c = 0; c < 3; c++) {
            PetscInt v = m->t[3 * e.t[s] + c];
            if (v != a && v != b) q[j++] = v;
          }
        if (m->lock[q[2]] == pass || m->lock[q[3]] == pass) continue;
        if (!TryFlip(m, a, b, &e, delaunay_only)) continue;
        for (int s = 0; s < 4; s++)
          m->lock[q[s]] = pass, RmTouch(m, q[s]), m->restar[q[s]] = 1;
      }
      n++;
      break; /* a's star changed */
    }
  }
  *nflip = n;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- relax */

/* Move v to p if none of its triangles turns over or gets a worse least angle below the bound. */
static PetscBool MoveIfFair(Rm *m, PetscInt v, const PetscReal p[3])
{
  PetscReal old[3] = {m->x[3 * v], m->x[3 * v + 1], m->x[3 * v + 2]};
  PetscReal n0[3 * RM_MAX_NEIGHBOURS], a0[RM_MAX_NEIGHBOURS];
  PetscInt  k = 0;
  for (PetscInt s = m->vs[v]; s < m->vs[v + 1] && k < RM_MAX_NEIGHBOURS; s++, k++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n0 + 3 * k);
    a0[k] = RmMinAngleCos(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2]);
  }
  if (m->vs[v + 1] - m->vs[v] > RM_MAX_NEIGHBOURS) return PETSC_FALSE;
  for (int d = 0; d < 3; d++)
    m->x[3 * v + d] = p[d];
  k = 0;
  for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++, k++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    PetscReal       n1[3];
    RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n1);
    if (Dot3(n1, n0 + 3 * k) <= 0.5 * PetscSqrtReal(Dot3(n1, n1) * Dot3(n0 + 3 * k, n0 + 3 * k)) ||
        RmMinAngleCos(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2]) > PetscMax(a0[k], m->min_angle_cos))
      break;
  }
  if (k == m->vs[v + 1] - m->vs[v]) {
    PetscBool near = PETSC_TRUE;
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1] && near; s++)
      near = TriangleNear(m, m->vt[s]);
    if (near && !LocalClash(m, k, m->vt + m->vs[v], -1)) return PETSC_TRUE;
  }
  for (int d = 0; d < 3; d++)
    m->x[3 * v + d] = old[d];
  return PETSC_FALSE;
}

/* Has nothing changed around v since relaxation last left it where it was? Then it would
   compute the same place again. */
static PetscBool Settled(const Rm *m, PetscInt v)
{
  if (m->settled[v] <= m->touched[v]) return PETSC_FALSE;
  for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    if (m->touched[T[0]] >= m->settled[v] || m->touched[T[1]] >= m->settled[v] || m->touched[T[2]] >= m->settled[v])
      return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Move v toward the centroid of its star (along its curve on a feature); returns whether it moved. */
static PetscBool RelaxVertex(Rm *m, PetscInt v)
{
  PetscReal *p = m->x + 3 * v, q[3] = {0, 0, 0}, nrm[3] = {0, 0, 0}, area = 0, dp[3], y[3];
  if (m->type[v] == RM_REGULAR) {
    /* area-weighted centroid of the star, moved in the tangent plane only */
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
      const PetscInt *T = m->t + 3 * m->vt[s];
      PetscReal       n[3], A;
      RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n);
      A = PetscSqrtReal(Dot3(n, n));
      for (int d = 0; d < 3; d++) {
        nrm[d] += n[d];
        q[d] += A * (m->x[3 * T[0] + d] + m->x[3 * T[1] + d] + m->x[3 * T[2] + d]) / 3;
      }
      area += A;
    }
    if (area <= 0) return PETSC_FALSE;
    {
      PetscReal nl = PetscSqrtReal(Dot3(nrm, nrm)), dn;
      if (nl <= 0) return PETSC_FALSE;
      for (int d = 0; d < 3; d++)
        nrm[d] /= nl, dp[d] = q[d] / area - p[d];
      dn = Dot3(dp, nrm);
      for (int d = 0; d < 3; d++)
        q[d] = p[d] + dp[d] - dn * nrm[d];
    }
    if (!RmProjectSurface(m, q, m->key[v], nrm, y, NULL, &m->vhint[v])) return PETSC_FALSE;
  } else if (m->type[v] == RM_CURVE) {
    const PetscReal *f1 = m->x + 3 * m->fn[2 * v], *f2 = m->x + 3 * m->fn[2 * v + 1];
    PetscReal        tau[3], tl, s = 0;
    for (int d = 0; d < 3; d++)
      tau[d] = f2[d] - f1[d];
    tl = PetscSqrtReal(Dot3(tau, tau));
    if (tl <= 0) return PETSC_FALSE;
    for (int d = 0; d < 3; d++)
      s += (0.5 * (f1[d] + f2[d]) - p[d]) * tau[d] / tl;
    for (int d = 0; d < 3; d++)
      q[d] = p[d] + s * tau[d] / tl;
    if (!RmProjectCurve(m, q, m->key[v], y)) return PETSC_FALSE;
  } else
    return PETSC_FALSE;
  /* a vertex already in place is not moved: the checks of a move cost more than it gains */
  if (Dist(p, y) < RM_RELAX_TINY * m->size[v]) return PETSC_FALSE;
  return MoveIfFair(m, v, y);
}

PetscErrorCode RmRelaxPass(Rm *m)
{
  PetscInt nmoved = 0, nskip = 0;

  PetscFunctionBeginUser;
  PetscCall(RmBuildStars(m));
  if (!m->classified) PetscCall(RmClassify(m));
  for (PetscInt v = 0; v < m->nv; v++) {
    if (m->type[v] == RM_DEAD) continue;
    if (Settled(m, v)) {
      nskip++;
      continue;
    }
    if (RelaxVertex(m, v))
      RmTouch(m, v), nmoved++;
    else
      m->settled[v] = ++m->tick;
  }
  PetscCall(PetscInfo(
      NULL, "relaxation: %" PetscInt_FMT " vertices moved, %" PetscInt_FMT " settled ones skipped of %" PetscInt_FMT "\n", nmoved,
      nskip, m->nv));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- compaction */

PetscErrorCode RmCompact(Rm *m)
{
  PetscInt *newid, nv = 0, nt = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(m->nv, &newid));
  for (PetscInt v = 0; v < m->nv; v++)
    newid[v] = -1;
  for (PetscInt t = 0; t < m->nt; t++)
    if (m->t[3 * t] >= 0)
      for (int c = 0; c < 3; c++)
        newid[m->t[3 * t + c]] = 0;
  for (PetscInt v = 0; v < m->nv; v++) {
    if (newid[v] < 0) continue;
    newid[v] = nv;
    for (int d = 0; d < 3; d++)
      m->x[3 * nv + d] = m->x[3 * v + d];
    m->size[nv] = m->size[v], m->type[nv] = m->type[v], m->key[nv] = m->key[v], m->vhint[nv] = m->vhint[v];
    m->touched[nv] = m->touched[v], m->settled[nv] = m->settled[v], m->restar[nv] = m->restar[v];
    m->fn[2 * nv] = m->fn[2 * v], m->fn[2 * nv + 1] = m->fn[2 * v + 1];
    nv++;
  }
  for (PetscInt v = 0; v < 2 * nv; v++) /* feature neighbours are live vertices or -1 */
    m->fn[v] = m->fn[v] >= 0 ? newid[m->fn[v]] : -1;
  for (PetscInt t = 0; t < m->nt; t++) {
    if (m->t[3 * t] < 0) continue;
    for (int c = 0; c < 3; c++)
      m->t[3 * nt + c] = newid[m->t[3 * t + c]];
    m->lab[2 * nt] = m->lab[2 * t], m->lab[2 * nt + 1] = m->lab[2 * t + 1];
    m->target[nt] = m->target[t], m->thint[nt] = m->thint[t];
    nt++;
  }
  m->nv = nv, m->nt = nt;
  m->classified = PETSC_FALSE;
  PetscCall(PetscFree(newid));
  PetscFunctionReturn(0);
}
