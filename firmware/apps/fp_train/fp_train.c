/*
 * fp-train: trains an MLP 784-128-10 in bfloat16 inside the fp_pim arrays. The weights are
 * loaded once (FP_LOAD) and never leave the arrays until the end (FP_STORE). Per mini-batch,
 * for each image: h' = W1 x + b1, h = relu(h'), o = W2 h + b2, e = o - t (squared-error
 * gradient, t one-hot), g2 = lr e, dh = relu_mask(W2^T e, h'), g1 = lr dh, all with the old
 * weights; then image by image: W2 += g2 h^T, W1 += g1 x^T (in place), b2 += g2, b1 += g1.
 * Every operation is rounded to bf16 by the accelerator in the register map's order. The CPU
 * converts pixels to bf16 (p / 255 in float32, rounded to nearest even), and measures loss and
 * accuracy from the outputs in float32.
 */
#include "fp_train.h"

#include "hal.h"
#include "stoxvp_drv.h"

#include <string.h>

_Static_assert(sizeof(struct fp_train_boot) == 128, "the boot block has one layout on the host and on RV32");

enum { RING_SLOTS = 64, STRIDE = 0x1000 };
enum { V_X = 0x000, V_T = 0x800, V_HP = 0x900, V_H = 0xa00, V_O = 0xb00, V_E = 0xb40, V_G2 = 0xb80,
       V_DH = 0xc00, V_DHM = 0xd00, V_G1 = 0xe00 };
enum { T_W1 = 1, T_W2 = 2 };

