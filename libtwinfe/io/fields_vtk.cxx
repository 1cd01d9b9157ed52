/* Results read back (include/twinfe/results.h): a state of results.pvd, or one .vtu/.pvtu, as
 * plain arrays. VTK adapter: VTK's XML readers read the files (the ones ParaView uses) and VTK's
 * XML parser reads the .pvd's list of states; the arrays are copied into PETSc memory so that
 * the caller holds no VTK object.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <twinfe/results.h>
#include "core/cxx_guard.h"
#include "io/results_vtk.h"

#include <vtkCellData.h>
#include <vtkCellTypes.h>
#include <vtkDataArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLDataElement.h>
#include <vtkXMLDataParser.h>
#include <vtkXMLPUnstructuredGridReader.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <cstring>
#include <new>
#include <string>
#include <sys/stat.h>
#include <vector>

struct Field {
  std::string         name;
  TwinfeFieldLocation where;
  PetscInt            ntuples, ncomponents;
  PetscReal          *values;
};

struct _p_TwinfeFields {
  PetscReal          time;
  PetscInt           nstates;
  PetscInt           npoints, ncells, nodes_per_cell;
  PetscReal         *xyz;
  PetscInt          *connectivity;
  std::vector<Field> fields;
};

namespace {
bool EndsWith(const std::string &s, const char *tail)
{
  const std::string t(tail);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

/* The .pvd's states (file, time) in its order. */
PetscErrorCode ReadCollection(const char path[], std::vector<std::pair<std::string, double>> &states)
{
  vtkNew<vtkXMLDataParser> parser;
  PetscFunctionBeginUser;
  parser->SetFileName(path);
  PetscCheck(parser->Parse(), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not a ParaView collection (.pvd): not XML",
             path);
  vtkXMLDataElement *root       = parser->GetRootElement();
  vtkXMLDataElement *collection = root ? root->FindNestedElementWithName("Collection") : nullptr;
  PetscCheck(collection, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not a ParaView collection (.pvd): no <Collection>",
             path);
  for (int k = 0; k < collection->GetNumberOfNestedElements(); k++) {
    vtkXMLDataElement *set  = collection->GetNestedElement(k);
    const char        *file = set->GetAttribute("file");
    double             time = 0;
    if (strcmp(set->GetName(), "DataSet") || !file) continue;
    set->GetScalarAttribute("timestep", time);
    states.emplace_back(file, time);
  }
  PetscCheck(!states.empty(), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s lists no results state", path);
  PetscFunctionReturn(0);
}

PetscErrorCode CopyArray(vtkDataArray *a, PetscReal **values)
{
  const vtkIdType n = a->GetNumberOfTuples() * a->GetNumberOfComponents();
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n, values));
  for (vtkIdType t = 0; t < a->GetNumberOfTuples(); t++)
    for (int c = 0; c < a->GetNumberOfComponents(); c++)
      (*values)[t * a->GetNumberOfComponents() + c] = a->GetComponent(t, c);
  PetscFunctionReturn(0);
}

