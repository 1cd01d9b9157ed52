/* VTK adapter for the rehearsal's pictures (rehearse.c): the baseline, the step and their
 * difference as PNG files, for a planner who reads report.html without ParaView.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Each picture is the outer surface coloured by a field's magnitude, seen from the front
 * (anterior, -y in LPS) with the head up (+z), on white, with a colour bar and a title. The
 * baseline and the step share one colour range, so that the same colour is the same value in
 * both. The view and the drawing are the run's (io/pictures_vtk.cxx); it needs an X display
 * (io/display.c). */
#include "procedures_impl.h"
#include "core/cxx_guard.h"
#include "io/picture_vtk.h"
#include "io/results_vtk.h"

#include <vtkDataArray.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>
#include <vtkUnstructuredGrid.h>

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
  TwinfePictureSpec spec;
  PetscFunctionBeginUser;
  spec.field    = field;
  spec.range[1] = range > 0 ? range : 1;
  spec.title    = title;
  spec.bar      = bar;
  PetscCall(TwinfeDrawSurfacePicture(data, spec, path));
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
  const std::string what = std::string(": ") + field, bar = units, p(prefix);
  PetscCall(Picture(cmp, base_field.c_str(), range, "baseline" + what, bar, (p + "_baseline.png").c_str()));
  PetscCall(Picture(mine, field, range, name + what, bar, (p + "_step.png").c_str()));
  PetscCall(Picture(cmp, change.c_str(), LargestMagnitude(cmp, change.c_str()), std::string(name) + " minus baseline" + what, bar,
                    (p + "_change.png").c_str()));
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
