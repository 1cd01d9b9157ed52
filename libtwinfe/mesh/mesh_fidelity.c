/* Fidelity of a mesh to the label map it came from (include/twinfe/fidelity.h).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Everything is measured in the voxel frame u = D^T (x - origin) (mm along the image's index
 * axes, voxel i centred at u = i * spacing): D is orthonormal, so distances are the world's, and
 * every voxel face is an axis-aligned rectangle there, whose distance to a point is the
 * point-to-box distance. Nearest primitives come from a bounding-volume hierarchy (median
 * splits, leaves of a few primitives, nearer child first, pruned by box distance) rather than
 * a uniform grid: a dropped component's faces lie tens of mm from any facet, and a uniform
 * grid's ring search costs the cube of that distance in cells per query. */
#include "meshimpl.h"
#include "core/core_impl.h"

#include <math.h>
#include <twinfe/core.h>
#include <twinfe/fidelity.h>

struct _p_TwinfeFidelity {
  PetscReal spacing[3], origin[3], direction[9];
  PetscInt  nlabels;
  int32_t  *labels;      /* as given */
  PetscInt *voxels;      /* per label */
  PetscInt *face_offset; /* faces of label l: faces[4 * face_offset[l] .. 4 * face_offset[l + 1]) */
  int32_t  *faces;       /* 4 per face: lattice i, j, k and axis a; the face lies at u_a = (ijk[a] - 1/2) s_a and
                            spans the voxel ijk in the other two axes */
};

/* -log_view events: the capture (one pass over the voxels) and the comparison. */
static PetscLogEvent FIDELITY_CAPTURE = -1, FIDELITY_COMPARE = -1;

