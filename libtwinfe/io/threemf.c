/* libtwinfe io stage: 3MF for multi-material printers, through lib3mf (Debian's lib3mf-dev).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Why 3MF beside STL: an STL is one nameless, colourless triangle soup a file; a 3MF holds
 * several named objects, each with its material and display colour, so a multi-material
 * printer keeps the tumour apart from the organ and the slicer shows which is which.
 * lib3mf 1.8's header is C++ (its functions sit in a namespace), but the functions themselves
 * have C linkage: the few used here are declared below with their C types, as the library
 * exports them (NMR_DLLInterfaces.h: LIB3MFRESULT is int, DWORD unsigned int, BOOL int). */
#include "ioimpl.h"

#include <stdio.h>
#include <string.h>
#include <twinfe/io.h>

typedef void Lib3MF; /* every lib3mf object: model, mesh object, material group, writer, ... */

extern int lib3mf_createmodel(Lib3MF **model);
extern int lib3mf_release(Lib3MF *instance);
extern int lib3mf_getlasterror(Lib3MF *instance, unsigned int *code, const char **message);
extern int lib3mf_model_addbasematerialgroup(Lib3MF *model, Lib3MF **group);
extern int lib3mf_basematerial_addmaterialutf8(Lib3MF *group, const char *name, unsigned char r, unsigned char g, unsigned char b,
                                               unsigned int *index);
extern int lib3mf_basematerial_setdisplaycolorrgba(Lib3MF *group, unsigned int index, unsigned char r, unsigned char g,
                                                   unsigned char b, unsigned char a);
extern int lib3mf_resource_getresourceid(Lib3MF *resource, unsigned int *id);
extern int lib3mf_model_addmeshobject(Lib3MF *model, Lib3MF **mesh);
extern int lib3mf_object_setnameutf8(Lib3MF *object, const char *name);
extern int lib3mf_meshobject_setgeometry(Lib3MF *mesh, const float *vertices, unsigned int nvertices,
                                         const unsigned int *triangles, unsigned int ntriangles);
extern int lib3mf_object_createdefaultpropertyhandler(Lib3MF *object, Lib3MF **handler);
extern int lib3mf_defaultpropertyhandler_setbasematerial(Lib3MF *handler, unsigned int group_id, unsigned int index);
extern int lib3mf_defaultpropertyhandler_getbasematerial(Lib3MF *handler, unsigned int *group_id, unsigned int *index);
extern int lib3mf_model_addbuilditem(Lib3MF *model, Lib3MF *object, const void *transform, Lib3MF **item);
extern int lib3mf_model_querywriter(Lib3MF *model, const char *writer_class, Lib3MF **writer);
extern int lib3mf_writer_writetofileutf8(Lib3MF *writer, const char *path);
extern int lib3mf_model_queryreader(Lib3MF *model, const char *reader_class, Lib3MF **reader);
extern int lib3mf_reader_readfromfileutf8(Lib3MF *reader, const char *path);
extern int lib3mf_model_getmeshobjects(Lib3MF *model, Lib3MF **iterator);
extern int lib3mf_resourceiterator_movenext(Lib3MF *iterator, int *has_next);
extern int lib3mf_resourceiterator_getcurrent(Lib3MF *iterator, Lib3MF **resource);
extern int lib3mf_object_getnameutf8(Lib3MF *object, char *buffer, unsigned int size, unsigned int *needed);
extern int lib3mf_meshobject_getvertexcount(Lib3MF *mesh, unsigned int *count);
extern int lib3mf_meshobject_gettrianglecount(Lib3MF *mesh, unsigned int *count);
extern int lib3mf_model_getbasematerialbyid(Lib3MF *model, unsigned int id, Lib3MF **group);
extern int lib3mf_basematerial_getdisplaycolor(Lib3MF *group, unsigned int index, unsigned char *r, unsigned char *g,
                                               unsigned char *b, unsigned char *a);

