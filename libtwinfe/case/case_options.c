/* Every option a case reads, declared once and grouped by stage (so -help and `twinfe <command>
 * -h` list each with its help text, units and default), its value checked here before any
 * work, and any option or case-file key that nothing reads refused with the closest known name.
 * The stages still read their own options where they use them; this file only makes sure that
 * what they will read is well formed and that nothing else was given.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* strdup, strcasecmp */
#include "case_options.h"
#include "physics/names_impl.h"

#include <petscsnes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* What the options database holds is process-wide, and so is the record of where its entries
   came from: the case whose options are checked, the case file's keys and lines, the command
   line, and the region names the case file gives. */
static struct {
  TwinfeCase     owner;
  TwinfeYamlKey *keys;
  PetscInt       nkeys;
  char           case_file[PETSC_MAX_PATH_LEN];
  int            argc;
  char         **argv;
  PetscInt       nfile_names;
  char           file_names[TWINFE_CASE_MAX_REGIONS][TWINFE_NAME_LEN];
} state;

#define SOLVER_PREFIX "elasticity_"

/* ---------- where an option came from ---------- */

/* The command line first (in its order), then the case file's keys by line, then the rest. */
static int DescribeSource(const char name[], char text[], size_t len, void *ctx)
{
  (void)ctx;
  for (int i = 1; i < state.argc; ++i)
    if (state.argv[i][0] == '-' && !strcasecmp(state.argv[i] + 1, name)) return i; /* the command line wins */
  for (PetscInt i = 0; i < state.nkeys; ++i)
    if (!strcasecmp(state.keys[i].option + 1, name)) {
      snprintf(text, len, " (key '%s' in case file %s line %d)", state.keys[i].display, state.case_file, state.keys[i].line);
      return state.argc + state.keys[i].line;
    }
  return INT_MAX;
}

PetscErrorCode TwinfeCaseOptionsReset(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(state.keys));
  PetscCall(PetscMemzero(&state, sizeof state));
  (void)c;
  TwinfeOptionsSetDescribe(DescribeSource, NULL);
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeKeys(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(state.keys));
  state.nkeys = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseOptionsScanFile(TwinfeCase c, const char case_file[])
{
  static PetscBool registered = PETSC_FALSE;
  PetscFunctionBegin;
  (void)c;
  if (!registered) PetscCall(PetscRegisterFinalize(FreeKeys)); /* the record outlives the case, not PETSc */
  registered = PETSC_TRUE;
  PetscCall(PetscFree(state.keys));
  state.nkeys = 0;
  PetscCall(PetscStrncpy(state.case_file, case_file, sizeof state.case_file));
  PetscCall(TwinfeCaseYamlScan(case_file, &state.keys, &state.nkeys));
  PetscFunctionReturn(0);
}

