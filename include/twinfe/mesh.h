/* libtwinfe mesh stage: conformal multi-region tetrahedral meshes (Gmsh).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A TwinfeMesh lives on one process. It holds vertices (mm, LPS), tetrahedra with a
 * positive orientation (det[v1-v0, v2-v0, v3-v0] > 0) and a region label per tet, and the
 * boundary and interface facets with a tag per facet (TwinfeFacetTag in core.h). Each
 * region label has a name (the Gmsh physical group's name). */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include <twinfe/surface.h>

typedef struct _p_TwinfeMesh *TwinfeMesh;

/*@
  TwinfeMeshCreate - Creates a mesh from arrays, which it copies.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntets      - number of tetrahedra
. tets       - four vertex indices per tetrahedron
. regions    - region label of each tetrahedron (> 0)
. nfacets    - number of facets
. facets     - three vertex indices per facet
- facet_tags - a tag per facet (TwinfeFacetTag())

  Output Parameter:
. mesh - the new mesh

  Notes:
  Create from arrays (copied). Region labels must be > 0; each region is named
  "region_<label>" until TwinfeMeshSetRegionName. Negatively oriented tets are reordered
  (two vertices swapped) so every stored tet has det > 0.

  Level: beginner

.seealso: TwinfeMeshDestroy(), TwinfeMeshSetRegionName()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntets, const PetscInt tets[],
                                             const int32_t regions[], PetscInt nfacets, const PetscInt facets[],
                                             const int32_t facet_tags[], TwinfeMesh *mesh);

/*@
  TwinfeMeshDestroy - Destroys a mesh.

  Not collective

  Input Parameter:
. mesh - the mesh, set to NULL

  Level: beginner

.seealso: TwinfeMeshCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshDestroy(TwinfeMesh *mesh);

/*@
  TwinfeMeshCreateBox - Creates a structured tet mesh of a box.

  Not collective

  Input Parameters:
+ n  - hexes per direction (>= 1)
. lo - lower corner (mm)
- hi - upper corner (mm)

  Output Parameter:
. mesh - the new mesh

  Notes:
  Structured tet mesh of the box [lo, hi] (mm): n[k] >= 1 hexes per direction, each split
  into the 6 Kuhn tets along its lo-hi diagonal (so the mesh is conforming). Vertex (i, j, k)
  is i + (n[0]+1) (j + (n[1]+1) k); hex (i, j, k) holds tets 6 (i + n[0] (j + n[1] k)) .. +5.
  Region 1 everywhere; boundary facets oriented outward, listed by tag: 1/2 on x = lo/hi, 3/4
  on y, 5/6 on z. For tests, verification and benchmarks.

  Level: intermediate

.seealso: TwinfeMeshDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCreateBox(const PetscInt n[3], const PetscReal lo[3], const PetscReal hi[3],
                                                TwinfeMesh *mesh);

/*@
  TwinfeMeshCreateFromSurface - Tetrahedralises the regions a surface encloses with Gmsh.

  Not collective

  Input Parameters:
+ surface  - the surface
. nregions - number of regions (0: every label of the surface)
. labels   - labels of the regions to mesh
- names    - a name per region (may be NULL, or hold NULL entries)

  Output Parameter:
. mesh - the new mesh

  Notes:
  Tetrahedralise the regions enclosed by the surface with Gmsh (HXT by default), keeping the
  surface triangles as they are so that interfaces stay conformal. labels/names: the regions
  to mesh and their names (names may be NULL, or an entry NULL: "region_<label>"; a name is
  one token, no spaces); nregions 0 meshes every label of the surface. Surface labels not
  listed count as background. Facets keep the surface triangles' orientation (normal from
  the higher label to the lower) and are tagged TwinfeFacetTag(a, b). A region may have any
  number of pieces, each a closed shell (with holes inside it, if any): each outer shell gets
  its own Gmsh volume, all in the region's physical group (HXT refuses one volume over a
  label's separate pieces as a "duplicate volume"). TwinfeImageSelectLabelsKeepAll makes
  label maps whose pieces mesh this way. Options: -mesh_algorithm hxt|delaunay,
  -mesh_optimize 0|1 (1), -mesh_threads (1), -mesh_verbose (Gmsh's terminal output); then
  TwinfeMeshImprove to -mesh_min_radius_ratio (0.1) and -mesh_min_dihedral (10 degrees) unless
  -mesh_improve false (its figures: TwinfeMeshGetImproveStats).
  Gmsh 4.8.4's HXT on several threads sometimes returns a duplicated vertex (a crack): that
  mesh is refused with an error, so keep -mesh_threads 1 with this Gmsh. Fails with PETSC_ERR_ARG_INCOMP when
  Gmsh finds surfaces that cross each other (smoothing can do that near triple lines: smooth less and try again),
  PETSC_ERR_LIB
  for other Gmsh failures.

  Level: beginner

.seealso: TwinfeMeshDestroy(), TwinfeFacetTag(), TwinfeImageSelectLabelsKeepAll(), TwinfeMeshImprove(),
          TwinfeMeshGetImproveStats()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCreateFromSurface(TwinfeSurface surface, PetscInt nregions, const int32_t labels[],
                                                        const char *const names[], TwinfeMesh *mesh);

/*@
  TwinfeMeshReadGmsh - Reads a Gmsh .msh file.

  Not collective

  Input Parameter:
. path - the .msh file

  Output Parameter:
. mesh - the new mesh

  Notes:
  Gmsh .msh read and write, with named physical groups for regions (physical volume tag =
  label, name = region name) and facets (physical surface tag = facet tag, name
  "<name>_surface" or "<nameA>_<nameB>_interface", A the lower label).
  Writing: MSH 4.1 text, to PATH.partial.msh, then renamed.
  Reading (docs/mesh_files.md): MSH 4.1 or 2.2, text or binary, parsed by libtwinfe itself
  (never by Gmsh, whose reader crashes on some damaged files) with every count checked
  against the file's size and node tags mapped, so no file crashes or sizes an allocation by
  an unchecked number. Regions are the physical volumes (labels 1..999, names of letters,
  digits and '_', unique), or the volume entities when the file has no physical volume.
  Tetrahedra of any order (corner nodes used); points and lines ignored; other cells refused.
  Facets are the triangles of the physical surfaces, which must be tet faces tagged by
  TwinfeFacetTag; without physical surfaces they are derived from the tets (outer faces and
  region interfaces, normal out of the higher label). Unused nodes are dropped. Refused:
  non-finite coordinates, missing or duplicate nodes, zero-volume or overlapping tets. Errors:
  PETSC_ERR_FILE_OPEN (no such file, a folder, a pipe, unreadable), PETSC_ERR_FILE_UNEXPECTED
  (not a .msh, damaged, truncated, meaningless content), PETSC_ERR_SUP (valid Gmsh content
  twinfe does not take: other versions, other cells, labels >= 1000, partitioned files); the
  message names the file and, for syntax, the line or byte. Not collective.
  Caps in .msh files: TwinfeMeshWriteGmsh writes cap k of region <name> as the physical surface
  "<name>_cap<k>" (its tag the cap tag), and TwinfeMeshReadGmsh takes, besides the rule's tag, a
  cap tag of region a on an outer face of a (docs/mesh_files.md).

  Level: beginner

.seealso: TwinfeFacetTag(), TwinfeMeshWriteGmsh()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshReadGmsh(const char path[], TwinfeMesh *mesh);

/*@
  TwinfeMeshSetGmshHosted - Tells libtwinfe whether the host program runs its own Gmsh session.

  Not collective

  Input Parameter:
. hosted - whether the host runs its own Gmsh session

  Notes:
  Whether the host program runs its own Gmsh session in this process (Gmsh is one per process:
  the SDK's library, which libtwinfe loads by its soname, is then the one the host loaded). With
  PETSC_TRUE twinfe meshes in a model of its own inside that session and gives back the host's
  current model and every Gmsh option it sets; it neither initialises nor finalises Gmsh. With
  PETSC_FALSE (the default) each meshing initialises Gmsh and finalises it after.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshSetGmshHosted(PetscBool hosted);

/*@
  TwinfeMeshWriteGmsh - Writes a Gmsh .msh file (MSH 4.1 text).

  Not collective

  Input Parameters:
+ mesh - the mesh
- path - the .msh file

  Notes:
  Gmsh .msh read and write, with named physical groups for regions (physical volume tag =
  label, name = region name) and facets (physical surface tag = facet tag, name
  "<name>_surface" or "<nameA>_<nameB>_interface", A the lower label).
  Writing: MSH 4.1 text, to PATH.partial.msh, then renamed.
  Reading (docs/mesh_files.md): MSH 4.1 or 2.2, text or binary, parsed by libtwinfe itself
  (never by Gmsh, whose reader crashes on some damaged files) with every count checked
  against the file's size and node tags mapped, so no file crashes or sizes an allocation by
  an unchecked number. Regions are the physical volumes (labels 1..999, names of letters,
  digits and '_', unique), or the volume entities when the file has no physical volume.
  Tetrahedra of any order (corner nodes used); points and lines ignored; other cells refused.
  Facets are the triangles of the physical surfaces, which must be tet faces tagged by
  TwinfeFacetTag; without physical surfaces they are derived from the tets (outer faces and
  region interfaces, normal out of the higher label). Unused nodes are dropped. Refused:
  non-finite coordinates, missing or duplicate nodes, zero-volume or overlapping tets. Errors:
  PETSC_ERR_FILE_OPEN (no such file, a folder, a pipe, unreadable), PETSC_ERR_FILE_UNEXPECTED
  (not a .msh, damaged, truncated, meaningless content), PETSC_ERR_SUP (valid Gmsh content
  twinfe does not take: other versions, other cells, labels >= 1000, partitioned files); the
  message names the file and, for syntax, the line or byte. Not collective.
  Caps in .msh files: TwinfeMeshWriteGmsh writes cap k of region <name> as the physical surface
  "<name>_cap<k>" (its tag the cap tag), and TwinfeMeshReadGmsh takes, besides the rule's tag, a
  cap tag of region a on an outer face of a (docs/mesh_files.md).

  Level: beginner

.seealso: TwinfeFacetTag(), TwinfeMeshReadGmsh()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshWriteGmsh(TwinfeMesh mesh, const char path[]);

/*@
  TwinfeMeshGetVertices - Returns the mesh's vertices.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ nvertices - number of vertices
- xyz       - vertex coordinates (mm, LPS), three per vertex (lent)

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetVertices(TwinfeMesh mesh, PetscInt *nvertices, const PetscReal **xyz);

/*@
  TwinfeMeshGetTetrahedra - Returns the mesh's tetrahedra and their regions.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ ntets   - number of tetrahedra
. tets    - four vertex indices per tetrahedron (lent)
- regions - region label of each tetrahedron (lent)

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetTetrahedra(TwinfeMesh mesh, PetscInt *ntets, const PetscInt **tets,
                                                    const int32_t **regions);

/*@
  TwinfeMeshGetFacets - Returns the mesh's facets and their tags.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ nfacets - number of facets
. facets  - three vertex indices per facet (lent)
- tags    - tag of each facet (lent)

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetFacets(TwinfeMesh mesh, PetscInt *nfacets, const PetscInt **facets,
                                                const int32_t **tags);

/*@
  TwinfeMeshGetRegions - Returns the distinct region labels, ascending.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ nregions - number of regions
- labels   - their labels, ascending (lent)

  Notes:
  The distinct region labels, ascending, and the name of one.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetRegions(TwinfeMesh mesh, PetscInt *nregions, const int32_t **labels);

/*@
  TwinfeMeshGetRegionName - Returns the name of a region.

  Not collective

  Input Parameters:
+ mesh  - the mesh
- label - the region label

  Output Parameter:
. name - its name (lent)

  Notes:
  The distinct region labels, ascending, and the name of one.

  Level: beginner

.seealso: TwinfeMeshSetRegionName()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetRegionName(TwinfeMesh mesh, int32_t label, const char **name);

/*@
  TwinfeMeshSetRegionName - Names a region.

  Not collective

  Input Parameters:
+ mesh  - the mesh
. label - the region label
- name  - its name (one token, copied)

  Level: intermediate

.seealso: TwinfeMeshGetRegionName()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshSetRegionName(TwinfeMesh mesh, int32_t label, const char name[]);

/*@
  TwinfeMeshComputeQuality - Computes the least and mean radius ratio and the least dihedral angle.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ min_gamma        - least radius ratio gamma
. mean_gamma       - mean radius ratio gamma
- min_dihedral_deg - least dihedral angle (degrees)

  Notes:
  Quality: gamma = 3 * inradius / circumradius (the radius ratio, normalised so the regular
  tet is 1 and a flat one 0; not Gmsh's own "gamma"), its min and mean over all tets, and the
  minimum dihedral angle in degrees. Region volumes: mm^3, in the order of
  TwinfeMeshGetRegions (volumes[] holds nregions values).

  Level: intermediate

.seealso: TwinfeMeshGetRegions()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshComputeQuality(TwinfeMesh mesh, PetscReal *min_gamma, PetscReal *mean_gamma,
                                                     PetscReal *min_dihedral_deg);

/*@
  TwinfeMeshGammaHistogram - Counts the tets in each radius-ratio bin.

  Not collective

  Input Parameters:
+ mesh  - the mesh
. nbins - number of bins
- edges - nbins + 1 increasing bin edges

  Output Parameter:
. counts - tets per bin (nbins values)

  Notes:
  How many tets fall in each gamma bin: counts[b] holds those with edges[b] <= gamma <
  edges[b + 1] (the last bin includes its upper edge; gamma is clamped to [0, 1] first and
  values outside the edges are not counted); edges[] holds nbins + 1 increasing values. The minimum alone says little on real
  data: HXT is not reproducible from run to run, and one in a few runs keeps a single sliver pinned between surface
  triangles, so
  the count below a threshold is the stable measure of a mesh.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGammaHistogram(TwinfeMesh mesh, PetscInt nbins, const PetscReal edges[], PetscInt counts[]);
/* What TwinfeMeshImprove did: poor tets (radius ratio or dihedral below the bounds) and the
   worst values before and after, the changes made by kind, passes and time. */
