/* From a labelled triangle soup to what a shell-based mesher needs: patches (one per label
 * pair and edge-connected component) and, per region, its closed shells told apart into outer
 * shells and holes by the sign of the volume they enclose.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"
#include <twinfe/core.h>

typedef struct {
  PetscInt a, b; /* edge vertices, a < b */
  int32_t  hi, lo;
  int32_t  cap; /* the cap tag, 0 for any other triangle */
  PetscInt tri;
} EdgeEntry;

static int CompareEdgeEntry(const void *x, const void *y)
{
  const EdgeEntry *e = (const EdgeEntry *)x, *f = (const EdgeEntry *)y;
  if (e->a != f->a) return e->a < f->a ? -1 : 1;
  if (e->b != f->b) return e->b < f->b ? -1 : 1;
  if (e->hi != f->hi) return e->hi < f->hi ? -1 : 1;
  if (e->lo != f->lo) return e->lo < f->lo ? -1 : 1;
  if (e->cap != f->cap) return e->cap < f->cap ? -1 : 1;
  return (e->tri > f->tri) - (e->tri < f->tri);
}

static PetscInt Find(PetscInt parent[], PetscInt i)
{
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i         = parent[i];
  }
  return i;
}

static void Unite(PetscInt parent[], PetscInt i, PetscInt j)
{
  i = Find(parent, i);
  j = Find(parent, j);
  if (i != j) parent[PetscMax(i, j)] = PetscMin(i, j);
}

static int32_t ListedLabel(int32_t label, PetscInt nregions, const int32_t regions[])
{
  for (PetscInt r = 0; r < nregions; r++)
    if (regions[r] == label) return label;
  return 0;
}

/* Triangle t's vertices in the order that makes its normal point from hi to lo. */
static void OrientedTriangle(const TwinfeShells *s, const PetscInt tri[], PetscInt t, PetscInt v[3])
{
  v[0] = tri[3 * t];
  v[1] = s->triangle_flipped[t] ? tri[3 * t + 2] : tri[3 * t + 1];
  v[2] = s->triangle_flipped[t] ? tri[3 * t + 1] : tri[3 * t + 2];
}

/* Assign each kept triangle its (hi, lo) pair and its patch: triangles of the same pair
   joined through shared edges. */
