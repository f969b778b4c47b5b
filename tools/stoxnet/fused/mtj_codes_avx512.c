/* The row kernel built for avx512 (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_avx512
#include "mtj_codes_body.h"
