/* Partition quality at many parts (issue 14): METIS's split of a serial mesh (the one
 * TwinfePartitionDistribute makes for that many ranks) into 2, 16, 128, 1024 ... parts, without
 * needing that many ranks. Per part count: cells per part (least, most, most over mean), the
 * faces between parts (the edge cut), the vertices on more than one part, and the unknowns per
 * part (most over mean) under four ownership rules for a shared vertex: every one to the lowest
 * part holding it (the mirror of PETSc's default, the highest); each to the holder owning fewest so far, vertices in order
 * (what DMPlexSetPartitionBalance and refine.c did before); the same after every part's private
 * vertices are counted (so that a part rich in them takes fewer shared); and the library's own
 * rule (TwinfePartitionBalanceOwnersSerial: the steps the ranks run in ownership.c, every part
 * emulated here, each vertex's hub its highest part, PETSc's default root), with its rounds.
 * usage: bench_partition MESH.msh [parts ...]   (default parts: 2 16 128 1024)
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <petsctime.h>
#include <twinfe/twinfe.h>

typedef struct {
  PetscInt  cells_min, cells_max, cut, interface_vertices, rounds;
  PetscReal cells_imbalance, lowest_rule_imbalance, balanced_rule_imbalance, informed_rule_imbalance, library_rule_imbalance;
  PetscReal library_seconds;
} Quality;

static PetscReal MostOverMean(const PetscInt count[], PetscInt n)
{
  PetscInt most = 0, sum = 0;
  for (PetscInt p = 0; p < n; ++p)
    most = PetscMax(most, count[p]), sum += count[p];
  return sum ? (PetscReal)most * n / sum : 1;
}

/* Each vertex's parts, as a list per vertex (CSR over the tets' corners). */
static PetscErrorCode VertexParts(PetscInt nv, PetscInt nt, const PetscInt tets[], const PetscInt part[], PetscInt **start,
                                  PetscInt **parts)
{
  PetscInt *fill;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(nv + 1, start));
  for (PetscInt i = 0; i < 4 * nt; ++i)
    (*start)[tets[i] + 1]++;
  for (PetscInt v = 0; v < nv; ++v)
    (*start)[v + 1] += (*start)[v];
  PetscCall(PetscMalloc1(4 * nt + 1, parts));
  PetscCall(PetscMalloc1(nv + 1, &fill));
  PetscCall(PetscArraycpy(fill, *start, nv));
  for (PetscInt t = 0; t < nt; ++t)
    for (int k = 0; k < 4; ++k)
      (*parts)[fill[tets[4 * t + k]]++] = part[t];
  PetscCall(PetscFree(fill));
  PetscFunctionReturn(0);
}

/* Each vertex's parts made distinct (in place: start[] and parts[] shrink), the highest first:
   the hub, whose copy PETSc's default makes the point SF's root; the others ascending. */
static void DistinctParts(PetscInt nv, PetscInt start[], PetscInt parts[])
{
  PetscInt n = 0, from = start[0];
  for (PetscInt v = 0; v < nv; ++v) {
    PetscInt k = start[v + 1] - from;
    PetscCallAbort(PETSC_COMM_SELF, PetscSortRemoveDupsInt(&k, parts + from));
    start[v] = n;
    if (k) { /* n <= from, and the k moved end within the vertex's old range */
      const PetscInt hub = parts[from + k - 1];
      PetscCallAbort(PETSC_COMM_SELF, PetscArraymove(parts + n + 1, parts + from, k - 1));
      parts[n] = hub;
      n += k;
    }
    from = start[v + 1];
  }
  start[nv] = n;
}

/* The unknowns' imbalance under TwinfePartitionBalanceOwnersSerial, and its rounds and time. */
static PetscErrorCode LibraryRule(PetscInt nparts, PetscInt nv, PetscInt start[], PetscInt parts[], PetscInt owner[], Quality *q)
{
  PetscInt      *owned;
  PetscLogDouble t0, t1;

  PetscFunctionBeginUser;
  DistinctParts(nv, start, parts);
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfePartitionBalanceOwnersSerial(nparts, nv, start, parts, owner, &q->rounds));
  PetscCall(PetscTime(&t1));
  q->library_seconds = t1 - t0;
  PetscCall(PetscCalloc1(nparts, &owned));
  for (PetscInt v = 0; v < nv; ++v)
    if (owner[v] >= 0) owned[owner[v]]++;
  q->library_rule_imbalance = MostOverMean(owned, nparts);
  PetscCall(PetscFree(owned));
  PetscFunctionReturn(0);
}

