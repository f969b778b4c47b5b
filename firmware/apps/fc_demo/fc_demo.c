/*
 * fc-demo: a two-layer integer perceptron on the crossbars, checked against a C reference.
 *
 * The weights of FC 256->64 and FC 64->10 (8-bit, two 4-bit slices per weight) are programmed
 * into crossbar arrays once; then each of 16 samples runs through layer 1 on the crossbars with
 * ideal converters (exact partial sums, raw int32 accumulators), a requantisation by the CPU
 * (bias, ReLU, arithmetic shift, saturation), and layer 2. One descriptor per sample and layer
 * through an 8-slot ring, so the ring wraps around several times.
 */
#include "fc_demo.h"

#include "hal.h"
#include "stoxvp_drv.h"

#include <stdint.h>
#include <string.h>

enum { SAMPLES = 16, IN = 256, HID = 64, OUT = 10, RING_SLOTS = 8, REQ_SHIFT = 10 };
enum { W_BITS = 8, W_SLICE = 4, A_BITS = 8, A_STREAM = 4 };

/* Bus-address layout in DRAM: the ring first (128-byte aligned), then the operands. */
enum {
  OFF_RING = 0x0,
  OFF_X = 0x1000,
  OFF_W1 = OFF_X + SAMPLES * IN,
  OFF_B1 = OFF_W1 + HID * IN,
  OFF_H32 = OFF_B1 + HID * 4,
  OFF_H8 = OFF_H32 + SAMPLES * HID * 4,
  OFF_W2 = OFF_H8 + SAMPLES * HID,
  OFF_B2 = OFF_W2 + OUT * HID,
  OFF_Y = OFF_B2 + OUT * 4,
  OFF_END = OFF_Y + SAMPLES * OUT * 4
};

static uint32_t lcg_state;
static int8_t rand_i8(void) { /* symmetric 8-bit range: -127..127 */
  lcg_state = lcg_state * 1664525u + 1013904223u;
  const int8_t v = (int8_t)(lcg_state >> 24);
  return v == -128 ? -127 : v;
}

/* The independent reference: straightforward C, int64 accumulation. */
static void fc_ref(const int8_t *x, const int8_t *w, const int32_t *b, int32_t *y, int in, int out) {
  for (int n = 0; n < out; ++n) {
    int64_t acc = b[n];
    for (int k = 0; k < in; ++k) acc += (int64_t)x[k] * w[n * in + k];
    y[n] = (int32_t)acc;
  }
}

static int8_t requant(int32_t v) {
  if (v < 0) return 0;
  v >>= REQ_SHIFT;
  return (int8_t)(v > 127 ? 127 : v);
}

/* One fully-connected layer on programmed arrays: a 1x1 convolution of a 1x1 image. */
static void fc_desc(struct stoxvp_desc *d, hal_addr_t in, hal_addr_t out, uint16_t k, uint16_t n,
                    uint16_t array_base, uint32_t stream) {
  struct stoxvp_conv_args a;
  memset(&a, 0, sizeof a);
  a.input_addr = in;
  a.output_addr = out;
  a.params_addr = 0; /* no parameter block: ideal converters */
  a.in_channels = k;
  a.in_h = a.in_w = 1;
  a.out_channels = n;
  a.kernel_h = a.kernel_w = a.stride = 1;
  a.array_base = array_base;
  a.w_bits = W_BITS;
  a.w_slice = W_SLICE;
  a.a_bits = A_BITS;
  a.a_stream = A_STREAM;
  a.out_format = STOXVP_OUT_INT32;
  a.rng_stream = stream;
  stoxvp_desc_conv(d, STOXVP_OP_XBAR_CONV, &a);
}

static int check(stoxvp_dev *dev, int rc, const char *what) {
  if (rc != STOXVP_DRV_OK)
    hal_printf("fc-demo: %s failed: %s at slot %u\n", what, stoxvp_drv_error_name(rc),
               (unsigned)stoxvp_drv_error_slot(dev));
  return rc;
}

