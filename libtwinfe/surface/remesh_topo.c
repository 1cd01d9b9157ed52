/* Surface remesher: adjacency, edge and vertex classification, projection to the input.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "remesh_impl.h"

static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void RmNormal(const PetscReal *a, const PetscReal *b, const PetscReal *c, PetscReal n[3])
{
  PetscReal u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]}, v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
  n[0] = u[1] * v[2] - u[2] * v[1], n[1] = u[2] * v[0] - u[0] * v[2], n[2] = u[0] * v[1] - u[1] * v[0];
}

PetscReal RmMinAngleCos(const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  const PetscReal *p[3] = {a, b, c};
  PetscReal        l2[3], best = -1;
  for (int e = 0; e < 3; e++) {
    const PetscReal *x = p[(e + 1) % 3], *y = p[(e + 2) % 3];
    l2[e] = (x[0] - y[0]) * (x[0] - y[0]) + (x[1] - y[1]) * (x[1] - y[1]) + (x[2] - y[2]) * (x[2] - y[2]);
  }
  for (int e = 0; e < 3; e++) {
    /* the angle at p[e] is opposite edge e: law of cosines */
    PetscReal den = 2 * PetscSqrtReal(l2[(e + 1) % 3] * l2[(e + 2) % 3]);
    if (den <= 0) return 1;
    best = PetscMax(best, (l2[(e + 1) % 3] + l2[(e + 2) % 3] - l2[e]) / den); /* the least angle has the largest cosine */
  }
  return PetscMin(1, best);
}

/* The least interior angle, radians (0 for a degenerate triangle). */
PetscReal RmMinAngle(const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  return PetscAcosReal(PetscMax(-1, RmMinAngleCos(a, b, c)));
}

PetscErrorCode RmBuildStars(Rm *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscArrayzero(m->vs, m->nv + 2));
  for (PetscInt t = 0; t < m->nt; t++)
    if (m->t[3 * t] >= 0)
      for (int c = 0; c < 3; c++)
        m->vs[m->t[3 * t + c] + 2]++;
  for (PetscInt v = 0; v < m->nv; v++)
    m->vs[v + 2] += m->vs[v + 1];
  for (PetscInt t = 0; t < m->nt; t++)
    if (m->t[3 * t] >= 0)
      for (int c = 0; c < 3; c++)
        m->vt[m->vs[m->t[3 * t + c] + 1]++] = t;
  PetscFunctionReturn(0);
}

static inline PetscBool TriHas(const PetscInt *T, PetscInt v)
{
  return (PetscBool)(T[0] == v || T[1] == v || T[2] == v);
}

void RmEdgeTriangles(const Rm *m, PetscInt a, PetscInt b, RmEdge *e)
{
  e->n = 0;
  for (PetscInt s = m->vs[a]; s < m->vs[a + 1]; s++) {
    PetscInt t = m->vt[s];
    if (m->t[3 * t] < 0 || !TriHas(m->t + 3 * t, b)) continue;
    if (e->n < RM_MAX_EDGE_TRIS) e->t[e->n] = t;
    e->n++;
  }
}

PetscBool RmEdgeIsFeature(const Rm *m, const RmEdge *e)
{
  if (e->n != 2) return PETSC_TRUE;
  return (PetscBool)(m->lab[2 * e->t[0]] != m->lab[2 * e->t[1]] || m->lab[2 * e->t[0] + 1] != m->lab[2 * e->t[1] + 1]);
}

/* The sorted label pair codes of the edge's triangles, hashed: edges of one triple line share it. */
uint64_t RmEdgeKey(const Rm *m, const RmEdge *e)
{
  uint64_t code[RM_MAX_EDGE_TRIS], key = 1469598103934665603ull;
  PetscInt n = PetscMin(e->n, RM_MAX_EDGE_TRIS);
  for (PetscInt i = 0; i < n; i++) {
    uint64_t c = RmPairCode(m->lab + 2 * e->t[i]);
    PetscInt j = i;
    for (; j > 0 && code[j - 1] > c; j--)
      code[j] = code[j - 1];
    code[j] = c;
  }
  for (PetscInt i = 0; i < n; i++)
    key = (key ^ (code[i] + 1)) * 1099511628211ull;
  return key ^ (uint64_t)e->n;
}

PetscReal RmEdgeTarget(const Rm *m, PetscInt a, PetscInt b, const RmEdge *e)
{
  PetscReal h = PetscMin(m->size[a], m->size[b]);
  if (e->n > RM_MAX_EDGE_TRIS || e->n == 0) return 0;
  for (PetscInt i = 0; i < e->n; i++) {
    if (m->target[e->t[i]] <= 0) return 0;
    h = PetscMin(h, m->target[e->t[i]]);
  }
  return h;
}