static PetscErrorCode BuildPatches(PetscInt ntriangles, const PetscInt tri[], const int32_t labels[], const int32_t tags[],
                                   PetscInt nregions, const int32_t regions[], TwinfeShells *s, EdgeEntry **edges_out,
                                   PetscInt *nedges_out)
{
  int32_t   *hi, *lo, *cap;
  PetscInt  *parent, nedges = 0, *patch_of_root;
  EdgeEntry *edges;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(ntriangles + 1, &hi, ntriangles + 1, &lo, ntriangles + 1, &parent, ntriangles + 1, &cap));
  PetscCall(PetscMalloc1(3 * ntriangles + 1, &edges));
  for (PetscInt t = 0; t < ntriangles; t++) {
    int32_t a = ListedLabel(labels[2 * t], nregions, regions), b = ListedLabel(labels[2 * t + 1], nregions, regions);
    s->triangle_flipped[t] = a < b ? PETSC_TRUE : PETSC_FALSE;
    hi[t]                  = PetscMax(a, b);
    lo[t]                  = PetscMin(a, b);
    parent[t]              = t;
    /* a cap keeps its tag when its region is meshed (then it is the (region, 0) patch here) */
    cap[t] = tags && TwinfeCapIndex(tags[t]) && lo[t] == 0 && hi[t] == tags[t] % TWINFE_CAP_TAG_BASE ? tags[t] : 0;
    if (hi[t] == lo[t]) continue; /* separates two labels that are both not meshed */
    for (int k = 0; k < 3; k++) {
      PetscInt v = tri[3 * t + k], w = tri[3 * t + (k + 1) % 3];
      edges[nedges++] = (EdgeEntry){PetscMin(v, w), PetscMax(v, w), hi[t], lo[t], cap[t], t};
    }
  }
  qsort(edges, (size_t)nedges, sizeof(EdgeEntry), CompareEdgeEntry);
  for (PetscInt e = 1; e < nedges; e++)
    if (edges[e].a == edges[e - 1].a && edges[e].b == edges[e - 1].b && edges[e].hi == edges[e - 1].hi &&
        edges[e].lo == edges[e - 1].lo && edges[e].cap == edges[e - 1].cap)
      Unite(parent, edges[e].tri, edges[e - 1].tri);

  PetscCall(PetscMalloc1(ntriangles + 1, &patch_of_root));
  s->npatches = 0;
  for (PetscInt t = 0; t < ntriangles; t++)
    patch_of_root[t] = -1;
  for (PetscInt t = 0; t < ntriangles; t++)
    if (hi[t] != lo[t] && Find(parent, t) == t) patch_of_root[t] = s->npatches++;
  PetscCall(PetscMalloc3(s->npatches + 1, &s->patch_hi, s->npatches + 1, &s->patch_lo, s->npatches + 1, &s->patch_tag));
  for (PetscInt t = 0; t < ntriangles; t++) {
    PetscInt p              = hi[t] == lo[t] ? -1 : patch_of_root[Find(parent, t)];
    s->patch_of_triangle[t] = p;
    if (p >= 0) {
      s->patch_hi[p]  = hi[t];
      s->patch_lo[p]  = lo[t];
      s->patch_tag[p] = cap[t] ? cap[t] : (int32_t)TwinfeFacetTag(hi[t], lo[t]);
    }
  }
  PetscCall(PetscFree(patch_of_root));
  PetscCall(PetscFree4(hi, lo, parent, cap));
  *edges_out  = edges;
  *nedges_out = nedges;
  PetscFunctionReturn(0);
}

/* A patch has one side per meshed label it bounds: side 0 is hi, side 1 is lo (if lo > 0). */
static int32_t SideLabel(const TwinfeShells *s, PetscInt p, int side)
{
  return side == 0 ? s->patch_hi[p] : s->patch_lo[p];
}

/* One past the last entry of the same edge as entry e0 (entries are sorted by edge). */
static PetscInt EndOfEdgeGroup(const EdgeEntry edges[], PetscInt nedges, PetscInt e0)
{
  PetscInt e1 = e0 + 1;
  while (e1 < nedges && edges[e1].a == edges[e0].a && edges[e1].b == edges[e0].b)
    e1++;
  return e1;
}

/* Group patch sides into shells: two sides of the same label are in one shell when their
   patches share an edge (a triple line or a seam between components). */
