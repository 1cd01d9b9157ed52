/* TwinfeSurfaceRemesh: isotropic remeshing of a multi-label surface to a target edge length
 * per label (docs/surfaces.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Botsch and Kobbelt's loop (split long edges, collapse short ones, flip toward Delaunay and
 * valence 6, relax tangentially and project back on the input) made to respect what the
 * surface stage promises: the surface is one triangle set whose triangles carry a label pair,
 * so every interface exists once; an edge whose triangles are not exactly two of one label
 * pair is a feature (a triple line, a checkerboard edge), and its vertices only move and
 * collapse along their curve; vertices where curves meet never move. Projection uses the input
 * surface of the same label pair (same curve for feature vertices), so nothing drifts from one
 * sheet or label onto another. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, CLOCK_THREAD_CPUTIME_ID */
#include "remesh_impl.h"
#include <time.h>

#define RM_DEFAULT_ITERATIONS 5
/* no operation makes a triangle's least angle drop below this (or below what it was) */
#define RM_MIN_ANGLE_DEG 20.0
#define RM_MAX_LABEL 999
/* no collapse, flip or move leaves two triangles on one edge opening less than this, no split
   less than this or than its parent triangles did: a region squeezed into a narrower wedge can only be filled by flat tets, and
   the input's wedges are wide (41 deg on 41 TotalSegmentator labels at 3 mm) */
#define RM_MIN_WEDGE_DEG 20.0
/* nor an edge of one triangle nearer than this to another that shares only a vertex with it, at
   a vertex that is not inside one disk (pinches are at triple lines and corners) */
#define RM_MIN_CORNER_DEG 10.0
/* each connected piece of a label's boundary gets triangles no longer than this times its
   volume / area (1.5: every label of the TotalSegmentator example at 4 mm within 5% of its
   smoothed volume; 2: 9%, 1.2: 4% with 21% more triangles) */
#define RM_PIECE_SIZE_FACTOR 1.5
/* a piece of fewer triangles than this (a cube of 4 x 4 x 4 voxels has 192) whose cap is below
   its own mean edge is kept as it is */
#define RM_PIECE_KEEP_TRIANGLES 200

/* CPU seconds of the calling thread: the halves of a surface run on two threads at once, and
   clock() would charge each with both. */
static double ThreadSeconds(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)) return 0;
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Adds the CPU seconds since *c to *acc and restarts *c. */
static void Lap(double *c, double *acc)
{
  double now = ThreadSeconds();
  *acc += now - *c;
  *c = now;
}

/* Per-triangle target from the per-label table: the smaller of its labels' targets; 0 (kept as
   it is) when a label's target is <= 0 or neither label has one. */
