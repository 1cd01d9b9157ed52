/* Reading .msh files (MSH 2.2 and 4.1, ASCII and binary) ourselves, byte by byte with every
 * count checked against the bytes left, instead of through gmshOpen: Gmsh 4.8.4 accepts an
 * empty file or a folder as an empty model, and crashes (SIGSEGV) on a 4.1 file whose element
 * names a node that does not exist or whose $PhysicalNames has a huge dimension. A user's file
 * must give a mesh or a clear message, never a crash, so no user file reaches Gmsh's parser.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "meshimpl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Element kinds by Gmsh type: what we keep (tets and triangles of any order, by their
   corner nodes), what we ignore (points and lines), what we refuse (other cells). */
enum { KIND_UNKNOWN, KIND_IGNORE, KIND_TET, KIND_TRI, KIND_REFUSE };

typedef struct {
  int         type, nodes, kind;
  const char *name;
} ElementType;

static const ElementType element_types[] = {
    {1, 2, KIND_IGNORE, "line"},
    {2, 3, KIND_TRI, "triangle"},
    {3, 4, KIND_REFUSE, "quadrangle"},
    {4, 4, KIND_TET, "tetrahedron"},
    {5, 8, KIND_REFUSE, "hexahedron"},
    {6, 6, KIND_REFUSE, "prism"},
    {7, 5, KIND_REFUSE, "pyramid"},
    {8, 3, KIND_IGNORE, "3-node line"},
    {9, 6, KIND_TRI, "6-node triangle"},
    {10, 9, KIND_REFUSE, "9-node quadrangle"},
    {11, 10, KIND_TET, "10-node tetrahedron"},
    {12, 27, KIND_REFUSE, "27-node hexahedron"},
    {13, 18, KIND_REFUSE, "18-node prism"},
    {14, 14, KIND_REFUSE, "14-node pyramid"},
    {15, 1, KIND_IGNORE, "point"},
    {16, 8, KIND_REFUSE, "8-node quadrangle"},
    {17, 20, KIND_REFUSE, "20-node hexahedron"},
    {18, 15, KIND_REFUSE, "15-node prism"},
    {19, 13, KIND_REFUSE, "13-node pyramid"},
    {20, 9, KIND_TRI, "9-node triangle"},
    {21, 10, KIND_TRI, "10-node triangle"},
    {22, 12, KIND_TRI, "12-node triangle"},
    {23, 15, KIND_TRI, "15-node triangle"},
    {24, 15, KIND_TRI, "15-node triangle"},
    {25, 21, KIND_TRI, "21-node triangle"},
    {26, 4, KIND_IGNORE, "4-node line"},
    {27, 5, KIND_IGNORE, "5-node line"},
    {28, 6, KIND_IGNORE, "6-node line"},
    {29, 20, KIND_TET, "20-node tetrahedron"},
    {30, 35, KIND_TET, "35-node tetrahedron"},
    {31, 56, KIND_TET, "56-node tetrahedron"},
    {92, 64, KIND_REFUSE, "64-node hexahedron"},
    {93, 125, KIND_REFUSE, "125-node hexahedron"},
};

static const ElementType *FindType(int64_t type)
{
  for (size_t i = 0; i < sizeof element_types / sizeof element_types[0]; i++)
    if (element_types[i].type == type) return &element_types[i];
  return NULL;
}

const char *TwinfeMshTypeName_Private(int type)
{
  const ElementType *t = FindType(type);
  return t ? t->name : NULL;
}

/* The file in memory and where we are in it. */
typedef struct {
  const char          *path;
  const unsigned char *buf;
  size_t               size, pos;
  PetscBool            binary, in_binary; /* the file's encoding; whether pos is in binary data */
  int                  major;             /* 2 or 4 */
  const char          *section;
  char                 at[96];
  /* physical tags of 4.1 entities of dimension 2 and 3 */
  PetscInt nent;
  struct Entity {
    int      dim, tag;
    PetscInt off, n; /* its physical tags: phys[off..off+n) */
  } * ent;
  int *phys;
} Reader;

/* ", line 12 ($Nodes)" or ", byte 4096 ($Elements)": where a message points. */
static const char *At(Reader *r)
{
  if (r->in_binary)
    snprintf(r->at, sizeof r->at, ", byte %zu (%s)", r->pos, r->section);
  else {
    size_t line = 1;
    for (size_t i = 0; i < r->pos && i < r->size; i++)
      line += r->buf[i] == '\n';
    snprintf(r->at, sizeof r->at, ", line %zu%s%s%s", line, r->section[0] ? " (" : "", r->section, r->section[0] ? ")" : "");
  }
  return r->at;
}

#define TRUNCATED(r, what)                                                                                                       \
  "%s%s: the file ends where %s should be: it is truncated (was it copied completely?)", (r)->path, At(r), what

static void SkipSpace(Reader *r)
{
  while (r->pos < r->size && isspace(r->buf[r->pos]))
    r->pos++;
}

static PetscBool AtEndOfToken(const Reader *r, size_t p)
{
  return p >= r->size || isspace(r->buf[p]) || r->buf[p] == 0;
}

/* The next whitespace-separated token, shown in messages (at most 24 characters). */
static const char *Token(Reader *r, char tok[32])
{
  size_t n = 0;
  while (r->pos + n < r->size && n < 24 && !isspace(r->buf[r->pos + n]) && r->buf[r->pos + n] >= 32 && r->buf[r->pos + n] < 127) {
    tok[n] = (char)r->buf[r->pos + n];
    n++;
  }
  tok[n] = 0;
  return n ? tok : "a character that is not text";
}

