/* Exits with 256: a status the shell would read as 0 if stoxvp passed it through. */
#include "hal.h"

int main(void) { return 256; }
