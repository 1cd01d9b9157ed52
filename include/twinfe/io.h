/* libtwinfe io stage: files for ParaView, 3D printing and the record of a run.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every file is written to a temporary name beside its target and renamed when complete,
 * so a crash never leaves half a file. */
#pragma once
#include <petscdmplex.h>
#include <twinfe/mesh.h>

/*@
  TwinfeWritePVD - Writes a ParaView collection (.pvd) of files at times.

  Not collective

  Input Parameters:
+ path  - the .pvd file
. n     - number of files
. files - the files, relative to the folder of path
- times - the time of each file

  Notes:
  A ParaView collection (.pvd) at path listing n files (relative to its folder), file s at time
  times[s]: what a TwinfeResults series writes, and twinfe rehearse's comparisons over its steps.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWritePVD(const char path[], PetscInt n, const char *const files[], const PetscReal times[]);

/* A time series for ParaView: DIR/BASENAME.pvd over one .vtu per state on one rank, or a
   .pvtu with one .vtu piece per rank on several; or (TWINFE_RESULTS_FORMAT_XDMF) one
   DIR/BASENAME.h5 that all ranks write, indexed by DIR/BASENAME.xdmf. */
typedef struct _p_TwinfeResults *TwinfeResults;

/*@
  TwinfeResultsCreate - Creates a results series for ParaView.

  Collective

  Input Parameters:
+ comm     - MPI communicator
. dir      - existing folder of the series
- basename - name of the series' files

  Output Parameter:
. results - the new results series

  Notes:
  A time series for ParaView: DIR/BASENAME.pvd over one .vtu per state on one rank, or a
  .pvtu with one .vtu piece per rank on several; or (TWINFE_RESULTS_FORMAT_XDMF) one
  DIR/BASENAME.h5 that all ranks write, indexed by DIR/BASENAME.xdmf.
  Collective. dir must exist.

  Level: intermediate

.seealso: TwinfeResultsDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsCreate(MPI_Comm comm, const char dir[], const char basename[], TwinfeResults *results);

/*@
  TwinfeResultsDestroy - Destroys a results series.

  Collective

  Input Parameter:
. results - the results series, set to NULL

  Level: intermediate

.seealso: TwinfeResultsCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsDestroy(TwinfeResults *results);

/*@
  TwinfeResultsWriteState - Writes one state of the series and rewrites the .pvd.

  Collective

  Input Parameters:
+ results      - the results series
. time         - the state's time
. dm           - the distributed mesh the fields live on
. npoint       - number of point fields
. point_names  - their names
. point_fields - global vectors of the point fields
. ncell        - number of cell fields
. cell_names   - their names
- cell_fields  - vectors of the cell fields

  Notes:
  Write one state at a time value and (re)write the .pvd.
  Point fields: global Vecs on DMs cloned from dm whose sections have the same number of dofs
  (the components) on every vertex, and either none elsewhere (a vertex field) or as many on
  every edge too (a P2 field: its values at the edge midpoints); cell fields: Vecs with block
  size = components and one block per local cell of dm in cStart..cEnd order. When no point
  field has edge values, the cells are VTK tetrahedra over the vertices. When any has, the
  state is written as VTK quadratic tetrahedra (VTK_QUADRATIC_TETRA, 10 points: the vertices,
  then the midpoints of the edges 01 12 02 03 13 23) over the vertices and one point per edge
  at its midpoint, so ParaView interpolates the P2 fields quadratically; the vertex fields of
  such a state get the mean of their two vertex values at each midpoint (their linear
  interpolant, exactly). dm must then be interpolated (have edges). The "Cell Sets" value of
  each cell is always written as cell array "region" (-1 for a cell in no set), and the
  writing rank as cell array "rank". Times must increase from state to state.
  The points, cells, "region" and "rank" are built on the first state and reused by later
  states on the same dm: they are rebuilt when another DM, another coordinate Vec
  (DMSetCoordinates) or another "Cell Sets" label is passed, but changes made in place to
  the same coordinate Vec or label between states are not seen.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsWriteState(TwinfeResults results, PetscReal time, DM dm, PetscInt npoint,
                                                    const char *const point_names[], const Vec point_fields[], PetscInt ncell,
                                                    const char *const cell_names[], const Vec cell_fields[]);

/*@
  TwinfeResultsReleaseMesh - Frees the mesh arrays kept for the next state.

  Not collective

  Input Parameter:
. results - the results series

  Notes:
  Frees the mesh arrays kept for the next state (points, cells, "region", "rank": 54 MB at 1.93M
  tets on one rank): a caller about to need the memory (a solve) calls it; the next state builds
  them again.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsReleaseMesh(TwinfeResults results);
/* How the binary arrays inside each .vtu are compressed (vtkXMLWriter's compressors; VTK 9.1's
   and ParaView 5's readers read all three). Option -results_compression none|lz4|zlib, read by
   TwinfeResultsCreate(); the default is TWINFE_RESULTS_COMPRESSION_LZ4 (measured on a 1M-tet
   case: 3x faster than zlib for files 1.25x larger). */
