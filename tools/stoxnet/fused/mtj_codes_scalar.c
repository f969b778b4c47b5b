/* The kernels built for scalar (flags in tools/CMakeLists.txt). */
#define KERNEL_NAME stoxnet_mtj_codes_scalar
#define SUMS_NAME stoxnet_channel_sums_scalar
#define BACKWARD_NAME stoxnet_drive_backward_scalar
#include "mtj_codes_body.h"
