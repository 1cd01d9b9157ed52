/* Multi-label surface nets on the label grid (TwinfeSurfaceCreateFromImage).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every voxel face between two different region labels becomes a quad with a vertex at
 * each of its four voxel corners, split into two triangles along the same diagonal. A
 * corner shared by several faces is one vertex, so each region's boundary is closed and
 * each interface between two regions exists once (VTK 9.1's discrete contouring cannot
 * give that: docs/stack-measurements.md). The vertices sit exactly on voxel corners: the enclosed
 * volume is the voxel volume; TwinfeSurfaceSmooth then moves them. */
#include "surface_impl.h"
#include "core/core_impl.h"

/* The facet tag convention (include/twinfe/core.h) holds labels in [0, 999]; larger image labels
   are renumbered before this stage (TwinfeImageRelabel). */
#define TWINFE_MAX_REGION_LABEL 999

/* The region label of every voxel of the box that holds the regions (the image often has
   them in a third of its volume), on a grid padded by one background voxel on each side so
   that regions touching the box's (and the image's) border close. */
typedef struct {
  PetscInt  off[3]; /* image index of the box's first voxel */
  PetscInt  n[3];   /* box dims */
  PetscInt  p[3];   /* padded dims = n + 2 */
  int16_t  *region; /* p[0]*p[1]*p[2] */
  PetscInt  c[3];   /* corner grid dims = n + 1 */
  PetscInt *vertex; /* corner -> vertex id or -1 */
  /* -surface_caps: the box's low / high padding along each axis lies outside the image (the
     box reaches the image's border there), so a face against it is a cap */
  PetscBool caps, outside_lo[3], outside_hi[3];
} TwinfeNetsGrid;