/* A name that can prefix options; the declarations refuse the others with a message. */
static PetscBool UsableName(const char name[])
{
  if (!name[0] || strlen(name) >= TWINFE_NAME_LEN) return PETSC_FALSE;
  for (const char *p = name; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode TwinfeCaseOptionsRecordFile(TwinfeCase c, int argc, char **argv)
{
  char     *names[TWINFE_CASE_MAX_REGIONS];
  PetscInt  n = TWINFE_CASE_MAX_REGIONS;
  PetscBool set;
  PetscFunctionBegin;
  (void)c;
  state.argc        = argc;
  state.argv        = argv;
  state.nfile_names = 0;
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-names", names, &n, &set));
  for (PetscInt i = 0; set && i < n; ++i) {
    if (UsableName(names[i])) PetscCall(PetscStrncpy(state.file_names[state.nfile_names++], names[i], TWINFE_NAME_LEN));
    PetscCall(PetscFree(names[i]));
  }
  PetscFunctionReturn(0);
}

/* ---------- declarations, by stage ---------- */

typedef struct {
  PetscInt nregions; /* from -labels; 0 when the image will tell */
  char     names[TWINFE_CASE_MAX_REGIONS][TWINFE_NAME_LEN];
} Regions;

static PetscErrorCode CheckNames(MPI_Comm comm, PetscInt nnames, char *names[], PetscInt nlabels, const PetscInt labels[])
{
  PetscFunctionBegin;
  PetscCheck(nlabels > 0 || nnames == 0, comm, PETSC_ERR_ARG_WRONG,
             "-names is given without -labels: give the label of each name, e.g. -labels 1,2 -names organ,tumor");
  PetscCheck(nnames == 0 || nnames == nlabels, comm, PETSC_ERR_ARG_WRONG,
             "-names gives %" PetscInt_FMT " names for %" PetscInt_FMT " -labels: give one name per label", nnames, nlabels);
  for (PetscInt i = 0; i < nlabels; ++i)
    PetscCheck(labels[i] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-labels value %" PetscInt_FMT " is out of range: labels are positive (0 is background)", labels[i]);
  for (PetscInt i = 0; i < nnames; ++i) {
    PetscCall(TwinfeCaseCheckRegionName(names[i], "-names"));
    for (PetscInt j = 0; j < i; ++j)
      PetscCheck(strcmp(names[i], names[j]), comm, PETSC_ERR_ARG_WRONG,
                 "-names gives '%s' twice: each region needs its own name (it names its options and its STL file)", names[i]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareImage(MPI_Comm comm, Regions *r)
{
  char           image[PETSC_MAX_PATH_LEN], *names[TWINFE_CASE_MAX_REGIONS];
  PetscInt       labels[TWINFE_CASE_MAX_REGIONS] = {0}, nlabels = 0, nnames = 0, max_voxels = PETSC_MAX_INT;
  PetscInt       island_voxels    = TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT;
  PetscReal      island_percent   = TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT;
  PetscBool      repair           = PETSC_TRUE;
  PetscReal      threshold        = 0;
  PetscInt       inside           = 0;
  const char    *inside_choices[] = {"above", "below"};
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Label map and regions", "twinfe");
  TwinfeOptionsTry(
      declared,
      TwinfeOptionsString(PetscOptionsObject, "-image",
                          "label map (.nii, .nii.gz, .nrrd, .nhdr, .seg.nrrd, .mha, .mhd, .vti); relative to the case file", "",
                          image, sizeof image, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsIntArray(PetscOptionsObject, "-labels",
                                                   "labels to model, e.g. 1,2 (default: every non-zero label)",
                                                   TWINFE_CASE_MAX_REGIONS, labels, &nlabels, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsStringArray(
                                 PetscOptionsObject, "-names",
                                 "a name per label: letters, digits, _ (default label_<n>); names -<name>_E and <name>.stl",
                                 TWINFE_CASE_MAX_REGIONS, names, &nnames, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-image_repair_pinches",
                                               "give a voxel to each edge or corner pinch so that every surface is manifold",
                                               repair, &repair, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-image_max_voxels", "largest image accepted, in voxels",
                                              max_voxels, &max_voxels, NULL));
  /* An island goes only when under both: a speck of a big label, never a piece that is
     large in voxels or a real share of its label (0 for either keeps every piece). */
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-image_island_voxels",
                                              "remove a piece of a label (26-connected, not its largest) only if it has fewer "
                                              "voxels than this and ...",
                                              island_voxels, &island_voxels, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-image_island_percent",
                                               "... is less than this percent of its label's voxels; removed islands are listed",
                                               island_percent, &island_percent, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-threshold",
                                               "float image (probability map, soft mask) -> label 1 where the value is above T "
                                               "(see -inside); not set: a float image must hold whole numbers",
                                               threshold, &threshold, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-inside",
                                                 "with -threshold: label 1 where the value is above or below it", inside_choices,
                                                 2, inside, &inside, NULL));
  PetscOptionsEnd();
  PetscCall(declared);
  ierr        = CheckNames(comm, nnames, names, nlabels, labels);
  r->nregions = nlabels;
  for (PetscInt i = 0; i < nlabels; ++i) {
    if (i < nnames && !ierr)
      PetscCall(PetscStrncpy(r->names[i], names[i], TWINFE_NAME_LEN));
    else
      snprintf(r->names[i], TWINFE_NAME_LEN, "label_%d", (int)labels[i]);
  }
  for (PetscInt i = 0; i < nnames; ++i)
    PetscCall(PetscFree(names[i]));
  PetscCall(ierr);
  PetscCheck(max_voxels > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-image_max_voxels %" PetscInt_FMT " must be positive", max_voxels);
  PetscCheck(island_voxels >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-image_island_voxels %" PetscInt_FMT " is negative: give 0 (keep every piece) or more voxels (default %d)",
             island_voxels, TWINFE_IMAGE_ISLAND_VOXELS_DEFAULT);
  PetscCheck(island_percent >= 0 && island_percent <= 100, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-image_island_percent %g is outside 0 to 100 (percent of the label's voxels; default %g)", (double)island_percent,
             (double)TWINFE_IMAGE_ISLAND_PERCENT_DEFAULT);
  PetscFunctionReturn(0);
}

/* -surface_cut_planes: 6 numbers per plane (surface/cut.c cuts; docs/surface_caps.md), checked
   here so that a bad plane is refused before any work. */
#define TWINFE_CUT_PLANES_MAX 63
static PetscErrorCode CheckCutPlanes(MPI_Comm comm, PetscInt n, const PetscReal v[])
{
  PetscFunctionBegin;
  PetscCheck(n <= 6 * TWINFE_CUT_PLANES_MAX, comm, PETSC_ERR_ARG_SIZ,
             "-surface_cut_planes has more than %d planes: give at most %d", TWINFE_CUT_PLANES_MAX, TWINFE_CUT_PLANES_MAX);
  PetscCheck(n > 0 && n % 6 == 0, comm, PETSC_ERR_ARG_SIZ,
             "-surface_cut_planes has %" PetscInt_FMT " values: give 6 per plane, px,py,pz,nx,ny,nz (a point inside the "
             "vessel's cross-section and the normal toward the part to remove, LPS mm)",
             n);
  for (PetscInt i = 0; i < n / 6; i++) {
    const PetscReal *q = v + 6 * i;
    PetscCheck(q[3] * q[3] + q[4] * q[4] + q[5] * q[5] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-surface_cut_planes plane %" PetscInt_FMT " has the normal (0, 0, 0): give a direction toward the part to remove",
               i + 1);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareSurface(MPI_Comm comm)
{
  PetscInt  iterations = 20;
  PetscReal passband = 0.1, angle = 120;
  PetscReal max_shift         = 0.3;
  PetscInt  remesh_iterations = 5, remesh_pieces = 2;
  PetscBool edges = PETSC_TRUE, nonmanifold = PETSC_TRUE, caps = PETSC_FALSE, cut_set = PETSC_FALSE;
  PetscReal cut[TWINFE_CUT_PLANES_MAX * 6 + 1];
  PetscInt  ncut = TWINFE_CUT_PLANES_MAX * 6 + 1;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Surfaces", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-surface_smooth_iterations",
                                              "windowed-sinc smoothing iterations, 0 to 1000", iterations, &iterations, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-surface_smooth_passband",
                                               "smoothing pass band in (0, 2]; smaller smooths more and shrinks thin labels",
                                               passband, &passband, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-surface_feature_angle",
                                     "degrees, 0 to 180: sharper edges are kept (voxel creases are 90)", angle, &angle, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-surface_smooth_feature_edges",
                                               "keep feature edges while smoothing", edges, &edges, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-surface_smooth_nonmanifold",
                                     "smooth along triple lines (edges of three regions) too", nonmanifold, &nonmanifold, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-surface_smooth_max_shift",
                                               "voxels, 0 to 10: smoothing moves no vertex further along a grid axis, so "
                                               "sheets one voxel apart keep a gap (0: no limit)",
                                               max_shift, &max_shift, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsInt(PetscOptionsObject, "-surface_remesh_iterations",
                                    "rounds of split, collapse, flip and relaxation when the surface is remeshed, 1 to 100",
                                    remesh_iterations, &remesh_iterations, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-surface_remesh_pieces",
                                              "1: remesh the surface whole; 2: two halves at once, then the band between them "
                                              "(default 2 from 40000 triangles, the same result on any number of threads)",
                                              remesh_pieces, &remesh_pieces, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-surface_caps",
                                               "flat caps, each with its own facet tag (TwinfeCapTag), where a region meets the "
                                               "image's border (a vessel's inlets and outlets)",
                                               caps, &caps, NULL));
  TwinfeOptionsTry(declared,
                   PetscOptionsRealArray("-surface_cut_planes",
                                         "cut vessels where the planner wants their inlet or outlet: 6 numbers per plane, "
                                         "px,py,pz,nx,ny,nz (LPS mm), a point inside the vessel's cross-section and the "
                                         "normal toward the part to remove; a flat cap with its own facet tag closes each cut",
                                         PetscOptionsObject->title, cut, &ncut, &cut_set));
  PetscOptionsEnd();
  PetscCall(declared);
  if (cut_set) PetscCall(CheckCutPlanes(comm, ncut, cut));
  PetscCheck(iterations >= 0 && iterations <= 1000, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_smooth_iterations %" PetscInt_FMT " is out of range: give 0 to 1000 (default 20)", iterations);
  PetscCheck(passband > 0 && passband <= 2, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_smooth_passband %g is out of range: give a value in (0, 2] (default 0.1)", (double)passband);
  PetscCheck(angle >= 0 && angle <= 180, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_feature_angle %g is out of range: give 0 to 180 degrees (default 120)", (double)angle);
  PetscCheck(max_shift >= 0 && max_shift <= 10, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_smooth_max_shift %g is out of range: give 0 to 10 voxels (default 0.3, 0 for no limit)",
             (double)max_shift);
  PetscCheck(remesh_iterations >= 1 && remesh_iterations <= 100, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_remesh_iterations %" PetscInt_FMT " is out of range: give 1 to 100 (default 5)", remesh_iterations);
  PetscCheck(remesh_pieces == 1 || remesh_pieces == 2, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-surface_remesh_pieces %" PetscInt_FMT " is not supported: give 1 (whole) or 2 (two halves and a band)",
             remesh_pieces);
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareMesh(MPI_Comm comm)
{
  const char *algorithms[] = {"hxt", "delaunay"};
  PetscInt    algorithm = 0, optimize = 1, threads = 1, groups = 2, refine = 0;
  PetscBool   verbose = PETSC_FALSE, improve = PETSC_TRUE, msh_binary = PETSC_TRUE, snap = PETSC_TRUE;
  PetscReal   min_radius_ratio = 0.1, min_dihedral = 10.0, size = 1.5, grading = 0, size_max = 0;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Tetrahedral mesh (Gmsh)", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-mesh_algorithm",
                                                 "3D algorithm: hxt (fast) or delaunay (reproducible)", algorithms, 2, algorithm,
                                                 &algorithm, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-mesh_optimize",
                                              "1: Gmsh's optimiser removes slivers; 0 leaves them", optimize, &optimize, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsInt(PetscOptionsObject, "-mesh_threads",
                                    "Gmsh threads, 1 to 1024 (default 1: on more, Gmsh 4.8.4's HXT leaves vertices split, "
                                    "which are joined and checked, and was seen to abort)",
                                    threads, &threads, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsInt(PetscOptionsObject, "-mesh_groups",
                                    "volume groups, 1 to 64, each meshed by its own Gmsh model (default 2; with -threads "
                                    "above 1 they are meshed at once, in forked processes)",
                                    groups, &groups, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-mesh_verbose", "show Gmsh's messages", verbose, &verbose, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-mesh_size",
                                               "target edge length, mm (0 keeps the voxel surface; not given: 1.5, or the voxel "
                                               "surface when the voxels are not 1.2 x finer); -<name>_mesh_size for one region",
                                               size, &size, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-mesh_grading",
                                               "growth of the tet size per mm of depth below the surface, 0 to 2 (0: the "
                                               "surface size throughout; 0.3 grades the inside of organs coarser)",
                                               grading, &grading, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-mesh_size_max",
                                               "largest tet size of a graded interior, mm (0: 3 times the largest surface edge)",
                                               size_max, &size_max, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-mesh_refine",
                                              "refinements of the mesh after it is distributed, 0 to 4: each splits every tet "
                                              "into 8 on the rank that holds it (mesh.msh stays the coarse mesh; P1 elasticity "
                                              "then solves by geometric multigrid over the levels)",
                                              refine, &refine, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-mesh_snap",
                                     "with -mesh_refine, move the refined boundary and interface vertices onto the "
                                     "segmented (smoothed) surface, never below -mesh_min_radius_ratio (false: they stay on "
                                     "the coarse facets)",
                                     snap, &snap, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-mesh_msh_binary",
                                               "write mesh.msh as Gmsh's binary MSH 4.1 (false: text, for reading by eye)",
                                               msh_binary, &msh_binary, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-mesh_improve",
                                     "after Gmsh, remove tets below the two bounds that follow (flips, moves, insertions)",
                                     improve, &improve, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-mesh_min_radius_ratio", "lowest radius ratio 3r/R kept, in (0, 0.5)",
                                     min_radius_ratio, &min_radius_ratio, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-mesh_min_dihedral", "lowest dihedral angle kept, degrees, in (0, 40)",
                                     min_dihedral, &min_dihedral, NULL));
  PetscOptionsEnd();
  PetscCall(declared);
  PetscCheck(optimize == 0 || optimize == 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_optimize %" PetscInt_FMT " must be 0 or 1 (0 leaves slivers)", optimize);
  PetscCheck(threads >= 1 && threads <= 1024, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_threads %" PetscInt_FMT " must be between 1 and 1024", threads);
  PetscCheck(groups >= 1 && groups <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_groups %" PetscInt_FMT " must be between 1 and 64 (default 2)", groups);
  PetscCheck(grading >= 0 && grading <= 2, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_grading %g must lie in [0, 2] (mm of tet size per mm of depth; 0 keeps the surface size throughout)",
             (double)grading);
  PetscCheck(refine >= 0 && refine <= 4, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_refine %" PetscInt_FMT " must be between 0 and 4 (each refinement multiplies the tets by 8)", refine);
  PetscCheck(size_max >= 0 && size_max <= 1000, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-mesh_size_max %g mm must lie in [0, 1000] (0: 3 times the largest surface edge)", (double)size_max);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckMaterial(MPI_Comm comm, const char option_prefix[], PetscReal E, PetscReal nu, PetscReal density)
{
  PetscFunctionBegin;
  PetscCheck(E > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Young's modulus -%sE is %g Pa: it must be positive (soft tissue: 1e3 to 1e5 Pa)", option_prefix, (double)E);
  PetscCheck(nu > -1.0 && nu < 0.5, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Poisson ratio -%snu is %g: it must lie in (-1, 0.5) (soft tissue: 0.40 to 0.49)", option_prefix, (double)nu);
  PetscCheck(density >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Density -%sdensity is %g g/mm^3: it must not be negative (tissue: about 1.06e-3)", option_prefix, (double)density);
  PetscFunctionReturn(0);
}

/* The law and the moduli other than E and nu (physics/elasticity_run.c resolves and checks
   them, docs/mechanics.md): declared here so that they are known and listed by -help. */
static PetscErrorCode DeclareLawOptions(PetscOptionItems *PetscOptionsObject, const char whose[], PetscErrorCode *declared)
{
  PetscInt  model = 0;
  PetscReal mu = 0, kappa = 0, c10 = 0, c01 = 0;
  char      text[4][160];
  PetscFunctionBegin;
  snprintf(text[0], sizeof text[0], "%s law: linear (small strain), neo_hookean or mooney_rivlin (finite strain)", whose);
  snprintf(text[1], sizeof text[1], "%s shear modulus, Pa (with -kappa or -nu, instead of -E)", whose);
  snprintf(text[2], sizeof text[2], "%s bulk modulus, Pa (with -mu)", whose);
  snprintf(text[3], sizeof text[3], "%s Mooney-Rivlin C10 and C01, Pa (with -kappa or -nu)", whose);
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsChoice(PetscOptionsObject, "-material", text[0], TwinfeMaterialModels, 3, model, &model, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-mu", text[1], mu, &mu, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-kappa", text[2], kappa, &kappa, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-C10", text[3], c10, &c10, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-C01", text[3], c01, &c01, NULL));
  PetscFunctionReturn(0);
}

/* -<name>_E, -<name>_nu, -<name>_density (and the law's, DeclareLawOptions); their defaults
   are -E, -nu, -density. */
static PetscErrorCode DeclareRegionMaterial(MPI_Comm comm, const char name[], PetscReal E, PetscReal nu, PetscReal density)
{
  char      prefix[TWINFE_NAME_LEN + 1];
  PetscReal size   = 0;
  PetscInt  tissue = 0;
  PetscFunctionBegin;
  snprintf(prefix, sizeof prefix, "%s_", name);
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, prefix, "Material of one region", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-E", "this region's Young's modulus, Pa", E, &E, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-nu", "this region's Poisson ratio, in (-1, 0.5)", nu, &nu, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-density", "this region's density, g/mm^3", density, &density, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-tissue",
                                                 "this region's E, nu and density from a tissue's defaults (docs/tissues.md); "
                                                 "its own -E, -nu, -density still win",
                                                 TwinfeTissueNames, 7, tissue, &tissue, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-mesh_size",
                                     "this region's target edge length, mm (0 keeps its voxel surface)", size, &size, NULL));
  PetscCall(DeclareLawOptions(PetscOptionsObject, "this region's", &declared));
  PetscOptionsEnd();
  PetscCall(declared);
  PetscCall(CheckMaterial(comm, prefix, E, nu, density));
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareMaterials(MPI_Comm comm, PetscInt n, const char names[][TWINFE_NAME_LEN])
{
  PetscReal E = 5000.0, nu = 0.45, density = 1.06e-3;
  PetscInt  tissue = 0;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Materials (every region; -<name>_E etc. for one)", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-E",
                                               "Young's modulus of every region without its own -<name>_E, Pa", E, &E, NULL));
  TwinfeOptionsTry(
      declared, TwinfeOptionsReal(PetscOptionsObject, "-nu", "Poisson ratio, in (-1, 0.5); tissue 0.40 to 0.49", nu, &nu, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-density", "density, g/mm^3 (tissue about 1.06e-3)", density,
                                               &density, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-tissue",
                                                 "every region's E, nu and density from a tissue's defaults: liver, kidney, "
                                                 "brain, tumor, fat, muscle, vessel_wall (docs/tissues.md)",
                                                 TwinfeTissueNames, 7, tissue, &tissue, NULL));
  PetscCall(DeclareLawOptions(PetscOptionsObject, "every region's", &declared));
  if (!declared && PetscOptionsObject->printhelp && !PetscOptionsObject->alreadyprinted)
    declared = (*PetscHelpPrintf)(comm, "  -<name>_E -<name>_nu -<name>_density -<name>_material -<name>_mu -<name>_kappa "
                                        "-<name>_C10 -<name>_C01: one region's material (same units), for each name of -names "
                                        "(label_<n> without -names)\n");
  PetscOptionsEnd();
  PetscCall(declared);
  PetscCall(CheckMaterial(comm, "", E, nu, density));
  for (PetscInt i = 0; i < n; ++i)
    PetscCall(DeclareRegionMaterial(comm, names[i], E, nu, density));
  /* a case file's regions keep their options when the command line models fewer of them */
  for (PetscInt i = 0; i < state.nfile_names; ++i)
    PetscCall(DeclareRegionMaterial(comm, state.file_names[i], E, nu, density));
  PetscFunctionReturn(0);
}

/* A rigid retractor (physics/elasticity_run.c reads and checks it; docs/mechanics.md). */
static PetscErrorCode DeclareRetractor(PetscOptionItems *PetscOptionsObject, PetscErrorCode *declared)
{
  PetscReal v3[3] = {0, 0, 0}, size = 0, path[3 * TWINFE_TOOL_MAX_WAYPOINTS] = {0};
  PetscInt  npath = 3 * TWINFE_TOOL_MAX_WAYPOINTS;
  PetscInt  shape = 0, tags[TWINFE_CASE_MAX_REGIONS] = {0}, ntags = 0;
  PetscFunctionBegin;
  TwinfeOptionsTry(*declared, TwinfeOptionsChoice(PetscOptionsObject, "-retractor_shape",
                                                  "a rigid tool that holds the tissue inside its shape and moves it over the "
                                                  "load steps: plane, cylinder or spatula (elasticity; docs/mechanics.md)",
                                                  TwinfeToolShapes, 3, shape, &shape, NULL));
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsRealArray(PetscOptionsObject, "-retractor_center", "the tool's center, LPS mm", 3, v3, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsRealArray(PetscOptionsObject, "-retractor_axis",
                                                     "a plane's or spatula's normal, a cylinder's axis", 3, v3, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsRealArray(PetscOptionsObject, "-retractor_blade",
                                                     "a spatula's length direction (not along its normal)", 3, v3, NULL));
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsRealArray(PetscOptionsObject, "-retractor_motion",
                                          "the tool's travel over all load steps, mm (LPS; or -retractor_path)", 3, v3, NULL));
  TwinfeOptionsTry(*declared,
                   PetscOptionsRealArray("-retractor_path",
                                         "the tool's displacement at waypoints x1,y1,z1,x2,... (mm, LPS), reached at equal "
                                         "shares of the load steps, straight between them (instead of -retractor_motion)",
                                         PetscOptionsObject->title, path, &npath, NULL));
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-retractor_radius", "a cylinder's radius, mm", size, &size, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-retractor_length",
                                                "a cylinder's (0: unbounded) or spatula's length, mm", size, &size, NULL));
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-retractor_width", "a spatula's width, mm", size, &size, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-retractor_thickness",
                                                "a plane's or spatula's thickness: the tissue within half of it is held, mm",
                                                size, &size, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsIntArray(PetscOptionsObject, "-retractor_tags",
                                                    "facet tags the tool may hold (default: every region's outer surface)",
                                                    TWINFE_CASE_MAX_REGIONS, tags, &ntags, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareBoundary(MPI_Comm comm)
{
  const char *axes[] = {"x", "y", "z"}, *sides[] = {"min", "max"};
  PetscReal   g[3] = {0.0, 9810.0, 0.0}, fraction = 0.25;
  PetscInt    tags[TWINFE_CASE_MAX_REGIONS] = {0}, ntags = 0, axis = 1, side = 1;
  PetscInt    spring_tags[TWINFE_CASE_MAX_REGIONS] = {0}, nspring_tags = 0, pressure_tags[TWINFE_CASE_MAX_REGIONS] = {0};
  PetscInt    npressure_tags                    = 0;
  PetscReal   spring_k[TWINFE_CASE_MAX_REGIONS] = {0}, pressure[TWINFE_CASE_MAX_REGIONS] = {0};
  PetscInt    nspring_k = TWINFE_CASE_MAX_REGIONS, npressure = TWINFE_CASE_MAX_REGIONS;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Loads and supports", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsRealArray(
                                 PetscOptionsObject, "-gravity",
                                 "gravity, 3 values in mm/s^2, LPS (9810 = 1 g; a supine patient's is 0,9810,0)", 3, g, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsIntArray(
                                 PetscOptionsObject, "-clamp_tags",
                                 "facet tags held fixed (default: every region's outer surface, its caps included; tag = label)",
                                 TWINFE_CASE_MAX_REGIONS, tags, &ntags, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsChoice(PetscOptionsObject, "-clamp_axis",
                                       "axis along which only part of those facets is held (LPS)", axes, 3, axis, &axis, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-clamp_side", "the side of that axis held", sides, 2, side,
                                                 &side, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-clamp_fraction",
                                               "fraction of each connected part's extent held on that side, in (0, 1]", fraction,
                                               &fraction, NULL));
  PetscCall(DeclareRetractor(PetscOptionsObject, &declared));
  TwinfeOptionsTry(declared, TwinfeOptionsIntArray(PetscOptionsObject, "-spring_tags",
                                                   "facet tags on elastic supports (tissue held by its surroundings), "
                                                   "traction -k u",
                                                   TWINFE_CASE_MAX_REGIONS, spring_tags, &nspring_tags, NULL));
  TwinfeOptionsTry(declared, PetscOptionsRealArray("-spring_stiffness",
                                                   "the supports' stiffness k, Pa/mm: one for all, or one per -spring_tags",
                                                   PetscOptionsObject->title, spring_k, &nspring_k, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsIntArray(PetscOptionsObject, "-pressure_tags",
                                                   "facet tags under a pressure pushing into the tissue (follows the deformed "
                                                   "surface at finite strain)",
                                                   TWINFE_CASE_MAX_REGIONS, pressure_tags, &npressure_tags, NULL));
  TwinfeOptionsTry(declared, PetscOptionsRealArray("-pressure_Pa", "the pressures, Pa: one for all, or one per -pressure_tags",
                                                   PetscOptionsObject->title, pressure, &npressure, NULL));
  PetscOptionsEnd();
  PetscCall(declared);
  for (PetscInt t = 0; t < ntags; ++t)
    PetscCheck(tags[t] > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "-clamp_tags value %" PetscInt_FMT
               " is not a facet tag: tags are positive (a region's outer surface has its label)",
               tags[t]);
  PetscCheck(fraction > 0 && fraction <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "-clamp_fraction is %g: give a value in (0, 1]",
             (double)fraction);
  PetscFunctionReturn(0);
}

/* Blood flow (physics stokes | navier_stokes, physics/flow_run.c, which checks the values). */
static PetscErrorCode DeclarePulsatileFlow(PetscOptionItems *PetscOptionsObject, PetscErrorCode *declared)
{
  char      file[PETSC_MAX_PATH_LEN] = "";
  PetscReal fourier[129] = {0}, period = 1.0, step = 0.01;
  PetscReal rcr[192] = {0};
  PetscInt  cycles = 0, frames = 20, n = 129, nrcr = 192;
  PetscBool set;
  PetscFunctionBegin;
  TwinfeOptionsTry(*declared, TwinfeOptionsString(PetscOptionsObject, "-inflow_waveform",
                                                  "flow: pulsatile inflow, a CSV table of time (s) and inflow (ml/s) over one "
                                                  "cycle; relative to the case file",
                                                  "", file, sizeof file, NULL));
  TwinfeOptionsTry(*declared,
                   PetscOptionsRealArray("-inflow_fourier",
                                         "flow: pulsatile inflow (ml/s) as a0,a1,b1,a2,b2,...: a0 + sum a_k cos(2 pi k t/T) "
                                         "+ b_k sin(2 pi k t/T)",
                                         PetscOptionsObject->title, fourier, &n, &set));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-cardiac_period",
                                                "flow: the period T (s) of -inflow_fourier", period, &period, NULL));
  TwinfeOptionsTry(*declared, PetscOptionsRealArray("-outlet_rcr",
                                                    "flow: a Windkessel per outlet cap, in cap order: Rp,C,Rd,... (Pa s/mm^3, "
                                                    "mm^3/Pa; C 0 for a resistance Rp + Rd; default free outlets)",
                                                    PetscOptionsObject->title, rcr, &nrcr, &set));
  TwinfeOptionsTry(*declared, TwinfeOptionsInt(PetscOptionsObject, "-cycles",
                                               "flow: cardiac cycles to run with a pulsatile inflow (0: steady flow)", cycles,
                                               &cycles, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-time_step",
                                                "flow: time step, s (default: a hundredth of the period; shortened to a whole "
                                                "number of steps per written state)",
                                                step, &step, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsInt(PetscOptionsObject, "-frames_per_cycle",
                                               "flow: states of the last cycle written to results.pvd", frames, &frames, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareFlow(PetscOptionItems *PetscOptionsObject, PetscErrorCode *declared)
{
  const char *profiles[] = {"poiseuille", "plug"}, *models[] = {"newtonian", "carreau_yasuda"}, *schur[] = {"pcd", "mass"};
  PetscInt    cap = 1, profile = 0, model = 0, ncy = 5, schur_kind = 0, picard_steps = 2;
  PetscReal   inflow = 5.0, density = 1.06e-3, viscosity = 3.5e-3, grad_div = 10 * 3.5e-3, backflow = 1, start_size = 0;
  PetscReal   carreau_yasuda[5] = {0.056, 0.00345, 3.313, 0.3568, 2};
  PetscBool   set, split = PETSC_TRUE;
  PetscFunctionBegin;
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsInt(PetscOptionsObject, "-inlet_cap",
                                    "flow: the cap blood enters by, 1 = the largest (caps by decreasing area)", cap, &cap, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-inflow", "flow: the flow rate into the inlet cap, ml/s",
                                                inflow, &inflow, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsChoice(PetscOptionsObject, "-inlet_profile",
                                                  "flow: the inlet's velocity profile, scaled to -inflow on the discrete cap",
                                                  profiles, 2, profile, &profile, NULL));
  TwinfeOptionsTry(
      *declared, TwinfeOptionsReal(PetscOptionsObject, "-blood_density", "flow: blood density, g/mm^3", density, &density, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-blood_viscosity", "flow: dynamic viscosity, Pa s",
                                                viscosity, &viscosity, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsChoice(PetscOptionsObject, "-blood_viscosity_model",
                                                  "flow: newtonian (-blood_viscosity) or carreau_yasuda (shear-thinning, "
                                                  "-carreau_yasuda; solved by Newton, with -physics stokes too)",
                                                  models, 2, model, &model, NULL));
  TwinfeOptionsTry(*declared, PetscOptionsRealArray("-carreau_yasuda",
                                                    "flow: Carreau-Yasuda mu0,mu_inf,lambda,n,a (Pa s, Pa s, s, -, -; default "
                                                    "blood, Cho and Kensey 1991: 0.056,0.00345,3.313,0.3568,2)",
                                                    PetscOptionsObject->title, carreau_yasuda, &ncy, &set));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-grad_div",
                                                "flow: grad-div parameter, Pa s (default 10 x viscosity for navier_stokes and "
                                                "pulsatile flow, 0 for steady stokes; docs/flow.md)",
                                                grad_div, &grad_div, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-backflow_stabilization",
                                                "flow: beta of the outlets' backflow stabilisation, the traction beta rho "
                                                "(u.n) u where blood enters by an outlet (navier_stokes; 0 off; docs/flow.md)",
                                                backflow, &backflow, NULL));
  TwinfeOptionsTry(*declared,
                   TwinfeOptionsChoice(PetscOptionsObject, "-flow_schur_pre",
                                       "flow: the Schur complement's preconditioner: pcd (pressure convection-diffusion, "
                                       "with an inlet) or mass (the pressure mass matrix); docs/flow.md",
                                       schur, 2, schur_kind, &schur_kind, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsBool(PetscOptionsObject, "-flow_stokes_split",
                                                "flow: Stokes (Newtonian, no grad-div) from its blocks, one scalar "
                                                "viscous matrix for the three velocity components, instead of the assembled "
                                                "matrix and PCFIELDSPLIT; docs/flow.md",
                                                split, &split, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsInt(PetscOptionsObject, "-flow_picard_steps",
                                               "flow: Picard steps a steady Navier-Stokes solve may take after a "
                                               "Newton step that cut the residual less than tenfold (0: Newton only); "
                                               "docs/flow.md",
                                               picard_steps, &picard_steps, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsReal(PetscOptionsObject, "-start_mesh_size",
                                                "flow: grid sequencing: Newton's steady solve starts from the same flow solved "
                                                "on a mesh of this edge length (mm, about twice -mesh_size), not from the "
                                                "Stokes flow (0: from Stokes); docs/flow.md",
                                                start_size, &start_size, NULL));
  PetscCall(DeclarePulsatileFlow(PetscOptionsObject, declared));
  PetscFunctionReturn(0);
}

/* -checkpoint_every (YAML checkpoint_every: or checkpoint: {every: N}) and -restart [FOLDER]
   (docs/checkpoint.md); the folder itself is checked when the run looks for its checkpoint. */
static PetscErrorCode DeclareCheckpoint(PetscOptionItems *PetscOptionsObject, PetscErrorCode *declared)
{
  PetscInt every                      = 0;
  char     folder[PETSC_MAX_PATH_LEN] = "";
  PetscFunctionBegin;
  TwinfeOptionsTry(*declared, TwinfeOptionsInt(PetscOptionsObject, "-checkpoint_every",
                                               "write a checkpoint every N steps (finite-strain or small-strain load steps, "
                                               "pulsatile time steps) into the run's staging folder, so that -restart can "
                                               "continue the run if it is killed (0: none); docs/checkpoint.md",
                                               every, &every, NULL));
  TwinfeOptionsTry(*declared, TwinfeOptionsString(PetscOptionsObject, "-restart",
                                                  "continue a killed run of the same -o from its latest complete checkpoint "
                                                  "(alone: the run's staging folder is found beside -o; or give that folder)",
                                                  "", folder, sizeof folder, NULL));
  PetscCheck(*declared || (every >= 0 && every <= 1000000), PetscOptionsObject->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-checkpoint_every %" PetscInt_FMT " is out of range: give the steps between checkpoints, 1 to 1000000, or 0 "
             "for none",
             every);
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareSolveAndOutput(MPI_Comm comm)
{
  const char        *interpolations[] = {"twinfe", "petsc"}, *compressions[] = {"lz4", "zlib", "none"};
  const char        *formats[] = {"vtu", "xdmf"};
  const char *const *physics;
  const char        *formulations[] = {"displacement", "mixed"};
  PetscInt           degree = 1, interpolation = 0, compression = 0, threads = 1, chosen = 0, nphysics = 0, load_steps = 1;
  PetscInt           formulation = 0, format = 0;
  PetscBool          force = PETSC_FALSE, quiet = PETSC_FALSE, pictures = PETSC_TRUE;
  PetscFunctionBegin;
  PetscCall(TwinfePhysicsList(&physics));
  while (physics[nphysics])
    nphysics++;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Solve and output", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-physics", "what is solved on the mesh (YAML physics:)",
                                                 physics, nphysics, chosen, &chosen, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsInt(PetscOptionsObject, "-elasticity_degree",
                                    "1: linear tets; 2: quadratic, for nearly incompressible tissue", degree, &degree, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-elasticity_formulation",
                                                 "displacement, or mixed: a P1 pressure beside a P2 displacement (needs "
                                                 "-elasticity_degree 2), free of locking up to nu 0.4999 (docs/mechanics.md)",
                                                 formulations, 2, formulation, &formulation, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-elasticity_load_steps",
                                              "loads applied in this many steps, each a state in results.pvd (finite strain: "
                                              "Newton per step, halved on failure; docs/mechanics.md)",
                                              load_steps, &load_steps, NULL));
  {
    char     *fields[8] = {NULL};
    PetscInt  nfields   = 8;
    PetscBool set       = PETSC_FALSE;
    TwinfeOptionsTry(declared, PetscOptionsStringArray("-elasticity_cell_fields",
                                                       "the cell fields each results state carries: some of von_mises, "
                                                       "stress, strain, principal_strain, J (comma-separated), or none "
                                                       "(default all; the displacement is always written)",
                                                       PetscOptionsObject->title, fields, &nfields, &set));
    for (PetscInt i = 0; i < nfields && set; ++i)
      PetscCall(PetscFree(fields[i]));
  }
  PetscCall(DeclareFlow(PetscOptionsObject, &declared));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-partition_interpolate",
                                                 "who builds faces and edges after distribution", interpolations, 2,
                                                 interpolation, &interpolation, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-results_compression",
                                                 "compression of the .vtu files: lz4 fast, zlib smaller", compressions, 3,
                                                 compression, &compression, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-results_format",
                                                 "results files (YAML results: {format: ...}): vtu, results.pvd over .vtu/.pvtu; "
                                                 "xdmf, one results.h5 all ranks write with a results.xdmf index, for big "
                                                 "runs (docs/outputs.md)",
                                                 formats, 2, format, &format, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-threads",
                                              "threads for the surface remeshing, mesh quality and fidelity loops, 1 to 64 "
                                              "(default: the cores this process may run on, with one rank; 1 with several ranks)",
                                              threads, &threads, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsBool(PetscOptionsObject, "-force",
                                     "move an existing output folder that twinfe may not replace aside instead of refusing",
                                     force, &force, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-quiet",
                                               "no progress line (percent done, time left) on the terminal during long solves; "
                                               "a pipe or a log file never gets one",
                                               quiet, &quiet, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-pictures",
                                               "PNG pictures of the key fields for report.html, drawn by VTK on the X "
                                               "display, or on a private Xvfb when there is none (docs/outputs.md)",
                                               pictures, &pictures, NULL));
  PetscCall(DeclareCheckpoint(PetscOptionsObject, &declared));
  if (!declared && PetscOptionsObject->printhelp && !PetscOptionsObject->alreadyprinted)
    declared = (*PetscHelpPrintf)(comm, "  -" SOLVER_PREFIX "<option>: any SNES, KSP or PC option of the elasticity solver "
                                        "(CG + GAMG, -" SOLVER_PREFIX "ksp_rtol 1e-8); -help lists them\n");
  PetscOptionsEnd();
  PetscCall(declared);
  PetscCheck(degree == 1 || degree == 2, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-elasticity_degree %" PetscInt_FMT " is not supported: use 1 (P1) or 2 (P2)", degree);
  PetscCall(TwinfeGetThreads(&threads)); /* checks -threads */
  PetscFunctionReturn(0);
}

/* The solver reads its options in SNESSetFromOptions, inside the physics: a solver configured
   the same way (SNES KSPONLY, CG, GAMG, prefix elasticity_) reads them now, before any work, so
   that their values are checked and they count as known. Options the solver reads only while
   solving (-elasticity_mg_levels_*, -elasticity_ksp_converged_reason) are checked after it. */
static PetscErrorCode ProbeSolver(MPI_Comm comm)
{
  SNES snes;
  KSP  ksp;
  PC   pc;
  PetscFunctionBegin;
  PetscCall(SNESCreate(comm, &snes));
  PetscCall(SNESSetOptionsPrefix(snes, SOLVER_PREFIX));
  PetscCall(SNESSetType(snes, SNESKSPONLY));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(SNESSetFromOptions(snes));
  PetscCall(SNESDestroy(&snes));
  PetscFunctionReturn(0);
}

/* `twinfe print` (case_print.c, docs/print.md). The other commands refuse these. */
static PetscErrorCode DeclarePrint(MPI_Comm comm)
{
  const char *frames[] = {"lps", "ras"};
  PetscInt    frame = 0, triangles = 0;
  PetscReal   max_mb = 0, deviation = 0, min_wall = 1.0, hollow = 0, drain[3 * TWINFE_PRINT_MAX_DRAIN_HOLES];
  PetscReal   drain_diameter = TWINFE_PRINT_DRAIN_DIAMETER_DEFAULT, tube_wall = TWINFE_PRINT_TUBE_WALL_DEFAULT;
  PetscInt    ndrain = 3 * TWINFE_PRINT_MAX_DRAIN_HOLES, ntubes = 0;
  char       *tubes[TWINFE_CASE_MAX_REGIONS];
  PetscBool   merge = PETSC_FALSE, threemf = PETSC_FALSE, drain_set = PETSC_FALSE, tube_wall_set = PETSC_FALSE;
  PetscFunctionBegin;
  PetscErrorCode declared = 0;
  PetscOptionsBegin(comm, NULL, "Printing (twinfe print)", "twinfe");
  TwinfeOptionsTry(declared, TwinfeOptionsChoice(PetscOptionsObject, "-print_frame",
                                                 "the STL files' coordinates, mm: lps (the scanner's, as DICOM and ITK) or ras "
                                                 "(x and y negated, as 3D Slicer shows them)",
                                                 frames, 2, frame, &frame, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-print_merge",
                                               "one part, the outer boundary of all the regions together, instead of one "
                                               "part per region",
                                               merge, &merge, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsBool(PetscOptionsObject, "-print_3mf",
                                               "also parts.3mf: every part as a named object with its own colour, for "
                                               "multi-material printers",
                                               threemf, &threemf, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsInt(PetscOptionsObject, "-print_triangles",
                                              "at most about this many triangles a part, by remeshing within "
                                              "-print_max_deviation_mm (0: the full-resolution surface)",
                                              triangles, &triangles, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-print_max_mb",
                                               "at most about this many megabytes a part's STL file (50 bytes a triangle; 0: no "
                                               "limit)",
                                               max_mb, &max_mb, NULL));
  TwinfeOptionsTry(declared,
                   TwinfeOptionsReal(PetscOptionsObject, "-print_max_deviation_mm",
                                     "mm: a remeshed part stays this close to the full-resolution surface (default half "
                                     "the smallest voxel spacing)",
                                     deviation, &deviation, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-print_min_wall_mm",
                                               "mm: thinner walls are listed as thin spots and marked in each part's "
                                               "<name>_thickness.vtp (the printer's least wall)",
                                               min_wall, &min_wall, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-print_hollow_mm",
                                               "mm: hollow each part (not the -print_tubes) to a shell this thick inside its "
                                               "surface (0: solid)",
                                               hollow, &hollow, NULL));
  TwinfeOptionsTry(declared, PetscOptionsRealArray("-print_drain_holes",
                                                   "drain holes through a hollow part's wall, 3 numbers per hole x,y,z (LPS mm): "
                                                   "each goes where the surface is nearest the point, along the surface's normal",
                                                   PetscOptionsObject->title, drain, &ndrain, &drain_set));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-print_drain_diameter_mm", "mm: the drain holes' diameter",
                                               drain_diameter, &drain_diameter, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsStringArray(PetscOptionsObject, "-print_tubes",
                                                      "regions printed as a hollow tube: the segmented lumen kept open, a "
                                                      "wall of -print_tube_wall_mm around it, open where it ends (caps)",
                                                      TWINFE_CASE_MAX_REGIONS, tubes, &ntubes, NULL));
  TwinfeOptionsTry(declared, TwinfeOptionsReal(PetscOptionsObject, "-print_tube_wall_mm",
                                               "mm: the wall of the -print_tubes around their lumen", tube_wall, &tube_wall,
                                               &tube_wall_set));
  PetscOptionsEnd();
  for (PetscInt i = 0; i < ntubes; i++)
    PetscCall(PetscFree(tubes[i]));
  PetscCall(declared);
  PetscCheck(hollow >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_hollow_mm %g is negative: give the shell's wall in mm (0: solid parts)", (double)hollow);
  PetscCheck(!drain_set || hollow > 0, comm, PETSC_ERR_ARG_WRONG,
             "-print_drain_holes drains a hollow part: give -print_hollow_mm too (the shell's wall in mm)");
  PetscCheck(ndrain % 3 == 0, comm, PETSC_ERR_ARG_WRONG,
             "-print_drain_holes has %" PetscInt_FMT " numbers: give 3 per hole, x,y,z in mm (LPS)", ndrain);
  PetscCheck(drain_diameter > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_drain_diameter_mm %g is not positive: give the holes' diameter in mm (default 3.5)", (double)drain_diameter);
  PetscCheck(tube_wall > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_tube_wall_mm %g is not positive: give the tube's wall in mm (default 1.5)", (double)tube_wall);
  PetscCheck(!tube_wall_set || ntubes > 0, comm, PETSC_ERR_ARG_WRONG,
             "-print_tube_wall_mm is the wall of the -print_tubes: name the regions to print as tubes with -print_tubes");
  PetscCheck(min_wall > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_min_wall_mm %g is not positive: give the printer's least wall in mm (default 1)", (double)min_wall);
  PetscCheck(triangles >= 0 && triangles != 1 && triangles != 2 && triangles != 3, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_triangles %" PetscInt_FMT " is out of range: give 0 (full resolution) or at least 4", triangles);
  PetscCheck(max_mb >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "-print_max_mb %g is negative: give 0 (no limit) or more",
             (double)max_mb);
  PetscCheck(max_mb == 0 || max_mb * 1e6 >= 84 + 50 * 4, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_max_mb %g holds fewer than 4 triangles: give at least 0.000284 (or 0: no limit)", (double)max_mb);
  PetscCheck(deviation >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-print_max_deviation_mm %g is negative: give a distance in mm (or leave it out: half a voxel)", (double)deviation);
  PetscFunctionReturn(0);
}

static PetscErrorCode DeclareAll(MPI_Comm comm, Regions *r, PetscBool solver)
{
  PetscFunctionBegin;
  PetscCall(DeclareImage(comm, r));
  PetscCall(DeclareSurface(comm));
  PetscCall(DeclareMesh(comm));
  PetscCall(DeclareMaterials(comm, r->nregions, (const char(*)[TWINFE_NAME_LEN])r->names));
  PetscCall(DeclareBoundary(comm));
  PetscCall(DeclareSolveAndOutput(comm));
  PetscCall(DeclarePrint(comm));
  if (solver) PetscCall(ProbeSolver(comm));
  PetscFunctionReturn(0);
}

/* ---------- options nothing read ---------- */

/* The elasticity solver's options, and the flow solver's (prefix flow_, read while solving:
   physics/flow.c), are checked once the solver has read them. */
static PetscBool IsSolverOption(const char name[])
{
  if (!strncasecmp(name, "flow_", 5)) return PETSC_TRUE;
  return strncasecmp(name, SOLVER_PREFIX, strlen(SOLVER_PREFIX)) ? PETSC_FALSE : PETSC_TRUE;
}

/* Within two edits of an option the solver read, so not one it reads later: a typo. */
static PetscBool NearSolverName(const char name[])
{
  PetscInt           n;
  const char *const *known;
  char               dashed[260];
  snprintf(dashed, sizeof dashed, "-%s", name);
  if (TwinfeOptionsGetKnown(&n, &known)) return PETSC_FALSE;
  for (PetscInt i = 0; i < n; ++i)
    if (IsSolverOption(known[i] + 1) && TwinfeEditDistance(dashed, known[i]) <= 2) return PETSC_TRUE;
  return PETSC_FALSE;
}

static PetscBool HasSuffix(const char name[], const char suffix[])
{
  const size_t n = strlen(name), s = strlen(suffix);
  return n > s && !strcasecmp(name + n - s, suffix) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool IsRegionOption(const char name[])
{
  return HasSuffix(name, "_E") || HasSuffix(name, "_nu") || HasSuffix(name, "_density") || HasSuffix(name, "_material") ||
         HasSuffix(name, "_mu") || HasSuffix(name, "_kappa") || HasSuffix(name, "_C10") || HasSuffix(name, "_C01");
}

static PetscBool DeferSolver(const char name[], void *ctx)
{
  (void)ctx;
  return IsSolverOption(name) && !NearSolverName(name);
}

/* Before the regions are known (no -labels), -<name>_E waits for the image or the mesh. */
static PetscBool DeferSolverAndRegions(const char name[], void *ctx)
{
  return DeferSolver(name, ctx) || (!IsSolverOption(name) && IsRegionOption(name));
}

/* ---------- public ---------- */

PetscErrorCode TwinfeCaseSetFromOptions(TwinfeCase c)
{
  Regions       *r;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscNew(&r));
  state.owner = c;
  PetscCall(TwinfeOptionsCaptureBegin());
  ierr = DeclareAll(c->comm, r, PETSC_TRUE);
  PetscCall(TwinfeOptionsCaptureEnd());
  if (!ierr)
    ierr =
        TwinfeRunOnRoot(c->comm, c->rank == 0 ? TwinfeOptionsRefuseUnused(r->nregions ? DeferSolver : DeferSolverAndRegions) : 0);
  PetscCall(PetscFree(r));
  PetscCall(ierr);
  PetscCall(TwinfeCaseFindRestart_Private(c)); /* -restart: its checkpoint is found before any work */
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseCheckRegionOptions(TwinfeCase c)
{
  PetscReal      E = 5000.0, nu = 0.45, density = 1.06e-3;
  PetscErrorCode ierr = 0;
  PetscFunctionBegin;
  if (state.owner != c) PetscFunctionReturn(0);
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-E", &E, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-nu", &nu, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-density", &density, NULL));
  PetscCall(TwinfeOptionsCaptureBegin());
  for (PetscInt i = 0; i < c->nregions && !ierr; ++i)
    ierr = DeclareRegionMaterial(PETSC_COMM_SELF, c->names[i], E, nu, density);
  PetscCall(TwinfeOptionsCaptureEnd());
  PetscCall(ierr);
  PetscCall(TwinfeOptionsRefuseUnused(DeferSolver));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseCheckOptionsUsed(TwinfeCase c)
{
  PetscFunctionBegin;
  PetscCall(TwinfeRunOnRoot(c->comm, c->rank == 0 ? TwinfeOptionsRefuseUnused(NULL) : 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeCaseOptionsHelp(MPI_Comm comm, PetscBool solver)
{
  Regions       *r;
  PetscBool      help;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PetscNew(&r));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) PetscCall(PetscOptionsSetValue(NULL, "-help", NULL));
  ierr = DeclareAll(comm, r, PETSC_FALSE);
  if (!ierr && solver) {
    ierr = (*PetscHelpPrintf)(comm, "\nThe elasticity solver's options (PETSc, prefix -" SOLVER_PREFIX "):\n");
    if (!ierr) ierr = ProbeSolver(comm);
  }
  if (!help) PetscCall(PetscOptionsClearValue(NULL, "-help"));
  PetscCall(PetscFree(r));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
