// The crossbar tile moved to its kind's folder; this name stays for code written against it.
#pragma once

#include "tiles/xbar/xbar_tile.h"
