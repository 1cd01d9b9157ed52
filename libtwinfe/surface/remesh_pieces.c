/* TwinfeSurfaceRemeshInPieces: the remesher run on two halves of a surface at once, then on the
 * band of triangles between them.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A plane across the surface's longest extent, through its median triangle, parts it into two
 * pieces and a band of triangles within 1.5 targets of the plane. Each piece is remeshed with
 * the band triangles that touch it frozen (kept exactly, vertices included), so the two pieces
 * share nothing that either changes and run on two threads at once. Then the band is remeshed
 * with the new piece triangles that touch it frozen. The vertices on the two lines where band
 * and pieces meet are frozen in both steps: they stay where the input had them, at its
 * spacing. The result depends on the pieces, never on the number of threads.
 *
 * Threads only when PETSc's debugging malloc is off: it keeps one list of allocations, not
 * safe to change from two threads (the test suite runs with -malloc_debug, so it checks the
 * same pieces one after the other). */
#include "surface_impl.h"
#include "core/core_impl.h"
#include <string.h>
#include <threads.h>
#include <time.h>
#include <twinfe/core.h>

/* Below this many triangles a surface is remeshed whole: the pieces' seams and set-up cost
   more than the second thread gains (a 40k-triangle surface remeshes in about 0.5 s). */
#define PIECES_MIN_TRIANGLES 40000
/* The band reaches this many (largest) targets either side of the plane: wide enough that no
   edge of the final size spans it, narrow enough to be a few percent of the surface. */
#define BAND_HALF_WIDTH_TARGETS 1.5
/* The band is remeshed with this many rings of the halves' triangles around it: the lines
   where band and halves met (frozen while the halves were remeshed) move then like any other
   vertex. All of it is projected onto the input near the cut, not onto the halves' triangles. */
#define MARGIN_RINGS 2

/* A part of the surface remeshed on its own: the triangles to remesh, then (frozen) the other
   triangles that share a vertex with them. */
typedef struct {
  TwinfeSurface            sub;
  PetscReal               *target;     /* per triangle of sub: its target, 0 in the frozen ring; then of the result */
  PetscInt                *global;     /* vertex of sub -> vertex of the surface it came from */
  PetscInt                 nactive;    /* sub's first nactive triangles are remeshed */
  PetscInt                 nfrozen_in; /* and the rest is the frozen ring */
  PetscReal                max_deviation_mm, input_edge_mm;
  TwinfeSurface            reference; /* what the part is projected on (NULL: its own triangles) */
  TwinfeSurfaceRemeshStats stats;
  PetscErrorCode           ierr;
  double                   seconds; /* wall time of its remeshing, for -info */
} Part;

typedef struct {
  PetscInt v[3];
} Triple;

static int CompareTriple(const void *a, const void *b)
{
  const Triple *p = (const Triple *)a, *q = (const Triple *)b;
  for (int i = 0; i < 3; i++)
    if (p->v[i] != q->v[i]) return p->v[i] < q->v[i] ? -1 : 1;
  return 0;
}

static Triple SortedTriple(PetscInt a, PetscInt b, PetscInt c)
{
  Triple   t = {{a, b, c}};
  PetscInt s;
  if (t.v[0] > t.v[1]) s = t.v[0], t.v[0] = t.v[1], t.v[1] = s;
  if (t.v[1] > t.v[2]) s = t.v[1], t.v[1] = t.v[2], t.v[2] = s;
  if (t.v[0] > t.v[1]) s = t.v[0], t.v[0] = t.v[1], t.v[1] = s;
  return t;
}

/* ---------------------------------------------------------------- frozen vertices by place */

/* Frozen vertices keep their coordinates bit for bit through the remesher, which renumbers
   vertices: a table from coordinates to the vertex of the whole surface finds them again. */
typedef struct {
  PetscInt   cap;
  PetscReal *x;  /* 3 per slot */
  PetscInt  *id; /* -1: empty */
} PlaceTable;

