/* For the surface stage's VTK adapters (C++ only): triangles as a vtkPolyData.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef __cplusplus
#error "polydata_vtk.h is for the C++ adapters only"
#endif
#include <petscsys.h>

#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

/* nv points (double precision, 3 per vertex) and nt triangles (3 vertex indices each). */
vtkSmartPointer<vtkPolyData> TwinfeTrianglesToPolyData(PetscInt nv, const PetscReal xyz[], PetscInt nt, const PetscInt tri[]);
