/* The C API's kernel selection from C11: a bad STOXVP_KERNELS is refused by stoxvp_create with
 * a message naming it, an unknown version by stoxvp_select_kernels; a forced version is used. */
#define _POSIX_C_SOURCE 200112L
#include "stoxvp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      fprintf(stderr, "c_api_kernels: %s:%d: CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
              stoxvp_last_error());                                                          \
      ++failures;                                                                            \
    }                                                                                        \
  } while (0)

int main(void) {
  stoxvp_platform *p = NULL;
  setenv("STOXVP_KERNELS", "sse9", 1);
  CHECK(stoxvp_create_from_json("{\"console\": {\"echo\": false}}", "kernels", &p) == STOXVP_E_CONFIG);
  CHECK(p == NULL);
  CHECK(strstr(stoxvp_last_error(), "STOXVP_KERNELS: 'sse9' is no kernel version") != NULL);
  CHECK(stoxvp_active_kernels() == NULL);
  CHECK(stoxvp_select_kernels("sse9") == STOXVP_E_ARGUMENT);
  CHECK(strstr(stoxvp_last_error(), "'sse9' is no kernel version") != NULL);
  CHECK(stoxvp_select_kernels(NULL) == STOXVP_E_ARGUMENT);
  CHECK(stoxvp_select_kernels("scalar") == STOXVP_OK);
  CHECK(stoxvp_active_kernels() != NULL && strcmp(stoxvp_active_kernels(), "scalar") == 0);
  CHECK(stoxvp_select_kernels("auto") == STOXVP_OK);
  CHECK(stoxvp_active_kernels() != NULL);
  /* Once a version is selected, the environment is no longer consulted. */
  CHECK(stoxvp_create_from_json("{\"console\": {\"echo\": false}}", "kernels", &p) == STOXVP_OK);
  stoxvp_destroy(p);
  if (failures == 0) printf("c_api_kernels: PASS\n");
  return failures == 0 ? 0 : 1;
}
