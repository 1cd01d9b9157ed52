/* `twinfe rehearse SCENARIO.yaml -o DIR` (docs/rehearse.md): the baseline case and each step of
 * the scenario run as cases of their own inside DIR's staging folder, each with its own options
 * database (the baseline's case file, the command line, the step's `set`), then each step is
 * compared with the baseline on the baseline's mesh. A thin door: the stages do the work (the
 * image stage's edits, the case's runs, VTK's probe); here is only the order and the bookkeeping.
 *
 * Everything a step could get wrong is checked before the baseline is solved: its keys (the
 * scenario reader), its options (a dry set-up of its case) and its edit of the label map (made
 * and written as <step>_labels.nii.gz, refused when it removes nothing).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include "procedures_impl.h"
#include "io/pictures.h"
#include "physics/names_impl.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

typedef struct {
  TwinfeComparison    cmp;
  PetscInt            removed_voxels;
  PetscReal           removed_voxels_mm3;
  PetscBool           reused_mesh;
  PetscBool           reused_solver; /* solved with a solver an earlier run set up (the same stiffness) */
  PetscReal           seconds;
  PetscReal           tool_force_N;  /* the retractor's force magnitude at the last step (-1: no tool) */
  char                regions[2048]; /* after an edit: -labels and -names of the regions left ("" when the baseline lists none) */
  TwinfeVesselSection section;       /* stenosis, stent: where the vessel was edited */
  PetscReal           gradient_baseline, gradient_step;            /* Pa/mm along the middle half of that segment */
  PetscReal           pressure_drop_Pa, baseline_pressure_drop_Pa; /* flow: inlet to outlet, the largest over the outlets */
  char                picture_field[64];                           /* the field the pictures show ("": none drawn) */
  char                no_pictures[256];                            /* why none were drawn ("" when they were) */
} StepResult;

typedef struct {
  MPI_Comm          comm;
  PetscMPIInt       rank;
  int               argc;
  char            **argv;
  TwinfeSolverStore store; /* the latest run's solver, for a step with the same operator (NULL: none) */
} Runner;

/* Called between a run's meshing and its solve (the baseline's: the steps' tools checked). */
typedef PetscErrorCode (*BetweenStages)(TwinfeCase c, void *ctx);

/* The options of one run: the baseline's case file, the command line, then the step's own. */
static PetscErrorCode PushOptions(TwinfeCase c, const Runner *r, const char case_file[], const char set[])
{
  PetscFunctionBegin;
  const char *app[] = {"-o", "-twinfe_traceback", "-rehearse_reuse_preconditioner"}; /* the command's own, read before */
  PetscBool   found;
  PetscCall(TwinfeCaseLoadFile(c, case_file, r->argc, r->argv));
  for (size_t i = 0; i < sizeof app / sizeof app[0]; i++)
    PetscCall(PetscOptionsHasName(NULL, NULL, app[i], &found)); /* marks it used */
  if (set && set[0]) PetscCall(PetscOptionsInsertString(NULL, set));
  PetscFunctionReturn(0);
}

/* One case run into folder, in an options database of its own (popped whatever happens). The
   stages run from the label map image (the baseline's when NULL) or, when mesh is given, from
   that mesh (a step that changes only loads). dry: only the options are checked. */
static PetscErrorCode RunCase(const Runner *r, const char folder[], const char case_file[], const char set[], const char image[],
                              const char mesh[], PetscBool dry, BetweenStages between, void *ctx)
{
  PetscOptions   db;
  TwinfeCase     c    = NULL;
  PetscErrorCode ierr = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsCreate(&db));
  PetscCall(PetscOptionsPush(db));
  ierr = TwinfeCaseCreate(r->comm, folder, &c);
  if (!ierr && !dry) ierr = TwinfeCaseSetSolverStore(c, r->store);
  if (!ierr) ierr = PushOptions(c, r, case_file, set);
  if (!ierr) ierr = TwinfeCaseSetFromOptions(c);
  if (!ierr && !dry) ierr = mesh ? TwinfeCaseReadMesh(c, mesh) : TwinfeCaseMeshImage(c, image);
  if (!ierr && !dry && between) ierr = between(c, ctx);
  if (!ierr && !dry) ierr = TwinfeCaseSolve(c);
  if (!ierr && !dry) ierr = TwinfeCaseCheckOptionsUsed(c);
  if (!ierr && !dry) ierr = TwinfeCaseFinish(c);
  if (c) PetscCall(TwinfeCaseDestroy(&c));
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&db));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The baseline's label map, and the label of a region named in a step: a name of -names, or
   label_<n>, or the label's number. */
typedef struct {
  char      image[PETSC_MAX_PATH_LEN];
  PetscInt  nlabels, labels[TWINFE_CASE_MAX_REGIONS];
  char     *names[TWINFE_CASE_MAX_REGIONS];
  PetscInt  nnames;
  PetscInt  refine; /* -mesh_refine: each rank refines the mesh and snaps it to the segmented surface */
  PetscBool tool;   /* the baseline itself (or the command line) has a retractor */
} Baseline;

static PetscErrorCode ReadBaseline(const Runner *r, const TwinfeScenario *s, TwinfeCase outer, Baseline *b)
{
  PetscOptions db;
  char         given[PETSC_MAX_PATH_LEN] = "", copy[PETSC_MAX_PATH_LEN];
  PetscBool    set                       = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscOptionsCreate(&db));
  PetscCall(PetscOptionsPush(db));
  PetscCall(PetscOptionsInsertFileYAML(r->comm, NULL, s->baseline, PETSC_TRUE));
  if (r->argc > 1) PetscCall(PetscOptionsInsertArgs(NULL, r->argc - 1, r->argv + 1));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-image", given, sizeof given, &set));
  b->nlabels = TWINFE_CASE_MAX_REGIONS, b->nnames = TWINFE_CASE_MAX_REGIONS;
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-labels", b->labels, &b->nlabels, NULL));
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-names", b->names, &b->nnames, NULL));
  b->refine = 0;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mesh_refine", &b->refine, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-retractor_shape", &b->tool));
  PetscCall(PetscOptionsPop());
  PetscCall(PetscOptionsDestroy(&db));
  PetscCheck(set, r->comm, PETSC_ERR_ARG_WRONG, "Scenario %s: the baseline %s gives no label map (image:)", s->path, s->baseline);
  PetscCall(PetscStrncpy(copy, s->baseline, sizeof copy));
  if (given[0] == '/')
    PetscCall(PetscStrncpy(b->image, given, sizeof b->image));
  else
    snprintf(b->image, sizeof b->image, "%s/%s", dirname(copy), given);
  (void)outer;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeBaseline(Baseline *b)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < b->nnames; i++)
    PetscCall(PetscFree(b->names[i]));
  PetscFunctionReturn(0);
}

