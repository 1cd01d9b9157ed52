/* Cut caps (-surface_cut_planes; docs/surface_caps.md): a plane cuts a region (a vessel at the
 * height the planner chooses) and the cut is closed by a flat cap with its own facet tag.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The cut is exact, on the smoothed surface: the plane is given by a point p inside the region's
 * cross-section and a normal n pointing to the side removed. The regions whose cross-section
 * contains p are cut; of each, the part beyond the plane connected to that cross-section goes
 * (other parts of the region, and the other regions, stay: a plane across the neck may also
 * cross the other carotid). Triangles across the plane are split at their edges' crossing
 * points, after vertices within 0.3 of an edge of the plane were moved onto it (so no piece is
 * a sliver), and the rim's vertices are then evened out along it; a cut region's faces with a region that stays become that
 * region's outer surface. The open rim left in the plane is filled with a constrained Delaunay triangulation (VTK) with interior
 * points on a hexagonal lattice of the rim's spacing, relaxed. Each filled piece is a cap like the border caps (caps.c): tagged
 * TwinfeCapTag(label, k), numbered with them by decreasing area, held in its plane by the smoothing and the remesher. */
#include "surface_impl.h"
#include "core/core_impl.h"
#include <twinfe/core.h>

#define CUT_MAX_LABEL 999
#define CUT_MAX_PLANES 64
/* vertices nearer the plane than this fraction of the mean edge go onto it: a crossing point is
   then never closer than that to a vertex, so no cut piece is a sliver (0.2 left cap angles of
   13.5 deg on the oblique test tube, 0.3 gives 24-31 deg with the rim evened out; the wall moves
   at most 0.3 edge, about the smoothing's own 0.3-voxel bound) */
#define CUT_SNAP 0.3
/* interior points of a cap at least this fraction of the rim's spacing from the rim: Delaunay
   triangles along the rim then have angles near those of the lattice */
#define CUT_CLEARANCE 0.6
#define CUT_RELAX_STEPS 10

typedef struct {
  PetscReal p[3], n[3], u[3], w[3]; /* n unit; (u, w, n) right-handed */
  PetscInt  index;
} CutPlane;

typedef struct {
  PetscInt a, b, id;
  int32_t  label;
} CutEdge;

static int CompareCutEdge(const void *x, const void *y)
{
  const CutEdge *e = (const CutEdge *)x, *f = (const CutEdge *)y;
  if (e->label != f->label) return e->label < f->label ? -1 : 1;
  if (e->a != f->a) return e->a < f->a ? -1 : 1;
  if (e->b != f->b) return e->b < f->b ? -1 : 1;
  return (e->id > f->id) - (e->id < f->id);
}

static PetscInt Root(PetscInt parent[], PetscInt v)
{
  while (parent[v] != v)
    v = parent[v] = parent[parent[v]];
  return v;
}

static void Join(PetscInt parent[], PetscInt a, PetscInt b)
{
  PetscInt ra = Root(parent, a), rb = Root(parent, b);
  if (ra != rb) parent[PetscMax(ra, rb)] = PetscMin(ra, rb);
}

static inline CutEdge MakeEdge(PetscInt v, PetscInt w, PetscInt id, int32_t label)
{
  return (CutEdge){PetscMin(v, w), PetscMax(v, w), id, label};
}

/* An edge crosses the plane when one end is beyond (d > 0) and the other is not. */
static inline PetscBool Crosses(PetscReal da, PetscReal db)
{
  return (PetscBool)((da > 0) != (db > 0));
}

/* The point where edge ab meets the plane (a itself or b itself when on it). */
static void CrossingPoint(const PetscReal a[3], const PetscReal b[3], PetscReal da, PetscReal db, PetscReal x[3])
{
  const PetscReal t = da / (da - db);
  for (int k = 0; k < 3; k++)
    x[k] = a[k] + t * (b[k] - a[k]);
}

static inline void PlaneCoordinates(const CutPlane *P, const PetscReal x[3], PetscReal uv[2])
{
  const PetscReal q[3] = {x[0] - P->p[0], x[1] - P->p[1], x[2] - P->p[2]};
  uv[0]                = q[0] * P->u[0] + q[1] * P->u[1] + q[2] * P->u[2];
  uv[1]                = q[0] * P->w[0] + q[1] * P->w[1] + q[2] * P->w[2];
}

/* Does the segment ab (plane coordinates) cross the ray from the origin along +u? */
static PetscBool CrossesRay(const PetscReal a[2], const PetscReal b[2])
{
  PetscReal u;
  if ((a[1] > 0) == (b[1] > 0)) return PETSC_FALSE;
  u = a[0] + (b[0] - a[0]) * (0 - a[1]) / (b[1] - a[1]);
  return (PetscBool)(u > 0);
}

/* The segment of a triangle across the plane, in plane coordinates. */
static void TriangleSegment(TwinfeSurface s, const CutPlane *P, const PetscReal d[], PetscInt t, PetscReal seg[4])
{
  int m = 0;
  for (int k = 0; k < 3 && m < 2; k++) {
    const PetscInt a = s->tri[3 * t + k], b = s->tri[3 * t + (k + 1) % 3];
    PetscReal      x[3];
    if (!Crosses(d[a], d[b])) continue;
    CrossingPoint(s->xyz + 3 * a, s->xyz + 3 * b, d[a], d[b], x);
    PlaneCoordinates(P, x, seg + 2 * m++);
  }
}

static inline PetscBool Straddles(TwinfeSurface s, const PetscReal d[], PetscInt t)
{
  const PetscInt *v = s->tri + 3 * t;
  return (PetscBool)(Crosses(d[v[0]], d[v[1]]) || Crosses(d[v[1]], d[v[2]]));
}

/* A loop of a cut label inside one of its loops round p (its face with a region enclosed in it
   that reaches the plane) goes with it, or the cap would cross that region: such loops are marked
   odd too (odd: per root, set on the loops round p). */
static PetscErrorCode SeedInnerLoops(TwinfeSurface s, const CutPlane *P, const PetscReal d[], PetscInt parent[], char odd[],
                                     const PetscBool cut_label[])
{
  PetscReal *seg;
  PetscInt  *item, n = 0;
  char      *inner;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(4 * 2 * s->ntriangles + 1, &seg, 2 * s->ntriangles + 1, &item, 2 * s->ntriangles + 1, &inner));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (!Straddles(s, d, t)) continue;
    for (int side = 0; side < 2; side++) {
      const int32_t L = s->labels[2 * t + side];
      if (L <= 0 || !cut_label[L]) continue;
      TriangleSegment(s, P, d, t, seg + 4 * n);
      item[n++] = 2 * t + side;
    }
  }
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    inner[i] = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt r = Root(parent, item[i]);
    PetscReal      q[2];
    PetscInt       crossings = 0;
    if (odd[r] || inner[r]) continue;
    inner[r] = 2; /* looked at */
    q[0] = 0.5 * (seg[4 * i] + seg[4 * i + 2]), q[1] = 0.5 * (seg[4 * i + 1] + seg[4 * i + 3]);
    for (PetscInt j = 0; j < n; j++) {
      PetscReal a[2], b[2];
      if (s->labels[item[j]] != s->labels[item[i]] || !odd[Root(parent, item[j])]) continue;
      a[0] = seg[4 * j] - q[0], a[1] = seg[4 * j + 1] - q[1], b[0] = seg[4 * j + 2] - q[0], b[1] = seg[4 * j + 3] - q[1];
      crossings += CrossesRay(a, b);
    }
    if (crossings % 2) inner[r] = 1;
  }
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt r = Root(parent, item[i]);
    if (inner[r] == 1) odd[r] = 1;
  }
  PetscCall(PetscFree3(seg, item, inner));
  PetscFunctionReturn(0);
}

/* Which regions the plane cuts and where to start removing: the triangles across the plane are
   grouped per label into the loops of its cross-section (joined through their crossing edges); a
   ray in the plane from p crosses each loop an odd number of times when the loop goes round p. A
   label is cut when its loops go round p an odd number of times in all (p inside its section, not
   in a hole of it); its loops round p are the seeds (seed: 2 per triangle, one per side). */
