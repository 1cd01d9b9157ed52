/* Volume groups: the regions' volumes split into groups that Gmsh meshes one at a time, or at
 * once in forked processes when there are threads to spare.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why: Gmsh's HXT meshes all volumes of a model in one call, on one thread here (on two, Gmsh
 * 4.8.4 left split vertices and once aborted: docs/stack-measurements.md), and that call was a
 * third of `twinfe mesh` on the CT case while the second core idled. Gmsh is one global state
 * per process, so two threads cannot mesh two models; two processes can. Every group's model
 * is given every surface triangle with the same node tags (its volumes use only some of them),
 * and Gmsh keeps discrete surface triangles as they are, so the groups' tets meet face to face
 * on shared interfaces; TwinfeMeshCheckFacetsOnTets_Private checks that on the joined mesh.
 * A group is meshed the same way whether it runs here or in a child, so the mesh does not
 * depend on the number of threads, only on -mesh_groups. The child calls no MPI and no PETSc
 * logging; it sends its tets and new nodes through a pipe and leaves with _exit. */
#define _POSIX_C_SOURCE 200809L /* fork, kill, waitpid, strsignal */
#include "meshimpl.h"
#include "core/core_impl.h"

#include <errno.h>
#include "gmsh_api.h"
#if defined(__GLIBC__)
#include <malloc.h> /* malloc_trim */
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <twinfe/core.h>
#include <unistd.h>

/* ---------------------------------------------------------------- choosing the groups */

/* Mean surface edge per patch: the local mesh size a shell is meshed at. */
static PetscErrorCode PatchEdgeSums(const TwinfeShells *s, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                    PetscReal sum[], PetscInt count[])
{
  PetscFunctionBeginUser;
  for (PetscInt t = 0; t < nt; t++) {
    const PetscInt p = s->patch_of_triangle[t];
    if (p < 0) continue;
    for (int e = 0; e < 3; e++) {
      const PetscReal *a = &xyz[3 * tri[3 * t + e]], *b = &xyz[3 * tri[3 * t + (e + 1) % 3]];
      sum[p] += PetscSqrtReal((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
    }
    count[p] += 3;
  }
  PetscFunctionReturn(0);
}

/* Tets an outer shell will hold, up to a constant: its volume (holes taken off) over the cube of
   its mean edge. */
static PetscErrorCode EstimateShellTets(const TwinfeShells *s, const PetscReal edge_sum[], const PetscInt edge_count[],
                                        PetscReal weight[])
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < s->nshells; k++) {
    PetscReal sum = 0, volume = s->shell_volume[k], h;
    PetscInt  count = 0;
    weight[k]       = 0;
    if (s->shell_owner[k] >= 0 || s->shell_volume[k] <= 0) continue;
    for (PetscInt i = s->shell_offsets[k]; i < s->shell_offsets[k + 1]; i++) {
      sum += edge_sum[s->shell_patches[i]];
      count += edge_count[s->shell_patches[i]];
    }
    for (PetscInt q = 0; q < s->nshells; q++)
      if (s->shell_owner[q] == k) volume -= PetscAbsReal(s->shell_volume[q]);
    h         = count ? sum / count : 1;
    weight[k] = PetscMax(volume, 0) / (h * h * h);
  }
  PetscFunctionReturn(0);
}

static const PetscReal *sort_weight; /* qsort has no context argument; set only around the one call */

static int HeavierFirst(const void *a, const void *b)
{
  const PetscInt i = *(const PetscInt *)a, j = *(const PetscInt *)b;
  if (sort_weight[i] != sort_weight[j]) return sort_weight[i] > sort_weight[j] ? -1 : 1;
  return (i > j) - (i < j);
}

