/* open_in_paraview.py: a ParaView Python script in the output folder that opens the run with
 * the views a planner wants first, so that nobody has to know ParaView's filters to see a result.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The script finds results.pvd beside itself (the folder may be moved or copied) and decides
 * from the arrays it finds what to show: tissue -> the deformed shape (true scale) coloured by
 * the displacement's magnitude over the undeformed outline; flow -> the wall coloured by the wall
 * shear stress, faint, around a mid coronal plane coloured by the speed. The camera is in front
 * of the patient (anterior, -y in LPS), head up. It uses only paraview.simple calls that ParaView
 * 5.9 to 5.11 share; tests/clients/test_run_report.py runs it against a recording stand-in for
 * paraview.simple (pvpython and python3-vtk9 cannot both be installed on Debian 12). */
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
    "                             GetColorTransferFunction, PVDReader, Render, SaveScreenshot, Show, Slice,\n"
    "                             WarpByVector)\n"
    "\n"
    "here = os.path.dirname(os.path.abspath(__file__))\n"
    "results = PVDReader(registrationName=\"results\", FileName=os.path.join(here, \"results.pvd\"))\n"
    "scene = GetAnimationScene()\n"
    "scene.UpdateAnimationUsingDataTimeSteps()\n"
    "times = results.TimestepValues\n"
    "times = list(times) if isinstance(times, (list, tuple)) else [times]\n"
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
    "    bar = lut.GetScalarBar(view) if hasattr(lut, \"GetScalarBar\") else None\n"
    "    if bar is not None:\n"
    "        bar.Title, bar.ComponentTitle = title, \"\"\n"
    "        bar.TitleColor = bar.LabelColor = [0.0, 0.0, 0.0]\n"
    "    return shown\n"
    "\n"
    "\n"
    "if \"displacement\" in point_arrays:\n"
    "    outline = Show(results, view)\n"
    "    outline.SetRepresentationType(\"Outline\")\n"
    "    outline.AmbientColor = outline.DiffuseColor = [0.3, 0.3, 0.3]\n"
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
    "view.ResetCamera()  # then from the front: anterior is -y in LPS, the head +z\n"
    "focus = list(view.CameraFocalPoint)\n"
    "distance = sum((a - b) ** 2 for a, b in zip(view.CameraPosition, focus)) ** 0.5\n"
    "view.CameraPosition = [focus[0], focus[1] - distance, focus[2]]\n"
    "view.CameraViewUp = [0.0, 0.0, 1.0]\n"
    "view.ResetCamera()\n"
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
