/* NRRD label maps (.nrrd with the voxels attached, .nhdr with a `data file`) and 3D Slicer
 * segmentations (.seg.nrrd: Segment<N>_Name, _LabelValue, _Layer), docs/image_formats.md.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The header is text: "NRRD000N", then "field: value" lines and "key:=value" pairs, ended by
 * an empty line (or the end of a detached header). Every field is checked here before the
 * voxels are allocated; the voxels go through image_read.c (raw, or gzip through zlib). */
#define _XOPEN_SOURCE 700 /* strtok_r, strcasecmp */
#include "image_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NRRD_HEADER_MAX (1 << 20) /* a header longer than 1 MiB is not a label map's */
#define NRRD_MAX_SEGMENT 1024     /* Segment<N>_ indices looked at */

typedef struct {
  char    name[TWINFE_IMAGE_LABEL_NAME_LEN];
  int64_t value, layer;
  int     has_value, has_layer;
} NrrdSegment;

typedef struct {
  const char     *path;
  TwinfeVoxelType type;
  int             has_type, dimension, has_space, has_directions, has_origin, has_spacings, space_dim_only;
  int64_t         sizes[4];
  double          directions[4][3]; /* per axis, in the header's space */
  int             direction_none[4];
  double          origin[3], spacings[4];
  double          sign[3]; /* header space -> LPS */
  char            space[64];
  int             endian;   /* 0 unset, 1 little, 2 big */
  int             encoding; /* 0 unset, 1 raw, 2 gzip */
  char            data_file[PETSC_MAX_PATH_LEN];
  int64_t         byte_skip, line_skip;
  char            kinds[4][32];
  int             has_kinds;
  NrrdSegment    *segments; /* NRRD_MAX_SEGMENT */
  int             nsegments_named;
  int64_t         header_bytes;
} NrrdHeader;

PetscBool TwinfeNrrdProbe_Private(const unsigned char head[], size_t n)
{
  return (PetscBool)(n >= 7 && memcmp(head, "NRRD000", 7) == 0);
}

/* ---------- values ---------- */

static char *Trim(char *s)
{
  char *e;
  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
    *--e = '\0';
  return s;
}

