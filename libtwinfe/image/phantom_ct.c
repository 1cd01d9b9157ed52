/* TwinfeImageCreateKidneyPhantom: a CT-like label map with known volumes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What a real abdominal CT segmentation brings that the organ phantom does not: a CT's grid
 * (261 x 512 x 512 voxels of 1.0 x 0.94 x 0.94 mm, slice axis first, an oblique direction),
 * one label in two pieces of different size (the kidneys), a structure touching and partly
 * inside another (a tumour on the smaller kidney), a structure cut by the image border (a
 * vessel leaving the field of view), and specks a segmentation tool leaves behind. Shapes are
 * placed in LPS mm around the image centre, so every voxel size shows the same anatomy. */
#include "image_impl.h"

/* World (LPS mm) centre of the image; shapes below are relative to it. */
static const PetscReal centre_world[3] = {10.0, -20.0, -350.0};
/* Field of view of the full-size grid: 261 slices of 1.0 mm, 512 x 512 of 0.94 mm. */
static const PetscInt  full_dims[3]    = {261, 512, 512};
static const PetscReal full_spacing[3] = {1.0, 0.94, 0.94};
/* Obliquity: the slice axis is tilted 8 deg about x, then the whole grid turned 12 deg about z. */
#define PHANTOM_TILT_X_DEG 8.0
#define PHANTOM_TURN_Z_DEG 12.0

/* Kidneys: ellipsoids (centre, semi-axes, mm); the patient's right (-x) one is the larger. */
static const PetscReal kidney_big_c[3] = {-75.0, 40.0, 0.0}, kidney_big_r[3] = {30.0, 25.0, 55.0};
static const PetscReal kidney_small_c[3] = {75.0, 40.0, 10.0}, kidney_small_r[3] = {26.0, 21.0, 48.0};
/* Tumour: a ball on the smaller kidney's lateral side, a third of it inside the kidney. */
static const PetscReal tumour_c[3] = {95.0, 40.0, 15.0};
#define TUMOUR_R 16.0
/* Vessel: a cylinder along z ending in a hemisphere at z = VESSEL_TOP; it runs out of the
   image through the inferior face. */
static const PetscReal vessel_axis[2] = {0.0, 30.0};
#define VESSEL_R 10.0
#define VESSEL_TOP 40.0

static inline PetscReal Sq(PetscReal x)
{
  return x * x;
}

static PetscBool InEllipsoid(const PetscReal q[3], const PetscReal c[3], const PetscReal r[3])
{
  return (PetscBool)(Sq((q[0] - c[0]) / r[0]) + Sq((q[1] - c[1]) / r[1]) + Sq((q[2] - c[2]) / r[2]) <= 1.0);
}

/* The label at q (mm from the image centre, LPS axes); the tumour wins over the kidney. */
static int32_t KidneyPhantomLabel(const PetscReal q[3])
{
  const PetscReal r2 = Sq(q[0] - vessel_axis[0]) + Sq(q[1] - vessel_axis[1]);
  if (Sq(q[0] - tumour_c[0]) + Sq(q[1] - tumour_c[1]) + Sq(q[2] - tumour_c[2]) <= Sq(TUMOUR_R)) return 3;
  if (InEllipsoid(q, kidney_big_c, kidney_big_r) || InEllipsoid(q, kidney_small_c, kidney_small_r)) return 2;
  if (r2 <= Sq(VESSEL_R) && (q[2] <= VESSEL_TOP || r2 + Sq(q[2] - VESSEL_TOP) <= Sq(VESSEL_R))) return 1;
  return 0;
}