typedef struct {
  PetscInt       poor_before, poor_after;
  PetscReal      min_radius_ratio_before, min_radius_ratio_after, min_dihedral_deg_before, min_dihedral_deg_after;
  PetscInt       edge_removals, face_flips, vertex_moves, insertions, caps_peeled, passes;
  PetscReal      peeled_volume_mm3; /* of the caps peeled: a region's volume changes by at most this */
  PetscLogDouble seconds;
} TwinfeMeshImproveStats;

/*@
  TwinfeMeshImprove - Replaces poor tets by local changes inside their region.

  Not collective

  Input Parameters:
+ mesh             - the mesh
. min_radius_ratio - least radius ratio wanted
- min_dihedral_deg - least dihedral angle wanted (degrees)

  Output Parameter:
. stats - statistics of what was done (may be NULL)

  Notes:
  Replace the tets whose radius ratio is below min_radius_ratio or whose smallest dihedral angle
  is below min_dihedral_deg by local changes inside their region: edge removal, 2-3 flips,
  moving vertices that lie on no facet, inserting a vertex. Boundary and interface facets,
  hence region shapes and volumes, are left exactly as they are; vertices on facets never move.
  Gmsh's HXT leaves a few such tets in some runs (all four vertices on the surface, so its own
  optimiser cannot move them); this makes the bound hold whatever the run. A poor tet with two
  faces on facets against the same side (a cap) is the one exception to "facets unchanged": it
  is removed (against the background) or given to the region it caps, its two other faces
  becoming the facets; the surface moves by the cap's thickness there (counted in
  stats->caps_peeled). Tets nothing improves are counted in stats->poor_after. stats may be
  NULL. Not collective.
  What TwinfeMeshImprove did: poor tets (radius ratio or dihedral below the bounds) and the
  worst values before and after, the changes made by kind, passes and time.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshImprove(TwinfeMesh mesh, PetscReal min_radius_ratio, PetscReal min_dihedral_deg,
                                              TwinfeMeshImproveStats *stats);

/*@
  TwinfeMeshGetImproveStats - Returns what TwinfeMeshImprove() did inside TwinfeMeshCreateFromSurface().

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ improved - whether TwinfeMeshImprove() ran when the mesh was made
- stats    - what it did

  Notes:
  What TwinfeMeshImprove did inside TwinfeMeshCreateFromSurface; *improved is false for a mesh
  made otherwise (read, created from arrays) or with -mesh_improve false.

  Level: intermediate

.seealso: TwinfeMeshImprove(), TwinfeMeshCreateFromSurface()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetImproveStats(TwinfeMesh mesh, PetscBool *improved, TwinfeMeshImproveStats *stats);
/* How TwinfeMeshCreateFromSurface had Gmsh make the mesh: the volume groups meshed separately
   (-mesh_groups; 1 when the whole model was meshed at once), whether the whole model was
   meshed again because the groups' mesh kept tets the repair could not reach, and how many
   vertices Gmsh left twice were joined. All zero for a mesh made otherwise. */
