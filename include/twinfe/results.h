/* libtwinfe results read back: a results state's points, cells and fields as plain arrays.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What a run wrote (results.pvd over .vtu or .pvtu states, docs/outputs.md) read into one
 * process, for programs that post-process a run and for the Python binding (twinfe.Results,
 * whose arrays are views of these). The files are read with VTK's XML readers, the ones
 * ParaView uses; a .pvtu's pieces are merged into one grid (points shared by pieces appear once
 * per piece, as VTK reads them). Every field comes back as PetscReal, tuple-major. */
#pragma once
#include <petscsys.h>

typedef struct _p_TwinfeFields *TwinfeFields;

/* Where a field lives. */
typedef enum { TWINFE_FIELD_POINT, TWINFE_FIELD_CELL } TwinfeFieldLocation;

/*@
  TwinfeFieldsRead - Reads one state of a run's results: its points, cells and fields.

  Not collective

  Input Parameters:
+ path  - a results file: results.pvd (a time series), or one state's .vtu or .pvtu
- state - with a .pvd, the state's index (0 the first; -1 the last, -2 the one before); ignored
          otherwise

  Output Parameter:
. fields - the state read

  Notes:
  Errors name the file: PETSC_ERR_FILE_OPEN when it does not exist or cannot be read,
  PETSC_ERR_FILE_UNEXPECTED when it is not a results file VTK can read (or a .pvd without
  states), PETSC_ERR_ARG_OUTOFRANGE for a state the .pvd does not have (the message gives how
  many it has). A .pvd's states are read from the folder the .pvd is in.

  Level: beginner

.seealso: TwinfeFieldsDestroy(), TwinfeFieldsGetArray(), TwinfeFieldsGetPoints()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsRead(const char path[], PetscInt state, TwinfeFields *fields);

/*@
  TwinfeFieldsDestroy - Frees a state read by TwinfeFieldsRead() and every array it lent.

  Not collective

  Input/Output Parameter:
. fields - the state; NULL on return

  Level: beginner

.seealso: TwinfeFieldsRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsDestroy(TwinfeFields *fields);

/*@
  TwinfeFieldsGetTime - Returns the state's time in the .pvd (s; a load fraction for elasticity).

  Not collective

  Input Parameter:
. fields - the state

  Output Parameters:
+ time   - its time (0 when read from a .vtu or .pvtu)
- nstates - the number of states in the .pvd (1 for a .vtu or .pvtu)

  Level: intermediate

.seealso: TwinfeFieldsRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetTime(TwinfeFields fields, PetscReal *time, PetscInt *nstates);

/*@
  TwinfeFieldsGetPoints - Returns the state's points.

  Not collective

  Input Parameter:
. fields - the state

  Output Parameters:
+ npoints - the number of points
- xyz     - their coordinates (mm, LPS), three per point (lent: valid until TwinfeFieldsDestroy())

  Level: beginner

.seealso: TwinfeFieldsGetCells(), TwinfeFieldsRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetPoints(TwinfeFields fields, PetscInt *npoints, const PetscReal **xyz);

/*@
  TwinfeFieldsGetCells - Returns the state's cells: tetrahedra, linear or quadratic.

  Not collective

  Input Parameter:
. fields - the state

  Output Parameters:
+ ncells         - the number of cells
. nodes_per_cell - 4 (linear tetrahedra) or 10 (quadratic: the 4 vertices, then the edges 01 12
                   02 03 13 23, VTK's order)
- connectivity   - nodes_per_cell point indices per cell (lent)

  Notes:
  A state with another cell type, or with cells of more than one type, is refused by
  TwinfeFieldsRead().

  Level: beginner

.seealso: TwinfeFieldsGetPoints(), TwinfeFieldsRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetCells(TwinfeFields fields, PetscInt *ncells, PetscInt *nodes_per_cell,
                                                 const PetscInt **connectivity);

/*@
  TwinfeFieldsGetCount - Returns how many fields (point and cell arrays) the state holds.

  Not collective

  Input Parameter:
. fields - the state

  Output Parameter:
. nfields - the number of fields

  Level: intermediate

.seealso: TwinfeFieldsGetField(), TwinfeFieldsGetArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetCount(TwinfeFields fields, PetscInt *nfields);

/*@
  TwinfeFieldsGetField - Returns a field by its index: name, place and values.

  Not collective

  Input Parameters:
+ fields - the state
- i      - the field's index, 0 to TwinfeFieldsGetCount() - 1 (point fields first, then cell
           fields, each in the file's order)

  Output Parameters:
+ name        - the field's name (lent)
. where       - TWINFE_FIELD_POINT or TWINFE_FIELD_CELL
. ntuples     - the number of points or cells it has values for
. ncomponents - values per point or cell (1 scalar, 3 vector, 6 symmetric tensor xx yy zz xy yz xz)
- values      - ntuples * ncomponents values, tuple-major (lent: valid until TwinfeFieldsDestroy())

  Level: intermediate

.seealso: TwinfeFieldsGetCount(), TwinfeFieldsGetArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetField(TwinfeFields fields, PetscInt i, const char **name, TwinfeFieldLocation *where,
                                                 PetscInt *ntuples, PetscInt *ncomponents, const PetscReal **values);

/*@
  TwinfeFieldsGetArray - Returns a field's values by its name.

  Not collective

  Input Parameters:
+ fields - the state
- name   - the field's name, e.g. "displacement", "von_mises", "velocity", "pressure"

  Output Parameters:
+ where       - TWINFE_FIELD_POINT or TWINFE_FIELD_CELL
. ntuples     - the number of points or cells it has values for
. ncomponents - values per point or cell
- values      - ntuples * ncomponents values, tuple-major (lent: valid until TwinfeFieldsDestroy())

  Notes:
  A name the state does not hold is an error (PETSC_ERR_ARG_WRONG) whose message lists the
  names it does hold. A name held both by a point and a cell field (a rehearsal's comparison
  files do that) gives the point field; TwinfeFieldsGetField() reaches both.

  Level: beginner

.seealso: TwinfeFieldsGetField(), TwinfeFieldsRead()
@*/
PETSC_EXTERN PetscErrorCode TwinfeFieldsGetArray(TwinfeFields fields, const char name[], TwinfeFieldLocation *where,
                                                 PetscInt *ntuples, PetscInt *ncomponents, const PetscReal **values);
