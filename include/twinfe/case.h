/* libtwinfe case: the whole path from a label map (or a mesh) to one output folder.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A case reads its settings from the PETSc options database (a YAML case file is read into
 * it; the command line overrides), runs the stages, and writes one folder: results.pvd over
 * .vtu/.pvtu, mesh.vtu and mesh.msh, one .stl per region, and report.json, whose "manifest"
 * lists every file and folder the run wrote. Everything is written into a hidden staging folder
 * beside the target and renamed into place only when the case succeeded, so a failed run leaves
 * no output folder behind. twinfe deletes nothing it did not write: see docs/outputs.md.
 *
 * Options (YAML keys in parentheses):
 *   -image FILE (image)          NIfTI label map; relative paths are relative to the case file
 *   -labels 1,2 (labels)         labels to model; default: every label in the image
 *   -names organ,tumor (names)   a name per label; default label_<n>
 *   -physics elasticity (physics) what is solved (TwinfePhysicsList; include/twinfe/physics.h)
 *   -<name>_E, -<name>_nu, -<name>_density   material of a region (Pa, -, g/mm^3);
 *                                defaults -E 5000 -nu 0.45 -density 1.06e-3
 *   -gravity 0,9810,0            mm/s^2, LPS (supine patient: posterior = +y)
 *   -clamp_tags t1,t2            facet tags held fixed; default every region's outer surface
 *   -clamp_axis x|y|z, -clamp_side min|max, -clamp_fraction 0.25
 *                                hold only the part of those facets within that fraction of
 *                                the mesh extent on that side (default the posterior quarter)
 *   -surface_smooth_iterations 20, -surface_smooth_passband 0.1, -surface_feature_angle 120
 *   -mesh_algorithm hxt, -mesh_optimize 1, -mesh_threads 1, -elasticity_* solver options */
#pragma once
#include <petscsys.h>

typedef struct _p_TwinfeCase *TwinfeCase;

/*@
  TwinfeCaseCreate - Creates a case that writes one output folder.

  Collective

  Input Parameters:
+ comm       - MPI communicator
- output_dir - the output folder to produce

  Output Parameter:
. tcase - the new case

  Notes:
  output_dir is the folder to produce (trailing '/', '.', '..' and '//' are
  normalised away). It may exist only as a complete earlier twinfe output (its report.json's
  manifest lists exactly what it holds), which the new one replaces at TwinfeCaseFinish().
  Anything else there (a file, a link, an empty or foreign folder) is refused here, before any
  work, unless -force is set: then that folder is moved aside whole, never deleted, when the
  new output is in place. Makes the missing parent folders and the staging folder; on failure
  leaves nothing behind.

  Level: beginner

.seealso: TwinfeCaseDestroy(), TwinfeCaseFinish()
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseCreate(MPI_Comm comm, const char output_dir[], TwinfeCase *tcase);

/*@
  TwinfeCaseLoadFile - Records the case file and reads it into the options database.

  Collective

  Input Parameters:
+ tcase     - the case
. case_file - the YAML case file
. argc      - number of command-line arguments
- argv      - the command-line arguments

  Notes:
  Records the case file (for paths and the report) and reads it into the options database;
  the command line given to PetscInitialize still wins.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseLoadFile(TwinfeCase tcase, const char case_file[], int argc, char **argv);

/*@
  TwinfeCaseSetFromOptions - Declares and checks every option of a case, refusing any that nothing reads.

  Collective

  Input Parameter:
. tcase - the case

  Notes:
  Declares every option of a case (PetscOptionsBegin/End, grouped by stage, so -help lists
  them), checks their values, configures a solver like the physics' to read its options, and
  refuses any option or case-file key that nothing reads, naming the closest known option (and
  the case file's line). Call after LoadFile and before any stage. Without -labels the regions'
  options (-<name>_E ...) are checked once the image or mesh file names the regions, still
  before any surface or mesh work.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseSetFromOptions(TwinfeCase tcase);

/*@
  TwinfeCaseCheckOptionsUsed - Refuses any option still unread after the last stage.

  Collective

  Input Parameter:
. tcase - the case

  Notes:
  Refuses any option still unread: solver options read only while solving
  (-elasticity_mg_levels_...) are known only then. Call after the last stage, before Finish.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseCheckOptionsUsed(TwinfeCase tcase);

/*@
  TwinfeCaseOptionsHelp - Prints every option of a case with its help text and default.

  Collective

  Input Parameters:
+ comm   - MPI communicator
- solver - PETSC_TRUE to list the elasticity solver's PETSc options too

  Notes:
  Prints (PetscHelpPrintf) every option of a case with its help text and default, from the same
  declarations; with solver, the elasticity solver's PETSc options too.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseOptionsHelp(MPI_Comm comm, PetscBool solver);
/* Solvers shared with other cases run in this process (a rehearsal's baseline and steps): a
   small-strain solve whose stiffness equals one the store keeps reuses its preconditioner
   (TwinfeSolverStore, include/twinfe/physics.h). Not owned; NULL: none. Not collective. */