typedef struct {
  PetscInt  volume_groups;
  PetscBool whole_model_retried;
  PetscInt  duplicates_merged;
} TwinfeMeshGenerationStats;

/*@
  TwinfeMeshGetGenerationStats - Returns how TwinfeMeshCreateFromSurface() had Gmsh make the mesh.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameter:
. stats - how Gmsh made the mesh

  Notes:
  How TwinfeMeshCreateFromSurface had Gmsh make the mesh: the volume groups meshed separately
  (-mesh_groups; 1 when the whole model was meshed at once), whether the whole model was
  meshed again because the groups' mesh kept tets the repair could not reach, and how many
  vertices Gmsh left twice were joined. All zero for a mesh made otherwise.

  Level: advanced

.seealso: TwinfeMeshCreateFromSurface()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetGenerationStats(TwinfeMesh mesh, TwinfeMeshGenerationStats *stats);

/*@
  TwinfeMeshComputeRegionVolumes - Computes the volume of each region.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameter:
. volumes - volume of each region (mm^3), in the order of TwinfeMeshGetRegions()

  Notes:
  Region volumes: mm^3, in the order of TwinfeMeshGetRegions (volumes[] holds nregions values).

  Level: intermediate

.seealso: TwinfeMeshGetRegions()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshComputeRegionVolumes(TwinfeMesh mesh, PetscReal volumes[]);

/*@
  TwinfeMeshMergeDuplicateVertices - Joins vertices that lie at the very same place.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameter:
. nmerged - number of copies dropped

  Notes:
  Joins vertices that lie at the very same place (Gmsh's HXT on several threads leaves a few
  split in two copies, each with part of the tets), and checks that around each joined vertex
  the mesh is whole again: every face through it shared by two tets, or by one tet and a facet;
  no flat or inverted tet. *nmerged: copies dropped (0: nothing to do). An error when the join
  does not close the mesh; the mesh is then not valid and should be destroyed.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshMergeDuplicateVertices(TwinfeMesh mesh, PetscInt *nmerged);

/*@
  TwinfeMeshGetComponents - Finds the connected parts of a mesh.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ ncomponents      - number of connected parts
. tet_component    - part of each tet (may be NULL)
- vertex_component - part of each vertex, -1 when no tet uses it (may be NULL)

  Notes:
  Connected parts: tets that share a vertex are in one part (a part may hold several regions, and
  a region several parts, e.g. two kidneys). Parts are numbered 0..*ncomponents-1 in the order of
  their first tet. tet_component[] (ntets values) and vertex_component[] (nvertices values, -1
  for a vertex no tet uses) may each be NULL. Near-linear in the tets.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetComponents(TwinfeMesh mesh, PetscInt *ncomponents, PetscInt tet_component[],
                                                    PetscInt vertex_component[]);

/*@
  TwinfeMeshComputeCellQuality - Computes each tet's radius ratio and Gmsh gamma.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ radius_ratio - 3 r / R of each tet (may be NULL)
- gmsh_gamma   - Gmsh's gamma of each tet (may be NULL)

  Notes:
  Per-tet quality under the two measures users meet in other tools, both 1 for the regular
  tet and 0 for a flat one:
    radius_ratio = 3 r / R (inradius over circumradius; what TwinfeMeshComputeQuality calls gamma),
    gmsh_gamma   = 6 sqrt(6) V / (S l_max) (Gmsh's "gamma": volume over total face area S times
                   the longest edge; what Gmsh's Statistics and its -optimize thresholds use).
  A tet with non-positive volume scores 0 on both. Either array may be NULL (ntets values
  each).

  Level: intermediate

.seealso: TwinfeMeshComputeQuality()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshComputeCellQuality(TwinfeMesh mesh, PetscReal radius_ratio[], PetscReal gmsh_gamma[]);

/* Statistics of one region's tets, for a per-region report. */
typedef struct {
  int32_t   label;               /* the region */
  PetscInt  ntets;               /* its tetrahedra */
  PetscReal volume_mm3;          /* sum of their signed volumes */
  PetscInt  inverted;            /* tets with volume <= 0 (a valid mesh has none) */
  PetscReal min_radius_ratio;    /* 3 r / R */
  PetscReal median_radius_ratio; /* the middle value (mean of the two middle ones for an even count) */
  PetscInt  radius_ratio_below;  /* tets with radius ratio < TWINFE_QUALITY_POOR (0.1) */
  PetscReal min_gmsh_gamma;      /* 6 sqrt(6) V / (S l_max) */
  PetscReal median_gmsh_gamma;
  PetscInt  gmsh_gamma_below; /* tets with Gmsh gamma < TWINFE_QUALITY_POOR */
  PetscReal min_dihedral_deg; /* smallest dihedral angle, degrees */
} TwinfeMeshRegionQuality;
#define TWINFE_QUALITY_POOR 0.1
/*@
  TwinfeMeshComputeRegionQuality - Computes quality statistics per region.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameter:
. out - one entry per region

  Notes:
  out[] holds one entry per region, in the order of TwinfeMeshGetRegions. Medians come from an
  O(n) selection (quickselect) on a copy of each region's values, not from a sort. A region
  with no tets has ntets 0 and NaN for its statistics.

  Level: intermediate

.seealso: TwinfeMeshGetRegions()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshComputeRegionQuality(TwinfeMesh mesh, TwinfeMeshRegionQuality out[]);

/*@
  TwinfeMeshCountFacetsByTag - Counts the facets of each tag.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ ntags  - number of distinct tags
. tags   - the tags, ascending (PetscFree it)
- counts - facets per tag (PetscFree it)

  Notes:
  Facets per touching pair: the distinct facet tags, ascending, with how many facets carry
  each; a tag names its pair (TwinfeFacetTagLabels in core.h: interfaces are tags >= 1000,
  outer surfaces tags < 1000). *tags and *counts are PetscMalloc'ed (PetscFree both).

  Level: intermediate

.seealso: TwinfeFacetTagLabels()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCountFacetsByTag(TwinfeMesh mesh, PetscInt *ntags, int32_t **tags, PetscInt **counts);

/* ---------------------------------------------------------------- vessels and their caps
   Synthetic vessels for flow (docs/vessel_models.md), meshed by Gmsh from OpenCASCADE shapes:
   region 1 named "lumen"; its wall tagged 1 (TwinfeFacetTag(1, 0)); its flat ends, the caps
   (inlets and outlets), tagged TwinfeCapTag(1, k) (core.h). Facets point out of the lumen, tets
   are positive, boundary vertices lie on the shapes (to rounding). Gmsh runs its Delaunay 3D
   mesher on one thread, so the same arguments give the same mesh, bit for bit, every run.
   -mesh_verbose shows Gmsh's messages. Not collective. */

