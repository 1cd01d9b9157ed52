/* Geometry helpers of the surface stage (their uniform grid is core's TwinfeBoxGrid): closest
 * points, triangle-triangle intersection, sheet separation and the self-intersection count.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"
#include "core/core_impl.h"

static inline PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static inline void Sub3(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[0] - b[0], c[1] = a[1] - b[1], c[2] = a[2] - b[2];
}

static inline void Cross3(const PetscReal a[3], const PetscReal b[3], PetscReal c[3])
{
  c[0] = a[1] * b[2] - a[2] * b[1], c[1] = a[2] * b[0] - a[0] * b[2], c[2] = a[0] * b[1] - a[1] * b[0];
}

PetscReal TwinfeClosestPointSegment_Private(const PetscReal p[3], const PetscReal a[3], const PetscReal b[3], PetscReal q[3])
{
  PetscReal ab[3], ap[3], t, l2, d[3];
  Sub3(b, a, ab);
  Sub3(p, a, ap);
  l2 = Dot3(ab, ab);
  t  = l2 > 0 ? PetscMax(0, PetscMin(1, Dot3(ap, ab) / l2)) : 0;
  for (int k = 0; k < 3; k++)
    q[k] = a[k] + t * ab[k];
  Sub3(p, q, d);
  return Dot3(d, d);
}

static inline PetscReal PointAt(const PetscReal p[3], const PetscReal a[3], PetscReal q[3])
{
  PetscReal d[3];
  q[0] = a[0], q[1] = a[1], q[2] = a[2];
  Sub3(p, a, d);
  return Dot3(d, d);
}

/* Region tests on the barycentric coordinates (Ericson, Real-Time Collision Detection, 5.1.5,
   written anew). */
PetscReal TwinfeClosestPointTriangle_Private(const PetscReal p[3], const PetscReal a[3], const PetscReal b[3],
                                             const PetscReal c[3], PetscReal q[3])
{
  PetscReal ab[3], ac[3], ap[3], bp[3], cp[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, den, r[3];
  Sub3(b, a, ab), Sub3(c, a, ac), Sub3(p, a, ap);
  d1 = Dot3(ab, ap), d2 = Dot3(ac, ap);
  if (d1 <= 0 && d2 <= 0) return PointAt(p, a, q);
  Sub3(p, b, bp);
  d3 = Dot3(ab, bp), d4 = Dot3(ac, bp);
  if (d3 >= 0 && d4 <= d3) return PointAt(p, b, q);
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) return TwinfeClosestPointSegment_Private(p, a, b, q);
  Sub3(p, c, cp);
  d5 = Dot3(ab, cp), d6 = Dot3(ac, cp);
  if (d6 >= 0 && d5 <= d6) return PointAt(p, c, q);
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) return TwinfeClosestPointSegment_Private(p, a, c, q);
  va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) return TwinfeClosestPointSegment_Private(p, b, c, q);
  den = va + vb + vc;
  if (den <= 0) return TwinfeClosestPointSegment_Private(p, a, b, q); /* degenerate triangle */
  v = vb / den, w = vc / den;
  for (int k = 0; k < 3; k++)
    q[k] = a[k] + v * ab[k] + w * ac[k];
  Sub3(p, q, r);
  return Dot3(r, r);
}

