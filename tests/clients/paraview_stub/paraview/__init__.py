"""A recording stand-in for ParaView's Python package (tests/clients/test_run_report.py): pvpython
cannot be installed beside python3-vtk9 on Debian 12 (docs/stack-measurements.md).
SPDX-License-Identifier: GPL-2.0-or-later"""
