#!/usr/bin/env bash
# Makes the pictures of docs/planner.md and docs/print_lab.md (docs/images/*.png) from bundled
# cases: real ParaView screenshots of real twinfe outputs, and one VTK rendering of a printed part.
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   bash scripts/docs_pictures.sh            # writes docs/images/*.png, works in a temporary folder
#   KEEP=1 bash scripts/docs_pictures.sh     # keeps the work folder (the runs, the screenshots)
#
# Needs, beside a built tree (build/apps/twinfe):
#   - ParaView's GUI, Debian's `paraview` (5.11), installed WITHOUT its recommends, and Qt's SVG
#     plugin for its icons:
#       apt-get install -y --no-install-recommends paraview libqt5svg5
#     (with recommends apt pulls python3-paraview, which conflicts with python3-vtk9 and removes
#     libvtk9-dev: the build breaks. Check with `apt-get -s` first that nothing is removed.)
#   - ImageMagick (`import`, `convert`): apt-get install -y --no-install-recommends imagemagick
#   - Xvfb (scripts/setup.sh installs it) and /usr/bin/python3 with python3-vtk9 (likewise).
# None of these is in scripts/setup.sh: the pictures are committed, this script remakes them.
#
# How ParaView is driven: the GUI itself, under a private Xvfb (24-bit screen), opens each
# results file with --data and plays a Qt test script (--test-script: the same events a user's
# clicks make: Apply, Filters > Alphabetical > ..., the colour-by box, the camera buttons, the
# time buttons); then ImageMagick's `import -window root` takes the screenshot. ParaView reads
# its settings from a HOME of its own here (no welcome dialog, a 1280 x 1024 window), so the
# user's own ParaView settings are neither read nor changed.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
APP=${TWINFE:-$SRC/build/apps/twinfe}
IMAGES=$SRC/docs/images
WORK=$(mktemp -d /tmp/twinfe-docs-pictures.XXXXXX)
XVFB_PID=
PV_PID=

cleanup() {
  [ -n "$PV_PID" ] && kill "$PV_PID" 2>/dev/null || true
  [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "work folder kept: $WORK"; fi
}
trap cleanup EXIT

for tool in paraview Xvfb import convert /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "docs_pictures.sh: $tool is missing (see the top of this script)" >&2; exit 1; }
done
[ -x "$APP" ] || { echo "docs_pictures.sh: $APP is missing: cd build && make -j2" >&2; exit 1; }
mkdir -p "$IMAGES"

# ---- the runs (bundled cases; about a minute in all on 2 cores) ---------------------------------
echo "runs into $WORK"
"$APP" demo -o "$WORK/demo" -quiet > "$WORK/demo.log"
"$APP" run "$SRC/meshes/vessel_phantom.yaml" -o "$WORK/vessel" -quiet > "$WORK/vessel.log"
"$APP" mesh "$SRC/meshes/vessel_phantom.nii.gz" -surface_caps true -mesh_size 1.5 -o "$WORK/vessel15" > "$WORK/vessel15.log"
"$APP" solve "$WORK/vessel15/mesh.msh" -physics stokes -inflow_fourier 1,0.5,0.2 -cardiac_period 0.5 -cycles 1 \
  -o "$WORK/pulse" -quiet > "$WORK/pulse.log"
cat > "$WORK/whatifs.yaml" <<EOF
baseline: $SRC/meshes/organ_phantom.yaml
steps:
  - name: lift_8
    set: -retractor_shape spatula -retractor_center 12,-71,150 -retractor_axis 0,1,0 -retractor_blade 1,0,0 -retractor_length 30 -retractor_width 30 -retractor_thickness 8 -retractor_tags 1 -retractor_motion 0,-8,0
  - name: resect_left
    cut_plane: 14,-15,150,1,0,0
