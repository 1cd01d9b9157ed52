/* Who owns each point that several ranks hold: the unknowns balanced over the ranks.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * METIS balances cells; the unknowns a rank owns are its private vertices (and edges, for P2)
 * plus the shared ones the point SF makes it own. Parts on the surface hold more vertices per
 * cell, and giving every shared vertex to one side (PETSc's default) or to its holders in turn
 * left 1.38 and 1.17 over the mean at 1024 parts of the 5.4M-tet CT mesh (docs/performance.md).
 *
 * The rule, for one class of points at a time (vertices; edges, which carry P2 dofs):
 * - first owners, "private first": every part's private points are counted (an Allgather),
 *   then the hub of each shared point (its root in the point SF as found) gives it to the
 *   holder owning fewest so far (those counts plus what this hub handed out);
 * - then rounds: with every part's count known (an Allgather) and how many of its points each
 *   neighbour holds (an Allgatherv), every rank computes the same plan: pairs of neighbouring
 *   parts, largest gap first, each part in at most one pair, a pair only where the gap is 2 or
 *   more; the fuller part hands the other min(gap / 2, what it can) of its points. As a part
 *   takes from one neighbour a round, none overshoots, and the sum of squared counts falls
 *   every round, so the rounds end: then no part owns a point that a neighbour owning 2 fewer
 *   holds. Everything is decided from data every rank has the same, so the same input gives the
 *   same owners on every run.
 * The steps over "the parts holding each shared point" (Items) are written once and used both
 * by the distributed code (each rank its own points) and by TwinfePartitionBalanceOwnersSerial
 * (every part in one process: benchmarks/bench_partition's many-part study). */
#include <petscsf.h>
#include <twinfe/partition.h>
/* the point SF's dependants a new SF leaves stale (the DM's and its coordinate DM's global
   section and section SF, the global coordinates, DMPlex's global numberings) are reset
   through these; PETSc 3.18 has no public call that drops them */
#include <petsc/private/dmimpl.h>
#include <petsc/private/dmpleximpl.h>

#include "partition_impl.h"

/* A safety stop, far beyond need (a round moves at least one point; the CT mesh's vertices at
   1024 parts take 231 rounds): past it the owners stay as they are, and -info says so. */
#define MAX_ROUNDS 10000

/* Shared points as some parts see them: holders of item i (distinct parts, its hub first) are
   holders[hstart[i] .. hstart[i + 1]); owner[i] is the part owning it now. */
typedef struct {
  PetscInt *hstart, *holders, *owner;
} Items;

static PetscBool Holds(const Items *it, PetscInt i, PetscInt part)
{
  for (PetscInt s = it->hstart[i]; s < it->hstart[i + 1]; ++s)
    if (it->holders[s] == part) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Private first, as hub `part`: each of its items among mine[] (in that order) to the holder
   owning fewest (counts[], everyone's private points, plus delta[], what this hub handed out;
   ties to the lower part). delta is zero on entry and on return. */
static void AssignFirstOwners(PetscInt part, const Items *it, PetscInt nmine, const PetscInt mine[], const PetscInt counts[],
                              PetscInt delta[])
{
  for (PetscInt k = 0; k < nmine; ++k) {
    const PetscInt i    = mine[k];
    PetscInt       best = -1;
    if (it->holders[it->hstart[i]] != part) continue;
    for (PetscInt s = it->hstart[i]; s < it->hstart[i + 1]; ++s) {
      const PetscInt h = it->holders[s];
      if (best < 0 || counts[h] + delta[h] < counts[best] + delta[best] ||
          (counts[h] + delta[h] == counts[best] + delta[best] && h < best))
        best = h;
    }
    it->owner[i] = best;
    delta[best]++;
  }
  for (PetscInt k = 0; k < nmine; ++k)
    for (PetscInt s = it->hstart[mine[k]]; s < it->hstart[mine[k] + 1]; ++s)
      delta[it->holders[s]] = 0;
}

/* The parts other than `part` holding any of mine[], sorted: its neighbours. *nbr is allocated. */
static PetscErrorCode FindNeighbours(PetscInt part, const Items *it, PetscInt nmine, const PetscInt mine[], PetscInt *nnbr,
                                     PetscInt **nbr)
{
  PetscInt n = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < nmine; ++k)
    n += it->hstart[mine[k] + 1] - it->hstart[mine[k]];
  PetscCall(PetscMalloc1(n + 1, nbr));
  n = 0;
  for (PetscInt k = 0; k < nmine; ++k)
    for (PetscInt s = it->hstart[mine[k]]; s < it->hstart[mine[k] + 1]; ++s)
      if (it->holders[s] != part) (*nbr)[n++] = it->holders[s];
  PetscCall(PetscSortRemoveDupsInt(&n, *nbr));
  *nnbr = n;
  PetscFunctionReturn(0);
}

