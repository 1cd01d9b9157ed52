/* A case: the stages run in order, each timed and recorded in report.json.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _XOPEN_SOURCE 700
#include "case_options.h"

#include <petsctime.h>

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------- small helpers ---------- */

PetscErrorCode TwinfeCaseAddOutput(TwinfeCase c, const char relative[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->noutputs; ++i)
    if (!strcmp(c->outputs[i], relative)) PetscFunctionReturn(0);
  if (c->noutputs == c->maxoutputs) { /* pieces grow with the ranks: no fixed limit */
    c->maxoutputs = PetscMax(16, 2 * c->maxoutputs);
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)c->maxoutputs, &c->outputs));
  }
  PetscCall(PetscStrallocpy(relative, &c->outputs[c->noutputs++]));
  PetscFunctionReturn(0);
}

/* a/b into out, refusing what does not fit. */
static PetscErrorCode JoinPath(char out[PETSC_MAX_PATH_LEN], const char a[], const char b[])
{
  int len;
  PetscFunctionBegin;
  len = a[0] ? snprintf(out, PETSC_MAX_PATH_LEN, "%s/%s", a, b) : snprintf(out, PETSC_MAX_PATH_LEN, "%s", b);
  PetscCheck(len >= 0 && len < PETSC_MAX_PATH_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Path %s/%s is longer than %d characters",
             a, b, PETSC_MAX_PATH_LEN - 1);
  PetscFunctionReturn(0);
}

static PetscErrorCode StagingPath(TwinfeCase c, const char relative[], char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBegin;
  PetscCall(JoinPath(path, c->staging_dir, relative));
  PetscFunctionReturn(0);
}

/* Relative paths in a case file are relative to the case file's folder. */
static PetscErrorCode ResolveInputPath(TwinfeCase c, const char given[], char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBegin;
  PetscCall(JoinPath(path, given[0] == '/' ? "" : c->case_dir, given));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReportKey(char key[256], const char a[], const char b[], const char c[])
{
  PetscFunctionBegin;
  const int len = snprintf(key, 256, "%s.%s.%s", a, b, c);
  PetscCheck(len >= 0 && len < 256, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Report key %s.%s.%s is too long", a, b, c);
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordInputFile(TwinfeCase c, const char role[], const char path[])
{
  char hex[65], key[256], resolved[PATH_MAX];
  PetscFunctionBegin;
  PetscCall(TwinfeStagingCheckInput(c->output_dir, path)); /* an input inside -o is refused now, not at commit */
  PetscCall(TwinfeFileSHA256(path, hex));
  PetscCall(ReportKey(key, "inputs", role, "path"));
  PetscCall(TwinfeReportSetString(c->report, key, realpath(path, resolved) ? resolved : path));
  PetscCall(ReportKey(key, "inputs", role, "sha256"));
  PetscCall(TwinfeReportSetString(c->report, key, hex));
  PetscFunctionReturn(0);
}

/* ---------- regions and materials ---------- */

/* Length of the valid UTF-8 sequence at p (1 to 4 bytes), or 0 when the bytes there are not
   one: a stray continuation byte, a cut or overlong sequence, a surrogate, past U+10FFFF. */
static size_t Utf8Length(const unsigned char *p)
{
  size_t        n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (p[0] < 0x80) return 1;
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    n = 2;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    n = 3, lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    n = 4, lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (p[k] < 0x80 || p[k] > 0xBF) return 0;
  return n;
}

/* text with what a terminal cannot show as it is written \xHH: control characters and bytes
   that are not UTF-8. Valid multi-byte characters are kept whole, so messages stay UTF-8. */
static void PrintableCopy(const char text[], size_t n, char out[], size_t len)
{
  size_t used = 0;
  out[0]      = 0;
  for (size_t i = 0; i < n && text[i] && used + 5 < len;) {
    const unsigned char *p = (const unsigned char *)&text[i];
    const size_t         k = Utf8Length(p);
    if (k == 0 || p[0] < 0x20 || p[0] == 0x7F) {
      used += (size_t)snprintf(out + used, len - used, "\\x%02X", p[0]);
      ++i;
    } else if (used + k < len) {
      memcpy(out + used, p, k), used += k, out[used] = 0;
      i += k;
    } else
      break;
  }
}

/* Names become option prefixes, report keys and file names: ASCII letters, digits and '_' only.
   The message shows a refused character whole (all of its UTF-8 bytes, and its code point) or,
   when the bytes are not UTF-8, as \xHH, so that it is itself valid UTF-8. */
PetscErrorCode TwinfeCaseCheckRegionName(const char name[], const char source[])
{
  char shown[8 * TWINFE_NAME_LEN + 16], bad[32];
  PetscFunctionBegin;
  PrintableCopy(name, 2 * TWINFE_NAME_LEN, shown, sizeof shown);
  PetscCheck(name[0] && strlen(name) < TWINFE_NAME_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Region name '%s%s' in %s must have 1 to %d characters (ASCII letters, digits and '_')", shown,
             strlen(name) > 2 * TWINFE_NAME_LEN ? "..." : "", source, TWINFE_NAME_LEN - 1);
  for (const char *p = name; *p;) {
    const unsigned char *u = (const unsigned char *)p;
    const size_t         k = Utf8Length(u);
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') {
      ++p;
      continue;
    }
    if (k > 1) {
      unsigned long cp = u[0] & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);
      for (size_t j = 1; j < k; ++j)
        cp = (cp << 6) | (u[j] & 0x3F);
      snprintf(bad, sizeof bad, "'%.*s' (U+%04lX, not ASCII)", (int)k, p, cp);
    } else if (k == 1 && *p >= 0x20 && *p < 0x7F)
      snprintf(bad, sizeof bad, "'%c'", *p);
    else
      snprintf(bad, sizeof bad, "\\x%02X (%s)", u[0], k ? "a control character" : "not UTF-8");
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "Region name '%s' in %s has the character %s: use letters, digits and '_' only (ASCII "
            "a-z, A-Z, 0-9 and _: it names options and files)",
            shown, source, bad);
  }
  PetscFunctionReturn(0);
}

