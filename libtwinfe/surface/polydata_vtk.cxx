/* Triangles as a vtkPolyData, for the surface stage's VTK adapters (polydata_vtk.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "polydata_vtk.h"

#include <vtkCellArray.h>
#include <vtkNew.h>
#include <vtkPoints.h>

vtkSmartPointer<vtkPolyData> TwinfeTrianglesToPolyData(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[])
{
  vtkNew<vtkPoints> points;
  points->SetDataTypeToDouble();
  points->SetNumberOfPoints(nv);
  for (PetscInt v = 0; v < nv; v++)
    points->SetPoint(v, xyz + 3 * v);
  vtkNew<vtkCellArray> polys;
  for (PetscInt t = 0; t < nt; t++) {
    const vtkIdType ids[3] = {tri[3 * t], tri[3 * t + 1], tri[3 * t + 2]};
    polys->InsertNextCell(3, ids);
  }
  vtkSmartPointer<vtkPolyData> surface = vtkSmartPointer<vtkPolyData>::New();
  surface->SetPoints(points);
  surface->SetPolys(polys);
  return surface;
}