PetscErrorCode TwinfeShellGroups_Private(const TwinfeShells *s, const PetscReal xyz[], PetscInt nt, const PetscInt tri[],
                                         PetscInt max_groups, PetscInt group_of_shell[], PetscInt *ngroups)
{
  PetscReal *edge_sum, *weight, load[64] = {0};
  PetscInt  *edge_count, *order, nouter = 0, renamed[64], nused = 0;

  PetscFunctionBeginUser;
  PetscCheck(max_groups >= 1 && max_groups <= 64, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_groups %" PetscInt_FMT " must lie in [1, 64]", max_groups);
  PetscCall(PetscCalloc2(s->npatches + 1, &edge_sum, s->npatches + 1, &edge_count));
  PetscCall(PetscMalloc2(s->nshells + 1, &weight, s->nshells + 1, &order));
  PetscCall(PatchEdgeSums(s, xyz, nt, tri, edge_sum, edge_count));
  PetscCall(EstimateShellTets(s, edge_sum, edge_count, weight));
  for (PetscInt k = 0; k < s->nshells; k++)
    if (s->shell_owner[k] < 0 && s->shell_volume[k] > 0) order[nouter++] = k;
  sort_weight = weight;
  qsort(order, (size_t)nouter, sizeof *order, HeavierFirst);
  sort_weight = NULL;
  /* the heaviest shell first, each into the lightest group so far */
  for (PetscInt k = 0; k < s->nshells; k++)
    group_of_shell[k] = -1;
  for (PetscInt i = 0; i < nouter; i++) {
    PetscInt lightest = 0;
    for (PetscInt g = 1; g < max_groups; g++)
      if (load[g] < load[lightest]) lightest = g;
    group_of_shell[order[i]] = lightest;
    load[lightest] += weight[order[i]];
  }
  /* groups numbered by first use, so that group 0 holds the heaviest shell and none is empty */
  for (PetscInt g = 0; g < max_groups; g++)
    renamed[g] = -1;
  for (PetscInt i = 0; i < nouter; i++) {
    PetscInt *g = &group_of_shell[order[i]];
    if (renamed[*g] < 0) renamed[*g] = nused++;
    *g = renamed[*g];
  }
  /* a hole goes with the shell that owns it */
  for (PetscInt k = 0; k < s->nshells; k++)
    if (s->shell_owner[k] >= 0) group_of_shell[k] = group_of_shell[s->shell_owner[k]];
  *ngroups = PetscMax(nused, 1);
  PetscCall(PetscFree2(edge_sum, edge_count));
  PetscCall(PetscFree2(weight, order));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- a group in a child process */

typedef struct {
  PetscErrorCode code; /* 0, or the error the group's meshing raised */
  char           message[1024];
  PetscInt       ntets, nnodes;
} ChildHeader;

static int WriteAll(int fd, const void *data, size_t n)
{
  const char *p = (const char *)data;
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

static int ReadAll(int fd, void *data, size_t n)
{
  char *p = (char *)data;
  while (n) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return 0;
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

/* In the child: mesh the group, send it, leave without running any exit handler (MPI's, PETSc's
   and Gmsh's belong to the parent). A crash takes the default action, so that the parent sees
   the signal instead of PETSc's handler calling MPI_Abort from here. */
static void RunChild(int fd, TwinfeGroupMesher mesher, void *ctx, PetscInt g)
{
  const int      fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  ChildHeader    h;
  TwinfeGmshPart part;
  int            ok;

  for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
    signal(fatal[i], SIG_DFL);
  memset(&h, 0, sizeof h);
  memset(&part, 0, sizeof part);
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  h.code = mesher(ctx, g, &part);
  if (h.code) {
    const char *text     = NULL;
    char       *specific = NULL;
    (void)PetscErrorMessage(h.code, &text, &specific);
    snprintf(h.message, sizeof h.message, "%s", specific && specific[0] ? specific : (text ? text : "unknown error"));
  }
  h.ntets  = part.ntets;
  h.nnodes = part.nnodes;
  ok       = WriteAll(fd, &h, sizeof h);
  if (ok && !h.code)
    ok = WriteAll(fd, part.tet_tags, 4 * (size_t)part.ntets * sizeof(size_t)) &&
         WriteAll(fd, part.tet_labels, (size_t)part.ntets * sizeof(int32_t)) &&
         WriteAll(fd, part.node_tags, (size_t)part.nnodes * sizeof(size_t)) &&
         WriteAll(fd, part.coords, 3 * (size_t)part.nnodes * sizeof(double));
  _exit(ok ? 0 : 3);
}

typedef struct {
  pid_t pid;
  int   fd;
} Child;

static PetscErrorCode StartChild(TwinfeGroupMesher mesher, void *ctx, PetscInt g, Child *child)
{
  int fds[2];

  PetscFunctionBeginUser;
  PetscCheck(pipe(fds) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "volume group %" PetscInt_FMT ": pipe() failed: %s", g,
             strerror(errno));
  fflush(NULL); /* nothing buffered is written twice */
  child->pid = fork();
  if (child->pid == 0) {
    close(fds[0]);
    RunChild(fds[1], mesher, ctx, g);
  }
  close(fds[1]);
  if (child->pid < 0) close(fds[0]);
  PetscCheck(child->pid > 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "volume group %" PetscInt_FMT ": fork() failed: %s", g,
             strerror(errno));
  child->fd = fds[0];
  PetscFunctionReturn(0);
}

static void StopChild(Child *child)
{
  if (child->pid <= 0) return;
  kill(child->pid, SIGKILL);
  close(child->fd);
  while (waitpid(child->pid, NULL, 0) < 0 && errno == EINTR) {
  }
  child->pid = 0;
}

/* Read the child's group, then reap it; any failure names the group and what went wrong. */
static PetscErrorCode FinishChild(PetscInt g, Child *child, TwinfeGmshPart *part)
{
  ChildHeader h;
  int         ok, status = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(part, sizeof *part));
  ok = ReadAll(child->fd, &h, sizeof h);
  if (ok && !h.code) {
    part->ntets  = h.ntets;
    part->nnodes = h.nnodes;
    PetscCall(PetscMalloc1(4 * h.ntets + 1, &part->tet_tags));
    PetscCall(PetscMalloc1(h.ntets + 1, &part->tet_labels));
    PetscCall(PetscMalloc2(h.nnodes + 1, &part->node_tags, 3 * h.nnodes + 1, &part->coords));
    ok = ReadAll(child->fd, part->tet_tags, 4 * (size_t)h.ntets * sizeof(size_t)) &&
         ReadAll(child->fd, part->tet_labels, (size_t)h.ntets * sizeof(int32_t)) &&
         ReadAll(child->fd, part->node_tags, (size_t)h.nnodes * sizeof(size_t)) &&
         ReadAll(child->fd, part->coords, 3 * (size_t)h.nnodes * sizeof(double));
  }
  close(child->fd);
  while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR) {
  }
  child->pid = 0;
  PetscCheck(!WIFSIGNALED(status), PETSC_COMM_SELF, PETSC_ERR_LIB,
             "Gmsh died of signal %d (%s) while meshing volume group %" PetscInt_FMT " in its own process; -mesh_groups 1 meshes "
             "every volume in this process",
             WTERMSIG(status), strsignal(WTERMSIG(status)), g);
  PetscCheck(!ok || !h.code, PETSC_COMM_SELF, h.code, "volume group %" PetscInt_FMT ": %s", g, h.message);
  PetscCheck(ok && WIFEXITED(status) && WEXITSTATUS(status) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS,
             "the process meshing volume group %" PetscInt_FMT " ended without sending its tets (exit status %d)", g,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the driver */

/* After fork, a page that parent and child share is copied by whichever writes it first. The
   heap's free chunks (the image and surface stages' memory, freed) are shared pages too, and
   Gmsh's allocations in both processes reuse them: every reuse was a copy (4 KB read and
   written). Handed back to the system first, they come back as fresh zero pages. On the CT
   kidney case the groups' meshing took 0.03-0.3 s less (docs/performance.md). */
static void ReturnFreeHeapPages(void)
{
#if defined(__GLIBC__)
  (void)malloc_trim(0);
#endif
}

static PetscErrorCode MeshGroupsAtOnce(PetscInt ngroups, TwinfeGroupMesher mesher, void *ctx, TwinfeGmshPart parts[])
{
  Child         *children;
  PetscErrorCode ierr = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(ngroups, &children));
  ReturnFreeHeapPages();
  for (PetscInt g = 1; g < ngroups && !ierr; g++)
    ierr = StartChild(mesher, ctx, g, &children[g]);
  if (!ierr) ierr = mesher(ctx, 0, &parts[0]);
  for (PetscInt g = 1; g < ngroups && !ierr; g++)
    ierr = FinishChild(g, &children[g], &parts[g]);
  for (PetscInt g = 1; g < ngroups; g++)
    StopChild(&children[g]);
  PetscCall(PetscFree(children));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode MeshGroupsInTurn(PetscInt ngroups, TwinfeGroupMesher mesher, void *ctx, TwinfeGmshPart parts[])
{
  PetscFunctionBeginUser;
  PetscCall(mesher(ctx, 0, &parts[0]));
  for (PetscInt g = 1; g < ngroups; g++) {
    char           name[32];
    PetscErrorCode ierr;
    PetscCall(PetscSNPrintf(name, sizeof name, "twinfe_group_%" PetscInt_FMT, g));
    GMSH_CALL(gmshModelAdd(name, &gmsh_ierr));
    ierr = mesher(ctx, g, &parts[g]);
    GMSH_CALL(gmshModelRemove(&gmsh_ierr)); /* its mesh is copied out; free it before the next */
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeGmshMeshGroups_Private(PetscInt ngroups, PetscBool at_once, TwinfeGroupMesher mesher, void *ctx,
                                            TwinfeGmshPart parts[])
{
  PetscFunctionBeginUser;
  if (at_once && ngroups > 1)
    PetscCall(MeshGroupsAtOnce(ngroups, mesher, ctx, parts));
  else
    PetscCall(MeshGroupsInTurn(ngroups, mesher, ctx, parts));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the joined mesh, checked */

typedef struct {
  PetscInt  size; /* a power of two */
  PetscInt *key;  /* 3 sorted vertices per slot; key[3 i] = -1 when empty */
  PetscInt *count, *facet;
} FaceTable;

static inline PetscInt Slot(const FaceTable *t, const PetscInt f[3])
{
  uint64_t h =
      (uint64_t)f[0] * 0x9E3779B97F4A7C15ull ^ (uint64_t)f[1] * 0xC2B2AE3D27D4EB4Full ^ (uint64_t)f[2] * 0x165667B19E3779F9ull;
  PetscInt i = (PetscInt)(h >> 17) & (t->size - 1);
  while (t->key[3 * i] >= 0 && (t->key[3 * i] != f[0] || t->key[3 * i + 1] != f[1] || t->key[3 * i + 2] != f[2]))
    i = (i + 1) & (t->size - 1);
  return i;
}

static PetscBool IsMeshedRegion(TwinfeMesh mesh, PetscInt label)
{
  for (PetscInt r = 0; r < mesh->nregions; r++)
    if (mesh->region_labels[r] == label) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode TwinfeMeshCheckFacetsOnTets_Private(TwinfeMesh mesh)
{
  FaceTable  t;
  PetscBool *on_surface;

  PetscFunctionBeginUser;
  for (t.size = 16; t.size < 2 * mesh->nfacets; t.size *= 2) {
  }
  PetscCall(PetscMalloc3(3 * t.size, &t.key, t.size, &t.count, t.size, &t.facet));
  PetscCall(PetscCalloc1(mesh->nvertices, &on_surface));
  for (PetscInt i = 0; i < 3 * t.size; i++)
    t.key[i] = -1;
  for (PetscInt f = 0; f < mesh->nfacets; f++) {
    PetscInt v[3] = {mesh->facets[3 * f], mesh->facets[3 * f + 1], mesh->facets[3 * f + 2]}, i;
    TwinfeSortThree_Private(v);
    i = Slot(&t, v);
    PetscCall(PetscArraycpy(&t.key[3 * i], v, 3));
    t.count[i] = 0;
    t.facet[i] = f;
    for (int k = 0; k < 3; k++)
      on_surface[v[k]] = PETSC_TRUE;
  }
  /* only a tet face with its three vertices on the surface can be a facet */
  for (PetscInt c = 0; c < mesh->ntets; c++) {
    const PetscInt *q = &mesh->tets[4 * c];
    for (int skip = 0; skip < 4; skip++) {
      PetscInt v[3], n = 0, i;
      for (int k = 0; k < 4; k++)
        if (k != skip && on_surface[q[k]]) v[n++] = q[k];
      if (n < 3) continue;
      TwinfeSortThree_Private(v);
      i = Slot(&t, v);
      if (t.key[3 * i] >= 0) t.count[i]++;
    }
  }
  for (PetscInt i = 0; i < t.size; i++) {
    PetscInt f, hi, lo, expected;
    if (t.key[3 * i] < 0) continue;
    f = t.facet[i];
    TwinfeFacetTagLabels(mesh->facet_tags[f], &hi, &lo);
    expected = (PetscInt)IsMeshedRegion(mesh, hi) + (PetscInt)IsMeshedRegion(mesh, lo);
    if (t.count[i] != expected) {
      const PetscReal *x     = &mesh->xyz[3 * mesh->facets[3 * f]];
      PetscInt         count = t.count[i];
      PetscCall(PetscFree3(t.key, t.count, t.facet));
      PetscCall(PetscFree(on_surface));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB,
              "the volume groups do not meet face to face: facet %" PetscInt_FMT
              " (tag %d, at %g %g %g mm) lies on %" PetscInt_FMT " tets, not %" PetscInt_FMT
              "; Gmsh changed the surface it was given. -mesh_groups 1 meshes every volume in one "
              "model",
              f, (int)mesh->facet_tags[f], (double)x[0], (double)x[1], (double)x[2], count, expected);
    }
  }
  PetscCall(PetscFree3(t.key, t.count, t.facet));
  PetscCall(PetscFree(on_surface));
  PetscFunctionReturn(0);
}
