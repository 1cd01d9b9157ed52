"""Hostile inputs for the bad-input catalogue (test_bad_input.py), made from Python alone: NIfTI
files from raw header bytes, Gmsh 4.1 meshes as text, YAML case files, option lists.

Every maker starts from an input that twinfe accepts (the harness proves it once, see GOOD) and
changes one thing, so that a refusal can only come from that one thing.
SPDX-License-Identifier: GPL-2.0-or-later"""
import gzip
import math
import os
import re
import struct
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

# ---------------------------------------------------------------- NIfTI-1 from bytes

NIFTI_TYPES = {"uint8": (2, 8, "B"), "int16": (4, 16, "h"), "int32": (8, 32, "i"), "float32": (16, 32, "f")}


def nifti_bytes(dims, values, dtype="uint8", spacing=(2.0, 2.0, 2.0), qform=1, sform=1, srow=None, extra=b"", times=1):
    """A NIfTI-1 single file (.nii): 348-byte header, 4-byte extension flag, voxels (x fastest).
    `values` is a flat sequence of voxel values; `extra` bytes are appended (or given instead
    of values to fake a size)."""
    code, bitpix, fmt = NIFTI_TYPES[dtype]
    hdr = bytearray(348)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3 if times == 1 else 4, dims[0], dims[1], dims[2], times, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, code, bitpix)
    struct.pack_into("<8f", hdr, 76, 1.0, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0)
    struct.pack_into("<f", hdr, 108, 352.0)  # vox_offset
    struct.pack_into("<ff", hdr, 112, 1.0, 0.0)  # scl_slope, scl_inter: values as stored
    hdr[123] = 2  # xyzt_units: mm
    struct.pack_into("<hh", hdr, 252, qform, sform)
    if srow is None:
        srow = ((spacing[0], 0, 0, 0), (0, spacing[1], 0, 0), (0, 0, spacing[2], 0))
    for r in range(3):
        struct.pack_into("<4f", hdr, 280 + 16 * r, *srow[r])
    hdr[344:348] = b"n+1\0"
    body = struct.pack(f"<{len(values)}{fmt}", *values) if values is not None else b""
    return bytes(hdr) + b"\0\0\0\0" + body + extra


def label_cube(n=12, dtype="uint8", outer=1, inner=2, background=0):
    """n^3 voxels: background, a cube of `outer` (voxels 3..n-4) holding a cube of `inner`."""
    values = []
    for z in range(n):
        for y in range(n):
            for x in range(n):
                v = background
                if all(3 <= c <= n - 4 for c in (x, y, z)):
                    v = outer
                if all(5 <= c <= n - 6 for c in (x, y, z)):
                    v = inner
                values.append(v)
    return (n, n, n), values


def good_nifti(**kw):
    dims, values = label_cube(dtype=kw.get("dtype", "uint8"))
    return nifti_bytes(dims, values, **kw)


def write(path, data, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0) if gz else data)
    return path


# ---------------------------------------------------------------- Gmsh 4.1 text

@dataclass
class Msh:
    """Two cubes of 10 mm side by side along x, 6 tets each: region 1 'organ' (x 0..10) and
    region 2 'tumor' (x 10..20). Facets tagged as twinfe tags them: a region's outer surface by
    its label, the shared face by 1000*1 + 2."""
    nodes: dict = field(default_factory=dict)  # tag -> (x, y, z) as text
    tets: dict = field(default_factory=dict)  # region -> [(n0..n3)]
    tris: dict = field(default_factory=dict)  # facet tag -> [(n0, n1, n2)]
    names: dict = field(default_factory=dict)  # (dim, tag) -> name
    unphysical: set = field(default_factory=set)  # regions whose volume is in no physical group

    @staticmethod
    def two_cubes(gap=0.0):
        m = Msh()
        index = {}
        for cube, x0 in ((1, 0.0), (2, 10.0 + gap)):
            for k in range(8):
                p = (x0 + 10.0 * (k & 1), 10.0 * ((k >> 1) & 1), 10.0 * ((k >> 2) & 1))
                if p not in index:
                    index[p] = len(index) + 1
                    m.nodes[index[p]] = tuple(repr(c) for c in p)
            corner = lambda k: index[(x0 + 10.0 * (k & 1), 10.0 * ((k >> 1) & 1), 10.0 * ((k >> 2) & 1))]
            tets = []
            # Freudenthal: the 6 monotone paths from corner 0 to corner 7; the same on every cube,
            # so the shared face has the same diagonal from both sides.
            for a, b, c in ((1, 2, 4), (1, 4, 2), (2, 1, 4), (2, 4, 1), (4, 1, 2), (4, 2, 1)):
                tets.append((corner(0), corner(a), corner(a | b), corner(7)))
            m.tets[cube] = [Msh._positive(m.nodes, t) for t in tets]
        m._tag_facets()
        m.names = {(3, 1): "organ", (3, 2): "tumor", (2, 1): "organ_surface", (2, 2): "tumor_surface", (2, 1002): "organ_tumor_interface"}
        return m

    @staticmethod
    def _positive(nodes, t):
        p = [[float(c) for c in nodes[n]] for n in t]
        e = [[p[i][d] - p[0][d] for d in range(3)] for i in (1, 2, 3)]
        det = (e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0])
               + e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]))
        return t if det > 0 else (t[1], t[0], t[2], t[3])

    def _tag_facets(self):
        owner = {}
        for region, tets in self.tets.items():
            for t in tets:
                for skip in range(4):
                    face = tuple(n for i, n in enumerate(t) if i != skip)
                    owner.setdefault(frozenset(face), []).append((region, face))
        for key, owners in owner.items():
            labels = sorted({r for r, _ in owners})
            if len(owners) == 2 and len(labels) == 1:
                continue  # inside one region
            tag = labels[0] if len(labels) == 1 else 1000 * labels[0] + labels[1]
            self.tris.setdefault(tag, []).append(owners[0][1])

    def text(self):
        out = ["$MeshFormat", "4.1 0 8", "$EndMeshFormat"]
        names = [(d, t, n) for (d, t), n in sorted(self.names.items())]
        if names:
            out += ["$PhysicalNames", str(len(names))] + [f'{d} {t} "{n}"' for d, t, n in names] + ["$EndPhysicalNames"]
        surfaces, volumes = sorted(self.tris), sorted(self.tets)
        out += ["$Entities", f"0 0 {len(surfaces)} {len(volumes)}"]
        box = "0 0 0 20 10 10"
        out += [f"{i + 1} {box} 1 {t} 0" for i, t in enumerate(surfaces)]
        out += [f"{r} {box} {'0' if r in self.unphysical else '1 ' + str(r)} 0" for r in volumes]
        out += ["$EndEntities"]
        tags = list(self.nodes)
        entity = volumes[0] if volumes else 1
        dim = 3 if volumes else 2
        out += ["$Nodes", f"1 {len(tags)} {min(tags)} {max(tags)}", f"{dim} {entity} 0 {len(tags)}"]
        out += [str(t) for t in tags] + [" ".join(self.nodes[t]) for t in tags] + ["$EndNodes"]
        blocks, e = [], 0
        for i, t in enumerate(surfaces):
            blocks.append((2, i + 1, 2, self.tris[t]))
        for r in volumes:
            blocks.append((3, r, 4, self.tets[r]))
        nelem = sum(len(b[3]) for b in blocks)
        out += ["$Elements", f"{len(blocks)} {nelem} 1 {nelem}"]
        for d, ent, typ, elems in blocks:
            out.append(f"{d} {ent} {typ} {len(elems)}")
            for el in elems:
                e += 1
                out.append(f"{e} " + " ".join(str(n) for n in el))
        out += ["$EndElements"]
        return "\n".join(out) + "\n"


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------- the catalogue

