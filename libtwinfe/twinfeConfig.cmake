# CMake package for an installed libtwinfe: find_package(twinfe) gives the target twinfe::twinfe.
# SPDX-License-Identifier: GPL-2.0-or-later
include(CMakeFindDependencyMacro)
find_dependency(PkgConfig)
pkg_check_modules(PETSC REQUIRED IMPORTED_TARGET PETSc>=3.18)
find_dependency(MPI COMPONENTS C)
include(${CMAKE_CURRENT_LIST_DIR}/twinfeTargets.cmake)
