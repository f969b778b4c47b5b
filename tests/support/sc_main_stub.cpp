// libsystemc.so references sc_main; GoogleTest provides main() and the tests build their own
// models, so this definition only satisfies the linker (weak: the C API library has one too).
#include <cstdio>

// SystemC declares sc_main with C linkage.
extern "C" int sc_main(int, char**);

int sc_main(int, char**) __attribute__((weak));
int sc_main(int, char**) {
  std::fprintf(stderr, "sc_main is not used by the tests\n");
  return 1;
}
