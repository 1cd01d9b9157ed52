/* What the libFuzzer targets share: PETSc started once with errors returned (not printed),
 * and the fuzz input written to a file in a private temporary folder, because every reader
 * we fuzz takes a path.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>
#include <stddef.h>
#include <stdint.h>

/* PetscInitialize once per process, errors returned instead of printed, PETSc's own signal
   handler removed so that a crash reaches the sanitizer and libFuzzer. Creates the
   temporary folder. Aborts if PETSc cannot start: nothing can be fuzzed then. */
void TwinfeFuzzInitialize(void);
/* DIR/name inside the temporary folder (buffer of PETSC_MAX_PATH_LEN). */
void TwinfeFuzzPath(const char name[], char path[]);
/* Writes the bytes to path; aborts when the disk refuses (not a finding). */
void TwinfeFuzzWriteFile(const char path[], const uint8_t *data, size_t size);
