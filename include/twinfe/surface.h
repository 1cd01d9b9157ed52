/* libtwinfe surface stage: closed multi-label triangle surfaces with shared interfaces.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A TwinfeSurface holds vertices (mm, LPS) and triangles; each triangle carries the two
 * labels it separates as (inside, outside) with inside > outside, and its normal
 * (right-hand rule over its vertices) points from inside to outside. So a surface between
 * two touching labels exists once and is shared by both regions, and surfaces against the
 * background (outside = 0) face outward. */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include <twinfe/image.h>

typedef struct _p_TwinfeSurface *TwinfeSurface;

/*@
  TwinfeSurfaceCreate - Creates a surface from arrays, which it copies.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
- labels     - inside and outside label of each triangle

  Output Parameter:
. surface - the new surface

  Notes:
  Create from arrays (copied). tri: 3 vertex indices per triangle; labels: 2 per triangle
  (inside, outside) with inside > outside >= 0.

  Level: intermediate

.seealso: TwinfeSurfaceDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                const PetscInt tri[], const int32_t labels[], TwinfeSurface *surface);

/*@
  TwinfeSurfaceDestroy - Destroys a surface.

  Not collective

  Input Parameter:
. surface - the surface, set to NULL

  Level: beginner

.seealso: TwinfeSurfaceCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceDestroy(TwinfeSurface *surface);

/*@
  TwinfeSurfaceDuplicate - Copies a surface with everything it carries.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameter:
. copy - the new copy

  Notes:
  A copy with everything the surface carries (labels, caps and their tags, the voxel grid it
  came from), to remesh or cut without touching the original.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceDuplicate(TwinfeSurface surface, TwinfeSurface *copy);

/*@
  TwinfeSurfaceCreateFromImage - Creates the multi-label surface of an image by surface nets.

  Not collective

  Input Parameters:
+ image   - the image
. nlabels - number of labels
- labels  - the labels to make surfaces of

  Output Parameter:
. surface - the new surface

  Notes:
  Multi-label surface nets on the label grid: one vertex per voxel corner where labels meet,
  two triangles per voxel face between two different labels, in world coordinates. Every
  region is closed and every interface exists once. Labels not in the list count as
  background.
  With -surface_caps (default false; docs/surface_caps.md) every patch where a region meets the
  image's outer boundary (a vessel cut by the first or last slice) is a cap: it lies in the
  plane of the image's outer boundary face (LPS mm, through the image's direction matrix), keeps
  its triangles' labels (region, 0) and gets the facet tag TwinfeCapTag(region, k), k = 1, 2, ...
  per region by decreasing voxel area, then image face (-i, +i, -j, +j, -k, +k), then the voxel
  order; TwinfeSurfaceSmooth and the remeshers then keep each cap flat, in its plane, with a sharp
  rim (the rim moves only along itself, within the plane).

  Level: beginner

.seealso: TwinfeSurfaceDestroy(), TwinfeCapTag(), TwinfeSurfaceSmooth()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCreateFromImage(TwinfeImage image, PetscInt nlabels, const int32_t labels[],
                                                         TwinfeSurface *surface);

/*@
  TwinfeSurfaceSmooth - Smooths a surface, keeping its connectivity.

  Not collective

  Input Parameters:
+ surface           - the surface
. iterations        - smoothing iterations (negative: -surface_smooth_iterations, 20)
. passband          - pass band (negative: -surface_smooth_passband, 0.1)
- feature_angle_deg - feature angle (degrees; negative: -surface_feature_angle, 120)

  Notes:
  Windowed-sinc smoothing (VTK) that keeps connectivity, so closure and shared interfaces
  survive. A negative argument (PETSC_DEFAULT) takes the option, else the default:
  -surface_smooth_iterations (20), -surface_smooth_passband (0.1), -surface_feature_angle
  (120 degrees: voxel-face creases are all 90 degrees, so an angle below 90 marks every
  staircase edge a feature and nothing moves), -surface_smooth_feature_edges (true),
  -surface_smooth_nonmanifold (true). Triple lines (edges of 3+ triangles) stay where the
  voxels put them: VTK 9.1's filter does not move them.
  On a surface from TwinfeSurfaceCreateFromImage, each vertex then stays within
  +-surface_smooth_max_shift voxels (0.3 by default; along each grid axis) of where it was
  before smoothing: two sheets one voxel apart (a 1-voxel gap or a 1-voxel-thick part) keep a
  gap of at least 1 - 2 * 0.3 = 0.4 voxel instead of closing into a slit. 0 turns it off.
  Caps (-surface_caps) are smoothed in their planes first (rims along themselves) and held
  while VTK smooths the rest, so their rims stay sharp.

  Level: beginner

.seealso: TwinfeSurfaceCreateFromImage()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceSmooth(TwinfeSurface surface, PetscInt iterations, PetscReal passband,
                                                PetscReal feature_angle_deg);

/*@
  TwinfeSurfaceGetVertices - Returns the surface's vertices.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameters:
+ nvertices - number of vertices
- xyz       - vertex coordinates (mm, LPS), three per vertex (lent)

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetVertices(TwinfeSurface surface, PetscInt *nvertices, const PetscReal **xyz);

/*@
  TwinfeSurfaceGetTriangles - Returns the surface's triangles and their labels.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameters:
+ ntriangles - number of triangles
. tri        - three vertex indices per triangle (lent)
- labels     - inside and outside label of each triangle (lent)

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetTriangles(TwinfeSurface surface, PetscInt *ntriangles, const PetscInt **tri,
                                                      const int32_t **labels);

/*@
  TwinfeSurfaceExtractLabel - Extracts the closed boundary of one label as its own triangle list.

  Not collective

  Input Parameters:
+ surface - the surface
- label   - the label

  Output Parameters:
+ nvertices  - number of vertices
. xyz        - their coordinates (PetscFree it)
. ntriangles - number of triangles
- tri        - three vertex indices per triangle (PetscFree it)

  Notes:
  The closed boundary of one label as its own triangle list, oriented outward of that label
  (vertices renumbered compactly; arrays allocated with PetscMalloc, caller frees).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceExtractLabel(TwinfeSurface surface, int32_t label, PetscInt *nvertices, PetscReal **xyz,
                                                      PetscInt *ntriangles, PetscInt **tri);

/*@
  TwinfeSurfaceExtractLabels - Extracts the closed boundary of the union of several labels.

  Not collective

  Input Parameters:
+ surface - the surface
. nlabels - number of labels
- labels  - the labels merged

  Output Parameters:
+ nvertices  - number of vertices
. xyz        - their coordinates (PetscFree it)
. ntriangles - number of triangles
- tri        - three vertex indices per triangle (PetscFree it)

  Notes:
  The closed boundary of the union of several labels (a part that merges them: the triangles
  with exactly one side among them), oriented outward of the union; arrays as above.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceExtractLabels(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[],
                                                       PetscInt *nvertices, PetscReal **xyz, PetscInt *ntriangles,
                                                       PetscInt **tri);

/* What a printer needs of a part (TwinfeSurfaceCheckPart, surface_print.c): closed (no open
   edge), manifold (no edge of 3+ triangles, no vertex where two fans meet), outward and
   consistent (no edge run the same way by its two triangles, positive volume), no triangle
   without area, no two triangles crossing. Shells, inner shells (negative volume: a cavity, or a
   shell inside out) and handles (the genus of each closed shell) are reported, not defects. */
