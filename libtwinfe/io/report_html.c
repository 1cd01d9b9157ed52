/* report.html: the run's report.json as a page a person reads -- a summary sentence, the
 * pictures, the regions, the mesh and its quality histogram, the solver and its convergence,
 * time and memory, the inputs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Written from the same jansson tree as report.json (so the page never says anything the
 * report does not), with no script and no external file but the pictures: charts are inline
 * SVG. Sections whose keys a run does not have (a flow has no displacement, a mesh read from a
 * file has no voxels) are left out, and tables list the keys a section holds rather than a
 * fixed set, so that a physics that reports new keys shows them without a change here. */
#define _POSIX_C_SOURCE 200809L
#include "io/pictures.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void TwinfeHtmlWriteText(FILE *f, const char text[])
{
  for (const char *c = text; c && *c; c++) {
    switch (*c) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      fputc(*c, f);
    }
  }
}

/* A key as a heading: underscores as spaces, units kept ("volume_mm3" -> "volume mm3"). */
static void KeyText(FILE *f, const char key[])
{
  char buffer[256];
  snprintf(buffer, sizeof buffer, "%s", key);
  for (char *c = buffer; *c; c++)
    if (*c == '_') *c = ' ';
  TwinfeHtmlWriteText(f, buffer);
}

static void Value(FILE *f, json_t *v)
{
  char buffer[64];
  if (json_is_integer(v)) {
    fprintf(f, "%lld", (long long)json_integer_value(v));
  } else if (json_is_real(v)) {
    const double x = json_real_value(v);
    snprintf(buffer, sizeof buffer, fabs(x) >= 1e5 || (x != 0 && fabs(x) < 1e-3) ? "%.4e" : "%.4g", x);
    fputs(buffer, f);
  } else if (json_is_string(v)) {
    TwinfeHtmlWriteText(f, json_string_value(v));
  } else if (json_is_boolean(v)) {
    fputs(json_is_true(v) ? "yes" : "no", f);
  } else if (json_is_array(v) && json_array_size(v) <= 9) {
    size_t  i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
      if (i) fputs(", ", f);
      Value(f, item);
    }
  } else if (json_is_array(v)) {
    fprintf(f, "(%zu values: report.json)", json_array_size(v));
  }
}

/* A value reached by a dotted path ("mesh.quality.min_gamma"), or NULL. */
static json_t *Get(json_t *root, const char path[])
{
  char    buffer[256];
  json_t *at = root;
  snprintf(buffer, sizeof buffer, "%s", path);
  for (char *save = NULL, *part = strtok_r(buffer, ".", &save); part && at; part = strtok_r(NULL, ".", &save))
    at = json_object_get(at, part);
  return at;
}

static double Real(json_t *root, const char path[], double otherwise)
{
  json_t *v = Get(root, path);
  return json_is_number(v) ? json_number_value(v) : otherwise;
}

/* A two-column table of an object's members that are numbers, strings, booleans or short
   arrays; members that are objects become rows "name.member" one level down. */