static uint16_t bf16_of(float f) { /* finite values: round to nearest even */
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

static float float_of(uint16_t h) {
  const uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static void tensor(struct stoxvp_desc *d, uint16_t op, uint16_t t, uint32_t rows, uint32_t cols, hal_addr_t a,
                   hal_addr_t b) {
  stoxvp_desc_init(d, op, 0);
  d->args.fp_tensor.addr_a = a;
  d->args.fp_tensor.addr_b = b;
  d->args.fp_tensor.rows = rows;
  d->args.fp_tensor.cols = cols;
  d->args.fp_tensor.tensor = t;
}

static void ew(struct stoxvp_desc *d, uint16_t op, hal_addr_t a, hal_addr_t b, hal_addr_t out, uint32_t n,
               uint16_t scalar) {
  stoxvp_desc_init(d, STOXVP_OP_FP_EW, 0);
  d->args.fp_ew.input_a = a;
  d->args.fp_ew.input_b = b;
  d->args.fp_ew.output_addr = out;
  d->args.fp_ew.count = n;
  d->args.fp_ew.op = op;
  d->args.fp_ew.scalar = scalar;
}

static int fail(struct fp_train_boot *boot, const char *why) {
  hal_printf("fp-train: %s\n", why);
  boot->status = FP_TRAIN_FAILED;
  return 2;
}

static int submit_all(stoxvp_dev *dev, const struct stoxvp_desc *d, int n) {
  int rc = STOXVP_DRV_OK;
  for (int i = 0; i < n && rc == STOXVP_DRV_OK; ++i) rc = stoxvp_drv_submit(dev, &d[i]);
  return rc;
}

int fp_train_main(void *arg) {
  (void)arg;
  const hal_addr_t dram = hal_region_base(HAL_DRAM);
  struct fp_train_boot *boot = (struct fp_train_boot *)hal_map(dram, sizeof *boot);
  if (boot->magic != FP_TRAIN_MAGIC || boot->version != FP_TRAIN_VERSION)
    return fail(boot, "no training block at the start of DRAM (magic or version)");
  const uint32_t B = boot->batch, N = boot->count;
  if (B == 0 || B > FP_TRAIN_MAX_BATCH || N == 0 || N % B)
    return fail(boot, "batch must be 1..64 and divide count");
  const uint64_t need = (uint64_t)RING_SLOTS * STOXVP_DESC_SIZE + 0x1000 + (uint64_t)B * STRIDE;
  if (boot->scratch_bytes < need) return fail(boot, "scratch too small");
  const hal_addr_t ring = boot->scratch_addr, b1 = ring + RING_SLOTS * STOXVP_DESC_SIZE, b2 = b1 + 0x800,
                   vec = b1 + 0x1000;
  uint8_t *images = (uint8_t *)hal_map(boot->images_addr, (size_t)N * FP_TRAIN_IN);
  uint8_t *labels = (uint8_t *)hal_map(boot->labels_addr, N);
  uint16_t *b1p = (uint16_t *)hal_map(b1, FP_TRAIN_HID * 2), *b2p = (uint16_t *)hal_map(b2, FP_TRAIN_OUT * 2);
  memset(b1p, 0, FP_TRAIN_HID * 2);
  memset(b2p, 0, FP_TRAIN_OUT * 2);

  stoxvp_dev dev;
  int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), ring, RING_SLOTS);
  if (rc != STOXVP_DRV_OK) return fail(boot, "accelerator init failed");
  struct stoxvp_desc d[10];
  tensor(&d[0], STOXVP_OP_FP_LOAD, T_W1, FP_TRAIN_HID, FP_TRAIN_IN, boot->w1_addr, 0);
  tensor(&d[1], STOXVP_OP_FP_LOAD, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, boot->w2_addr, 0);
  rc = submit_all(&dev, d, 2);
  if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
  if (rc != STOXVP_DRV_OK) return fail(boot, stoxvp_drv_error_name(rc));
  hal_printf("fp-train: MLP %u-%u-%u in bf16 on the fp_pim arrays, %u images, mini-batch %u\n",
             FP_TRAIN_IN, FP_TRAIN_HID, FP_TRAIN_OUT, (unsigned)N, (unsigned)B);

  boot->correct = 0;
  boot->loss_sum = 0;
  for (uint32_t it = 0; it < N / B; ++it) {
    float loss = 0;
    uint32_t correct = 0;
    for (uint32_t b = 0; b < B; ++b) {
      const uint32_t i = it * B + b;
      const hal_addr_t v = vec + (hal_addr_t)b * STRIDE;
      uint16_t *x = (uint16_t *)hal_map(v + V_X, FP_TRAIN_IN * 2), *t = (uint16_t *)hal_map(v + V_T, FP_TRAIN_OUT * 2);
      for (uint32_t k = 0; k < FP_TRAIN_IN; ++k) x[k] = bf16_of((float)images[(size_t)i * FP_TRAIN_IN + k] / 255.0f);
      for (uint32_t j = 0; j < FP_TRAIN_OUT; ++j) t[j] = j == labels[i] ? 0x3f80 : 0;
      tensor(&d[0], STOXVP_OP_FP_GEMV, T_W1, FP_TRAIN_HID, FP_TRAIN_IN, v + V_X, v + V_HP);
      ew(&d[1], STOXVP_FP_EW_ADD, v + V_HP, b1, v + V_HP, FP_TRAIN_HID, 0);
      ew(&d[2], STOXVP_FP_EW_RELU, v + V_HP, 0, v + V_H, FP_TRAIN_HID, 0);
      tensor(&d[3], STOXVP_OP_FP_GEMV, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, v + V_H, v + V_O);
      ew(&d[4], STOXVP_FP_EW_ADD, v + V_O, b2, v + V_O, FP_TRAIN_OUT, 0);
      ew(&d[5], STOXVP_FP_EW_SUB, v + V_O, v + V_T, v + V_E, FP_TRAIN_OUT, 0);
      ew(&d[6], STOXVP_FP_EW_SCALE, v + V_E, 0, v + V_G2, FP_TRAIN_OUT, boot->lr);
      tensor(&d[7], STOXVP_OP_FP_GEMV_T, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, v + V_E, v + V_DH);
      ew(&d[8], STOXVP_FP_EW_RELU_MASK, v + V_DH, v + V_HP, v + V_DHM, FP_TRAIN_HID, 0);
      ew(&d[9], STOXVP_FP_EW_SCALE, v + V_DHM, 0, v + V_G1, FP_TRAIN_HID, boot->lr);
      rc = submit_all(&dev, d, 10);
      if (rc != STOXVP_DRV_OK) break;
    }
    if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
    if (rc != STOXVP_DRV_OK) return fail(boot, stoxvp_drv_error_name(rc));
    for (uint32_t b = 0; b < B; ++b) {
      const uint32_t i = it * B + b;
      const uint16_t *o = (const uint16_t *)hal_map(vec + (hal_addr_t)b * STRIDE + V_O, FP_TRAIN_OUT * 2);
      uint32_t best = 0;
      for (uint32_t j = 0; j < FP_TRAIN_OUT; ++j) {
        const float e = float_of(o[j]) - (j == labels[i] ? 1.0f : 0.0f);
        loss += 0.5f * e * e;
        if (float_of(o[j]) > float_of(o[best])) best = j;
      }
      correct += best == labels[i];
    }
    for (uint32_t b = 0; b < B && rc == STOXVP_DRV_OK; ++b) {
      const hal_addr_t v = vec + (hal_addr_t)b * STRIDE;
      tensor(&d[0], STOXVP_OP_FP_UPDATE, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, v + V_G2, v + V_H);
      tensor(&d[1], STOXVP_OP_FP_UPDATE, T_W1, FP_TRAIN_HID, FP_TRAIN_IN, v + V_G1, v + V_X);
      ew(&d[2], STOXVP_FP_EW_ADD, b2, v + V_G2, b2, FP_TRAIN_OUT, 0);
      ew(&d[3], STOXVP_FP_EW_ADD, b1, v + V_G1, b1, FP_TRAIN_HID, 0);
      rc = submit_all(&dev, d, 4);
    }
    if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
    if (rc != STOXVP_DRV_OK) return fail(boot, stoxvp_drv_error_name(rc));
    boot->iterations_done = it + 1;
    boot->correct += correct;
    boot->loss_sum += loss;
    const uint32_t milli = (uint32_t)(loss / (float)B * 1000.0f + 0.5f);
    hal_printf("fp-train: iteration %u: loss %u.%03u, accuracy %u/%u\n", (unsigned)(it + 1),
               (unsigned)(milli / 1000), (unsigned)(milli % 1000), (unsigned)correct, (unsigned)B);
  }
  tensor(&d[0], STOXVP_OP_FP_STORE, T_W1, FP_TRAIN_HID, FP_TRAIN_IN, boot->w1_out, 0);
  tensor(&d[1], STOXVP_OP_FP_STORE, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, boot->w2_out, 0);
  rc = submit_all(&dev, d, 2);
  if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
  if (rc != STOXVP_DRV_OK) return fail(boot, stoxvp_drv_error_name(rc));
  /* Test accuracy: the forward pass on the test images, B at a time, argmax by the CPU. */
  const uint32_t T = boot->test_count;
  uint32_t test_correct = 0;
  if (T && boot->test_images_addr && boot->test_labels_addr) {
    const uint8_t *timg = (const uint8_t *)hal_map(boot->test_images_addr, (size_t)T * FP_TRAIN_IN);
    const uint8_t *tlab = (const uint8_t *)hal_map(boot->test_labels_addr, T);
    for (uint32_t i0 = 0; i0 < T; i0 += B) {
      const uint32_t n = T - i0 < B ? T - i0 : B;
      for (uint32_t b = 0; b < n && rc == STOXVP_DRV_OK; ++b) {
        const hal_addr_t v = vec + (hal_addr_t)b * STRIDE;
        uint16_t *x = (uint16_t *)hal_map(v + V_X, FP_TRAIN_IN * 2);
        for (uint32_t k = 0; k < FP_TRAIN_IN; ++k)
          x[k] = bf16_of((float)timg[(size_t)(i0 + b) * FP_TRAIN_IN + k] / 255.0f);
        tensor(&d[0], STOXVP_OP_FP_GEMV, T_W1, FP_TRAIN_HID, FP_TRAIN_IN, v + V_X, v + V_HP);
        ew(&d[1], STOXVP_FP_EW_ADD, v + V_HP, b1, v + V_HP, FP_TRAIN_HID, 0);
        ew(&d[2], STOXVP_FP_EW_RELU, v + V_HP, 0, v + V_H, FP_TRAIN_HID, 0);
        tensor(&d[3], STOXVP_OP_FP_GEMV, T_W2, FP_TRAIN_OUT, FP_TRAIN_HID, v + V_H, v + V_O);
        ew(&d[4], STOXVP_FP_EW_ADD, v + V_O, b2, v + V_O, FP_TRAIN_OUT, 0);
        rc = submit_all(&dev, d, 5);
      }
      if (rc == STOXVP_DRV_OK) rc = stoxvp_drv_wait(&dev);
      if (rc != STOXVP_DRV_OK) return fail(boot, stoxvp_drv_error_name(rc));
      for (uint32_t b = 0; b < n; ++b) {
        const uint16_t *o = (const uint16_t *)hal_map(vec + (hal_addr_t)b * STRIDE + V_O, FP_TRAIN_OUT * 2);
        uint32_t best = 0;
        for (uint32_t j = 1; j < FP_TRAIN_OUT; ++j)
          if (float_of(o[j]) > float_of(o[best])) best = j;
        test_correct += best == tlab[i0 + b];
      }
    }
    boot->test_correct = test_correct;
    hal_printf("fp-train: test accuracy %u/%u\n", (unsigned)test_correct, (unsigned)T);
  }
  uint16_t *bo = (uint16_t *)hal_map(boot->b_out, (FP_TRAIN_HID + FP_TRAIN_OUT) * 2);
  memcpy(bo, b1p, FP_TRAIN_HID * 2);
  memcpy(bo + FP_TRAIN_HID, b2p, FP_TRAIN_OUT * 2);
  const uint32_t milli = (uint32_t)(boot->loss_sum / (float)N * 1000.0f + 0.5f);
  hal_printf("fp-train: done: %u images, mean loss %u.%03u, training accuracy %u/%u\n", (unsigned)N,
             (unsigned)(milli / 1000), (unsigned)(milli % 1000), (unsigned)boot->correct, (unsigned)N);
  boot->status = FP_TRAIN_DONE;
  return 0;
}
