/* The firmware applications linked into host-compiled runs, by name. */
#ifndef STOXVP_HOST_APPS_H
#define STOXVP_HOST_APPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct stoxvp_host_app {
  const char *name;
  int (*entry)(void *arg);
  const char *summary;
};

extern const struct stoxvp_host_app stoxvp_host_apps[];
extern const size_t stoxvp_host_app_count;

/* NULL when there is no application of that name. */
const struct stoxvp_host_app *stoxvp_find_host_app(const char *name);

#ifdef __cplusplus
}
#endif

#endif
