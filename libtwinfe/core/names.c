/* The lookup behind the public XGetName functions: names of enum values for programs through
 * functions, not exported tables (docs/abi.md says why).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "core_impl.h"

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