PetscErrorCode CopyFields(vtkFieldData *data, TwinfeFieldLocation where, TwinfeFields f)
{
  PetscFunctionBeginUser;
  for (int i = 0; i < data->GetNumberOfArrays(); i++) {
    vtkDataArray *a = vtkDataArray::SafeDownCast(data->GetAbstractArray(i));
    if (!a || !a->GetName()) continue; /* string arrays and the like: not fields */
    Field field{a->GetName(), where, (PetscInt)a->GetNumberOfTuples(), (PetscInt)a->GetNumberOfComponents(), nullptr};
    PetscCall(CopyArray(a, &field.values));
    f->fields.push_back(field);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CopyGrid(const char path[], vtkUnstructuredGrid *grid, TwinfeFields f)
{
  vtkNew<vtkCellTypes> types;
  PetscFunctionBeginUser;
  f->npoints = (PetscInt)grid->GetNumberOfPoints();
  f->ncells  = (PetscInt)grid->GetNumberOfCells();
  PetscCheck(f->npoints > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s holds no points: not a results state", path);
  grid->GetCellTypes(types);
  PetscCheck(types->GetNumberOfTypes() == 1 &&
                 (types->GetCellType(0) == VTK_TETRA || types->GetCellType(0) == VTK_QUADRATIC_TETRA),
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s holds cells other than tetrahedra of one kind: not a twinfe results state", path);
  f->nodes_per_cell = types->GetCellType(0) == VTK_TETRA ? 4 : 10;
  PetscCall(PetscMalloc1(3 * f->npoints, &f->xyz));
  for (PetscInt p = 0; p < f->npoints; p++)
    grid->GetPoint(p, &f->xyz[3 * p]);
  PetscCall(PetscMalloc1(f->nodes_per_cell * f->ncells, &f->connectivity));
  for (PetscInt c = 0; c < f->ncells; c++) {
    vtkIdType        n;
    const vtkIdType *ids;
    grid->GetCellPoints(c, n, ids);
    for (PetscInt k = 0; k < f->nodes_per_cell; k++)
      f->connectivity[c * f->nodes_per_cell + k] = (PetscInt)ids[k];
  }
  PetscCall(CopyFields(grid->GetPointData(), TWINFE_FIELD_POINT, f));
  PetscCall(CopyFields(grid->GetCellData(), TWINFE_FIELD_CELL, f));
  PetscFunctionReturn(0);
}

PetscErrorCode ReadState(const char path[], TwinfeFields f)
{
  struct stat st;
  PetscFunctionBeginUser;
  PetscCheck(!stat(path, &st) && S_ISREG(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot read the results %s: no such file (give results.pvd, a .vtu or a .pvtu)", path);
  const std::string p(path);
  PetscCheck(EndsWith(p, ".vtu") || EndsWith(p, ".pvtu"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Cannot read the results %s: give results.pvd, a .vtu or a .pvtu (XDMF results: read results.xdmf with "
             "h5py or ParaView)",
             path);
  if (EndsWith(p, ".pvtu")) {
    vtkNew<vtkXMLPUnstructuredGridReader> reader;
    PetscCheck(reader->CanReadFile(path), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "Cannot read the results %s: not a VTK parallel unstructured grid", path);
    reader->SetFileName(path);
    reader->Update();
    PetscCall(CopyGrid(path, reader->GetOutput(), f));
  } else {
    vtkNew<vtkXMLUnstructuredGridReader> reader;
    PetscCheck(reader->CanReadFile(path), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "Cannot read the results %s: not a VTK unstructured grid", path);
    reader->SetFileName(path);
    reader->Update();
    PetscCall(CopyGrid(path, reader->GetOutput(), f));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode Read(const char path[], PetscInt state, TwinfeFields f)
{
  struct stat       st;
  const std::string p(path);
  PetscFunctionBeginUser;
  f->nstates = 1;
  if (!EndsWith(p, ".pvd"))
    PetscCall(ReadState(path, f));
  else {
    std::vector<std::pair<std::string, double>> states;
    PetscCheck(!stat(path, &st) && S_ISREG(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
               "Cannot read the results %s: no such file", path);
    PetscCall(ReadCollection(path, states));
    const PetscInt n = (PetscInt)states.size(), k = state < 0 ? n + state : state;
    PetscCheck(k >= 0 && k < n, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "%s has %" PetscInt_FMT " states (0 to %" PetscInt_FMT ", or -1 the last): there is no state %" PetscInt_FMT, path,
               n, n - 1, state);
    const size_t      slash = p.rfind('/');
    const std::string dir   = slash == std::string::npos ? std::string() : p.substr(0, slash + 1);
    const std::string file  = states[k].first[0] == '/' ? states[k].first : dir + states[k].first;
    f->nstates              = n;
    f->time                 = states[k].second;
    PetscCall(ReadState(file.c_str(), f));
  }
  PetscFunctionReturn(0);
}

std::string Names(TwinfeFields f)
{
  std::string names;
  for (const Field &field : f->fields)
    names += (names.empty() ? "" : ", ") + field.name;
  return names;
}
} // namespace

PetscErrorCode TwinfeFieldsDestroy(TwinfeFields *fields)
{
  PetscFunctionBeginUser;
  if (!fields || !*fields) PetscFunctionReturn(0);
  for (Field &field : (*fields)->fields)
    PetscCall(PetscFree(field.values));
  PetscCall(PetscFree((*fields)->xyz));
  PetscCall(PetscFree((*fields)->connectivity));
  delete *fields;
  *fields = nullptr;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsRead(const char path[], PetscInt state, TwinfeFields *fields)
{
  TwinfeFields   f;
  PetscErrorCode ierr;
  PetscFunctionBeginUser;
  PetscCheck(path, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: path is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  *fields = nullptr;
  f       = new (std::nothrow) _p_TwinfeFields{0, 0, 0, 0, 0, nullptr, nullptr, {}};
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory reading %s", path);
  ierr = TwinfeCxxGuard("reading the results", path, [&] { return Read(path, state, f); });
  if (ierr) {
    PetscCall(TwinfeFieldsDestroy(&f));
    PetscCall(ierr);
  }
  *fields = f;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetTime(TwinfeFields fields, PetscReal *time, PetscInt *nstates)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  if (time) *time = fields->time;
  if (nstates) *nstates = fields->nstates;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetPoints(TwinfeFields fields, PetscInt *npoints, const PetscReal **xyz)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  if (npoints) *npoints = fields->npoints;
  if (xyz) *xyz = fields->xyz;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetCells(TwinfeFields fields, PetscInt *ncells, PetscInt *nodes_per_cell,
                                    const PetscInt **connectivity)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  if (ncells) *ncells = fields->ncells;
  if (nodes_per_cell) *nodes_per_cell = fields->nodes_per_cell;
  if (connectivity) *connectivity = fields->connectivity;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetCount(TwinfeFields fields, PetscInt *nfields)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  *nfields = (PetscInt)fields->fields.size();
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetField(TwinfeFields fields, PetscInt i, const char **name, TwinfeFieldLocation *where,
                                    PetscInt *ntuples, PetscInt *ncomponents, const PetscReal **values)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(i >= 0 && i < (PetscInt)fields->fields.size(), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Field %" PetscInt_FMT " asked of a results state with %zu fields (0 to %zu)", i, fields->fields.size(),
             fields->fields.size() ? fields->fields.size() - 1 : 0);
  const Field &f = fields->fields[i];
  if (name) *name = f.name.c_str();
  if (where) *where = f.where;
  if (ntuples) *ntuples = f.ntuples;
  if (ncomponents) *ncomponents = f.ncomponents;
  if (values) *values = f.values;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeFieldsGetArray(TwinfeFields fields, const char name[], TwinfeFieldLocation *where, PetscInt *ntuples,
                                    PetscInt *ncomponents, const PetscReal **values)
{
  PetscFunctionBeginUser;
  PetscCheck(fields, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: fields is NULL", PETSC_FUNCTION_NAME);
  PetscCheck(name, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "%s: name is NULL", PETSC_FUNCTION_NAME);
  for (PetscInt i = 0; i < (PetscInt)fields->fields.size(); i++)
    if (fields->fields[i].name == name) {
      PetscCall(TwinfeFieldsGetField(fields, i, NULL, where, ntuples, ncomponents, values));
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "The results have no field \"%s\": they have %s", name, Names(fields).c_str());
}
