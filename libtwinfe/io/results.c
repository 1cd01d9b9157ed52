/* libtwinfe io stage: a time series of DMPlex fields for ParaView (.pvd over .vtu/.pvtu, or an
 * XDMF index over one HDF5 file).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Layout in DIR:  BASENAME.pvd, and per state NNNN either BASENAME_NNNN.vtu (one rank) or
 * BASENAME_NNNN.pvtu + BASENAME_NNNN/BASENAME_NNNN_<rank>.vtu (several ranks). With
 * -results_format xdmf: BASENAME.xdmf and BASENAME.h5 (results_xdmf.c), from the same pieces.
 *
 * Each rank writes its own piece with vtkXMLUnstructuredGridWriter; rank 0 writes the .pvtu
 * summary and the .pvd as small XML text. vtkXMLPUnstructuredGridWriter is not used: without
 * a vtkMultiProcessController its summary lists only the pieces of the rank that writes it
 * (measured with VTK 9.1: StartPiece = EndPiece = 0 on rank 0 gives a .pvtu with one piece),
 * and it derives piece names from its own file name, which defeats writing through a
 * temporary name. */
#include "ioimpl.h"
#include "checkpoint_impl.h"
#include "results_xdmf.h"

#include "core/core_impl.h"

#include <stdio.h>
#include <string.h>
#include <twinfe/io.h>

/* The same mesh as quadratic tetrahedra, for states with a field on edges (P2): the vertices,
   then one point per local edge at its midpoint (edge e is point nvertices + e - eStart), and 10
   nodes per cell in VTK's order. Straight-sided: the midpoints carry the geometry exactly. */
typedef struct {
  PetscBool built;
  PetscInt  eStart, nedges;
  PetscInt *edge_vertices; /* 2 per edge, local vertex indices */
  double   *xyz;           /* 3 * (nvertices + nedges) */
  PetscInt *cells;         /* 10 per cell */
} QuadraticTopology;

/* This rank's mesh as plain arrays, built once and reused by every state on the same mesh:
   building it is most of the local work of a state. It is keyed by object ids, which are
   never reused within a run (addresses are). Coordinates changed in place inside the same
   Vec go unnoticed: PETSc 3.18 declares PetscObjectStateGet only in a private header. */
typedef struct {
  PetscBool         built;
  PetscObjectId     dm_id, coordinates_id, cell_sets_id;
  PetscInt          vStart, nvertices, ncells;
  double           *xyz;
  PetscInt         *tets;
  int32_t          *region, *rank;
  QuadraticTopology quadratic; /* built on demand, dropped with the rest */
} Topology;

struct _p_TwinfeResults {
  MPI_Comm                 comm;
  char                     dir[PETSC_MAX_PATH_LEN];
  char                     basename[PETSC_MAX_PATH_LEN];
  PetscInt                 nstates, capacity;
  PetscReal               *times;
  PetscMPIInt             *pieces; /* per state: the ranks that wrote it (a restarted run's may differ; checkpoint.c) */
  char                   **files;  /* files[0] is the .pvd (.xdmf), files[1 + s] the file of state s, relative to dir */
  PetscInt                 nside;
  char                   **side; /* files beside the series (TwinfeResultsWriteSideFile), relative to dir */
  TwinfeResultsCompression compression;
  TwinfeResultsFormat      format;
  TwinfeXDMF               xdmf; /* the HDF5 file and its index, for TWINFE_RESULTS_FORMAT_XDMF */
  Topology                 topology;
};

static const char *const TwinfeResultsCompressions[] = {
    "none", "lz4", "zlib", "TwinfeResultsCompression", "TWINFE_RESULTS_COMPRESSION_", NULL};
static const char *const TwinfeResultsFormats[] = {"vtu", "xdmf", "TwinfeResultsFormat", "TWINFE_RESULTS_FORMAT_", NULL};

PetscErrorCode TwinfeResultsCompressionGetName(TwinfeResultsCompression compression, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(
      TwinfeListGetName_Private("TwinfeResultsCompressionGetName", TwinfeResultsCompressions, 2, (PetscInt)compression, name));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsFormatGetName(TwinfeResultsFormat format, const char **name)
{
  PetscFunctionBeginUser;
  PetscCall(TwinfeListGetName_Private("TwinfeResultsFormatGetName", TwinfeResultsFormats, 2, (PetscInt)format, name));
  PetscFunctionReturn(0);
}

static PetscErrorCode TopologyReset(Topology *t);

/* -log_view events: where the time of a state goes. */
static PetscLogEvent TWINFE_RESULTS_TOPOLOGY, TWINFE_RESULTS_FIELDS, TWINFE_RESULTS_VTK;

/* -results_compression and -results_format, checked here with a message naming the choices (and
   before anything is allocated: PETSc 3.18's PetscOptionsGetEnum leaks its list when the value is
   unknown). *value is left as it is when the option is not given. */
static PetscErrorCode GetChoice(const char option[], const char *const names[], const char choices[], PetscEnum *value)
{
  char      text[64];
  PetscBool set, found;
  PetscEnum e;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetString(NULL, NULL, option, text, sizeof text, &set));
  if (!set) PetscFunctionReturn(0);
  PetscCall(PetscEnumFind(names, text, &e, &found));
  PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s %s is not known: use %s", option, text, choices);
  *value = e;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetOptions(TwinfeResultsCompression *compression, TwinfeResultsFormat *format)
{
  PetscEnum c = (PetscEnum)TWINFE_RESULTS_COMPRESSION_LZ4, f = (PetscEnum)TWINFE_RESULTS_FORMAT_VTU;

  PetscFunctionBeginUser;
  PetscCall(GetChoice("-results_compression", TwinfeResultsCompressions,
                      "lz4 (the default, fast), zlib (smaller files, slower) or none", &c));
  PetscCall(GetChoice("-results_format", TwinfeResultsFormats,
                      "vtu (the default: results.pvd over a .vtu per state, a .pvtu and a piece per rank on several ranks) "
                      "or xdmf (one results.h5 all ranks write, indexed by results.xdmf)",
                      &f));
  *compression = (TwinfeResultsCompression)c;
  *format      = (TwinfeResultsFormat)f;
  PetscFunctionReturn(0);
}

/* The series' index (files[0]) and, for XDMF, its writer. */
static PetscErrorCode UseFormat(TwinfeResults r, TwinfeResultsFormat format)
{
  const size_t len = strlen(r->basename) + 6;

  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->files[0]));
  PetscCall(PetscMalloc1(len, &r->files[0]));
  PetscCall(PetscSNPrintf(r->files[0], len, "%s.%s", r->basename, format == TWINFE_RESULTS_FORMAT_XDMF ? "xdmf" : "pvd"));
  PetscCall(TwinfeXDMFDestroy(&r->xdmf));
  if (format == TWINFE_RESULTS_FORMAT_XDMF) PetscCall(TwinfeXDMFCreate(r->comm, r->dir, r->basename, &r->xdmf));
  r->format = format;
  PetscFunctionReturn(0);
}