static PetscErrorCode FindCutRegions(TwinfeSurface s, const CutPlane *P, const PetscReal d[], PetscBool cut_label[],
                                     PetscBool seed[], PetscInt *ncut)
{
  CutEdge  *e;
  PetscInt *parent, ne = 0;
  char     *odd;
  PetscBool label_odd[CUT_MAX_LABEL + 1] = {PETSC_FALSE};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(6 * s->ntriangles + 1, &e, 2 * s->ntriangles + 1, &parent, 2 * s->ntriangles + 1, &odd));
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    parent[i] = i, odd[i] = 0, seed[i] = PETSC_FALSE;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (!Straddles(s, d, t)) continue;
    for (int side = 0; side < 2; side++) {
      const int32_t L = s->labels[2 * t + side];
      if (L <= 0) continue;
      for (int k = 0; k < 3; k++) {
        const PetscInt a = s->tri[3 * t + k], b = s->tri[3 * t + (k + 1) % 3];
        if (Crosses(d[a], d[b])) e[ne++] = MakeEdge(a, b, 2 * t + side, L);
      }
    }
  }
  qsort(e, (size_t)ne, sizeof *e, CompareCutEdge);
  for (PetscInt i = 1; i < ne; i++)
    if (e[i].label == e[i - 1].label && e[i].a == e[i - 1].a && e[i].b == e[i - 1].b) Join(parent, e[i].id, e[i - 1].id);
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    PetscReal seg[4];
    if (!Straddles(s, d, t)) continue;
    TriangleSegment(s, P, d, t, seg);
    if (!CrossesRay(seg, seg + 2)) continue;
    for (int side = 0; side < 2; side++)
      if (s->labels[2 * t + side] > 0) odd[Root(parent, 2 * t + side)] ^= 1;
  }
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    if (parent[i] == i && odd[i]) label_odd[s->labels[i]] = (PetscBool)!label_odd[s->labels[i]];
  *ncut = 0;
  for (PetscInt L = 0; L <= CUT_MAX_LABEL; L++) {
    cut_label[L] = label_odd[L];
    *ncut += cut_label[L];
  }
  PetscCall(SeedInnerLoops(s, P, d, parent, odd, cut_label));
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    seed[i] = (PetscBool)(s->labels[i] > 0 && cut_label[s->labels[i]] && odd[Root(parent, i)] && Straddles(s, d, i / 2));
  PetscCall(PetscFree3(e, parent, odd));
  PetscFunctionReturn(0);
}

/* What goes: per cut label, its triangles with a vertex beyond the plane, joined through edges
   with an end beyond; the groups that hold a seed are removed (rm: 2 per triangle). */
static PetscErrorCode FindRemoved(TwinfeSurface s, const PetscReal d[], const PetscBool cut_label[], const PetscBool seed[],
                                  PetscBool rm[])
{
  CutEdge   *e;
  PetscInt  *parent, ne = 0;
  PetscBool *root_seed;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(6 * s->ntriangles + 1, &e, 2 * s->ntriangles + 1, &parent, 2 * s->ntriangles + 1, &root_seed));
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    parent[i] = i, root_seed[i] = PETSC_FALSE, rm[i] = PETSC_FALSE;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    for (int side = 0; side < 2; side++) {
      const int32_t L = s->labels[2 * t + side];
      if (L <= 0 || !cut_label[L]) continue;
      for (int k = 0; k < 3; k++) {
        const PetscInt a = s->tri[3 * t + k], b = s->tri[3 * t + (k + 1) % 3];
        if (d[a] > 0 || d[b] > 0) e[ne++] = MakeEdge(a, b, 2 * t + side, L);
      }
    }
  qsort(e, (size_t)ne, sizeof *e, CompareCutEdge);
  for (PetscInt i = 1; i < ne; i++)
    if (e[i].label == e[i - 1].label && e[i].a == e[i - 1].a && e[i].b == e[i - 1].b) Join(parent, e[i].id, e[i - 1].id);
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    if (seed[i]) root_seed[Root(parent, i)] = PETSC_TRUE;
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++) {
    const PetscInt *v = s->tri + 3 * (i / 2);
    rm[i]             = (PetscBool)(root_seed[Root(parent, i)] && (d[v[0]] > 0 || d[v[1]] > 0 || d[v[2]] > 0));
  }
  PetscCall(PetscFree3(e, parent, root_seed));
  PetscFunctionReturn(0);
}

/* How many times the cut passes through vertex v on the plane: the triangles around it whose two
   other vertices lie on different sides (a rim edge in the plane is counted once, in the triangle
   beyond it). 2 on a simple rim. */
static PetscInt RimDegree(TwinfeSurface s, const PetscReal d[], const PetscInt vs[], const PetscInt vt[], PetscInt v)
{
  PetscInt n = 0;
  for (PetscInt q = vs[v]; q < vs[v + 1]; q++) {
    const PetscInt *T    = s->tri + 3 * vt[q];
    PetscInt        o[2] = {v, v}, m = 0; /* set for gcc -O3: v is a corner of each of its triangles */
    for (int k = 0; k < 3; k++)
      if (T[k] != v && m < 2) o[m++] = T[k];
    n += (d[o[0]] > 0) != (d[o[1]] > 0);
  }
  return n;
}

/* Vertices of the triangles that change, nearer the plane than CUT_SNAP of their mean edge, go
   onto it (d = 0 exactly), except where that would lay a whole triangle, or an edge with no
   triangle beyond it, in the plane (the cap would touch it: Gmsh refused such a surface of the
   IVC as two exactly self-intersecting facets) or pinch the rim: such a vertex goes away from
   the plane instead, to CUT_SNAP of an edge on its own side, so that no crossing point falls
   near it either (a 0.07 mm rim edge beside 1.4 mm ones was left otherwise). */
static PetscErrorCode SnapToPlane(TwinfeSurface s, const CutPlane *P, const PetscBool rm[], PetscReal d[])
{
  PetscReal sum = 0, delta;
  PetscInt  n   = 0, *vs, *vt;

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (!rm[2 * t] && !rm[2 * t + 1]) continue;
    for (int k = 0; k < 3; k++) {
      const PetscReal *a = s->xyz + 3 * s->tri[3 * t + k], *b = s->xyz + 3 * s->tri[3 * t + (k + 1) % 3];
      sum += PetscSqrtReal(PetscSqr(a[0] - b[0]) + PetscSqr(a[1] - b[1]) + PetscSqr(a[2] - b[2]));
      n++;
    }
  }
  delta = n ? CUT_SNAP * sum / n : 0;
  /* vertex -> triangles */
  PetscCall(PetscCalloc1(s->nvertices + 1, &vs));
  PetscCall(PetscMalloc1(3 * s->ntriangles + 1, &vt));
  for (PetscInt i = 0; i < 3 * s->ntriangles; i++)
    vs[s->tri[i] + 1]++;
  for (PetscInt v = 0; v < s->nvertices; v++)
    vs[v + 1] += vs[v];
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(s->nvertices + 1, &fill));
    PetscCall(PetscArraycpy(fill, vs, s->nvertices + 1));
    for (PetscInt t = 0; t < s->ntriangles; t++)
      for (int k = 0; k < 3; k++)
        vt[fill[s->tri[3 * t + k]]++] = t;
    PetscCall(PetscFree(fill));
  }
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (!rm[2 * t] && !rm[2 * t + 1]) continue;
    for (int k = 0; k < 3; k++) {
      const PetscInt v    = s->tri[3 * t + k];
      PetscBool      flat = PETSC_FALSE;
      if (d[v] == 0 || PetscAbsReal(d[v]) >= delta) continue;
      for (PetscInt q = vs[v]; q < vs[v + 1] && !flat; q++) {
        const PetscInt *T     = s->tri + 3 * vt[q];
        PetscInt        zeros = 0;
        for (int m = 0; m < 3; m++)
          zeros += T[m] != v && d[T[m]] == 0;
        flat = (PetscBool)(zeros == 2);
        /* an edge vw that would lie in the plane with no triangle beyond it is a fold of the
           wall touching the plane, which the cap would then touch too */
        for (int m = 0; m < 3 && !flat; m++) {
          const PetscInt w      = T[m];
          PetscBool      beyond = PETSC_FALSE;
          if (w == v || d[w] != 0) continue;
          for (PetscInt r = vs[v]; r < vs[v + 1]; r++) {
            const PetscInt *U = s->tri + 3 * vt[r];
            if (U[0] != w && U[1] != w && U[2] != w) continue;
            for (int j = 0; j < 3; j++)
              beyond |= (PetscBool)(U[j] != v && U[j] != w && d[U[j]] > 0);
          }
          flat = (PetscBool)!beyond;
        }
      }
      if (!flat) {
        /* the rim must pass through v once, and through every vertex on the plane around it
           once (a saddle put on the plane pinches the rim) */
        const PetscReal dv = d[v];
        PetscBool       ok;
        d[v] = 0;
        ok   = (PetscBool)(RimDegree(s, d, vs, vt, v) == 2);
        for (PetscInt q = vs[v]; q < vs[v + 1] && ok; q++)
          for (int m = 0; m < 3 && ok; m++) {
            const PetscInt w = s->tri[3 * vt[q] + m];
            if (w != v && d[w] == 0) ok = (PetscBool)(RimDegree(s, d, vs, vt, w) == 2);
          }
        d[v] = dv;
        flat = (PetscBool)!ok;
      }
      if (flat) { /* then away from the plane, to delta on its own side: no crossing point near it */
        const PetscReal to = d[v] > 0 ? delta : -delta;
        for (int c = 0; c < 3; c++)
          s->xyz[3 * v + c] += (to - d[v]) * P->n[c];
        d[v] = to;
        continue;
      }
      for (int c = 0; c < 3; c++)
        s->xyz[3 * v + c] -= d[v] * P->n[c];
      d[v] = 0;
    }
  }
  PetscCall(PetscFree(vs));
  PetscCall(PetscFree(vt));
  PetscFunctionReturn(0);
}

