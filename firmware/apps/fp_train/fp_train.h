/*
 * fp-train: on-chip bfloat16 training of an MLP 784-128-10 on the fp_pim arrays (docs/fp-pim.md).
 * The host leaves this block at the start of DRAM with the training images, their labels and the
 * initial weights; the firmware writes back its status and the trained weights. C11, shared by
 * the firmware and the host side (tests).
 */
#ifndef STOXVP_FP_TRAIN_H
#define STOXVP_FP_TRAIN_H

#include <stdint.h>

#define FP_TRAIN_MAGIC 0x4E415254u /* "TRAN" */
#define FP_TRAIN_VERSION 1u
#define FP_TRAIN_IN 784u
#define FP_TRAIN_HID 128u
#define FP_TRAIN_OUT 10u
#define FP_TRAIN_MAX_BATCH 64u
#define FP_TRAIN_DONE 2u
#define FP_TRAIN_FAILED 3u

struct fp_train_boot {
  uint32_t magic, version;
  uint64_t images_addr;  /* count x 784 uint8 pixels */
  uint64_t labels_addr;  /* count uint8 labels 0..9 */
  uint64_t w1_addr;      /* initial W1, bf16 128 x 784, row-major */
  uint64_t w2_addr;      /* initial W2, bf16 10 x 128 */
  uint64_t w1_out;       /* trained W1, written by the firmware */
  uint64_t w2_out;       /* trained W2 */
  uint64_t b_out;        /* trained biases b1 (128) then b2 (10), bf16 */
  uint64_t scratch_addr; /* free DRAM: the ring, the biases, per-image vectors */
  uint32_t scratch_bytes;
  uint32_t count;        /* images trained on: a multiple of batch */
  uint32_t batch;        /* 1..FP_TRAIN_MAX_BATCH */
  uint16_t lr;           /* bf16 step, negative: update = lr x gradient */
  uint16_t reserved0;
  uint64_t test_images_addr; /* after training, the forward pass on these (0: none) */
  uint64_t test_labels_addr;
  uint32_t test_count;
  uint32_t test_correct;     /* written by the firmware */
  /* Written by the firmware. */
  uint32_t status;       /* FP_TRAIN_DONE or FP_TRAIN_FAILED */
  uint32_t iterations_done;
  uint32_t correct;      /* images classified right by the forward pass before their update */
  float loss_sum;        /* sum over images of 1/2 |o - t|^2, in float32 on the CPU */
};

int fp_train_main(void *arg);

#endif
