/* SPDX-License-Identifier: MIT */
/* Stand-in for the kernel header of this name: see ../../kshim.h. */
#include "../../kshim.h"