/* An edge crosses strictly: one end beyond, the other before the plane (not on it). */
static inline PetscBool CrossesStrictly(PetscReal da, PetscReal db)
{
  return (PetscBool)((da > 0 && db < 0) || (da < 0 && db > 0));
}

/* The triangles to split: those that change and lie across the plane, and, so that the surface
   stays conforming, every triangle across the plane that shares a split edge with one (the
   other side of an interface, which stays, is split along with it). The split edges, sorted and
   unique, come back in *edges (a, b; id = the new vertex's index from nv on). */
static PetscErrorCode FindSplit(TwinfeSurface s, const PetscReal d[], const PetscBool rm[], PetscBool split[], CutEdge **edges,
                                PetscInt *nedges)
{
  CutEdge  *e;
  PetscInt *queue, ne = 0, head = 0, tail = 0, *first;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * s->ntriangles + 1, &e));
  PetscCall(PetscMalloc2(s->ntriangles + 1, &queue, 3 * s->ntriangles + 1, &first));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    split[t] = PETSC_FALSE;
    for (int k = 0; k < 3; k++) {
      const PetscInt a = s->tri[3 * t + k], b = s->tri[3 * t + (k + 1) % 3];
      if (CrossesStrictly(d[a], d[b])) e[ne++] = MakeEdge(a, b, t, 0);
    }
  }
  qsort(e, (size_t)ne, sizeof *e, CompareCutEdge);
  for (PetscInt i = 0; i < ne; i++) /* first entry of each edge's run */
    first[i] = (i > 0 && e[i].a == e[i - 1].a && e[i].b == e[i - 1].b) ? first[i - 1] : i;
  for (PetscInt i = 0; i < ne; i++) {
    const PetscInt t = e[i].id;
    if (!split[t] && (rm[2 * t] || rm[2 * t + 1])) split[t] = PETSC_TRUE, queue[tail++] = t;
  }
  /* breadth first over shared crossing edges; each triangle has at most two such edges */
  while (head < tail) {
    const PetscInt t = queue[head++];
    for (int k = 0; k < 3; k++) {
      const PetscInt a = s->tri[3 * t + k], b = s->tri[3 * t + (k + 1) % 3];
      CutEdge        key;
      PetscInt       lo = 0, hi = ne;
      if (!CrossesStrictly(d[a], d[b])) continue;
      key = MakeEdge(a, b, -1, 0);
      while (lo < hi) { /* the first entry not below the key */
        PetscInt mid = (lo + hi) / 2;
        if (CompareCutEdge(&e[mid], &key) < 0)
          lo = mid + 1;
        else
          hi = mid;
      }
      for (PetscInt i = lo; i < ne && e[i].a == key.a && e[i].b == key.b; i++)
        if (!split[e[i].id]) split[e[i].id] = PETSC_TRUE, queue[tail++] = e[i].id;
    }
  }
  /* the unique edges of split triangles */
  {
    PetscInt n = 0;
    for (PetscInt i = 0; i < ne; i++) {
      if (!split[e[i].id]) continue;
      if (n > 0 && e[n - 1].a == e[i].a && e[n - 1].b == e[i].b) continue;
      e[n++] = e[i];
    }
    for (PetscInt i = 0; i < n; i++)
      e[i].id = s->nvertices + i;
    *nedges = n;
  }
  *edges = e;
  PetscCall(PetscFree2(queue, first));
  PetscFunctionReturn(0);
}

static PetscInt CrossingVertex(const CutEdge e[], PetscInt ne, PetscInt v, PetscInt w)
{
  const CutEdge key = MakeEdge(v, w, -1, 0);
  PetscInt      lo = 0, hi = ne;
  while (lo < hi) {
    PetscInt mid = (lo + hi) / 2;
    if (e[mid].a < key.a || (e[mid].a == key.a && e[mid].b < key.b))
      lo = mid + 1;
    else
      hi = mid;
  }
  return (lo < ne && e[lo].a == key.a && e[lo].b == key.b) ? e[lo].id : -1;
}

/* The surface being rebuilt: growable vertex and triangle arrays, each triangle with its labels
   and its cap (index into the caps list, -1 for none). */
typedef struct {
  PetscInt   nv, nt, vcap, tcap;
  PetscReal *xyz, *d;
  PetscInt  *tri, *cap;
  int32_t   *labels;
} Build;

static PetscErrorCode BuildReserve(Build *b, PetscInt nv, PetscInt nt)
{
  PetscFunctionBeginUser;
  if (nv > b->vcap) {
    PetscReal *x, *d;
    PetscInt   c = PetscMax(nv, 2 * b->vcap);
    PetscCall(PetscMalloc2(3 * c, &x, c, &d));
    PetscCall(PetscArraycpy(x, b->xyz, 3 * b->nv));
    PetscCall(PetscArraycpy(d, b->d, b->nv));
    PetscCall(PetscFree2(b->xyz, b->d));
    b->xyz = x, b->d = d, b->vcap = c;
  }
  if (nt > b->tcap) {
    PetscInt *t, *cp, c = PetscMax(nt, 2 * b->tcap);
    int32_t  *l;
    PetscCall(PetscMalloc3(3 * c, &t, c, &cp, 2 * c, &l));
    PetscCall(PetscArraycpy(t, b->tri, 3 * b->nt));
    PetscCall(PetscArraycpy(cp, b->cap, b->nt));
    PetscCall(PetscArraycpy(l, b->labels, 2 * b->nt));
    PetscCall(PetscFree3(b->tri, b->cap, b->labels));
    b->tri = t, b->cap = cp, b->labels = l, b->tcap = c;
  }
  PetscFunctionReturn(0);
}

static void BuildAddTriangle(Build *b, PetscInt v0, PetscInt v1, PetscInt v2, int32_t in, int32_t out, PetscInt cap)
{
  PetscInt *t = b->tri + 3 * b->nt;
  t[0] = v0, t[1] = v1, t[2] = v2;
  b->labels[2 * b->nt] = in, b->labels[2 * b->nt + 1] = out;
  b->cap[b->nt++] = cap;
}

static PetscReal MinAngleCos(const PetscReal *a, const PetscReal *b, const PetscReal *c)
{
  const PetscReal *p[3]  = {a, b, c};
  PetscReal        worst = -1;
  for (int k = 0; k < 3; k++) {
    PetscReal u[3], v[3], uv = 0, uu = 0, vv = 0;
    for (int m = 0; m < 3; m++) {
      u[m] = p[(k + 1) % 3][m] - p[k][m], v[m] = p[(k + 2) % 3][m] - p[k][m];
      uv += u[m] * v[m], uu += u[m] * u[m], vv += v[m] * v[m];
    }
    if (!(uu > 0 && vv > 0)) return 1;
    worst = PetscMax(worst, uv / PetscSqrtReal(uu * vv));
  }
  return worst;
}

/* A polygon of 3 or 4 vertices (a clipped triangle, in its order) as triangles; a quad along
   the diagonal that gives the larger least angle. */