static PetscErrorCode RegisterEvents(void)
{
  PetscFunctionBeginUser;
  if (FIDELITY_CAPTURE < 0) PetscCall(PetscLogEventRegister("TwinfeFidCapture", PETSC_OBJECT_CLASSID, &FIDELITY_CAPTURE));
  if (FIDELITY_COMPARE < 0) PetscCall(PetscLogEventRegister("TwinfeFidCompare", PETSC_OBJECT_CLASSID, &FIDELITY_COMPARE));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- capture */

typedef struct {
  PetscInt n, cap;
  int32_t *v; /* 4 per face */
} FaceList;

static PetscErrorCode PushFace(FaceList *list, PetscInt i, PetscInt j, PetscInt k, int axis)
{
  PetscFunctionBeginUser;
  if (list->n == list->cap) {
    int32_t *grown;
    list->cap = list->cap ? 2 * list->cap : 1024;
    PetscCall(PetscMalloc1(4 * list->cap, &grown));
    if (list->n) PetscCall(PetscArraycpy(grown, list->v, 4 * list->n));
    PetscCall(PetscFree(list->v));
    list->v = grown;
  }
  list->v[4 * list->n + 0] = (int32_t)i;
  list->v[4 * list->n + 1] = (int32_t)j;
  list->v[4 * list->n + 2] = (int32_t)k;
  list->v[4 * list->n + 3] = (int32_t)axis;
  list->n++;
  PetscFunctionReturn(0);
}

/* Label value -> index in the captured list (-1 if not captured): a table for small values (the
   usual 1..999), a binary search of a sorted copy beyond. */
typedef struct {
  PetscInt  table_len;
  PetscInt *table;
  PetscInt  n;
  int32_t  *sorted;
  PetscInt *sorted_index;
} LabelMap;

static inline PetscInt LabelIndex(const LabelMap *m, int32_t value)
{
  PetscInt lo = 0, hi;
  if (value >= 0 && value < m->table_len) return m->table[value];
  hi = m->n;
  while (lo < hi) {
    const PetscInt mid = (lo + hi) / 2;
    if (m->sorted[mid] < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->n && m->sorted[lo] == value ? m->sorted_index[lo] : -1;
}

static PetscErrorCode LabelMapCreate(PetscInt n, const int32_t labels[], LabelMap *m)
{
  PetscFunctionBeginUser;
  m->n         = n;
  m->table_len = 1024;
  PetscCall(PetscMalloc3(m->table_len, &m->table, n + 1, &m->sorted, n + 1, &m->sorted_index));
  for (PetscInt v = 0; v < m->table_len; v++)
    m->table[v] = -1;
  for (PetscInt l = 0; l < n; l++) {
    PetscInt i = l;
    if (labels[l] < m->table_len) m->table[labels[l]] = l;
    while (i > 0 && m->sorted[i - 1] > labels[l]) { /* insertion sort: a case has at most 256 labels */
      m->sorted[i]       = m->sorted[i - 1];
      m->sorted_index[i] = m->sorted_index[i - 1];
      i--;
    }
    m->sorted[i]       = labels[l];
    m->sorted_index[i] = l;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LabelMapDestroy(LabelMap *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(m->table, m->sorted, m->sorted_index));
  PetscFunctionReturn(0);
}

/* Where labels a (lower side) and b (upper side) of lattice plane (i, j, k) along axis differ,
   the face belongs to each of them that is captured. */
static inline PetscErrorCode FacePair(const LabelMap *m, FaceList lists[], int32_t a, int32_t b, PetscInt i, PetscInt j,
                                      PetscInt k, int axis)
{
  PetscInt la, lb;
  PetscFunctionBeginUser;
  la = a ? LabelIndex(m, a) : -1;
  lb = b ? LabelIndex(m, b) : -1;
  if (la >= 0) PetscCall(PushFace(&lists[la], i, j, k, axis));
  if (lb >= 0) PetscCall(PushFace(&lists[lb], i, j, k, axis));
  PetscFunctionReturn(0);
}

/* Whether rows a and b (n values) differ anywhere: an OR of XORs the compiler vectorises, so the
   common case (both rows background) costs a fraction of a nanosecond per voxel. */
static inline PetscBool RowsDiffer(const int32_t *a, const int32_t *b, PetscInt n)
{
  int32_t acc = 0;
  for (PetscInt i = 0; i < n; i++)
    acc |= a[i] ^ b[i];
  return acc ? PETSC_TRUE : PETSC_FALSE;
}

/* Faces between rows along axis 1 or 2: prev and cur are the rows below and above lattice
   plane (j, k) of that axis (a zero row outside the image). */
static PetscErrorCode ScanRowPair(const LabelMap *m, FaceList lists[], const int32_t *prev, const int32_t *cur, PetscInt nx,
                                  PetscInt j, PetscInt k, int axis)
{
  PetscFunctionBeginUser;
  if (!RowsDiffer(prev, cur, nx)) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nx; i++)
    if (prev[i] != cur[i]) PetscCall(FacePair(m, lists, prev[i], cur[i], i, j, k, axis));
  PetscFunctionReturn(0);
}

/* Faces along axis 0 inside one row (and at its two ends), and the row's voxel counts. */
static PetscErrorCode ScanRow(const LabelMap *m, FaceList lists[], PetscInt voxels[], const int32_t *row, const int32_t *zero,
                              PetscInt nx, PetscInt j, PetscInt k)
{
  PetscFunctionBeginUser;
  if (!RowsDiffer(row, zero, nx)) PetscFunctionReturn(0); /* all background */
  PetscCall(FacePair(m, lists, 0, row[0], 0, j, k, 0));
  for (PetscInt i = 0; i < nx; i++) {
    const int32_t next = i + 1 < nx ? row[i + 1] : 0;
    if (row[i]) {
      const PetscInt l = LabelIndex(m, row[i]);
      if (l >= 0) voxels[l]++;
    }
    if (row[i] != next) PetscCall(FacePair(m, lists, row[i], next, i + 1, j, k, 0));
  }
  PetscFunctionReturn(0);
}

/* Most rows of a CT are background. Which are is found first on all threads (reading the whole
   image is most of the capture's time: 0.14 s of a 68M-voxel CT on one thread); the faces are
   then collected, in the same order as ever, from the rows that hold labels and their
   neighbours only. */
static PetscErrorCode ScanImage(const int32_t *L, const PetscInt dims[3], const LabelMap *m, FaceList lists[], PetscInt voxels[])
{
  const PetscInt nx = dims[0], ny = dims[1], nz = dims[2];
  int32_t       *zero;
  unsigned char *row_used;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nx, &zero));
  PetscCall(PetscMalloc1(ny * nz + 1, &row_used));
  PetscCall(TwinfeNonzeroRows_Private(L, nx, ny * nz, row_used));
  for (PetscInt k = 0; k < nz; k++)
    for (PetscInt j = 0; j <= ny; j++) {
      const PetscBool used = j < ny && row_used[k * ny + j], used_before = j > 0 && row_used[k * ny + j - 1];
      const int32_t  *cur  = j < ny ? &L[(k * ny + j) * nx] : zero;
      const int32_t  *prev = j > 0 ? &L[(k * ny + j - 1) * nx] : zero;
      if (used) PetscCall(ScanRow(m, lists, voxels, cur, zero, nx, j, k));
      if (used || used_before) PetscCall(ScanRowPair(m, lists, prev, cur, nx, j, k, 1));
    }
  for (PetscInt k = 0; k <= nz; k++)
    for (PetscInt j = 0; j < ny; j++) {
      const PetscBool used = k < nz && row_used[k * ny + j], used_before = k > 0 && row_used[(k - 1) * ny + j];
      const int32_t  *cur  = k < nz ? &L[(k * ny + j) * nx] : zero;
      const int32_t  *prev = k > 0 ? &L[((k - 1) * ny + j) * nx] : zero;
      if (used || used_before) PetscCall(ScanRowPair(m, lists, prev, cur, nx, j, k, 2));
    }
  PetscCall(PetscFree(row_used));
  PetscCall(PetscFree(zero));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFidelityCreate(TwinfeImage image, PetscInt nlabels, const int32_t labels[], TwinfeFidelity *fidelity)
{
  TwinfeFidelity f;
  PetscInt       dims[3], total = 0;
  int32_t       *L;
  LabelMap       map;
  FaceList      *lists;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(image);
  TwinfeCheckArgNull_Private(fidelity);
  PetscCheck(nlabels >= 0 && (nlabels == 0 || labels), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "Fidelity: give the labels to capture (%" PetscInt_FMT " requested, list %s)", nlabels, labels ? "given" : "NULL");
  for (PetscInt l = 0; l < nlabels; l++) {
    PetscCheck(labels[l] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Fidelity: label %d is not positive", (int)labels[l]);
    for (PetscInt m = 0; m < l; m++)
      PetscCheck(labels[m] != labels[l], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Fidelity: label %d is listed twice",
                 (int)labels[l]);
  }
  PetscCall(RegisterEvents());
  PetscCall(PetscLogEventBegin(FIDELITY_CAPTURE, 0, 0, 0, 0));
  PetscCall(PetscNew(&f));
  PetscCall(TwinfeImageGetDimensions(image, dims));
  PetscCall(TwinfeImageGetGeometry(image, f->spacing, f->origin, f->direction));
  PetscCall(TwinfeImageGetLabels(image, &L));
  f->nlabels = nlabels;
  PetscCall(PetscMalloc3(nlabels + 1, &f->labels, nlabels + 1, &f->voxels, nlabels + 1, &f->face_offset));
  PetscCall(PetscCalloc1(nlabels + 1, &lists));
  for (PetscInt l = 0; l < nlabels; l++) {
    f->labels[l] = labels[l];
    f->voxels[l] = 0;
  }
  PetscCall(LabelMapCreate(nlabels, labels, &map));
  PetscCall(ScanImage(L, dims, &map, lists, f->voxels));
  PetscCall(LabelMapDestroy(&map));
  for (PetscInt l = 0; l < nlabels; l++) {
    f->face_offset[l] = total;
    total += lists[l].n;
  }
  f->face_offset[nlabels] = total;
  PetscCall(PetscMalloc1(4 * total + 1, &f->faces));
  for (PetscInt l = 0; l < nlabels; l++) {
    if (lists[l].n) PetscCall(PetscArraycpy(&f->faces[4 * f->face_offset[l]], lists[l].v, 4 * lists[l].n));
    PetscCall(PetscFree(lists[l].v));
  }
  PetscCall(PetscFree(lists));
  *fidelity = f;
  PetscCall(PetscLogEventEnd(FIDELITY_CAPTURE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFidelityDestroy(TwinfeFidelity *fidelity)
{
  PetscFunctionBeginUser;
  if (!fidelity || !*fidelity) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*fidelity)->labels, (*fidelity)->voxels, (*fidelity)->face_offset));
  PetscCall(PetscFree((*fidelity)->faces));
  PetscCall(PetscFree(*fidelity));
  PetscFunctionReturn(0);
}

static PetscInt CapturedIndex(TwinfeFidelity f, int32_t label)
{
  for (PetscInt l = 0; l < f->nlabels; l++)
    if (f->labels[l] == label) return l;
  return -1;
}

static PetscReal VoxelVolume(TwinfeFidelity f)
{
  return f->spacing[0] * f->spacing[1] * f->spacing[2];
}

PetscErrorCode TwinfeFidelityGetLabel(TwinfeFidelity fidelity, int32_t label, PetscInt *voxels, PetscReal *volume_mm3,
                                      PetscInt *faces)
{
  PetscInt l;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(fidelity);
  l = CapturedIndex(fidelity, label);
  PetscCheck(l >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Fidelity: label %d was not captured", (int)label);
  if (voxels) *voxels = fidelity->voxels[l];
  if (volume_mm3) *volume_mm3 = fidelity->voxels[l] * VoxelVolume(fidelity);
  if (faces) *faces = fidelity->face_offset[l + 1] - fidelity->face_offset[l];
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- nearest primitives */

/* A primitive is a box (lo, hi), and for triangles also its three corners. */
typedef struct {
  PetscInt   n;
  PetscReal *box;    /* 6 per primitive: lo[3], hi[3] */
  PetscReal *corner; /* 9 per triangle, NULL for rectangles (which are their box) */
} Prims;

typedef struct {
  PetscReal lo[3], hi[3];
  PetscInt  left, start, count; /* children left and left + 1... stored as indices; leaf when count > 0 */
  PetscInt  right;
} Node;

typedef struct {
  PetscInt   nnodes;
  Node      *nodes;
  PetscInt  *order; /* primitives, leaf by leaf */
  PetscReal *key;   /* scratch: centre coordinate of each primitive along the split axis */
} BVH;

#define LEAF_SIZE 8

static PetscReal Centre(const Prims *p, PetscInt i, int d)
{
  return 0.5 * (p->box[6 * i + d] + p->box[6 * i + 3 + d]);
}

/* Reorders order[lo..hi) so that the primitive of rank k by centre along axis d is at k, smaller
   ones before it and larger after (Hoare's selection). */
static void SelectByCentre(const Prims *p, PetscInt order[], PetscInt lo, PetscInt hi, PetscInt k, int d)
{
  hi--;
  while (hi > lo) {
    const PetscReal pivot = Centre(p, order[lo + (hi - lo) / 2], d);
    PetscInt        i = lo, j = hi;
    while (i <= j) {
      while (Centre(p, order[i], d) < pivot)
        i++;
      while (Centre(p, order[j], d) > pivot)
        j--;
      if (i <= j) {
        const PetscInt t = order[i];
        order[i++]       = order[j];
        order[j--]       = t;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      return;
  }
}

static PetscInt BuildNode(BVH *bvh, const Prims *p, PetscInt start, PetscInt count)
{
  const PetscInt id     = bvh->nnodes++;
  Node          *node   = &bvh->nodes[id];
  PetscReal      clo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL},
            chi[3]      = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  int axis              = 0;

  for (int d = 0; d < 3; d++) {
    node->lo[d] = PETSC_MAX_REAL;
    node->hi[d] = -PETSC_MAX_REAL;
  }
  for (PetscInt i = start; i < start + count; i++) {
    const PetscInt q = bvh->order[i];
    for (int d = 0; d < 3; d++) {
      node->lo[d] = PetscMin(node->lo[d], p->box[6 * q + d]);
      node->hi[d] = PetscMax(node->hi[d], p->box[6 * q + 3 + d]);
      clo[d]      = PetscMin(clo[d], Centre(p, q, d));
      chi[d]      = PetscMax(chi[d], Centre(p, q, d));
    }
  }
  node->left = node->right = -1;
  node->start              = start;
  node->count              = count;
  if (count <= LEAF_SIZE) return id;
  for (int d = 1; d < 3; d++)
    if (chi[d] - clo[d] > chi[axis] - clo[axis]) axis = d;
  SelectByCentre(p, bvh->order, start, start + count, start + count / 2, axis);
  node->count = 0;
  {
    const PetscInt left  = BuildNode(bvh, p, start, count / 2);
    const PetscInt right = BuildNode(bvh, p, start + count / 2, count - count / 2);
    bvh->nodes[id].left  = left; /* nodes[] does not move: it was sized for the whole tree */
    bvh->nodes[id].right = right;
  }
  return id;
}

static PetscErrorCode BVHCreate(const Prims *p, BVH *bvh)
{
  PetscFunctionBeginUser;
  bvh->nnodes = 0;
  PetscCall(PetscMalloc2(2 * p->n + 1, &bvh->nodes, p->n + 1, &bvh->order));
  for (PetscInt i = 0; i < p->n; i++)
    bvh->order[i] = i;
  if (p->n) (void)BuildNode(bvh, p, 0, p->n);
  PetscFunctionReturn(0);
}

static PetscErrorCode BVHDestroy(BVH *bvh)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(bvh->nodes, bvh->order));
  PetscFunctionReturn(0);
}

static PetscReal BoxDistance2(const PetscReal lo[3], const PetscReal hi[3], const PetscReal x[3])
{
  PetscReal s = 0;
  for (int d = 0; d < 3; d++) {
    const PetscReal e = x[d] < lo[d] ? lo[d] - x[d] : (x[d] > hi[d] ? x[d] - hi[d] : 0);
    s += e * e;
  }
  return s;
}

static PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Squared distance from x to triangle (a, b, c): the closest point by the Voronoi region of
   the triangle that holds x (vertex, edge or face), as in Ericson's Real-Time Collision
   Detection, 5.1.5, written from its derivation. */
static PetscReal TriangleDistance2(const PetscReal *a, const PetscReal *b, const PetscReal *c, const PetscReal x[3])
{
  PetscReal ab[3], ac[3], ax[3], bx[3], cx[3], q[3], d1, d2, d3, d4, d5, d6, va, vb, vc, v, w, den, r[3];

  for (int d = 0; d < 3; d++) {
    ab[d] = b[d] - a[d];
    ac[d] = c[d] - a[d];
    ax[d] = x[d] - a[d];
    bx[d] = x[d] - b[d];
    cx[d] = x[d] - c[d];
  }
  d1 = Dot3(ab, ax);
  d2 = Dot3(ac, ax);
  if (d1 <= 0 && d2 <= 0) return Dot3(ax, ax);
  d3 = Dot3(ab, bx);
  d4 = Dot3(ac, bx);
  if (d3 >= 0 && d4 <= d3) return Dot3(bx, bx);
  vc = d1 * d4 - d3 * d2;
  if (vc <= 0 && d1 >= 0 && d3 <= 0) {
    v = d1 / (d1 - d3);
    for (int d = 0; d < 3; d++)
      q[d] = a[d] + v * ab[d];
    goto done;
  }
  d5 = Dot3(ab, cx);
  d6 = Dot3(ac, cx);
  if (d6 >= 0 && d5 <= d6) return Dot3(cx, cx);
  vb = d5 * d2 - d1 * d6;
  if (vb <= 0 && d2 >= 0 && d6 <= 0) {
    w = d2 / (d2 - d6);
    for (int d = 0; d < 3; d++)
      q[d] = a[d] + w * ac[d];
    goto done;
  }
  va = d3 * d6 - d5 * d4;
  if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0) {
    w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
    for (int d = 0; d < 3; d++)
      q[d] = b[d] + w * (c[d] - b[d]);
    goto done;
  }
  den = 1 / (va + vb + vc);
  v   = vb * den;
  w   = vc * den;
  for (int d = 0; d < 3; d++)
    q[d] = a[d] + ab[d] * v + ac[d] * w;
done:
  for (int d = 0; d < 3; d++)
    r[d] = x[d] - q[d];
  return Dot3(r, r);
}

static PetscReal PrimDistance2(const Prims *p, PetscInt i, const PetscReal x[3])
{
  if (!p->corner) return BoxDistance2(&p->box[6 * i], &p->box[6 * i + 3], x);
  return TriangleDistance2(&p->corner[9 * i], &p->corner[9 * i + 3], &p->corner[9 * i + 6], x);
}

/* Distance from x to the nearest primitive; *hint (a primitive index, or -1) starts the bound
   and gets the nearest one, so that neighbouring queries prune most of the tree at once. */
static PetscReal Nearest(const BVH *bvh, const Prims *p, const PetscReal x[3], PetscInt *hint)
{
  PetscInt  stack[128], top = 0;
  PetscReal best = PETSC_MAX_REAL;

  if (*hint >= 0) best = PrimDistance2(p, *hint, x);
  stack[top++] = 0;
  while (top) {
    const Node *node = &bvh->nodes[stack[--top]];
    if (BoxDistance2(node->lo, node->hi, x) >= best) continue;
    if (node->count) {
      for (PetscInt i = node->start; i < node->start + node->count; i++) {
        const PetscReal d2 = PrimDistance2(p, bvh->order[i], x);
        if (d2 < best) {
          best  = d2;
          *hint = bvh->order[i];
        }
      }
    } else {
      const Node     *l = &bvh->nodes[node->left], *r = &bvh->nodes[node->right];
      const PetscBool left_first = BoxDistance2(l->lo, l->hi, x) <= BoxDistance2(r->lo, r->hi, x);
      stack[top++]               = left_first ? node->right : node->left;
      stack[top++]               = left_first ? node->left : node->right;
    }
  }
  return PetscSqrtReal(best);
}

/* ---------------------------------------------------------------- comparison */

static void ToVoxelFrame(TwinfeFidelity f, const PetscReal x[3], PetscReal u[3])
{
  const PetscReal y[3] = {x[0] - f->origin[0], x[1] - f->origin[1], x[2] - f->origin[2]};
  for (int a = 0; a < 3; a++)
    u[a] = f->direction[a] * y[0] + f->direction[3 + a] * y[1] + f->direction[6 + a] * y[2];
}

/* The captured faces of label l as boxes in the voxel frame (flat along their axis). */
static PetscErrorCode FacePrims(TwinfeFidelity f, PetscInt l, Prims *p)
{
  PetscFunctionBeginUser;
  p->n      = f->face_offset[l + 1] - f->face_offset[l];
  p->corner = NULL;
  PetscCall(PetscMalloc1(6 * p->n + 1, &p->box));
  for (PetscInt i = 0; i < p->n; i++) {
    const int32_t *face = &f->faces[4 * (f->face_offset[l] + i)];
    const int      axis = face[3];
    for (int d = 0; d < 3; d++) {
      const PetscReal s     = f->spacing[d];
      p->box[6 * i + d]     = (face[d] - 0.5) * s; /* the lattice plane, or the voxel's lower side */
      p->box[6 * i + 3 + d] = (face[d] + (d == axis ? -0.5 : 0.5)) * s;
    }
  }
  PetscFunctionReturn(0);
}

static PetscBool FacetBounds(int32_t tag, int32_t label)
{
  PetscInt larger, smaller;
  TwinfeFacetTagLabels(tag, &larger, &smaller);
  return larger == label || smaller == label ? PETSC_TRUE : PETSC_FALSE;
}

/* The region's boundary facets as triangles in the voxel frame. */
static PetscErrorCode TrianglePrims(TwinfeFidelity f, const PetscReal ux[], PetscInt nfacets, const PetscInt facets[],
                                    const int32_t tags[], int32_t label, Prims *p)
{
  PetscInt n = 0;

  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < nfacets; t++)
    if (FacetBounds(tags[t], label)) n++;
  p->n = n;
  PetscCall(PetscMalloc2(6 * n + 1, &p->box, 9 * n + 1, &p->corner));
  n = 0;
  for (PetscInt t = 0; t < nfacets; t++) {
    if (!FacetBounds(tags[t], label)) continue;
    for (int d = 0; d < 3; d++) {
      p->box[6 * n + d]     = PETSC_MAX_REAL;
      p->box[6 * n + 3 + d] = -PETSC_MAX_REAL;
    }
    for (int k = 0; k < 3; k++)
      for (int d = 0; d < 3; d++) {
        const PetscReal v            = ux[3 * facets[3 * t + k] + d];
        p->corner[9 * n + 3 * k + d] = v;
        p->box[6 * n + d]            = PetscMin(p->box[6 * n + d], v);
        p->box[6 * n + 3 + d]        = PetscMax(p->box[6 * n + 3 + d], v);
      }
    n++;
  }
  (void)f;
  PetscFunctionReturn(0);
}

/* Distances from n points to the nearest primitive, on TwinfeGetThreads threads (each point
   alone: the same values on any number of threads). */
typedef struct {
  const BVH       *bvh;
  const Prims     *prims;
  const PetscReal *x;
  PetscReal       *d;
} Queries;

static void NearestRange(PetscInt begin, PetscInt end, void *ctx)
{
  const Queries *q    = (const Queries *)ctx;
  PetscInt       hint = -1;
  for (PetscInt i = begin; i < end; i++)
    q->d[i] = Nearest(q->bvh, q->prims, &q->x[3 * i], &hint);
}

/* The mean and largest of the distances from the n points to the primitives (NAN if none). */
static PetscErrorCode DistancesMeanMax(const BVH *bvh, const Prims *prims, PetscInt n, const PetscReal x[], PetscReal *mean,
                                       PetscReal *max)
{
  Queries   q;
  PetscReal sum = 0, top = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, &q.d));
  q.bvh = bvh, q.prims = prims, q.x = x;
  PetscCall(TwinfeParallelFor_Private(n, NearestRange, &q));
  for (PetscInt i = 0; i < n; i++) /* in order: the same sum on any number of threads */
    sum += q.d[i], top = PetscMax(top, q.d[i]);
  *mean = n ? sum / n : NAN;
  *max  = n ? top : NAN;
  PetscCall(PetscFree(q.d));
  PetscFunctionReturn(0);
}

