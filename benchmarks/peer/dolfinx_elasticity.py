"""The peer pipeline's solve (benchmarks/peer/ct_peer.sh): dolfinx 0.5 (Debian's python3-dolfinx)
on the tets CGAL wrote (cgal_mesh_write.cpp), the same small-strain problem as the twinfe case.

usage: mpirun -n 2 python3 dolfinx_elasticity.py mesh.msh case.yaml OUTDIR

- mesh.msh: Gmsh 2.2 binary tets in LPS mm, physical tag = label, elementary tag = connected part.
  Each rank reads its own slice of the nodes and tets (numpy views of the file), and
  dolfinx.mesh.create_mesh partitions and distributes them (dolfinx.io.gmshio in 0.5 needs the
  gmsh module and reads on one rank).
- case.yaml: the twinfe case file (here meshes/kidneys_ct.yaml), read for its labels, names,
  each region's E, nu and density, gravity and clamp, so both codes solve the same problem.
- P1 vector Lagrange, isotropic linear elasticity with E and nu per label (DG0 Lame
  coefficients), body force density * gravity; u = 0 on the outer surface's vertices in the
  clamped fraction of their connected part's extent along the clamp axis (twinfe's clamp: each
  part, e.g. each kidney, held on its own posterior side).
- CG + GAMG (rtol 1e-8, as twinfe) with the six rigid body modes as near null space and
  Chebyshev/Jacobi smoothing, as dolfinx's elasticity demo; the matrix has block size 3.
- Writes OUTDIR/displacement.xdmf (+ .h5) and prints the tets, unknowns, iterations, max |u| and
  each phase's wall time (rank 0).

SPDX-License-Identifier: GPL-2.0-or-later
"""
import os
import resource
import sys
from contextlib import ExitStack

import numpy as np
import ufl
import yaml
from dolfinx import fem, la, mesh
from dolfinx.fem.petsc import apply_lifting, assemble_matrix, assemble_vector, set_bc
from dolfinx.io import XDMFFile
from mpi4py import MPI
from petsc4py import PETSc

NODE = np.dtype([("id", "<i4"), ("x", "<f8", (3,))])  # 28 bytes, packed
TET = np.dtype(("<i4", (7,)))  # id, physical, elementary, 4 nodes


def msh_layout(path):
    """Byte offsets and counts of the node and tet blocks of a Gmsh 2.2 binary file of tets."""
    with open(path, "rb") as f:
        if f.readline().strip() != b"$MeshFormat":
            raise RuntimeError(f"{path}: not a Gmsh file")
        version, binary, dsize = f.readline().split()
        if version != b"2.2" or binary != b"1" or dsize != b"8":
            raise RuntimeError(f"{path}: expected Gmsh 2.2 binary with 8-byte doubles")
        if int(np.frombuffer(f.read(4), "<i4")[0]) != 1:
            raise RuntimeError(f"{path}: not little-endian")
        while f.readline().strip() != b"$Nodes":
            pass
        nnodes = int(f.readline())
        nodes_at = f.tell()
        f.seek(nodes_at + nnodes * NODE.itemsize)
        while f.readline().strip() != b"$Elements":
            pass
        ntets = int(f.readline())
        etype, count, ntags = np.frombuffer(f.read(12), "<i4")
        if etype != 4 or count != ntets or ntags != 2:
            raise RuntimeError(f"{path}: expected one block of tets (type 4) with 2 tags")
        return nodes_at, nnodes, f.tell(), ntets


def read_case(path):
    """Labels, per-label (E, nu, density), gravity and clamp (axis, side, fraction) of a twinfe case."""
    with open(path) as f:
        case = yaml.safe_load(f)

    def ints(v):
        return [int(s) for s in str(v).split(",")]

    labels, names = ints(case["labels"]), str(case["names"]).split(",")
    material = {lab: (float(case[n]["E"]), float(case[n]["nu"]), float(case[n]["density"]))
                for lab, n in zip(labels, names)}
    gravity = [float(s) for s in str(case.get("gravity", "0,9810,0")).split(",")]
    clamp = case.get("clamp", {})
    return material, gravity, ("xyz".index(clamp.get("axis", "y")), clamp.get("side", "max"),
                               float(clamp.get("fraction", 0.25)))