static PetscErrorCode BuildShells(TwinfeShells *s, const EdgeEntry edges[], PetscInt nedges)
{
  PetscInt *parent, *shell_of_root, *count;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(2 * s->npatches + 1, &parent, 2 * s->npatches + 1, &shell_of_root));
  for (PetscInt i = 0; i < 2 * s->npatches; i++)
    parent[i] = i;
  for (PetscInt e0 = 0; e0 < nedges;) {
    PetscInt e1 = EndOfEdgeGroup(edges, nedges, e0);
    for (PetscInt i = e0; i < e1; i++)
      for (PetscInt j = i + 1; j < e1; j++) {
        PetscInt pi = s->patch_of_triangle[edges[i].tri], pj = s->patch_of_triangle[edges[j].tri];
        if (pi == pj) continue;
        for (int si = 0; si < 2; si++)
          for (int sj = 0; sj < 2; sj++)
            if (SideLabel(s, pi, si) > 0 && SideLabel(s, pi, si) == SideLabel(s, pj, sj)) Unite(parent, 2 * pi + si, 2 * pj + sj);
      }
    e0 = e1;
  }
  s->nshells = 0;
  for (PetscInt i = 0; i < 2 * s->npatches; i++) {
    shell_of_root[i] = -1;
    if (SideLabel(s, i / 2, (int)(i % 2)) > 0 && Find(parent, i) == i) shell_of_root[i] = s->nshells++;
  }
  PetscCall(PetscMalloc3(s->nshells + 1, &s->shell_region, s->nshells + 1, &s->shell_volume, s->nshells + 1, &s->shell_owner));
  PetscCall(PetscCalloc1(s->nshells + 2, &s->shell_offsets));
  PetscCall(PetscMalloc1(2 * s->npatches + 1, &s->shell_patches));
  PetscCall(PetscCalloc1(s->nshells + 1, &count));
  for (PetscInt i = 0; i < 2 * s->npatches; i++)
    if (SideLabel(s, i / 2, (int)(i % 2)) > 0) s->shell_offsets[shell_of_root[Find(parent, i)] + 1]++;
  for (PetscInt k = 0; k < s->nshells; k++)
    s->shell_offsets[k + 1] += s->shell_offsets[k];
  for (PetscInt i = 0; i < 2 * s->npatches; i++) {
    PetscInt k;
    if (SideLabel(s, i / 2, (int)(i % 2)) <= 0) continue;
    k                                                  = shell_of_root[Find(parent, i)];
    s->shell_region[k]                                 = SideLabel(s, i / 2, (int)(i % 2));
    s->shell_patches[s->shell_offsets[k] + count[k]++] = i / 2;
  }
  PetscCall(PetscFree(count));
  PetscCall(PetscFree2(parent, shell_of_root));
  PetscFunctionReturn(0);
}

/* Signed volume under each patch, its triangles oriented from hi to lo (divergence theorem
   about the first vertex so that far-from-origin coordinates lose no digits). */
static PetscErrorCode ComputeShellVolumes(TwinfeShells *s, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[])
{
  PetscReal *patch_volume;
  PetscReal  origin[3] = {0, 0, 0};

  PetscFunctionBeginUser;
  if (ntriangles) origin[0] = xyz[3 * tri[0]], origin[1] = xyz[3 * tri[0] + 1], origin[2] = xyz[3 * tri[0] + 2];
  PetscCall(PetscCalloc1(s->npatches + 1, &patch_volume));
  for (PetscInt t = 0; t < ntriangles; t++) {
    PetscInt v[3];
    if (s->patch_of_triangle[t] < 0) continue;
    OrientedTriangle(s, tri, t, v);
    patch_volume[s->patch_of_triangle[t]] += TwinfeTetDet_Private(origin, &xyz[3 * v[0]], &xyz[3 * v[1]], &xyz[3 * v[2]]) / 6.0;
  }
  for (PetscInt k = 0; k < s->nshells; k++) {
    s->shell_volume[k] = 0;
    for (PetscInt i = s->shell_offsets[k]; i < s->shell_offsets[k + 1]; i++) {
      PetscInt p = s->shell_patches[i];
      s->shell_volume[k] += s->patch_hi[p] == s->shell_region[k] ? patch_volume[p] : -patch_volume[p];
    }
  }
  PetscCall(PetscFree(patch_volume));
  PetscFunctionReturn(0);
}

/* Solid angle of triangle (a, b, c) seen from x (Van Oosterom and Strackee), in [-2pi, 2pi]. */
static PetscReal SolidAngle(const PetscReal x[3], const PetscReal a[3], const PetscReal b[3], const PetscReal c[3])
{
  PetscReal u[3], v[3], w[3], lu, lv, lw, num, den;
  for (int d = 0; d < 3; d++)
    u[d] = a[d] - x[d], v[d] = b[d] - x[d], w[d] = c[d] - x[d];
  lu  = PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  lv  = PetscSqrtReal(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  lw  = PetscSqrtReal(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  num = u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0]);
  den = lu * lv * lw + (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) * lw + (u[0] * w[0] + u[1] * w[1] + u[2] * w[2]) * lv +
        (v[0] * w[0] + v[1] * w[1] + v[2] * w[2]) * lu;
  return 2 * PetscAtan2Real(num, den);
}