/* mesh -> voxels: every distinct vertex of the region's facets and every facet centroid. */
static PetscErrorCode MeshToVoxels(const Prims *tri, const BVH *faces, const Prims *fp, PetscInt stamp[], PetscInt mark,
                                   const PetscInt facets[], const int32_t tags[], PetscInt nfacets, int32_t label,
                                   const PetscReal ux[], TwinfeRegionFidelity *out)
{
  PetscInt   n = 0;
  PetscReal *x;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * 4 * tri->n + 3, &x)); /* at most 3 vertices and a centroid per facet */
  for (PetscInt t = 0, m = 0; t < nfacets; t++) {
    PetscReal *c;
    if (!FacetBounds(tags[t], label)) continue;
    for (int k = 0; k < 3; k++) {
      const PetscInt v = facets[3 * t + k];
      if (stamp[v] == mark) continue;
      stamp[v] = mark;
      for (int a = 0; a < 3; a++)
        x[3 * n + a] = ux[3 * v + a];
      n++;
    }
    c = &x[3 * n++];
    for (int a = 0; a < 3; a++)
      c[a] = (tri->corner[9 * m + a] + tri->corner[9 * m + 3 + a] + tri->corner[9 * m + 6 + a]) / 3;
    m++;
  }
  out->mesh_points = n;
  PetscCall(DistancesMeanMax(faces, fp, n, x, &out->mesh_to_voxels_mean_mm, &out->mesh_to_voxels_max_mm));
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

