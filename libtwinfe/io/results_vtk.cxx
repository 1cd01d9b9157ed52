/* A case's results file read back, for the comparison and the pictures (results_vtk.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "io/results_vtk.h"

#include <vtkNew.h>
#include <vtkXMLPUnstructuredGridReader.h>
#include <vtkXMLUnstructuredGridReader.h>

#include <string>

vtkSmartPointer<vtkUnstructuredGrid> TwinfeReadResultsGrid(const char path[])
{
  const std::string p(path);
  if (p.size() > 5 && p.compare(p.size() - 5, 5, ".pvtu") == 0) {
    vtkNew<vtkXMLPUnstructuredGridReader> reader;
    reader->SetFileName(path);
    reader->Update();
    return reader->GetOutput();
  }
  vtkNew<vtkXMLUnstructuredGridReader> reader;
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}