typedef enum {
  TWINFE_RESULTS_COMPRESSION_NONE,
  TWINFE_RESULTS_COMPRESSION_LZ4,
  TWINFE_RESULTS_COMPRESSION_ZLIB
} TwinfeResultsCompression;

/*@
  TwinfeResultsCompressionGetName - Returns the name of a TwinfeResultsCompression value as -results_compression gives it.

  Not collective

  Input Parameter:
. compression - the compression

  Output Parameter:
. name - its name ("none", "lz4" or "zlib"), a string of the library (do not free)

  Notes:
  A value outside the enum is refused.

  Level: intermediate

.seealso: TwinfeResultsSetCompression(), TwinfeResultsGetCompression()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsCompressionGetName(TwinfeResultsCompression compression, const char **name);

/*@
  TwinfeResultsSetCompression - Sets the compression of the states written from now on.

  Collective (give the same value everywhere)

  Input Parameters:
+ results     - the results series
- compression - the compression

  Level: intermediate

.seealso: TwinfeResultsGetCompression()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsSetCompression(TwinfeResults results, TwinfeResultsCompression compression);

/*@
  TwinfeResultsGetCompression - Returns the compression of the states written.

  Not collective

  Input Parameter:
. results - the results series

  Output Parameter:
. compression - the compression

  Level: intermediate

.seealso: TwinfeResultsSetCompression()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsGetCompression(TwinfeResults results, TwinfeResultsCompression *compression);
/* Which files a series writes. Option -results_format vtu|xdmf, read by TwinfeResultsCreate();
   the default is TWINFE_RESULTS_FORMAT_VTU. TWINFE_RESULTS_FORMAT_XDMF writes BASENAME.h5 through
   PETSc's HDF5 viewer, collectively: /mesh_K/geometry (points x 3, mm), /mesh_K/topology (cells x
   4, or x 10 for quadratic cells in VTK's node order), /mesh_K/region and /mesh_K/rank once per
   mesh, and each state's fields in the group /BASENAME_NNNN; a vertex or edge shared by ranks is
   one point. Rank 0 writes BASENAME.xdmf (XDMF 3: a temporal collection of one grid per state),
   which ParaView opens. The points, cells and values are those of the .vtu; the
   -results_compression applies to .vtu only. Set before the first state. Collective. */
typedef enum { TWINFE_RESULTS_FORMAT_VTU, TWINFE_RESULTS_FORMAT_XDMF } TwinfeResultsFormat;