EOF
"$APP" rehearse "$WORK/whatifs.yaml" -o "$WORK/rehearse" -quiet > "$WORK/rehearse.log"
"$APP" print "$SRC/meshes/organ_phantom.nii.gz" -labels 1,2 -names organ,tumor -print_hollow_mm 3 \
  -print_drain_holes 66,-30,150 -print_3mf -o "$WORK/print" > "$WORK/print.log"

# ---- a private X server with a 24-bit screen ---------------------------------------------------
exec 3> "$WORK/display"
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp > "$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 50); do [ -s "$WORK/display" ] && break; sleep 0.2; done
exec 3>&-
export DISPLAY=:$(head -1 "$WORK/display")

# ParaView's own settings: no welcome dialog (it is modal and would stop the test script), a
# window the size of the screen.
mkdir -p "$WORK/pvhome/.config/ParaView"
cat > "$WORK/pvhome/.config/ParaView/ParaView5.11.0.ini" <<EOF
[General]
GeneralSettings.ShowWelcomeDialog=0

[MainWindow]
Size=@Size(1280 1024)
Position=@Point(0 0)
EOF

# pv_shot NAME DATA: ParaView opens DATA, plays $WORK/NAME.xml, and the screen goes to NAME.png.
pv_shot() {
  local name=$1 data=$2 log=$WORK/$1.log
  HOME=$WORK/pvhome paraview --data="$data" --test-script="$WORK/$name.xml" > "$log" 2>&1 &
  PV_PID=$!
  for _ in $(seq 240); do grep -q "is finished" "$log" && break; sleep 0.5; done
  grep -q "Success =  true" "$log" || { echo "ParaView did not play $name.xml:" >&2; cat "$log" >&2; exit 1; }
  sleep 3 # the last render
  import -window root "$WORK/$name.png"
  kill "$PV_PID"; wait "$PV_PID" 2>/dev/null || true; PV_PID=
}

# Qt test events (ParaView 5.11's widget names)
ACCEPT='<pqevent object="pqClientMainWindow/propertiesDock/propertiesPanel/Accept" command="activate" arguments="" />'
LAST='<pqevent object="pqClientMainWindow/VCRToolbar/actionVCRLastFrame" command="activate" arguments="" />'
RESCALE='<pqevent object="pqClientMainWindow/variableToolbar/actionResetRange" command="activate" arguments="" />'
PANEL=pqClientMainWindow/propertiesDock/propertiesPanel/scrollArea/qt_scrollarea_viewport/scrollAreaWidgetContents
colour() { echo "<pqevent object=\"pqClientMainWindow/variableToolbar/displayColor/Variables\" command=\"set_string\" arguments=\"$1\" />"; }
filter() { echo "<pqevent object=\"pqClientMainWindow/menubar/menuFilters/Alphabetical\" command=\"activate\" arguments=\"$1\" />"; }
camera() { echo "<pqevent object=\"pqClientMainWindow/cameraToolbar/action$1\" command=\"activate\" arguments=\"\" />"; }
threshold() { # array lower upper
  echo "<pqevent object=\"$PANEL/PropertiesFrame/ProxyPanel/SelectInputScalars/ComboBox\" command=\"set_string\" arguments=\"$1\" />"
  echo "<pqevent object=\"$PANEL/PropertiesFrame/ProxyPanel/LowerThreshold/DoubleRangeWidget/DoubleLineEdit\" command=\"set_string\" arguments=\"$2\" />"
  echo "<pqevent object=\"$PANEL/PropertiesFrame/ProxyPanel/UpperThreshold/DoubleRangeWidget/DoubleLineEdit\" command=\"set_string\" arguments=\"$3\" />"
}
opacity() { echo "<pqevent object=\"$PANEL/DisplayFrame/ProxyPanel/Opacity/DoubleRangeWidget/DoubleLineEdit\" command=\"set_string\" arguments=\"$1\" />"; }
select_row() { # a row of the pipeline browser: /0:0/0:0 is the file, /0:0/0:0/0:0 its first filter
  echo "<pqevent object=\"pqClientMainWindow/pipelineBrowserDock/pipelineBrowser\" command=\"mousePress\" arguments=\"1,1,0,40,8,$1\" />"
  echo "<pqevent object=\"pqClientMainWindow/pipelineBrowserDock/pipelineBrowser\" command=\"mouseRelease\" arguments=\"1,0,0,40,8,$1\" />"
}
events() { { echo '<?xml version="1.0" ?>'; echo '<pqevents>'; cat; echo '</pqevents>'; } > "$WORK/$1.xml"; }