/* Part of the count a part owns: its private points and its items owned now. */
static PetscInt OwnedCount(PetscInt part, const Items *it, PetscInt nprivate, PetscInt nmine, const PetscInt mine[])
{
  PetscInt n = nprivate;
  for (PetscInt k = 0; k < nmine; ++k)
    n += it->owner[mine[k]] == part;
  return n;
}

/* cap[k]: items `part` owns that its neighbour nbr[k] holds too (what it could hand over). */
static PetscErrorCode CountCapacities(PetscInt part, const Items *it, PetscInt nmine, const PetscInt mine[], PetscInt nnbr,
                                      const PetscInt nbr[], PetscInt cap[])
{
  PetscFunctionBegin;
  PetscCall(PetscArrayzero(cap, nnbr));
  for (PetscInt k = 0; k < nmine; ++k) {
    const PetscInt i = mine[k];
    if (it->owner[i] != part) continue;
    for (PetscInt s = it->hstart[i]; s < it->hstart[i + 1]; ++s) {
      PetscInt at = -1;
      if (it->holders[s] == part) continue;
      PetscCall(PetscFindInt(it->holders[s], nnbr, nbr, &at));
      PetscCheck(at >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "ownership: part %" PetscInt_FMT " is missing from the neighbours of %" PetscInt_FMT, it->holders[s], part);
      cap[at]++;
    }
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt gap, from, to, flow;
} Pair;

/* Largest gap first, then the lower parts: a total order, so every rank sorts alike. */
static int ComparePairs(const void *a, const void *b)
{
  const Pair *x = (const Pair *)a, *y = (const Pair *)b;
  if (x->gap != y->gap) return x->gap > y->gap ? -1 : 1;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  return x->to < y->to ? -1 : (x->to > y->to ? 1 : 0);
}

/* One round's plan, from data every rank has alike: the part graph (part p's neighbours
   nbr[nstart[p] .. nstart[p + 1]), with cap[] aligned: what p could hand each) and the counts.
   Pairs (from -> to) of a gap of 2 or more with something to hand, largest gap first, each part
   in at most one: partner[p] is p's (-1: none) and flow[p] what p hands it (negative: takes). */
static PetscErrorCode PlanRound(PetscInt nparts, const PetscInt nstart[], const PetscInt nbr[], const PetscInt cap[],
                                const PetscInt counts[], PetscInt partner[], PetscInt flow[], PetscInt *npairs)
{
  Pair    *pairs;
  PetscInt n = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nstart[nparts] + 1, &pairs));
  for (PetscInt p = 0; p < nparts; ++p)
    for (PetscInt k = nstart[p]; k < nstart[p + 1]; ++k)
      if (cap[k] > 0 && counts[p] - counts[nbr[k]] >= 2) {
        pairs[n].gap  = counts[p] - counts[nbr[k]];
        pairs[n].from = p;
        pairs[n].to   = nbr[k];
        pairs[n].flow = PetscMin(pairs[n].gap / 2, cap[k]);
        n++;
      }
  qsort(pairs, (size_t)n, sizeof(Pair), ComparePairs);
  for (PetscInt p = 0; p < nparts; ++p)
    partner[p] = -1, flow[p] = 0;
  *npairs = 0;
  for (PetscInt k = 0; k < n; ++k) {
    const Pair *x = &pairs[k];
    if (partner[x->from] >= 0 || partner[x->to] >= 0) continue;
    partner[x->from] = x->to, flow[x->from] = x->flow;
    partner[x->to] = x->from, flow[x->to] = -x->flow;
    ++*npairs;
  }
  PetscCall(PetscFree(pairs));
  PetscFunctionReturn(0);
}

/* `part` hands `flow` of its items that `partner` holds, in the order of mine[], to it: in
   moved[] (owner[] as the round began is what every part decides from). */
static void HandOver(PetscInt part, const Items *it, PetscInt nmine, const PetscInt mine[], PetscInt partner, PetscInt flow,
                     PetscInt moved[])
{
  for (PetscInt k = 0; k < nmine && flow > 0; ++k) {
    const PetscInt i = mine[k];
    if (it->owner[i] != part || !Holds(it, i, partner)) continue;
    moved[i] = partner;
    flow--;
  }
}

/* ---- every part in one process ---- */

