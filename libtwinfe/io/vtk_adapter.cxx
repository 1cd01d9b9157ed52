/* libtwinfe io stage: the VTK adapter (the only io file that sees VTK types).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Builds VTK data objects from plain arrays and writes them. A VTK writer reports failure
 * three ways (Write() returning 0, GetErrorCode(), and an ErrorEvent whose text is otherwise
 * only printed); all three are checked, so a failed write can never pass as success. */
#include "ioimpl.h"
#include "core/cxx_guard.h"

#include <vtkCallbackCommand.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkCellType.h>
#include <vtkCommand.h>
#include <vtkDoubleArray.h>
#include <vtkErrorCode.h>
#include <vtkExecutive.h>
#include <vtkIdTypeArray.h>
#include <vtkTypeInt32Array.h>
#include <vtkTypeInt64Array.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSTLWriter.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLPolyDataWriter.h>
#include <vtkXMLUnstructuredGridWriter.h>

#include <cstdio>
#include <exception>
#include <type_traits>
#include <string>

/* ioimpl.h names VTK's cell types without including VTK: they must be VTK's numbers. */
static_assert(TWINFE_VTK_TETRA == VTK_TETRA && TWINFE_VTK_TRIANGLE == VTK_TRIANGLE &&
                  TWINFE_VTK_QUADRATIC_TETRA == VTK_QUADRATIC_TETRA,
              "TWINFE_VTK_* cell types differ from vtkCellType.h");

