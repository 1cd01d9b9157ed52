#!/usr/bin/env bash
# Installs the Debian 12 packages libtwinfe needs, when any is missing. Safe to run twice.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  petsc-dev libmetis-dev libvtk9-dev libgmsh-dev libyaml-dev libjansson-dev zlib1g-dev libdeflate-dev check
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev lib3mf-dev
  python3-vtk9 python3-numpy python3-nibabel python3-scipy python3-h5py admesh prusa-slicer time
  python3-cffi python3-pytest python3-mpi4py # bindings/python: the package calls the C library through cffi; its tests run
  # under pytest; mpi4py hands a communicator to twinfe.Case on several ranks
  xvfb xauth # the pictures of a run: VTK renders only on an X display; twinfe starts Xvfb when there is none
  paraview # ParaView 5.11 (libraries, pvbatch, GUI): the tests run a run's open_in_paraview.py in it (scripts/pvpython.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# ParaView's Python modules (python3-paraview) conflict with python3-vtk9 and cannot be installed
# beside it: the package of the installed paraview's version is unpacked, not installed, for
# scripts/pvpython.sh.
version=$(dpkg-query -W -f='${Version}' paraview)
cache=/var/cache/twinfe/python3-paraview/$version
if ! ls "$cache"/usr/bin/pvpython3.* > /dev/null 2>&1; then
  echo "setup: unpacking python3-paraview $version into $cache (for scripts/pvpython.sh)"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  work=$(mktemp -d)
  chmod 777 "$work" # apt's download user writes there
  if (cd "$work" && "${sudo_cmd[@]}" apt-get download -q "python3-paraview=$version" > "$work/log" 2>&1); then
    "${sudo_cmd[@]}" mkdir -p "$cache.part"
    "${sudo_cmd[@]}" dpkg -x "$work"/python3-paraview_*.deb "$cache.part"
    "${sudo_cmd[@]}" mv "$cache.part" "$cache"
  else # not fatal: the tests then check open_in_paraview.py against a stand-in only, and say so
    echo "setup: warning: could not download python3-paraview $version: $(tail -1 "$work/log")" >&2
  fi
  rm -rf "$work"
fi
