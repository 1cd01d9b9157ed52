/* Private layout of TwinfeMesh and the helpers shared by the mesh stage's files.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/mesh.h>
#include "core/core_impl.h"

struct _p_TwinfeMesh {
  PetscInt   nvertices;
  PetscReal *xyz; /* 3 per vertex, mm, LPS */
  PetscInt   ntets;
  PetscInt  *tets; /* 4 per tet, det[v1-v0, v2-v0, v3-v0] > 0 */
  int32_t   *regions;
  PetscInt   nfacets;
  PetscInt  *facets; /* 3 per facet */
  int32_t   *facet_tags;
  PetscInt   nregions;
  int32_t   *region_labels; /* distinct tet regions, ascending */
  char     **region_names;  /* one per region label */
  /* what TwinfeMeshImprove did when the mesh stage made this mesh (zero otherwise) */
  PetscBool                 improved;
  TwinfeMeshImproveStats    improve_stats;
  TwinfeMeshGenerationStats generation; /* how Gmsh made it (mesh stage) */
  /* per tet, computed when first asked (TwinfeMeshMeasureCells_Private), NULL until then */
  PetscReal *cell_radius_ratio, *cell_gmsh_gamma, *cell_min_dihedral;
};

/* Fill (once) the per-tet radius ratio, Gmsh gamma and least dihedral angle; forget them when
   the mesh changes. */
PETSC_INTERN PetscErrorCode TwinfeMeshMeasureCells_Private(TwinfeMesh mesh);
PETSC_INTERN PetscErrorCode TwinfeMeshForgetCellMeasures_Private(TwinfeMesh mesh);

/* The graded interior size (mesh_sizing.c): min(size_max, h + grading * depth), h the surface
   edge length nearest x, depth the distance to the surface; on a grid, for Gmsh's callback. */
typedef struct {
  PetscReal lo[3], cell, grading, size_max;
  PetscInt  n[3];
  float    *depth, *hsurf;
} TwinfeSizeField;
PETSC_INTERN PetscErrorCode TwinfeSizeFieldCreate_Private(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                                          PetscReal grading, PetscReal size_max, TwinfeSizeField *f);
PETSC_INTERN PetscErrorCode TwinfeSizeFieldDestroy_Private(TwinfeSizeField *f);
PETSC_INTERN double         TwinfeSizeFieldEvaluate_Private(const TwinfeSizeField *f, const double x[3]);

/* The three vertex numbers of a face in ascending order (a key for faces, whatever their
   orientation). */
static inline void TwinfeSortThree_Private(PetscInt f[3])
{
  PetscInt s;
  if (f[0] > f[1]) s = f[0], f[0] = f[1], f[1] = s;
  if (f[1] > f[2]) s = f[1], f[1] = f[2], f[2] = s;
  if (f[0] > f[1]) s = f[0], f[0] = f[1], f[1] = s;
}

/* A tet's smallest dihedral angle in degrees (mesh_quality.c); its radius ratio is core's
   TwinfeTetRadiusRatio_Private. */
PETSC_INTERN PetscReal TwinfeTetMinDihedralDeg_Private(const PetscReal *p[4]);

/* The surfaces a shell-based mesher needs, derived from a labelled triangle soup: triangles
   grouped into patches (one per label pair and edge-connected component), and for each region
   its closed shells, each classified as outer (encloses positive volume) or hole. */
typedef struct {
  PetscInt   npatches;
  PetscInt  *patch_of_triangle;   /* -1 for a triangle that bounds no requested region */
  int32_t   *patch_hi, *patch_lo; /* labels of each patch, normal from hi to lo; lo may be 0 */
  int32_t   *patch_tag;           /* facet tag: TwinfeFacetTag(hi, lo), or the surface's cap tag */
  PetscInt   nshells;
  int32_t   *shell_region;  /* region the shell bounds */
  PetscReal *shell_volume;  /* signed volume enclosed, oriented outward of the region */
  PetscInt  *shell_offsets; /* patches of shell s: shell_patches[shell_offsets[s]..[s+1]) */
  PetscInt  *shell_patches;
  PetscInt  *shell_owner;      /* for a hole: index of the outer shell that contains it; -1 for an outer shell */
  PetscBool *triangle_flipped; /* triangle reversed so its normal goes from hi to lo */
} TwinfeShells;

/* Build patches and shells. Triangle labels are (inside, outside); labels not listed in
   regions[] count as background 0. tags (NULL: none) are the surface's per-triangle facet tags:
   a cap tag (TwinfeCapTag) of a listed region makes its triangles patches of their own. */
