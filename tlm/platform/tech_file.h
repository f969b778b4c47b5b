// The technology reader moved into the accelerator library; this name stays for code written
// against it.
#pragma once

#include "hw/accel/cost/tech_file.h"
