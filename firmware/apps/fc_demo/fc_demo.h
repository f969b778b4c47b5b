#ifndef FC_DEMO_H
#define FC_DEMO_H
#ifdef __cplusplus
extern "C" {
#endif
/* Entry point; returns 0 when every output matches the C reference. */
int fc_demo_main(void *arg);
#ifdef __cplusplus
}
#endif
#endif
