/* VTK adapter for the rehearsal's pictures (rehearse.c): the baseline, the step and their
 * difference as PNG files, for a planner who reads report.html without ParaView.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each picture is the outer surface coloured by a field's magnitude, seen from the front
 * (anterior, -y in LPS) with the head up (+z), on white, with a colour bar and a title. The
 * baseline and the step share one colour range, so that the same colour is the same value in
 * both. VTK needs an X display to render (Debian's VTK 9.1 has no off-screen back end here):
 * rehearse.c asks only when DISPLAY is set, and the docs say to run under xvfb-run otherwise. */
#include "procedures_impl.h"
#include "core/cxx_guard.h"
#include "results_vtk.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkDataArray.h>
#include <vtkDataSetMapper.h>
#include <vtkDataSetSurfaceFilter.h>
#include <vtkLookupTable.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkScalarBarActor.h>
#include <vtkSmartPointer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkUnstructuredGrid.h>
#include <vtkWindowToImageFilter.h>

#include <cmath>
#include <string>

namespace {
double LargestMagnitude(vtkDataSet *data, const char field[])
{
  vtkDataArray *a = data->GetPointData()->GetArray(field);
  double        m = 0;
  for (vtkIdType i = 0; a && i < a->GetNumberOfTuples(); i++) {
    double s = 0;
    for (int c = 0; c < a->GetNumberOfComponents(); c++)
      s += a->GetComponent(i, c) * a->GetComponent(i, c);
    m = std::fmax(m, std::sqrt(s));
  }
  return m;
}

PetscErrorCode Picture(vtkDataSet *data, const char field[], double range, const std::string &title, const std::string &bar,
                       const char path[])
{
  PetscFunctionBeginUser;
  vtkNew<vtkDataSetSurfaceFilter> surface;
  surface->SetInputData(data);
  vtkNew<vtkLookupTable> colours;
  colours->SetHueRange(0.667, 0.0); /* blue (small) to red (large) */
  colours->SetVectorModeToMagnitude();
  colours->Build();
  vtkNew<vtkDataSetMapper> mapper;
  mapper->SetInputConnection(surface->GetOutputPort());
  mapper->SetLookupTable(colours);
  mapper->SetScalarModeToUsePointFieldData();
  mapper->SelectColorArray(field);
  mapper->SetScalarRange(0, range > 0 ? range : 1);
  mapper->ScalarVisibilityOn();
  vtkNew<vtkActor> actor;
  actor->SetMapper(mapper);
  vtkNew<vtkScalarBarActor> legend;
  legend->SetLookupTable(colours);
  legend->SetTitle(bar.c_str());
  legend->SetNumberOfLabels(5);
  legend->SetUnconstrainedFontSize(true); /* else VTK shrinks the title to the bar's width */
  legend->GetTitleTextProperty()->SetFontSize(14);
  legend->GetLabelTextProperty()->SetFontSize(14);
  legend->GetTitleTextProperty()->SetColor(0, 0, 0);
  legend->GetLabelTextProperty()->SetColor(0, 0, 0);
  legend->SetWidth(0.12);
  legend->SetPosition(0.86, 0.1);
  vtkNew<vtkTextActor> heading;
  heading->SetInput(title.c_str());
  heading->GetTextProperty()->SetColor(0, 0, 0);
  heading->GetTextProperty()->SetFontSize(20);
  heading->SetDisplayPosition(12, 570);
  vtkNew<vtkRenderer> renderer;
  renderer->SetBackground(1, 1, 1);
  renderer->AddActor(actor);
  renderer->AddActor2D(legend);
  renderer->AddActor2D(heading);
  double bounds[6], centre[3];
  data->GetBounds(bounds);
  for (int d = 0; d < 3; d++)
    centre[d] = 0.5 * (bounds[2 * d] + bounds[2 * d + 1]);
  vtkCamera *camera = renderer->GetActiveCamera();
  camera->SetFocalPoint(centre);
  camera->SetPosition(centre[0], centre[1] - 1000, centre[2]); /* from the front: anterior is -y in LPS */
  camera->SetViewUp(0, 0, 1);
  renderer->ResetCamera();
  vtkNew<vtkRenderWindow> window;
  window->SetOffScreenRendering(1);
  window->SetSize(800, 600);
  window->AddRenderer(renderer);
  window->Render();
  vtkNew<vtkWindowToImageFilter> image;
  image->SetInput(window);
  image->Update();
  vtkNew<vtkPNGWriter> writer;
  writer->SetFileName(path);
  writer->SetInputConnection(image->GetOutputPort());
  writer->Write();
  PetscFunctionReturn(0);
}

/* The field a planner looks at first: the wall shear stress of a flow, else the displacement of
   tissue, else the velocity. */
const char *const shown[][2] = {{"wall_shear_stress", "Pa"}, {"displacement", "mm"}, {"velocity", "mm/s"}};

PetscErrorCode Pictures(const char comparison[], const char step[], const char name[], const char prefix[], char chosen[])
{
  PetscFunctionBeginUser;
  vtkSmartPointer<vtkUnstructuredGrid> cmp = TwinfeReadResultsGrid(comparison), mine = TwinfeReadResultsGrid(step);
  const char                          *field = nullptr, *units = nullptr;
  for (const auto &f : shown)
    if (!field && cmp->GetPointData()->GetArray((std::string(f[0]) + "_change").c_str()) && mine->GetPointData()->GetArray(f[0]))
      field = f[0], units = f[1];
  chosen[0] = 0;
  if (!field) PetscFunctionReturn(0);
  PetscCall(PetscStrncpy(chosen, field, 64));
  const std::string base_field = std::string(field) + "_baseline", change = std::string(field) + "_change";
  const double      range = std::fmax(LargestMagnitude(cmp, base_field.c_str()), LargestMagnitude(mine, field));
  const std::string bar   = std::string(field) + " (" + units + ")", p(prefix);
  PetscCall(Picture(cmp, base_field.c_str(), range, "baseline", bar, (p + "_baseline.png").c_str()));
  PetscCall(Picture(mine, field, range, name, bar, (p + "_step.png").c_str()));
  PetscCall(Picture(cmp, change.c_str(), LargestMagnitude(cmp, change.c_str()), std::string(name) + " minus baseline",
                    std::string(field) + " change (" + units + ")", (p + "_change.png").c_str()));
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeRenderPictures_VTK(const char comparison[], const char step[], const char name[], const char prefix[],
                                        char field[64])
{
  PetscFunctionBeginUser;
  PetscCall(
      TwinfeCxxGuard("drawing the pictures of", comparison, [&] { return Pictures(comparison, step, name, prefix, field); }));
  PetscFunctionReturn(0);
}
