/* libtwinfe io stage: a results series as one HDF5 file and an XDMF index (-results_format xdmf).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Layout of DIR/BASENAME.h5, written collectively through PETSc's HDF5 viewer:
 *   /mesh_K/geometry   points x 3 (float64, mm, LPS)       one group per mesh, written once
 *   /mesh_K/topology   cells x 4 or 10 (PetscInt)          indices into geometry, VTK's node order
 *   /mesh_K/region, /mesh_K/rank                            cells (PetscInt)
 *   /BASENAME_NNNN/<field>   points or cells (x components) one group per state
 * The rows of a dataset are the ranks' owned rows one rank after the other: the points a rank
 * owns in the point SF (a vertex or edge shared by ranks is written once), its cells as they are.
 * DIR/BASENAME.xdmf (XDMF 3) lists the states as a temporal collection of grids over these
 * datasets; rank 0 writes it after each state, through a temporary name, so that it never names
 * a dataset that is not complete. */
#include "results_xdmf.h"

#include <jansson.h>
#include <petscdmplex.h>
#include <petscsf.h>
#include <petscviewerhdf5.h>
#include <stdio.h>
#include <string.h>

/* Collective MPI-IO rather than every rank writing its rows on its own: on the CT case on 2 ranks
   (1.12M tets, two states, 356 MB) 5.5 s against 6.2 s, one run each on a loaded host
   (docs/outputs.md). */
#define TWINFE_XDMF_COLLECTIVE PETSC_TRUE

/* One dataset of a grid in the index. */
typedef struct {
  char     *name;
  PetscInt  ncomp;
  PetscBool cell, integer;
} ArrayRecord;

/* A mesh group: global sizes, and the cell arrays it holds. */
typedef struct {
  PetscInt     npoints, ncells, nodes_per_cell;
  PetscInt     narrays;
  ArrayRecord *arrays;
} MeshRecord;

typedef struct {
  char        *group;
  PetscReal    time;
  PetscInt     mesh;
  PetscInt     narrays;
  ArrayRecord *arrays;
} StateRecord;

/* This rank's part of the current mesh's global numbering: global[i] is the row of piece point i
   in /mesh_K/geometry, owned[k] the piece point written as this rank's k-th row. */
typedef struct {
  PetscInt  npoints, nowned;
  PetscInt *global, *owned;
} Numbering;

struct _p_TwinfeXDMF {
  MPI_Comm       comm;
  char           h5_name[PETSC_MAX_PATH_LEN], index_name[PETSC_MAX_PATH_LEN];
  char           h5_path[PETSC_MAX_PATH_LEN], index_path[PETSC_MAX_PATH_LEN];
  PetscBool      started;  /* BASENAME.h5 was created by this series: later states append */
  PetscBool      have_key; /* the last mesh written is the one of key */
  TwinfeXDMFMesh key;      /* its ids and kind (dm and arrays not kept) */
  Numbering      numbering;
  PetscInt       nmeshes, nstates;
  MeshRecord    *meshes;
  StateRecord   *states;
};

static PetscLogEvent TWINFE_RESULTS_HDF5;

static PetscErrorCode RegisterLogEvent(void)
{
  static PetscBool registered = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (registered) PetscFunctionReturn(0);
  PetscCall(PetscLogEventRegister("TwinfeResHDF5Write", PETSC_OBJECT_CLASSID, &TWINFE_RESULTS_HDF5));
  registered = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeXDMFCreate(MPI_Comm comm, const char dir[], const char basename[], TwinfeXDMF *xdmf)
{
  TwinfeXDMF x;

  PetscFunctionBeginUser;
  PetscCall(RegisterLogEvent());
  PetscCall(PetscNew(&x));
  x->comm = comm; /* the series' own duplicate, which outlives this */
  PetscCall(PetscSNPrintf(x->h5_name, sizeof x->h5_name, "%s.h5", basename));
  PetscCall(PetscSNPrintf(x->index_name, sizeof x->index_name, "%s.xdmf", basename));
  PetscCall(PetscSNPrintf(x->h5_path, sizeof x->h5_path, "%s/%s", dir, x->h5_name));
  PetscCall(PetscSNPrintf(x->index_path, sizeof x->index_path, "%s/%s", dir, x->index_name));
  *xdmf = x;
  PetscFunctionReturn(0);
}

static PetscErrorCode ArraysDestroy(PetscInt n, ArrayRecord **arrays)
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < n; ++a)
    PetscCall(PetscFree((*arrays)[a].name));
  PetscCall(PetscFree(*arrays));
  PetscFunctionReturn(0);
}