/*@
  TwinfeMeshCreateTube - Creates the mesh of a straight circular tube with caps.

  Not collective

  Input Parameters:
+ radius - the tube's radius (mm)
. length - its length (mm)
- h      - tet size (mm; 0 < h <= radius)

  Output Parameter:
. mesh - the new mesh

  Notes:
  Synthetic vessels for flow (docs/vessel_models.md), meshed by Gmsh from OpenCASCADE shapes:
  region 1 named "lumen"; its wall tagged 1 (TwinfeFacetTag(1, 0)); its flat ends, the caps
  (inlets and outlets), tagged TwinfeCapTag(1, k) (core.h). Facets point out of the lumen, tets
  are positive, boundary vertices lie on the shapes (to rounding). Gmsh runs its Delaunay 3D
  mesher on one thread, so the same arguments give the same mesh, bit for bit, every run.
  -mesh_verbose shows Gmsh's messages. Not collective.
  A straight circular tube of the given radius along +z from z = 0 to z = length (mm),
  centred on x = y = 0, with tets of about size h (mm; 0 < h <= radius). Caps: the inlet
  (z = 0) TwinfeCapTag(1, 1), the outlet (z = length) TwinfeCapTag(1, 2).

  Level: intermediate

.seealso: TwinfeMeshDestroy(), TwinfeFacetTag(), TwinfeCapTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCreateTube(PetscReal radius, PetscReal length, PetscReal h, TwinfeMesh *mesh);

/* A parent tube with a smooth stenosis that forks into two daughter tubes (a carotid-like
   bifurcation). Lengths in mm, angles in degrees. The parent runs along +z from its inlet at
   z = 0 to the branch point J = (0, 0, parent_length), where it ends in a half ball of radius
   parent_radius; each daughter is a straight tube from J along the direction at its angle from
   +z in the x-z plane (daughter 1 towards +x, daughter 2 towards -x), its outlet centred at
   J + daughter_length * direction. The stenosis narrows the parent's radius by
   stenosis_fraction * parent_radius at z = stenosis_center, along a cosine bump of axial length
   stenosis_length: r(z) = R0 (1 - f (1 + cos(2 pi (z - c) / l)) / 2) for |z - c| < l / 2. */
