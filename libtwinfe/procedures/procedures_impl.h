/* Private to the procedures stage: a scenario as read, and the comparison adapter.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/twinfe.h>
#include "case/case_impl.h"

#define TWINFE_MAX_STEPS 32

typedef enum {
  TWINFE_EDIT_NONE,
  TWINFE_EDIT_RESECT,
  TWINFE_EDIT_BALL,
  TWINFE_EDIT_PLANE,
  TWINFE_EDIT_STENOSIS,
  TWINFE_EDIT_STENT,
  TWINFE_EDIT_CLIP,
  TWINFE_EDIT_PAINT
} TwinfeEditKind;
PETSC_INTERN const char *TwinfeEditName(TwinfeEditKind kind);

typedef struct {
  char           name[TWINFE_NAME_LEN];
  char           set[4096]; /* case options, command-line syntax ("" none) */
  TwinfeEditKind edit;
  char           region[TWINFE_NAME_LEN]; /* resect */
  PetscReal      margin_mm;               /* resect, plane */
  PetscReal      ball[4];                 /* centre (LPS mm), radius */
  PetscReal      plane[6];                /* cut_plane, clip: point, normal (towards what goes) */
  PetscReal      at[3];                   /* stenosis, stent: a point in the vessel (LPS mm) */
  PetscReal      percent, length_mm, diameter_mm;
  char           vessel[TWINFE_NAME_LEN]; /* stenosis, stent, clip: the vessel's region ("": the only region) */
  char           paint[TWINFE_NAME_LEN];  /* paint_ball: the region painted */
  char           from[TWINFE_NAME_LEN];   /* start from this earlier step's edited label map ("": the baseline's) */
  int            line;                    /* in the scenario file */
} TwinfeStep;

typedef struct {
  char       path[PETSC_MAX_PATH_LEN];
  char       baseline[PETSC_MAX_PATH_LEN]; /* the case file, resolved against the scenario's folder */
  PetscInt   nsteps;
  TwinfeStep steps[TWINFE_MAX_STEPS];
} TwinfeScenario;

/* scenario.c: every key checked (a typo is an error naming the file, line and the keys known). */
PETSC_INTERN PetscErrorCode TwinfeScenarioRead(const char path[], TwinfeScenario *s);

/* compare_vtk.cxx: a step's final results against the baseline's, on the baseline mesh. */
typedef struct {
  PetscReal max_displacement_mm;        /* the step's largest |displacement| (0 without one) */
  PetscReal max_displacement_change_mm; /* largest |step - baseline| on the baseline points inside the step's mesh */
  PetscReal baseline_volume_mm3, step_volume_mm3;
  PetscReal margin_mm; /* resection: least distance from the region's baseline surface to the step's boundary (-1: not asked) */
  PetscInt  points_outside;                            /* baseline points outside the step's mesh (removed tissue) */
  PetscReal max_wss_change_Pa, mean_wss_change_Pa;     /* |wall_shear_stress_change| over the baseline's wall points */
  PetscReal max_tawss_change_Pa, mean_tawss_change_Pa; /* pulsatile flow: |tawss_change| there (0 when not pulsatile) */
  PetscReal max_osi_change, mean_osi_change;           /* pulsatile flow: |osi_change| there */
  PetscReal cut_surface_shift_mm; /* resection: the largest displacement on the step's new boundary (-1: none) */
  PetscInt  cut_surface_points;
} TwinfeComparison;
/* baseline, step: results files (.vtu or .pvtu); out: the comparison .vtu; region: a label whose
   margin is measured (-1: none). Rank 0 only. */
PETSC_INTERN PetscErrorCode TwinfeCompareResults_VTK(const char baseline[], const char step[], const char out[], PetscInt region,
                                                     TwinfeComparison *cmp);
/* The pressure gradient (p(a) - p(b)) / |b - a| (Pa/mm) in a results file, probed at a and b. */
PETSC_INTERN PetscErrorCode TwinfePressureGradient_VTK(const char results[], const PetscReal a[3], const PetscReal b[3],
                                                       PetscReal *gradient);

/* pictures_vtk.cxx: prefix_baseline.png, prefix_step.png and prefix_change.png, the outer surface
   from the front coloured by the magnitude of the first of wall_shear_stress, displacement and
   velocity the results hold (its name into field; "" and no picture when none). Needs an X
   display (DISPLAY; xvfb-run on a server). Rank 0. */
PETSC_INTERN PetscErrorCode TwinfeRenderPictures_VTK(const char comparison[], const char step[], const char name[],
                                                     const char prefix[], char field[64]);