/* Winding number of shell k (oriented outward of its region) around x: 1 inside, 0 outside. */
static PetscReal ShellWinding(const TwinfeShells *s, PetscInt k, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                              const PetscReal x[3])
{
  PetscReal omega = 0;
  for (PetscInt t = 0; t < ntriangles; t++) {
    PetscInt p = s->patch_of_triangle[t], v[3];
    PetscInt i;
    if (p < 0) continue;
    for (i = s->shell_offsets[k]; i < s->shell_offsets[k + 1]; i++)
      if (s->shell_patches[i] == p) break;
    if (i == s->shell_offsets[k + 1]) continue;
    /* the patch may be in the shell on either side: only this region's side counts */
    if (s->patch_hi[p] != s->shell_region[k] && s->patch_lo[p] != s->shell_region[k]) continue;
    OrientedTriangle(s, tri, t, v);
    omega += (s->patch_hi[p] == s->shell_region[k] ? 1 : -1) * SolidAngle(x, &xyz[3 * v[0]], &xyz[3 * v[1]], &xyz[3 * v[2]]);
  }
  return omega / (4 * PETSC_PI);
}

/* Each hole belongs to an outer shell of its region: the only one, or else the smallest that
   contains the hole's first triangle centroid. */
static PetscErrorCode AssignHoles(TwinfeShells *s, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[])
{
  PetscFunctionBeginUser;
  for (PetscInt h = 0; h < s->nshells; h++) {
    PetscInt  best = -1, nouter = 0;
    PetscReal centroid[3] = {0, 0, 0};
    s->shell_owner[h]     = -1;
    if (s->shell_volume[h] > 0) continue;
    for (PetscInt k = 0; k < s->nshells; k++)
      if (s->shell_region[k] == s->shell_region[h] && s->shell_volume[k] > 0) best = k, nouter++;
    PetscCheck(nouter > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeMeshCreateFromSurface: region %d has a closed shell enclosing %g mm^3 but no shell enclosing positive "
               "volume: its triangles must be oriented with the normal from the higher label to the lower",
               (int)s->shell_region[h], (double)s->shell_volume[h]);
    if (nouter > 1) {
      best = -1;
      for (PetscInt t = 0; t < ntriangles; t++) {
        PetscInt p = s->patch_of_triangle[t], found = 0;
        if (p < 0) continue;
        for (PetscInt i = s->shell_offsets[h]; i < s->shell_offsets[h + 1]; i++)
          found |= s->shell_patches[i] == p;
        if (!found) continue;
        for (int k = 0; k < 3; k++)
          for (int d = 0; d < 3; d++)
            centroid[d] += xyz[3 * tri[3 * t + k] + d] / 3.0;
        break;
      }
      for (PetscInt k = 0; k < s->nshells; k++)
        if (s->shell_region[k] == s->shell_region[h] && s->shell_volume[k] > 0 &&
            ShellWinding(s, k, xyz, ntriangles, tri, centroid) > 0.5 && (best < 0 || s->shell_volume[k] < s->shell_volume[best]))
          best = k;
      PetscCheck(best >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "TwinfeMeshCreateFromSurface: a hole of region %d (%g mm^3) lies inside none of its %" PetscInt_FMT
                 " outer shells",
                 (int)s->shell_region[h], (double)-s->shell_volume[h], nouter);
    }
    s->shell_owner[h] = best;
  }
  PetscFunctionReturn(0);
}

typedef struct {
  int32_t  region;
  PetscInt a, b; /* a < b */
  int      sign; /* +1 when the region's outward orientation runs a -> b */
} DirectedEdge;

static int CompareDirectedEdge(const void *x, const void *y)
{
  const DirectedEdge *e = (const DirectedEdge *)x, *f = (const DirectedEdge *)y;
  if (e->region != f->region) return e->region < f->region ? -1 : 1;
  if (e->a != f->a) return e->a < f->a ? -1 : 1;
  return (e->b > f->b) - (e->b < f->b);
}