/* The distinct neighbours of v (at most RM_MAX_NEIGHBOURS; returns -1 beyond). */
PetscInt RmNeighbours(Rm *m, PetscInt v, PetscInt nb[RM_MAX_NEIGHBOURS])
{
  PetscInt n = 0;
  m->stamp++;
  for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
    const PetscInt *T = m->t + 3 * m->vt[s];
    if (T[0] < 0) continue;
    for (int c = 0; c < 3; c++)
      if (T[c] != v && m->seen[T[c]] != m->stamp) {
        if (n == RM_MAX_NEIGHBOURS) return -1;
        m->seen[T[c]] = m->stamp;
        nb[n++]       = T[c];
      }
  }
  return n;
}

/* Is the star of a vertex without feature edges one disk? Walk from triangle to triangle
   across the edges at v; every edge at v has two triangles here. */
static PetscBool StarIsDisk(const Rm *m, PetscInt v)
{
  PetscInt n = m->vs[v + 1] - m->vs[v], t0 = m->vt[m->vs[v]], t = t0, prev = -1, steps = 0;
  do {
    const PetscInt *T = m->t + 3 * t;
    PetscInt        c = T[0] == v ? 0 : T[1] == v ? 1 : 2, w = T[(c + 1) % 3], next = -1;
    /* the other triangle on edge (v, w) */
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++) {
      PetscInt u = m->vt[s];
      if (u != t && TriHas(m->t + 3 * u, w)) next = u;
    }
    if (next < 0 || next == prev) return PETSC_FALSE;
    prev = t, t = next, steps++;
  } while (t != t0 && steps <= n);
  return (PetscBool)(steps == n);
}