/* -labels and -names, when given. */
static PetscErrorCode ReadRegionOptions(TwinfeCase c)
{
  PetscInt       labels[TWINFE_CASE_MAX_REGIONS], nlabels = TWINFE_CASE_MAX_REGIONS, nnames = TWINFE_CASE_MAX_REGIONS;
  char          *names[TWINFE_CASE_MAX_REGIONS];
  PetscBool      have_labels, have_names;
  PetscErrorCode name_error = 0;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-labels", labels, &nlabels, &have_labels));
  if (!have_labels) nlabels = 0;
  for (PetscInt i = 0; i < nlabels; ++i)
    PetscCheck(labels[i] > 0 && labels[i] <= 2147483647, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-labels value %" PetscInt_FMT " is out of range: labels are 1 to 2147483647 (0 is background)", labels[i]);
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-names", names, &nnames, &have_names));
  if (!have_names) nnames = 0;
  c->nregions = nlabels;
  for (PetscInt i = 0; i < nlabels; ++i) {
    c->labels[i] = (int32_t)labels[i];
    if (have_names && i < nnames) {
      if (!name_error) name_error = TwinfeCaseCheckRegionName(names[i], "-names");
      PetscCall(PetscStrncpy(c->names[i], names[i], TWINFE_NAME_LEN));
    } else
      snprintf(c->names[i], TWINFE_NAME_LEN, "label_%d", (int)labels[i]);
  }
  for (PetscInt i = 0; i < nnames; ++i)
    PetscCall(PetscFree(names[i]));
  PetscCheck(!have_names || nnames == nlabels, c->comm, PETSC_ERR_ARG_WRONG,
             "-names gives %" PetscInt_FMT " names for %" PetscInt_FMT " -labels: give one name per label", nnames, nlabels);
  PetscCall(name_error);
  PetscFunctionReturn(0);
}

static PetscErrorCode BroadcastRegions(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(&c->nregions, 1, MPIU_INT, 0, c->comm));
  PetscCallMPI(MPI_Bcast(c->labels, (int)c->nregions, MPI_INT32_T, 0, c->comm));
  PetscCallMPI(MPI_Bcast(c->names, (int)(c->nregions * TWINFE_NAME_LEN), MPI_CHAR, 0, c->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseGetPhysics_Private(TwinfeCase c)
{
  const char *names[TWINFE_CASE_MAX_REGIONS];
  PetscFunctionBegin;
  if (!c->physics) {
    char name[64] = "elasticity";
    PetscCall(PetscOptionsGetString(NULL, NULL, "-physics", name, sizeof name, NULL));
    PetscCall(TwinfePhysicsCreate(c->comm, name, &c->physics));
    PetscCall(TwinfePhysicsSetReport(c->physics, c->rank == 0 ? c->report : NULL));
    PetscCall(TwinfePhysicsSetInputFolder(c->physics, c->case_dir));
    PetscCall(TwinfePhysicsSetSolverStore(c->physics, c->store));
  }
  for (PetscInt i = 0; i < c->nregions; ++i)
    names[i] = c->names[i];
  PetscCall(TwinfePhysicsSetRegions(c->physics, c->nregions, c->labels, names));
  PetscCall(TwinfePhysicsCheckOptions(c->physics));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseSetSolverStore(TwinfeCase c, TwinfeSolverStore store)
{
  PetscFunctionBegin;
  c->store = store;
  if (c->physics) PetscCall(TwinfePhysicsSetSolverStore(c->physics, store));
  PetscFunctionReturn(0);
}

/* ---------- create, case file ---------- */

PetscErrorCode TwinfeCaseCreate(MPI_Comm comm, const char output_dir[], TwinfeCase *tcase)
{
  TwinfeCase c;
  PetscFunctionBegin;
  PetscCall(TwinfeInitializePackage());
  PetscCall(PetscNew(&c));
  *tcase  = c;
  c->comm = comm;
  PetscCallMPI(MPI_Comm_rank(comm, &c->rank));
  PetscCallMPI(MPI_Comm_size(comm, &c->size));
  PetscCall(PetscTime(&c->start_time));
  PetscCall(PetscStrncpy(c->output_dir, output_dir ? output_dir : "", sizeof c->output_dir));
  PetscCall(TwinfeCaseOptionsReset(c));
  PetscCall(TwinfeStagingCreate(comm, c->output_dir, c->staging_dir, c->created_parent));
  if (c->rank == 0) {
    PetscCall(TwinfeReportCreate(&c->report));
    PetscCall(TwinfeReportSetString(c->report, "twinfe.version", TwinfeVersion()));
    PetscCall(TwinfeReportSetInt(c->report, "twinfe.ranks", c->size));
    PetscCall(TwinfeReportSetString(c->report, "twinfe.units", "mm, g, s; stress in Pa; coordinates LPS mm"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadFileOnRoot(TwinfeCase c, const char case_file[])
{
  PetscFunctionBegin;
  PetscCheck(access(case_file, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot read the case file %s: check the path (a case file is YAML, see meshes/organ_phantom.yaml)", case_file);
  PetscCheck(!TwinfePathIsFolder(case_file), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Case file %s is a folder, not a file: give the YAML case file itself (a file like meshes/organ_phantom.yaml)",
             case_file);
  PetscCall(TwinfeCaseOptionsScanFile(c, case_file)); /* syntax errors and keys given twice, with their lines */
  PetscCall(RecordInputFile(c, "case_file", case_file));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseLoadFile(TwinfeCase c, const char case_file[], int argc, char **argv)
{
  char copy[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? LoadFileOnRoot(c, case_file) : 0));
  PetscCall(PetscStrncpy(c->case_file, case_file, sizeof c->case_file));
  PetscCall(PetscStrncpy(copy, case_file, sizeof copy));
  PetscCall(PetscStrncpy(c->case_dir, dirname(copy), sizeof c->case_dir));
  PetscCall(PetscOptionsInsertFileYAML(c->comm, NULL, case_file, PETSC_TRUE));
  PetscCall(TwinfeCaseOptionsRecordFile(c, argc, argv));
  /* The command line overrides the case file. */
  if (argc > 1) PetscCall(PetscOptionsInsertArgs(NULL, argc - 1, argv + 1));
  PetscFunctionReturn(0);
}

/* ---------- image -> surfaces -> mesh (rank 0) ---------- */

/* A name the image file gives a label (a 3D Slicer segment), made a region name: every
   character other than an ASCII letter, digit or '_' becomes '_' (a name also names options and
   an STL file), a leading digit gets "s_", and a name used twice gets "_<label>". The summary
   says when a name was changed. NULL-named labels keep label_<value>. */
static PetscErrorCode NameFromImage(TwinfeCase c, PetscInt i, int32_t value)
{
  const char *given;
  char        name[TWINFE_NAME_LEN];
  size_t      n = 0;
  PetscFunctionBegin;
  PetscCall(TwinfeImageGetLabelName(c->image, value, &given));
  snprintf(c->names[i], TWINFE_NAME_LEN, "label_%d", (int)value);
  if (!given || !given[0]) PetscFunctionReturn(0);
  if (given[0] >= '0' && given[0] <= '9') n = (size_t)snprintf(name, sizeof name, "s_");
  for (const char *p = given; *p && n + 1 < sizeof name - 12; ++p)
    name[n++] = ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_') ? *p : '_';
  name[n] = '\0';
  for (PetscInt j = 0; j < i; ++j)
    if (!strcmp(c->names[j], name)) snprintf(name + n, sizeof name - n, "_%d", (int)value);
  PetscCall(TwinfeCaseCheckRegionName(name, "the image's segment names"));
  PetscCall(PetscStrncpy(c->names[i], name, TWINFE_NAME_LEN));
  if (strcmp(name, given))
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "image     label %d: segment '%s' is named region '%s' (letters, digits and _ only)\n",
                          (int)value, given, name));
  PetscFunctionReturn(0);
}

/* Every non-zero label of the image (values, ascending), when -labels was not given; named as
   the file names them (3D Slicer segments), else label_<value>. */
static PetscErrorCode RegionsFromImage(TwinfeCase c, const char path[], PetscInt nvalues, const int32_t values[])
{
  PetscFunctionBegin;
  PetscCheck(nvalues > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "%s has no non-zero label: nothing to model; give a segmentation (a label map: 0 background, a positive integer per "
             "structure)",
             path);
  PetscCheck(nvalues <= TWINFE_CASE_MAX_REGIONS, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s holds %" PetscInt_FMT " distinct non-zero values, from %d to %d; twinfe models at most %d regions: give a "
             "segmentation (a label map), or choose the labels to model with -labels",
             path, nvalues, (int)values[0], (int)values[nvalues - 1], TWINFE_CASE_MAX_REGIONS);
  c->nregions = nvalues;
  for (PetscInt i = 0; i < nvalues; ++i) {
    c->labels[i] = values[i];
    PetscCall(NameFromImage(c, i, values[i]));
  }
  PetscFunctionReturn(0);
}

static int CompareLabels(const void *a, const void *b)
{
  const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

/* Every -labels value must be in the image (values, ascending): say which is missing here,
   before any renumbering would hide it. */
static PetscErrorCode CheckLabelsPresent(TwinfeCase c, const char path[], PetscInt nvalues, const int32_t values[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i)
    PetscCheck(bsearch(&c->labels[i], values, (size_t)nvalues, sizeof *values, CompareLabels), PETSC_COMM_SELF,
               PETSC_ERR_ARG_WRONG, "-labels %d: %s has no voxel of that label (it holds %" PetscInt_FMT " labels%s%d%s%d)",
               (int)c->labels[i], path, nvalues, nvalues ? ", from " : "", nvalues ? (int)values[0] : 0, nvalues ? " to " : "",
               nvalues ? (int)values[nvalues - 1] : 0);
  PetscFunctionReturn(0);
}

/* The surface and mesh stages take labels 1..999 (a facet tag holds two of them). When a
   selected label is larger (FreeSurfer's 1000-2035, atlases past 65535), the regions are
   numbered 1..n in ascending label order in the image itself, which also clears the labels
   not selected. original[] keeps each region's label for the summary and the report. */
static PetscErrorCode NumberRegions(TwinfeCase c, int32_t original[], PetscBool *renumbered)
{
  int32_t sorted[TWINFE_CASE_MAX_REGIONS];
  PetscFunctionBegin;
  *renumbered = PETSC_FALSE;
  for (PetscInt i = 0; i < c->nregions; ++i) {
    original[i] = sorted[i] = c->labels[i];
    if (c->labels[i] > 999) *renumbered = PETSC_TRUE;
  }
  if (!*renumbered) PetscFunctionReturn(0);
  qsort(sorted, (size_t)c->nregions, sizeof *sorted, CompareLabels);
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscInt rank = 0; /* region number: 1 + how many distinct selected labels are smaller */
    for (PetscInt k = 0; k < c->nregions; ++k)
      if (sorted[k] < original[i] && (k == 0 || sorted[k] != sorted[k - 1])) rank++;
    c->labels[i] = (int32_t)(rank + 1);
  }
  PetscCall(TwinfeImageRelabel(c->image, c->nregions, original, c->labels));
  PetscFunctionReturn(0);
}

/* Keep every piece of each requested label (a label's two kidneys are both anatomy), remove
   only islands under both -image_island_voxels and -image_island_percent, fill enclosed
   background, and mend pinches: voxels that touch only along an edge or at a corner pinch the
   surface into non-manifold edges (an STL a printer refuses), so each pinch gets a voxel,
   alternating with cavity filling (image/select.c). -image_repair_pinches 0 leaves pinches. */
static PetscErrorCode CleanLabels(TwinfeCase c, TwinfeImageSelection *selection)
{
  PetscBool repair        = PETSC_TRUE;
  PetscInt  island_voxels = TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT, left, filled, removed = 0;
  PetscReal island_percent = TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-image_repair_pinches", &repair, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-image_island_voxels", &island_voxels, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-image_island_percent", &island_percent, NULL));
  PetscCall(TwinfeImageSelectLabelsKeepAll(c->image, c->nregions, c->labels, island_voxels, island_percent, repair, selection));
  PetscCall(TwinfeImageSelectionGetTotals(*selection, NULL, &filled, &c->pinch_voxels, &left));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    TwinfeImageLabelSelection l;
    PetscCall(TwinfeImageSelectionGetLabel(*selection, i, &l));
    removed += l.voxels_removed;
  }
  PetscCall(TwinfeReportSetInt(c->report, "image.selection.island_voxels", island_voxels));
  PetscCall(TwinfeReportSetReal(c->report, "image.selection.island_percent", island_percent));
  PetscCall(TwinfeReportSetInt(c->report, "image.selection.voxels_removed", removed));
  PetscCall(TwinfeReportSetInt(c->report, "image.selection.voxels_filled", filled));
  PetscCall(TwinfeReportSetInt(c->report, "image.selection.pinch_voxels_added", c->pinch_voxels));
  PetscCall(TwinfeReportSetInt(c->report, "image.selection.pinches_left", left));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "          cleaning: %" PetscInt_FMT " voxels of islands removed, %" PetscInt_FMT
                        " cavity voxels filled, %" PetscInt_FMT " voxels added to mend pinches\n",
                        removed, filled, c->pinch_voxels));
  if (left)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "warning   %" PetscInt_FMT " voxel pinches are left%s: the surfaces of those labels are not manifold "
                          "there\n",
                          left, repair ? "" : " (-image_repair_pinches 0)"));
  PetscFunctionReturn(0);
}

/* Islands listed one by one in the summary up to this many per region, else counted. */
#define TWINFE_ISLANDS_LISTED 5
/* ... and in report.json up to this many per region (a noisy segmentation can have thousands). */
#define TWINFE_ISLANDS_REPORTED 1000

/* One region's pieces: report.json's image.regions.<name> and the summary's lines. */
/* A region's selection figures go to image.regions.<name> and to the region's item of the
   report's regions list (whose other members the mesh stage adds, case_fidelity.c). */
static PetscErrorCode SetRegionInt(TwinfeCase c, PetscInt i, const char member[], PetscInt value)
{
  char key[256];
  PetscFunctionBegin;
  PetscCall(ReportKey(key, "image.regions", c->names[i], member));
  PetscCall(TwinfeReportSetInt(c->report, key, value));
  PetscCall(PetscSNPrintf(key, sizeof key, "regions[%" PetscInt_FMT "].%s", i, member));
  PetscCall(TwinfeReportSetInt(c->report, key, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetRegionIsland(TwinfeCase c, PetscInt i, PetscInt k, const TwinfeImageIsland *is)
{
  char key[512], sub[96];
  PetscFunctionBegin;
  for (int where = 0; where < 2; ++where) {
    const char *fmt = "islands_removed[%" PetscInt_FMT "].%s";
    char        prefix[256];
    if (where == 0)
      PetscCall(ReportKey(prefix, "image.regions", c->names[i], ""));
    else
      PetscCall(PetscSNPrintf(prefix, sizeof prefix, "regions[%" PetscInt_FMT "].", i));
    PetscCall(PetscSNPrintf(sub, sizeof sub, fmt, k, "voxels"));
    PetscCall(PetscSNPrintf(key, sizeof key, "%s%s", prefix, sub));
    PetscCall(TwinfeReportSetInt(c->report, key, is->voxels));
    PetscCall(PetscSNPrintf(sub, sizeof sub, fmt, k, "volume_mm3"));
    PetscCall(PetscSNPrintf(key, sizeof key, "%s%s", prefix, sub));
    PetscCall(TwinfeReportSetReal(c->report, key, is->volume_mm3));
    PetscCall(PetscSNPrintf(sub, sizeof sub, fmt, k, "centroid_lps_mm"));
    PetscCall(PetscSNPrintf(key, sizeof key, "%s%s", prefix, sub));
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, is->centroid_lps));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordRegionSelection(TwinfeCase c, PetscInt i, int32_t original, PetscBool renumbered,
                                            TwinfeImageSelection selection)
{
  TwinfeImageLabelSelection l;
  const TwinfeImageIsland  *islands;
  PetscInt                  nislands, listed  = 0;
  PetscReal                 voxel, island_mm3 = 0;
  char                      key[256], where[64];
  PetscFunctionBegin;
  PetscCall(TwinfeImageSelectionGetLabel(selection, i, &l));
  PetscCall(TwinfeImageSelectionGetIslands(selection, &nislands, &islands));
  PetscCall(TwinfeImageGetVoxelVolume(c->image, &voxel));
  PetscCall(PetscSNPrintf(key, sizeof key, "regions[%" PetscInt_FMT "].name", i));
  PetscCall(TwinfeReportSetString(c->report, key, c->names[i]));
  PetscCall(SetRegionInt(c, i, "label", original));
  PetscCall(SetRegionInt(c, i, "region", c->labels[i]));
  PetscCall(SetRegionInt(c, i, "voxels_given", l.voxels_given));
  PetscCall(ReportKey(key, "image.regions", c->names[i], "voxels"));
  PetscCall(TwinfeReportSetInt(c->report, key, l.voxels));
  PetscCall(SetRegionInt(c, i, "voxels_meshed", l.voxels));
  c->voxels_meshed[i] = l.voxels;
  PetscCall(ReportKey(key, "image.regions", c->names[i], "volume_mm3"));
  PetscCall(TwinfeReportSetReal(c->report, key, l.voxels * voxel));
  PetscCall(SetRegionInt(c, i, "components_in", l.components_given));
  PetscCall(SetRegionInt(c, i, "components_out", l.components_kept));
  PetscCall(SetRegionInt(c, i, "components_meshed", l.components_meshed));
  PetscCall(SetRegionInt(c, i, "islands_removed_count", l.islands_removed));
  PetscCall(SetRegionInt(c, i, "islands_removed_voxels", l.voxels_removed));
  if (renumbered)
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "          region %-12s label %3d -> region %3d: ", c->names[i], (int)original,
                          (int)c->labels[i]));
  else
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "          region %-12s label %3d: ", c->names[i], (int)c->labels[i]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "%" PetscInt_FMT " voxels, %.6g mm^3 (%" PetscInt_FMT " given); pieces: %" PetscInt_FMT
                        " given, %" PetscInt_FMT " kept\n",
                        l.voxels, (double)(l.voxels * voxel), l.voxels_given, l.components_given, l.components_kept));
  /* islands_removed: a list, in the order found, of the first TWINFE_ISLANDS_REPORTED */
  for (PetscInt k = 0; k < nislands; ++k) {
    const TwinfeImageIsland *is = &islands[k];
    if (is->label != c->labels[i]) continue;
    island_mm3 += is->volume_mm3;
    if (listed >= TWINFE_ISLANDS_REPORTED) continue;
    PetscCall(SetRegionIsland(c, i, listed++, is));
    if (l.islands_removed <= TWINFE_ISLANDS_LISTED) {
      snprintf(where, sizeof where, "(%.1f, %.1f, %.1f)", (double)is->centroid_lps[0], (double)is->centroid_lps[1],
               (double)is->centroid_lps[2]);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "            island removed: %" PetscInt_FMT " voxels, %.3g mm^3 at LPS %s mm\n",
                            is->voxels, (double)is->volume_mm3, where));
    }
  }
  if (l.islands_removed > TWINFE_ISLANDS_LISTED)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "            %" PetscInt_FMT " islands removed: %" PetscInt_FMT " voxels, %.3g mm^3 in all\n",
                          l.islands_removed, l.voxels_removed, (double)island_mm3));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadImageOnRoot(TwinfeCase c, const char path[])
{
  PetscLogDouble       t0;
  PetscInt             dims[3], nvalues, max_voxels = TWINFE_IMAGE_MAX_VOXELS_DEFAULT;
  PetscReal            spacing[3], origin[3], direction[9];
  int32_t             *values, original[TWINFE_CASE_MAX_REGIONS];
  PetscBool            renumbered;
  PetscErrorCode       ierr;
  TwinfeImageSelection selection = NULL;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "image", PETSC_FALSE, &t0));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-image_max_voxels", &max_voxels, NULL));
  PetscCheck(max_voxels >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-image_max_voxels %" PetscInt_FMT " must be at least 1 (default 2147483647)", max_voxels);
  {
    TwinfeImageReadSettings settings;
    char                    inside[16] = "above";
    PetscCall(TwinfeImageReadSettingsDefault(&settings));
    settings.max_voxels = max_voxels;
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-threshold", &settings.threshold, &settings.threshold_set));
    PetscCall(PetscOptionsGetString(NULL, NULL, "-inside", inside, sizeof inside, NULL));
    PetscCall(PetscStrcasecmp(inside, "below", &settings.inside_below)); /* the declaration (case_options.c) checked the choice */
    PetscCall(TwinfeImageReadWithSettings(path, &settings, &c->image));
  }
  PetscCall(RecordInputFile(c, "image", path));
  PetscCall(TwinfeImageGetLabelValues(c->image, &nvalues, &values));
  if (c->nregions == 0)
    ierr = RegionsFromImage(c, path, nvalues, values);
  else
    ierr = CheckLabelsPresent(c, path, nvalues, values);
  PetscCall(PetscFree(values));
  PetscCall(ierr);
  PetscCall(TwinfeCaseCheckRegionOptions(c)); /* -<name>_E of regions first known now, before any surface work */
  PetscCall(NumberRegions(c, original, &renumbered));
  PetscCall(TwinfeImageGetDimensions(c->image, dims));
  PetscCall(TwinfeImageGetGeometry(c->image, spacing, origin, direction));
  {
    PetscCall(TwinfeReportSetIntArray(c->report, "image.dimensions", 3, dims));
    PetscCall(TwinfeReportSetRealArray(c->report, "image.spacing_mm", 3, spacing));
    PetscCall(TwinfeReportSetRealArray(c->report, "image.origin_lps_mm", 3, origin));
    PetscCall(TwinfeReportSetRealArray(c->report, "image.direction_row_major", 9, direction));
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "image     %s: %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " voxels of %g x %g x %g mm\n",
                        path, dims[0], dims[1], dims[2], (double)spacing[0], (double)spacing[1], (double)spacing[2]));
  PetscCall(TwinfeReportSetString(c->report, "image.region_numbers", renumbered ? "ascending_label_order" : "label"));
  if (renumbered)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "          labels above 999: regions are numbered 1 to %" PetscInt_FMT
                          " in ascending label order (mesh regions and facet tags use these numbers)\n",
                          c->nregions));
  PetscCall(TwinfeFidelityCreate(c->image, c->nregions, c->labels, &c->fidelity)); /* before cleaning changes the labels */
  PetscCall(CleanLabels(c, &selection));
  for (PetscInt i = 0; i < c->nregions && !ierr; ++i)
    ierr = RecordRegionSelection(c, i, original[i], renumbered, selection);
  PetscCall(TwinfeImageSelectionDestroy(&selection));
  PetscCall(ierr);
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

