/* libtwinfe image stage: label maps in the scanner's physical space.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A TwinfeImage is a grid of int32 labels (0 = background, labels positive), i fastest, with its geometry:
 *   world(i,j,k) = origin + D * (spacing[0]*i, spacing[1]*j, spacing[2]*k)
 * where world is LPS in millimetres (as DICOM and ITK) and D is the 3x3 direction matrix,
 * row-major, with orthonormal columns. */
#pragma once
#include <petscsys.h>
#include <stdint.h>

typedef struct _p_TwinfeImage *TwinfeImage;

/*@
  TwinfeImageCreate - Creates an image with all labels 0.

  Not collective

  Input Parameters:
+ dims      - voxels along i, j, k
. spacing   - voxel size along i, j, k (mm)
. origin    - world position of voxel (0, 0, 0) (LPS, mm)
- direction - 3x3 direction matrix, row-major, orthonormal columns (NULL: identity)

  Output Parameter:
. image - the new image

  Notes:
  Create an image with all labels 0. direction may be NULL (identity).

  Level: beginner

.seealso: TwinfeImageDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCreate(const PetscInt dims[3], const PetscReal spacing[3], const PetscReal origin[3],
                                              const PetscReal direction[9], TwinfeImage *image);

/*@
  TwinfeImageDestroy - Destroys an image.

  Not collective

  Input Parameter:
. image - the image, set to NULL

  Level: beginner

.seealso: TwinfeImageCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageDestroy(TwinfeImage *image);

/*@
  TwinfeImageRead - Reads a label map.

  Not collective

  Input Parameter:
. path - the label map file

  Output Parameter:
. image - the new image

  Notes:
  Read a label map. The format is told by the file's content
  (docs/image_formats.md): NIfTI-1/-2 single files (.nii, .nii.gz; sform, else qform, RAS
  turned into LPS), NRRD (.nrrd, .nhdr + data file; 3D Slicer .seg.nrrd segmentations with
  their segment names), MetaImage (.mha, .mhd + .raw/.zraw) and VTK image data (.vti); DICOM
  is recognised and refused by name. Every header field is checked before the voxels are
  allocated, and the file must hold the voxels its header claims; each refusal names the file
  and the field. Labels may be any integer type (or a float type holding whole numbers only);
  negative values are refused; other float images need a threshold (settings).

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageRead(const char path[], TwinfeImage *image);

/*@
  TwinfeImageReadWithLimit - Reads a label map, refusing images of more than max_voxels voxels.

  Not collective

  Input Parameters:
+ path       - the label map file
- max_voxels - most voxels allowed

  Output Parameter:
. image - the new image

  Notes:
  The same, refusing images of more than max_voxels voxels (TwinfeImageRead allows
  TWINFE_IMAGE_MAX_VOXELS_DEFAULT; a case reads -image_max_voxels).

  Level: intermediate

.seealso: TwinfeImageRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageReadWithLimit(const char path[], PetscInt64 max_voxels, TwinfeImage *image);
#define TWINFE_IMAGE_MAX_VOXELS_DEFAULT 2147483647 /* 2^31 - 1: twice a 1024^3 CT */

/* How a file is read: the voxel limit, and for float images (probability maps, soft masks)
   a threshold that makes label 1 of the voxels above it (inside_below: below it); the others
   are background. A threshold on an integer label map is refused. */
typedef struct {
  PetscInt64 max_voxels;    /* TWINFE_IMAGE_MAX_VOXELS_DEFAULT unless smaller */
  PetscBool  threshold_set; /* a case sets it with -threshold T */
  PetscReal  threshold;
  PetscBool  inside_below; /* -inside below: label 1 where value < threshold; else value > threshold */
} TwinfeImageReadSettings;