/* The grid of a given slice spacing: the same field of view, spacing scaled from the CT's. */
static PetscErrorCode KidneyGrid(PetscReal slice_mm, PetscInt dims[3], PetscReal spacing[3], PetscReal D[9], PetscReal origin[3])
{
  const PetscReal tx = PHANTOM_TILT_X_DEG * PETSC_PI / 180.0, tz = PHANTOM_TURN_Z_DEG * PETSC_PI / 180.0;
  const PetscReal Rx[9] = {1, 0, 0, 0, PetscCosReal(tx), -PetscSinReal(tx), 0, PetscSinReal(tx), PetscCosReal(tx)};
  const PetscReal Rz[9] = {PetscCosReal(tz), -PetscSinReal(tz), 0, PetscSinReal(tz), PetscCosReal(tz), 0, 0, 0, 1};
  /* slice axis first: axis 0 runs superior (+z), axis 1 to the left (+x), axis 2 posterior (+y) */
  const PetscReal P[9] = {0, 1, 0, 0, 0, 1, 1, 0, 0};
  PetscReal       RzRx[9];

  PetscFunctionBeginUser;
  PetscCheck(slice_mm >= 0.5 && slice_mm <= 10.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Kidney phantom: -voxel_mm %g is outside [0.5, 10] mm (the slice spacing: 1 gives the CT's 261 x 512 x 512 "
             "voxels of 1.0 x 0.94 x 0.94 mm, 3 a 87 x 171 x 171 test version)",
             (double)slice_mm);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      RzRx[3 * r + c] = 0;
      for (int m = 0; m < 3; m++)
        RzRx[3 * r + c] += Rz[3 * r + m] * Rx[3 * m + c];
    }
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) {
      D[3 * r + c] = 0;
      for (int m = 0; m < 3; m++)
        D[3 * r + c] += RzRx[3 * r + m] * P[3 * m + c];
    }
  for (int d = 0; d < 3; d++) {
    spacing[d] = full_spacing[d] * slice_mm;
    dims[d]    = (PetscInt)PetscCeilReal((PetscReal)full_dims[d] / slice_mm - 1e-9);
  }
  for (int r = 0; r < 3; r++) { /* the grid's centre on centre_world */
    origin[r] = centre_world[r];
    for (int c = 0; c < 3; c++)
      origin[r] -= D[3 * r + c] * spacing[c] * 0.5 * (PetscReal)(dims[c] - 1);
  }
  PetscFunctionReturn(0);
}

/* Specks as segmentation tools leave them, at fixed fractions of the grid far from every
   shape: label 2 two face-joined voxels, label 3 one voxel, label 1 three voxels joined only
   at edges and corners (one piece 26-connected, three 6-connected). */
static void AddSpecks(TwinfeImage img)
{
  const PetscInt *n    = img->dims;
  const PetscInt  a[3] = {n[0] / 2, n[1] / 5, 4 * n[2] / 5}, b[3] = {3 * n[0] / 10, 4 * n[1] / 5, n[2] / 5};
  const PetscInt  c[3] = {7 * n[0] / 10, 17 * n[1] / 20, 17 * n[2] / 20};
#define AT(i, j, k) img->labels[(i) + n[0] * ((j) + n[1] * (k))]
  AT(a[0], a[1], a[2])             = 2;
  AT(a[0] + 1, a[1], a[2])         = 2;
  AT(b[0], b[1], b[2])             = 3;
  AT(c[0], c[1], c[2])             = 1;
  AT(c[0] + 1, c[1] + 1, c[2])     = 1;
  AT(c[0] + 2, c[1] + 2, c[2] + 1) = 1;
#undef AT
}

PetscErrorCode TwinfeImageCreateKidneyPhantom(PetscReal slice_mm, TwinfeImage *image)
{
  PetscInt    dims[3];
  PetscReal   spacing[3], D[9], origin[3];
  TwinfeImage img;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  PetscCall(KidneyGrid(slice_mm, dims, spacing, D, origin));
  PetscCall(TwinfeImageCreate(dims, spacing, origin, D, &img));
  for (PetscInt k = 0; k < dims[2]; k++)
    for (PetscInt j = 0; j < dims[1]; j++) {
      PetscReal row0[3]; /* voxel (0, j, k) relative to the centre; i steps along D's column 0 */
      for (int r = 0; r < 3; r++)
        row0[r] =
            origin[r] - centre_world[r] + D[3 * r + 1] * spacing[1] * (PetscReal)j + D[3 * r + 2] * spacing[2] * (PetscReal)k;
      for (PetscInt i = 0; i < dims[0]; i++) {
        const PetscReal q[3] = {row0[0] + D[0] * spacing[0] * (PetscReal)i, row0[1] + D[3] * spacing[0] * (PetscReal)i,
                                row0[2] + D[6] * spacing[0] * (PetscReal)i};
        img->labels[i + dims[0] * (j + dims[1] * k)] = KidneyPhantomLabel(q);
      }
    }
  AddSpecks(img);
  *image = img;
  PetscFunctionReturn(0);
}