static PetscErrorCode NumberingReset(Numbering *n)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(n->global, n->owned));
  *n = (Numbering){0};
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeXDMFDestroy(TwinfeXDMF *xdmf)
{
  TwinfeXDMF x;

  PetscFunctionBeginUser;
  if (!xdmf || !*xdmf) PetscFunctionReturn(0);
  x = *xdmf;
  for (PetscInt m = 0; m < x->nmeshes; ++m)
    PetscCall(ArraysDestroy(x->meshes[m].narrays, &x->meshes[m].arrays));
  for (PetscInt s = 0; s < x->nstates; ++s) {
    PetscCall(ArraysDestroy(x->states[s].narrays, &x->states[s].arrays));
    PetscCall(PetscFree(x->states[s].group));
  }
  PetscCall(PetscFree(x->meshes));
  PetscCall(PetscFree(x->states));
  PetscCall(NumberingReset(&x->numbering));
  PetscCall(PetscFree(x));
  *xdmf = NULL;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeXDMFGetFileNames(TwinfeXDMF xdmf, const char **h5, const char **index)
{
  PetscFunctionBeginUser;
  if (h5) *h5 = xdmf->h5_name;
  if (index) *index = xdmf->index_name;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- global numbering of the points */

/* The DMPlex point of piece point i. */
static PetscInt PlexPoint(const TwinfeXDMFMesh *mesh, PetscInt i)
{
  return i < mesh->nvertices ? mesh->vStart + i : mesh->eStart + i - mesh->nvertices;
}

/* Every cell of a piece is written by its rank, so a cell another rank owns (a mesh distributed
   with overlap) would be written twice: refuse it rather than write a mesh with doubled cells. */
static PetscErrorCode CheckNoOverlap(DM dm)
{
  PetscSF         sf;
  PetscInt        nleaves, cStart, cEnd, ghosts = 0;
  const PetscInt *leaves;

  PetscFunctionBeginUser;
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, NULL));
  for (PetscInt l = 0; l < nleaves && nleaves > 0; ++l) {
    const PetscInt p = leaves ? leaves[l] : l;
    if (p >= cStart && p < cEnd) ghosts++;
  }
  PetscCheck(!ghosts, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-results_format xdmf: this rank holds %" PetscInt_FMT " cells another rank owns (a mesh distributed with "
             "overlap); distribute without overlap, or write -results_format vtu",
             ghosts);
  PetscFunctionReturn(0);
}

/* One dof on every piece point, made global over the point SF: a point's offset is its row, the
   same on every rank that holds it (negative, -(row + 1), where another rank owns it). */
static PetscErrorCode NumberPoints(const TwinfeXDMFMesh *mesh, PetscInt npoints, Numbering *n)
{
  PetscSection local, global;
  PetscSF      sf;
  PetscInt     pStart, pEnd, first = 0;

  PetscFunctionBeginUser;
  PetscCall(NumberingReset(n));
  PetscCall(DMPlexGetChart(mesh->dm, &pStart, &pEnd));
  PetscCall(PetscSectionCreate(PetscObjectComm((PetscObject)mesh->dm), &local)); /* its ranks are the global numbering's */
  PetscCall(PetscSectionSetChart(local, pStart, pEnd));
  for (PetscInt i = 0; i < npoints; ++i)
    PetscCall(PetscSectionSetDof(local, PlexPoint(mesh, i), 1));
  PetscCall(PetscSectionSetUp(local));
  PetscCall(DMGetPointSF(mesh->dm, &sf));
  PetscCall(PetscSectionCreateGlobalSection(local, sf, PETSC_FALSE, PETSC_FALSE, &global));
  PetscCall(PetscMalloc2(npoints, &n->global, npoints, &n->owned));
  n->npoints = npoints;
  for (PetscInt i = 0; i < npoints; ++i) {
    PetscInt off;
    PetscCall(PetscSectionGetOffset(global, PlexPoint(mesh, i), &off));
    n->global[i] = off >= 0 ? off : -(off + 1);
    if (off >= 0) n->nowned++;
  }
  PetscCallMPI(MPI_Exscan(&n->nowned, &first, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)mesh->dm)));
  for (PetscInt i = 0; i < npoints; ++i) {
    PetscInt off;
    PetscCall(PetscSectionGetOffset(global, PlexPoint(mesh, i), &off));
    if (off < 0) continue;
    PetscCheck(off >= first && off < first + n->nowned, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "Point %" PetscInt_FMT " has row %" PetscInt_FMT " outside this rank's rows %" PetscInt_FMT "..%" PetscInt_FMT,
               PlexPoint(mesh, i), off, first, first + n->nowned);
    n->owned[off - first] = i;
  }
  PetscCall(PetscSectionDestroy(&global));
  PetscCall(PetscSectionDestroy(&local));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- datasets */

/* Rows of ncomp doubles, nlocal on this rank, as a dataset named name in the viewer's group.
   The Vec borrows values: VecView only reads them. */
