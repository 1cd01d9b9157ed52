/* Caps (-surface_caps): flat, tagged ends of a region where it meets the image's outer boundary
 * (docs/surface_caps.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Surface nets pad the label box with background, so a region cut by the image's border is
 * closed by voxel faces that lie exactly on the image's outer boundary face. With caps on,
 * those faces are marked (nets.c), grouped into caps (one per label and connected patch on one
 * face of the image), numbered, and kept flat through the later steps: the smoothing moves a
 * cap's rim only along itself and its inside only in its plane while VTK smooths the rest with
 * the cap held; the remesher sees each cap as a label pair of its own (a pseudo label), so its
 * rim is a feature curve; after each step every cap vertex goes exactly onto its plane. */
#include "surface_impl.h"
#include <twinfe/core.h>

#include <stdlib.h>

#define CAPS_MAX_LABEL 999

static PetscInt FindRoot(PetscInt parent[], PetscInt v)
{
  while (parent[v] != v)
    v = parent[v] = parent[parent[v]];
  return v;
}

typedef struct {
  PetscInt a, b, t;
} CapEdge;

static int CompareCapEdge(const void *x, const void *y)
{
  const CapEdge *e = (const CapEdge *)x, *f = (const CapEdge *)y;
  if (e->a != f->a) return e->a < f->a ? -1 : 1;
  if (e->b != f->b) return e->b < f->b ? -1 : 1;
  return (e->t > f->t) - (e->t < f->t);
}

/* A connected patch of cap triangles while numbering: its label, face, area and first triangle. */
typedef struct {
  int32_t   label;
  int       face;
  PetscReal area;
  PetscInt  first, root;
} CapPatch;

/* Caps of one label by decreasing area (voxel faces at extraction, so ties are exact), then by
   image face (-i, +i, -j, +j, -k, +k), then by the first triangle (the nets' visiting order). */
static int CompareCapPatch(const void *x, const void *y)
{
  const CapPatch *p = (const CapPatch *)x, *q = (const CapPatch *)y;
  if (p->label != q->label) return p->label < q->label ? -1 : 1;
  if (p->area != q->area) return p->area > q->area ? -1 : 1;
  if (p->face != q->face) return p->face < q->face ? -1 : 1;
  return (p->first > q->first) - (p->first < q->first);
}

/* Triangles of one label on one image face joined through shared edges. */
static PetscErrorCode JoinCapTriangles(TwinfeSurface s, const int8_t face[], PetscInt parent[])
{
  CapEdge *e;
  PetscInt ne = 0;

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    parent[t] = t;
  PetscCall(PetscMalloc1(3 * s->ntriangles + 1, &e));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (face[t] < 0) continue;
    for (int k = 0; k < 3; k++) {
      PetscInt v = s->tri[3 * t + k], w = s->tri[3 * t + (k + 1) % 3];
      e[ne++] = (CapEdge){PetscMin(v, w), PetscMax(v, w), t};
    }
  }
  qsort(e, (size_t)ne, sizeof *e, CompareCapEdge);
  for (PetscInt i = 1; i < ne; i++) {
    PetscInt t = e[i].t, u = e[i - 1].t, rt, ru;
    if (e[i].a != e[i - 1].a || e[i].b != e[i - 1].b) continue;
    if (face[t] != face[u] || s->labels[2 * t] != s->labels[2 * u]) continue;
    rt = FindRoot(parent, t), ru = FindRoot(parent, u);
    if (rt != ru) parent[PetscMax(rt, ru)] = PetscMin(rt, ru);
  }
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