typedef struct {
  PetscInt  vertices, triangles, edges;
  PetscInt  shells, inner_shells, handles;
  PetscInt  open_edges, nonmanifold_edges, misoriented_edges, nonmanifold_vertices, degenerate_triangles;
  PetscInt  self_intersections;
  PetscReal area_mm2, volume_mm3; /* volume: signed, by the divergence theorem */
  PetscBool printable;            /* none of the defects, and volume > 0 */
} TwinfePartCheck;

/*@
  TwinfeSurfaceCheckPart - Checks what a printer needs of a part.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
- tri        - three vertex indices per triangle

  Output Parameter:
. check - what the check found

  Notes:
  What a printer needs of a part (TwinfeSurfaceCheckPart, surface_print.c): closed (no open
  edge), manifold (no edge of 3+ triangles, no vertex where two fans meet), outward and
  consistent (no edge run the same way by its two triangles, positive volume), no triangle
  without area, no two triangles crossing. Shells, inner shells (negative volume: a cavity, or a
  shell inside out) and handles (the genus of each closed shell) are reported, not defects.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCheckPart(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                   const PetscInt tri[], TwinfePartCheck *check);

/*@
  TwinfeSurfaceComputeThickness - Computes the wall thickness at each vertex of a closed part.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
- cone_below - thickness (mm) below which a cone of rays is used

  Output Parameter:
. thickness - thickness at each vertex (mm; -1: no ray leaves)

  Notes:
  Wall thickness at each vertex of a closed, outward part (surface_print.c, docs/print.md): the
  distance along the inward vertex normal (area-weighted) to the first triangle through which the
  ray leaves the part; where that is below cone_below (mm), the median over a cone of 7 rays
  15 degrees around the normal; -1 where no ray leaves (an open part).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceComputeThickness(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                          const PetscInt tri[], PetscReal cone_below, PetscReal thickness[]);
/* The spots thinner than minimum (mm): vertices below it joined through triangle edges. Per spot
   its thinnest value and where (the vertex), its vertices and area (a third of each vertex's
   triangles). *spots is PetscMalloc'd, in vertex order. */
