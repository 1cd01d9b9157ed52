/* Private to the surface stage: the layout of a TwinfeSurface and the VTK smoothing adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/surface.h>
#include "core/core_impl.h"

struct _p_TwinfeSurface {
  PetscInt   nvertices, ntriangles;
  PetscReal *xyz;    /* 3 per vertex, LPS mm */
  PetscInt  *tri;    /* 3 per triangle */
  int32_t   *labels; /* 2 per triangle: inside > outside >= 0 */
  /* The voxel grid the vertices came from (TwinfeSurfaceCreateFromImage): smoothing keeps each
     vertex in a box of this grid's axes around its voxel corner. has_grid is false for a
     surface made from arrays. */
  PetscBool has_grid;
  PetscReal grid_direction[9], grid_spacing[3];
  /* Caps (-surface_caps, caps.c): where a region meets the image's outer boundary. ncaps 0 and
     tag NULL without them. tag: per triangle, TwinfeCapTag(label, k) on cap triangles, else
     TwinfeFacetTag of its labels. While the remesher runs, cap triangles carry a pseudo label
     per cap instead (caps_pseudo), so that each cap is its own label pair and its rim a feature
     curve; pseudo[l] marks those labels. */
  PetscInt          ncaps;
  struct TwinfeCap *caps;
  int32_t          *tag;
  PetscBool         caps_pseudo;
  PetscBool        *pseudo; /* 1000 entries while caps_pseudo, else NULL */
};

/* One cap: the connected patch of one label's triangles on one face of the image's box (a border
   cap), or one piece of a label's cross-section where a cutting plane cut it (cut.c). */
typedef struct TwinfeCap {
  int32_t   label, tag; /* tag = TwinfeCapTag(label, k) */
  int       face;       /* border cap: 2 * axis + (1 on the high side); cut cap: -1 */
  PetscInt  plane;      /* cut cap: the cutting plane's index (0-based); border cap: -1 */
  PetscReal normal[3];  /* unit, out of the region (LPS) */
  PetscReal offset;     /* the plane: normal . x = offset (mm) */
  PetscReal voxel_area; /* what caps are numbered by: mm^2 of voxel faces at extraction (border), of the cut polygon (cut) */
  int32_t   pseudo;     /* its pseudo label while caps_pseudo */
} TwinfeCap;

/* NULL-argument check without PETSc's private headers. */
#define TwinfeSurfaceCheckPointer_Private(p)                                                                                     \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument '%s' must not be NULL", PETSC_FUNCTION_NAME, #p)

/* Takes ownership of the three arrays, allocated together with PetscMalloc3(xyz, tri, labels)
   because Destroy frees them with PetscFree3 (no copy, no check). */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCreateOwning_Private(PetscInt nvertices, PetscReal *xyz, PetscInt ntriangles,
                                                              PetscInt *tri, int32_t *labels, TwinfeSurface *surface);

/* The remesher's steps, for remeshing a surface in parts (remesh_pieces.c):
   LabelTargets: each triangle's target from the per-label table (the smaller of its two
   labels'; 0 = kept as it is); CapTargets: each connected piece of a label capped at a size its
   volume / area allows, small pieces kept as they are (needs the whole surface: a part sees a
   piece cut open); Targets: the remesher on per-triangle targets (<= 0: kept exactly, its
   vertices too), capped telling it CapTargets was applied already (then the stats leave the
   crossings to the caller, which counts them on the whole surface); on return *target holds the
   targets of the surface's new triangles (allocated anew). reference (NULL: the surface itself)
   is what the vertices are projected on and measured against: a part that holds triangles
   remeshed before is kept on the original surface. input_edge_mm > 0 is the mean edge of the
   whole input (the scale of the search grids and the least size in thin parts); <= 0 measures it
   on this surface. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceRemeshLabelTargets_Private(TwinfeSurface surface, PetscInt nlabels,
                                                                    const int32_t labels[], const PetscReal target_mm[],
                                                                    PetscReal target[]);
PETSC_INTERN PetscErrorCode TwinfeSurfaceRemeshCapTargets_Private(TwinfeSurface surface, PetscReal target[]);
PETSC_INTERN PetscErrorCode TwinfeSurfaceRemeshTargets_Private(TwinfeSurface surface, PetscReal **target, PetscBool capped,
                                                               TwinfeSurface reference, PetscReal max_deviation_mm,
                                                               PetscReal input_edge_mm, TwinfeSurfaceRemeshStats *stats);

/* Windowed-sinc smoothing of the vertex coordinates in place; connectivity is only read.
   fixed (NULL: none) marks vertices that must not move (given to VTK as vertex cells). */
PETSC_INTERN PetscErrorCode TwinfeSurfaceSmooth_VTK(PetscInt nvertices, PetscReal xyz[], PetscInt ntriangles,
                                                    const PetscInt tri[], PetscInt iterations, PetscReal passband,
                                                    PetscReal feature_angle_deg, PetscBool feature_edges,
                                                    PetscBool nonmanifold_smoothing, const PetscBool fixed[]);