/* The label of a region named in a step (name: one of -names, label_<n>, or the number; "" for
   a vessel edit: the baseline's only region). */
static PetscErrorCode RegionLabel(const TwinfeScenario *s, const TwinfeStep *step, const char name[], const Baseline *b,
                                  int32_t *label)
{
  char *end;
  long  n;
  PetscFunctionBegin;
  if (!name[0]) {
    PetscCheck(b->nlabels == 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: step %s: which vessel? The baseline has %s: give vessel: <region>", s->path, step->line,
               step->name, b->nlabels ? "several regions" : "no labels: list");
    *label = (int32_t)b->labels[0];
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < b->nnames && i < b->nlabels; i++)
    if (!strcmp(b->names[i], name)) {
      *label = (int32_t)b->labels[i];
      PetscFunctionReturn(0);
    }
  n = strtol(!strncmp(name, "label_", 6) ? name + 6 : name, &end, 10);
  PetscCheck(*end == 0 && n > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: step %s names '%s', which is no region of the baseline (its names: -names, or label_<n>)",
             s->path, step->line, step->name, name);
  *label = (int32_t)n;
  PetscFunctionReturn(0);
}

/* The baseline's -labels and -names less the regions an edit removed whole (their options stay
   in the case file, unread). */
static PetscErrorCode RegionsLeft(TwinfeImage image, const Baseline *b, char text[], size_t len)
{
  char labels[1024] = "", names[1024] = "";
  PetscFunctionBegin;
  text[0] = 0;
  for (PetscInt i = 0; i < b->nlabels; i++) {
    PetscInt count;
    char     number[32];
    PetscCall(TwinfeImageCountLabel(image, (int32_t)b->labels[i], &count));
    if (!count) continue;
    snprintf(number, sizeof number, "%s%" PetscInt_FMT, labels[0] ? "," : "", b->labels[i]);
    PetscCall(PetscStrlcat(labels, number, sizeof labels));
    if (i < b->nnames) {
      PetscCall(PetscStrlcat(names, names[0] ? "," : "", sizeof names));
      PetscCall(PetscStrlcat(names, b->names[i], sizeof names));
    }
  }
  if (b->nlabels) snprintf(text, len, "-labels %s%s%s", labels, names[0] ? " -names " : "", names);
  PetscFunctionReturn(0);
}

/* The step's edit of the baseline's label map, written as <step>_labels.nii.gz in the staging
   folder (an output: the planner sees what was removed). Rank 0. */
static PetscErrorCode EditOnRoot(TwinfeCase outer, const TwinfeScenario *s, const TwinfeStep *step, const Baseline *b,
                                 StepResult *res, int32_t *label)
{
  TwinfeImage image;
  char        file[TWINFE_NAME_LEN + 32], path[PETSC_MAX_PATH_LEN];
  PetscReal   voxel;
  PetscFunctionBegin;
  int32_t vessel = -1;
  *label         = -1;
  if (step->from[0]) { /* an earlier step's edited label map, already written */
    snprintf(file, sizeof file, "%s_labels.nii.gz", step->from);
    PetscCall(TwinfeCaseStagingPath_Private(outer, file, path));
    PetscCall(TwinfeImageRead(path, &image));
  } else
    PetscCall(TwinfeImageRead(b->image, &image));
  PetscCall(TwinfeImageGetVoxelVolume(image, &voxel));
  if (step->edit == TWINFE_EDIT_STENOSIS || step->edit == TWINFE_EDIT_STENT || step->edit == TWINFE_EDIT_CLIP)
    PetscCall(RegionLabel(s, step, step->vessel, b, &vessel));
  switch (step->edit) {
  case TWINFE_EDIT_RESECT:
    PetscCall(RegionLabel(s, step, step->region, b, label));
    PetscCall(TwinfeImageResect(image, *label, step->margin_mm, &res->removed_voxels));
    break;
  case TWINFE_EDIT_BALL:
    PetscCall(TwinfeImageEraseBall(image, step->ball, step->ball[3], &res->removed_voxels));
    break;
  case TWINFE_EDIT_PLANE:
    PetscCall(TwinfeImageErasePlaneSide(image, step->plane, step->plane + 3, step->margin_mm, &res->removed_voxels));
    break;
  case TWINFE_EDIT_STENOSIS:
    PetscCall(
        TwinfeImageNarrowVessel(image, vessel, step->at, step->percent, step->length_mm, &res->section, &res->removed_voxels));
    break;
  case TWINFE_EDIT_STENT: /* voxels added: counted negative */
    PetscCall(
        TwinfeImageWidenVessel(image, vessel, step->at, step->diameter_mm, step->length_mm, &res->section, &res->removed_voxels));
    res->removed_voxels = -res->removed_voxels;
    break;
  case TWINFE_EDIT_PAINT: /* voxels added: counted negative */
    PetscCall(RegionLabel(s, step, step->paint, b, label));
    PetscCall(TwinfeImagePaintBall(image, step->ball, step->ball[3], *label, &res->removed_voxels));
    res->removed_voxels = -res->removed_voxels;
    *label              = -1; /* no margin to measure */
    break;
  case TWINFE_EDIT_CLIP:
    PetscCall(TwinfeImageClipVessel(image, vessel, step->plane, step->plane + 3, &res->removed_voxels));
    break;
  default:
    break;
  }
  res->removed_voxels_mm3 = res->removed_voxels * voxel;
  PetscCall(RegionsLeft(image, b, res->regions, sizeof res->regions));
  snprintf(file, sizeof file, "%s_labels.nii.gz", step->name);
  PetscCall(TwinfeCaseStagingPath_Private(outer, file, path));
  PetscCall(TwinfeImageWrite(image, path));
  PetscCall(TwinfeCaseAddOutput(outer, file));
  PetscCall(TwinfeImageDestroy(&image));
  PetscFunctionReturn(0);
}