namespace {
/* Collects the text of ErrorEvents (and WarningEvents) raised by the objects it watches. */
class ErrorCollector {
public:
  ErrorCollector()
  {
    this->callback->SetCallback(&ErrorCollector::OnEvent);
    this->callback->SetClientData(this);
  }
  void Watch(vtkObject *object)
  {
    object->AddObserver(vtkCommand::ErrorEvent, this->callback);
    object->AddObserver(vtkCommand::WarningEvent, this->callback);
  }
  bool HasErrors() const
  {
    return this->errors > 0;
  }
  const std::string &Text() const
  {
    return this->text;
  }

private:
  static void OnEvent(vtkObject *, unsigned long event, void *client, void *calldata)
  {
    auto       *self = static_cast<ErrorCollector *>(client);
    std::string message(calldata ? static_cast<const char *>(calldata) : "(no message)");
    /* Drop VTK's "ERROR: In FILE, line N\nCLASS (0xADDRESS): " prefix: the user needs the reason. */
    const std::size_t reason = message.find("): ");
    if (reason != std::string::npos && message.compare(0, 6, "ERROR:") == 0) message.erase(0, reason + 3);
    for (char &c : message)
      if (c == '\n') c = ' ';
    while (!message.empty() && message.back() == ' ')
      message.pop_back();
    if (event == vtkCommand::ErrorEvent) self->errors++;
    if (!self->text.empty()) self->text += "; ";
    self->text += message;
  }
  vtkNew<vtkCallbackCommand> callback;
  int                        errors = 0;
  std::string                text;
};

void SetMessage(char message[TWINFE_VTK_MESSAGE_LEN], const std::string &text)
{
  std::snprintf(message, TWINFE_VTK_MESSAGE_LEN, "%s", text.c_str());
}

/* The adapter lends the caller's arrays to VTK (SetArray with save = 1: VTK neither copies
   nor frees them). The writers only read their input, so the const_casts are safe; copying
   element by element cost about a tenth of a results write. */
template <class Array, class Value> vtkSmartPointer<Array> LendArray(const Value values[], PetscInt ntuples, PetscInt ncomponents)
{
  static_assert(sizeof(typename Array::ValueType) == sizeof(Value), "lent values must have the array's value size");
  auto array = vtkSmartPointer<Array>::New();
  array->SetNumberOfComponents(static_cast<int>(ncomponents));
  array->SetArray(reinterpret_cast<typename Array::ValueType *>(const_cast<Value *>(values)),
                  static_cast<vtkIdType>(ntuples * ncomponents), 1);
  return array;
}

vtkSmartPointer<vtkPoints> MakePoints(PetscInt npoints, const double xyz[])
{
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetData(LendArray<vtkDoubleArray>(xyz, npoints, 3));
  return points;
}

/* Cell storage of PetscInt's width, so that the connectivity can be lent as it is. */
using PetscIntArray = std::conditional<sizeof(PetscInt) == 4, vtkTypeInt32Array, vtkTypeInt64Array>::type;

vtkSmartPointer<vtkCellArray> MakeCells(PetscInt ncells, PetscInt nodes_per_cell, const PetscInt connectivity[])
{
  vtkNew<PetscIntArray> offsets;
  offsets->SetNumberOfValues(ncells + 1);
  for (PetscInt c = 0; c <= ncells; ++c)
    offsets->SetValue(c, c * nodes_per_cell);
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->SetData(offsets, LendArray<PetscIntArray>(connectivity, ncells * nodes_per_cell, 1));
  return cells;
}

vtkSmartPointer<vtkDataArray> MakeArray(const TwinfeVTKArray &in, PetscInt ntuples)
{
  vtkSmartPointer<vtkDataArray> out;
  if (in.type == TWINFE_VTK_FLOAT64)
    out = LendArray<vtkDoubleArray>(static_cast<const double *>(in.values), ntuples, in.ncomponents);
  else
    out = LendArray<vtkTypeInt32Array>(static_cast<const int32_t *>(in.values), ntuples, in.ncomponents);
  out->SetName(in.name);
  return out;
}

PetscErrorCode CheckArrays(PetscInt narrays, const TwinfeVTKArray arrays[], PetscInt ntuples, const char *where)
{
  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < narrays; ++a) {
    PetscCheck(arrays[a].name && arrays[a].name[0], PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
               "%s array %" PetscInt_FMT " has no name: every array needs one for ParaView", where, a);
    PetscCheck(arrays[a].ncomponents > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "%s array %s has %" PetscInt_FMT " components: must be at least 1", where, arrays[a].name, arrays[a].ncomponents);
    PetscCheck(ntuples == 0 || arrays[a].values, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s array %s has no values", where,
               arrays[a].name);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CheckGrid(const TwinfeVTKGrid *grid)
{
  PetscFunctionBeginUser;
  PetscCheck(grid->npoints >= 0 && grid->ncells >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Grid sizes must be non-negative, got %" PetscInt_FMT " points and %" PetscInt_FMT " cells", grid->npoints,
             grid->ncells);
  PetscCheck(grid->compression == TWINFE_VTK_ZLIB || grid->compression == TWINFE_VTK_LZ4 ||
                 grid->compression == TWINFE_VTK_UNCOMPRESSED,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Grid compression %d is none of zlib (0), lz4 (1), none (2)",
             (int)grid->compression);
  PetscCheck((grid->cell_type == TWINFE_VTK_TETRA && grid->nodes_per_cell == 4) ||
                 (grid->cell_type == TWINFE_VTK_QUADRATIC_TETRA && grid->nodes_per_cell == 10) ||
                 (grid->cell_type == TWINFE_VTK_TRIANGLE && grid->nodes_per_cell == 3),
             PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Cell type %d with %" PetscInt_FMT " nodes: expected tetrahedra (10, 4), quadratic tetrahedra (24, 10) or "
             "triangles (5, 3)",
             grid->cell_type, grid->nodes_per_cell);
  for (PetscInt i = 0; i < grid->ncells * grid->nodes_per_cell; ++i)
    PetscCheck(grid->connectivity[i] >= 0 && grid->connectivity[i] < grid->npoints, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Cell %" PetscInt_FMT " refers to point %" PetscInt_FMT ", outside [0, %" PetscInt_FMT ")",
               i / grid->nodes_per_cell, grid->connectivity[i], grid->npoints);
  PetscCall(CheckArrays(grid->npoint_arrays, grid->point_arrays, grid->npoints, "Point"));
  PetscCall(CheckArrays(grid->ncell_arrays, grid->cell_arrays, grid->ncells, "Cell"));
  PetscFunctionReturn(0);
}

vtkSmartPointer<vtkUnstructuredGrid> MakeUnstructuredGrid(const TwinfeVTKGrid *grid)
{
  auto ugrid = vtkSmartPointer<vtkUnstructuredGrid>::New();
  ugrid->SetPoints(MakePoints(grid->npoints, grid->xyz));
  ugrid->SetCells(grid->cell_type, MakeCells(grid->ncells, grid->nodes_per_cell, grid->connectivity));
  for (PetscInt a = 0; a < grid->npoint_arrays; ++a)
    ugrid->GetPointData()->AddArray(MakeArray(grid->point_arrays[a], grid->npoints));
  for (PetscInt a = 0; a < grid->ncell_arrays; ++a)
    ugrid->GetCellData()->AddArray(MakeArray(grid->cell_arrays[a], grid->ncells));
  return ugrid;
}

/* LZ4 at acceleration 1 (its best ratio) and zlib at VTK's default level 5. */
void SetCompressor(vtkXMLWriter *writer, TwinfeVTKCompression compression)
{
  switch (compression) {
  case TWINFE_VTK_LZ4:
    writer->SetCompressorTypeToLZ4();
    break;
  case TWINFE_VTK_UNCOMPRESSED:
    writer->SetCompressorTypeToNone();
    break;
  default:
    writer->SetCompressorTypeToZLib();
  }
}

/* Run a configured writer and turn every failure signal into (ok, message). A template
   because vtkXMLWriter and vtkWriter share no base class that has Write(). */
template <class Writer>
void RunWriter(Writer *writer, const char *what, const char *path, PetscBool *ok, char message[TWINFE_VTK_MESSAGE_LEN])
{
  ErrorCollector errors;
  errors.Watch(writer);
  errors.Watch(writer->GetExecutive()); /* reports "returned failure for request" */
  const int           written = writer->Write();
  const unsigned long code    = writer->GetErrorCode();
  if (written && code == vtkErrorCode::NoError && !errors.HasErrors()) {
    *ok = PETSC_TRUE;
    return;
  }
  std::string text = std::string(what) + " failed on " + path;
  if (code != vtkErrorCode::NoError) text += std::string(" (") + vtkErrorCode::GetStringFromErrorCode(code) + ")";
  if (!errors.Text().empty()) text += ": " + errors.Text();
  SetMessage(message, text);
  *ok = PETSC_FALSE;
}
} // namespace

PetscErrorCode TwinfeVTKWriteUnstructuredGrid(const TwinfeVTKGrid *grid, const char path[], PetscBool *ok,
                                              char message[TWINFE_VTK_MESSAGE_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(CheckGrid(grid));
  *ok        = PETSC_FALSE;
  message[0] = '\0';
  PetscCall(TwinfeCxxGuard("writing", path, [&] {
    vtkNew<vtkXMLUnstructuredGridWriter> writer;
    writer->SetInputData(MakeUnstructuredGrid(grid));
    writer->SetFileName(path);
    writer->SetDataModeToAppended();
    writer->EncodeAppendedDataOff(); /* raw binary, not base64 */
    SetCompressor(writer.GetPointer(), grid->compression);
    writer->SetHeaderTypeToUInt64(); /* pieces over 4 GiB stay readable */
    RunWriter(writer.GetPointer(), "vtkXMLUnstructuredGridWriter", path, ok, message);
    return PetscErrorCode(0);
  }));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeVTKWriteSTL(PetscInt nvertices, const double xyz[], PetscInt ntriangles, const PetscInt tri[],
                                 const char path[], PetscBool *ok, char message[TWINFE_VTK_MESSAGE_LEN])
{
  PetscFunctionBeginUser;
  *ok        = PETSC_FALSE;
  message[0] = '\0';
  PetscCall(TwinfeCxxGuard("writing", path, [&] {
    vtkNew<vtkPolyData> surface;
    surface->SetPoints(MakePoints(nvertices, xyz));
    surface->SetPolys(MakeCells(ntriangles, 3, tri));
    vtkNew<vtkSTLWriter> writer;
    writer->SetInputData(surface);
    writer->SetFileName(path);
    writer->SetFileTypeToBinary();
    RunWriter(writer.GetPointer(), "vtkSTLWriter", path, ok, message);
    return PetscErrorCode(0);
  }));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeVTKWritePolyData(const TwinfeVTKGrid *grid, const char path[], PetscBool *ok,
                                      char message[TWINFE_VTK_MESSAGE_LEN])
{
  PetscFunctionBeginUser;
  PetscCall(CheckGrid(grid));
  PetscCheck(grid->cell_type == TWINFE_VTK_TRIANGLE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "TwinfeVTKWritePolyData: %s: only triangles go to a .vtp", path);
  *ok        = PETSC_FALSE;
  message[0] = '\0';
  PetscCall(TwinfeCxxGuard("writing", path, [&] {
    vtkNew<vtkPolyData> surface;
    surface->SetPoints(MakePoints(grid->npoints, grid->xyz));
    surface->SetPolys(MakeCells(grid->ncells, 3, grid->connectivity));
    for (PetscInt a = 0; a < grid->npoint_arrays; ++a)
      surface->GetPointData()->AddArray(MakeArray(grid->point_arrays[a], grid->npoints));
    for (PetscInt a = 0; a < grid->ncell_arrays; ++a)
      surface->GetCellData()->AddArray(MakeArray(grid->cell_arrays[a], grid->ncells));
    vtkNew<vtkXMLPolyDataWriter> writer;
    writer->SetInputData(surface);
    writer->SetFileName(path);
    writer->SetDataModeToAppended();
    writer->EncodeAppendedDataOff();
    SetCompressor(writer.GetPointer(), grid->compression);
    writer->SetHeaderTypeToUInt64();
    RunWriter(writer.GetPointer(), "vtkXMLPolyDataWriter", path, ok, message);
    return PetscErrorCode(0);
  }));
  PetscFunctionReturn(0);
}
