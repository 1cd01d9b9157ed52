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

/* Collective. output_dir is the folder to produce (trailing '/', '.', '..' and '//' are
   normalised away). It may exist only as a complete earlier twinfe output (its report.json's
   manifest lists exactly what it holds), which the new one replaces at TwinfeCaseFinish().
   Anything else there (a file, a link, an empty or foreign folder) is refused here, before any
   work, unless -force is set: then that folder is moved aside whole, never deleted, when the
   new output is in place. Makes the missing parent folders and the staging folder; on failure
   leaves nothing behind. */
PETSC_EXTERN PetscErrorCode TwinfeCaseCreate(MPI_Comm comm, const char output_dir[], TwinfeCase *tcase);
/* Records the case file (for paths and the report) and reads it into the options database;
   the command line given to PetscInitialize still wins. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseLoadFile(TwinfeCase tcase, const char case_file[], int argc, char **argv);
/* Declares every option of a case (PetscOptionsBegin/End, grouped by stage, so -help lists
   them), checks their values, configures a solver like the physics' to read its options, and
   refuses any option or case-file key that nothing reads, naming the closest known option (and
   the case file's line). Call after LoadFile and before any stage. Without -labels the regions'
   options (-<name>_E ...) are checked once the image or mesh file names the regions, still
   before any surface or mesh work. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseSetFromOptions(TwinfeCase tcase);
/* Refuses any option still unread: solver options read only while solving
   (-elasticity_mg_levels_...) are known only then. Call after the last stage, before Finish.
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseCheckOptionsUsed(TwinfeCase tcase);
/* Prints (PetscHelpPrintf) every option of a case with its help text and default, from the same
   declarations; with solver, the elasticity solver's PETSc options too. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseOptionsHelp(MPI_Comm comm, PetscBool solver);
/* Solvers shared with other cases run in this process (a rehearsal's baseline and steps): a
   small-strain solve whose stiffness equals one the store keeps reuses its preconditioner
   (TwinfeSolverStore, include/twinfe/physics.h). Not owned; NULL: none. Not collective. */
typedef struct _p_TwinfeSolverStore *TwinfeSolverStore; /* as include/twinfe/physics.h declares it (C11 allows both) */
PETSC_EXTERN PetscErrorCode          TwinfeCaseSetSolverStore(TwinfeCase tcase, TwinfeSolverStore store);
/* Label map -> surfaces -> mesh (-image, or the given path when not NULL). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseMeshImage(TwinfeCase tcase, const char image_path[]);
/* A mesh from a Gmsh .msh file instead of an image. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseReadMesh(TwinfeCase tcase, const char msh_path[]);
/* `twinfe print`: from a label map (the image stage reads and cleans it, the surface stage makes,
   smooths and cuts its surface) or a Gmsh .msh (its facets), one binary STL per region, or one of
   all regions merged (-print_merge), in mm, LPS or RAS (-print_frame), each checked closed,
   manifold, outward and free of crossings (refused otherwise), optionally remeshed to a triangle
   budget within a deviation bound (-print_triangles, -print_max_mb, -print_max_deviation_mm);
   report.json's "print" says what each part is. Collective; the work runs on rank 0
   (docs/print.md). */
PETSC_EXTERN PetscErrorCode TwinfeCasePrint(TwinfeCase tcase, const char input[]);
/* The physics checks what needs the whole mesh, then distribute, solve, write the results.
   Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseSolve(TwinfeCase tcase);
/* Writes report.json with the manifest and puts the staging folder in place as the output
   folder. Refuses an output folder that holds an input of the run. What was there is moved
   aside first; of a complete twinfe output exactly its listed files and folders are then
   removed, anything else stays in output_dir.twinfe-backup-<date>-<time> and is named on
   stdout. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseFinish(TwinfeCase tcase);
/* A human summary of what was done (counts, quality, solver, timings, paths). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCasePrintSummary(TwinfeCase tcase);
/* Destroys the case; if it did not finish, its staging folder is removed, and the parent folders
   TwinfeCaseCreate() made while they are empty (rmdir: never what someone put there). Collective. */
PETSC_EXTERN PetscErrorCode TwinfeCaseDestroy(TwinfeCase *tcase);

/* An output folder by its report.json (libtwinfe/case/manifest.c). Not collective: call on one rank. A host
   program can ask whether a folder is a twinfe output it may replace, as a case does.
   The manifest is the list of what an earlier run wrote: entries relative to its folder, folders
   with a trailing '/'. */
typedef struct _n_TwinfeManifest *TwinfeManifest;
/* Whether dir is a complete twinfe output: its report.json is twinfe's (has "twinfe.version"),
   its manifest's entries stay inside dir and list report.json, every one is there (reached
   without a symbolic link) and nothing else is. If so and m is not NULL, *m gets the manifest
   (TwinfeManifestDestroy it), else *m is NULL. If not, why says what is not so, as "<dir> <why>"
   reads in a message. A folder that cannot be read is not complete. */
PETSC_EXTERN PetscErrorCode TwinfeOutputClassify(const char dir[], TwinfeManifest *m, PetscBool *complete, char why[],
                                                 size_t len);
/* The manifest of dir/report.json when the report is twinfe's and its entries stay inside dir,
   whatever the folder holds; *m is NULL and why says why when not. */
PETSC_EXTERN PetscErrorCode TwinfeManifestRead(const char dir[], TwinfeManifest *m, char why[], size_t len);
/* Removes from folder the listed files, then the listed folders deepest first with rmdir (so
   only when empty), each only while it is of its kind and reached without a symbolic link. */
PETSC_EXTERN PetscErrorCode TwinfeManifestRemoveListed(TwinfeManifest m, const char folder[]);
PETSC_EXTERN PetscErrorCode TwinfeManifestDestroy(TwinfeManifest *m);