static void KeyValueTable(FILE *f, json_t *object, const char *const skip[])
{
  const char *key;
  json_t     *v;
  if (!json_is_object(object)) return;
  fputs("<table>\n", f);
  json_object_foreach(object, key, v)
  {
    PetscBool skipped = PETSC_FALSE;
    for (int s = 0; skip && skip[s]; s++)
      if (!strcmp(key, skip[s])) skipped = PETSC_TRUE;
    if (skipped) continue;
    if (json_is_object(v)) {
      const char *inner;
      json_t     *w;
      json_object_foreach(v, inner, w)
      {
        if (json_is_object(w) || (json_is_array(w) && json_array_size(w) > 9)) continue;
        fputs("<tr><th>", f);
        KeyText(f, key);
        fputs(": ", f);
        KeyText(f, inner);
        fputs("</th><td>", f);
        Value(f, w);
        fputs("</td></tr>\n", f);
      }
      continue;
    }
    if (json_is_array(v) && json_array_size(v) > 9) continue;
    fputs("<tr><th>", f);
    KeyText(f, key);
    fputs("</th><td>", f);
    Value(f, v);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* The summary: what was modelled and the headline result, in a sentence or two. */
static void Summary(FILE *f, json_t *root)
{
  json_t *regions = json_object_get(root, "regions"), *v;
  size_t  i;
  fputs("<p class=\"summary\">", f);
  if (json_is_array(regions) && json_array_size(regions)) {
    fprintf(f, "%zu region%s (", json_array_size(regions), json_array_size(regions) == 1 ? "" : "s");
    json_array_foreach(regions, i, v)
    {
      if (i) fputs(", ", f);
      TwinfeHtmlWriteText(f, json_string_value(json_object_get(v, "name")));
    }
    fputs("), ", f);
  }
  fprintf(f, "meshed with %.0f tetrahedra over %.0f vertices", Real(root, "mesh.tetrahedra", 0), Real(root, "mesh.vertices", 0));
  if (Get(root, "solve.unknowns")) fprintf(f, "; %.0f unknowns solved", Real(root, "solve.unknowns", 0));
  if (json_is_string(Get(root, "solve.converged_reason"))) {
    fputs(" (", f);
    TwinfeHtmlWriteText(f, json_string_value(Get(root, "solve.converged_reason")));
    fputs(")", f);
  }
  fputs(".", f);
  if (Get(root, "solve.max_displacement_mm"))
    fprintf(f, " The tissue moves by up to <b>%.3g mm</b>.", Real(root, "solve.max_displacement_mm", 0));
  if (Get(root, "solve.pressure_drop_Pa"))
    fprintf(f, " The pressure drops by <b>%.4g Pa</b> from inlet to outlet.", Real(root, "solve.pressure_drop_Pa", 0));
  fprintf(f, " The run took %.1f s", Real(root, "timings_s.total", 0));
  if (Get(root, "twinfe.ranks"))
    fprintf(f, " on %.0f rank%s", Real(root, "twinfe.ranks", 1), Real(root, "twinfe.ranks", 1) == 1 ? "" : "s");
  fputs(".</p>\n", f);
}

static void Pictures(FILE *f, const TwinfePictures *pictures)
{
  fputs("<h2 id=\"pictures\">Pictures</h2>\n", f);
  if (!pictures || !pictures->n) {
    fputs("<p>No pictures: ", f);
    TwinfeHtmlWriteText(f, pictures && pictures->skipped[0] ? pictures->skipped : "the run drew none (-pictures false)");
    fputs(".</p>\n", f);
    return;
  }
  for (PetscInt k = 0; k < pictures->n; k++) {
    fputs("<figure><img src=\"", f);
    TwinfeHtmlWriteText(f, pictures->file[k]);
    fprintf(f, "\" width=\"%d\" height=\"%d\" alt=\"", TWINFE_PICTURE_WIDTH, TWINFE_PICTURE_HEIGHT);
    TwinfeHtmlWriteText(f, pictures->caption[k]);
    fputs("\"><figcaption>", f);
    TwinfeHtmlWriteText(f, pictures->caption[k]);
    fputs(" (", f);
    TwinfeHtmlWriteText(f, pictures->file[k]);
    fputs(")</figcaption></figure>\n", f);
  }
}

/* One row per region with the columns that tell whether the anatomy came through: voxels given
   and meshed, volumes, the surface's distance to the voxels, the worst tet; and its material. */
static void Regions(FILE *f, json_t *root)
{
  static const char *const columns[][2] = {
      {"label", "label"},
      {"voxels_given", "voxels given"},
      {"voxels_meshed", "voxels meshed"},
      {"components_meshed", "pieces"},
      {"tets", "tetrahedra"},
      {"volume_mm3", "volume, mm&sup3;"},
      {"voxel_volume_mm3", "voxels' volume, mm&sup3;"},
      {"volume_error_pct", "difference, %"},
      {"surface_distance.voxels_to_mesh_max_mm", "largest distance voxels to mesh, mm"},
      {"quality.radius_ratio.min", "least radius ratio"},
      {"quality.min_dihedral_deg", "least dihedral, &deg;"},
  };
  json_t *regions = json_object_get(root, "regions"), *region, *materials = json_object_get(root, "materials");
  size_t  i;
  if (!json_is_array(regions) || !json_array_size(regions)) return;
  fputs("<h2 id=\"regions\">Regions</h2>\n<table>\n<tr><th>region</th>", f);
  for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
    if (Get(json_array_get(regions, 0), columns[c][0])) fprintf(f, "<th>%s</th>", columns[c][1]);
  if (json_is_object(materials)) fputs("<th>material</th><th>E, Pa</th><th>&nu;</th>", f);
  fputs("</tr>\n", f);
  json_array_foreach(regions, i, region)
  {
    const char *name = json_string_value(json_object_get(region, "name"));
    json_t     *material;
    fputs("<tr><td>", f);
    TwinfeHtmlWriteText(f, name);
    fputs("</td>", f);
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
      if (!Get(json_array_get(regions, 0), columns[c][0])) continue;
      fputs("<td>", f);
      Value(f, Get(region, columns[c][0]));
      fputs("</td>", f);
    }
    if (json_is_object(materials)) {
      material = name ? json_object_get(materials, name) : NULL;
      fputs("<td>", f);
      Value(f, json_object_get(material, "model"));
      fputs("</td><td>", f);
      Value(f, json_object_get(material, "E_Pa"));
      fputs("</td><td>", f);
      Value(f, json_object_get(material, "nu"));
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* Bars of counts between edges, as inline SVG (counts on a square-root scale, so that the
   few bad elements that matter stay visible beside the many good ones). */
static void Histogram(FILE *f, json_t *edges, json_t *counts, const char label[])
{
  const size_t n = json_array_size(counts);
  const double W = 560, H = 180, left = 40, bottom = 30;
  double       most = 0;
  if (!n || json_array_size(edges) != n + 1) return;
  for (size_t b = 0; b < n; b++)
    most = fmax(most, json_number_value(json_array_get(counts, b)));
  fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", W + left + 10, H + bottom + 10);
  TwinfeHtmlWriteText(f, label);
  fputs("\">\n", f);
  for (size_t b = 0; b < n; b++) {
    const double count = json_number_value(json_array_get(counts, b));
    const double h = most > 0 ? H * sqrt(count / most) : 0, w = W / n;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", left + b * w + 2, 10 + H - h,
            w - 4, h, b < 3 ? "#c0392b" : "#2e86c1");
    Value(f, json_array_get(edges, b));
    fputs(" to ", f);
    Value(f, json_array_get(edges, b + 1));
    fprintf(f, ": %.0f</title></rect>\n", count);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.0f</text>\n", left + (b + 0.5) * w,
            10 + H - h - 3, count);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", left + b * w, 10 + H + 15);
    Value(f, json_array_get(edges, b));
    fputs("</text>\n", f);
  }
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", left + W, 10 + H + 15);
  Value(f, json_array_get(edges, n));
  fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">", left + W / 2, 10 + H + 29);
  TwinfeHtmlWriteText(f, label);
  fputs("</text>\n</svg>\n", f);
}

static void Mesh(FILE *f, json_t *root)
{
  static const char *const skip[] = {"gamma_histogram", NULL};
  json_t                  *mesh   = json_object_get(root, "mesh");
  if (!json_is_object(mesh)) return;
  fprintf(f, "<h2 id=\"mesh\">Mesh</h2>\n<p>%.0f vertices, %.0f tetrahedra, %.0f boundary and interface triangles.</p>\n",
          Real(root, "mesh.vertices", 0), Real(root, "mesh.tetrahedra", 0), Real(root, "mesh.facets", 0));
  KeyValueTable(f, json_object_get(mesh, "quality"), skip);
  Histogram(f, Get(root, "mesh.quality.gamma_histogram.edges"), Get(root, "mesh.quality.gamma_histogram.counts"),
            "tetrahedra by Gmsh's quality gamma (1: regular; red: below 0.1, poor)");
}

/* Residuals against iterations on a log scale, as inline SVG. */
static void ConvergencePlot(FILE *f, json_t *history, const char label[])
{
  const size_t n = json_array_size(history);
  const double W = 560, H = 200, left = 50, bottom = 30;
  double       lo = INFINITY, hi = -INFINITY;
  if (n < 2) return;
  for (size_t k = 0; k < n; k++) {
    const double r = json_number_value(json_array_get(history, k));
    if (r > 0) lo = fmin(lo, log10(r)), hi = fmax(hi, log10(r));
  }
  if (!(hi > lo)) hi = lo + 1;
  lo = floor(lo), hi = ceil(hi);
  fprintf(f, "<svg width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"", W + left + 10, H + bottom + 10);
  TwinfeHtmlWriteText(f, label);
  fputs("\">\n<polyline fill=\"none\" stroke=\"#2e86c1\" stroke-width=\"1.5\" points=\"", f);
  for (size_t k = 0; k < n; k++) {
    const double r = json_number_value(json_array_get(history, k));
    if (r <= 0) continue;
    fprintf(f, "%.1f,%.1f ", left + W * k / (double)(n - 1), 10 + H * (hi - log10(r)) / (hi - lo));
  }
  fputs("\"/>\n", f);
  for (double e = lo; e <= hi; e += fmax(1, floor((hi - lo) / 6))) {
    const double y = 10 + H * (hi - e) / (hi - lo);
    fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, left + W, y, y);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">1e%.0f</text>\n", left - 4, y + 4, e);
  }
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">0</text>", left, 10 + H + 15);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%zu</text>\n", left + W, 10 + H + 15, n - 1);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">", left + W / 2, 10 + H + 29);
  TwinfeHtmlWriteText(f, label);
  fputs("</text>\n</svg>\n", f);
}