/* Every part's items (shared points it holds, in point order) as CSR over the parts. */
static PetscErrorCode ItemsByPart(PetscInt nparts, PetscInt npoints, const Items *it, PetscInt **mstart, PetscInt **mine)
{
  PetscInt *fill;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(nparts + 1, mstart));
  for (PetscInt i = 0; i < npoints; ++i)
    for (PetscInt s = it->hstart[i]; s < it->hstart[i + 1] && it->hstart[i + 1] - it->hstart[i] > 1; ++s)
      (*mstart)[it->holders[s] + 1]++;
  for (PetscInt p = 0; p < nparts; ++p)
    (*mstart)[p + 1] += (*mstart)[p];
  PetscCall(PetscMalloc1((*mstart)[nparts] + 1, mine));
  PetscCall(PetscMalloc1(nparts + 1, &fill));
  PetscCall(PetscArraycpy(fill, *mstart, nparts));
  for (PetscInt i = 0; i < npoints; ++i)
    for (PetscInt s = it->hstart[i]; s < it->hstart[i + 1] && it->hstart[i + 1] - it->hstart[i] > 1; ++s)
      (*mine)[fill[it->holders[s]]++] = i;
  PetscCall(PetscFree(fill));
  PetscFunctionReturn(0);
}

/* Every part's neighbours as CSR (nstart, nbr). */
static PetscErrorCode NeighboursByPart(PetscInt nparts, const Items *it, const PetscInt mstart[], const PetscInt mine[],
                                       PetscInt **nstart, PetscInt **nbr)
{
  PetscInt **lists, *sizes;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nparts, &lists, nparts, &sizes));
  PetscCall(PetscMalloc1(nparts + 1, nstart));
  (*nstart)[0] = 0;
  for (PetscInt p = 0; p < nparts; ++p) {
    PetscCall(FindNeighbours(p, it, mstart[p + 1] - mstart[p], mine + mstart[p], &sizes[p], &lists[p]));
    (*nstart)[p + 1] = (*nstart)[p] + sizes[p];
  }
  PetscCall(PetscMalloc1((*nstart)[nparts] + 1, nbr));
  for (PetscInt p = 0; p < nparts; ++p) {
    PetscCall(PetscArraycpy(*nbr + (*nstart)[p], lists[p], sizes[p]));
    PetscCall(PetscFree(lists[p]));
  }
  PetscCall(PetscFree2(lists, sizes));
  PetscFunctionReturn(0);
}

/*@C
  TwinfePartitionBalanceOwnersSerial - The owners the distributed meshes get for their shared
  points (TwinfePartitionDistribute, TwinfePartitionRefine), every part emulated in one process:
  to study how the unknowns spread over more parts than there are ranks. The same steps as on
  the ranks (private first from each point's hub, then rounds of pairwise hand-overs), the same
  answer for the same holders and hubs.

  Not collective

  Input Parameters:
+ nparts  - parts
. npoints - points
. start   - npoints + 1 offsets into holders
- holders - the distinct parts holding each point, its hub first (the part whose point is the
            root in the point SF as found; PETSc's default root is the highest); a point with
            one holder is private, with none is owned by no part

  Output Parameters:
+ owner  - the part owning each point (-1 for a point no part holds)
- rounds - hand-over rounds run (may be NULL)

  Level: developer
@*/
PetscErrorCode TwinfePartitionBalanceOwnersSerial(PetscInt nparts, PetscInt npoints, const PetscInt start[],
                                                  const PetscInt holders[], PetscInt owner[], PetscInt *rounds)
{
  Items     it = {(PetscInt *)start, (PetscInt *)holders, owner};
  PetscInt *mstart, *mine, *nstart, *nbr, *cap, *counts, *nprivate, *partner, *flow, *moved, round, npairs = 0;

  PetscFunctionBegin;
  PetscCheck(nparts >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "TwinfePartitionBalanceOwnersSerial: %" PetscInt_FMT " parts", nparts);
  for (PetscInt s = 0; s < start[npoints]; ++s)
    PetscCheck(holders[s] >= 0 && holders[s] < nparts, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "TwinfePartitionBalanceOwnersSerial: holder %" PetscInt_FMT " is not a part of [0, %" PetscInt_FMT ")", holders[s],
               nparts);
  PetscCall(PetscCalloc5(nparts, &counts, nparts, &nprivate, nparts, &partner, nparts, &flow, npoints + 1, &moved));
  for (PetscInt i = 0; i < npoints; ++i) {
    owner[i] = start[i + 1] > start[i] ? holders[start[i]] : -1;
    if (start[i + 1] - start[i] == 1) nprivate[holders[start[i]]]++;
  }
  PetscCall(ItemsByPart(nparts, npoints, &it, &mstart, &mine));
  PetscCall(NeighboursByPart(nparts, &it, mstart, mine, &nstart, &nbr));
  PetscCall(PetscMalloc1(nstart[nparts] + 1, &cap));
  for (PetscInt p = 0; p < nparts; ++p) /* every hub from the same counts, as the ranks do at once */
    AssignFirstOwners(p, &it, mstart[p + 1] - mstart[p], mine + mstart[p], nprivate, counts);
  for (round = 0; round < MAX_ROUNDS; ++round) {
    for (PetscInt p = 0; p < nparts; ++p) {
      counts[p] = OwnedCount(p, &it, nprivate[p], mstart[p + 1] - mstart[p], mine + mstart[p]);
      PetscCall(CountCapacities(p, &it, mstart[p + 1] - mstart[p], mine + mstart[p], nstart[p + 1] - nstart[p], nbr + nstart[p],
                                cap + nstart[p]));
    }
    PetscCall(PlanRound(nparts, nstart, nbr, cap, counts, partner, flow, &npairs));
    if (!npairs) break;
    PetscCall(PetscArraycpy(moved, owner, npoints));
    for (PetscInt p = 0; p < nparts; ++p)
      if (flow[p] > 0) HandOver(p, &it, mstart[p + 1] - mstart[p], mine + mstart[p], partner[p], flow[p], moved);
    PetscCall(PetscArraycpy(owner, moved, npoints));
  }
  PetscCall(PetscInfo(NULL, "ownership of %" PetscInt_FMT " points over %" PetscInt_FMT " parts: %" PetscInt_FMT " rounds%s\n",
                      npoints, nparts, round, round == MAX_ROUNDS ? " (stopped at the limit)" : ""));
  if (rounds) *rounds = round;
  PetscCall(PetscFree5(counts, nprivate, partner, flow, moved));
  PetscCall(PetscFree(cap));
  PetscCall(PetscFree(mstart));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(nstart));
  PetscCall(PetscFree(nbr));
  PetscFunctionReturn(0);
}

