/* libtwinfe core: version, hashing, small shared helpers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#include <petscsys.h>

/*@
  TwinfeVersion - Returns the version of the library, "MAJOR.MINOR.PATCH".

  Not collective

  Level: beginner
@*/
PETSC_EXTERN const char *TwinfeVersion(void);

/*@
  TwinfeInitializePackage - Registers libtwinfe's profiling events and initialises the PETSc packages it uses, in one
  fixed order.

  Not collective

  Notes:
  Registers libtwinfe's profiling events and initialises the PETSc packages it uses, in one
  fixed order, so that -log_view on several ranks puts each rank's figures under the right
  names. Call on every rank after PetscInitialize, before any stage (TwinfeCaseCreate does);
  again, it does nothing.

  Level: advanced

.seealso: TwinfeCaseCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeInitializePackage(void);

/*@
  TwinfeLogEventsAgree - Tells whether every rank of comm registered the same profiling events in the same order.

  Collective

  Input Parameter:
. comm - MPI communicator

  Output Parameter:
. agree - PETSC_TRUE when every rank agrees

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeLogEventsAgree(MPI_Comm comm, PetscBool *agree);

/*@
  TwinfeGetThreads - Returns how many threads libtwinfe's loops use.

  Not collective

  Output Parameter:
. nthreads - the number of threads

  Notes:
  How many threads libtwinfe's loops use (surface remeshing in pieces, mesh quality, fidelity
  distances, Gmsh): -threads, else the cores of the machine when PETSC_COMM_WORLD has one rank.
  With several ranks, 1 (their ranks have the cores), except on rank 0 inside a serial step
  (TwinfeRunOnRoot) while the other ranks of its machine wait asleep: then as many as ranks
  share the machine, up to its cores.

  Level: advanced
@*/
PETSC_EXTERN PetscErrorCode TwinfeGetThreads(PetscInt *nthreads);

/* Progress of long work: "what: 45%, about 12 s left, detail" rewritten in place on standard
   error by rank 0, at most four times a second, and only when standard error is a terminal and
   -quiet is not set (a pipe or a log file gets nothing). Destroy clears the line. Create is
   collective on comm; Set and Destroy are not. */
typedef struct _n_TwinfeProgress *TwinfeProgress;

/*@
  TwinfeProgressCreate - Creates a progress line for long work.

  Collective

  Input Parameters:
+ comm - MPI communicator
- what - what is being done, the start of the line

  Output Parameter:
. progress - the new progress line

  Notes:
  Progress of long work: "what: 45%, about 12 s left, detail" rewritten in place on standard
  error by rank 0, at most four times a second, and only when standard error is a terminal and
  -quiet is not set (a pipe or a log file gets nothing). Destroy clears the line. Create is
  collective on comm; Set and Destroy are not.

  Level: developer

.seealso: TwinfeProgressDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeProgressCreate(MPI_Comm comm, const char what[], TwinfeProgress *progress);

/*@
  TwinfeProgressSet - Sets the fraction done and rewrites the progress line.

  Not collective

  Input Parameters:
+ progress - the progress line
. fraction - fraction done, 0 to 1
- detail   - text after the estimate (may be NULL)

  Notes:
  fraction done, 0 to 1; detail may be NULL

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeProgressSet(TwinfeProgress progress, PetscReal fraction, const char detail[]);

/*@
  TwinfeProgressPause - Clears the progress line until the next TwinfeProgressSet().

  Not collective

  Input Parameter:
. progress - the progress line

  Notes:
  Clears the line until the next Set: call before printing a line of the run's own.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeProgressPause(TwinfeProgress progress);

/*@
  TwinfeProgressDestroy - Clears the progress line and destroys it.

  Not collective

  Input Parameter:
. progress - the progress line, set to NULL

  Level: developer

.seealso: TwinfeProgressCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeProgressDestroy(TwinfeProgress *progress);

/*@
  TwinfeFileSHA256 - Computes the SHA-256 of a file's bytes as hex digits.

  Not collective

  Input Parameter:
. path - path of the file

  Output Parameter:
. hex - 64 lowercase hex digits and a NUL

  Notes:
  SHA-256 of a file's bytes as 64 lowercase hex digits plus NUL (hex must hold 65 chars).
  Fails with PETSC_ERR_FILE_OPEN naming the file when it cannot be read.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeFileSHA256(const char path[], char hex[65]);

/*@
  TwinfeSHA256 - Computes the SHA-256 of a buffer as hex digits.

  Not collective

  Input Parameters:
+ data   - the bytes
- length - number of bytes

  Output Parameter:
. hex - 64 lowercase hex digits and a NUL

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeSHA256(const void *data, size_t length, char hex[65]);

/*@
  TwinfeFacetTag - Returns the facet tag of the surface between two labels.

  Not collective

  Input Parameters:
+ a - one label (0: background)
- b - the other label (0: background)

  Notes:
  Facet tag convention shared by every stage: a surface between labels a and b (0 is
  background) is tagged max(a,b) when min(a,b) == 0, and 1000*min(a,b) + max(a,b) otherwise.
  Labels must be in [0, 999] so that a tag names its two labels; images with larger labels
  (FreeSurfer's 1000-2035, atlases past 65535) are renumbered 1..n before their surfaces are
  made (TwinfeImageRelabel; a case does it and records each region's original label).

  Level: beginner

.seealso: TwinfeImageRelabel()
@*/
PETSC_EXTERN PetscInt TwinfeFacetTag(PetscInt a, PetscInt b);

