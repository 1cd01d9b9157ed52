/* twinfe: the command-line face of libtwinfe. Parses the command, calls the library, prints
 * what it did. No numerics here.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <twinfe/twinfe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: twinfe <command> [input] -o DIR [options]\n"
                            "\n"
                            "commands:\n"
                            "  demo  [-o DIR]             the bundled case (a synthetic organ with a stiffer tumour) from label\n"
                            "                             map to ParaView results; DIR defaults to twinfe-demo\n"
                            "  run   CASE.yaml -o DIR     a case file (see meshes/organ_phantom.yaml)\n"
                            "  mesh  IMAGE -o DIR         a NIfTI label map (.nii, .nii.gz) to DIR/mesh.vtu, DIR/mesh.msh and\n"
                            "                             one STL per region, in the scanner's millimetres (LPS)\n"
                            "  solve MESH.msh -o DIR      linear elasticity under gravity on a Gmsh mesh\n"
                            "  phantom -o FILE.nii.gz     write the bundled synthetic label map [-voxel_mm 2]\n"
                            "  version                    print the version\n"
                            "\n"
                            "Every command takes PETSc options after it; `twinfe <command> -h` explains one command.\n"
                            "Output folders appear whole or not at all; report.json records inputs (SHA-256), settings,\n"
                            "mesh quality, solver convergence and timings.\n";

static const char help_case[] =
    "\ncase options (YAML keys in a case file; the command line overrides the file):\n"
    "  -image FILE                 label map (.nii/.nii.gz); relative to the case file\n"
    "  -labels 1,2                 labels to model (default: every label in the image)\n"
    "  -names organ,tumor          a name per label (letters, digits, _)\n"
    "  -<name>_E -<name>_nu -<name>_density   region material: Pa, -, g/mm^3\n"
    "                              (defaults -E 5000 -nu 0.45 -density 1.06e-3)\n"
    "  -gravity 0,9810,0           mm/s^2 in LPS (supine patient: +y is posterior)\n"
    "  -clamp_tags T1,T2           facet tags held fixed (default: every region's outer surface)\n"
    "  -clamp_axis y -clamp_side max -clamp_fraction 0.25\n"
    "                              hold only that part of the clamped facets (default: the\n"
    "                              posterior quarter, where the organ rests)\n"
    "  -surface_smooth_iterations 20 -surface_smooth_passband 0.1 -surface_feature_angle 120\n"
    "  -mesh_algorithm hxt|delaunay -mesh_optimize 1 -mesh_threads 1\n"
    "  -elasticity_degree 1|2      linear (default) or quadratic tets; P2 for nearly incompressible tissue\n"
    "  -elasticity_ksp_rtol 1e-8 ... any SNES/KSP/PC option with prefix elasticity_\n"
    "  -twinfe_traceback           print PETSc's full error traceback on failure\n";

static PetscBool IsHelp(int argc, char **argv)
{
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return PETSC_TRUE;
  return PETSC_FALSE;
}

static void PrintCommandHelp(const char *command)
{
  printf("%s", usage);
  if (command && (!strcmp(command, "demo") || !strcmp(command, "run") || !strcmp(command, "mesh") || !strcmp(command, "solve")))
    printf("%s", help_case);
}

/* The folder holding the bundled cases: $TWINFE_DATA_DIR, else the source tree's meshes/
   (a build), else share/twinfe/meshes beside the installed app (found from /proc/self/exe, so
   that `cmake --install --prefix` anywhere works). */
static const char *DataDir(void)
{
  static char installed[PETSC_MAX_PATH_LEN - 64]; /* room for "/organ_phantom.yaml" after it */
  const char *env = getenv("TWINFE_DATA_DIR");
  ssize_t     n;
  char       *slash;
  if (env && env[0]) return env;
  if (access(TWINFE_MESHES_DIR "/organ_phantom.yaml", R_OK) == 0) return TWINFE_MESHES_DIR;
  n = readlink("/proc/self/exe", installed, sizeof installed - 1);
  if (n <= 0) return TWINFE_MESHES_DIR;
  installed[n] = 0;
  slash        = strrchr(installed, '/');
  if (!slash || (size_t)(slash - installed) + sizeof "/" TWINFE_BIN_TO_MESHES >= sizeof installed) return TWINFE_MESHES_DIR;
  strcpy(slash + 1, TWINFE_BIN_TO_MESHES);
  return installed;
}