/* ---- on the ranks ---- */

/* One class of points (a depth stratum) as this rank sees it: its shared points ("items", in
   point order) with every holder and that holder's number of the point, and an SF over the
   items (roots: those this rank is the hub of; leaves: the others', pointing to their hub)
   that carries each round's changes. */
typedef struct {
  MPI_Comm    comm;
  PetscMPIInt rank, size;
  PetscInt    sStart, sEnd, nprivate, nitems;
  PetscInt   *point, *mine; /* item -> local point; 0 .. nitems - 1 (every item is this rank's) */
  Items       it;
  PetscInt   *hpoint; /* aligned with it.holders: the point's number on that holder */
  PetscSF     itemsf;
} Stratum;

static PetscErrorCode StratumDestroy(Stratum *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(s->point, s->mine));
  PetscCall(PetscFree3(s->it.hstart, s->it.owner, s->it.holders));
  PetscCall(PetscFree(s->hpoint));
  PetscCall(PetscSFDestroy(&s->itemsf));
  PetscFunctionReturn(0);
}

/* The items of [sStart, sEnd): leaves of the point SF, and roots some leaf points to. item[p]
   (over the chart) is p's item number, -1 elsewhere. */
static PetscErrorCode ListItems(PetscSF sf, const PetscInt degree[], PetscInt sStart, PetscInt sEnd, PetscInt item[], Stratum *s)
{
  PetscInt        nroots, nleaves, n = 0;
  const PetscInt *ilocal;

  PetscFunctionBegin;
  PetscCall(PetscSFGetGraph(sf, &nroots, &nleaves, &ilocal, NULL));
  for (PetscInt p = sStart; p < sEnd; ++p)
    item[p] = p < nroots && degree[p] > 0 ? 0 : -1;
  for (PetscInt l = 0; l < nleaves; ++l) {
    const PetscInt p = ilocal ? ilocal[l] : l;
    if (p >= sStart && p < sEnd) item[p] = 0;
  }
  for (PetscInt p = sStart; p < sEnd; ++p)
    if (item[p] == 0) ++n;
  s->nitems   = n;
  s->nprivate = (sEnd - sStart) - n;
  PetscCall(PetscMalloc2(n + 1, &s->point, n + 1, &s->mine));
  n = 0;
  for (PetscInt p = sStart; p < sEnd; ++p)
    if (item[p] == 0) s->point[n] = p, s->mine[n] = n, item[p] = n++;
  PetscFunctionReturn(0);
}