PETSC_INTERN PetscErrorCode TwinfeShellsCreate_Private(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                       const PetscInt tri[], const int32_t labels[], const int32_t tags[],
                                                       PetscInt nregions, const int32_t regions[], TwinfeShells *shells);
PETSC_INTERN PetscErrorCode TwinfeShellsDestroy_Private(TwinfeShells *shells);

/* Gmsh is one global state: every entry point opens a session (initialise, silence, start
   the logger, add an empty model) and closes it (finalise) on every path, errors included. */
PETSC_INTERN PetscErrorCode TwinfeGmshBegin_Private(PetscBool verbose);
PETSC_INTERN PetscErrorCode TwinfeGmshEnd_Private(void);
/* Gmsh's last logged error message (empty if none) copied into buf. */
PETSC_INTERN void TwinfeGmshLastError_Private(char buf[], size_t size);
/* Read the current Gmsh model (tets per physical volume, triangles per physical surface,
   names of the volume groups) into a new TwinfeMesh. */
PETSC_INTERN PetscErrorCode TwinfeGmshExtract_Private(const char source[], TwinfeMesh *mesh);
/* What one Gmsh model holds, copied out of Gmsh (and, for a volume group meshed in another
   process, sent through a pipe): tets (4 node tags each) with their physical volume's tag,
   optionally triangles (3 node tags) with their physical surface's tag, and the nodes with a
   tag from first_node_tag on. */
typedef struct {
  PetscInt ntets, ntris, nnodes;
  size_t  *tet_tags, *tri_tags, *node_tags;
  int32_t *tet_labels, *tri_labels;
  double  *coords;
} TwinfeGmshPart;
PETSC_INTERN PetscErrorCode TwinfeGmshCollect_Private(const char source[], PetscBool triangles, size_t first_node_tag,
                                                      TwinfeGmshPart *part);
PETSC_INTERN PetscErrorCode TwinfeGmshPartDestroy_Private(TwinfeGmshPart *part);
/* Volume groups (mesh_groups.c). Outer shells (with their holes) split into at most max_groups
   groups of about equal estimated tets, group 0 the heaviest; group_of_shell[k] is -1 for a
   shell that makes no volume. */
PETSC_INTERN PetscErrorCode TwinfeShellGroups_Private(const TwinfeShells *s, const PetscReal xyz[], PetscInt nt,
                                                      const PetscInt tri[], PetscInt max_groups, PetscInt group_of_shell[],
                                                      PetscInt *ngroups);
/* Meshes group g in the current, empty Gmsh model and copies it out. */
typedef PetscErrorCode (*TwinfeGroupMesher)(void *ctx, PetscInt g, TwinfeGmshPart *part);
/* Every group into parts[g]: group 0 in the current model, the others one after the other in
   models of their own, or (at_once) each in a forked process while this one meshes group 0. */
PETSC_INTERN PetscErrorCode TwinfeGmshMeshGroups_Private(PetscInt ngroups, PetscBool at_once, TwinfeGroupMesher mesher, void *ctx,
                                                         TwinfeGmshPart parts[]);
/* Every facet is a face of one tet per meshed region beside it: separately meshed groups meet
   face to face. */
PETSC_INTERN PetscErrorCode TwinfeMeshCheckFacetsOnTets_Private(TwinfeMesh mesh);
/* One mesh from parts: parts[0] holds every node it uses; later parts share the nodes with tag
   <= shared_max with it and number their own above (their tags are shifted here, in place). */
PETSC_INTERN PetscErrorCode TwinfeMeshFromGmshParts_Private(const char source[], PetscInt nparts, TwinfeGmshPart parts[],
                                                            size_t shared_max, TwinfeMesh *mesh);
/* The physical surface name for a facet tag: <name>_surface or <nameA>_<nameB>_interface. */
PETSC_INTERN PetscErrorCode TwinfeFacetGroupName_Private(int32_t tag, PetscInt nregions, const int32_t labels[],
                                                         const char *const names[], char name[], size_t size);

/* Node tags -> positions in a node list, for any tags (sparse, huge): a sorted copy, or a
   direct table when the tags are dense (the table never exceeds a few times the node count). */
typedef struct {
  PetscInt  n;
  uint64_t *sorted_tags; /* ascending */
  PetscInt *sorted_index;
  uint64_t  dense_min; /* with dense: index of tag t is dense[t - dense_min], or -1 */
  PetscInt  dense_len, *dense;
} TwinfeNodeMap;
/* Build the map of n tags; *duplicate is set to a tag given twice (0 if none). */
PETSC_INTERN PetscErrorCode TwinfeNodeMapCreate_Private(PetscInt n, const uint64_t tags[], TwinfeNodeMap *map,
                                                        uint64_t *duplicate);