/* Does segment pq cross triangle abc (strictly: a touch at a shared point is not counted)? */
static PetscBool SegmentCrossesTriangle(const PetscReal p[3], const PetscReal q[3], const PetscReal a[3], const PetscReal b[3],
                                        const PetscReal c[3])
{
  PetscReal ab[3], ac[3], n[3], ap[3], aq[3], sp, sq, t, x[3], e[3], f[3], g[3], s[3];
  Sub3(b, a, ab), Sub3(c, a, ac), Cross3(ab, ac, n);
  Sub3(p, a, ap), Sub3(q, a, aq);
  sp = Dot3(n, ap), sq = Dot3(n, aq);
  if ((sp > 0 && sq > 0) || (sp < 0 && sq < 0) || sp == sq) return PETSC_FALSE; /* coplanar pairs are not counted */
  t = sp / (sp - sq);
  for (int k = 0; k < 3; k++)
    x[k] = p[k] + t * (q[k] - p[k]);
  /* x inside abc: the three sub-triangles have normals along n */
  Sub3(b, a, e), Sub3(x, a, f), Cross3(e, f, s);
  if (Dot3(s, n) < 0) return PETSC_FALSE;
  Sub3(c, b, e), Sub3(x, b, f), Cross3(e, f, s);
  if (Dot3(s, n) < 0) return PETSC_FALSE;
  Sub3(a, c, e), Sub3(x, c, f), Cross3(e, f, g);
  if (Dot3(g, n) < 0) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscBool TwinfeTrianglesIntersect_Private(const PetscReal *const t1[3], const PetscReal *const t2[3])
{
  for (int e = 0; e < 3; e++) {
    if (SegmentCrossesTriangle(t1[e], t1[(e + 1) % 3], t2[0], t2[1], t2[2])) return PETSC_TRUE;
    if (SegmentCrossesTriangle(t2[e], t2[(e + 1) % 3], t1[0], t1[1], t1[2])) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

PetscReal TwinfeSurfaceMeanEdge_Private(const PetscReal xyz[], PetscInt nt, const PetscInt tri[])
{
  PetscReal sum = 0;
  for (PetscInt t = 0; t < nt; t++)
    for (int e = 0; e < 3; e++) {
      PetscReal d[3];
      Sub3(xyz + 3 * tri[3 * t + e], xyz + 3 * tri[3 * t + (e + 1) % 3], d);
      sum += PetscSqrtReal(Dot3(d, d));
    }
  return nt ? sum / (3 * nt) : 1;
}

static inline int SharedVertices(const PetscInt *a, const PetscInt *b, int *ia, int *ib)
{
  int n = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (a[i] == b[j]) n++, *ia = i, *ib = j;
  return n;
}

/* Triangles that share vertices meet wrongly when the edge opposite the shared vertex of one
   crosses the other (one shared vertex), or when they fold onto each other across their shared
   edge (normals within ~1 degree of opposite). */
static PetscBool NeighboursIntersect(const PetscInt *a, const PetscInt *b, const PetscReal *const ta[3],
                                     const PetscReal *const tb[3], int shared, int ia, int ib)
{
  if (shared == 1) {
    return (PetscBool)(SegmentCrossesTriangle(ta[(ia + 1) % 3], ta[(ia + 2) % 3], tb[0], tb[1], tb[2]) ||
                       SegmentCrossesTriangle(tb[(ib + 1) % 3], tb[(ib + 2) % 3], ta[0], ta[1], ta[2]));
  } else {
    PetscReal u[3], v[3], na[3], nb[3];
    Sub3(ta[1], ta[0], u), Sub3(ta[2], ta[0], v), Cross3(u, v, na);
    Sub3(tb[1], tb[0], u), Sub3(tb[2], tb[0], v), Cross3(u, v, nb);
    /* the shared edge runs opposite ways in two triangles oriented alike (then a fold turns the
       normals opposite), the same way in two oriented unlike (e.g. across a triple line) */
    PetscBool alike = PETSC_FALSE;
    PetscReal c     = Dot3(na, nb) / PetscSqrtReal(Dot3(na, na) * Dot3(nb, nb));
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++)
        if (a[i] == b[(j + 1) % 3] && a[(i + 1) % 3] == b[j]) alike = PETSC_TRUE;
    return (PetscBool)(alike ? c < -0.99985 : c > 0.99985);
  }
}

/* The crossings of the pairs first met in each grid cell, cells split over threads. */
typedef struct {
  const TwinfeBoxGrid *g;
  const PetscReal     *x, *box;
  const PetscInt      *tri;
  PetscInt            *in_cell; /* per cell */
} Crossings;

static void CrossingsInCells(PetscInt begin, PetscInt end, void *ctx)
{
  const Crossings     *k = (const Crossings *)ctx;
  const TwinfeBoxGrid *g = k->g;
  for (PetscInt c = begin; c < end; c++) {
    PetscInt n = 0;
    for (PetscInt i = g->start[c]; i < g->start[c + 1]; i++)
      for (PetscInt j = i + 1; j < g->start[c + 1]; j++) {
        const PetscInt  *a = k->tri + 3 * g->item[i], *b = k->tri + 3 * g->item[j];
        const PetscReal *ba = k->box + 6 * g->item[i], *bb = k->box + 6 * g->item[j];
        PetscReal        lo[3];
        PetscInt         c0[3], c1[3];
        PetscBool        apart = PETSC_FALSE;
        int              ia = 0, ib = 0;
        for (int d = 0; d < 3; d++)
          apart |= (PetscBool)(ba[d] > bb[3 + d] || bb[d] > ba[3 + d]);
        if (apart || SharedVertices(a, b, &ia, &ib) == 3) continue;
        /* a pair is tested only in the first cell both boxes overlap, so it counts once */
        for (int d = 0; d < 3; d++)
          lo[d] = PetscMax(ba[d], bb[d]);
        TwinfeBoxGridRange_Private(g, lo, lo, c0, c1);
        if (c0[0] + g->n[0] * (c0[1] + g->n[1] * c0[2]) != c) continue;
        if (TwinfeTrianglePairBad_Private(k->x, a, b)) n++;
      }
    k->in_cell[c] = n;
  }
}

PetscErrorCode TwinfeSurfaceCountSelfIntersections(TwinfeSurface surface, PetscInt *count)
{
  TwinfeBoxGrid g;
  PetscReal    *box;
  PetscInt      ncells;
  Crossings     k;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(count);
  PetscCall(PetscMalloc1(6 * surface->ntriangles, &box));
  for (PetscInt t = 0; t < surface->ntriangles; t++)
    TwinfeItemBox_Private(surface->xyz, 3, surface->tri + 3 * t, box + 6 * t, box + 6 * t + 3);
  PetscCall(TwinfeBoxGridCreate_Private(surface->xyz, surface->ntriangles, 3, surface->tri, NULL,
                                        2 * TwinfeSurfaceMeanEdge_Private(surface->xyz, surface->ntriangles, surface->tri), &g));
  ncells = g.n[0] * g.n[1] * g.n[2];
  k      = (Crossings){&g, surface->xyz, box, surface->tri, NULL};
  PetscCall(PetscMalloc1(ncells + 1, &k.in_cell));
  PetscCall(TwinfeParallelFor_Private(ncells, CrossingsInCells, &k)); /* on the main thread only (it reads -threads) */
  *count = 0;
  for (PetscInt c = 0; c < ncells; c++)
    *count += k.in_cell[c];
  PetscCall(PetscFree(k.in_cell));
  PetscCall(TwinfeBoxGridDestroy_Private(&g));
  PetscCall(PetscFree(box));
  PetscFunctionReturn(0);
}

/* Unit normal and bounding sphere (centre, radius) of every triangle. */
static void TriangleNormalsSpheres(const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscReal tn[], PetscReal ts[])
{
  for (PetscInt t = 0; t < nt; t++) {
    const PetscReal *a = xyz + 3 * tri[3 * t], *b = xyz + 3 * tri[3 * t + 1], *c = xyz + 3 * tri[3 * t + 2];
    PetscReal        u[3], v[3], *n = tn + 3 * t, *s = ts + 4 * t, l, r2 = 0;
    Sub3(b, a, u), Sub3(c, a, v), Cross3(u, v, n);
    l = PetscSqrtReal(Dot3(n, n));
    for (int d = 0; d < 3; d++)
      n[d] = l > 0 ? n[d] / l : 0, s[d] = (a[d] + b[d] + c[d]) / 3;
    for (int k = 0; k < 3; k++) {
      const PetscReal *x = k == 0 ? a : k == 1 ? b : c;
      Sub3(x, s, u);
      r2 = PetscMax(r2, Dot3(u, u));
    }
    s[3] = PetscSqrtReal(r2);
  }
}

/* Vertex normals (area-weighted, not normalised) and the vertex -> triangle CSR. */
static PetscErrorCode VertexStars(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[], PetscReal normal[],
                                  PetscInt **start, PetscInt **star)
{
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nv + 2, start));
  PetscCall(PetscMalloc1(3 * nt + 1, star));
  PetscCall(PetscArrayzero(normal, 3 * nv));
  for (PetscInt t = 0; t < nt; t++) {
    PetscReal u[3], v[3], n[3];
    Sub3(xyz + 3 * tri[3 * t + 1], xyz + 3 * tri[3 * t], u);
    Sub3(xyz + 3 * tri[3 * t + 2], xyz + 3 * tri[3 * t], v);
    Cross3(u, v, n);
    for (int c = 0; c < 3; c++) {
      (*start)[tri[3 * t + c] + 2]++;
      for (int d = 0; d < 3; d++)
        normal[3 * tri[3 * t + c] + d] += n[d];
    }
  }
  for (PetscInt v = 0; v < nv; v++)
    (*start)[v + 2] += (*start)[v + 1];
  for (PetscInt t = 0; t < nt; t++)
    for (int c = 0; c < 3; c++)
      (*star)[(*start)[tri[3 * t + c] + 1]++] = t;
  PetscFunctionReturn(0);
}