/*@
  TwinfeResultsFormatGetName - Returns the name of a TwinfeResultsFormat value as -results_format gives it.

  Not collective

  Input Parameter:
. format - the format

  Output Parameter:
. name - its name ("vtu" or "xdmf"), a string of the library (do not free)

  Notes:
  A value outside the enum is refused.

  Level: intermediate

.seealso: TwinfeResultsSetFormat(), TwinfeResultsGetFormat()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsFormatGetName(TwinfeResultsFormat format, const char **name);

/*@
  TwinfeResultsSetFormat - Sets which files the series writes, .vtu or XDMF.

  Collective

  Input Parameters:
+ results - the results series
- format  - the format

  Notes:
  Which files a series writes. Option -results_format vtu|xdmf, read by TwinfeResultsCreate();
  the default is TWINFE_RESULTS_FORMAT_VTU. TWINFE_RESULTS_FORMAT_XDMF writes BASENAME.h5 through
  PETSc's HDF5 viewer, collectively: /mesh_K/geometry (points x 3, mm), /mesh_K/topology (cells x
  4, or x 10 for quadratic cells in VTK's node order), /mesh_K/region and /mesh_K/rank once per
  mesh, and each state's fields in the group /BASENAME_NNNN; a vertex or edge shared by ranks is
  one point. Rank 0 writes BASENAME.xdmf (XDMF 3: a temporal collection of one grid per state),
  which ParaView opens. The points, cells and values are those of the .vtu; the
  -results_compression applies to .vtu only. Set before the first state. Collective.

  Level: intermediate

.seealso: TwinfeResultsGetFormat(), TwinfeResultsCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsSetFormat(TwinfeResults results, TwinfeResultsFormat format);

/*@
  TwinfeResultsGetFormat - Returns which files the series writes.

  Not collective

  Input Parameter:
. results - the results series

  Output Parameter:
. format - the format

  Level: intermediate

.seealso: TwinfeResultsSetFormat()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsGetFormat(TwinfeResults results, TwinfeResultsFormat *format);

/*@
  TwinfeResultsGetFiles - Returns the paths of what was written.

  Not collective

  Input Parameter:
. results - the results series

  Output Parameters:
+ nfiles - number of files
- files  - their paths, relative to dir (lent)

  Notes:
  Paths of what was written (relative to dir), lent: the .pvd and every state file (with the
  XDMF format: the .xdmf, and the .h5 once per state).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsGetFiles(TwinfeResults results, PetscInt *nfiles, const char *const **files);

/*@
  TwinfeResultsGetWrittenPaths - Returns every file and folder written so far, the same on every rank.

  Collective

  Input Parameter:
. results - the results series

  Output Parameter:
. paths - NULL-terminated paths (PetscStrArrayDestroy() it)

  Notes:
  Every file and folder written so far, relative to dir, the same on every rank: the .pvd, then
  per state its .vtu (one rank), or its .pvtu, the folder of its pieces (with a trailing '/')
  and every rank's piece (with the XDMF format: the .xdmf and the .h5). What a caller lists as its own, to remove exactly
  these
  later. *paths is NULL-terminated; free it with PetscStrArrayDestroy().

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsGetWrittenPaths(TwinfeResults results, char ***paths);

/*@
  TwinfeResultsWriteSideFile - Writes a file of its own beside the series.

  Collective

  Input Parameters:
+ results - the results series
. name    - a plain file name
. emit    - writes the file's content to fp
- ctx     - context handed to emit

  Notes:
  A file of its own beside the series (a table over the states, e.g. flow_caps.csv): rank 0
  writes DIR/name through a temporary name with emit(fp, ctx); written again, it replaces the
  series' own earlier version. Listed by TwinfeResultsGetWrittenPaths after the states.
  name: a plain file name, not one of the series'.

  Level: intermediate

.seealso: TwinfeResultsGetWrittenPaths()
@*/
PETSC_EXTERN PetscErrorCode TwinfeResultsWriteSideFile(TwinfeResults results, const char                  name[],
                                                       PetscErrorCode (*emit)(FILE *fp, void *ctx), void *ctx);

