/*
 * inference: runs a model file over the images the host left in DRAM (bootinfo.h).
 *
 * Validates the model with the model reader, plans its tensors in scratch DRAM, places the
 * crossbar layers weight-stationary on the arrays (programmed once; when they do not all fit,
 * each crossbar layer is reprogrammed before it runs), then for every image quantises the
 * pixels, queues one descriptor per layer, sleeps until the accelerator's interrupt, takes the
 * argmax of the logits and writes the prediction and the image's latency.
 * Bare-metal C: nothing beyond what picolibc offers, no allocation.
 */
#include "inference.h"

#include "bootinfo.h"
#include "hal.h"
#include "stoxvp_drv.h"
#include "stoxvp_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { RING_SLOTS = 64 };

static stoxvp_model model; /* 18 KiB: static, not on the stack */

struct plan {
  hal_addr_t tensor[STOXVP_MODEL_MAX_LAYERS + 1]; /* bus address of every tensor */
  hal_addr_t params[STOXVP_MODEL_MAX_LAYERS];     /* parameter block given to each layer */
  uint16_t array_base[STOXVP_MODEL_MAX_LAYERS];   /* crossbar layers: their first array */
  uint16_t ap_tile[STOXVP_MODEL_MAX_LAYERS];      /* AP layers: the AP tile holding the program */
  int reload;                                     /* reprogram each crossbar layer per image */
  int ap_reload;                                  /* reload each AP layer's program per image */
  hal_addr_t next, end;                           /* scratch allocator */
};

static int fail(struct stoxvp_bootinfo *bi, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(bi->message, sizeof bi->message, fmt, ap);
  va_end(ap);
  bi->status = STOXVP_BOOT_FAILED;
  hal_printf("inference: %s\n", bi->message);
  return code;
}

static hal_addr_t alloc(struct plan *p, uint32_t bytes) {
  const hal_addr_t at = (p->next + 127u) & ~(hal_addr_t)127u;
  if (at + bytes > p->end) return 0;
  p->next = at + bytes;
  return at;
}

/* A crossbar layer's parameter block, with the host's converter override applied to a copy. */
static hal_addr_t layer_params(struct plan *p, const struct stoxvp_bootinfo *bi, const struct stoxvp_model_layer *l) {
  const hal_addr_t in_model = l->params_offset ? bi->model_addr + l->params_offset : 0;
  if (!(bi->flags & STOXVP_BOOT_F_OVERRIDE) || l->type != STOXVP_LAYER_XBAR_CONV) return in_model;
  const uint32_t bytes = l->params_offset ? l->params_bytes : (uint32_t)sizeof(struct stoxvp_layer_params);
  const hal_addr_t copy = alloc(p, bytes);
  if (copy == 0) return 0;
  uint8_t *dst = (uint8_t *)hal_map(copy, bytes);
  if (in_model)
    memcpy(dst, hal_map(in_model, bytes), bytes);
  else
    memset(dst, 0, bytes);
  struct stoxvp_layer_params h;
  memcpy(&h, dst, sizeof h);
  h.converter = bi->converter;
  h.adc_bits = bi->adc_bits;
  h.adc_range = bi->adc_range;
  if (bi->cols_per_converter) h.cols_per_converter = bi->cols_per_converter;
  if (h.cols_per_converter == 0) h.cols_per_converter = 1;
  int any = 0;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) any |= bi->samples[i][j];
  if (any) memcpy(h.samples, bi->samples, sizeof h.samples);
  memcpy(dst, &h, sizeof h);
  return copy;
}

static void conv_args(struct stoxvp_conv_args *a, const struct plan *p, const struct stoxvp_bootinfo *bi,
                      uint32_t i, uint32_t stream) {
  const struct stoxvp_model_layer *l = &model.layers[i];
  memset(a, 0, sizeof *a);
  a->input_addr = p->tensor[l->input];
  a->output_addr = p->tensor[i + 1];
  a->params_addr = p->params[i];
  a->weight_addr = l->type == STOXVP_LAYER_DIGITAL_CONV ? bi->model_addr + l->weights_offset : 0;
  a->in_channels = l->in_channels;
  a->in_h = l->in_h;
  a->in_w = l->in_w;
  a->out_channels = l->out_channels;
  a->kernel_h = l->kernel_h;
  a->kernel_w = l->kernel_w;
  a->stride = l->stride;
  a->pad = l->pad;
  a->array_base = p->array_base[i];
  a->w_bits = l->w_bits;
  a->w_slice = l->w_slice;
  a->a_bits = l->a_bits;
  a->a_stream = l->a_stream;
  a->activation = l->activation;
  a->out_format = l->out_format;
  a->out_bits = l->out_bits;
  a->rng_stream = stream;
}