@dataclass
class Ctx:
    """Where one case runs: `dir` is its own folder and the working directory of the app;
    `inputs` holds what the case made; `parent` is the user's folder that -o points into,
    with the user's files planted in it; `out` the output folder the case asks for."""
    dir: str
    inputs: str
    parent: str
    out: str
    data_dir: str
    base: dict  # paths made once by the harness: image, mesh, case

    def path(self, name):
        return os.path.join(self.inputs, name)


@dataclass(eq=False)
class Case:
    name: str
    group: str
    make: Callable[[Ctx], Sequence[str]]  # makes the inputs; returns the twinfe arguments
    names: Optional[str]  # the file or option the message must name (regex)
    wrong: Optional[str]  # what is wrong (regex)
    right: Optional[str]  # what would be right (regex)
    needs: Optional[str] = None  # the work that made this case pass (a record: every case must pass)
    ranks: Sequence[int] = (1,)
    note: str = ""


def esc(name):
    return re.escape(os.path.basename(name.rstrip("/")))


def copy_into(ctx, key, name=None):
    src = ctx.base[key]
    dst = ctx.path(name or os.path.basename(src))
    with open(src, "rb") as f:
        write(dst, f.read())
    return dst


def img_case(name, data, gz=False, fname=None, extra=(), needs=None, names=None, wrong=None, right=None, labels="1", note=""):
    fname = fname or (f"{name}.nii.gz" if gz else f"{name}.nii")

    def make(ctx):
        p = write(ctx.path(fname), data() if callable(data) else data, gz=gz)
        return ["mesh", p] + (["-labels", labels] if labels else []) + list(extra) + ["-o", ctx.out]

    return Case(name, "image", make, names or re.escape(fname), wrong, right, needs, note=note)


def solve_case(name, group, extra, names, wrong, right, needs=None, ranks=(1,), mesh=None, note=""):
    """`twinfe solve` on the two-cube mesh (a solve takes well under a second there)."""

    def make(ctx):
        m = write_text(ctx.path("two_cubes.msh"), (mesh or Msh.two_cubes)().text())
        return ["solve", m] + list(extra) + ["-o", ctx.out]

    return Case(name, group, make, names, wrong, right, needs, ranks, note)


def msh_case(name, mutate, wrong, right, needs=None, fname="hostile.msh", names=None, note=""):
    def make(ctx):
        m = Msh.two_cubes()
        text = mutate(m)
        p = write_text(ctx.path(fname), text if isinstance(text, str) else m.text())
        return ["solve", p, "-o", ctx.out]

    return Case(name, "mesh", make, names or re.escape(fname), wrong, right, needs, note=note)


def yaml_case(name, text, wrong, right, needs=None, fname="case.yaml", names=None, extra=(), note=""):
    def make(ctx):
        copy_into(ctx, "image", "scan.nii.gz")
        p = write_text(ctx.path(fname), text)
        return ["run", p] + list(extra) + ["-o", ctx.out]

    return Case(name, "case", make, names or re.escape(fname), wrong, right, needs, note=note)


GOOD_YAML = "image: scan.nii.gz\nlabels: 1,2\nnames: organ,tumor\norgan:\n  E: 5000\n  nu: 0.45\ngravity: 0,9810,0\n"


def _nan_header():
    b = bytearray(good_nifti(sform=0))
    struct.pack_into("<f", b, 80, math.nan)
    return bytes(b)


def _huge_header():
    # 30000^3 one-byte voxels claimed, 128 bytes present: 480 bytes in all
    return nifti_bytes((30000, 30000, 30000), None, extra=bytes(128))