/* Inputs of the sheet-separation search: triangle normals (unit) and bounding spheres, vertex
   normals (area-weighted), vertex stars, and per vertex and per triangle the last query that
   saw them. */
typedef struct {
  const PetscReal *xyz;
  const PetscInt  *tri;
  const PetscReal *tn, *ts, *vn;
  const PetscInt  *start, *star;
  PetscInt        *mark, *seen;
  TwinfeBoxGrid    g;
} SheetSearch;

/* Is triangle t another sheet across vertex v's normal nearer than sqrt(*best)? Updates *best.
   The tests go from cheap to dear, and each only skips a triangle that the last one (the
   direction of the closest point) would refuse anyway, so the result is the full test's. */
static inline void SheetCandidate(const SheetSearch *S, PetscInt v, PetscInt t, PetscReal nl, PetscReal *best)
{
  const PetscReal *p = S->xyz + 3 * v, *n = S->tn + 3 * t, *sc = S->ts + 4 * t, *vn = S->vn + 3 * v;
  const PetscInt  *T = S->tri + 3 * t;
  PetscReal        u[3], q[3], d2, dc, off = 0, reach = sc[3] + PetscSqrtReal(*best);

  Sub3(p, sc, u);
  /* the bounding sphere is farther than the best so far */
  if (Dot3(u, u) >= reach * reach) return;
  /* the closed 1-ring and the triangles touching it are this sheet */
  if (S->mark[T[0]] == v || S->mark[T[1]] == v || S->mark[T[2]] == v) return;
  /* another sheet lies across the normal: roughly parallel (either way: a slit's sheets face
     each other, a plate's face apart) and in front of or behind the vertex; the sheets that meet
     at a triple line lie beside it and are not counted */
  if (PetscAbsReal(Dot3(n, vn)) <= 0.85 * nl) return;
  /* the closest point q is a mix of the corners, so (q - p).vn lies within their offsets along
     vn; when all are within 0.85 |vn| dc (dc <= |q - p|: the sphere's distance) the direction
     test below fails for every q. Most triangles of the vertex's own sheet stop here. */
  dc = PetscSqrtReal(Dot3(u, u)) - sc[3];
  for (int c = 0; c < 3; c++) {
    Sub3(S->xyz + 3 * T[c], p, u);
    off = PetscMax(off, PetscAbsReal(Dot3(u, vn)));
  }
  if (dc > 0 && off <= 0.85 * nl * dc) return;
  d2 = TwinfeClosestPointTriangle_Private(p, S->xyz + 3 * T[0], S->xyz + 3 * T[1], S->xyz + 3 * T[2], q);
  if (d2 >= *best) return;
  Sub3(q, p, u);
  if (PetscAbsReal(Dot3(u, vn)) <= 0.85 * nl * PetscSqrtReal(d2)) return;
  *best = d2;
}