/* The plane of image face f: the outer side of the outermost voxels, normal out of the image. */
static PetscErrorCode CapPlane(TwinfeImage image, int f, TwinfeCap *cap)
{
  PetscInt  dims[3];
  PetscReal D[9], ijk[3] = {0, 0, 0}, p[3];
  const int axis = f / 2, high = f % 2;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetDimensions(image, dims));
  PetscCall(TwinfeImageGetGeometry(image, NULL, NULL, D));
  ijk[axis] = high ? dims[axis] - 0.5 : -0.5;
  PetscCall(TwinfeImageIndexToWorld(image, ijk, p));
  for (int r = 0; r < 3; r++)
    cap->normal[r] = (high ? 1 : -1) * D[3 * r + axis];
  cap->offset = cap->normal[0] * p[0] + cap->normal[1] * p[1] + cap->normal[2] * p[2];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceCapsBuild_Private(TwinfeSurface s, TwinfeImage image, const int8_t face[])
{
  PetscInt *parent, *patch_of_root, npatches = 0;
  CapPatch *patch;
  PetscReal spacing[3];

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetGeometry(image, spacing, NULL, NULL));
  PetscCall(PetscMalloc2(s->ntriangles + 1, &parent, s->ntriangles + 1, &patch_of_root));
  PetscCall(JoinCapTriangles(s, face, parent));
  for (PetscInt t = 0; t < s->ntriangles; t++)
    patch_of_root[t] = (face[t] >= 0 && FindRoot(parent, t) == t) ? npatches++ : -1;
  PetscCall(PetscCalloc1(npatches + 1, &patch));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const int axis = face[t] / 2;
    CapPatch *p;
    if (face[t] < 0) continue;
    p = &patch[patch_of_root[FindRoot(parent, t)]];
    if (p->area == 0) p->label = s->labels[2 * t], p->face = face[t], p->first = t, p->root = FindRoot(parent, t);
    /* half a voxel face; exact multiples, so equal patches tie exactly */
    p->area += 0.5 * spacing[(axis + 1) % 3] * spacing[(axis + 2) % 3];
  }
  qsort(patch, (size_t)npatches, sizeof *patch, CompareCapPatch);
  s->ncaps = npatches;
  PetscCall(PetscCalloc1(npatches + 1, &s->caps));
  PetscCall(PetscMalloc1(s->ntriangles + 1, &s->tag));
  for (PetscInt c = 0, k = 0; c < npatches; c++) {
    k                     = (c > 0 && patch[c].label == patch[c - 1].label) ? k + 1 : 1;
    s->caps[c].label      = patch[c].label;
    s->caps[c].tag        = (int32_t)TwinfeCapTag(patch[c].label, k);
    s->caps[c].face       = patch[c].face;
    s->caps[c].plane      = -1;
    s->caps[c].voxel_area = patch[c].area;
    s->caps[c].pseudo     = 0;
    PetscCall(CapPlane(image, patch[c].face, &s->caps[c]));
    patch_of_root[patch[c].root] = c; /* now: root -> cap */
  }
  for (PetscInt t = 0; t < s->ntriangles; t++)
    s->tag[t] = face[t] >= 0 ? s->caps[patch_of_root[FindRoot(parent, t)]].tag
                             : (int32_t)TwinfeFacetTag(s->labels[2 * t], s->labels[2 * t + 1]);
  PetscCall(PetscFree(patch));
  PetscCall(PetscFree2(parent, patch_of_root));
  if (!npatches) { /* no region reaches the image's border: nothing changes */
    PetscCall(PetscFree(s->caps));
    PetscCall(PetscFree(s->tag));
  }
  PetscCall(PetscInfo(NULL, "%" PetscInt_FMT " caps where regions meet the image's border\n", s->ncaps));
  PetscFunctionReturn(0);
}

/* The cap of each triangle (-1: none), from the tags (or the pseudo labels while remeshing). */
PetscErrorCode TwinfeSurfaceCapsOfTriangles_Private(TwinfeSurface s, PetscInt cap_of[])
{
  PetscInt by_pseudo[CAPS_MAX_LABEL + 1];

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l <= CAPS_MAX_LABEL; l++)
    by_pseudo[l] = -1;
  if (s->caps_pseudo)
    for (PetscInt c = 0; c < s->ncaps; c++)
      by_pseudo[s->caps[c].pseudo] = c;
  for (PetscInt t = 0, last = 0; t < s->ntriangles; t++) {
    cap_of[t] = -1;
    if (s->caps_pseudo) {
      cap_of[t] = by_pseudo[s->labels[2 * t]] >= 0 ? by_pseudo[s->labels[2 * t]] : by_pseudo[s->labels[2 * t + 1]];
      continue;
    }
    if (!TwinfeCapIndex(s->tag[t])) continue;
    if (s->caps[last].tag != s->tag[t])
      for (last = 0; last < s->ncaps && s->caps[last].tag != s->tag[t]; last++) {
      }
    PetscCheck(last < s->ncaps, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "surface caps: triangle %" PetscInt_FMT " has an unknown cap tag %d", t, (int)s->tag[t]);
    cap_of[t] = last;
  }
  PetscFunctionReturn(0);
}

static inline void ProjectOnPlane(const TwinfeCap *cap, PetscReal x[3])
{
  const PetscReal h = cap->normal[0] * x[0] + cap->normal[1] * x[1] + cap->normal[2] * x[2] - cap->offset;
  for (int d = 0; d < 3; d++)
    x[d] -= h * cap->normal[d];
}

/* Are two caps in one plane (two pieces, or two labels, of one cut or one image face)? */
static PetscBool SamePlane(const TwinfeCap *a, const TwinfeCap *b)
{
  const PetscReal dot = a->normal[0] * b->normal[0] + a->normal[1] * b->normal[1] + a->normal[2] * b->normal[2];
  return (PetscBool)(dot > 1 - 1e-12 && PetscAbsReal(a->offset - b->offset) <= 1e-9 * (1 + PetscAbsReal(a->offset)));
}

