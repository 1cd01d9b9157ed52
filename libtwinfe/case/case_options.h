/* The case's options: declarations, checks, and where a case file set each one.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include "case_impl.h"

/* An option a case file sets: -organ_E, shown as "organ: E", on line 9. */
typedef struct {
  char option[256];
  char display[256];
  int  line;
} TwinfeYamlKey;

/* Reads a case file with libyaml: syntax errors (file, line, column, what was expected) and keys
   given twice are refused; *keys (PetscFree it) holds every option it sets. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeCaseYamlScan(const char path[], TwinfeYamlKey **keys, PetscInt *nkeys);

/* A new case forgets the previous case's record of its options. */
PETSC_INTERN PetscErrorCode TwinfeCaseOptionsReset(TwinfeCase c);
/* Rank 0, before the case file enters the options database: checks it and maps its keys to
   lines. All ranks, after it entered (and before the command line overrides it): remembers the
   command line (for messages) and the region names the file gives, whose options stay known when the command line models fewer.
 */
PETSC_INTERN PetscErrorCode TwinfeCaseOptionsScanFile(TwinfeCase c, const char case_file[]);
PETSC_INTERN PetscErrorCode TwinfeCaseOptionsRecordFile(TwinfeCase c, int argc, char **argv);
/* Rank 0, once the regions are known (from the image or the mesh file), before any surface or
   mesh work: the per-region options are declared and anything left unknown is refused. Does
   nothing unless TwinfeCaseSetFromOptions was called for this case. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeCaseCheckRegionOptions(TwinfeCase c);
/* Letters, digits and '_' (names become options and file names); source names the origin. */
PETSC_INTERN PetscErrorCode TwinfeCaseCheckRegionName(const char name[], const char source[]);