/* The last results file results.pvd lists (the final load step or time). */
static PetscErrorCode FinalResults(const char folder[], char path[PETSC_MAX_PATH_LEN])
{
  char  pvd[PETSC_MAX_PATH_LEN], line[1024], last[PETSC_MAX_PATH_LEN] = "";
  FILE *f;
  PetscFunctionBegin;
  PetscCheck(TwinfePathJoin(pvd, sizeof pvd, folder, "results.pvd"), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: too long a path",
             folder);
  f = fopen(pvd, "r");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot read %s", pvd);
  while (fgets(line, sizeof line, f)) {
    const char *at = strstr(line, "file=\"");
    if (at) {
      const char *end = strchr(at + 6, '"');
      if (end && (size_t)(end - at - 6) < sizeof last) {
        memcpy(last, at + 6, (size_t)(end - at - 6));
        last[end - at - 6] = 0;
      }
    }
  }
  fclose(f);
  PetscCheck(last[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s lists no results file", pvd);
  PetscCheck(TwinfePathJoin(path, PETSC_MAX_PATH_LEN, folder, last), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: too long a path",
             folder);
  PetscFunctionReturn(0);
}

/* The magnitude of the retractor's force on the last row of forces.csv (the sum over its facet
   tags' columns setK_retractor_tagT_f[xyz]_N), or -1 without one. */
static PetscErrorCode ToolForce(const char folder[], PetscReal *force)
{
  char  path[PETSC_MAX_PATH_LEN], header[4096] = "", row[4096] = "", line[4096];
  FILE *f;
  PetscFunctionBegin;
  *force = -1;
  PetscCheck(TwinfePathJoin(path, sizeof path, folder, "forces.csv"), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "%s: too long a path",
             folder);
  if (!(f = fopen(path, "r"))) PetscFunctionReturn(0);
  if (fgets(header, sizeof header, f))
    while (fgets(line, sizeof line, f))
      PetscCall(PetscStrncpy(row, line, sizeof row));
  fclose(f);
  {
    char     *hs = NULL, *rs = NULL, *h = strtok_r(header, ",\n", &hs), *v = strtok_r(row, ",\n", &rs);
    PetscReal f[3] = {0, 0, 0};
    PetscBool any  = PETSC_FALSE;
    for (; h && v; h = strtok_r(NULL, ",\n", &hs), v = strtok_r(NULL, ",\n", &rs))
      for (int d = 0; d < 3; d++) {
        const char   suffix[] = {'_', 'f', (char)('x' + d), '_', 'N', 0};
        const size_t n        = strlen(h);
        if (strstr(h, "_retractor_") && n > 5 && !strcmp(h + n - 5, suffix)) f[d] += strtod(v, NULL), any = PETSC_TRUE;
      }
    if (any) *force = PetscSqrtReal(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
  }
  PetscFunctionReturn(0);
}

/* A cap's numbers from a flow case's report.json: a steady run's, or the means over a pulsatile
   run's last cycle (pressure ratios of cycle means: how FFR is taken). */
typedef struct {
  char      role[16];
  PetscReal outflow, pressure, centre[3];
} Cap;

static PetscInt ReadCaps(json_t *doc, Cap caps[], PetscInt max)
{
  json_t     *all = json_object_get(json_object_get(doc, "flow"), "caps"), *cap;
  const char *key;
  PetscInt    n = 0;
  json_object_foreach(all, key, cap)
  {
    json_t     *centre = json_object_get(cap, "center_lps_mm");
    const char *role   = json_string_value(json_object_get(cap, "role"));
    if (n == max) break;
    const PetscBool pulsatile = json_object_get(cap, "last_cycle_mean_outflow_mm3_per_s") ? PETSC_TRUE : PETSC_FALSE;
    snprintf(caps[n].role, sizeof caps[n].role, "%s", role ? role : "");
    caps[n].outflow =
        json_number_value(json_object_get(cap, pulsatile ? "last_cycle_mean_outflow_mm3_per_s" : "outflow_mm3_per_s"));
    caps[n].pressure = json_number_value(json_object_get(cap, pulsatile ? "last_cycle_mean_pressure_Pa" : "mean_pressure_Pa"));
    for (int d = 0; d < 3; d++)
      caps[n].centre[d] = json_number_value(json_array_get(centre, (size_t)d));
    n++;
  }
  return n;
}

static PetscReal InletPressure(const Cap caps[], PetscInt n)
{
  for (PetscInt i = 0; i < n; i++)
    if (!strcmp(caps[i].role, "inlet")) return caps[i].pressure;
  return 0;
}

/* The baseline's cap nearest c (within 5 mm), or -1: a clip may take an outlet away. */
static PetscInt MatchCap(const Cap caps[], PetscInt n, const Cap *c)
{
  PetscInt  best = -1;
  PetscReal d2   = 25;
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal e = (caps[i].centre[0] - c->centre[0]) * (caps[i].centre[0] - c->centre[0]) +
                        (caps[i].centre[1] - c->centre[1]) * (caps[i].centre[1] - c->centre[1]) +
                        (caps[i].centre[2] - c->centre[2]) * (caps[i].centre[2] - c->centre[2]);
    if (e < d2) d2 = e, best = i;
  }
  return best;
}

static PetscReal OutletFlow(const Cap caps[], PetscInt n)
{
  PetscReal total = 0;
  for (PetscInt i = 0; i < n; i++)
    total += strcmp(caps[i].role, "inlet") ? caps[i].outflow : 0;
  return total;
}

/* Per outlet of the step: its flow and share, its mean pressure, the drop from the inlet and the
   distal / proximal pressure ratio (FFR where the pressures are absolute: with -outlet_rcr),
   beside the baseline's at the same outlet. */
static PetscErrorCode FlowMetricsOnRoot(TwinfeCase outer, const TwinfeStep *step, StepResult *res)
{
  char      path[PETSC_MAX_PATH_LEN], file[TWINFE_NAME_LEN + 16], key[256];
  json_t   *base, *mine;
  Cap       bc[64], sc[64];
  PetscInt  nb, ns;
  PetscReal pin, bpin, total, btotal;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseStagingPath_Private(outer, "baseline/report.json", path));
  base = json_load_file(path, 0, NULL);
  snprintf(file, sizeof file, "%s/report.json", step->name);
  PetscCall(TwinfeCaseStagingPath_Private(outer, file, path));
  mine = json_load_file(path, 0, NULL);
  nb   = base ? ReadCaps(base, bc, 64) : 0;
  ns   = mine ? ReadCaps(mine, sc, 64) : 0;
  if (base) json_decref(base);
  if (mine) json_decref(mine);
  if (!nb || !ns) PetscFunctionReturn(0); /* not a flow case */
  pin = InletPressure(sc, ns), bpin = InletPressure(bc, nb), total = OutletFlow(sc, ns), btotal = OutletFlow(bc, nb);
  for (PetscInt i = 0; i < ns; i++) {
    const PetscInt m = MatchCap(bc, nb, &sc[i]);
    if (!strcmp(sc[i].role, "inlet")) continue;
#define CAP_KEY(member) (snprintf(key, sizeof key, "rehearse.steps.%s.flow.outlet%d.%s", step->name, (int)i + 1, member), key)
    PetscCall(TwinfeReportSetRealArray(outer->report, CAP_KEY("center_lps_mm"), 3, sc[i].centre));
    PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("flow_ml_per_s"), sc[i].outflow / 1000));
    PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("share"), total > 0 ? sc[i].outflow / total : 0));
    PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("mean_pressure_Pa"), sc[i].pressure));
    PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("pressure_drop_Pa"), pin - sc[i].pressure));
    PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("distal_proximal_ratio"), pin != 0 ? sc[i].pressure / pin : 0));
    res->pressure_drop_Pa = PetscMax(res->pressure_drop_Pa, pin - sc[i].pressure);
    if (m >= 0) {
      PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("baseline_flow_ml_per_s"), bc[m].outflow / 1000));
      PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("baseline_share"), btotal > 0 ? bc[m].outflow / btotal : 0));
      PetscCall(TwinfeReportSetReal(outer->report, CAP_KEY("baseline_pressure_drop_Pa"), bpin - bc[m].pressure));
      PetscCall(
          TwinfeReportSetReal(outer->report, CAP_KEY("baseline_distal_proximal_ratio"), bpin != 0 ? bc[m].pressure / bpin : 0));
      res->baseline_pressure_drop_Pa = PetscMax(res->baseline_pressure_drop_Pa, bpin - bc[m].pressure);
    }
