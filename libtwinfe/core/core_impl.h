/* Private helpers shared by the stages. SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>

/* Collective: rank 0 passes the error code of its serial step, the others 0; if rank 0 failed,
   every rank returns an error (rank 0 its own, with its message). */
PETSC_INTERN PetscErrorCode TwinfeRunOnRoot(MPI_Comm comm, PetscErrorCode root_error);
