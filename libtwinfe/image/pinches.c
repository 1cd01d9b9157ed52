/* TwinfeImageRepairPinches: make every label's voxels well-composed, so that its surface is a
 * 2-manifold (a printable STL, a closed shell per region).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A set of voxels has a manifold boundary exactly when neither it nor its complement shows a
 * critical configuration (Latecki's well-composed sets): two voxels that share only an edge
 * inside a 2x2 square whose other two voxels are outside (C1), or two voxels opposite in a
 * 2x2x2 block whose other six are outside (C2), or the same with set and complement swapped.
 * Segmentations have a few of these per organ (TotalSegmentator's example: 117 non-manifold
 * edges over 41 label surfaces). Each is mended by giving the label one more voxel, so that
 * the pinched voxels join through a face: a background voxel if one is at hand, else another
 * label's voxel that the repair has not changed before and whose label stays face-connected
 * around it without it (no label vanishes, splits there, or trades voxels back and forth, and
 * the repair ends: each voxel changes at most once). A pinch it cannot mend is left and
 * counted. Sweeps repeat, each after the first only around the voxels the previous one
 * changed. Voxels outside the grid count as background, as in the surface extraction. */
#include "grid_impl.h"
#include "core/core_impl.h"

#include <petscbt.h>

#define TWINFE_PINCH_MAX_SWEEPS 64

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

/* Whether voxel v may go to another label: background may; a voxel of another label only if
   the repair has not changed it before (so labels cannot trade voxels back and forth, and the
   repair ends) and its own label is thick there: at least 9 of the 26 voxels around it, still
   face-connected without it (so that label neither vanishes nor splits there, and where two
   labels pinch each other the thin one grows, keeping a vessel rather than the organ whole). */
static PetscBool CanTake(const PetscInt dims[3], const int32_t labels[], PetscBT changed, PetscInt v)
{
  const PetscInt x = v % dims[0], y = (v / dims[0]) % dims[1], z = v / (dims[0] * dims[1]);
  PetscBool      same[27] = {PETSC_FALSE}, reached[27] = {PETSC_FALSE};
  int            stack[27], top = 0, count = 0, found = 0;
  if (labels[v] == 0) return PETSC_TRUE;
  if (PetscBTLookup(changed, v)) return PETSC_FALSE;
  for (int n = 0; n < 27; ++n) {
    const PetscInt i = x + n % 3 - 1, j = y + (n / 3) % 3 - 1, k = z + n / 9 - 1;
    if (n == 13 || i < 0 || j < 0 || k < 0 || i >= dims[0] || j >= dims[1] || k >= dims[2]) continue;
    same[n] = (PetscBool)(labels[i + dims[0] * (j + dims[1] * k)] == labels[v]);
    if (same[n] && !count++) stack[top++] = n, reached[n] = PETSC_TRUE;
  }
  while (top) { /* face-connected flood over the 3x3x3 neighbourhood without its centre */
    const int n = stack[--top], c[3] = {n % 3, (n / 3) % 3, n / 9};
    found++;
    for (int d = 0; d < 3; ++d)
      for (int s = -1; s <= 1; s += 2) {
        const int m = n + s * (d == 0 ? 1 : d == 1 ? 3 : 9);
        if (c[d] + s < 0 || c[d] + s > 2 || !same[m] || reached[m]) continue;
        reached[m]   = PETSC_TRUE;
        stack[top++] = m;
      }
  }
  return (PetscBool)(count >= 9 && found == count);
}

/* The voxel to give to the label: for a pinch of the label, one face-adjacent to `a` and lying
   towards `b` (background first, then another label's voxel that CanTake allows); for a pinch
   of the complement, one of the complement's pair if it is background (a pair of another label
   is that label's own pinch: it grows to join it, rather than losing a voxel here). Returns a
   block bit, or -1. */