static void program_desc(struct stoxvp_desc *d, const struct plan *p, const struct stoxvp_bootinfo *bi, uint32_t i) {
  const struct stoxvp_model_layer *l = &model.layers[i];
  stoxvp_desc_program(d, bi->model_addr + l->weights_offset, stoxvp_model_layer_k(l), l->out_channels,
                      p->array_base[i], l->w_bits, l->w_slice);
  d->hdr.tag = i;
}

/* An AP tile's descriptor (AP_LOAD_PROGRAM, AP_LOAD_ACT, AP_RUN, AP_STORE). */
static void ap_desc(struct stoxvp_desc *d, uint16_t op, hal_addr_t addr, uint32_t bytes, uint16_t tile) {
  stoxvp_desc_init(d, op, 0);
  d->args.ap.addr = addr;
  d->args.ap.bytes = bytes;
  d->args.ap.ap_tile = tile;
}

static void ap_program_desc(struct stoxvp_desc *d, const struct plan *p, const struct stoxvp_bootinfo *bi, uint32_t i) {
  const struct stoxvp_model_layer *l = &model.layers[i];
  ap_desc(d, STOXVP_OP_AP_LOAD_PROGRAM, bi->model_addr + l->weights_offset, l->weights_bytes, p->ap_tile[i]);
  d->hdr.tag = i;
}

/* An AP layer: activations in, the program's passes, outputs back; its weights live in the
 * program the tile already holds (or reloads, when AP tiles are fewer than AP layers). */
static int queue_ap_layer(stoxvp_dev *dev, const struct plan *p, const struct stoxvp_bootinfo *bi, uint32_t i) {
  const struct stoxvp_model_layer *l = &model.layers[i];
  struct stoxvp_desc d;
  int rc;
  if (p->ap_reload) {
    ap_program_desc(&d, p, bi, i);
    if ((rc = stoxvp_drv_submit(dev, &d)) != 0) return rc;
  }
  const struct stoxvp_tensor_shape in = model.tensors[l->input];
  ap_desc(&d, STOXVP_OP_AP_LOAD_ACT, p->tensor[l->input], (uint32_t)in.c * in.h * in.w, p->ap_tile[i]);
  d.hdr.tag = i;
  if ((rc = stoxvp_drv_submit(dev, &d)) != 0) return rc;
  ap_desc(&d, STOXVP_OP_AP_RUN, 0, 0, p->ap_tile[i]);
  d.hdr.tag = i;
  if ((rc = stoxvp_drv_submit(dev, &d)) != 0) return rc;
  ap_desc(&d, STOXVP_OP_AP_STORE, p->tensor[i + 1], stoxvp_model_output_bytes(&model, i), p->ap_tile[i]);
  d.hdr.tag = i;
  if (i + 1 < model.layer_count) d.hdr.flags |= STOXVP_DESC_F_KEEP_OUTPUT;
  return stoxvp_drv_submit(dev, &d);
}

