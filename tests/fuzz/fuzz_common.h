/* What the libFuzzer targets share: PETSc started once with errors returned (not printed),
 * and the fuzz input written to a file in a private temporary folder, because every reader
 * we fuzz takes a path.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry points. fuzz_common.c defines LLVMFuzzerInitialize for every target:
   PetscInitialize once per process, errors returned instead of printed, PETSc's own signal
   handler removed so that a crash reaches the sanitizer and libFuzzer, and the temporary
   folder created; it aborts if PETSc cannot start (nothing can be fuzzed then). Each target
   defines LLVMFuzzerTestOneInput. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* DIR/name inside the temporary folder (buffer of PETSC_MAX_PATH_LEN). */
void TwinfeFuzzPath(const char name[], char path[]);
/* Writes the bytes to path; aborts when the disk refuses (not a finding). */
void TwinfeFuzzWriteFile(const char path[], const uint8_t *data, size_t size);
/* The same bytes gzip-compressed (gzip) or as one zlib stream (zlib). */
void TwinfeFuzzWriteGzip(const char path[], const uint8_t *data, size_t size);
void TwinfeFuzzWriteZlib(const char path[], const uint8_t *data, size_t size);
/* Reads path with TwinfeImageRead and, when that succeeds, asks the image what a case asks
   (dimensions, geometry, voxel volume, a label's name and count); aborts if Destroy fails. */
void TwinfeFuzzReadImage(const char path[]);
/* The data files a detached header may name, written once per process: data.raw (4096 bytes
   0..3), data.raw.gz (the same gzipped) and data.zraw (the same as one zlib stream). */
void TwinfeFuzzWriteDataFiles(void);
/* Writes the input under each of the n names in the temporary folder and reads each with
   TwinfeFuzzReadImage (the name's ending picks the reader and its attached/detached path). */
void TwinfeFuzzReadImageAs(const uint8_t *data, size_t size, int n, const char *const names[]);
