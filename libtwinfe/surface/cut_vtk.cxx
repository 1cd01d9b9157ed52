/* VTK adapter for the cut caps (cut.c): a constrained Delaunay triangulation of a planar region
 * bounded by closed loops, with interior points given by the caller.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "surface_impl.h"
#include "core/cxx_guard.h"

#include <vtkCellArray.h>
#include <vtkCommand.h>
#include <vtkDelaunay2D.h>
#include <vtkExecutive.h>
#include <vtkNew.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include <string>

namespace {
/* Keeps VTK's first error or warning (a constraint edge it could not recover is a warning);
   observing the events also stops VTK printing them. */
class TwinfeCutObserver : public vtkCommand {
public:
  static TwinfeCutObserver *New()
  {
    return new TwinfeCutObserver;
  }
  void Execute(vtkObject *, unsigned long, void *calldata) override
  {
    if (message.empty()) message = calldata ? static_cast<const char *>(calldata) : "unknown VTK message";
  }
  std::string message;
};

PetscErrorCode Triangulate(PetscInt npoints, const PetscReal uv[], PetscInt nloops, const PetscInt loop_start[],
                           const PetscInt loop_points[], PetscInt *ntri, PetscInt **tri)
{
  PetscFunctionBeginUser;
  *ntri = 0;
  *tri  = NULL;
  vtkNew<vtkPoints> points;
  points->SetDataTypeToDouble();
  points->SetNumberOfPoints(npoints);
  for (PetscInt i = 0; i < npoints; i++)
    points->SetPoint(i, uv[2 * i], uv[2 * i + 1], 0.0);
  vtkNew<vtkPolyData> input;
  input->SetPoints(points);
  /* the loops as polygons: VTK keeps the triangles inside them (outer loops counter-clockwise,
     holes clockwise) and recovers their edges */
  vtkNew<vtkCellArray> polys;
  for (PetscInt l = 0; l < nloops; l++) {
    polys->InsertNextCell((vtkIdType)(loop_start[l + 1] - loop_start[l]));
    for (PetscInt k = loop_start[l]; k < loop_start[l + 1]; k++)
      polys->InsertCellPoint((vtkIdType)loop_points[k]);
  }
  vtkNew<vtkPolyData> source;
  source->SetPoints(points);
  source->SetPolys(polys);

  vtkNew<vtkDelaunay2D>              del;
  vtkSmartPointer<TwinfeCutObserver> observer = vtkSmartPointer<TwinfeCutObserver>::New();
  del->AddObserver(vtkCommand::ErrorEvent, observer);
  del->AddObserver(vtkCommand::WarningEvent, observer);
  del->GetExecutive()->AddObserver(vtkCommand::ErrorEvent, observer);
  del->SetInputData(input);
  del->SetSourceData(source);
  /* points closer than this fraction of the bounding box would be merged: far below any cap's
     spacing, so every point keeps its id */
  del->SetTolerance(1e-9);
  del->Update();
  vtkPolyData *out = del->GetOutput();
  PetscCheck(observer->message.empty(), PETSC_COMM_SELF, PETSC_ERR_LIB, "triangulating a cut cap failed: %s",
             observer->message.c_str());
  PetscCheck(out && out->GetNumberOfPoints() == npoints, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "triangulating a cut cap failed: %lld points came back for %" PetscInt_FMT,
             out ? (long long)out->GetNumberOfPoints() : -1LL, npoints);
  vtkCellArray *cells = out->GetPolys();
  PetscInt      n     = 0;
  PetscCall(PetscMalloc1(3 * cells->GetNumberOfCells() + 1, tri));
  vtkNew<vtkIdList> ids;
  for (cells->InitTraversal(); cells->GetNextCell(ids);) {
    if (ids->GetNumberOfIds() != 3) continue;
    for (int k = 0; k < 3; k++)
      (*tri)[3 * n + k] = (PetscInt)ids->GetId(k);
    n++;
  }
  *ntri = n;
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeSurfaceTriangulateLoops_VTK(PetscInt npoints, const PetscReal uv[], PetscInt nloops,
                                                 const PetscInt loop_start[], const PetscInt loop_points[], PetscInt *ntri,
                                                 PetscInt **tri)
{
  return TwinfeCxxGuard("triangulating", "a cut cap",
                        [&] { return Triangulate(npoints, uv, nloops, loop_start, loop_points, ntri, tri); });
}
