/* The row kernel built for avx2 (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_avx2
#include "mtj_codes_body.h"