/* A lib3mf call that failed, with the library's own message, naming the file. */
#define LIB3MF_CALL(instance, call, path, what)                                                                                  \
  do {                                                                                                                           \
    if ((call) != 0) {                                                                                                           \
      unsigned int code_    = 0;                                                                                                 \
      const char  *message_ = NULL;                                                                                              \
      if (instance) (void)lib3mf_getlasterror(instance, &code_, &message_);                                                      \
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "3MF %s: lib3mf could not %s (error %u: %s)", path, what, code_,                   \
              message_ ? message_ : "no message");                                                                               \
    }                                                                                                                            \
  } while (0)

static PetscErrorCode AddObject(Lib3MF *model, const TwinfeThreeMFPart *part, unsigned int group_id, unsigned int index,
                                const char path[])
{
  Lib3MF       *mesh = NULL, *handler = NULL, *item = NULL;
  float        *vertices;
  unsigned int *triangles;

  PetscFunctionBeginUser;
  PetscCheck(part->nvertices > 0 && part->ntriangles > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "3MF %s: object %s is empty",
             path, part->name);
  for (PetscInt i = 0; i < 3 * part->ntriangles; i++)
    PetscCheck(part->tri[i] >= 0 && part->tri[i] < part->nvertices, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "3MF %s: object %s: triangle %" PetscInt_FMT " refers to vertex %" PetscInt_FMT " of %" PetscInt_FMT, path,
               part->name, i / 3, part->tri[i], part->nvertices);
  PetscCall(PetscMalloc2(3 * part->nvertices, &vertices, 3 * part->ntriangles, &triangles));
  for (PetscInt i = 0; i < 3 * part->nvertices; i++)
    vertices[i] = (float)part->xyz[i];
  for (PetscInt i = 0; i < 3 * part->ntriangles; i++)
    triangles[i] = (unsigned int)part->tri[i];
  LIB3MF_CALL(model, lib3mf_model_addmeshobject(model, &mesh), path, "add a mesh object");
  LIB3MF_CALL(mesh, lib3mf_object_setnameutf8(mesh, part->name), path, "name an object");
  LIB3MF_CALL(
      mesh,
      lib3mf_meshobject_setgeometry(mesh, vertices, (unsigned int)part->nvertices, triangles, (unsigned int)part->ntriangles),
      path, "set an object's triangles");
  LIB3MF_CALL(mesh, lib3mf_object_createdefaultpropertyhandler(mesh, &handler), path, "give an object a material");
  LIB3MF_CALL(handler, lib3mf_defaultpropertyhandler_setbasematerial(handler, group_id, index), path,
              "give an object a material");
  LIB3MF_CALL(model, lib3mf_model_addbuilditem(model, mesh, NULL, &item), path, "add a build item");
  (void)lib3mf_release(item);
  (void)lib3mf_release(handler);
  (void)lib3mf_release(mesh);
  PetscCall(PetscFree2(vertices, triangles));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteModel(PetscInt nparts, const TwinfeThreeMFPart parts[], const char path[], const char tmp[])
{
  Lib3MF      *model = NULL, *group = NULL, *writer = NULL;
  unsigned int group_id;

  PetscFunctionBeginUser;
  LIB3MF_CALL(NULL, lib3mf_createmodel(&model), path, "create a model");
  LIB3MF_CALL(model, lib3mf_model_addbasematerialgroup(model, &group), path, "add a material group");
  LIB3MF_CALL(group, lib3mf_resource_getresourceid(group, &group_id), path, "number a material group");
  for (PetscInt p = 0; p < nparts; p++) {
    unsigned int index;
    LIB3MF_CALL(
        group,
        lib3mf_basematerial_addmaterialutf8(group, parts[p].name, parts[p].rgb[0], parts[p].rgb[1], parts[p].rgb[2], &index),
        path, "add a material");
    /* lib3mf 1.8 gives an added material alpha 0 (transparent in a slicer's view): opaque */
    LIB3MF_CALL(group,
                lib3mf_basematerial_setdisplaycolorrgba(group, index, parts[p].rgb[0], parts[p].rgb[1], parts[p].rgb[2], 255),
                path, "colour a material");
    PetscCall(AddObject(model, &parts[p], group_id, index, path));
  }
  LIB3MF_CALL(model, lib3mf_model_querywriter(model, "3mf", &writer), path, "make a 3MF writer");
  LIB3MF_CALL(writer, lib3mf_writer_writetofileutf8(writer, tmp), path, "write the file");
  (void)lib3mf_release(writer);
  (void)lib3mf_release(group);
  (void)lib3mf_release(model);
  PetscFunctionReturn(0);
}

/*@C
  TwinfeWrite3MF - Write parts as one 3MF file: per part a named mesh object with its own base
  material (the part's name and display colour), in mm.

  Not collective

  Notes: written to path.tmp and renamed; coordinates are stored as 32-bit floats (3MF's).
@*/
PetscErrorCode TwinfeWrite3MF(PetscInt nparts, const TwinfeThreeMFPart parts[], const char path[])
{
  char           tmp[PETSC_MAX_PATH_LEN];
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(nparts > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "3MF %s: no part given", path);
  PetscCall(TwinfeIOCheckFolder(path));
  PetscCall(TwinfeIOTemporaryPath(path, tmp, sizeof tmp));
  ierr = WriteModel(nparts, parts, path, tmp);
  if (ierr) (void)remove(tmp);
  PetscCall(ierr);
  PetscCall(TwinfeIOCommit(tmp, path));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadObject(Lib3MF *model, Lib3MF *mesh, TwinfeThreeMFObject *o, const char path[])
{
  Lib3MF      *handler = NULL, *group = NULL;
  unsigned int needed = 0, nv, nt, group_id, index;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(o, sizeof *o));
  LIB3MF_CALL(mesh, lib3mf_object_getnameutf8(mesh, o->name, sizeof o->name, &needed), path, "read an object's name");
  LIB3MF_CALL(mesh, lib3mf_meshobject_getvertexcount(mesh, &nv), path, "count an object's vertices");
  LIB3MF_CALL(mesh, lib3mf_meshobject_gettrianglecount(mesh, &nt), path, "count an object's triangles");
  o->nvertices = nv, o->ntriangles = nt;
  LIB3MF_CALL(mesh, lib3mf_object_createdefaultpropertyhandler(mesh, &handler), path, "read an object's material");
  if (lib3mf_defaultpropertyhandler_getbasematerial(handler, &group_id, &index) == 0 &&
      lib3mf_model_getbasematerialbyid(model, group_id, &group) == 0) {
    LIB3MF_CALL(group, lib3mf_basematerial_getdisplaycolor(group, index, &o->rgb[0], &o->rgb[1], &o->rgb[2], &o->alpha), path,
                "read a material's colour");
    o->has_color = PETSC_TRUE;
    (void)lib3mf_release(group);
  }
  (void)lib3mf_release(handler);
  PetscFunctionReturn(0);
}

/*@C
  TwinfeRead3MFObjects - The mesh objects of a 3MF file as lib3mf reads them: name, vertex and
  triangle counts, and the display colour of the object's base material. For checks.

  Not collective
@*/
PetscErrorCode TwinfeRead3MFObjects(const char path[], PetscInt max, PetscInt *nobjects, TwinfeThreeMFObject objects[])
{
  Lib3MF *model = NULL, *reader = NULL, *iterator = NULL;
  int     more = 0;

  PetscFunctionBeginUser;
  *nobjects = 0;
  LIB3MF_CALL(NULL, lib3mf_createmodel(&model), path, "create a model");
  LIB3MF_CALL(model, lib3mf_model_queryreader(model, "3mf", &reader), path, "make a 3MF reader");
  LIB3MF_CALL(reader, lib3mf_reader_readfromfileutf8(reader, path), path, "read the file");
  LIB3MF_CALL(model, lib3mf_model_getmeshobjects(model, &iterator), path, "list the mesh objects");
  while (lib3mf_resourceiterator_movenext(iterator, &more) == 0 && more) {
    Lib3MF *mesh = NULL;
    LIB3MF_CALL(iterator, lib3mf_resourceiterator_getcurrent(iterator, &mesh), path, "read a mesh object");
    if (*nobjects < max) PetscCall(ReadObject(model, mesh, &objects[*nobjects], path));
    (*nobjects)++;
    (void)lib3mf_release(mesh);
  }
  (void)lib3mf_release(iterator);
  (void)lib3mf_release(reader);
  (void)lib3mf_release(model);
  PetscFunctionReturn(0);
}