static void AddPolygon(Build *b, const PetscInt v[], int n, int32_t in, int32_t out, PetscInt cap, PetscBool flip)
{
  if (n < 3) return;
  if (n == 3) {
    if (flip)
      BuildAddTriangle(b, v[0], v[2], v[1], in, out, cap);
    else
      BuildAddTriangle(b, v[0], v[1], v[2], in, out, cap);
    return;
  }
  {
    const PetscReal *x = b->xyz;
    PetscReal        c02 =
        PetscMax(MinAngleCos(x + 3 * v[0], x + 3 * v[1], x + 3 * v[2]), MinAngleCos(x + 3 * v[0], x + 3 * v[2], x + 3 * v[3]));
    PetscReal c13 =
        PetscMax(MinAngleCos(x + 3 * v[1], x + 3 * v[2], x + 3 * v[3]), MinAngleCos(x + 3 * v[1], x + 3 * v[3], x + 3 * v[0]));
    const int      s     = c02 <= c13 ? 0 : 1;
    const PetscInt t1[3] = {v[s], v[s + 1], v[s + 2]}, t2[3] = {v[s], v[s + 2], v[(s + 3) % 4]};
    AddPolygon(b, t1, 3, in, out, cap, flip);
    AddPolygon(b, t2, 3, in, out, cap, flip);
  }
}

/* Triangle t's part before the plane keeps its labels and cap; its part beyond goes when both
   its labels are removed there, else it becomes the staying region's outer surface (turned over
   when the removed label was the inside one, so that its normal still leaves the region). */
static void ClipTriangle(Build *b, TwinfeSurface s, PetscInt t, const PetscReal d[], const CutEdge e[], PetscInt ne,
                         const PetscBool rm[], const PetscInt cap_of[])
{
  PetscInt      kept[4], beyond[4];
  int           nk = 0, nb = 0, nplus = 0, nzero = 0;
  const int32_t in = s->labels[2 * t], out = s->labels[2 * t + 1];
  const int32_t in2 = rm[2 * t] ? 0 : in, out2 = rm[2 * t + 1] ? 0 : out;

  for (int k = 0; k < 3; k++) {
    const PetscInt a = s->tri[3 * t + k], c = s->tri[3 * t + (k + 1) % 3];
    nplus += d[a] > 0, nzero += d[a] == 0;
    if (d[a] <= 0) kept[nk++] = a;
    if (d[a] >= 0) beyond[nb++] = a;
    if (CrossesStrictly(d[a], d[c])) {
      const PetscInt x = CrossingVertex(e, ne, a, c);
      kept[nk++] = x, beyond[nb++] = x;
    }
  }
  if (nzero == 3 || nplus == 0) { /* on the plane or before it: kept whole */
    BuildAddTriangle(b, s->tri[3 * t], s->tri[3 * t + 1], s->tri[3 * t + 2], in, out, cap_of[t]);
    return;
  }
  AddPolygon(b, kept, nk, in, out, cap_of[t], PETSC_FALSE);
  if (!rm[2 * t] && !rm[2 * t + 1])
    AddPolygon(b, beyond, nb, in, out, cap_of[t], PETSC_FALSE);
  else if (in2 || out2)
    AddPolygon(b, beyond, nb, PetscMax(in2, out2), 0, -1, (PetscBool)(in2 == 0));
}

/* ---------------------------------------------------------------- the caps */

/* One piece of a cut region's open rim: an outer loop (counter-clockwise seen from beyond the
   plane) and the holes in it (clockwise), as vertex lists. */
typedef struct {
  PetscInt  nloops, *start, *vertex; /* loop l: vertex[start[l] .. start[l + 1]) */
  PetscReal area;                    /* the polygon's, holes taken off */
} CapPiece;

static PetscReal LoopArea(const PetscReal uv[], const PetscInt v[], PetscInt n)
{
  PetscReal a = 0;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal *p = uv + 2 * v[i], *q = uv + 2 * v[(i + 1) % n];
    a += p[0] * q[1] - p[1] * q[0];
  }
  return 0.5 * a;
}

static PetscBool InsideLoop(const PetscReal uv[], const PetscInt v[], PetscInt n, const PetscReal x[2])
{
  PetscBool in = PETSC_FALSE;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal *p = uv + 2 * v[i], *q = uv + 2 * v[(i + 1) % n];
    if ((p[1] > x[1]) != (q[1] > x[1]) && x[0] < p[0] + (q[0] - p[0]) * (x[1] - p[1]) / (q[1] - p[1])) in = (PetscBool)!in;
  }
  return in;
}

static PetscReal SegmentDistance2(const PetscReal x[2], const PetscReal a[2], const PetscReal b[2])
{
  const PetscReal ab[2] = {b[0] - a[0], b[1] - a[1]}, ax[2] = {x[0] - a[0], x[1] - a[1]};
  const PetscReal L = ab[0] * ab[0] + ab[1] * ab[1];
  PetscReal       t = L > 0 ? (ax[0] * ab[0] + ax[1] * ab[1]) / L : 0;
  t                 = PetscMax(0, PetscMin(1, t));
  return PetscSqr(ax[0] - t * ab[0]) + PetscSqr(ax[1] - t * ab[1]);
}

/* The open rim of cut label L (edges of L's triangles, outward of L, without their reverse) as
   the caps' directed edges (the reverse), chained into loops. Every rim vertex must lie on the
   plane (else the cut left the region open elsewhere, which is refused by the caller). next[v]:
   the loop's next vertex, -1 off the rim. */
static PetscErrorCode RimLoops(const Build *b, int32_t L, PetscInt next[], PetscInt *nrim, PetscBool *on_plane, PetscBool *simple)
{
  CutEdge *e;
  PetscInt ne = 0;

  PetscFunctionBeginUser;
  *nrim = 0, *on_plane = PETSC_TRUE, *simple = PETSC_TRUE;
  PetscCall(PetscMalloc1(3 * b->nt + 1, &e));
  for (PetscInt t = 0; t < b->nt; t++) {
    const int side = b->labels[2 * t] == L ? 0 : b->labels[2 * t + 1] == L ? 1 : -1;
    if (side < 0) continue;
    for (int k = 0; k < 3; k++) {
      const PetscInt v = b->tri[3 * t + k], w = b->tri[3 * t + (k + 1) % 3];
      /* id: +1 when the edge runs low to high outward of L */
      const PetscInt dir = ((v < w) == (side == 0)) ? 1 : -1;
      e[ne++]            = MakeEdge(v, w, dir, 0);
    }
  }
  qsort(e, (size_t)ne, sizeof *e, CompareCutEdge);
  for (PetscInt v = 0; v < b->nv; v++)
    next[v] = -1;
  for (PetscInt i = 0, j; i < ne; i = j) {
    PetscInt sum = 0, from, to;
    for (j = i; j < ne && e[j].a == e[i].a && e[j].b == e[i].b; j++)
      sum += e[j].id;
    if (!sum) continue;
    if (PetscAbsInt(sum) > 1) *simple = PETSC_FALSE;
    /* the rim runs a -> b outward of L when sum > 0; the cap runs the other way */
    from = sum > 0 ? e[i].b : e[i].a, to = sum > 0 ? e[i].a : e[i].b;
    if (b->d[from] != 0 || b->d[to] != 0) *on_plane = PETSC_FALSE;
    if (next[from] >= 0) *simple = PETSC_FALSE;
    next[from] = to;
    (*nrim)++;
  }
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

/* The loops from next[], grouped into pieces (outer loops with the holes inside them). */
static PetscErrorCode GroupLoops(const PetscReal uv[], PetscInt nv, PetscInt next[], PetscInt nrim, PetscInt *npieces,
                                 CapPiece **pieces)
{
  PetscInt  *lstart, *lvert, nl = 0, n = 0, *owner;
  PetscReal *area;
  PetscBool *seen;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(nrim + 2, &lstart, nrim + 1, &lvert, nv, &seen));
  for (PetscInt v = 0; v < nv; v++)
    seen[v] = PETSC_FALSE;
  lstart[0] = 0;
  for (PetscInt v = 0; v < nv; v++) {
    PetscInt w = v;
    if (next[v] < 0 || seen[v]) continue;
    while (w >= 0 && !seen[w]) {
      seen[w]    = PETSC_TRUE;
      lvert[n++] = w;
      w          = next[w];
    }
    lstart[++nl] = n;
  }
  PetscCall(PetscMalloc2(nl + 1, &area, nl + 1, &owner));
  for (PetscInt l = 0; l < nl; l++)
    area[l] = LoopArea(uv, lvert + lstart[l], lstart[l + 1] - lstart[l]), owner[l] = -1;
  /* a hole belongs to the smallest outer loop around it */
  for (PetscInt l = 0; l < nl; l++) {
    if (area[l] > 0) continue;
    for (PetscInt o = 0; o < nl; o++)
      if (area[o] > 0 && InsideLoop(uv, lvert + lstart[o], lstart[o + 1] - lstart[o], uv + 2 * lvert[lstart[l]]) &&
          (owner[l] < 0 || area[o] < area[owner[l]]))
        owner[l] = o;
  }
  *npieces = 0;
  for (PetscInt l = 0; l < nl; l++)
    *npieces += area[l] > 0;
  PetscCall(PetscCalloc1(*npieces + 1, pieces));
  for (PetscInt l = 0, p = 0; l < nl; l++) {
    CapPiece *c = &(*pieces)[p];
    PetscInt  m = 0, k = 0;
    if (area[l] <= 0) continue;
    c->nloops = 1, c->area = area[l];
    for (PetscInt h = 0; h < nl; h++)
      if (owner[h] == l) c->nloops++, c->area += area[h];
    for (PetscInt h = 0; h < nl; h++)
      if (h == l || owner[h] == l) m += lstart[h + 1] - lstart[h];
    PetscCall(PetscMalloc2(c->nloops + 1, &c->start, m, &c->vertex));
    c->start[0] = 0;
    for (PetscInt h = 0; h < nl; h++) {
      if (h != l && owner[h] != l) continue;
      for (PetscInt i = lstart[h]; i < lstart[h + 1]; i++)
        c->vertex[c->start[k] + i - lstart[h]] = lvert[i];
      c->start[k + 1] = c->start[k] + lstart[h + 1] - lstart[h];
      k++;
    }
    p++;
  }
  /* a hole in no outer loop (the rim turned inside out) leaves the piece count short of it */
  for (PetscInt l = 0; l < nl; l++)
    if (area[l] <= 0 && owner[l] < 0 && *npieces >= 0) {
      for (PetscInt i = 0; i < *npieces; i++)
        PetscCall(PetscFree2((*pieces)[i].start, (*pieces)[i].vertex));
      PetscCall(PetscFree(*pieces));
      *npieces = -1;
    }
  PetscCall(PetscFree2(area, owner));
  PetscCall(PetscFree3(lstart, lvert, seen));
  PetscFunctionReturn(0);
}

