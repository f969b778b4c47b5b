// libsystemc.so refers to sc_main; the fuzz and replay programs have their own main (libFuzzer's
// or replay_main.cpp) and never start SystemC through it. Weak: the C API library has one too.
extern "C" int sc_main(int, char**);
int sc_main(int, char**) __attribute__((weak));
int sc_main(int, char**) { return 1; }
