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

/* Output of a field at its own nodes: a DM clone whose section holds the field's values on the
   points that carry them (vertices; edges too for P2), the layout TwinfeResultsWriteState reads
   as a P2 field. */

static PetscErrorCode CheckNodeField(TwinfeSpace space, PetscInt field)
{
  PetscFunctionBeginUser;
  PetscCheck(space, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "Node values asked of a NULL space");
  PetscCheck(field >= 0 && field < space->nfields, space->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Node values of field %" PetscInt_FMT " asked for, but the space has fields 0 to %" PetscInt_FMT, field,
             space->nfields - 1);
  PetscFunctionReturn(0);
}

/* The strata that carry field's nodes: vertices (depth 0), and edges (depth 1) for P2. */
static PetscInt NodeDepths(TwinfeSpace space, PetscInt field)
{
  return space->degree[field] == 2 ? 2 : 1;
}

PetscErrorCode TwinfeSpaceCreateStrataVector(TwinfeSpace space, PetscInt field, PetscInt ndepths, DM *ndm, Vec *V)
{
  PetscSection section;
  PetscInt     pStart, pEnd, nc = space->ncomp[field];

  PetscFunctionBeginUser;
  PetscCall(TwinfeNodeChart(space->dm, ndepths, &pStart, &pEnd));
  PetscCall(PetscSectionCreate(space->comm, &section));
  PetscCall(PetscSectionSetNumFields(section, 1));
  PetscCall(PetscSectionSetFieldComponents(section, 0, nc));
  PetscCall(PetscSectionSetChart(section, pStart, pEnd));
  for (PetscInt depth = 0; depth < ndepths; ++depth) {
    PetscInt start, end;
    PetscCall(DMPlexGetDepthStratum(space->dm, depth, &start, &end));
    for (PetscInt p = start; p < end; ++p) {
      PetscCall(PetscSectionSetDof(section, p, nc));
      PetscCall(PetscSectionSetFieldDof(section, p, 0, nc));
    }
  }
  PetscCall(PetscSectionSetUp(section));
  PetscCall(DMClone(space->dm, ndm));
  PetscCall(DMSetLocalSection(*ndm, section));
  PetscCall(PetscSectionDestroy(&section));
  PetscCall(DMCreateGlobalVector(*ndm, V));
  PetscCall(VecSetBlockSize(*V, nc));
  PetscCall(VecZeroEntries(*V));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceCreateNodeVector(TwinfeSpace space, PetscInt field, DM *ndm, Vec *V)
{
  PetscFunctionBeginUser;
  PetscCall(CheckNodeField(space, field));
  PetscCheck(ndm && V, space->comm, PETSC_ERR_ARG_NULL, "TwinfeSpaceCreateNodeVector: ndm and V (outputs) must not be NULL");
  PetscCall(TwinfeSpaceCreateStrataVector(space, field, NodeDepths(space, field), ndm, V));
  PetscFunctionReturn(0);
}

/* dst at each point's offset in nsec = the field's values at the point in the space's section,
   for the points start..end-1 that nsec gives dofs. With src and dst NULL only the layouts are
   checked (before any vector is taken, so that a refusal leaves nothing checked out). */
static PetscErrorCode CopyStratum(TwinfeSpace space, PetscInt field, PetscSection ssec, PetscSection nsec, PetscInt start,
                                  PetscInt end, const PetscScalar src[], PetscScalar dst[])
{
  const PetscInt nc = space->ncomp[field];

  PetscFunctionBeginUser;
  for (PetscInt p = start; p < end; ++p) {
    PetscInt nd, sd = 0, so, no, any;
    PetscCall(TwinfeSectionDofAt(nsec, p, &nd));
    if (!nd) continue;
    PetscCall(TwinfeSectionDofAt(ssec, p, &any));
    if (any) PetscCall(PetscSectionGetFieldDof(ssec, p, field, &sd));
    PetscCheck(nd == nc && sd == nc, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "The node vector holds %" PetscInt_FMT " values at mesh point %" PetscInt_FMT " where field %" PetscInt_FMT
               " has %" PetscInt_FMT ": create it with TwinfeSpaceCreateNodeVector for the same field",
               nd, p, field, sd);
    if (!src || !dst) continue;
    PetscCall(PetscSectionGetFieldOffset(ssec, p, field, &so));
    PetscCall(PetscSectionGetOffset(nsec, p, &no));
    for (PetscInt k = 0; k < nc; ++k)
      dst[no + k] = src[so + k];
  }
  PetscFunctionReturn(0);
}

/* CopyStratum over the points that can carry nodes: vertices and edges. */
static PetscErrorCode CopyNodes(TwinfeSpace space, PetscInt field, PetscSection ssec, PetscSection nsec, const PetscScalar src[],
                                PetscScalar dst[])
{
  PetscFunctionBeginUser;
  for (PetscInt depth = 0; depth < 2; ++depth) {
    PetscInt start, end;
    PetscCall(DMPlexGetDepthStratum(space->dm, depth, &start, &end));
    PetscCall(CopyStratum(space, field, ssec, nsec, start, end, src, dst));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeSpaceCopyNodeValues(TwinfeSpace space, PetscInt field, Vec U, DM ndm, Vec V)
{
  PetscSection       ssec, nsec;
  Vec                ul, nl;
  const PetscScalar *src;
  PetscScalar       *dst;

  PetscFunctionBeginUser;
  PetscCall(CheckNodeField(space, field));
  PetscCheck(U && ndm && V, space->comm, PETSC_ERR_ARG_NULL, "TwinfeSpaceCopyNodeValues: U, ndm and V must not be NULL");
  PetscCall(DMGetLocalSection(space->dm, &ssec));
  PetscCall(DMGetLocalSection(ndm, &nsec));
  PetscCall(CopyNodes(space, field, ssec, nsec, NULL, NULL));
  PetscCall(DMGetLocalVector(space->dm, &ul));
  PetscCall(DMGetLocalVector(ndm, &nl));
  PetscCall(DMGlobalToLocal(space->dm, U, INSERT_VALUES, ul));
  PetscCall(VecGetArrayRead(ul, &src));
  PetscCall(VecGetArray(nl, &dst));
  PetscCall(CopyNodes(space, field, ssec, nsec, src, dst));
  PetscCall(VecRestoreArray(nl, &dst));
  PetscCall(VecRestoreArrayRead(ul, &src));
  PetscCall(DMLocalToGlobal(ndm, nl, INSERT_VALUES, V));
  PetscCall(DMRestoreLocalVector(space->dm, &ul));
  PetscCall(DMRestoreLocalVector(ndm, &nl));
  PetscFunctionReturn(0);
}