static PetscErrorCode PiecesDestroy(PetscInt n, CapPiece **pieces)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; i++)
    PetscCall(PetscFree2((*pieces)[i].start, (*pieces)[i].vertex));
  PetscCall(PetscFree(*pieces));
  PetscFunctionReturn(0);
}

/* Interior points of a piece: a hexagonal lattice of spacing h (the rim's mean edge) inside the
   piece, each at least CUT_CLEARANCE h from the rim. pts: local 2D points (rim first). */
static PetscErrorCode LatticePoints(const CapPiece *c, PetscInt nrim, PetscReal **pts, PetscInt *npts)
{
  PetscReal  lo[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[2] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL}, h = 0, dy;
  PetscReal *x = *pts;
  PetscInt   n = nrim, cap, ni, nj;

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < c->nloops; l++)
    for (PetscInt i = c->start[l]; i < c->start[l + 1]; i++) {
      const PetscInt j = (i + 1 < c->start[l + 1]) ? i + 1 : c->start[l];
      h += PetscSqrtReal(PetscSqr(x[2 * i] - x[2 * j]) + PetscSqr(x[2 * i + 1] - x[2 * j + 1]));
      for (int k = 0; k < 2; k++)
        lo[k] = PetscMin(lo[k], x[2 * i + k]), hi[k] = PetscMax(hi[k], x[2 * i + k]);
    }
  h /= nrim;
  dy = h * PetscSqrtReal(3.0) / 2;
  ni = (PetscInt)((hi[0] - lo[0]) / h) + 2, nj = (PetscInt)((hi[1] - lo[1]) / dy) + 2;
  cap = nrim + ni * nj;
  PetscCall(PetscMalloc1(2 * cap, pts));
  PetscCall(PetscArraycpy(*pts, x, 2 * nrim));
  PetscCall(PetscFree(x));
  x = *pts;
  for (PetscInt j = 0; j < nj; j++)
    for (PetscInt i = 0; i < ni; i++) {
      const PetscReal q[2] = {lo[0] + (i + 0.5 * (j % 2)) * h, lo[1] + j * dy};
      PetscBool       in = PETSC_FALSE, clear = PETSC_TRUE;
      for (PetscInt l = 0; l < c->nloops; l++) {
        const PetscInt m = c->start[l + 1] - c->start[l];
        for (PetscInt a = 0; a < m && clear; a++) {
          const PetscInt ia = c->start[l] + a, ib = c->start[l] + (a + 1) % m;
          clear = (PetscBool)(SegmentDistance2(q, x + 2 * ia, x + 2 * ib) >= PetscSqr(CUT_CLEARANCE * h));
          if ((x[2 * ia + 1] > q[1]) != (x[2 * ib + 1] > q[1]) &&
              q[0] < x[2 * ia] + (x[2 * ib] - x[2 * ia]) * (q[1] - x[2 * ia + 1]) / (x[2 * ib + 1] - x[2 * ia + 1]))
            in = (PetscBool)!in;
        }
      }
      if (in && clear) x[2 * n] = q[0], x[2 * n + 1] = q[1], n++;
    }
  *npts = n;
  PetscFunctionReturn(0);
}