/*@
  TwinfeMeshWriteVTU - Writes a serial mesh as .vtu, with its facets in a second file.

  Not collective

  Input Parameters:
+ mesh - the mesh
- path - the .vtu file

  Notes:
  A serial mesh as .vtu with cell array "region" (and a second unstructured grid of the
  facets with cell array "tag" in PATH without .vtu + "_facets.vtu").

  Level: beginner
@*/
PETSC_EXTERN PetscErrorCode TwinfeMeshWriteVTU(TwinfeMesh mesh, const char path[]);

/*@
  TwinfeWriteSTL - Writes a triangle list as binary STL.

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
- path       - the .stl file

  Notes:
  Binary STL of a triangle list (mm).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWriteSTL(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles, const PetscInt tri[],
                                           const char path[]);

/*@
  TwinfeWriteSurfaceVTP - Writes a triangle list with vertex fields as VTK polydata (.vtp).

  Not collective

  Input Parameters:
+ nvertices  - number of vertices
. xyz        - vertex coordinates (mm, LPS), three per vertex
. ntriangles - number of triangles
. tri        - three vertex indices per triangle
. nfields    - number of fields (at most 16)
. names      - their names
. values     - nvertices values of each
- path       - the .vtp file

  Notes:
  A triangle list with scalar fields on its vertices (at most 16) as a VTK polydata file (.vtp),
  for ParaView to colour by them.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWriteSurfaceVTP(PetscInt nvertices, const PetscReal xyz[], PetscInt ntriangles,
                                                  const PetscInt tri[], PetscInt nfields, const char *const names[],
                                                  const PetscReal *const values[], const char path[]);
/* 3MF (lib3mf) for multi-material printers: one named mesh object per part, each with a base
   material of the part's name and display colour (sRGB), in mm. Not collective. */
typedef struct {
  const char      *name;
  unsigned char    rgb[3];
  PetscInt         nvertices, ntriangles;
  const PetscReal *xyz; /* 3 per vertex, mm */
  const PetscInt  *tri; /* 3 per triangle, outward winding */
} TwinfeThreeMFPart;

/*@
  TwinfeWrite3MF - Writes parts as a 3MF file for multi-material printers.

  Not collective

  Input Parameters:
+ nparts - number of parts
. parts  - the parts
- path   - the .3mf file

  Notes:
  3MF (lib3mf) for multi-material printers: one named mesh object per part, each with a base
  material of the part's name and display colour (sRGB), in mm.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeWrite3MF(PetscInt nparts, const TwinfeThreeMFPart parts[], const char path[]);
/* What lib3mf reads back from a 3MF file, object by object (at most max filled; *nobjects counts
   all): for checks. Not collective. */
typedef struct {
  char          name[256];
  unsigned char rgb[3], alpha; /* alpha 255: opaque */
  PetscBool     has_color;
  PetscInt      nvertices, ntriangles;
} TwinfeThreeMFObject;

/*@
  TwinfeRead3MFObjects - Reads back the objects of a 3MF file, for checks.

  Not collective

  Input Parameters:
+ path - the .3mf file
- max  - room in objects[]

  Output Parameters:
+ nobjects - number of objects in the file
- objects  - the first max objects

  Notes:
  What lib3mf reads back from a 3MF file, object by object (at most max filled; *nobjects counts
  all): for checks.

  Level: developer
@*/
PETSC_EXTERN PetscErrorCode TwinfeRead3MFObjects(const char path[], PetscInt max, PetscInt *nobjects,
                                                 TwinfeThreeMFObject objects[]);

/* report.json: an ordered JSON document built by dotted keys ("mesh.min_gamma" makes the
   object "mesh" with member "min_gamma"). Values are written in insertion order. A part
   name[i] is item i of the list "name": "regions[2].volume_mm3" sets member volume_mm3 of the
   object that is item 2 of the list "regions", and "tags[0]" sets item 0 itself. Items are
   added in order: index n of a list of n items appends one, a larger index is refused; an
   existing item is replaced in place. */