/*@
  TwinfeImageReadSettingsDefault - Fills read settings with the defaults: the default voxel limit, no threshold.

  Not collective

  Output Parameter:
. settings - the default settings

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageReadSettingsDefault(TwinfeImageReadSettings *settings);

/*@
  TwinfeImageReadWithSettings - Reads a label map with a voxel limit and, for float images, a threshold.

  Not collective

  Input Parameters:
+ path     - the label map file
- settings - the voxel limit and threshold

  Output Parameter:
. image - the new image

  Notes:
  How a file is read: the voxel limit, and for float images (probability maps, soft masks)
  a threshold that makes label 1 of the voxels above it (inside_below: below it); the others
  are background. A threshold on an integer label map is refused.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageReadWithSettings(const char path[], const TwinfeImageReadSettings *settings,
                                                        TwinfeImage *image);

/*@
  TwinfeImageGetLabelName - Returns the name the file gives a label, or NULL.

  Not collective

  Input Parameters:
+ image - the image
- label - the label

  Output Parameter:
. name - the name (lent), or NULL

  Notes:
  The name the file gives a label (a 3D Slicer segment's name), or NULL when it names none.
  The name is lent: it lives as long as the image. Names belong to the labels as read:
  ask before TwinfeImageRelabel, which does not carry them.

  Level: intermediate

.seealso: TwinfeImageRelabel()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetLabelName(TwinfeImage image, int32_t label, const char **name);

/*@
  TwinfeImageWrite - Writes a NIfTI-1 label map with its geometry as sform and qform.

  Not collective

  Input Parameters:
+ image - the image
- path  - .nii or .nii.gz file to write

  Notes:
  Write a NIfTI-1 label map (.nii or .nii.gz) with its geometry as sform and qform.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageWrite(TwinfeImage image, const char path[]);

/*@
  TwinfeImageGetDimensions - Returns the image's dimensions in voxels.

  Not collective

  Input Parameter:
. image - the image

  Output Parameter:
. dims - voxels along i, j, k

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetDimensions(TwinfeImage image, PetscInt dims[3]);

/*@
  TwinfeImageGetLabelBox - Returns the smallest box of voxel indices holding every voxel of the given labels.

  Not collective

  Input Parameters:
+ image   - the image
. nlabels - number of labels (0: every non-zero label)
- labels  - the labels

  Output Parameters:
+ lo  - lowest voxel index along i, j, k
. hi  - highest voxel index along i, j, k (inclusive)
- any - whether any voxel holds one of the labels

  Notes:
  The smallest box of voxel indices [lo, hi] (inclusive) holding every voxel of the given labels
  (nlabels 0: of every non-zero label); *any is false, and the box empty, when there is none.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetLabelBox(TwinfeImage image, PetscInt nlabels, const int32_t labels[], PetscInt lo[3],
                                                   PetscInt hi[3], PetscBool *any);

/*@
  TwinfeImageGetGeometry - Returns the image's spacing, origin and direction.

  Not collective

  Input Parameter:
. image - the image

  Output Parameters:
+ spacing   - voxel size along i, j, k (mm)
. origin    - world position of voxel (0, 0, 0) (LPS, mm)
- direction - 3x3 direction matrix, row-major

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetGeometry(TwinfeImage image, PetscReal spacing[3], PetscReal origin[3],
                                                   PetscReal direction[9]);

/*@
  TwinfeImageGetLabels - Returns the label array.

  Not collective

  Input Parameter:
. image - the image

  Output Parameter:
. labels - the label array (lent)

  Notes:
  The label array (dims[0]*dims[1]*dims[2] values, i fastest), lent: do not free.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetLabels(TwinfeImage image, int32_t **labels);

/*@
  TwinfeImageIndexToWorld - Returns the world coordinates of a continuous voxel index.

  Not collective

  Input Parameters:
+ image - the image
- ijk   - continuous voxel index

  Output Parameter:
. xyz - world coordinates (LPS, mm)

  Notes:
  World (LPS, mm) coordinates of a continuous voxel index.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageIndexToWorld(TwinfeImage image, const PetscReal ijk[3], PetscReal xyz[3]);

/*@
  TwinfeImageCountLabel - Counts the voxels holding a label.

  Not collective

  Input Parameters:
+ image - the image
- label - the label

  Output Parameter:
. count - number of voxels holding label

  Notes:
  Number of voxels holding label.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCountLabel(TwinfeImage image, int32_t label, PetscInt *count);

/*@
  TwinfeImageGetVoxelVolume - Returns the volume of one voxel.

  Not collective

  Input Parameter:
. image - the image

  Output Parameter:
. volume_mm3 - volume of one voxel (mm^3)

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetVoxelVolume(TwinfeImage image, PetscReal *volume_mm3);

/*@
  TwinfeImageGetLabelValues - Returns the distinct non-zero labels of the image, ascending.

  Not collective

  Input Parameter:
. image - the image

  Output Parameters:
+ nvalues - number of labels
- values  - the labels, ascending (PetscFree it)

  Notes:
  The distinct non-zero labels of the image, ascending; *values is allocated (PetscFree it).

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageGetLabelValues(TwinfeImage image, PetscInt *nvalues, int32_t **values);

/*@
  TwinfeImageRelabel - Renumbers labels.

  Not collective

  Input Parameters:
+ image - the image
. n     - number of labels renumbered
. from  - the labels as they are
- to    - their new values

  Notes:
  Renumber labels: voxels holding from[i] get to[i]; voxels holding a label not in from[]
  become background (0). Labels must be positive and each from[i] listed once. The surface
  and mesh stages take labels 1..999 (facet tags, include/twinfe/core.h), so an image with
  larger labels is renumbered, e.g. to 1..n, before its surfaces are made.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageRelabel(TwinfeImage image, PetscInt n, const int32_t from[], const int32_t to[]);

/* The image stage's cleaning, as a case runs it: every piece of anatomy is kept.
   Keep only the given labels (others become 0) and every connected piece of each; remove
   only islands: pieces smaller than island_voxels voxels AND smaller than island_percent % of
   their label's voxels, and never a label's largest piece (so neither threshold alone can
   remove an organ, and no label vanishes). Pieces are counted as given, 26-connected (voxels
   touching at a face, an edge or a corner are one piece, as a reader of the scan sees them).
   Removed islands become background; then enclosed background cavities (background not
   6-connected to the image border) go to the label most of their faces touch, and, when
   repair_pinches, edge and corner pinches are mended (TwinfeImageRepairPinches), alternating
   with the cavity filling until neither changes anything. Voxels of a requested label change
   only by its own island removal or by pinch repair (a voxel given to a thin neighbour).
   The work is done inside the requested labels' bounding box plus a margin, with one
   union-find pass over runs of equal labels per counting, so a 68M-voxel CT costs a fraction
   of a second. Fails naming the label if a requested label has no voxel. Not collective.
   The selection describes what was done; destroy it with TwinfeImageSelectionDestroy. */