static PetscReal SignedArea2(const PetscReal a[2], const PetscReal b[2], const PetscReal c[2])
{
  return 0.5 * ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

/* Interior points toward the mean of their neighbours, a few steps; undone when a triangle
   would turn over. */
static PetscErrorCode RelaxInterior(PetscReal x[], PetscInt nrim, PetscInt n, PetscInt nt, const PetscInt tri[])
{
  PetscReal *sum, *saved;
  PetscInt  *cnt;
  PetscBool  ok = PETSC_TRUE;

  PetscFunctionBeginUser;
  if (n == nrim) PetscFunctionReturn(0);
  PetscCall(PetscMalloc3(2 * n, &sum, n, &cnt, 2 * n, &saved));
  PetscCall(PetscArraycpy(saved, x, 2 * n));
  for (PetscInt it = 0; it < CUT_RELAX_STEPS; it++) {
    for (PetscInt i = 0; i < n; i++)
      sum[2 * i] = sum[2 * i + 1] = 0, cnt[i] = 0;
    for (PetscInt t = 0; t < nt; t++)
      for (int k = 0; k < 3; k++) {
        const PetscInt a = tri[3 * t + k], b = tri[3 * t + (k + 1) % 3];
        sum[2 * a] += x[2 * b], sum[2 * a + 1] += x[2 * b + 1], cnt[a]++;
        sum[2 * b] += x[2 * a], sum[2 * b + 1] += x[2 * a + 1], cnt[b]++;
      }
    for (PetscInt i = nrim; i < n; i++)
      if (cnt[i])
        for (int k = 0; k < 2; k++)
          x[2 * i + k] += 0.5 * (sum[2 * i + k] / cnt[i] - x[2 * i + k]);
  }
  for (PetscInt t = 0; t < nt && ok; t++)
    ok = (PetscBool)(SignedArea2(x + 2 * tri[3 * t], x + 2 * tri[3 * t + 1], x + 2 * tri[3 * t + 2]) > 0);
  if (!ok) PetscCall(PetscArraycpy(x, saved, 2 * n));
  PetscCall(PetscFree3(sum, cnt, saved));
  PetscFunctionReturn(0);
}

/* Fill one piece: its rim vertices (global ids) and interior points triangulated in the plane,
   counter-clockwise (normal along the plane's, out of the region), checked: every rim edge used
   once in its direction and the triangles' area equal to the polygon's. */
static PetscErrorCode FillPiece(Build *b, const CutPlane *P, const CapPiece *c, int32_t L, PetscInt cap, PetscBool lattice,
                                PetscBool *ok)
{
  const PetscInt nrim = c->start[c->nloops];
  PetscReal     *x, area = 0;
  PetscInt      *loc_start, *loc, npts, nt = 0, *tri = NULL, nused = 0;

  PetscFunctionBeginUser;
  *ok = PETSC_FALSE;
  PetscCall(PetscMalloc1(2 * nrim, &x));
  PetscCall(PetscMalloc2(c->nloops + 1, &loc_start, nrim, &loc));
  for (PetscInt i = 0; i < nrim; i++) {
    PlaneCoordinates(P, b->xyz + 3 * c->vertex[i], x + 2 * i);
    loc[i] = i;
  }
  for (PetscInt l = 0; l <= c->nloops; l++)
    loc_start[l] = c->start[l];
  npts = nrim;
  if (lattice) PetscCall(LatticePoints(c, nrim, &x, &npts));
  PetscCall(TwinfeSurfaceTriangulateLoops_VTK(npts, x, c->nloops, loc_start, loc, &nt, &tri));
  for (PetscInt t = 0; t < nt; t++) {
    PetscReal a = SignedArea2(x + 2 * tri[3 * t], x + 2 * tri[3 * t + 1], x + 2 * tri[3 * t + 2]);
    if (a < 0) {
      PetscInt v     = tri[3 * t + 1];
      tri[3 * t + 1] = tri[3 * t + 2], tri[3 * t + 2] = v, a = -a;
    }
    area += a;
  }
  *ok = (PetscBool)(nt > 0 && PetscAbsReal(area - c->area) <= 1e-6 * c->area);
  /* every rim edge once, in the cap's direction */
  for (PetscInt l = 0; l < c->nloops && *ok; l++)
    for (PetscInt i = c->start[l]; i < c->start[l + 1] && *ok; i++) {
      const PetscInt j     = (i + 1 < c->start[l + 1]) ? i + 1 : c->start[l];
      PetscInt       found = 0;
      for (PetscInt t = 0; t < nt; t++)
        for (int k = 0; k < 3; k++)
          found += tri[3 * t + k] == i && tri[3 * t + (k + 1) % 3] == j;
      *ok = (PetscBool)(found == 1);
    }
  if (*ok) {
    PetscInt *gid;
    PetscCall(RelaxInterior(x, nrim, npts, nt, tri));
    PetscCall(PetscMalloc1(npts, &gid));
    for (PetscInt i = 0; i < npts; i++)
      gid[i] = i < nrim ? c->vertex[i] : -1;
    for (PetscInt t = 0; t < nt; t++)
      for (int k = 0; k < 3; k++)
        if (gid[tri[3 * t + k]] < 0) gid[tri[3 * t + k]] = -2; /* used interior point */
    for (PetscInt i = nrim; i < npts; i++)
      nused += gid[i] == -2;
    PetscCall(BuildReserve(b, b->nv + nused, b->nt + nt));
    for (PetscInt i = nrim; i < npts; i++) {
      if (gid[i] != -2) continue;
      for (int k = 0; k < 3; k++)
        b->xyz[3 * b->nv + k] = P->p[k] + x[2 * i] * P->u[k] + x[2 * i + 1] * P->w[k];
      b->d[b->nv] = 0;
      gid[i]      = b->nv++;
    }
    for (PetscInt t = 0; t < nt; t++)
      BuildAddTriangle(b, gid[tri[3 * t]], gid[tri[3 * t + 1]], gid[tri[3 * t + 2]], L, 0, cap);
    PetscCall(PetscFree(gid));
  }
  PetscCall(PetscFree(tri));
  PetscCall(PetscFree(x));
  PetscCall(PetscFree2(loc_start, loc));
  PetscFunctionReturn(0);
}

/* The rim's vertices slid along the rim toward the middle of their two rim edges (in arc
   length), so that rim edges of very different lengths (the plane crosses the wall's triangles
   anywhere) become alike and the fill has no needle along the rim. A vertex slides only on the
   polyline it is on, so the rim's shape changes only where a corner is cut; only a vertex whose
   triangles are all of this label against the background and of no other cap moves, and a move
   that would turn a wall triangle over or give it an angle below CUT_RIM_MIN_ANGLE_DEG (or below
   what it had) is not made. */
#define CUT_RIM_SWEEPS 5
#define CUT_RIM_MIN_ANGLE_DEG 15.0
static PetscErrorCode EqualiseRim(Build *b, int32_t L, const PetscInt next[])
{
  PetscInt       *prev, *vs, *vt;
  PetscBool      *free_v;
  const PetscReal limit = PetscCosReal(CUT_RIM_MIN_ANGLE_DEG * PETSC_PI / 180);

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(b->nv, &prev, b->nv + 1, &vs, b->nv, &free_v));
  PetscCall(PetscMalloc1(3 * b->nt + 1, &vt));
  for (PetscInt v = 0; v < b->nv; v++)
    prev[v] = -1, free_v[v] = (PetscBool)(next[v] >= 0);
  for (PetscInt v = 0; v < b->nv; v++)
    if (next[v] >= 0) prev[next[v]] = v;
  for (PetscInt v = 0; v < b->nv; v++)
    free_v[v] = (PetscBool)(free_v[v] && prev[v] >= 0);
  /* CSR: vertex -> its triangles; a vertex of another label's or a cap's triangle stays */
  for (PetscInt v = 0; v <= b->nv; v++)
    vs[v] = 0;
  for (PetscInt t = 0; t < b->nt; t++)
    for (int k = 0; k < 3; k++) {
      const PetscInt v = b->tri[3 * t + k];
      vs[v + 1]++;
      if (b->cap[t] >= 0 || !(b->labels[2 * t] == L && b->labels[2 * t + 1] == 0)) free_v[v] = PETSC_FALSE;
    }
  for (PetscInt v = 0; v < b->nv; v++)
    vs[v + 1] += vs[v];
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(b->nv + 1, &fill));
    for (PetscInt v = 0; v <= b->nv; v++)
      fill[v] = vs[v];
    for (PetscInt t = 0; t < b->nt; t++)
      for (int k = 0; k < 3; k++)
        vt[fill[b->tri[3 * t + k]]++] = t;
    PetscCall(PetscFree(fill));
  }
  for (int sweep = 0; sweep < CUT_RIM_SWEEPS; sweep++)
    for (PetscInt v = 0; v < b->nv; v++) {
      PetscReal       *x = b->xyz + 3 * v, old[3], la, lb, half, target[3];
      const PetscReal *a, *c;
      PetscBool        ok = PETSC_TRUE;
      if (!free_v[v]) continue;
      a = b->xyz + 3 * prev[v], c = b->xyz + 3 * next[v];
      la   = PetscSqrtReal(PetscSqr(x[0] - a[0]) + PetscSqr(x[1] - a[1]) + PetscSqr(x[2] - a[2]));
      lb   = PetscSqrtReal(PetscSqr(x[0] - c[0]) + PetscSqr(x[1] - c[1]) + PetscSqr(x[2] - c[2]));
      half = 0.5 * (la + lb);
      if (!(la > 0 && lb > 0) || PetscAbsReal(la - lb) < 1e-3 * half) continue;
      /* the point at arc length half from a along a -> x -> c */
      for (int k = 0; k < 3; k++)
        target[k] = la >= half ? a[k] + (x[k] - a[k]) * half / la : x[k] + (c[k] - x[k]) * (half - la) / lb;
      for (int k = 0; k < 3; k++)
        old[k] = x[k];
      {
        PetscReal nb[64][3], cb[64];
        PetscInt  n = PetscMin(vs[v + 1] - vs[v], 64);
        for (PetscInt q = 0; q < n; q++) {
          const PetscInt  *T  = b->tri + 3 * vt[vs[v] + q];
          const PetscReal *p0 = b->xyz + 3 * T[0], *p1 = b->xyz + 3 * T[1], *p2 = b->xyz + 3 * T[2];
          PetscReal        u[3], w[3];
          for (int k = 0; k < 3; k++)
            u[k] = p1[k] - p0[k], w[k] = p2[k] - p0[k];
          nb[q][0] = u[1] * w[2] - u[2] * w[1], nb[q][1] = u[2] * w[0] - u[0] * w[2], nb[q][2] = u[0] * w[1] - u[1] * w[0];
          cb[q] = MinAngleCos(p0, p1, p2);
        }
        for (int k = 0; k < 3; k++)
          x[k] = target[k];
        for (PetscInt q = 0; q < n && ok; q++) {
          const PetscInt  *T  = b->tri + 3 * vt[vs[v] + q];
          const PetscReal *p0 = b->xyz + 3 * T[0], *p1 = b->xyz + 3 * T[1], *p2 = b->xyz + 3 * T[2];
          PetscReal        u[3], w[3], m[3], cnew = MinAngleCos(p0, p1, p2);
          for (int k = 0; k < 3; k++)
            u[k] = p1[k] - p0[k], w[k] = p2[k] - p0[k];
          m[0] = u[1] * w[2] - u[2] * w[1], m[1] = u[2] * w[0] - u[0] * w[2], m[2] = u[0] * w[1] - u[1] * w[0];
          ok = (PetscBool)(m[0] * nb[q][0] + m[1] * nb[q][1] + m[2] * nb[q][2] > 0 && (cnew <= limit || cnew <= cb[q]));
        }
        if (vs[v + 1] - vs[v] > 64) ok = PETSC_FALSE;
      }
      if (!ok)
        for (int k = 0; k < 3; k++)
          x[k] = old[k];
    }
  PetscCall(PetscFree3(prev, vs, free_v));
  PetscCall(PetscFree(vt));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- numbering and the surface */