static PetscErrorCode GetOutputDir(const char fallback[], char dir[PETSC_MAX_PATH_LEN])
{
  PetscBool set = PETSC_FALSE;
  PetscFunctionBegin;
  dir[0] = 0;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-o", dir, PETSC_MAX_PATH_LEN, &set));
  if (!set && fallback) PetscCall(PetscStrncpy(dir, fallback, PETSC_MAX_PATH_LEN));
  PetscCheck(dir[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "No output given: pass -o DIR");
  PetscFunctionReturn(0);
}

static PetscErrorCode RequireInput(const char *input, const char command[], const char what[])
{
  PetscFunctionBegin;
  PetscCheck(input && input[0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "twinfe %s needs %s right after the command: twinfe %s %s -o DIR", command, what, command, what);
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const char command[], const char *input, int argc, char **argv)
{
  TwinfeCase     tcase = NULL;
  char           out[PETSC_MAX_PATH_LEN], case_file[PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(GetOutputDir(!strcmp(command, "demo") ? "twinfe-demo" : NULL, out));
  PetscCall(TwinfeCaseCreate(PETSC_COMM_WORLD, out, &tcase));
  /* Run the stages; on failure the case is destroyed, which removes its staging folder. */
  ierr = 0;
  if (!strcmp(command, "demo")) {
    PetscCheck((size_t)snprintf(case_file, sizeof case_file, "%s/organ_phantom.yaml", DataDir()) < sizeof case_file,
               PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "The bundled case's folder %s is too long a path", DataDir());
    ierr = TwinfeCaseLoadFile(tcase, case_file, argc, argv);
    if (!ierr) ierr = TwinfeCaseMeshImage(tcase, NULL);
  } else if (!strcmp(command, "run")) {
    ierr = TwinfeCaseLoadFile(tcase, input, argc, argv);
    if (!ierr) ierr = TwinfeCaseMeshImage(tcase, NULL);
  } else if (!strcmp(command, "mesh")) {
    ierr = TwinfeCaseMeshImage(tcase, input);
  } else {
    ierr = TwinfeCaseReadMesh(tcase, input);
  }
  if (!ierr && strcmp(command, "mesh")) ierr = TwinfeCaseSolve(tcase);
  if (!ierr) ierr = TwinfeCaseFinish(tcase);
  if (!ierr) ierr = TwinfeCasePrintSummary(tcase);
  PetscCall(TwinfeCaseDestroy(&tcase));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode WritePhantom(void)
{
  TwinfeImage image;
  PetscReal   voxel_mm = 2.0;
  char        out[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(GetOutputDir(NULL, out));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-voxel_mm", &voxel_mm, NULL));
  PetscCheck(voxel_mm >= 0.2 && voxel_mm <= 10, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-voxel_mm %g is out of range: give 0.2 to 10 mm", (double)voxel_mm);
  PetscCall(TwinfeImageCreateOrganPhantom(voxel_mm, &image));
  PetscCall(TwinfeImageWrite(image, out));
  PetscCall(TwinfeImageDestroy(&image));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "phantom   wrote %s (%g mm voxels)\n", out, (double)voxel_mm));
  PetscFunctionReturn(0);
}

static PetscErrorCode Dispatch(const char command[], const char *input, int argc, char **argv)
{
  PetscFunctionBegin;
  if (!strcmp(command, "version")) {
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe %s\n", TwinfeVersion()));
  } else if (!strcmp(command, "phantom")) {
    PetscCall(WritePhantom());
  } else if (!strcmp(command, "demo")) {
    PetscCall(RunCase(command, NULL, argc, argv));
  } else if (!strcmp(command, "run") || !strcmp(command, "mesh") || !strcmp(command, "solve")) {
    PetscCall(RequireInput(input, command,
                           !strcmp(command, "run")    ? "CASE.yaml"
                           : !strcmp(command, "mesh") ? "IMAGE"
                                                      : "MESH.msh"));
    PetscCall(RunCase(command, input, argc, argv));
  } else {
    SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
            "Unknown command '%s': use demo, run, mesh, solve, phantom or version (twinfe -h)", command);
  }
  PetscFunctionReturn(0);
}

/* One clear line per failure instead of PETSc's traceback; on several ranks the first
   failing rank ends the job so that no rank waits forever. */
static int ReportFailure(PetscErrorCode ierr)
{
  const char *text     = NULL;
  char       *specific = NULL;
  PetscMPIInt rank, size;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  PetscErrorMessage(ierr, &text, &specific);
  if (rank > 0) sleep(2); /* let rank 0 speak first when everyone failed */
  fprintf(stderr, "twinfe: error%s: %s\n", rank > 0 ? " (a rank other than 0)" : "", specific && specific[0] ? specific : text);
  fflush(stderr);
  if (size > 1) MPI_Abort(PETSC_COMM_WORLD, 1);
  return 1;
}

int main(int argc, char **argv)
{
  const char    *command   = argc > 1 ? argv[1] : NULL;
  const char    *input     = argc > 2 ? argv[2] : NULL;
  PetscBool      traceback = PETSC_FALSE;
  PetscErrorCode ierr;

  if (!command || !strcmp(command, "-h") || !strcmp(command, "--help")) {
    printf("%s", usage);
    return command ? 0 : 2;
  }
  if (IsHelp(argc, argv)) {
    PrintCommandHelp(command);
    return 0;
  }
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (PetscOptionsHasName(NULL, NULL, "-twinfe_traceback", &traceback)) return 1;
  if (!traceback) PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = Dispatch(command, input, argc, argv);
  if (ierr) return ReportFailure(ierr);
  if (!traceback) PetscPopErrorHandler();
  return PetscFinalize() ? 1 : 0;
}