typedef struct _p_TwinfeSolverStore *TwinfeSolverStore; /*@
  TwinfeCaseSetSolverStore - Gives the case solvers shared with other cases run in this process.

  Not collective

  Input Parameters:
+ tcase - the case
- store - the solver store

  Notes:
  Solvers shared with other cases run in this process (a rehearsal's baseline and steps): a
  small-strain solve whose stiffness equals one the store keeps reuses its preconditioner
  (TwinfeSolverStore, include/twinfe/physics.h). Not owned; NULL: none. Not collective.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseSetSolverStore(TwinfeCase tcase, TwinfeSolverStore store);

/*@
  TwinfeCaseMeshImage - Runs the image, surface and mesh stages on a label map.

  Collective

  Input Parameters:
+ tcase      - the case
- image_path - the label map to read (NULL: -image)

  Notes:
  Label map -> surfaces -> mesh (-image, or the given path when not NULL).

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseMeshImage(TwinfeCase tcase, const char image_path[]);

/*@
  TwinfeCaseReadMesh - Reads the case's mesh from a Gmsh .msh file instead of meshing an image.

  Collective

  Input Parameters:
+ tcase    - the case
- msh_path - the Gmsh .msh file

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseReadMesh(TwinfeCase tcase, const char msh_path[]);

/*@
  TwinfeCasePrint - Makes the STL files of `twinfe print` from a label map or a Gmsh .msh file.

  Collective; the work runs on rank 0

  Input Parameters:
+ tcase - the case
- input - the label map or Gmsh .msh file

  Notes:
  `twinfe print`: from a label map (the image stage reads and cleans it, the surface stage makes,
  smooths and cuts its surface) or a Gmsh .msh (its facets), one binary STL per region, or one of
  all regions merged (-print_merge), in mm, LPS or RAS (-print_frame), each checked closed,
  manifold, outward and free of crossings (refused otherwise), optionally remeshed to a triangle
  budget within a deviation bound (-print_triangles, -print_max_mb, -print_max_deviation_mm);
  report.json's "print" says what each part is. Collective; the work runs on rank 0
  (docs/print.md).

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCasePrint(TwinfeCase tcase, const char input[]);

/*@
  TwinfeCaseSolve - Checks, distributes and solves the case's physics and writes the results.

  Collective

  Input Parameter:
. tcase - the case

  Notes:
  The physics checks what needs the whole mesh, then distribute, solve, write the results.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseSolve(TwinfeCase tcase);

/*@
  TwinfeCaseFinish - Writes report.json and puts the staging folder in place as the output folder.

  Collective

  Input Parameter:
. tcase - the case

  Notes:
  Writes report.json with the manifest and puts the staging folder in place as the output
  folder. Refuses an output folder that holds an input of the run. What was there is moved
  aside first; of a complete twinfe output exactly its listed files and folders are then
  removed, anything else stays in output_dir.twinfe-backup-<date>-<time> and is named on
  stdout.

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseFinish(TwinfeCase tcase);

/*@
  TwinfeCasePrintSummary - Prints a human summary of what was done.

  Collective

  Input Parameter:
. tcase - the case

  Notes:
  A human summary of what was done (counts, quality, solver, timings, paths).

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeCasePrintSummary(TwinfeCase tcase);

/*@
  TwinfeCaseDestroy - Destroys a case, removing its staging folder if it did not finish.

  Collective

  Input Parameter:
. tcase - the case, set to NULL

  Notes:
  Destroys the case; if it did not finish, its staging folder is removed, and the parent folders
  TwinfeCaseCreate() made while they are empty (rmdir: never what someone put there).

  Level: beginner

.seealso: TwinfeCaseCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeCaseDestroy(TwinfeCase *tcase);

/* An output folder by its report.json (libtwinfe/case/manifest.c). Not collective: call on one rank. A host
   program can ask whether a folder is a twinfe output it may replace, as a case does.
   The manifest is the list of what an earlier run wrote: entries relative to its folder, folders
   with a trailing '/'. */
typedef struct _n_TwinfeManifest *TwinfeManifest;

/*@
  TwinfeOutputClassify - Tells whether a folder is a complete twinfe output, by its report.json.

  Not collective

  Input Parameters:
+ dir - the folder
- len - size of why[]

  Output Parameters:
+ m        - the manifest when complete (may be NULL)
. complete - whether dir is a complete twinfe output
- why      - what is not so, when not complete

  Notes:
  An output folder by its report.json (libtwinfe/case/manifest.c). Not collective: call on one rank. A host
  program can ask whether a folder is a twinfe output it may replace, as a case does.
  The manifest is the list of what an earlier run wrote: entries relative to its folder, folders
  with a trailing '/'.
  Whether dir is a complete twinfe output: its report.json is twinfe's (has "twinfe.version"),
  its manifest's entries stay inside dir and list report.json, every one is there (reached
  without a symbolic link) and nothing else is. If so and m is not NULL, *m gets the manifest
  (TwinfeManifestDestroy it), else *m is NULL. If not, why says what is not so, as "<dir> <why>"
  reads in a message. A folder that cannot be read is not complete.

  Level: advanced

.seealso: TwinfeManifestDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOutputClassify(const char dir[], TwinfeManifest *m, PetscBool *complete, char why[],
                                                 size_t len);

/*@
  TwinfeManifestRead - Reads the manifest of a folder's report.json, whatever the folder holds.

  Not collective

  Input Parameters:
+ dir - the folder holding report.json
- len - size of why[]

  Output Parameters:
+ m   - the manifest, or NULL
- why - why there is no manifest, when *m is NULL

  Notes:
  The manifest of dir/report.json when the report is twinfe's and its entries stay inside dir,
  whatever the folder holds; *m is NULL and why says why when not.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeManifestRead(const char dir[], TwinfeManifest *m, char why[], size_t len);

/*@
  TwinfeManifestRemoveListed - Removes the files and then the empty folders a manifest lists.

  Not collective

  Input Parameters:
+ m      - the manifest
- folder - the folder the manifest's entries are relative to

  Notes:
  Removes from folder the listed files, then the listed folders deepest first with rmdir (so
  only when empty), each only while it is of its kind and reached without a symbolic link.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeManifestRemoveListed(TwinfeManifest m, const char folder[]);

/*@
  TwinfeManifestDestroy - Destroys a manifest.

  Not collective

  Input Parameter:
. m - the manifest, set to NULL

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeManifestDestroy(TwinfeManifest *m);
