/* TwinfeImageRepairPinches: make every label's voxels well-composed, so that its surface is a
 * 2-manifold (a printable STL, a closed shell per region).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A set of voxels has a manifold boundary exactly when neither it nor its complement shows a
 * critical configuration (Latecki's well-composed sets): two voxels that share only an edge
 * inside a 2x2 square whose other two voxels are outside (C1), or two voxels opposite in a
 * 2x2x2 block whose other six are outside (C2), or the same with set and complement swapped.
 * Segmentations have a few of these per organ (TotalSegmentator's example: 117 non-manifold
 * edges over 41 label surfaces). Each is mended by giving one more voxel to the label, so
 * that the pinched voxels join through a face: the background if it is one of the
 * candidates, else the first candidate in grid order. A voxel taken from another label can
 * make a new pinch there, so the sweep repeats until none is left (a bounded number of
 * sweeps). Voxels outside the grid count as background, as in the surface extraction. */
#include "image_impl.h"

#define TWINFE_PINCH_MAX_SWEEPS 32

/* Bit b of a 2x2x2 block: b = x + 2y + 4z. */
static inline PetscInt BlockVoxel(const PetscInt dims[3], PetscInt i, PetscInt j, PetscInt k, int b)
{
  const PetscInt x = i + (b & 1), y = j + ((b >> 1) & 1), z = k + ((b >> 2) & 1);
  if (x < 0 || y < 0 || z < 0 || x >= dims[0] || y >= dims[1] || z >= dims[2]) return -1;
  return x + dims[0] * (y + dims[1] * z);
}

/* The four blocks bits of each of the 6 faces of a block, in cyclic order around the face
   (so bits 0 and 2, and 1 and 3, of each row are diagonal). */
static const int block_faces[6][4] = {
    {0, 1, 3, 2}, /* z = 0 */
    {4, 5, 7, 6}, /* z = 1 */
    {0, 1, 5, 4}, /* y = 0 */
    {2, 3, 7, 6}, /* y = 1 */
    {0, 2, 6, 4}, /* x = 0 */
    {1, 3, 7, 5}, /* x = 1 */
};

/* A critical configuration of the voxels in `in` (a mask of the 8 block bits), or of their
   complement: returns in *a and *b two bits of the pinched pair (set voxels that touch only
   at an edge or a corner), or of the complement's pinched pair. Returns PETSC_FALSE if none. */
static PetscBool FindPinch(unsigned in, int *a, int *b, PetscBool *in_complement)
{
  for (int pass = 0; pass < 2; ++pass) {
    const unsigned set = pass ? (~in & 0xFFu) : in;
    for (int f = 0; f < 6; ++f) {
      const int *q  = block_faces[f];
      const int  s0 = (set >> q[0]) & 1, s1 = (set >> q[1]) & 1, s2 = (set >> q[2]) & 1, s3 = (set >> q[3]) & 1;
      if (s0 && s2 && !s1 && !s3) {
        *a = q[0], *b = q[2], *in_complement = (PetscBool)pass;
        return PETSC_TRUE;
      }
      if (s1 && s3 && !s0 && !s2) {
        *a = q[1], *b = q[3], *in_complement = (PetscBool)pass;
        return PETSC_TRUE;
      }
    }
    for (int c = 0; c < 4; ++c) { /* antipodal pairs: c and 7 - c */
      if (set == ((1u << c) | (1u << (7 - c)))) {
        *a = c, *b = 7 - c, *in_complement = (PetscBool)pass;
        return PETSC_TRUE;
      }
    }
  }
  return PETSC_FALSE;
}

/* The voxel to give to the label: for a pinch of the label, a voxel face-adjacent to `a` and
   lying towards `b` (background first); for a pinch of the complement, one voxel of the
   complement's pair (background first). Returns a block bit. */