def chunk(n, comm):
    """This rank's [begin, end) of n rows split evenly."""
    return n * comm.rank // comm.size, n * (comm.rank + 1) // comm.size


def rigid_body_modes(V):
    """The six rigid body modes of V (3D), orthonormalised, as a PETSc near null space."""
    ns = [la.create_petsc_vector(V.dofmap.index_map, V.dofmap.index_map_bs) for _ in range(6)]
    with ExitStack() as stack:
        b = [np.asarray(stack.enter_context(v.localForm())) for v in ns]
        dofs = [V.sub(i).dofmap.list.array for i in range(3)]
        x = V.tabulate_dof_coordinates()[V.dofmap.list.array]
        for i in range(3):
            b[i][dofs[i]] = 1.0
        b[3][dofs[0]], b[3][dofs[1]] = -x[:, 1], x[:, 0]
        b[4][dofs[0]], b[4][dofs[2]] = x[:, 2], -x[:, 0]
        b[5][dofs[2]], b[5][dofs[1]] = x[:, 1], -x[:, 2]
    la.orthonormalize(ns)
    return PETSc.NullSpace().create(vectors=ns)


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    path, case_path, outdir = argv[1:]
    comm = MPI.COMM_WORLD
    times = {}
    clock = [MPI.Wtime()]

    def lap(name):
        comm.Barrier()
        now = MPI.Wtime()
        times[name] = now - clock[0]
        clock[0] = now

    material, gravity, (axis, side, fraction) = read_case(case_path)

    # Read this rank's slice of nodes and tets; create_mesh numbers the nodes by rank blocks.
    nodes_at, nnodes, tets_at, ntets = msh_layout(path)
    nodes = np.memmap(path, NODE, "r", nodes_at, (nnodes,))
    tets = np.memmap(path, TET, "r", tets_at, (ntets,))
    n0, n1 = chunk(nnodes, comm)
    c0, c1 = chunk(ntets, comm)
    x = np.ascontiguousarray(nodes["x"][n0:n1])
    cells = tets[c0:c1, 3:].astype(np.int64) - 1
    lap("read")
    domain = ufl.Mesh(ufl.VectorElement("Lagrange", ufl.tetrahedron, 1))
    msh = mesh.create_mesh(comm, cells, x, domain, ghost_mode=mesh.GhostMode.none)
    tdim = msh.topology.dim
    ncells = msh.topology.index_map(tdim).size_local
    original = np.asarray(msh.topology.original_cell_index)[:ncells]
    label = tets[original, 1].astype(np.int32)
    part = tets[original, 2].astype(np.int32) - 1
    del nodes, tets
    lap("create_mesh (partition, distribute)")

    # Materials: Lame coefficients per cell (DG0).
    Q = fem.FunctionSpace(msh, ("DG", 0))
    mu, lam = fem.Function(Q), fem.Function(Q)
    qdofs = Q.dofmap.list.array[:ncells]
    for lab, (E, nu, _) in material.items():
        on = label == lab
        mu.x.array[qdofs[on]] = E / (2 * (1 + nu))
        lam.x.array[qdofs[on]] = E * nu / ((1 + nu) * (1 - 2 * nu))
    unknown = np.setdiff1d(np.unique(label), list(material))
    if unknown.size:
        raise RuntimeError(f"labels {unknown} have no material in {case_path}")
    mu.x.scatter_forward()
    lam.x.scatter_forward()
    densities = {m[2] for m in material.values()}
    if len(densities) != 1:
        raise RuntimeError("one density for all regions is assumed (the body force is a constant)")
    rho = densities.pop()

    V = fem.VectorFunctionSpace(msh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)

    def sigma(w):
        eps = ufl.sym(ufl.grad(w))
        return 2 * mu * eps + lam * ufl.tr(eps) * ufl.Identity(3)

    f = fem.Constant(msh, PETSc.ScalarType(tuple(rho * g for g in gravity)))
    a = fem.form(ufl.inner(sigma(u), ufl.grad(v)) * ufl.dx)
    L = fem.form(ufl.inner(f, v) * ufl.dx)

    # Clamp: outer-surface vertices within the fraction of their part's extent along the axis.
    nblocks = V.dofmap.index_map.size_local + V.dofmap.index_map.num_ghosts
    block_part = np.full(nblocks, -1, dtype=np.int32)
    cell_blocks = V.dofmap.list.array.reshape(-1, 4)[:ncells]
    block_part[cell_blocks] = part[:, None]
    xb = V.tabulate_dof_coordinates()[:, axis]
    nparts = comm.allreduce(int(part.max()) + 1 if part.size else 0, op=MPI.MAX)
    lo, hi = np.full(nparts, np.inf), np.full(nparts, -np.inf)
    known = block_part >= 0
    np.minimum.at(lo, block_part[known], xb[known])
    np.maximum.at(hi, block_part[known], xb[known])
    comm.Allreduce(MPI.IN_PLACE, lo, op=MPI.MIN)
    comm.Allreduce(MPI.IN_PLACE, hi, op=MPI.MAX)
    msh.topology.create_connectivity(tdim - 1, tdim)
    outer = mesh.exterior_facet_indices(msh.topology)
    surface = fem.locate_dofs_topological(V, tdim - 1, outer)  # blocks (vertices)
    p = block_part[surface]
    if side == "max":
        on = xb[surface] >= hi[p] - fraction * (hi[p] - lo[p]) - 1e-9
    else:
        on = xb[surface] <= lo[p] + fraction * (hi[p] - lo[p]) + 1e-9
    held = surface[on]
    bc = fem.dirichletbc(np.zeros(3, dtype=PETSc.ScalarType), held, V)
    owned = held < V.dofmap.index_map.size_local
    nheld = comm.allreduce(int(np.count_nonzero(owned)))
    held_per_part = np.bincount(p[on][owned], minlength=nparts)
    comm.Allreduce(MPI.IN_PLACE, held_per_part, op=MPI.SUM)
    if comm.rank == 0 and (held_per_part == 0).any():
        print(f"dolfinx: {int((held_per_part == 0).sum())} of {nparts} parts are not held", file=sys.stderr)
    lap("spaces and clamp")

    A = assemble_matrix(a, bcs=[bc])
    A.assemble()
    A.setNearNullSpace(rigid_body_modes(V))
    b = assemble_vector(L)
    apply_lifting(b, [a], bcs=[[bc]])
    b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    set_bc(b, [bc])
    lap("assemble")

    opts = PETSc.Options()
    opts["ksp_type"] = "cg"
    opts["ksp_rtol"] = 1.0e-8
    opts["pc_type"] = "gamg"
    opts["mg_levels_ksp_type"] = "chebyshev"
    opts["mg_levels_pc_type"] = "jacobi"
    opts["mg_levels_esteig_ksp_type"] = "cg"
    opts["mg_levels_ksp_chebyshev_esteig_steps"] = 20
    ksp = PETSc.KSP().create(comm)
    ksp.setFromOptions()
    ksp.setOperators(A)
    uh = fem.Function(V, name="displacement")
    ksp.solve(b, uh.vector)
    uh.x.scatter_forward()
    reason, its = ksp.getConvergedReason(), ksp.getIterationNumber()
    lap("solve")

    if comm.rank == 0:
        os.makedirs(outdir, exist_ok=True)
    comm.Barrier()
    with XDMFFile(comm, os.path.join(outdir, "displacement.xdmf"), "w") as xdmf:
        xdmf.write_mesh(msh)
        xdmf.write_function(uh)
    lap("write")

    nown = V.dofmap.index_map.size_local
    umax = comm.allreduce(float(np.linalg.norm(uh.x.array.reshape(-1, 3)[:nown], axis=1).max()), op=MPI.MAX)
    ncells_all = comm.allreduce(ncells)
    peak = comm.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if reason <= 0 and comm.rank == 0:
        print(f"dolfinx: the solve did not converge (reason {reason})", file=sys.stderr)
    if comm.rank == 0:
        print(f"dolfinx: {ncells_all} tets, {3 * V.dofmap.index_map.size_global} unknowns, {comm.size} ranks, "
              f"{nparts} parts, {nheld} vertices held")
        print(f"dolfinx: CG+GAMG {its} iterations (reason {reason}); max displacement {umax:.5f} mm")
        print("dolfinx: " + "; ".join(f"{k} {t:.2f} s" for k, t in times.items()) +
              f"; peak memory per rank {', '.join(f'{m / 1024:.0f}' for m in peak)} MB")
    sys.exit(0 if reason > 0 else 1)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception:  # one rank failing alone would leave the others waiting in a collective
        import traceback
        traceback.print_exc()
        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)