/*@
  TwinfeFacetTagLabels - Returns the two labels of a facet tag, larger first: the inverse of TwinfeFacetTag().

  Not collective

  Input Parameter:
. tag - the facet tag

  Output Parameters:
+ larger  - the larger label
- smaller - the smaller label (0: background)

  Notes:
  The two labels of a facet tag, larger first (0 for background): the inverse of TwinfeFacetTag.
  A cap tag gives its region and 0 (a cap is part of the region's outer surface).

  Level: intermediate

.seealso: TwinfeFacetTag()
@*/
PETSC_EXTERN void TwinfeFacetTagLabels(PetscInt tag, PetscInt *larger, PetscInt *smaller);

/* Caps: the flat ends of a region where it leaves the image or a cutting plane cuts it (the
   inlets and outlets of a vessel). Cap k = 1, 2, ... of region label a (1..999) is tagged
   TWINFE_CAP_TAG_BASE * k + a: above every TwinfeFacetTag value, so caps and the region's other
   outer facets never share a tag, and TwinfeFacetTagLabels still names the region. */
#define TWINFE_CAP_TAG_BASE 1000000
/*@
  TwinfeCapTag - Returns the facet tag of cap k of a region.

  Not collective

  Input Parameters:
+ label - the region label, 1..999
- cap   - the cap number k, 1, 2, ...

  Notes:
  Caps: the flat ends of a region where it leaves the image or a cutting plane cuts it (the
  inlets and outlets of a vessel). Cap k = 1, 2, ... of region label a (1..999) is tagged
  TWINFE_CAP_TAG_BASE * k + a: above every TwinfeFacetTag value, so caps and the region's other
  outer facets never share a tag, and TwinfeFacetTagLabels still names the region.

  Level: intermediate

.seealso: TwinfeFacetTag(), TwinfeFacetTagLabels()
@*/
PETSC_EXTERN PetscInt TwinfeCapTag(PetscInt label, PetscInt cap);

/*@
  TwinfeCapIndex - Returns the cap number k of a cap tag, 0 for any other facet tag.

  Not collective

  Input Parameter:
. tag - a facet tag

  Level: intermediate
@*/
PETSC_EXTERN PetscInt TwinfeCapIndex(PetscInt tag);

/* Inside PetscOptionsBegin/End, a declaration that fails must not return at once: PetscOptionsEnd
   frees what PetscOptionsBegin allocated. TwinfeOptionsTry(declared, call) skips the rest of the
   block after the first failure; give `PetscCall(declared)` after PetscOptionsEnd(). */
#define TwinfeOptionsTry(declared, call)                                                                                         \
  do {                                                                                                                           \
    if (!(declared)) (declared) = (call);                                                                                        \
  } while (0)