static int ChooseVoxel(const int32_t labels[], const PetscInt vox[8], int a, int b, PetscBool in_complement)
{
  int options[3], n = 0, best = -1;
  if (in_complement) {
    options[n++] = a;
    options[n++] = b;
  } else {
    for (int d = 0; d < 3; ++d) /* flip one coordinate of a where a and b differ */
      if (((a ^ b) >> d) & 1) options[n++] = a ^ (1 << d);
  }
  for (int o = 0; o < n; ++o) {
    const PetscInt v = vox[options[o]];
    if (v < 0) continue; /* outside the grid: cannot be given */
    if (best < 0) best = options[o];
    if (labels[v] == 0) return options[o];
  }
  return best;
}

/* Mend the pinches of one block, label by label, looking again after each change (at most 8
   changes, so two labels cannot trade a voxel forever). Returns how many voxels changed. */
static PetscInt RepairBlock(const PetscInt dims[3], int32_t labels[], PetscInt i, PetscInt j, PetscInt k)
{
  PetscInt vox[8], changed = 0;
  int32_t  lab[8];
  for (int b = 0; b < 8; ++b) {
    vox[b] = BlockVoxel(dims, i, j, k, b);
    lab[b] = vox[b] < 0 ? 0 : labels[vox[b]];
  }
  for (int b = 0; b < 8 && changed < 8; ++b) {
    const int32_t label = lab[b];
    unsigned      in    = 0;
    int           pa, pb, give;
    PetscBool     complement;
    if (!label) continue;
    for (int q = 0; q < 8; ++q)
      if (lab[q] == label) in |= 1u << q;
    if (in == 0xFFu || (in & ((1u << b) - 1)) != 0) continue; /* uniform, or seen from a lower bit */
    if (!FindPinch(in, &pa, &pb, &complement)) continue;
    give = ChooseVoxel(labels, vox, pa, pb, complement);
    if (give < 0) continue; /* only voxels outside the grid could mend it */
    labels[vox[give]] = label;
    lab[give]         = label;
    changed++;
    b = -1; /* look at the block again with its new labels */
  }
  return changed;
}

/* One sweep over all blocks, including those straddling the grid border. */
static PetscInt Sweep(const PetscInt dims[3], int32_t labels[])
{
  PetscInt changed = 0;
  for (PetscInt k = -1; k < dims[2]; ++k)
    for (PetscInt j = -1; j < dims[1]; ++j)
      for (PetscInt i = -1; i < dims[0]; ++i)
        changed += RepairBlock(dims, labels, i, j, k);
  return changed;
}

/* Critical configurations left, counted over all blocks and labels. */
static PetscInt CountPinches(const PetscInt dims[3], const int32_t labels[])
{
  PetscInt count = 0;
  for (PetscInt k = -1; k < dims[2]; ++k)
    for (PetscInt j = -1; j < dims[1]; ++j)
      for (PetscInt i = -1; i < dims[0]; ++i) {
        int32_t lab[8];
        for (int b = 0; b < 8; ++b) {
          const PetscInt v = BlockVoxel(dims, i, j, k, b);
          lab[b]           = v < 0 ? 0 : labels[v];
        }
        for (int b = 0; b < 8; ++b) {
          unsigned  in = 0;
          int       pa, pb;
          PetscBool complement;
          if (!lab[b]) continue;
          for (int q = 0; q < 8; ++q)
            if (lab[q] == lab[b]) in |= 1u << q;
          if ((in & ((1u << b) - 1)) != 0) continue;
          if (FindPinch(in, &pa, &pb, &complement)) count++;
        }
      }
  return count;
}

PetscErrorCode TwinfeImageCountPinches(TwinfeImage image, PetscInt *pinches)
{
  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(pinches);
  *pinches = CountPinches(image->dims, image->labels);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageRepairPinches(TwinfeImage image, PetscInt *voxels_changed, PetscInt *pinches_left)
{
  PetscInt changed = 0;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  for (int sweep = 0; sweep < TWINFE_PINCH_MAX_SWEEPS; ++sweep) {
    PetscInt n = Sweep(image->dims, image->labels);
    changed += n;
    if (!n) break;
  }
  if (voxels_changed) *voxels_changed = changed;
  if (pinches_left) *pinches_left = CountPinches(image->dims, image->labels);
  PetscFunctionReturn(0);
}