/* A closed, consistently oriented boundary uses every edge as often a -> b as b -> a (seen
   outward of the region). Anything else would make Gmsh fail with a vaguer message or fill
   the wrong side, so it is refused here, naming the region and a place. */
static PetscErrorCode CheckRegionsClosed(const TwinfeShells *s, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[])
{
  DirectedEdge *e;
  PetscInt      n = 0, bad = 0, first = -1;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(6 * ntriangles + 1, &e));
  for (PetscInt t = 0; t < ntriangles; t++) {
    PetscInt p = s->patch_of_triangle[t], v[3];
    if (p < 0) continue;
    OrientedTriangle(s, tri, t, v);
    for (int side = 0; side < 2; side++) {
      int32_t region = side == 0 ? s->patch_hi[p] : s->patch_lo[p];
      if (region <= 0) continue;
      for (int k = 0; k < 3; k++) {
        PetscInt from = v[k], to = v[(k + 1) % 3];
        int      sign = (from < to ? 1 : -1) * (side == 0 ? 1 : -1); /* the lower label sees the triangle reversed */
        e[n++]        = (DirectedEdge){region, PetscMin(from, to), PetscMax(from, to), sign};
      }
    }
  }
  qsort(e, (size_t)n, sizeof(DirectedEdge), CompareDirectedEdge);
  for (PetscInt i = 0, j; i < n; i = j) {
    int sum = 0;
    for (j = i; j < n && CompareDirectedEdge(&e[i], &e[j]) == 0; j++)
      sum += e[j].sign;
    if (sum != 0) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad) {
    const DirectedEdge f = e[first];
    PetscCall(PetscFree(e));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "TwinfeMeshCreateFromSurface: the boundary of region %d is open or inconsistently oriented at %" PetscInt_FMT
            " edges (the first between (%g, %g, %g) and (%g, %g, %g) mm); every region must be closed and each triangle's normal "
            "must point from its inside (higher) label to its outside label",
            (int)f.region, bad, (double)xyz[3 * f.a], (double)xyz[3 * f.a + 1], (double)xyz[3 * f.a + 2], (double)xyz[3 * f.b],
            (double)xyz[3 * f.b + 1], (double)xyz[3 * f.b + 2]);
  }
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeShellsCreate_Private(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                          const int32_t labels[], const int32_t tags[], PetscInt nregions,
                                          const int32_t regions[], TwinfeShells *s)
{
  EdgeEntry *edges  = NULL;
  PetscInt   nedges = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(s, sizeof(*s)));
  for (PetscInt i = 0; i < 3 * ntriangles; i++)
    PetscCheck(tri[i] >= 0 && tri[i] < nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeMeshCreateFromSurface: triangle %" PetscInt_FMT " refers to vertex %" PetscInt_FMT " of %" PetscInt_FMT,
               i / 3, tri[i], nvertices);
  PetscCall(PetscMalloc2(ntriangles + 1, &s->patch_of_triangle, ntriangles + 1, &s->triangle_flipped));
  PetscCall(BuildPatches(ntriangles, tri, labels, tags, nregions, regions, s, &edges, &nedges));
  PetscCall(BuildShells(s, edges, nedges));
  PetscCall(PetscFree(edges));
  PetscCall(CheckRegionsClosed(s, xyz, ntriangles, tri));
  PetscCall(ComputeShellVolumes(s, xyz, ntriangles, tri));
  PetscCall(AssignHoles(s, xyz, ntriangles, tri));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeShellsDestroy_Private(TwinfeShells *s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(s->patch_of_triangle, s->triangle_flipped));
  PetscCall(PetscFree3(s->patch_hi, s->patch_lo, s->patch_tag));
  PetscCall(PetscFree3(s->shell_region, s->shell_volume, s->shell_owner));
  PetscCall(PetscFree(s->shell_offsets));
  PetscCall(PetscFree(s->shell_patches));
  PetscCall(PetscMemzero(s, sizeof(*s)));
  PetscFunctionReturn(0);
}
