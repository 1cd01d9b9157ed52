/* TwinfeSurfaceSmooth: argument and option handling around the VTK smoothing adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"
#include "core/core_impl.h"

/* Defaults from the measurements in docs/stack-measurements.md: 20 iterations and pass band 0.1 kept
   real 3 mm labels free of self-intersections (0.01 shrank thin vessels by a quarter). */
#define TWINFE_SMOOTH_ITERATIONS 20
#define TWINFE_SMOOTH_PASSBAND 0.1
/* Above 90 degrees on purpose: every crease of a voxel-face surface is exactly 90 degrees, so
   a smaller angle (docs/stack-measurements.md's 30-45, measured on marching-cubes surfaces) marks every
   staircase edge a feature and freezes nearly all vertices: measured on a voxel ball, 40
   degrees left the radial spread at 0.43 voxel, 120 degrees brought it to 0.085. */
#define TWINFE_FEATURE_ANGLE 120.0
/* Largest move of a vertex along each grid axis, in voxels: two sheets one voxel apart keep a
   gap of 1 - 2 * 0.3 = 0.4 voxel (docs/surfaces.md has the measurements behind 0.3). */
#define TWINFE_SMOOTH_MAX_SHIFT 0.3

/* Keep each vertex within +-max_shift voxels (per grid axis) of where it was before: the move
   is taken into grid coordinates (D has orthonormal columns), clamped and brought back. */
static void TwinfeSurfaceClampShift_Private(TwinfeSurface s, const PetscReal before[], PetscReal max_shift)
{
  const PetscReal *D = s->grid_direction, *h = s->grid_spacing;
  for (PetscInt v = 0; v < s->nvertices; v++) {
    PetscReal *x       = s->xyz + 3 * v, g[3];
    PetscBool  clamped = PETSC_FALSE;
    for (int c = 0; c < 3; c++) {
      PetscReal m = 0, lim = max_shift * h[c];
      for (int r = 0; r < 3; r++)
        m += D[3 * r + c] * (x[r] - before[3 * v + r]);
      g[c] = PetscMax(-lim, PetscMin(lim, m));
      clamped |= (PetscBool)(g[c] != m);
    }
    if (!clamped) continue;
    for (int r = 0; r < 3; r++)
      x[r] = before[3 * v + r] + D[3 * r] * g[0] + D[3 * r + 1] * g[1] + D[3 * r + 2] * g[2];
  }
}

/* With caps: the caps are smoothed first by caps.c (rims along themselves, insides in their
   plane), then VTK smooths the rest with every cap vertex held, so the rim stays a sharp edge
   in the plane instead of being rounded off; the cap vertices get back their places (VTK's
   normalisation round trip costs a few ulps) and go exactly onto their planes. */
static PetscErrorCode SmoothWithCaps(TwinfeSurface s, PetscInt iterations, PetscReal passband, PetscReal feature_angle_deg,
                                     PetscBool feature_edges, PetscBool nonmanifold, PetscReal max_shift)
{
  PetscReal *before, *capped;
  PetscBool *fixed;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(3 * s->nvertices, &before, 3 * s->nvertices, &capped));
  PetscCall(PetscCalloc1(s->nvertices, &fixed));
  PetscCall(PetscArraycpy(before, s->xyz, 3 * s->nvertices));
  PetscCall(TwinfeSurfaceCapsSmooth_Private(s, iterations, passband, s->has_grid ? max_shift : 0, before, fixed));
  PetscCall(PetscArraycpy(capped, s->xyz, 3 * s->nvertices));
  PetscCall(TwinfeSurfaceSmooth_VTK(s->nvertices, s->xyz, s->ntriangles, s->tri, iterations, passband, feature_angle_deg,
                                    feature_edges, nonmanifold, fixed));
  if (max_shift > 0 && s->has_grid) TwinfeSurfaceClampShift_Private(s, before, max_shift);
  for (PetscInt v = 0; v < s->nvertices; v++)
    if (fixed[v])
      for (int d = 0; d < 3; d++)
        s->xyz[3 * v + d] = capped[3 * v + d];
  PetscCall(TwinfeSurfaceCapsProject_Private(s));
  PetscCall(PetscFree2(before, capped));
  PetscCall(PetscFree(fixed));
  PetscFunctionReturn(0);
}