typedef struct _p_TwinfeReport *TwinfeReport;

/*@
  TwinfeReportCreate - Creates an empty report.json document.

  Not collective

  Output Parameter:
. report - the new report

  Notes:
  report.json: an ordered JSON document built by dotted keys ("mesh.min_gamma" makes the
  object "mesh" with member "min_gamma"). Values are written in insertion order. A part
  name[i] is item i of the list "name": "regions[2].volume_mm3" sets member volume_mm3 of the
  object that is item 2 of the list "regions", and "tags[0]" sets item 0 itself. Items are
  added in order: index n of a list of n items appends one, a larger index is refused; an
  existing item is replaced in place.

  Level: intermediate

.seealso: TwinfeReportDestroy()
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportCreate(TwinfeReport *report);

/*@
  TwinfeReportDestroy - Destroys a report.

  Not collective

  Input Parameter:
. report - the report, set to NULL

  Level: intermediate

.seealso: TwinfeReportCreate()
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportDestroy(TwinfeReport *report);

/*@
  TwinfeReportSetString - Sets a string at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
- value  - the string (copied)

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetString(TwinfeReport report, const char key[], const char value[]);

/*@
  TwinfeReportSetReal - Sets a real at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
- value  - the number

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetReal(TwinfeReport report, const char key[], PetscReal value);

/*@
  TwinfeReportSetInt - Sets an integer at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
- value  - the integer

  Level: intermediate

.seealso: TwinfeReportGetInt()
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetInt(TwinfeReport report, const char key[], PetscInt value);

/*@
  TwinfeReportSetIntArray - Sets an array of n integers at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
. n      - number of values
- values - the values

  Notes:
  Written as a JSON array.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetIntArray(TwinfeReport report, const char key[], PetscInt n, const PetscInt values[]);

/*@
  TwinfeReportSetRealArray - Sets an array of n reals at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
. n      - number of values
- values - the values (NaN and infinities become null)

  Notes:
  An array of n reals (written as a JSON array; NaN and infinities as null).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetRealArray(TwinfeReport report, const char key[], PetscInt n, const PetscReal values[]);

/*@
  TwinfeReportSetBool - Sets a boolean at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
- value  - the boolean

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetBool(TwinfeReport report, const char key[], PetscBool value);

/*@
  TwinfeReportSetStringArray - Sets an array of n UTF-8 strings at a key.

  Not collective

  Input Parameters:
+ report - the report
. key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")
. n      - number of strings
- values - the UTF-8 strings (copied)

  Notes:
  An array of n UTF-8 strings, written one per line (a list of files a reader scans, such as
  the manifest). Each string is copied; one that is not valid UTF-8 is refused.

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportSetStringArray(TwinfeReport report, const char key[], PetscInt n,
                                                       const char *const values[]);

/*@
  TwinfeReportGetInt - Returns the integer at a key.

  Not collective

  Input Parameters:
+ report - the report
- key    - dotted key ("mesh.min_gamma", "regions[2].volume_mm3")

  Output Parameters:
+ value - the integer, untouched when not found
- found - whether key holds an integer

  Notes:
  The integer at key (same key syntax); *found is PETSC_FALSE, *value untouched, when key holds
  none (absent, or another kind of value).

  Level: intermediate

.seealso: TwinfeReportSetInt()
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportGetInt(TwinfeReport report, const char key[], PetscInt *value, PetscBool *found);

/*@
  TwinfeReportWrite - Writes the report as indented JSON.

  Not collective: call on one rank

  Input Parameters:
+ report - the report
- path   - the JSON file

  Notes:
  Write as indented JSON (temporary name + rename).

  Level: intermediate
@*/
PETSC_EXTERN PetscErrorCode TwinfeReportWrite(TwinfeReport report, const char path[]);
