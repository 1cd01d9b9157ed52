/* unit/test_io_quadratic on 2 and 3 ranks: each rank writes its piece of quadratic cells with
 * its own edge numbering, read back through the .pvtu.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "../unit/test_io_quadratic.c"