/* The default target edge length, mm: a 1M-tet mesh of a CT kidney case (about 0.5 L of tissue)
   that a laptop solves in under a minute. */
#define TWINFE_MESH_SIZE_DEFAULT 1.5
/* Without -mesh_size the voxel surface is kept when the default is within this factor of the
   voxels' mean spacing: remeshing would then only cost time (3 mm maps stay as they were). */
#define TWINFE_MESH_SIZE_KEEP_VOXELS 1.2

/* Each region's target edge length (mm; 0: keep its voxel surface): -<name>_mesh_size, else
   -mesh_size, else the default when the voxels are much finer than it. */
static PetscErrorCode ChooseMeshSizes(TwinfeCase c, PetscReal target[], PetscBool *any)
{
  PetscReal spacing[3], origin[3], direction[9], mean_spacing, global = TWINFE_MESH_SIZE_DEFAULT;
  PetscBool given;
  PetscFunctionBegin;
  PetscCall(TwinfeImageGetGeometry(c->image, spacing, origin, direction));
  mean_spacing = PetscCbrtReal(spacing[0] * spacing[1] * spacing[2]);
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-mesh_size", &global, &given));
  PetscCheck(global >= 0 && global <= 1000, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_size %g mm is out of range: give a target edge length in mm (0 keeps the voxel surface; default %g)",
             (double)global, (double)TWINFE_MESH_SIZE_DEFAULT);
  if (!given && global < TWINFE_MESH_SIZE_KEEP_VOXELS * mean_spacing) global = 0;
  *any = PETSC_FALSE;
  for (PetscInt i = 0; i < c->nregions; ++i) {
    char prefix[TWINFE_NAME_LEN + 1];
    snprintf(prefix, sizeof prefix, "%s_", c->names[i]);
    target[i] = global;
    PetscCall(PetscOptionsGetReal(NULL, prefix, "-mesh_size", &target[i], NULL));
    PetscCheck(target[i] >= 0 && target[i] <= 1000, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "-%s_mesh_size %g mm is out of range: give a target edge length in mm (0 keeps the voxel surface)", c->names[i],
               (double)target[i]);
    *any = (PetscBool)(*any || target[i] > 0);
  }
  PetscFunctionReturn(0);
}

