/* Linear elasticity as a physics the case drives: materials per region from the options, the
 * clamps (clamp.c), gravity, the solve, and two states in the results series.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "physics_impl.h"
#include "names_impl.h"
#include "core/core_impl.h"

#include <stdio.h>
#include <string.h>

/* A retractor touches at most this many facet tags (regions). */
#define TWINFE_CASE_MAX_TOOL_TAGS 64

/* The reaction of every held set per load step: the force-displacement table (forces.csv). */
typedef struct {
  PetscInt   nsets, nrows;
  PetscReal *rows; /* per row: step, load factor, then fx fy fz (N) per set */
  PetscInt  *set_tag;
  PetscInt   nclamps;  /* the first sets are clamps, the others the retractor's */
  PetscBool  has_tool; /* the retractor's displacement per row too */
  TwinfeTool tool;
} ForceTable;

typedef struct {
  TwinfeElasticity elasticity;
  TwinfeClampSet   clamp;
  PetscInt         states;     /* states written into the results series so far */
  PetscInt         ntool_sets; /* the retractor's held sets (one per tag it may touch), after the clamps' */
  PetscInt         tool_tags[TWINFE_CASE_MAX_TOOL_TAGS]; /* their tags */
  ForceTable       forces;
  PetscBool        cell_field_wanted[TWINFE_ELASTICITY_NFIELDS]; /* -elasticity_cell_fields */
  TwinfeProgress   progress;                                     /* over the load steps, while solving */
} Elastic;

/* mm-g-s forces are uN */
#define NEWTON_PER_UN 1e-6

/* One modulus option of a region: its own (-<name>_<key>) or else every region's (-<key>). */
typedef struct {
  const char *key;
  PetscReal   value;
  PetscBool   own, global; /* given as -<name>_<key>, as -<key> */
} Modulus;

static PetscErrorCode ReadModulus(const char prefix[], Modulus *m)
{
  char option[64];
  PetscFunctionBegin;
  snprintf(option, sizeof option, "-%s", m->key);
  PetscCall(PetscOptionsGetReal(NULL, NULL, option, &m->value, &m->global));
  PetscCall(PetscOptionsGetReal(NULL, prefix, option, &m->value, &m->own));
  PetscFunctionReturn(0);
}

/* The option that gave a modulus, for messages: -liver_E or -E. */
static const char *Named(const Modulus *m, const char name[], char buf[], size_t len)
{
  if (m->own)
    snprintf(buf, len, "-%s_%s", name, m->key);
  else
    snprintf(buf, len, "-%s", m->key);
  return buf;
}

/* Moduli of one region (docs/mechanics.md, "Materials in a case"): E/nu (defaults 5000 Pa, 0.45),
   or mu with kappa or nu, or for Mooney-Rivlin C10 and C01 with kappa or nu. The region's own
   keys choose the pair when it gives any, else the keys every region shares; a pair mixed with
   another (E and mu) is refused, naming both options. */
static PetscErrorCode ResolveModuli(TwinfePhysics c, const char name[], TwinfeMaterialModel model, Modulus *E, Modulus *nu,
                                    Modulus *mu, Modulus *kappa, Modulus *c10, Modulus *c01, PetscReal density, TwinfeMaterial *m)
{
  PetscBool own_young = E->own || nu->own, own_shear = mu->own || kappa->own, own_mr = c10->own || c01->own;
  PetscBool own = own_young || own_shear || own_mr, use_young, use_shear, use_mr;
  char      a[80], b[80];
  PetscFunctionBegin;
  use_young = own ? E->own : E->global;
  use_shear = own ? (mu->own || kappa->own) : (mu->global || kappa->global);
  use_mr    = own ? own_mr : (c10->global || c01->global);
  PetscCheck(!(use_young && (mu->own || (!own && mu->global))), c->comm, PETSC_ERR_ARG_WRONG,
             "region '%s': %s and %s both give its stiffness: give E with nu, or mu with kappa (or nu), not both", name,
             Named(E, name, a, sizeof a), Named(mu, name, b, sizeof b));
  PetscCheck(!use_mr || model == TWINFE_MATERIAL_MOONEY_RIVLIN, c->comm, PETSC_ERR_ARG_WRONG,
             "region '%s': %s is a Mooney-Rivlin coefficient, but the region's law is %s: set -%s_material mooney_rivlin "
             "(or -material), or give E/nu or mu/kappa",
             name, Named(c10->own || c10->global ? c10 : c01, name, a, sizeof a), TwinfeMaterialModels[model], name);
  PetscCheck(!(use_mr && (use_young || mu->own || (!own && mu->global))), c->comm, PETSC_ERR_ARG_WRONG,
             "region '%s': give Mooney-Rivlin's C10 and C01 (with kappa or nu) or E/nu or mu/kappa, not both: %s and %s", name,
             Named(c10->own || c10->global ? c10 : c01, name, a, sizeof a),
             use_young ? Named(E, name, b, sizeof b) : Named(mu, name, b, sizeof b));
  if (use_mr) {
    PetscCheck((c10->own || c10->global) && (c01->own || c01->global), c->comm, PETSC_ERR_ARG_WRONG,
               "region '%s': Mooney-Rivlin needs both C10 and C01 (Pa): give -%s_C10 and -%s_C01", name, name, name);
    PetscReal shear = 2 * (c10->value + c01->value);
    PetscReal bulk  = kappa->own || kappa->global ? kappa->value : 2 * shear * (1 + nu->value) / (3 * (1 - 2 * nu->value));
    PetscCall(TwinfeMaterialFromMooneyRivlin(c10->value, c01->value, bulk, density, m));
  } else if (use_shear) {
    PetscCheck(mu->own || mu->global, c->comm, PETSC_ERR_ARG_WRONG,
               "region '%s': %s is given without a shear modulus: give -%s_mu (Pa) too", name, Named(kappa, name, a, sizeof a),
               name);
    PetscCall(PetscMemzero(m, sizeof *m));
    m->model   = model;
    m->mu      = mu->value;
    m->kappa   = kappa->own || kappa->global ? kappa->value : 2 * mu->value * (1 + nu->value) / (3 * (1 - 2 * nu->value));
    m->density = density;
  } else {
    PetscCheck(E->value > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Young's modulus of region '%s' (%s) is %g Pa: it must be positive (soft tissue: 1e3 to 1e5 Pa)", name,
               Named(E, name, a, sizeof a), (double)E->value);
    PetscCheck(nu->value > -1.0 && nu->value < 0.5, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Poisson ratio of region '%s' (%s) is %g: it must lie in (-1, 0.5) (soft tissue: 0.40 to 0.4999)", name,
               Named(nu, name, a, sizeof a), (double)nu->value);
    PetscCall(TwinfeMaterialFromYoung(model, E->value, nu->value, density, m));
  }
  if (model == TWINFE_MATERIAL_MOONEY_RIVLIN && !use_mr) m->c01 = 0; /* C10 = mu/2: the decoupled neo-Hookean */
  PetscFunctionReturn(0);
}

