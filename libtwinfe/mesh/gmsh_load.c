/* Loading the Gmsh SDK at run time, on first use (gmsh_api.h says why).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * RTLD_DEEPBIND: Gmsh's and OpenCASCADE's symbols are looked up in their own dependencies
 * first, not through the 150 libraries already loaded (PETSc, VTK, MPI and theirs). Measured
 * here, loading took 0.10-0.15 s so, against 0.28-0.41 s without it and about 0.2 s when the
 * library was linked (docs/performance.md). Not under the sanitizers, whose runtime must
 * interpose malloc everywhere and refuses deep binding.
 *
 * Loading on a background thread was tried and dropped: the image stage it overlapped took
 * 0.3 s longer (its page faults wait behind the loader's mappings), even at idle priority. */
#define _GNU_SOURCE /* RTLD_DEEPBIND */
#define TWINFE_GMSH_LOADER
#include "gmsh_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#ifndef TWINFE_GMSH_SONAME
#error "TWINFE_GMSH_SONAME (the Gmsh SDK's shared library, e.g. libgmsh.so.4.8) comes from CMakeLists.txt"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define TWINFE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TWINFE_SANITIZED 1
#endif
#endif
#if defined(TWINFE_SANITIZED)
#define GMSH_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL)
#else
#define GMSH_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND)
#endif

TwinfeGmshApi twinfe_gmsh_api;

static PetscBool gmsh_loaded = PETSC_FALSE;

/* dlopen and dlsym every function; error[0] stays 0 on success. */
static void LoadLibrary(char error[], size_t size)
{
  void *handle = dlopen(TWINFE_GMSH_SONAME, GMSH_DLOPEN_FLAGS);

  error[0] = 0;
  if (!handle) {
    snprintf(error, size, "cannot load %s: %s", TWINFE_GMSH_SONAME, dlerror());
    return;
  }
  /* dlsym returns an object pointer; copied bytewise into the function pointer (POSIX
     guarantees they have the same representation, ISO C has no conversion between them) */
#define TWINFE_GMSH_RESOLVE(f)                                                                                                   \
  if (!error[0]) {                                                                                                               \
    void *symbol = dlsym(handle, #f);                                                                                            \
    if (symbol)                                                                                                                  \
      memcpy(&twinfe_gmsh_api.f, &symbol, sizeof symbol);                                                                        \
    else                                                                                                                         \
      snprintf(error, size, "%s has no function %s (libtwinfe was built against Gmsh %s)", TWINFE_GMSH_SONAME, #f,               \
               GMSH_API_VERSION);                                                                                                \
  }
  TWINFE_GMSH_FUNCTIONS(TWINFE_GMSH_RESOLVE)
#undef TWINFE_GMSH_RESOLVE
  /* the handle stays open for the life of the process: Gmsh keeps global state */
}

PetscErrorCode TwinfeGmshLoad_Private(void)
{
  char error[512];

  PetscFunctionBeginUser;
  if (gmsh_loaded) PetscFunctionReturn(0);
  LoadLibrary(error, sizeof error);
  PetscCheck(!error[0], PETSC_COMM_SELF, PETSC_ERR_LIB,
             "the Gmsh SDK is needed to mesh and could not be loaded: %s (Debian 12: apt-get install libgmsh4.8)", error);
  gmsh_loaded = PETSC_TRUE;
  PetscFunctionReturn(0);
}
