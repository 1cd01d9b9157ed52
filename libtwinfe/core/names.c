/* Names of enum values for programs: functions, not exported tables (docs/abi.md says why).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core_impl.h"

#include <twinfe/io.h>

PetscErrorCode TwinfeListGetName_Private(const char caller[], const char *const list[], PetscInt nextra, PetscInt value,
                                         const char **name)
{
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCheck(name, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: name (output) is NULL", caller);
  while (list[n])
    ++n;
  n -= nextra;
  PetscCheck(value >= 0 && value < n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: %" PetscInt_FMT " is not a value of the enum: give 0 to %" PetscInt_FMT " (%s to %s)", caller, value, n - 1,
             list[0], list[n - 1]);
  *name = list[value];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsCompressionGetName(TwinfeResultsCompression compression, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(
      TwinfeListGetName_Private("TwinfeResultsCompressionGetName", TwinfeResultsCompressions, 2, (PetscInt)compression, name));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsFormatGetName(TwinfeResultsFormat format, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeListGetName_Private("TwinfeResultsFormatGetName", TwinfeResultsFormats, 2, (PetscInt)format, name));
  PetscFunctionReturn(0);
}
