#ifndef INFERENCE_H
#define INFERENCE_H
#ifdef __cplusplus
extern "C" {
#endif
/* Runs the model over the images described by the boot information at the start of DRAM. */
int inference_main(void *arg);
#ifdef __cplusplus
}
#endif
#endif
