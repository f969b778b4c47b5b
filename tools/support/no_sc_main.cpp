// For programs that link the accelerator library for its functional parts but run no simulation
// and have their own main(): libsystemc.so refers to sc_main (declared extern "C" by SystemC), and
// a linker that resolves every reference of a shared library (clang's, in the sanitizer build)
// needs one. Weak, so a program that does simulate keeps its own.
extern "C" int sc_main(int, char**) __attribute__((weak));
extern "C" int sc_main(int, char**) { return 1; }
