/* Leaks one PETSc block on purpose: ctest passes this program only when PETSc's report of the
 * block (under -malloc_dump) matches the expression that fails every other test on a leak.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <petscsys.h>

int main(int argc, char **argv)
{
  void *block;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscMalloc(64, &block)); /* never freed: the leak the report must name */
  PetscCall(PetscFinalize());
  return 0;
}
