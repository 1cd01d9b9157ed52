/* VTK adapter that writes NIfTI-1 label maps (TwinfeImageWrite; reading is image_read.c's, with zlib).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "image_impl.h"
#include "core/cxx_guard.h"

#include <vtkCommand.h>
#include <vtkDataArray.h>
#include <vtkExecutive.h>
#include <vtkImageData.h>
#include <vtkIntArray.h>
#include <vtkMatrix4x4.h>
#include <vtkNIFTIImageWriter.h>
#include <algorithm>
#include <vtkShortArray.h>
#include <vtkUnsignedCharArray.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkSmartPointer.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {
/* Keeps VTK's first error (and warning) message; an observer on ErrorEvent also stops VTK
   printing the error itself, so the PETSc error is the only report the user gets. */
class TwinfeVTKErrorObserver : public vtkCommand {
public:
  static TwinfeVTKErrorObserver *New()
  {
    return new TwinfeVTKErrorObserver;
  }
  void Execute(vtkObject *, unsigned long event, void *calldata) override
  {
    const char *text = static_cast<const char *>(calldata);
    if (event == vtkCommand::ErrorEvent) {
      if (error.empty()) error = text ? text : "unknown VTK error";
    } else if (warning.empty())
      warning = text ? text : "";
  }
  void Watch(vtkObject *object)
  {
    object->AddObserver(vtkCommand::ErrorEvent, this);
    object->AddObserver(vtkCommand::WarningEvent, this);
  }
  bool Failed() const
  {
    return !error.empty();
  }
  /* VTK messages read "ERROR: In <source file>, line N\n<class> (<address>): <text>\n":
     the user needs only the text. */
  std::string Message() const
  {
    std::string                  m    = error;
    const std::string::size_type text = m.find("): ");
    if (text != std::string::npos) m = m.substr(text + 3);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
      m.pop_back();
    return m;
  }
  std::string error, warning;
};

} // namespace

namespace {
PetscErrorCode NiftiWrite(const char path[], const PetscInt dims[3], const PetscReal spacing[3], const int32_t labels[],
                          const PetscReal ras_matrix[16], PetscBool write_qform)
{
  PetscFunctionBeginUser;
  vtkNew<vtkImageData> image;
  image->SetDimensions((int)dims[0], (int)dims[1], (int)dims[2]);
  image->SetSpacing(spacing[0], spacing[1], spacing[2]);
  image->SetOrigin(0.0, 0.0, 0.0);
  /* the smallest integer type that holds the labels, as segmentation tools write them (a CT
     label map of 68M voxels: 0.13 s to read as uint8, 0.63 s as int32) */
  const vtkIdType n  = (vtkIdType)dims[0] * dims[1] * dims[2];
  int32_t         lo = 0, hi = 0;
  for (vtkIdType v = 0; v < n; v++)
    lo = std::min(lo, labels[v]), hi = std::max(hi, labels[v]);
  vtkSmartPointer<vtkDataArray> values;
  if (lo >= 0 && hi <= 255)
    values = vtkSmartPointer<vtkUnsignedCharArray>::New();
  else if (lo >= -32768 && hi <= 32767)
    values = vtkSmartPointer<vtkShortArray>::New();
  else
    values = vtkSmartPointer<vtkIntArray>::New();
  values->SetName("labels");
  values->SetNumberOfTuples(n);
  for (vtkIdType v = 0; v < n; v++)
    values->SetTuple1(v, (double)labels[v]);
  image->GetPointData()->SetScalars(values);

  vtkNew<vtkMatrix4x4> matrix;
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      matrix->SetElement(r, c, ras_matrix[4 * r + c]);

  vtkNew<vtkNIFTIImageWriter>             writer;
  vtkSmartPointer<TwinfeVTKErrorObserver> observer = vtkSmartPointer<TwinfeVTKErrorObserver>::New();
  observer->Watch(writer);
  observer->Watch(writer->GetExecutive());
  writer->SetInputData(image);
  writer->SetFileName(path);
  writer->SetSFormMatrix(matrix);
  if (write_qform) writer->SetQFormMatrix(matrix);
  writer->SetDescription("libtwinfe label map");
  writer->Write();
  if (observer->Failed() || writer->GetErrorCode() != 0) {
    (void)std::remove(path);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "VTK could not write %s (error code %lu): %s", path, writer->GetErrorCode(),
            observer->Message().c_str());
  }
  PetscFunctionReturn(0);
}
} // namespace

PetscErrorCode TwinfeNiftiWrite_VTK(const char path[], const PetscInt dims[3], const PetscReal spacing[3], const int32_t labels[],
                                    const PetscReal ras_matrix[16], PetscBool write_qform)
{
  return TwinfeCxxGuard("writing", path, [&] { return NiftiWrite(path, dims, spacing, labels, ras_matrix, write_qform); });
}
