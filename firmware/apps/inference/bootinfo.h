/*
 * bootinfo.h - what the host leaves in DRAM for the inference firmware, and what the firmware
 * writes back. C11; shared by the firmware and the host runner (tools/runner).
 *
 * The block sits at the start of DRAM. Addresses are bus addresses. The firmware names the
 * random draws of layer l of dataset image i with rng_stream = i * 256 + l, so a run over any
 * subset reproduces the draws of the same images in a full run.
 */
#ifndef STOXVP_BOOTINFO_H
#define STOXVP_BOOTINFO_H

#include <stdint.h>

#define STOXVP_BOOT_MAGIC 0x544F4F42u /* "BOOT" */
#define STOXVP_BOOT_VERSION 1u
#define STOXVP_BOOT_STREAM_LAYERS 256u

/* flags */
#define STOXVP_BOOT_F_OVERRIDE 0x1u   /* replace every crossbar layer's converter (below) */
#define STOXVP_BOOT_F_PROGRESS 0x2u   /* print a line every 1000 images */

/* status written by the firmware */
#define STOXVP_BOOT_RUNNING 1u
#define STOXVP_BOOT_DONE 2u
#define STOXVP_BOOT_FAILED 3u

struct stoxvp_bootinfo {
  uint32_t magic;
  uint32_t version;
  uint64_t model_addr;      /* model file, 4-byte aligned */
  uint32_t model_bytes;
  uint32_t image_count;
  uint64_t images_addr;     /* image_count x image_bytes pixels (uint8) */
  uint32_t image_bytes;     /* must equal the model's input channels x height x width */
  uint32_t first_index;     /* dataset index of the first image */
  uint64_t labels_addr;     /* image_count uint8 labels, or 0 */
  uint64_t results_addr;    /* image_count x struct stoxvp_image_result, written by the firmware */
  uint64_t logits_addr;     /* image_count x classes float32, written by the firmware, or 0 */
  uint64_t scratch_addr;    /* free DRAM for rings, tensors and parameter copies */
  uint32_t scratch_bytes;
  uint32_t flags;           /* STOXVP_BOOT_F_* */
  /* Converter override (STOXVP_BOOT_F_OVERRIDE): kind, ADC bits and range, T table. */
  uint8_t converter;
  uint8_t adc_bits;
  uint8_t cols_per_converter; /* 0: keep the model's */
  uint8_t reserved0;
  float adc_range;
  uint8_t samples[8][8];    /* T per (weight slice, input wave); all 0: keep the model's */
  /* Written by the firmware. */
  uint32_t status;          /* STOXVP_BOOT_* */
  uint32_t images_done;
  uint32_t correct;
  uint32_t reprogrammed;    /* 1 when the layers did not fit and were reloaded per image */
  char message[128];        /* why it failed */
};

struct stoxvp_image_result {
  uint32_t prediction;
  uint32_t reserved;
  uint64_t latency_ns;      /* simulated time from the image's first descriptor to its logits */
};

#endif /* STOXVP_BOOTINFO_H */