/* x onto the intersection of k planes (k <= 3): the nearest point, x - N^T (N N^T)^-1 (N x - o);
   planes too close to parallel for that leave x on the last one. */
static void ProjectOnPlanes(const TwinfeCap *const cap[], int k, PetscReal x[3])
{
  PetscReal G[9], r[3], y[3] = {0, 0, 0}, det;
  if (k == 1) {
    ProjectOnPlane(cap[0], x);
    return;
  }
  for (int i = 0; i < k; i++) {
    r[i] = cap[i]->normal[0] * x[0] + cap[i]->normal[1] * x[1] + cap[i]->normal[2] * x[2] - cap[i]->offset;
    for (int j = 0; j < k; j++)
      G[3 * i + j] =
          cap[i]->normal[0] * cap[j]->normal[0] + cap[i]->normal[1] * cap[j]->normal[1] + cap[i]->normal[2] * cap[j]->normal[2];
  }
  if (k == 2) {
    det = G[0] * G[4] - G[1] * G[3];
    if (det < 1e-8) {
      ProjectOnPlane(cap[1], x);
      return;
    }
    y[0] = (G[4] * r[0] - G[1] * r[1]) / det, y[1] = (G[0] * r[1] - G[3] * r[0]) / det;
  } else {
    det = G[0] * (G[4] * G[8] - G[5] * G[7]) - G[1] * (G[3] * G[8] - G[5] * G[6]) + G[2] * (G[3] * G[7] - G[4] * G[6]);
    if (det < 1e-8) {
      ProjectOnPlane(cap[2], x);
      return;
    }
    /* Cramer's rule on the symmetric 3 x 3 system G y = r */
    for (int c = 0; c < 3; c++) {
      PetscReal M[9];
      for (int i = 0; i < 9; i++)
        M[i] = (i % 3 == c) ? r[i / 3] : G[i];
      y[c] = (M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) + M[2] * (M[3] * M[7] - M[4] * M[6])) / det;
    }
  }
  for (int i = 0; i < k; i++)
    for (int d = 0; d < 3; d++)
      x[d] -= y[i] * cap[i]->normal[d];
}

PetscErrorCode TwinfeSurfaceCapsProject_Private(TwinfeSurface s)
{
  PetscInt      *cap_of, *vcap;
  PetscBool      any_cut = PETSC_FALSE;
  const PetscInt MAXP    = 3;

  PetscFunctionBeginUser;
  if (!s->ncaps) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(s->ntriangles + 1, &cap_of));
  PetscCall(TwinfeSurfaceCapsOfTriangles_Private(s, cap_of));
  for (PetscInt c = 0; c < s->ncaps; c++)
    any_cut |= (PetscBool)(s->caps[c].plane >= 0);
  if (!any_cut) {
    /* a vertex on two caps lies on the image's edge: the two planes are perpendicular, so the
       two projections do not undo each other */
    for (PetscInt t = 0; t < s->ntriangles; t++)
      if (cap_of[t] >= 0)
        for (int k = 0; k < 3; k++)
          ProjectOnPlane(&s->caps[cap_of[t]], s->xyz + 3 * s->tri[3 * t + k]);
    PetscCall(PetscFree(cap_of));
    PetscFunctionReturn(0);
  }
  /* a cut cap meets a border cap (or another cut) at any angle: a vertex on several planes goes
     onto their common line (or point) at once */
  PetscCall(PetscMalloc1(MAXP * s->nvertices + 1, &vcap));
  for (PetscInt i = 0; i < MAXP * s->nvertices; i++)
    vcap[i] = -1;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (cap_of[t] < 0) continue;
    for (int k = 0; k < 3; k++) {
      PetscInt *list = vcap + MAXP * s->tri[3 * t + k];
      for (PetscInt i = 0; i < MAXP; i++) {
        if (list[i] >= 0 && SamePlane(&s->caps[list[i]], &s->caps[cap_of[t]])) break;
        if (list[i] < 0) {
          list[i] = cap_of[t];
          break;
        }
      }
    }
  }
  for (PetscInt v = 0; v < s->nvertices; v++) {
    const TwinfeCap *planes[3];
    int              k = 0;
    for (PetscInt i = 0; i < MAXP; i++)
      if (vcap[MAXP * v + i] >= 0) planes[k++] = &s->caps[vcap[MAXP * v + i]];
    if (k) ProjectOnPlanes(planes, k, s->xyz + 3 * v);
  }
  PetscCall(PetscFree(vcap));
  PetscCall(PetscFree(cap_of));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- smoothing the caps */

/* What smoothing needs to know about each vertex: its cap (-1 none, -2 several), whether it
   touches a triangle of no or another cap (the rim), and its rim neighbours. */