/* The softest tissue modelled (brain, fat) has a shear modulus of some 100 Pa: a hundred times
   less is a unit slip (kPa given as Pa), not a tissue. */
#define MIN_TISSUE_SHEAR_PA 1.0

/* A tissue preset (-<name>_tissue, or -tissue for every region) gives a region's E, nu and density
   unless options give them: the region's own always win; a preset of the region's own wins over
   the options every region shares, which win over a preset every region shares. */
static void ApplyPreset(PetscReal preset, PetscBool own_preset, PetscBool own, PetscBool global, PetscReal *value)
{
  if (!own && (own_preset || !global)) *value = preset;
}

static PetscErrorCode ReadTissue(const char prefix[], const TwinfeTissue **tissue, PetscBool *own)
{
  PetscInt shared = -1, mine = -1;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-tissue", TwinfeTissueNames, 7, &shared, NULL));
  PetscCall(PetscOptionsGetEList(NULL, prefix, "-tissue", TwinfeTissueNames, 7, &mine, NULL));
  *own    = mine >= 0 ? PETSC_TRUE : PETSC_FALSE;
  *tissue = mine >= 0 ? &TwinfeTissues[mine] : shared >= 0 ? &TwinfeTissues[shared] : NULL;
  PetscFunctionReturn(0);
}

/* Material of region i from -material, -E, -nu, -mu, -kappa, -C10, -C01, -density, -tissue and
   their -<name>_ forms (a region's own key wins); *tissue (may be NULL) = its preset, if any. */
static PetscErrorCode ReadMaterial(TwinfePhysics c, PetscInt i, TwinfeMaterial *m, const TwinfeTissue **tissue)
{
  const char         *name = c->names[i];
  char                prefix[PETSC_MAX_PATH_LEN], who[PETSC_MAX_PATH_LEN];
  PetscInt            model   = TWINFE_MATERIAL_LINEAR;
  PetscReal           density = 1.06e-3;
  PetscBool           density_shared, density_own, own_preset;
  const TwinfeTissue *preset;
  Modulus             E = {"E", 5000.0, 0, 0}, nu = {"nu", 0.45, 0, 0}, mu = {"mu", 0, 0, 0}, kappa = {"kappa", 0, 0, 0};
  Modulus             c10 = {"C10", 0, 0, 0}, c01 = {"C01", 0, 0, 0};
  PetscFunctionBegin;
  snprintf(prefix, sizeof prefix, "%s_", name);
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-material", TwinfeMaterialModels, 3, &model, NULL));
  PetscCall(PetscOptionsGetEList(NULL, prefix, "-material", TwinfeMaterialModels, 3, &model, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-density", &density, &density_shared));
  PetscCall(PetscOptionsGetReal(NULL, prefix, "-density", &density, &density_own));
  PetscCall(ReadModulus(prefix, &E));
  PetscCall(ReadModulus(prefix, &nu));
  PetscCall(ReadModulus(prefix, &mu));
  PetscCall(ReadModulus(prefix, &kappa));
  PetscCall(ReadModulus(prefix, &c10));
  PetscCall(ReadModulus(prefix, &c01));
  PetscCall(ReadTissue(prefix, &preset, &own_preset));
  if (preset) {
    ApplyPreset(preset->E, own_preset, E.own, E.global, &E.value);
    ApplyPreset(preset->nu, own_preset, nu.own, nu.global, &nu.value);
    ApplyPreset(preset->density, own_preset, density_own, density_shared, &density);
  }
  if (tissue) *tissue = preset;
  PetscCheck(density >= 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Density of region '%s' (-%s_density) is %g g/mm^3: it must not be negative (tissue: about 1.06e-3)", name, name,
             (double)density);
  PetscCall(ResolveModuli(c, name, (TwinfeMaterialModel)model, &E, &nu, &mu, &kappa, &c10, &c01, density, m));
  snprintf(who, sizeof who, "region '%s' (options -%s_* or the shared -E, -nu, -mu, -kappa, -C10, -C01, -density)", name, name);
  PetscCall(TwinfeMaterialCheck(m, who));
  PetscCheck(m->mu >= MIN_TISSUE_SHEAR_PA, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: shear modulus %g Pa is softer than any tissue (brain and fat: about 100 Pa and up): were kPa given as Pa?", who,
             (double)m->mu);
  PetscFunctionReturn(0);
}

/* The tool's travel: -retractor_motion dx,dy,dz (straight) or -retractor_path x1,y1,z1,x2,... (its
   displacement at waypoints reached at equal shares of the load), one of the two. */
static PetscErrorCode ReadToolTravel(MPI_Comm comm, TwinfeTool *tool)
{
  PetscInt  n = 3, npath = 3 * TWINFE_TOOL_MAX_WAYPOINTS;
  PetscReal path[3 * TWINFE_TOOL_MAX_WAYPOINTS];
  PetscBool motion, waypoints;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-retractor_motion", tool->motion, &n, &motion));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-retractor_path", path, &npath, &waypoints));
  PetscCheck(motion != waypoints, comm, PETSC_ERR_ARG_WRONG,
             "%s: give the tool's travel over the load steps either as -retractor_motion dx,dy,dz (mm, straight) or as "
             "-retractor_path x1,y1,z1,x2,y2,z2,... (its displacement at waypoints, mm)",
             motion ? "-retractor_motion and -retractor_path are both given" : "the retractor has no travel");
  PetscCheck(!motion || n == 3, comm, PETSC_ERR_ARG_WRONG,
             "-retractor_motion: give the tool's travel over the load steps as 3 numbers dx,dy,dz (mm)");
  PetscCheck(!waypoints || (npath > 0 && npath % 3 == 0), comm, PETSC_ERR_ARG_WRONG,
             "-retractor_path gives %" PetscInt_FMT
             " numbers: give 3 per waypoint (x,y,z of the tool's displacement, mm), up to %d "
             "waypoints",
             npath, TWINFE_TOOL_MAX_WAYPOINTS);
  tool->npath = waypoints ? npath / 3 : 0;
  for (PetscInt w = 0; w < tool->npath; ++w)
    for (PetscInt k = 0; k < 3; ++k)
      tool->path[w][k] = path[3 * w + k];
  PetscFunctionReturn(0);
}

