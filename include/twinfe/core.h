/* libtwinfe core: version, hashing, small shared helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>

/* Version of the library, "MAJOR.MINOR.PATCH". Not collective. */
PETSC_EXTERN const char *TwinfeVersion(void);

/* Registers libtwinfe's profiling events and initialises the PETSc packages it uses, in one
   fixed order, so that -log_view on several ranks puts each rank's figures under the right
   names. Call on every rank after PetscInitialize, before any stage (TwinfeCaseCreate does);
   again, it does nothing. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeInitializePackage(void);
/* Whether every rank of comm registered the same profiling events in the same order. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeLogEventsAgree(MPI_Comm comm, PetscBool *agree);

/* How many threads libtwinfe's loops use (surface remeshing in pieces, mesh quality, fidelity
   distances, Gmsh): -threads, else the cores of the machine when PETSC_COMM_WORLD has one rank.
   With several ranks, 1 (their ranks have the cores), except on rank 0 inside a serial step
   (TwinfeRunOnRoot) while the other ranks of its machine wait asleep: then as many as ranks
   share the machine, up to its cores. */
PETSC_EXTERN PetscErrorCode TwinfeGetThreads(PetscInt *nthreads);

/* Progress of long work: "what: 45%, about 12 s left, detail" rewritten in place on standard
   error by rank 0, at most four times a second, and only when standard error is a terminal and
   -quiet is not set (a pipe or a log file gets nothing). Destroy clears the line. Create is
   collective on comm; Set and Destroy are not. */
typedef struct _n_TwinfeProgress *TwinfeProgress;
PETSC_EXTERN PetscErrorCode       TwinfeProgressCreate(MPI_Comm comm, const char what[], TwinfeProgress *progress);
/* fraction done, 0 to 1; detail may be NULL */
PETSC_EXTERN PetscErrorCode TwinfeProgressSet(TwinfeProgress progress, PetscReal fraction, const char detail[]);
/* Clears the line until the next Set: call before printing a line of the run's own. */
PETSC_EXTERN PetscErrorCode TwinfeProgressPause(TwinfeProgress progress);
PETSC_EXTERN PetscErrorCode TwinfeProgressDestroy(TwinfeProgress *progress);

/* SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL (hex must hold 65 chars).
   Not collective. Fails with PETSC_ERR_FILE_OPEN naming the file when it cannot be read. */
PETSC_EXTERN PetscErrorCode TwinfeFileSHA256(const char path[], char hex[65]);
/* SHA-256 of a buffer. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeSHA256(const void *data, size_t length, char hex[65]);

/* Facet tag convention shared by every stage: a surface between labels a and b (0 is
   background) is tagged max(a,b) when min(a,b) == 0, and 1000*min(a,b) + max(a,b) otherwise.
   Labels must be in [0, 999] so that a tag names its two labels; images with larger labels
   (FreeSurfer's 1000-2035, atlases past 65535) are renumbered 1..n before their surfaces are
   made (TwinfeImageRelabel; a case does it and records each region's original label). */
PETSC_EXTERN PetscInt TwinfeFacetTag(PetscInt a, PetscInt b);
/* The two labels of a facet tag, larger first (0 for background): the inverse of TwinfeFacetTag.
   A cap tag gives its region and 0 (a cap is part of the region's outer surface). */
PETSC_EXTERN void TwinfeFacetTagLabels(PetscInt tag, PetscInt *larger, PetscInt *smaller);

/* Caps: the flat ends of a region where it leaves the image or a cutting plane cuts it (the
   inlets and outlets of a vessel). Cap k = 1, 2, ... of region label a (1..999) is tagged
   TWINFE_CAP_TAG_BASE * k + a: above every TwinfeFacetTag value, so caps and the region's other
   outer facets never share a tag, and TwinfeFacetTagLabels still names the region. */
#define TWINFE_CAP_TAG_BASE 1000000
PETSC_EXTERN PetscInt TwinfeCapTag(PetscInt label, PetscInt cap);
/* The cap number k of a cap tag, 0 for any other facet tag. */
PETSC_EXTERN PetscInt TwinfeCapIndex(PetscInt tag);

/* Inside PetscOptionsBegin/End, a declaration that fails must not return at once: PetscOptionsEnd
   frees what PetscOptionsBegin allocated. TwinfeOptionsTry(declared, call) skips the rest of the
   block after the first failure; give `PetscCall(declared)` after PetscOptionsEnd(). */
#define TwinfeOptionsTry(declared, call)                                                                                         \
  do {                                                                                                                           \
    if (!(declared)) (declared) = (call);                                                                                        \
  } while (0)
/* Checked options. A program declares every option it reads between PetscOptionsBegin and
   PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
   a value of the wrong kind with a message naming the option, the value and what is right, then
   reads the value as PETSc's PetscOptionsReal etc. would. Collective on the items' comm.
   TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
   arrays take up to nmax and return the count in *n (0 when not given). */
PETSC_EXTERN PetscErrorCode TwinfeOptionsReal(PetscOptionItems *items, const char opt[], const char text[], PetscReal def,
                                              PetscReal *value, PetscBool *set);
PETSC_EXTERN PetscErrorCode TwinfeOptionsInt(PetscOptionItems *items, const char opt[], const char text[], PetscInt def,
                                             PetscInt *value, PetscBool *set);
PETSC_EXTERN PetscErrorCode TwinfeOptionsBool(PetscOptionItems *items, const char opt[], const char text[], PetscBool def,
                                              PetscBool *value, PetscBool *set);
PETSC_EXTERN PetscErrorCode TwinfeOptionsString(PetscOptionItems *items, const char opt[], const char text[], const char def[],
                                                char value[], size_t len, PetscBool *set);
/* One of choices (compared without case); *value is its index. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsChoice(PetscOptionItems *items, const char opt[], const char text[],
                                                const char *const choices[], PetscInt nchoices, PetscInt def, PetscInt *value,
                                                PetscBool *set);
PETSC_EXTERN PetscErrorCode TwinfeOptionsRealArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt n,
                                                   PetscReal value[], PetscBool *set);
PETSC_EXTERN PetscErrorCode TwinfeOptionsIntArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt nmax,
                                                  PetscInt value[], PetscInt *n, PetscBool *set);
/* The strings are PetscMalloc'ed: PetscFree each. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsStringArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt nmax,
                                                     char *value[], PetscInt *n, PetscBool *set);

/* The known option names are those whose help text was printed between CaptureBegin and
   CaptureEnd (declarations run in help mode, output swallowed unless the user gave -help): the
   declarations are the one list. Names carry their dash. Not collective. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsCaptureBegin(void);
PETSC_EXTERN PetscErrorCode TwinfeOptionsCaptureEnd(void);
PETSC_EXTERN PetscErrorCode TwinfeOptionsAddKnown(const char name[]);
PETSC_EXTERN PetscErrorCode TwinfeOptionsGetKnown(PetscInt *n, const char *const **names);
/* Edits (insert, delete, change, swap two neighbours) from a to b, ignoring case. */
PETSC_EXTERN PetscInt TwinfeEditDistance(const char a[], const char b[]);
/* The known name nearest to name when it is near enough to be a typo of it, else NULL. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsClosest(const char name[], const char **closest);
/* Fails, naming the first option that nothing read and the closest known name. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsCheckUnused(MPI_Comm comm);
/* Refuses GNU-style --name arguments (naming -name) and stray words where an option belongs;
   argv[1..npositional] are the command and its input. Collective. */
PETSC_EXTERN PetscErrorCode TwinfeOptionsCheckArguments(MPI_Comm comm, int argc, char **argv, int npositional);