static int ChooseVoxel(const PetscInt dims[3], const int32_t labels[], PetscBT changed, const PetscInt vox[8], int a, int b,
                       PetscBool in_complement)
{
  int options[3], n = 0;
  if (in_complement) {
    options[n++] = a;
    options[n++] = b;
  } else {
    for (int d = 0; d < 3; ++d) /* flip one coordinate of a where a and b differ */
      if (((a ^ b) >> d) & 1) options[n++] = a ^ (1 << d);
  }
  for (int o = 0; o < n; ++o)
    if (vox[options[o]] >= 0 && labels[vox[options[o]]] == 0) return options[o];
  if (in_complement) return -1; /* the pair belongs to other labels, which join it themselves */
  for (int o = 0; o < n; ++o)
    if (vox[options[o]] >= 0 && CanTake(dims, labels, changed, vox[options[o]])) return options[o];
  return -1;
}

/* The voxels changed by a sweep: the next sweep looks only at the blocks around them. */
typedef struct {
  PetscInt n, capacity, *voxel;
} Changes;

static PetscErrorCode ChangesAdd(Changes *c, PetscInt v)
{
  PetscFunctionBeginUser;
  if (c->n == c->capacity) {
    PetscInt *grown;
    c->capacity = 2 * c->capacity + 64;
    PetscCall(PetscMalloc1(c->capacity, &grown));
    PetscCall(PetscArraycpy(grown, c->voxel, c->n));
    PetscCall(PetscFree(c->voxel));
    c->voxel = grown;
  }
  c->voxel[c->n++] = v;
  PetscFunctionReturn(0);
}

/* The voxel indices (-1 outside the grid) and labels (0 outside) of the block at (i, j, k). */
static void ReadBlock(const PetscInt dims[3], const int32_t labels[], PetscInt i, PetscInt j, PetscInt k, PetscInt vox[8],
                      int32_t lab[8])
{
  for (int b = 0; b < 8; ++b) {
    vox[b] = BlockVoxel(dims, i, j, k, b);
    lab[b] = vox[b] < 0 ? 0 : labels[vox[b]];
  }
}

/* One label (or background) fills the block: nothing is pinched there. Most blocks of a scan
   are like that, so this is checked first. */
static inline PetscBool Uniform(const int32_t lab[8])
{
  return (PetscBool)(lab[0] == lab[1] && lab[0] == lab[2] && lab[0] == lab[3] && lab[0] == lab[4] && lab[0] == lab[5] &&
                     lab[0] == lab[6] && lab[0] == lab[7]);
}

/* The block at (i, j, k) lies inside the grid and one label fills it: the full sweeps skip it
   with 8 reads and no index arithmetic (most blocks of a scan are like that); blocks on the
   border go the long way, through ReadBlock. */
static inline PetscBool UniformInside(const PetscInt dims[3], const int32_t labels[], PetscInt i, PetscInt j, PetscInt k)
{
  const int32_t *a, *b, *c, *d;
  if (i < 0 || j < 0 || k < 0 || i + 1 >= dims[0] || j + 1 >= dims[1] || k + 1 >= dims[2]) return PETSC_FALSE;
  a = labels + i + dims[0] * (j + dims[1] * k);
  b = a + dims[0];
  c = a + dims[0] * dims[1];
  d = c + dims[0];
  return (PetscBool)(a[0] == a[1] && a[0] == b[0] && a[0] == b[1] && a[0] == c[0] && a[0] == c[1] && a[0] == d[0] &&
                     a[0] == d[1]);
}

/* The block bits of bit b's label, if b is that label's lowest bit, the label is not
   background and it does not fill the block (each label of a block is looked at once). */
static PetscBool LabelBits(const int32_t lab[8], int b, unsigned *in)
{
  *in = 0;
  if (!lab[b]) return PETSC_FALSE;
  for (int q = 0; q < 8; ++q)
    if (lab[q] == lab[b]) *in |= 1u << q;
  return (PetscBool)(*in != 0xFFu && (*in & ((1u << b) - 1)) == 0);
}

/* Mend the pinches of one block, label by label, looking again after each change (each
   change is a voxel that never changes again, so at most 8). */