# 1. The demo: Apply, last time step, colour by displacement, Warp By Vector, seen from the
#    patient's right (ParaView's "+X" view: looking along +x, head up).
events pv_displacement <<EOF
$ACCEPT
$LAST
$(colour displacement)
$RESCALE
$(filter WarpVector)
$ACCEPT
$(colour displacement)
$(camera PositiveX)
EOF
pv_shot pv_displacement "$WORK/demo/results.pvd"

# 2. The demo: the tumour (Threshold, region 2 to 2) coloured by von_mises inside the organ
#    (Threshold of region 1 to 1, opacity 0.25), from the front ("+Y": looking along +y, head up);
#    the colour range is the tumour's.
events pv_threshold <<EOF
$ACCEPT
$LAST
$(filter Threshold)
$(threshold region 2 2)
$ACCEPT
$(colour von_mises)
$(select_row /0:0/0:0)
$(filter Threshold)
$(threshold region 1 1)
$ACCEPT
$(colour von_mises)
$(opacity 0.25)
$(select_row /0:0/0:0/0:0)
$RESCALE
$(camera PositiveY)
EOF
pv_shot pv_threshold "$WORK/demo/results.pvd"

# 3. Steady flow in the bundled bifurcation: the vessel at opacity 0.2 and a Slice with a Y normal
#    (the coronal plane through the middle) coloured by |velocity|, from the front.
IPLANE=$PANEL/PropertiesFrame/ProxyPanel/CutFunction/ProxySelectionWidget/frame/ChosenProxyWidget/InteractivePlane
events pv_velocity <<EOF
$ACCEPT
$(opacity 0.2)
$(filter Cut)
<pqevent object="$IPLANE/useYNormal" command="activate" arguments="" />
<pqevent object="$IPLANE/show3DWidget" command="set_boolean" arguments="false" />
$ACCEPT
$(colour velocity)
$RESCALE
$(camera PositiveY)
EOF
pv_shot pv_velocity "$WORK/vessel/results.pvd"

# 4. Pulsatile Stokes flow, last state: the wall coloured by tawss, from the front.
events pv_tawss <<EOF
$ACCEPT
$LAST
$(colour tawss)
$RESCALE
$(camera PositiveY)
EOF
pv_shot pv_tawss "$WORK/pulse/results.pvd"

# 5. A rehearsal: rehearse.pvd at its second "time" (the step resect_left), the cells whose points
#    all have vtkValidPointMask 1 (Threshold 1 to 1: what the step kept), coloured by
#    |displacement_change|, from the front.
events pv_rehearse <<EOF
$ACCEPT
$LAST
$(filter Threshold)
$(threshold vtkValidPointMask 1 1)
$ACCEPT
$(colour displacement_change)
$RESCALE
$(camera PositiveY)
EOF
pv_shot pv_rehearse "$WORK/rehearse/rehearse.pvd"

# ---- 6. A printed part: VTK (python3-vtk9) under the same Xvfb, not ParaView -------------------
/usr/bin/python3 - "$WORK/print" "$WORK/print_part.png" <<'EOF'
"""organ_thickness.vtp (the hollowed organ's surface with its wall map) cut open by the plane
y = -30 mm (the anterior part removed), coloured by thickness_mm, with tumor.stl below it in grey;
seen from the front, above and to the patient's right, head up."""
import sys
import vtk