typedef struct {
  PetscReal min_mm, at[3], area_mm2;
  PetscInt  vertices;
} TwinfeThinSpot;

/*@
  TwinfeSurfaceFindThinSpots - Finds the spots of a part thinner than a minimum.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
. thickness  - thickness at each vertex (TwinfeSurfaceComputeThickness())
- minimum    - the least wall thickness wanted (mm)

  Output Parameters:
+ nspots - number of thin spots
- spots  - the spots (PetscFree it)

  Notes:
  The spots thinner than minimum (mm): vertices below it joined through triangle edges. Per spot
  its thinnest value and where (the vertex), its vertices and area (a third of each vertex's
  triangles). *spots is PetscMalloc'd, in vertex order.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceFindThinSpots(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                       const PetscInt tri[], const PetscReal thickness[], PetscReal minimum,
                                                       PetscInt *nspots, TwinfeThinSpot **spots);
/* Hollowing for printing (hollow.c; docs/print.md). A part (closed, outward triangles) becomes
   the zero level of an implicit field on a grid of step spacing_mm: a shell of wall_mm inside
   its surface (outward false: a hollowed organ, resin saved), or a wall of wall_mm around it
   (outward true: a vessel's lumen kept hollow, the segmented surface its inside). Openings
   remove the wall beyond a flat end (a cap): 7 numbers each, the end's centre, its unit normal
   out of the part and its radius (mm); drain holes are cylinders of hole_diameter_mm through
   the wall, each on the surface normal at the surface point nearest the point given (3
   numbers each). The field is the exact signed distance near the levels contoured (VTK's
   stencil, distance transform and closest points), so walls are wall_mm to about spacing^2 /
   radius of curvature. */
typedef struct {
  PetscReal        wall_mm;
  PetscBool        outward;
  PetscInt         nopenings;
  const PetscReal *openings;
  PetscInt         nholes;
  const PetscReal *holes;
  PetscReal        hole_diameter_mm;
  PetscReal        spacing_mm;      /* <= 0: wall_mm / 3, coarser when the grid would pass max_grid_points */
  PetscInt         max_grid_points; /* <= 0: 4e7 */
} TwinfeHollowSpec;
typedef struct {
  PetscReal spacing_mm;
  PetscInt  grid[3], exact_points;
  PetscReal hole_at[3 * 16];  /* where each of the first 16 drain holes pierces the surface */
  PetscReal max_deviation_mm; /* from the input's vertices (away from holes and openings) to the result */
  PetscReal mean_deviation_mm;
} TwinfeHollowStats;