static PetscErrorCode RegisterLogEvents(void)
{
  static PetscBool registered = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (registered) PetscFunctionReturn(0);
  PetscCall(PetscLogEventRegister("TwinfeResTopology", PETSC_OBJECT_CLASSID, &TWINFE_RESULTS_TOPOLOGY));
  PetscCall(PetscLogEventRegister("TwinfeResFields", PETSC_OBJECT_CLASSID, &TWINFE_RESULTS_FIELDS));
  PetscCall(PetscLogEventRegister("TwinfeResVTKWrite", PETSC_OBJECT_CLASSID, &TWINFE_RESULTS_VTK));
  registered = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* What every piece of one state shares: array names, components and types. */
typedef struct {
  TwinfeVTKArray *point_arrays; /* values unused here */
  PetscInt        npoint_arrays;
  TwinfeVTKArray *cell_arrays;
  PetscInt        ncell_arrays;
  PetscInt        nranks;
  const char     *state; /* BASENAME_NNNN */
} SummaryContext;

/* This rank's piece of one state, as plain arrays for the adapter: the mesh lent by the
   Topology (linear or quadratic cells), the point values owned, the cell values borrowed from
   their Vecs where a PetscScalar is a double (they are in cell order already; a copy had cost
   345 MB at 2.5M tets for the elasticity's 17 values per cell). */
typedef struct {
  const Topology *mesh;
  PetscBool       quadratic;
  PetscInt        npoints; /* vertices, plus edges when quadratic */
  PetscInt        npoint, ncell;
  double        **point_values, **cell_values;
  Vec            *cell_lenders;               /* per cell field: the Vec whose array cell_values[f] is, or NULL (owned) */
  TwinfeVTKArray *point_arrays, *cell_arrays; /* ncell + 2: the fields, "region", "rank" */
} Piece;

/*@C
  TwinfeResultsCreate - Start a time series DIR/BASENAME.pvd.

  Collective

  Input Parameters:
+ comm     - the ranks that will write states (those of the DMs)
. dir      - an existing folder
- basename - file name stem without folder or extension

  Output Parameter:
. results - the series; destroy with TwinfeResultsDestroy()
@*/
PetscErrorCode TwinfeResultsCreate(MPI_Comm comm, const char dir[], const char basename[], TwinfeResults *results)
{
  TwinfeResults            r;
  PetscBool                exists = PETSC_FALSE;
  PetscMPIInt              rank;
  TwinfeResultsCompression compression = TWINFE_RESULTS_COMPRESSION_LZ4;
  TwinfeResultsFormat      format      = TWINFE_RESULTS_FORMAT_VTU;

  PetscFunctionBeginUser;
  PetscCheck(results, comm, PETSC_ERR_ARG_NULL, "TwinfeResultsCreate: results (output) is NULL");
  *results = NULL;
  PetscCheck(dir && dir[0], comm, PETSC_ERR_ARG_NULL, "TwinfeResultsCreate: give an output folder");
  PetscCheck(basename && basename[0] && !strchr(basename, '/'), comm, PETSC_ERR_ARG_WRONG,
             "TwinfeResultsCreate: basename \"%s\" must be a non-empty file name stem without '/'",
             basename ? basename : "(null)");
  PetscCheck(strlen(dir) + 2 * strlen(basename) + 64 < PETSC_MAX_PATH_LEN, comm, PETSC_ERR_ARG_SIZ,
             "TwinfeResultsCreate: folder %s and basename %s make paths that are too long", dir, basename);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) PetscCall(TwinfeIOFolderExists(dir, &exists));
  PetscCallMPI(MPI_Bcast(&exists, 1, MPIU_BOOL, 0, comm));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "TwinfeResultsCreate: output folder %s does not exist (create it first)", dir);
  PetscCall(GetOptions(&compression, &format));
  PetscCall(PetscNew(&r));
  PetscCall(PetscCommDuplicate(comm, &r->comm, NULL));
  PetscCall(PetscStrncpy(r->dir, dir, sizeof r->dir));
  PetscCall(PetscStrncpy(r->basename, basename, sizeof r->basename));
  r->capacity = 8;
  PetscCall(PetscMalloc1(r->capacity, &r->times));
  PetscCall(PetscMalloc1(r->capacity, &r->pieces));
  PetscCall(PetscCalloc1(r->capacity + 1, &r->files));
  PetscCall(UseFormat(r, format));
  r->compression = compression;
  PetscCall(RegisterLogEvents());
  *results = r;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsDestroy - Free a series (the files stay). NULL is a no-op; sets *results to NULL.

  Collective
