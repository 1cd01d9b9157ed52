/* libtwinfe procedures: rehearsing an operation as what-ifs against a baseline
 * (`twinfe rehearse SCENARIO.yaml -o DIR`, docs/rehearse.md).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A scenario is a baseline case file and a list of steps. Each step edits the baseline (its
 * label map: a resection with a margin, a ball or one side of a plane erased; and/or its loads
 * and settings: any case option, e.g. the retractor's motion) and runs the same stages again;
 * a step that changes only loads reuses the baseline's mesh. Each step's final fields are
 * mapped onto the baseline mesh beside the baseline's and their difference (<field>_change),
 * and DIR holds baseline/, one folder per step, <step>_comparison.vtu, rehearse.pvd over the
 * comparisons, rehearse.csv with the headline numbers per step, and report.json. */
#pragma once
#include <petscsys.h>

/*@
  TwinfeRehearse - Rehearses an operation: runs a scenario's baseline and steps and compares them.

  Collective

  Input Parameters:
+ comm       - MPI communicator
. scenario   - the scenario file
. output_dir - the output folder DIR
. argc       - number of command-line arguments
- argv       - the command line, which overrides the baseline case file

  Notes:
  Reads the scenario, checks every step (its keys, its edit on the label map, its options)
  before any solve, runs the baseline and each step, compares, writes DIR. argc/argv: the
  command line, which overrides the baseline case file in every run (as for `twinfe run`).
  Nothing is left in DIR on failure.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeRehearse(MPI_Comm comm, const char scenario[], const char output_dir[], int argc, char **argv);
