/* libtwinfe: patient-specific finite elements for surgical planning. Umbrella header.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   label map -> surfaces -> tetrahedral mesh -> distributed DMPlex -> physics -> ParaView
 *   image.h      surface.h   mesh.h              partition.h          physics.h   io.h
 */
#pragma once
#include <twinfe/core.h>
#include <twinfe/image.h>
#include <twinfe/surface.h>
#include <twinfe/mesh.h>
#include <twinfe/fidelity.h>
#include <twinfe/partition.h>
#include <twinfe/fem.h>
#include <twinfe/physics.h>
#include <twinfe/waveform.h>
#include <twinfe/flow.h>
#include <twinfe/io.h>
#include <twinfe/results.h>
#include <twinfe/case.h>
#include <twinfe/procedures.h>