/* The SF over the items: each leaf of the point SF in the stratum to its root's item number. */
static PetscErrorCode CreateItemSF(PetscSF sf, PetscInt sStart, PetscInt sEnd, PetscInt item[], PetscInt hub_item[], Stratum *s)
{
  PetscInt           nleaves, n = 0, *ilocal;
  const PetscInt    *leaves;
  const PetscSFNode *remote;
  PetscSFNode       *iremote;

  PetscFunctionBegin;
  PetscCall(PetscSFBcastBegin(sf, MPIU_INT, item, hub_item, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, MPIU_INT, item, hub_item, MPI_REPLACE));
  PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, &remote));
  PetscCall(PetscMalloc1(nleaves + 1, &ilocal));
  PetscCall(PetscMalloc1(nleaves + 1, &iremote));
  for (PetscInt l = 0; l < nleaves; ++l) {
    const PetscInt p = leaves ? leaves[l] : l;
    if (p < sStart || p >= sEnd) continue;
    PetscCheck(hub_item[p] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "ownership: point %" PetscInt_FMT " is a leaf of the point SF but its root on rank %" PetscInt_FMT
               " is not of the same depth",
               p, (PetscInt)remote[l].rank);
    ilocal[n]        = item[p];
    iremote[n].rank  = remote[l].rank;
    iremote[n].index = hub_item[p];
    n++;
  }
  PetscCall(PetscSFCreate(s->comm, &s->itemsf));
  PetscCall(PetscSFSetGraph(s->itemsf, s->nitems, n, ilocal, PETSC_OWN_POINTER, iremote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(s->itemsf));
  PetscFunctionReturn(0);
}

/* Every holder of each item learns all holders and their numbers of it: the hub gathers them
   (a PetscSFGather of (rank, point) pairs), lists itself first and the others by rank, and
   sends the list back (records of `width` pairs, -1 past the end). */
static PetscErrorCode LearnHolders(Stratum *s)
{
  const PetscInt *degree;
  PetscInt        ngathered = 0, most = 0, width, *mine, *gathered, *records, *received;
  MPI_Datatype    record;

  PetscFunctionBegin;
  PetscCall(PetscSFComputeDegreeBegin(s->itemsf, &degree));
  PetscCall(PetscSFComputeDegreeEnd(s->itemsf, &degree));
  for (PetscInt i = 0; i < s->nitems; ++i)
    ngathered += degree[i], most = PetscMax(most, degree[i] + 1);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPIU_INT, MPI_MAX, s->comm));
  width = 2 * most;
  PetscCall(PetscMalloc3(2 * s->nitems + 1, &mine, 2 * ngathered + 1, &gathered, width * s->nitems + 1, &records));
  for (PetscInt i = 0; i < s->nitems; ++i)
    mine[2 * i] = s->rank, mine[2 * i + 1] = s->point[i];
  PetscCall(PetscSFGatherBegin(s->itemsf, MPIU_2INT, mine, gathered));
  PetscCall(PetscSFGatherEnd(s->itemsf, MPIU_2INT, mine, gathered));
  for (PetscInt i = 0, g = 0; i < s->nitems; g += degree[i], ++i) {
    PetscInt *r = records + width * i, ranks[64], points[64], n = degree[i];
    PetscCheck(n < 64, PETSC_COMM_SELF, PETSC_ERR_SUP, "ownership: a point held by %" PetscInt_FMT " ranks (64 at most)", n + 1);
    for (PetscInt k = 0; k < width; ++k)
      r[k] = -1;
    if (!n) continue; /* a leaf: its hub sends the record */
    for (PetscInt k = 0; k < n; ++k)
      ranks[k] = gathered[2 * (g + k)], points[k] = gathered[2 * (g + k) + 1];
    PetscCall(PetscSortIntWithArray(n, ranks, points));
    r[0] = s->rank, r[1] = s->point[i];
    for (PetscInt k = 0; k < n; ++k)
      r[2 * (k + 1)] = ranks[k], r[2 * (k + 1) + 1] = points[k];
  }
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)width, MPIU_INT, &record));
  PetscCallMPI(MPI_Type_commit(&record));
  PetscCall(PetscMalloc1(width * s->nitems + 1, &received));
  PetscCall(PetscArraycpy(received, records, width * s->nitems));
  PetscCall(PetscSFBcastBegin(s->itemsf, record, records, received, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(s->itemsf, record, records, received, MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&record));
  PetscCall(PetscMalloc3(s->nitems + 1, &s->it.hstart, s->nitems + 1, &s->it.owner, most * s->nitems + 1, &s->it.holders));
  PetscCall(PetscMalloc1(most * s->nitems + 1, &s->hpoint));
  s->it.hstart[0] = 0;
  for (PetscInt i = 0; i < s->nitems; ++i) {
    const PetscInt *r = received + width * i;
    PetscInt        n = s->it.hstart[i];
    for (PetscInt k = 0; k < most && r[2 * k] >= 0; ++k)
      s->it.holders[n] = r[2 * k], s->hpoint[n++] = r[2 * k + 1];
    PetscCheck(n - s->it.hstart[i] >= 2, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "ownership: point %" PetscInt_FMT " is shared but has one holder", s->point[i]);
    s->it.hstart[i + 1] = n;
    s->it.owner[i]      = s->it.holders[s->it.hstart[i]];
  }
  PetscCall(PetscFree3(mine, gathered, records));
  PetscCall(PetscFree(received));
  PetscFunctionReturn(0);
}