static PetscErrorCode WriteReals(PetscViewer viewer, MPI_Comm comm, const char name[], PetscInt nlocal, PetscInt ncomp,
                                 const double values[])
{
  Vec v;

  PetscFunctionBeginUser;
  PetscCall(VecCreateMPIWithArray(comm, ncomp, nlocal * ncomp, PETSC_DECIDE, (PetscScalar *)values, &v));
  PetscCall(PetscObjectSetName((PetscObject)v, name));
  PetscCall(VecView(v, viewer));
  PetscCall(VecDestroy(&v));
  PetscFunctionReturn(0);
}

/* The same for integers, through an IS (the HDF5 viewer writes PetscInt datasets only that way). */
static PetscErrorCode WriteInts(PetscViewer viewer, MPI_Comm comm, const char name[], PetscInt nlocal, PetscInt ncomp,
                                const PetscInt values[])
{
  IS is;

  PetscFunctionBeginUser;
  PetscCall(ISCreateGeneral(comm, nlocal * ncomp, values, PETSC_USE_POINTER, &is));
  PetscCall(ISSetBlockSize(is, ncomp));
  PetscCall(PetscObjectSetName((PetscObject)is, name));
  PetscCall(ISView(is, viewer));
  PetscCall(ISDestroy(&is));
  PetscFunctionReturn(0);
}

/* One array of a piece: its rows rows[0..nrows) (rows NULL: all nrows in order). Doubles taken
   whole are written from the array itself; the others go through a copy. */
static PetscErrorCode WriteArray(PetscViewer viewer, MPI_Comm comm, const TwinfeVTKArray *a, PetscInt nrows,
                                 const PetscInt rows[])
{
  const PetscInt nc = a->ncomponents;

  PetscFunctionBeginUser;
  if (a->type == TWINFE_VTK_FLOAT64) {
    const double *in = (const double *)a->values;
    double       *copy;
    if (!rows) {
      PetscCall(WriteReals(viewer, comm, a->name, nrows, nc, in));
      PetscFunctionReturn(0);
    }
    PetscCall(PetscMalloc1(nrows * nc, &copy));
    for (PetscInt r = 0; r < nrows; ++r)
      for (PetscInt c = 0; c < nc; ++c)
        copy[nc * r + c] = in[nc * rows[r] + c];
    PetscCall(WriteReals(viewer, comm, a->name, nrows, nc, copy));
    PetscCall(PetscFree(copy));
  } else {
    const int32_t *in = (const int32_t *)a->values;
    PetscInt      *copy;
    PetscCall(PetscMalloc1(nrows * nc, &copy));
    for (PetscInt r = 0; r < nrows; ++r)
      for (PetscInt c = 0; c < nc; ++c)
        copy[nc * r + c] = in[nc * (rows ? rows[r] : r) + c];
    PetscCall(WriteInts(viewer, comm, a->name, nrows, nc, copy));
    PetscCall(PetscFree(copy));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordArrays(PetscInt n, const TwinfeVTKArray arrays[], PetscBool cell, ArrayRecord *records)
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < n; ++a) {
    PetscCall(PetscStrallocpy(arrays[a].name, &records[a].name));
    records[a].ncomp   = arrays[a].ncomponents;
    records[a].cell    = cell;
    records[a].integer = arrays[a].type == TWINFE_VTK_INT32 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

/* The mesh group: owned points' coordinates, the cells by global point rows, the mesh's cell
   arrays; recorded for the index once written. */
static PetscErrorCode WriteMesh(TwinfeXDMF x, PetscViewer viewer, const TwinfeXDMFMesh *mesh, const TwinfeVTKGrid *grid)
{
  const Numbering *n   = &x->numbering;
  const PetscInt   npc = grid->nodes_per_cell;
  char             group[64];
  double          *xyz;
  PetscInt        *cells, sizes[2] = {n->nowned, grid->ncells};
  MeshRecord       record = {.nodes_per_cell = npc, .narrays = mesh->narrays};

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(group, sizeof group, "/mesh_%" PetscInt_FMT, x->nmeshes));
  PetscCall(PetscMalloc2(3 * n->nowned, &xyz, npc * grid->ncells, &cells));
  for (PetscInt k = 0; k < n->nowned; ++k)
    for (PetscInt d = 0; d < 3; ++d)
      xyz[3 * k + d] = grid->xyz[3 * n->owned[k] + d];
  for (PetscInt i = 0; i < npc * grid->ncells; ++i)
    cells[i] = n->global[grid->connectivity[i]];
  PetscCall(PetscViewerHDF5PushGroup(viewer, group));
  PetscCall(WriteReals(viewer, x->comm, "geometry", n->nowned, 3, xyz));
  PetscCall(WriteInts(viewer, x->comm, "topology", grid->ncells, npc, cells));
  for (PetscInt a = 0; a < mesh->narrays; ++a)
    PetscCall(WriteArray(viewer, x->comm, &mesh->arrays[a], grid->ncells, NULL));
  PetscCall(PetscViewerHDF5PopGroup(viewer));
  PetscCall(PetscFree2(xyz, cells));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sizes, 2, MPIU_INT, MPI_SUM, x->comm));
  record.npoints = sizes[0];
  record.ncells  = sizes[1];
  PetscCall(PetscMalloc1(mesh->narrays, &record.arrays));
  PetscCall(RecordArrays(mesh->narrays, mesh->arrays, PETSC_TRUE, record.arrays));
  PetscCall(PetscRealloc(sizeof(MeshRecord) * (x->nmeshes + 1), &x->meshes));
  x->meshes[x->nmeshes++] = record;
  PetscFunctionReturn(0);
}