static PetscLogEvent smooth_event = -1;

PetscErrorCode TwinfeSurfaceSmooth(TwinfeSurface surface, PetscInt iterations, PetscReal passband, PetscReal feature_angle_deg)
{
  PetscBool nonmanifold = PETSC_TRUE, feature_edges = PETSC_TRUE;
  PetscReal max_shift = TWINFE_SMOOTH_MAX_SHIFT, *before = NULL;

  PetscFunctionBeginUser;
  TwinfeSurfaceCheckPointer_Private(surface);
  /* A negative argument (e.g. PETSC_DEFAULT) means: the option's value, else the default. */
  if (iterations < 0) {
    iterations = TWINFE_SMOOTH_ITERATIONS;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-surface_smooth_iterations", &iterations, NULL));
  }
  if (passband < 0) {
    passband = TWINFE_SMOOTH_PASSBAND;
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-surface_smooth_passband", &passband, NULL));
  }
  if (feature_angle_deg < 0) {
    feature_angle_deg = TWINFE_FEATURE_ANGLE;
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-surface_feature_angle", &feature_angle_deg, NULL));
  }
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-surface_smooth_nonmanifold", &nonmanifold, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-surface_smooth_feature_edges", &feature_edges, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-surface_smooth_max_shift", &max_shift, NULL));
  PetscCheck(max_shift >= 0 && max_shift <= 10, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceSmooth: -surface_smooth_max_shift %g voxels is outside [0, 10] (0.3 is the default; 0 "
             "turns the limit off; below 0.5 two sheets one voxel apart cannot meet)",
             (double)max_shift);
  PetscCheck(iterations >= 0 && iterations <= 1000, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceSmooth: %" PetscInt_FMT " iterations is outside [0, 1000] (-surface_smooth_iterations; 20 "
             "is the default)",
             iterations);
  PetscCheck(passband > 0 && passband <= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceSmooth: pass band %g is outside (0, 2] (-surface_smooth_passband; 0.1 is the default, "
             "smaller smooths more and shrinks thin labels)",
             (double)passband);
  PetscCheck(feature_angle_deg >= 0 && feature_angle_deg <= 180, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSurfaceSmooth: feature angle %g degrees is outside [0, 180] (-surface_feature_angle; 120 is the "
             "default, below 90 freezes voxel staircases)",
             (double)feature_angle_deg);
  if (iterations == 0 || surface->ntriangles == 0) PetscFunctionReturn(0);
  PetscCall(TwinfeLogBegin_Private("TwinfeSurfSmooth", &smooth_event));
  if (surface->ncaps) {
    PetscCall(SmoothWithCaps(surface, iterations, passband, feature_angle_deg, feature_edges, nonmanifold, max_shift));
    PetscCall(PetscLogEventEnd(smooth_event, 0, 0, 0, 0));
    PetscFunctionReturn(0);
  }
  if (max_shift > 0 && surface->has_grid) {
    PetscCall(PetscMalloc1(3 * surface->nvertices, &before));
    PetscCall(PetscArraycpy(before, surface->xyz, 3 * surface->nvertices));
  }
  PetscCall(TwinfeSurfaceSmooth_VTK(surface->nvertices, surface->xyz, surface->ntriangles, surface->tri, iterations, passband,
                                    feature_angle_deg, feature_edges, nonmanifold, NULL));
  if (before) TwinfeSurfaceClampShift_Private(surface, before, max_shift);
  PetscCall(PetscFree(before));
  PetscCall(PetscLogEventEnd(smooth_event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