folder, png = sys.argv[1], sys.argv[2]
reader = vtk.vtkXMLPolyDataReader()
reader.SetFileName(f"{folder}/organ_thickness.vtp")
plane = vtk.vtkPlane()
plane.SetOrigin(0, -30, 0)
plane.SetNormal(0, 1, 0)          # keep the posterior half: the wall is seen in section from the front
clip = vtk.vtkClipPolyData()
clip.SetInputConnection(reader.GetOutputPort())
clip.SetClipFunction(plane)
lut = vtk.vtkLookupTable()
lut.SetHueRange(0.0, 0.66)        # red thin, blue thick
lut.SetTableRange(0, 6)
lut.Build()
organ_map = vtk.vtkPolyDataMapper()
organ_map.SetInputConnection(clip.GetOutputPort())
organ_map.SetScalarModeToUsePointFieldData()
organ_map.SelectColorArray("thickness_mm")
organ_map.SetLookupTable(lut)
organ_map.SetScalarRange(0, 6)
organ = vtk.vtkActor()
organ.SetMapper(organ_map)
stl = vtk.vtkSTLReader()
stl.SetFileName(f"{folder}/tumor.stl")
tumor_map = vtk.vtkPolyDataMapper()
tumor_map.SetInputConnection(stl.GetOutputPort())
tumor_map.ScalarVisibilityOff()
tumor = vtk.vtkActor()
tumor.SetMapper(tumor_map)
tumor.GetProperty().SetColor(0.75, 0.75, 0.75)
tumor.SetPosition(0, 0, -70)      # drawn below the organ, as the separate part it is
bar = vtk.vtkScalarBarActor()
bar.SetLookupTable(lut)
bar.SetTitle("thickness_mm")
bar.SetNumberOfLabels(4)
bar.SetWidth(0.08)
bar.SetHeight(0.5)
renderer = vtk.vtkRenderer()
renderer.SetBackground(1, 1, 1)
for actor in (organ, tumor, bar):
    renderer.AddViewProp(actor)
bar.GetTitleTextProperty().SetColor(0, 0, 0)
bar.GetLabelTextProperty().SetColor(0, 0, 0)
camera = renderer.GetActiveCamera()
camera.SetFocalPoint(0, 0, 0)
camera.SetPosition(-0.5, -1, 0.7) # in front of the patient (anterior, -y in LPS), from above right
camera.SetViewUp(0, 0, 1)
renderer.ResetCamera()
camera.Zoom(1.3)
window = vtk.vtkRenderWindow()
window.SetSize(900, 700)
window.AddRenderer(renderer)
window.Render()
shot = vtk.vtkWindowToImageFilter()
shot.SetInput(window)
writer = vtk.vtkPNGWriter()
writer.SetFileName(png)
writer.SetInputConnection(shot.GetOutputPort())
writer.Write()
EOF

# ---- into docs/images: the render view cropped where the GUI adds nothing, all under ~200 KB --
VIEW=976x788+302+201 # ParaView's render view in a 1280 x 1024 screen with this window layout
convert "$WORK/pv_displacement.png" -resize 960x +dither -colors 256 -strip PNG8:"$IMAGES/planner_paraview_displacement.png"
convert "$WORK/pv_threshold.png" -resize 960x +dither -colors 256 -strip PNG8:"$IMAGES/planner_paraview_threshold.png"
convert "$WORK/pv_velocity.png" -resize 960x +dither -colors 256 -strip PNG8:"$IMAGES/planner_paraview_velocity.png"
convert "$WORK/pv_tawss.png" -crop "$VIEW" +repage -resize 640x +dither -colors 256 -strip PNG8:"$IMAGES/planner_paraview_tawss.png"
convert "$WORK/pv_rehearse.png" -resize 960x +dither -colors 256 -strip PNG8:"$IMAGES/planner_paraview_rehearse.png"
convert "$WORK/print_part.png" -trim +repage -bordercolor white -border 10 +dither -colors 256 -strip PNG8:"$IMAGES/print_lab_part.png"
ls -l "$IMAGES"