/* The state's group: point arrays at the owned points, cell arrays whole. */
static PetscErrorCode WriteFields(TwinfeXDMF x, PetscViewer viewer, const char state[], const TwinfeVTKGrid *grid)
{
  char group[PETSC_MAX_PATH_LEN + 1];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(group, sizeof group, "/%s", state));
  PetscCall(PetscViewerHDF5PushGroup(viewer, group));
  for (PetscInt a = 0; a < grid->npoint_arrays; ++a)
    PetscCall(WriteArray(viewer, x->comm, &grid->point_arrays[a], x->numbering.nowned, x->numbering.owned));
  for (PetscInt a = 0; a < grid->ncell_arrays; ++a)
    PetscCall(WriteArray(viewer, x->comm, &grid->cell_arrays[a], grid->ncells, NULL));
  PetscCall(PetscViewerHDF5PopGroup(viewer));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the index, rank 0 */

static const char *AttributeType(PetscInt ncomp)
{
  /* 6 and other counts are "Matrix", read as they are: XDMF's "Tensor6" orders a symmetric
     tensor xx xy xz yy yz zz and VTK's XDMF reader expands it to 9, where the .vtu keeps VTK's
     six (xx yy zz xy yz xz) as they are. */
  return ncomp == 1 ? "Scalar" : ncomp == 3 ? "Vector" : ncomp == 9 ? "Tensor" : "Matrix";
}

/* The dimensions are those of the dataset: PETSc writes a Vec of block size 1 as a list, an IS
   always as rows x block size. */
static void EmitDataItem(FILE *fp, const char indent[], PetscInt rows, PetscInt ncomp, PetscBool integer, const char h5[],
                         const char group[], const char name[])
{
  fprintf(fp, "%s<DataItem Dimensions=\"%" PetscInt_FMT, indent, rows);
  if (ncomp > 1 || integer) fprintf(fp, " %" PetscInt_FMT, ncomp);
  fprintf(fp, "\" NumberType=\"%s\" Precision=\"%d\" Format=\"HDF\">", integer ? "Int" : "Float",
          integer ? (int)sizeof(PetscInt) : (int)sizeof(double));
  (void)TwinfeIOWriteXMLEscaped(fp, h5);
  fprintf(fp, ":/");
  (void)TwinfeIOWriteXMLEscaped(fp, group);
  fprintf(fp, "/");
  (void)TwinfeIOWriteXMLEscaped(fp, name);
  fprintf(fp, "</DataItem>\n");
}

static void EmitAttributes(FILE *fp, const MeshRecord *mesh, PetscInt n, const ArrayRecord arrays[], const char h5[],
                           const char group[])
{
  for (PetscInt a = 0; a < n; ++a) {
    const ArrayRecord *r = &arrays[a];
    fprintf(fp, "        <Attribute Name=\"");
    (void)TwinfeIOWriteXMLEscaped(fp, r->name);
    fprintf(fp, "\" AttributeType=\"%s\" Center=\"%s\">\n", AttributeType(r->ncomp), r->cell ? "Cell" : "Node");
    EmitDataItem(fp, "          ", r->cell ? mesh->ncells : mesh->npoints, r->ncomp, r->integer, h5, group, r->name);
    fprintf(fp, "        </Attribute>\n");
  }
}