static PetscErrorCode ParseInt(const char path[], const char field[], const char *s, char **end, int64_t *v)
{
  PetscFunctionBeginUser;
  errno = 0;
  *v    = strtoll(s, end, 10);
  PetscCheck(*end != s && errno == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field '%s' holds '%.40s', which is not a whole number", path, field, s);
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseReal(const char path[], const char field[], const char *s, char **end, double *v)
{
  PetscFunctionBeginUser;
  errno = 0;
  *v    = strtod(s, end);
  PetscCheck(*end != s && errno == 0 && isfinite(*v), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field '%s' holds '%.40s', which is not a finite number", path, field, s);
  PetscFunctionReturn(0);
}

/* "(x,y,z)" with n components; *end past the ')'. */
static PetscErrorCode ParseVector(const char path[], const char field[], const char *s, char **end, double v[3])
{
  const char *p = s;

  PetscFunctionBeginUser;
  while (*p == ' ')
    p++;
  PetscCheck(*p == '(', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field '%s' holds '%.40s' where a vector like (1,0,0) is expected", path, field, p);
  p++;
  for (int c = 0; c < 3; c++) {
    char *e;
    PetscCall(ParseReal(path, field, p, &e, &v[c]));
    p = e;
    while (*p == ' ')
      p++;
    PetscCheck(*p == (c < 2 ? ',' : ')'), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD field '%s' has a vector without 3 components (a 3D space needs (x,y,z))", path, field);
    p++;
  }
  *end = (char *)p;
  PetscFunctionReturn(0);
}

static const struct {
  const char     *name;
  TwinfeVoxelType type;
} nrrd_types[] = {
    {"signed char", TWINFE_VOXEL_INT8},
    {"int8", TWINFE_VOXEL_INT8},
    {"int8_t", TWINFE_VOXEL_INT8},
    {"uchar", TWINFE_VOXEL_UINT8},
    {"unsigned char", TWINFE_VOXEL_UINT8},
    {"uint8", TWINFE_VOXEL_UINT8},
    {"uint8_t", TWINFE_VOXEL_UINT8},
    {"short", TWINFE_VOXEL_INT16},
    {"short int", TWINFE_VOXEL_INT16},
    {"signed short", TWINFE_VOXEL_INT16},
    {"signed short int", TWINFE_VOXEL_INT16},
    {"int16", TWINFE_VOXEL_INT16},
    {"int16_t", TWINFE_VOXEL_INT16},
    {"ushort", TWINFE_VOXEL_UINT16},
    {"unsigned short", TWINFE_VOXEL_UINT16},
    {"unsigned short int", TWINFE_VOXEL_UINT16},
    {"uint16", TWINFE_VOXEL_UINT16},
    {"uint16_t", TWINFE_VOXEL_UINT16},
    {"int", TWINFE_VOXEL_INT32},
    {"signed int", TWINFE_VOXEL_INT32},
    {"int32", TWINFE_VOXEL_INT32},
    {"int32_t", TWINFE_VOXEL_INT32},
    {"uint", TWINFE_VOXEL_UINT32},
    {"unsigned int", TWINFE_VOXEL_UINT32},
    {"uint32", TWINFE_VOXEL_UINT32},
    {"uint32_t", TWINFE_VOXEL_UINT32},
    {"longlong", TWINFE_VOXEL_INT64},
    {"long long", TWINFE_VOXEL_INT64},
    {"long long int", TWINFE_VOXEL_INT64},
    {"signed long long", TWINFE_VOXEL_INT64},
    {"signed long long int", TWINFE_VOXEL_INT64},
    {"int64", TWINFE_VOXEL_INT64},
    {"int64_t", TWINFE_VOXEL_INT64},
    {"ulonglong", TWINFE_VOXEL_UINT64},
    {"unsigned long long", TWINFE_VOXEL_UINT64},
    {"unsigned long long int", TWINFE_VOXEL_UINT64},
    {"uint64", TWINFE_VOXEL_UINT64},
    {"uint64_t", TWINFE_VOXEL_UINT64},
    {"float", TWINFE_VOXEL_FLOAT32},
    {"double", TWINFE_VOXEL_FLOAT64},
};

static PetscErrorCode ParseType(NrrdHeader *h, const char *v)
{
  PetscFunctionBeginUser;
  for (size_t t = 0; t < sizeof nrrd_types / sizeof nrrd_types[0]; t++)
    if (!strcmp(v, nrrd_types[t].name)) {
      h->type     = nrrd_types[t].type;
      h->has_type = 1;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s: NRRD type '%.40s' is not a label type; a label map is stored as an integer type (uint8 ... int32, uint32, "
          "int64 and uint64 holding labels up to 2147483647) or float/double holding whole numbers",
          h->path, v);
}

/* The patient space: each named space is turned into LPS by flipping the axes that differ. */
static PetscErrorCode ParseSpace(NrrdHeader *h, const char *v)
{
  static const struct {
    const char *name, *abbr;
    double      sign[3];
  } spaces[] = {
      {"left-posterior-superior", "LPS", {1, 1, 1}},
      {"right-anterior-superior", "RAS", {-1, -1, 1}},
      {"left-anterior-superior", "LAS", {1, -1, 1}},
  };

  PetscFunctionBeginUser;
  for (size_t s = 0; s < sizeof spaces / sizeof spaces[0]; s++)
    if (!strcasecmp(v, spaces[s].name) || !strcasecmp(v, spaces[s].abbr)) {
      for (int c = 0; c < 3; c++)
        h->sign[c] = spaces[s].sign[c];
      h->has_space = 1;
      PetscCall(PetscStrncpy(h->space, spaces[s].abbr, sizeof h->space));
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
          "%s: NRRD space '%.40s' is not read: twinfe reads a 3D patient space (left-posterior-superior, "
          "right-anterior-superior, left-anterior-superior; or 'space dimension: 3', taken as LPS)",
          h->path, v);
}

static PetscErrorCode ParseSizes(NrrdHeader *h, const char *v)
{
  char *e;

  PetscFunctionBeginUser;
  PetscCheck(h->dimension, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field 'sizes' comes before 'dimension': the header is damaged", h->path);
  for (int a = 0; a < h->dimension; a++) {
    PetscCall(ParseInt(h->path, "sizes", v, &e, &h->sizes[a]));
    PetscCheck(h->sizes[a] >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD field 'sizes' gives axis %d the size %lld; every size must be at least 1", h->path, a,
               (long long)h->sizes[a]);
    v = e;
  }
  PetscCheck(*Trim(e) == '\0', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field 'sizes' has more sizes than 'dimension: %d'", h->path, h->dimension);
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseDirections(NrrdHeader *h, const char *v)
{
  char *e = (char *)v;

  PetscFunctionBeginUser;
  PetscCheck(h->dimension, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field 'space directions' comes before 'dimension': the header is damaged", h->path);
  for (int a = 0; a < h->dimension; a++) {
    const char *p = e;
    while (*p == ' ')
      p++;
    if (!strncmp(p, "none", 4)) {
      h->direction_none[a] = 1;
      e                    = (char *)p + 4;
    } else
      PetscCall(ParseVector(h->path, "space directions", p, &e, h->directions[a]));
  }
  PetscCheck(*Trim(e) == '\0', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD field 'space directions' has more vectors than 'dimension: %d'", h->path, h->dimension);
  h->has_directions = 1;
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseKinds(NrrdHeader *h, char *v)
{
  char *save = NULL, *tok = strtok_r(v, " \t", &save);

  PetscFunctionBeginUser;
  for (int a = 0; a < h->dimension && tok; a++, tok = strtok_r(NULL, " \t", &save))
    PetscCall(PetscStrncpy(h->kinds[a], tok, sizeof h->kinds[a]));
  h->has_kinds = 1;
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseSpacings(NrrdHeader *h, const char *v)
{
  char *e;

  PetscFunctionBeginUser;
  for (int a = 0; a < h->dimension; a++) {
    while (*v == ' ')
      v++;
    if (!strncasecmp(v, "nan", 3)) { /* a non-spatial axis */
      h->spacings[a] = 0;
      v += 3;
      continue;
    }
    PetscCall(ParseReal(h->path, "spacings", v, &e, &h->spacings[a]));
    v = e;
  }
  h->has_spacings = 1;
  PetscFunctionReturn(0);
}

/* The data file: one name. The LIST form and the "format %d min max step" form spread the
   voxels over many files, which a label map does not need. */
static PetscErrorCode ParseDataFile(NrrdHeader *h, const char *v)
{
  PetscFunctionBeginUser;
  PetscCheck(strncmp(v, "LIST", 4) != 0 && !strchr(v, ' ') && !strchr(v, '%'), PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: NRRD 'data file: %.60s' spreads the voxels over several files, which twinfe does not read: save the label "
             "map as one .nrrd (or a .nhdr with one data file)",
             h->path, v);
  PetscCheck(strlen(v) < sizeof h->data_file, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: NRRD data file name is too long",
             h->path);
  PetscCall(PetscStrncpy(h->data_file, v, sizeof h->data_file));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseEncoding(NrrdHeader *h, const char *v)
{
  PetscFunctionBeginUser;
  if (!strcmp(v, "raw"))
    h->encoding = 1;
  else if (!strcmp(v, "gzip") || !strcmp(v, "gz"))
    h->encoding = 2;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP,
            "%s: NRRD encoding '%.40s' is not read: twinfe reads raw and gzip (what 3D Slicer and ITK write); save the "
            "label map again with one of them",
            h->path, v);
  PetscFunctionReturn(0);
}

/* Segment<N>_Name, Segment<N>_LabelValue, Segment<N>_Layer of a 3D Slicer segmentation. */
static PetscErrorCode ParseKeyValue(NrrdHeader *h, const char *key, const char *v)
{
  long  n;
  char *e;

  PetscFunctionBeginUser;
  if (strncmp(key, "Segment", 7) || !isdigit((unsigned char)key[7])) PetscFunctionReturn(0);
  n = strtol(key + 7, &e, 10);
  if (*e != '_' || n < 0 || n >= NRRD_MAX_SEGMENT) PetscFunctionReturn(0);
  if (!strcmp(e, "_Name")) {
    PetscCall(PetscStrncpy(h->segments[n].name, v, sizeof h->segments[n].name));
    h->nsegments_named++;
  } else if (!strcmp(e, "_LabelValue") || !strcmp(e, "_Layer")) {
    int64_t x;
    char   *end;
    PetscCall(ParseInt(h->path, key, v, &end, &x));
    PetscCheck(*Trim(end) == '\0', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: NRRD key %s:=%.40s is not a whole number",
               h->path, key, v);
    if (e[1] == 'L' && e[2] == 'a' && e[3] == 'b') {
      PetscCheck(x >= 1 && x <= INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: NRRD key %s:=%lld; a segment's label value is 1 to 2147483647", h->path, key, (long long)x);
      h->segments[n].value     = x;
      h->segments[n].has_value = 1;
    } else {
      PetscCheck(x >= 0 && x < 1024, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: NRRD key %s:=%lld; a segment's layer is 0 to the number of layers - 1", h->path, key, (long long)x);
      h->segments[n].layer     = x;
      h->segments[n].has_layer = 1;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseField(NrrdHeader *h, const char *field, char *v)
{
  char   *e;
  int64_t x;

  PetscFunctionBeginUser;
  if (!strcmp(field, "type"))
    PetscCall(ParseType(h, v));
  else if (!strcmp(field, "dimension")) {
    PetscCall(ParseInt(h->path, field, v, &e, &x));
    PetscCheck(x == 3 || x == 4, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD field 'dimension: %lld'; a label map has 3 dimensions (or 4 in a 3D Slicer segmentation whose first "
               "axis lists its layers)",
               h->path, (long long)x);
    h->dimension = (int)x;
  } else if (!strcmp(field, "sizes"))
    PetscCall(ParseSizes(h, v));
  else if (!strcmp(field, "space"))
    PetscCall(ParseSpace(h, v));
  else if (!strcmp(field, "space dimension")) {
    PetscCall(ParseInt(h->path, field, v, &e, &x));
    PetscCheck(x == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD field 'space dimension: %lld'; a label map lies in 3D space", h->path, (long long)x);
    h->space_dim_only = 1;
  } else if (!strcmp(field, "space directions"))
    PetscCall(ParseDirections(h, v));
  else if (!strcmp(field, "space origin")) {
    PetscCall(ParseVector(h->path, field, v, &e, h->origin));
    h->has_origin = 1;
  } else if (!strcmp(field, "spacings"))
    PetscCall(ParseSpacings(h, v));
  else if (!strcmp(field, "kinds"))
    PetscCall(ParseKinds(h, v));
  else if (!strcmp(field, "endian")) {
    PetscCheck(!strcmp(v, "little") || !strcmp(v, "big"), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD field 'endian: %.20s'; it must be little or big", h->path, v);
    h->endian = v[0] == 'l' ? 1 : 2;
  } else if (!strcmp(field, "encoding"))
    PetscCall(ParseEncoding(h, v));
  else if (!strcmp(field, "data file") || !strcmp(field, "datafile"))
    PetscCall(ParseDataFile(h, v));
  else if (!strcmp(field, "byte skip") || !strcmp(field, "byteskip")) {
    PetscCall(ParseInt(h->path, field, v, &e, &h->byte_skip));
    PetscCheck(h->byte_skip >= 0, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s: NRRD 'byte skip: %lld' (counted from the end) is not read: give the number of bytes to skip", h->path,
               (long long)h->byte_skip);
  } else if (!strcmp(field, "line skip") || !strcmp(field, "lineskip")) {
    PetscCall(ParseInt(h->path, field, v, &e, &h->line_skip));
    PetscCheck(h->line_skip == 0, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s: NRRD 'line skip: %lld' is not read: save the data file without leading lines", h->path,
               (long long)h->line_skip);
  } else if (!strcmp(field, "block size") || !strcmp(field, "blocksize"))
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: NRRD type block is not a label type", h->path);
  /* other fields (content, centerings, thicknesses, measurement frame, ...) do not change the labels or where they lie */
  PetscFunctionReturn(0);
}

/* ---------- the header ---------- */

static PetscErrorCode ParseLines(NrrdHeader *h, char *text)
{
  char *line   = text, *next;
  int   number = 1;

  PetscFunctionBeginUser;
  next = strchr(line, '\n');
  if (next) *next++ = '\0';
  PetscCheck(!strncmp(line, "NRRD000", 7) && line[7] >= '1' && line[7] <= '5', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the first line '%.20s' is not an NRRD magic NRRD0001 to NRRD0005", h->path, line);
  for (line = next; line && *line; line = next) {
    char *colon, *value;
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    number++;
    line = Trim(line);
    if (line[0] == '#' || line[0] == '\0') continue;
    colon = strchr(line, ':');
    PetscCheck(colon && (colon[1] == '=' || colon[1] == ' '), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD header line %d '%.60s' is neither 'field: value' nor 'key:=value': the header is damaged", h->path,
               number, line);
    *colon = '\0';
    value  = Trim(colon + 2);
    if (colon[1] == '=')
      PetscCall(ParseKeyValue(h, line, value));
    else
      PetscCall(ParseField(h, line, value));
  }
  PetscFunctionReturn(0);
}

/* Reads the header: up to the first empty line, or the whole (detached) header file. */
static PetscErrorCode ReadHeader(NrrdHeader *h)
{
  FILE  *f = fopen(h->path, "rb");
  char  *text, *end = NULL;
  size_t n;

  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot open the image %s for reading", h->path);
  PetscCall(PetscMalloc1(NRRD_HEADER_MAX + 1, &text));
  n       = fread(text, 1, NRRD_HEADER_MAX, f);
  text[n] = '\0';
  fclose(f);
  for (size_t i = 0; i + 1 < n; i++)
    if (text[i] == '\n' && (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < n && text[i + 2] == '\n'))) {
      end = text + i + (text[i + 1] == '\n' ? 2 : 3);
      break;
    }
  if (!end && n < NRRD_HEADER_MAX && !memchr(text, '\0', n)) end = text + n; /* a detached header, all text */
  if (!end) {
    PetscCall(PetscFree(text));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s: the NRRD header has no empty line ending it within %d bytes: the file is damaged or cut", h->path,
            NRRD_HEADER_MAX);
  }
  h->header_bytes = end - text;
  end[-1]         = '\0';
  {
    PetscErrorCode ierr = ParseLines(h, text);
    PetscCall(PetscFree(text));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckRequired(NrrdHeader *h)
{
  PetscFunctionBeginUser;
  PetscCheck(h->has_type && h->dimension && h->sizes[0] && h->encoding, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the NRRD header lacks the field '%s'; it needs type, dimension, sizes and encoding", h->path,
             !h->has_type    ? "type"
             : !h->dimension ? "dimension"
             : !h->sizes[0]  ? "sizes"
                             : "encoding");
  PetscCheck(TwinfeVoxelTypeSize_Private(h->type) == 1 || h->endian, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the NRRD header lacks 'endian' for its %s voxels: add 'endian: little' (or big)", h->path,
             TwinfeVoxelTypeName_Private(h->type));
  PetscCheck(h->encoding == 1 || h->byte_skip == 0, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: NRRD 'byte skip' with gzip encoding is not read: save the data without leading bytes", h->path);
  if (h->dimension == 4) {
    /* a 3D Slicer segmentation's layers: a first axis with no direction */
    PetscCheck(h->nsegments_named > 0 && (!h->has_directions || h->direction_none[0]) &&
                   (!h->has_kinds || !strcmp(h->kinds[0], "list") || !strcmp(h->kinds[0], "vector")),
               PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: NRRD 'dimension: 4' is read only as a 3D Slicer segmentation (Segment0_Name:= keys, a first 'list' axis of "
               "layers); a label map is 3D",
               h->path);
  }
  if (h->has_directions)
    for (int a = h->dimension - 3; a < h->dimension; a++)
      PetscCheck(!h->direction_none[a], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: NRRD 'space directions' gives spatial axis %d no direction ('none'); each of the 3 spatial axes needs "
                 "a vector",
                 h->path, a);
  PetscCheck(!h->has_directions || h->has_space || h->space_dim_only, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: NRRD 'space directions' without 'space' or 'space dimension': the header is damaged", h->path);
  PetscFunctionReturn(0);
}

/* World = origin + sum_a directions[a] * index[a], in the header's space; made LPS. Without
   space directions the axes are the LPS axes with 'spacings' (1 mm when absent). */
static PetscErrorCode Geometry(NrrdHeader *h, PetscReal spacing[3], PetscReal origin[3], PetscReal direction[9])
{
  const int first = h->dimension - 3;
  double    A[12] = {0};

  PetscFunctionBeginUser;
  if (!h->has_space)
    for (int c = 0; c < 3; c++)
      h->sign[c] = 1; /* 'space dimension: 3' alone, or no space: taken as LPS (docs/image_formats.md) */
  for (int a = 0; a < 3; a++)
    for (int r = 0; r < 3; r++) {
      if (h->has_directions)
        A[4 * r + a] = h->sign[r] * h->directions[first + a][r];
      else if (r == a)
        A[4 * r + a] = h->has_spacings ? h->spacings[first + a] : 1.0;
    }
  for (int r = 0; r < 3; r++)
    A[4 * r + 3] = h->has_origin ? h->sign[r] * h->origin[r] : 0.0;
  PetscCall(TwinfeAffineToGeometry_Private(h->path, h->has_directions ? "NRRD 'space directions'" : "NRRD 'spacings'", A, spacing,
                                           origin, direction));
  PetscFunctionReturn(0);
}

/* ---------- 3D Slicer layers ---------- */

typedef struct {
  int64_t layer;
  int32_t value, label;
  int     segment; /* -1: not named */
} LayerLabel;

/* Each (layer, value) pair gets a label: its value when no other layer uses that value, else
   the next free label past every value, so segments of different layers stay apart. */
static PetscErrorCode AssignLabels(NrrdHeader *h, LayerLabel map[], int *nmap)
{
  int32_t next = 0;

  PetscFunctionBeginUser;
  *nmap = 0;
  for (int s = 0; s < NRRD_MAX_SEGMENT; s++)
    next = PetscMax(next, h->segments[s].has_value ? (int32_t)h->segments[s].value : 1);
  for (int s = 0; s < NRRD_MAX_SEGMENT; s++) {
    NrrdSegment *g = &h->segments[s];
    int32_t      label;
    if (!g->has_value && !g->name[0]) continue;
    if (!g->has_value) {
      /* Slicer before 4.11 wrote no label value: segment N is the 1s of layer N */
      g->value = 1;
      if (!g->has_layer) g->layer = h->dimension == 4 ? s : 0;
    }
    label = (int32_t)g->value;
    PetscCheck(*nmap < TWINFE_IMAGE_MAX_LABEL_NAMES, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s holds more than %d segments; twinfe models at most %d regions", h->path, TWINFE_IMAGE_MAX_LABEL_NAMES,
               TWINFE_IMAGE_MAX_LABEL_NAMES);
    PetscCheck(h->dimension == 4 ? g->layer < h->sizes[0] : g->layer == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s: segment '%s' (Segment%d) is in layer %lld, but the file has %lld layer(s)", h->path, g->name, s,
               (long long)g->layer, (long long)(h->dimension == 4 ? h->sizes[0] : 1));
    for (int k = 0; k < *nmap; k++) {
      PetscCheck(!(map[k].layer == g->layer && map[k].value == g->value), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: segments '%s' and '%s' both claim label value %lld in layer %lld: the segmentation is damaged", h->path,
                 h->segments[map[k].segment].name, g->name, (long long)g->value, (long long)g->layer);
      if (map[k].value == g->value) label = 0; /* another layer has it */
    }
    if (!label) {
      PetscCheck(next < INT32_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: no label left to renumber a segment to", h->path);
      label = ++next;
    }
    map[*nmap].layer   = g->layer;
    map[*nmap].value   = (int32_t)g->value;
    map[*nmap].label   = label;
    map[*nmap].segment = s;
    (*nmap)++;
  }
  PetscFunctionReturn(0);
}

static const LayerLabel *FindLayerLabel(const LayerLabel map[], int nmap, int64_t layer, int32_t value)
{
  for (int k = 0; k < nmap; k++)
    if (map[k].layer == layer && map[k].value == value) return &map[k];
  return NULL;
}

/* Merges the layers (fastest axis) into one label per voxel; refuses overlaps. */
static PetscErrorCode MergeLayers(NrrdHeader *h, const LayerLabel map[], int nmap, const int32_t *in, int64_t voxels,
                                  int32_t *out)
{
  const int64_t     L     = h->sizes[0];
  const LayerLabel *first = NULL, *second = NULL, *cached = NULL;
  int64_t           overlap = 0, all_overlaps = 0;

  PetscFunctionBeginUser;
  for (int64_t v = 0; v < voxels; v++) {
    const LayerLabel *owner = NULL;
    out[v]                  = 0;
    for (int64_t l = 0; l < L; l++) {
      const int32_t     value = in[v * L + l];
      const LayerLabel *m;
      if (!value) continue;
      m = cached && cached->layer == l && cached->value == value ? cached : FindLayerLabel(map, nmap, l, value);
      PetscCheck(m, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: voxel %lld holds %d in layer %lld, which no segment claims (no Segment<N>_LabelValue:=%d with "
                 "_Layer:=%lld): the segmentation is damaged; save it again from 3D Slicer",
                 h->path, (long long)v, (int)value, (long long)l, (int)value, (long long)l);
      cached = m;
      if (owner) {
        all_overlaps++;
        if (!first) first = owner, second = m;
        if (first == owner && second == m) overlap++;
        continue;
      }
      owner  = m;
      out[v] = m->label;
    }
  }
  PetscCheck(!first, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: segments '%s' (layer %lld) and '%s' (layer %lld) overlap in %lld voxels (%lld overlapping voxels in all): "
             "twinfe gives every voxel one region; make the segments exclusive in 3D Slicer (Segment Editor, masking: "
             "overwrite other segments) or export a label map",
             h->path, first ? h->segments[first->segment].name : "", first ? (long long)first->layer : 0LL,
             second ? h->segments[second->segment].name : "", second ? (long long)second->layer : 0LL, (long long)overlap,
             (long long)all_overlaps);
  PetscFunctionReturn(0);
}

static PetscErrorCode NameLabels(NrrdHeader *h, const LayerLabel map[], int nmap, TwinfeImage image)
{
  PetscFunctionBeginUser;
  for (int k = 0; k < nmap; k++)
    if (h->segments[map[k].segment].name[0])
      PetscCall(TwinfeImageSetLabelName_Private(image, map[k].label, h->segments[map[k].segment].name));
  PetscFunctionReturn(0);
}

/* ---------- the reader ---------- */

static PetscErrorCode ReadWithHeader(NrrdHeader *h, const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  TwinfeVoxelFormat fmt = {h->path, "NRRD", TWINFE_VOXEL_UINT8, PETSC_FALSE, 0, 0, s};
  TwinfeVoxelSource src = {h->path, 0, PETSC_FALSE, 0, PETSC_TRUE, 0};
  char              data_path[PETSC_MAX_PATH_LEN];
  int64_t           dims[3], all[3];
  PetscReal         spacing[3], origin[3], direction[9];
  int32_t          *labels = NULL;
  LayerLabel        map[TWINFE_IMAGE_MAX_LABEL_NAMES];
  int               nmap = 0, first;
  int64_t           layers;
  PetscBool         segment;

  PetscFunctionBeginUser;
  PetscCall(ReadHeader(h));
  PetscCall(CheckRequired(h));
  first   = h->dimension - 3; /* a segmentation's layers are the first axis */
  layers  = h->dimension == 4 ? h->sizes[0] : 1;
  segment = (PetscBool)(h->nsegments_named > 0);
  for (int d = 0; d < 3; d++)
    dims[d] = all[d] = h->sizes[first + d];
  PetscCall(TwinfeCheckVoxelCount_Private(h->path, "NRRD field 'sizes'", dims, s->max_voxels));
  all[0] = dims[0] * layers;
  PetscCall(TwinfeCheckVoxelCount_Private(h->path, "NRRD field 'sizes' (layers included)", all, s->max_voxels));
  PetscCall(Geometry(h, spacing, origin, direction));
  if (segment) PetscCall(AssignLabels(h, map, &nmap));
  fmt.type = h->type;
  {
    const int one = 1;
    fmt.swap      = (PetscBool)(h->endian && (h->endian == 1) != (*(const char *)&one == 1));
  }
  if (h->data_file[0])
    PetscCall(TwinfeResolveBeside_Private(h->path, h->data_file, data_path, sizeof data_path));
  else
    PetscCall(PetscStrncpy(data_path, h->path, sizeof data_path));
  src.data_path  = data_path;
  src.offset     = h->data_file[0] ? 0 : h->header_bytes;
  src.skip       = h->byte_skip;
  src.compressed = (PetscBool)(h->encoding == 2);
  PetscCall(TwinfeReadVoxels_Private(&src, &fmt, all, &labels));
  if (layers > 1) {
    int32_t       *merged;
    const int64_t  voxels = dims[0] * dims[1] * dims[2];
    PetscErrorCode ierr   = PetscMalloc1((size_t)voxels, &merged);
    if (!ierr) ierr = MergeLayers(h, map, nmap, labels, voxels, merged);
    PetscCall(PetscFree(labels));
    if (ierr) PetscCall(PetscFree(merged));
    PetscCall(ierr);
    labels = merged;
  } else if (segment) {
    /* one layer: the values are the labels; every non-zero one must be a segment's */
    const int64_t voxels = dims[0] * dims[1] * dims[2];
    for (int64_t v = 0; v < voxels; v++) {
      if (labels[v] && !FindLayerLabel(map, nmap, 0, labels[v])) {
        const int32_t value = labels[v];
        PetscCall(PetscFree(labels));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                "%s: voxel %lld holds %d, which no segment claims (no Segment<N>_LabelValue:=%d): the segmentation is "
                "damaged; save it again from 3D Slicer",
                h->path, (long long)v, (int)value, (int)value);
      }
    }
  }
  PetscCall(TwinfeImageFromGrid_Private(h->path, dims, spacing, origin, direction, &labels, image));
  {
    PetscErrorCode ierr = NameLabels(h, map, nmap, *image);
    if (ierr) PetscCall(TwinfeImageDestroy(image));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeNrrdRead_Private(const char path[], const TwinfeImageReadSettings *s, TwinfeImage *image)
{
  NrrdHeader    *h;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&h));
  PetscCall(PetscCalloc1(NRRD_MAX_SEGMENT, &h->segments));
  h->path = path;
  ierr    = ReadWithHeader(h, s, image);
  PetscCall(PetscFree(h->segments));
  PetscCall(PetscFree(h));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