/* What to do about a number past 2^63-1. Tags are the only numbers that legitimately grow that
   large (a writer that numbers by hash or by global id); Gmsh 4.8 itself cannot read them, so the
   fix belongs in the program that wrote the file. */
static const char *TooLargeHint(const char what[])
{
  if (strstr(what, "tag"))
    return "tags must be at most 9223372036854775807 (2^63-1); renumber the nodes and elements from 1 in the program "
           "that wrote the file (in Gmsh 4.8: gmsh.model.mesh.renumberNodes() and renumberElements() before gmsh.write)";
  return "it must be at most 9223372036854775807 (2^63-1)";
}

/* An ASCII integer in [lo, hi]. */
static PetscErrorCode AsciiInt(Reader *r, const char what[], int64_t lo, int64_t hi, int64_t *value)
{
  size_t   p   = 0;
  int      neg = 0;
  uint64_t v   = 0;
  char     tok[32];

  PetscFunctionBeginUser;
  SkipSpace(r);
  PetscCheck(r->pos < r->size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, TRUNCATED(r, what));
  p = r->pos;
  if (r->buf[p] == '-' || r->buf[p] == '+') neg = r->buf[p++] == '-';
  PetscCheck(p < r->size && isdigit(r->buf[p]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: expected %s (an integer), found \"%s\"", r->path, At(r), what, Token(r, tok));
  for (; p < r->size && isdigit(r->buf[p]); p++) {
    PetscCheck(v <= (UINT64_MAX - 9) / 10, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s%s: %s \"%s\" is too large: %s",
               r->path, At(r), what, Token(r, tok), TooLargeHint(what));
    v = 10 * v + (uint64_t)(r->buf[p] - '0');
  }
  PetscCheck(AtEndOfToken(r, p), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s%s: expected %s (an integer), found \"%s\"",
             r->path, At(r), what, Token(r, tok));
  PetscCheck(v <= (uint64_t)INT64_MAX, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s%s: %s \"%s\" is too large: %s", r->path,
             At(r), what, Token(r, tok), TooLargeHint(what));
  *value = neg ? -(int64_t)v : (int64_t)v;
  PetscCheck(*value >= lo && *value <= hi, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: %s is %s, but it must lie in [%lld, %lld]", r->path, At(r), what, Token(r, tok), (long long)lo,
             (long long)hi);
  r->pos = p;
  PetscFunctionReturn(0);
}

static PetscErrorCode Bytes(Reader *r, const char what[], size_t n, void *dst)
{
  PetscFunctionBeginUser;
  PetscCheck(r->size - r->pos >= n, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, TRUNCATED(r, what));
  memcpy(dst, r->buf + r->pos, n);
  r->pos += n;
  PetscFunctionReturn(0);
}

/* An integer field: binary int (4 bytes) or size_t (8 bytes) in binary data, text otherwise. */
static PetscErrorCode Int(Reader *r, const char what[], int64_t lo, int64_t hi, PetscBool size_t_field, int64_t *value)
{
  PetscFunctionBeginUser;
  if (!r->in_binary)
    PetscCall(AsciiInt(r, what, lo, hi, value));
  else {
    size_t at = r->pos;
    if (size_t_field) {
      uint64_t v;
      PetscCall(Bytes(r, what, sizeof v, &v));
      r->pos = at;
      PetscCheck(v <= (uint64_t)hi && (int64_t)v >= lo, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s%s: %s is %llu, but it must lie in [%lld, %lld]", r->path, At(r), what, (unsigned long long)v, (long long)lo,
                 (long long)hi);
      *value = (int64_t)v;
      r->pos += sizeof v;
    } else {
      int32_t v;
      PetscCall(Bytes(r, what, sizeof v, &v));
      r->pos = at;
      PetscCheck(v <= hi && v >= lo, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s%s: %s is %d, but it must lie in [%lld, %lld]", r->path, At(r), what, (int)v, (long long)lo, (long long)hi);
      *value = v;
      r->pos += sizeof v;
    }
  }
  PetscFunctionReturn(0);
}

/* A node tag: any tag from 1 up (huge and sparse tags are fine, they are mapped, not used as
   indices). */
static PetscErrorCode Tag(Reader *r, const char what[], PetscBool size_t_field, uint64_t *tag)
{
  int64_t v;

  PetscFunctionBeginUser;
  PetscCall(Int(r, what, 1, INT64_MAX, size_t_field, &v));
  *tag = (uint64_t)v;
  PetscFunctionReturn(0);
}

static PetscErrorCode Real(Reader *r, const char what[], double *value)
{
  char tok[32];

  PetscFunctionBeginUser;
  if (r->in_binary)
    PetscCall(Bytes(r, what, sizeof *value, value));
  else {
    char *end;
    SkipSpace(r);
    PetscCheck(r->pos < r->size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, TRUNCATED(r, what));
    /* the buffer ends with a 0 byte, so strtod stops there at the latest */
    *value = strtod((const char *)r->buf + r->pos, &end);
    PetscCheck(end != (const char *)r->buf + r->pos && AtEndOfToken(r, (size_t)(end - (const char *)r->buf)), PETSC_COMM_SELF,
               PETSC_ERR_FILE_UNEXPECTED, "%s%s: expected %s (a number), found \"%s\"", r->path, At(r), what, Token(r, tok));
    r->pos = (size_t)(end - (const char *)r->buf);
  }
  PetscFunctionReturn(0);
}

/* A count of records, each at least min_bytes long in this encoding: refused when the rest of
   the file cannot hold them, so no count from the file sizes an allocation by itself. */
static PetscErrorCode Count(Reader *r, const char what[], PetscBool size_t_field, size_t min_bytes, PetscInt *count)
{
  int64_t v;

  PetscFunctionBeginUser;
  PetscCall(Int(r, what, 0, PETSC_MAX_INT, size_t_field, &v));
  PetscCheck(
      (uint64_t)v <= (r->size - r->pos) / (min_bytes ? min_bytes : 1), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s%s: %s is %lld, but the %zu bytes left in the file cannot hold that many: the file is truncated or the count is wrong",
      r->path, At(r), what, (long long)v, r->size - r->pos);
  *count = (PetscInt)v;
  PetscFunctionReturn(0);
}

/* The end of binary data: Gmsh writes one newline before $EndXxx. */
static void EndBinary(Reader *r)
{
  r->in_binary = PETSC_FALSE;
}

/* Binary data starts right after the newline that ends the current text line. */
static PetscErrorCode BeginBinary(Reader *r)
{
  PetscFunctionBeginUser;
  while (r->pos < r->size && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\r'))
    r->pos++;
  PetscCheck(r->pos < r->size && r->buf[r->pos] == '\n', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, TRUNCATED(r, "binary data"));
  r->pos++;
  r->in_binary = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* "$Name" at the start of a line: returns it without the '$'. */
static PetscErrorCode SectionName(Reader *r, char name[64])
{
  size_t n = 0;
  char   tok[32];

  PetscFunctionBeginUser;
  SkipSpace(r);
  PetscCheck(
      r->buf[r->pos] == '$', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s%s: expected a section such as $Nodes or $Elements, found \"%s\": the section before has more data than its counts "
      "say, or the file is damaged",
      r->path, At(r), Token(r, tok));
  r->pos++;
  while (r->pos < r->size && !isspace(r->buf[r->pos]) && n < 63)
    name[n++] = (char)r->buf[r->pos++];
  name[n] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectEnd(Reader *r, const char section[])
{
  char name[64], want[64];

  PetscFunctionBeginUser;
  EndBinary(r);
  SkipSpace(r);
  snprintf(want, sizeof want, "$End%s", section);
  PetscCheck(r->pos < r->size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, TRUNCATED(r, want));
  PetscCall(SectionName(r, name));
  PetscCheck(!strcmp(name, want + 1), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: expected %s, found $%s: $%s holds more or fewer records than its counts say", r->path, At(r), want, name,
             section);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ sections */

static PetscErrorCode ReadMeshFormat(Reader *r, TwinfeMsh *msh)
{
  char    tok[32], version[16] = "";
  int64_t filetype, datasize;
  size_t  n = 0;

  PetscFunctionBeginUser;
  SkipSpace(r);
  while (r->pos + n < r->size && !isspace(r->buf[r->pos + n]) && n < sizeof version - 1) {
    version[n] = (char)r->buf[r->pos + n];
    n++;
  }
  version[n] = 0;
  if (!strcmp(version, "2.2") || !strcmp(version, "2.1") || !strcmp(version, "2"))
    r->major = 2;
  else if (!strcmp(version, "4.1"))
    r->major = 4;
  PetscCheck(r->major, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s is a Gmsh file of format version \"%s\", which twinfe does not read: save it as MSH 4.1 or 2.2 (Gmsh: File > "
             "Export, or "
             "gmsh %s -save -format msh41 -o new.msh)",
             r->path, Token(r, tok), r->path);
  r->pos += n;
  PetscCall(AsciiInt(r, "the file type (0 text, 1 binary)", 0, 1, &filetype));
  PetscCall(AsciiInt(r, "the data size", 0, 64, &datasize));
  PetscCheck(datasize == 8, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s%s: data size %d is not supported: Gmsh writes 8 (64-bit)",
             r->path, At(r), (int)datasize);
  r->binary = filetype == 1 ? PETSC_TRUE : PETSC_FALSE;
  if (r->binary) {
    int32_t one;
    PetscCall(BeginBinary(r));
    PetscCall(Bytes(r, "the byte-order mark", sizeof one, &one));
    PetscCheck(one == 1, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "%s: this binary file was written with the other byte order: save it as a text .msh (Gmsh: Mesh.Binary = 0)",
               r->path);
  }
  snprintf(msh->format, sizeof msh->format, "MSH %s %s", r->major == 4 ? "4.1" : "2.2", r->binary ? "binary" : "text");
  PetscCall(ExpectEnd(r, "MeshFormat"));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPhysicalNames(Reader *r, TwinfeMsh *msh)
{
  PetscInt n;

  PetscFunctionBeginUser;
  /* text in every encoding: "dim tag "name"", at least 7 bytes */
  PetscCall(Count(r, "the number of physical names", PETSC_FALSE, 7, &n));
  PetscCheck(!msh->names, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: a second $PhysicalNames section; a .msh file holds one mesh: save it again from Gmsh as one file", r->path,
             At(r));
  PetscCall(PetscCalloc3(n + 1, &msh->name_dim, n + 1, &msh->name_tag, n + 1, &msh->names));
  for (PetscInt i = 0; i < n; i++) {
    int64_t dim, tag;
    size_t  start, len;
    char    tok[32];
    PetscCall(AsciiInt(r, "a physical group's dimension", 0, 3, &dim));
    PetscCall(AsciiInt(r, "a physical tag", INT32_MIN, INT32_MAX, &tag));
    SkipSpace(r);
    PetscCheck(r->pos < r->size && r->buf[r->pos] == '"', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s%s: expected a physical name in double quotes, found \"%s\"", r->path, At(r), Token(r, tok));
    start = ++r->pos;
    while (r->pos < r->size && r->buf[r->pos] != '"' && r->buf[r->pos] != '\n')
      r->pos++;
    PetscCheck(r->pos < r->size && r->buf[r->pos] == '"', PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s%s: a physical name has no closing double quote on its line", r->path, At(r));
    len              = r->pos++ - start;
    msh->name_dim[i] = (int)dim;
    msh->name_tag[i] = (int)tag;
    PetscCall(PetscMalloc1(len + 1, &msh->names[i]));
    memcpy(msh->names[i], r->buf + start, len);
    msh->names[i][len] = 0;
    msh->nnames        = i + 1;
  }
  PetscCall(ExpectEnd(r, "PhysicalNames"));
  PetscFunctionReturn(0);
}

static int CompareEntities(const void *a, const void *b)
{
  const struct Entity *x = (const struct Entity *)a, *y = (const struct Entity *)b;
  if (x->dim != y->dim) return x->dim < y->dim ? -1 : 1;
  return (x->tag > y->tag) - (x->tag < y->tag);
}

/* 4.1 $Entities: we keep the physical tags of each entity, sorted by (dim, tag) to look up. */
static PetscErrorCode ReadEntities(Reader *r)
{
  PetscInt       counts[4];
  int64_t        total = 0;
  PetscSegBuffer phys;
  const char    *dimname[4] = {"point", "curve", "surface", "volume"};

  PetscFunctionBeginUser;
  PetscCheck(!r->ent, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: a second $Entities section; a .msh file holds one mesh: save it again from Gmsh as one file", r->path, At(r));
  if (r->binary) PetscCall(BeginBinary(r));
  /* smallest record: a point, 4 numbers + a count, >= 10 bytes in text, 36 in binary */
  for (int d = 0; d < 4; d++)
    PetscCall(Count(r, "the number of entities", PETSC_TRUE, r->binary ? 36 : 10, &counts[d]));
  for (int d = 0; d < 4; d++)
    total += counts[d];
  PetscCheck(total <= (int64_t)(r->size / 10) && total < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: the entity counts add up to more than the file can hold", r->path, At(r));
  PetscCall(PetscMalloc1(total + 1, &r->ent));
  PetscCall(PetscSegBufferCreate(sizeof(int), 64, &phys));
  r->nent = 0;
  for (int d = 0; d < 4; d++)
    for (PetscInt e = 0; e < counts[d]; e++) {
      int64_t        tag, nphys, nbound, v;
      double         x;
      char           what[64];
      PetscErrorCode ierr = 0;
      snprintf(what, sizeof what, "a %s entity's tag", dimname[d]);
      ierr = Int(r, what, INT32_MIN, INT32_MAX, PETSC_FALSE, &tag);
      for (int k = 0; k < (d == 0 ? 3 : 6) && !ierr; k++)
        ierr = Real(r, "an entity's bounding box", &x);
      if (!ierr) ierr = Int(r, "an entity's number of physical tags", 0, (int64_t)(r->size - r->pos) / 2, PETSC_TRUE, &nphys);
      if (ierr) PetscCall(PetscSegBufferDestroy(&phys));
      PetscCall(ierr);
      r->ent[r->nent].dim = d;
      r->ent[r->nent].tag = (int)tag;
      r->ent[r->nent].off = r->nent ? r->ent[r->nent - 1].off + r->ent[r->nent - 1].n : 0;
      r->ent[r->nent].n   = (PetscInt)nphys;
      r->nent++;
      for (int64_t k = 0; k < nphys && !ierr; k++) {
        int *p;
        ierr = Int(r, "a physical tag", INT32_MIN, INT32_MAX, PETSC_FALSE, &v);
        if (!ierr) ierr = PetscSegBufferGet(phys, 1, &p);
        if (!ierr) *p = (int)v;
      }
      if (!ierr && d > 0)
        ierr = Int(r, "an entity's number of bounding entities", 0, (int64_t)(r->size - r->pos) / 2, PETSC_TRUE, &nbound);
      for (int64_t k = 0; !ierr && d > 0 && k < nbound; k++)
        ierr = Int(r, "a bounding entity's tag", INT32_MIN, INT32_MAX, PETSC_FALSE, &v);
      if (ierr) PetscCall(PetscSegBufferDestroy(&phys));
      PetscCall(ierr);
    }
  PetscCall(PetscSegBufferExtractAlloc(phys, &r->phys));
  PetscCall(PetscSegBufferDestroy(&phys));
  qsort(r->ent, (size_t)r->nent, sizeof *r->ent, CompareEntities);
  PetscCall(ExpectEnd(r, "Entities"));
  PetscFunctionReturn(0);
}

/* The physical tag of 4.1 entity (dim, tag): 0 when none; an entity in two groups of its
   dimension is refused, since a tet (or facet) belongs to one region (or tag). */
static PetscErrorCode EntityPhysical(Reader *r, int dim, int tag, int *phys)
{
  struct Entity key = {dim, tag, 0, 0}, *e;

  PetscFunctionBeginUser;
  *phys = 0;
  e     = r->ent ? (struct Entity *)bsearch(&key, r->ent, (size_t)r->nent, sizeof *r->ent, CompareEntities) : NULL;
  if (!e || e->n == 0) PetscFunctionReturn(0);
  PetscCheck(
      e->n == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "%s: %s entity %d is in %d physical %ss (%d and %d): each %s must belong to one physical %s; keep the entity in only one",
      r->path, dim == 3 ? "volume" : "surface", tag, (int)e->n, dim == 3 ? "volume" : "surface", r->phys[e->off],
      r->phys[e->off + 1], dim == 3 ? "tetrahedron" : "triangle", dim == 3 ? "volume (region)" : "surface");
  *phys = r->phys[e->off];
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadNodes(Reader *r, TwinfeMsh *msh)
{
  PetscInt nblocks = 1, nnodes, done = 0;
  int64_t  v;
  /* smallest node record: text "1\n0 0 0\n" (8 bytes), binary 8 + 24 (4.1) or 4 + 24 (2.2) */
  size_t node_bytes = r->binary ? (r->major == 4 ? 32 : 28) : 8;

  PetscFunctionBeginUser;
  PetscCheck(!msh->node_tags, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: a second $Nodes section; a .msh file holds one mesh: save it again from Gmsh as one file", r->path, At(r));
  if (r->major == 4) {
    if (r->binary) PetscCall(BeginBinary(r));
    PetscCall(Count(r, "the number of node blocks", PETSC_TRUE, r->binary ? 20 : 8, &nblocks));
    PetscCall(Count(r, "the number of nodes", PETSC_TRUE, node_bytes, &nnodes));
    PetscCall(Int(r, "the smallest node tag", 0, INT64_MAX, PETSC_TRUE, &v));
    PetscCall(Int(r, "the largest node tag", 0, INT64_MAX, PETSC_TRUE, &v));
  } else {
    PetscCall(Count(r, "the number of nodes", PETSC_FALSE, node_bytes, &nnodes));
    if (r->binary) PetscCall(BeginBinary(r));
  }
  PetscCall(PetscMalloc2(nnodes + 1, &msh->node_tags, 3 * nnodes + 1, &msh->node_xyz));
  for (PetscInt b = 0; b < nblocks; b++) {
    PetscInt n = nnodes, nparam = 0;
    if (r->major == 4) {
      int64_t dim, tag, parametric;
      PetscCall(Int(r, "a node block's entity dimension", 0, 3, PETSC_FALSE, &dim));
      PetscCall(Int(r, "a node block's entity tag", INT32_MIN, INT32_MAX, PETSC_FALSE, &tag));
      PetscCall(Int(r, "a node block's parametric flag (0 or 1)", 0, 1, PETSC_FALSE, &parametric));
      PetscCall(Count(r, "the number of nodes in a block", PETSC_TRUE, node_bytes, &n));
      PetscCheck(n <= nnodes - done, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s%s: the node blocks hold more nodes than the %" PetscInt_FMT " that $Nodes announces", r->path, At(r),
                 nnodes);
      nparam = parametric ? (PetscInt)dim : 0;
      for (PetscInt i = 0; i < n; i++)
        PetscCall(Tag(r, "a node tag", PETSC_TRUE, &msh->node_tags[done + i]));
    }
    for (PetscInt i = done; i < done + n; i++) {
      double param;
      if (r->major == 2) {
        int64_t t;
        PetscCall(Int(r, "a node tag", 1, INT32_MAX, PETSC_FALSE, &t));
        msh->node_tags[i] = (uint64_t)t;
      }
      for (int d = 0; d < 3; d++)
        PetscCall(Real(r, "a node coordinate", &msh->node_xyz[3 * i + d]));
      for (PetscInt k = 0; k < nparam; k++)
        PetscCall(Real(r, "a node's parametric coordinate", &param));
    }
    done += n;
  }
  PetscCheck(done == nnodes, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: the node blocks hold %" PetscInt_FMT " nodes, but $Nodes announces %" PetscInt_FMT, r->path, At(r), done,
             nnodes);
  msh->nnodes = nnodes;
  PetscCall(ExpectEnd(r, "Nodes"));
  PetscFunctionReturn(0);
}

/* Where the elements we keep accumulate. */
typedef struct {
  PetscSegBuffer nodes[2], tags[2], entity[2], phys[2]; /* [0] tets, [1] triangles */
  PetscInt       count[2];
} Elements;

/* The nodes of one element whose tag was read; the kept ones are stored by their corners. */
static PetscErrorCode ReadElementNodes(Reader *r, TwinfeMsh *msh, const ElementType *type, PetscBool size_t_field, uint64_t etag,
                                       int entity, int phys, Elements *el)
{
  uint64_t node = 0; /* set for gcc -O3, which cannot see Tag() set it */
  int      k    = type->kind == KIND_TET ? 0 : 1;

  PetscFunctionBeginUser;
  if (type->kind == KIND_TET || type->kind == KIND_TRI) {
    uint64_t *n, *t;
    int      *e, *p;
    PetscCall(PetscSegBufferGet(el->nodes[k], (size_t)(4 - k), &n));
    PetscCall(PetscSegBufferGet(el->tags[k], 1, &t));
    PetscCall(PetscSegBufferGet(el->entity[k], 1, &e));
    PetscCall(PetscSegBufferGet(el->phys[k], 1, &p));
    *t = etag, *e = entity, *p = phys;
    for (int i = 0; i < type->nodes; i++) {
      PetscCall(Tag(r, "an element's node tag", size_t_field, &node));
      if (i < 4 - k) n[i] = node; /* Gmsh lists the corner nodes first */
    }
    el->count[k]++;
  } else {
    for (int i = 0; i < type->nodes; i++)
      PetscCall(Tag(r, "an element's node tag", size_t_field, &node));
    if (type->kind == KIND_REFUSE) msh->refused[type->type]++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LookUpType(Reader *r, int64_t type, const ElementType **t)
{
  PetscFunctionBeginUser;
  *t = FindType(type);
  PetscCheck(
      *t, PETSC_COMM_SELF, PETSC_ERR_SUP,
      "%s%s: element type %lld is not one twinfe reads: it reads tetrahedra and triangles (Gmsh types 4, 11, 29-31 and 2, 9, "
      "20-25), ignores points and lines, and refuses other cells by name",
      r->path, At(r), (long long)type);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadElements41(Reader *r, TwinfeMsh *msh, Elements *el)
{
  PetscInt nblocks, nelem, done = 0;
  int64_t  v;

  PetscFunctionBeginUser;
  if (r->binary) PetscCall(BeginBinary(r));
  PetscCall(Count(r, "the number of element blocks", PETSC_TRUE, r->binary ? 20 : 8, &nblocks));
  PetscCall(Count(r, "the number of elements", PETSC_TRUE, r->binary ? 16 : 4, &nelem));
  PetscCall(Int(r, "the smallest element tag", 0, INT64_MAX, PETSC_TRUE, &v));
  PetscCall(Int(r, "the largest element tag", 0, INT64_MAX, PETSC_TRUE, &v));
  for (PetscInt b = 0; b < nblocks; b++) {
    int64_t            dim, entity, type;
    PetscInt           n;
    int                phys = 0;
    const ElementType *t;
    PetscCall(Int(r, "an element block's entity dimension", 0, 3, PETSC_FALSE, &dim));
    PetscCall(Int(r, "an element block's entity tag", INT32_MIN, INT32_MAX, PETSC_FALSE, &entity));
    PetscCall(Int(r, "an element type", INT32_MIN, INT32_MAX, PETSC_FALSE, &type));
    PetscCall(LookUpType(r, type, &t));
    PetscCall(Count(r, "the number of elements in a block", PETSC_TRUE, (size_t)(t->nodes + 1) * (r->binary ? 8 : 2), &n));
    PetscCheck(n <= nelem - done, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s%s: the element blocks hold more elements than the %" PetscInt_FMT " that $Elements announces", r->path, At(r),
               nelem);
    PetscCheck((t->kind != KIND_TET || dim == 3) && (t->kind != KIND_TRI || dim == 2), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s%s: a block of %ss lies on an entity of dimension %d (tetrahedra lie on volumes, dimension 3; triangles on "
               "surfaces, dimension 2): the file is damaged; save it again from Gmsh",
               r->path, At(r), t->name, (int)dim);
    if (t->kind == KIND_TET || t->kind == KIND_TRI) PetscCall(EntityPhysical(r, (int)dim, (int)entity, &phys));
    for (PetscInt i = 0; i < n; i++) {
      uint64_t etag = 0;
      PetscCall(Tag(r, "an element tag", PETSC_TRUE, &etag));
      PetscCall(ReadElementNodes(r, msh, t, PETSC_TRUE, etag, (int)entity, phys, el));
    }
    done += n;
  }
  PetscCheck(done == nelem, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: the element blocks hold %" PetscInt_FMT " elements, but $Elements announces %" PetscInt_FMT, r->path, At(r),
             done, nelem);
  PetscFunctionReturn(0);
}

/* 2.2: "tag type ntags tags... nodes..." per element (text), or blocks of elements of one
   type and tag count after a header "type count ntags" (binary). The first tag is the
   physical group (0: none), the second the entity. */
static PetscErrorCode ReadElements22(Reader *r, TwinfeMsh *msh, Elements *el)
{
  PetscInt nelem, done = 0;

  PetscFunctionBeginUser;
  PetscCall(Count(r, "the number of elements", PETSC_FALSE, r->binary ? 12 : 8, &nelem));
  if (r->binary) PetscCall(BeginBinary(r));
  while (done < nelem) {
    int64_t            type = 0, ntags = 0, n = 1, tag;
    const ElementType *t = NULL;
    if (r->binary) {
      PetscCall(Int(r, "an element type", INT32_MIN, INT32_MAX, PETSC_FALSE, &type));
      PetscCall(LookUpType(r, type, &t));
      PetscCall(Int(r, "the number of elements that follow", 1, nelem - done, PETSC_FALSE, &n));
      PetscCall(Int(r, "an element's number of tags", 0, 64, PETSC_FALSE, &ntags));
    }
    for (int64_t i = 0; i < n; i++) {
      int      phys = 0, entity = 0;
      uint64_t etag = 0;
      PetscCall(Tag(r, "an element tag", PETSC_FALSE, &etag));
      if (!r->binary) {
        PetscCall(Int(r, "an element type", INT32_MIN, INT32_MAX, PETSC_FALSE, &type));
        PetscCall(LookUpType(r, type, &t));
        PetscCall(Int(r, "an element's number of tags", 0, 64, PETSC_FALSE, &ntags));
      }
      for (int64_t k = 0; k < ntags; k++) {
        PetscCall(Int(r, "an element's tag", INT32_MIN, INT32_MAX, PETSC_FALSE, &tag));
        if (k == 0) phys = (int)tag;
        if (k == 1) entity = (int)tag;
      }
      PetscCall(ReadElementNodes(r, msh, t, PETSC_FALSE, etag, entity, phys, el));
    }
    done += (PetscInt)n;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadElements(Reader *r, TwinfeMsh *msh)
{
  Elements       el;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(msh->node_tags, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: $Elements comes before $Nodes: Gmsh writes the nodes first", r->path, At(r));
  PetscCheck(!msh->have_elements, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s%s: a second $Elements section; a .msh file holds one mesh: save it again from Gmsh as one file", r->path, At(r));
  msh->have_elements = PETSC_TRUE;
  el.count[0] = el.count[1] = 0;
  for (int k = 0; k < 2; k++) {
    PetscCall(PetscSegBufferCreate(sizeof(uint64_t), 4096, &el.nodes[k]));
    PetscCall(PetscSegBufferCreate(sizeof(uint64_t), 1024, &el.tags[k]));
    PetscCall(PetscSegBufferCreate(sizeof(int), 1024, &el.entity[k]));
    PetscCall(PetscSegBufferCreate(sizeof(int), 1024, &el.phys[k]));
  }
  ierr = r->major == 4 ? ReadElements41(r, msh, &el) : ReadElements22(r, msh, &el);
  if (!ierr) ierr = ExpectEnd(r, "Elements");
  msh->ntets = el.count[0];
  msh->ntris = el.count[1];
  PetscCall(PetscSegBufferExtractAlloc(el.nodes[0], &msh->tet_nodes));
  PetscCall(PetscSegBufferExtractAlloc(el.nodes[1], &msh->tri_nodes));
  PetscCall(PetscSegBufferExtractAlloc(el.tags[0], &msh->tet_tags));
  PetscCall(PetscSegBufferExtractAlloc(el.tags[1], &msh->tri_tags));
  PetscCall(PetscSegBufferExtractAlloc(el.entity[0], &msh->tet_entity));
  PetscCall(PetscSegBufferExtractAlloc(el.entity[1], &msh->tri_entity));
  PetscCall(PetscSegBufferExtractAlloc(el.phys[0], &msh->tet_phys));
  PetscCall(PetscSegBufferExtractAlloc(el.phys[1], &msh->tri_phys));
  for (int k = 0; k < 2; k++) {
    PetscCall(PetscSegBufferDestroy(&el.nodes[k]));
    PetscCall(PetscSegBufferDestroy(&el.tags[k]));
    PetscCall(PetscSegBufferDestroy(&el.entity[k]));
    PetscCall(PetscSegBufferDestroy(&el.phys[k]));
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Sections we do not need ($Periodic, $NodeData, ...) are skipped to their end marker. */
static PetscErrorCode SkipSection(Reader *r, const char name[])
{
  char        end[80];
  const void *hit;

  PetscFunctionBeginUser;
  snprintf(end, sizeof end, "$End%s", name);
  hit = NULL;
  for (size_t p = r->pos; p + strlen(end) <= r->size && !hit; p++)
    if (r->buf[p] == '$' && !memcmp(r->buf + p, end, strlen(end))) hit = r->buf + p;
  PetscCheck(hit, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s%s: section $%s has no %s: the file is truncated or damaged",
             r->path, At(r), name, end);
  r->pos = (size_t)((const unsigned char *)hit - r->buf) + strlen(end);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadSections(Reader *r, TwinfeMsh *msh)
{
  char name[64];

  PetscFunctionBeginUser;
  for (;;) {
    SkipSpace(r);
    if (r->pos >= r->size) break;
    r->section = "";
    PetscCall(SectionName(r, name));
    r->section = name;
    if (!strcmp(name, "PhysicalNames"))
      PetscCall(ReadPhysicalNames(r, msh));
    else if (!strcmp(name, "Entities") && r->major == 4)
      PetscCall(ReadEntities(r));
    else if (!strcmp(name, "Nodes"))
      PetscCall(ReadNodes(r, msh));
    else if (!strcmp(name, "Elements"))
      PetscCall(ReadElements(r, msh));
    else if (!strcmp(name, "MeshFormat"))
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "%s%s: a second $MeshFormat; a .msh file holds one mesh: save it again from Gmsh as one file", r->path, At(r));
    else {
      PetscCheck(strcmp(name, "PartitionedEntities"), PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "%s is a partitioned mesh, which twinfe does not read: save it whole (Gmsh: unpartition, or "
                 "Mesh.PartitionSplitMeshFiles "
                 "= 0 with no partitions), twinfe partitions the mesh itself",
                 r->path);
      PetscCheck(strncmp(name, "End", 3), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s%s: $%s without its section: the file is damaged or was edited by hand; save it again from Gmsh", r->path,
                 At(r), name);
      PetscCall(SkipSection(r, name));
    }
  }
  r->section = "";
  PetscCheck(msh->node_tags, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has no $Nodes section: it holds no mesh (was it saved before meshing? Gmsh: Mesh > 3D, then save)", r->path);
  PetscCheck(msh->have_elements, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s has no $Elements section: it holds no mesh (was it saved before meshing? Gmsh: Mesh > 3D, then save)", r->path);
  PetscFunctionReturn(0);
}

/* What the first bytes say when they are not a Gmsh file: a hint at what was given. */
static const char *WhatItIs(const unsigned char *b, size_t n)
{
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
    return "it is gzip-compressed (a .nii.gz label map? 'twinfe mesh' turns one into a mesh)";
  if (n >= 5 && !memcmp(b, "<?xml", 5)) return "it is an XML file (a VTK .vtu? give the mesh.msh written beside it)";
  if (n >= 5 && !memcmp(b, "solid", 5)) return "it looks like an STL surface, which has no tetrahedra";
  if (n >= 348 && (!memcmp(b + 344, "n+1", 4) || !memcmp(b + 344, "ni1", 4)))
    return "it is a NIfTI image ('twinfe mesh' turns one into a mesh)";
  if (n >= 4 && !memcmp(b, "$NOD", 4))
    return "it is a Gmsh file of format 1.0, which twinfe does not read: save it as MSH 4.1 or 2.2";
  return "it does not begin with $MeshFormat";
}

/* The file whole in memory, 0-terminated; refuses what is not a regular, readable file. */
static PetscErrorCode Slurp(const char path[], unsigned char **buf, size_t *size)
{
  struct stat st;
  FILE       *f;
  size_t      n = 0, got;

  PetscFunctionBeginUser;
  PetscCheck(stat(path, &st) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "Cannot read the mesh file %s: %s (expected a Gmsh .msh file)", path, strerror(errno));
  PetscCheck(!S_ISDIR(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "The mesh file %s is a folder: give the .msh file inside it (e.g. %s/mesh.msh, as 'twinfe mesh' writes)", path,
             path);
  PetscCheck(S_ISREG(st.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "The mesh file %s is not a regular file (a pipe or a device): give a Gmsh .msh file on disk", path);
  PetscCheck((uint64_t)st.st_size < (uint64_t)1 << 40, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "The mesh file %s is larger than 1 TiB, more than twinfe reads: give a coarser mesh", path);
  f = fopen(path, "rb");
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot read the mesh file %s: %s", path, strerror(errno));
  if (PetscMalloc1((size_t)st.st_size + 1, buf)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM,
            "Cannot hold the mesh file %s (%lld bytes) in memory: give a coarser mesh or run on a machine with more memory", path,
            (long long)st.st_size);
  }
  while (n < (size_t)st.st_size && (got = fread(*buf + n, 1, (size_t)st.st_size - n, f)) > 0)
    n += got;
  fclose(f);
  (*buf)[n] = 0;
  *size     = n;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMshRead_Private(const char path[], TwinfeMsh *msh)
{
  Reader         r;
  unsigned char *buf = NULL;
  size_t         size;
  char           name[64];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(msh, sizeof *msh));
  PetscCall(Slurp(path, &buf, &size));
  PetscCall(PetscMemzero(&r, sizeof r));
  r.path    = path;
  r.buf     = buf;
  r.size    = size;
  r.section = "";
  if (r.size >= 3 && !memcmp(r.buf, "\xef\xbb\xbf", 3)) r.pos = 3; /* a UTF-8 mark an editor may add */
  SkipSpace(&r);
  if (r.pos >= r.size) {
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "The mesh file %s is empty: expected a Gmsh .msh file (as 'twinfe mesh' writes)", path);
  }
  if (r.size - r.pos < 11 || memcmp(r.buf + r.pos, "$MeshFormat", 11)) {
    const char *what = WhatItIs(r.buf, r.size);
    PetscCall(PetscFree(buf));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s is not a Gmsh mesh file: %s; expected a .msh file (MSH 4.1 or 2.2)",
            path, what);
  }
  PetscCall(SectionName(&r, name));
  r.section = "$MeshFormat";
  ierr      = ReadMeshFormat(&r, msh);
  if (!ierr) ierr = ReadSections(&r, msh);
  PetscCall(PetscFree(r.ent));
  PetscCall(PetscFree(r.phys));
  PetscCall(PetscFree(buf));
  if (ierr) PetscCall(TwinfeMshDestroy_Private(msh));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeMshDestroy_Private(TwinfeMsh *msh)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(msh->node_tags, msh->node_xyz));
  PetscCall(PetscFree(msh->tet_nodes));
  PetscCall(PetscFree(msh->tri_nodes));
  PetscCall(PetscFree(msh->tet_tags));
  PetscCall(PetscFree(msh->tri_tags));
  PetscCall(PetscFree(msh->tet_entity));
  PetscCall(PetscFree(msh->tri_entity));
  PetscCall(PetscFree(msh->tet_phys));
  PetscCall(PetscFree(msh->tri_phys));
  for (PetscInt i = 0; i < msh->nnames; i++)
    PetscCall(PetscFree(msh->names[i]));
  PetscCall(PetscFree3(msh->name_dim, msh->name_tag, msh->names));
  PetscCall(PetscMemzero(msh, sizeof *msh));
  PetscFunctionReturn(0);
}
