/* Checkpoints of a stepped solve and the restart from one (checkpoint_impl.h says what is in
 * them; docs/checkpoint.md how to use them).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* fsync, link */
#include "checkpoint_impl.h"
#include "ioimpl.h"
#include "results_xdmf.h"
#include "core/core_impl.h"

#include <petscdmplex.h>
#include <twinfe/core.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FORMAT "twinfe-checkpoint-1"
#define SUBFOLDER "checkpoint"
#define MAX_BLOCKS 16

/* One block of the .bin: a node block holds, per node, x y z, its value count and the values
   (padded to width); a reals block the values alone. */
typedef struct {
  char      name[64];
  PetscBool nodes;
  PetscInt  width, count; /* values per record and records (nodes), or values (reals) */
  uint64_t  hash;         /* nodes: the sum of the nodes' hashes (where each is and its value count) */
  Vec       loaded;       /* reading: the whole block, sequential, on every rank */
} Block;

struct _p_TwinfeCheckpoint {
  MPI_Comm    comm;
  PetscMPIInt rank;
  char        folder[PETSC_MAX_PATH_LEN]; /* STAGING/checkpoint */
  PetscInt    every;
  char        restart_dir[PETSC_MAX_PATH_LEN];
  /* the checkpoint being written, or the one read */
  char        kind[32];
  PetscInt    step;
  PetscReal   time;
  PetscViewer viewer;
  Block       blocks[MAX_BLOCKS];
  PetscInt    nblocks;
  json_t     *meta; /* reading: the .json of the checkpoint read (every rank) */
  /* what the report says */
  PetscInt       written, previous_step, restarted_from, skipped;
  PetscReal      restarted_time;
  PetscLogDouble seconds, began; /* writing: all of them; the one being written, from its Begin */
  double         bytes;          /* of the last checkpoint (both files) */
  char           used[PETSC_MAX_PATH_LEN];
};

/* ---------- names ---------- */

/* snprintf into a path buffer; a path too long for it is cut, and then not found or refused by
   the call that uses it. */