typedef struct {
  PetscInt   nv;
  PetscInt  *cap;     /* per vertex */
  PetscBool *rim;     /* per vertex */
  PetscInt  *nrim;    /* per vertex: rim edges of its own cap */
  PetscInt  *rimnb;   /* 2 per vertex */
  PetscInt  *vs, *vt; /* vertex -> triangles */
} CapVertices;

static PetscErrorCode CapVerticesCreate(TwinfeSurface s, const PetscInt cap_of[], CapVertices *cv)
{
  CapEdge *e;
  PetscInt ne = 0;

  PetscFunctionBeginUser;
  cv->nv = s->nvertices;
  PetscCall(PetscMalloc4(s->nvertices, &cv->cap, s->nvertices, &cv->rim, s->nvertices, &cv->nrim, 2 * s->nvertices, &cv->rimnb));
  PetscCall(PetscCalloc1(s->nvertices + 1, &cv->vs));
  PetscCall(PetscMalloc1(3 * s->ntriangles + 1, &cv->vt));
  for (PetscInt v = 0; v < s->nvertices; v++)
    cv->cap[v] = -1, cv->rim[v] = PETSC_FALSE, cv->nrim[v] = 0;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    for (int k = 0; k < 3; k++) {
      PetscInt v = s->tri[3 * t + k];
      cv->vs[v + 1]++;
      if (cap_of[t] < 0) continue;
      cv->cap[v] = (cv->cap[v] == -1 || cv->cap[v] == cap_of[t]) ? cap_of[t] : -2;
    }
  for (PetscInt v = 0; v < s->nvertices; v++)
    cv->vs[v + 1] += cv->vs[v];
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(s->nvertices + 1, &fill));
    for (PetscInt v = 0; v <= s->nvertices; v++)
      fill[v] = cv->vs[v];
    for (PetscInt t = 0; t < s->ntriangles; t++)
      for (int k = 0; k < 3; k++)
        cv->vt[fill[s->tri[3 * t + k]]++] = t;
    PetscCall(PetscFree(fill));
  }
  for (PetscInt t = 0; t < s->ntriangles; t++)
    for (int k = 0; k < 3; k++) {
      PetscInt v = s->tri[3 * t + k];
      if (cv->cap[v] != -1 && cap_of[t] != cv->cap[v]) cv->rim[v] = PETSC_TRUE;
    }
  /* rim edges: an edge of a cap triangle with a triangle of no or another cap on it (every
     triangle on an edge between two cap vertices is listed, wall triangles included) */
  PetscCall(PetscMalloc1(3 * s->ntriangles + 1, &e));
  for (PetscInt t = 0; t < s->ntriangles; t++)
    for (int k = 0; k < 3; k++) {
      PetscInt v = s->tri[3 * t + k], w = s->tri[3 * t + (k + 1) % 3];
      if (cv->cap[v] == -1 || cv->cap[w] == -1) continue;
      e[ne++] = (CapEdge){PetscMin(v, w), PetscMax(v, w), t};
    }
  qsort(e, (size_t)ne, sizeof *e, CompareCapEdge);
  for (PetscInt i = 0, j; i < ne; i = j) {
    PetscInt c = -1, nin = 0, nout = 0;
    for (j = i; j < ne && e[j].a == e[i].a && e[j].b == e[i].b; j++) {
      PetscInt ct = cap_of[e[j].t];
      if (ct >= 0 && (c < 0 || c == ct))
        c = ct, nin++;
      else
        nout++;
    }
    if (c < 0 || !nout) continue;
    for (int side = 0; side < 2; side++) {
      PetscInt v = side ? e[i].b : e[i].a, w = side ? e[i].a : e[i].b;
      if (cv->nrim[v] < 2) cv->rimnb[2 * v + cv->nrim[v]] = w;
      cv->nrim[v]++;
    }
  }
  PetscCall(PetscFree(e));
  PetscFunctionReturn(0);
}

static PetscErrorCode CapVerticesDestroy(CapVertices *cv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree4(cv->cap, cv->rim, cv->nrim, cv->rimnb));
  PetscCall(PetscFree(cv->vs));
  PetscCall(PetscFree(cv->vt));
  PetscFunctionReturn(0);
}

/* Keep x within +-max_shift voxels of b along each grid axis (as the surface smoothing does). */
static void ClampMove(const TwinfeSurface s, const PetscReal b[3], PetscReal max_shift, PetscReal x[3])
{
  const PetscReal *D = s->grid_direction, *h = s->grid_spacing;
  PetscReal        g[3];
  PetscBool        clamped = PETSC_FALSE;
  if (max_shift <= 0) return;
  for (int c = 0; c < 3; c++) {
    PetscReal m = 0, lim = max_shift * h[c];
    for (int r = 0; r < 3; r++)
      m += D[3 * r + c] * (x[r] - b[r]);
    g[c] = PetscMax(-lim, PetscMin(lim, m));
    clamped |= (PetscBool)(g[c] != m);
  }
  if (!clamped) return;
  for (int r = 0; r < 3; r++)
    x[r] = b[r] + D[3 * r] * g[0] + D[3 * r + 1] * g[1] + D[3 * r + 2] * g[2];
}

