/* CPU-bound firmware for the ISS benchmark: integer matrix products, CRC-32 and an insertion
 * sort, the loops control firmware spends its time in. Prints a checksum so nothing is
 * optimised away; about 60 M instructions. */
#include "hal.h"

#include <stdint.h>

enum { N = 32, BUF = 4096, ROUNDS = 60 };

static int32_t a[N][N], b[N][N], c[N][N];
static uint8_t buf[BUF];
static uint16_t keys[512];

static uint32_t crc32(const uint8_t *p, uint32_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

int main(void) {
  uint32_t seed = 1, sum = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        seed = seed * 1664525u + 1013904223u;
        a[i][j] = (int32_t)(seed >> 24) - 128;
        b[j][i] = (int32_t)(seed >> 16 & 0xFF) - 128;
      }
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        int32_t acc = 0;
        for (int k = 0; k < N; ++k) acc += a[i][k] * b[k][j];
        c[i][j] = acc;
      }
    for (int i = 0; i < BUF; ++i) buf[i] = (uint8_t)(c[(i / N) % N][i % N] ^ (int32_t)i);
    sum += crc32(buf, BUF);
    for (int i = 0; i < 512; ++i) keys[i] = (uint16_t)(c[i % N][(i * 7) % N] * 2654435761u >> 16);
    for (int i = 1; i < 512; ++i) {
      const uint16_t k = keys[i];
      int j = i - 1;
      while (j >= 0 && keys[j] > k) {
        keys[j + 1] = keys[j];
        --j;
      }
      keys[j + 1] = k;
    }
    sum += keys[0] + keys[511];
  }
  hal_printf("iss_kernel: checksum 0x%08lx\n", (unsigned long)sum);
  return 0;
}