PetscErrorCode RmClassify(Rm *m)
{
  PetscInt nb[RM_MAX_NEIGHBOURS];

  PetscFunctionBeginUser;
  for (PetscInt v = 0; v < m->nv; v++) {
    PetscInt nf   = 0, n;
    uint64_t k[2] = {0, 0};
    /* a class depends on the star only (its triangles, their labels and targets) */
    if (m->type[v] == RM_DEAD || !m->restar[v]) continue;
    m->restar[v] = 0;
    m->fn[2 * v] = m->fn[2 * v + 1] = -1;
    if (m->vs[v + 1] == m->vs[v]) {
      m->type[v] = RM_DEAD; /* no triangle uses it any more */
      continue;
    }
    m->type[v] = RM_REGULAR;
    for (PetscInt s = m->vs[v]; s < m->vs[v + 1]; s++)
      if (m->target[m->vt[s]] <= 0) m->type[v] = RM_FROZEN;
    if (m->type[v] == RM_FROZEN) continue;
    n = RmNeighbours(m, v, nb);
    if (n < 0) {
      m->type[v] = RM_CORNER;
      continue;
    }
    for (PetscInt i = 0; i < n; i++) {
      RmEdge e;
      RmEdgeTriangles(m, v, nb[i], &e);
      if (!RmEdgeIsFeature(m, &e)) continue;
      if (nf < 2) k[nf] = RmEdgeKey(m, &e), m->fn[2 * v + nf] = nb[i];
      nf++;
    }
    if (nf == 0) {
      m->key[v] = RmPairCode(m->lab + 2 * m->vt[m->vs[v]]);
      if (!StarIsDisk(m, v)) m->type[v] = RM_CORNER;
    } else if (nf == 2 && k[0] == k[1]) {
      m->type[v] = RM_CURVE;
      m->key[v]  = k[0];
    } else
      m->type[v] = RM_CORNER;
  }
  m->classified = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* Distance squared from p to item it when it passes the filter (segments: this curve key;
   triangles: this pair code facing along nrm, or any with nrm NULL), else -1. */
static inline PetscReal ItemDistance(const Rm *m, PetscBool segments, PetscInt it, const PetscReal p[3], uint64_t code,
                                     const PetscReal nrm[3], PetscReal bound2, PetscReal y[3])
{
  if (segments) {
    const PetscInt *S = m->oseg + 2 * it;
    if (m->osegkey[it] != code) return -1;
    return TwinfeClosestPointSegment_Private(p, m->ox + 3 * S[0], m->ox + 3 * S[1], y);
  } else {
    const PetscInt  *T = m->ot + 3 * it;
    const PetscReal *c = m->ocen + 4 * it;
    PetscReal        dc, z[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
    if (nrm && (m->ocode[it] != code || Dot3(nrm, m->on + 3 * it) <= 0)) return -1;
    /* bounding sphere first: most triangles in the cells are farther than the bound */
    dc = PetscSqrtReal(Dot3(z, z)) - c[3];
    if (dc > 0 && dc * dc >= bound2) return PETSC_MAX_REAL;
    return TwinfeClosestPointTriangle_Private(p, m->ox + 3 * T[0], m->ox + 3 * T[1], m->ox + 3 * T[2], y);
  }
}

/* The closest item within the box p +- r, better than *best (squared); stops at the first item
   within stop (squared) when stop > 0. Returns the item or -1. */
static PetscInt ScanBox(const Rm *m, const TwinfeBoxGrid *g, PetscBool segments, const PetscReal p[3], uint64_t code,
                        const PetscReal nrm[3], PetscReal r, PetscReal stop2, PetscReal *best, PetscReal q[3])
{
  PetscReal lo[3], hi[3];
  PetscInt  c0[3], c1[3], found = -1;
  for (int d = 0; d < 3; d++)
    lo[d] = p[d] - r, hi[d] = p[d] + r;
  TwinfeBoxGridRange_Private(g, lo, hi, c0, c1);
  for (PetscInt k = c0[2]; k <= c1[2]; k++)
    for (PetscInt j = c0[1]; j <= c1[1]; j++)
      for (PetscInt i = c0[0]; i <= c1[0]; i++) {
        PetscInt c = i + g->n[0] * (j + g->n[1] * k);
        for (PetscInt s = g->start[c]; s < g->start[c + 1]; s++) {
          PetscInt  it   = g->item[s];
          PetscReal y[3] = {0, 0, 0}, d2 = ItemDistance(m, segments, it, p, code, nrm, *best, y);
          if (d2 < 0 || d2 >= *best) continue;
          *best = d2, found = it;
          for (int d = 0; d < 3; d++)
            q[d] = y[d];
          if (d2 <= stop2) return found;
        }
      }
  return found;
}

/* The closest item: within the growing radius of the first round that finds one (so the
   closest of all, as long as it lies within the last radius). The item found last (hint)
   is tried first: queries come in runs along the surface, and its distance bounds the search
   box, which is then usually one cell. */
static PetscBool GridClosest(const Rm *m, const TwinfeBoxGrid *g, PetscBool segments, const PetscReal p[3], uint64_t code,
                             const PetscReal nrm[3], PetscReal q[3], PetscReal *dist, PetscInt *hint)
{
  PetscReal r = m->reach;
  if (*hint >= 0) {
    PetscReal y[3] = {0, 0, 0}, d2 = ItemDistance(m, segments, *hint, p, code, nrm, r * r, y);
    /* a hint within the first radius: nothing nearer lies outside the box of its distance */
    if (d2 >= 0 && d2 < r * r) {
      PetscReal best = d2;
      PetscInt  it;
      for (int d = 0; d < 3; d++)
        q[d] = y[d];
      it = ScanBox(m, g, segments, p, code, nrm, PetscSqrtReal(d2), 0, &best, q);
      if (it >= 0) *hint = it;
      if (dist) *dist = PetscSqrtReal(best);
      return PETSC_TRUE;
    }
  }
  for (int round = 0; round < 6; round++, r *= 2.5) {
    PetscReal best = r * r;
    PetscInt  it   = ScanBox(m, g, segments, p, code, nrm, r, 0, &best, q);
    if (it >= 0) {
      *hint = it;
      if (dist) *dist = PetscSqrtReal(best);
      return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

PetscBool RmProjectSurface(const Rm *m, const PetscReal p[3], uint64_t code, const PetscReal nrm[3], PetscReal q[3],
                           PetscReal *dist, PetscInt *hint)
{
  return GridClosest(m, &m->otg, PETSC_FALSE, p, code, nrm, q, dist, hint ? hint : m->hint);
}

PetscBool RmProjectCurve(const Rm *m, const PetscReal p[3], uint64_t key, PetscReal q[3])
{
  return GridClosest(m, &m->osg, PETSC_TRUE, p, key, NULL, q, NULL, m->hint + 1);
}

/* Is there a triangle of this pair facing along nrm within bound of p? The same answer as
   RmProjectSurface's distance <= bound, without looking for the closest: the first within the
   bound ends the search. */
PetscBool RmNearSurface(const Rm *m, const PetscReal p[3], uint64_t code, const PetscReal nrm[3], PetscReal bound, PetscInt *hint)
{
  PetscReal y[3] = {0, 0, 0}, best = bound * bound;
  PetscInt  it;
  if (*hint >= 0) {
    PetscReal d2 = ItemDistance(m, PETSC_FALSE, *hint, p, code, nrm, best, y);
    if (d2 >= 0 && d2 <= best) return PETSC_TRUE;
  }
  best = best * (1 + 1e-12) + PETSC_SMALL * PETSC_SMALL;
  it   = ScanBox(m, &m->otg, PETSC_FALSE, p, code, nrm, bound, bound * bound, &best, y);
  if (it >= 0) *hint = it;
  return (PetscBool)(it >= 0 && best <= bound * bound);
}