static uint64_t PlaceHash(const PetscReal p[3])
{
  uint64_t h = 0x9e3779b97f4a7c15ULL, w;
  for (int d = 0; d < 3; d++) {
    memcpy(&w, p + d, sizeof w);
    h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h ^ (h >> 29);
}

static PetscErrorCode PlaceTableCreate(PetscInt n, PlaceTable *t)
{
  PetscFunctionBeginUser;
  t->cap = 16;
  while (t->cap < 2 * n + 16)
    t->cap *= 2;
  PetscCall(PetscMalloc2(3 * t->cap, &t->x, t->cap, &t->id));
  for (PetscInt i = 0; i < t->cap; i++)
    t->id[i] = -1;
  PetscFunctionReturn(0);
}

static void PlacePut(PlaceTable *t, const PetscReal p[3], PetscInt id)
{
  PetscInt s = (PetscInt)(PlaceHash(p) & (uint64_t)(t->cap - 1));
  while (t->id[s] >= 0) {
    if (!memcmp(t->x + 3 * s, p, 3 * sizeof(PetscReal))) return;
    s = (s + 1) & (t->cap - 1);
  }
  memcpy(t->x + 3 * s, p, 3 * sizeof(PetscReal));
  t->id[s] = id;
}

static PetscInt PlaceGet(const PlaceTable *t, const PetscReal p[3])
{
  PetscInt s = (PetscInt)(PlaceHash(p) & (uint64_t)(t->cap - 1));
  while (t->id[s] >= 0) {
    if (!memcmp(t->x + 3 * s, p, 3 * sizeof(PetscReal))) return t->id[s];
    s = (s + 1) & (t->cap - 1);
  }
  return -1;
}

/* ---------------------------------------------------------------- extracting a part */

/* The part of s made of the triangles with active[t] (with their targets), and the frozen ring
   around them. */
static PetscErrorCode PartExtract(TwinfeSurface s, const PetscBool active[], const PetscReal target[], Part *p)
{
  PetscInt  *local, nsub = 0, nv = 0, k = 0;
  PetscBool *touched;
  PetscReal *x;
  PetscInt  *tri;
  int32_t   *lab;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(s->nvertices, &touched));
  PetscCall(PetscMalloc1(s->nvertices, &local));
  p->nactive = 0;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    if (active[t]) {
      p->nactive++;
      for (int c = 0; c < 3; c++)
        touched[s->tri[3 * t + c]] = PETSC_TRUE;
    }
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt *T = s->tri + 3 * t;
    if (active[t] || touched[T[0]] || touched[T[1]] || touched[T[2]]) nsub++;
  }
  for (PetscInt v = 0; v < s->nvertices; v++)
    local[v] = -1;
  PetscCall(PetscMalloc3(3 * s->nvertices, &x, 3 * nsub, &tri, 2 * nsub, &lab));
  PetscCall(PetscMalloc1(nsub + 1, &p->target));
  PetscCall(PetscMalloc1(s->nvertices, &p->global));
  for (int frozen = 0; frozen < 2; frozen++) /* the active triangles first, then the ring */
    for (PetscInt t = 0; t < s->ntriangles; t++) {
      const PetscInt *T = s->tri + 3 * t;
      if (frozen ? active[t] || !(touched[T[0]] || touched[T[1]] || touched[T[2]]) : !active[t]) continue;
      for (int c = 0; c < 3; c++) {
        if (local[T[c]] < 0) {
          local[T[c]]   = nv;
          p->global[nv] = T[c];
          PetscCall(PetscArraycpy(x + 3 * nv, s->xyz + 3 * T[c], 3));
          nv++;
        }
        tri[3 * k + c] = local[T[c]];
      }
      lab[2 * k] = s->labels[2 * t], lab[2 * k + 1] = s->labels[2 * t + 1];
      p->target[k++] = frozen ? 0 : target[t];
    }
  p->nfrozen_in = nsub - p->nactive;
  PetscCall(TwinfeSurfaceCreateOwning_Private(nv, x, nsub, tri, lab, &p->sub));
  PetscCall(PetscFree(local));
  PetscCall(PetscFree(touched));
  PetscFunctionReturn(0);
}

