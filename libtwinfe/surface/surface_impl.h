/* Private to the surface stage: the layout of a TwinfeSurface and the VTK smoothing adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/surface.h>

struct _p_TwinfeSurface {
  PetscInt   nvertices, ntriangles;
  PetscReal *xyz;    /* 3 per vertex, LPS mm */
  PetscInt  *tri;    /* 3 per triangle */
  int32_t   *labels; /* 2 per triangle: inside > outside >= 0 */
};

/* NULL-argument check without PETSc's private headers. */
#define TwinfeSurfaceCheckPointer_Private(p)                                                                                     \
  PetscCheck((p) != NULL, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: argument '%s' must not be NULL", PETSC_FUNCTION_NAME, #p)

/* Takes ownership of the three arrays, allocated together with PetscMalloc3(xyz, tri, labels)
   because Destroy frees them with PetscFree3 (no copy, no check). */
PETSC_INTERN PetscErrorCode TwinfeSurfaceCreateOwning_Private(PetscInt nvertices, PetscReal *xyz, PetscInt ntriangles,
                                                              PetscInt *tri, int32_t *labels, TwinfeSurface *surface);

/* Windowed-sinc smoothing of the vertex coordinates in place; connectivity is only read. */
PETSC_INTERN PetscErrorCode TwinfeSurfaceSmooth_VTK(PetscInt nvertices, PetscReal xyz[], PetscInt ntriangles,
                                                    const PetscInt tri[], PetscInt iterations, PetscReal passband,
                                                    PetscReal feature_angle_deg, PetscBool feature_edges,
                                                    PetscBool nonmanifold_smoothing);