/* One Jacobi step x += f (mean of neighbours - x) on the vertices moving (rim: its two rim
   neighbours; inside: the vertices of its triangles), then onto the plane. */
static void CapStep(TwinfeSurface s, const CapVertices *cv, const PetscBool moving[], PetscBool rim_step, PetscReal f,
                    PetscReal work[])
{
  for (PetscInt v = 0; v < s->nvertices; v++) {
    PetscReal mean[3] = {0, 0, 0};
    PetscInt  n       = 0;
    if (!moving[v]) continue;
    if (rim_step) {
      for (int i = 0; i < 2; i++, n++)
        for (int d = 0; d < 3; d++)
          mean[d] += s->xyz[3 * cv->rimnb[2 * v + i] + d];
    } else
      for (PetscInt q = cv->vs[v]; q < cv->vs[v + 1]; q++)
        for (int k = 0; k < 3; k++) {
          PetscInt w = s->tri[3 * cv->vt[q] + k];
          if (w == v) continue;
          for (int d = 0; d < 3; d++)
            mean[d] += s->xyz[3 * w + d];
          n++;
        }
    for (int d = 0; d < 3; d++)
      work[3 * v + d] = s->xyz[3 * v + d] + f * (mean[d] / n - s->xyz[3 * v + d]);
  }
  for (PetscInt v = 0; v < s->nvertices; v++)
    if (moving[v]) {
      for (int d = 0; d < 3; d++)
        s->xyz[3 * v + d] = work[3 * v + d];
      ProjectOnPlane(&s->caps[cv->cap[v]], s->xyz + 3 * v);
    }
}