static PetscErrorCode PartDestroy(Part *p)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeSurfaceDestroy(&p->sub));
  PetscCall(PetscFree(p->target));
  PetscCall(PetscFree(p->global));
  PetscFunctionReturn(0);
}

/* The frozen vertices of p by place, and its frozen triangles as sorted triples of vertices of
   the whole surface. Called before the remesher renumbers p->sub. */
static PetscErrorCode PartRememberFrozen(const Part *p, PlaceTable *places, Triple **ring, PetscInt *nring)
{
  const TwinfeSurface sub = p->sub;

  PetscFunctionBeginUser;
  *nring = sub->ntriangles - p->nactive;
  PetscCall(PlaceTableCreate(3 * *nring, places));
  PetscCall(PetscMalloc1(*nring + 1, ring));
  for (PetscInt t = p->nactive; t < sub->ntriangles; t++) {
    const PetscInt *T = sub->tri + 3 * t;
    for (int c = 0; c < 3; c++)
      PlacePut(places, sub->xyz + 3 * T[c], p->global[T[c]]);
    (*ring)[t - p->nactive] = SortedTriple(p->global[T[0]], p->global[T[1]], p->global[T[2]]);
  }
  qsort(*ring, (size_t)*nring, sizeof(Triple), CompareTriple);
  PetscFunctionReturn(0);
}

static int RemeshPartThread(void *arg)
{
  Part           *p = (Part *)arg;
  struct timespec t0, t1;
  timespec_get(&t0, TIME_UTC);
  p->ierr = TwinfeSurfaceRemeshTargets_Private(p->sub, &p->target, PETSC_TRUE, p->reference, p->max_deviation_mm,
                                               p->input_edge_mm, &p->stats);
  timespec_get(&t1, TIME_UTC);
  p->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  return 0;
}

/* ---------------------------------------------------------------- splicing parts back */

typedef struct {
  PlaceTable places;
  Triple    *ring;
  PetscInt   nring;
} Frozen;

/* s with its triangles replaced[t] swapped for the remeshed parts' triangles (their frozen ring
   left out: s keeps those), and *target (per triangle) with them. The kept triangles come first
   in the result, in s's order. */
