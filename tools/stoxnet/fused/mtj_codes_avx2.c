/* The kernels built for avx2 (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_avx2
#define SUMS_NAME stoxnet_channel_sums_avx2
#define BACKWARD_NAME stoxnet_drive_backward_avx2
#include "mtj_codes_body.h"