/* Does every triangle of cap c still face out of its plane (no fold)? */
static PetscBool CapUnfolded(TwinfeSurface s, const PetscInt cap_of[], PetscInt c)
{
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscReal *a = s->xyz + 3 * s->tri[3 * t], *b = s->xyz + 3 * s->tri[3 * t + 1], *p = s->xyz + 3 * s->tri[3 * t + 2];
    PetscReal        u[3], w[3], n[3];
    if (cap_of[t] != c) continue;
    for (int d = 0; d < 3; d++)
      u[d] = b[d] - a[d], w[d] = p[d] - a[d];
    n[0] = u[1] * w[2] - u[2] * w[1], n[1] = u[2] * w[0] - u[0] * w[2], n[2] = u[0] * w[1] - u[1] * w[0];
    if (n[0] * s->caps[c].normal[0] + n[1] * s->caps[c].normal[1] + n[2] * s->caps[c].normal[2] <= 0) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* The cosine of triangle t's least angle (1 when degenerate). */
static PetscReal LeastAngleCos(const TwinfeSurface s, PetscInt t)
{
  PetscReal worst = -1;
  for (int k = 0; k < 3; k++) {
    const PetscReal *a = s->xyz + 3 * s->tri[3 * t + k], *b = s->xyz + 3 * s->tri[3 * t + (k + 1) % 3],
                    *c = s->xyz + 3 * s->tri[3 * t + (k + 2) % 3];
    PetscReal u[3], v[3], uv = 0, uu = 0, vv = 0;
    for (int d = 0; d < 3; d++)
      u[d] = b[d] - a[d], v[d] = c[d] - a[d], uv += u[d] * v[d], uu += u[d] * u[d], vv += v[d] * v[d];
    if (!(uu > 0 && vv > 0)) return 1;
    worst = PetscMax(worst, uv / PetscSqrtReal(uu * vv));
  }
  return worst;
}

/* Smoothing a voxel staircase pulls each corner toward the chord of its neighbours, which
   flattens the corner's "ear" triangle (three rim vertices) toward a degenerate one that Gmsh
   refuses as two exactly self-intersecting facets. Vertices of a cap triangle whose least angle
   fell below CAP_MIN_ANGLE_DEG (the remesher's rule) go back halfway toward where they were,
   round after round, and at last all the way (the voxel faces' triangles have 45 degrees). */
#define CAP_MIN_ANGLE_DEG 20.0
static void KeepCapTrianglesShaped(TwinfeSurface s, const PetscInt cap_of[], const PetscReal before[], const PetscInt vcap[])
{
  const PetscReal limit = PetscCosReal(CAP_MIN_ANGLE_DEG * PETSC_PI / 180);
  for (int round = 0; round < 12; round++) {
    PetscInt bad = 0;
    for (PetscInt t = 0; t < s->ntriangles; t++) {
      if (cap_of[t] < 0 || LeastAngleCos(s, t) <= limit) continue;
      bad++;
      for (int k = 0; k < 3; k++) {
        const PetscInt  v = s->tri[3 * t + k];
        const PetscReal f = round < 8 ? 0.5 : 1.0;
        for (int d = 0; d < 3; d++)
          s->xyz[3 * v + d] = before[3 * v + d] + (1 - f) * (s->xyz[3 * v + d] - before[3 * v + d]);
        if (vcap[v] >= 0) ProjectOnPlane(&s->caps[vcap[v]], s->xyz + 3 * v);
      }
    }
    if (!bad) break;
  }
}

PetscErrorCode TwinfeSurfaceCapsSmooth_Private(TwinfeSurface s, PetscInt iterations, PetscReal passband, PetscReal max_shift,
                                               const PetscReal before[], PetscBool fixed[])
{
  PetscInt   *cap_of;
  CapVertices cv;
  PetscBool  *rim_moving, *in_moving;
  PetscReal  *work, *saved;
  /* Taubin's lambda|mu pair with the pass band of the surface smoothing: 1/lambda + 1/mu = k_pb,
     so the rim loses its voxel steps without shrinking (a plain mean would pull it inward) */
  const PetscReal lambda = 0.5, mu = 1.0 / (passband - 1.0 / lambda);

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(s->ntriangles + 1, &cap_of));
  PetscCall(TwinfeSurfaceCapsOfTriangles_Private(s, cap_of));
  PetscCall(CapVerticesCreate(s, cap_of, &cv));
  PetscCall(PetscMalloc2(s->nvertices, &rim_moving, s->nvertices, &in_moving));
  PetscCall(PetscMalloc2(3 * s->nvertices, &work, 3 * s->nvertices, &saved));
  for (PetscInt v = 0; v < s->nvertices; v++) {
    fixed[v] = (PetscBool)(cv.cap[v] != -1);
    /* a rim vertex moves along its rim when it is on one cap and has exactly two rim edges;
       corners (two caps, a triple junction, a pinch) stay */
    rim_moving[v] = (PetscBool)(cv.cap[v] >= 0 && cv.rim[v] && cv.nrim[v] == 2);
    in_moving[v]  = (PetscBool)(cv.cap[v] >= 0 && !cv.rim[v]);
  }
  for (PetscInt it = 0; it < iterations; it++) {
    CapStep(s, &cv, rim_moving, PETSC_TRUE, lambda, work);
    CapStep(s, &cv, rim_moving, PETSC_TRUE, mu, work);
  }
  for (PetscInt v = 0; v < s->nvertices; v++)
    if (rim_moving[v]) {
      ClampMove(s, before + 3 * v, max_shift, s->xyz + 3 * v);
      ProjectOnPlane(&s->caps[cv.cap[v]], s->xyz + 3 * v);
    }
  /* the inside relaxes toward the moved rim, so that the triangles along it stay well shaped;
     a cap that would fold (a harmonic map into a non-convex rim can) keeps its inside as it was */
  for (PetscInt i = 0; i < 3 * s->nvertices; i++)
    saved[i] = s->xyz[i];
  for (PetscInt it = 0; it < iterations; it++)
    CapStep(s, &cv, in_moving, PETSC_FALSE, 0.5, work);
  for (PetscInt v = 0; v < s->nvertices; v++)
    if (in_moving[v]) {
      ClampMove(s, before + 3 * v, max_shift, s->xyz + 3 * v);
      ProjectOnPlane(&s->caps[cv.cap[v]], s->xyz + 3 * v);
    }
  for (PetscInt c = 0; c < s->ncaps; c++)
    if (!CapUnfolded(s, cap_of, c)) {
      PetscCall(PetscInfo(NULL, "cap %d: its inside was not relaxed (it would fold)\n", (int)s->caps[c].tag));
      for (PetscInt v = 0; v < s->nvertices; v++)
        if (cv.cap[v] == c && in_moving[v])
          for (int d = 0; d < 3; d++)
            s->xyz[3 * v + d] = saved[3 * v + d];
    }
  KeepCapTrianglesShaped(s, cap_of, before, cv.cap);
  PetscCall(PetscFree2(work, saved));
  PetscCall(PetscFree2(rim_moving, in_moving));
  PetscCall(CapVerticesDestroy(&cv));
  PetscCall(PetscFree(cap_of));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- pseudo labels for the remesher */

PetscErrorCode TwinfeSurfaceCapsToPseudo_Private(TwinfeSurface s, PetscBool *converted)
{
  PetscBool used[CAPS_MAX_LABEL + 1] = {PETSC_FALSE};
  PetscInt *cap_of, next = CAPS_MAX_LABEL;

  PetscFunctionBeginUser;
  *converted = PETSC_FALSE;
  if (!s->ncaps || s->caps_pseudo) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < 2 * s->ntriangles; i++)
    if (s->labels[i] >= 0 && s->labels[i] <= CAPS_MAX_LABEL) used[s->labels[i]] = PETSC_TRUE;
  PetscCall(PetscMalloc1(s->ntriangles + 1, &cap_of));
  PetscCall(TwinfeSurfaceCapsOfTriangles_Private(s, cap_of));
  PetscCall(PetscCalloc1(CAPS_MAX_LABEL + 1, &s->pseudo));
  for (PetscInt c = 0; c < s->ncaps; c++) {
    while (next > 0 && used[next])
      next--;
    if (next <= 0) {
      PetscCall(PetscFree(cap_of));
      PetscCall(PetscFree(s->pseudo));
    }
    PetscCheck(next > 0, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "-surface_caps: the surface has %" PetscInt_FMT " caps, more than the label numbers 1-999 its regions leave free; "
               "model fewer regions or turn caps off",
               s->ncaps);
    s->caps[c].pseudo = (int32_t)next;
    s->pseudo[next] = used[next] = PETSC_TRUE;
  }
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    int32_t a, p;
    if (cap_of[t] < 0) continue;
    a = s->labels[2 * t], p = s->caps[cap_of[t]].pseudo;
    s->labels[2 * t] = PetscMax(a, p), s->labels[2 * t + 1] = PetscMin(a, p);
    if (p > a) { /* the normal goes from the larger label to the smaller: turn the triangle over */
      PetscInt v        = s->tri[3 * t + 1];
      s->tri[3 * t + 1] = s->tri[3 * t + 2], s->tri[3 * t + 2] = v;
    }
  }
  s->caps_pseudo = PETSC_TRUE;
  *converted     = PETSC_TRUE;
  PetscCall(PetscFree(cap_of));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceCapsFromPseudo_Private(TwinfeSurface s)
{
  PetscInt *cap_of;

  PetscFunctionBeginUser;
  if (!s->caps_pseudo) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(s->ntriangles + 1, &cap_of));
  PetscCall(TwinfeSurfaceCapsOfTriangles_Private(s, cap_of));
  PetscCall(PetscFree(s->tag));
  PetscCall(PetscMalloc1(s->ntriangles + 1, &s->tag));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (cap_of[t] >= 0) {
      const TwinfeCap *cap = &s->caps[cap_of[t]];
      if (s->labels[2 * t] == cap->pseudo) {
        PetscInt v        = s->tri[3 * t + 1];
        s->tri[3 * t + 1] = s->tri[3 * t + 2], s->tri[3 * t + 2] = v;
      }
      s->labels[2 * t] = cap->label, s->labels[2 * t + 1] = 0;
      s->tag[t] = cap->tag;
    } else
      s->tag[t] = (int32_t)TwinfeFacetTag(s->labels[2 * t], s->labels[2 * t + 1]);
  }
  s->caps_pseudo = PETSC_FALSE;
  PetscCall(PetscFree(s->pseudo));
  PetscCall(PetscFree(cap_of));
  PetscCall(TwinfeSurfaceCapsProject_Private(s));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceCapsDestroy_Private(TwinfeSurface s)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(s->caps));
  PetscCall(PetscFree(s->tag));
  PetscCall(PetscFree(s->pseudo));
  s->ncaps = 0;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- caps from tags */