/* Remesh the smoothed surface to the regions' target edge lengths, every vertex within half the
   smallest voxel spacing of the smoothed surface (which itself follows the voxel boundary). */
typedef struct {
  PetscBool                applied;
  PetscReal                first_target, deviation_bound;
  TwinfeSurfaceRemeshStats stats;
} RemeshSummary;

static PetscErrorCode RemeshOnRoot(TwinfeCase c, RemeshSummary *r)
{
  PetscReal                 target[TWINFE_CASE_MAX_REGIONS], spacing[3], origin[3], direction[9], deviation;
  PetscBool                 any   = PETSC_FALSE;
  TwinfeSurfaceRemeshStats *stats = &r->stats;
  PetscLogDouble            t0, t1;
  char                      key[256];
  PetscFunctionBegin;
  PetscCall(ChooseMeshSizes(c, target, &any));
  r->applied = any;
  PetscCall(TwinfeReportSetString(c->report, "surface.remesh.applied", any ? "yes" : "no (voxel surface kept)"));
  if (!any) PetscFunctionReturn(0);
  PetscCall(TwinfeImageGetGeometry(c->image, spacing, origin, direction));
  deviation = 0.5 * PetscMin(spacing[0], PetscMin(spacing[1], spacing[2]));
  PetscCall(PetscTime(&t0));
  PetscCall(
      TwinfeSurfaceRemeshInPieces(c->surface, c->nregions, c->labels, target, deviation, PETSC_DEFAULT, PETSC_DEFAULT, stats));
  r->first_target = target[0], r->deviation_bound = deviation;
  PetscCall(PetscTime(&t1));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscCall(ReportKey(key, "surface.remesh.target_mm", c->names[i], ""));
    key[strlen(key) - 1] = 0; /* no trailing dot: the region's own value */
    PetscCall(TwinfeReportSetReal(c->report, key, target[i]));
  }
  PetscCall(TwinfeReportSetReal(c->report, "surface.remesh.max_deviation_bound_mm", deviation));
  PetscCall(TwinfeReportSetInt(c->report, "surface.remesh.triangles_in", stats->triangles_in));
  PetscCall(TwinfeReportSetInt(c->report, "surface.remesh.triangles_out", stats->triangles_out));
  PetscCall(TwinfeReportSetReal(c->report, "surface.remesh.max_deviation_mm", stats->max_deviation_mm));
  PetscCall(TwinfeReportSetReal(c->report, "surface.remesh.mean_edge_mm", stats->mean_edge_mm));
  PetscCall(TwinfeReportSetReal(c->report, "surface.remesh.min_angle_deg", stats->min_angle_deg));
  PetscCall(TwinfeReportSetInt(c->report, "surface.remesh.self_intersections", stats->self_intersections));
  PetscCall(TwinfeReportSetReal(c->report, "surface.remesh.seconds", t1 - t0));
  PetscFunctionReturn(0);
}