static PetscErrorCode RepairBlock(const PetscInt dims[3], int32_t labels[], PetscBT changed, PetscInt i, PetscInt j, PetscInt k,
                                  Changes *changes)
{
  PetscInt vox[8];
  int32_t  lab[8];

  PetscFunctionBeginUser;
  ReadBlock(dims, labels, i, j, k, vox, lab);
  if (Uniform(lab)) PetscFunctionReturn(0);
  for (int b = 0; b < 8; ++b) {
    const int32_t label = lab[b];
    unsigned      in;
    int           pa, pb, give;
    PetscBool     complement;
    if (!LabelBits(lab, b, &in) || !FindPinch(in, &pa, &pb, &complement)) continue;
    give = ChooseVoxel(dims, labels, changed, vox, pa, pb, complement);
    if (give < 0) continue; /* nothing to mend it with: left, and counted */
    labels[vox[give]] = label;
    PetscBTSet(changed, vox[give]);
    lab[give] = label;
    PetscCall(ChangesAdd(changes, vox[give]));
    b = -1; /* look at the block again with its new labels */
  }
  PetscFunctionReturn(0);
}

/* The first sweep visits every block, including those straddling the grid border; later ones
   only the 8 blocks around each voxel the previous sweep changed. */
static PetscErrorCode Sweep(const PetscInt dims[3], int32_t labels[], PetscBT changed, const Changes *previous, Changes *changes)
{
  PetscFunctionBeginUser;
  changes->n = 0;
  if (!previous) {
    for (PetscInt k = -1; k < dims[2]; ++k)
      for (PetscInt j = -1; j < dims[1]; ++j)
        for (PetscInt i = -1; i < dims[0]; ++i)
          if (!UniformInside(dims, labels, i, j, k)) PetscCall(RepairBlock(dims, labels, changed, i, j, k, changes));
    PetscFunctionReturn(0);
  }
  for (PetscInt c = 0; c < previous->n; ++c) {
    const PetscInt v = previous->voxel[c], x = v % dims[0], y = (v / dims[0]) % dims[1], z = v / (dims[0] * dims[1]);
    for (int b = 0; b < 8; ++b)
      PetscCall(RepairBlock(dims, labels, changed, x - (b & 1), y - ((b >> 1) & 1), z - ((b >> 2) & 1), changes));
  }
  PetscFunctionReturn(0);
}

/* Critical configurations left in the blocks of row (j, k) of blocks (j, k from -1), over all labels. */
static PetscInt CountPinchesInRow(const PetscInt dims[3], const int32_t labels[], PetscInt j, PetscInt k)
{
  PetscInt count = 0;
  for (PetscInt i = -1; i < dims[0]; ++i) {
    PetscInt vox[8];
    int32_t  lab[8];
    if (UniformInside(dims, labels, i, j, k)) continue;
    ReadBlock(dims, labels, i, j, k, vox, lab);
    if (Uniform(lab)) continue;
    for (int b = 0; b < 8; ++b) {
      unsigned  in;
      int       pa, pb;
      PetscBool complement;
      if (LabelBits(lab, b, &in) && FindPinch(in, &pa, &pb, &complement)) count++;
    }
  }
  return count;
}

typedef struct {
  const PetscInt *dims;
  const int32_t  *labels;
  PetscInt       *per_row; /* the count of each row of blocks, summed in order afterwards */
} PinchCount;

static void CountPinchRows(PetscInt begin, PetscInt end, void *ctx)
{
  const PinchCount *pc = (const PinchCount *)ctx;
  const PetscInt    ny = pc->dims[1] + 1;
  for (PetscInt r = begin; r < end; ++r)
    pc->per_row[r] = CountPinchesInRow(pc->dims, pc->labels, r % ny - 1, r / ny - 1);
}

/* Critical configurations left, counted over all blocks and labels; rows of blocks on all
   threads (a pure scan: 0.05 s of the kidney phantom's selection on one). */
