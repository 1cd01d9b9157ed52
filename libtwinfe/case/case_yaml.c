/* A case file read with libyaml before PETSc inserts it: PETSc's own reader says only "YAML
 * parser loading error" and takes the last of two equal keys silently. Here a syntax error
 * names the file, line and column and what the parser expected; a key given twice is refused;
 * and every option the file sets is mapped to its line for the unknown-key message.
 * The options follow PETSc 3.18's mapping: nested keys are joined with '_'
 * (organ: {E: 5000} is -organ_E), a sequence of scalars is one comma-separated value, '<<'
 * merges a mapping in place and keys starting with '$$' are ignored.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup, strcasecmp */
#include "case_options.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct {
  const char    *path;
  TwinfeYamlKey *keys;
  PetscInt       nkeys, maxkeys;
  PetscInt       depth; /* mappings open around the current one */
} Scan;

/* Deeper than any case file needs; it also ends a merge key (<<: *a) that refers to a mapping
   holding it, which libyaml accepts and which would otherwise recurse without end (found by
   fuzz_case_yaml: a stack overflow). */
#define TWINFE_YAML_MAX_DEPTH 32

static const char *Scalar(yaml_node_t *node)
{
  return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static PetscErrorCode AddKey(Scan *s, const char option[], const char display[], int line)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < s->nkeys; ++i)
    PetscCheck(strcasecmp(s->keys[i].option, option), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "Case file %s line %d: '%s' sets %s again (line %d set it already): keep one", s->path, line, display, option,
               s->keys[i].line);
  if (s->nkeys == s->maxkeys) {
    TwinfeYamlKey *grown;
    s->maxkeys = s->maxkeys ? 2 * s->maxkeys : 64;
    PetscCall(PetscMalloc1(s->maxkeys, &grown));
    if (s->nkeys) PetscCall(PetscArraycpy(grown, s->keys, s->nkeys));
    PetscCall(PetscFree(s->keys));
    s->keys = grown;
  }
  PetscCall(PetscStrncpy(s->keys[s->nkeys].option, option, sizeof s->keys[0].option));
  PetscCall(PetscStrncpy(s->keys[s->nkeys].display, display, sizeof s->keys[0].display));
  s->keys[s->nkeys].line = line;
  s->nkeys++;
  PetscFunctionReturn(0);
}

static PetscErrorCode ScanMapping(Scan *s, yaml_document_t *doc, yaml_node_t *node, const char prefix[], const char display[]);

/* a b c d into out[256]; false when it does not fit */
static PetscBool Joined(char out[256], const char a[], const char b[], const char c[], const char d[])
{
  const int n = snprintf(out, 256, "%s%s%s%s", a, b, c, d);
  return n >= 0 && n < 256 ? PETSC_TRUE : PETSC_FALSE;
}

