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

PetscErrorCode TwinfeImagePaintBall(TwinfeImage image, const PetscReal centre[3], PetscReal radius_mm, int32_t label,
                                    PetscInt *changed)
{
  const size_t n = TwinfeImageVoxelCount_Private(image->dims);
  PetscFunctionBegin;
  TwinfeCheckPointer_Private(image);
  PetscCheck(radius_mm > 0 && label > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "painting a ball: the radius must be > 0 mm (not %g) and the label > 0 (not %d)", (double)radius_mm, (int)label);
  *changed = 0;
  for (size_t v = 0; v < n; v++) {
    const PetscInt i        = (PetscInt)(v % (size_t)image->dims[0]),
                   j        = (PetscInt)((v / (size_t)image->dims[0]) % (size_t)image->dims[1]);
    const PetscInt  k       = (PetscInt)(v / ((size_t)image->dims[0] * (size_t)image->dims[1]));
    const PetscReal ball[4] = {centre[0], centre[1], centre[2], radius_mm};
    PetscReal       x[3];
    Centre(image, i, j, k, x);
    if (BallDistance(x, ball) <= 0 && image->labels[v] != label) image->labels[v] = label, ++*changed;
  }
  PetscCheck(
      *changed > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
      "painting a ball at (%g, %g, %g) mm (LPS) of radius %g mm changes no voxel: it lies outside the image or is %d already",
      (double)centre[0], (double)centre[1], (double)centre[2], (double)radius_mm, (int)label);
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

/* ---------- vessels: the section at a point, narrowing, widening, clipping ---------- */

static PetscReal Dot3(const PetscReal a[3], const PetscReal b[3])
{
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Along and across the axis (a point c, unit direction n) from x. */
static void AxisCoordinates(const PetscReal x[3], const PetscReal c[3], const PetscReal n[3], PetscReal *along, PetscReal *radial)
{
  const PetscReal r[3] = {x[0] - c[0], x[1] - c[1], x[2] - c[2]};
  *along               = Dot3(r, n);
  *radial              = PetscSqrtReal(PetscMax(Dot3(r, r) - *along * *along, 0));
}

/* The principal direction of the centres of the label's voxels within reach of p (power
   iteration on their covariance), and their mean. */
/* The index box of the voxels whose centres may lie within reach of p (the direction matrix is
   a rotation: index offsets are at most the distance over the spacing). */
static void VoxelBox(TwinfeImage im, const PetscReal p[3], PetscReal reach, PetscInt lo[3], PetscInt hi[3])
{
  const PetscReal r[3] = {p[0] - im->origin[0], p[1] - im->origin[1], p[2] - im->origin[2]};
  for (int d = 0; d < 3; d++) {
    const PetscReal c = (im->direction[d] * r[0] + im->direction[3 + d] * r[1] + im->direction[6 + d] * r[2]) / im->spacing[d];
    const PetscReal w = reach / im->spacing[d];
    lo[d]             = (PetscInt)PetscMax(PetscFloorReal(c - w), 0);
    hi[d]             = (PetscInt)PetscMin(PetscCeilReal(c + w), (PetscReal)(im->dims[d] - 1));
  }
}

static PetscErrorCode PrincipalAxis(TwinfeImage im, int32_t label, const PetscReal p[3], PetscReal reach, PetscReal centre[3],
                                    PetscReal axis[3], PetscInt *count)
{
  PetscReal cov[9] = {0}, sum[3] = {0};
  PetscInt  lo[3], hi[3];
  PetscFunctionBegin;
  *count = 0;
  VoxelBox(im, p, reach, lo, hi);
  for (PetscInt k = lo[2]; k <= hi[2]; k++)
    for (PetscInt j = lo[1]; j <= hi[1]; j++)
      for (PetscInt i = lo[0]; i <= hi[0]; i++) {
        PetscReal x[3];
        if (im->labels[i + im->dims[0] * (j + im->dims[1] * k)] != label) continue;
        Centre(im, i, j, k, x);
        if ((x[0] - p[0]) * (x[0] - p[0]) + (x[1] - p[1]) * (x[1] - p[1]) + (x[2] - p[2]) * (x[2] - p[2]) > reach * reach)
          continue;
        for (int a = 0; a < 3; a++) {
          sum[a] += x[a];
          for (int b = 0; b < 3; b++)
            cov[3 * a + b] += x[a] * x[b];
        }
        ++*count;
      }
  if (!*count) PetscFunctionReturn(0);
  for (int a = 0; a < 3; a++)
    centre[a] = sum[a] / *count;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      cov[3 * a + b] = cov[3 * a + b] / *count - centre[a] * centre[b];
  axis[0] = 0.577, axis[1] = 0.578, axis[2] = 0.579;
  for (int it = 0; it < 200; it++) {
    PetscReal y[3] = {0, 0, 0}, len;
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++)
        y[a] += cov[3 * a + b] * axis[b];
    len = PetscSqrtReal(Dot3(y, y));
    if (len == 0) break;
    for (int a = 0; a < 3; a++)
      axis[a] = y[a] / len;
  }
  PetscFunctionReturn(0);
}

/* The centroid of the label's voxels in the slab |along| <= t, radial <= reach around the axis
   (c, n), and the mean square distance of theirs from the axis through it. */
static void SlabMoments(TwinfeImage im, int32_t label, const PetscReal c[3], const PetscReal n[3], PetscReal t, PetscReal reach,
                        PetscReal centroid[3], PetscReal *mean_r2, PetscInt *count)
{
  PetscReal sum[3] = {0, 0, 0}, r2 = 0;
  PetscInt  lo[3], hi[3];
  VoxelBox(im, c, PetscSqrtReal(t * t + reach * reach) + reach, lo, hi); /* both passes' slabs lie in this ball */
  for (int pass = 0; pass < 2; pass++) {
    *count = 0;
    for (PetscInt k = lo[2]; k <= hi[2]; k++)
      for (PetscInt j = lo[1]; j <= hi[1]; j++)
        for (PetscInt i = lo[0]; i <= hi[0]; i++) {
          PetscReal x[3], along, radial;
          if (im->labels[i + im->dims[0] * (j + im->dims[1] * k)] != label) continue;
          Centre(im, i, j, k, x);
          AxisCoordinates(x, pass ? centroid : c, n, &along, &radial);
          if (PetscAbsReal(along) > t || radial > reach) continue;
          ++*count;
          if (!pass)
            for (int a = 0; a < 3; a++)
              sum[a] += x[a];
          else
            r2 += radial * radial;
        }
    if (!*count) return;
    if (!pass)
      for (int a = 0; a < 3; a++)
        centroid[a] = sum[a] / *count;
  }
  *mean_r2 = r2 / *count;
}

/* The vessel's section at p: its axis (the principal direction of its voxels near p), the centre
   of its cross-section there, and the radius of a disc with the cross-section's second moment
   (a filled disc of radius R has mean r^2 = R^2 / 2: unlike a voxel count per slab thickness, this
   does not depend on how many voxel layers the slab catches). */
PetscErrorCode TwinfeImageFindVesselSection(TwinfeImage im, int32_t label, const PetscReal p[3], TwinfeVesselSection *s)
{
  PetscReal       reach = 5, mean[3], r2 = 0;
  const PetscReal t = PetscSqrtReal(Dot3(im->spacing, im->spacing));
  PetscInt        count;
  PetscFunctionBegin;
  TwinfeCheckPointer_Private(im);
  for (int round = 0; round < 3; round++) {
    PetscCall(PrincipalAxis(im, label, p, reach, mean, s->axis, &count));
    PetscCheck(count > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "no voxel of label %d lies within %g mm of (%g, %g, %g) mm (LPS): give a point inside the vessel", (int)label,
               (double)reach, (double)p[0], (double)p[1], (double)p[2]);
    {
      const PetscReal r[3] = {p[0] - mean[0], p[1] - mean[1], p[2] - mean[2]}, along = Dot3(r, s->axis);
      for (int a = 0; a < 3; a++) /* the axis through the mean, where it passes p */
        s->centre[a] = mean[a] + along * s->axis[a];
    }
    SlabMoments(im, label, s->centre, s->axis, t, reach, s->centre, &r2, &count);
    s->radius_mm = PetscSqrtReal(2 * r2);
    if (PetscAbsReal(reach - 3 * s->radius_mm) < 0.1 * reach) break;
    reach = PetscMax(3 * s->radius_mm, 2 * t); /* a reach of about three radii: the vessel, not its neighbours */
  }
  PetscFunctionReturn(0);
}

/* Over the segment |along| <= length / 2: narrowing, the label's voxels farther than keep_radius
   from the axis (and within two radii of it) become background; painting, background within
   keep_radius becomes the label. */
static PetscErrorCode EditSegment(TwinfeImage im, const TwinfeVesselSection *s, PetscReal length, PetscReal keep_radius,
                                  int32_t label, PetscBool paint, PetscInt *changed)
{
  PetscFunctionBegin;
  *changed = 0;
  for (PetscInt k = 0, v = 0; k < im->dims[2]; k++)
    for (PetscInt j = 0; j < im->dims[1]; j++)
      for (PetscInt i = 0; i < im->dims[0]; i++, v++) {
        PetscReal x[3], along, radial;
        Centre(im, i, j, k, x);
        AxisCoordinates(x, s->centre, s->axis, &along, &radial);
        if (PetscAbsReal(along) > 0.5 * length) continue;
        if (!paint && im->labels[v] == label && radial > keep_radius && radial <= 2 * s->radius_mm + keep_radius)
          im->labels[v] = 0, ++*changed;
        if (paint && im->labels[v] == 0 && radial <= keep_radius) im->labels[v] = label, ++*changed;
      }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageNarrowVessel(TwinfeImage im, int32_t label, const PetscReal p[3], PetscReal percent,
                                       PetscReal length_mm, TwinfeVesselSection *s, PetscInt *changed)
{
  PetscFunctionBegin;
  PetscCheck(percent > 0 && percent < 100, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "a stenosis narrows the diameter by more than 0 and less than 100 percent, not %g", (double)percent);
  PetscCheck(length_mm > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "a stenosis's length must be > 0 mm, not %g",
             (double)length_mm);
  PetscCall(TwinfeImageFindVesselSection(im, label, p, s));
  PetscCall(EditSegment(im, s, length_mm, (1 - percent / 100) * s->radius_mm, label, PETSC_FALSE, changed));
  PetscCheck(*changed > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "the stenosis at (%g, %g, %g) mm changes no voxel: the vessel there is %.2f mm in radius", (double)p[0],
             (double)p[1], (double)p[2], (double)s->radius_mm);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageWidenVessel(TwinfeImage im, int32_t label, const PetscReal p[3], PetscReal diameter_mm,
                                      PetscReal length_mm, TwinfeVesselSection *s, PetscInt *changed)
{
  PetscFunctionBegin;
  PetscCheck(diameter_mm > 0 && length_mm > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "a stent's diameter and length must be > 0 mm, not %g and %g", (double)diameter_mm, (double)length_mm);
  PetscCall(TwinfeImageFindVesselSection(im, label, p, s));
  PetscCall(EditSegment(im, s, length_mm, 0.5 * diameter_mm, label, PETSC_TRUE, changed));
  PetscCheck(*changed > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "the stent at (%g, %g, %g) mm changes no voxel: the vessel there is already %.2f mm across", (double)p[0],
             (double)p[1], (double)p[2], 2 * (double)s->radius_mm);
  PetscFunctionReturn(0);
}

/* The label's voxels beyond the plane (normal side) connected, beyond it, to its cross-section
   near p (within two radii): a clip occludes what lies past it, a branch or an aneurysm's sac. */
PetscErrorCode TwinfeImageClipVessel(TwinfeImage im, int32_t label, const PetscReal p[3], const PetscReal normal[3],
                                     PetscInt *removed)
{
  TwinfeVesselSection s;
  const PetscInt      n[3] = {im->dims[0], im->dims[1], im->dims[2]};
  const size_t        nv   = TwinfeImageVoxelCount_Private(n);
  const PetscReal     len = PetscSqrtReal(Dot3(normal, normal)), t = PetscSqrtReal(Dot3(im->spacing, im->spacing));
  unsigned char      *mark;
  PetscInt           *queue, head = 0, tail = 0;
  PetscFunctionBegin;
  PetscCheck(len > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "a clip's plane normal is zero");
  PetscCall(TwinfeImageFindVesselSection(im, label, p, &s));
  PetscCall(PetscCalloc1(nv, &mark));
  PetscCall(PetscMalloc1(nv, &queue));
  for (PetscInt k = 0, v = 0; k < n[2]; k++) /* seeds: the first voxel layer past the plane, near p */
    for (PetscInt j = 0; j < n[1]; j++)
      for (PetscInt i = 0; i < n[0]; i++, v++) {
        PetscReal x[3], side, d2;
        if (im->labels[v] != label) continue;
        Centre(im, i, j, k, x);
        side = ((x[0] - p[0]) * normal[0] + (x[1] - p[1]) * normal[1] + (x[2] - p[2]) * normal[2]) / len;
        d2   = (x[0] - p[0]) * (x[0] - p[0]) + (x[1] - p[1]) * (x[1] - p[1]) + (x[2] - p[2]) * (x[2] - p[2]);
        if (side > 0 && side <= t && d2 <= 4 * s.radius_mm * s.radius_mm + t * t) mark[v] = 1, queue[tail++] = v;
      }
  while (head < tail) { /* through face neighbours of the label beyond the plane */
    const PetscInt v = queue[head++], i = v % n[0], j = (v / n[0]) % n[1], k = v / (n[0] * n[1]);
    const PetscInt nb[6][3] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
    for (int f = 0; f < 6; f++) {
      const PetscInt *q = nb[f];
      PetscInt        w;
      PetscReal       x[3];
      if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= n[0] || q[1] >= n[1] || q[2] >= n[2]) continue;
      w = q[0] + n[0] * (q[1] + n[1] * q[2]);
      if (mark[w] || im->labels[w] != label) continue;
      Centre(im, q[0], q[1], q[2], x);
      if ((x[0] - p[0]) * normal[0] + (x[1] - p[1]) * normal[1] + (x[2] - p[2]) * normal[2] <= 0) continue;
      mark[w] = 1, queue[tail++] = w;
    }
  }
  PetscCall(EraseMarked(im, mark, removed));
  PetscCall(PetscFree(queue));
  PetscCall(PetscFree(mark));
  PetscCheck(*removed > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "the clip at (%g, %g, %g) mm removes nothing: no vessel voxel lies just past its plane there", (double)p[0],
             (double)p[1], (double)p[2]);
  PetscFunctionReturn(0);
}