PetscErrorCode TwinfeToolReadOptions(MPI_Comm comm, PetscBool *given, TwinfeTool *tool, PetscInt *ntags, PetscInt tags[])
{
  PetscInt  shape = 0, n, max = *ntags;
  PetscBool set;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(tool, sizeof *tool));
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-retractor_shape", TwinfeToolShapes, 3, &shape, given));
  *ntags = 0;
  if (!*given) PetscFunctionReturn(0);
  tool->shape = (TwinfeToolShape)shape;
  n           = 3;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-retractor_center", tool->center, &n, &set));
  PetscCheck(set && n == 3, comm, PETSC_ERR_ARG_WRONG,
             "-retractor_center: give the tool's center as 3 numbers x,y,z (LPS mm, the mesh's coordinates)");
  n = 3;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-retractor_axis", tool->axis, &n, &set));
  PetscCheck(set && n == 3, comm, PETSC_ERR_ARG_WRONG,
             "-retractor_axis: give 3 numbers (a plane's or a spatula's normal, a cylinder's axis)");
  PetscCall(ReadToolTravel(comm, tool));
  n = 3;
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-retractor_blade", tool->blade, &n, &set));
  PetscCheck(!set || n == 3, comm, PETSC_ERR_ARG_WRONG, "-retractor_blade: give 3 numbers (the blade's length direction)");
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-retractor_radius", &tool->radius, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-retractor_length", &tool->length, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-retractor_width", &tool->width, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-retractor_thickness", &tool->thickness, NULL));
  PetscCall(TwinfeToolCheck(comm, tool));
  *ntags = max;
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-retractor_tags", tags, ntags, &set));
  if (!set) *ntags = 0;
  PetscFunctionReturn(0);
}

/* The retractor of the case (-retractor_shape ...; docs/mechanics.md), if one is given, and
   the facet tags it may touch (-retractor_tags; default every region's outer surface). */
static PetscErrorCode ReadRetractor(TwinfePhysics c, PetscBool *given, TwinfeTool *tool, PetscInt *ntags, PetscInt tags[])
{
  PetscFunctionBegin;
  *ntags = TWINFE_CASE_MAX_TOOL_TAGS;
  PetscCall(TwinfeToolReadOptions(c->comm, given, tool, ntags, tags));
  if (*given && !*ntags) {
    *ntags = PetscMin(c->nregions, TWINFE_CASE_MAX_TOOL_TAGS);
    for (PetscInt i = 0; i < *ntags; ++i)
      tags[i] = c->labels[i];
  }
  PetscFunctionReturn(0);
}

/* Facet tags with one value each, from -<name>_tags t1,t2 and a value option (one value for
   all, or one per tag): elastic supports (-spring_tags, -spring_stiffness in Pa/mm, > 0) and
   pressures (-pressure_tags, -pressure_Pa, nonzero, either sign). */
typedef struct {
  const char *tags_option, *value_option, *what, *unit;
  PetscBool   positive; /* values must be > 0 (else only nonzero) */
} TaggedLoad;

static const TaggedLoad springs_load   = {"-spring_tags", "-spring_stiffness", "an elastic support", "Pa/mm", PETSC_TRUE};
static const TaggedLoad pressures_load = {"-pressure_tags", "-pressure_Pa", "a surface pressure", "Pa", PETSC_FALSE};

static PetscErrorCode ReadTaggedLoad(TwinfePhysics c, const TaggedLoad *l, PetscInt *n, PetscInt tags[], PetscReal values[])
{
  PetscInt  nk = TWINFE_CASE_MAX_TOOL_TAGS;
  PetscBool set_tags, set_k;
  PetscFunctionBegin;
  *n = TWINFE_CASE_MAX_TOOL_TAGS;
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, l->tags_option, tags, n, &set_tags));
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, l->value_option, values, &nk, &set_k));
  if (!set_tags) *n = 0;
  PetscCheck(set_tags == set_k, c->comm, PETSC_ERR_ARG_WRONG,
             "%s is given without %s: %s needs its facet tags and its value (%s)", set_tags ? l->tags_option : l->value_option,
             set_tags ? l->value_option : l->tags_option, l->what, l->unit);
  PetscCheck(!set_k || nk == 1 || nk == *n, c->comm, PETSC_ERR_ARG_WRONG,
             "%s gives %" PetscInt_FMT " values for %" PetscInt_FMT " %s: give one, or one per tag", l->value_option, nk, *n,
             l->tags_option);
  for (PetscInt i = 0; i < *n; ++i) {
    if (nk == 1) values[i] = values[0];
    PetscCheck(tags[i] > 0, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s value %" PetscInt_FMT " is not a facet tag (tags are positive)", l->tags_option, tags[i]);
    PetscCheck(PetscIsNormalReal(values[i]) && (values[i] > 0 || !l->positive), c->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s %g %s (tag %" PetscInt_FMT ") must be %s", l->value_option, (double)values[i], l->unit, tags[i],
               l->positive ? "> 0" : "a nonzero number");
  }
  PetscFunctionReturn(0);
}