int fc_demo_main(void *arg) {
  (void)arg;
  const hal_addr_t dram = hal_region_base(HAL_DRAM);
  uint8_t *mem = (uint8_t *)hal_map(dram, OFF_END);
  int8_t *x = (int8_t *)(mem + OFF_X), *w1 = (int8_t *)(mem + OFF_W1), *w2 = (int8_t *)(mem + OFF_W2);
  int8_t *h8 = (int8_t *)(mem + OFF_H8);
  int32_t *b1 = (int32_t *)(mem + OFF_B1), *b2 = (int32_t *)(mem + OFF_B2);
  int32_t *h32 = (int32_t *)(mem + OFF_H32), *y = (int32_t *)(mem + OFF_Y);

  lcg_state = 2024u;
  for (int i = 0; i < SAMPLES * IN; ++i) x[i] = rand_i8();
  for (int i = 0; i < HID * IN; ++i) w1[i] = rand_i8();
  for (int i = 0; i < OUT * HID; ++i) w2[i] = rand_i8();
  for (int i = 0; i < HID; ++i) b1[i] = rand_i8() * 64;
  for (int i = 0; i < OUT; ++i) b2[i] = rand_i8() * 64;

  stoxvp_dev dev;
  int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), dram + OFF_RING, RING_SLOTS);
  if (rc != STOXVP_DRV_OK) {
    hal_printf("fc-demo: accelerator init failed: %s\n", stoxvp_drv_error_name(rc));
    return 2;
  }
  const uint32_t arrays1 = stoxvp_drv_layer_arrays(&dev, IN, HID, W_BITS, W_SLICE);
  const uint32_t arrays2 = stoxvp_drv_layer_arrays(&dev, HID, OUT, W_BITS, W_SLICE);
  hal_printf("fc-demo: %ux%u arrays, %u tiles; FC %d->%d->%d on %u + %u arrays, %d samples\n",
             (unsigned)dev.rows, (unsigned)dev.cols, (unsigned)dev.tiles, IN, HID, OUT,
             (unsigned)arrays1, (unsigned)arrays2, SAMPLES);
  if (arrays1 + arrays2 > stoxvp_drv_total_arrays(&dev)) {
    hal_printf("fc-demo: the two layers need more arrays than the chip has\n");
    return 2;
  }
  const uint64_t t0 = hal_time_ns();

  struct stoxvp_desc d;
  stoxvp_desc_program(&d, dram + OFF_W1, IN, HID, 0, W_BITS, W_SLICE);
  rc = stoxvp_drv_submit(&dev, &d);
  stoxvp_desc_program(&d, dram + OFF_W2, HID, OUT, (uint16_t)arrays1, W_BITS, W_SLICE);
  if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_submit(&dev, &d);
  for (int s = 0; s < SAMPLES && rc == STOXVP_DRV_OK; ++s) {
    fc_desc(&d, dram + OFF_X + (hal_addr_t)s * IN, dram + OFF_H32 + (hal_addr_t)s * HID * 4, IN, HID, 0,
            (uint32_t)s);
    rc = stoxvp_drv_submit(&dev, &d);
  }
  if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
  if (check(&dev, rc, "layer 1")) return 3;
  for (int s = 0; s < SAMPLES; ++s)
    for (int i = 0; i < HID; ++i) h8[s * HID + i] = requant(h32[s * HID + i] + b1[i]);
  for (int s = 0; s < SAMPLES && rc == STOXVP_DRV_OK; ++s) {
    fc_desc(&d, dram + OFF_H8 + (hal_addr_t)s * HID, dram + OFF_Y + (hal_addr_t)s * OUT * 4, HID, OUT,
            (uint16_t)arrays1, (uint32_t)(SAMPLES + s));
    rc = stoxvp_drv_submit(&dev, &d);
  }
  if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
  if (check(&dev, rc, "layer 2")) return 3;
  const uint64_t t1 = hal_time_ns();

  /* Check every output against the reference. */
  int mismatches = 0;
  for (int s = 0; s < SAMPLES; ++s) {
    int32_t hr[HID], yr[OUT];
    int8_t hq[HID];
    fc_ref(x + s * IN, w1, b1, hr, IN, HID);
    for (int i = 0; i < HID; ++i) hq[i] = requant(hr[i]);
    fc_ref(hq, w2, b2, yr, HID, OUT);
    for (int i = 0; i < HID; ++i)
      if (hr[i] != h32[s * HID + i] + b1[i] && mismatches++ < 3)
        hal_printf("fc-demo: sample %d hidden %d: accelerator %ld, reference %ld\n", s, i,
                   (long)(h32[s * HID + i] + b1[i]), (long)hr[i]);
    for (int i = 0; i < OUT; ++i)
      if (yr[i] != y[s * OUT + i] + b2[i] && mismatches++ < 3)
        hal_printf("fc-demo: sample %d output %d: accelerator %ld, reference %ld\n", s, i,
                   (long)(y[s * OUT + i] + b2[i]), (long)yr[i]);
  }

  const uint32_t done = hal_read32(dev.regs + STOXVP_REG_PERF_DESC_DONE);
  const uint32_t macs_lo = hal_read32(dev.regs + STOXVP_REG_PERF_MACS_LO);
  const uint32_t busy_lo = hal_read32(dev.regs + STOXVP_REG_PERF_BUSY_LO);
  hal_printf("fc-demo: %u descriptors, %u MACs, accelerator busy %u cycles, %lu ns end to end\n",
             (unsigned)done, (unsigned)macs_lo, (unsigned)busy_lo, (unsigned long)(t1 - t0));
  if (mismatches) {
    hal_printf("fc-demo: FAIL, %d outputs differ from the C reference\n", mismatches);
    return 1;
  }
  hal_printf("fc-demo: PASS, all %d outputs match the C reference\n", SAMPLES * (HID + OUT));
  return 0;
}