static int CompareCapTags(const void *x, const void *y)
{
  const int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
  PetscInt      la, lb, zero;
  TwinfeFacetTagLabels(a, &la, &zero);
  TwinfeFacetTagLabels(b, &lb, &zero);
  if (la != lb) return la < lb ? -1 : 1; /* per region, then by cap number */
  return TwinfeCapIndex(a) < TwinfeCapIndex(b) ? -1 : TwinfeCapIndex(a) > TwinfeCapIndex(b);
}

/* Cap c's plane from its triangles: the area-weighted normal (triangles run round their
   inside label's outward normal) and the area-weighted centroid. */
static void FitCapPlane(TwinfeSurface s, PetscInt c)
{
  TwinfeCap *cap  = &s->caps[c];
  PetscReal  n[3] = {0, 0, 0}, centre[3] = {0, 0, 0}, area = 0, length;

  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscReal *a = &s->xyz[3 * s->tri[3 * t]], *b = &s->xyz[3 * s->tri[3 * t + 1]], *d = &s->xyz[3 * s->tri[3 * t + 2]];
    PetscReal        u[3], v[3], w[3], half;
    if (s->tag[t] != cap->tag) continue;
    for (PetscInt k = 0; k < 3; k++)
      u[k] = b[k] - a[k], v[k] = d[k] - a[k];
    w[0] = u[1] * v[2] - u[2] * v[1], w[1] = u[2] * v[0] - u[0] * v[2], w[2] = u[0] * v[1] - u[1] * v[0];
    half = 0.5 * PetscSqrtReal(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
    for (PetscInt k = 0; k < 3; k++)
      n[k] += w[k], centre[k] += half * (a[k] + b[k] + d[k]) / 3;
    area += half;
  }
  length      = PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  cap->offset = 0;
  for (PetscInt k = 0; k < 3; k++) {
    cap->normal[k] = length > 0 ? n[k] / length : 0;
    cap->offset += cap->normal[k] * (area > 0 ? centre[k] / area : 0);
  }
  cap->voxel_area = area;
}