static void PathFormat(char out[PETSC_MAX_PATH_LEN], const char format[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static void PathFormat(char out[PETSC_MAX_PATH_LEN], const char format[], ...)
{
  va_list ap;
  va_start(ap, format);
  (void)vsnprintf(out, PETSC_MAX_PATH_LEN, format, ap);
  va_end(ap);
}

static void StepFile(char out[PETSC_MAX_PATH_LEN], const char folder[], PetscInt step, const char ext[], PetscBool temporary)
{
  PathFormat(out, "%s/%scheckpoint_%06d.%s%s", folder, temporary ? "." : "", (int)step, ext, temporary ? ".tmp" : "");
}

/* The step of a checkpoint_SSSSSS.json name, or -1. */
static PetscInt StepOfName(const char name[])
{
  int  step = -1;
  char tail[8];
  if (sscanf(name, "checkpoint_%6d.%5s", &step, tail) != 2 || strcmp(tail, "json") || strlen(name) != 22) return -1;
  return step;
}

/* ---------- the options fingerprint ---------- */

/* Options that say where and how a run writes, or how it talks, not what it computes: a restart
   may change them (and must: -restart itself). */
static PetscBool IgnoredOption(const char name[])
{
  static const char *const names[]    = {"o",     "force",        "restart",      "checkpoint_every", "threads",
                                         "help",  "options_left", "malloc_debug", "malloc_dump",      "malloc_test",
                                         "quiet", "info",         "version"};
  static const char *const prefixes[] = {"log_", "malloc", "checkpoint_"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (!strcmp(name, names[i])) return PETSC_TRUE;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; ++i)
    if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* A token of PetscOptionsGetAll's "-a 1 -b -c x" that names an option (not "-1" or "-.5"). */
static PetscBool IsOptionName(const char token[])
{
  return token[0] == '-' && token[1] && !(token[1] >= '0' && token[1] <= '9') && token[1] != '.' ? PETSC_TRUE : PETSC_FALSE;
}

/* {name: value} of every option that shapes the result, "" for a flag. Rank 0. */
static PetscErrorCode OptionsObject(json_t **options)
{
  char *all, *save = NULL, *name = NULL;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  *options = json_object();
  for (char *tok = strtok_r(all, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (IsOptionName(tok)) {
      name = tok + 1;
      if (!IgnoredOption(name)) json_object_set_new(*options, name, json_string(""));
    } else if (name && !IgnoredOption(name)) {
      const char *before = json_string_value(json_object_get(*options, name));
      char        joined[4096];
      snprintf(joined, sizeof joined, "%s%s%s", before ? before : "", before && before[0] ? " " : "", tok);
      json_object_set_new(*options, name, json_string(joined));
    }
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* snprintf that may cut a message short (options of any length go into one). */
static void Text(char out[], size_t len, const char format[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
static void Text(char out[], size_t len, const char format[], ...)
{
  va_list ap;
  va_start(ap, format);
  (void)vsnprintf(out, len, format, ap);
  va_end(ap);
}

/* "-name value", or "-name" for a flag. */
static void Given(char out[], size_t len, const char key[], const char value[])
{
  Text(out, len, "-%s%s%s", key, value[0] ? " " : "", value);
}

/* The first option that differs between the checkpoint's run and this one: *why says which
   (empty when none). */
static void FirstDifference(json_t *then, json_t *now, char why[], size_t len)
{
  const char *key;
  json_t     *value;
  char        was[2048], is[2048];

  why[0] = 0;
  json_object_foreach(then, key, value)
  {
    const char *v = json_string_value(json_object_get(now, key));
    if (v && !strcmp(v, json_string_value(value))) continue;
    Given(was, sizeof was, key, json_string_value(value));
    if (v) Given(is, sizeof is, key, v);
    Text(why, len, "was written by a run with %s, this run has %s: give %s as then", was, v ? is : "no such option", was);
    return;
  }
  json_object_foreach(now, key, value)
  {
    if (json_object_get(then, key)) continue;
    Given(is, sizeof is, key, json_string_value(value));
    Text(why, len, "was written by a run without %s, which this run has: leave %s out", is, is);
    return;
  }
}

/* A restart continues the same solve: an option that shapes the result must be as it was. */
static PetscErrorCode CompareOptions(const char meta_path[], json_t *then)
{
  json_t *now;
  char    why[4096 + 256];

  PetscFunctionBegin;
  PetscCall(OptionsObject(&now));
  FirstDifference(then, now, why, sizeof why);
  json_decref(now);
  PetscCheck(!why[0], PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP, "-restart: the checkpoint %s %s (or start afresh without -restart)",
             meta_path, why);
  PetscFunctionReturn(0);
}

/* ---------- where the nodes are ---------- */

static uint64_t Mix(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static uint64_t NodeHash(const PetscReal key[3], PetscInt ndof)
{
  uint64_t h = Mix((uint64_t)ndof);
  for (int k = 0; k < 3; ++k) {
    uint64_t bits;
    memcpy(&bits, &key[k], sizeof bits);
    h = Mix(h ^ bits);
  }
  return h;
}

static int CompareTriples(const void *a, const void *b)
{
  const PetscReal *x = (const PetscReal *)a, *y = (const PetscReal *)b;
  for (int k = 0; k < 3; ++k)
    if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
  return 0;
}

/* The point's place: its vertices' mean, summed in a fixed order so that it is the same bits
   whichever way the point's closure is numbered (a vertex: itself; an edge: its midpoint). */
static PetscErrorCode PointKey(DM dm, PetscSection csec, const PetscScalar *coords, PetscInt vStart, PetscInt vEnd, PetscInt p,
                               PetscReal key[3])
{
  PetscInt *closure = NULL, n, nv = 0;
  PetscReal xyz[3 * 8];

  PetscFunctionBegin;
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &n, &closure));
  for (PetscInt i = 0; i < n && nv < 8; ++i) {
    const PetscInt q = closure[2 * i];
    PetscInt       off;
    if (q < vStart || q >= vEnd) continue;
    PetscCall(PetscSectionGetOffset(csec, q, &off));
    for (int k = 0; k < 3; ++k)
      xyz[3 * nv + k] = PetscRealPart(coords[off + k]);
    nv++;
  }
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &n, &closure));
  PetscCheck(nv > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "point %" PetscInt_FMT " has no vertex", p);
  qsort(xyz, (size_t)nv, 3 * sizeof(PetscReal), CompareTriples);
  key[0] = key[1] = key[2] = 0;
  for (PetscInt v = 0; v < nv; ++v)
    for (int k = 0; k < 3; ++k)
      key[k] += xyz[3 * v + k];
  for (int k = 0; k < 3; ++k)
    key[k] /= nv;
  PetscFunctionReturn(0);
}

/* This rank's owned points with values in dm's global section: their places, value counts and
   offsets into the local part of a global Vec. Free with PetscFree3. */
typedef struct {
  PetscInt   n, maxdof;
  PetscReal *key; /* 3 per node */
  PetscInt  *ndof, *offset;
} Nodes;

static PetscErrorCode NodesGet(DM dm, Vec v, Nodes *nodes)
{
  PetscSection       gsec, csec;
  Vec                coordinates;
  const PetscScalar *coords;
  PetscInt           pStart, pEnd, vStart, vEnd, rstart;

  PetscFunctionBegin;
  PetscCall(DMGetGlobalSection(dm, &gsec));
  PetscCall(DMGetCoordinateSection(dm, &csec));
  PetscCall(DMGetCoordinatesLocal(dm, &coordinates));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(PetscSectionGetChart(gsec, &pStart, &pEnd));
  PetscCall(VecGetOwnershipRange(v, &rstart, NULL));
  PetscCall(PetscMalloc3(3 * (pEnd - pStart), &nodes->key, pEnd - pStart, &nodes->ndof, pEnd - pStart, &nodes->offset));
  nodes->n = nodes->maxdof = 0;
  PetscCall(VecGetArrayRead(coordinates, &coords));
  for (PetscInt p = pStart; p < pEnd; ++p) {
    PetscInt dof, cdof, off;
    PetscCall(PetscSectionGetDof(gsec, p, &dof));
    PetscCall(PetscSectionGetConstraintDof(gsec, p, &cdof));
    if (dof - cdof <= 0) continue; /* not owned here (negative), or nothing on it */
    PetscCall(PetscSectionGetOffset(gsec, p, &off));
    PetscCall(PointKey(dm, csec, coords, vStart, vEnd, p, &nodes->key[3 * nodes->n]));
    nodes->ndof[nodes->n]   = dof - cdof;
    nodes->offset[nodes->n] = off - rstart;
    nodes->maxdof           = PetscMax(nodes->maxdof, dof - cdof);
    nodes->n++;
  }
  PetscCall(VecRestoreArrayRead(coordinates, &coords));
  PetscFunctionReturn(0);
}

/* The nodes' count and hash over all ranks: the mesh part of the fingerprint. */
static PetscErrorCode NodesFingerprint(MPI_Comm comm, const Nodes *nodes, PetscInt *count, uint64_t *hash)
{
  uint64_t local = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nodes->n; ++i)
    local += NodeHash(&nodes->key[3 * i], nodes->ndof[i]);
  PetscCallMPI(MPI_Allreduce(&local, hash, 1, MPI_UINT64_T, MPI_SUM, comm)); /* modulo 2^64: any order */
  PetscCallMPI(MPIU_Allreduce(&nodes->n, count, 1, MPIU_INT, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

/* ---------- small file helpers (rank 0) ---------- */

static PetscErrorCode SyncPath(const char path[], PetscBool folder)
{
  int fd = open(path, folder ? O_RDONLY | O_DIRECTORY : O_RDONLY);

  PetscFunctionBegin;
  PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "checkpoint: cannot open %s to flush it to disk: %s", path,
             strerror(errno));
  if (fsync(fd) != 0 && !folder) {
    const int err = errno;
    close(fd);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "checkpoint: flushing %s to disk failed: %s (is the disk full?)", path,
            strerror(err));
  }
  close(fd);
  PetscFunctionReturn(0);
}

static PetscErrorCode RenameInto(const char from[], const char to[])
{
  PetscFunctionBegin;
  PetscCheck(rename(from, to) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "checkpoint: renaming %s to %s failed: %s", from, to,
             strerror(errno));
  PetscFunctionReturn(0);
}

static double FileBytes(const char path[])
{
  struct stat st;
  return stat(path, &st) == 0 ? (double)st.st_size : -1;
}

/* ---------- create, destroy ---------- */

PetscErrorCode TwinfeCheckpointCreate(MPI_Comm comm, const char folder[], PetscInt every, const char restart_dir[],
                                      TwinfeCheckpoint *ck)
{
  TwinfeCheckpoint c;
  PetscErrorCode   ierr = 0;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->comm  = comm;
  c->every = every;
  PetscCallMPI(MPI_Comm_rank(comm, &c->rank));
  PetscCheck(snprintf(c->folder, sizeof c->folder, "%s/" SUBFOLDER, folder) < (int)sizeof c->folder, comm, PETSC_ERR_ARG_SIZ,
             "checkpoint folder %s/" SUBFOLDER " is too long a path", folder);
  if (restart_dir) PetscCall(PetscStrncpy(c->restart_dir, restart_dir, sizeof c->restart_dir));
  c->previous_step = c->restarted_from = -1;
  if (every > 0 && c->rank == 0) ierr = TwinfeIOMakeFolder(c->folder);
  PetscCall(TwinfeRunOnRoot(comm, ierr));
  *ck = c;
  PetscFunctionReturn(0);
}

static PetscErrorCode DropBlocks(TwinfeCheckpoint c)
{
  PetscFunctionBegin;
  for (PetscInt b = 0; b < c->nblocks; ++b)
    PetscCall(VecDestroy(&c->blocks[b].loaded));
  c->nblocks = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointDestroy(TwinfeCheckpoint *ck)
{
  PetscFunctionBegin;
  if (!*ck) PetscFunctionReturn(0);
  PetscCall(DropBlocks(*ck));
  PetscCall(PetscViewerDestroy(&(*ck)->viewer));
  if ((*ck)->meta) json_decref((*ck)->meta);
  PetscCall(PetscFree(*ck));
  PetscFunctionReturn(0);
}

PetscBool TwinfeCheckpointDue(TwinfeCheckpoint ck, PetscInt step)
{
  return ck && ck->every > 0 && step > 0 && step % ck->every == 0 ? PETSC_TRUE : PETSC_FALSE;
}

PetscBool TwinfeCheckpointRestarting(TwinfeCheckpoint ck)
{
  return ck && ck->restart_dir[0] ? PETSC_TRUE : PETSC_FALSE;
}

/* ---------- writing ---------- */

PetscErrorCode TwinfeCheckpointBegin(TwinfeCheckpoint c, const char kind[], PetscInt step, PetscReal time)
{
  char tmp[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(DropBlocks(c));
  PetscCall(PetscStrncpy(c->kind, kind, sizeof c->kind));
  c->step = step, c->time = time;
  PetscCall(PetscTime(&c->began));
  StepFile(tmp, c->folder, step, "bin", PETSC_TRUE);
  PetscCall(PetscViewerCreate(c->comm, &c->viewer));
  PetscCall(PetscViewerSetType(c->viewer, PETSCVIEWERBINARY));
  PetscCall(PetscViewerBinarySkipInfo(c->viewer)); /* the .json says what the blocks are */
  PetscCall(PetscViewerFileSetMode(c->viewer, FILE_MODE_WRITE));
  PetscCall(PetscViewerFileSetName(c->viewer, tmp));
  PetscFunctionReturn(0);
}

static PetscErrorCode NewBlock(TwinfeCheckpoint c, const char name[], PetscBool nodes, Block **b)
{
  PetscFunctionBegin;
  PetscCheck(c->viewer, c->comm, PETSC_ERR_ORDER, "checkpoint: call TwinfeCheckpointBegin first");
  PetscCheck(c->nblocks < MAX_BLOCKS, c->comm, PETSC_ERR_ARG_SIZ, "checkpoint: more than %d blocks", MAX_BLOCKS);
  *b = &c->blocks[c->nblocks++];
  PetscCall(PetscMemzero(*b, sizeof **b));
  PetscCall(PetscStrncpy((*b)->name, name, sizeof(*b)->name));
  (*b)->nodes = nodes;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointAddVec(TwinfeCheckpoint c, const char name[], DM dm, Vec v)
{
  Block             *b;
  Nodes              nodes;
  Vec                records;
  PetscScalar       *r;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(NewBlock(c, name, PETSC_TRUE, &b));
  PetscCall(NodesGet(dm, v, &nodes));
  PetscCall(NodesFingerprint(c->comm, &nodes, &b->count, &b->hash));
  PetscCallMPI(MPIU_Allreduce(&nodes.maxdof, &b->width, 1, MPIU_INT, MPI_MAX, c->comm));
  b->width += 4;
  PetscCall(VecCreateMPI(c->comm, nodes.n * b->width, PETSC_DETERMINE, &records));
  PetscCall(VecGetArray(records, &r));
  PetscCall(VecGetArrayRead(v, &x));
  for (PetscInt i = 0; i < nodes.n; ++i) {
    PetscScalar *rec = &r[i * b->width];
    for (int k = 0; k < 3; ++k)
      rec[k] = nodes.key[3 * i + k];
    rec[3] = (PetscScalar)nodes.ndof[i];
    for (PetscInt d = 0; d < b->width - 4; ++d)
      rec[4 + d] = d < nodes.ndof[i] ? x[nodes.offset[i] + d] : 0;
  }
  PetscCall(VecRestoreArrayRead(v, &x));
  PetscCall(VecRestoreArray(records, &r));
  PetscCall(VecView(records, c->viewer));
  PetscCall(VecDestroy(&records));
  PetscCall(PetscFree3(nodes.key, nodes.ndof, nodes.offset));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointAddReals(TwinfeCheckpoint c, const char name[], PetscInt n, const PetscReal v[])
{
  Block       *b;
  Vec          values;
  PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(NewBlock(c, name, PETSC_FALSE, &b));
  b->count = n;
  PetscCall(VecCreateMPI(c->comm, c->rank == 0 ? n : 0, n, &values));
  PetscCall(VecGetArray(values, &x));
  for (PetscInt i = 0; c->rank == 0 && i < n; ++i)
    x[i] = v[i];
  PetscCall(VecRestoreArray(values, &x));
  PetscCall(VecView(values, c->viewer));
  PetscCall(VecDestroy(&values));
  PetscFunctionReturn(0);
}

/* The results states written so far: [{file, time, pieces}], so a restart takes them over. */
static json_t *ResultsArray(TwinfeResults results)
{
  json_t  *list = json_array();
  PetscInt n    = 0;
  if (results && !TwinfeResultsGetFiles(results, &n, NULL))
    for (PetscInt s = 0; s + 1 < n; ++s) {
      PetscReal   t;
      const char *file;
      PetscMPIInt pieces;
      if (TwinfeResultsGetState_Private(results, s, &t, &file, &pieces)) break;
      json_array_append_new(list, json_pack("{s:s, s:f, s:i}", "file", file, "time", (double)t, "pieces", (int)pieces));
    }
  return list;
}

static json_t *BlocksArray(TwinfeCheckpoint c)
{
  json_t *list = json_array();
  for (PetscInt i = 0; i < c->nblocks; ++i) {
    const Block *b = &c->blocks[i];
    char         hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)b->hash);
    json_array_append_new(
        list, b->nodes ? json_pack("{s:s, s:s, s:I, s:I, s:s}", "name", b->name, "kind", "nodes", "width", (json_int_t)b->width,
                                   "records", (json_int_t)b->count, "hash", hash)
                       : json_pack("{s:s, s:s, s:I}", "name", b->name, "kind", "reals", "length", (json_int_t)b->count));
  }
  return list;
}

/* An XDMF series: what its index says of the states written so far (sizes, datasets, times),
   which a restart cannot read back from the .h5 without parsing the index. */
static PetscErrorCode AddXDMFRecords(json_t *meta, TwinfeResults results)
{
  TwinfeXDMF xdmf = NULL;
  json_t    *records;
  PetscInt   n = 0;

  PetscFunctionBegin;
  if (results) PetscCall(TwinfeResultsGetXDMF_Private(results, &xdmf));
  if (!xdmf) PetscFunctionReturn(0);
  PetscCall(TwinfeResultsGetFiles(results, &n, NULL));
  PetscCall(TwinfeXDMFGetRecords(xdmf, n - 1, &records));
  json_object_set_new(meta, "xdmf", records);
  PetscFunctionReturn(0);
}

/* Rank 0: the .json beside the renamed .bin, itself under a temporary name first. */
static PetscErrorCode WriteMeta(TwinfeCheckpoint c, TwinfeResults results, PetscMPIInt size)
{
  char    bin[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN], json[PETSC_MAX_PATH_LEN], hex[65];
  json_t *meta, *options;
  FILE   *fp;
  int     bad;

  PetscFunctionBegin;
  StepFile(bin, c->folder, c->step, "bin", PETSC_FALSE);
  StepFile(tmp, c->folder, c->step, "json", PETSC_TRUE);
  StepFile(json, c->folder, c->step, "json", PETSC_FALSE);
  PetscCall(TwinfeFileSHA256(bin, hex));
  PetscCall(OptionsObject(&options));
  meta = json_pack("{s:s, s:s, s:I, s:f, s:i, s:s, s:f, s:s, s:o, s:o, s:s}", "format", FORMAT, "kind", c->kind, "step",
                   (json_int_t)c->step, "time", (double)c->time, "ranks", (int)size, "data", strrchr(bin, '/') + 1, "data_bytes",
                   FileBytes(bin), "data_sha256", hex, "blocks", BlocksArray(c), "results", ResultsArray(results), "twinfe",
                   TwinfeVersion());
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_LIB, "checkpoint: could not build %s", json);
  json_object_set_new(meta, "options", options);
  {
    PetscErrorCode ierr = AddXDMFRecords(meta, results);
    if (ierr) json_decref(meta);
    PetscCall(ierr);
  }
  fp = fopen(tmp, "w");
  PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "checkpoint: cannot write %s: %s", tmp, strerror(errno));
  bad = json_dumpf(meta, fp, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
  bad |= fflush(fp) || fsync(fileno(fp));
  bad |= fclose(fp);
  json_decref(meta);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "checkpoint: writing %s failed (is the disk full?)", tmp);
  PetscCall(RenameInto(tmp, json));
  PetscFunctionReturn(0);
}

/* Rank 0: checkpoints older than the one before this are not needed any more. */
static void RemoveOlder(const char folder[], PetscInt keep_from)
{
  DIR           *d = opendir(folder);
  struct dirent *entry;
  if (!d) return;
  while ((entry = readdir(d))) {
    const PetscInt step = StepOfName(entry->d_name);
    char           path[PETSC_MAX_PATH_LEN];
    if (step < 0 || step >= keep_from) continue;
    StepFile(path, folder, step, "json", PETSC_FALSE);
    (void)unlink(path); /* the .json first: without it the .bin is no checkpoint */
    StepFile(path, folder, step, "bin", PETSC_FALSE);
    (void)unlink(path);
  }
  closedir(d);
}

static PetscErrorCode CommitOnRoot(TwinfeCheckpoint c, TwinfeResults results, PetscMPIInt size)
{
  char tmp[PETSC_MAX_PATH_LEN], bin[PETSC_MAX_PATH_LEN], json[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  StepFile(tmp, c->folder, c->step, "bin", PETSC_TRUE);
  StepFile(bin, c->folder, c->step, "bin", PETSC_FALSE);
  StepFile(json, c->folder, c->step, "json", PETSC_FALSE);
  PetscCall(SyncPath(tmp, PETSC_FALSE));
  PetscCall(RenameInto(tmp, bin));
  PetscCall(WriteMeta(c, results, size));
  PetscCall(SyncPath(c->folder, PETSC_TRUE)); /* the renames themselves */
  if (c->previous_step >= 0) RemoveOlder(c->folder, c->previous_step);
  c->bytes = FileBytes(bin) + FileBytes(json);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointCommit(TwinfeCheckpoint c, TwinfeResults results)
{
  PetscMPIInt    size;
  PetscLogDouble t1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(c->comm, &size));
  PetscCall(PetscViewerDestroy(&c->viewer)); /* closes the .bin on rank 0 */
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? CommitOnRoot(c, results, size) : 0));
  PetscCall(PetscTime(&t1));
  c->previous_step = c->step;
  c->written++;
  c->seconds += t1 - c->began;
  PetscCall(
      PetscInfo(NULL, "checkpoint of step %" PetscInt_FMT ": %.3f s, %.0f bytes\n", c->step, (double)(t1 - c->began), c->bytes));
  PetscFunctionReturn(0);
}

/* ---------- reading ---------- */

/* Whether folder's checkpoint of this step is complete: its .json names the format, and its
   .bin has the size and SHA-256 the .json gives. why says what is wrong when not. Rank 0. */
static PetscErrorCode CheckComplete(const char folder[], PetscInt step, json_t **meta, char why[], size_t len)
{
  char         json[PETSC_MAX_PATH_LEN], bin[PETSC_MAX_PATH_LEN], hex[65];
  json_error_t error;
  const char  *format, *sha;
  double       bytes;

  PetscFunctionBegin;
  *meta = NULL;
  StepFile(json, folder, step, "json", PETSC_FALSE);
  StepFile(bin, folder, step, "bin", PETSC_FALSE);
  json_t *m = json_load_file(json, 0, &error);
  if (!m) {
    snprintf(why, len, "%s cannot be read: %s (line %d)", json, error.text, error.line);
    PetscFunctionReturn(0);
  }
  format = json_string_value(json_object_get(m, "format"));
  sha    = json_string_value(json_object_get(m, "data_sha256"));
  bytes  = json_number_value(json_object_get(m, "data_bytes"));
  if (!format || strcmp(format, FORMAT) || !sha) {
    snprintf(why, len, "%s is not a twinfe checkpoint of this version (format %s, expected " FORMAT ")", json,
             format ? format : "missing");
  } else if (FileBytes(bin) != bytes) {
    snprintf(why, len, "%s holds %.0f bytes, its %s says %.0f: it is truncated or was changed", bin, FileBytes(bin),
             strrchr(json, '/') + 1, bytes);
  } else {
    PetscCall(TwinfeFileSHA256(bin, hex));
    if (strcmp(hex, sha))
      snprintf(why, len, "%s has SHA-256 %.12s..., its %s says %.12s...: it was damaged or changed", bin, hex,
               strrchr(json, '/') + 1, sha);
    else {
      *meta = m;
      PetscFunctionReturn(0);
    }
  }
  json_decref(m);
  PetscFunctionReturn(0);
}

static int CompareDescending(const void *a, const void *b)
{
  const PetscInt x = *(const PetscInt *)a, y = *(const PetscInt *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The steps of the checkpoints in folder (by their .json), latest first. Rank 0. */
static PetscErrorCode ListSteps(const char folder[], PetscInt *n, PetscInt **steps)
{
  DIR           *d = opendir(folder);
  struct dirent *entry;
  PetscInt       cap = 16;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscMalloc1(cap, steps));
  if (!d) PetscFunctionReturn(0);
  while ((entry = readdir(d))) {
    const PetscInt step = StepOfName(entry->d_name);
    if (step < 0) continue;
    if (*n == cap) PetscCall(PetscRealloc(sizeof(PetscInt) * (cap *= 2), steps));
    (*steps)[(*n)++] = step;
  }
  closedir(d);
  qsort(*steps, (size_t)*n, sizeof(PetscInt), CompareDescending);
  PetscFunctionReturn(0);
}

/* Rank 0: the latest complete checkpoint of staging_dir/checkpoint (a note for each damaged one
   passed over when loud); *meta NULL and why filled when there is none. */
static PetscErrorCode FindLatest(const char staging_dir[], PetscBool loud, json_t **meta, PetscInt *step, PetscInt *skipped,
                                 char why[], size_t len)
{
  char      folder[PETSC_MAX_PATH_LEN];
  PetscInt  n, *steps;
  PetscBool any = PETSC_FALSE;

  PetscFunctionBegin;
  *meta = NULL, *skipped = 0, *step = -1;
  PathFormat(folder, "%s/" SUBFOLDER, staging_dir);
  PetscCall(ListSteps(folder, &n, &steps));
  snprintf(why, len, "%s holds no checkpoint (a run writes them with -checkpoint_every N)", folder);
  for (PetscInt i = 0; i < n && !*meta; ++i) {
    char reason[2 * PETSC_MAX_PATH_LEN];
    PetscCall(CheckComplete(folder, steps[i], meta, reason, sizeof reason));
    if (*meta) {
      *step = steps[i];
      break;
    }
    (*skipped)++;
    if (loud)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "note      -restart: the checkpoint of step %" PetscInt_FMT " is not used: %s\n",
                            steps[i], reason));
    snprintf(why, len, "%s%s", any ? "" : "no complete checkpoint: ", reason);
    any = PETSC_TRUE;
  }
  PetscCall(PetscFree(steps));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointLatest_Private(const char staging_dir[], PetscInt *step, char why[], size_t len)
{
  json_t  *meta;
  PetscInt skipped;

  PetscFunctionBegin;
  PetscCall(FindLatest(staging_dir, PETSC_FALSE, &meta, step, &skipped, why, len));
  if (meta) json_decref(meta);
  PetscFunctionReturn(0);
}

/* Rank 0: choose the checkpoint, check it is this run's, and say which. */
static PetscErrorCode ChooseOnRoot(TwinfeCheckpoint c, const char kind[], char json[PETSC_MAX_PATH_LEN])
{
  json_t     *meta;
  char        why[2 * PETSC_MAX_PATH_LEN], folder[PETSC_MAX_PATH_LEN];
  const char *was;
  PetscInt    step;

  PetscFunctionBegin;
  PetscCall(FindLatest(c->restart_dir, PETSC_TRUE, &meta, &step, &c->skipped, why, sizeof why));
  PetscCheck(meta, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-restart %s: %s; start afresh without -restart", c->restart_dir,
             why);
  PathFormat(folder, "%s/" SUBFOLDER, c->restart_dir);
  StepFile(json, folder, step, "json", PETSC_FALSE);
  was = json_string_value(json_object_get(meta, "kind"));
  if (!was || strcmp(was, kind)) {
    char copy[64];
    snprintf(copy, sizeof copy, "%s", was ? was : "unknown");
    json_decref(meta);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
            "-restart: the checkpoint %s is of a %s solve, this run is a %s one: restart with the case and options that wrote it",
            json, copy, kind);
  }
  {
    PetscErrorCode ierr = CompareOptions(json, json_object_get(meta, "options"));
    json_decref(meta);
    PetscCall(ierr);
  }
  if (c->skipped)
    PetscCall(
        PetscPrintf(PETSC_COMM_SELF, "note      -restart: the latest checkpoint was not complete; the one before it is used\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadBlocks(TwinfeCheckpoint c, const char json[])
{
  json_error_t error;
  json_t      *list, *entry;
  size_t       i;
  PetscViewer  viewer;
  char         bin[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  c->meta = json_load_file(json, 0, &error);
  PetscCheck(c->meta, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "-restart: %s cannot be read: %s", json, error.text);
  PetscCall(PetscStrncpy(bin, json, sizeof bin));
  PetscCall(PetscStrncpy(strrchr(bin, '.'), ".bin", 5));
  c->step = (PetscInt)json_integer_value(json_object_get(c->meta, "step"));
  c->time = json_number_value(json_object_get(c->meta, "time"));
  PetscCall(PetscViewerBinaryOpen(PETSC_COMM_SELF, bin, FILE_MODE_READ, &viewer));
  list = json_object_get(c->meta, "blocks");
  json_array_foreach(list, i, entry)
  {
    Block *b = &c->blocks[c->nblocks++];
    PetscCheck(c->nblocks <= MAX_BLOCKS, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "-restart: %s has too many blocks", json);
    PetscCall(PetscMemzero(b, sizeof *b));
    PetscCall(PetscStrncpy(b->name, json_string_value(json_object_get(entry, "name")), sizeof b->name));
    b->nodes = strcmp(json_string_value(json_object_get(entry, "kind")), "nodes") ? PETSC_FALSE : PETSC_TRUE;
    b->width = b->nodes ? (PetscInt)json_integer_value(json_object_get(entry, "width")) : 1;
    b->count = (PetscInt)json_integer_value(json_object_get(entry, b->nodes ? "records" : "length"));
    if (b->nodes) b->hash = strtoull(json_string_value(json_object_get(entry, "hash")), NULL, 16);
    PetscCall(VecCreate(PETSC_COMM_SELF, &b->loaded));
    PetscCall(VecLoad(b->loaded, viewer));
  }
  PetscCall(PetscViewerDestroy(&viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointLoad(TwinfeCheckpoint c, const char kind[], PetscInt *step, PetscReal *time)
{
  char json[PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscCheck(c->restart_dir[0], c->comm, PETSC_ERR_ORDER, "checkpoint: no restart folder");
  PetscCall(DropBlocks(c));
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? ChooseOnRoot(c, kind, json) : 0));
  PetscCallMPI(MPI_Bcast(json, sizeof json, MPI_CHAR, 0, c->comm));
  PetscCallMPI(MPI_Bcast(&c->skipped, 1, MPIU_INT, 0, c->comm));
  PetscCall(LoadBlocks(c, json));
  PetscCall(PetscStrncpy(c->used, json, sizeof c->used));
  c->restarted_from = c->step;
  c->restarted_time = c->time;
  *step             = c->step;
  *time             = c->time;
  PetscCall(PetscPrintf(c->comm, "restart   from %s: step %" PetscInt_FMT " (%s %.6g)\n", json, c->step,
                        strcmp(kind, "pulsatile") ? "load factor" : "t =", (double)c->time));
  PetscFunctionReturn(0);
}

static PetscErrorCode FindBlock(TwinfeCheckpoint c, const char name[], PetscBool nodes, Block **b)
{
  PetscFunctionBegin;
  *b = NULL;
  for (PetscInt i = 0; i < c->nblocks; ++i)
    if (!strcmp(c->blocks[i].name, name) && c->blocks[i].loaded) *b = &c->blocks[i];
  PetscCheck(*b && (*b)->nodes == nodes, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: the checkpoint %s has no %s block '%s': it was written by another twinfe version or solve", c->used,
             nodes ? "node" : "number", name);
  PetscFunctionReturn(0);
}

/* Record indices sorted by place, to find each node of this run by binary search. */
static const PetscScalar *sort_records;
static PetscInt           sort_width;

static int CompareRecords(const void *a, const void *b)
{
  const PetscScalar *x = &sort_records[*(const PetscInt *)a * sort_width], *y = &sort_records[*(const PetscInt *)b * sort_width];
  for (int k = 0; k < 3; ++k)
    if (x[k] != y[k]) return PetscRealPart(x[k]) < PetscRealPart(y[k]) ? -1 : 1;
  return 0;
}

static PetscInt FindRecord(const PetscScalar *records, PetscInt width, const PetscInt order[], PetscInt n, const PetscReal key[3])
{
  PetscInt lo = 0, hi = n - 1;
  while (lo <= hi) {
    const PetscInt     mid = (lo + hi) / 2;
    const PetscScalar *r   = &records[order[mid] * width];
    int                cmp = 0;
    for (int k = 0; k < 3 && !cmp; ++k)
      if (PetscRealPart(r[k]) != key[k]) cmp = PetscRealPart(r[k]) < key[k] ? -1 : 1;
    if (!cmp) return order[mid];
    if (cmp < 0)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
  return -1;
}

/* Every node of this rank takes its values from the record at the same place. */
static PetscErrorCode FillFromRecords(const Block *b, const Nodes *nodes, Vec v, PetscInt *missing)
{
  const PetscScalar *records;
  PetscScalar       *x;
  PetscInt          *order, n = b->count;

  PetscFunctionBegin;
  *missing = 0;
  PetscCall(VecGetArrayRead(b->loaded, &records));
  PetscCall(PetscMalloc1(n, &order));
  for (PetscInt i = 0; i < n; ++i)
    order[i] = i;
  sort_records = records, sort_width = b->width;
  qsort(order, (size_t)n, sizeof(PetscInt), CompareRecords);
  PetscCall(VecGetArray(v, &x));
  for (PetscInt i = 0; i < nodes->n; ++i) {
    const PetscInt r = FindRecord(records, b->width, order, n, &nodes->key[3 * i]);
    if (r < 0 || (PetscInt)PetscRealPart(records[r * b->width + 3]) != nodes->ndof[i]) {
      (*missing)++;
      continue;
    }
    for (PetscInt d = 0; d < nodes->ndof[i]; ++d)
      x[nodes->offset[i] + d] = records[r * b->width + 4 + d];
  }
  PetscCall(VecRestoreArray(v, &x));
  PetscCall(PetscFree(order));
  PetscCall(VecRestoreArrayRead(b->loaded, &records));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointGetVec(TwinfeCheckpoint c, const char name[], DM dm, Vec v)
{
  Block   *b;
  Nodes    nodes;
  PetscInt count, missing, total;
  uint64_t hash;

  PetscFunctionBegin;
  PetscCall(FindBlock(c, name, PETSC_TRUE, &b));
  PetscCall(NodesGet(dm, v, &nodes));
  PetscCall(NodesFingerprint(c->comm, &nodes, &count, &hash));
  if (count != b->count || hash != b->hash) PetscCall(PetscFree3(nodes.key, nodes.ndof, nodes.offset));
  PetscCheck(count == b->count && hash == b->hash, c->comm, PETSC_ERR_ARG_INCOMP,
             "-restart: the mesh differs from the one the checkpoint %s was written on (%s: %" PetscInt_FMT
             " nodes with values there, %" PetscInt_FMT " here%s): restart with the same input (image or mesh) and mesh "
             "options, or start afresh without -restart",
             c->used, name, b->count, count, count == b->count ? ", at other places" : "");
  PetscCall(FillFromRecords(b, &nodes, v, &missing));
  PetscCall(PetscFree3(nodes.key, nodes.ndof, nodes.offset));
  PetscCallMPI(MPIU_Allreduce(&missing, &total, 1, MPIU_INT, MPI_SUM, c->comm));
  PetscCheck(!total, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: %" PetscInt_FMT " nodes of this mesh have no value in the checkpoint %s (block %s), though the meshes "
             "agree by their fingerprint: the checkpoint is damaged; start afresh without -restart",
             total, c->used, name);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointGetRealsSize(TwinfeCheckpoint c, const char name[], PetscInt *n)
{
  Block *b;

  PetscFunctionBegin;
  PetscCall(FindBlock(c, name, PETSC_FALSE, &b));
  *n = b->count;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointGetReals(TwinfeCheckpoint c, const char name[], PetscInt n, PetscReal v[])
{
  Block             *b;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(FindBlock(c, name, PETSC_FALSE, &b));
  PetscCheck(b->count == n, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: block '%s' of the checkpoint %s has %" PetscInt_FMT " values, this run expects %" PetscInt_FMT
             ": the checkpoint is of another setup",
             name, c->used, b->count, n);
  PetscCall(VecGetArrayRead(b->loaded, &x));
  for (PetscInt i = 0; i < n; ++i)
    v[i] = PetscRealPart(x[i]);
  PetscCall(VecRestoreArrayRead(b->loaded, &x));
  PetscFunctionReturn(0);
}

/* ---------- the results states of the run restarted ---------- */

static PetscErrorCode CopyFile(const char from[], const char to[])
{
  FILE  *in, *out;
  char   buffer[1 << 16];
  size_t n;
  int    bad = 0;

  PetscFunctionBegin;
  in = fopen(from, "rb");
  PetscCheck(in || errno != ENOENT, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "-restart: %s is listed in the checkpoint but is missing: the folder was changed; start afresh without -restart",
             from);
  PetscCheck(in, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-restart: cannot read %s: %s", from, strerror(errno));
  out = fopen(to, "wb");
  if (!out) {
    const int why = errno;
    fclose(in);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "-restart: cannot write %s: %s", to, strerror(why));
  }
  while ((n = fread(buffer, 1, sizeof buffer, in)) > 0)
    bad |= fwrite(buffer, 1, n, out) != n;
  bad |= ferror(in);
  fclose(in);
  bad |= fclose(out);
  PetscCheck(!bad, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "-restart: copying %s to %s failed", from, to);
  PetscFunctionReturn(0);
}

/* A hard link where the file system allows it (a state can be 100s of MB), else a copy. */
static PetscErrorCode LinkOrCopy(const char from[], const char to[])
{
  PetscFunctionBegin;
  if (link(from, to) == 0) PetscFunctionReturn(0);
  PetscCall(CopyFile(from, to));
  PetscFunctionReturn(0);
}

static PetscErrorCode TakeStateOnRoot(TwinfeCheckpoint c, const char dir[], const char file[], PetscMPIInt pieces)
{
  char from[PETSC_MAX_PATH_LEN], to[PETSC_MAX_PATH_LEN], state[PETSC_MAX_PATH_LEN];

  PetscFunctionBegin;
  PetscCheck(!strchr(file, '/') && strcmp(file, "..") && file[0] != '.', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: %s lists a results file '%s' that is not a plain name", c->used, file);
  PathFormat(from, "%s/%s", c->restart_dir, file);
  PathFormat(to, "%s/%s", dir, file);
  PetscCall(LinkOrCopy(from, to));
  if (pieces == 1) PetscFunctionReturn(0);
  PathFormat(state, "%.*s", (int)(strrchr(file, '.') - file), file);
  PathFormat(to, "%s/%s", dir, state);
  PetscCall(TwinfeIOMakeFolder(to));
  for (PetscMPIInt r = 0; r < pieces; ++r) {
    PathFormat(from, "%s/%s/%s_%d.vtu", c->restart_dir, state, state, (int)r);
    PathFormat(to, "%s/%s/%s_%d.vtu", dir, state, state, (int)r);
    PetscCall(LinkOrCopy(from, to));
  }
  PetscFunctionReturn(0);
}

/* Rank 0: the killed run's .h5 copied, not linked: this run appends to it, and the killed run's
   folder is only read from (a failed restart can be tried again). The groups it wrote after the
   checkpoint (the one being written when it was killed among them) are unlinked in the copy. */
static PetscErrorCode TakeHDF5OnRoot(TwinfeCheckpoint c, const char dir[], const char h5[])
{
  char      from[PETSC_MAX_PATH_LEN], to[PETSC_MAX_PATH_LEN], why[PETSC_MAX_PATH_LEN + 256];
  PetscBool ok;
  PetscInt  dropped;

  PetscFunctionBegin;
  PathFormat(from, "%s/%s", c->restart_dir, h5);
  PathFormat(to, "%s/%s", dir, h5);
  PetscCall(CopyFile(from, to));
  PetscCall(TwinfeXDMFPrepareCopy(to, json_object_get(c->meta, "xdmf"), &dropped, &ok, why, sizeof why));
  if (ok && dropped)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "restart   %" PetscInt_FMT " groups of %s written after the checkpoint are left out of the copy\n",
                          dropped, from));
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: %s does not hold the states the checkpoint %s lists: %s. The kill may have cut a write to it short; "
             "those states cannot be taken over: start afresh without -restart (the killed run's folder is left as it was)",
             from, c->used, why);
  PetscFunctionReturn(0);
}

/* An XDMF series: the .h5 once, the index's records, then the states (all in the .h5). */
static PetscErrorCode RestoreXDMFResults(TwinfeCheckpoint c, TwinfeResults results, TwinfeXDMF xdmf, const char dir[])
{
  const json_t *list = json_object_get(c->meta, "results"), *records = json_object_get(c->meta, "xdmf"), *entry;
  const char   *h5;
  size_t        i;

  PetscFunctionBegin;
  PetscCheck(records && json_array_size(json_object_get(records, "states")) == json_array_size(list), c->comm,
             PETSC_ERR_FILE_UNEXPECTED,
             "-restart: %s does not record the XDMF series' states it lists (written with another -results_format?); start "
             "afresh without -restart",
             c->used);
  PetscCall(TwinfeXDMFGetFileNames(xdmf, &h5, NULL));
  if (json_array_size(list)) PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? TakeHDF5OnRoot(c, dir, h5) : 0));
  PetscCall(TwinfeXDMFAdoptRecords(xdmf, records));
  json_array_foreach(list, i, entry)
  {
    const char *file = json_string_value(json_object_get(entry, "file"));
    PetscCheck(file, c->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: %s lists a results state without its file", c->used);
    PetscCall(TwinfeResultsAdoptState_Private(results, json_number_value(json_object_get(entry, "time")), file, 1));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCheckpointRestoreResults(TwinfeCheckpoint c, TwinfeResults results)
{
  json_t     *list = json_object_get(c->meta, "results"), *entry;
  size_t      i;
  const char *dir;
  TwinfeXDMF  xdmf;

  PetscFunctionBegin;
  PetscCall(TwinfeResultsGetFolder_Private(results, &dir, NULL));
  PetscCall(TwinfeResultsGetXDMF_Private(results, &xdmf));
  if (xdmf) {
    PetscCall(RestoreXDMFResults(c, results, xdmf, dir));
    PetscFunctionReturn(0);
  }
  PetscCheck(!json_object_get(c->meta, "xdmf"), c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: %s was written by an XDMF series and this run writes .vtu (another -results_format); start afresh "
             "without -restart",
             c->used);
  json_array_foreach(list, i, entry)
  {
    const char       *file   = json_string_value(json_object_get(entry, "file"));
    const PetscMPIInt pieces = (PetscMPIInt)json_integer_value(json_object_get(entry, "pieces"));
    PetscCheck(file && pieces >= 1, c->comm, PETSC_ERR_FILE_UNEXPECTED, "-restart: %s lists a results state without its file",
               c->used);
    PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? TakeStateOnRoot(c, dir, file, pieces) : 0));
    PetscCall(TwinfeResultsAdoptState_Private(results, json_number_value(json_object_get(entry, "time")), file, pieces));
  }
  PetscFunctionReturn(0);
}

/* ---------- the end of a successful solve ---------- */

static void RemoveCheckpoints(const char folder[]);

void TwinfeCheckpointRemoveAll_Private(const char staging_dir[])
{
  char folder[PETSC_MAX_PATH_LEN];
  PathFormat(folder, "%s/" SUBFOLDER, staging_dir);
  RemoveCheckpoints(folder);
}

static void RemoveCheckpoints(const char folder[])
{
  DIR           *d = opendir(folder);
  struct dirent *entry;
  if (!d) return;
  while ((entry = readdir(d))) {
    char path[PETSC_MAX_PATH_LEN];
    if (strncmp(entry->d_name, "checkpoint_", 11) && strncmp(entry->d_name, ".checkpoint_", 12)) continue;
    PathFormat(path, "%s/%s", folder, entry->d_name);
    (void)unlink(path);
  }
  closedir(d);
  (void)rmdir(folder); /* only when nothing else is there */
}

PetscErrorCode TwinfeCheckpointFinish(TwinfeCheckpoint c, TwinfeReport report)
{
  PetscFunctionBegin;
  if (!c) PetscFunctionReturn(0);
  if (c->rank == 0 && c->every > 0) RemoveCheckpoints(c->folder);
  if (!report) PetscFunctionReturn(0);
  if (c->every > 0) {
    PetscCall(TwinfeReportSetInt(report, "checkpoint.every", c->every));
    PetscCall(TwinfeReportSetInt(report, "checkpoint.written", c->written));
  }
  if (c->written) {
    PetscCall(TwinfeReportSetReal(report, "checkpoint.seconds", c->seconds));
    PetscCall(TwinfeReportSetReal(report, "checkpoint.last_bytes", c->bytes));
  }
  if (c->restarted_from < 0) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetBool(report, "restart.restarted", PETSC_TRUE));
  PetscCall(TwinfeReportSetInt(report, "restart.from_step", c->restarted_from));
  PetscCall(TwinfeReportSetReal(report, "restart.from_time", c->restarted_time));
  PetscCall(TwinfeReportSetString(report, "restart.checkpoint", c->used));
  PetscCall(TwinfeReportSetInt(report, "restart.damaged_checkpoints_skipped", c->skipped));
  PetscFunctionReturn(0);
}