static PetscErrorCode TwinfeNetsRegions_Private(TwinfeImage image, PetscInt nlabels, const int32_t labels[], TwinfeNetsGrid *g)
{
  int16_t   table[TWINFE_MAX_REGION_LABEL + 1] = {0};
  int32_t  *img;
  PetscInt  dims[3], hi[3];
  PetscBool any;
  size_t    np;

  PetscFunctionBeginUser;
  PetscCheck(nlabels > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceCreateFromImage: nlabels = %" PetscInt_FMT ", at least one label is needed", nlabels);
  for (PetscInt l = 0; l < nlabels; l++) {
    PetscCheck(labels[l] > 0 && labels[l] <= TWINFE_MAX_REGION_LABEL, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfeSurfaceCreateFromImage: label %d is outside [1, %d] (0 is background; facet tags hold labels "
               "up to %d): renumber larger labels first with TwinfeImageRelabel, as a case does",
               (int)labels[l], TWINFE_MAX_REGION_LABEL, TWINFE_MAX_REGION_LABEL);
    table[labels[l]] = (int16_t)labels[l];
  }
  PetscCall(TwinfeImageGetDimensions(image, dims));
  PetscCall(TwinfeImageGetLabels(image, &img));
  PetscCall(TwinfeImageGetLabelBox(image, nlabels, labels, g->off, hi, &any));
  for (int d = 0; d < 3; d++) /* no voxel of a region: a box of one voxel, which has no face */
    g->n[d] = any ? hi[d] - g->off[d] + 1 : 1, g->off[d] = any ? g->off[d] : 0;
  for (int d = 0; d < 3; d++) {
    g->p[d] = g->n[d] + 2, g->c[d] = g->n[d] + 1;
    g->outside_lo[d] = (PetscBool)(any && g->off[d] == 0);
    g->outside_hi[d] = (PetscBool)(any && g->off[d] + g->n[d] == dims[d]);
  }
  np = (size_t)g->p[0] * g->p[1] * g->p[2];
  PetscCall(PetscCalloc1(np, &g->region));
  for (PetscInt k = 0; k < g->n[2]; k++)
    for (PetscInt j = 0; j < g->n[1]; j++) {
      const int32_t *row = img + g->off[0] + (size_t)dims[0] * ((j + g->off[1]) + (size_t)dims[1] * (k + g->off[2]));
      int16_t       *out = g->region + 1 + (size_t)g->p[0] * ((j + 1) + (size_t)g->p[1] * (k + 1));
      for (PetscInt i = 0; i < g->n[0]; i++) {
        int32_t l = row[i];
        out[i]    = (l > 0 && l <= TWINFE_MAX_REGION_LABEL) ? table[l] : 0;
      }
    }
  PetscFunctionReturn(0);
}

/* The four corners of the face whose normal is +axis, counter-clockwise seen from +axis:
   with u = axis+1, w = axis+2 (cyclic), e_u x e_w = e_axis, so (0,0),(1,0),(1,1),(0,1) in (u,w). */
static inline void TwinfeFaceCorners_Private(const TwinfeNetsGrid *g, int axis, const PetscInt hi[3], PetscInt q[4])
{
  static const int du[4] = {0, 1, 1, 0}, dw[4] = {0, 0, 1, 1};
  const int        u = (axis + 1) % 3, w = (axis + 2) % 3;
  for (int m = 0; m < 4; m++) {
    PetscInt cc[3];
    /* padded voxel hi has index hi-1 in the image; its low face along axis is corner hi-1 */
    cc[axis] = hi[axis] - 1;
    cc[u]    = hi[u] - 1 + du[m];
    cc[w]    = hi[w] - 1 + dw[m];
    q[m]     = cc[0] + g->c[0] * (cc[1] + g->c[1] * cc[2]);
  }
}

/* The image face (2 * axis + side) a face of the padded grid lies on when the voxel across it
   is outside the image, else -1: hi == 1 has the padding below it, hi == n + 1 is the padding. */
static int TwinfeCapFace_Private(const TwinfeNetsGrid *g, int axis, const PetscInt hi[3])
{
  if (!g->caps) return -1;
  if (hi[axis] == 1 && g->outside_lo[axis]) return 2 * axis;
  if (hi[axis] == g->n[axis] + 1 && g->outside_hi[axis]) return 2 * axis + 1;
  return -1;
}

/* Visit every face between two different regions: the padded voxel hi and its neighbour
   lo = hi - e_axis. emit(...) gets the face's corners and its two labels. The visiting
   order is the same in both passes, so vertex and triangle numbering are deterministic. */
typedef PetscErrorCode (*TwinfeFaceVisitor)(TwinfeNetsGrid *, int axis, const PetscInt q[4], int16_t lo, int16_t hi, int face,
                                            void *ctx);

static PetscErrorCode TwinfeVisitFaces_Private(TwinfeNetsGrid *g, TwinfeFaceVisitor visit, void *ctx)
{
  PetscFunctionBeginUser;
  for (int axis = 0; axis < 3; axis++) {
    const size_t stride = axis == 0 ? 1 : axis == 1 ? (size_t)g->p[0] : (size_t)g->p[0] * g->p[1];
    PetscInt     hi[3], lim[3];
    for (int d = 0; d < 3; d++)
      lim[d] = d == axis ? g->n[d] + 1 : g->n[d];
    for (hi[2] = 1; hi[2] <= lim[2]; hi[2]++)
      for (hi[1] = 1; hi[1] <= lim[1]; hi[1]++) {
        const int16_t *row = g->region + (size_t)g->p[0] * (hi[1] + (size_t)g->p[1] * hi[2]);
        for (hi[0] = 1; hi[0] <= lim[0]; hi[0]++) {
          const int16_t a = row[hi[0] - stride], b = row[hi[0]];
          PetscInt      q[4];
          if (a == b) continue;
          TwinfeFaceCorners_Private(g, axis, hi, q);
          PetscCall(visit(g, axis, q, a, b, TwinfeCapFace_Private(g, axis, hi), ctx));
        }
      }
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt nvertices, nfaces;
} TwinfeNetsCount;

static PetscErrorCode TwinfeCountFace_Private(TwinfeNetsGrid *g, int axis, const PetscInt q[4], int16_t lo, int16_t hi, int face,
                                              void *ctx)
{
  TwinfeNetsCount *count = (TwinfeNetsCount *)ctx;

  PetscFunctionBeginUser;
  (void)axis, (void)lo, (void)hi, (void)face;
  for (int m = 0; m < 4; m++)
    if (g->vertex[q[m]] < 0) g->vertex[q[m]] = count->nvertices++;
  count->nfaces++;
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt *tri;
  int32_t  *labels;
  PetscInt  nt;
  PetscBool left_handed; /* det(direction) < 0 mirrors the grid, reversing orientation */
  int8_t   *face;        /* with caps: per triangle the image face it lies on, -1 if none */
} TwinfeNetsEmit;

static PetscErrorCode TwinfeEmitFace_Private(TwinfeNetsGrid *g, int axis, const PetscInt q[4], int16_t lo, int16_t hi, int face,
                                             void *ctx)
{
  TwinfeNetsEmit *e = (TwinfeNetsEmit *)ctx;
  /* the quad's order gives normal +axis (from lo to hi); the normal must go from the larger
     label (inside) to the smaller (outside) */
  const PetscBool flip = (PetscBool)((hi > lo) != e->left_handed);
  PetscInt        v[4];

  PetscFunctionBeginUser;
  (void)axis;
  for (int m = 0; m < 4; m++)
    v[m] = g->vertex[q[flip ? (4 - m) % 4 : m]];
  /* both triangles share the diagonal v0-v2 */
  for (int t = 0; t < 2; t++) {
    PetscInt *tri            = e->tri + 3 * e->nt;
    tri[0]                   = v[0];
    tri[1]                   = v[1 + t];
    tri[2]                   = v[2 + t];
    e->labels[2 * e->nt]     = PetscMax(lo, hi);
    e->labels[2 * e->nt + 1] = PetscMin(lo, hi);
    if (e->face) e->face[e->nt] = (int8_t)face;
    e->nt++;
  }
  PetscFunctionReturn(0);
}

/* World coordinates of every used corner: corner c of the box sits at continuous image index
   off + c - 1/2. */
static PetscErrorCode TwinfeNetsVertexCoordinates_Private(TwinfeImage image, const TwinfeNetsGrid *g, PetscReal xyz[])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < g->c[2]; k++)
    for (PetscInt j = 0; j < g->c[1]; j++)
      for (PetscInt i = 0; i < g->c[0]; i++) {
        const PetscInt  v      = g->vertex[i + g->c[0] * (j + g->c[1] * k)];
        const PetscReal ijk[3] = {i + g->off[0] - 0.5, j + g->off[1] - 0.5, k + g->off[2] - 0.5};
        if (v >= 0) PetscCall(TwinfeImageIndexToWorld(image, ijk, xyz + 3 * v));
      }
  PetscFunctionReturn(0);
}

static PetscLogEvent nets_event = -1;

PetscErrorCode TwinfeSurfaceCreateFromImage(TwinfeImage image, PetscInt nlabels, const int32_t labels[], TwinfeSurface *surface)
{
  TwinfeNetsGrid  g;
  TwinfeNetsCount count = {0, 0};
  TwinfeNetsEmit  emit;
  PetscReal       D[9], det, *xyz;
  size_t          ncorners;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(image);
  TwinfeSurfaceCheckPointer_Private(labels);
  TwinfeSurfaceCheckPointer_Private(surface);
  *surface = NULL;
  PetscCall(TwinfeLogBegin_Private("TwinfeSurfNets", &nets_event));
  g.caps = PETSC_FALSE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-surface_caps", &g.caps, NULL));
  PetscCall(TwinfeNetsRegions_Private(image, nlabels, labels, &g));
  ncorners = (size_t)g.c[0] * g.c[1] * g.c[2];
  PetscCall(PetscMalloc1(ncorners, &g.vertex));
  for (size_t c = 0; c < ncorners; c++)
    g.vertex[c] = -1;
  PetscCall(TwinfeVisitFaces_Private(&g, TwinfeCountFace_Private, &count));
  if (count.nfaces == 0) {
    PetscCall(PetscFree(g.vertex));
    PetscCall(PetscFree(g.region));
    PetscCall(PetscLogEventEnd(nets_event, 0, 0, 0, 0));
  }
  PetscCheck(count.nfaces > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeSurfaceCreateFromImage: none of the %" PetscInt_FMT " requested labels (first: %d) has a voxel in "
             "the image, so there is no surface",
             nlabels, (int)labels[0]);

  PetscCall(PetscMalloc3(3 * count.nvertices, &xyz, 6 * count.nfaces, &emit.tri, 4 * count.nfaces, &emit.labels));
  PetscCall(TwinfeImageGetGeometry(image, NULL, NULL, D));
  det              = D[0] * (D[4] * D[8] - D[5] * D[7]) - D[1] * (D[3] * D[8] - D[5] * D[6]) + D[2] * (D[3] * D[7] - D[4] * D[6]);
  emit.left_handed = (PetscBool)(det < 0);
  emit.nt          = 0;
  emit.face        = NULL;
  if (g.caps) PetscCall(PetscMalloc1(2 * count.nfaces, &emit.face));
  PetscCall(TwinfeVisitFaces_Private(&g, TwinfeEmitFace_Private, &emit));
  PetscCall(TwinfeNetsVertexCoordinates_Private(image, &g, xyz));
  PetscCall(PetscFree(g.vertex));
  PetscCall(PetscFree(g.region));
  PetscCall(TwinfeSurfaceCreateOwning_Private(count.nvertices, xyz, emit.nt, emit.tri, emit.labels, surface));
  (*surface)->has_grid = PETSC_TRUE;
  PetscCall(TwinfeImageGetGeometry(image, (*surface)->grid_spacing, NULL, (*surface)->grid_direction));
  if (emit.face) PetscCall(TwinfeSurfaceCapsBuild_Private(*surface, image, emit.face));
  PetscCall(PetscFree(emit.face));
  PetscCall(PetscLogEventEnd(nets_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