#define TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT 27   /* a 3x3x3 block: a piece without one interior voxel */
#define TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT 1.0 /* % of the label's voxels */

typedef struct {
  int32_t   label;           /* the label the island had */
  PetscInt  voxels;          /* its voxels */
  PetscReal volume_mm3;      /* voxels times the voxel volume */
  PetscReal centroid_lps[3]; /* the mean of its voxel centres, LPS mm */
} TwinfeImageIsland;

typedef struct {
  int32_t  label;
  PetscInt voxels_given;      /* voxels of the label as given */
  PetscInt components_given;  /* 26-connected pieces as given */
  PetscInt components_kept;   /* of those, kept: components_given - islands_removed */
  PetscInt islands_removed;   /* pieces removed by the island rule */
  PetscInt voxels_removed;    /* their voxels */
  PetscInt voxels;            /* voxels at the end (after filling and pinch repair) */
  PetscInt components_meshed; /* 6-connected pieces at the end: the solids the mesher sees */
} TwinfeImageLabelSelection;

typedef struct _p_TwinfeImageSelection *TwinfeImageSelection;

/*@
  TwinfeImageSelectLabelsKeepAll - Cleans the label map as a case does: keeps the given labels and every piece of each,
  removes only islands.

  Not collective

  Input Parameters:
+ image          - the image
. nlabels        - number of labels
. labels         - the labels to keep
. island_voxels  - islands have fewer voxels than this (TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT)
. island_percent - and less than this % of their label's voxels (TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT)
- repair_pinches - whether to mend edge and corner pinches

  Output Parameter:
. selection - the new record of what was done

  Notes:
  The image stage's cleaning, as a case runs it: every piece of anatomy is kept.
  Keep only the given labels (others become 0) and every connected piece of each; remove
  only islands: pieces smaller than island_voxels voxels AND smaller than island_percent % of
  their label's voxels, and never a label's largest piece (so neither threshold alone can
  remove an organ, and no label vanishes). Pieces are counted as given, 26-connected (voxels
  touching at a face, an edge or a corner are one piece, as a reader of the scan sees them).
  Removed islands become background; then enclosed background cavities (background not
  6-connected to the image border) go to the label most of their faces touch, and, when
  repair_pinches, edge and corner pinches are mended (TwinfeImageRepairPinches), alternating
  with the cavity filling until neither changes anything. Voxels of a requested label change
  only by its own island removal or by pinch repair (a voxel given to a thin neighbour).
  The work is done inside the requested labels' bounding box plus a margin, with one
  union-find pass over runs of equal labels per counting, so a 68M-voxel CT costs a fraction
  of a second. Fails naming the label if a requested label has no voxel. Not collective.
  The selection describes what was done; destroy it with TwinfeImageSelectionDestroy.

  Level: intermediate

.seealso: TwinfeImageRepairPinches(), TwinfeImageSelectionDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectLabelsKeepAll(TwinfeImage image, PetscInt nlabels, const int32_t labels[],
                                                           PetscInt island_voxels, PetscReal island_percent,
                                                           PetscBool repair_pinches, TwinfeImageSelection *selection);

/*@
  TwinfeImageSelectionGetLabel - Returns what happened to one of the labels selected.

  Not collective

  Input Parameters:
+ selection - the selection record
- i         - index into the labels given, 0..nlabels-1

  Output Parameter:
. label - what happened to labels[i]

  Notes:
  What happened to labels[i] (i in 0..nlabels-1, in the order given).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectionGetLabel(TwinfeImageSelection selection, PetscInt i,
                                                         TwinfeImageLabelSelection *label);

/*@
  TwinfeImageSelectionGetIslands - Returns every removed island.

  Not collective

  Input Parameter:
. selection - the selection record

  Output Parameters:
+ nislands - number of islands removed
- islands  - the islands (lent)

  Notes:
  Every removed island, by label in the order given, then by position; lent: do not free.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectionGetIslands(TwinfeImageSelection selection, PetscInt *nislands,
                                                           const TwinfeImageIsland **islands);

/*@
  TwinfeImageSelectionGetTotals - Returns the totals of the cleaning.

  Not collective

  Input Parameter:
. selection - the selection record

  Output Parameters:
+ voxels_unselected - voxels of unrequested labels cleared (may be NULL)
. voxels_filled     - cavity voxels filled (may be NULL)
. pinch_voxels      - voxels changed to mend pinches (may be NULL)
- pinches_left      - pinches left (may be NULL)

  Notes:
  Totals: voxels of unrequested labels cleared, cavity voxels filled, voxels changed to mend
  pinches, and pinches left (any NULL argument is skipped).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectionGetTotals(TwinfeImageSelection selection, PetscInt *voxels_unselected,
                                                          PetscInt *voxels_filled, PetscInt *pinch_voxels,
                                                          PetscInt *pinches_left);

/*@
  TwinfeImageSelectionDestroy - Destroys a selection record.

  Not collective

  Input Parameter:
. selection - the selection record, set to NULL

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectionDestroy(TwinfeImageSelection *selection);

/*@
  TwinfeImageSelectLabels - Keeps the given labels, only the largest 6-connected piece of each, and fills cavities (the
  former rule).

  Not collective

  Input Parameters:
+ image   - the image
. nlabels - number of labels
- labels  - the labels to keep

  Output Parameters:
+ voxels_removed - voxels removed as stray components
- voxels_filled  - cavity voxels filled

  Notes:
  The former rule, kept for programs that want one solid per label: keep only the given
  labels (others become 0), keep the largest 6-connected component of each (dropping every
  other piece, which on a CT of two kidneys drops one kidney), and fill enclosed background
  cavities. Reports the voxels removed as stray components and the cavity voxels filled.
  Fails naming the label if a requested label has no voxel.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageSelectLabels(TwinfeImage image, PetscInt nlabels, const int32_t labels[],
                                                    PetscInt *voxels_removed, PetscInt *voxels_filled);

/*@
  TwinfeImageResect - Erases a label and every labelled voxel within a margin of it.

  Not collective

  Input Parameters:
+ image     - the image
. label     - the label to resect
- margin_mm - margin around it (mm)

  Output Parameter:
. removed - number of voxels removed

  Notes:
  Edits for rehearsals (image/edit.c, docs/rehearse.md): labelled voxels become background (0),
  *removed counts them; distances between voxel centres in mm. Resect: the voxels of label and
  every labelled voxel within margin_mm of one of them (a region without voxels is refused).
  The margin holds between the voxel surfaces: voxel centres within margin_mm plus the largest
  spacing of the region's are removed. EraseBall: within radius_mm of centre (LPS mm); refused when it holds no labelled
  voxel.
  ErasePlaneSide: the side normal points to, and margin_mm behind the plane; refused when that
  removes no labelled voxel or all of them.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageResect(TwinfeImage image, int32_t label, PetscReal margin_mm, PetscInt *removed);

/*@
  TwinfeImageEraseBall - Erases the labelled voxels within a ball.

  Not collective

  Input Parameters:
+ image     - the image
. centre    - centre of the ball (LPS, mm)
- radius_mm - its radius (mm)

  Output Parameter:
. removed - number of voxels removed

  Notes:
  Edits for rehearsals (image/edit.c, docs/rehearse.md): labelled voxels become background (0),
  *removed counts them; distances between voxel centres in mm. Resect: the voxels of label and
  every labelled voxel within margin_mm of one of them (a region without voxels is refused).
  The margin holds between the voxel surfaces: voxel centres within margin_mm plus the largest
  spacing of the region's are removed. EraseBall: within radius_mm of centre (LPS mm); refused when it holds no labelled
  voxel.
  ErasePlaneSide: the side normal points to, and margin_mm behind the plane; refused when that
  removes no labelled voxel or all of them.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageEraseBall(TwinfeImage image, const PetscReal centre[3], PetscReal radius_mm,
                                                 PetscInt *removed);

/*@
  TwinfeImagePaintBall - Paints every voxel within a ball with a label.

  Not collective

  Input Parameters:
+ image     - the image
. centre    - centre of the ball (LPS, mm)
. radius_mm - its radius (mm)
- label     - the label painted

  Output Parameter:
. changed - number of voxels changed

  Notes:
  Paints every voxel within radius_mm of centre with label (a tumour grown, a lesion added);
  refused when it changes nothing.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImagePaintBall(TwinfeImage image, const PetscReal centre[3], PetscReal radius_mm, int32_t label,
                                                 PetscInt *changed);

/*@
  TwinfeImageErasePlaneSide - Erases the labelled voxels on one side of a plane.

  Not collective

  Input Parameters:
+ image     - the image
. point     - a point of the plane (LPS, mm)
. normal    - normal pointing to the side erased
- margin_mm - how far behind the plane erasing reaches (mm)

  Output Parameter:
. removed - number of voxels removed

  Notes:
  Edits for rehearsals (image/edit.c, docs/rehearse.md): labelled voxels become background (0),
  *removed counts them; distances between voxel centres in mm. Resect: the voxels of label and
  every labelled voxel within margin_mm of one of them (a region without voxels is refused).
  The margin holds between the voxel surfaces: voxel centres within margin_mm plus the largest
  spacing of the region's are removed. EraseBall: within radius_mm of centre (LPS mm); refused when it holds no labelled
  voxel.
  ErasePlaneSide: the side normal points to, and margin_mm behind the plane; refused when that
  removes no labelled voxel or all of them.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageErasePlaneSide(TwinfeImage image, const PetscReal point[3], const PetscReal normal[3],
                                                      PetscReal margin_mm, PetscInt *removed);

/* A vessel (label) at a point p (LPS mm): its local axis (the principal direction of its voxels
   within about three radii of p), the centre where the axis passes p, and the radius of a circle
   of its cross-section's area there. */
