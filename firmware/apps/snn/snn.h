#ifndef SNN_APP_H
#define SNN_APP_H
#ifdef __cplusplus
extern "C" {
#endif
/* Runs the spiking model over the event samples described by the boot information at the
 * start of DRAM (snn_bootinfo.h). */
int snn_main(void *arg);
#ifdef __cplusplus
}
#endif
#endif
