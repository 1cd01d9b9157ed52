/* libFuzzer target: the YAML case loader (TwinfeCaseLoadFile) on hostile case files.
 * Each input is loaded into a fresh options database pushed over the default one, so no run
 * sees what an earlier one set; then every option it produced is listed, as -options_view
 * would. A refused file is fine; a crash, a leak or undefined behaviour is a finding.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz_common.h"

#include <stdlib.h>
#include <twinfe/case.h>

static void LoadCase(const char case_path[], const char out_dir[])
{
  TwinfeCase tcase = NULL;
  char      *all   = NULL;
  if (TwinfeCaseCreate(PETSC_COMM_SELF, out_dir, &tcase)) abort(); /* the temporary folder is ours */
  if (!TwinfeCaseLoadFile(tcase, case_path, 0, NULL) && !PetscOptionsGetAll(NULL, &all)) (void)PetscFree(all);
  if (TwinfeCaseDestroy(&tcase)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char         case_path[PETSC_MAX_PATH_LEN], out_dir[PETSC_MAX_PATH_LEN];
  PetscOptions options;
  TwinfeFuzzPath("case.yaml", case_path);
  TwinfeFuzzPath("out", out_dir);
  TwinfeFuzzWriteFile(case_path, data, size);
  if (PetscOptionsCreate(&options) || PetscOptionsPush(options)) abort();
  LoadCase(case_path, out_dir);
  if (PetscOptionsPop() || PetscOptionsDestroy(&options)) abort();
  return 0;
}