/* -surface_cut_planes (docs/surface_caps.md): each plane cuts the vessel its point lies in, after
   the smoothing and before the remeshing. The summary says how much of each region went, and
   warns when most of a region did (a normal the wrong way round removes the part wanted). */
static PetscErrorCode CutSurfaceOnRoot(TwinfeCase c)
{
  PetscReal before[TWINFE_CASE_MAX_REGIONS], after;
  char      key[256];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i)
    PetscCall(TwinfeSurfaceComputeLabelVolume(c->surface, c->labels[i], &before[i]));
  PetscCall(TwinfeSurfaceCut(c->surface, PETSC_DEFAULT, NULL));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscCall(TwinfeSurfaceComputeLabelVolume(c->surface, c->labels[i], &after));
    if (after == before[i]) continue;
    PetscCall(ReportKey(key, "surface.cut.regions", c->names[i], "removed_mm3"));
    PetscCall(TwinfeReportSetReal(c->report, key, before[i] - after));
    PetscCall(ReportKey(key, "surface.cut.regions", c->names[i], "kept_mm3"));
    PetscCall(TwinfeReportSetReal(c->report, key, after));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "cut       %s: %.1f of %.1f mm^3 removed beyond -surface_cut_planes (%.0f%%)\n",
                          c->names[i], (double)(before[i] - after), (double)before[i],
                          (double)(100 * (before[i] - after) / before[i])));
    if (after < 0.5 * before[i])
      PetscCall(PetscPrintf(PETSC_COMM_SELF,
                            "warning   -surface_cut_planes removed most of %s (%.0f%%): each normal points to the part removed; "
                            "turn it round to keep the other side\n",
                            c->names[i], (double)(100 * (before[i] - after) / before[i])));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ExtractSurfacesOnRoot(TwinfeCase c, PetscInt iterations)
{
  RemeshSummary    remesh = {PETSC_FALSE, 0, 0, {0}};
  PetscLogDouble   t0;
  PetscInt         nv, nt;
  PetscReal        volume;
  const PetscReal *xyz;
  const PetscInt  *tri;
  const int32_t   *tl;
  char             key[256];
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "surface", PETSC_FALSE, &t0));
  PetscCall(TwinfeSurfaceCreateFromImage(c->image, c->nregions, c->labels, &c->surface));
  /* The surface stage owns the pass band and feature angle defaults (and their options). */
  if (iterations > 0) PetscCall(TwinfeSurfaceSmooth(c->surface, iterations, PETSC_DEFAULT, PETSC_DEFAULT));
  PetscCall(CutSurfaceOnRoot(c));
  PetscCall(TwinfeCaseKeepSegmentedSurface_Private(c));
  PetscCall(RemeshOnRoot(c, &remesh));
  PetscCall(TwinfeSurfaceGetVertices(c->surface, &nv, &xyz));
  PetscCall(TwinfeSurfaceGetTriangles(c->surface, &nt, &tri, &tl));
  PetscCall(TwinfeReportSetInt(c->report, "surface.vertices", nv));
  PetscCall(TwinfeReportSetInt(c->report, "surface.triangles", nt));
  PetscCall(TwinfeReportSetInt(c->report, "surface.smooth_iterations", iterations));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "surface   %" PetscInt_FMT " triangles, %" PetscInt_FMT " vertices (%" PetscInt_FMT
                        " smoothing iterations)\n",
                        nt, nv, iterations));
  if (remesh.applied)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "          remeshed to %g mm%s: %" PetscInt_FMT " -> %" PetscInt_FMT
                          " triangles, mean edge %.2f mm, min angle %.1f deg, within %.2f mm of the smoothed surface (bound "
                          "%.2f)\n",
                          (double)remesh.first_target, c->nregions > 1 ? " (first region; report.json has each)" : "",
                          remesh.stats.triangles_in, remesh.stats.triangles_out, (double)remesh.stats.mean_edge_mm,
                          (double)remesh.stats.min_angle_deg, (double)remesh.stats.max_deviation_mm,
                          (double)remesh.deviation_bound));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscCall(TwinfeSurfaceComputeLabelVolume(c->surface, c->labels[i], &volume));
    PetscCall(ReportKey(key, "surface.regions", c->names[i], "enclosed_volume_mm3"));
    PetscCall(TwinfeReportSetReal(c->report, key, volume));
  }
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRegionSTLsOnRoot(TwinfeCase c)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscReal *xyz;
    PetscInt  *tri, nv, nt;
    char       relative[TWINFE_NAME_LEN + 8], path[PETSC_MAX_PATH_LEN];
    PetscCall(TwinfeSurfaceExtractLabel(c->surface, c->labels[i], &nv, &xyz, &nt, &tri));
    snprintf(relative, sizeof relative, "%s.stl", c->names[i]);
    PetscCall(StagingPath(c, relative, path));
    PetscCall(TwinfeWriteSTL(nv, xyz, nt, tri, path));
    PetscCall(TwinfeCaseAddOutput(c, relative));
    PetscCall(PetscFree(xyz));
    PetscCall(PetscFree(tri));
  }
  PetscFunctionReturn(0);
}