static PetscErrorCode StratumSetUp(DM dm, PetscInt depth, PetscInt item[], PetscInt hub_item[], Stratum *s)
{
  PetscSF         sf;
  PetscInt        sStart, sEnd;
  const PetscInt *degree;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof *s));
  s->comm = PetscObjectComm((PetscObject)dm);
  PetscCallMPI(MPI_Comm_rank(s->comm, &s->rank));
  PetscCallMPI(MPI_Comm_size(s->comm, &s->size));
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(DMPlexGetDepthStratum(dm, depth, &sStart, &sEnd));
  s->sStart = sStart, s->sEnd = sEnd;
  PetscCall(PetscSFComputeDegreeBegin(sf, &degree));
  PetscCall(PetscSFComputeDegreeEnd(sf, &degree));
  PetscCall(ListItems(sf, degree, sStart, sEnd, item, s));
  PetscCall(CreateItemSF(sf, sStart, sEnd, item, hub_item, s));
  PetscCall(LearnHolders(s));
  for (PetscInt p = sStart; p < sEnd; ++p) /* item[] over the chart is -1 again for the next stratum */
    item[p] = -1;
  PetscFunctionReturn(0);
}

/* After the hubs (roots) chose, every holder learns the owner of each item: the owner's
   proposal (-1 from the other holders) reduced to the hub by MPI_MAX, then sent back. */
static PetscErrorCode SpreadOwners(Stratum *s, PetscInt proposal[], PetscInt at_hub[])
{
  PetscFunctionBegin;
  PetscCall(PetscArraycpy(at_hub, proposal, s->nitems));
  PetscCall(PetscSFReduceBegin(s->itemsf, MPIU_INT, proposal, at_hub, MPI_MAX));
  PetscCall(PetscSFReduceEnd(s->itemsf, MPIU_INT, proposal, at_hub, MPI_MAX));
  PetscCall(PetscSFBcastBegin(s->itemsf, MPIU_INT, at_hub, proposal, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(s->itemsf, MPIU_INT, at_hub, proposal, MPI_REPLACE));
  for (PetscInt i = 0; i < s->nitems; ++i) {
    s->it.owner[i] = s->it.holders[s->it.hstart[i]] == s->rank ? at_hub[i] : proposal[i];
    PetscCheck(s->it.owner[i] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "ownership: point %" PetscInt_FMT " lost its owner",
               s->point[i]);
  }
  PetscFunctionReturn(0);
}

/* Every part's list of neighbours, on every rank (CSR). */
static PetscErrorCode GatherGraph(const Stratum *s, PetscInt nnbr, const PetscInt nbr[], PetscMPIInt sizes[],
                                  PetscMPIInt displs[], PetscInt **nstart, PetscInt **all)
{
  PetscMPIInt mine = (PetscMPIInt)nnbr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, sizes, 1, MPI_INT, s->comm));
  PetscCall(PetscMalloc1(s->size + 1, nstart));
  (*nstart)[0] = 0;
  for (PetscMPIInt r = 0; r < s->size; ++r) {
    displs[r]        = (PetscMPIInt)(*nstart)[r];
    (*nstart)[r + 1] = (*nstart)[r] + sizes[r];
  }
  PetscCall(PetscMalloc1((*nstart)[s->size] + 1, all));
  PetscCallMPI(MPI_Allgatherv(nbr, mine, MPIU_INT, *all, sizes, displs, MPIU_INT, s->comm));
  PetscFunctionReturn(0);
}