typedef struct {
  PetscReal centre[3], axis[3], radius_mm;
} TwinfeVesselSection;

/*@
  TwinfeImageFindVesselSection - Finds a vessel's local axis, centre and radius at a point.

  Not collective

  Input Parameters:
+ image - the image
. label - the vessel's label
- p     - a point in the vessel (LPS, mm)

  Output Parameter:
. section - the vessel's axis, centre and radius at p

  Notes:
  A vessel (label) at a point p (LPS mm): its local axis (the principal direction of its voxels
  within about three radii of p), the centre where the axis passes p, and the radius of a circle
  of its cross-section's area there.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageFindVesselSection(TwinfeImage image, int32_t label, const PetscReal p[3],
                                                         TwinfeVesselSection *section);

/*@
  TwinfeImageNarrowVessel - Narrows a vessel over a length (a stenosis).

  Not collective

  Input Parameters:
+ image     - the image
. label     - the vessel's label
. p         - centre of the narrowing (LPS, mm)
. percent   - narrowing of the diameter (%)
- length_mm - length of the narrowing (mm)

  Output Parameters:
+ section - the vessel's section at p (not NULL)
- changed - number of voxels changed

  Notes:
  A stenosis: over length_mm centred at p, the vessel's voxels farther from its axis than
  (1 - percent / 100) of its radius become background (a uniform narrowing of the diameter by
  percent). A stent: over length_mm, background within diameter_mm / 2 of the axis becomes the
  vessel. A clip: the vessel's voxels past the plane through p (normal towards what goes) that
  are connected, past it, to its cross-section at p become background (a branch or an
  aneurysm's sac occluded). Each refuses an edit that changes nothing; section may not be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageNarrowVessel(TwinfeImage image, int32_t label, const PetscReal p[3], PetscReal percent,
                                                    PetscReal length_mm, TwinfeVesselSection *section, PetscInt *changed);

/*@
  TwinfeImageWidenVessel - Widens a vessel over a length (a stent).

  Not collective

  Input Parameters:
+ image       - the image
. label       - the vessel's label
. p           - centre of the stent (LPS, mm)
. diameter_mm - the stent's diameter (mm)
- length_mm   - the stent's length (mm)

  Output Parameters:
+ section - the vessel's section at p (not NULL)
- changed - number of voxels changed

  Notes:
  A stenosis: over length_mm centred at p, the vessel's voxels farther from its axis than
  (1 - percent / 100) of its radius become background (a uniform narrowing of the diameter by
  percent). A stent: over length_mm, background within diameter_mm / 2 of the axis becomes the
  vessel. A clip: the vessel's voxels past the plane through p (normal towards what goes) that
  are connected, past it, to its cross-section at p become background (a branch or an
  aneurysm's sac occluded). Each refuses an edit that changes nothing; section may not be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageWidenVessel(TwinfeImage image, int32_t label, const PetscReal p[3], PetscReal diameter_mm,
                                                   PetscReal length_mm, TwinfeVesselSection *section, PetscInt *changed);

/*@
  TwinfeImageClipVessel - Removes the part of a vessel beyond a plane (a clip).

  Not collective

  Input Parameters:
+ image  - the image
. label  - the vessel's label
. p      - where the clip sits (LPS, mm)
- normal - normal of the clip's plane, towards what goes

  Output Parameter:
. removed - number of voxels removed

  Notes:
  A stenosis: over length_mm centred at p, the vessel's voxels farther from its axis than
  (1 - percent / 100) of its radius become background (a uniform narrowing of the diameter by
  percent). A stent: over length_mm, background within diameter_mm / 2 of the axis becomes the
  vessel. A clip: the vessel's voxels past the plane through p (normal towards what goes) that
  are connected, past it, to its cross-section at p become background (a branch or an
  aneurysm's sac occluded). Each refuses an edit that changes nothing; section may not be NULL.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageClipVessel(TwinfeImage image, int32_t label, const PetscReal p[3],
                                                  const PetscReal normal[3], PetscInt *removed);

/*@
  TwinfeImageRepairPinches - Makes every label's voxels well-composed, so that its surface is a 2-manifold.

  Not collective

  Input Parameter:
. image - the image

  Output Parameters:
+ voxels_changed - number of voxels changed
- pinches_left   - pinches nothing could mend

  Notes:
  Make every label's voxels well-composed, so that its surface is a 2-manifold: where two
  voxels of a label (or of everything else) touch only along an edge or at a corner, give the
  label one more voxel so they join through a face (background first; another label's only
  if that label stays connected around it, and no voxel changes twice). Reports the voxels
  changed and the pinches left that nothing could mend. Works inside the box around the
  labels (plus a margin), skipping 2x2x2 blocks of one label.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageRepairPinches(TwinfeImage image, PetscInt *voxels_changed, PetscInt *pinches_left);

/*@
  TwinfeImageCountPinches - Counts the pinched configurations.

  Not collective

  Input Parameter:
. image - the image

  Output Parameter:
. pinches - number of pinched configurations

  Notes:
  The number of pinched configurations (2x2 squares and 2x2x2 blocks, per label).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCountPinches(TwinfeImage image, PetscInt *pinches);

/*@
  TwinfeImageCreateOrganPhantom - Creates the bundled default case's image: a synthetic organ with a stiffer inclusion.

  Not collective

  Input Parameter:
. voxel_mm - isotropic voxel size (mm)

  Output Parameter:
. image - the new image

  Notes:
  The bundled default case: a synthetic organ (label 1, an ellipsoid about 110 x 80 x 60 mm)
  with a stiffer spherical inclusion (label 2, radius 12 mm), sampled at the given isotropic
  voxel size in mm on a grid with a non-identity direction. Deterministic.

  Level: intermediate

.seealso: TwinfeImageDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCreateOrganPhantom(PetscReal voxel_mm, TwinfeImage *image);

/*@
  TwinfeImageCreateVesselPhantom - Creates the bundled flow case's image: a carotid-like bifurcation.

  Not collective

  Input Parameter:
. voxel_mm - isotropic voxel size (mm, 0.1 to 1)

  Output Parameter:
. image - the new image

  Notes:
  The bundled flow case (meshes/vessel_phantom.yaml): a carotid-like bifurcation, label 1,
  isotropic voxels of voxel_mm (0.1 to 1; 0.4 bundled), identity direction. A parent of radius
  3 mm runs along +z from the image's first slice, with a cosine stenosis halving its diameter
  (8 mm long, centred at z = 15 mm); at z = 30 mm it forks into daughters of radius 2.2 mm
  (+25 degrees in x-z) and 1.8 mm (-25 degrees) that leave through the last slice (z = 50 mm).
  So the vessel is cut by the image at three ends: with -surface_caps they become its inlet
  and outlet caps. Deterministic.

  Level: intermediate

.seealso: TwinfeImageDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCreateVesselPhantom(PetscReal voxel_mm, TwinfeImage *image);

/*@
  TwinfeImageCreateKidneyPhantom - Creates a CT-like label map with known volumes.

  Not collective

  Input Parameter:
. slice_mm - scale of the CT's spacing (1: the full CT grid; 0.5 to 10)

  Output Parameter:
. image - the new image

  Notes:
  A CT-like label map with known volumes: a CT's grid (the same 261 x 481 x 481 mm field of
  view as 261 x 512 x 512 voxels of 1.0 x 0.94 x 0.94 mm when slice_mm = 1; spacing scaled by
  slice_mm for smaller test versions, 0.5 to 10), slice axis first (axis 0 runs superior),
  an oblique direction matrix; label 2 two kidneys of different size (ellipsoids), label 3 a
  tumour ball touching and partly inside the smaller kidney (the tumour takes the overlap),
  label 1 a vessel (a cylinder with a rounded top) leaving the image through its inferior
  face, and specks: 2 face-joined voxels of label 2, 1 voxel of label 3, and 3 voxels of
  label 1 joined only at edges and corners. Deterministic.

  Level: developer

.seealso: TwinfeImageDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageCreateKidneyPhantom(PetscReal slice_mm, TwinfeImage *image);

/*@
  TwinfeImageKidneyPhantomVolumes - Returns the exact volumes of the shapes of TwinfeImageCreateKidneyPhantom().

  Not collective

  Input Parameter:
. slice_mm - the scale given to TwinfeImageCreateKidneyPhantom()

  Output Parameter:
. volume_mm3 - exact volumes of labels 1, 2 and 3 (mm^3)

  Notes:
  The shapes' exact volumes in mm^3 inside that image, for labels 1, 2 and 3 (specks not
  counted): the vessel cut by the image's inferior face, both kidneys less the tumour's
  overlap, the tumour.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeImageKidneyPhantomVolumes(PetscReal slice_mm, PetscReal volume_mm3[3]);
