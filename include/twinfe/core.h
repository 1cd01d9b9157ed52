/* libtwinfe core: version, hashing, small shared helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>

/* Version of the library, "MAJOR.MINOR.PATCH". Not collective. */
PETSC_EXTERN const char *TwinfeVersion(void);

/* SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL (hex must hold 65 chars).
   Not collective. Fails with PETSC_ERR_FILE_OPEN naming the file when it cannot be read. */
PETSC_EXTERN PetscErrorCode TwinfeFileSHA256(const char path[], char hex[65]);
/* SHA-256 of a buffer. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSHA256(const void *data, size_t length, char hex[65]);

/* Facet tag convention shared by every stage: a surface between labels a and b (0 is
   background) is tagged max(a,b) when min(a,b) == 0, and 1000*min(a,b) + max(a,b) otherwise.
   Labels must be in [0, 999] so that a tag names its two labels; images with larger labels
   (FreeSurfer's 1000-2035, atlases past 65535) are renumbered 1..n before their surfaces are
   made (TwinfeImageRelabel; a case does it and records each region's original label). */
PETSC_EXTERN PetscInt TwinfeFacetTag(PetscInt a, PetscInt b);
/* The two labels of a facet tag, larger first (0 for background): the inverse of TwinfeFacetTag. */
PETSC_EXTERN void TwinfeFacetTagLabels(PetscInt tag, PetscInt *larger, PetscInt *smaller);