/* -elasticity_formulation and -elasticity_degree as the library reads them, read once per use. */
static PetscErrorCode ReadDiscretisation(PetscInt *formulation, PetscInt *degree)
{
  PetscFunctionBegin;
  *formulation = TWINFE_ELASTICITY_DISPLACEMENT;
  *degree      = 1;
  PetscCall(PetscOptionsGetEList(NULL, NULL, "-elasticity_formulation", TwinfeElasticityFormulations, 2, formulation, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-elasticity_degree", degree, NULL));
  PetscFunctionReturn(0);
}

/* P2 displacement (and the mixed form, which needs it) lives on edges too; P1 on vertices only. */
static PetscErrorCode NeedsMeshEdges(TwinfePhysics c, PetscBool *needs)
{
  PetscInt formulation, degree;
  PetscFunctionBegin;
  (void)c;
  PetscCall(ReadDiscretisation(&formulation, &degree));
  *needs = degree == 2 || formulation == TWINFE_ELASTICITY_MIXED ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The mixed form needs P2 and, in every region, a volumetric modulus (nu > 0 unless
   Mooney-Rivlin): refused here, before any work, naming the options. */
static PetscErrorCode CheckMixedDegree(TwinfePhysics c, PetscInt formulation, PetscInt degree)
{
  PetscFunctionBegin;
  PetscCheck(formulation != TWINFE_ELASTICITY_MIXED || degree == 2, c->comm, PETSC_ERR_ARG_INCOMP,
             "-elasticity_formulation mixed needs -elasticity_degree 2 (P2 displacement with P1 pressure, Taylor-Hood); "
             "-elasticity_degree is %" PetscInt_FMT,
             degree);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckMixedMaterial(TwinfePhysics c, PetscInt formulation, const char name[], const TwinfeMaterial *m)
{
  PetscFunctionBegin;
  PetscCheck(formulation != TWINFE_ELASTICITY_MIXED || m->model == TWINFE_MATERIAL_MOONEY_RIVLIN || m->kappa - 2 * m->mu / 3 > 0,
             c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-elasticity_formulation mixed: region %s has Poisson's ratio <= 0, so no volumetric stiffness for the pressure "
             "to carry: give -%s_nu > 0, or -elasticity_formulation displacement",
             name, name);
  PetscFunctionReturn(0);
}

/* -elasticity_cell_fields: the cell fields a results state carries (all unless given; "none":
   the displacement alone). The names are TwinfeElasticityComputeCellFields's, in its order. */
static PetscErrorCode ReadCellFields(TwinfePhysics c, PetscBool wanted[TWINFE_ELASTICITY_NFIELDS])
{
  static const char *const names[TWINFE_ELASTICITY_NFIELDS] = {"von_mises", "stress", "strain", "principal_strain", "J"};
  char                    *given[TWINFE_ELASTICITY_NFIELDS + 1];
  PetscInt                 n = TWINFE_ELASTICITY_NFIELDS + 1;
  PetscBool                set, none = PETSC_FALSE;
  PetscErrorCode           ierr = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-elasticity_cell_fields", given, &n, &set));
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    wanted[k] = !set;
  for (PetscInt i = 0; i < n && !ierr; ++i) {
    PetscInt k = 0;
    while (k < TWINFE_ELASTICITY_NFIELDS && strcmp(given[i], names[k]))
      ++k;
    if (k < TWINFE_ELASTICITY_NFIELDS)
      wanted[k] = PETSC_TRUE;
    else if (!strcmp(given[i], "none"))
      none = PETSC_TRUE;
    else
      ierr = PetscError(c->comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_ARG_WRONG, PETSC_ERROR_INITIAL,
                        "-elasticity_cell_fields: '%s' is not a cell field: give some of von_mises, stress, strain, "
                        "principal_strain, J (comma-separated), or none",
                        given[i]);
  }
  if (!ierr && none && n > 1)
    ierr = PetscError(c->comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, PETSC_ERR_ARG_WRONG, PETSC_ERROR_INITIAL,
                      "-elasticity_cell_fields: 'none' goes alone, not with other fields");
  for (PetscInt i = 0; i < n; ++i)
    PetscCall(PetscFree(given[i]));
  PetscCheck(set ? n > 0 : PETSC_TRUE, c->comm, PETSC_ERR_ARG_WRONG,
             "-elasticity_cell_fields is empty: give some of von_mises, stress, strain, principal_strain, J, or none");
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckOptions(TwinfePhysics c)
{
  TwinfeMaterial m;
  TwinfeTool     tool;
  PetscInt       steps = 1, ntags, tags[TWINFE_CASE_MAX_TOOL_TAGS], nloads, load_tags[TWINFE_CASE_MAX_TOOL_TAGS];
  PetscReal      load_values[TWINFE_CASE_MAX_TOOL_TAGS];
  PetscInt       formulation, degree;
  PetscBool      given;
  PetscFunctionBegin;
  PetscCall(ReadDiscretisation(&formulation, &degree));
  PetscCall(CheckMixedDegree(c, formulation, degree));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    PetscCall(ReadMaterial(c, i, &m, NULL));
    PetscCall(CheckMixedMaterial(c, formulation, c->names[i], &m));
  }
  PetscCall(ReadRetractor(c, &given, &tool, &ntags, tags));
  PetscCall(ReadTaggedLoad(c, &springs_load, &nloads, load_tags, load_values));
  PetscCall(ReadTaggedLoad(c, &pressures_load, &nloads, load_tags, load_values));
  PetscCall(ReadCellFields(c, ((Elastic *)c->data)->cell_field_wanted));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-elasticity_load_steps", &steps, NULL));
  PetscCheck(steps >= 1 && steps <= 10000, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "-elasticity_load_steps %" PetscInt_FMT " is out of range: give 1 to 10000 (each step writes a state)", steps);
  PetscFunctionReturn(0);
}

static PetscErrorCode Create(TwinfePhysics c)
{
  Elastic *e;
  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  c->data = e;
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy(TwinfePhysics c)
{
  Elastic *e = (Elastic *)c->data;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityDestroy(&e->elasticity));
  PetscCall(TwinfeClampSetDestroy_Private(&e->clamp));
  PetscCall(PetscFree(e->forces.rows));
  PetscCall(PetscFree(e->forces.set_tag));
  PetscCall(PetscFree(c->data));
  PetscFunctionReturn(0);
}

/* Clamps that cannot hold are refused here, on the serial mesh, before any work is spent. */
static PetscErrorCode Prepare(TwinfePhysics c, TwinfeMesh mesh)
{
  Elastic *e = (Elastic *)c->data;
  PetscFunctionBegin;
  PetscCall(TwinfeClampSetDestroy_Private(&e->clamp));
  PetscCall(TwinfeClampSetCreate_Private(c, mesh, &e->clamp));
  PetscFunctionReturn(0);
}

/* materials.<region>.<key> = value in the report. */
static PetscErrorCode ReportRegionReal(TwinfePhysics c, const char name[], const char key[], PetscReal value)
{
  char full[256];
  PetscFunctionBegin;
  snprintf(full, sizeof full, "materials.%s.%s", name, key);
  PetscCall(TwinfeReportSetReal(c->report, full, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReportMaterial(TwinfePhysics c, const char name[], const TwinfeMaterial *m, const TwinfeTissue *tissue)
{
  char      key[256];
  PetscReal E = 9 * m->kappa * m->mu / (3 * m->kappa + m->mu), nu = (3 * m->kappa - 2 * m->mu) / (2 * (3 * m->kappa + m->mu));
  PetscFunctionBegin;
  if (!c->report) PetscFunctionReturn(0);
  snprintf(key, sizeof key, "materials.%s.model", name);
  PetscCall(TwinfeReportSetString(c->report, key, TwinfeMaterialModels[m->model]));
  PetscCall(ReportRegionReal(c, name, "E_Pa", E));
  PetscCall(ReportRegionReal(c, name, "nu", nu));
  PetscCall(ReportRegionReal(c, name, "mu_Pa", m->mu));
  PetscCall(ReportRegionReal(c, name, "kappa_Pa", m->kappa));
  if (m->model == TWINFE_MATERIAL_MOONEY_RIVLIN) {
    PetscCall(ReportRegionReal(c, name, "C10_Pa", m->mu / 2 - m->c01));
    PetscCall(ReportRegionReal(c, name, "C01_Pa", m->c01));
  }
  PetscCall(ReportRegionReal(c, name, "density_g_per_mm3", m->density));
  if (tissue) {
    snprintf(key, sizeof key, "materials.%s.tissue_preset", name);
    PetscCall(TwinfeReportSetString(c->report, key, tissue->name));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStep(TwinfeElasticity elasticity, PetscInt step, PetscReal t, void *ctx);

/* Pure-displacement P1 tets lock for nearly incompressible tissue: said on the terminal, not
   silently solved (docs/mechanics.md measures it). */
static PetscErrorCode WarnLocking(TwinfePhysics c, PetscInt formulation, PetscInt degree, const char name[],
                                  const TwinfeMaterial *m)
{
  PetscReal nu = (3 * m->kappa - 2 * m->mu) / (2 * (3 * m->kappa + m->mu));
  PetscFunctionBegin;
  if (formulation == TWINFE_ELASTICITY_MIXED || nu < 0.48) PetscFunctionReturn(0);
  PetscCall(TwinfePhysicsPrintf_Private(c,
                                        "          note: region %s has nu = %.4g; pure-displacement P%d tets lock there (too "
                                        "stiff): -elasticity_formulation mixed -elasticity_degree 2 does not\n",
                                        name, (double)nu, (int)degree));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp(TwinfePhysics c)
{
  Elastic              *e     = (Elastic *)c->data;
  const TwinfeClampSet *clamp = &e->clamp;
  PetscReal             g[3]  = {0.0, 9810.0, 0.0};
  PetscInt              ng = 3, steps = 1, ntags, tags[TWINFE_CASE_MAX_TOOL_TAGS], nsprings;
  PetscInt              spring_tags[TWINFE_CASE_MAX_TOOL_TAGS];
  PetscReal             spring_k[TWINFE_CASE_MAX_TOOL_TAGS];
  TwinfeTool            tool;
  PetscInt              formulation, degree;
  PetscBool             given;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityCreate(c->dm, &e->elasticity));
  PetscCall(ReadDiscretisation(&formulation, &degree));
  for (PetscInt i = 0; i < c->nregions; ++i) {
    TwinfeMaterial      m;
    const TwinfeTissue *tissue;
    PetscCall(ReadMaterial(c, i, &m, &tissue));
    PetscCall(TwinfeElasticitySetRegionMaterial(e->elasticity, c->labels[i], &m));
    PetscCall(ReportMaterial(c, c->names[i], &m, tissue));
    PetscCall(WarnLocking(c, formulation, degree, c->names[i], &m));
  }
  PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-gravity", g, &ng, NULL));
  PetscCall(TwinfeElasticitySetGravity(e->elasticity, g));
  if (c->report) PetscCall(TwinfeReportSetRealArray(c->report, "boundary.gravity_mm_per_s2", 3, g));
  for (PetscInt b = 0; b < clamp->nboxes; ++b)
    PetscCall(TwinfeElasticityAddClamp(e->elasticity, clamp->box_tag[b], &clamp->boxes[6 * b]));
  PetscCall(ReadRetractor(c, &given, &tool, &ntags, tags));
  for (PetscInt i = 0; i < ntags; ++i) {
    PetscCall(TwinfeElasticityAddTool(e->elasticity, tags[i], &tool));
    e->tool_tags[i] = tags[i];
  }
  e->ntool_sets      = ntags;
  e->forces.has_tool = given;
  e->forces.tool     = tool;
  if (given && tool.npath && c->report)
    PetscCall(TwinfeReportSetRealArray(c->report, "boundary.retractor_path_mm", 3 * tool.npath, &tool.path[0][0]));
  PetscCall(ReadTaggedLoad(c, &springs_load, &nsprings, spring_tags, spring_k));
  for (PetscInt i = 0; i < nsprings; ++i)
    PetscCall(TwinfeElasticityAddSpring(e->elasticity, spring_tags[i], spring_k[i]));
  PetscCall(ReadTaggedLoad(c, &pressures_load, &nsprings, spring_tags, spring_k));
  for (PetscInt i = 0; i < nsprings; ++i)
    PetscCall(TwinfeElasticityAddPressure(e->elasticity, spring_tags[i], spring_k[i]));
  if (c->report && nsprings) {
    PetscCall(TwinfeReportSetIntArray(c->report, "boundary.pressure_tags", nsprings, spring_tags));
    PetscCall(TwinfeReportSetRealArray(c->report, "boundary.pressure_Pa", nsprings, spring_k));
  }
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-elasticity_load_steps", &steps, NULL));
  PetscCall(TwinfeElasticitySetLoadSteps(e->elasticity, steps));
  PetscCall(TwinfeElasticitySetStepMonitor(e->elasticity, WriteStep, c));
  if (!c->start_only) PetscCall(TwinfeElasticitySetSolverStore(e->elasticity, c->store));
  PetscCall(TwinfeElasticitySetFromOptions(e->elasticity));
  PetscFunctionReturn(0);
}

/* One state of the results series: displacement (and the mixed form's pressure) and the cell
   fields at load factor t. */
static PetscErrorCode WriteState(TwinfePhysics c, TwinfeResults results, PetscReal t, PetscBool zero)
{
  Elastic                    *e        = (Elastic *)c->data;
  const char                 *pnames[] = {"displacement", "pressure", "reaction_force"}, *cnames[TWINFE_ELASTICITY_NFIELDS];
  const char                 *names[3], *cnames_kept[TWINFE_ELASTICITY_NFIELDS];
  Vec                         cells_kept[TWINFE_ELASTICITY_NFIELDS];
  DM                          udm;
  Vec                         given[3], shown[3] = {NULL, NULL, NULL}, cells[TWINFE_ELASTICITY_NFIELDS] = {NULL};
  PetscInt                    npoint = 1, nsets;
  TwinfeElasticityFormulation form;
  PetscErrorCode              ierr;
  PetscFunctionBegin;
  if (zero) PetscCall(TwinfeElasticityGetSolution(e->elasticity, &given[0])); /* the space, before any set-up */
  PetscCall(TwinfeElasticityGetNodeDisplacement(e->elasticity, &udm, &given[0]));
  names[0] = pnames[0];
  PetscCall(TwinfeElasticityGetFormulation(e->elasticity, &form));
  if (form == TWINFE_ELASTICITY_MIXED) {
    PetscCall(TwinfeElasticityGetPressure(e->elasticity, NULL, &given[npoint]));
    names[npoint++] = pnames[1];
  }
  /* the held sets: clamp boxes and retractor tags (RecordForces checks that the solve agrees) */
  nsets = e->clamp.nboxes + e->ntool_sets;
  if (nsets) {
    if (zero)
      PetscCall(TwinfeElasticityGetReactionVec_Private(e->elasticity, &given[npoint])); /* only its layout */
    else
      PetscCall(TwinfeElasticityGetReactionField(e->elasticity, NULL, &given[npoint]));
    names[npoint++] = pnames[2];
  }
  ierr = zero ? TwinfeElasticityCreateUnloadedCellFields_Private(e->elasticity, cells)
              : TwinfeElasticityComputeCellFields(e->elasticity, cells);
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS && !ierr; ++k)
    ierr = PetscObjectGetName((PetscObject)cells[k], &cnames[k]);
  for (PetscInt k = 0; k < npoint && !ierr; ++k) {
    ierr = VecDuplicate(given[k], &shown[k]);
    if (!ierr) ierr = zero ? VecZeroEntries(shown[k]) : VecCopy(given[k], shown[k]);
    if (!ierr && names[k] == pnames[2]) ierr = VecScale(shown[k], NEWTON_PER_UN); /* written in N, as forces.csv */
    if (!ierr) ierr = PetscObjectSetName((PetscObject)shown[k], names[k]);
  }
  if (!ierr) { /* only the cell fields asked for (-elasticity_cell_fields) */
    PetscInt ncells = 0;
    for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
      if (e->cell_field_wanted[k]) cells_kept[ncells] = cells[k], cnames_kept[ncells++] = cnames[k];
    ierr = TwinfeResultsWriteState(results, t, c->dm, npoint, names, shown, ncells, cnames_kept, cells_kept);
  }
  if (!ierr) e->states++;
  for (PetscInt k = 0; k < npoint; ++k)
    PetscCall(VecDestroy(&shown[k]));
  for (PetscInt k = 0; k < TWINFE_ELASTICITY_NFIELDS; ++k)
    PetscCall(VecDestroy(&cells[k]));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode EmitForceTable(FILE *fp, void *ctx)
{
  const ForceTable *t     = (const ForceTable *)ctx;
  const PetscInt    ncols = 2 + 3 * t->nsets;

  fprintf(fp, "step,load_factor");
  if (t->has_tool) fprintf(fp, ",retractor_ux_mm,retractor_uy_mm,retractor_uz_mm");
  for (PetscInt i = 0; i < t->nsets; ++i) {
    const char *kind = i < t->nclamps ? "clamp" : "retractor";
    for (PetscInt k = 0; k < 4; ++k)
      fprintf(fp, ",set%d_%s_tag%d_%s_N", (int)i, kind, (int)t->set_tag[i], (const char *[]){"fx", "fy", "fz", "magnitude"}[k]);
  }
  fprintf(fp, "\n");
  for (PetscInt r = 0; r < t->nrows; ++r) {
    const PetscReal *row = &t->rows[r * ncols];
    fprintf(fp, "%d,%.9g", (int)row[0], (double)row[1]);
    if (t->has_tool) {
      PetscReal u[3];
      TwinfeToolDisplacement(&t->tool, row[1], u);
      fprintf(fp, ",%.9g,%.9g,%.9g", (double)u[0], (double)u[1], (double)u[2]);
    }
    for (PetscInt i = 0; i < t->nsets; ++i) {
      const PetscReal *f = &row[2 + 3 * i];
      fprintf(fp, ",%.9g,%.9g,%.9g,%.9g", (double)f[0], (double)f[1], (double)f[2],
              (double)PetscSqrtReal(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]));
    }
    fprintf(fp, "\n");
  }
  return ferror(fp) ? PETSC_ERR_FILE_WRITE : 0;
}

/* The held sets' reactions at this step appended to the table and, with a results series,
   forces.csv rewritten beside it; the last step's go to the report. */
static PetscErrorCode RecordForces(TwinfePhysics c, PetscInt step, PetscReal t)
{
  Elastic    *e     = (Elastic *)c->data;
  ForceTable *table = &e->forces;
  PetscInt    nsets, ncols;
  PetscReal  *rows, *f;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityGetReactionForces(e->elasticity, &nsets, NULL));
  if (!nsets) PetscFunctionReturn(0);
  PetscCheck(nsets == e->clamp.nboxes + e->ntool_sets, c->comm, PETSC_ERR_PLIB,
             "%" PetscInt_FMT " held sets for %" PetscInt_FMT " clamp boxes and %" PetscInt_FMT " retractor tags", nsets,
             e->clamp.nboxes, e->ntool_sets);
  if (!table->set_tag) {
    table->nsets   = nsets;
    table->nclamps = e->clamp.nboxes;
    PetscCall(PetscMalloc1(nsets, &table->set_tag));
    for (PetscInt i = 0; i < nsets; ++i)
      table->set_tag[i] = i < table->nclamps ? e->clamp.box_tag[i] : e->tool_tags[i - table->nclamps];
  }
  ncols = 2 + 3 * nsets;
  PetscCall(PetscMalloc1((table->nrows + 1) * ncols, &rows));
  PetscCall(PetscArraycpy(rows, table->rows, table->nrows * ncols));
  PetscCall(PetscFree(table->rows));
  table->rows = rows;
  f           = &rows[table->nrows * ncols];
  f[0]        = (PetscReal)step;
  f[1]        = t;
  PetscCall(TwinfeElasticityGetReactionForces(e->elasticity, &nsets, &f[2]));
  for (PetscInt k = 0; k < 3 * nsets; ++k)
    f[2 + k] *= NEWTON_PER_UN;
  table->nrows++;
  if (c->results) PetscCall(TwinfeResultsWriteSideFile(c->results, "forces.csv", EmitForceTable, table));
  if (c->report) {
    PetscReal total[3] = {0, 0, 0};
    for (PetscInt i = 0; i < nsets; ++i)
      for (PetscInt k = 0; k < 3; ++k)
        total[k] += f[2 + 3 * i + k];
    PetscCall(TwinfeReportSetRealArray(c->report, "solve.reaction_force_N", 3, total));
    PetscCall(TwinfeReportSetRealArray(c->report, "solve.reaction_force_per_set_N", 3 * nsets, &f[2]));
    PetscInt nsprings;
    PetscCall(TwinfeElasticityGetSpringForces(e->elasticity, &nsprings, NULL));
    if (nsprings) {
      PetscReal *spring;
      PetscCall(PetscMalloc1(3 * nsprings, &spring));
      PetscCall(TwinfeElasticityGetSpringForces(e->elasticity, &nsprings, spring));
      for (PetscInt k = 0; k < 3 * nsprings; ++k)
        spring[k] *= NEWTON_PER_UN;
      PetscCall(TwinfeReportSetRealArray(c->report, "solve.spring_force_per_support_N", 3 * nsprings, spring));
      PetscCall(PetscFree(spring));
    }
    if (e->ntool_sets) {
      PetscReal tool[3] = {0, 0, 0};
      for (PetscInt i = table->nclamps; i < nsets; ++i)
        for (PetscInt k = 0; k < 3; ++k)
          tool[k] += f[2 + 3 * i + k];
      PetscCall(TwinfeReportSetRealArray(c->report, "solve.retractor_force_N", 3, tool));
    }
  }
  PetscFunctionReturn(0);
}

/* A checkpoint after load step `step` (-checkpoint_every): the solver's part, the force table
   (forces.csv is made from it) and the results states written so far. */
static PetscErrorCode WriteCheckpoint(TwinfePhysics c, TwinfeElasticity elasticity, PetscInt step, PetscReal t)
{
  ForceTable *f = &((Elastic *)c->data)->forces;

  PetscFunctionBegin;
  PetscCall(TwinfeElasticityCheckpointBegin_Private(elasticity, c->checkpoint, step, t));
  PetscCall(TwinfeCheckpointAddReals(c->checkpoint, "forces", f->nrows * (2 + 3 * f->nsets), f->rows));
  PetscCall(TwinfeCheckpointCommit(c->checkpoint, c->results));
  PetscFunctionReturn(0);
}

/* -restart: the solve goes on from the checkpoint, with its force table and results states. */
static PetscErrorCode Restart(TwinfePhysics c)
{
  Elastic       *e     = (Elastic *)c->data;
  const PetscInt ncols = 2 + 3 * (e->clamp.nboxes + e->ntool_sets);
  PetscInt       n, nfiles;

  PetscFunctionBegin;
  PetscCall(TwinfeElasticityCheckpointLoad_Private(e->elasticity, c->checkpoint));
  PetscCall(TwinfeCheckpointGetRealsSize(c->checkpoint, "forces", &n));
  PetscCheck(n % ncols == 0, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "-restart: the checkpoint's force table has %" PetscInt_FMT " values, not rows of %" PetscInt_FMT
             " (step, load factor and 3 per held set): it is of another set of clamps and retractor",
             n, ncols);
  PetscCall(PetscFree(e->forces.rows));
  PetscCall(PetscMalloc1(n, &e->forces.rows));
  PetscCall(TwinfeCheckpointGetReals(c->checkpoint, "forces", n, e->forces.rows));
  e->forces.nrows = n / ncols;
  if (!c->results) PetscFunctionReturn(0);
  PetscCall(TwinfeCheckpointRestoreResults(c->checkpoint, c->results));
  PetscCall(TwinfeResultsGetFiles(c->results, &nfiles, NULL));
  e->states = nfiles - 1;
  PetscFunctionReturn(0);
}

/* After each converged load step: its state and the supports' forces, as the solve goes (a
   long solve that stops leaves the steps it reached). */
static PetscErrorCode WriteStep(TwinfeElasticity elasticity, PetscInt step, PetscReal t, void *ctx)
{
  TwinfePhysics c = (TwinfePhysics)ctx;
  Elastic      *e = (Elastic *)c->data;
  PetscInt      newton, linear;
  PetscBool     nonlinear;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityIsNonlinear(elasticity, &nonlinear));
  PetscCall(TwinfeElasticityGetNewtonInfo(elasticity, NULL, &newton, &linear, NULL));
  PetscCall(TwinfeProgressPause(e->progress));
  if (nonlinear)
    PetscCall(TwinfePhysicsPrintf_Private(c,
                                          "          load step %" PetscInt_FMT " (t = %.4g): %" PetscInt_FMT
                                          " Newton iterations, %" PetscInt_FMT " linear so far\n",
                                          step, (double)t, newton, linear));
  /* the last step (its load factor is set to exactly 1): the solver is done before its results
     are written, and its memory goes first (about 0.9 GB at 1M P1 unknowns) */
  if (t == 1) PetscCall(TwinfeElasticityReleaseSolver(elasticity));
  if (c->results) PetscCall(WriteState(c, c->results, t, PETSC_FALSE));
  PetscCall(RecordForces(c, step, t));
  if (TwinfeCheckpointDue(c->checkpoint, step) && t < 1) PetscCall(WriteCheckpoint(c, elasticity, step, t));
  {
    char detail[64];
    snprintf(detail, sizeof detail, "load step %" PetscInt_FMT, step);
    PetscCall(TwinfeProgressSet(e->progress, t, detail));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve(TwinfePhysics c)
{
  Elastic       *e        = (Elastic *)c->data;
  PetscReal      diagonal = e->clamp.mesh_diagonal_mm;
  PetscInt       iterations, unknowns, steps, newton, linear, cutbacks;
  PetscReal      residual, max_mm;
  const char    *reason;
  PetscBool      nonlinear, reused;
  Vec            u;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(TwinfeElasticityIsNonlinear(e->elasticity, &nonlinear));
  e->states = 0;
  /* the unloaded organ first, so that ParaView's time slider and "Warp By Vector" show the
     deformation growing; before the solver is set up, so that the writer's arrays (400 MB at
     1.93M cells) and the stiffness with its multigrid (600 MB) are not held at once, and
     without keeping its mesh arrays (54 MB) through the solve. A restart takes over the states
     the checkpointed run wrote, this one among them. */
  if (TwinfeCheckpointRestarting(c->checkpoint))
    PetscCall(Restart(c));
  else if (c->results) {
    PetscCall(WriteState(c, c->results, 0.0, PETSC_TRUE));
    PetscCall(TwinfeResultsReleaseMesh(c->results));
    TwinfeReturnFreedMemory_Private(); /* the state's cell fields too */
  }
  if (!c->quiet) PetscCall(TwinfeProgressCreate(c->comm, "solve     elasticity", &e->progress));
  ierr = TwinfeElasticitySolve(e->elasticity);
  PetscCall(TwinfeProgressDestroy(&e->progress));
  PetscCall(ierr);
  PetscCall(TwinfeElasticityGetSolverInfo(e->elasticity, &iterations, &residual, &reason));
  PetscCall(TwinfeElasticityGetNewtonInfo(e->elasticity, &steps, &newton, &linear, &cutbacks));
  PetscCall(TwinfeElasticityGetMaxDisplacement(e->elasticity, &max_mm));
  PetscCall(TwinfeElasticityGetSolverReused(e->elasticity, &reused));
  PetscCall(TwinfeElasticityGetSolution(e->elasticity, &u)); /* all unknowns, P2 edge dofs included */
  PetscCall(VecGetSize(u, &unknowns));
  if (c->report) {
    PetscCall(TwinfeReportSetInt(c->report, "solve.unknowns", unknowns));
    PetscCall(TwinfeReportSetInt(c->report, "solve.iterations", nonlinear ? linear : iterations));
    PetscCall(TwinfeReportSetReal(c->report, "solve.residual_norm", residual));
    {
      const PetscReal *history;
      PetscInt         nhistory;
      PetscCall(TwinfeElasticityGetResidualHistory_Private(e->elasticity, &nhistory, &history));
      if (nhistory > 1)
        PetscCall(TwinfeReportSetRealArray(c->report, nonlinear ? "solve.newton_history" : "solve.residual_history", nhistory,
                                           history));
    }
    PetscCall(TwinfeReportSetString(c->report, "solve.converged_reason", reason));
    PetscCall(TwinfeReportSetBool(c->report, "solve.preconditioner_reused", reused));
    PetscCall(TwinfeReportSetString(c->report, "solve.strain", nonlinear ? "finite" : "small"));
    {
      TwinfeElasticityFormulation form;
      PetscCall(TwinfeElasticityGetFormulation(e->elasticity, &form));
      PetscCall(TwinfeReportSetString(c->report, "solve.formulation", TwinfeElasticityFormulations[form]));
    }
    PetscCall(TwinfeReportSetInt(c->report, "solve.load_steps", steps - cutbacks));
    PetscCall(TwinfeReportSetInt(c->report, "solve.load_step_cutbacks", cutbacks));
    PetscCall(TwinfeReportSetInt(c->report, "solve.newton_iterations", newton));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_mm", max_mm));
    PetscCall(TwinfeReportSetReal(c->report, "solve.max_displacement_over_mesh_diagonal", diagonal > 0 ? max_mm / diagonal : 0));
  }
  if (nonlinear)
    PetscCall(PetscPrintf(c->comm,
                          "solve     finite-strain elasticity: %" PetscInt_FMT " unknowns, %" PetscInt_FMT
                          " load steps (%" PetscInt_FMT " cut back), %" PetscInt_FMT " Newton and %" PetscInt_FMT
                          " linear iterations\n",
                          unknowns, steps - cutbacks, cutbacks, newton, linear));
  else
    PetscCall(PetscPrintf(
        c->comm, "solve     linear elasticity: %" PetscInt_FMT " unknowns, %" PetscInt_FMT " iterations (%s), residual %.3e\n",
        unknowns, linear, reason, (double)residual));
  if (reused)
    PetscCall(
        PetscPrintf(c->comm, "          the same stiffness as an earlier run's: its preconditioner reused, not set up again\n"));
  PetscCall(PetscPrintf(c->comm, "          max displacement %.6g mm\n", (double)max_mm));
  PetscCall(TwinfePhysicsReportUnknowns_Private(c, u));
  /* Small-strain elasticity is only trustworthy while displacements stay small against the
     body: past 10% of its size, say so rather than let a planner read it as a prediction. */
  if (!nonlinear && diagonal > 0 && max_mm > 0.1 * diagonal) {
    PetscCall(
        PetscPrintf(c->comm,
                    "          WARNING: the max displacement is %.0f%% of the mesh's size (%.4g mm): beyond what small-strain\n"
                    "          linear elasticity describes; hold more of the organ (-clamp_fraction), stiffen it, or give it\n"
                    "          a finite-strain law (-material neo_hookean)\n",
                    (double)(100 * max_mm / diagonal), (double)diagonal));
  }
  PetscFunctionReturn(0);
}

/* The states were written as the solve went; without a results series then, the unloaded and
   the final state now. */
static PetscErrorCode Write(TwinfePhysics c, TwinfeResults results)
{
  Elastic *e = (Elastic *)c->data;
  PetscFunctionBegin;
  if (e->states) PetscFunctionReturn(0);
  PetscCall(WriteState(c, results, 0.0, PETSC_TRUE));
  PetscCall(WriteState(c, results, 1.0, PETSC_FALSE));
  PetscFunctionReturn(0);
}

const TwinfePhysicsOps TwinfePhysicsOps_Elasticity = {
    .name             = "elasticity",
    .fields           = "displacement, von Mises and Cauchy stress, Green-Lagrange and principal strains, J",
    .create           = Create,
    .check_options    = CheckOptions,
    .prepare          = Prepare,
    .set_up           = SetUp,
    .solve            = Solve,
    .write            = Write,
    .needs_mesh_edges = NeedsMeshEdges,
    .destroy          = Destroy,
};
