/* For the VTK adapters (io, procedures) (C++ only): a case's results file read back.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef __cplusplus
#error "results_vtk.h is for the C++ adapters only"
#endif
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>

/* A results state: .vtu (one rank) or .pvtu with its pieces (several). */
vtkSmartPointer<vtkUnstructuredGrid> TwinfeReadResultsGrid(const char path[]);