/*@
  TwinfeSurfaceHollow - Hollows a part for printing, or builds a wall around it.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
- spec       - the wall, openings and drain holes

  Output Parameters:
+ nv_out  - number of vertices of the result
. xyz_out - their coordinates (PetscFree it)
. nt_out  - number of triangles of the result
. tri_out - three vertex indices per triangle (PetscFree it)
- stats   - what was done (may be NULL)

  Notes:
  Hollowing for printing (hollow.c; docs/print.md). A part (closed, outward triangles) becomes
  the zero level of an implicit field on a grid of step spacing_mm: a shell of wall_mm inside
  its surface (outward false: a hollowed organ, resin saved), or a wall of wall_mm around it
  (outward true: a vessel's lumen kept hollow, the segmented surface its inside). Openings
  remove the wall beyond a flat end (a cap): 7 numbers each, the end's centre, its unit normal
  out of the part and its radius (mm); drain holes are cylinders of hole_diameter_mm through
  the wall, each on the surface normal at the surface point nearest the point given (3
  numbers each). The field is the exact signed distance near the levels contoured (VTK's
  stencil, distance transform and closest points), so walls are wall_mm to about spacing^2 /
  radius of curvature.
  *xyz_out, *tri_out: PetscMalloc1, the caller frees; the triangles wind outward from the solid.
  stats may be NULL. Not collective.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceHollow(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                const PetscInt tri[], const TwinfeHollowSpec *spec, PetscInt *nv_out,
                                                PetscReal **xyz_out, PetscInt *nt_out, PetscInt **tri_out,
                                                TwinfeHollowStats *stats);

/*@
  TwinfeSurfaceDistanceToTriangles - Computes the distance from points to the nearest of the triangles.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
. np         - number of points
- points     - the points, three numbers each

  Output Parameter:
. distance - distance of each point to the triangles

  Notes:
  The distance from each of np points (3 numbers each) to the nearest of the triangles.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceDistanceToTriangles(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                             const PetscInt tri[], PetscInt np, const PetscReal points[],
                                                             PetscReal distance[]);

/*@
  TwinfeSurfaceComputeLabelVolume - Computes the volume enclosed by a label's boundary.

  Not collective

  Input Parameters:
+ surface - the surface
- label   - the label

  Output Parameter:
. volume - the enclosed volume (mm^3)

  Notes:
  Volume enclosed by a label's boundary (divergence theorem), mm^3.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceComputeLabelVolume(TwinfeSurface surface, int32_t label, PetscReal *volume);

/* Closest points on a surface's patches (locate.c), on every rank: what the partition stage
   snaps a refined mesh's boundary vertices onto. A patch is the triangles of one facet tag
   (TwinfeFacetTag of their labels, or their cap's tag). Create is collective and reads the
   surface on rank 0 only (NULL elsewhere); Closest finds the point y nearest x on the triangles
   tagged tag (found PETSC_FALSE when there are none). */
typedef struct _p_TwinfeSurfaceLocator *TwinfeSurfaceLocator;