def _truncated_nii():
    d = good_nifti()
    return d[: 352 + (len(d) - 352) // 2]


def _truncated_gz():
    """A gzip stream cut at 60%: the header inflates whole, the voxels do not."""
    n = 24
    values = [(x * y + 3 * z) % 5 for z in range(n) for y in range(n) for x in range(n)]
    data = gzip.compress(nifti_bytes((n, n, n), values), mtime=0)
    return data[: len(data) * 3 // 5]


def _float_image():
    dims, values = label_cube(dtype="float32")
    return nifti_bytes(dims, [v * 0.5 + (0.25 if v else 0) for v in values], dtype="float32")


def _negative_labels():
    dims, values = label_cube(dtype="int16", inner=-3)
    return nifti_bytes(dims, values, dtype="int16")


def _label_beyond_int32():
    dims, values = label_cube(dtype="float32", inner=5e9)
    return nifti_bytes(dims, values, dtype="float32")


def _singular_sform():
    # the sform's third column is zero: every slice maps onto the same plane
    return good_nifti(qform=0, sform=1, srow=((2, 0, 0, 0), (0, 2, 0, 0), (0, 0, 0, 0)))


def _four_d():
    dims, values = label_cube()
    return nifti_bytes(dims, values + values, times=2)


def _mha_text(extra=b"", dims=b"12 12 12", data=None):
    """A MetaImage .mha of the label cube (read since the formats work); `extra` header lines."""
    return (b"ObjectType = Image\nNDims = 3\nDimSize = " + dims + b"\nElementSpacing = 2 2 2\n" + extra +
            b"ElementType = MET_UCHAR\nElementDataFile = LOCAL\n" + (bytes(label_cube()[1]) if data is None else data))


def _nrrd_text(extra=b"", type_=b"uint8", sizes=b"12 12 12", data=None, encoding=b"raw"):
    """An NRRD of the label cube; `extra` header lines, `data` instead of the voxels."""
    return (b"NRRD0004\ntype: " + type_ + b"\ndimension: 3\nsizes: " + sizes + b"\nspacings: 2 2 2\nencoding: " + encoding +
            b"\n" + extra + b"\n" + (bytes(label_cube()[1]) if data is None else data))


def _nrrd_cut():
    return _nrrd_text(data=bytes(label_cube()[1])[:1000])


def _nrrd_overlong():
    return _nrrd_text(data=bytes(label_cube()[1]) + bytes(100))


def _nrrd_gzip_cut():
    return _nrrd_text(encoding=b"gzip", data=gzip.compress(bytes(label_cube()[1]), mtime=0)[:-30])


def _nrrd_huge():
    return _nrrd_text(sizes=b"30000 30000 30000", encoding=b"gzip", data=gzip.compress(bytes(4096), mtime=0))


def _nrrd_list():
    return b"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 12 12 12\nencoding: raw\ndata file: LIST 2\nslab0.raw\nslab1.raw\n"


def _nrrd_probability():
    _, values = label_cube()
    return _nrrd_text(type_=b"float", extra=b"endian: little\n", data=struct.pack(f"<{len(values)}f", *[v * 0.4 for v in values]))


def _seg_overlap():
    """A 3D Slicer .seg.nrrd with two layers: 'liver' (layer 0) and 'tumor' (layer 1) share 8 voxels."""
    n = 12
    data = bytearray()
    for z in range(n):
        for y in range(n):
            for x in range(n):
                liver = all(3 <= c <= 8 for c in (x, y, z))
                tumor = all(7 <= c <= 9 for c in (x, y, z))
                data += bytes([1 if liver else 0, 1 if tumor else 0])
    return (b"NRRD0004\ntype: uint8\ndimension: 4\nspace: left-posterior-superior\nsizes: 2 12 12 12\n"
            b"space directions: none (2,0,0) (0,2,0) (0,0,2)\nkinds: list domain domain domain\nencoding: raw\n"
            b"space origin: (0,0,0)\nSegment0_Name:=liver\nSegment0_LabelValue:=1\nSegment0_Layer:=0\n"
            b"Segment1_Name:=tumor\nSegment1_LabelValue:=1\nSegment1_Layer:=1\n\n" + bytes(data))


def _mha_cut():
    return _mha_text(data=bytes(label_cube()[1])[:1000])


def _mha_rgb():
    return _mha_text(extra=b"ElementNumberOfChannels = 3\n", data=bytes(label_cube()[1]) * 3)


def _mha_huge():
    return _mha_text(dims=b"30000 30000 30000", extra=b"CompressedData = True\n", data=gzip.compress(bytes(4096), mtime=0))


def _mhd_missing_raw():
    return _mha_text(data=b"").replace(b"ElementDataFile = LOCAL", b"ElementDataFile = scan.raw")


def _vti_huge():
    return (b'<?xml version="1.0"?>\n<VTKFile type="ImageData" version="0.1" byte_order="LittleEndian">\n'
            b'<ImageData WholeExtent="0 29999 0 29999 0 29999" Origin="0 0 0" Spacing="1 1 1">\n'
            b'<Piece Extent="0 29999 0 29999 0 29999"><PointData Scalars="l"><DataArray type="UInt8" Name="l" format="ascii">1 2 3'
            b'</DataArray></PointData></Piece></ImageData></VTKFile>\n')


def _dicom():
    return bytes(128) + b"DICM" + bytes(200)


def _msh_truncated(m):
    text = m.text()
    return text[: text.index("$Elements") + 60]


def _msh_no_tets(m):
    m.tets = {}
    m.names = {k: v for k, v in m.names.items() if k[0] == 2}
    return m


def _msh_tets_outside_physical_volume(m):
    # the tumor's tets belong to no physical volume while the organ's do: reading the organ
    # alone would drop part of the body (a file with no physical volume at all is another
    # matter: the msh branch reads each volume entity as a region, as Gmsh users expect)
    m.unphysical = {2}
    del m.names[(3, 2)]
    return m


def _msh_huge_node_tag(m):
    # past 2^64: no reader can hold it (10^15 is a legal tag, which a reader must not size an
    # array by: the msh branch maps tags, main's Gmsh reader crashed on it)
    big = 10**20
    m.nodes[big] = m.nodes.pop(8)
    for r in m.tets:
        m.tets[r] = [tuple(big if n == 8 else n for n in t) for t in m.tets[r]]
    for t in m.tris:
        m.tris[t] = [tuple(big if n == 8 else n for n in f) for f in m.tris[t]]
    return m


def _msh_missing_node(m):
    m.tets[1][0] = (m.tets[1][0][0], m.tets[1][0][1], m.tets[1][0][2], 99)
    return m


def _msh_nan(m):
    m.nodes[3] = ("nan", m.nodes[3][1], m.nodes[3][2])
    return m


def _msh_flat_tet(m):
    # a fifth tet in the organ over the four corners of its bottom face: no volume at all
    bottom = [t for t, xyz in m.nodes.items() if float(xyz[2]) == 0.0 and float(xyz[0]) <= 10.0]
    m.tets[1].append(tuple(bottom[:4]))
    return m


def _msh_bad_name(m):
    m.names[(3, 2)] = "tumor/left"
    return m


def _msh_non_ascii_name(m):
    m.names[(3, 2)] = "t\u00fcmor"
    return m


def _existing_file(ctx):
    write(ctx.out, b"the user's own file named out\n")


def _user_folder(ctx):
    write(os.path.join(ctx.out, "notes.txt"), b"mine\n")
    write(os.path.join(ctx.out, "scan", "slice_001.dcm"), b"DICM" + bytes(60))


def _out_args(ctx, target):
    m = write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())
    return ["solve", m, "-o", target]


def _earlier_output_with_user_file(ctx, run):
    """An earlier twinfe output to which the user added a ParaView state."""
    m = write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())
    code, _, err = run(["solve", m, "-o", ctx.out])
    assert code == 0, f"could not make the earlier output: {err}"
    write(os.path.join(ctx.out, "view.pvsm"), b"<ParaView/>\n")
    return ["solve", m, "-o", ctx.out]