/* The distance from vertex v to the nearest other sheet within radius, or PETSC_MAX_REAL. */
static PetscReal SheetDistance(SheetSearch *S, PetscInt v, PetscReal radius)
{
  const PetscReal *p    = S->xyz + 3 * v;
  PetscReal        best = radius * radius, nl = PetscSqrtReal(Dot3(S->vn + 3 * v, S->vn + 3 * v)), lo[3], hi[3];
  PetscInt         c0[3], c1[3];

  for (PetscInt s = S->start[v]; s < S->start[v + 1]; s++)
    for (int c = 0; c < 3; c++)
      S->mark[S->tri[3 * S->star[s] + c]] = v;
  for (int d = 0; d < 3; d++)
    lo[d] = p[d] - radius, hi[d] = p[d] + radius;
  TwinfeBoxGridRange_Private(&S->g, lo, hi, c0, c1);
  for (PetscInt k = c0[2]; k <= c1[2]; k++)
    for (PetscInt j = c0[1]; j <= c1[1]; j++)
      for (PetscInt i = c0[0]; i <= c1[0]; i++) {
        const PetscInt c = i + S->g.n[0] * (j + S->g.n[1] * k);
        for (PetscInt m = S->g.start[c]; m < S->g.start[c + 1]; m++) {
          const PetscInt t = S->g.item[m];
          if (S->seen[t] == v) continue; /* a triangle is in every cell its box meets: once is enough */
          S->seen[t] = v;
          SheetCandidate(S, v, t, nl, &best);
        }
      }
  return best < radius * radius ? PetscSqrtReal(best) : PETSC_MAX_REAL;
}

