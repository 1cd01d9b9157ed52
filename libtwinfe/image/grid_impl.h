/* Private to the image stage: working on the part of a label map that holds labels.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A CT is mostly background: the kidneys of a 68M-voxel abdomen fill a few percent of it. So
 * selection, cavity filling, pinch repair and counting gather the box around the labels (plus a
 * margin of background) into a grid of their own at the front of the image's array, work
 * there, and put it back. Outside the box everything is background connected to the image
 * border, which is what these steps assume of voxels outside a grid, and what putting the grid
 * back writes there. */
#pragma once
#include "image_impl.h"

/* Background voxels kept around the labels' box. Pinch repair grows a label by at most one
   voxel per generation of repairs and reads the 2x2x2 blocks around its voxels, so 4 leaves
   room for three generations (one is all that real label maps have needed). */
#define TWINFE_GRID_MARGIN 4

typedef struct {
  PetscInt  dims[3];   /* of the box */
  PetscInt  lo[3];     /* its first voxel in the image */
  int32_t  *labels;    /* dims[0]*dims[1]*dims[2], i fastest: the front of the image's array */
  PetscBool compacted; /* the image's array holds the grid until it is restored (PETSC_FALSE when
                          the box is the whole image: the grid is the image as it is) */
} TwinfeGrid;

/* The box lo..hi (inclusive, image indices) grown by TWINFE_GRID_MARGIN and clipped to the
   image, as a grid of its own, in the image's array: until the grid is restored the image's
   labels are the grid's, so callers restore it on their error paths too. Every voxel outside
   lo..hi must be background. */
PETSC_INTERN PetscErrorCode TwinfeGridCreate_Private(TwinfeImage image, const PetscInt lo[3], const PetscInt hi[3],
                                                     TwinfeGrid *grid);
/* Puts the grid back where it came from in the image, background around it. */
PETSC_INTERN PetscErrorCode TwinfeGridRestore_Private(TwinfeImage image, TwinfeGrid *grid);
/* The box of the image's non-zero voxels; *any is PETSC_FALSE when there is none. */
PETSC_INTERN PetscErrorCode TwinfeGridLabelBox_Private(TwinfeImage image, PetscInt lo[3], PetscInt hi[3], PetscBool *any);

/* Pinch repair and counting on a grid (pinches.c); voxels outside the grid are background. */
PETSC_INTERN PetscErrorCode TwinfePinchRepairGrid_Private(const PetscInt dims[3], int32_t labels[], PetscInt *changed);
PETSC_INTERN PetscErrorCode TwinfePinchCountGrid_Private(const PetscInt dims[3], const int32_t labels[], PetscInt *count);

/* Log events of the image stage (-log_view), registered on first use. */
typedef enum {
  TWINFE_EV_SELECT,     /* the whole selection */
  TWINFE_EV_SCAN,       /* clearing unrequested labels, counting, the labels' box */
  TWINFE_EV_COMPONENTS, /* labelling connected pieces */
  TWINFE_EV_CAVITIES,   /* filling enclosed background */
  TWINFE_EV_PINCHES,    /* mending pinches */
  TWINFE_EV_COUNT_PINCHES,
  TWINFE_EV_N
} TwinfeImageEvent;
PETSC_INTERN PetscErrorCode TwinfeImageGetEvent_Private(TwinfeImageEvent e, PetscLogEvent *event);
