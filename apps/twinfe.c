/* twinfe: the command-line face of libtwinfe. Parses the command, calls the library, prints
 * what it did. No numerics here.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* readlink */
#include <twinfe/twinfe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h> /* mallopt */
#endif

static const char usage[] =
    "usage: twinfe <command> [input] -o DIR [options]\n"
    "\n"
    "commands:\n"
    "  demo  [-o DIR]             the bundled case (a synthetic organ with a stiffer tumour) from label\n"
    "                             map to ParaView results; DIR defaults to twinfe-demo; with\n"
    "                             -physics navier_stokes: blood flow in a stenosed carotid bifurcation\n"
    "  run   CASE.yaml -o DIR     a case file (see meshes/organ_phantom.yaml)\n"
    "  mesh  IMAGE -o DIR         a NIfTI label map (.nii, .nii.gz) to DIR/mesh.vtu, DIR/mesh.msh and\n"
    "                             one STL per region, in the scanner's millimetres (LPS)\n"
    "  solve MESH.msh -o DIR      linear elasticity under gravity on a Gmsh mesh (or -physics\n"
    "                             stokes | navier_stokes: blood flow, docs/flow.md)\n"
    "  print IMAGE|MESH.msh -o DIR  one closed, checked binary STL per region for 3D printing (mm,\n"
    "                             -print_frame lps|ras; -print_merge; -print_triangles N; docs/print.md)\n"
    "  rehearse SCENARIO.yaml -o DIR  what-ifs against a baseline case: each step edits its label map\n"
    "                             (resect, erase_ball, cut_plane) or its options, runs again and is\n"
    "                             compared on the baseline's mesh (docs/rehearse.md)\n"
    "  phantom -o FILE.nii.gz     write the bundled synthetic label map [-voxel_mm 2] [-kind kidneys|vessel]\n"
    "  version                    print the version\n"
    "\n"
    "Every command takes options after it (-name value); `twinfe <command> -h` lists them.\n"
    "Output folders appear whole or not at all; report.json records inputs (SHA-256), settings,\n"
    "mesh quality, solver convergence and timings.\n";

/* -h, --help or -help anywhere after the command: print that command's options and stop
   (-help, PETSc's spelling, adds the solver's own long list). */