/* The gamma histogram in the report, and the count of poor tets (gamma < 0.1) in the summary:
   with Gmsh's optimiser on, real cases have 0-1 such tets in 500k, without it thousands. */
static PetscErrorCode RecordGammaHistogram(TwinfeCase c, PetscInt ntets)
{
  const PetscReal edges[] = {0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1}, poor_below = 0.1;
  const PetscInt  nbins = (PetscInt)(sizeof edges / sizeof edges[0]) - 1;
  PetscInt        counts[sizeof edges / sizeof edges[0] - 1], poor = 0;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGammaHistogram(c->mesh, nbins, edges, counts));
  for (PetscInt b = 0; b < nbins && edges[b + 1] <= poor_below; ++b)
    poor += counts[b];
  PetscCall(TwinfeReportSetRealArray(c->report, "mesh.quality.gamma_histogram.edges", nbins + 1, edges));
  PetscCall(TwinfeReportSetIntArray(c->report, "mesh.quality.gamma_histogram.counts", nbins, counts));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.quality.poor_tets", poor));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.quality.poor_below_gamma", poor_below));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "          %" PetscInt_FMT " of %" PetscInt_FMT " tetrahedra have gamma below %g (%" PetscInt_FMT
                        " below %g)\n",
                        poor, ntets, (double)poor_below, counts[0], (double)edges[1]));
  PetscFunctionReturn(0);
}

/* What the sliver removal after Gmsh did, when it ran. */
static PetscErrorCode RecordMeshImprovement(TwinfeCase c)
{
  PetscBool                 improved;
  TwinfeMeshImproveStats    s;
  TwinfeMeshGenerationStats g;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetGenerationStats(c->mesh, &g));
  if (g.volume_groups > 0) {
    PetscCall(TwinfeReportSetInt(c->report, "mesh.gmsh.volume_groups", g.volume_groups));
    PetscCall(TwinfeReportSetBool(c->report, "mesh.gmsh.whole_model_retried", g.whole_model_retried));
    PetscCall(TwinfeReportSetInt(c->report, "mesh.gmsh.duplicates_merged", g.duplicates_merged));
  }
  PetscCall(TwinfeMeshGetImproveStats(c->mesh, &improved, &s));
  if (!improved) PetscFunctionReturn(0);
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.poor_tets_before", s.poor_before));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.poor_tets_after", s.poor_after));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.improve.min_radius_ratio_before", s.min_radius_ratio_before));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.improve.min_dihedral_deg_before", s.min_dihedral_deg_before));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.edge_removals", s.edge_removals));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.face_flips", s.face_flips));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.vertex_moves", s.vertex_moves));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.vertex_insertions", s.insertions));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.improve.caps_peeled", s.caps_peeled));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.improve.peeled_volume_mm3", s.peeled_volume_mm3));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.improve.seconds", s.seconds));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "          slivers: %" PetscInt_FMT
                        " tets below the bounds after Gmsh (min radius ratio %.3f, min dihedral %.1f "
                        "deg), %" PetscInt_FMT " after removal (%" PetscInt_FMT " changes, %" PetscInt_FMT " caps peeled)\n",
                        s.poor_before, (double)s.min_radius_ratio_before, (double)s.min_dihedral_deg_before, s.poor_after,
                        s.edge_removals + s.face_flips + s.vertex_moves + s.insertions, s.caps_peeled));
  if (s.poor_after)
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "warning   %" PetscInt_FMT
                          " tets stay below -mesh_min_radius_ratio or -mesh_min_dihedral: no local change "
                          "inside their region improves them (mesh.improve in report.json)\n",
                          s.poor_after));
  PetscFunctionReturn(0);
}

/* The caps (flat ends: where a region leaves the image, -surface_caps, or a plane cuts it,
   -surface_cut_planes) measured on the mesh's facets, so that a user can say which is the inlet. */