PetscErrorCode TwinfeSurfaceSetCapTags(TwinfeSurface s, const int32_t tags[])
{
  int32_t *distinct;
  PetscInt n = 0;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(s);
  PetscCheck(!s->caps_pseudo, PETSC_COMM_SELF, PETSC_ERR_ORDER, "TwinfeSurfaceSetCapTags: not while the surface is remeshed");
  PetscCall(TwinfeSurfaceCapsDestroy_Private(s));
  PetscCall(PetscMalloc1(s->ntriangles + 1, &distinct));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    PetscInt larger, smaller;
    if (!TwinfeCapIndex(tags[t])) continue;
    TwinfeFacetTagLabels(tags[t], &larger, &smaller);
    PetscCheck(s->labels[2 * t] == larger && s->labels[2 * t + 1] == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "TwinfeSurfaceSetCapTags: triangle %" PetscInt_FMT " has cap tag %d of region %" PetscInt_FMT
               " but lies between labels %d and %d; a cap lies between its region and the outside (0)",
               t, (int)tags[t], larger, (int)s->labels[2 * t], (int)s->labels[2 * t + 1]);
    distinct[n++] = tags[t];
  }
  qsort(distinct, (size_t)n, sizeof *distinct, CompareCapTags);
  {
    PetscInt m = 0;
    for (PetscInt i = 0; i < n; i++)
      if (!m || distinct[m - 1] != distinct[i]) distinct[m++] = distinct[i];
    n = m;
  }
  if (n) {
    PetscCall(PetscMalloc1(s->ntriangles + 1, &s->tag));
    PetscCall(PetscCalloc1(n, &s->caps));
    for (PetscInt t = 0; t < s->ntriangles; t++) {
      s->tag[t] = tags[t];
      if (!TwinfeCapIndex(tags[t])) s->tag[t] = (int32_t)TwinfeFacetTag(s->labels[2 * t], s->labels[2 * t + 1]);
    }
    for (PetscInt c = 0; c < n; c++) {
      PetscInt larger, smaller;
      TwinfeFacetTagLabels(distinct[c], &larger, &smaller);
      s->caps[c].label = (int32_t)larger, s->caps[c].tag = distinct[c];
      s->caps[c].face = -1, s->caps[c].plane = -1;
      FitCapPlane(s, c);
    }
    s->ncaps = n;
  }
  PetscCall(PetscFree(distinct));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- public queries */

PetscErrorCode TwinfeSurfaceGetTriangleTags(TwinfeSurface surface, const int32_t **tags)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(tags);
  *tags = surface->ncaps ? surface->tag : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceGetCapCount(TwinfeSurface surface, PetscInt *ncaps)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(ncaps);
  *ncaps = surface->ncaps;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceGetCap(TwinfeSurface surface, PetscInt c, int32_t *tag, PetscReal normal[3], PetscReal *offset,
                                   PetscReal *area)
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  PetscCheck(c >= 0 && c < surface->ncaps, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceGetCap: cap %" PetscInt_FMT " is outside [0, %" PetscInt_FMT ")", c, surface->ncaps);
  if (tag) *tag = surface->caps[c].tag;
  if (normal)
    for (int d = 0; d < 3; d++)
      normal[d] = surface->caps[c].normal[d];
  if (offset) *offset = surface->caps[c].offset;
  if (area) {
    *area = 0;
    for (PetscInt t = 0; t < surface->ntriangles; t++) {
      const PetscReal *a = surface->xyz + 3 * surface->tri[3 * t], *b = surface->xyz + 3 * surface->tri[3 * t + 1],
                      *p = surface->xyz + 3 * surface->tri[3 * t + 2];
      PetscReal u[3], w[3], n[3];
      if (surface->tag[t] != surface->caps[c].tag) continue;
      for (int d = 0; d < 3; d++)
        u[d] = b[d] - a[d], w[d] = p[d] - a[d];
      n[0] = u[1] * w[2] - u[2] * w[1], n[1] = u[2] * w[0] - u[0] * w[2], n[2] = u[0] * w[1] - u[1] * w[0];
      *area += 0.5 * PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    }
  }
  PetscFunctionReturn(0);
}
