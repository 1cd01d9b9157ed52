/* TwinfeImageCreateVesselPhantom: a carotid-like bifurcation with a stenosis, cut by the image
 * at its three ends (the bundled flow case, meshes/vessel_phantom.yaml).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"

/* Parent (common carotid) along +z from the image's first slice to the junction, radius R0,
   with a cosine stenosis halving its diameter; two daughters from the junction at their angles
   in the x-z plane, running out through the last slice; a ball of radius R0 rounds the fork. */
#define VESSEL_R0 3.0
#define VESSEL_JUNCTION_Z 30.0
#define VESSEL_TOP_Z 50.0
#define STENOSIS_CENTRE_Z 15.0
#define STENOSIS_LENGTH 8.0
#define STENOSIS_DIAMETER_LOSS 0.5
static const PetscReal daughter_radius[2]    = {2.2, 1.8};
static const PetscReal daughter_angle_deg[2] = {25.0, -25.0};
#define VESSEL_PAD_MM 2.0 /* background beside the vessel in x and y */

static PetscReal ParentRadius(PetscReal z)
{
  const PetscReal s = (z - STENOSIS_CENTRE_Z) / STENOSIS_LENGTH;
  if (PetscAbsReal(s) >= 0.5) return VESSEL_R0;
  return VESSEL_R0 * (1 - 0.5 * STENOSIS_DIAMETER_LOSS * (1 + PetscCosReal(2 * PETSC_PI * s)));
}

static PetscBool InDaughter(const PetscReal p[3], PetscInt d)
{
  const PetscReal a = daughter_angle_deg[d] * PETSC_PI / 180, axis[3] = {PetscSinReal(a), 0, PetscCosReal(a)};
  const PetscReal q[3] = {p[0], p[1], p[2] - VESSEL_JUNCTION_Z};
  const PetscReal t    = q[0] * axis[0] + q[1] * axis[1] + q[2] * axis[2];
  PetscReal       r2   = 0;
  if (t < 0) return PETSC_FALSE;
  for (PetscInt k = 0; k < 3; ++k)
    r2 += PetscSqr(q[k] - t * axis[k]);
  return r2 <= PetscSqr(daughter_radius[d]) ? PETSC_TRUE : PETSC_FALSE;
}

static int32_t VesselLabel(const PetscReal p[3])
{
  const PetscReal r2 = p[0] * p[0] + p[1] * p[1];
  if (p[2] <= VESSEL_JUNCTION_Z && r2 <= PetscSqr(ParentRadius(p[2]))) return 1;
  if (r2 + PetscSqr(p[2] - VESSEL_JUNCTION_Z) <= VESSEL_R0 * VESSEL_R0) return 1;
  return InDaughter(p, 0) || InDaughter(p, 1) ? 1 : 0;
}

PetscErrorCode TwinfeImageCreateVesselPhantom(PetscReal voxel_mm, TwinfeImage *image)
{
  const PetscReal reach = (VESSEL_TOP_Z - VESSEL_JUNCTION_Z) * PetscTanReal(25.0 * PETSC_PI / 180) + VESSEL_R0 + VESSEL_PAD_MM;
  const PetscReal D[9]  = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  PetscReal       spacing[3] = {voxel_mm, voxel_mm, voxel_mm}, origin[3];
  PetscInt        dims[3];
  TwinfeImage     img;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  PetscCheck(voxel_mm >= 0.1 && voxel_mm <= 1.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeImageCreateVesselPhantom: voxel size %g mm is outside [0.1, 1] mm (the stenosis is 3 mm across; default "
             "0.4 mm)",
             (double)voxel_mm);
  /* x, y centred on the parent's axis; voxel centres on z = 0 and z = VESSEL_TOP_Z, so that the
     first and last slices cut the vessel */
  dims[0]   = 2 * (PetscInt)PetscCeilReal(reach / voxel_mm) + 1;
  dims[1]   = 2 * (PetscInt)PetscCeilReal((VESSEL_R0 + VESSEL_PAD_MM) / voxel_mm) + 1;
  dims[2]   = (PetscInt)PetscFloorReal(VESSEL_TOP_Z / voxel_mm + 0.5) + 1;
  origin[0] = -voxel_mm * 0.5 * (PetscReal)(dims[0] - 1);
  origin[1] = -voxel_mm * 0.5 * (PetscReal)(dims[1] - 1);
  origin[2] = 0;
  PetscCall(TwinfeImageCreate(dims, spacing, origin, D, &img));
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++) {
        const PetscReal p[3]                         = {origin[0] + voxel_mm * i, origin[1] + voxel_mm * j, voxel_mm * k};
        img->labels[i + dims[0] * (j + dims[1] * k)] = VesselLabel(p);
      }
  *image = img;
  PetscFunctionReturn(0);
}
