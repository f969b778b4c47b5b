/* The C API used from C11: runs the fc-demo firmware, checks the result, writes a report. */
#include "fc_demo/fc_demo.h"
#include "stoxvp.h"

#include <stdio.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "c_api_smoke: %s:%d: CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
              stoxvp_last_error());                                  \
      ++failures;                                                    \
    }                                                                \
  } while (0)

int main(int argc, char **argv) {
  const char *report = argc > 1 ? argv[1] : "c_api_smoke_report.json";
  stoxvp_platform *p = NULL;
  CHECK(stoxvp_create_from_json("{\"console\": {\"echo\": false}}", "smoke", &p) == STOXVP_OK);
  if (p == NULL) return 1;
  CHECK(stoxvp_attach_firmware(p, fc_demo_main, NULL) == STOXVP_OK);
  stoxvp_run_result rr;
  memset(&rr, 0, sizeof rr);
  CHECK(stoxvp_run(p, 0, &rr) == STOXVP_OK);
  CHECK(rr.reason == STOXVP_STOP_EXIT);
  CHECK(rr.exit_code == 0);
  CHECK(strstr(stoxvp_console_output(p), "PASS") != NULL);
  stoxvp_stats st;
  CHECK(stoxvp_get_stats(p, &st) == STOXVP_OK);
  CHECK(st.accel_descriptors == 36);
  CHECK(stoxvp_write_report(p, report) == STOXVP_OK);
  stoxvp_destroy(p);
  printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}
