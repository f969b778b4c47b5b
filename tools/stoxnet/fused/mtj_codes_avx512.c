/* The kernels built for avx512 (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_avx512
#define SUMS_NAME stoxnet_channel_sums_avx512
#define BACKWARD_NAME stoxnet_drive_backward_avx512
#include "mtj_codes_body.h"
