/* libtwinfe io stage, private: a results series as one HDF5 file with an XDMF index.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * results.c builds each rank's piece of a state (points, cells, arrays) the same way for both
 * formats; for -results_format xdmf it hands the piece here instead of to VTK. This side
 * numbers the points globally (a vertex or edge shared by ranks is written once, by its owner),
 * writes the mesh once per mesh and the fields once per state into BASENAME.h5 through PETSc's
 * HDF5 viewer (collective: every rank writes its owned rows of the same datasets), and has
 * rank 0 write BASENAME.xdmf, the index ParaView opens. */
#pragma once
#include "ioimpl.h"

#include <jansson.h>
#include <petscdm.h>

/* What the points and cells of a piece are in the DMPlex: piece point i < nvertices is vertex
   vStart + i; when quadratic, piece point nvertices + e is edge eStart + e. The ids say which
   mesh it is (results.c's Topology key): the mesh is written again only when they change. */
typedef struct {
  DM                    dm;
  PetscInt              vStart, nvertices, eStart;
  PetscBool             quadratic;
  PetscObjectId         dm_id, coordinates_id, cell_sets_id;
  PetscInt              narrays; /* cell arrays fixed by the mesh ("region", "rank"): written with it */
  const TwinfeVTKArray *arrays;
} TwinfeXDMFMesh;

typedef struct _p_TwinfeXDMF *TwinfeXDMF;

/* A series DIR/BASENAME.h5 + DIR/BASENAME.xdmf; nothing is written before the first state.
   Collective. */
PETSC_INTERN PetscErrorCode TwinfeXDMFCreate(MPI_Comm comm, const char dir[], const char basename[], TwinfeXDMF *xdmf);
PETSC_INTERN PetscErrorCode TwinfeXDMFDestroy(TwinfeXDMF *xdmf);
/* Append one state named state (the HDF5 group of its fields) at time: the piece's mesh when it
   is not the last one written, its point and cell arrays, then the index. grid holds this
   rank's piece: its cell arrays are the state's fields (the mesh's own are in mesh). Collective;
   an error leaves the index as it was (the state is not listed). */
PETSC_INTERN PetscErrorCode TwinfeXDMFWriteState(TwinfeXDMF xdmf, const char state[], PetscReal time, const TwinfeXDMFMesh *mesh,
                                                 const TwinfeVTKGrid *grid);
/* The names of the two files, relative to dir (lent). Not collective. */
PETSC_INTERN PetscErrorCode TwinfeXDMFGetFileNames(TwinfeXDMF xdmf, const char **h5, const char **index);

/* Restarts (io/checkpoint.c): the records of the first nstates states and their meshes as
   JSON (a new reference), and a new series taking them over, its .h5 copied beside it
   beforehand. Not collective. */
PETSC_INTERN PetscErrorCode TwinfeXDMFGetRecords(TwinfeXDMF xdmf, PetscInt nstates, json_t **records);
PETSC_INTERN PetscErrorCode TwinfeXDMFAdoptRecords(TwinfeXDMF xdmf, const json_t *records);
/* A copied .h5 made ready to append to: the top-level groups the records do not list unlinked
   (*dropped), and whether it holds every dataset they list (why: what is missing or unreadable).
   Not collective. */
PETSC_INTERN PetscErrorCode TwinfeXDMFPrepareCopy(const char h5_path[], const json_t *records, PetscInt *dropped, PetscBool *ok,
                                                  char why[], size_t len);