/* One key: value pair under prefix ("organ_") and its display path ("organ: "). */
static PetscErrorCode ScanPair(Scan *s, yaml_document_t *doc, yaml_node_pair_t *pair, const char prefix[], const char display[])
{
  yaml_node_t *keynode = yaml_document_get_node(doc, pair->key), *value = yaml_document_get_node(doc, pair->value);
  const char  *key  = Scalar(keynode);
  const int    line = (int)keynode->start_mark.line + 1;
  char         option[256], shown[256];
  PetscFunctionBegin;
  PetscCheck(key && key[0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Case file %s line %d: a key must be a plain word (as image: or organ: {E: 5000})", s->path, line);
  if (!strncmp(key, "$$", 2)) PetscFunctionReturn(0);
  if (!strcmp(key, "<<") && value->type == YAML_MAPPING_NODE) {
    PetscCall(ScanMapping(s, doc, value, prefix, display));
    PetscFunctionReturn(0);
  }
  PetscCheck(Joined(option, "-", prefix, key, "") && Joined(shown, "", display, key, ""), PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "Case file %s line %d: the key %s is nested too deep or too long", s->path, line, key);
  if (value->type == YAML_MAPPING_NODE) {
    char inner[256], inner_shown[256];
    PetscCheck(Joined(inner, "", prefix, key, "_") && Joined(inner_shown, "", display, key, ": "), PETSC_COMM_SELF,
               PETSC_ERR_ARG_SIZ, "Case file %s line %d: the key %s is nested too deep or too long", s->path, line, key);
    PetscCall(ScanMapping(s, doc, value, inner, inner_shown));
  } else {
    if (value->type == YAML_SEQUENCE_NODE)
      for (yaml_node_item_t *item = value->data.sequence.items.start; item < value->data.sequence.items.top; ++item)
        PetscCheck(Scalar(yaml_document_get_node(doc, *item)), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                   "Case file %s line %d: the list under '%s' must hold plain values (as labels: [1, 2])", s->path, line, shown);
    PetscCall(AddKey(s, option, shown, line));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ScanMapping(Scan *s, yaml_document_t *doc, yaml_node_t *node, const char prefix[], const char display[])
{
  PetscFunctionBegin;
  PetscCheck(s->depth < TWINFE_YAML_MAX_DEPTH, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Case file %s line %d: keys nest deeper than %d levels, or a merge key (<<: *name) refers to a mapping that "
             "holds it: give each setting once, as in meshes/organ_phantom.yaml",
             s->path, (int)node->start_mark.line + 1, TWINFE_YAML_MAX_DEPTH);
  s->depth++;
  for (yaml_node_pair_t *pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; ++pair) {
    /* the same key twice in one mapping, before the option-level check, for the plainer message */
    const char *key = Scalar(yaml_document_get_node(doc, pair->key));
    for (yaml_node_pair_t *other = node->data.mapping.pairs.start; key && other < pair; ++other) {
      yaml_node_t *o = yaml_document_get_node(doc, other->key);
      PetscCheck(!Scalar(o) || strcmp(Scalar(o), key), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
                 "Case file %s line %d: the key '%s%s' appears twice (also on line %d): keep one", s->path,
                 (int)yaml_document_get_node(doc, pair->key)->start_mark.line + 1, display, key, (int)o->start_mark.line + 1);
    }
    PetscCall(ScanPair(s, doc, pair, prefix, display));
  }
  s->depth--;
  PetscFunctionReturn(0);
}

static PetscErrorCode SyntaxError(const char path[], const yaml_parser_t *parser)
{
  PetscFunctionBegin;
  if (parser->error == YAML_READER_ERROR)
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "Case file %s is not a YAML text file (byte %zu: %s; binary content, such as an image, or text not in UTF-8): "
            "give a YAML text file of key: value lines, like meshes/organ_phantom.yaml",
            path, parser->problem_offset, parser->problem ? parser->problem : "unknown problem");
  if (parser->context)
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Case file %s line %d column %d: YAML syntax error, %s %s (from line %d)",
            path, (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1,
            parser->problem ? parser->problem : "unexpected text", parser->context, (int)parser->context_mark.line + 1);
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "Case file %s line %d column %d: YAML syntax error, %s", path,
          (int)parser->problem_mark.line + 1, (int)parser->problem_mark.column + 1,
          parser->problem ? parser->problem : "unexpected text");
}

static PetscErrorCode ScanDocument(Scan *s, yaml_document_t *doc)
{
  yaml_node_t *root = yaml_document_get_root_node(doc);
  PetscFunctionBegin;
  if (!root) PetscFunctionReturn(0); /* an empty file sets nothing */
  PetscCheck(root->type == YAML_MAPPING_NODE, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "Case file %s line %d: the file must be a list of key: value lines (image: organ.nii.gz, labels: 1,2, ...)", s->path,
             (int)root->start_mark.line + 1);
  PetscCall(ScanMapping(s, doc, root, "", ""));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseYamlScan(const char path[], TwinfeYamlKey **keys, PetscInt *nkeys)
{
  FILE           *file = fopen(path, "rb");
  yaml_parser_t   parser;
  yaml_document_t doc;
  Scan            s = {path, NULL, 0, 0, 0};
  PetscErrorCode  ierr;
  PetscFunctionBegin;
  PetscCheck(file, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot read the case file %s: check the path", path);
  if (!yaml_parser_initialize(&parser)) {
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "Out of memory starting the YAML reader for %s", path);
  }
  yaml_parser_set_input_file(&parser, file);
  if (!yaml_parser_load(&parser, &doc)) {
    ierr = SyntaxError(path, &parser);
    yaml_parser_delete(&parser);
    fclose(file);
    PetscCall(ierr);
  }
  ierr = ScanDocument(&s, &doc);
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  fclose(file);
  if (ierr) PetscCall(PetscFree(s.keys));
  PetscCall(ierr);
  *keys  = s.keys;
  *nkeys = s.nkeys;
  PetscFunctionReturn(0);
}
