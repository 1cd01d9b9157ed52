/* A rehearsal's scenario file (docs/rehearse.md), read with libyaml:
 *
 *   baseline: liver.yaml            # a case file, relative to this file
 *   steps:
 *     - name: unchanged              # no edit: reproduces the baseline
 *     - name: resect_tumor
 *       resect: tumor                # a region, and every labelled voxel within margin_mm of it
 *       margin_mm: 10
 *     - name: lift_10
 *       set: -retractor_motion 0,-10,0   # case options (the baseline's mesh is reused)
 *     - name: erase
 *       erase_ball: 10,20,30,5       # centre (LPS mm) and radius
 *     - name: cut
 *       cut_plane: 0,0,40,0,0,1      # point and normal (towards what goes); margin_mm behind it
 *     - name: stenosis50
 *       stenosis: 0,0,30             # a point in the vessel
 *       percent: 50                  # of its diameter, uniformly
 *       length_mm: 15
 *     - name: stented
 *       from: stenosis50             # edit that step's label map, not the baseline's
 *       stent: 0,0,30
 *       diameter_mm: 6
 *       length_mm: 15
 *     - name: clipped
 *       clip: 0,10,40,0,1,0          # a point on the vessel and the normal towards what is occluded
 *
 * (stenosis, stent and clip take vessel: <region> when the case has more than one region.)
 * Every key is checked; numbers are given as "a,b,c" or a YAML list.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include "procedures_impl.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *Scalar(yaml_node_t *node)
{
  return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int Line(yaml_node_t *node)
{
  return (int)node->start_mark.line + 1;
}

/* n numbers from "a,b,c" or a list of scalars. */
static PetscErrorCode ReadReals(const TwinfeScenario *s, yaml_document_t *doc, yaml_node_t *node, const char key[], PetscInt n,
                                PetscReal out[])
{
  char     text[512] = "", *p, *end;
  PetscInt k         = 0;
  PetscFunctionBegin;
  if (node->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
      const char *v = Scalar(yaml_document_get_node(doc, *it));
      PetscCheck(v, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: %s takes numbers", s->path, Line(node), key);
      PetscCall(PetscStrlcat(text, k++ ? "," : "", sizeof text));
      PetscCall(PetscStrlcat(text, v, sizeof text));
    }
  } else if (Scalar(node))
    PetscCall(PetscStrncpy(text, Scalar(node), sizeof text));
  for (k = 0, p = text; k < n; k++) {
    out[k] = strtod(p, &end);
    PetscCheck(end != p, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: %s needs %" PetscInt_FMT " numbers, as a,b,c (mm), not '%s'", s->path, Line(node), key, n,
               text);
    p = end;
    while (*p == ' ')
      p++;
    if (k < n - 1) {
      PetscCheck(*p == ',', PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Scenario %s line %d: %s needs %" PetscInt_FMT " numbers separated by commas, not '%s'", s->path, Line(node),
                 key, n, text);
      p++;
    }
  }
  PetscCheck(*p == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: %s takes exactly %" PetscInt_FMT " numbers, not '%s'", s->path, Line(node), key, n, text);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadReal(const TwinfeScenario *s, yaml_node_t *node, const char key[], PetscReal *value)
{
  const char *v = Scalar(node);
  char       *end;
  PetscFunctionBegin;
  PetscCheck(v, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: %s takes a number", s->path, Line(node), key);
  *value = strtod(v, &end);
  PetscCheck(end != v && *end == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: %s takes a number, not '%s'",
             s->path, Line(node), key, v);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetEdit(const TwinfeScenario *s, TwinfeStep *step, yaml_node_t *node, TwinfeEditKind kind)
{
  PetscFunctionBegin;
  PetscCheck(step->edit == TWINFE_EDIT_NONE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: step %s has two edits of the label map; give one of resect, erase_ball, cut_plane per step",
             s->path, Line(node), step->name);
  step->edit = kind;
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadStepKey(const TwinfeScenario *s, yaml_document_t *doc, TwinfeStep *step, const char key[],
                                  yaml_node_t *value, PetscBool *margin_given)
{
  PetscFunctionBegin;
  if (!strcmp(key, "name")) {
    PetscCheck(Scalar(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: name takes a word", s->path,
               Line(value));
    PetscCall(PetscStrncpy(step->name, Scalar(value), sizeof step->name));
  } else if (!strcmp(key, "set")) {
    PetscCheck(Scalar(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: set takes case options as on the command line (-retractor_motion 0,-10,0)", s->path,
               Line(value));
    PetscCall(PetscStrncpy(step->set, Scalar(value), sizeof step->set));
  } else if (!strcmp(key, "resect")) {
    PetscCall(SetEdit(s, step, value, TWINFE_EDIT_RESECT));
    PetscCheck(Scalar(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: resect takes a region's name", s->path,
               Line(value));
    PetscCall(PetscStrncpy(step->region, Scalar(value), sizeof step->region));
  } else if (!strcmp(key, "margin_mm")) {
    PetscCall(ReadReal(s, value, key, &step->margin_mm));
    PetscCheck(step->margin_mm >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "Scenario %s line %d: margin_mm must be >= 0 mm",
               s->path, Line(value));
    *margin_given = PETSC_TRUE;
  } else if (!strcmp(key, "erase_ball")) {
    PetscCall(SetEdit(s, step, value, TWINFE_EDIT_BALL));
    PetscCall(ReadReals(s, doc, value, key, 4, step->ball));
    PetscCheck(step->ball[3] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Scenario %s line %d: erase_ball's radius (its 4th number) must be > 0 mm", s->path, Line(value));
  } else if (!strcmp(key, "cut_plane")) {
    PetscCall(SetEdit(s, step, value, TWINFE_EDIT_PLANE));
    PetscCall(ReadReals(s, doc, value, key, 6, step->plane));
  } else if (!strcmp(key, "stenosis") || !strcmp(key, "stent")) {
    PetscCall(SetEdit(s, step, value, !strcmp(key, "stent") ? TWINFE_EDIT_STENT : TWINFE_EDIT_STENOSIS));
    PetscCall(ReadReals(s, doc, value, key, 3, step->at));
  } else if (!strcmp(key, "paint_ball")) {
    PetscCall(SetEdit(s, step, value, TWINFE_EDIT_PAINT));
    PetscCall(ReadReals(s, doc, value, key, 4, step->ball));
    PetscCheck(step->ball[3] > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "Scenario %s line %d: paint_ball's radius (its 4th number) must be > 0 mm", s->path, Line(value));
  } else if (!strcmp(key, "paint")) {
    PetscCheck(Scalar(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: paint takes a region's name", s->path,
               Line(value));
    PetscCall(PetscStrncpy(step->paint, Scalar(value), sizeof step->paint));
  } else if (!strcmp(key, "clip")) {
    PetscCall(SetEdit(s, step, value, TWINFE_EDIT_CLIP));
    PetscCall(ReadReals(s, doc, value, key, 6, step->plane));
  } else if (!strcmp(key, "percent"))
    PetscCall(ReadReal(s, value, key, &step->percent));
  else if (!strcmp(key, "length_mm"))
    PetscCall(ReadReal(s, value, key, &step->length_mm));
  else if (!strcmp(key, "diameter_mm"))
    PetscCall(ReadReal(s, value, key, &step->diameter_mm));
  else if (!strcmp(key, "vessel") || !strcmp(key, "from")) {
    PetscCheck(Scalar(value), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: %s takes a name", s->path, Line(value),
               key);
    PetscCall(PetscStrncpy(!strcmp(key, "from") ? step->from : step->vessel, Scalar(value), sizeof step->vessel));
  } else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
            "Scenario %s line %d: a step has no key '%s'; a step's keys are name, set, from, resect, margin_mm, erase_ball, "
            "cut_plane, stenosis, stent, clip, vessel, percent, length_mm, diameter_mm, paint_ball, paint",
            s->path, Line(value), key);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckName(const TwinfeScenario *s, const TwinfeStep *step, PetscInt k)
{
  PetscFunctionBegin;
  PetscCheck(step->name[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: step %" PetscInt_FMT " has no name",
             s->path, step->line, k + 1);
  for (const char *c = step->name; *c; c++)
    PetscCheck((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-',
               PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: step name '%s' names a folder: use letters, digits, '_' and '-' only", s->path, step->line,
               step->name);
  PetscCheck(strcmp(step->name, "baseline"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: 'baseline' is the baseline's folder: give the step another name", s->path, step->line);
  for (PetscInt j = 0; j < k; j++)
    PetscCheck(strcmp(s->steps[j].name, step->name), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: two steps are named %s", s->path, step->line, step->name);
  PetscFunctionReturn(0);
}

/* The keys an edit needs, and none it does not take. */
static PetscErrorCode CheckVesselKeys(const TwinfeScenario *s, const TwinfeStep *step, PetscInt k)
{
  const PetscBool narrow = step->edit == TWINFE_EDIT_STENOSIS, stent = step->edit == TWINFE_EDIT_STENT;
  const PetscBool vessel = narrow || stent || step->edit == TWINFE_EDIT_CLIP;
  PetscFunctionBegin;
  PetscCheck(
      !narrow || (step->percent > 0 && step->percent < 100 && step->length_mm > 0), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
      "Scenario %s line %d: the stenosis of step %s needs percent (of the diameter, between 0 and 100) and length_mm (> 0)",
      s->path, step->line, step->name);
  PetscCheck(!stent || (step->diameter_mm > 0 && step->length_mm > 0), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: the stent of step %s needs diameter_mm and length_mm (> 0)", s->path, step->line, step->name);
  PetscCheck(narrow || step->percent == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: percent belongs to a stenosis, and step %s has none", s->path, step->line, step->name);
  PetscCheck(stent || step->diameter_mm == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: diameter_mm belongs to a stent, and step %s has none", s->path, step->line, step->name);
  PetscCheck(narrow || stent || step->length_mm == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: length_mm belongs to a stenosis or a stent, and step %s has neither", s->path, step->line,
             step->name);
  PetscCheck((step->edit == TWINFE_EDIT_PAINT) == (step->paint[0] != 0), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: step %s: paint_ball and paint (the region it paints) go together", s->path, step->line,
             step->name);
  PetscCheck(vessel || !step->vessel[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: vessel belongs to a stenosis, stent or clip, and step %s has none", s->path, step->line,
             step->name);
  if (step->from[0]) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt j = 0; j < k; j++)
      found = found || (!strcmp(s->steps[j].name, step->from) && s->steps[j].edit != TWINFE_EDIT_NONE);
    PetscCheck(found, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: step %s starts from '%s', which is no earlier step with an edit of the label map", s->path,
               step->line, step->name, step->from);
    PetscCheck(step->edit != TWINFE_EDIT_NONE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Scenario %s line %d: step %s starts from %s but makes no edit of its own: give it one (or use set: on %s)",
               s->path, step->line, step->name, step->from, step->from);
  }
  PetscFunctionReturn(0);
}

const char *TwinfeEditName(TwinfeEditKind kind)
{
  static const char *names[] = {"none", "resect", "erase_ball", "cut_plane", "stenosis", "stent", "clip", "paint_ball"};
  return names[kind];
}

static PetscErrorCode ReadStep(TwinfeScenario *s, yaml_document_t *doc, yaml_node_t *node, PetscInt k)
{
  TwinfeStep *step         = &s->steps[k];
  PetscBool   margin_given = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCheck(node->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s line %d: a step is a list item of keys (- name: ...)", s->path, Line(node));
  PetscCall(PetscMemzero(step, sizeof *step));
  step->line = Line(node);
  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
    const char *key = Scalar(yaml_document_get_node(doc, pair->key));
    PetscCheck(key, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s line %d: a key must be a word", s->path, Line(node));
    PetscCall(ReadStepKey(s, doc, step, key, yaml_document_get_node(doc, pair->value), &margin_given));
  }
  PetscCall(CheckName(s, step, k));
  PetscCall(CheckVesselKeys(s, step, k));
  PetscCheck(!margin_given || step->edit == TWINFE_EDIT_RESECT || step->edit == TWINFE_EDIT_PLANE, PETSC_COMM_SELF,
             PETSC_ERR_ARG_WRONG, "Scenario %s line %d: margin_mm belongs to resect or cut_plane, and step %s has neither",
             s->path, step->line, step->name);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadRoot(TwinfeScenario *s, yaml_document_t *doc)
{
  yaml_node_t *root = yaml_document_get_root_node(doc), *steps = NULL;
  char         copy[PETSC_MAX_PATH_LEN];
  const char  *baseline = NULL;
  PetscFunctionBegin;
  PetscCheck(root && root->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s: give 'baseline: CASE.yaml' and 'steps:' (docs/rehearse.md)", s->path);
  for (yaml_node_pair_t *pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
    yaml_node_t *key = yaml_document_get_node(doc, pair->key), *value = yaml_document_get_node(doc, pair->value);
    if (Scalar(key) && !strcmp(Scalar(key), "baseline"))
      baseline = Scalar(value);
    else if (Scalar(key) && !strcmp(Scalar(key), "steps"))
      steps = value;
    else
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
              "Scenario %s line %d: no key '%s' here; a scenario's keys are baseline and steps", s->path, Line(key),
              Scalar(key) ? Scalar(key) : "?");
  }
  PetscCheck(baseline && baseline[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Scenario %s: no baseline: give 'baseline: CASE.yaml', the case the steps edit", s->path);
  PetscCheck(steps && steps->type == YAML_SEQUENCE_NODE && steps->data.sequence.items.top > steps->data.sequence.items.start,
             PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "Scenario %s: no steps: give 'steps:' and a list of at least one step",
             s->path);
  PetscCall(PetscStrncpy(copy, s->path, sizeof copy));
  if (baseline[0] == '/')
    PetscCall(PetscStrncpy(s->baseline, baseline, sizeof s->baseline));
  else
    PetscCheck((size_t)snprintf(s->baseline, sizeof s->baseline, "%s/%s", dirname(copy), baseline) < sizeof s->baseline,
               PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Scenario %s: the baseline's path is too long", s->path);
  s->nsteps = 0;
  for (yaml_node_item_t *it = steps->data.sequence.items.start; it < steps->data.sequence.items.top; it++) {
    PetscCheck(s->nsteps < TWINFE_MAX_STEPS, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "Scenario %s: more than %d steps", s->path,
               TWINFE_MAX_STEPS);
    PetscCall(ReadStep(s, doc, yaml_document_get_node(doc, *it), s->nsteps));
    s->nsteps++;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeScenarioRead(const char path[], TwinfeScenario *s)
{
  FILE           *file = fopen(path, "rb");
  yaml_parser_t   parser;
  yaml_document_t doc;
  PetscErrorCode  ierr;
  PetscFunctionBegin;
  PetscCheck(file, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot read the scenario %s: check the path", path);
  PetscCall(PetscMemzero(s, sizeof *s));
  PetscCall(PetscStrncpy(s->path, path, sizeof s->path));
  if (!yaml_parser_initialize(&parser)) {
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory starting the YAML reader for %s", path);
  }
  yaml_parser_set_input_file(&parser, file);
  if (!yaml_parser_load(&parser, &doc)) {
    const int line = (int)parser.problem_mark.line + 1;
    yaml_parser_delete(&parser);
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Scenario %s line %d: not YAML (%s)", path, line,
            parser.problem ? parser.problem : "syntax error");
  }
  ierr = ReadRoot(s, &doc);
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  fclose(file);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