static PetscErrorCode CountPinches(const PetscInt dims[3], const int32_t labels[], PetscInt *count)
{
  const PetscInt rows = (dims[1] + 1) * (dims[2] + 1);
  PinchCount     pc   = {dims, labels, NULL};

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(rows, &pc.per_row));
  PetscCall(TwinfeParallelFor_Private(rows, CountPinchRows, &pc));
  *count = 0;
  for (PetscInt r = 0; r < rows; ++r)
    *count += pc.per_row[r];
  PetscCall(PetscFree(pc.per_row));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePinchCountGrid_Private(const PetscInt dims[3], const int32_t labels[], PetscInt *count)
{
  PetscFunctionBeginUser;
  PetscCall(CountPinches(dims, labels, count));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfePinchRepairGrid_Private(const PetscInt dims[3], int32_t labels[], PetscInt *voxels_changed)
{
  Changes        a = {0, 0, NULL}, b = {0, 0, NULL}, *previous = NULL, *current = &a;
  PetscInt       changed = 0;
  PetscBT        mask; /* the voxels changed: a bit each, since a byte each is 20 MB of fresh memory on a CT */
  PetscErrorCode ierr = 0;
  PetscLogEvent  event;

  PetscFunctionBeginUser;
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_PINCHES, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(PetscBTCreate((PetscInt)TwinfeImageVoxelCount_Private(dims), &mask));
  /* every change is a voxel that never changes again, so this ends; the cap bounds the time */
  for (int sweep = 0; sweep < TWINFE_PINCH_MAX_SWEEPS && !ierr; ++sweep) {
    ierr = Sweep(dims, labels, mask, previous, current);
    if (ierr || !current->n) break;
    changed += current->n;
    previous = current;
    current  = current == &a ? &b : &a;
  }
  PetscCall(PetscFree(a.voxel));
  PetscCall(PetscFree(b.voxel));
  PetscCall(PetscBTDestroy(&mask));
  PetscCall(ierr);
  *voxels_changed = changed;
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Both public functions work on the box around the labels (grid_impl.h): outside it nothing
   is pinched. */
PetscErrorCode TwinfeImageCountPinches(TwinfeImage image, PetscInt *pinches)
{
  PetscInt      lo[3], hi[3];
  PetscBool     any;
  TwinfeGrid    grid;
  PetscLogEvent event;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  TwinfeCheckPointer_Private(pinches);
  *pinches = 0;
  PetscCall(TwinfeImageGetEvent_Private(TWINFE_EV_COUNT_PINCHES, &event));
  PetscCall(PetscLogEventBegin(event, 0, 0, 0, 0));
  PetscCall(TwinfeGridLabelBox_Private(image, lo, hi, &any));
  if (any) {
    PetscErrorCode ierr;
    PetscCall(TwinfeGridCreate_Private(image, lo, hi, &grid));
    ierr = CountPinches(grid.dims, grid.labels, pinches);
    PetscCall(TwinfeGridRestore_Private(image, &grid)); /* the image as it was, whatever happened */
    PetscCall(ierr);
  }
  PetscCall(PetscLogEventEnd(event, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeImageRepairPinches(TwinfeImage image, PetscInt *voxels_changed, PetscInt *pinches_left)
{
  PetscInt   lo[3], hi[3], changed = 0, left = 0;
  PetscBool  any;
  TwinfeGrid grid;

  PetscFunctionBeginUser;
  TwinfeCheckPointer_Private(image);
  PetscCall(TwinfeGridLabelBox_Private(image, lo, hi, &any));
  if (any) {
    PetscErrorCode ierr;
    PetscCall(TwinfeGridCreate_Private(image, lo, hi, &grid));
    ierr = TwinfePinchRepairGrid_Private(grid.dims, grid.labels, &changed);
    if (!ierr && pinches_left) ierr = CountPinches(grid.dims, grid.labels, &left);
    PetscCall(TwinfeGridRestore_Private(image, &grid)); /* the labels back in place, whatever happened */
    PetscCall(ierr);
  }
  if (voxels_changed) *voxels_changed = changed;
  if (pinches_left) *pinches_left = left;
  PetscFunctionReturn(0);
}