static PetscBool IsHelp(const char arg[])
{
  return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "-help") ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsCaseCommand(const char command[])
{
  return !strcmp(command, "demo") || !strcmp(command, "run") || !strcmp(command, "mesh") || !strcmp(command, "solve") ||
         !strcmp(command, "print") || !strcmp(command, "rehearse");
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

/* The app's own options, declared once per command (so -help and `twinfe <command> -h` list
   them); the case declares the rest. */
typedef struct {
  char      out[PETSC_MAX_PATH_LEN];
  PetscBool traceback;
  PetscReal voxel_mm;
  PetscBool kidneys; /* phantom -kind kidneys */
  PetscBool vessel;  /* phantom -kind vessel */
  PetscBool reuse;   /* rehearse: -rehearse_reuse_preconditioner (TwinfeRehearse reads it) */
} AppOptions;

/* -o: every command but demo (default twinfe-demo) has no default and needs it; TwinfeOptionsString
   prints an empty default as "(none)", and the help text says it is required. */
static PetscErrorCode DeclareOutput(PetscOptionItems *PetscOptionsObject, const char text[], const char def[], char out[],
                                    size_t len)
{
  char help[256];
  PetscFunctionBegin;
  snprintf(help, sizeof help, "%s%s", text, def[0] ? "" : "; required");
  PetscCall(TwinfeOptionsString(PetscOptionsObject, "-o", help, def, out, len, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareAppOptions(const char command[], AppOptions *o)
{
  const PetscBool phantom = !strcmp(command, "phantom");
  PetscFunctionBegin;
  o->voxel_mm             = 2.0;
  o->kidneys              = PETSC_FALSE;
  o->vessel               = PETSC_FALSE;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "twinfe", "twinfe");
  if (phantom || IsCaseCommand(command))
    TwinfeOptionsTry(declared, DeclareOutput(PetscOptionsObject,
                                             phantom ? "the label map to write (.nii.gz)"
                                                     : "output folder; it appears only when the run succeeded",
                                             !strcmp(command, "demo") ? "twinfe-demo" : "", o->out, sizeof o->out));
  if (phantom) {
    const char *const kinds[] = {"organ", "kidneys", "vessel"};
    PetscInt          kind    = 0;
    TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-kind",
                                                   "organ: the bundled organ with an inclusion; kidneys: a CT-like abdomen "
                                                   "(two kidneys, a tumour, a vessel, specks); vessel: a stenosed carotid "
                                                   "bifurcation cut by the image at its three ends",
                                                   kinds, 3, kind, &kind, NULL));
    o->kidneys = (PetscBool)(kind == 1);
    o->vessel  = (PetscBool)(kind == 2);
    if (o->kidneys) o->voxel_mm = 1.0;
    if (o->vessel) o->voxel_mm = 0.4;
    TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-voxel_mm",
                                                 "organ: voxel size, mm, 0.2 to 10 (default 2); kidneys: slice spacing, mm, 0.5 "
                                                 "to 10, in-plane 0.94 of it (default 1: 261 x 512 x 512 voxels)",
                                                 o->voxel_mm, &o->voxel_mm, NULL));
  }
  o->reuse = PETSC_TRUE;
  if (!strcmp(command, "rehearse"))
    TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-rehearse_reuse_preconditioner",
                                                 "a step whose stiffness is an earlier run's solves with that run's "
                                                 "preconditioner (false: every step sets up its own)",
                                                 o->reuse, &o->reuse, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-twinfe_traceback", "print PETSc's full error traceback on failure",
                                     PETSC_FALSE, &o->traceback, NULL));
  PetscOptionsEnd();
  PetscCall(declared);
  PetscCheck(!phantom || o->vessel || (o->voxel_mm >= (o->kidneys ? 0.5 : 0.2) && o->voxel_mm <= 10), PETSC_COMM_WORLD,
             PETSC_ERR_ARG_OUTOFRANGE, "-voxel_mm %g is out of range: give 0.2 to 10 mm", (double)o->voxel_mm);
  PetscCheck(!phantom || !o->vessel || (o->voxel_mm >= 0.1 && o->voxel_mm <= 1), PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE,
             "-voxel_mm %g is out of range for -kind vessel: give 0.1 to 1 mm (the stenosis is 3 mm across)",
             (double)o->voxel_mm);
  PetscFunctionReturn(0);
}

/* Declared with the option names recorded, so that a typo of one of them finds it. */
static PetscErrorCode ReadAppOptions(const char command[], AppOptions *o)
{
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeOptionsCaptureBegin());
  ierr = DeclareAppOptions(command, o);
  PetscCall(TwinfeOptionsCaptureEnd());
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode RequireInput(const char *input, const char command[], const char what[])
{
  PetscFunctionBegin;
  PetscCheck(input && input[0] != '-', PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG,
             "twinfe %s needs %s right after the command: twinfe %s %s -o DIR", command, what, command, what);
  PetscFunctionReturn(0);
}

/* The bundled case: the organ (elasticity), or with -physics stokes | navier_stokes the stenosed
   carotid bifurcation (meshes/vessel_phantom.yaml), whose case file names that physics too. */
static PetscErrorCode BundledCase(char case_file[PETSC_MAX_PATH_LEN])
{
  char      physics[64] = "elasticity";
  PetscBool flow;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-physics", physics, sizeof physics, NULL));
  flow = (PetscBool)(!strcmp(physics, "stokes") || !strcmp(physics, "navier_stokes"));
  PetscCheck((size_t)snprintf(case_file, PETSC_MAX_PATH_LEN, "%s/%s", DataDir(),
                              flow ? "vessel_phantom.yaml" : "organ_phantom.yaml") < PETSC_MAX_PATH_LEN,
             PETSC_COMM_WORLD, PETSC_ERR_ARG_SIZ, "The bundled case's folder %s is too long a path", DataDir());
  PetscFunctionReturn(0);
}

