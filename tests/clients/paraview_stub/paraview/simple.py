"""The paraview.simple calls twinfe's open_in_paraview.py makes, recorded to PARAVIEW_STUB_LOG
(JSON) and checked against the data the script opens: the file exists, and every array it warps
or colours by is one the results' last state holds (read with python3-vtk9's XML readers, which
ParaView uses too). Not ParaView: what it cannot check is whether ParaView draws it as meant.
SPDX-License-Identifier: GPL-2.0-or-later"""
import atexit
import json
import os
import xml.etree.ElementTree as ET

import vtk

_calls = []
_state = {"arrays": None, "bounds": None}
atexit.register(lambda: json.dump(_calls, open(os.environ["PARAVIEW_STUB_LOG"], "w")))


def _record(name, *args, **kwargs):
    _calls.append([name, [repr(a) for a in args], {k: repr(v) for k, v in kwargs.items()}])


class _Proxy:
    """Any proxy: attributes set freely, sub-proxies made on first use."""

    def __init__(self, kind):
        object.__setattr__(self, "_kind", kind)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        value = _Proxy(name)
        object.__setattr__(self, name, value)
        return value

    def __setattr__(self, name, value):
        if name in ("Vectors", "ColorArrayName") and isinstance(value, list) and value[1]:
            _require_array(value[1], name)
        _record(f"{self._kind}.{name}=", value)
        if name == "SliceType" and isinstance(value, str):  # ParaView selects the named sub-proxy
            value = _Proxy(value)
        object.__setattr__(self, name, value)

    def ResetCamera(self, *a):
        _record("ResetCamera")

    def UpdateAnimationUsingDataTimeSteps(self):
        _record("UpdateAnimationUsingDataTimeSteps")

    def ApplyPreset(self, name, rescale):
        _record("ApplyPreset", name)
        return True

    def RescaleTransferFunctionToDataRange(self, *a):
        pass

    def SetScalarBarVisibility(self, *a):
        pass

    def SetRepresentationType(self, kind):
        _record("SetRepresentationType", kind)

    def GetScalarBar(self, view):
        return _Proxy("ScalarBar")


class _Arrays:
    def keys(self):
        return list(_state["arrays"])


class _Reader(_Proxy):
    def __init__(self, filename):
        super().__init__("PVDReader")
        if not os.path.isfile(filename):
            raise RuntimeError(f"PVDReader: no file {filename}")
        folder = os.path.dirname(filename)
        states = [d.get("file") for d in ET.parse(filename).getroot().iter("DataSet")]
        times = [float(d.get("timestep")) for d in ET.parse(filename).getroot().iter("DataSet")]
        last = os.path.join(folder, states[-1])
        reader = vtk.vtkXMLPUnstructuredGridReader() if last.endswith(".pvtu") else vtk.vtkXMLUnstructuredGridReader()
        reader.SetFileName(last)
        reader.Update()
        grid = reader.GetOutput()
        pd = grid.GetPointData()
        _state["arrays"] = [pd.GetArrayName(i) for i in range(pd.GetNumberOfArrays())]
        _state["bounds"] = grid.GetBounds()
        object.__setattr__(self, "TimestepValues", times if len(times) > 1 else times[0])
        object.__setattr__(self, "PointData", _Arrays())

    def GetDataInformation(self):
        bounds = _state["bounds"]

        class Info:
            def GetBounds(self):
                return bounds

        return Info()


def _require_array(name, where):
    if name not in _state["arrays"]:
        raise RuntimeError(f"{where}: the results have no point array {name!r} (they have {_state['arrays']})")


def PVDReader(registrationName=None, FileName=None):
    _record("PVDReader", FileName)
    return _Reader(FileName)


def GetAnimationScene():
    return _Proxy("AnimationScene")


def GetActiveViewOrCreate(kind):
    view = _Proxy(kind)
    object.__setattr__(view, "CameraFocalPoint", [0.0, 0.0, 0.0])
    object.__setattr__(view, "CameraPosition", [0.0, 0.0, 100.0])
    return view


def Show(source, view):
    _record("Show", getattr(source, "_kind", "?"))
    return _Proxy("Display")


def ColorBy(display, spec):
    _record("ColorBy", spec)
    _require_array(spec[1], "ColorBy")


def GetColorTransferFunction(name):
    _require_array(name, "GetColorTransferFunction")
    return _Proxy("LUT")


def GetScalarBar(lut, view):
    return _Proxy("ScalarBar")


def WarpByVector(registrationName=None, Input=None):
    _record("WarpByVector")
    return _Proxy("WarpByVector")


def ExtractSurface(registrationName=None, Input=None):
    _record("ExtractSurface")
    return _Proxy("ExtractSurface")


def Slice(registrationName=None, Input=None):
    _record("Slice")
    return _Proxy("Slice")


def Render(view=None):
    _record("Render")


def SaveScreenshot(path, view=None, ImageResolution=None):
    _record("SaveScreenshot", path)