/* Position of tag in the list given to Create, -1 when absent. */
PETSC_INTERN PetscInt       TwinfeNodeMapFind_Private(const TwinfeNodeMap *map, uint64_t tag);
PETSC_INTERN PetscErrorCode TwinfeNodeMapDestroy_Private(TwinfeNodeMap *map);

/* What a .msh file (2.2 or 4.1, ASCII or binary) holds, as parsed and checked for its syntax
   by mesh_msh.c: nodes; the corner nodes of every tetrahedron (any order) and triangle (any
   order) with its element tag, entity and physical group (0: none); counts of element types
   twinfe cannot use; physical names. Nothing here was checked for meaning yet. */
typedef struct {
  PetscInt  nnodes;
  uint64_t *node_tags;
  double   *node_xyz;
  PetscInt  ntets, ntris;
  uint64_t *tet_nodes, *tri_nodes; /* 4 / 3 node tags each */
  uint64_t *tet_tags, *tri_tags;   /* element tags, for messages */
  int      *tet_entity, *tri_entity;
  int      *tet_phys, *tri_phys; /* physical tag, 0 when none */
  PetscBool have_elements;
  PetscInt  refused[128]; /* counts by Gmsh element type of elements twinfe refuses */
  PetscInt  nnames;
  int      *name_dim, *name_tag;
  char    **names;
  char      format[16]; /* "MSH 4.1 binary", for messages */
} TwinfeMsh;

/* Read and check the syntax of a .msh file; errors name the file, line or byte, and what is
   wrong. */
PETSC_INTERN PetscErrorCode TwinfeMshRead_Private(const char path[], TwinfeMsh *msh);
PETSC_INTERN PetscErrorCode TwinfeMshDestroy_Private(TwinfeMsh *msh);
/* The TwinfeMesh a parsed file describes, after the checks of meaning (regions, labels,
   names, node references, coordinates, degenerate and folded tets, facet tags); derives the
   boundary and interface facets when the file has no physical surface. */
PETSC_INTERN PetscErrorCode TwinfeMshToMesh_Private(const char path[], const TwinfeMsh *msh, TwinfeMesh *mesh);
/* Gmsh's name of an element type ("prism") for messages, NULL if unknown. */
PETSC_INTERN const char *TwinfeMshTypeName_Private(int type);

/* Call Gmsh as GMSH_CALL(gmshFoo(..., &gmsh_ierr)): a failure becomes PETSC_ERR_LIB with the
   call and Gmsh's message. GMSH_CALL_CODE picks another error class (file errors). */
#define GMSH_CALL_CODE(code, call)                                                                                               \
  do {                                                                                                                           \
    int gmsh_ierr = 0;                                                                                                           \
    call;                                                                                                                        \
    if (gmsh_ierr) {                                                                                                             \
      char gmsh_msg_[1024];                                                                                                      \
      TwinfeGmshLastError_Private(gmsh_msg_, sizeof gmsh_msg_);                                                                  \
      SETERRQ(PETSC_COMM_SELF, code, "Gmsh: %s failed (ierr %d): %s", #call, gmsh_ierr, gmsh_msg_);                              \
    }                                                                                                                            \
  } while (0)
#define GMSH_CALL(call) GMSH_CALL_CODE(PETSC_ERR_LIB, call)

/* Vessels (mesh_vessel.c, mesh_caps.c): a cap tag (TwinfeCapIndex > 0) is named
   "<region name>_cap<k>" by TwinfeFacetGroupName_Private, and the .msh reader accepts it on an
   outer face of that region. */

/* ---- faces of the tets (mesh_faces.c) ---- */
/* One face of a tet: its vertices sorted, the tet and the vertex opposite. */
typedef struct {
  PetscInt v[3], tet, opposite;
} TwinfeFace;
PETSC_INTERN int TwinfeFaceCompare_Private(const void *, const void *);
/* All 4 ntets faces of tets (nv vertices), sorted by vertices; *faces is PetscMalloc'ed. */
PETSC_INTERN PetscErrorCode TwinfeSortedFaces_Private(PetscInt nv, PetscInt ntets, const PetscInt tets[], TwinfeFace **faces);
/* The first face with the sorted vertices v in the sorted list, or -1. */
PETSC_INTERN PetscInt TwinfeFindFace_Private(PetscInt nfaces, const TwinfeFace faces[], const PetscInt v[3]);
