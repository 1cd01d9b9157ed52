/* The physics stage's tables of names and presets, for the library's own option parsing
 * (PetscOptionsGetEList) and messages. They are not exported: programs reach them through
 * TwinfeToolShapeGetName, TwinfeMaterialModelGetName, TwinfeElasticityFormulationGetName,
 * TwinfeTissueGetCount, TwinfeTissueGet and TwinfeTissueFind (docs/abi.md says why).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <twinfe/physics.h>

/* Names of the enum values as options give them, in enum order, NULL-terminated. */
PETSC_INTERN const char *const TwinfeToolShapes[];             /* elasticity.c */
PETSC_INTERN const char *const TwinfeMaterialModels[];         /* elasticity_materials.c */
PETSC_INTERN const char *const TwinfeElasticityFormulations[]; /* elasticity_mixed.c */
/* The tissue presets (NULL-name-terminated) and their names as -tissue gives them
   (NULL-terminated), in the same order (elasticity_materials.c). */
PETSC_INTERN const TwinfeTissue TwinfeTissues[];
PETSC_INTERN const char *const  TwinfeTissueNames[];