/* ---- caps (caps.c) */
/* From the marks nets.c made (face[t]: image face of a cap triangle, -1 elsewhere): the caps
   numbered per label, their planes, and the tag array. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsBuild_Private(TwinfeSurface s, TwinfeImage image, const int8_t face[]);
/* Smoothing of the caps themselves (rims along themselves, insides in the plane), each move
   kept within max_shift voxels per grid axis of before (0: no limit); fixed[v] is set on every
   cap vertex, which the surface smoothing must then leave alone. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsSmooth_Private(TwinfeSurface s, PetscInt iterations, PetscReal passband,
                                                            PetscReal max_shift, const PetscReal before[], PetscBool fixed[]);
/* Every vertex of a cap's triangles put exactly on its plane. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsProject_Private(TwinfeSurface s);
/* Cap triangles to their pseudo labels (for the remesher), and back (tags rebuilt, vertices
   projected). Both do nothing on a surface without caps or already in that state. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsToPseudo_Private(TwinfeSurface s, PetscBool *converted);
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsFromPseudo_Private(TwinfeSurface s);
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsDestroy_Private(TwinfeSurface s);
/* The cap of each triangle (index into s->caps, -1: none), from the tags or the pseudo labels. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCapsOfTriangles_Private(TwinfeSurface s, PetscInt cap_of[]);

/* ---- cut caps (cut.c, cut_vtk.cxx) */
/* Constrained Delaunay triangulation (VTK) of the planar region bounded by closed loops of 2D
   points (outer loops counter-clockwise, holes clockwise; loop l is loop_points[loop_start[l] ..
   loop_start[l + 1])), with the points not on a loop as interior points. *tri (PetscMalloc1,
   caller frees) holds *ntri triangles in either orientation, over the given point indices. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceTriangulateLoops_VTK(PetscInt npoints, const PetscReal uv[], PetscInt nloops,
                                                              const PetscInt loop_start[], const PetscInt loop_points[],
                                                              PetscInt *ntri, PetscInt **tri);

/* The mean edge length of the triangles (1 when there are none). */
PETSC_INTERN PetscReal TwinfeSurfaceMeanEdge_Private(const PetscReal xyz[], PetscInt nt, const PetscInt tri[]);
/* Closest point on triangle abc to p; returns the squared distance. */
PETSC_INTERN PetscReal TwinfeClosestPointTriangle_Private(const PetscReal p[3], const PetscReal a[3], const PetscReal b[3],
                                                          const PetscReal c[3], PetscReal q[3]);
PETSC_INTERN PetscReal TwinfeClosestPointSegment_Private(const PetscReal p[3], const PetscReal a[3], const PetscReal b[3],
                                                         PetscReal q[3]);
/* Do triangles abc and def (sharing no vertex) intersect? */
PETSC_INTERN PetscBool TwinfeTrianglesIntersect_Private(const PetscReal *const t1[3], const PetscReal *const t2[3]);
/* Do triangles a and b (vertex indices into x) meet wrongly: the same triangle twice, folded
   onto each other across a shared edge, crossing beyond a shared vertex, or crossing at all
   when they share nothing? (Coplanar overlaps without a shared vertex are not seen.) */
PETSC_INTERN PetscBool TwinfeTrianglePairBad_Private(const PetscReal x[], const PetscInt a[3], const PetscInt b[3]);
/* For every vertex, the distance to the nearest triangle of another sheet within radius: a
   triangle that shares no vertex with the vertex's closed 1-ring, roughly parallel to it
   (normals' |cos| > 0.5) and across its normal (|cos| > 0.7 between the normal and the way there). PETSC_MAX_REAL where none is
   nearer than radius. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceSheetSeparation_Private(PetscInt nv, const PetscReal xyz[], PetscInt nt,
                                                                 const PetscInt tri[], PetscReal radius, PetscReal sep[]);

/* From each vertex v, along the unit direction inward[3v..], the distance to the first triangle
   the segment from start to length (mm along the direction) leaves the part through; -1 when
   none. Where that is below cone_below, the median of a cone of 7 rays around the direction
   (rays.c: the core's box grid walked cell by cell). */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCastRays_Private(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                          const PetscReal inward[], PetscReal start, PetscReal length,
                                                          PetscReal cone_below, PetscReal distance[]);

/* ---- hollowing (hollow.c, hollow_vtk.cxx) */
/* The signed distance (mm, positive inside) to the closed surface at the points of a grid
   (origin, step h, dims points; x fastest): exact (closest point) where the estimate from the
   surface's distance transform lies within [lo, hi] (widened by 2h), the estimate elsewhere.
   *nexact: the points computed exactly. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceSignedDistance_VTK(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                            const PetscReal origin[3], PetscReal h, const PetscInt dims[3],
                                                            PetscReal lo, PetscReal hi, float distance[], PetscInt *nexact);
/* The zero level of field on that grid as triangles (PetscMalloc1, caller frees; winding as
   vtkFlyingEdges3D makes it). */
PETSC_INTERN PetscErrorCode TwinfeSurfaceContour_VTK(const PetscReal origin[3], PetscReal h, const PetscInt dims[3],
                                                     const float field[], PetscInt *nv, PetscReal **xyz, PetscInt *nt,
                                                     PetscInt **tri);
/* For each of np points p, the closest point q on the triangles (q may be NULL), its triangle
   (may be NULL) and the distance. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceClosest_VTK(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                     PetscInt np, const PetscReal p[], PetscReal q[], PetscInt triangle[],
                                                     PetscReal distance[]);
