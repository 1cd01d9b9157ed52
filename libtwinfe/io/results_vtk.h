/* For the VTK adapters (io, procedures) (C++ only): a case's results file read back.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
#ifndef __cplusplus
#error "results_vtk.h is for the C++ adapters only"
#endif
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>

/* A results state: .vtu (one rank) or .pvtu with its pieces (several). With keep (a list ending
   in nullptr), only the point and cell arrays of those names are read: a CT state's stress and
   strain tensors are most of its memory, and a picture needs none of them. */
vtkSmartPointer<vtkUnstructuredGrid> TwinfeReadResultsGrid(const char path[], const char *const *keep = nullptr);