/* Queues one image's layers; returns 0 or the first submit error. */
static int queue_image(stoxvp_dev *dev, const struct plan *p, const struct stoxvp_bootinfo *bi, uint32_t img) {
  struct stoxvp_desc d;
  const uint32_t index = bi->first_index + img;
  for (uint32_t i = 0; i < model.layer_count; ++i) {
    const struct stoxvp_model_layer *l = &model.layers[i];
    int rc = 0;
    switch (l->type) {
      case STOXVP_LAYER_AP_CONV:
        if ((rc = queue_ap_layer(dev, p, bi, i)) != 0) return rc;
        continue;
      case STOXVP_LAYER_XBAR_CONV:
        if (p->reload) {
          program_desc(&d, p, bi, i);
          if ((rc = stoxvp_drv_submit(dev, &d)) != 0) return rc;
        }
        /* fall through */
      case STOXVP_LAYER_DIGITAL_CONV: {
        struct stoxvp_conv_args a;
        conv_args(&a, p, bi, i, index * STOXVP_BOOT_STREAM_LAYERS + i);
        stoxvp_desc_conv(&d, l->type == STOXVP_LAYER_XBAR_CONV ? STOXVP_OP_XBAR_CONV : STOXVP_OP_DIGITAL_CONV, &a);
        break;
      }
      case STOXVP_LAYER_MAX_POOL:
      case STOXVP_LAYER_AVG_POOL: {
        struct stoxvp_pool_args a;
        memset(&a, 0, sizeof a);
        a.input_addr = p->tensor[l->input];
        a.output_addr = p->tensor[i + 1];
        a.channels = l->in_channels;
        a.in_h = l->in_h;
        a.in_w = l->in_w;
        a.kernel = l->kernel_h;
        a.stride = l->stride;
        a.kind = l->type == STOXVP_LAYER_MAX_POOL ? STOXVP_POOL_MAX : STOXVP_POOL_AVG;
        stoxvp_desc_pool(&d, &a);
        break;
      }
      default: { /* STOXVP_LAYER_ADD */
        struct stoxvp_add_args a;
        memset(&a, 0, sizeof a);
        a.input_a = p->tensor[l->input];
        a.input_b = p->tensor[l->input_b];
        a.output_addr = p->tensor[i + 1];
        a.count = (uint32_t)l->in_channels * l->in_h * l->in_w;
        a.scale_a = l->scale_a;
        a.scale_b = l->scale_b;
        a.activation = l->activation;
        a.out_bits = l->out_bits;
        stoxvp_desc_add(&d, &a);
        break;
      }
    }
    d.hdr.tag = i;
    /* Every tensor but the logits stays in the global buffer: only the CPU reads the last. */
    if (i + 1 < model.layer_count) d.hdr.flags |= STOXVP_DESC_F_KEEP_OUTPUT;
    if ((rc = stoxvp_drv_submit(dev, &d)) != 0) return rc;
  }
  return 0;
}

