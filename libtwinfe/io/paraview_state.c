/* open_in_paraview.py: a ParaView Python script in the output folder that opens the run with
 * the views a planner wants first, so that nobody has to know ParaView's filters to see a result.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The script finds results.pvd beside itself (the folder may be moved or copied) and decides
 * from the arrays it finds what to show: tissue -> the deformed shape (true scale) coloured by
 * the displacement's magnitude over the undeformed outline; flow -> the wall coloured by the wall
 * shear stress, faint, around a mid coronal plane coloured by the speed. The camera is in front
 * of the patient (anterior, -y in LPS), head up. It uses only paraview.simple calls that ParaView
 * 5.9 to 5.11 share; tests/clients/test_run_report.py runs it in ParaView 5.11's pvpython
 * (scripts/pvpython.sh: on Debian 12 python3-paraview cannot be installed beside python3-vtk9)
 * and against a stand-in for paraview.simple that checks the arrays it names. */
#include "io/pictures.h"

#include <stdio.h>
#include <twinfe/core.h>

static const char script[] =
    "\"\"\"Opens this twinfe run in ParaView: the last state of results.pvd with colour maps set.\n"
    "\n"
    "    pvpython open_in_paraview.py [--png FILE]   # draws it; --png saves a picture\n"
    "    paraview --script=open_in_paraview.py       # the GUI, set up\n"
    "    (or in ParaView: View > Python Shell > Run Script)\n"
    "\n"
    "Tissue: the deformed shape at true scale coloured by |displacement| (mm) over the undeformed\n"
    "outline. Flow: the wall coloured by |wall_shear_stress| (Pa), faint, around the mid coronal\n"
    "plane coloured by |velocity| (mm/s). Seen from the front (anterior), head up. Written by\n"
    "twinfe %s.\n"
    "\"\"\"\n"
    "import os\n"
    "import sys\n"
    "\n"
    "from paraview.simple import (ColorBy, ExtractSurface, GetActiveViewOrCreate, GetAnimationScene,\n"
    "                             GetColorTransferFunction, GetScalarBar, PVDReader, Render, SaveScreenshot, Show,\n"
    "                             Slice, WarpByVector)\n"
    "\n"
    "here = os.path.dirname(os.path.abspath(__file__))\n"
    "results = PVDReader(registrationName=\"results\", FileName=os.path.join(here, \"results.pvd\"))\n"
    "scene = GetAnimationScene()\n"
    "scene.UpdateAnimationUsingDataTimeSteps()\n"
    "try:  # a list-like property of the states' times, or one number with one state\n"
    "    times = [float(t) for t in results.TimestepValues]\n"
    "except TypeError:\n"
    "    times = [float(results.TimestepValues)]\n"
    "if times and times[-1] is not None:\n"
    "    scene.AnimationTime = times[-1]  # the last state: loaded, or the end of the flow\n"
    "view = GetActiveViewOrCreate(\"RenderView\")\n"
    "try:  # ParaView 5.10+: the palette's background unless told otherwise\n"
    "    view.UseColorPaletteForBackground = 0\n"
    "except AttributeError:\n"
    "    pass\n"
    "view.Background = [1.0, 1.0, 1.0]\n"
    "point_arrays = list(results.PointData.keys())\n"
    "\n"
    "\n"
    "def coloured(source, array, preset, title):\n"
    "    shown = Show(source, view)\n"
    "    ColorBy(shown, (\"POINTS\", array, \"Magnitude\"))\n"
    "    lut = GetColorTransferFunction(array)\n"
    "    lut.ApplyPreset(preset, True)\n"
    "    shown.RescaleTransferFunctionToDataRange(False, True)\n"
    "    shown.SetScalarBarVisibility(view, True)\n"
    "    bar = GetScalarBar(lut, view)\n"
    "    bar.Title, bar.ComponentTitle = title, \"\"\n"
    "    bar.TitleColor = [0.0, 0.0, 0.0]  # black on the white background\n"
    "    bar.LabelColor = [0.0, 0.0, 0.0]\n"
    "    return shown\n"
    "\n"
    "\n"
    "if \"displacement\" in point_arrays:\n"
    "    rest = Show(results, view)  # the undeformed shape, faint\n"
    "    rest.ColorArrayName = [\"POINTS\", \"\"]  # one colour, not a field\n"
    "    rest.AmbientColor = rest.DiffuseColor = [0.6, 0.6, 0.6]\n"
    "    rest.Opacity = 0.2\n"
    "    warp = WarpByVector(registrationName=\"deformed (true scale)\", Input=results)\n"
    "    warp.Vectors = [\"POINTS\", \"displacement\"]\n"
    "    warp.ScaleFactor = 1.0\n"
    "    coloured(warp, \"displacement\", \"Viridis (matplotlib)\", \"displacement (mm)\")\n"
    "elif \"velocity\" in point_arrays:\n"
    "    wall = ExtractSurface(registrationName=\"wall\", Input=results)\n"
    "    if \"wall_shear_stress\" in point_arrays:\n"
    "        coloured(wall, \"wall_shear_stress\", \"Cool to Warm\", \"wall shear stress (Pa)\").Opacity = 0.35\n"
    "    else:\n"
    "        Show(wall, view).Opacity = 0.2\n"
    "    plane = Slice(registrationName=\"mid coronal plane\", Input=results)\n"
    "    plane.SliceType = \"Plane\"\n"
    "    bounds = results.GetDataInformation().GetBounds()\n"
    "    plane.SliceType.Origin = [0.5 * (bounds[0] + bounds[1]), 0.5 * (bounds[2] + bounds[3]),\n"
    "                              0.5 * (bounds[4] + bounds[5])]\n"
    "    plane.SliceType.Normal = [0.0, 1.0, 0.0]\n"
    "    coloured(plane, \"velocity\", \"Viridis (matplotlib)\", \"velocity (mm/s)\")\n"
    "else:\n"
    "    Show(results, view)\n"
    "\n"
    "Render(view)\n"
    "bounds = results.GetDataInformation().GetBounds()  # from the front: anterior is -y in LPS, head +z\n"
    "centre = [0.5 * (bounds[2 * d] + bounds[2 * d + 1]) for d in range(3)]\n"
    "view.CameraFocalPoint = centre\n"
    "view.CameraPosition = [centre[0], centre[1] - 10 * (bounds[3] - bounds[2] + 1), centre[2]]\n"
    "view.CameraViewUp = [0.0, 0.0, 1.0]\n"
    "view.ResetCamera(False)\n"
    "Render(view)\n"
    "if \"--png\" in sys.argv[1:]:\n"
    "    SaveScreenshot(sys.argv[sys.argv.index(\"--png\") + 1], view, ImageResolution=[1200, 900])\n";

PetscErrorCode TwinfeWriteParaViewScript(const char path[])
{
  FILE *f;
  PetscFunctionBegin;
  PetscCheck(f = fopen(path, "w"), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write %s", path);
  fprintf(f, script, TwinfeVersion());
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", path);
  PetscFunctionReturn(0);
}