static PetscErrorCode EmitIndex(FILE *fp, void *ctx)
{
  const struct _p_TwinfeXDMF *x = (const struct _p_TwinfeXDMF *)ctx;

  PetscFunctionBeginUser;
  fprintf(fp, "<?xml version=\"1.0\"?>\n<Xdmf Version=\"3.0\">\n  <Domain>\n");
  fprintf(fp, "    <Grid Name=\"results\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (PetscInt s = 0; s < x->nstates; ++s) {
    const StateRecord *st = &x->states[s];
    const MeshRecord  *m  = &x->meshes[st->mesh];
    char               mesh_group[64];

    PetscCall(PetscSNPrintf(mesh_group, sizeof mesh_group, "mesh_%" PetscInt_FMT, st->mesh));
    fprintf(fp, "      <Grid Name=\"");
    PetscCall(TwinfeIOWriteXMLEscaped(fp, st->group));
    fprintf(fp, "\" GridType=\"Uniform\">\n        <Time Value=\"%.17g\"/>\n", (double)st->time);
    /* "Tetrahedron_10": the one name all three of ParaView 5.11's XDMF readers took ("Tetra_10"
       failed in its XDMF Reader, "Tet_10" in its Xdmf3 readers) */
    fprintf(fp, "        <Topology TopologyType=\"%s\" NumberOfElements=\"%" PetscInt_FMT "\">\n",
            m->nodes_per_cell == 10 ? "Tetrahedron_10" : "Tetrahedron", m->ncells);
    EmitDataItem(fp, "          ", m->ncells, m->nodes_per_cell, PETSC_TRUE, x->h5_name, mesh_group, "topology");
    fprintf(fp, "        </Topology>\n        <Geometry GeometryType=\"XYZ\">\n");
    EmitDataItem(fp, "          ", m->npoints, 3, PETSC_FALSE, x->h5_name, mesh_group, "geometry");
    fprintf(fp, "        </Geometry>\n");
    EmitAttributes(fp, m, st->narrays, st->arrays, x->h5_name, st->group);
    EmitAttributes(fp, m, m->narrays, m->arrays, x->h5_name, mesh_group);
    fprintf(fp, "      </Grid>\n");
  }
  fprintf(fp, "    </Grid>\n  </Domain>\n</Xdmf>\n");
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendState(TwinfeXDMF x, const char state[], PetscReal time, const TwinfeVTKGrid *grid)
{
  StateRecord r = {.time = time, .mesh = x->nmeshes - 1, .narrays = grid->npoint_arrays + grid->ncell_arrays};

  PetscFunctionBeginUser;
  PetscCall(PetscStrallocpy(state, &r.group));
  PetscCall(PetscMalloc1(r.narrays, &r.arrays));
  PetscCall(RecordArrays(grid->npoint_arrays, grid->point_arrays, PETSC_FALSE, r.arrays));
  PetscCall(RecordArrays(grid->ncell_arrays, grid->cell_arrays, PETSC_TRUE, r.arrays + grid->npoint_arrays));
  PetscCall(PetscRealloc(sizeof(StateRecord) * (x->nstates + 1), &x->states));
  x->states[x->nstates++] = r;
  PetscFunctionReturn(0);
}

static PetscErrorCode DropLastState(TwinfeXDMF x)
{
  StateRecord *r = &x->states[--x->nstates];

  PetscFunctionBeginUser;
  PetscCall(ArraysDestroy(r->narrays, &r->arrays));
  PetscCall(PetscFree(r->group));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- one state */

static PetscBool SameMesh(const struct _p_TwinfeXDMF *x, const TwinfeXDMFMesh *mesh)
{
  return x->have_key && x->key.dm_id == mesh->dm_id && x->key.coordinates_id == mesh->coordinates_id &&
                 x->key.cell_sets_id == mesh->cell_sets_id && x->key.quadratic == mesh->quadratic
             ? PETSC_TRUE
             : PETSC_FALSE;
}

/* A name becomes an HDF5 path component: a '/' would make a group of its first part. */
static PetscErrorCode CheckNames(PetscInt n, const TwinfeVTKArray arrays[])
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < n; ++a)
    PetscCheck(!strchr(arrays[a].name, '/') && strcmp(arrays[a].name, ".") && strcmp(arrays[a].name, ".."), PETSC_COMM_SELF,
               PETSC_ERR_ARG_WRONG, "-results_format xdmf: field name \"%s\" cannot name an HDF5 dataset: rename it without '/'",
               arrays[a].name);
  PetscFunctionReturn(0);
}

/* The HDF5 part: the mesh when it changed, then the fields. The file is created by the first
   state and appended to by the next, closed after each so that what is listed is on disk. */