#undef CAP_KEY
  }
  PetscFunctionReturn(0);
}

/* The pressure gradient along the middle half of an edited vessel segment, in the baseline and
   the step: Poiseuille's law holds there, away from the segment's ends. */
static PetscErrorCode SegmentGradientOnRoot(const char base[], const char mine[], const TwinfeStep *step, StepResult *res)
{
  PetscReal a[3], b[3];
  PetscFunctionBegin;
  if (step->edit != TWINFE_EDIT_STENOSIS && step->edit != TWINFE_EDIT_STENT) PetscFunctionReturn(0);
  for (int d = 0; d < 3; d++) {
    a[d] = res->section.centre[d] - 0.25 * step->length_mm * res->section.axis[d];
    b[d] = res->section.centre[d] + 0.25 * step->length_mm * res->section.axis[d];
  }
  PetscCall(TwinfePressureGradient_VTK(base, a, b, &res->gradient_baseline));
  PetscCall(TwinfePressureGradient_VTK(mine, a, b, &res->gradient_step));
  PetscFunctionReturn(0);
}

/* The step's three pictures, when there is a display to draw them on. */
static PetscErrorCode PicturesOnRoot(TwinfeCase outer, const TwinfeStep *step, const char comparison[], const char results[],
                                     StepResult *res)
{
  TwinfeDisplay  display;
  char           prefix[PETSC_MAX_PATH_LEN], file[TWINFE_NAME_LEN + 32];
  const char    *kinds[] = {"baseline", "step", "change"};
  PetscErrorCode ierr;
  PetscBool      draw = PETSC_TRUE;
  PetscFunctionBegin;
  res->picture_field[0] = 0;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-pictures", &draw, NULL));
  if (!draw) {
    PetscCall(PetscStrncpy(res->no_pictures, "-pictures false", sizeof res->no_pictures));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeDisplayAcquire(&display));
  if (!display.name[0]) {
    PetscCall(PetscStrncpy(res->no_pictures, display.why, sizeof res->no_pictures));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinfeCaseStagingPath_Private(outer, step->name, prefix));
  ierr = TwinfeRenderPictures_VTK(comparison, results, step->name, prefix, res->picture_field);
  PetscCall(TwinfeDisplayRelease(&display));
  PetscCall(ierr);
  for (int k = 0; k < 3 && res->picture_field[0]; k++) {
    snprintf(file, sizeof file, "%s_%s.png", step->name, kinds[k]);
    PetscCall(TwinfeCaseAddOutput(outer, file));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CompareOnRoot(TwinfeCase outer, const TwinfeStep *step, int32_t label, StepResult *res)
{
  char base_dir[PETSC_MAX_PATH_LEN], step_dir[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN], mine[PETSC_MAX_PATH_LEN];
  char file[TWINFE_NAME_LEN + 32], out[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(TwinfeCaseStagingPath_Private(outer, "baseline", base_dir));
  PetscCall(TwinfeCaseStagingPath_Private(outer, step->name, step_dir));
  PetscCall(FinalResults(base_dir, base));
  PetscCall(FinalResults(step_dir, mine));
  snprintf(file, sizeof file, "%s_comparison.vtu", step->name);
  PetscCall(TwinfeCaseStagingPath_Private(outer, file, out));
  PetscCall(TwinfeCompareResults_VTK(base, mine, out, label, &res->cmp));
  PetscCall(TwinfeCaseAddOutput(outer, file));
  PetscCall(ToolForce(step_dir, &res->tool_force_N));
  PetscCall(SegmentGradientOnRoot(base, mine, step, res));
  PetscCall(PicturesOnRoot(outer, step, out, mine, res));
  PetscCall(FlowMetricsOnRoot(outer, step, res));
  PetscFunctionReturn(0);
}

static PetscErrorCode RecordStep(TwinfeCase outer, const TwinfeStep *step, const StepResult *res)
{
  char key[256];
  PetscFunctionBegin;
#define STEP_KEY(member) (snprintf(key, sizeof key, "rehearse.steps.%s.%s", step->name, member), key)
  PetscCall(TwinfeReportSetString(outer->report, STEP_KEY("edit"), TwinfeEditName(step->edit)));
  PetscCall(TwinfeReportSetString(outer->report, STEP_KEY("set"), step->set));
  PetscCall(TwinfeReportSetBool(outer->report, STEP_KEY("reused_baseline_mesh"), res->reused_mesh));
  PetscCall(TwinfeReportSetBool(outer->report, STEP_KEY("reused_preconditioner"), res->reused_solver));
  PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("seconds"), res->seconds));
  PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("max_displacement_mm"), res->cmp.max_displacement_mm));
  PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("max_displacement_change_mm"), res->cmp.max_displacement_change_mm));
  PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("mesh_volume_mm3"), res->cmp.step_volume_mm3));
  PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("removed_mesh_volume_mm3"),
                                res->cmp.baseline_volume_mm3 - res->cmp.step_volume_mm3));
  PetscCall(TwinfeReportSetInt(outer->report, STEP_KEY("baseline_points_removed"), res->cmp.points_outside));
  if (step->edit != TWINFE_EDIT_NONE) {
    PetscCall(TwinfeReportSetInt(outer->report, STEP_KEY("removed_voxels"), res->removed_voxels));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("removed_voxel_volume_mm3"), res->removed_voxels_mm3));
  }
  if (step->edit == TWINFE_EDIT_RESECT) {
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("margin_asked_mm"), step->margin_mm));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("margin_mm"), res->cmp.margin_mm));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("cut_surface_shift_mm"), res->cmp.cut_surface_shift_mm));
    PetscCall(TwinfeReportSetInt(outer->report, STEP_KEY("cut_surface_points"), res->cmp.cut_surface_points));
  }
  if (res->tool_force_N >= 0) PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("tool_force_N"), res->tool_force_N));
  if (step->edit == TWINFE_EDIT_STENOSIS || step->edit == TWINFE_EDIT_STENT) {
    PetscCall(TwinfeReportSetRealArray(outer->report, STEP_KEY("segment.center_lps_mm"), 3, res->section.centre));
    PetscCall(TwinfeReportSetRealArray(outer->report, STEP_KEY("segment.axis"), 3, res->section.axis));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("segment.radius_before_mm"), res->section.radius_mm));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("segment.length_mm"), step->length_mm));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("segment.pressure_gradient_Pa_per_mm"), res->gradient_step));
    PetscCall(
        TwinfeReportSetReal(outer->report, STEP_KEY("segment.baseline_pressure_gradient_Pa_per_mm"), res->gradient_baseline));
  }
  if (res->baseline_pressure_drop_Pa != 0 || res->pressure_drop_Pa != 0) {
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("pressure_drop_Pa"), res->pressure_drop_Pa));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("baseline_pressure_drop_Pa"), res->baseline_pressure_drop_Pa));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("max_wss_change_Pa"), res->cmp.max_wss_change_Pa));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("mean_wss_change_Pa"), res->cmp.mean_wss_change_Pa));
  }
  if (res->cmp.max_tawss_change_Pa > 0 || res->cmp.max_osi_change > 0) { /* pulsatile flow */
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("max_tawss_change_Pa"), res->cmp.max_tawss_change_Pa));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("mean_tawss_change_Pa"), res->cmp.mean_tawss_change_Pa));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("max_osi_change"), res->cmp.max_osi_change));
    PetscCall(TwinfeReportSetReal(outer->report, STEP_KEY("mean_osi_change"), res->cmp.mean_osi_change));
  }