/*@
  TwinfeSurfaceLocatorCreate - Creates a locator of closest points on a surface's patches, on every rank.

  Collective

  Input Parameters:
+ comm    - MPI communicator
- surface - the surface (read on rank 0; NULL elsewhere)

  Output Parameter:
. locator - the new locator

  Notes:
  Closest points on a surface's patches (locate.c), on every rank: what the partition stage
  snaps a refined mesh's boundary vertices onto. A patch is the triangles of one facet tag
  (TwinfeFacetTag of their labels, or their cap's tag). Create is collective and reads the
  surface on rank 0 only (NULL elsewhere); Closest finds the point y nearest x on the triangles
  tagged tag (found PETSC_FALSE when there are none).

  Level: advanced

.seealso: TwinfeSurfaceLocatorDestroy(), TwinfeFacetTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceLocatorCreate(MPI_Comm comm, TwinfeSurface surface, TwinfeSurfaceLocator *locator);

/*@
  TwinfeSurfaceLocatorClosest - Finds the point of a patch nearest a point.

  Not collective

  Input Parameters:
+ locator - the locator
. tag     - facet tag of the patch
- x       - the point

  Output Parameters:
+ y        - the nearest point on the patch
. distance - distance from x to y
- found    - PETSC_FALSE when no triangle has the tag

  Notes:
  Closest points on a surface's patches (locate.c), on every rank: what the partition stage
  snaps a refined mesh's boundary vertices onto. A patch is the triangles of one facet tag
  (TwinfeFacetTag of their labels, or their cap's tag). Create is collective and reads the
  surface on rank 0 only (NULL elsewhere); Closest finds the point y nearest x on the triangles
  tagged tag (found PETSC_FALSE when there are none).

  Level: advanced

.seealso: TwinfeFacetTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceLocatorClosest(TwinfeSurfaceLocator locator, PetscInt tag, const PetscReal x[3],
                                                        PetscReal y[3], PetscReal *distance, PetscBool *found);

/*@
  TwinfeSurfaceLocatorDestroy - Destroys a locator.

  Not collective

  Input Parameter:
. locator - the locator, set to NULL

  Level: advanced

.seealso: TwinfeSurfaceLocatorCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceLocatorDestroy(TwinfeSurfaceLocator *locator);

/*@
  TwinfeSurfaceGetTriangleTags - Returns the per-triangle facet tags of a surface with caps.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameter:
. tags - the tag of each triangle (owned by the surface), or NULL

  Notes:
  Per-triangle facet tags of a surface with caps: TwinfeCapTag(region, k) on cap triangles,
  TwinfeFacetTag(inside, outside) on the others; NULL when the surface has no cap (then every
  triangle's tag is TwinfeFacetTag of its labels). The array belongs to the surface.

  Level: intermediate

.seealso: TwinfeCapTag(), TwinfeFacetTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetTriangleTags(TwinfeSurface surface, const int32_t **tags);

/*@
  TwinfeSurfaceGetCapCount - Returns the number of caps.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameter:
. ncaps - number of caps

  Notes:
  The caps (0 without -surface_caps and cut planes, or when no region reaches the image's border),
  and of cap c (0 <= c < ncaps, in tag order per region): its tag, its plane normal . x = offset
  (unit normal out of the image or, for a cut cap, the plane's normal, out of the region; LPS mm)
  and its area now (mm^2). Any output may be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetCapCount(TwinfeSurface surface, PetscInt *ncaps);

/*@
  TwinfeSurfaceGetCap - Returns a cap's tag, plane and area.

  Not collective

  Input Parameters:
+ surface - the surface
- c       - cap index, 0 <= c < ncaps

  Output Parameters:
+ tag    - its facet tag (may be NULL)
. normal - its unit plane normal (may be NULL)
. offset - the plane's offset, normal . x = offset (may be NULL)
- area   - its area now, mm^2 (may be NULL)

  Notes:
  The caps (0 without -surface_caps and cut planes, or when no region reaches the image's border),
  and of cap c (0 <= c < ncaps, in tag order per region): its tag, its plane normal . x = offset
  (unit normal out of the image or, for a cut cap, the plane's normal, out of the region; LPS mm)
  and its area now (mm^2). Any output may be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetCap(TwinfeSurface surface, PetscInt c, int32_t *tag, PetscReal normal[3],
                                                PetscReal *offset, PetscReal *area);

/*@
  TwinfeSurfaceSetCapTags - Sets the caps from per-triangle facet tags.

  Not collective

  Input Parameters:
+ surface - the surface
- tags    - a facet tag per triangle

  Notes:
  Caps from per-triangle facet tags (a mesh's facets read back, TwinfeMeshGetFacets): each
  distinct cap tag (TwinfeCapIndex > 0) becomes a cap of its region, its plane fitted to its
  triangles (area-weighted normal out of the region, area-weighted centre); the other triangles
  keep TwinfeFacetTag of their labels. A cap triangle must lie between its region and the
  outside. Replaces the caps the surface had.

  Level: intermediate

.seealso: TwinfeMeshGetFacets(), TwinfeCapIndex(), TwinfeFacetTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceSetCapTags(TwinfeSurface surface, const int32_t tags[]);

/*@
  TwinfeSurfaceCut - Cuts regions by planes, closing each cut with a flat cap.

  Not collective

  Input Parameters:
+ surface - the surface
. nplanes - number of planes (negative: -surface_cut_planes)
- planes  - six numbers per plane: a point and a normal

  Notes:
  Cuts by planes (-surface_cut_planes; docs/surface_caps.md), a cap where each cuts. Plane i is
  planes[6i .. 6i+5] = px, py, pz, nx, ny, nz: a point p (LPS mm) inside the cross-section of the
  region(s) to cut, e.g. on a vessel's centreline, and a normal n (any length > 0) pointing to
  the side to remove. The regions whose cross-section in the plane contains p are cut: the part
  of each beyond the plane that is connected to that cross-section goes (the rest of the region
  and every other region stay; a face it shared with a region that stays becomes that region's
  outer surface). The cut is exact on the surface as it is (call it after TwinfeSurfaceSmooth and
  before remeshing); the open rim is closed by a flat cap per piece, with labels (region, 0) and
  the tag TwinfeCapTag(region, k), numbered with the border caps per region by decreasing area;
  the smoothing and the remeshers keep it flat like those. Planes are applied in order.
  nplanes < 0 reads -surface_cut_planes (nothing when it is not set). Refused: a count that is
  not a multiple of 6, a zero normal, a point inside no region's cross-section.

  Level: intermediate

.seealso: TwinfeSurfaceSmooth(), TwinfeCapTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCut(TwinfeSurface surface, PetscInt nplanes, const PetscReal planes[]);

/*@
  TwinfeSurfaceGetCapPlane - Returns which plane made a cap.

  Not collective

  Input Parameters:
+ surface - the surface
- c       - cap index

  Output Parameter:
. plane - index of the plane that made it, or -1

  Notes:
  Which plane made cap c (0-based index into the planes given to TwinfeSurfaceCut), or -1 for a
  cap where the region meets the image's border.

  Level: intermediate

.seealso: TwinfeSurfaceCut()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetCapPlane(TwinfeSurface surface, PetscInt c, PetscInt *plane);

/*@
  TwinfeSurfaceComputeSheetSeparation - Computes the least distance between two sheets of the surface.

  Not collective

  Input Parameters:
+ surface - the surface
- radius  - search radius (mm)

  Output Parameter:
. min_separation - least sheet separation (mm)

  Notes:
  Sheet separation: the least distance (mm) from a vertex to a triangle of another sheet within
  radius mm, where another sheet is a triangle sharing no vertex with the vertex's 1-ring,
  roughly parallel to its normal plane and lying across it (a slit's or a thin plate's other
  side). PETSC_MAX_REAL when no such pair is nearer than radius. For measurements and tests.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceComputeSheetSeparation(TwinfeSurface surface, PetscReal radius,
                                                                PetscReal *min_separation);

/*@
  TwinfeSurfaceCountSelfIntersections - Counts the triangle pairs that intersect while sharing no vertex.

  Not collective

  Input Parameter:
. surface - the surface

  Output Parameter:
. count - number of intersecting triangle pairs

  Notes:
  Triangle pairs that intersect while sharing no vertex (a check for tests and for a case).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCountSelfIntersections(TwinfeSurface surface, PetscInt *count);

typedef struct {
  PetscInt  triangles_in, triangles_out;
  PetscReal max_deviation_mm; /* largest distance of a vertex or triangle centroid from the input surface */
  PetscReal mean_edge_mm;     /* over the edges of remeshed (not frozen) triangles */
  PetscReal min_angle_deg;    /* over remeshed triangles */
  PetscInt  self_intersections;
} TwinfeSurfaceRemeshStats;