static PetscErrorCode WriteHeavyData(TwinfeXDMF x, const char state[], const TwinfeXDMFMesh *mesh, const TwinfeVTKGrid *grid)
{
  PetscViewer    viewer;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  if (!SameMesh(x, mesh)) {
    x->have_key = PETSC_FALSE;
    PetscCall(CheckNoOverlap(mesh->dm));
    PetscCall(NumberPoints(mesh, grid->npoints, &x->numbering));
  }
  PetscCall(PetscViewerHDF5Open(x->comm, x->h5_path, x->started ? FILE_MODE_APPEND : FILE_MODE_WRITE, &viewer));
  x->started = PETSC_TRUE;
  PetscCall(PetscViewerHDF5SetCollective(viewer, TWINFE_XDMF_COLLECTIVE));
  if (!x->have_key) {
    ierr = WriteMesh(x, viewer, mesh, grid);
    if (!ierr) {
      x->key      = (TwinfeXDMFMesh){.dm_id          = mesh->dm_id,
                                     .coordinates_id = mesh->coordinates_id,
                                     .cell_sets_id   = mesh->cell_sets_id,
                                     .quadratic      = mesh->quadratic};
      x->have_key = PETSC_TRUE;
    }
  }
  if (!ierr) ierr = WriteFields(x, viewer, state, grid);
  PetscCall(PetscViewerDestroy(&viewer));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeXDMFWriteState(TwinfeXDMF x, const char state[], PetscReal time, const TwinfeXDMFMesh *mesh,
                                    const TwinfeVTKGrid *grid)
{
  PetscMPIInt    rank;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  PetscCheck(grid->nodes_per_cell == 4 || grid->nodes_per_cell == 10, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "-results_format xdmf writes tetrahedra of 4 or 10 nodes, not %" PetscInt_FMT, grid->nodes_per_cell);
  PetscCall(CheckNames(grid->npoint_arrays, grid->point_arrays));
  PetscCall(CheckNames(grid->ncell_arrays, grid->cell_arrays));
  PetscCall(PetscLogEventBegin(TWINFE_RESULTS_HDF5, 0, 0, 0, 0));
  PetscCall(WriteHeavyData(x, state, mesh, grid));
  PetscCall(PetscLogEventEnd(TWINFE_RESULTS_HDF5, 0, 0, 0, 0));
  PetscCall(AppendState(x, state, time, grid));
  PetscCallMPI(MPI_Comm_rank(x->comm, &rank));
  if (rank == 0) ierr = TwinfeIOWriteTextFile(x->index_path, EmitIndex, x);
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, x->comm));
  if (!ierr) PetscFunctionReturn(0);
  PetscCall(DropLastState(x)); /* the index on disk is the previous one: list what it lists */
  if (rank == 0) PetscCall(ierr);
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Writing the XDMF index %s failed on rank 0 (see its message)", x->index_path);
}

/* ---------------------------------------------------------------- restarts (io/checkpoint.c) */

static json_t *ArraysToJSON(PetscInt n, const ArrayRecord arrays[])
{
  json_t *list = json_array();
  for (PetscInt a = 0; a < n; ++a)
    json_array_append_new(list, json_pack("{s:s, s:I, s:b, s:b}", "name", arrays[a].name, "ncomp", (json_int_t)arrays[a].ncomp,
                                          "cell", (int)arrays[a].cell, "integer", (int)arrays[a].integer));
  return list;
}