#undef STEP_KEY
  PetscFunctionReturn(0);
}

/* rehearse.pvd (the comparisons, one "time" per step: 1, 2, ...) and rehearse.csv (the headline
   numbers). */
static PetscErrorCode WriteSummaryFilesOnRoot(TwinfeCase outer, const TwinfeScenario *s, const StepResult res[])
{
  char      path[PETSC_MAX_PATH_LEN], files[TWINFE_MAX_STEPS][TWINFE_NAME_LEN + 16];
  char     *list[TWINFE_MAX_STEPS];
  PetscReal times[TWINFE_MAX_STEPS];
  FILE     *f;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->nsteps; k++) {
    snprintf(files[k], sizeof files[k], "%s_comparison.vtu", s->steps[k].name);
    list[k] = files[k], times[k] = (PetscReal)(k + 1);
  }
  PetscCall(TwinfeCaseStagingPath_Private(outer, "rehearse.pvd", path));
  PetscCall(TwinfeWritePVD(path, s->nsteps, (const char *const *)list, times));
  PetscCall(TwinfeCaseAddOutput(outer, "rehearse.pvd"));
  PetscCall(TwinfeCaseStagingPath_Private(outer, "rehearse.csv", path));
  PetscCheck(f = fopen(path, "w"), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write %s", path);
  fprintf(f, "step,edit,reused_baseline_mesh,reused_preconditioner,seconds,removed_volume_mm3,margin_mm,max_displacement_mm,max_"
             "displacement_change_mm,"
             "tool_force_N,pressure_drop_Pa,baseline_pressure_drop_Pa,mean_wss_change_Pa\n");
  for (PetscInt k = 0; k < s->nsteps; k++) {
    const TwinfeStep *st = &s->steps[k];
    const StepResult *r  = &res[k];
    fprintf(f, "%s,%s,%d,%d,%.3f,%.6g,%.6g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g\n", st->name, TwinfeEditName(st->edit),
            (int)r->reused_mesh, (int)r->reused_solver, (double)r->seconds,
            (double)(r->cmp.baseline_volume_mm3 - r->cmp.step_volume_mm3), (double)r->cmp.margin_mm,
            (double)r->cmp.max_displacement_mm, (double)r->cmp.max_displacement_change_mm, (double)r->tool_force_N,
            (double)r->pressure_drop_Pa, (double)r->baseline_pressure_drop_Pa, (double)r->cmp.mean_wss_change_Pa);
  }
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", path);
  PetscCall(TwinfeCaseAddOutput(outer, "rehearse.csv"));
  PetscFunctionReturn(0);
}

/* A value or a dash when it does not apply (negative: no tool, no margin). */
static void Cell(FILE *f, PetscReal value, const char format[], PetscBool applies)
{
  fputs("<td>", f);
  if (applies)
    fprintf(f, format, (double)value);
  else
    fputs("&ndash;", f);
  fputs("</td>", f);
}

