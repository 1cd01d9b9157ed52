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

/* Create from arrays (copied). tri: 3 vertex indices per triangle; labels: 2 per triangle
   (inside, outside) with inside > outside >= 0. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCreate(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                const PetscInt tri[], const int32_t labels[], TwinfeSurface *surface);
PETSC_EXTERN PetscErrorCode TwinfeSurfaceDestroy(TwinfeSurface *surface);

/* Multi-label surface nets on the label grid: one vertex per voxel corner where labels meet,
   two triangles per voxel face between two different labels, in world coordinates. Every
   region is closed and every interface exists once. Labels not in the list count as
   background. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSurfaceCreateFromImage(TwinfeImage image, PetscInt nlabels, const int32_t labels[],
                                                         TwinfeSurface *surface);
/* Windowed-sinc smoothing (VTK) that keeps connectivity, so closure and shared interfaces
   survive. A negative argument (PETSC_DEFAULT) takes the option, else the default:
   -surface_smooth_iterations (20), -surface_smooth_passband (0.1), -surface_feature_angle
   (120 degrees: voxel-face creases are all 90 degrees, so an angle below 90 marks every
   staircase edge a feature and nothing moves), -surface_smooth_feature_edges (true),
   -surface_smooth_nonmanifold (true). Triple lines (edges of 3+ triangles) stay where the
   voxels put them: VTK 9.1's filter does not move them. */
PETSC_EXTERN PetscErrorCode TwinfeSurfaceSmooth(TwinfeSurface surface, PetscInt iterations, PetscReal passband,
                                                PetscReal feature_angle_deg);

PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetVertices(TwinfeSurface surface, PetscInt *nvertices, const PetscReal **xyz);
PETSC_EXTERN PetscErrorCode TwinfeSurfaceGetTriangles(TwinfeSurface surface, PetscInt *ntriangles, const PetscInt **tri,
                                                      const int32_t **labels);
/* The closed boundary of one label as its own triangle list, oriented outward of that label
   (vertices renumbered compactly; arrays allocated with PetscMalloc, caller frees). */
PETSC_EXTERN PetscErrorCode TwinfeSurfaceExtractLabel(TwinfeSurface surface, int32_t label, PetscInt *nvertices, PetscReal **xyz,
                                                      PetscInt *ntriangles, PetscInt **tri);
/* Volume enclosed by a label's boundary (divergence theorem), mm^3. */
PETSC_EXTERN PetscErrorCode TwinfeSurfaceComputeLabelVolume(TwinfeSurface surface, int32_t label, PetscReal *volume);