static PetscErrorCode CheckTargets(PetscInt nlabels, const int32_t labels[], const PetscReal target_mm[])
{
  PetscFunctionBeginUser;
  for (PetscInt l = 0; l < nlabels; l++) {
    PetscCheck(labels[l] > 0 && labels[l] <= RM_MAX_LABEL, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSurfaceRemesh: label %d is outside [1, %d] (surfaces hold region labels 1 to %d)", (int)labels[l],
               RM_MAX_LABEL, RM_MAX_LABEL);
    PetscCheck(PetscIsNormalReal(target_mm[l]) || target_mm[l] == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSurfaceRemesh: the target edge length of label %d is not a finite number; give mm, or <= 0 to keep "
               "that label's triangles",
               (int)labels[l]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TriangleTargets(TwinfeSurface s, PetscInt nlabels, const int32_t labels[], const PetscReal target_mm[],
                                      PetscReal target[])
{
  PetscReal table[RM_MAX_LABEL + 1];

  PetscFunctionBeginUser;
  for (PetscInt l = 0; l <= RM_MAX_LABEL; l++)
    table[l] = PETSC_MAX_REAL; /* not listed: no target */
  for (PetscInt l = 0; l < nlabels; l++)
    table[labels[l]] = target_mm[l] > 0 ? target_mm[l] : 0;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    PetscReal a = table[s->labels[2 * t]], b = s->labels[2 * t + 1] ? table[s->labels[2 * t + 1]] : PETSC_MAX_REAL;
    PetscReal h = PetscMin(a, b);
    target[t]   = h >= PETSC_MAX_REAL ? 0 : h;
  }
  PetscFunctionReturn(0);
}

/* The input surface: a copy, unit normals, label pair codes, feature segments, and grids. */
static PetscErrorCode SetupInput(Rm *m, PetscReal cell)
{
  PetscInt nb[RM_MAX_NEIGHBOURS], nseg = 0;
  RmEdge   e;

  PetscFunctionBeginUser;
  m->onv = m->nv, m->ont = m->nt;
  PetscCall(PetscMalloc5(3 * m->onv, &m->ox, 3 * m->ont, &m->on, 3 * m->ont, &m->ot, m->ont, &m->ocode, 4 * m->ont, &m->ocen));
  PetscCall(PetscArraycpy(m->ox, m->x, 3 * m->onv));
  PetscCall(PetscArraycpy(m->ot, m->t, 3 * m->ont));
  for (PetscInt t = 0; t < m->ont; t++) {
    const PetscInt *T = m->t + 3 * t;
    PetscReal      *n = m->on + 3 * t, l;
    RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], n);
    l = PetscSqrtReal(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (int d = 0; d < 3; d++)
      n[d] = l > 0 ? n[d] / l : 0;
    m->ocode[t] = RmPairCode(m->lab + 2 * t);
    {
      PetscReal *c = m->ocen + 4 * t, r2 = 0;
      for (int d = 0; d < 3; d++)
        c[d] = (m->x[3 * T[0] + d] + m->x[3 * T[1] + d] + m->x[3 * T[2] + d]) / 3;
      for (int k = 0; k < 3; k++) {
        PetscReal q2 = 0;
        for (int d = 0; d < 3; d++)
          q2 += (m->x[3 * T[k] + d] - c[d]) * (m->x[3 * T[k] + d] - c[d]);
        r2 = PetscMax(r2, q2);
      }
      c[3] = PetscSqrtReal(r2);
    }
  }
  PetscCall(RmBuildStars(m));
  for (PetscInt v = 0; v < m->nv; v++) /* the working mesh is the input yet */
    m->vhint[v] = m->vs[v + 1] > m->vs[v] ? m->vt[m->vs[v]] : -1;
  for (int pass = 0; pass < 2; pass++) {
    nseg = 0;
    for (PetscInt a = 0; a < m->nv; a++) {
      PetscInt k = RmNeighbours(m, a, nb);
      for (PetscInt i = 0; i < k; i++) {
        if (nb[i] < a) continue;
        RmEdgeTriangles(m, a, nb[i], &e);
        if (!RmEdgeIsFeature(m, &e)) continue;
        if (pass) {
          m->oseg[2 * nseg] = a, m->oseg[2 * nseg + 1] = nb[i];
          m->osegkey[nseg] = RmEdgeKey(m, &e);
        }
        nseg++;
      }
    }
    if (!pass) PetscCall(PetscMalloc2(2 * nseg + 2, &m->oseg, nseg + 1, &m->osegkey));
  }
  m->noseg = nseg;
  PetscCall(TwinfeBoxGridCreate_Private(m->ox, m->ont, 3, m->ot, NULL, cell, &m->otg));
  PetscCall(TwinfeBoxGridCreate_Private(m->ox, m->noseg, 2, m->oseg, NULL, cell, &m->osg));
  PetscFunctionReturn(0);
}

static inline PetscReal Dist2(const PetscReal *a, const PetscReal *b)
{
  return (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
}

static PetscInt FindRoot(PetscInt parent[], PetscInt v)
{
  while (parent[v] != v)
    v = parent[v] = parent[parent[v]];
  return v;
}

/* The connected pieces of one label's boundary (its triangles list[0..n), both sides): each
   vertex's root in parent, and at each root the piece's enclosed volume and area. */
static void LabelPieces(const Rm *m, int32_t label, PetscInt n, const PetscInt list[], PetscInt parent[], PetscReal vol[],
                        PetscReal area[], PetscReal edge[], PetscInt count[])
{
  for (PetscInt i = 0; i < n; i++)
    for (int c = 0; c < 3; c++) {
      PetscInt v = m->t[3 * list[i] + c];
      parent[v] = v, vol[v] = area[v] = edge[v] = 0, count[v] = 0;
    }
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt *T = m->t + 3 * list[i];
    for (int c = 1; c < 3; c++) {
      PetscInt r0 = FindRoot(parent, T[0]), r1 = FindRoot(parent, T[c]);
      if (r0 != r1) parent[r1] = r0;
    }
  }
  for (PetscInt i = 0; i < n; i++) {
    const PetscInt  *T = m->t + 3 * list[i];
    const PetscInt   r = FindRoot(parent, T[0]);
    const PetscReal *o = m->x + 3 * r, side = m->lab[2 * list[i]] == label ? 1 : -1; /* normals point out of lab[0] */
    PetscReal        a[3], b[3], c[3], nrm[3];
    for (int d = 0; d < 3; d++)
      a[d] = m->x[3 * T[0] + d] - o[d], b[d] = m->x[3 * T[1] + d] - o[d], c[d] = m->x[3 * T[2] + d] - o[d];
    RmNormal(m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2], nrm);
    area[r] += 0.5 * PetscSqrtReal(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
    for (int k = 0; k < 3; k++) /* the piece's edges, for its mean (each counted twice) */
      edge[r] += PetscSqrtReal(Dist2(m->x + 3 * T[k], m->x + 3 * T[(k + 1) % 3]));
    count[r] += 3;
    vol[r] +=
        side * (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])) / 6;
  }
}