static PetscErrorCode RecordCaps(TwinfeCase c)
{
  TwinfeCapInfo *caps;
  PetscInt       ncaps, nsurface = 0;
  char           key[256], name[TWINFE_NAME_LEN + 32];
  PetscFunctionBegin;
  if (!c->image)
    PetscFunctionReturn(0); /* a mesh read from a file (called while the label map is there otherwise): a flow physics lists its
                               caps with their roles */
  PetscCall(TwinfeMeshGetCaps(c->mesh, &ncaps, &caps));
  if (c->surface) PetscCall(TwinfeSurfaceGetCapCount(c->surface, &nsurface));
  for (PetscInt i = 0; i < ncaps; ++i) {
    const TwinfeCapInfo *k     = &caps[i];
    const char          *rname = NULL;
    PetscInt             plane = -2;
    char                 made[64];
    for (PetscInt s = 0; s < nsurface; ++s) {
      int32_t tag;
      PetscCall(TwinfeSurfaceGetCap(c->surface, s, &tag, NULL, NULL, NULL));
      if (tag == k->tag) PetscCall(TwinfeSurfaceGetCapPlane(c->surface, s, &plane));
    }
    if (plane >= 0)
      snprintf(made, sizeof made, "cut by plane %d", (int)(plane + 1));
    else
      snprintf(made, sizeof made, "%s", plane == -1 ? "image border" : "mesh");
    PetscCall(TwinfeMeshGetRegionName(c->mesh, k->label, &rname));
    snprintf(name, sizeof name, "%s_cap%d", rname, (int)k->cap);
    PetscCall(
        PetscPrintf(PETSC_COMM_SELF,
                    "caps      %s (%s): tag %d, area %.1f mm^2 (equivalent radius %.2f mm), centre (%.1f, %.1f, %.1f) mm LPS, "
                    "normal (%.3f, %.3f, %.3f)\n",
                    name, made, (int)k->tag, (double)k->area, (double)k->radius, (double)k->center[0], (double)k->center[1],
                    (double)k->center[2], (double)k->normal[0], (double)k->normal[1], (double)k->normal[2]));
    PetscCall(ReportKey(key, "mesh.caps", name, "tag"));
    PetscCall(TwinfeReportSetInt(c->report, key, k->tag));
    PetscCall(ReportKey(key, "mesh.caps", name, "made_by"));
    PetscCall(TwinfeReportSetString(c->report, key, made));
    PetscCall(ReportKey(key, "mesh.caps", name, "area_mm2"));
    PetscCall(TwinfeReportSetReal(c->report, key, k->area));
    PetscCall(ReportKey(key, "mesh.caps", name, "equivalent_radius_mm"));
    PetscCall(TwinfeReportSetReal(c->report, key, k->radius));
    PetscCall(ReportKey(key, "mesh.caps", name, "center_lps_mm"));
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, k->center));
    PetscCall(ReportKey(key, "mesh.caps", name, "normal"));
    PetscCall(TwinfeReportSetRealArray(c->report, key, 3, k->normal));
    PetscCall(ReportKey(key, "mesh.caps", name, "flatness_mm"));
    PetscCall(TwinfeReportSetReal(c->report, key, k->flatness));
  }
  PetscCall(PetscFree(caps));
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordMeshOnRoot(TwinfeCase c)
{
  PetscInt        nv, nt, nf, nr;
  const PetscInt *tets, *facets;
  const int32_t  *regions, *tags, *labels;
  PetscReal       min_gamma, mean_gamma, min_dihedral, *volumes;
  char            key[256];
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, NULL));
  PetscCall(TwinfeMeshGetTetrahedra(c->mesh, &nt, &tets, &regions));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  PetscCall(TwinfeMeshComputeQuality(c->mesh, &min_gamma, &mean_gamma, &min_dihedral));
  PetscCall(TwinfeMeshGetRegions(c->mesh, &nr, &labels));
  PetscCall(PetscMalloc1(nr, &volumes));
  PetscCall(TwinfeMeshComputeRegionVolumes(c->mesh, volumes));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.vertices", nv));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.tetrahedra", nt));
  PetscCall(TwinfeReportSetInt(c->report, "mesh.facets", nf));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.quality.min_gamma", min_gamma));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.quality.mean_gamma", mean_gamma));
  PetscCall(TwinfeReportSetReal(c->report, "mesh.quality.min_dihedral_deg", min_dihedral));
  PetscCall(PetscPrintf(PETSC_COMM_SELF,
                        "mesh      %" PetscInt_FMT " tetrahedra, %" PetscInt_FMT " vertices, %" PetscInt_FMT
                        " boundary/interface facets\n",
                        nt, nv, nf));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "          quality: min gamma %.3f, mean gamma %.3f, min dihedral angle %.1f deg\n",
                        (double)min_gamma, (double)mean_gamma, (double)min_dihedral));
  PetscCall(RecordMeshImprovement(c));
  PetscCall(RecordGammaHistogram(c, nt));
  PetscCall(RecordCaps(c));
  PetscCall(TwinfeCaseReportRegions(c, c->fidelity));
  PetscCall(TwinfeFidelityDestroy(&c->fidelity));
  for (PetscInt r = 0; r < nr; ++r) {
    const char *name;
    PetscCall(TwinfeMeshGetRegionName(c->mesh, labels[r], &name));
    PetscCall(ReportKey(key, "mesh.regions", name, "label"));
    PetscCall(TwinfeReportSetInt(c->report, key, labels[r]));
    PetscCall(ReportKey(key, "mesh.regions", name, "volume_mm3"));
    PetscCall(TwinfeReportSetReal(c->report, key, volumes[r]));
    if (c->image) {
      PetscInt  count = 0;
      PetscReal voxel;
      for (PetscInt i = 0; i < c->nregions; ++i) /* counted by the selection: no sweep over the image per region */
        if (c->labels[i] == labels[r]) count = c->voxels_meshed[i];
      PetscCall(TwinfeImageGetVoxelVolume(c->image, &voxel));
      PetscCall(ReportKey(key, "mesh.regions", name, "volume_change_vs_voxels_percent"));
      PetscCall(TwinfeReportSetReal(c->report, key, 100.0 * (volumes[r] / (count * voxel) - 1.0))); /* vs the voxels meshed */
    }
  }
  PetscCall(PetscFree(volumes));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteMeshFilesOnRoot(TwinfeCase c)
{
  char path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(StagingPath(c, "mesh.vtu", path));
  PetscCall(TwinfeMeshWriteVTU(c->mesh, path));
  PetscCall(TwinfeCaseAddOutput(c, "mesh.vtu"));
  PetscCall(TwinfeCaseAddOutput(c, "mesh_facets.vtu"));
  PetscCall(StagingPath(c, "mesh.msh", path));
  PetscCall(TwinfeMeshWriteGmsh(c->mesh, path));
  PetscCall(TwinfeCaseAddOutput(c, "mesh.msh"));
  PetscFunctionReturn(0);
}

/* Gmsh without its messages on the terminal; its error comes back as a code. A restart takes the
   mesh the continued run solved on (its mesh.msh): Gmsh's HXT on several threads does not make
   the same mesh twice (3573 or 3578 vertices for the organ phantom at 4 mm), and the checkpoint
   holds values at the nodes of that mesh. */
static PetscErrorCode MeshSurfaceQuietly(TwinfeCase c, const char *const names[])
{
  PetscErrorCode ierr;
  if (c->restart_dir[0]) {
    char path[PETSC_MAX_PATH_LEN];
    PetscCall(JoinPath(path, c->restart_dir, "mesh.msh"));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "mesh      the mesh of the run continued (%s), not meshed again\n", path));
    PetscCall(TwinfeMeshReadGmsh(path, &c->mesh));
    return 0;
  }
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinfeMeshCreateFromSurface(c->surface, c->nregions, c->labels, names, &c->mesh);
  PetscCall(PetscPopErrorHandler());
  return ierr;
}

/* Smoothing can make touching labels' surfaces cross each other near triple lines, and Gmsh
   then refuses them. Rather than fail the case, halve the smoothing until Gmsh accepts the
   surfaces (unsmoothed voxel surfaces never cross), and say so in the summary and report. */
static PetscErrorCode SurfaceAndMeshOnRoot(TwinfeCase c)
{
  PetscInt       iterations = 20, retries = 0;
  PetscLogDouble t0;
  const char    *names[TWINFE_CASE_MAX_REGIONS];
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-surface_smooth_iterations", &iterations, NULL));
  PetscCheck(iterations >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_smooth_iterations %" PetscInt_FMT " is negative: give 0 or more", iterations);
  for (PetscInt i = 0; i < c->nregions; ++i)
    names[i] = c->names[i];
  for (;;) {
    const PetscInt nstages = c->nstages;
    PetscCall(ExtractSurfacesOnRoot(c, iterations));
    PetscCall(TwinfeCaseBeginStage(c, "mesh", PETSC_FALSE, &t0));
    ierr = MeshSurfaceQuietly(c, names);
    PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
    if (ierr != PETSC_ERR_ARG_INCOMP || iterations == 0) break; /* only crossing surfaces are worth a retry */
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "mesh      Gmsh refused the surfaces smoothed %" PetscInt_FMT
                          " times (they cross each other); retrying with %" PetscInt_FMT "\n",
                          iterations, iterations / 2));
    PetscCall(TwinfeSurfaceDestroy(&c->surface));
    PetscCall(TwinfeSurfaceDestroy(&c->segmented_surface));
    c->nstages = nstages; /* the stages of the failed attempt are not the run's */
    iterations /= 2;
    retries++;
  }
  PetscCall(TwinfeReportSetInt(c->report, "surface.smoothing_retries", retries));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The threads and cores rank 0's serial stages have: with several ranks, also those of the ranks
   that sleep meanwhile (TwinfeRootStepBegin). */