static void StepSentence(FILE *f, const TwinfeStep *st, const StepResult *r)
{
  const PetscReal removed = r->cmp.baseline_volume_mm3 - r->cmp.step_volume_mm3;
  switch (st->edit) {
  case TWINFE_EDIT_RESECT:
    fprintf(f, "Resection of %s with a %.1f mm margin: %.0f mm&sup3; of tissue removed", st->region, (double)st->margin_mm,
            (double)removed);
    if (r->cmp.cut_surface_shift_mm >= 0)
      fprintf(f, "; under the loads the cut surface moves up to %.2f mm", (double)r->cmp.cut_surface_shift_mm);
    if (r->cmp.margin_mm >= 0)
      fprintf(f, "; the margin achieved, from the tumour's surface to the cut, is %.1f mm", (double)r->cmp.margin_mm);
    else
      fputs("; the void is enclosed by tissue and was filled: no margin is measured", f);
    break;
  case TWINFE_EDIT_STENOSIS:
    fprintf(f, "Stenosis of %.0f%% of the diameter over %.0f mm", (double)st->percent, (double)st->length_mm);
    break;
  case TWINFE_EDIT_STENT:
    fprintf(f, "Stent of %.1f mm over %.0f mm", (double)st->diameter_mm, (double)st->length_mm);
    break;
  case TWINFE_EDIT_CLIP:
    fprintf(f, "Clip: %.0f mm&sup3; of vessel occluded", (double)removed);
    break;
  case TWINFE_EDIT_BALL:
  case TWINFE_EDIT_PLANE:
    fprintf(f, "%.0f mm&sup3; of tissue removed", (double)removed);
    break;
  default:
    fputs(st->set[0] ? "Loads or settings changed" : "Nothing changed (a check: it reproduces the baseline)", f);
  }
  if (r->tool_force_N >= 0) fprintf(f, "; the retractor holds the tissue with %.3f N", (double)r->tool_force_N);
  if (r->baseline_pressure_drop_Pa > 0)
    fprintf(f, "; the largest pressure drop from the inlet goes from %.2f to %.2f Pa", (double)r->baseline_pressure_drop_Pa,
            (double)r->pressure_drop_Pa);
  fprintf(f, "; the tissue moves up to %.2f mm, %.2f mm more or less than in the baseline.", (double)r->cmp.max_displacement_mm,
          (double)r->cmp.max_displacement_change_mm);
}

/* report.html: one page a surgeon reads without ParaView: the headline numbers per step, a
   sentence each, and the pictures when they were drawn. */