/* The rule of the file's head on one stratum: owners of its items in s->it.owner. */
static PetscErrorCode BalanceStratum(Stratum *s, PetscInt *rounds)
{
  PetscInt    *counts, *delta, *partner, *flow, *proposal, *at_hub, *nbr, nnbr, *nstart, *graph, *cap, *allcap, npairs = 0, round;
  PetscMPIInt *sizes, *displs;

  PetscFunctionBegin;
  PetscCall(PetscCalloc4(s->size, &counts, s->size, &delta, s->size, &partner, s->size, &flow));
  PetscCall(PetscMalloc2(s->nitems + 1, &proposal, s->nitems + 1, &at_hub));
  PetscCall(PetscMalloc2(s->size, &sizes, s->size, &displs));
  PetscCallMPI(MPI_Allgather(&s->nprivate, 1, MPIU_INT, counts, 1, MPIU_INT, s->comm));
  for (PetscInt i = 0; i < s->nitems; ++i) /* AssignFirstOwners overwrites the hub's items only */
    s->it.owner[i] = -1;
  AssignFirstOwners(s->rank, &s->it, s->nitems, s->mine, counts, delta);
  PetscCall(PetscArraycpy(proposal, s->it.owner, s->nitems));
  PetscCall(SpreadOwners(s, proposal, at_hub));
  PetscCall(FindNeighbours(s->rank, &s->it, s->nitems, s->mine, &nnbr, &nbr));
  PetscCall(GatherGraph(s, nnbr, nbr, sizes, displs, &nstart, &graph));
  PetscCall(PetscMalloc2(nnbr + 1, &cap, nstart[s->size] + 1, &allcap));
  for (round = 0; round < MAX_ROUNDS; ++round) {
    const PetscInt mine = OwnedCount(s->rank, &s->it, s->nprivate, s->nitems, s->mine);
    PetscCallMPI(MPI_Allgather(&mine, 1, MPIU_INT, counts, 1, MPIU_INT, s->comm));
    PetscCall(CountCapacities(s->rank, &s->it, s->nitems, s->mine, nnbr, nbr, cap));
    PetscCallMPI(MPI_Allgatherv(cap, (PetscMPIInt)nnbr, MPIU_INT, allcap, sizes, displs, MPIU_INT, s->comm));
    PetscCall(PlanRound(s->size, nstart, graph, allcap, counts, partner, flow, &npairs));
    if (!npairs) break;
    for (PetscInt i = 0; i < s->nitems; ++i)
      proposal[i] = s->it.owner[i] == s->rank ? s->rank : -1;
    if (flow[s->rank] > 0) HandOver(s->rank, &s->it, s->nitems, s->mine, partner[s->rank], flow[s->rank], proposal);
    PetscCall(SpreadOwners(s, proposal, at_hub));
  }
  *rounds = round;
  if (round == MAX_ROUNDS) PetscCall(PetscInfo(NULL, "ownership: stopped at the limit of %d rounds\n", MAX_ROUNDS));
  PetscCall(PetscFree4(counts, delta, partner, flow));
  PetscCall(PetscFree2(proposal, at_hub));
  PetscCall(PetscFree2(sizes, displs));
  PetscCall(PetscFree2(cap, allcap));
  PetscCall(PetscFree(nbr));
  PetscCall(PetscFree(nstart));
  PetscCall(PetscFree(graph));
  PetscFunctionReturn(0);
}

/* A new point SF leaves stale what was made from the old one: the global section and section
   SF (of the DM and of its coordinate DM), the global coordinates, DMPlex's global numberings.
   Dropped here, they are made again from the new SF when asked for. */
static PetscErrorCode ForgetLayout(DM dm)
{
  PetscFunctionBegin;
  PetscCall(PetscSectionDestroy(&dm->globalSection));
  if (dm->sectionSF) {
    PetscCall(PetscSFDestroy(&dm->sectionSF));
    PetscCall(PetscSFCreate(PetscObjectComm((PetscObject)dm), &dm->sectionSF));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode InstallPointSF(DM dm, PetscSF sf)
{
  DM       cdm;
  Vec      local;
  DM_Plex *plex = (DM_Plex *)dm->data;

  PetscFunctionBegin;
  PetscCall(DMGetCoordinatesLocal(dm, &local)); /* made from the global ones (old SF) if only those exist */
  PetscCall(DMSetPointSF(dm, sf));
  PetscCall(ForgetLayout(dm));
  if (local) PetscCall(VecDestroy(&dm->coordinates[0].x));
  PetscCall(ISDestroy(&plex->globalVertexNumbers));
  PetscCall(ISDestroy(&plex->globalCellNumbers));
  PetscCall(DMGetCoordinateDM(dm, &cdm));
  if (cdm) {
    PetscCall(DMSetPointSF(cdm, sf));
    PetscCall(ForgetLayout(cdm));
  }
  PetscFunctionReturn(0);
}

/* The balanced strata's leaves replace theirs in the point SF (each item not owned here, to
   its owner's number of it); the other points' leaves (faces) are kept. Leaves in point order. */
static PetscErrorCode RewritePointSF(DM dm, const Stratum strata[], PetscInt nstrata)
{
  PetscSF            sf, fresh;
  PetscInt           nroots, nleaves, most, n = 0, *ilocal;
  const PetscInt    *leaves;
  const PetscSFNode *remote;
  PetscSFNode       *iremote, *scratch;

  PetscFunctionBegin;
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, &nroots, &nleaves, &leaves, &remote));
  most = nleaves; /* the kept leaves and at most every item */
  for (PetscInt k = 0; k < nstrata; ++k)
    most += strata[k].nitems;
  PetscCall(PetscMalloc1(most + 1, &ilocal));
  PetscCall(PetscMalloc2(most + 1, &iremote, most + 1, &scratch));
  for (PetscInt l = 0; l < nleaves; ++l) {
    const PetscInt p    = leaves ? leaves[l] : l;
    PetscBool      kept = PETSC_TRUE;
    for (PetscInt k = 0; k < nstrata; ++k)
      if (p >= strata[k].sStart && p < strata[k].sEnd) kept = PETSC_FALSE;
    if (kept) ilocal[n] = p, iremote[n++] = remote[l];
  }
  for (PetscInt k = 0; k < nstrata; ++k) {
    const Stratum *s = &strata[k];
    for (PetscInt i = 0; i < s->nitems; ++i) {
      if (s->it.owner[i] == s->rank) continue;
      for (PetscInt h = s->it.hstart[i]; h < s->it.hstart[i + 1]; ++h)
        if (s->it.holders[h] == s->it.owner[i]) {
          ilocal[n]        = s->point[i];
          iremote[n].rank  = s->it.owner[i];
          iremote[n].index = s->hpoint[h];
          n++;
        }
    }
  }
  PetscCall(PetscSortIntWithDataArray(n, ilocal, iremote, sizeof(PetscSFNode), scratch));
  PetscCall(PetscSFCreate(PetscObjectComm((PetscObject)dm), &fresh));
  PetscCall(PetscSFSetGraph(fresh, nroots, n, ilocal, PETSC_OWN_POINTER, iremote, PETSC_COPY_VALUES));
  PetscCall(PetscSFSetUp(fresh));
  PetscCall(InstallPointSF(dm, fresh));
  PetscCall(PetscSFDestroy(&fresh));
  PetscCall(PetscFree2(iremote, scratch));
  PetscFunctionReturn(0);
}