static PetscErrorCode RunCase(const char command[], const char *input, int argc, char **argv, const AppOptions *o)
{
  TwinfeCase     tcase = NULL;
  char           case_file[PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCheck(o->out[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "No output given: pass -o DIR");
  PetscCall(TwinfeCaseCreate(PETSC_COMM_WORLD, o->out, &tcase));
  /* Run the stages; on failure the case is destroyed, which removes its staging folder. Every
     option is checked before the first stage, and once more before the folder is committed. */
  ierr = 0;
  if (!strcmp(command, "demo")) {
    ierr = BundledCase(case_file);
    if (!ierr) ierr = TwinfeCaseLoadFile(tcase, case_file, argc, argv);
  } else if (!strcmp(command, "run")) {
    ierr = TwinfeCaseLoadFile(tcase, input, argc, argv);
  }
  if (!ierr) ierr = TwinfeCaseSetFromOptions(tcase);
  if (!ierr && !strcmp(command, "print"))
    ierr = TwinfeCasePrint(tcase, input);
  else if (!ierr && !strcmp(command, "mesh"))
    ierr = TwinfeCaseMeshImage(tcase, input);
  else if (!ierr && !strcmp(command, "solve"))
    ierr = TwinfeCaseReadMesh(tcase, input);
  else if (!ierr)
    ierr = TwinfeCaseMeshImage(tcase, NULL);
  if (!ierr && strcmp(command, "mesh") && strcmp(command, "print")) ierr = TwinfeCaseSolve(tcase);
  if (!ierr) ierr = TwinfeCaseCheckOptionsUsed(tcase);
  if (!ierr) ierr = TwinfeCaseFinish(tcase);
  if (!ierr) ierr = TwinfeCasePrintSummary(tcase);
  PetscCall(TwinfeCaseDestroy(&tcase));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode WritePhantom(const AppOptions *o)
{
  TwinfeImage image;
  PetscFunctionBegin;
  PetscCheck(o->out[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "No output given: pass -o FILE.nii.gz");
  if (o->kidneys)
    PetscCall(TwinfeImageCreateKidneyPhantom(o->voxel_mm, &image));
  else if (o->vessel)
    PetscCall(TwinfeImageCreateVesselPhantom(o->voxel_mm, &image));
  else
    PetscCall(TwinfeImageCreateOrganPhantom(o->voxel_mm, &image));
  PetscCall(TwinfeImageWrite(image, o->out));
  if (o->kidneys) {
    PetscInt  dims[3];
    PetscReal spacing[3], volume[3];
    PetscCall(TwinfeImageGetDimensions(image, dims));
    PetscCall(TwinfeImageGetGeometry(image, spacing, NULL, NULL));
    PetscCall(TwinfeImageKidneyPhantomVolumes(o->voxel_mm, volume));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "phantom   wrote %s (kidneys: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
                          " voxels of %g x %g x %g mm)\n",
                          o->out, dims[0], dims[1], dims[2], (double)spacing[0], (double)spacing[1], (double)spacing[2]));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "          exact volumes: label 1 vessel %.2f mm^3, label 2 kidneys %.2f mm^3, label 3 tumour %.2f "
                          "mm^3\n",
                          (double)volume[0], (double)volume[1], (double)volume[2]));
  } else
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "phantom   wrote %s (%g mm voxels)\n", o->out, (double)o->voxel_mm));
  PetscCall(TwinfeImageDestroy(&image));
  PetscFunctionReturn(0);
}

static const char *InputName(const char command[])
{
  return !strcmp(command, "run")        ? "CASE.yaml"
         : !strcmp(command, "rehearse") ? "SCENARIO.yaml"
         : !strcmp(command, "mesh")     ? "IMAGE"
         : !strcmp(command, "print")    ? "IMAGE or MESH.msh"
                                        : "MESH.msh";
}

static PetscErrorCode CheckCommand(const char command[])
{
  PetscFunctionBegin;
  PetscCheck(!strcmp(command, "version") || !strcmp(command, "phantom") || IsCaseCommand(command), PETSC_COMM_WORLD,
             PETSC_ERR_ARG_WRONG,
             "Unknown command '%s': use demo, run, mesh, solve, print, rehearse, phantom or version (twinfe -h)", command);
  PetscFunctionReturn(0);
}