PetscErrorCode TwinfeSurfaceSheetSeparation_Private(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                    PetscReal radius, PetscReal sep[])
{
  SheetSearch S;
  PetscReal  *vn, *tn, *ts;
  PetscInt   *start, *star, *mark, *seen;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc5(3 * nv, &vn, nv, &mark, 3 * nt, &tn, 4 * nt, &ts, nt, &seen));
  PetscCall(VertexStars(nv, xyz, nt, tri, vn, &start, &star));
  TriangleNormalsSpheres(xyz, nt, tri, tn, ts);
  S.xyz = xyz, S.tri = tri, S.tn = tn, S.ts = ts, S.vn = vn, S.start = start, S.star = star, S.mark = mark, S.seen = seen;
  /* cells of half the radius: a query box of 5^3 small cells holds fewer triangles than 3^3 large ones */
  PetscCall(TwinfeBoxGridCreate_Private(xyz, nt, 3, tri, NULL,
                                        PetscMax(0.5 * radius, 0.5 * TwinfeSurfaceMeanEdge_Private(xyz, nt, tri)), &S.g));
  for (PetscInt v = 0; v < nv; v++)
    mark[v] = -1;
  for (PetscInt t = 0; t < nt; t++)
    seen[t] = -1;
  for (PetscInt v = 0; v < nv; v++)
    sep[v] = SheetDistance(&S, v, radius);
  PetscCall(TwinfeBoxGridDestroy_Private(&S.g));
  PetscCall(PetscFree(start));
  PetscCall(PetscFree(star));
  PetscCall(PetscFree5(vn, mark, tn, ts, seen));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceComputeSheetSeparation(TwinfeSurface surface, PetscReal radius, PetscReal *min_separation)
{
  PetscReal *sep, m = PETSC_MAX_REAL;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(min_separation);
  PetscCheck(radius > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceComputeSheetSeparation: search radius %g mm must be positive", (double)radius);
  PetscCall(PetscMalloc1(surface->nvertices, &sep));
  PetscCall(
      TwinfeSurfaceSheetSeparation_Private(surface->nvertices, surface->xyz, surface->ntriangles, surface->tri, radius, sep));
  for (PetscInt v = 0; v < surface->nvertices; v++)
    m = PetscMin(m, sep[v]);
  PetscCall(PetscFree(sep));
  *min_separation = m;
  PetscFunctionReturn(0);
}

PetscBool TwinfeTrianglePairBad_Private(const PetscReal x[], const PetscInt a[3], const PetscInt b[3])
{
  const PetscReal *ta[3] = {x + 3 * a[0], x + 3 * a[1], x + 3 * a[2]}, *tb[3] = {x + 3 * b[0], x + 3 * b[1], x + 3 * b[2]};
  int              ia = 0, ib = 0, shared = SharedVertices(a, b, &ia, &ib);
  if (shared == 3) return PETSC_TRUE; /* the same triangle twice */
  for (int d = 0; d < 3; d++) {
    PetscReal la = PetscMin(ta[0][d], PetscMin(ta[1][d], ta[2][d])), ha = PetscMax(ta[0][d], PetscMax(ta[1][d], ta[2][d]));
    PetscReal lb = PetscMin(tb[0][d], PetscMin(tb[1][d], tb[2][d])), hb = PetscMax(tb[0][d], PetscMax(tb[1][d], tb[2][d]));
    if (la > hb || lb > ha) return PETSC_FALSE;
  }
  return shared ? NeighboursIntersect(a, b, ta, tb, shared, ia, ib) : TwinfeTrianglesIntersect_Private(ta, tb);
}
