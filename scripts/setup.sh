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