/*
  TwinfeXDMFGetRecords - What the index says of the first nstates states and of the meshes they
  stand on (sizes, datasets, times), as JSON for a checkpoint: a restarted series adopts it
  (TwinfeXDMFAdoptRecords) and goes on appending to a copy of the .h5. Not collective (every
  rank holds the same records).
*/
PetscErrorCode TwinfeXDMFGetRecords(TwinfeXDMF x, PetscInt nstates, json_t **records)
{
  json_t  *meshes = json_array(), *states = json_array();
  PetscInt nmeshes = 0;

  PetscFunctionBeginUser;
  PetscCheck(nstates >= 0 && nstates <= x->nstates, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfeXDMFGetRecords: %" PetscInt_FMT " states of %" PetscInt_FMT, nstates, x->nstates);
  for (PetscInt s = 0; s < nstates; ++s) {
    const StateRecord *st = &x->states[s];
    nmeshes               = PetscMax(nmeshes, st->mesh + 1);
    json_array_append_new(states, json_pack("{s:s, s:f, s:I, s:o}", "group", st->group, "time", (double)st->time, "mesh",
                                            (json_int_t)st->mesh, "arrays", ArraysToJSON(st->narrays, st->arrays)));
  }
  for (PetscInt m = 0; m < nmeshes; ++m) {
    const MeshRecord *me = &x->meshes[m];
    json_array_append_new(meshes, json_pack("{s:I, s:I, s:I, s:o}", "points", (json_int_t)me->npoints, "cells",
                                            (json_int_t)me->ncells, "nodes_per_cell", (json_int_t)me->nodes_per_cell, "arrays",
                                            ArraysToJSON(me->narrays, me->arrays)));
  }
  *records = json_pack("{s:s, s:o, s:o}", "h5", x->h5_name, "meshes", meshes, "states", states);
  PetscCheck(*records, PETSC_COMM_SELF, PETSC_ERR_MEM, "TwinfeXDMFGetRecords: out of memory");
  PetscFunctionReturn(0);
}

/* A name from a checkpoint becomes an HDF5 path component and XML text: a plain word. */
static PetscBool PlainName(const char *name)
{
  return name && name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode ArraysFromJSON(const json_t *list, const char what[], PetscInt *n, ArrayRecord **arrays)
{
  size_t  i;
  json_t *a;

  PetscFunctionBeginUser;
  PetscCheck(json_is_array(list), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: its arrays are not a list", what);
  *n = (PetscInt)json_array_size(list);
  PetscCall(PetscCalloc1(*n + 1, arrays));
  json_array_foreach(list, i, a)
  {
    const char    *name  = json_string_value(json_object_get(a, "name"));
    const PetscInt ncomp = (PetscInt)json_integer_value(json_object_get(a, "ncomp"));
    PetscCheck(PlainName(name) && ncomp >= 1 && json_is_boolean(json_object_get(a, "cell")) &&
                   json_is_boolean(json_object_get(a, "integer")),
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: array %zu is not a name, a number of components and two flags",
               what, i);
    PetscCall(PetscStrallocpy(name, &(*arrays)[i].name));
    (*arrays)[i].ncomp   = ncomp;
    (*arrays)[i].cell    = json_is_true(json_object_get(a, "cell")) ? PETSC_TRUE : PETSC_FALSE;
    (*arrays)[i].integer = json_is_true(json_object_get(a, "integer")) ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

/*
  TwinfeXDMFAdoptRecords - A restarted series takes the records of the states the killed run
  wrote (TwinfeXDMFGetRecords, from its checkpoint); its .h5, copied into this series' folder
  beforehand, is appended to from here. The next state writes its mesh anew (this run numbers
  its points itself, possibly on another number of ranks). Not collective; on an empty series.
*/
PetscErrorCode TwinfeXDMFAdoptRecords(TwinfeXDMF x, const json_t *records)
{
  const json_t *meshes = json_object_get(records, "meshes"), *states = json_object_get(records, "states"), *e;
  const char   *h5 = json_string_value(json_object_get(records, "h5"));
  size_t        i;

  PetscFunctionBeginUser;
  PetscCheck(!x->nstates && !x->nmeshes, PETSC_COMM_SELF, PETSC_ERR_ORDER, "TwinfeXDMFAdoptRecords: the series has states");
  PetscCheck(json_is_array(meshes) && json_is_array(states) && h5 && !strcmp(h5, x->h5_name), PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED, "the checkpoint's XDMF records are not those of %s", x->h5_name);
  PetscCall(PetscCalloc1(json_array_size(meshes) + 1, &x->meshes));
  json_array_foreach(meshes, i, e)
  {
    MeshRecord *m     = &x->meshes[x->nmeshes++]; /* counted first: destroying the series frees what is read */
    m->npoints        = (PetscInt)json_integer_value(json_object_get(e, "points"));
    m->ncells         = (PetscInt)json_integer_value(json_object_get(e, "cells"));
    m->nodes_per_cell = (PetscInt)json_integer_value(json_object_get(e, "nodes_per_cell"));
    PetscCall(ArraysFromJSON(json_object_get(e, "arrays"), "the checkpoint's XDMF mesh", &m->narrays, &m->arrays));
    PetscCheck(m->npoints > 0 && m->ncells > 0 && (m->nodes_per_cell == 4 || m->nodes_per_cell == 10), PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "the checkpoint's XDMF mesh %zu has no points or cells, or not 4 or 10 nodes a cell",
               i);
  }
  PetscCall(PetscCalloc1(json_array_size(states) + 1, &x->states));
  json_array_foreach(states, i, e)
  {
    StateRecord *st    = &x->states[x->nstates++];
    const char  *group = json_string_value(json_object_get(e, "group"));
    st->mesh           = (PetscInt)json_integer_value(json_object_get(e, "mesh"));
    st->time           = (PetscReal)json_number_value(json_object_get(e, "time"));
    PetscCheck(PlainName(group) && json_is_number(json_object_get(e, "time")) && st->mesh >= 0 && st->mesh < x->nmeshes,
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "the checkpoint's XDMF state %zu has no group, time or mesh", i);
    PetscCall(PetscStrallocpy(group, &st->group));
    PetscCall(ArraysFromJSON(json_object_get(e, "arrays"), "the checkpoint's XDMF state", &st->narrays, &st->arrays));
  }
  x->started  = (PetscBool)(x->nstates > 0); /* the .h5 was copied only if it holds states */
  x->have_key = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Whether /group/name is in the file; if not, missing names it. */
static PetscErrorCode HasDataset(PetscViewer viewer, const char group[], const char name[], char missing[], PetscBool *has)
{
  char path[PETSC_MAX_PATH_LEN];

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "/%s/%s", group, name));
  PetscCall(PetscViewerHDF5HasDataset(viewer, path, has));
  if (!*has) PetscCall(PetscStrncpy(missing, path, PETSC_MAX_PATH_LEN));
  PetscFunctionReturn(0);
}

/* Whether every dataset of a list of array records is in the file's group. */
static PetscErrorCode HasArrays(PetscViewer viewer, const char group[], const json_t *arrays, char missing[], PetscBool *has)
{
  size_t  i;
  json_t *a;

  PetscFunctionBeginUser;
  *has = PETSC_TRUE;
  json_array_foreach(arrays, i, a)
  {
    PetscCall(HasDataset(viewer, group, json_string_value(json_object_get(a, "name")), missing, has));
    if (!*has) break;
  }
  PetscFunctionReturn(0);
}

/* The mesh groups' own datasets and arrays, then the states', until one is missing (missing,
   PETSC_MAX_PATH_LEN, names it; empty when none is). */
static PetscErrorCode FindEveryDataset(PetscViewer viewer, const json_t *records, char missing[])
{
  PetscBool has = PETSC_TRUE;
  size_t    i;
  json_t   *e;
  char      group[64];

  PetscFunctionBeginUser;
  json_array_foreach(json_object_get(records, "meshes"), i, e)
  {
    PetscCall(PetscSNPrintf(group, sizeof group, "mesh_%zu", i));
    PetscCall(HasDataset(viewer, group, "geometry", missing, &has));
    if (has) PetscCall(HasDataset(viewer, group, "topology", missing, &has));
    if (has) PetscCall(HasArrays(viewer, group, json_object_get(e, "arrays"), missing, &has));
    if (!has) PetscFunctionReturn(0);
  }
  json_array_foreach(json_object_get(records, "states"), i, e)
  {
    PetscCall(HasArrays(viewer, json_string_value(json_object_get(e, "group")), json_object_get(e, "arrays"), missing, &has));
    if (!has) PetscFunctionReturn(0);
  }
  PetscFunctionReturn(0);
}

/* Whether a top-level group of the file is one the records list: mesh_K of a recorded mesh, or
   a recorded state's group. */
static PetscBool Listed(const json_t *records, const char name[])
{
  const json_t *e;
  size_t        i;
  unsigned long k;
  int           used = 0;

  if (sscanf(name, "mesh_%lu%n", &k, &used) == 1 && !name[used])
    return k < json_array_size(json_object_get(records, "meshes")) ? PETSC_TRUE : PETSC_FALSE;
  json_array_foreach(json_object_get(records, "states"), i,
                     e) if (!strcmp(name, json_string_value(json_object_get(e, "group")))) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Unlinks every top-level group the records do not list: what the killed run wrote after its
   checkpoint, the group being written when it was killed among them (possibly damaged). This run
   then makes its groups afresh instead of opening those. */
static PetscErrorCode DropUnlisted(PetscViewer viewer, const json_t *records, PetscInt *dropped)
{
  hid_t      file;
  H5G_info_t info;
  char     **names;
  PetscInt   n = 0;

  PetscFunctionBeginUser;
  *dropped = 0;
  PetscCall(PetscViewerHDF5GetFileId(viewer, &file));
  PetscCheck(H5Gget_info(file, &info) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 cannot list the file's groups");
  PetscCall(PetscCalloc1(info.nlinks + 1, &names));
  for (hsize_t k = 0; k < info.nlinks; ++k) {
    char          name[PETSC_MAX_PATH_LEN];
    const ssize_t len = H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, sizeof name, H5P_DEFAULT);
    if (len < 0 || (size_t)len >= sizeof name) continue; /* an unreadable name is no group of ours */
    if (!Listed(records, name)) PetscCall(PetscStrallocpy(name, &names[n++]));
  }
  for (PetscInt k = 0; k < n; ++k) { /* after listing: deleting while walking the index would shift it */
    PetscCheck(H5Ldelete(file, names[k], H5P_DEFAULT) >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 cannot remove the group %s",
               names[k]);
    PetscCall(PetscFree(names[k]));
  }
  PetscCall(PetscFree(names));
  *dropped = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode FindRecordedData(const char h5_path[], const json_t *records, char missing[], PetscInt *dropped)
{
  PetscViewer    viewer;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_SELF, h5_path, FILE_MODE_APPEND, &viewer));
  ierr = DropUnlisted(viewer, records, dropped);
  if (!ierr) ierr = FindEveryDataset(viewer, records, missing);
  PetscCall(PetscViewerDestroy(&viewer)); /* closed on failure too */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*
  TwinfeXDMFPrepareCopy - A copy of the killed run's .h5 at h5_path made ready to append to: its
  top-level groups the records do not list unlinked (*dropped of them), and whether it holds every
  dataset they list (why says what is missing or unreadable): a run killed while it wrote to its
  .h5 can leave the file damaged. Not collective (rank 0 of a restart).
*/
PetscErrorCode TwinfeXDMFPrepareCopy(const char h5_path[], const json_t *records, PetscInt *dropped, PetscBool *ok, char why[],
                                     size_t len)
{
  char           missing[PETSC_MAX_PATH_LEN] = "";
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  *dropped = 0;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* HDF5's failures become a message */
  ierr = FindRecordedData(h5_path, records, missing, dropped);
  PetscCall(PetscPopErrorHandler());
  *ok = (PetscBool)(!ierr && !missing[0]);
  if (ierr) {
    const char *text = NULL;
    PetscErrorMessage(ierr, &text, NULL);
    PetscCall(PetscSNPrintf(why, len, "HDF5 cannot read it (%s)", text ? text : "unknown error"));
  } else if (missing[0])
    PetscCall(PetscSNPrintf(why, len, "it has no dataset %s", missing));
  PetscFunctionReturn(0);
}