/* Caps the size at each vertex of a small or thin part: for every connected piece of every
   label's boundary, at factor x its volume / area (a ball of radius r: r / 3, a rod: r / 2).
   Coarse triangles on a part that is small against them cut its convex surface short (at 4 mm
   on 3 mm voxels a 1-voxel label collapsed to a sliver, ribs lost 10-15%). A small piece whose
   cap is below its own mean edge is kept as it is: its new vertices would lie on its input's
   facets, so finer triangles gain nothing, and moving the input's vertices off its corners only
   cuts them (a 2 x 2 x 2 voxel cube lost 9%). Larger thin pieces are remeshed at the cap: kept,
   their voxel-face quads, four points on a circle, gave Gmsh flat tets. */
static PetscErrorCode ComponentCaps(Rm *m, PetscReal factor)
{
  PetscInt  *start, *list, *parent, *count, kept = 0;
  PetscReal *vol, *area, *edge;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(RM_MAX_LABEL + 2, &start));
  PetscCall(PetscMalloc4(2 * m->nt, &list, m->nv, &parent, m->nv, &vol, m->nv, &area));
  PetscCall(PetscMalloc2(m->nv, &edge, m->nv, &count));
  for (PetscInt t = 0; t < m->nt; t++)
    for (int k = 0; k < 2; k++)
      if (m->lab[2 * t + k] > 0) start[m->lab[2 * t + k] + 1]++;
  for (PetscInt l = 0; l <= RM_MAX_LABEL; l++)
    start[l + 1] += start[l];
  for (PetscInt t = 0; t < m->nt; t++)
    for (int k = 0; k < 2; k++)
      if (m->lab[2 * t + k] > 0) list[start[m->lab[2 * t + k]]++] = t;
  for (PetscInt l = RM_MAX_LABEL; l > 0; l--) /* back to the first of each label */
    start[l] = start[l - 1];
  start[0] = 0;
  for (PetscInt l = 1; l <= RM_MAX_LABEL; l++) {
    const PetscInt *L = list + start[l], n = start[l + 1] - start[l];
    if (!n || (m->pseudo && m->pseudo[l])) continue; /* a cap alone is an open disk: no volume */
    LabelPieces(m, (int32_t)l, n, L, parent, vol, area, edge, count);
    for (PetscInt i = 0; i < n; i++) {
      const PetscInt *T = m->t + 3 * L[i];
      PetscInt        r = FindRoot(parent, T[0]);
      PetscReal       cap;
      if (m->target[L[i]] <= 0 || !(vol[r] > 0 && area[r] > 0)) continue;
      cap = factor * vol[r] / area[r];
      if (count[r] < 3 * RM_PIECE_KEEP_TRIANGLES && cap < edge[r] / count[r]) { /* kept as it is */
        m->target[L[i]] = 0;
        kept++;
        continue;
      }
      m->target[L[i]] = PetscMin(m->target[L[i]], cap);
    }
  }
  PetscCall(PetscFree(start));
  PetscCall(PetscFree4(list, parent, vol, area));
  PetscCall(PetscFree2(edge, count));
  PetscCall(PetscInfo(NULL, "%" PetscInt_FMT " triangles of small parts kept as they are\n", kept));
  PetscFunctionReturn(0);
}

