/* TwinfeImageCreateOrganPhantom: the bundled synthetic organ with an inclusion.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"

/* Organ: an ellipsoid with semi-axes A x B x C mm whose x semi-axis grows linearly with z
   (egg-shaped, so no mirror symmetry hides orientation bugs). The taper term is odd in z,
   so it integrates to zero: the volume stays exactly 4/3 pi A B C. */
#define ORGAN_A 55.0
#define ORGAN_B 40.0
#define ORGAN_C 30.0
#define ORGAN_TAPER 0.1 /* relative change of A per C of z */
/* Inclusion: a ball off-centre in all three axes, well inside the organ. */
#define INCLUSION_R 12.0
static const PetscReal inclusion_centre[3] = {20.0, 8.0, 5.0};
/* Where the organ's centre lies in the scanner (LPS mm), and its tilt about z. */
static const PetscReal organ_centre_world[3] = {12.5, -30.0, 150.0};
#define ORGAN_TILT_DEG 20.0
#define PHANTOM_PAD 2 /* background voxels around the organ on every side */

static int32_t TwinfePhantomLabel_Private(const PetscReal p[3])
{
  const PetscReal a  = ORGAN_A * (1.0 + ORGAN_TAPER * p[2] / ORGAN_C);
  const PetscReal dx = p[0] - inclusion_centre[0], dy = p[1] - inclusion_centre[1], dz = p[2] - inclusion_centre[2];
  if (dx * dx + dy * dy + dz * dz <= INCLUSION_R * INCLUSION_R) return 2;
  if (PetscSqr(p[0] / a) + PetscSqr(p[1] / ORGAN_B) + PetscSqr(p[2] / ORGAN_C) <= 1.0) return 1;
  return 0;
}

PetscErrorCode TwinfeImageCreateOrganPhantom(PetscReal voxel_mm, TwinfeImage *image)
{
  /* half extents of the organ's bounding box in its own frame */
  const PetscReal half[3]    = {ORGAN_A * (1.0 + ORGAN_TAPER), ORGAN_B, ORGAN_C};
  const PetscReal th         = ORGAN_TILT_DEG * PETSC_PI / 180.0;
  const PetscReal D[9]       = {PetscCosReal(th), -PetscSinReal(th), 0, PetscSinReal(th), PetscCosReal(th), 0, 0, 0, 1};
  PetscReal       spacing[3] = {voxel_mm, voxel_mm, voxel_mm}, centre_index[3], origin[3];
  PetscInt        dims[3];
  TwinfeImage     img;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  PetscCheck(voxel_mm >= 0.2 && voxel_mm <= 20.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeImageCreateOrganPhantom: voxel size %g mm is outside [0.2, 20] mm (2 mm is the default case, "
             "0.7 mm gives about 1M tets)",
             (double)voxel_mm);
  for (int d = 0; d < 3; d++) {
    dims[d]         = 2 * ((PetscInt)PetscCeilReal(half[d] / voxel_mm) + PHANTOM_PAD) + 1;
    centre_index[d] = 0.5 * (PetscReal)(dims[d] - 1);
  }
  /* origin so that the centre voxel lands on organ_centre_world */
  for (int r = 0; r < 3; r++) {
    origin[r] = organ_centre_world[r];
    for (int c = 0; c < 3; c++)
      origin[r] -= D[3 * r + c] * voxel_mm * centre_index[c];
  }
  PetscCall(TwinfeImageCreate(dims, spacing, origin, D, &img));
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++)
      for (PetscInt i = 0; i < dims[0]; i++) {
        const PetscReal p[3]                         = {voxel_mm * (i - centre_index[0]), voxel_mm * (j - centre_index[1]),
                                                        voxel_mm * (k - centre_index[2])};
        img->labels[i + dims[0] * (j + dims[1] * k)] = TwinfePhantomLabel_Private(p);
      }
  *image = img;
  PetscFunctionReturn(0);
}
