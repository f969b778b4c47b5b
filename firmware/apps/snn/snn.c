/*
 * snn: runs a spiking model on the snn_cim tiles over event streams the host left in DRAM
 * (snn_bootinfo.h). Validates the model and the event file with their readers, loads the layers
 * into the macros (SNN_LOAD_LAYER), then per sample resets the potentials, bins the sample's
 * events into timesteps, queues one SNN_RUN_TIMESTEP per timestep with that bin's input spikes
 * (ascending neuron indices: polarity x H x W + y x W + x), reads the output layer's spike counts
 * and potentials (SNN_READ_STATE), sleeps until the interrupt and picks the class with the most
 * spikes. Bare-metal C: no allocation beyond the scratch DRAM the host gives.
 */
#include "snn.h"

#include "inference/bootinfo.h"
#include "hal.h"
#include "snn_bootinfo.h"
#include "stoxvp_drv.h"
#include "stoxvp_events.h"
#include "stoxvp_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { RING_SLOTS = 64, MAX_TIMESTEPS = 64 };

static stoxvp_model model;
static stoxvp_events events;

static int fail(struct stoxvp_snn_bootinfo *bi, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(bi->message, sizeof bi->message, fmt, ap);
  va_end(ap);
  bi->status = STOXVP_BOOT_FAILED;
  hal_printf("snn: %s\n", bi->message);
  return code;
}

static hal_addr_t next_free, end_free;
static hal_addr_t alloc(uint32_t bytes) {
  const hal_addr_t at = (next_free + 127u) & ~(hal_addr_t)127u;
  if (at + bytes > end_free) return 0;
  next_free = at + bytes;
  return at;
}

static void submit_or(stoxvp_dev *dev, const struct stoxvp_desc *d, int *rc) {
  if (*rc == 0) *rc = stoxvp_drv_submit(dev, d);
}

