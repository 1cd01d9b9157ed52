/* One guard for every C++ adapter (image/nifti_vtk.cxx, io/vtk_adapter.cxx,
 * surface/smooth_vtk.cxx): a C++ exception must never cross into C, where nothing can catch
 * it and the process aborts (a 480-byte .nii claiming 30000^3 voxels made VTK throw
 * std::bad_alloc through the reader). Each entry point runs its body through TwinfeCxxGuard,
 * which turns an exception into a PETSc error naming what was being done to which file.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef __cplusplus
#error "cxx_guard.h is for the C++ adapters only"
#endif
#include <petscsys.h>

#include <exception>
#include <new>

/* Runs body() (a callable returning PetscErrorCode) and returns its code, or a PETSc error if
   it threw: PETSC_ERR_MEM for std::bad_alloc, PETSC_ERR_LIB with what() for any other
   std::exception. action and object complete "while <action> <object>" in the message, e.g.
   ("reading", "/data/seg.nii.gz"). */
template <class Body> PetscErrorCode TwinfeCxxGuard(const char *action, const char *object, Body &&body) noexcept
{
  try {
    return body();
  } catch (const std::bad_alloc &) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory while %s %s", action, object);
  } catch (const std::exception &e) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "VTK failed while %s %s: %s", action, object, e.what());
  } catch (...) {
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "VTK failed while %s %s (an unknown C++ exception)", action, object);
  }
}
