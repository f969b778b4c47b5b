/* The row kernel built for scalar (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_scalar
#include "mtj_codes_body.h"