OUT = r"out\b"
NUM = r"number|numeric|real|value"


def catalogue():
    """The cases: (name, group, inputs and arguments, what the one-line error must name, say is
    wrong and say would be right). Regexes are case-insensitive and searched in the line."""
    C = []
    img = lambda *a, **k: C.append(img_case(*a, **k))
    # ---- images
    img("img_header_claims_30000_cubed", _huge_header, wrong=r"30000|truncat|too (short|small)|bytes", right=r"\d+ bytes|expect|needs|should|limit|crop|downsample",
        needs="image", note="480-byte file whose header claims 27e12 voxels")
    img("img_truncated_nii", _truncated_nii, wrong=r"truncat|too short|ends|incomplete|bytes", right=r"\d+ bytes|expect|needs|should", needs="image")
    img("img_truncated_gz", _truncated_gz, fname="img_truncated_gz.nii.gz", wrong=r"truncat|corrupt|incomplete|cannot read|gzip|compress", right=r"nifti|\.nii|expect|complete",
        needs="image")
    C.append(Case("img_truncated_real_gz", "image", _half_of_example_seg, r"example_seg_half\.nii\.gz",
                  r"truncat|corrupt|incomplete|ends|cannot read", r"nifti|\.nii|expect|complete|needs \d+ bytes", needs="image",
                  note="the first half of TotalSegmentator's example label map"))
    img("img_empty_file", b"", gz=False, fname="empty.nii.gz", wrong=r"empty|0 bytes|truncat|too short", right=r"nifti|\.nii|label map", needs="image")
    img("img_zero_spacing", lambda: good_nifti(spacing=(0.0, 2.0, 2.0), sform=0), wrong=r"spacing|voxel size|pixdim", right=r"positive|> ?0|finite",
        needs="image")
    img("img_negative_spacing", lambda: good_nifti(spacing=(-2.0, 2.0, 2.0), sform=0), wrong=r"spacing|voxel size|pixdim", right=r"positive|> ?0")
    img("img_nan_spacing", _nan_header, wrong=r"spacing|voxel size|pixdim|nan", right=r"positive|finite|> ?0")
    img("img_singular_direction", _singular_sform, wrong=r"singular|degenerate|not invertible|direction|sform|orientation",
        right=r"invertible|independent|rotation|non-?zero|orthogonal|determinant|positive")
    img("img_float_non_integral", _float_image, wrong=r"non-?integ|not (an )?integ|fraction|0\.25|0\.75", right=r"label map|integer labels|whole")
    C.append(Case("img_int16_ct_as_labels", "image",
                  lambda ctx: ["mesh", copy_into(ctx, "ct"), "-o", ctx.out], r"example_ct_sm\.nii\.gz",
                  r"\bCT\b|intensit|hounsfield|negative|not a label map", r"label map|segmentation|labels? (are|from) 1", needs="image"))
    img("img_negative_labels", _negative_labels, labels=None, wrong=r"negative|-3|below 0", right=r"1 to \d+|positive labels|labels are|>= ?0|non-?negative",
        needs="image", note="main takes -3 for background and meshes the rest")
    img("img_label_beyond_int32", _label_beyond_int32, labels=None, wrong=r"5e\+?0?9|5000000000|not a label|int32|out of range",
        right=r"int32|integral|integer|label map")
    # MetaImage and NRRD were refused by name before issue 11; they are read now (docs/image_formats.md), so the
    # format-refusal row is DICOM's, and the rows below are hostile files of each new reader.
    img("img_dicom_not_read", _dicom, fname="scan.dcm", wrong=r"dicom|not read", right=r"\.nii\.gz|nifti|\.nrrd|\.mha", needs="formats")
    img("img_nrrd_truncated", _nrrd_cut, fname="scan.nrrd", wrong=r"truncated", right=r"needs \d+ bytes|copy or export", needs="formats")
    img("img_nrrd_overlong", _nrrd_overlong, fname="scan.nrrd", wrong=r"holds \d+ bytes|do not match", right=r"needs \d+", needs="formats")
    img("img_nrrd_gzip_cut", _nrrd_gzip_cut, fname="scan.nrrd", wrong=r"truncated|corrupt|cut", right=r"needs \d+|copy or export",
        needs="formats")
    img("img_nrrd_claims_30000_cubed", _nrrd_huge, fname="huge.nrrd", wrong=r"30000", right=r"limit|crop|downsample", needs="formats")
    img("img_nrrd_list_data_files", _nrrd_list, fname="slabs.nhdr", wrong=r"several files|LIST", right=r"one \.nrrd", needs="formats")
    C.append(Case("img_nhdr_data_file_missing", "image",
                  lambda ctx: ["mesh", write(ctx.path("scan.nhdr"), _nrrd_text(extra=b"data file: scan.raw\n", data=b"")), "-labels", "1",
                               "-o", ctx.out],
                  r"scan\.nhdr", r"scan\.raw.*cannot be opened|no such file", r"check the name", needs="formats"))
    img("img_nrrd_float_without_threshold", _nrrd_probability, fname="prob.nrrd", labels=None, wrong=r"not a whole number|float32",
        right=r"-threshold", needs="formats")
    img("img_threshold_on_integer_labels", good_nifti, extra=["-threshold", "0.5"], names=r"img_threshold_on_integer_labels\.nii",
        wrong=r"integer label map", right=r"drop -threshold|-labels", needs="formats")
    img("img_inside_not_a_choice", good_nifti, extra=["-threshold", "0.5", "-inside", "sideways"], names=r"-inside",
        wrong=r"sideways", right=r"above|below", needs="formats")
    img("img_seg_layers_overlap", _seg_overlap, fname="overlap.seg.nrrd", labels=None, wrong=r"'liver'.*'tumor'.*overlap in 8 voxels",
        right=r"exclusive|export a label map", needs="formats")
    img("img_mha_truncated", _mha_cut, fname="scan.mha", wrong=r"truncated", right=r"needs \d+ bytes|copy or export", needs="formats")
    img("img_mha_three_channels", _mha_rgb, fname="rgb.mha", wrong=r"ElementNumberOfChannels = 3", right=r"one value per voxel",
        needs="formats")
    img("img_mha_claims_30000_cubed", _mha_huge, fname="huge.mha", wrong=r"30000", right=r"limit|crop|downsample", needs="formats")
    img("img_mhd_raw_missing", _mhd_missing_raw, fname="scan.mhd", wrong=r"scan\.raw.*cannot be opened|no such file", right=r"check the name",
        needs="formats")
    img("img_vti_claims_30000_cubed", _vti_huge, fname="huge.vti", wrong=r"30000", right=r"limit|crop|downsample", needs="formats")
    img("img_4d_time_series", _four_d, wrong=r"time|4-?d|volumes|components", right=r"one value per voxel|3-?d|single volume|label map", needs="image")
    C.append(Case("img_directory_given", "image", lambda ctx: (os.makedirs(ctx.path("scan.nii.gz")), ["mesh", ctx.path("scan.nii.gz"), "-labels", "1", "-o", ctx.out])[1],
                  r"scan\.nii\.gz", r"folder|directory", r"file|\.nii", needs="image"))
    C.append(Case("img_missing_file", "image", lambda ctx: ["mesh", ctx.path("nope.nii.gz"), "-labels", "1", "-o", ctx.out], r"nope\.nii\.gz",
                  r"no such|cannot (read|open|find)|missing|does not exist|not found", r"check the path|\.nii|nifti|label map", needs="image"))
    img("img_label_absent", good_nifti, labels="1,7", wrong=r"\b7\b.*(absent|not in|no voxel|not found|missing)|(absent|not in|no voxel|missing).*\b7\b",
        right=r"labels? (in|of) the image|present|1, ?2|choose|holds \d+ labels?|from \d+ to \d+", names=r"-labels|scan|img_label_absent", needs="image")
    img("labels_zero", good_nifti, labels="0", names=r"-labels", wrong=r"\b0\b|out of range", right=r"labels are 1 to|positive|1 or more|>= ?1")
    img("labels_negative", good_nifti, labels="-2", names=r"-labels", wrong=r"-2|out of range", right=r"labels are 1 to|positive|1 or more|>= ?1")
    img("names_count_mismatch", good_nifti, labels="1,2", extra=["-names", "organ"], names=r"-names", wrong=r"\b1\b.*\b2\b|count|names? for", right=r"one name per label")
    img("names_with_space", good_nifti, labels="1", extra=["-names", "my organ"], names=r"-names|my organ", wrong=r"character ' '|space", right=r"letters, digits")
    img("names_with_slash", good_nifti, labels="1", extra=["-names", "organ/left"], names=r"-names|organ/left", wrong=r"'/'|slash", right=r"letters, digits")
    img("names_non_ascii", good_nifti, labels="1", extra=["-names", "t\u00fcmor"], names=r"-names|t\u00fcmor", wrong=r"character|non-ascii",
        right=r"letters, digits", needs="utf8", note="CheckRegionName (case.c) prints one byte of a two-byte character")
    # ---- meshes
    C.append(Case("msh_not_a_msh", "mesh", lambda ctx: ["solve", copy_into(ctx, "image", "scan.nii.gz"), "-o", ctx.out], r"scan\.nii\.gz",
                  r"not a (gmsh|\.msh|mesh)|cannot read .* as a mesh|format", r"\.msh|gmsh", needs="msh", note="main names TwinfeMeshReadGmsh"))
    C.append(msh_case("msh_truncated", _msh_truncated, wrong=r"truncat|ends|incomplete|unexpected end|\$EndElements|missing", right=r"\.msh|gmsh|complete|expected",
                      needs="msh"))
    C.append(msh_case("msh_no_tetrahedra", _msh_no_tets, wrong=r"no (4-node )?tetrahed", right=r"physical volume|3D mesh|tetrahedra"))
    C.append(msh_case("msh_tets_outside_physical_volume", _msh_tets_outside_physical_volume, wrong=r"no physical volume|not in (a|any) physical|outside",
                      right=r"physical volume|region|add",
                      needs="msh"))
    C.append(msh_case("msh_huge_node_tag", _msh_huge_node_tag, wrong=r"node tag|100000000000000000000|too large|huge|out of range|overflow", right=r"renumber|at most|below|\d+ nodes|2\^64|18446744073709551615",
                      needs="msh-followup"))
    C.append(msh_case("msh_missing_node", _msh_missing_node, wrong=r"node 99|\b99\b", right=r"no coordinates|not (in|among) the nodes|\$Nodes|defined",
                      needs="msh"))
    C.append(msh_case("msh_nan_coordinate", _msh_nan, wrong=r"nan|not a number|non-?finite|coordinate", right=r"finite|coordinates?|number", needs="msh"))
    C.append(msh_case("msh_flat_tetrahedron", _msh_flat_tet, wrong=r"zero volume|flat|degenerate|inverted|volume", right=r"positive volume|remesh|check|> ?0",
                      needs="msh", note="a tet over four coplanar nodes"))
    C.append(Case("msh_missing_file", "mesh", lambda ctx: ["solve", ctx.path("none.msh"), "-o", ctx.out], r"none\.msh",
                  r"cannot read|no such|missing|does not exist|not found", r"check the path|\.msh"))
    C.append(msh_case("msh_region_name_chars", _msh_bad_name, wrong=r"tumor/left|'/'", right=r"letters, digits"))
    C.append(msh_case("msh_region_name_non_ascii", _msh_non_ascii_name, wrong=r"t\u00fcmor|character|non-ascii", right=r"letters, digits",
                      needs="msh", note="main cuts the UTF-8 of the name in half"))
    # ---- case files
    C.append(yaml_case("yaml_syntax_error", GOOD_YAML.replace("organ:\n  E: 5000", "organ: {E: 5000\n  nu: [0.45"), names=r"case\.yaml",
                       wrong=r"syntax|yaml|parse|flow|unclosed|expected", right=r"line \d+|:\d+", needs="options"))
    C.append(yaml_case("yaml_misspelt_key", GOOD_YAML.replace("gravity:", "gravty:"), names=r"gravty",
                       wrong=r"unknown|not (a )?(known|used)|unused|misspel", right=r"did you mean .*gravity|gravity", needs="options"))
    C.append(yaml_case("yaml_image_missing", GOOD_YAML.replace("scan.nii.gz", "not_here.nii.gz"), names=r"not_here\.nii\.gz",
                       wrong=r"no such|cannot (read|open|find)|missing|does not exist|not found", right=r"check the path|relative to|\.nii|case file",
                       needs="image"))
    C.append(yaml_case("yaml_no_image_key", GOOD_YAML.replace("image: scan.nii.gz\n", ""), names=r"image", wrong=r"no label map|no image|missing",
                       right=r"image: FILE|-image"))
    C.append(Case("case_file_missing", "case", lambda ctx: ["run", ctx.path("none.yaml"), "-o", ctx.out], r"none\.yaml",
                  r"cannot read|no such|missing|does not exist|not found", r"check the path|yaml"))
    C.append(yaml_case("yaml_names_count_in_file", GOOD_YAML.replace("names: organ,tumor", "names: organ"), names=r"names",
                       wrong=r"\b1\b.*\b2\b|count", right=r"one name per label"))
    C.append(Case("case_file_is_directory", "case", lambda ctx: (os.makedirs(ctx.path("case.yaml")), ["run", ctx.path("case.yaml"), "-o", ctx.out])[1],
                  r"case\.yaml", r"folder|directory", r"give|yaml file|file inside|the file itself", needs="options-followup"))
    C.append(Case("case_file_unreadable", "case", _unreadable_case, r"case\.yaml", r"cannot (read|open)|permission|no such|unreadable|dangling|broken",
                  r"check the path|yaml|case file", note="root reads any file: a dangling symlink stands for an unreadable file"))
    C.append(Case("case_file_is_binary", "case", lambda ctx: ["run", copy_into(ctx, "image", "scan.nii.gz"), "-o", ctx.out], r"scan\.nii\.gz",
                  r"not (a )?yaml|yaml|binary|syntax|parse|not (readable )?text|control char", r"yaml (text|file)|organ_phantom|give a|text file",
                  needs="options-followup"))
    # ---- options
    C.append(solve_case("opt_typo_tumour_E", "option", ["-tumour_E", "3000"], r"-tumour_E", r"unknown|not (a known|used)|unused|no region",
                        r"did you mean -tumor_E|-tumor_E", needs="options"))
    C.append(img_case("opt_double_dash_labels", good_nifti, labels=None, extra=["--labels", "1"], names=r"--labels", wrong=r"unknown|not (known|used|an option)|unused|double|two dashes",
                      right=r"(use|did you mean) -labels|-labels", needs="options"))
    C.append(solve_case("opt_stray_positional", "option", ["stray.msh"], r"stray\.msh", r"unexpected|stray|extra|positional|not an option|one input",
                        r"one (input|file)|options start with|-[a-z]+ VALUE|usage|twinfe solve MESH", needs="options"))
    C.append(solve_case("opt_non_numeric_E", "option", ["-organ_E", "soft"], r"-organ_E", r"soft|not a number|numeric", r"number|Pa|positive", needs="options"))
    C.append(img_case("opt_unknown_mesh_algorithm", good_nifti, labels="1", extra=["-mesh_algorithm", "frontal"], names=r"-mesh_algorithm",
                      wrong=r"frontal|unknown", right=r"hxt.*delaunay|delaunay.*hxt"))
    C.append(solve_case("opt_gravity_two_values", "option", ["-gravity", "0,9810"], r"-gravity", r"\b2\b|two|length|values", r"\b3\b|three|x,y,z|0,9810,0",
                        needs="options"))
    C.append(solve_case("opt_ksp_max_it_2_no_convergence", "option", ["-elasticity_ksp_max_it", "2", "-elasticity_pc_type", "none"],
                        r"-elasticity_ksp_max_it", r"not converge|diverge|did not|iterations? (limit|reached)|max_it",
                        r"raise|increase|more iterations|ksp_max_it|ksp_rtol|preconditioner"))
    C.append(solve_case("opt_unknown_results_compression", "option", ["-results_compression", "bogus"], r"-results_compression", r"bogus", r"lz4"))
    C.append(solve_case("opt_unknown_results_format", "option", ["-results_format", "hdf5"], r"-results_format", r"hdf5", r"vtu or xdmf"))
    C.append(solve_case("opt_elasticity_degree_3", "option", ["-elasticity_degree", "3"], r"-elasticity_degree", r"\b3\b", r"\b1\b.*\b2\b|1 or 2"))
    C.append(img_case("labels_non_numeric", good_nifti, labels="liver", names=r"-labels", wrong=r"liver|not (a|an) (number|integer)|integer",
                      right=r"labels are 1 to|number|1,2", needs="options"))
    C.append(Case("demo_bad_material", "option", lambda ctx: ["demo", "-organ_E", "0", "-o", ctx.out], r"-organ_E", r"\b0\b", r"positive"))
    C.append(Case("demo_default_folder", "output", lambda ctx: ["demo", "-tumor_nu", "0.5"], r"-tumor_nu", r"0\.5", r"-1.*0\.5",
                  note="no -o: the default twinfe-demo must not appear in the working directory either"))
    C.append(Case("opt_unknown_command", "option", lambda ctx: ["simulate", "-o", ctx.out], r"simulate", r"unknown command", r"demo, run, mesh, solve"))
    C.append(Case("opt_no_output", "option", lambda ctx: ["mesh", write(ctx.path("scan.nii"), good_nifti()), "-labels", "1"], r"-o\b", r"no output", r"-o DIR"))
    # ---- materials
    C.append(solve_case("mat_E_zero", "material", ["-organ_E", "0"], r"-organ_E", r"\b0\b|is 0", r"positive"))
    C.append(solve_case("mat_E_negative", "material", ["-tumor_E", "-1"], r"-tumor_E", r"-1", r"positive"))
    C.append(solve_case("mat_nu_half", "material", ["-tumor_nu", "0.5"], r"-tumor_nu", r"0\.5", r"-1.*0\.5|below 0\.5|< ?0\.5"))
    C.append(solve_case("mat_nu_minus_one", "material", ["-organ_nu", "-1"], r"-organ_nu", r"-1", r"-1.*0\.5|above -1|> ?-1"))
    C.append(solve_case("mat_density_negative", "material", ["-organ_density", "-1e-3"], r"-organ_density", r"-0\.001|-1e-0?3|negative",
                        r"non-?negative|>= ?0|g/mm\^3|zero or positive"))
    C.append(yaml_case("mat_nu_in_case_file", GOOD_YAML.replace("nu: 0.45", "nu: 0.7"), names=r"nu", wrong=r"0\.7", right=r"0\.5"))
    # ---- clamps
    C.append(solve_case("clamp_tag_not_in_mesh", "clamp", ["-clamp_tags", "7"], r"-clamp_tags", r"\b7\b", r"\b1\b.*\b2\b|tags (are|of the mesh)|1002",
                        needs="clamps", note="no branch owns it: main names neither -clamp_tags nor the mesh's tags"))
    C.append(solve_case("clamp_axis_w", "clamp", ["-clamp_axis", "w"], r"-clamp_axis", r"'w'|\bw\b", r"x, y or z"))
    C.append(solve_case("clamp_side_middle", "clamp", ["-clamp_side", "middle"], r"-clamp_side", r"middle", r"min or max"))
    C.append(solve_case("clamp_fraction_zero", "clamp", ["-clamp_fraction", "0"], r"-clamp_fraction", r"\b0\b", r"\(0, 1\]|between 0 and 1"))
    C.append(solve_case("clamp_fraction_above_one", "clamp", ["-clamp_fraction", "1.5"], r"-clamp_fraction", r"1\.5", r"\(0, 1\]|between 0 and 1"))
    C.append(solve_case("clamp_leaves_region_floating", "clamp", ["-clamp_tags", "1"], r"-clamp_tags|tumor", r"float|not held|free|unconstrained|singular",
                        r"clamp|hold|tag 2|add", needs="floating", mesh=lambda: Msh.two_cubes(gap=5.0),
                        note="two cubes 5 mm apart; only the organ's surface is held"))
    # ---- outputs
    C.append(Case("out_empty_string", "output", lambda ctx: _out_args(ctx, ""), r"-o\b", r"no output|empty", r"-o DIR"))
    C.append(Case("out_nested_new_parents", "output", lambda ctx: ["solve", write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text()), "-organ_E", "0",
                                                              "-o", os.path.join(ctx.parent, "new", "deeper", "out")], r"-organ_E", r"\b0\b", r"positive",
                  note="parent folders made for -o are taken away again"))
    C.append(Case("out_is_existing_file", "output", lambda ctx: (_existing_file(ctx), _out_args(ctx, ctx.out))[1], OUT,
                  r"is a file|not a folder|exists", r"folder|another name|-o DIR"))
    C.append(Case("out_is_user_folder", "output", lambda ctx: (_user_folder(ctx), _out_args(ctx, ctx.out))[1], OUT,
                  r"not (a |an output of )?twinfe|did not write|no report\.json|not empty|holds|notes\.txt|other files", r"-force|another|new folder|empty"))
    C.append(Case("out_is_empty_folder", "output", lambda ctx: (os.makedirs(ctx.out), _out_args(ctx, ctx.out))[1], OUT,
                  r"exists|empty folder", r"-force|another|new folder", needs="outputs",
                  note="issue 10 lists an existing empty folder as refused; main fills it"))
    C.append(Case("out_trailing_slash_user_folder", "output", lambda ctx: (_user_folder(ctx), _out_args(ctx, ctx.out + "/"))[1], OUT,
                  r"not (a |an output of )?twinfe|did not write|no report\.json|not empty|holds|notes\.txt|other files", r"-force|another|new folder|empty"))
    C.append(Case("out_under_proc", "output", lambda ctx: _out_args(ctx, "/proc/x/out"), r"/proc/x", r"cannot (create|write)|no such|not writable|permission|read-only",
                  r"writable|another|choose|give", needs="outputs-followup"))
    C.append(Case("out_through_a_file", "output", lambda ctx: (write(os.path.join(ctx.parent, "notes.txt"), b"mine\n"),
                                                          _out_args(ctx, os.path.join(ctx.parent, "notes.txt", "out")))[1],
                  r"notes\.txt", r"not a (folder|directory)|is a file|file exists", r"choose|another|give", needs="outputs-followup"))
    C.append(Case("out_is_the_input_mesh", "output", lambda ctx: (lambda m: ["solve", m, "-o", m])(write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())),
                  r"two_cubes\.msh", r"is a file|not a folder|exists|input", r"another|choose|folder"))
    C.append(Case("out_is_the_input_folder", "output", lambda ctx: (lambda m: ["solve", m, "-o", ctx.inputs])(write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())),
                  r"inputs", r"not (a )?twinfe|did not write|no report\.json|holds|two_cubes\.msh|input", r"another|choose|new folder"))
    C.append(Case("out_is_dot", "output", lambda ctx: (lambda m: ["solve", m, "-o", "."])(write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())),
                  r"'\.'|\s\.\s|\s\.:|folder \.|-o \.", r"not (a )?twinfe|did not write|holds|exists|current folder", r"another|choose|new folder|give a folder",
                  note="-o . in a folder of the user's: the working directory itself"))
    C.append(Case("out_force_onto_input_folder", "output",
                  lambda ctx: (lambda m: ["solve", m, "-o", ctx.inputs, "-force"])(write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())),
                  r"inputs|two_cubes\.msh", r"input|holds|two_cubes\.msh", r"another|choose|new folder|give",
                  note="-force must not move the folder holding the run's own input aside"))
    C.append(Case("out_force_dot", "output", lambda ctx: (lambda m: ["solve", m, "-o", ".", "-force"])(write_text(ctx.path("two_cubes.msh"), Msh.two_cubes().text())),
                  r"'\.'|\s\.\s|\s\.:|folder \.|-o \.", r"current folder|not (a )?twinfe|did not write|holds|input", r"another|choose|new folder|give a folder"))
    C.append(Case("out_symlink_to_user_folder", "output", _symlink_out, OUT, r"not (a )?twinfe|holds|notes\.txt|link|exists", r"another|choose|new folder"))
    C.append(Case("out_earlier_output_with_user_file", "output", _earlier_output_with_user_file, r"view\.pvsm|out\b", r"view\.pvsm|not (written by )?twinfe|user",
                  r"-force|another|move|remove"))
    C.append(Case("out_foreign_report_json", "output", _foreign_report, r"report\.json|out\b", r"report\.json|not (written by )?twinfe|another tool",
                  r"-force|another|move|remove|new folder"))
    # ---- the same failures on several ranks: one line, the same as on one rank
    C.append(solve_case("mpi_E_negative", "mpi", ["-organ_E", "-1"], r"-organ_E", r"-1", r"positive", ranks=(1, 2, 3)))
    C.append(solve_case("mpi_clamp_axis", "mpi", ["-clamp_axis", "w"], r"-clamp_axis", r"'w'|\bw\b", r"x, y or z", ranks=(1, 2, 3)))
    C.append(Case("mpi_missing_image", "mpi", lambda ctx: ["mesh", ctx.path("nope.nii.gz"), "-labels", "1", "-o", ctx.out], r"nope\.nii\.gz",
                  r"no such|cannot (read|open|find)|missing|does not exist|not found", r"check the path|\.nii|nifti|label map", needs="image",
                  ranks=(1, 2, 3)))
    C.append(Case("mpi_msh_missing_node", "mpi", lambda ctx: ["solve", write_text(ctx.path("hostile.msh"), _msh_missing_node(Msh.two_cubes()).text()),
                                                          "-o", ctx.out], r"hostile\.msh", r"node 99|\b99\b",
                  r"no coordinates|not (in|among) the nodes|\$Nodes|defined", needs="msh", ranks=(1, 2, 3)))
    return C


def _half_of_example_seg(ctx):
    with open(os.path.join(ctx.data_dir, "totalsegmentator", "example_seg.nii.gz"), "rb") as f:
        data = f.read()
    p = write(ctx.path("example_seg_half.nii.gz"), data[: len(data) // 2])
    return ["mesh", p, "-labels", "5", "-o", ctx.out]


def _unreadable_case(ctx):
    p = ctx.path("case.yaml")
    os.makedirs(ctx.inputs, exist_ok=True)
    if os.geteuid() == 0:
        os.symlink(ctx.path("moved_away.yaml"), p)
    else:
        write_text(p, GOOD_YAML)
        os.chmod(p, 0)
    return ["run", p, "-o", ctx.out]


def _symlink_out(ctx):
    """-o is a link to a folder of the user's elsewhere."""
    target = os.path.join(ctx.dir, "elsewhere")
    write(os.path.join(target, "notes.txt"), b"mine\n")
    os.symlink(target, ctx.out)
    return _out_args(ctx, ctx.out)


def _foreign_report(ctx):
    write(os.path.join(ctx.out, "report.json"), b'{"other": "tool"}\n')
    write(os.path.join(ctx.out, "scan_notes.txt"), b"mine\n")
    return _out_args(ctx, ctx.out)