static PetscErrorCode RecordSerialThreadsOnRoot(TwinfeCase c)
{
  PetscInt threads, cores;
  PetscFunctionBegin;
  PetscCall(TwinfeGetThreads(&threads));
  PetscCall(TwinfeGetCores_Private(&cores));
  PetscCall(TwinfeReportSetInt(c->report, "settings.serial_stage_threads", threads));
  PetscCall(TwinfeReportSetInt(c->report, "settings.serial_stage_cores", cores));
  PetscFunctionReturn(0);
}

static PetscErrorCode MeshImageOnRoot(TwinfeCase c, const char path[])
{
  PetscLogDouble t0;
  PetscFunctionBegin;
  PetscCall(RecordSerialThreadsOnRoot(c));
  PetscCall(ReadImageOnRoot(c, path));
  PetscCall(SurfaceAndMeshOnRoot(c));
  PetscCall(RecordMeshOnRoot(c));
  PetscCall(TwinfeCaseBeginStage(c, "write mesh", PETSC_FALSE, &t0));
  PetscCall(WriteMeshFilesOnRoot(c));
  PetscCall(WriteRegionSTLsOnRoot(c));
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  /* Nothing reads the label map once the mesh is made and recorded, and its 4 bytes a voxel
     (274 MB for a 512 x 512 x 261 CT) would stay on rank 0 through the solve. */
  PetscCall(TwinfeImageDestroy(&c->image));
  TwinfeReturnFreedMemory_Private();
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseMeshImage(TwinfeCase c, const char image_path[])
{
  char           given[PETSC_MAX_PATH_LEN] = "", path[PETSC_MAX_PATH_LEN];
  PetscBool      set                       = PETSC_FALSE;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  if (image_path)
    PetscCall(PetscStrncpy(given, image_path, sizeof given));
  else
    PetscCall(PetscOptionsGetString(NULL, NULL, "-image", given, sizeof given, &set));
  PetscCheck(image_path || set, c->comm, PETSC_ERR_ARG_WRONG,
             "No label map given: set 'image: FILE.nii.gz' in the case file or -image FILE");
  if (image_path)
    PetscCall(PetscStrncpy(path, given, sizeof path));
  else
    PetscCall(ResolveInputPath(c, given, path));
  PetscCall(ReadRegionOptions(c));
  PetscCall(TwinfeCaseRefusePrintOptions_Private(c));
  PetscCall(TwinfeCaseGetPhysics_Private(c)); /* fail before meshing, not after */
  PetscCall(TwinfeRootStepBegin(c->comm));    /* the other ranks sleep: rank 0 takes their cores */
  ierr = TwinfeRunOnRoot(c->comm, c->rank == 0 ? MeshImageOnRoot(c, path) : 0);
  PetscCall(TwinfeFidelityDestroy(&c->fidelity)); /* a failed run may leave it */
  PetscCall(ierr);
  PetscCall(BroadcastRegions(c));
  PetscCall(TwinfeCaseGetPhysics_Private(c));
  PetscFunctionReturn(0);
}

/* The regions' surfaces from the mesh's facets, for the STL files of a case that starts from a
   mesh. The mesh keeps each facet oriented from its larger label to its smaller one, as the
   surface stage made it, so the surface stage can extract each region's closed boundary. */
static PetscErrorCode SurfaceFromMeshFacetsOnRoot(TwinfeCase c)
{
  PetscInt         nv, nf;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *tags;
  int32_t         *labels;
  PetscFunctionBegin;
  PetscCall(TwinfeMeshGetVertices(c->mesh, &nv, &xyz));
  PetscCall(TwinfeMeshGetFacets(c->mesh, &nf, &facets, &tags));
  PetscCall(PetscMalloc1(2 * nf, &labels));
  for (PetscInt f = 0; f < nf; ++f) {
    PetscInt larger, smaller;
    TwinfeFacetTagLabels(tags[f], &larger, &smaller);
    labels[2 * f]     = (int32_t)larger;
    labels[2 * f + 1] = (int32_t)smaller;
  }
  PetscCall(TwinfeSurfaceCreate(nv, xyz, nf, facets, labels, &c->surface));
  PetscCall(PetscFree(labels));
  PetscCall(TwinfeSurfaceSetCapTags(c->surface, tags)); /* for a remesh (-start_mesh_size) to keep them */
  PetscFunctionReturn(0);
}

/* The mesh file and its regions (names from its physical groups), as the "read mesh" stage. */
static PetscErrorCode ReadMeshRegionsOnRoot(TwinfeCase c, const char path[])
{
  PetscLogDouble t0;
  PetscInt       nr;
  const int32_t *labels;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseBeginStage(c, "read mesh", PETSC_FALSE, &t0));
  PetscCall(TwinfeMeshReadGmsh(path, &c->mesh));
  PetscCall(RecordInputFile(c, "mesh", path));
  PetscCall(TwinfeMeshGetRegions(c->mesh, &nr, &labels));
  PetscCheck(nr <= TWINFE_CASE_MAX_REGIONS, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s has %" PetscInt_FMT " regions; at most %d are supported", path, nr, TWINFE_CASE_MAX_REGIONS);
  c->nregions = nr;
  for (PetscInt r = 0; r < nr; ++r) {
    const char *name;
    PetscCall(TwinfeMeshGetRegionName(c->mesh, labels[r], &name));
    PetscCall(TwinfeCaseCheckRegionName(name, path));
    c->labels[r] = labels[r];
    PetscCall(PetscStrncpy(c->names[r], name, TWINFE_NAME_LEN));
  }
  PetscCall(TwinfeCaseCheckRegionOptions(c)); /* the mesh file named the regions: their options are known now */
  PetscCall(TwinfeCaseEndStage(c, PETSC_FALSE, t0));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadMeshOnRoot(TwinfeCase c, const char path[])
{
  PetscFunctionBegin;
  PetscCall(ReadMeshRegionsOnRoot(c, path));
  PetscCall(RecordMeshOnRoot(c));
  PetscCall(SurfaceFromMeshFacetsOnRoot(c));
  PetscCall(WriteRegionSTLsOnRoot(c));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseReadMesh(TwinfeCase c, const char msh_path[])
{
  PetscFunctionBegin;
  PetscCall(TwinfeCaseRefusePrintOptions_Private(c));
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? ReadMeshOnRoot(c, msh_path) : 0));
  PetscCall(BroadcastRegions(c));
  PetscCall(TwinfeCaseGetPhysics_Private(c));
  PetscFunctionReturn(0);
}

/* ---------- for the other commands' files of this stage folder (case_print.c) ---------- */

PetscErrorCode TwinfeCaseStagingPath_Private(TwinfeCase c, const char relative[], char path[PETSC_MAX_PATH_LEN])
{
  PetscFunctionBegin;
  PetscCall(StagingPath(c, relative, path));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseReadRegionOptions_Private(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(ReadRegionOptions(c));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseBroadcastRegions_Private(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(BroadcastRegions(c));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseReadImageOnRoot_Private(TwinfeCase c, const char path[])
{
  PetscFunctionBegin;
  PetscCall(RecordSerialThreadsOnRoot(c));
  PetscCall(ReadImageOnRoot(c, path));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseReadMeshSurfaceOnRoot_Private(TwinfeCase c, const char path[])
{
  PetscFunctionBegin;
  PetscCall(ReadMeshRegionsOnRoot(c, path));
  PetscCall(SurfaceFromMeshFacetsOnRoot(c));
  PetscFunctionReturn(0);
}