static PetscErrorCode Splice(TwinfeSurface s, PetscReal **target, const PetscBool replaced[], PetscInt nparts, Part parts[],
                             Frozen frozen[], PetscInt *nkept)
{
  PetscInt  *newid, nv = 0, nt = 0, ntmax = 0, nvmax = s->nvertices;
  PetscReal *x, *h;
  PetscInt  *tri;
  int32_t   *lab;

  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < nparts; i++)
    nvmax += parts[i].sub->nvertices, ntmax += parts[i].sub->ntriangles;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    ntmax += !replaced[t];
  PetscCall(PetscMalloc1(s->nvertices, &newid));
  PetscCall(PetscMalloc3(3 * nvmax, &x, 3 * ntmax, &tri, 2 * ntmax, &lab));
  PetscCall(PetscMalloc1(ntmax + 1, &h));
  for (PetscInt v = 0; v < s->nvertices; v++)
    newid[v] = -1;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    if (replaced[t]) continue;
    for (int c = 0; c < 3; c++) {
      PetscInt v = s->tri[3 * t + c];
      if (newid[v] < 0) {
        newid[v] = nv;
        PetscCall(PetscArraycpy(x + 3 * nv++, s->xyz + 3 * v, 3));
      }
      tri[3 * nt + c] = newid[v];
    }
    lab[2 * nt] = s->labels[2 * t], lab[2 * nt + 1] = s->labels[2 * t + 1];
    h[nt++] = (*target)[t];
  }
  *nkept = nt;
  for (PetscInt i = 0; i < nparts; i++) {
    const TwinfeSurface sub = parts[i].sub;
    PetscInt           *map, *orig;
    PetscCall(PetscMalloc2(sub->nvertices, &map, sub->nvertices, &orig));
    for (PetscInt v = 0; v < sub->nvertices; v++) {
      orig[v] = PlaceGet(&frozen[i].places, sub->xyz + 3 * v);
      if (orig[v] >= 0 && newid[orig[v]] >= 0)
        map[v] = newid[orig[v]];
      else {
        orig[v] = -1;
        map[v]  = nv;
        PetscCall(PetscArraycpy(x + 3 * nv++, sub->xyz + 3 * v, 3));
      }
    }
    for (PetscInt t = 0; t < sub->ntriangles; t++) {
      const PetscInt *T = sub->tri + 3 * t;
      if (orig[T[0]] >= 0 && orig[T[1]] >= 0 && orig[T[2]] >= 0) {
        Triple key = SortedTriple(orig[T[0]], orig[T[1]], orig[T[2]]);
        if (bsearch(&key, frozen[i].ring, (size_t)frozen[i].nring, sizeof(Triple), CompareTriple)) continue; /* s has it */
      }
      for (int c = 0; c < 3; c++)
        tri[3 * nt + c] = map[T[c]];
      lab[2 * nt] = sub->labels[2 * t], lab[2 * nt + 1] = sub->labels[2 * t + 1];
      h[nt++] = parts[i].target[t];
    }
    PetscCall(PetscFree2(map, orig));
  }
  PetscCall(PetscFree(newid));
  PetscCall(PetscFree3(s->xyz, s->tri, s->labels));
  s->xyz = x, s->tri = tri, s->labels = lab;
  s->nvertices = nv, s->ntriangles = nt;
  PetscCall(PetscFree(*target));
  *target = h;
  PetscFunctionReturn(0);
}

/* Remesh the parts of s given by the masks (disjoint), on threads when allowed, and splice
   them back into s. */
