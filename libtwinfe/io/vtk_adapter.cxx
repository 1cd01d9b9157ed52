/* libtwinfe io stage: the VTK adapter (the only io file that sees VTK types).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Builds VTK data objects from plain arrays and writes them. A VTK writer reports failure
 * three ways (Write() returning 0, GetErrorCode(), and an ErrorEvent whose text is otherwise
 * only printed); all three are checked, so a failed write can never pass as success. */
#include "ioimpl.h"

#include <vtkCallbackCommand.h>
#include <vtkCellArray.h>
#include <vtkCellData.h>
#include <vtkCommand.h>
#include <vtkDoubleArray.h>
#include <vtkErrorCode.h>
#include <vtkExecutive.h>
#include <vtkIdTypeArray.h>
#include <vtkIntArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSTLWriter.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLUnstructuredGridWriter.h>

#include <cstdio>
#include <exception>
#include <string>

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

vtkSmartPointer<vtkPoints> MakePoints(PetscInt npoints, const double xyz[])
{
  vtkNew<vtkDoubleArray> coordinates;
  coordinates->SetNumberOfComponents(3);
  coordinates->SetNumberOfTuples(npoints);
  for (PetscInt i = 0; i < 3 * npoints; ++i)
    coordinates->SetValue(i, xyz[i]);
  auto points = vtkSmartPointer<vtkPoints>::New();
  points->SetData(coordinates);
  return points;
}

vtkSmartPointer<vtkCellArray> MakeCells(PetscInt ncells, PetscInt nodes_per_cell, const PetscInt connectivity[])
{
  vtkNew<vtkIdTypeArray> offsets, ids;
  offsets->SetNumberOfValues(ncells + 1);
  ids->SetNumberOfValues(ncells * nodes_per_cell);
  for (PetscInt c = 0; c <= ncells; ++c)
    offsets->SetValue(c, c * nodes_per_cell);
  for (PetscInt i = 0; i < ncells * nodes_per_cell; ++i)
    ids->SetValue(i, connectivity[i]);
  auto cells = vtkSmartPointer<vtkCellArray>::New();
  cells->SetData(offsets, ids);
  return cells;
}

vtkSmartPointer<vtkDataArray> MakeArray(const TwinfeVTKArray &in, PetscInt ntuples)
{
  vtkSmartPointer<vtkDataArray> out;
  const PetscInt                nvalues = ntuples * in.ncomponents;
  if (in.type == TWINFE_VTK_FLOAT64) {
    auto array  = vtkSmartPointer<vtkDoubleArray>::New();
    auto values = static_cast<const double *>(in.values);
    array->SetNumberOfComponents(static_cast<int>(in.ncomponents));
    array->SetNumberOfTuples(ntuples);
    for (PetscInt i = 0; i < nvalues; ++i)
      array->SetValue(i, values[i]);
    out = array;
  } else {
    auto array  = vtkSmartPointer<vtkIntArray>::New();
    auto values = static_cast<const int32_t *>(in.values);
    array->SetNumberOfComponents(static_cast<int>(in.ncomponents));
    array->SetNumberOfTuples(ntuples);
    for (PetscInt i = 0; i < nvalues; ++i)
      array->SetValue(i, values[i]);
    out = array;
  }
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
  PetscCheck((grid->cell_type == TWINFE_VTK_TETRA && grid->nodes_per_cell == 4) ||
                 (grid->cell_type == TWINFE_VTK_TRIANGLE && grid->nodes_per_cell == 3),
             PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Cell type %d with %" PetscInt_FMT " nodes: expected tetrahedra (10, 4) or triangles (5, 3)", grid->cell_type,
             grid->nodes_per_cell);
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
  try {
    vtkNew<vtkXMLUnstructuredGridWriter> writer;
    writer->SetInputData(MakeUnstructuredGrid(grid));
    writer->SetFileName(path);
    writer->SetDataModeToAppended();
    writer->EncodeAppendedDataOff(); /* raw binary, not base64 */
    writer->SetCompressorTypeToZLib();
    writer->SetHeaderTypeToUInt64(); /* pieces over 4 GiB stay readable */
    RunWriter(writer.GetPointer(), "vtkXMLUnstructuredGridWriter", path, ok, message);
  } catch (const std::exception &e) {
    SetMessage(message, std::string("VTK failed writing ") + path + ": " + e.what());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeVTKWriteSTL(PetscInt nvertices, const double xyz[], PetscInt ntriangles, const PetscInt tri[],
                                 const char path[], PetscBool *ok, char message[TWINFE_VTK_MESSAGE_LEN])
{
  PetscFunctionBeginUser;
  *ok        = PETSC_FALSE;
  message[0] = '\0';
  try {
    vtkNew<vtkPolyData> surface;
    surface->SetPoints(MakePoints(nvertices, xyz));
    surface->SetPolys(MakeCells(ntriangles, 3, tri));
    vtkNew<vtkSTLWriter> writer;
    writer->SetInputData(surface);
    writer->SetFileName(path);
    writer->SetFileTypeToBinary();
    RunWriter(writer.GetPointer(), "vtkSTLWriter", path, ok, message);
  } catch (const std::exception &e) {
    SetMessage(message, std::string("VTK failed writing ") + path + ": " + e.what());
  }
  PetscFunctionReturn(0);
}
