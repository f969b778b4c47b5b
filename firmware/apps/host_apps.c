#include "host_apps.h"

#include "fc_demo/fc_demo.h"
#include "inference/inference.h"
#include "snn/snn.h"
#include "fp_train/fp_train.h"

#include <string.h>

const struct stoxvp_host_app stoxvp_host_apps[] = {
    {"inference", inference_main,
     "runs a model file over images in DRAM (the host loads them; see tools/runner)"},
    {"fc-demo", fc_demo_main,
     "two-layer integer perceptron on the crossbars, checked against a C reference"},
    {"snn", snn_main,
     "runs a spiking model on the snn_cim tiles over an SXEV event file in DRAM (the host loads them)"},
    {"fp-train", fp_train_main,
     "trains an MLP 784-128-10 in bfloat16 on the fp_pim arrays (the host loads the images; see docs/fp-pim.md)"},
};
const size_t stoxvp_host_app_count = sizeof stoxvp_host_apps / sizeof stoxvp_host_apps[0];

const struct stoxvp_host_app *stoxvp_find_host_app(const char *name) {
  for (size_t i = 0; i < stoxvp_host_app_count; ++i)
    if (strcmp(stoxvp_host_apps[i].name, name) == 0) return &stoxvp_host_apps[i];
  return NULL;
}