static PetscErrorCode RemeshParts(TwinfeSurface s, PetscReal **target, PetscInt nparts, PetscBool *masks[],
                                  TwinfeSurface reference, PetscReal dev, PetscReal input_edge, PetscBool threads,
                                  PetscReal *max_dev, PetscInt *nkept)
{
  Part       parts[2];
  Frozen     frozen[2];
  PetscBool *replaced;
  thrd_t     worker;
  PetscBool  started = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCheck(nparts >= 1 && nparts <= 2, PETSC_COMM_SELF, PETSC_ERR_PLIB, "1 or 2 parts, not %" PetscInt_FMT, nparts);
  PetscCall(PetscCalloc1(s->ntriangles, &replaced));
  for (PetscInt i = 0; i < nparts; i++) {
    PetscCall(PetscMemzero(&parts[i], sizeof(Part)));
    PetscCall(PartExtract(s, masks[i], *target, &parts[i]));
    PetscCall(PartRememberFrozen(&parts[i], &frozen[i].places, &frozen[i].ring, &frozen[i].nring));
    parts[i].max_deviation_mm = dev, parts[i].input_edge_mm = input_edge, parts[i].reference = reference;
    for (PetscInt t = 0; t < s->ntriangles; t++)
      if (masks[i][t]) replaced[t] = PETSC_TRUE;
  }
  if (threads && nparts == 2) started = (PetscBool)(thrd_create(&worker, RemeshPartThread, &parts[1]) == thrd_success);
  RemeshPartThread(&parts[0]);
  if (started)
    thrd_join(worker, NULL);
  else if (nparts == 2 && !parts[0].ierr)
    RemeshPartThread(&parts[1]);
  for (PetscInt i = 0; i < nparts; i++)
    PetscCall(parts[i].ierr);
  *max_dev = 0;
  for (PetscInt i = 0; i < nparts; i++) {
    *max_dev = PetscMax(*max_dev, parts[i].stats.max_deviation_mm);
    PetscCall(PetscInfo(NULL,
                        "part %" PetscInt_FMT " of %" PetscInt_FMT ": %" PetscInt_FMT " triangles (%" PetscInt_FMT
                        " frozen) remeshed in %.3f s\n",
                        i, nparts, parts[i].nactive, parts[i].nfrozen_in, parts[i].seconds));
  }
  PetscCall(Splice(s, target, replaced, nparts, parts, frozen, nkept));
  for (PetscInt i = 0; i < nparts; i++) {
    PetscCall(PartDestroy(&parts[i]));
    PetscCall(PetscFree2(frozen[i].places.x, frozen[i].places.id));
    PetscCall(PetscFree(frozen[i].ring));
  }
  PetscCall(PetscFree(replaced));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the cut */

static int CompareReal(const void *a, const void *b)
{
  PetscReal p = *(const PetscReal *)a, q = *(const PetscReal *)b;
  return p < q ? -1 : p > q;
}

/* The two pieces must not touch (each freezes what the other changes): a triangle longer than
   the band is wide could reach across it, so triangles at a vertex both pieces use join the
   band. One sweep suffices: a vertex shared by a remaining triangle of each piece was shared
   before. */
static PetscErrorCode SeparatePieces(TwinfeSurface s, int side[])
{
  unsigned char *used;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(s->nvertices, &used));
  for (PetscInt t = 0; t < s->ntriangles; t++)
    if (side[t] < 2)
      for (int c = 0; c < 3; c++)
        used[s->tri[3 * t + c]] |= (unsigned char)(1 << side[t]);
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt *T = s->tri + 3 * t;
    if (side[t] < 2 && (used[T[0]] == 3 || used[T[1]] == 3 || used[T[2]] == 3)) side[t] = 2;
  }
  PetscCall(PetscFree(used));
  PetscFunctionReturn(0);
}

/* side[t]: 0 or 1 for the two pieces, 2 for the band; by the triangle's centroid along the
   axis of the largest extent, around the median centroid. */
static PetscErrorCode ChooseSides(TwinfeSurface s, PetscReal half_width, int side[], PetscInt count[3], int *cut_axis,
                                  PetscReal *cut_at)
{
  PetscReal  lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {PETSC_MIN_REAL, PETSC_MIN_REAL, PETSC_MIN_REAL};
  PetscReal *c, cut;
  int        axis = 0;

  PetscFunctionBeginUser;
  for (PetscInt v = 0; v < s->nvertices; v++)
    for (int d = 0; d < 3; d++)
      lo[d] = PetscMin(lo[d], s->xyz[3 * v + d]), hi[d] = PetscMax(hi[d], s->xyz[3 * v + d]);
  for (int d = 1; d < 3; d++)
    if (hi[d] - lo[d] > hi[axis] - lo[axis]) axis = d;
  PetscCall(PetscMalloc1(s->ntriangles, &c));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt *T = s->tri + 3 * t;
    c[t]              = (s->xyz[3 * T[0] + axis] + s->xyz[3 * T[1] + axis] + s->xyz[3 * T[2] + axis]) / 3;
  }
  {
    PetscReal *sorted;
    PetscCall(PetscMalloc1(s->ntriangles, &sorted));
    PetscCall(PetscArraycpy(sorted, c, s->ntriangles));
    qsort(sorted, (size_t)s->ntriangles, sizeof(PetscReal), CompareReal);
    cut = sorted[s->ntriangles / 2];
    PetscCall(PetscFree(sorted));
  }
  for (PetscInt t = 0; t < s->ntriangles; t++)
    side[t] = c[t] < cut - half_width ? 0 : c[t] > cut + half_width ? 1 : 2;
  PetscCall(PetscFree(c));
  PetscCall(SeparatePieces(s, side));
  count[0] = count[1] = count[2] = 0;
  for (PetscInt t = 0; t < s->ntriangles; t++)
    count[side[t]]++;
  *cut_axis = axis, *cut_at = cut;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- statistics of the whole */

