/*
 * snn_bootinfo.h - what the host leaves in DRAM for the spiking firmware (apps/snn), and what
 * the firmware writes back. C11; shared by the firmware and the host runner (tools/runner).
 * The block sits at the start of DRAM; addresses are bus addresses.
 */
#ifndef STOXVP_SNN_BOOTINFO_H
#define STOXVP_SNN_BOOTINFO_H

#include <stdint.h>

#define STOXVP_SNN_BOOT_MAGIC 0x424E4E53u /* "SNNB" */
#define STOXVP_SNN_BOOT_VERSION 1u

#define STOXVP_SNN_BOOT_F_PROGRESS 0x1u /* print a line every 1000 samples */

struct stoxvp_snn_bootinfo {
  uint32_t magic;
  uint32_t version;
  uint64_t model_addr;     /* spiking model file (SNN_CONV / SNN_FC layers), 4-byte aligned */
  uint32_t model_bytes;
  uint32_t timesteps;      /* bins per sample, >= 1 */
  uint64_t events_addr;    /* SXEV event file, 4-byte aligned */
  uint32_t events_bytes;
  uint32_t first_sample;   /* first sample of the file to run */
  uint32_t sample_count;   /* samples to run */
  uint32_t flags;          /* STOXVP_SNN_BOOT_F_* */
  uint64_t results_addr;   /* sample_count x struct stoxvp_snn_result, written by the firmware */
  uint64_t counts_addr;    /* sample_count x classes uint32 output spike counts, or 0 */
  uint64_t scratch_addr;   /* free DRAM for the ring and the spike lists */
  uint32_t scratch_bytes;
  /* Written by the firmware. */
  uint32_t status;         /* STOXVP_BOOT_RUNNING / DONE / FAILED (bootinfo.h values) */
  uint32_t samples_done;
  uint32_t correct;
  uint64_t input_spikes;   /* over all samples and timesteps */
  char message[128];       /* why it failed */
};

struct stoxvp_snn_result {
  uint32_t prediction;     /* most output spikes; ties: the higher final potential, then the lower index */
  uint32_t label;
  uint64_t latency_ns;     /* simulated time from the sample's first descriptor to its counts */
};

#endif /* STOXVP_SNN_BOOTINFO_H */