static void Solver(FILE *f, json_t *root)
{
  static const char *const skip[] = {"residual_history", "newton_history", NULL};
  json_t                  *solve  = json_object_get(root, "solve");
  if (!json_is_object(solve)) return;
  fputs("<h2 id=\"solver\">Solver</h2>\n", f);
  KeyValueTable(f, solve, skip);
  ConvergencePlot(f, json_object_get(solve, "residual_history"),
                  "the linear solver's residual norm (preconditioned) against its iterations");
  ConvergencePlot(f, json_object_get(solve, "newton_history"), "the nonlinear residual norm against Newton's steps");
}

/* Stages with their seconds and the memory high-water mark at their end. */
static void Timings(FILE *f, json_t *root)
{
  json_t     *timings = json_object_get(root, "timings_s"), *seconds;
  const char *stage;
  if (!json_is_object(timings)) return;
  fputs("<h2 id=\"timings\">Time and memory</h2>\n<table>\n<tr><th>stage</th><th>seconds</th><th>peak memory, MB</th></tr>\n", f);
  json_object_foreach(timings, stage, seconds)
  {
    fputs("<tr><td>", f);
    KeyText(f, stage);
    fputs("</td><td>", f);
    Value(f, seconds);
    fputs("</td><td>", f);
    Value(f, Get(json_object_get(root, "peak_memory_mb"), stage));
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

static void Inputs(FILE *f, json_t *root)
{
  json_t     *inputs = json_object_get(root, "inputs"), *input;
  const char *what;
  fputs("<h2 id=\"inputs\">Inputs and settings</h2>\n<table>\n", f);
  json_object_foreach(inputs, what, input)
  {
    fputs("<tr><th>", f);
    KeyText(f, what);
    fputs("</th><td>", f);
    TwinfeHtmlWriteText(f, json_string_value(json_object_get(input, "path")));
    fputs("<br><small>SHA-256 ", f);
    TwinfeHtmlWriteText(f, json_string_value(json_object_get(input, "sha256")));
    fputs("</small></td></tr>\n", f);
  }
  fputs("<tr><th>version</th><td>twinfe ", f);
  TwinfeHtmlWriteText(f, json_string_value(Get(root, "twinfe.version")));
  fputs("</td></tr>\n<tr><th>options</th><td><code>", f);
  TwinfeHtmlWriteText(f, json_string_value(Get(root, "settings.options")));
  fputs("</code></td></tr>\n</table>\n", f);
}

/* The case's name: the case file's (or mesh's, or image's) base name without extension. */
static void Title(json_t *root, char title[], size_t len)
{
  const char *paths[] = {"inputs.case_file.path", "inputs.mesh.path", "inputs.image.path"}, *p = NULL;
  for (int k = 0; k < 3 && !p; k++)
    p = json_string_value(Get(root, paths[k]));
  const char *base = p ? strrchr(p, '/') : NULL;
  snprintf(title, len, "%s", p ? (base ? base + 1 : p) : "twinfe run");
  char *dot = strchr(title, '.');
  if (dot && dot != title) *dot = 0;
}

PetscErrorCode TwinfeReportWriteHtml(TwinfeReport report, const TwinfePictures *pictures, const char path[])
{
  json_t *root = TwinfeReportJSON_Private(report);
  char    title[256];
  FILE   *f;
  PetscFunctionBegin;
  Title(root, title, sizeof title);
  PetscCheck(f = fopen(path, "w"), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Cannot write %s", path);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", f);
  TwinfeHtmlWriteText(f, title);
  fputs(" &ndash; twinfe</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #bbb;padding:2px 8px;vertical-align:top}"
        "th{text-align:left;background:#f4f4f4;font-weight:normal}td{text-align:right}td:first-child{text-align:left}"
        "figure{display:inline-block;margin:0.5em;width:45%}figure img{width:100%;height:auto;border:1px solid #ddd}"
        "figcaption{font-size:0.9em}.summary{font-size:1.15em}code{font-size:0.85em}</style>\n</head><body>\n<h1>",
        f);
  TwinfeHtmlWriteText(f, title);
  fputs("</h1>\n", f);
  Summary(f, root);
  fputs("<p>The fields: <a href=\"results.pvd\">results.pvd</a> (ParaView: File &gt; Open, or run "
        "<code>pvpython open_in_paraview.py</code> / in ParaView View &gt; Python Shell &gt; Run Script "
        "<a href=\"open_in_paraview.py\">open_in_paraview.py</a>). Every number here, and more: "
        "<a href=\"report.json\">report.json</a>.</p>\n",
        f);
  Pictures(f, pictures);
  Regions(f, root);
  Mesh(f, root);
  Solver(f, root);
  Timings(f, root);
  Inputs(f, root);
  fputs("</body></html>\n", f);
  PetscCheck(fclose(f) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", path);
  PetscFunctionReturn(0);
}