/*@
  TwinfeSurfaceRemesh - Remeshes the multi-label surface isotropically, in place.

  Not collective

  Input Parameters:
+ surface          - the surface
. nlabels          - number of labels
. labels           - the labels given targets
. target_mm        - edge length wanted on each label's boundary (mm)
- max_deviation_mm - how far a vertex may be from the input surface (mm)

  Output Parameter:
. stats - statistics of what was done (may be NULL)

  Notes:
  Isotropic remeshing of the multi-label surface in place. target_mm[i] is the edge length
  wanted on label labels[i]'s boundary; a triangle takes the smaller target of its two labels
  (background, or a label not listed, has none); a triangle whose labels both have none, or a
  target <= 0, is kept as it is. Thin parts and narrow gaps (another sheet nearer than the
  target) get edges as short as that distance, so sheets never cross. Kept: every region
  closed, every interface once (the label pair per triangle), orientation, triple lines and
  other non-manifold edges as feature curves (their vertices move only along them; corners
  where curves meet stay), every vertex within max_deviation_mm of the input surface patch of
  the same label pair; a cap (-surface_caps) is a label pair of its own while remeshing, so its
  rim is a feature curve and it stays in its plane, with its tag. Splits where the target is below the edges, collapses where
  above, flips, tangential relaxation with projection to the input (Botsch-Kobbelt, generalised to non-manifold multi-label
  surfaces); iterations: -surface_remesh_iterations (5). stats may be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceRemesh(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[],
                                                const PetscReal target_mm[], PetscReal max_deviation_mm,
                                                TwinfeSurfaceRemeshStats *stats);

/*@
  TwinfeSurfaceRemeshInPieces - Remeshes like TwinfeSurfaceRemesh() in two pieces at once.

  Not collective

  Input Parameters:
+ surface          - the surface
. nlabels          - number of labels
. labels           - the labels given targets
. target_mm        - edge length wanted on each label's boundary (mm)
. max_deviation_mm - how far a vertex may be from the input surface (mm)
. npieces          - 1 or 2 (negative: -surface_remesh_pieces, or by size)
- nthreads         - threads (negative: TwinfeGetThreads())

  Output Parameter:
. stats - statistics of what was done (may be NULL)

  Notes:
  TwinfeSurfaceRemesh in two pieces at once: a plane across the longest extent parts the
  surface into two halves and a band 3 targets wide; the halves are remeshed with the band
  frozen (on two threads when nthreads >= 2 and PETSc's debugging malloc is off), then the band
  with the halves frozen. The vertices where band and halves meet keep their input places.
  npieces 1 is TwinfeSurfaceRemesh; a negative npieces means -surface_remesh_pieces, else 2
  from 40000 triangles and 1 below; a negative nthreads means TwinfeGetThreads (-threads). The result depends on npieces,
  never
  on nthreads; stats' deviation is the largest of the parts' (each against its own input).

  Level: advanced

.seealso: TwinfeSurfaceRemesh(), TwinfeGetThreads()
@*/
PETSC_EXTERN PetscErrorCode TwinfeSurfaceRemeshInPieces(TwinfeSurface surface, PetscInt nlabels, const int32_t labels[],
                                                        const PetscReal target_mm[], PetscReal max_deviation_mm, PetscInt npieces,
                                                        PetscInt nthreads, TwinfeSurfaceRemeshStats *stats);