/* Mean edge and least angle over the triangles remeshed (a target > 0). */
static void WholeStats(TwinfeSurface s, const PetscReal target[], TwinfeSurfaceRemeshStats *st)
{
  PetscReal sum = 0, amin = 180;
  PetscInt  ne = 0;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt  *T    = s->tri + 3 * t;
    const PetscReal *p[3] = {s->xyz + 3 * T[0], s->xyz + 3 * T[1], s->xyz + 3 * T[2]};
    PetscReal        len[3];
    if (!(target[t] > 0)) continue;
    for (int e = 0; e < 3; e++) {
      const PetscReal *a = p[e], *b = p[(e + 1) % 3];
      len[e] = PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      sum += len[e], ne++;
    }
    for (int e = 0; e < 3; e++) { /* the angle opposite edge e, by the law of cosines */
      PetscReal a = len[(e + 1) % 3], b = len[(e + 2) % 3], cosine;
      if (a <= 0 || b <= 0) {
        amin = 0;
        continue;
      }
      cosine = (a * a + b * b - len[e] * len[e]) / (2 * a * b);
      amin   = PetscMin(amin, PetscAcosReal(PetscMax(-1, PetscMin(1, cosine))) * 180 / PETSC_PI);
    }
  }
  st->mean_edge_mm  = ne ? sum / ne : 0;
  st->min_angle_deg = ne ? amin : 0;
}

/* ---------------------------------------------------------------- the driver */

/* The triangles of s whose centroid lies within reach of the plane x[axis] = cut. */
static PetscErrorCode ExtractZone(TwinfeSurface s, int axis, PetscReal cut, PetscReal reach, TwinfeSurface *zone)
{
  PetscInt  *newid, nv = 0, nt = 0;
  PetscReal *x;
  PetscInt  *tri;
  int32_t   *lab;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(s->nvertices, &newid));
  for (PetscInt v = 0; v < s->nvertices; v++)
    newid[v] = -1;
  PetscCall(PetscMalloc3(3 * s->nvertices, &x, 3 * s->ntriangles, &tri, 2 * s->ntriangles, &lab));
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt *T = s->tri + 3 * t;
    if (PetscAbsReal((s->xyz[3 * T[0] + axis] + s->xyz[3 * T[1] + axis] + s->xyz[3 * T[2] + axis]) / 3 - cut) > reach) continue;
    for (int c = 0; c < 3; c++) {
      if (newid[T[c]] < 0) {
        newid[T[c]] = nv;
        PetscCall(PetscArraycpy(x + 3 * nv++, s->xyz + 3 * T[c], 3));
      }
      tri[3 * nt + c] = newid[T[c]];
    }
    lab[2 * nt] = s->labels[2 * t], lab[2 * nt + 1] = s->labels[2 * t + 1];
    nt++;
  }
  PetscCall(PetscFree(newid));
  PetscCall(TwinfeSurfaceCreateOwning_Private(nv, x, nt, tri, lab, zone));
  PetscFunctionReturn(0);
}

/* Adds to mask every triangle that shares a vertex with one in it. */
static PetscErrorCode GrowByRing(TwinfeSurface s, PetscBool mask[])
{
  PetscBool *touched;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(s->nvertices, &touched));
  for (PetscInt t = 0; t < s->ntriangles; t++)
    if (mask[t])
      for (int c = 0; c < 3; c++)
        touched[s->tri[3 * t + c]] = PETSC_TRUE;
  for (PetscInt t = 0; t < s->ntriangles; t++) {
    const PetscInt *T = s->tri + 3 * t;
    if (touched[T[0]] || touched[T[1]] || touched[T[2]]) mask[t] = PETSC_TRUE;
  }
  PetscCall(PetscFree(touched));
  PetscFunctionReturn(0);
}