@*/
PetscErrorCode TwinfeResultsDestroy(TwinfeResults *results)
{
  TwinfeResults r;

  PetscFunctionBeginUser;
  if (!results || !*results) PetscFunctionReturn(0);
  r = *results;
  for (PetscInt f = 0; f <= r->nstates; ++f)
    PetscCall(PetscFree(r->files[f]));
  PetscCall(PetscFree(r->files));
  for (PetscInt f = 0; f < r->nside; ++f)
    PetscCall(PetscFree(r->side[f]));
  PetscCall(PetscFree(r->side));
  PetscCall(PetscFree(r->times));
  PetscCall(PetscFree(r->pieces));
  PetscCall(TopologyReset(&r->topology));
  PetscCall(TwinfeXDMFDestroy(&r->xdmf));
  PetscCall(PetscCommDestroy(&r->comm));
  PetscCall(PetscFree(r));
  *results = NULL;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsSetCompression - How the arrays of the states written from now on are compressed.

  Collective (every rank must give the same value: the pieces of a state share one summary)

  Input Parameters:
+ results     - the series
- compression - TWINFE_RESULTS_COMPRESSION_NONE, _LZ4 (the default) or _ZLIB

  Options Database Key:
. -results_compression <none,lz4,zlib> - read by TwinfeResultsCreate()
@*/
PetscErrorCode TwinfeResultsSetCompression(TwinfeResults results, TwinfeResultsCompression compression)
{
  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsSetCompression: results is NULL");
  PetscCheck(compression >= TWINFE_RESULTS_COMPRESSION_NONE && compression <= TWINFE_RESULTS_COMPRESSION_ZLIB, results->comm,
             PETSC_ERR_ARG_OUTOFRANGE, "TwinfeResultsSetCompression: compression %d is none of none (0), lz4 (1), zlib (2)",
             (int)compression);
  results->compression = compression;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsGetCompression - The compression of the states written from now on.

  Not collective
@*/
PetscErrorCode TwinfeResultsGetCompression(TwinfeResults results, TwinfeResultsCompression *compression)
{
  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetCompression: results is NULL");
  PetscCheck(compression, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetCompression: compression (output) is NULL");
  *compression = results->compression;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsSetFormat - The files of the series: .pvd over .vtu/.pvtu, or an HDF5 file with an
  XDMF index. Chosen before the first state: a series is one or the other.

  Collective (every rank must give the same value)

  Input Parameters:
+ results - the series, with no state written yet
- format  - TWINFE_RESULTS_FORMAT_VTU (the default) or TWINFE_RESULTS_FORMAT_XDMF

  Options Database Key:
. -results_format <vtu,xdmf> - read by TwinfeResultsCreate()
@*/
PetscErrorCode TwinfeResultsSetFormat(TwinfeResults results, TwinfeResultsFormat format)
{
  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsSetFormat: results is NULL");
  PetscCheck(format == TWINFE_RESULTS_FORMAT_VTU || format == TWINFE_RESULTS_FORMAT_XDMF, results->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeResultsSetFormat: format %d is neither vtu (0) nor xdmf (1)", (int)format);
  PetscCheck(results->nstates == 0 || format == results->format, results->comm, PETSC_ERR_ORDER,
             "TwinfeResultsSetFormat: %s already holds %" PetscInt_FMT " states as %s; choose the format before the first state",
             results->files[0], results->nstates, TwinfeResultsFormats[results->format]);
  if (format != results->format) PetscCall(UseFormat(results, format)); /* the same again keeps the series */
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsGetFormat - The format of the series.

  Not collective
@*/
PetscErrorCode TwinfeResultsGetFormat(TwinfeResults results, TwinfeResultsFormat *format)
{
  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetFormat: results is NULL");
  PetscCheck(format, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetFormat: format (output) is NULL");
  *format = results->format;
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsGetFiles - The files written so far, relative to dir: the .pvd first, then the
  .vtu (one rank) or .pvtu (several ranks) of each state in order. The .vtu pieces under a
  .pvtu are not listed: TwinfeResultsGetWrittenPaths() lists them too. With the XDMF format,
  the .xdmf first, then for each state the .h5 that holds it (the same file for all).

  Not collective

  Output Parameters:
+ nfiles - 1 + number of states
- files  - lent; valid until the next TwinfeResultsWriteState() or TwinfeResultsDestroy()
@*/
PetscErrorCode TwinfeResultsReleaseMesh(TwinfeResults results)
{
  PetscFunctionBeginUser;
  TwinfeCheckArgNull_Private(results);
  PetscCall(TopologyReset(&results->topology));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsGetFiles(TwinfeResults results, PetscInt *nfiles, const char *const **files)
{
  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetFiles: results is NULL");
  if (nfiles) *nfiles = results->nstates + 1;
  if (files) *files = (const char *const *)results->files;
  PetscFunctionReturn(0);
}

/* The name of state s: BASENAME_NNNN (its .vtu/.pvtu, and its piece folder on several ranks). */
static PetscErrorCode StateName(const char basename[], PetscInt s, char state[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(state, PETSC_MAX_PATH_LEN, "%s_%04" PetscInt_FMT, basename, s));
  PetscFunctionReturn(0);
}

/* The piece of one rank under a .pvtu, relative to dir: STATE/STATE_<rank>.vtu. */
static PetscErrorCode PiecePath(const char state[], PetscMPIInt rank, char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s/%s_%d.vtu", state, state, rank));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsGetWrittenPaths - Every file and folder the series wrote so far, on every rank,
  relative to dir: the .pvd, then per state its .vtu (one rank), or its .pvtu, the piece
  folder (named with a trailing '/') and the piece of each rank; with the XDMF format the
  .xdmf and, once a state is written, the .h5. Then the side files. This is what a caller
  lists as its own, so that it may later remove exactly these and nothing else.

  Collective (every rank gives the same list)

  Output Parameter:
. paths - a NULL-terminated array; free it with PetscStrArrayDestroy()
@*/
PetscErrorCode TwinfeResultsGetWrittenPaths(TwinfeResults results, char ***paths)
{
  PetscInt n = 0, per_state;
  char   **list;

  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetWrittenPaths: results is NULL");
  PetscCheck(paths, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsGetWrittenPaths: paths (output) is NULL");
  per_state = 1;
  for (PetscInt s = 0; s < results->nstates; ++s)
    per_state = PetscMax(per_state, results->pieces[s] > 1 ? 2 + results->pieces[s] : 1);
  PetscCall(PetscCalloc1(1 + results->nstates * per_state + results->nside + 1, &list));
  PetscCall(PetscStrallocpy(results->files[0], &list[n++]));
  if (results->format == TWINFE_RESULTS_FORMAT_XDMF && results->nstates) /* every state is in the one .h5 */
    PetscCall(PetscStrallocpy(results->files[1], &list[n++]));
  for (PetscInt s = 0; s < results->nstates && results->format == TWINFE_RESULTS_FORMAT_VTU; ++s) {
    char state[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrallocpy(results->files[1 + s], &list[n++]));
    if (results->pieces[s] == 1) continue;
    PetscCall(StateName(results->basename, s, state));
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/", state));
    PetscCall(PetscStrallocpy(path, &list[n++]));
    for (PetscMPIInt r = 0; r < results->pieces[s]; ++r) {
      PetscCall(PiecePath(state, r, path));
      PetscCall(PetscStrallocpy(path, &list[n++]));
    }
  }
  for (PetscInt f = 0; f < results->nside; ++f)
    PetscCall(PetscStrallocpy(results->side[f], &list[n++]));
  *paths = list;
  PetscFunctionReturn(0);
}

static PetscErrorCode PathIn(TwinfeResults r, const char relative[], char path[]);

/* A side file's name must not collide with the series' own files: BASENAME.pvd and
   BASENAME_NNNN.* (and their folders). */
static PetscBool CollidesWithSeries(const char basename[], const char name[])
{
  const size_t n = strlen(basename);

  return strncmp(name, basename, n) == 0 && (name[n] == '.' || name[n] == '_') ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode TwinfeResultsWriteSideFile(TwinfeResults results, const char name[], PetscErrorCode (*emit)(FILE *, void *),
                                          void *ctx)
{
  PetscMPIInt    rank;
  PetscBool      known = PETSC_FALSE;
  PetscErrorCode ierr  = 0;
  char           path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsWriteSideFile: results is NULL");
  PetscCheck(name && name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, ".."), results->comm, PETSC_ERR_ARG_WRONG,
             "TwinfeResultsWriteSideFile: \"%s\" must be a plain file name", name ? name : "(null)");
  PetscCheck(!CollidesWithSeries(results->basename, name), results->comm, PETSC_ERR_ARG_WRONG,
             "TwinfeResultsWriteSideFile: \"%s\" would take a name of the series %s.pvd: choose another", name,
             results->basename);
  PetscCallMPI(MPI_Comm_rank(results->comm, &rank));
  if (rank == 0) {
    PetscCall(PathIn(results, name, path));
    ierr = TwinfeIOWriteTextFile(path, emit, ctx);
  }
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, results->comm));
  PetscCheck(!ierr, results->comm, PETSC_ERR_FILE_WRITE, "could not write %s/%s", results->dir, name);
  for (PetscInt f = 0; f < results->nside; ++f)
    if (!strcmp(results->side[f], name)) known = PETSC_TRUE;
  if (!known) {
    PetscCall(PetscRealloc(sizeof(char *) * (results->nside + 1), &results->side));
    PetscCall(PetscStrallocpy(name, &results->side[results->nside++]));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- arguments, agreed by all ranks */

static PetscErrorCode CheckNames(MPI_Comm comm, PetscInt n, const char *const names[], const Vec vecs[], const char *kind)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s fields: count %" PetscInt_FMT " is negative", kind, n);
  PetscCheck(n == 0 || (names && vecs), comm, PETSC_ERR_ARG_NULL,
             "%s fields: %" PetscInt_FMT " announced but names or Vecs are NULL", kind, n);
  for (PetscInt i = 0; i < n; ++i) {
    PetscCheck(names[i] && names[i][0], comm, PETSC_ERR_ARG_NULL, "%s field %" PetscInt_FMT " has no name", kind, i);
    PetscCheck(vecs[i], comm, PETSC_ERR_ARG_NULL, "%s field %s: Vec is NULL", kind, names[i]);
    PetscCheck(strcmp(names[i], "region") && strcmp(names[i], "rank"), comm, PETSC_ERR_ARG_WRONG,
               "%s field name \"%s\" is reserved for the cell arrays libtwinfe always writes: rename it", kind, names[i]);
    for (PetscInt j = 0; j < i; ++j)
      PetscCheck(strcmp(names[i], names[j]), comm, PETSC_ERR_ARG_WRONG, "%s field name \"%s\" is given twice", kind, names[i]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckMesh(DM dm)
{
  PetscBool plex;
  PetscInt  dim, cdim;
  DMLabel   cell_sets;

  PetscFunctionBeginUser;
  PetscCheck(dm, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsWriteState: dm is NULL");
  PetscCall(PetscObjectTypeCompare((PetscObject)dm, DMPLEX, &plex));
  PetscCheck(plex, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeResultsWriteState: dm must be a DMPLEX of tetrahedra");
  PetscCall(DMGetDimension(dm, &dim));
  PetscCall(DMGetCoordinateDim(dm, &cdim));
  PetscCheck(dim == 3 && cdim == 3, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeResultsWriteState: dm has dimension %" PetscInt_FMT " in %" PetscInt_FMT
             "-D coordinates, need a 3-D tetrahedral mesh",
             dim, cdim);
  PetscCall(DMGetLabel(dm, "Cell Sets", &cell_sets));
  PetscCheck(cell_sets, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "TwinfeResultsWriteState: dm has no \"Cell Sets\" label (the region of each cell); set one, e.g. "
             "with DMCreateLabel + DMSetLabelValue");
  PetscFunctionReturn(0);
}

/* Dofs of section on point, 0 when the point is outside its chart (a vertex-only section may
   cover the vertices alone). */
static PetscErrorCode SectionDof(PetscSection section, PetscInt point, PetscInt *dof)
{
  PetscInt pStart, pEnd;

  PetscFunctionBeginUser;
  *dof = 0;
  PetscCall(PetscSectionGetChart(section, &pStart, &pEnd));
  if (point >= pStart && point < pEnd) PetscCall(PetscSectionGetDof(section, point, dof));
  PetscFunctionReturn(0);
}

/* The edges of dm (depth-1 points) when it is interpolated, else none: on a cell-vertex mesh
   depth 1 is the cells, and no field can live on edges it does not have. */
static PetscErrorCode EdgeStratum(DM dm, PetscInt *eStart, PetscInt *eEnd)
{
  PetscInt depth;

  PetscFunctionBeginUser;
  *eStart = *eEnd = 0;
  PetscCall(DMPlexGetDepth(dm, &depth));
  if (depth == 3) PetscCall(DMPlexGetDepthStratum(dm, 1, eStart, eEnd));
  PetscFunctionReturn(0);
}

/* Components of each point field: the dofs its section puts on this rank's first vertex, and
   on its first edge (a P2 field: the same number; a vertex field: none), each agreed as the
   maximum over ranks (a rank may have no vertex). Every vertex and edge is checked later. */
static PetscErrorCode PointFieldComponents(DM dm, PetscInt n, const char *const names[], const Vec fields[], PetscInt ncomp[],
                                           PetscBool on_edges[])
{
  PetscInt vStart, vEnd, eStart, eEnd, *edge_dofs, bad = -1, bad_edge_dofs;
  MPI_Comm comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(EdgeStratum(dm, &eStart, &eEnd));
  PetscCall(PetscMalloc1(n, &edge_dofs));
  for (PetscInt f = 0; f < n; ++f) {
    DM           fdm;
    PetscSection section;

    ncomp[f] = edge_dofs[f] = 0;
    PetscCall(VecGetDM(fields[f], &fdm));
    PetscCheck(fdm, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Point field %" PetscInt_FMT " has no DM: create it with DMCreateGlobalVector on a clone of dm", f);
    PetscCall(DMGetLocalSection(fdm, &section));
    PetscCheck(section, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Point field %" PetscInt_FMT ": its DM has no local section (DMSetLocalSection)", f);
    if (vEnd > vStart) PetscCall(PetscSectionGetDof(section, vStart, &ncomp[f]));
    if (eEnd > eStart) PetscCall(SectionDof(section, eStart, &edge_dofs[f]));
  }
  if (n) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, ncomp, (PetscMPIInt)n, MPIU_INT, MPI_MAX, comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, edge_dofs, (PetscMPIInt)n, MPIU_INT, MPI_MAX, comm));
  }
  for (PetscInt f = 0; f < n; ++f) {
    on_edges[f] = edge_dofs[f] ? PETSC_TRUE : PETSC_FALSE;
    if (edge_dofs[f] && edge_dofs[f] != ncomp[f] && bad < 0) bad = f;
  }
  bad_edge_dofs = bad >= 0 ? edge_dofs[bad] : 0;
  PetscCall(PetscFree(edge_dofs));
  PetscCheck(bad < 0, comm, PETSC_ERR_ARG_WRONG,
             "Point field %s has %" PetscInt_FMT " dofs on edges and %" PetscInt_FMT
             " on vertices: a field is written on vertices only, or on vertices and edges (P2) with the same components",
             names[bad], bad_edge_dofs, ncomp[bad]);
  PetscFunctionReturn(0);
}

static PetscErrorCode CellFieldComponents(DM dm, PetscInt n, const Vec fields[], PetscInt ncomp[])
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < n; ++f)
    PetscCall(VecGetBlockSize(fields[f], &ncomp[f]));
  if (n) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, ncomp, (PetscMPIInt)n, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- this rank's piece (local work only) */

static PetscErrorCode TopologyReset(Topology *t)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(t->quadratic.edge_vertices, t->quadratic.xyz, t->quadratic.cells));
  PetscCall(PetscFree4(t->xyz, t->tets, t->region, t->rank));
  *t = (Topology){0};
  PetscFunctionReturn(0);
}

/* What identifies the mesh of dm for the Topology cache. */
static PetscErrorCode TopologyKey(DM dm, PetscObjectId *dm_id, PetscObjectId *coordinates_id, PetscObjectId *cell_sets_id)
{
  Vec     coordinates;
  DMLabel cell_sets;

  PetscFunctionBeginUser;
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(DMGetLabel(dm, "Cell Sets", &cell_sets));
  PetscCall(PetscObjectGetId((PetscObject)dm, dm_id));
  PetscCall(PetscObjectGetId((PetscObject)coordinates, coordinates_id));
  PetscCall(PetscObjectGetId((PetscObject)cell_sets, cell_sets_id));
  PetscFunctionReturn(0);
}

/* Add the vertices below point (down its cones) to verts, each once, until there are 4.
   Walking the cones visits about 8 points of a tetrahedron's 15 and computes no orientations,
   which built the cells of a 1M-tet box 9x faster than DMPlexGetTransitiveClosure. */
static PetscErrorCode CollectVertices(DM dm, PetscInt point, PetscInt vStart, PetscInt vEnd, PetscInt verts[4], PetscInt *nv)
{
  const PetscInt *cone;
  PetscInt        size;

  PetscFunctionBeginUser;
  if (point >= vStart && point < vEnd) {
    for (PetscInt i = 0; i < *nv; ++i)
      if (verts[i] == point) PetscFunctionReturn(0);
    if (*nv < 4) verts[(*nv)++] = point;
    PetscFunctionReturn(0);
  }
  PetscCall(DMPlexGetConeSize(dm, point, &size));
  PetscCall(DMPlexGetCone(dm, point, &cone));
  for (PetscInt i = 0; i < size && *nv < 4; ++i)
    PetscCall(CollectVertices(dm, cone[i], vStart, vEnd, verts, nv));
  PetscFunctionReturn(0);
}

/* Refuse a mesh whose cells are not all tetrahedra, naming the first other cell. Counted on
   the cell-type label (a tetrahedron can only be a cell in 3-D): asking each cell's type
   was a DMLabelGetValue per cell on a distributed mesh, slower than building the cell. */
static PetscErrorCode CheckAllTetrahedra(DM dm, PetscInt cStart, PetscInt cEnd)
{
  DMLabel  celltypes;
  PetscInt ntets;

  PetscFunctionBeginUser;
  PetscCall(DMPlexGetCellTypeLabel(dm, &celltypes));
  PetscCall(DMLabelGetStratumSize(celltypes, DM_POLYTOPE_TETRAHEDRON, &ntets));
  if (ntets == cEnd - cStart) PetscFunctionReturn(0);
  for (PetscInt c = cStart; c < cEnd; ++c) {
    DMPolytopeType ct;
    PetscCall(DMPlexGetCellType(dm, c, &ct));
    PetscCheck(ct == DM_POLYTOPE_TETRAHEDRON, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Cell %" PetscInt_FMT " is a %s: TwinfeResults writes tetrahedral meshes only", c, DMPolytopeTypes[ct]);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "%" PetscInt_FMT " cells but %" PetscInt_FMT " tetrahedra", cEnd - cStart, ntets);
}

/* Tet connectivity as indices into this rank's vertices, oriented. Works on interpolated
   and cell-vertex meshes alike. */
static PetscErrorCode TopologySetTetrahedra(DM dm, PetscInt cStart, PetscInt vEnd, Topology *t)
{
  PetscFunctionBeginUser;
  PetscCall(CheckAllTetrahedra(dm, cStart, cStart + t->ncells));
  for (PetscInt c = 0; c < t->ncells; ++c) {
    PetscInt verts[4], nv = 0;

    PetscCall(CollectVertices(dm, cStart + c, t->vStart, vEnd, verts, &nv));
    PetscCheck(nv == 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Tetrahedron %" PetscInt_FMT " has %" PetscInt_FMT " vertices below it",
               cStart + c, nv);
    for (PetscInt k = 0; k < 4; ++k)
      t->tets[4 * c + k] = verts[k] - t->vStart;
    TwinfeIOOrientTet(t->xyz, &t->tets[4 * c]);
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt  cStart;
  Topology *t;
} RegionVisit;

static PetscErrorCode SetRegion(PetscInt point, PetscInt value, void *ctx)
{
  RegionVisit *r = (RegionVisit *)ctx;
  if (point >= r->cStart && point < r->cStart + r->t->ncells) r->t->region[point - r->cStart] = (int32_t)value;
  return 0;
}

/* "region" from the strata of "Cell Sets" (a DMLabelGetValue per cell searched every stratum
   and cost as much as the cells), and "rank". */
static PetscErrorCode TopologySetRegionAndRank(DM dm, PetscInt cStart, Topology *t)
{
  DMLabel     cell_sets;
  PetscInt    outside;
  PetscMPIInt rank;
  RegionVisit visit = {cStart, t};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PetscObjectComm((PetscObject)dm), &rank));
  PetscCall(DMGetLabel(dm, "Cell Sets", &cell_sets));
  PetscCall(DMLabelGetDefaultValue(cell_sets, &outside)); /* -1 unless changed: a cell in no set */
  for (PetscInt c = 0; c < t->ncells; ++c) {
    t->region[c] = (int32_t)outside;
    t->rank[c]   = (int32_t)rank;
  }
  PetscCall(TwinfeLabelForEachPoint(cell_sets, SetRegion, &visit));
  PetscFunctionReturn(0);
}

/* The mesh of dm as plain arrays: reused when it is the one already built, built otherwise.
   Marked built only when complete, so a failure leaves no half-built mesh for the next state. */
static PetscErrorCode TopologyGet(DM dm, Topology *t)
{
  PetscObjectId dm_id, coordinates_id, cell_sets_id;
  PetscInt      vStart, vEnd, cStart, cEnd;

  PetscFunctionBeginUser;
  PetscCall(TopologyKey(dm, &dm_id, &coordinates_id, &cell_sets_id));
  if (t->built && t->dm_id == dm_id && t->coordinates_id == coordinates_id && t->cell_sets_id == cell_sets_id)
    PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(TWINFE_RESULTS_TOPOLOGY, 0, 0, 0, 0));
  PetscCall(TopologyReset(t));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  t->vStart    = vStart;
  t->nvertices = vEnd - vStart;
  t->ncells    = cEnd - cStart;
  PetscCall(PetscMalloc4(3 * t->nvertices, &t->xyz, 4 * t->ncells, &t->tets, t->ncells, &t->region, t->ncells, &t->rank));
  PetscCall(TwinfeReadVertexCoordinates_Private(dm, t->xyz));
  PetscCall(TopologySetTetrahedra(dm, cStart, vEnd, t));
  PetscCall(TopologySetRegionAndRank(dm, cStart, t));
  t->dm_id          = dm_id;
  t->coordinates_id = coordinates_id;
  t->cell_sets_id   = cell_sets_id;
  t->built          = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(TWINFE_RESULTS_TOPOLOGY, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* VTK's slot (4..9) of the edge joining nodes a and b of a tetrahedron: 01 12 02 03 13 23. */
static const PetscInt vtk_edge_slot[4][4] = {{-1, 4, 6, 7}, {4, -1, 5, 8}, {6, 5, -1, 9}, {7, 8, 9, -1}};

/* Each local edge's two vertices, and its midpoint after the vertices' coordinates. */
static PetscErrorCode QuadraticSetEdges(DM dm, Topology *t)
{
  QuadraticTopology *q = &t->quadratic;

  PetscFunctionBeginUser;
  PetscCall(PetscArraycpy(q->xyz, t->xyz, 3 * t->nvertices));
  for (PetscInt e = 0; e < q->nedges; ++e) {
    const PetscInt *cone;
    PetscInt        size;
    double         *x = &q->xyz[3 * (t->nvertices + e)];

    PetscCall(DMPlexGetConeSize(dm, q->eStart + e, &size));
    PetscCall(DMPlexGetCone(dm, q->eStart + e, &cone));
    PetscCheck(size == 2, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Edge %" PetscInt_FMT " has %" PetscInt_FMT " points in its cone, need 2", q->eStart + e, size);
    for (PetscInt k = 0; k < 2; ++k) {
      q->edge_vertices[2 * e + k] = cone[k] - t->vStart;
      PetscCheck(q->edge_vertices[2 * e + k] >= 0 && q->edge_vertices[2 * e + k] < t->nvertices, PETSC_COMM_SELF,
                 PETSC_ERR_ARG_WRONG, "Edge %" PetscInt_FMT " does not join two vertices", q->eStart + e);
    }
    for (PetscInt d = 0; d < 3; ++d)
      x[d] = 0.5 * (t->xyz[3 * q->edge_vertices[2 * e] + d] + t->xyz[3 * q->edge_vertices[2 * e + 1] + d]);
  }
  PetscFunctionReturn(0);
}

/* The 10 nodes of cell c: its 4 vertices in the (oriented) order of the linear cell, then its
   6 edges, found down the cones (cell -> faces -> edges), each put in VTK's slot for the two
   vertices it joins. */
static PetscErrorCode QuadraticSetCell(DM dm, Topology *t, PetscInt cStart, PetscInt c)
{
  QuadraticTopology *q     = &t->quadratic;
  PetscInt          *nodes = &q->cells[10 * c];
  const PetscInt    *faces;
  PetscInt           nfaces, filled = 0;

  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < 4; ++k)
    nodes[k] = t->tets[4 * c + k];
  for (PetscInt k = 4; k < 10; ++k)
    nodes[k] = -1;
  PetscCall(DMPlexGetConeSize(dm, cStart + c, &nfaces));
  PetscCall(DMPlexGetCone(dm, cStart + c, &faces));
  for (PetscInt f = 0; f < nfaces; ++f) {
    const PetscInt *edges;
    PetscInt        nedges;

    PetscCall(DMPlexGetConeSize(dm, faces[f], &nedges));
    PetscCall(DMPlexGetCone(dm, faces[f], &edges));
    for (PetscInt k = 0; k < nedges; ++k) {
      const PetscInt e = edges[k] - q->eStart;
      PetscInt       a = -1, b = -1, slot;

      PetscCheck(e >= 0 && e < q->nedges, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Cell %" PetscInt_FMT " has a face whose cone is not edges: write quadratic cells of an interpolated mesh",
                 cStart + c);
      for (PetscInt v = 0; v < 4; ++v) {
        if (nodes[v] == q->edge_vertices[2 * e]) a = v;
        if (nodes[v] == q->edge_vertices[2 * e + 1]) b = v;
      }
      PetscCheck(a >= 0 && b >= 0 && a != b, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "Edge %" PetscInt_FMT " of cell %" PetscInt_FMT " does not join two of its vertices", edges[k], cStart + c);
      slot = vtk_edge_slot[a][b];
      if (nodes[slot] < 0) filled++;
      nodes[slot] = t->nvertices + e;
    }
  }
  PetscCheck(filled == 6, PETSC_COMM_SELF, PETSC_ERR_PLIB, "Cell %" PetscInt_FMT " has %" PetscInt_FMT " edges below it, need 6",
             cStart + c, filled);
  PetscFunctionReturn(0);
}

/* The quadratic cells of the Topology's mesh, built once per mesh (TopologyGet first). */
static PetscErrorCode QuadraticTopologyGet(DM dm, Topology *t)
{
  QuadraticTopology *q = &t->quadratic;
  PetscInt           eEnd, cStart, cEnd;

  PetscFunctionBeginUser;
  if (q->built) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(TWINFE_RESULTS_TOPOLOGY, 0, 0, 0, 0));
  PetscCall(PetscFree3(q->edge_vertices, q->xyz, q->cells));
  PetscCall(EdgeStratum(dm, &q->eStart, &eEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCheck(eEnd > q->eStart || cEnd == cStart, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "A point field has values on edges but dm has no edges: interpolate the mesh (edges and faces present)");
  q->nedges = eEnd - q->eStart;
  PetscCall(PetscMalloc3(2 * q->nedges, &q->edge_vertices, 3 * (t->nvertices + q->nedges), &q->xyz, 10 * t->ncells, &q->cells));
  PetscCall(QuadraticSetEdges(dm, t));
  for (PetscInt c = 0; c < t->ncells; ++c)
    PetscCall(QuadraticSetCell(dm, t, cStart, c));
  q->built = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(TWINFE_RESULTS_TOPOLOGY, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode PieceDestroy(Piece *p)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < p->npoint; ++f)
    PetscCall(PetscFree(p->point_values[f]));
  for (PetscInt f = 0; f < p->ncell; ++f) {
    if (p->cell_lenders[f]) {
      const PetscScalar *x = (const PetscScalar *)p->cell_values[f];
      PetscCall(VecRestoreArrayRead(p->cell_lenders[f], &x));
    } else
      PetscCall(PetscFree(p->cell_values[f]));
  }
  PetscCall(PetscFree2(p->point_values, p->point_arrays));
  PetscCall(PetscFree3(p->cell_values, p->cell_lenders, p->cell_arrays));
  PetscFunctionReturn(0);
}

/* values[ncomp * (first + i)] = the ncomp values of point pStart + i (i < n) at its offset in
   section; each point must hold exactly ncomp dofs. */
static PetscErrorCode CopyPointValues(PetscSection section, const PetscScalar x[], PetscInt pStart, PetscInt n, PetscInt ncomp,
                                      const char name[], const char kind[], double values[], PetscInt first)
{
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < n; ++i) {
    PetscInt dof, off;
    PetscCall(SectionDof(section, pStart + i, &dof));
    PetscCheck(dof == ncomp, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Point field %s has %" PetscInt_FMT " dofs on %s %" PetscInt_FMT " but %" PetscInt_FMT
               " elsewhere: every %s needs the same number of components",
               name, dof, kind, pStart + i, ncomp, kind);
    PetscCall(PetscSectionGetOffset(section, pStart + i, &off));
    for (PetscInt k = 0; k < ncomp; ++k)
      values[ncomp * (first + i) + k] = PetscRealPart(x[off + k]);
  }
  PetscFunctionReturn(0);
}

/* A vertex field at the edge midpoints of a quadratic piece: the mean of the edge's two vertex
   values, which is exact for the piecewise-linear field the vertex values stand for. */
static void InterpolateToEdges(const QuadraticTopology *q, PetscInt nvertices, PetscInt ncomp, double values[])
{
  for (PetscInt e = 0; e < q->nedges; ++e) {
    const double *a = &values[ncomp * q->edge_vertices[2 * e]], *b = &values[ncomp * q->edge_vertices[2 * e + 1]];
    for (PetscInt k = 0; k < ncomp; ++k)
      values[ncomp * (nvertices + e) + k] = 0.5 * (a[k] + b[k]);
  }
}

/* One point field from its local Vec: every vertex's values at its offset in the local
   section; in a quadratic piece also every edge's (a P2 field) or the edge's vertex mean. */
static PetscErrorCode PieceSetPointField(Vec local, const char name[], PetscInt ncomp, PetscBool on_edges, Piece *p, PetscInt f)
{
  DM                       fdm;
  PetscSection             section;
  const PetscScalar       *x;
  const QuadraticTopology *q      = &p->mesh->quadratic;
  const PetscInt           vStart = p->mesh->vStart, nvertices = p->mesh->nvertices;
  PetscInt                 fvStart, fvEnd, feStart, feEnd;

  PetscFunctionBeginUser;
  PetscCall(VecGetDM(local, &fdm));
  PetscCall(DMPlexGetDepthStratum(fdm, 0, &fvStart, &fvEnd));
  PetscCheck(fvStart == vStart && fvEnd - fvStart == nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Point field %s lives on a DM whose vertices are not those of dm: create it on a DMClone of dm", name);
  PetscCall(EdgeStratum(fdm, &feStart, &feEnd));
  PetscCheck(!on_edges || (feStart == q->eStart && feEnd - feStart == q->nedges), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Point field %s lives on a DM whose edges are not those of dm: create it on a DMClone of dm", name);
  PetscCall(DMGetLocalSection(fdm, &section));
  PetscCall(PetscMalloc1(p->npoints * ncomp, &p->point_values[f]));
  PetscCall(VecGetArrayRead(local, &x));
  PetscCall(CopyPointValues(section, x, vStart, nvertices, ncomp, name, "vertex", p->point_values[f], 0));
  if (on_edges)
    PetscCall(CopyPointValues(section, x, q->eStart, q->nedges, ncomp, name, "edge", p->point_values[f], nvertices));
  else if (p->quadratic)
    InterpolateToEdges(q, nvertices, ncomp, p->point_values[f]);
  PetscCall(VecRestoreArrayRead(local, &x));
  p->point_arrays[f] =
      (TwinfeVTKArray){.name = name, .type = TWINFE_VTK_FLOAT64, .ncomponents = ncomp, .values = p->point_values[f]};
  PetscFunctionReturn(0);
}

static PetscErrorCode PieceSetCellField(Vec field, const char name[], PetscInt ncomp, Piece *p, PetscInt f)
{
  PetscInt           n, bs;
  const PetscInt     ncells = p->mesh->ncells;
  const PetscScalar *x;

  PetscFunctionBeginUser;
  PetscCall(VecGetLocalSize(field, &n));
  PetscCall(VecGetBlockSize(field, &bs));
  PetscCheck(bs == ncomp && n == ncells * ncomp, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Cell field %s has local size %" PetscInt_FMT " and block size %" PetscInt_FMT " (block size %" PetscInt_FMT
             " on another rank): need one block of %" PetscInt_FMT " per local cell, %" PetscInt_FMT " values",
             name, n, bs, ncomp, ncomp, ncells * ncomp);
  PetscCall(VecGetArrayRead(field, &x));
#if defined(PETSC_USE_REAL_DOUBLE) && !defined(PETSC_USE_COMPLEX)
  p->cell_values[f]  = (double *)x; /* read only: the adapter writes it out */
  p->cell_lenders[f] = field;
#else
  PetscCall(PetscMalloc1(n, &p->cell_values[f]));
  for (PetscInt i = 0; i < n; ++i)
    p->cell_values[f][i] = PetscRealPart(x[i]);
  PetscCall(VecRestoreArrayRead(field, &x));
#endif
  p->cell_arrays[f] =
      (TwinfeVTKArray){.name = name, .type = TWINFE_VTK_FLOAT64, .ncomponents = ncomp, .values = p->cell_values[f]};
  PetscFunctionReturn(0);
}

/* The point fields of one state: names, local Vecs, components, and which have values on edges
   (any of them makes the state quadratic). */
typedef struct {
  PetscInt           n;
  const char *const *names;
  Vec               *locals;
  PetscInt          *ncomp;
  PetscBool         *on_edges;
  PetscBool          quadratic;
} PointFields;

static PetscErrorCode PieceBuild(const Topology *mesh, const PointFields *pf, PetscInt ncell, const char *const cell_names[],
                                 const Vec cell_fields[], const PetscInt cell_ncomp[], Piece *p)
{
  const PetscInt npoint = pf->n;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(TWINFE_RESULTS_FIELDS, 0, 0, 0, 0));
  p->mesh      = mesh;
  p->quadratic = pf->quadratic;
  p->npoints   = mesh->nvertices + (pf->quadratic ? mesh->quadratic.nedges : 0);
  PetscCall(PetscCalloc2(npoint, &p->point_values, npoint, &p->point_arrays));
  PetscCall(PetscCalloc3(ncell, &p->cell_values, ncell, &p->cell_lenders, ncell + 2, &p->cell_arrays));
  p->npoint = npoint;
  p->ncell  = ncell;
  for (PetscInt f = 0; f < npoint; ++f)
    PetscCall(PieceSetPointField(pf->locals[f], pf->names[f], pf->ncomp[f], pf->on_edges[f], p, f));
  for (PetscInt f = 0; f < ncell; ++f)
    PetscCall(PieceSetCellField(cell_fields[f], cell_names[f], cell_ncomp[f], p, f));
  p->cell_arrays[ncell] = (TwinfeVTKArray){.name = "region", .type = TWINFE_VTK_INT32, .ncomponents = 1, .values = mesh->region};
  p->cell_arrays[ncell + 1] = (TwinfeVTKArray){.name = "rank", .type = TWINFE_VTK_INT32, .ncomponents = 1, .values = mesh->rank};
  PetscCall(PetscLogEventEnd(TWINFE_RESULTS_FIELDS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The piece as the plain arrays both writers take: its points, cells and every array. */
static TwinfeVTKGrid PieceGrid(const Piece *p, TwinfeResultsCompression compression)
{
  return (TwinfeVTKGrid){.npoints        = p->npoints,
                         .xyz            = p->quadratic ? p->mesh->quadratic.xyz : p->mesh->xyz,
                         .ncells         = p->mesh->ncells,
                         .cell_type      = p->quadratic ? TWINFE_VTK_QUADRATIC_TETRA : TWINFE_VTK_TETRA,
                         .nodes_per_cell = p->quadratic ? 10 : 4,
                         .connectivity   = p->quadratic ? p->mesh->quadratic.cells : p->mesh->tets,
                         .npoint_arrays  = p->npoint,
                         .point_arrays   = p->point_arrays,
                         .ncell_arrays   = p->ncell + 2,
                         .cell_arrays    = p->cell_arrays,
                         .compression    = compression == TWINFE_RESULTS_COMPRESSION_NONE  ? TWINFE_VTK_UNCOMPRESSED
                                           : compression == TWINFE_RESULTS_COMPRESSION_LZ4 ? TWINFE_VTK_LZ4
                                                                                           : TWINFE_VTK_ZLIB};
}

/* Write this rank's piece to path (through path.tmp). VTK failures come back in ok/message
   rather than as an error so that the caller can agree with the other ranks first. */
static PetscErrorCode PieceWrite(const Piece *p, TwinfeResultsCompression compression, const char path[], PetscBool *ok,
                                 char message[])
{
  char                tmp[PETSC_MAX_PATH_LEN];
  const TwinfeVTKGrid grid = PieceGrid(p, compression);

  PetscFunctionBeginUser;
  PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
  PetscCall(PetscLogEventBegin(TWINFE_RESULTS_VTK, 0, 0, 0, 0));
  PetscCall(TwinfeVTKWriteUnstructuredGrid(&grid, tmp, ok, message));
  PetscCall(PetscLogEventEnd(TWINFE_RESULTS_VTK, 0, 0, 0, 0));
  if (!*ok) {
    char reason[TWINFE_VTK_MESSAGE_LEN];
    (void)remove(tmp);
    PetscCall(PetscStrncpy(reason, message, sizeof reason));
    PetscCall(PetscSNPrintf(message, TWINFE_VTK_MESSAGE_LEN, "Cannot write %s: %s", path, reason));
    PetscFunctionReturn(0);
  }
  if (rename(tmp, path) != 0) {
    (void)remove(tmp);
    *ok = PETSC_FALSE;
    PetscCall(PetscSNPrintf(message, TWINFE_VTK_MESSAGE_LEN, "Cannot rename %s to %s", tmp, path));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- rank 0: .pvtu and .pvd text */

static const char *ByteOrder(void)
{
  const uint16_t one = 1;
  return *(const unsigned char *)&one ? "LittleEndian" : "BigEndian";
}

static PetscErrorCode EmitPDataArrays(FILE *fp, PetscInt n, const TwinfeVTKArray arrays[])
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < n; ++a) {
    fprintf(fp, "      <PDataArray type=\"%s\" Name=\"", arrays[a].type == TWINFE_VTK_FLOAT64 ? "Float64" : "Int32");
    PetscCall(TwinfeIOWriteXMLEscaped(fp, arrays[a].name));
    fprintf(fp, "\" NumberOfComponents=\"%" PetscInt_FMT "\"/>\n", arrays[a].ncomponents);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitSummary(FILE *fp, void *ctx)
{
  const SummaryContext *s = (const SummaryContext *)ctx;

  PetscFunctionBeginUser;
  fprintf(fp, "<?xml version=\"1.0\"?>\n");
  fprintf(fp, "<VTKFile type=\"PUnstructuredGrid\" version=\"1.0\" byte_order=\"%s\" header_type=\"UInt64\">\n", ByteOrder());
  fprintf(fp, "  <PUnstructuredGrid GhostLevel=\"0\">\n");
  fprintf(fp, "    <PPointData>\n");
  PetscCall(EmitPDataArrays(fp, s->npoint_arrays, s->point_arrays));
  fprintf(fp, "    </PPointData>\n    <PCellData>\n");
  PetscCall(EmitPDataArrays(fp, s->ncell_arrays, s->cell_arrays));
  fprintf(fp, "    </PCellData>\n");
  fprintf(fp, "    <PPoints>\n      <PDataArray type=\"Float64\" Name=\"Points\" NumberOfComponents=\"3\"/>\n"
              "    </PPoints>\n");
  for (PetscInt r = 0; r < s->nranks; ++r) {
    fprintf(fp, "    <Piece Source=\"");
    PetscCall(TwinfeIOWriteXMLEscaped(fp, s->state));
    fprintf(fp, "/");
    PetscCall(TwinfeIOWriteXMLEscaped(fp, s->state));
    fprintf(fp, "_%" PetscInt_FMT ".vtu\"/>\n", r);
  }
  fprintf(fp, "  </PUnstructuredGrid>\n</VTKFile>\n");
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt           n;
  const char *const *files;
  const PetscReal   *times;
} Collection;

static PetscErrorCode EmitCollection(FILE *fp, void *ctx)
{
  const Collection *c = (const Collection *)ctx;

  PetscFunctionBeginUser;
  fprintf(fp, "<?xml version=\"1.0\"?>\n");
  fprintf(fp, "<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"%s\">\n  <Collection>\n", ByteOrder());
  for (PetscInt s = 0; s < c->n; ++s) {
    fprintf(fp, "    <DataSet timestep=\"%.17g\" group=\"\" part=\"0\" file=\"", (double)c->times[s]);
    PetscCall(TwinfeIOWriteXMLEscaped(fp, c->files[s]));
    fprintf(fp, "\"/>\n");
  }
  fprintf(fp, "  </Collection>\n</VTKFile>\n");
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeWritePVD(const char path[], PetscInt n, const char *const files[], const PetscReal times[])
{
  Collection c = {n, files, times};

  PetscFunctionBeginUser;
  PetscCall(TwinfeIOWriteTextFile(path, EmitCollection, &c));
  PetscFunctionReturn(0);
}

static PetscErrorCode PathIn(TwinfeResults r, const char relative[], char path[])
{
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, PETSC_MAX_PATH_LEN, "%s/%s", r->dir, relative));
  PetscFunctionReturn(0);
}

/* Rank 0's files: the .pvtu summary (several ranks) and the .pvd. */
static PetscErrorCode WriteRankZeroFiles(TwinfeResults r, SummaryContext *summary, const char state_file[])
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  if (summary->nranks > 1) {
    PetscCall(PathIn(r, state_file, path));
    PetscCall(TwinfeIOWriteTextFile(path, EmitSummary, summary));
  }
  PetscCall(PathIn(r, r->files[0], path));
  PetscCall(TwinfeWritePVD(path, r->nstates, (const char *const *)(r->files + 1), r->times));
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendState(TwinfeResults r, PetscReal time, const char state_file[])
{
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(r->comm, &size));
  if (r->nstates == r->capacity) {
    r->capacity *= 2;
    PetscCall(PetscRealloc(sizeof(PetscReal) * r->capacity, &r->times));
    PetscCall(PetscRealloc(sizeof(PetscMPIInt) * r->capacity, &r->pieces));
    PetscCall(PetscRealloc(sizeof(char *) * (r->capacity + 1), &r->files));
  }
  r->times[r->nstates]  = time;
  r->pieces[r->nstates] = size;
  PetscCall(PetscStrallocpy(state_file, &r->files[1 + r->nstates]));
  r->nstates++;
  PetscFunctionReturn(0);
}

/* Whether any rank failed: collective, so that all ranks raise an error together. */
static PetscErrorCode AnyRankFailed(MPI_Comm comm, PetscBool failed, PetscBool *any)
{
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(&failed, any, 1, MPIU_BOOL, MPI_LOR, comm));
  PetscFunctionReturn(0);
}

/* Raise this rank's own failure (error code or VTK message), or name the step another rank
   failed in. Not collective. */
static PetscErrorCode RaiseFailure(PetscErrorCode ierr, PetscBool ok, const char message[], const char what[])
{
  PetscFunctionBeginUser;
  PetscCall(ierr);
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s", message);
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "%s failed on another rank (see its message)", what);
}

static PetscErrorCode GetLocalPointFields(PetscInt n, const Vec fields[], Vec locals[])
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < n; ++f) {
    DM fdm;
    PetscCall(VecGetDM(fields[f], &fdm));
    PetscCall(DMGetLocalVector(fdm, &locals[f]));
    PetscCall(VecZeroEntries(locals[f])); /* constrained dofs are not set by DMGlobalToLocal */
    PetscCall(DMGlobalToLocal(fdm, fields[f], INSERT_VALUES, locals[f]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RestoreLocalPointFields(PetscInt n, const Vec fields[], Vec locals[])
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < n; ++f) {
    DM fdm;
    PetscCall(VecGetDM(fields[f], &fdm));
    PetscCall(DMRestoreLocalVector(fdm, &locals[f]));
  }
  PetscFunctionReturn(0);
}

/* The piece of this rank, relative to dir; on several ranks rank 0 creates DIR/STATE/ first. */
static PetscErrorCode PreparePieceFile(TwinfeResults r, const char state[], const char state_file[], char piece_file[])
{
  PetscMPIInt    rank, size;
  PetscErrorCode ierr = 0;
  PetscBool      any;
  char           folder[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  PetscCallMPI(MPI_Comm_size(r->comm, &size));
  if (size == 1) {
    PetscCall(PetscStrncpy(piece_file, state_file, PETSC_MAX_PATH_LEN));
    PetscFunctionReturn(0);
  }
  PetscCall(PathIn(r, state, folder));
  if (rank == 0) ierr = TwinfeIOMakeFolder(folder);
  PetscCall(AnyRankFailed(r->comm, ierr ? PETSC_TRUE : PETSC_FALSE, &any));
  if (any) PetscCall(RaiseFailure(ierr, PETSC_TRUE, "", "Creating the piece folder"));
  PetscCall(PiecePath(state, rank, piece_file));
  PetscFunctionReturn(0);
}

static PetscErrorCode DropLastState(TwinfeResults r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->files[r->nstates]));
  r->nstates--;
  PetscFunctionReturn(0);
}

/* The XDMF format's part of a state, collective: every rank's piece into the one .h5 (the
   mesh's "region" and "rank" with the mesh), then the index. */
static PetscErrorCode WriteXDMFState(TwinfeResults r, PetscReal time, DM dm, const char state[], const Piece *p)
{
  const Topology *t    = p->mesh;
  TwinfeVTKGrid   grid = PieceGrid(p, r->compression);
  TwinfeXDMFMesh  mesh = {.dm             = dm,
                          .vStart         = t->vStart,
                          .nvertices      = t->nvertices,
                          .eStart         = t->quadratic.eStart,
                          .quadratic      = p->quadratic,
                          .dm_id          = t->dm_id,
                          .coordinates_id = t->coordinates_id,
                          .cell_sets_id   = t->cell_sets_id,
                          .narrays        = 2,
                          .arrays         = &p->cell_arrays[p->ncell]};

  PetscFunctionBeginUser;
  grid.ncell_arrays = p->ncell;
  PetscCall(TwinfeXDMFWriteState(r->xdmf, state, time, &mesh, &grid));
  PetscFunctionReturn(0);
}

/*@C
  TwinfeResultsWriteState - Write one state of the series and rewrite the .pvd (or the .xdmf).

  Collective on results and dm

  Input Parameters:
+ results     - the series
. time        - time value of the state (s); must increase from state to state
. dm          - a DMPLEX of tetrahedra in 3-D with a "Cell Sets" label, possibly distributed
. npoint      - number of point fields
. point_names - their array names, e.g. "displacement"
. point_fields- global Vecs on DMs cloned from dm whose sections have the same number of dofs
                (the components) on every vertex, and none elsewhere or as many on every
                edge (P2). Constrained dofs are written as the local Vec holds them (zero
                unless the section has none)
. ncell       - number of cell fields
. cell_names  - their array names
- cell_fields - Vecs with block size = components and one block per local cell in
                cStart..cEnd order

  Notes: each rank writes its local vertices (ghosts included) and its cells cStart..cEnd;
  cell arrays "region" ("Cell Sets" value, -1 if none) and "rank" are always written. When a
  point field has values on edges, the cells are quadratic tetrahedra with a point at each
  local edge's midpoint (docs/outputs.md), else linear tetrahedra as before. With the XDMF
  format the same points and values go into BASENAME.h5, each shared vertex or edge once (by
  the rank that owns it), the mesh once while it stays the same.
@*/
PetscErrorCode TwinfeResultsWriteState(TwinfeResults results, PetscReal time, DM dm, PetscInt npoint,
                                       const char *const point_names[], const Vec point_fields[], PetscInt ncell,
                                       const char *const cell_names[], const Vec cell_fields[])
{
  MPI_Comm       comm;
  PetscMPIInt    rank, size;
  PetscInt      *point_ncomp, *cell_ncomp;
  PetscBool     *on_edges;
  Vec           *point_locals;
  PointFields    pf;
  Piece          piece = {0};
  SummaryContext summary;
  PetscErrorCode ierr;
  PetscBool      ok                              = PETSC_TRUE, any, xdmf;
  char           message[TWINFE_VTK_MESSAGE_LEN] = "", state[PETSC_MAX_PATH_LEN], state_file[PETSC_MAX_PATH_LEN];
  char           piece_file[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN] = "";
  const char    *h5;

  PetscFunctionBeginUser;
  PetscCheck(results, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "TwinfeResultsWriteState: results is NULL");
  comm = results->comm;
  xdmf = results->format == TWINFE_RESULTS_FORMAT_XDMF ? PETSC_TRUE : PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(CheckMesh(dm));
  PetscCheck(!PetscIsInfOrNanReal(time), comm, PETSC_ERR_ARG_OUTOFRANGE, "TwinfeResultsWriteState: time is not finite");
  PetscCheck(results->nstates == 0 || time > results->times[results->nstates - 1], comm, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeResultsWriteState: time %g does not follow the previous state's %g: ParaView needs increasing "
             "times",
             (double)time, (double)results->times[results->nstates - 1]);
  PetscCall(CheckNames(comm, npoint, point_names, point_fields, "Point"));
  PetscCall(CheckNames(comm, ncell, cell_names, cell_fields, "Cell"));
  PetscCall(StateName(results->basename, results->nstates, state));
  PetscCall(PetscSNPrintf(state_file, sizeof state_file, "%s.%s", state, size > 1 ? "pvtu" : "vtu"));
  if (xdmf) PetscCall(TwinfeXDMFGetFileNames(results->xdmf, &h5, NULL));
  if (xdmf) PetscCall(PetscStrncpy(state_file, h5, sizeof state_file));

  /* Collective part first, identical on every rank, so that a local failure cannot hang it. */
  PetscCall(PetscMalloc4(npoint, &point_ncomp, ncell, &cell_ncomp, npoint, &point_locals, npoint, &on_edges));
  ierr = PointFieldComponents(dm, npoint, point_names, point_fields, point_ncomp, on_edges);
  if (ierr) PetscCall(PetscFree4(point_ncomp, cell_ncomp, point_locals, on_edges));
  PetscCall(ierr);
  pf = (PointFields){.n = npoint, .names = point_names, .locals = point_locals, .ncomp = point_ncomp, .on_edges = on_edges};
  for (PetscInt f = 0; f < npoint; ++f)
    if (on_edges[f]) pf.quadratic = PETSC_TRUE;
  PetscCall(CellFieldComponents(dm, ncell, cell_fields, cell_ncomp));
  PetscCall(GetLocalPointFields(npoint, point_fields, point_locals));
  if (!xdmf) PetscCall(PreparePieceFile(results, state, state_file, piece_file));
  if (!xdmf) PetscCall(PathIn(results, piece_file, path));

  /* Local part: build and write this rank's piece; failures are held until all ranks know. */
  ierr = TopologyGet(dm, &results->topology);
  if (!ierr && pf.quadratic) ierr = QuadraticTopologyGet(dm, &results->topology);
  if (!ierr) ierr = PieceBuild(&results->topology, &pf, ncell, cell_names, cell_fields, cell_ncomp, &piece);
  if (!ierr && !xdmf) ierr = PieceWrite(&piece, results->compression, path, &ok, message);
  PetscCall(RestoreLocalPointFields(npoint, point_fields, point_locals));
  PetscCall(AnyRankFailed(comm, (ierr || !ok) ? PETSC_TRUE : PETSC_FALSE, &any));
  if (any) {
    if (!ierr && ok && !xdmf) (void)remove(path); /* no pieces of a state that is not complete */
    PetscCall(PieceDestroy(&piece));
    PetscCall(PetscFree4(point_ncomp, cell_ncomp, point_locals, on_edges));
    PetscCall(RaiseFailure(ierr, ok, message, "Writing a piece"));
  }
  if (xdmf) { /* collective from here: the ranks' pieces go into the one file together */
    ierr = WriteXDMFState(results, time, dm, state, &piece);
    PetscCall(PieceDestroy(&piece));
    PetscCall(PetscFree4(point_ncomp, cell_ncomp, point_locals, on_edges));
    TwinfeReturnFreedMemory_Private();
    PetscCall(ierr);
    PetscCall(AppendState(results, time, state_file));
    PetscFunctionReturn(0);
  }

  /* Rank 0: the summary (array names and components are the same in every piece) and .pvd. */
  summary = (SummaryContext){.point_arrays  = piece.point_arrays,
                             .npoint_arrays = npoint,
                             .cell_arrays   = piece.cell_arrays,
                             .ncell_arrays  = ncell + 2,
                             .nranks        = size,
                             .state         = state};
  PetscCall(AppendState(results, time, state_file));
  ierr = rank == 0 ? WriteRankZeroFiles(results, &summary, state_file) : 0;
  PetscCall(PieceDestroy(&piece));
  PetscCall(PetscFree4(point_ncomp, cell_ncomp, point_locals, on_edges));
  TwinfeReturnFreedMemory_Private(); /* the piece's arrays: 400 MB at 1.93M cells of elasticity */
  PetscCall(AnyRankFailed(comm, ierr ? PETSC_TRUE : PETSC_FALSE, &any));
  if (any) {
    PetscCall(DropLastState(results));
    PetscCall(RaiseFailure(ierr, PETSC_TRUE, "", "Writing the .pvtu and .pvd"));
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- restarts (io/checkpoint.c) */

PetscErrorCode TwinfeResultsGetState_Private(TwinfeResults r, PetscInt s, PetscReal *time, const char **file, PetscMPIInt *pieces)
{
  PetscFunctionBeginUser;
  PetscCheck(s >= 0 && s < r->nstates, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "state %" PetscInt_FMT " of %" PetscInt_FMT, s,
             r->nstates);
  *time   = r->times[s];
  *file   = r->files[1 + s];
  *pieces = r->pieces[s];
  PetscFunctionReturn(0);
}

/* The state keeps its own number of pieces: GetWrittenPaths lists them as that run wrote them. */
PetscErrorCode TwinfeResultsAdoptState_Private(TwinfeResults r, PetscReal time, const char file[], PetscMPIInt pieces)
{
  char expected[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  if (r->format == TWINFE_RESULTS_FORMAT_XDMF) { /* every state is in the one .h5 */
    const char *h5;
    PetscCall(TwinfeXDMFGetFileNames(r->xdmf, &h5, NULL));
    PetscCheck(!strcmp(file, h5), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "a restarted series' state %" PetscInt_FMT " is in %s, expected %s", r->nstates, file, h5);
  } else {
    PetscCall(StateName(r->basename, r->nstates, expected));
    PetscCheck(!strncmp(file, expected, strlen(expected)) && (file[strlen(expected)] == '.'), r->comm, PETSC_ERR_FILE_UNEXPECTED,
               "a restarted series' state %" PetscInt_FMT " is %s, expected %s.vtu or .pvtu", r->nstates, file, expected);
  }
  PetscCheck(r->nstates == 0 || time > r->times[r->nstates - 1], r->comm, PETSC_ERR_FILE_UNEXPECTED,
             "a restarted series' state %s at %g does not follow %g", file, (double)time, (double)r->times[r->nstates - 1]);
  PetscCall(AppendState(r, time, file));
  r->pieces[r->nstates - 1] = pieces;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsGetXDMF_Private(TwinfeResults r, TwinfeXDMF *xdmf)
{
  PetscFunctionBeginUser;
  *xdmf = r->format == TWINFE_RESULTS_FORMAT_XDMF ? r->xdmf : NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeResultsGetFolder_Private(TwinfeResults r, const char **dir, const char **basename)
{
  PetscFunctionBeginUser;
  if (dir) *dir = r->dir;
  if (basename) *basename = r->basename;
  PetscFunctionReturn(0);
}