int snn_main(void *arg) {
  (void)arg;
  const hal_addr_t dram = hal_region_base(HAL_DRAM);
  struct stoxvp_snn_bootinfo *bi = (struct stoxvp_snn_bootinfo *)hal_map(dram, sizeof *bi);
  if (bi->magic != STOXVP_SNN_BOOT_MAGIC || bi->version != STOXVP_SNN_BOOT_VERSION) {
    hal_printf("snn: no spiking boot information at the start of DRAM (magic 0x%08lx)\n", (unsigned long)bi->magic);
    return 2;
  }
  bi->status = STOXVP_BOOT_RUNNING;
  bi->samples_done = bi->correct = 0;
  bi->input_spikes = 0;
  bi->message[0] = '\0';

  char err[160];
  int mrc = stoxvp_model_parse(hal_map(bi->model_addr, bi->model_bytes), bi->model_bytes, &model, err, sizeof err);
  if (mrc != STOXVP_MODEL_OK) return fail(bi, 3, "model rejected (%s): %s", stoxvp_model_result_name(mrc), err);
  const struct stoxvp_model_header *h = &model.header;
  if (h->input_bits != 1) return fail(bi, 3, "model %.16s is not a spiking model (input_bits %u)", h->name, (unsigned)h->input_bits);
  mrc = stoxvp_events_parse(hal_map(bi->events_addr, bi->events_bytes), bi->events_bytes, "events", &events, err, sizeof err);
  if (mrc != STOXVP_EVENTS_OK) return fail(bi, 3, "event file rejected (%s): %s", stoxvp_events_result_name(mrc), err);
  const struct stoxvp_events_header *eh = &events.header;
  if (h->input_channels != 2 || h->input_h != eh->height || h->input_w != eh->width)
    return fail(bi, 3, "the model's %ux%ux%u input is not the 2 x %u x %u spike map of the events", (unsigned)h->input_channels,
                (unsigned)h->input_h, (unsigned)h->input_w, (unsigned)eh->height, (unsigned)eh->width);
  if (bi->timesteps == 0 || bi->timesteps > MAX_TIMESTEPS)
    return fail(bi, 3, "timesteps = %u, supported 1..%u", (unsigned)bi->timesteps, (unsigned)MAX_TIMESTEPS);
  if (bi->first_sample > eh->sample_count || bi->sample_count > eh->sample_count - bi->first_sample)
    return fail(bi, 3, "samples %u..%u are beyond the file's %u", (unsigned)bi->first_sample,
                (unsigned)(bi->first_sample + bi->sample_count), (unsigned)eh->sample_count);
  if (model.layer_count > STOXVP_SNN_MAX_LAYERS)
    return fail(bi, 3, "%u layers, the macros hold %u", (unsigned)model.layer_count, (unsigned)STOXVP_SNN_MAX_LAYERS);

  next_free = bi->scratch_addr;
  end_free = bi->scratch_addr + bi->scratch_bytes;
  const uint32_t inputs = 2u * eh->height * eh->width, classes = h->classes;
  const hal_addr_t ring = alloc(RING_SLOTS * STOXVP_DESC_SIZE);
  const hal_addr_t map = alloc(inputs);
  const hal_addr_t out = alloc(8u * classes);
  hal_addr_t lists[MAX_TIMESTEPS];
  for (uint32_t t = 0; t < bi->timesteps; ++t) lists[t] = alloc(4u * inputs);
  if (ring == 0 || map == 0 || out == 0 || lists[bi->timesteps - 1] == 0)
    return fail(bi, 4, "scratch memory of %lu bytes is too small", (unsigned long)bi->scratch_bytes);

  stoxvp_dev dev;
  int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), ring, RING_SLOTS);
  if (rc != STOXVP_DRV_OK) return fail(bi, 5, "accelerator init failed: %s", stoxvp_drv_error_name(rc));
  const struct stoxvp_tile_group_info *sg = stoxvp_chip_find(&dev.chip, STOXVP_TILE_KIND_SNN_CIM);
  if (sg == NULL) return fail(bi, 5, "the accelerator has no snn_cim tiles (%u tile groups)", (unsigned)dev.chip.groups);

  struct stoxvp_desc d;
  for (uint32_t i = 0; i < model.layer_count; ++i) {
    const struct stoxvp_model_layer *l = &model.layers[i];
    stoxvp_desc_init(&d, STOXVP_OP_SNN_LOAD_LAYER, 0);
    struct stoxvp_snn_load_layer_args *a = &d.args.snn_load_layer;
    a->weight_addr = bi->model_addr + l->weights_offset;
    a->layer = (uint16_t)i;
    a->type = l->type == STOXVP_LAYER_SNN_FC ? STOXVP_SNN_LAYER_FC : STOXVP_SNN_LAYER_CONV;
    a->w_bits = l->w_bits;
    a->v_bits = (uint8_t)(l->reserved[0] & 0xFFu);
    a->reset = (uint8_t)((l->reserved[0] >> 8) & 0xFFu);
    a->policy = (uint8_t)((l->reserved[0] >> 16) & 0xFFu);
    a->kernel = l->kernel_h;
    a->in_channels = l->in_channels;
    a->in_h = l->in_h;
    a->in_w = l->in_w;
    a->out_channels = l->out_channels;
    a->stride = l->stride;
    a->pad = l->pad;
    a->threshold = (int32_t)l->reserved[1];
    d.hdr.tag = i;
    submit_or(&dev, &d, &rc);
  }
  if (rc == 0) rc = stoxvp_drv_wait(&dev);
  if (rc != 0) return fail(bi, 6, "loading the layers failed: %s", stoxvp_drv_error_name(rc));
  hal_printf("snn: model %.16s, %u spiking layers on %u snn_cim macros; %u samples of %u timesteps\n", h->name,
             (unsigned)model.layer_count, (unsigned)sg->tiles, (unsigned)bi->sample_count, (unsigned)bi->timesteps);

  struct stoxvp_snn_result *results =
      (struct stoxvp_snn_result *)hal_map(bi->results_addr, (size_t)bi->sample_count * sizeof *results);
  uint32_t *counts_out = bi->counts_addr ? (uint32_t *)hal_map(bi->counts_addr, (size_t)bi->sample_count * classes * 4) : NULL;
  uint8_t *spikes = (uint8_t *)hal_map(map, inputs);
  const uint32_t *counts = (const uint32_t *)hal_map(out, 4u * classes);
  const int32_t *potentials = (const int32_t *)hal_map(out + 4u * classes, 4u * classes);
  uint64_t total_ns = 0;
  const uint16_t last = (uint16_t)(model.layer_count - 1);
  for (uint32_t n = 0; n < bi->sample_count; ++n) {
    const struct stoxvp_events_sample s = stoxvp_events_get_sample(&events, bi->first_sample + n);
    const uint64_t t0 = hal_time_ns();
    stoxvp_desc_init(&d, STOXVP_OP_SNN_RESET_POTENTIALS, 0);
    submit_or(&dev, &d, &rc);
    for (uint32_t t = 0; t < bi->timesteps && rc == 0; ++t) {
      const int32_t k = stoxvp_events_bin_spikes(&events, &s, bi->timesteps, t, spikes);
      uint32_t *list = (uint32_t *)hal_map(lists[t], 4u * inputs);
      uint32_t m = 0;
      for (uint32_t i = 0; i < inputs && (int32_t)m < k; ++i)
        if (spikes[i]) list[m++] = i;
      bi->input_spikes += m;
      stoxvp_desc_init(&d, STOXVP_OP_SNN_RUN_TIMESTEP, 0);
      d.args.snn_run_timestep.events_addr = m ? lists[t] : 0;
      d.args.snn_run_timestep.event_count = m;
      d.hdr.tag = t;
      submit_or(&dev, &d, &rc);
    }
    stoxvp_desc_init(&d, STOXVP_OP_SNN_READ_STATE, 0);
    d.args.snn_read_state.counts_addr = out;
    d.args.snn_read_state.potentials_addr = out + 4u * classes;
    d.args.snn_read_state.layer = last;
    submit_or(&dev, &d, &rc);
    if (rc == 0) rc = stoxvp_drv_wait(&dev);
    const uint64_t t1 = hal_time_ns();
    if (rc != 0)
      return fail(bi, 7, "sample %u: the accelerator stopped: %s at ring slot %u", (unsigned)(bi->first_sample + n),
                  stoxvp_drv_error_name(rc), (unsigned)stoxvp_drv_error_slot(&dev));
    uint32_t best = 0;
    for (uint32_t c = 1; c < classes; ++c)
      if (counts[c] > counts[best] || (counts[c] == counts[best] && potentials[c] > potentials[best])) best = c;
    results[n].prediction = best;
    results[n].label = s.label;
    results[n].latency_ns = t1 - t0;
    total_ns += t1 - t0;
    if (counts_out) memcpy(counts_out + (size_t)n * classes, counts, 4u * classes);
    if (s.label == best) ++bi->correct;
    bi->samples_done = n + 1;
    if ((bi->flags & STOXVP_SNN_BOOT_F_PROGRESS) && (n + 1) % 1000 == 0) hal_printf("snn: %u samples\n", (unsigned)(n + 1));
  }
  const uint32_t n = bi->sample_count ? bi->sample_count : 1;
  const uint32_t permyriad = (uint32_t)((10000ull * bi->correct + n / 2) / n);
  hal_printf("snn: %u samples, %u correct (%u.%02u%%), %lu ns per sample on average\n", (unsigned)bi->sample_count,
             (unsigned)bi->correct, (unsigned)(permyriad / 100), (unsigned)(permyriad % 100), (unsigned long)(total_ns / n));
  bi->status = STOXVP_BOOT_DONE;
  return 0;
}
