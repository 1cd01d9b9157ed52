/* Field names of a TwinfeSpace, for field splits.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "fem_impl.h"

PetscErrorCode TwinfeSpaceSetFieldName(TwinfeSpace space, PetscInt field, const char name[])
{
  PetscSection section;

  PetscFunctionBeginUser;
  PetscCheck(space, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeSpaceSetFieldName: space is NULL");
  PetscCheck(name && name[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeSpaceSetFieldName: give a non-empty name");
  PetscCheck(field >= 0 && field < space->nfields, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeSpaceSetFieldName: field %" PetscInt_FMT " does not exist: the space has %" PetscInt_FMT " fields", field,
             space->nfields);
  for (const char *c = name; *c; ++c)
    PetscCheck((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_', PETSC_COMM_SELF,
               PETSC_ERR_ARG_WRONG,
               "TwinfeSpaceSetFieldName: name \"%s\" becomes part of option names (-fieldsplit_%s_...): use letters, digits "
               "and '_'",
               name, name);
  PetscCall(DMGetLocalSection(space->dm, &section));
  PetscCall(PetscSectionSetFieldName(section, field, name));
  PetscFunctionReturn(0);
}
