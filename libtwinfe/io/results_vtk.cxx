/* A case's results file read back, for the comparison and the pictures (results_vtk.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/results_vtk.h"

#include <vtkDataArraySelection.h>
#include <vtkNew.h>
#include <vtkXMLPUnstructuredGridReader.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <string>

namespace {
/* Only the arrays named in keep, when given: the reader's selections are filled from the file's
   header (UpdateInformation) and then narrowed. */
void Select(vtkXMLReader *reader, const char *const *keep)
{
  if (!keep) return;
  reader->UpdateInformation();
  for (vtkDataArraySelection *s : {reader->GetPointDataArraySelection(), reader->GetCellDataArraySelection()}) {
    s->DisableAllArrays();
    for (const char *const *k = keep; *k; k++)
      if (s->ArrayExists(*k)) s->EnableArray(*k);
  }
}
} // namespace

vtkSmartPointer<vtkUnstructuredGrid> TwinfeReadResultsGrid(const char path[], const char *const *keep)
{
  const std::string p(path);
  if (p.size() > 5 && p.compare(p.size() - 5, 5, ".pvtu") == 0) {
    vtkNew<vtkXMLPUnstructuredGridReader> reader;
    reader->SetFileName(path);
    Select(reader, keep);
    reader->Update();
    return reader->GetOutput();
  }
  vtkNew<vtkXMLUnstructuredGridReader> reader;
  reader->SetFileName(path);
  Select(reader, keep);
  reader->Update();
  return reader->GetOutput();
}