typedef struct {
  PetscReal parent_radius;         /* R0 > 0 */
  PetscReal parent_length;         /* inlet to the branch point J; > 0 */
  PetscReal stenosis_fraction;     /* f in [0, 0.9]: radius lost at the throat over R0 (0.5: a 50% diameter stenosis); 0: none */
  PetscReal stenosis_length;       /* l > 0 */
  PetscReal stenosis_center;       /* c: the bump lies in [0, parent_length - parent_radius] (before the fork) */
  PetscReal daughter_radius[2];    /* in (0, parent_radius] */
  PetscReal daughter_length[2];    /* J to the outlet centre, >= 2 parent_radius */
  PetscReal daughter_angle_deg[2]; /* from +z, in (0, 60]: daughter 1 towards +x, daughter 2 towards -x */
  PetscReal fillet_radius;         /* in [0, half the narrower daughter's radius]: the creases where the daughters meet
                                      the half ball and each other rounded with this radius (OpenCASCADE's fillet); 0:
                                      sharp. Gmsh 4.8 leaves a dozen slivers (radius ratio ~0.002) in the rounded fork */
  PetscReal mesh_size;             /* target tet size h, in (0, the least of the throat and daughter radii] */
} TwinfeBifurcationSpec;

/*@
  TwinfeBifurcationSpecDefault - Fills a bifurcation with a plausible carotid bifurcation.

  Not collective

  Output Parameter:
. spec - the default bifurcation

  Notes:
  A plausible carotid bifurcation: R0 3, parent 30 long, 50% diameter stenosis 8 long centred
  15 from the inlet, daughters of radius 2.2 and 1.8, 25 and 20 long, at +-25 degrees, a sharp fork, h 0.6.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeBifurcationSpecDefault(TwinfeBifurcationSpec *spec);

/*@
  TwinfeMeshCreateBifurcation - Creates the mesh of a vessel bifurcation with a stenosis.

  Not collective

  Input Parameter:
. spec - the bifurcation's shape and mesh size

  Output Parameter:
. mesh - the new mesh

  Notes:
  A parent tube with a smooth stenosis that forks into two daughter tubes (a carotid-like
  bifurcation). Lengths in mm, angles in degrees. The parent runs along +z from its inlet at
  z = 0 to the branch point J = (0, 0, parent_length), where it ends in a half ball of radius
  parent_radius; each daughter is a straight tube from J along the direction at its angle from
  +z in the x-z plane (daughter 1 towards +x, daughter 2 towards -x), its outlet centred at
  J + daughter_length * direction. The stenosis narrows the parent's radius by
  stenosis_fraction * parent_radius at z = stenosis_center, along a cosine bump of axial length
  stenosis_length: r(z) = R0 (1 - f (1 + cos(2 pi (z - c) / l)) / 2) for |z - c| < l / 2.
  Caps: the inlet TwinfeCapTag(1, 1), daughter 1's outlet TwinfeCapTag(1, 2), daughter 2's
  TwinfeCapTag(1, 3). Every field is checked (the message names it); daughters so close that
  one cuts the other's outlet are refused.

  Level: intermediate

.seealso: TwinfeMeshDestroy(), TwinfeCapTag()
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshCreateBifurcation(const TwinfeBifurcationSpec *spec, TwinfeMesh *mesh);

/* What a cap is, measured on its facets (works on any mesh: TwinfeCapIndex(tag) > 0). */
typedef struct {
  int32_t   tag;       /* TwinfeCapTag(label, cap) */
  int32_t   label;     /* the region it closes */
  PetscInt  cap;       /* k = TwinfeCapIndex(tag) */
  PetscInt  nfacets;   /* its facets */
  PetscReal area;      /* mm^2 */
  PetscReal center[3]; /* area-weighted centre of its facets, mm */
  PetscReal normal[3]; /* unit: the area-weighted mean of the facet normals (outward when the facets are, as meshes
                          made here store them) */
  PetscReal radius;    /* equivalent radius sqrt(area / pi), mm */
  PetscReal flatness;  /* largest distance of a cap vertex from the plane through center with that normal, mm */
} TwinfeCapInfo;

/*@
  TwinfeMeshGetCaps - Measures the caps of a mesh on their facets.

  Not collective

  Input Parameter:
. mesh - the mesh

  Output Parameters:
+ ncaps - number of caps
- caps  - one entry per cap (PetscFree it)

  Notes:
  One entry per distinct cap tag among the facets, by ascending tag; *caps is PetscMalloc'ed
  (PetscFree it), NULL when *ncaps is 0 (a mesh without caps, e.g. a box).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshGetCaps(TwinfeMesh mesh, PetscInt *ncaps, TwinfeCapInfo **caps);
/* Caps in .msh files: TwinfeMeshWriteGmsh writes cap k of region <name> as the physical surface
   "<name>_cap<k>" (its tag the cap tag), and TwinfeMeshReadGmsh takes, besides the rule's tag, a
   cap tag of region a on an outer face of a (docs/mesh_files.md). */
