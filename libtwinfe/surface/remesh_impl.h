/* Private to the surface remesher (remesh.c, remesh_ops.c): the working mesh and the input
 * surface it is projected on.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "surface_impl.h"

/* vertex types */
#define RM_DEAD (-1)
#define RM_REGULAR 0 /* a disk of triangles with one label pair */
#define RM_CURVE 1   /* on one feature curve (two feature edges with the same key) */
#define RM_CORNER 2  /* where feature curves meet or end, or a non-disk star: never moves */
#define RM_FROZEN 3  /* touches a triangle that is kept as it is */

/* Most triangles an edge may have, and most neighbours a vertex may have, for an operation
   to touch them; beyond that the edge or vertex is left alone (real surfaces stay far below). */
#define RM_MAX_EDGE_TRIS 16
#define RM_MAX_NEIGHBOURS 128

typedef struct {
  PetscInt n;
  PetscInt t[RM_MAX_EDGE_TRIS];
} RmEdge;

typedef struct {
  /* the working mesh; capacities cv, ct */
  PetscInt   nv, nt, cv, ct;
  PetscReal *x;       /* 3 per vertex */
  PetscReal *size;    /* per vertex: the wanted edge length there (thin parts), mm */
  int8_t    *type;    /* per vertex: RM_* */
  PetscInt  *fn;      /* 2 per vertex: the two feature neighbours of a RM_CURVE vertex */
  uint64_t  *key;     /* per vertex: the key of its curve (RM_CURVE), or its label pair code */
  PetscInt  *t;       /* 3 per triangle; t[3i] < 0: deleted */
  int32_t   *lab;     /* 2 per triangle */
  PetscReal *target;  /* per triangle: wanted edge length, <= 0 kept as it is */
  PetscInt  *vs, *vt; /* vertex -> triangles CSR (vs: nv + 1) */
  PetscInt  *lock;    /* per vertex: == stamp when touched in this pass */
  PetscInt  *seen;    /* per vertex scratch stamp */
  PetscInt   stamp;
  PetscInt  *tmark, *tpos; /* per triangle scratch stamps of the clash check */
  /* per vertex: when it or its star last changed, and when relaxation last left it where it
     was (ticks of one counter): a vertex settled after every change around it stays put */
  PetscInt *touched, *settled;
  PetscInt  tick;
  PetscBool classified; /* the vertex classes are true: no split, collapse or compaction since */
  int8_t   *restar;     /* per vertex: its star changed since it was last classified */
  PetscInt  tstamp;
  /* the input surface */
  PetscInt         onv, ont, noseg;
  PetscReal       *ox, *on, *ocen; /* vertices; unit normal per triangle; bounding sphere (centre, radius) per triangle */
  PetscInt        *ot, *oseg;
  uint64_t        *ocode, *osegkey; /* label pair code per triangle, curve key per feature segment */
  TwinfeBoxGrid    otg, osg;
  PetscReal        maxdev, reach; /* deviation bound; first search radius of projections */
  PetscInt        *hint;          /* 2: the input triangle and segment found last (a first guess), or -1 */
  PetscInt        *vhint;         /* per vertex: the input triangle closest to it last time, or -1 */
  PetscInt        *thint;         /* per triangle: an input triangle near its centroid last time, or -1 */
  PetscReal        min_angle;     /* radians: no operation makes a triangle's least angle smaller than this */
  PetscReal        min_angle_cos; /* its cosine */
  PetscReal        wedge_cos;     /* cosine of the least angle two triangles on one edge may open */
  PetscReal        corner_sin;    /* sine of the least angle between two triangles that share only a vertex */
  const PetscBool *pseudo;        /* labels that are caps' pseudo labels (NULL: none): no piece caps for them */
  /* split bookkeeping: open-addressing hash (a, b) -> new vertex */
  PetscInt  hcap;
  uint64_t *hkey;
  PetscInt *hval;
} Rm;

static inline void RmTouch(Rm *m, PetscInt v)
{
  m->touched[v] = ++m->tick;
}

static inline uint64_t RmPairCode(const int32_t *lab)
{
  return (uint64_t)lab[0] * 1000u + (uint64_t)lab[1];
}

PETSC_INTERN PetscErrorCode RmBuildStars(Rm *m);
PETSC_INTERN void           RmEdgeTriangles(const Rm *m, PetscInt a, PetscInt b, RmEdge *e);
PETSC_INTERN PetscBool      RmEdgeIsFeature(const Rm *m, const RmEdge *e);
PETSC_INTERN uint64_t       RmEdgeKey(const Rm *m, const RmEdge *e);
/* The wanted length of edge ab, or 0 when it must be left alone. */
PETSC_INTERN PetscReal      RmEdgeTarget(const Rm *m, PetscInt a, PetscInt b, const RmEdge *e);
PETSC_INTERN PetscInt       RmNeighbours(Rm *m, PetscInt v, PetscInt nb[RM_MAX_NEIGHBOURS]);
PETSC_INTERN PetscErrorCode RmClassify(Rm *m);
/* Closest point of the input surface: on triangles with this label pair code whose normal
   agrees with nrm (nrm NULL: any triangle of any pair), or on feature segments with this key.
   hint (may be NULL): an input triangle near p, updated to the one found. */
PETSC_INTERN PetscBool RmProjectSurface(const Rm *m, const PetscReal p[3], uint64_t code, const PetscReal nrm[3], PetscReal q[3],
                                        PetscReal *dist, PetscInt *hint);
PETSC_INTERN PetscBool RmNearSurface(const Rm *m, const PetscReal p[3], uint64_t code, const PetscReal nrm[3], PetscReal bound,
                                     PetscInt *hint);
PETSC_INTERN PetscBool RmProjectCurve(const Rm *m, const PetscReal p[3], uint64_t key, PetscReal q[3]);
PETSC_INTERN PetscReal RmMinAngle(const PetscReal *a, const PetscReal *b, const PetscReal *c);
/* The cosine of the least angle (1 for a degenerate triangle): no acos for comparisons. */
PETSC_INTERN PetscReal RmMinAngleCos(const PetscReal *a, const PetscReal *b, const PetscReal *c);
PETSC_INTERN void      RmNormal(const PetscReal *a, const PetscReal *b, const PetscReal *c, PetscReal n[3]);

PETSC_INTERN PetscErrorCode RmSplitPass(Rm *m, PetscInt *nsplit);
PETSC_INTERN PetscErrorCode RmCollapsePass(Rm *m, PetscInt *ncollapse);
PETSC_INTERN PetscErrorCode RmFlipPass(Rm *m, PetscBool delaunay_only, PetscInt *nflip);
PETSC_INTERN PetscErrorCode RmRelaxPass(Rm *m);
PETSC_INTERN PetscErrorCode RmCompact(Rm *m);