static PetscErrorCode Measure(TwinfeMesh mesh, PetscInt nparts, Quality *q, PetscReal *seconds)
{
  PetscInt        nv, nt, *part, *cells, *lowest, *balanced, *start, *parts, *owner;
  const PetscInt *tets;
  PetscLogDouble  t0, t1;

  PetscFunctionBeginUser;
  PetscCall(TwinfeMeshGetVertices(mesh, &nv, NULL));
  PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, &tets, NULL));
  PetscCall(PetscMalloc1(nt, &part));
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfePartitionComputeParts(mesh, nparts, part, &q->cut));
  PetscCall(PetscTime(&t1));
  *seconds = t1 - t0;
  PetscCall(PetscCalloc3(nparts, &cells, nparts, &lowest, nparts, &balanced));
  for (PetscInt t = 0; t < nt; ++t)
    cells[part[t]]++;
  q->cells_min = nt, q->cells_max = 0;
  for (PetscInt p = 0; p < nparts; ++p)
    q->cells_min = PetscMin(q->cells_min, cells[p]), q->cells_max = PetscMax(q->cells_max, cells[p]);
  q->cells_imbalance = MostOverMean(cells, nparts);
  PetscCall(VertexParts(nv, nt, tets, part, &start, &parts));
  q->interface_vertices = 0;
  for (PetscInt v = 0; v < nv; ++v) {
    PetscInt low = nparts, fewest = -1;
    for (PetscInt s = start[v]; s < start[v + 1]; ++s) {
      low = PetscMin(low, parts[s]);
      if (fewest < 0 || balanced[parts[s]] < balanced[fewest]) fewest = parts[s];
    }
    for (PetscInt s = start[v]; s < start[v + 1]; ++s)
      if (parts[s] != low) {
        q->interface_vertices++;
        break;
      }
    if (start[v + 1] == start[v]) continue; /* a vertex no tet uses */
    lowest[low]++;
    balanced[fewest]++;
  }
  q->lowest_rule_imbalance   = MostOverMean(lowest, nparts);
  q->balanced_rule_imbalance = MostOverMean(balanced, nparts);
  /* informed: every part's private vertices counted first, then each shared vertex to the
     holder owning fewest so far */
  PetscCall(PetscArrayzero(balanced, nparts));
  for (PetscInt v = 0; v < nv; ++v) {
    PetscBool shared = PETSC_FALSE;
    for (PetscInt s = start[v] + 1; s < start[v + 1]; ++s)
      if (parts[s] != parts[start[v]]) shared = PETSC_TRUE;
    if (start[v + 1] > start[v] && !shared) balanced[parts[start[v]]]++;
  }
  PetscCall(PetscMalloc1(nv + 1, &owner));
  for (PetscInt v = 0; v < nv; ++v) {
    PetscInt  fewest = -1;
    PetscBool shared = PETSC_FALSE;
    owner[v]         = start[v + 1] > start[v] ? parts[start[v]] : -1;
    for (PetscInt s = start[v] + 1; s < start[v + 1]; ++s)
      if (parts[s] != parts[start[v]]) shared = PETSC_TRUE;
    if (!shared) continue;
    for (PetscInt s = start[v]; s < start[v + 1]; ++s)
      if (fewest < 0 || balanced[parts[s]] < balanced[fewest]) fewest = parts[s];
    balanced[fewest]++;
    owner[v] = fewest;
  }
  q->informed_rule_imbalance = MostOverMean(balanced, nparts);
  /* the library's rule, from each vertex's distinct parts, its hub first */
  PetscCall(LibraryRule(nparts, nv, start, parts, owner, q));
  PetscCall(PetscFree(owner));
  PetscCall(PetscFree(start));
  PetscCall(PetscFree(parts));
  PetscCall(PetscFree3(cells, lowest, balanced));
  PetscCall(PetscFree(part));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  TwinfeMesh mesh;
  PetscInt   nv, nt, counts[16] = {2, 16, 128, 1024}, ncounts = 4;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (argc < 2) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "usage: %s MESH.msh [parts ...]\n", argv[0]));
    PetscCall(PetscFinalize());
    return 1;
  }
  if (argc > 2) {
    ncounts = PetscMin(argc - 2, 16);
    for (PetscInt i = 0; i < ncounts; ++i)
      counts[i] = atoi(argv[i + 2]);
  }
  PetscCall(TwinfeMeshReadGmsh(argv[1], &mesh));
  PetscCall(TwinfeMeshGetVertices(mesh, &nv, NULL));
  PetscCall(TwinfeMeshGetTetrahedra(mesh, &nt, NULL, NULL));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: %" PetscInt_FMT " tets, %" PetscInt_FMT " vertices\n", argv[1], nt, nv));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "parts  cells/part min-max  cells imb  cut faces  interface vertices  "
                        "unknowns imb (lowest / in turn / private first / library)  rounds  library s  METIS s\n"));
  for (PetscInt i = 0; i < ncounts; ++i) {
    Quality   q       = {0};
    PetscReal seconds = 0;
    PetscCall(Measure(mesh, counts[i], &q, &seconds));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "%5" PetscInt_FMT "  %8" PetscInt_FMT "-%-8" PetscInt_FMT "  %9.4f  %9" PetscInt_FMT
                          "  %18" PetscInt_FMT "  %14.4f / %.4f / %.4f / %-7.4f  %6" PetscInt_FMT "  %9.2f  %7.2f\n",
                          counts[i], q.cells_min, q.cells_max, (double)q.cells_imbalance, q.cut, q.interface_vertices,
                          (double)q.lowest_rule_imbalance, (double)q.balanced_rule_imbalance, (double)q.informed_rule_imbalance,
                          (double)q.library_rule_imbalance, q.rounds, (double)q.library_seconds, (double)seconds));
  }
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscCall(PetscFinalize());
  return 0;
}