static PetscErrorCode ChoosePiecesAndThreads(TwinfeSurface s, PetscInt *npieces, PetscInt *nthreads)
{
  PetscBool malloc_debug = PETSC_FALSE, eachcall = PETSC_FALSE, nan = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (*npieces < 0) {
    *npieces = s->ntriangles >= PIECES_MIN_TRIANGLES ? 2 : 1;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-surface_remesh_pieces", npieces, NULL));
  }
  PetscCheck(*npieces == 1 || *npieces == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_remesh_pieces %" PetscInt_FMT " is not supported: give 1 (the whole surface at once) or 2 (two halves "
             "and the band between them; the default from %d triangles)",
             *npieces, PIECES_MIN_TRIANGLES);
  if (*nthreads < 0) PetscCall(TwinfeGetThreads(nthreads));
  PetscCheck(*nthreads >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceRemeshInPieces: %" PetscInt_FMT " threads: give 1 or more (2 pieces use at most 2)", *nthreads);
  PetscCall(PetscMallocGetDebug(&malloc_debug, &eachcall, &nan));
  if (malloc_debug) *nthreads = 1;
  PetscFunctionReturn(0);
}

/* -log_view: set-up (targets, caps, the cut), the halves, the band, the statistics */
static PetscLogEvent event[4] = {-1, -1, -1, -1};

static PetscErrorCode RemeshInPieces(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[], const PetscReal target_mm[],
                                     PetscReal max_deviation_mm, PetscInt npieces, PetscInt nthreads,
                                     TwinfeSurfaceRemeshStats *stats)
{
  PetscReal     hmax = 0, dev_pieces = 0, dev_band = 0, input_edge, *target, cut = 0;
  PetscInt      count[3], nin, nkept;
  int          *side, axis = 0;
  PetscBool    *mask[2];
  TwinfeSurface zone;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  PetscCall(ChoosePiecesAndThreads(surface, &npieces, &nthreads));
  for (PetscInt l = 0; l < nlabels; l++)
    if (PetscIsNormalReal(target_mm[l])) hmax = PetscMax(hmax, target_mm[l]);
  if (npieces == 1 || hmax <= 0) {
    PetscCall(TwinfeSurfaceRemesh(surface, nlabels, labels, target_mm, max_deviation_mm, stats));
    PetscFunctionReturn(0);
  }
  /* checked whole by TwinfeSurfaceRemesh; the parts would report it for a piece */
  PetscCheck(max_deviation_mm > 0 && PetscIsNormalReal(max_deviation_mm), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceRemesh: the deviation bound %g mm must be a positive number (a fraction of the voxel size, e.g. "
             "half a voxel)",
             (double)max_deviation_mm);
  nin        = surface->ntriangles;
  input_edge = TwinfeSurfaceMeanEdge_Private(surface->xyz, surface->ntriangles, surface->tri);
  PetscCall(PetscMalloc1(nin, &side));
  PetscCall(ChooseSides(surface, BAND_HALF_WIDTH_TARGETS * hmax, side, count, &axis, &cut));
  if (!count[0] || !count[1] || !count[2]) { /* nothing to part: remesh it whole */
    PetscCall(PetscFree(side));
    PetscCall(TwinfeSurfaceRemesh(surface, nlabels, labels, target_mm, max_deviation_mm, stats));
    PetscFunctionReturn(0);
  }
  /* the targets of the whole surface, capped per connected piece of each label before any cut
     (a part would see a piece cut open) */
  PetscCall(TwinfeLogBegin_Private("TwinfeRmSetUp", &event[0]));
  PetscCall(PetscMalloc1(nin + 1, &target));
  PetscCall(TwinfeSurfaceRemeshLabelTargets_Private(surface, nlabels, labels, target_mm, target));
  PetscCall(TwinfeSurfaceRemeshCapTargets_Private(surface, target));
  PetscCall(PetscMalloc2(nin, &mask[0], nin, &mask[1]));
  for (PetscInt t = 0; t < nin; t++)
    mask[0][t] = (PetscBool)(side[t] == 0), mask[1][t] = (PetscBool)(side[t] == 1);
  PetscCall(PetscFree(side));
  PetscCall(PetscInfo(NULL,
                      "remeshing in 2 pieces of %" PetscInt_FMT " and %" PetscInt_FMT " triangles on %" PetscInt_FMT
                      " thread(s), then a band of %" PetscInt_FMT "\n",
                      count[0], count[1], PetscMin(nthreads, 2), count[2]));
  /* the input near the cut, which the band is projected on: the halves' triangles beside it
     were remeshed once already, and remeshing them again on themselves would shave small parts */
  PetscCall(ExtractZone(surface, axis, cut, (BAND_HALF_WIDTH_TARGETS + MARGIN_RINGS + 2) * hmax, &zone));
  PetscCall(PetscLogEventEnd(event[0], 0, 0, 0, 0));
  PetscCall(TwinfeLogBegin_Private("TwinfeRmHalves", &event[1]));
  PetscCall(
      RemeshParts(surface, &target, 2, mask, NULL, max_deviation_mm, input_edge, (PetscBool)(nthreads > 1), &dev_pieces, &nkept));
  PetscCall(PetscLogEventEnd(event[1], 0, 0, 0, 0));
  PetscCall(PetscFree2(mask[0], mask[1]));
  /* the band: the triangles Splice kept, which come first, and the halves' triangles next to
     it, so that the lines where they met are remeshed too */
  PetscCall(PetscCalloc1(surface->ntriangles, &mask[0]));
  for (PetscInt t = 0; t < nkept; t++)
    mask[0][t] = PETSC_TRUE;
  for (int ring = 0; ring < MARGIN_RINGS; ring++)
    PetscCall(GrowByRing(surface, mask[0]));
  PetscCall(TwinfeLogBegin_Private("TwinfeRmBand", &event[2]));
  PetscCall(RemeshParts(surface, &target, 1, mask, zone, max_deviation_mm, input_edge, PETSC_FALSE, &dev_band, &nkept));
  PetscCall(PetscLogEventEnd(event[2], 0, 0, 0, 0));
  PetscCall(TwinfeSurfaceDestroy(&zone));
  PetscCall(PetscFree(mask[0]));
  if (stats) {
    PetscCall(TwinfeLogBegin_Private("TwinfeRmStats", &event[3]));
    PetscCall(PetscMemzero(stats, sizeof(*stats)));
    stats->triangles_in     = nin;
    stats->triangles_out    = surface->ntriangles;
    stats->max_deviation_mm = PetscMax(dev_pieces, dev_band);
    WholeStats(surface, target, stats);
    PetscCall(TwinfeSurfaceCountSelfIntersections(surface, &stats->self_intersections));
    PetscCall(PetscLogEventEnd(event[3], 0, 0, 0, 0));
  }
  PetscCall(PetscFree(target));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSurfaceRemeshInPieces(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[],
                                           const PetscReal target_mm[], PetscReal max_deviation_mm, PetscInt npieces,
                                           PetscInt nthreads, TwinfeSurfaceRemeshStats *stats)
{
  PetscBool      pseudo;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  /* caps as label pairs of their own in every part (caps.c); back, with their tags, after */
  PetscCall(TwinfeSurfaceCapsToPseudo_Private(surface, &pseudo));
  ierr = RemeshInPieces(surface, nlabels, labels, target_mm, max_deviation_mm, npieces, nthreads, stats);
  if (pseudo) PetscCall(TwinfeSurfaceCapsFromPseudo_Private(surface));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