/*@
  TwinfeOptionsReal - Declares and reads a real option, refusing a value of the wrong kind.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- def   - default value

  Output Parameters:
+ value - the value read (or the default)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsReal(PetscOptionItems *items, const char opt[], const char text[], PetscReal def,
                                              PetscReal *value, PetscBool *set);

/*@
  TwinfeOptionsInt - Declares and reads an integer option, refusing a value of the wrong kind.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- def   - default value

  Output Parameters:
+ value - the value read (or the default)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsInt(PetscOptionItems *items, const char opt[], const char text[], PetscInt def,
                                             PetscInt *value, PetscBool *set);

/*@
  TwinfeOptionsBool - Declares and reads a boolean option, refusing a value of the wrong kind.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- def   - default value

  Output Parameters:
+ value - the value read (or the default)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsBool(PetscOptionItems *items, const char opt[], const char text[], PetscBool def,
                                              PetscBool *value, PetscBool *set);

/*@
  TwinfeOptionsString - Declares and reads a string option.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
. def   - default value
- len   - size of value[]

  Output Parameters:
+ value - the value read (or the default)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsString(PetscOptionItems *items, const char opt[], const char text[], const char def[],
                                                char value[], size_t len, PetscBool *set);

/*@
  TwinfeOptionsChoice - Declares and reads an option that is one of a list of choices.

  Collective on the items' comm

  Input Parameters:
+ items    - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt      - option name, with its dash
. text     - help text
. choices  - the choices
. nchoices - number of choices
- def      - index of the default choice

  Output Parameters:
+ value - index of the choice given (or the default)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would. Collective on the items' comm.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).
  One of choices (compared without case); *value is its index.

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsChoice(PetscOptionItems *items, const char opt[], const char text[],
                                                const char *const choices[], PetscInt nchoices, PetscInt def, PetscInt *value,
                                                PetscBool *set);

/*@
  TwinfeOptionsRealArray - Declares and reads an option of exactly n real values.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- n     - number of values wanted

  Input/Output Parameter:
. value - on input the default, on output the values read

  Output Parameter:
. set - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would. Collective on the items' comm.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsRealArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt n,
                                                   PetscReal value[], PetscBool *set);

/*@
  TwinfeOptionsIntArray - Declares and reads an option of up to nmax integers.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- nmax  - room in value[]

  Output Parameters:
+ value - the values read
. n     - how many were given (0 when not given)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would. Collective on the items' comm.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsIntArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt nmax,
                                                  PetscInt value[], PetscInt *n, PetscBool *set);

/*@
  TwinfeOptionsStringArray - Declares and reads an option of up to nmax strings.

  Collective on the items' comm

  Input Parameters:
+ items - the PetscOptionItems of PetscOptionsBegin (PetscOptionsObject)
. opt   - option name, with its dash
. text  - help text
- nmax  - room in value[]

  Output Parameters:
+ value - the strings read (PetscFree each)
. n     - how many were given (0 when not given)
- set   - PETSC_TRUE when the option was given (may be NULL)

  Notes:
  Checked options. A program declares every option it reads between PetscOptionsBegin and
  PetscOptionsEnd with these (so -help lists each with its help text and default); each refuses
  a value of the wrong kind with a message naming the option, the value and what is right, then
  reads the value as PETSc's PetscOptionsReal etc. would. Collective on the items' comm.
  TwinfeOptionsRealArray wants exactly n values (value[] holds the default); the Int and String
  arrays take up to nmax and return the count in *n (0 when not given).
  The strings are PetscMalloc'ed: PetscFree each.

  Level: developer

.seealso: TwinfeOptionsRealArray()
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsStringArray(PetscOptionItems *items, const char opt[], const char text[], PetscInt nmax,
                                                     char *value[], PetscInt *n, PetscBool *set);

/*@
  TwinfeOptionsCaptureBegin - Starts capturing the names of the options declared.

  Not collective

  Notes:
  The known option names are those whose help text was printed between CaptureBegin and
  CaptureEnd (declarations run in help mode, output swallowed unless the user gave -help): the
  declarations are the one list. Names carry their dash.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsCaptureBegin(void);

/*@
  TwinfeOptionsCaptureEnd - Ends capturing the names of the options declared.

  Not collective

  Notes:
  The known option names are those whose help text was printed between CaptureBegin and
  CaptureEnd (declarations run in help mode, output swallowed unless the user gave -help): the
  declarations are the one list. Names carry their dash.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsCaptureEnd(void);

/*@
  TwinfeOptionsAddKnown - Adds a name to the known option names.

  Not collective

  Input Parameter:
. name - an option name, with its dash

  Notes:
  The known option names are those whose help text was printed between CaptureBegin and
  CaptureEnd (declarations run in help mode, output swallowed unless the user gave -help): the
  declarations are the one list. Names carry their dash.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsAddKnown(const char name[]);

/*@
  TwinfeOptionsGetKnown - Returns the known option names.

  Not collective

  Output Parameters:
+ n     - number of known names
- names - the known names (lent)

  Notes:
  The known option names are those whose help text was printed between CaptureBegin and
  CaptureEnd (declarations run in help mode, output swallowed unless the user gave -help): the
  declarations are the one list. Names carry their dash.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsGetKnown(PetscInt *n, const char *const **names);

/*@
  TwinfeEditDistance - Returns the edit distance between two strings, ignoring case.

  Not collective

  Input Parameters:
+ a - one string
- b - the other string

  Notes:
  Edits (insert, delete, change, swap two neighbours) from a to b, ignoring case.

  Level: developer
@*/
PETSC_EXTERN PetscInt TwinfeEditDistance(const char a[], const char b[]);

/*@
  TwinfeOptionsClosest - Returns the known option name nearest to name when it is near enough to be a typo of it.

  Not collective

  Input Parameter:
. name - the option name, with its dash

  Output Parameter:
. closest - the nearest known name, or NULL

  Notes:
  The known name nearest to name when it is near enough to be a typo of it, else NULL.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsClosest(const char name[], const char **closest);

/*@
  TwinfeOptionsCheckUnused - Fails, naming the first option that nothing read and the closest known name.

  Collective

  Input Parameter:
. comm - MPI communicator

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsCheckUnused(MPI_Comm comm);

/*@
  TwinfeOptionsCheckArguments - Refuses GNU-style --name arguments and stray words where an option belongs.

  Collective

  Input Parameters:
+ comm        - MPI communicator
. argc        - number of command-line arguments
. argv        - the command-line arguments
- npositional - number of positional arguments (the command and its input)

  Notes:
  Refuses GNU-style --name arguments (naming -name) and stray words where an option belongs;
  argv[1..npositional] are the command and its input.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeOptionsCheckArguments(MPI_Comm comm, int argc, char **argv, int npositional);