static PetscErrorCode WriteReportHtmlOnRoot(TwinfeCase outer, const TwinfeScenario *s, const StepResult res[])
{
  char  path[PETSC_MAX_PATH_LEN];
  FILE *f;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseStagingPath_Private(outer, "report.html", path));
  PetscCheck(f = fopen(path, "w"), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write %s", path);
  fputs(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Rehearsal</title>\n<style>body{font-family:sans-serif;"
      "max-width:1150px;margin:1em auto;color:#222} table{border-collapse:collapse} th,td{border:1px solid #aaa;padding:3px 8px}"
      " td{text-align:right} td:first-child,td:nth-child(2){text-align:left} img{width:32%;border:1px solid #ddd}</style>"
      "</head><body>\n<h1>Rehearsal</h1>\n<p>Baseline: ",
      f);
  TwinfeHtmlWriteText(f, s->baseline);
  fputs("<br>Scenario: ", f);
  TwinfeHtmlWriteText(f, s->path);
  fprintf(f,
          "<br>%d step%s, each compared with the baseline on the baseline's mesh. The fields are in rehearse.pvd "
          "(ParaView); the numbers in rehearse.csv and report.json.</p>\n<table>\n<tr><th>Step</th><th>Edit</th>"
          "<th>Removed volume, mm&sup3;</th><th>Margin, mm</th><th>Largest displacement, mm</th><th>Largest change, mm</th>"
          "<th>Retractor force, N</th><th>Pressure drop, Pa (baseline)</th><th>Mean WSS change, Pa</th></tr>\n",
          (int)s->nsteps, s->nsteps == 1 ? "" : "s");
  for (PetscInt k = 0; k < s->nsteps; k++) {
    const StepResult *r = &res[k];
    fprintf(f, "<tr><td>%s</td><td>%s</td>", s->steps[k].name, TwinfeEditName(s->steps[k].edit));
    Cell(f, r->cmp.baseline_volume_mm3 - r->cmp.step_volume_mm3, "%.0f", PETSC_TRUE);
    Cell(f, r->cmp.margin_mm, "%.2f", r->cmp.margin_mm >= 0);
    Cell(f, r->cmp.max_displacement_mm, "%.3f", PETSC_TRUE);
    Cell(f, r->cmp.max_displacement_change_mm, "%.3f", PETSC_TRUE);
    Cell(f, r->tool_force_N, "%.4f", r->tool_force_N >= 0);
    fputs("<td>", f);
    if (r->baseline_pressure_drop_Pa > 0)
      fprintf(f, "%.2f (%.2f)", (double)r->pressure_drop_Pa, (double)r->baseline_pressure_drop_Pa);
    else
      fputs("&ndash;", f);
    fputs("</td>", f);
    Cell(f, r->cmp.mean_wss_change_Pa, "%.4f", r->baseline_pressure_drop_Pa > 0);
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
  for (PetscInt k = 0; k < s->nsteps; k++) {
    const char *name = s->steps[k].name;
    fprintf(f, "<h2>%s</h2>\n<p>", name);
    StepSentence(f, &s->steps[k], &res[k]);
    fputs("</p>\n", f);
    if (res[k].picture_field[0])
      fprintf(f,
              "<p>%s: the baseline, the step, and the change.</p>\n<p><img src=\"%s_baseline.png\" alt=\"baseline\"> "
              "<img src=\"%s_step.png\" alt=\"%s\"> <img src=\"%s_change.png\" alt=\"change\"></p>\n",
              res[k].picture_field, name, name, name, name);
    else {
      fputs("<p>No pictures: ", f);
      TwinfeHtmlWriteText(f, res[k].no_pictures[0] ? res[k].no_pictures : "the results hold no field to draw");
      fputs(".</p>\n", f);
    }
  }
  fputs("</body></html>\n", f);
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", path);
  PetscCall(TwinfeCaseAddOutput(outer, "report.html"));
  PetscFunctionReturn(0);
}

/* Whether a step's retractor holds any vertex of the baseline mesh's facets with its tags (the
   regions' outer surfaces by default): a tool placed beside the tissue is refused before the
   baseline is solved, with the step named. Rank 0. */
static PetscErrorCode CheckToolOnMesh(const TwinfeScenario *s, const TwinfeStep *step, const Baseline *b, TwinfeMesh mesh)
{
  TwinfeTool       tool;
  PetscBool        given;
  PetscInt         ntags = TWINFE_CASE_MAX_REGIONS, tags[TWINFE_CASE_MAX_REGIONS], nv, nf, held = 0;
  const PetscReal *xyz;
  const PetscInt  *facets;
  const int32_t   *ftags;
  PetscFunctionBegin;
  PetscCall(TwinfeToolReadOptions(PETSC_COMM_SELF, &given, &tool, &ntags, tags));
  if (!given) PetscFunctionReturn(0);
  if (!ntags)
    for (PetscInt i = 0; i < b->nlabels; i++)
      tags[ntags++] = b->labels[i];
  PetscCall(TwinfeMeshGetVertices(mesh, &nv, &xyz));
  PetscCall(TwinfeMeshGetFacets(mesh, &nf, &facets, &ftags));
  for (PetscInt f = 0; f < nf && !held; f++) {
    PetscBool tagged = ntags ? PETSC_FALSE : PETSC_TRUE; /* no labels listed: any facet */
    for (PetscInt t = 0; t < ntags; t++)
      tagged = tagged || ftags[f] == tags[t];
    for (int k = 0; k < 3 && tagged && !held; k++)
      held = TwinfeToolContains(&tool, xyz + 3 * facets[3 * f + k]);
  }
  PetscCheck(held, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: the retractor of step %s (%s at %g, %g, %g mm) holds no vertex of the tissue's surface on the "
             "baseline's mesh: place it on the surface (docs/mechanics.md, Retractor)",
             s->path, step->line, step->name, TwinfeToolShapes[tool.shape], (double)tool.center[0], (double)tool.center[1],
             (double)tool.center[2]);
  PetscFunctionReturn(0);
}

typedef struct {
  const Runner         *r;
  const TwinfeScenario *s;
  const Baseline       *b;
} ToolCheck;

/* Between the baseline's meshing and its solve: every step's retractor against that mesh, each
   in an options database of its own (the baseline's case file, the command line, the step's). */
static PetscErrorCode CheckToolsOnRoot(TwinfeCase baseline, const ToolCheck *t)
{
  char       path[PETSC_MAX_PATH_LEN];
  TwinfeMesh mesh;
  PetscFunctionBegin;
  PetscCall(TwinfeCaseStagingPath_Private(baseline, "mesh.msh", path));
  PetscCall(TwinfeMeshReadGmsh(path, &mesh));
  for (PetscInt k = 0; k < t->s->nsteps; k++) {
    const TwinfeStep *step = &t->s->steps[k];
    PetscOptions      db;
    PetscErrorCode    ierr;
    if (!strstr(step->set, "-retractor_shape") && !t->b->tool) continue;
    PetscCall(PetscOptionsCreate(&db));
    PetscCall(PetscOptionsPush(db));
    ierr = PetscOptionsInsertFileYAML(PETSC_COMM_SELF, NULL, t->s->baseline, PETSC_TRUE);
    if (!ierr && t->r->argc > 1) ierr = PetscOptionsInsertArgs(NULL, t->r->argc - 1, t->r->argv + 1);
    if (!ierr) ierr = PetscOptionsInsertString(NULL, step->set);
    if (!ierr) ierr = CheckToolOnMesh(t->s, step, t->b, mesh);
    PetscCall(PetscOptionsPop());
    PetscCall(PetscOptionsDestroy(&db));
    if (ierr) PetscCall(TwinfeMeshDestroy(&mesh));
    PetscCall(ierr);
  }
  PetscCall(TwinfeMeshDestroy(&mesh));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckTools(TwinfeCase baseline, void *ctx)
{
  const ToolCheck *t = (const ToolCheck *)ctx;
  PetscFunctionBegin;
  PetscCall(TwinfeRunOnRoot(t->r->comm, t->r->rank == 0 ? CheckToolsOnRoot(baseline, t) : 0));
  PetscFunctionReturn(0);
}

/* Before any solve: each step's options (a dry set-up) and its edit of the label map. */
static PetscErrorCode CheckSteps(const Runner *r, TwinfeCase outer, const TwinfeScenario *s, const Baseline *b, StepResult res[],
                                 int32_t labels[])
{
  char folder[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->nsteps; k++) {
    const TwinfeStep *step = &s->steps[k];
    char              name[TWINFE_NAME_LEN + 8];
    snprintf(name, sizeof name, ".check-%s", step->name);
    PetscCall(TwinfeCaseStagingPath_Private(outer, name, folder));
    PetscCall(RunCase(r, folder, s->baseline, step->set, NULL, NULL, PETSC_TRUE, NULL, NULL));
    labels[k] = -1;
    if (step->edit != TWINFE_EDIT_NONE) {
      PetscCall(TwinfeRunOnRoot(r->comm, outer->rank == 0 ? EditOnRoot(outer, s, step, b, &res[k], &labels[k]) : 0));
      PetscCallMPI(MPI_Bcast(&labels[k], 1, MPI_INT32_T, 0, r->comm));
      PetscCallMPI(MPI_Bcast(res[k].regions, sizeof res[k].regions, MPI_CHAR, 0, r->comm));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode RunStep(const Runner *r, TwinfeCase outer, const TwinfeScenario *s, const TwinfeStep *step, int32_t label,
                              const Baseline *b, StepResult *res)
{
  char           folder[PETSC_MAX_PATH_LEN], image[PETSC_MAX_PATH_LEN], mesh[PETSC_MAX_PATH_LEN], file[TWINFE_NAME_LEN + 32];
  PetscLogDouble t0, t1;
  PetscInt       found[2];
  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(TwinfeSolverStoreGetCounts(r->store, NULL, &found[0]));
  PetscCall(TwinfeCaseStagingPath_Private(outer, step->name, folder));
  snprintf(file, sizeof file, "%s_labels.nii.gz", step->name);
  PetscCall(TwinfeCaseStagingPath_Private(outer, file, image));
  PetscCall(TwinfeCaseStagingPath_Private(outer, "baseline/mesh.msh", mesh));
  /* A refined baseline (-mesh_refine) was snapped to the segmented surface on every rank; its
     mesh.msh is the coarse mesh before that, and a step refining it again could not snap it (a
     mesh file holds no segmented surface), so such a step meshes the label map anew. */
  res->reused_mesh = step->edit == TWINFE_EDIT_NONE && !b->refine ? PETSC_TRUE : PETSC_FALSE;
  /* an edited label map makes another mesh, whose stiffness no kept solver can match: the kept
     one goes before the meshing and the set-up, where the step's memory peaks */
  if (step->edit != TWINFE_EDIT_NONE) PetscCall(TwinfeSolverStoreRelease(r->store));
  if (step->edit == TWINFE_EDIT_NONE && b->refine) PetscCall(PetscStrncpy(image, b->image, sizeof image));
  PetscCall(PetscPrintf(r->comm, "rehearse  step %s: %s\n", step->name,
                        res->reused_mesh ? "the baseline's mesh, the step's options"
                        : step->edit != TWINFE_EDIT_NONE
                            ? "the edited label map, meshed anew"
                            : "the label map meshed anew (the baseline refines its mesh: -mesh_refine)"));
  {
    char set[sizeof step->set + sizeof res->regions + 2];
    snprintf(set, sizeof set, "%s %s", res->regions, step->set); /* the step's own options last: they win */
    PetscCall(RunCase(r, folder, s->baseline, set, res->reused_mesh ? NULL : image, res->reused_mesh ? mesh : NULL, PETSC_FALSE,
                      NULL, NULL));
  }
  PetscCall(PetscTime(&t1));
  res->seconds = t1 - t0;
  PetscCall(TwinfeSolverStoreGetCounts(r->store, NULL, &found[1]));
  res->reused_solver = found[1] > found[0] ? PETSC_TRUE : PETSC_FALSE;
  if (outer->rank == 0) {
    PetscCall(TwinfeCaseAddOutputFolder(outer, step->name));
    PetscCall(CompareOnRoot(outer, step, label, res));
  }
  PetscCallMPI(MPI_Bcast(res, sizeof *res, MPI_BYTE, 0, r->comm));
  if (res->baseline_pressure_drop_Pa != 0 || res->pressure_drop_Pa != 0)
    PetscCall(PetscPrintf(r->comm,
                          "rehearse  step %s: pressure drop %.4g Pa (baseline %.4g), wall shear stress change up to %.4g Pa "
                          "(mean %.4g)%s; %.0f mm^3 of mesh removed\n",
                          step->name, (double)res->pressure_drop_Pa, (double)res->baseline_pressure_drop_Pa,
                          (double)res->cmp.max_wss_change_Pa, (double)res->cmp.mean_wss_change_Pa,
                          res->cmp.max_tawss_change_Pa > 0 ? ", of its time average too (tawss_change, osi_change)" : "",
                          (double)(res->cmp.baseline_volume_mm3 - res->cmp.step_volume_mm3)));
  else
    PetscCall(
        PetscPrintf(r->comm,
                    "rehearse  step %s: max displacement %.4g mm, change from the baseline up to %.4g mm; %.0f mm^3 of mesh "
                    "removed\n",
                    step->name, (double)res->cmp.max_displacement_mm, (double)res->cmp.max_displacement_change_mm,
                    (double)(res->cmp.baseline_volume_mm3 - res->cmp.step_volume_mm3)));
  if (step->edit != TWINFE_EDIT_NONE && res->cmp.baseline_volume_mm3 - res->cmp.step_volume_mm3 < 0.5 * res->removed_voxels_mm3) {
    res->cmp.margin_mm = -1; /* measured to the filled cavity's tissue, it would be no margin */
    PetscCall(PetscPrintf(r->comm,
                          "          warning: %.0f mm^3 of labelled voxels were removed but the mesh lost only %.0f mm^3: the "
                          "void the edit left is enclosed by tissue, and the image stage fills enclosed cavities (open it to "
                          "the outside, e.g. resect from the surface or add a cut_plane step)\n",
                          (double)res->removed_voxels_mm3, (double)(res->cmp.baseline_volume_mm3 - res->cmp.step_volume_mm3)));
  }
  if (step->edit == TWINFE_EDIT_RESECT && res->cmp.margin_mm >= 0)
    PetscCall(
        PetscPrintf(r->comm,
                    "          resection of %s: margin asked %.2f mm, achieved %.2f mm (tumour surface to cut); the cut surface "
                    "moves up to %.3f mm\n",
                    step->region, (double)step->margin_mm, (double)res->cmp.margin_mm, (double)res->cmp.cut_surface_shift_mm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeRehearse(MPI_Comm comm, const char scenario[], const char output_dir[], int argc, char **argv)
{
  TwinfeScenario *s;
  TwinfeCase      outer = NULL;
  Baseline        b     = {0};
  StepResult     *res;
  int32_t        *labels;
  Runner          r = {comm, 0, argc, argv, NULL};
  char            folder[PETSC_MAX_PATH_LEN];
  PetscErrorCode  ierr;
  PetscLogDouble  t0, t1;
  PetscBool       reuse = PETSC_TRUE;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &r.rank));
  /* a step whose stiffness is the baseline's (loads only) solves with the baseline's solver;
     false: every step sets up its own (to measure what reuse saves, or to vary preconditioner
     options other than the Krylov tolerances per step) */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-rehearse_reuse_preconditioner", &reuse, NULL));
  PetscCall(PetscNew(&s));
  ierr = TwinfeScenarioRead(scenario, s);
  if (ierr) PetscCall(PetscFree(s));
  PetscCall(ierr);
  PetscCall(PetscCalloc2(s->nsteps, &res, s->nsteps, &labels));
  if (reuse) PetscCall(TwinfeSolverStoreCreate(comm, &r.store));
  PetscCall(TwinfeCaseCreate(comm, output_dir, &outer));
  ierr = ReadBaseline(&r, s, outer, &b);
  if (!ierr) ierr = CheckSteps(&r, outer, s, &b, res, labels);
  if (!ierr) ierr = PetscTime(&t0);
  if (!ierr) ierr = TwinfeCaseStagingPath_Private(outer, "baseline", folder);
  if (!ierr) ierr = PetscPrintf(comm, "rehearse  baseline: %s\n", s->baseline);
  if (!ierr) {
    ToolCheck tools = {&r, s, &b};
    ierr            = RunCase(&r, folder, s->baseline, "", NULL, NULL, PETSC_FALSE, CheckTools, &tools);
  }
  if (!ierr && outer->rank == 0) ierr = TwinfeCaseAddOutputFolder(outer, "baseline");
  if (!ierr) ierr = PetscTime(&t1);
  if (!ierr && outer->rank == 0) ierr = TwinfeReportSetString(outer->report, "rehearse.baseline", s->baseline);
  if (!ierr && outer->rank == 0) ierr = TwinfeReportSetReal(outer->report, "rehearse.baseline_seconds", t1 - t0);
  for (PetscInt k = 0; k < s->nsteps && !ierr; k++) {
    ierr = RunStep(&r, outer, s, &s->steps[k], labels[k], &b, &res[k]);
    if (!ierr && outer->rank == 0) ierr = RecordStep(outer, &s->steps[k], &res[k]);
  }
  if (!ierr && outer->rank == 0) ierr = WriteSummaryFilesOnRoot(outer, s, res);
  if (!ierr && outer->rank == 0) ierr = WriteReportHtmlOnRoot(outer, s, res);
  if (!ierr) ierr = TwinfeCaseFinish(outer);
  if (!ierr)
    ierr = PetscPrintf(comm, "outputs   %s/ (rehearse.pvd, rehearse.csv, report.json, baseline/ and a folder per step)\n",
                       output_dir);
  PetscCall(TwinfeCaseDestroy(&outer));
  PetscCall(TwinfeSolverStoreDestroy(&r.store));
  PetscCall(FreeBaseline(&b));
  PetscCall(PetscFree2(res, labels));
  PetscCall(PetscFree(s));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