/* Length of the chord of the ellipsoid (c, r) at (x, y) along z, as [lo, hi]; empty if lo > hi. */
static void EllipsoidChord(const PetscReal c[3], const PetscReal r[3], PetscReal x, PetscReal y, PetscReal *lo, PetscReal *hi)
{
  const PetscReal s = 1.0 - Sq((x - c[0]) / r[0]) - Sq((y - c[1]) / r[1]);
  if (s < 0) {
    *lo = 1, *hi = 0;
    return;
  }
  *lo = c[2] - r[2] * PetscSqrtReal(s);
  *hi = c[2] + r[2] * PetscSqrtReal(s);
}

/* Volume of the smaller kidney inside the tumour ball: over the ball's disk, the overlap of the
   two chords along z is exact, so only a 2D midpoint rule remains (0.05 mm: error well under
   1e-4 of the overlap). */
static PetscReal KidneyTumourOverlap(void)
{
  const PetscReal h = 0.05, r[3] = {TUMOUR_R, TUMOUR_R, TUMOUR_R};
  const PetscInt  n   = (PetscInt)PetscCeilReal(2 * TUMOUR_R / h);
  PetscReal       sum = 0;
  for (PetscInt a = 0; a < n; a++)
    for (PetscInt b = 0; b < n; b++) {
      const PetscReal x = tumour_c[0] - TUMOUR_R + (a + 0.5) * h, y = tumour_c[1] - TUMOUR_R + (b + 0.5) * h;
      PetscReal       blo, bhi, klo, khi;
      EllipsoidChord(tumour_c, r, x, y, &blo, &bhi);
      EllipsoidChord(kidney_small_c, kidney_small_r, x, y, &klo, &khi);
      if (blo <= bhi && klo <= khi) sum += PetscMax(0.0, PetscMin(bhi, khi) - PetscMax(blo, klo));
    }
  return sum * h * h;
}

PetscErrorCode TwinfeImageKidneyPhantomVolumes(PetscReal slice_mm, PetscReal volume_mm3[3])
{
  PetscInt  dims[3];
  PetscReal spacing[3], D[9], origin[3], n_dot, z_exit;

  PetscFunctionBeginUser;
  PetscCall(KidneyGrid(slice_mm, dims, spacing, D, origin));
  /* the vessel's axis leaves the image where it crosses the plane of index i = -1/2 (the outer
     face of the first slice): n.(p - origin) = -s0/2, n the slice axis. A plane cutting a
     cylinder across leaves the volume of a straight cut at the axis' crossing. */
  n_dot = 0;
  for (int r = 0; r < 3; r++) {
    const PetscReal p = centre_world[r] + (r == 0 ? vessel_axis[0] : r == 1 ? vessel_axis[1] : 0.0);
    n_dot += D[3 * r] * (p - origin[r]);
  }
  z_exit        = (-0.5 * spacing[0] - n_dot) / D[6];
  volume_mm3[0] = PETSC_PI * Sq(VESSEL_R) * (VESSEL_TOP - z_exit) + 2.0 / 3.0 * PETSC_PI * VESSEL_R * VESSEL_R * VESSEL_R;
  volume_mm3[1] =
      4.0 / 3.0 * PETSC_PI *
          (kidney_big_r[0] * kidney_big_r[1] * kidney_big_r[2] + kidney_small_r[0] * kidney_small_r[1] * kidney_small_r[2]) -
      KidneyTumourOverlap();
  volume_mm3[2] = 4.0 / 3.0 * PETSC_PI * TUMOUR_R * TUMOUR_R * TUMOUR_R;
  PetscFunctionReturn(0);
}
