/* main() of one bare-metal application: STOXVP_APP_ENTRY is its entry function (the same one
 * the host-compiled build calls), chosen per executable by the build. */
#include "fc_demo/fc_demo.h"
#include "inference/inference.h"
#include "snn/snn.h"
#include "fp_train/fp_train.h"

int main(void) { return STOXVP_APP_ENTRY(0); }