int inference_main(void *arg) {
  (void)arg;
  const hal_addr_t dram = hal_region_base(HAL_DRAM);
  struct stoxvp_bootinfo *bi = (struct stoxvp_bootinfo *)hal_map(dram, sizeof *bi);
  if (bi->magic != STOXVP_BOOT_MAGIC || bi->version != STOXVP_BOOT_VERSION) {
    hal_printf("inference: no boot information at the start of DRAM (magic 0x%08lx)\n", (unsigned long)bi->magic);
    return 2;
  }
  bi->status = STOXVP_BOOT_RUNNING;
  bi->images_done = bi->correct = bi->reprogrammed = 0;
  bi->message[0] = '\0';

  char err[160];
  const uint8_t *bytes = (const uint8_t *)hal_map(bi->model_addr, bi->model_bytes);
  const int mrc = stoxvp_model_parse(bytes, bi->model_bytes, &model, err, sizeof err);
  if (mrc != STOXVP_MODEL_OK) return fail(bi, 3, "model rejected (%s): %s", stoxvp_model_result_name(mrc), err);
  const struct stoxvp_model_header *h = &model.header;
  if (bi->image_bytes != (uint32_t)h->input_channels * h->input_h * h->input_w)
    return fail(bi, 3, "images of %u bytes do not fit the model's %ux%ux%u input", (unsigned)bi->image_bytes,
                (unsigned)h->input_channels, (unsigned)h->input_h, (unsigned)h->input_w);

  static struct plan p;
  memset(&p, 0, sizeof p);
  p.next = bi->scratch_addr;
  p.end = bi->scratch_addr + bi->scratch_bytes;
  const hal_addr_t ring = alloc(&p, RING_SLOTS * STOXVP_DESC_SIZE);
  p.tensor[0] = alloc(&p, bi->image_bytes);
  for (uint32_t i = 0; i < model.layer_count; ++i) {
    const struct stoxvp_model_layer *l = &model.layers[i];
    p.tensor[i + 1] = alloc(&p, stoxvp_model_output_bytes(&model, i));
    p.params[i] = (l->type == STOXVP_LAYER_XBAR_CONV || l->type == STOXVP_LAYER_DIGITAL_CONV)
                      ? layer_params(&p, bi, l) : 0;
    if (p.tensor[i + 1] == 0 || (bi->flags & STOXVP_BOOT_F_OVERRIDE && l->type == STOXVP_LAYER_XBAR_CONV && !p.params[i]))
      return fail(bi, 4, "scratch memory of %lu bytes is too small for the model's tensors",
                  (unsigned long)bi->scratch_bytes);
  }
  if (ring == 0 || p.tensor[0] == 0)
    return fail(bi, 4, "scratch memory of %lu bytes is too small", (unsigned long)bi->scratch_bytes);

  stoxvp_dev dev;
  int rc = stoxvp_drv_init(&dev, hal_region_base(HAL_ACCEL), ring, RING_SLOTS);
  if (rc != STOXVP_DRV_OK) return fail(bi, 5, "accelerator init failed: %s", stoxvp_drv_error_name(rc));

  /* The crossbar layers run on the chip's first crossbar group, with its geometry (the
   * discovery table says what exists; a chip may hold other kinds of tile beside it). */
  const struct stoxvp_tile_group_info *xg = stoxvp_chip_find(&dev.chip, STOXVP_TILE_KIND_XBAR);
  if (xg == NULL) return fail(bi, 5, "the accelerator has no crossbar tiles (%u tile groups)", (unsigned)dev.chip.groups);
  /* Weight-stationary placement: consecutive arrays per crossbar layer, all programmed once,
   * unless they do not fit; then every crossbar layer is reloaded at the group's first array
   * before it runs. */
  const uint32_t first = xg->xbar.first_array;
  uint32_t need = 0, largest = 0;
  for (uint32_t i = 0; i < model.layer_count; ++i) {
    const struct stoxvp_model_layer *l = &model.layers[i];
    if (l->type != STOXVP_LAYER_XBAR_CONV) continue;
    const uint32_t n = stoxvp_xbar_group_layer_arrays(xg, stoxvp_model_layer_k(l), l->out_channels, l->w_bits, l->w_slice);
    p.array_base[i] = (uint16_t)(first + need);
    need += n;
    if (n > largest) largest = n;
  }
  const uint32_t total = stoxvp_xbar_group_arrays(xg);
  if (largest > total) return fail(bi, 5, "a crossbar layer needs %u arrays, the chip has %u", (unsigned)largest, (unsigned)total);
  p.reload = need > total;
  bi->reprogrammed = (uint32_t)p.reload;
  struct stoxvp_desc d;
  for (uint32_t i = 0; i < model.layer_count; ++i) {
    if (model.layers[i].type != STOXVP_LAYER_XBAR_CONV) continue;
    if (p.reload) {
      p.array_base[i] = (uint16_t)first;
      continue;
    }
    program_desc(&d, &p, bi, i);
    if ((rc = stoxvp_drv_submit(&dev, &d)) != 0) break;
  }
  if (rc == 0 && !p.reload) rc = stoxvp_drv_wait(&dev);
  if (rc != 0) return fail(bi, 6, "programming the crossbars failed: %s", stoxvp_drv_error_name(rc));

  /* AP layers: one program per AP tile (over the chip's rtm_ap groups in order), loaded once;
   * with fewer tiles than AP layers every AP layer reloads its program on tile 0 per image. */
  uint32_t ap_tiles = 0, ap_layers = 0;
  for (uint32_t g = 0; g < dev.chip.groups; ++g)
    if (dev.chip.group[g].kind == STOXVP_TILE_KIND_RTM_AP) ap_tiles += dev.chip.group[g].tiles;
  for (uint32_t i = 0; i < model.layer_count; ++i)
    if (model.layers[i].type == STOXVP_LAYER_AP_CONV) p.ap_tile[i] = (uint16_t)ap_layers++;
  if (ap_layers && ap_tiles == 0)
    return fail(bi, 5, "the model has %u AP layers, the accelerator no rtm_ap tiles", (unsigned)ap_layers);
  p.ap_reload = ap_layers > ap_tiles;
  for (uint32_t i = 0; i < model.layer_count && ap_layers; ++i) {
    if (model.layers[i].type != STOXVP_LAYER_AP_CONV) continue;
    if (p.ap_reload) {
      p.ap_tile[i] = 0;
      continue;
    }
    ap_program_desc(&d, &p, bi, i);
    if ((rc = stoxvp_drv_submit(&dev, &d)) != 0) break;
  }
  if (rc == 0 && ap_layers && !p.ap_reload) rc = stoxvp_drv_wait(&dev);
  if (rc != 0) return fail(bi, 6, "loading the AP programs failed: %s", stoxvp_drv_error_name(rc));
  hal_printf("inference: model %.16s, %u layers, %u of %u arrays%s; %u images\n", h->name,
             (unsigned)model.layer_count, (unsigned)need, (unsigned)total,
             p.reload ? " (reloaded per image)" : "", (unsigned)bi->image_count);

  const uint32_t classes = h->classes;
  const int qmax = (1 << (h->input_bits - 1)) - 1;
  const uint8_t *pixels = (const uint8_t *)hal_map(bi->images_addr, (size_t)bi->image_count * bi->image_bytes);
  const uint8_t *labels = bi->labels_addr ? (const uint8_t *)hal_map(bi->labels_addr, bi->image_count) : NULL;
  struct stoxvp_image_result *results =
      (struct stoxvp_image_result *)hal_map(bi->results_addr, (size_t)bi->image_count * sizeof *results);
  float *logits_out = bi->logits_addr ? (float *)hal_map(bi->logits_addr, (size_t)bi->image_count * classes * 4) : NULL;
  int8_t *input = (int8_t *)hal_map(p.tensor[0], bi->image_bytes);
  const float *logits = (const float *)hal_map(p.tensor[model.layer_count], classes * 4);
  uint64_t total_ns = 0;

  /* Pixels are bytes: quantise the 256 possible values once (in float32, as the model's input
   * quantisation is defined), then every image is table lookups. Without an FPU that is the
   * difference between a few and a few hundred instructions per pixel. */
  static int8_t quantised[256];
  for (int v = 0; v < 256; ++v) {
    const float q = floorf((float)v * h->input_scale + h->input_offset + 0.5f);
    quantised[v] = (int8_t)(q > (float)qmax ? qmax : q < (float)-qmax ? -qmax : (int)q);
  }

  for (uint32_t img = 0; img < bi->image_count; ++img) {
    const uint8_t *px = pixels + (size_t)img * bi->image_bytes;
    for (uint32_t k = 0; k < bi->image_bytes; ++k) input[k] = quantised[px[k]];
    const uint64_t t0 = hal_time_ns();
    rc = queue_image(&dev, &p, bi, img);
    if (rc == 0) rc = stoxvp_drv_wait(&dev);
    const uint64_t t1 = hal_time_ns();
    if (rc != 0)
      return fail(bi, 7, "image %u: the accelerator stopped: %s at ring slot %u", (unsigned)img,
                  stoxvp_drv_error_name(rc), (unsigned)stoxvp_drv_error_slot(&dev));
    uint32_t best = 0;
    for (uint32_t c = 1; c < classes; ++c)
      if (logits[c] > logits[best]) best = c;
    results[img].prediction = best;
    results[img].reserved = 0;
    results[img].latency_ns = t1 - t0;
    total_ns += t1 - t0;
    if (logits_out) memcpy(logits_out + (size_t)img * classes, logits, classes * 4);
    if (labels && labels[img] == best) ++bi->correct;
    bi->images_done = img + 1;
    if ((bi->flags & STOXVP_BOOT_F_PROGRESS) && (img + 1) % 1000 == 0)
      hal_printf("inference: %u images\n", (unsigned)(img + 1));
  }
  const uint32_t n = bi->image_count ? bi->image_count : 1;
  const uint32_t permyriad = labels ? (uint32_t)((10000ull * bi->correct + n / 2) / n) : 0;
  hal_printf("inference: %u images, %u correct (%u.%02u%%), %lu ns per image on average\n",
             (unsigned)bi->image_count, (unsigned)bi->correct, (unsigned)(permyriad / 100),
             (unsigned)(permyriad % 100), (unsigned long)(total_ns / n));
  bi->status = STOXVP_BOOT_DONE;
  return 0;
}
