#!/usr/bin/env bash
# pvpython on Debian 12 beside python3-vtk9: runs a ParaView Python script (a run's
# open_in_paraview.py) with ParaView 5.11's own Python modules.
#
#   bash scripts/pvpython.sh results/demo/open_in_paraview.py --png view.png
#   (on a server: xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" bash scripts/pvpython.sh ...:
#   ParaView connects to X more than once, and without -noreset the server may be resetting)
#
# Debian 12 ships those modules in python3-paraview, which conflicts with python3-vtk9 (both hold
# vtkmodules; libvtk9-dev needs python3-vtk9), so it cannot be installed here. scripts/setup.sh
# installs the paraview package (--no-install-recommends: the libraries, pvbatch, the GUI) and
# unpacks python3-paraview of the same version into /var/cache/twinfe (dpkg -x, not installed);
# this script runs its pvpython with those modules first on the path, so that they, not
# python3-vtk9's, are imported. Exit 3 when that is not set up.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

version=$(dpkg-query -W -f='${Version}' paraview 2>/dev/null || true)
root=/var/cache/twinfe/python3-paraview/${version:-none}
pvpython=$(ls "$root"/usr/bin/pvpython3.* 2>/dev/null | head -1 || true)
if [ -z "$version" ] || [ -z "$pvpython" ]; then
  echo "pvpython.sh: ParaView's Python is not set up: run scripts/setup.sh (it installs paraview and unpacks" \
       "python3-paraview ${version:-?} into /var/cache/twinfe)" >&2
  exit 3
fi
[ $# -ge 1 ] || { echo "usage: bash scripts/pvpython.sh SCRIPT.py [ARGS...]" >&2; exit 2; }
exec "$pvpython" -c "
import runpy, sys
sys.path.insert(0, '$root/usr/lib/python3/dist-packages')
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
" "$@"