typedef struct {
  TwinfeCap cap;
  PetscInt  order; /* its place before: border caps keep their order among equals */
} CapSlot;

/* Per label by decreasing area (voxel faces for border caps, the cut polygon for cut caps), then
   border caps by image face before cut caps by plane, then the order they had. */
static int CompareCapSlot(const void *x, const void *y)
{
  const CapSlot *p = (const CapSlot *)x, *q = (const CapSlot *)y;
  const PetscInt fp = p->cap.face >= 0 ? p->cap.face : 6 + p->cap.plane, fq = q->cap.face >= 0 ? q->cap.face : 6 + q->cap.plane;
  if (p->cap.label != q->cap.label) return p->cap.label < q->cap.label ? -1 : 1;
  if (p->cap.voxel_area != q->cap.voxel_area) return p->cap.voxel_area > q->cap.voxel_area ? -1 : 1;
  if (fp != fq) return fp < fq ? -1 : 1;
  return (p->order > q->order) - (p->order < q->order);
}

/* The caps that still have a triangle, renumbered per label; the tags rebuilt. cap[t] indexes
   caps[] (old caps first, then the new ones). */
static PetscErrorCode RenumberCaps(TwinfeSurface s, TwinfeCap caps[], PetscInt ncaps, PetscInt cap[])
{
  CapSlot  *slot;
  PetscInt *count, *map, n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(ncaps + 1, &count, ncaps + 1, &map));
  PetscCall(PetscMalloc1(ncaps + 1, &slot));
  for (PetscInt t = 0; t < s->ntriangles; t++)
    if (cap[t] >= 0) count[cap[t]]++;
  for (PetscInt c = 0; c < ncaps; c++)
    if (count[c]) slot[n].cap = caps[c], slot[n].order = c, n++;
  qsort(slot, (size_t)n, sizeof *slot, CompareCapSlot);
  PetscCall(PetscFree(s->caps));
  PetscCall(PetscFree(s->tag));
  s->ncaps = n;
  PetscCall(PetscMalloc1(n + 1, &s->caps));
  PetscCall(PetscMalloc1(s->ntriangles + 1, &s->tag));
  for (PetscInt c = 0, k = 0; c < n; c++) {
    k                  = (c > 0 && slot[c].cap.label == slot[c - 1].cap.label) ? k + 1 : 1;
    s->caps[c]         = slot[c].cap;
    s->caps[c].tag     = (int32_t)TwinfeCapTag(slot[c].cap.label, k);
    map[slot[c].order] = c;
  }
  for (PetscInt t = 0; t < s->ntriangles; t++)
    s->tag[t] = cap[t] >= 0 ? s->caps[map[cap[t]]].tag : (int32_t)TwinfeFacetTag(s->labels[2 * t], s->labels[2 * t + 1]);
  if (!n) PetscCall(PetscFree(s->tag));
  PetscCall(PetscFree(slot));
  PetscCall(PetscFree2(count, map));
  PetscFunctionReturn(0);
}

/* The rebuilt surface without the vertices nothing uses any more (those removed beyond the
   plane) goes into s. */
static PetscErrorCode Install(TwinfeSurface s, Build *b)
{
  PetscInt  *newid, nv = 0;
  PetscReal *xyz;
  PetscInt  *tri;
  int32_t   *labels;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(b->nv + 1, &newid));
  for (PetscInt v = 0; v < b->nv; v++)
    newid[v] = -1;
  for (PetscInt i = 0; i < 3 * b->nt; i++)
    newid[b->tri[i]] = 0;
  for (PetscInt v = 0; v < b->nv; v++)
    if (!newid[v]) newid[v] = nv++;
  PetscCall(PetscMalloc3(3 * nv, &xyz, 3 * b->nt, &tri, 2 * b->nt, &labels));
  for (PetscInt v = 0; v < b->nv; v++)
    if (newid[v] >= 0)
      for (int k = 0; k < 3; k++)
        xyz[3 * newid[v] + k] = b->xyz[3 * v + k];
  for (PetscInt i = 0; i < 3 * b->nt; i++)
    tri[i] = newid[b->tri[i]];
  PetscCall(PetscArraycpy(labels, b->labels, 2 * b->nt));
  PetscCall(PetscFree3(s->xyz, s->tri, s->labels));
  s->xyz = xyz, s->tri = tri, s->labels = labels;
  s->nvertices = nv, s->ntriangles = b->nt;
  PetscCall(PetscFree(newid));
  PetscFunctionReturn(0);
}

/* The labels the plane crosses at all, for a message: "aorta 52, 63" style list of numbers. */
static void CrossedLabels(TwinfeSurface s, const PetscReal d[], char buf[], size_t len)
{
  PetscBool seen[CUT_MAX_LABEL + 1] = {PETSC_FALSE};
  size_t    used                    = 0;
  buf[0]                            = 0;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    if (Straddles(s, d, t))
      for (int side = 0; side < 2; side++)
        seen[s->labels[2 * t + side]] = PETSC_TRUE;
  for (int L = 1; L <= CUT_MAX_LABEL && used + 8 < len; L++)
    if (seen[L]) used += (size_t)snprintf(buf + used, len - used, "%s%d", used ? ", " : "", L);
  if (!used) snprintf(buf, len, "none");
}

