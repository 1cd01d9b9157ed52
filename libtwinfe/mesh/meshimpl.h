/* Private layout of TwinfeMesh and the helpers shared by the mesh stage's files.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/mesh.h>

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
};

/* Six times the signed volume of the tet (a, b, c, d). */
PETSC_INTERN PetscReal TwinfeTetDet_Private(const PetscReal a[3], const PetscReal b[3], const PetscReal c[3],
                                            const PetscReal d[3]);

/* The surfaces a shell-based mesher needs, derived from a labelled triangle soup: triangles
   grouped into patches (one per label pair and edge-connected component), and for each region
   its closed shells, each classified as outer (encloses positive volume) or hole. */
typedef struct {
  PetscInt   npatches;
  PetscInt  *patch_of_triangle;   /* -1 for a triangle that bounds no requested region */
  int32_t   *patch_hi, *patch_lo; /* labels of each patch, normal from hi to lo; lo may be 0 */
  PetscInt   nshells;
  int32_t   *shell_region;  /* region the shell bounds */
  PetscReal *shell_volume;  /* signed volume enclosed, oriented outward of the region */
  PetscInt  *shell_offsets; /* patches of shell s: shell_patches[shell_offsets[s]..[s+1]) */
  PetscInt  *shell_patches;
  PetscInt  *shell_owner;      /* for a hole: index of the outer shell that contains it; -1 for an outer shell */
  PetscBool *triangle_flipped; /* triangle reversed so its normal goes from hi to lo */
} TwinfeShells;

/* Build patches and shells. Triangle labels are (inside, outside); labels not listed in
   regions[] count as background 0. */
PETSC_INTERN PetscErrorCode TwinfeShellsCreate_Private(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                       const PetscInt tri[], const int32_t labels[], PetscInt nregions,
                                                       const int32_t regions[], TwinfeShells *shells);
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
/* The physical surface name for a facet tag: <name>_surface or <nameA>_<nameB>_interface. */
PETSC_INTERN PetscErrorCode TwinfeFacetGroupName_Private(int32_t tag, PetscInt nregions, const int32_t labels[],
                                                         const char *const names[], char name[], size_t size);

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

/* A NULL argument refused with the function and argument named. */
#define TwinfeCheckArgNull_Private(p)                                                                                            \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument %s is NULL", PETSC_FUNCTION_NAME, #p)
