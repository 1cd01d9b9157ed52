/* Edits of a label map for rehearsals (twinfe rehearse, docs/rehearse.md): a resection (a region
 * and every labelled voxel within a margin of it), a ball or one side of a plane erased. Each
 * sets voxels to background (0) and says how many it changed; an edit that changes nothing is
 * refused, so a tool or plane placed beside the anatomy fails before any meshing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Distances are between voxel centres in mm (the spacing per axis; the direction matrix is a
 * rotation, which keeps them). */
#include "image_impl.h"

/* The centre of voxel (i, j, k) in LPS mm. */
static void Centre(const struct _p_TwinfeImage *im, PetscInt i, PetscInt j, PetscInt k, PetscReal x[3])
{
  const PetscReal ijk[3] = {i * im->spacing[0], j * im->spacing[1], k * im->spacing[2]};
  for (int r = 0; r < 3; r++)
    x[r] = im->origin[r] + im->direction[3 * r] * ijk[0] + im->direction[3 * r + 1] * ijk[1] + im->direction[3 * r + 2] * ijk[2];
}

static PetscBool OnBoundary(const struct _p_TwinfeImage *im, PetscInt i, PetscInt j, PetscInt k, int32_t label)
{
  const PetscInt n[3]     = {im->dims[0], im->dims[1], im->dims[2]};
  const PetscInt at[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
  for (int f = 0; f < 6; f++) {
    const PetscInt *p = at[f];
    if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= n[0] || p[1] >= n[1] || p[2] >= n[2]) return PETSC_TRUE;
    if (im->labels[p[0] + n[0] * (p[1] + n[1] * p[2])] != label) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* Marks every voxel whose centre lies within margin of voxel (i, j, k)'s. */
static void MarkBall(const struct _p_TwinfeImage *im, PetscInt i, PetscInt j, PetscInt k, PetscReal margin, unsigned char mark[])
{
  PetscInt       lo[3], hi[3];
  const PetscInt c[3] = {i, j, k};
  for (int d = 0; d < 3; d++) {
    const PetscInt reach = (PetscInt)PetscFloorReal(margin / im->spacing[d]);
    lo[d] = PetscMax(c[d] - reach, 0), hi[d] = PetscMin(c[d] + reach, im->dims[d] - 1);
  }
  for (PetscInt kk = lo[2]; kk <= hi[2]; kk++)
    for (PetscInt jj = lo[1]; jj <= hi[1]; jj++)
      for (PetscInt ii = lo[0]; ii <= hi[0]; ii++) {
        const PetscReal dx = (ii - i) * im->spacing[0], dy = (jj - j) * im->spacing[1], dz = (kk - k) * im->spacing[2];
        if (dx * dx + dy * dy + dz * dz <= margin * margin) mark[ii + im->dims[0] * (jj + im->dims[1] * kk)] = 1;
      }
}

/* Sets the marked labelled voxels to background; *removed counts them. */
static PetscErrorCode EraseMarked(TwinfeImage im, const unsigned char mark[], PetscInt *removed)
{
  const size_t n = TwinfeImageVoxelCount_Private(im->dims);
  PetscFunctionBegin;
  *removed = 0;
  for (size_t v = 0; v < n; v++)
    if (mark[v] && im->labels[v]) im->labels[v] = 0, ++*removed;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageResect(TwinfeImage image, int32_t label, PetscReal margin_mm, PetscInt *removed)
{
  unsigned char *mark;
  PetscInt       count = 0;
  PetscReal      reach;
  PetscFunctionBegin;
  TwinfeCheckPointer_Private(image);
  PetscCheck(margin_mm >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "resection: the margin must be >= 0 mm, not %g",
             (double)margin_mm);
  PetscCall(TwinfeImageCountLabel(image, label, &count));
  PetscCheck(count > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "resection: the label map has no voxel of label %d to resect",
             (int)label);
  reach = PetscMax(image->spacing[0], PetscMax(image->spacing[1], image->spacing[2]));
  PetscCall(PetscCalloc1(TwinfeImageVoxelCount_Private(image->dims), &mark));
  for (PetscInt k = 0, v = 0; k < image->dims[2]; k++)
    for (PetscInt j = 0; j < image->dims[1]; j++)
      for (PetscInt i = 0; i < image->dims[0]; i++, v++) {
        if (image->labels[v] != label) continue;
        mark[v] = 1;
        /* the balls around the region's boundary voxels cover everything within the margin; a
           voxel more, so that the voxel faces (where the surfaces lie, half a voxel beyond each
           centre) stay at least the margin apart */
        if (margin_mm > 0 && OnBoundary(image, i, j, k, label)) MarkBall(image, i, j, k, margin_mm + reach, mark);
      }
  PetscCall(EraseMarked(image, mark, removed));
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

/* Erases the labelled voxels whose centre x has distance(x, shape) <= 0; *labelled: how many
   labelled voxels there were. */
typedef PetscReal (*ShapeDistance)(const PetscReal x[3], const PetscReal shape[]);

static PetscErrorCode EraseWhere(TwinfeImage image, ShapeDistance distance, const PetscReal shape[], PetscInt *removed,
                                 PetscInt *labelled)
{
  unsigned char *mark;
  PetscFunctionBegin;
  *labelled = 0;
  PetscCall(PetscCalloc1(TwinfeImageVoxelCount_Private(image->dims), &mark));
  for (PetscInt k = 0, v = 0; k < image->dims[2]; k++)
    for (PetscInt j = 0; j < image->dims[1]; j++)
      for (PetscInt i = 0; i < image->dims[0]; i++, v++) {
        PetscReal x[3];
        Centre(image, i, j, k, x);
        mark[v] = distance(x, shape) <= 0;
        *labelled += image->labels[v] != 0;
      }
  PetscCall(EraseMarked(image, mark, removed));
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

/* shape: centre, radius. */
static PetscReal BallDistance(const PetscReal x[3], const PetscReal b[])
{
  return PetscSqrtReal((x[0] - b[0]) * (x[0] - b[0]) + (x[1] - b[1]) * (x[1] - b[1]) + (x[2] - b[2]) * (x[2] - b[2])) - b[3];
}

/* shape: point, unit normal, margin: negative on the normal's side and within the margin behind. */
static PetscReal BehindPlane(const PetscReal x[3], const PetscReal p[])
{
  return -((x[0] - p[0]) * p[3] + (x[1] - p[1]) * p[4] + (x[2] - p[2]) * p[5]) - p[6];
}

PetscErrorCode TwinfeImageEraseBall(TwinfeImage image, const PetscReal centre[3], PetscReal radius_mm, PetscInt *removed)
{
  const PetscReal ball[4] = {centre[0], centre[1], centre[2], radius_mm};
  PetscInt        labelled;
  PetscFunctionBegin;
  TwinfeCheckPointer_Private(image);
  PetscCheck(radius_mm > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "erasing a ball: the radius must be > 0 mm, not %g",
             (double)radius_mm);
  PetscCall(EraseWhere(image, BallDistance, ball, removed, &labelled));
  PetscCheck(*removed > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "erasing a ball at (%g, %g, %g) mm (LPS) of radius %g mm: it holds no labelled voxel; place it on the anatomy",
             (double)centre[0], (double)centre[1], (double)centre[2], (double)radius_mm);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageErasePlaneSide(TwinfeImage image, const PetscReal point[3], const PetscReal normal[3],
                                         PetscReal margin_mm, PetscInt *removed)
{
  const PetscReal length = PetscSqrtReal(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
  PetscReal       plane[7];
  PetscInt        labelled;
  PetscFunctionBegin;
  TwinfeCheckPointer_Private(image);
  PetscCheck(length > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "cutting by a plane: its normal is zero");
  PetscCheck(margin_mm >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "cutting by a plane: the margin must be >= 0 mm, not %g",
             (double)margin_mm);
  for (int d = 0; d < 3; d++)
    plane[d] = point[d], plane[3 + d] = normal[d] / length;
  plane[6] = margin_mm;
  PetscCall(EraseWhere(image, BehindPlane, plane, removed, &labelled));
  PetscCheck(*removed > 0 && *removed < labelled, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "cutting by the plane through (%g, %g, %g) mm (LPS) with normal (%g, %g, %g): it %s; place it across the anatomy",
             (double)point[0], (double)point[1], (double)point[2], (double)normal[0], (double)normal[1], (double)normal[2],
             *removed ? "removes every labelled voxel" : "removes no labelled voxel (the anatomy lies behind it)");
  PetscFunctionReturn(0);
}