/* voxels -> mesh: the centre of every captured face of the label. */
static PetscErrorCode VoxelsToMesh(const Prims *fp, const BVH *tris, const Prims *tp, TwinfeRegionFidelity *out)
{
  PetscReal *x;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(3 * fp->n + 3, &x));
  for (PetscInt i = 0; i < fp->n; i++)
    for (int a = 0; a < 3; a++)
      x[3 * i + a] = 0.5 * (fp->box[6 * i + a] + fp->box[6 * i + 3 + a]);
  PetscCall(DistancesMeanMax(tris, tp, fp->n, x, &out->voxels_to_mesh_mean_mm, &out->voxels_to_mesh_max_mm));
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareRegion(TwinfeFidelity f, PetscInt l, const PetscReal ux[], PetscInt nfacets, const PetscInt facets[],
                                    const int32_t tags[], PetscInt stamp[], TwinfeRegionFidelity *out)
{
  Prims fp, tp;
  BVH   fb, tb;

  PetscFunctionBeginUser;
  PetscCall(FacePrims(f, l, &fp));
  PetscCall(TrianglePrims(f, ux, nfacets, facets, tags, out->label, &tp));
  out->voxel_faces = fp.n;
  if (fp.n && tp.n) {
    PetscCall(BVHCreate(&fp, &fb));
    PetscCall(BVHCreate(&tp, &tb));
    PetscCall(MeshToVoxels(&tp, &fb, &fp, stamp, l + 1, facets, tags, nfacets, out->label, ux, out));
    PetscCall(VoxelsToMesh(&fp, &tb, &tp, out));
    PetscCall(BVHDestroy(&fb));
    PetscCall(BVHDestroy(&tb));
  }
  PetscCall(PetscFree(fp.box));
  PetscCall(PetscFree2(tp.box, tp.corner));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFidelityCompareMesh(TwinfeFidelity fidelity, TwinfeMesh mesh, TwinfeRegionFidelity out[])
{
  PetscReal *ux;
  PetscInt  *stamp;

  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(fidelity);
  TwinfeCheckArgNull_Private(mesh);
  TwinfeCheckArgNull_Private(out);
  PetscCall(RegisterEvents());
  PetscCall(PetscLogEventBegin(FIDELITY_COMPARE, 0, 0, 0, 0));
  PetscCall(PetscMalloc2(3 * mesh->nvertices + 1, &ux, mesh->nvertices + 1, &stamp));
  for (PetscInt v = 0; v < mesh->nvertices; v++) {
    ToVoxelFrame(fidelity, &mesh->xyz[3 * v], &ux[3 * v]);
    stamp[v] = 0;
  }
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    const PetscInt l = CapturedIndex(fidelity, mesh->region_labels[r]);
    out[r]           = (TwinfeRegionFidelity){.label                  = mesh->region_labels[r],
                                              .voxel_volume_mm3       = NAN,
                                              .mesh_to_voxels_mean_mm = NAN,
                                              .mesh_to_voxels_max_mm  = NAN,
                                              .voxels_to_mesh_mean_mm = NAN,
                                              .voxels_to_mesh_max_mm  = NAN};
    if (l < 0) continue;
    out[r].voxels           = fidelity->voxels[l];
    out[r].voxel_volume_mm3 = fidelity->voxels[l] * VoxelVolume(fidelity);
    PetscCall(CompareRegion(fidelity, l, ux, mesh->nfacets, mesh->facets, mesh->facet_tags, stamp, &out[r]));
  }
  PetscCall(PetscFree2(ux, stamp));
  PetscCall(PetscLogEventEnd(FIDELITY_COMPARE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