/* The strata whose points carry unknowns: vertices, and edges (P2) on an interpolated mesh. */
static PetscErrorCode StrataWithUnknowns(DM dm, PetscInt depths[2], PetscInt *n)
{
  PetscInt depth;

  PetscFunctionBegin;
  PetscCall(DMPlexGetDepth(dm, &depth));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &depth, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)dm)));
  depths[0] = 0, depths[1] = 1;
  *n = depth == 3 ? 2 : 1;
  PetscFunctionReturn(0);
}

/* Whether the mesh is shared between ranks at all: on one rank, or with no point SF graph
   anywhere, there is nothing to balance. */
static PetscErrorCode IsShared(DM dm, PetscBool *shared)
{
  PetscSF     sf;
  PetscInt    nroots, graphs;
  PetscMPIInt size;

  PetscFunctionBegin;
  *shared = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)dm), &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(DMGetPointSF(dm, &sf));
  PetscCall(PetscSFGetGraph(sf, &nroots, NULL, NULL, NULL));
  graphs = nroots >= 0 ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &graphs, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)dm)));
  PetscCheck(graphs == 0 || graphs == size, PetscObjectComm((PetscObject)dm), PETSC_ERR_ARG_WRONG,
             "ownership: the point SF has a graph on %" PetscInt_FMT " of %d ranks", graphs, (int)size);
  *shared = graphs ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Declared in partition_impl.h. */
PetscErrorCode TwinfePartitionBalanceOwnership_Private(DM dm)
{
  static PetscLogEvent event = -1;
  Stratum              strata[2];
  PetscInt             depths[2], nstrata = 0, pStart, pEnd, *item, *hub_item, rounds[2] = {0, 0};
  PetscBool            shared;

  PetscFunctionBegin;
  PetscCall(IsShared(dm, &shared));
  if (!shared) PetscFunctionReturn(0);
  if (event < 0) PetscCall(PetscLogEventRegister("TwinfeOwnership", DM_CLASSID, &event)); /* in -log_view */
  PetscCall(PetscLogEventBegin(event, dm, 0, 0, 0));
  PetscCall(StrataWithUnknowns(dm, depths, &nstrata));
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(PetscMalloc2(pEnd + 1, &item, pEnd + 1, &hub_item));
  for (PetscInt p = 0; p < pEnd; ++p)
    item[p] = hub_item[p] = -1;
  for (PetscInt k = 0; k < nstrata; ++k) {
    PetscCall(StratumSetUp(dm, depths[k], item, hub_item, &strata[k]));
    PetscCall(BalanceStratum(&strata[k], &rounds[k]));
  }
  PetscCall(PetscFree2(item, hub_item));
  PetscCall(RewritePointSF(dm, strata, nstrata));
  PetscCall(PetscInfo(dm, "shared points' owners balanced: vertices in %" PetscInt_FMT " rounds, edges in %" PetscInt_FMT "\n",
                      rounds[0], rounds[1]));
  for (PetscInt k = 0; k < nstrata; ++k)
    PetscCall(StratumDestroy(&strata[k]));
  PetscCall(PetscLogEventEnd(event, dm, 0, 0, 0));
  PetscFunctionReturn(0);
}