/* The size field: each vertex's least triangle target (a label's, capped per piece: capped
   says the caller did that on the whole surface a part came from), no more than the distance to another sheet
   (but not below the input's own edge length: thin parts keep the input's triangles), graded so
   it grows by at most half the distance between neighbours. */
static PetscErrorCode SetupSizes(Rm *m, PetscBool capped, PetscReal input_edge)
{
  PetscReal *sep, hmax = 0;
  PetscInt   nb[RM_MAX_NEIGHBOURS];

  PetscFunctionBeginUser;
  if (!capped) PetscCall(ComponentCaps(m, RM_PIECE_SIZE_FACTOR));
  for (PetscInt v = 0; v < m->nv; v++)
    m->size[v] = PETSC_MAX_REAL;
  for (PetscInt t = 0; t < m->nt; t++)
    if (m->target[t] > 0) {
      hmax = PetscMax(hmax, m->target[t]);
      for (int c = 0; c < 3; c++)
        m->size[m->t[3 * t + c]] = PetscMin(m->size[m->t[3 * t + c]], m->target[t]);
    }
  PetscCall(PetscMalloc1(m->nv, &sep));
  PetscCall(TwinfeSurfaceSheetSeparation_Private(m->nv, m->x, m->nt, m->t, hmax, sep));
  for (PetscInt v = 0; v < m->nv; v++)
    if (sep[v] < m->size[v]) m->size[v] = PetscMax(sep[v], input_edge);
  PetscCall(PetscFree(sep));
  for (int round = 0; round < 3; round++)
    for (PetscInt v = 0; v < m->nv; v++) {
      PetscInt k = RmNeighbours(m, v, nb);
      for (PetscInt i = 0; i < k; i++) {
        const PetscReal *a = m->x + 3 * v, *b = m->x + 3 * nb[i];
        PetscReal        d =
            PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
        m->size[v] = PetscMin(m->size[v], m->size[nb[i]] + 0.5 * d);
      }
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode RmCreate(TwinfeSurface s, Rm *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->nv = s->nvertices, m->nt = s->ntriangles;
  m->cv = m->nv, m->ct = m->nt;
  PetscCall(PetscMalloc1(3 * m->cv, &m->x));
  PetscCall(PetscMalloc1(m->cv, &m->size));
  PetscCall(PetscMalloc1(m->cv, &m->type));
  PetscCall(PetscMalloc1(2 * m->cv, &m->fn));
  PetscCall(PetscMalloc1(m->cv, &m->key));
  PetscCall(PetscMalloc1(m->cv + 2, &m->vs));
  PetscCall(PetscCalloc1(m->cv, &m->lock));
  PetscCall(PetscCalloc1(m->cv, &m->seen));
  PetscCall(PetscMalloc1(m->cv, &m->vhint));
  PetscCall(PetscCalloc1(m->cv, &m->touched));
  PetscCall(PetscCalloc1(m->cv, &m->settled));
  PetscCall(PetscMalloc1(m->cv, &m->restar));
  PetscCall(PetscMalloc1(2, &m->hint));
  m->hint[0] = m->hint[1] = -1;
  PetscCall(PetscMalloc1(3 * m->ct, &m->t));
  PetscCall(PetscMalloc1(2 * m->ct, &m->lab));
  PetscCall(PetscMalloc1(m->ct, &m->target));
  PetscCall(PetscMalloc1(3 * m->ct, &m->vt));
  PetscCall(PetscCalloc1(m->ct, &m->tmark));
  PetscCall(PetscMalloc1(m->ct, &m->thint));
  for (PetscInt t = 0; t < m->nt; t++) /* the working mesh is the input yet */
    m->thint[t] = t;
  PetscCall(PetscCalloc1(m->ct, &m->tpos));
  PetscCall(PetscArraycpy(m->x, s->xyz, 3 * m->nv));
  PetscCall(PetscArraycpy(m->t, s->tri, 3 * m->nt));
  PetscCall(PetscArraycpy(m->lab, s->labels, 2 * m->nt));
  m->pseudo = s->pseudo;
  for (PetscInt v = 0; v < m->nv; v++)
    m->type[v] = RM_REGULAR, m->restar[v] = 1;
  m->stamp         = 1;
  m->min_angle     = RM_MIN_ANGLE_DEG * PETSC_PI / 180;
  m->min_angle_cos = PetscCosReal(m->min_angle);
  m->wedge_cos     = PetscCosReal(RM_MIN_WEDGE_DEG * PETSC_PI / 180);
  m->corner_sin    = PetscSinReal(RM_MIN_CORNER_DEG * PETSC_PI / 180);
  PetscFunctionReturn(0);
}

static PetscErrorCode RmDestroy(Rm *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(m->x));
  PetscCall(PetscFree(m->size));
  PetscCall(PetscFree(m->type));
  PetscCall(PetscFree(m->fn));
  PetscCall(PetscFree(m->key));
  PetscCall(PetscFree(m->vs));
  PetscCall(PetscFree(m->lock));
  PetscCall(PetscFree(m->seen));
  PetscCall(PetscFree(m->vhint));
  PetscCall(PetscFree(m->touched));
  PetscCall(PetscFree(m->settled));
  PetscCall(PetscFree(m->restar));
  PetscCall(PetscFree(m->hint));
  PetscCall(PetscFree(m->t));
  PetscCall(PetscFree(m->lab));
  PetscCall(PetscFree(m->target));
  PetscCall(PetscFree(m->vt));
  PetscCall(PetscFree(m->tmark));
  PetscCall(PetscFree(m->thint));
  PetscCall(PetscFree(m->tpos));
  PetscCall(PetscFree5(m->ox, m->on, m->ot, m->ocode, m->ocen));
  PetscCall(PetscFree2(m->oseg, m->osegkey));
  PetscCall(PetscFree2(m->hkey, m->hval));
  PetscCall(TwinfeBoxGridDestroy_Private(&m->otg));
  PetscCall(TwinfeBoxGridDestroy_Private(&m->osg));
  PetscFunctionReturn(0);
}

/* The remeshed triangles' mean edge, least angle and largest distance from the input (at
   vertices and triangle centroids). */
static void RmStats(Rm *m, TwinfeSurfaceRemeshStats *st)
{
  PetscReal sum = 0, amin = PETSC_PI, dev = 0;
  PetscInt  ne = 0;
  for (PetscInt t = 0; t < m->nt; t++) {
    const PetscInt  *T    = m->t + 3 * t;
    const PetscReal *p[3] = {m->x + 3 * T[0], m->x + 3 * T[1], m->x + 3 * T[2]};
    PetscReal        c[3], q[3], d;
    if (m->target[t] <= 0) continue;
    for (int e = 0; e < 3; e++) {
      const PetscReal *a = p[e], *b = p[(e + 1) % 3];
      sum += PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      ne++;
      if (RmProjectSurface(m, p[e], 0, NULL, q, &d, &m->vhint[T[e]])) dev = PetscMax(dev, d);
    }
    amin = PetscMin(amin, RmMinAngle(p[0], p[1], p[2]));
    for (int k = 0; k < 3; k++)
      c[k] = (p[0][k] + p[1][k] + p[2][k]) / 3;
    if (RmProjectSurface(m, c, 0, NULL, q, &d, &m->thint[t])) dev = PetscMax(dev, d);
  }
  st->mean_edge_mm     = ne ? sum / ne : 0;
  st->min_angle_deg    = ne ? amin * 180 / PETSC_PI : 0;
  st->max_deviation_mm = dev;
  st->triangles_out    = m->nt;
}

static PetscErrorCode RmWriteBack(Rm *m, TwinfeSurface s, PetscReal **target)
{
  PetscReal *x;
  PetscInt  *t;
  int32_t   *l;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc3(3 * m->nv, &x, 3 * m->nt, &t, 2 * m->nt, &l));
  PetscCall(PetscArraycpy(x, m->x, 3 * m->nv));
  PetscCall(PetscArraycpy(t, m->t, 3 * m->nt));
  PetscCall(PetscArraycpy(l, m->lab, 2 * m->nt));
  PetscCall(PetscFree3(s->xyz, s->tri, s->labels));
  s->xyz = x, s->tri = t, s->labels = l;
  s->nvertices = m->nv, s->ntriangles = m->nt;
  PetscCall(PetscFree(*target));
  PetscCall(PetscMalloc1(m->nt + 1, target));
  PetscCall(PetscArraycpy(*target, m->target, m->nt));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceRemeshLabelTargets_Private(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[],
                                                       const PetscReal target_mm[], PetscReal target[])
{
  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  PetscCheck(nlabels >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceRemesh: nlabels = %" PetscInt_FMT " must be >= 0", nlabels);
  if (nlabels) {
    TwinfeSurfaceCheckPointer_Private(labels);
    TwinfeSurfaceCheckPointer_Private(target_mm);
  }
  PetscCall(CheckTargets(nlabels, labels, target_mm));
  PetscCall(TriangleTargets(surface, nlabels, labels, target_mm, target));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceRemeshCapTargets_Private(TwinfeSurface surface, PetscReal target[])
{
  Rm m;

  PetscFunctionBeginUser;
  PetscCall(RmCreate(surface, &m));
  PetscCall(PetscArraycpy(m.target, target, surface->ntriangles));
  PetscCall(ComponentCaps(&m, RM_PIECE_SIZE_FACTOR));
  PetscCall(PetscArraycpy(target, m.target, surface->ntriangles));
  PetscCall(RmDestroy(&m));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceRemesh(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[], const PetscReal target_mm[],
                                   PetscReal max_deviation_mm, TwinfeSurfaceRemeshStats *stats)
{
  PetscReal     *target;
  PetscErrorCode ierr;
  PetscBool      pseudo;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  /* caps as label pairs of their own while remeshing (caps.c); back, with their tags, after */
  PetscCall(TwinfeSurfaceCapsToPseudo_Private(surface, &pseudo));
  PetscCall(PetscMalloc1(surface->ntriangles + 1, &target));
  ierr = TwinfeSurfaceRemeshLabelTargets_Private(surface, nlabels, labels, target_mm, target);
  if (!ierr) ierr = TwinfeSurfaceRemeshTargets_Private(surface, &target, PETSC_FALSE, NULL, max_deviation_mm, 0, stats);
  PetscCall(PetscFree(target)); /* on every path: bad labels or bound included */
  if (pseudo) PetscCall(TwinfeSurfaceCapsFromPseudo_Private(surface));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The input of m (what it projects on and measures against) made from reference instead of
   from m's own triangles. */
static PetscErrorCode SetupReference(Rm *m, TwinfeSurface reference, PetscReal cell)
{
  Rm ref;

  PetscFunctionBeginUser;
  PetscCall(RmCreate(reference, &ref));
  PetscCall(SetupInput(&ref, cell));
  m->onv = ref.onv, m->ont = ref.ont, m->noseg = ref.noseg;
  m->ox = ref.ox, m->on = ref.on, m->ocen = ref.ocen, m->ot = ref.ot, m->ocode = ref.ocode;
  m->oseg = ref.oseg, m->osegkey = ref.osegkey, m->otg = ref.otg, m->osg = ref.osg;
  ref.ox = ref.on = ref.ocen = NULL, ref.ot = ref.oseg = NULL, ref.ocode = ref.osegkey = NULL;
  PetscCall(PetscMemzero(&ref.otg, sizeof ref.otg));
  PetscCall(PetscMemzero(&ref.osg, sizeof ref.osg));
  PetscCall(RmDestroy(&ref));
  PetscCall(RmBuildStars(m));
  for (PetscInt v = 0; v < m->nv; v++) /* no guess yet: the working mesh is not the input */
    m->vhint[v] = -1;
  for (PetscInt t = 0; t < m->nt; t++)
    m->thint[t] = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceRemeshTargets_Private(TwinfeSurface surface, PetscReal **target, PetscBool capped,
                                                  TwinfeSurface reference, PetscReal max_deviation_mm, PetscReal input_edge_mm,
                                                  TwinfeSurfaceRemeshStats *stats)
{
  Rm        m;
  PetscInt  iterations = RM_DEFAULT_ITERATIONS, active = 0;
  PetscReal edge;
  /* CPU seconds per phase (setup, split, collapse, flip, relax, stats), for -info */
  double cpu[6] = {0, 0, 0, 0, 0, 0};
  double c0     = ThreadSeconds();

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  TwinfeSurfaceCheckPointer_Private(target);
  PetscCheck(max_deviation_mm > 0 && PetscIsNormalReal(max_deviation_mm), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceRemesh: the deviation bound %g mm must be a positive number (a fraction of the voxel size, e.g. "
             "half a voxel)",
             (double)max_deviation_mm);
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-surface_remesh_iterations", &iterations, NULL));
  PetscCheck(iterations >= 1 && iterations <= 100, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceRemesh: -surface_remesh_iterations %" PetscInt_FMT " is outside [1, 100] (default 5)", iterations);
  if (stats) {
    PetscCall(PetscMemzero(stats, sizeof(*stats)));
    stats->triangles_in = stats->triangles_out = surface->ntriangles;
  }
  if (!surface->ntriangles) PetscFunctionReturn(0);
  PetscCall(RmCreate(surface, &m));
  PetscCall(PetscArraycpy(m.target, *target, surface->ntriangles));
  for (PetscInt t = 0; t < m.nt; t++)
    active += m.target[t] > 0;
  edge     = input_edge_mm > 0 ? input_edge_mm : TwinfeSurfaceMeanEdge_Private(m.x, m.nt, m.t);
  m.maxdev = max_deviation_mm;
  /* projections start searching within half an input edge (moves are tangential and small)
     and widen only when nothing is found */
  m.reach = 0.5 * edge;
  if (reference)
    PetscCall(SetupReference(&m, reference, edge));
  else
    PetscCall(SetupInput(&m, edge));
  if (active) {
    PetscCall(SetupSizes(&m, capped, edge));
    Lap(&c0, &cpu[0]);
    for (PetscInt it = 0; it < iterations; it++) {
      PetscInt nsplit, ncollapse, nflip;
      PetscInt more;
      /* each pass changes at most one edge per star (locks), so repeat until it settles */
      /* the last round does not split: splits leave the poorest triangles, which the flips and
         relaxation after a collapse round repair */
      nsplit = 0;
      if (it < iterations - 1 || iterations == 1) PetscCall(RmSplitPass(&m, &nsplit));
      for (int again = 0; again < 3 && nsplit; again++, nsplit += more) {
        PetscCall(RmSplitPass(&m, &more));
        if (!more) break;
      }
      Lap(&c0, &cpu[1]);
      PetscCall(RmCollapsePass(&m, &ncollapse));
      for (int again = 0; again < 6 && ncollapse; again++, ncollapse += more) {
        PetscCall(RmCollapsePass(&m, &more));
        if (more < m.nt / 1000) break;
      }
      PetscCall(RmCompact(&m));
      Lap(&c0, &cpu[2]);
      PetscCall(RmFlipPass(&m, PETSC_FALSE, &nflip));
      Lap(&c0, &cpu[3]);
      PetscCall(RmRelaxPass(&m));
      Lap(&c0, &cpu[4]);
      if (it == iterations - 1) { /* a last flip and relaxation on the final connectivity */
        PetscCall(RmFlipPass(&m, PETSC_FALSE, &more));
        Lap(&c0, &cpu[3]);
        PetscCall(RmRelaxPass(&m));
        Lap(&c0, &cpu[4]);
        /* and Delaunay where the relaxation left a quad the other way round */
        for (int again = 0; again < 3; again++) {
          PetscCall(RmFlipPass(&m, PETSC_TRUE, &more));
          if (!more) break;
        }
        Lap(&c0, &cpu[3]);
      }
      PetscCall(PetscInfo(NULL,
                          "remesh iteration %" PetscInt_FMT ": %" PetscInt_FMT " splits, %" PetscInt_FMT
                          " collapses, %" PetscInt_FMT " flips, %" PetscInt_FMT " triangles\n",
                          it, nsplit, ncollapse, nflip, m.nt));
    }
  }
  if (stats) RmStats(&m, stats);
  PetscCall(RmWriteBack(&m, surface, target));
  PetscCall(RmDestroy(&m));
  if (stats && !capped) PetscCall(TwinfeSurfaceCountSelfIntersections(surface, &stats->self_intersections));
  Lap(&c0, &cpu[5]);
  PetscCall(PetscInfo(
      NULL, "remesh CPU seconds: setup %.3f, split %.3f, collapse %.3f, flip %.3f, relax %.3f, stats %.3f; total %.3f\n", cpu[0],
      cpu[1], cpu[2], cpu[3], cpu[4], cpu[5], cpu[0] + cpu[1] + cpu[2] + cpu[3] + cpu[4] + cpu[5]));
  PetscFunctionReturn(0);
}