/* One plane: find what goes, split, fill, renumber. name: what the plane is called in messages. */
static PetscErrorCode CutOnePlane(TwinfeSurface s, const CutPlane *P, const char name[])
{
  PetscReal *d;
  PetscBool *cut_label, *seed, *rm, *split;
  PetscInt   ncut, ne, ncaps_new = 0, *cap_of;
  CutEdge   *e;
  Build      b = {0};
  TwinfeCap *caps;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(s->nvertices + 1, &d, CUT_MAX_LABEL + 1, &cut_label));
  PetscCall(PetscMalloc4(2 * s->ntriangles + 1, &seed, 2 * s->ntriangles + 1, &rm, s->ntriangles + 1, &split, s->ntriangles + 1,
                         &cap_of));
  for (PetscInt v = 0; v < s->nvertices; v++) {
    const PetscReal *x = s->xyz + 3 * v;
    d[v]               = (x[0] - P->p[0]) * P->n[0] + (x[1] - P->p[1]) * P->n[1] + (x[2] - P->p[2]) * P->n[2];
  }
  PetscCall(FindCutRegions(s, P, d, cut_label, seed, &ncut));
  if (!ncut) {
    char crossed[256];
    CrossedLabels(s, d, crossed, sizeof crossed);
    PetscCall(PetscFree2(d, cut_label));
    PetscCall(PetscFree4(seed, rm, split, cap_of));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "%s: the point (%g, %g, %g) mm LPS lies inside no region's cross-section in the plane (labels the plane crosses: "
            "%s), so nothing would be cut: give a point inside the vessel where it is to be cut (e.g. on its centreline)",
            name, (double)P->p[0], (double)P->p[1], (double)P->p[2], crossed);
  }
  PetscCall(FindRemoved(s, d, cut_label, seed, rm));
  PetscCall(SnapToPlane(s, P, rm, d));
  PetscCall(FindSplit(s, d, rm, split, &e, &ne));
  if (s->ncaps)
    PetscCall(TwinfeSurfaceCapsOfTriangles_Private(s, cap_of));
  else
    for (PetscInt t = 0; t < s->ntriangles; t++)
      cap_of[t] = -1;

  /* the surface again: the vertices, the crossing points, then the triangles piece by piece */
  PetscCall(BuildReserve(&b, s->nvertices + ne + 16, s->ntriangles + 2 * ne + 16));
  PetscCall(PetscArraycpy(b.xyz, s->xyz, 3 * s->nvertices));
  PetscCall(PetscArraycpy(b.d, d, s->nvertices));
  b.nv = s->nvertices + ne;
  for (PetscInt i = 0; i < ne; i++) {
    CrossingPoint(s->xyz + 3 * e[i].a, s->xyz + 3 * e[i].b, d[e[i].a], d[e[i].b], b.xyz + 3 * e[i].id);
    b.d[e[i].id] = 0;
  }
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (split[t] || rm[2 * t] || rm[2 * t + 1])
      ClipTriangle(&b, s, t, d, e, ne, rm, cap_of);
    else
      BuildAddTriangle(&b, s->tri[3 * t], s->tri[3 * t + 1], s->tri[3 * t + 2], s->labels[2 * t], s->labels[2 * t + 1],
                       cap_of[t]);
  }

  /* the caps: every cut label's open rim, filled piece by piece */
  PetscCall(PetscMalloc1(s->ncaps + 64, &caps));
  for (PetscInt c = 0; c < s->ncaps; c++)
    caps[c] = s->caps[c];
  for (int32_t L = 1; L <= CUT_MAX_LABEL; L++) {
    PetscInt  *next, nrim, npieces = -1;
    PetscBool  on_plane, simple;
    PetscReal *uv;
    CapPiece  *pieces;
    if (!cut_label[L]) continue;
    PetscCall(PetscMalloc2(b.nv, &next, 2 * b.nv, &uv));
    PetscCall(RimLoops(&b, L, next, &nrim, &on_plane, &simple));
    if (on_plane && simple) PetscCall(EqualiseRim(&b, L, next));
    for (PetscInt v = 0; v < b.nv; v++)
      if (next[v] >= 0) PlaneCoordinates(P, b.xyz + 3 * v, uv + 2 * v);
    if (on_plane && simple)
      PetscCall(GroupLoops(uv, b.nv, next, nrim, &npieces, &pieces));
    else
      npieces = -1, pieces = NULL;
    if (npieces < 0 || s->ncaps + ncaps_new + npieces > s->ncaps + 64) {
      PetscCall(PiecesDestroy(PetscMax(npieces, 0), &pieces));
      PetscCall(PetscFree2(next, uv));
      PetscCall(PetscFree(caps));
      PetscCall(PetscFree2(b.xyz, b.d));
      PetscCall(PetscFree3(b.tri, b.cap, b.labels));
      PetscCall(PetscFree(e));
      PetscCall(PetscFree2(d, cut_label));
      PetscCall(PetscFree4(seed, rm, split, cap_of));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
              "%s: the cut through label %d does not leave a simple rim in the plane (%s): move the plane a little, or turn "
              "it, so that it crosses the vessel cleanly",
              name, (int)L,
              !on_plane ? "the part removed is not closed off by the plane alone: another part of the label beyond the plane is "
                          "enclosed by it"
              : !simple ? "the rim touches itself"
                        : "too many pieces");
    }
    for (PetscInt k = 0; k < npieces; k++) {
      TwinfeCap *cap = &caps[s->ncaps + ncaps_new];
      PetscBool  ok;
      PetscCall(FillPiece(&b, P, &pieces[k], L, s->ncaps + ncaps_new, PETSC_TRUE, &ok));
      if (!ok) PetscCall(FillPiece(&b, P, &pieces[k], L, s->ncaps + ncaps_new, PETSC_FALSE, &ok));
      PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_LIB,
                 "%s: the cap of label %d (%.1f mm^2) could not be triangulated: move the plane a little", name, (int)L,
                 (double)pieces[k].area);
      cap->label = L, cap->tag = 0, cap->face = -1, cap->plane = P->index;
      for (int c = 0; c < 3; c++)
        cap->normal[c] = P->n[c];
      cap->offset     = P->n[0] * P->p[0] + P->n[1] * P->p[1] + P->n[2] * P->p[2];
      cap->voxel_area = pieces[k].area;
      cap->pseudo     = 0;
      ncaps_new++;
    }
    PetscCall(PiecesDestroy(npieces, &pieces));
    PetscCall(PetscFree2(next, uv));
  }
  PetscCall(Install(s, &b));
  PetscCall(RenumberCaps(s, caps, s->ncaps + ncaps_new, b.cap));
  PetscCall(TwinfeSurfaceCapsProject_Private(s));
  PetscCall(PetscFree(caps));
  PetscCall(PetscFree2(b.xyz, b.d));
  PetscCall(PetscFree3(b.tri, b.cap, b.labels));
  PetscCall(PetscFree(e));
  PetscCall(PetscFree2(d, cut_label));
  PetscCall(PetscFree4(seed, rm, split, cap_of));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- public */

static PetscErrorCode MakePlane(const PetscReal v[6], PetscInt index, CutPlane *P)
{
  const PetscReal len  = PetscSqrtReal(v[3] * v[3] + v[4] * v[4] + v[5] * v[5]);
  PetscReal       a[3] = {0, 0, 0}, ulen;
  int             k    = 0;

  PetscFunctionBeginUser;
  for (int c = 0; c < 3; c++) {
    P->p[c] = v[c];
    P->n[c] = v[3 + c] / len;
  }
  /* u: across n, from the axis least along it; w = n x u */
  for (int c = 1; c < 3; c++)
    if (PetscAbsReal(P->n[c]) < PetscAbsReal(P->n[k])) k = c;
  a[k]    = 1;
  P->u[0] = a[1] * P->n[2] - a[2] * P->n[1], P->u[1] = a[2] * P->n[0] - a[0] * P->n[2], P->u[2] = a[0] * P->n[1] - a[1] * P->n[0];
  ulen = PetscSqrtReal(P->u[0] * P->u[0] + P->u[1] * P->u[1] + P->u[2] * P->u[2]);
  for (int c = 0; c < 3; c++)
    P->u[c] /= ulen;
  P->w[0] = P->n[1] * P->u[2] - P->n[2] * P->u[1], P->w[1] = P->n[2] * P->u[0] - P->n[0] * P->u[2],
  P->w[2]  = P->n[0] * P->u[1] - P->n[1] * P->u[0];
  P->index = index;
  PetscFunctionReturn(0);
}

/* Checks 6k values (what = the option's name or the function's, for messages). */
static PetscErrorCode CheckPlanes(PetscInt nvalues, const PetscReal v[], const char what[])
{
  PetscFunctionBeginUser;
  PetscCheck(nvalues % 6 == 0 && nvalues > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "%s has %" PetscInt_FMT
             " values: give 6 per plane, px,py,pz,nx,ny,nz (a point inside the vessel's cross-section and "
             "the normal pointing to the side removed, LPS mm)",
             what, nvalues);
  for (PetscInt i = 0; i < nvalues / 6; i++) {
    const PetscReal *q = v + 6 * i;
    for (int c = 0; c < 6; c++)
      PetscCheck(!PetscIsInfOrNanReal(q[c]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
                 "%s plane %" PetscInt_FMT " has the value %g: give finite numbers", what, i + 1, (double)q[c]);
    PetscCheck(q[3] * q[3] + q[4] * q[4] + q[5] * q[5] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "%s plane %" PetscInt_FMT " has the normal (0, 0, 0): give a direction pointing to the side to remove", what,
               i + 1);
  }
  PetscFunctionReturn(0);
}

static PetscLogEvent cut_event = -1;

PetscErrorCode TwinfeSurfaceCut(TwinfeSurface surface, PetscInt nplanes, const PetscReal planes[])
{
  PetscReal   values[6 * CUT_MAX_PLANES];
  PetscInt    nvalues = 6 * CUT_MAX_PLANES;
  PetscBool   set     = PETSC_FALSE;
  const char *what    = "TwinfeSurfaceCut";

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  if (nplanes < 0) {
    what = "-surface_cut_planes";
    PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-surface_cut_planes", values, &nvalues, &set));
    if (!set) PetscFunctionReturn(0);
    PetscCheck(nvalues < 6 * CUT_MAX_PLANES, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
               "-surface_cut_planes: more than %d planes given; give at most %d", CUT_MAX_PLANES - 1, CUT_MAX_PLANES - 1);
    planes  = values;
    nplanes = nvalues / 6;
    PetscCall(CheckPlanes(nvalues, values, what));
  } else if (nplanes == 0)
    PetscFunctionReturn(0);
  else {
    TwinfeSurfaceCheckPointer_Private(planes);
    PetscCall(CheckPlanes(6 * nplanes, planes, what));
  }
  PetscCheck(!surface->caps_pseudo, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "TwinfeSurfaceCut: the surface is being remeshed");
  PetscCall(TwinfeLogBegin_Private("TwinfeSurfCut", &cut_event));
  for (PetscInt i = 0; i < nplanes; i++) {
    CutPlane       P;
    char           name[64];
    PetscErrorCode ierr;
    PetscCall(MakePlane(planes + 6 * i, i, &P));
    snprintf(name, sizeof name, "%s plane %d", what, (int)(i + 1));
    ierr = CutOnePlane(surface, &P, name);
    if (ierr) PetscCall(PetscLogEventEnd(cut_event, 0, 0, 0, 0));
    PetscCall(ierr);
  }
  PetscCall(PetscLogEventEnd(cut_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceGetCapPlane(TwinfeSurface surface, PetscInt c, PetscInt *plane)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(plane);
  PetscCheck(c >= 0 && c < surface->ncaps, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceGetCapPlane: cap %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", c, surface->ncaps);
  *plane = surface->caps[c].plane;
  PetscFunctionReturn(0);
}