/* -log_view adds up the ranks' figures event by event under rank 0's names: if the ranks'
   lists of events differ (a libtwinfe bug: core/events.c), say so rather than let misnamed
   figures pass for measurements. */
static PetscErrorCode WarnIfLogEventsDiffer(void)
{
  PetscBool logging, agree;
  PetscFunctionBegin;
  PetscCall(PetscLogIsActive(&logging)); /* -log_view and PETSc's other logs */
  if (!logging) PetscFunctionReturn(0);
  PetscCall(TwinfeLogEventsAgree(PETSC_COMM_WORLD, &agree));
  if (!agree)
    PetscCall(PetscFPrintf(PETSC_COMM_WORLD, PETSC_STDERR,
                           "twinfe: warning: -log_view: the ranks registered different profiling events, so the figures of "
                           "ranks other than 0 may stand under other events' names (please report this)\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Dispatch(const char command[], const char *input, int argc, char **argv)
{
  const PetscBool has_input = !strcmp(command, "run") || !strcmp(command, "mesh") || !strcmp(command, "solve") ||
                              !strcmp(command, "print") || !strcmp(command, "rehearse");
  AppOptions o;
  PetscFunctionBegin;
  PetscCall(TwinfeInitializePackage());
  PetscCall(CheckCommand(command));
  if (has_input) PetscCall(RequireInput(input, command, InputName(command)));
  PetscCall(TwinfeOptionsCheckArguments(PETSC_COMM_WORLD, argc, argv, has_input ? 2 : 1));
  PetscCall(ReadAppOptions(command, &o));
  if (!strcmp(command, "rehearse")) {
    PetscCheck(o.out[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "No output given: pass -o DIR");
    PetscCall(TwinfeRehearse(PETSC_COMM_WORLD, input, o.out, argc, argv)); /* each run checks the options */
  } else if (IsCaseCommand(command)) {
    PetscCall(RunCase(command, has_input ? input : NULL, argc, argv, &o));
  } else {
    PetscCall(TwinfeOptionsCheckUnused(PETSC_COMM_WORLD)); /* the case checks its own */
    if (!strcmp(command, "version"))
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe %s\n", TwinfeVersion()));
    else
      PetscCall(WritePhantom(&o));
  }
  PetscCall(WarnIfLogEventsDiffer());
  PetscFunctionReturn(0);
}

/* `twinfe <command> -h`: the usage, then every option of the command from the declarations the
   run itself uses, each with its help text and default. For demo and run the case file's
   settings are read first, so its regions' options are listed with the file's values. */
static PetscErrorCode PrintHelp(const char command[], const char *input, int argc, char **argv, PetscBool solver)
{
  AppOptions o;
  char       case_file[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBegin;
  PetscCall(CheckCommand(command));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", usage));
  if (!strcmp(command, "demo")) PetscCall(BundledCase(case_file));
  if (!strcmp(command, "run") && input && input[0] != '-') PetscCall(PetscStrncpy(case_file, input, sizeof case_file));
  if (case_file[0] && access(case_file, R_OK) == 0)
    PetscCall(PetscOptionsInsertFileYAML(PETSC_COMM_WORLD, NULL, case_file, PETSC_TRUE));
  if (case_file[0]) PetscCall(PetscOptionsInsertArgs(NULL, argc - 1, argv + 1)); /* the command line overrides the file */
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nOptions of twinfe %s%s%s (name <now value : default>: meaning):\n", command,
                        case_file[0] ? ", values from " : "", case_file));
  PetscCall(PetscOptionsSetValue(NULL, "-help", NULL));
  PetscCall(DeclareAppOptions(command, &o));
  if (IsCaseCommand(command))
    PetscCall(TwinfeCaseOptionsHelp(PETSC_COMM_WORLD, solver && strcmp(command, "mesh") ? PETSC_TRUE : PETSC_FALSE));
  PetscCall(PetscOptionsClearValue(NULL, "-help"));
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

/* Started without a launcher (no mpirun, no srun): one process, so Open MPI's start-up work for
   many (probing network transports such as UCX, starting a helper daemon) buys nothing and cost
   0.3 s of every run here (MPI_Init 0.34 s -> 0.03 s, docs/performance.md). What the user set
   in the environment wins. */
static void PrepareSingletonMPI(void)
{
  const char *launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "SLURM_PROCID"};
  for (size_t i = 0; i < sizeof launched / sizeof launched[0]; ++i)
    if (getenv(launched[i])) return;
  setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
  setenv("OMPI_MCA_pml", "ob1", 0);
  setenv("OMPI_MCA_btl", "self", 0);
}

/* A large run touches gigabytes of fresh memory, and on this project's test host (a virtual
   machine) each 4 KiB page's first touch is a costly fault: the cut aorta's Navier-Stokes at 1 mm
   took 589k minor faults and 62.9 / 73.6 s, against 6.2k faults and 53.1 / 58.3 s with glibc's
   malloc asked to back its memory with transparent huge pages (run in turn, the same peak memory;
   docs/performance.md). glibc reads that tunable (glibc.malloc.hugetlb=1, glibc 2.35 and later;
   older ones ignore it) only when a process starts, so the app sets it and starts itself again,
   once, before anything else. A user's own GLIBC_TUNABLES is left as it is, and
   TWINFE_HUGE_PAGES=0 turns this off. Where the exec fails the run goes on as it was. */
static void UseHugePages(char **argv)
{
  const char *choice = getenv("TWINFE_HUGE_PAGES");
  if (getenv("GLIBC_TUNABLES") || (choice && !strcmp(choice, "0"))) return;
  if (setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1)) return;
  execv("/proc/self/exe", argv);
  unsetenv("GLIBC_TUNABLES");
}

/* glibc gives each thread that allocates an arena of its own, and the freed top of such an
   arena stays resident: malloc_trim returns whole free pages inside chunks but trims the top
   of the main arena only. Gmsh's and the serial stages' threads left 17 MB so on rank 0 through
   the whole solve (the CT case on 2 ranks: rank 0 437 -> 416-418 MB in the solve; the stages'
   times alike, docs/performance.md). One arena for all threads, unless the user chose
   (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in GLIBC_TUNABLES). */
static void UseOneArena(void)
{
#if defined(__GLIBC__)
  const char *tunables = getenv("GLIBC_TUNABLES");
  if (getenv("MALLOC_ARENA_MAX") || (tunables && strstr(tunables, "glibc.malloc.arena_max"))) return;
  (void)mallopt(M_ARENA_MAX, 1);
#endif
}

int main(int argc, char **argv)
{
  const char    *command = argc > 1 ? argv[1] : NULL;
  const char    *input;
  PetscBool      traceback = PETSC_FALSE, help = PETSC_FALSE, solver_help = PETSC_FALSE;
  PetscErrorCode ierr;

  UseHugePages(argv);
  UseOneArena();
  if (!command || !strcmp(command, "-h") || !strcmp(command, "--help") || !strcmp(command, "-help")) {
    printf("%s", usage);
    return command ? 0 : 2;
  }
  /* Help is ours: taken out before PETSc sees it, which would print its own and then run. */
  for (int i = 2; i < argc; ++i)
    if (IsHelp(argv[i])) {
      help = PETSC_TRUE;
      if (!strcmp(argv[i], "-help")) solver_help = PETSC_TRUE;
      for (int j = i--; j < argc - 1; ++j)
        argv[j] = argv[j + 1];
      argc--;
    }
  input = argc > 2 ? argv[2] : NULL;
  PrepareSingletonMPI();
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  if (PetscOptionsHasName(NULL, NULL, "-twinfe_traceback", &traceback)) return 1;
  if (!traceback) PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  ierr = help ? PrintHelp(command, input, argc, argv, solver_help) : Dispatch(command, input, argc, argv);
  if (ierr) return ReportFailure(ierr);
  if (!traceback) PetscPopErrorHandler();
  return PetscFinalize() ? 1 : 0;
}
