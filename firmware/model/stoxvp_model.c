/* The model-file reader: every field is checked before anything is used, and a refusal names
 * the field and its value. No allocation; freestanding apart from memcpy and snprintf. */
#include "stoxvp_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const result_names[] = {"ok", "truncated", "bad magic", "bad version",
                                           "oversized", "bad checksum", "bad field"};

const char *stoxvp_model_result_name(int result) {
  return result >= 0 && result <= STOXVP_MODEL_BAD_FIELD ? result_names[result] : "unknown";
}

uint32_t stoxvp_crc32(uint32_t crc, const void *data, size_t len) {
  static uint32_t table[256];
  static int ready = 0;
  if (!ready) {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    ready = 1;
  }
  const uint8_t *p = (const uint8_t *)data;
  crc = ~crc;
  for (size_t i = 0; i < len; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

static int fail(char *err, size_t len, int result, const char *fmt, ...) {
  if (err != NULL && len > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
  }
  return result;
}

static const char *type_name(uint8_t t) {
  switch (t) {
#define STOXVP_X_LTN(name, val, doc) \
  case val: return #name;
    STOXVP_MODEL_LAYER_TYPES(STOXVP_X_LTN)
#undef STOXVP_X_LTN
  }
  return "?";
}

static int finite_float(float f) { return f == f && f - f == 0.0f; /* not NaN, not inf */ }

/* Callers have checked kernel <= in + 2 x pad and stride >= 1; the result can still exceed the
 * 16-bit field that stores it, which the caller checks. */
static uint32_t out_dim(uint32_t in, uint32_t kernel, uint32_t stride, uint32_t pad) {
  return (in + 2 * pad - kernel) / stride + 1;
}

/* Shared by all checks of one layer: `E` formats "layer i (TYPE): ..." into err. */
#define E(...) fail_layer(err, err_len, i, l, __VA_ARGS__)
static int fail_layer(char *err, size_t len, uint32_t i, const struct stoxvp_model_layer *l,
                      const char *fmt, ...) {
  if (err != NULL && len > 0) {
    int n = snprintf(err, len, "layer %u (%s): ", (unsigned)i, type_name(l->type));
    if (n < 0) n = 0;
    if ((size_t)n < len) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + n, len - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return STOXVP_MODEL_BAD_FIELD;
}

/* A blob [offset, offset + bytes) inside the file, 4-byte aligned, after the layer table. */
static int blob_ok(const stoxvp_model *m, uint32_t offset, uint32_t bytes) {
  const uint32_t table_end = m->header.layer_table_offset + m->layer_count * STOXVP_MODEL_LAYER_BYTES;
  return offset % 4 == 0 && offset >= table_end && offset <= m->size && bytes <= m->size - offset;
}

static int check_params(const stoxvp_model *m, uint32_t i, const struct stoxvp_model_layer *l,
                        char *err, size_t err_len) {
  if (l->params_offset == 0) {
    if (l->params_bytes != 0) return E("params_bytes = %u without a parameter block", (unsigned)l->params_bytes);
    return STOXVP_MODEL_OK;
  }
  if (l->params_bytes < sizeof(struct stoxvp_layer_params) || !blob_ok(m, l->params_offset, l->params_bytes))
    return E("parameter block at %u (%u bytes) is misaligned, too small or outside the file",
             (unsigned)l->params_offset, (unsigned)l->params_bytes);
  struct stoxvp_layer_params p;
  memcpy(&p, m->data + l->params_offset, sizeof p);
  if (p.converter >= STOXVP_CONVERTER_KINDS) return E("parameter block: converter = %u", (unsigned)p.converter);
  if (p.curve > STOXVP_CURVE_TABLE) return E("parameter block: curve = %u", (unsigned)p.curve);
  if (p.flags & ~(STOXVP_PARAMS_F_OUT_AFFINE | STOXVP_PARAMS_F_DRIVE))
    return E("parameter block: flags = 0x%x has unknown bits", (unsigned)p.flags);
  if (p.cols_per_converter == 0) return E("parameter block: cols_per_converter = 0");
  if ((p.converter == STOXVP_CONV_ADC || p.converter == STOXVP_CONV_SPARSE_ADC) &&
      (p.adc_bits < 1 || p.adc_bits > 24))
    return E("parameter block: adc_bits = %u, supported 1..24", (unsigned)p.adc_bits);
  if (!finite_float(p.adc_range) || p.adc_range < 0 || !finite_float(p.sa_threshold) ||
      !finite_float(p.curve_a) || !finite_float(p.curve_b))
    return E("parameter block: adc_range, sa_threshold, curve_a and curve_b must be finite (range >= 0)");
  if (p.curve == STOXVP_CURVE_TABLE && (p.table_len < 2 || p.table_len > 65536))
    return E("parameter block: table_len = %u, a TABLE curve needs 2..65536 points", (unsigned)p.table_len);
  uint32_t floats = 0;
  if (p.flags & STOXVP_PARAMS_F_OUT_AFFINE) floats += 2u * l->out_channels;
  if (p.flags & STOXVP_PARAMS_F_DRIVE) floats += 2u * l->out_channels;
  if (p.curve == STOXVP_CURVE_TABLE) floats += p.table_len;
  if (l->params_bytes != sizeof p + 4u * floats)
    return E("params_bytes = %u, its flags and table need %u", (unsigned)l->params_bytes,
             (unsigned)(sizeof p + 4u * floats));
  for (uint32_t f = 0; f < floats; ++f) {
    float v;
    memcpy(&v, m->data + l->params_offset + sizeof p + 4u * f, 4);
    if (!finite_float(v)) return E("parameter block: array element %u is not finite", (unsigned)f);
    if (p.curve == STOXVP_CURVE_TABLE && f >= floats - p.table_len && (v < 0 || v > 1))
      return E("parameter block: curve point %u = %g is not a probability", (unsigned)(f - (floats - p.table_len)), (double)v);
  }
  if (l->type == STOXVP_LAYER_XBAR_CONV && p.converter == STOXVP_CONV_MTJ) {
    const uint32_t slices = stoxvp_xbar_slices(l->w_bits, l->w_slice);
    const uint32_t waves = ((uint32_t)l->a_bits - 1 + l->a_stream - 1) / l->a_stream;
    for (uint32_t s = 0; s < slices; ++s)
      for (uint32_t w = 0; w < waves; ++w)
        if (p.samples[s][w] == 0) return E("parameter block: T = 0 for weight slice %u, input wave %u", (unsigned)s, (unsigned)w);
  }
  return STOXVP_MODEL_OK;
}

/* A spiking layer (SNN_CONV, SNN_FC): the rules of STOXVP_MODEL_SNN_FIELDS. */
static int check_snn_layer(stoxvp_model *m, uint32_t i, char *err, size_t err_len) {
  const struct stoxvp_model_layer *l = &m->layers[i];
  const int last = i + 1 == m->layer_count;
  if (l->type != STOXVP_LAYER_SNN_CONV && l->type != STOXVP_LAYER_SNN_FC) return E("type = %u", (unsigned)l->type);
  if (m->header.input_bits != 1) return E("a spiking layer in a model whose input_bits = %u (a spiking model has 1)", (unsigned)m->header.input_bits);
  if (l->input != i) return E("input = tensor %u, a spiking layer reads the previous output, tensor %u", (unsigned)l->input, (unsigned)i);
  const struct stoxvp_tensor_shape in = m->tensors[i];
  if (l->in_channels != in.c || l->in_h != in.h || l->in_w != in.w)
    return E("input shape %ux%ux%u differs from tensor %u's %ux%ux%u", (unsigned)l->in_channels, (unsigned)l->in_h,
             (unsigned)l->in_w, (unsigned)i, (unsigned)in.c, (unsigned)in.h, (unsigned)in.w);
  if (l->activation != STOXVP_ACT_NONE) return E("activation = %u, a spiking layer has 0", (unsigned)l->activation);
  if (l->out_format != STOXVP_OUT_INT32) return E("out_format = %u, a spiking layer has INT32 (1)", (unsigned)l->out_format);
  if (l->out_bits != 0 || l->w_slice != 0 || l->a_stream != 0 || l->a_bits != 1 || l->input_b != 0)
    return E("out_bits %u, w_slice %u, a_stream %u, input_b %u must be 0 and a_bits %u must be 1", (unsigned)l->out_bits,
             (unsigned)l->w_slice, (unsigned)l->a_stream, (unsigned)l->input_b, (unsigned)l->a_bits);
  if (l->params_offset != 0 || l->params_bytes != 0) return E("a spiking layer has no parameter block");
  if (l->out_channels == 0) return E("out_channels = 0");
  if (l->w_bits < 2 || l->w_bits > 8) return E("w_bits = %u, supported 2..8", (unsigned)l->w_bits);
  const uint32_t v_bits = l->reserved[0] & 0xFFu, reset = (l->reserved[0] >> 8) & 0xFFu, policy = (l->reserved[0] >> 16) & 0xFFu;
  if (l->reserved[0] >> 24) return E("reserved word 0 = 0x%08x: bits 31..24 must be 0", (unsigned)l->reserved[0]);
  if (v_bits < l->w_bits || v_bits > 32) return E("v_bits = %u, must be w_bits (%u)..32", (unsigned)v_bits, (unsigned)l->w_bits);
  if (reset > STOXVP_SNN_RESET_SUBTRACT) return E("reset = %u", (unsigned)reset);
  if (policy > STOXVP_SNN_POLICY_HS_MIN) return E("policy = %u", (unsigned)policy);
  const int32_t thr = (int32_t)l->reserved[1];
  const int64_t vmax = ((int64_t)1 << (v_bits - 1)) - 1;
  if (thr < 1 || thr > vmax) return E("threshold = %d, must be 1..%.0f (v_bits %u)", (int)thr, (double)vmax, (unsigned)v_bits);
  if (l->reserved[2] != 0 || l->reserved[3] != 0) return E("reserved words 2 and 3 must be 0");
  struct stoxvp_tensor_shape out;
  uint32_t k;
  out.c = l->out_channels;
  if (l->type == STOXVP_LAYER_SNN_FC) {
    if (l->kernel_h != 1 || l->kernel_w != 1 || l->stride != 1 || l->pad != 0)
      return E("an SNN_FC layer has kernel 1x1, stride 1, pad 0 (kernel %ux%u, stride %u, pad %u)", (unsigned)l->kernel_h,
               (unsigned)l->kernel_w, (unsigned)l->stride, (unsigned)l->pad);
    k = (uint32_t)in.c * in.h * in.w;
    out.h = out.w = 1;
  } else {
    if (l->stride == 0) return E("stride = 0");
    if (l->kernel_h == 0 || l->kernel_h != l->kernel_w || l->kernel_h > in.h + 2u * l->pad || l->kernel_h > in.w + 2u * l->pad ||
        l->pad >= l->kernel_h)
      return E("kernel %ux%u with pad %u must be square, larger than pad and fit the %ux%u input", (unsigned)l->kernel_h,
               (unsigned)l->kernel_w, (unsigned)l->pad, (unsigned)in.h, (unsigned)in.w);
    k = stoxvp_model_layer_k(l);
    out.h = (uint16_t)out_dim(in.h, l->kernel_h, l->stride, l->pad);
    out.w = (uint16_t)out_dim(in.w, l->kernel_w, l->stride, l->pad);
  }
  const uint64_t weights = (uint64_t)k * l->out_channels;
  if ((uint64_t)l->weights_bytes != weights)
    return E("weights_bytes = %u, out_channels x K = %.0f", (unsigned)l->weights_bytes, (double)weights);
  if (!blob_ok(m, l->weights_offset, l->weights_bytes))
    return E("weights at %u (%u bytes) are misaligned or outside the file", (unsigned)l->weights_offset, (unsigned)l->weights_bytes);
  const int limit = (1 << (l->w_bits - 1)) - 1;
  for (uint32_t b = 0; b < l->weights_bytes; ++b) {
    const int v = (int8_t)m->data[l->weights_offset + b];
    if (v > limit || v < -limit) return E("weight %u = %d is outside +-%d", (unsigned)b, v, limit);
  }
  const uint64_t neurons = (uint64_t)out.c * out.h * out.w;
  if (neurons > (1u << 24)) return E("%.0f output neurons, more than 2^24", (double)neurons);
  if (last && (out.c != m->header.classes || out.h != 1 || out.w != 1))
    return E("the last layer's output %ux%ux%u is not classes (%u) x 1 x 1", (unsigned)out.c, (unsigned)out.h,
             (unsigned)out.w, (unsigned)m->header.classes);
  m->tensors[i + 1] = out;
  return STOXVP_MODEL_OK;
}

static int check_layer(stoxvp_model *m, uint32_t i, char *err, size_t err_len) {
  const struct stoxvp_model_layer *l = &m->layers[i];
  const int last = i + 1 == m->layer_count;
  if (stoxvp_model_layer_is_snn(l->type) || m->header.input_bits == 1) return check_snn_layer(m, i, err, err_len);
  const int ap = l->type == STOXVP_LAYER_AP_CONV;
  if ((l->type < STOXVP_LAYER_XBAR_CONV || l->type > STOXVP_LAYER_ADD) && !ap) return E("type = %u", (unsigned)l->type);
  for (int r = ap ? 1 : 0; r < 4; ++r)
    if (l->reserved[r] != 0) return E("reserved word %d = %u, must be 0", r, (unsigned)l->reserved[r]);
  if (l->input > i) return E("input = tensor %u, only tensors 0..%u exist before it", (unsigned)l->input, (unsigned)i);
  const struct stoxvp_tensor_shape in = m->tensors[l->input];
  if (l->in_channels != in.c || l->in_h != in.h || l->in_w != in.w)
    return E("input shape %ux%ux%u differs from tensor %u's %ux%ux%u", (unsigned)l->in_channels,
             (unsigned)l->in_h, (unsigned)l->in_w, (unsigned)l->input, (unsigned)in.c, (unsigned)in.h,
             (unsigned)in.w);
  if (l->activation > STOXVP_ACT_HARDTANH) return E("activation = %u", (unsigned)l->activation);
  if (last ? l->out_format != STOXVP_OUT_FLOAT32 : l->out_format != STOXVP_OUT_INT8)
    return E("out_format = %u: the last layer writes FLOAT32, the others INT8", (unsigned)l->out_format);
  if (!last && (l->out_bits < 2 || l->out_bits > 8)) return E("out_bits = %u, supported 2..8", (unsigned)l->out_bits);
  if (l->stride == 0) return E("stride = 0");
  struct stoxvp_tensor_shape out = in;

  if (ap) {
    /* The program is checked whole by the accelerator (AP_LOAD_PROGRAM); here its header must
     * describe this layer, so the tensors the reader derives are the ones the program fills. */
    const uint32_t pool = l->reserved[0];
    if (pool != 0 && pool != 2) return E("pool (reserved word 0) = %u, must be 0 or 2", (unsigned)pool);
    if (l->out_channels == 0) return E("out_channels = 0");
    if (l->kernel_h == 0 || l->kernel_h != l->kernel_w || l->kernel_h > in.h + 2u * l->pad || l->kernel_w > in.w + 2u * l->pad ||
        l->pad >= l->kernel_h)
      return E("kernel %ux%u (pad %u) must be square, fit the %ux%u input and exceed the padding", (unsigned)l->kernel_h,
               (unsigned)l->kernel_w, (unsigned)l->pad, (unsigned)in.h, (unsigned)in.w);
    if (l->a_bits < 1 || l->a_bits > 8) return E("a_bits = %u, supported 1..8 (unsigned)", (unsigned)l->a_bits);
    if (l->w_bits != 2 || l->w_slice != 0 || l->a_stream != 0)
      return E("w_bits = %u, w_slice = %u, a_stream = %u: an AP_CONV layer is ternary (2, 0, 0)", (unsigned)l->w_bits,
               (unsigned)l->w_slice, (unsigned)l->a_stream);
    if (l->activation != STOXVP_ACT_RELU) return E("activation = %u: an AP_CONV layer's requantisation clamps at 0 (RELU)", (unsigned)l->activation);
    if (l->params_offset || l->params_bytes) return E("an AP_CONV layer carries no parameter block");
    if (l->weights_bytes < 64 || !blob_ok(m, l->weights_offset, l->weights_bytes))
      return E("AP program at %u (%u bytes) is shorter than its header, misaligned or outside the file",
               (unsigned)l->weights_offset, (unsigned)l->weights_bytes);
    const uint8_t *pg = m->data + l->weights_offset;
    const uint32_t total = (uint32_t)pg[8] | (uint32_t)pg[9] << 8 | (uint32_t)pg[10] << 16 | (uint32_t)pg[11] << 24;
#define U16(o) ((uint32_t)pg[o] | (uint32_t)pg[(o) + 1] << 8)
    if (memcmp(pg, "SXAP", 4) != 0 || U16(4) != 1u) return E("the weights blob is not an AP program of version 1");
    if (total != l->weights_bytes) return E("AP program total_bytes = %u, weights_bytes = %u", (unsigned)total, (unsigned)l->weights_bytes);
    if (U16(20) != l->in_channels || U16(22) != l->in_h || U16(24) != l->in_w || pg[26] != l->kernel_h ||
        pg[27] != l->stride || pg[28] != l->pad || pg[29] != l->a_bits || pg[30] != l->out_bits || pg[31] != pool ||
        U16(32) != l->out_channels)
      return E("the AP program's layer (%ux%ux%u -> %u, kernel %u, stride %u, pad %u, bits %u/%u, pool %u) is not this entry's",
               (unsigned)U16(20), (unsigned)U16(22), (unsigned)U16(24), (unsigned)U16(32), (unsigned)pg[26],
               (unsigned)pg[27], (unsigned)pg[28], (unsigned)pg[29], (unsigned)pg[30], (unsigned)pg[31]);
#undef U16
    const uint32_t oh = out_dim(in.h, l->kernel_h, l->stride, l->pad), ow = out_dim(in.w, l->kernel_w, l->stride, l->pad);
    if (pool && (oh < 2 || ow < 2)) return E("pool 2 on a %ux%u output", (unsigned)oh, (unsigned)ow);
    if (oh > UINT16_MAX || ow > UINT16_MAX) return E("output %ux%u does not fit a 16-bit tensor", (unsigned)oh, (unsigned)ow);
    out.c = l->out_channels;
    out.h = (uint16_t)(pool ? oh / pool : oh);
    out.w = (uint16_t)(pool ? ow / pool : ow);
  } else if (l->type == STOXVP_LAYER_XBAR_CONV || l->type == STOXVP_LAYER_DIGITAL_CONV) {
    const int xbar = l->type == STOXVP_LAYER_XBAR_CONV;
    if (l->out_channels == 0) return E("out_channels = 0");
    if (l->kernel_h == 0 || l->kernel_h > in.h + 2u * l->pad || l->kernel_w == 0 || l->kernel_w > in.w + 2u * l->pad)
      return E("kernel %ux%u does not fit the %ux%u input with pad %u", (unsigned)l->kernel_h,
               (unsigned)l->kernel_w, (unsigned)in.h, (unsigned)in.w, (unsigned)l->pad);
    if (l->w_bits < 2 || l->w_bits > 8) return E("w_bits = %u, supported 2..8", (unsigned)l->w_bits);
    if (l->a_bits < 2 || l->a_bits > 8) return E("a_bits = %u, supported 2..8", (unsigned)l->a_bits);
    if (xbar && (l->w_slice < 1 || l->w_slice > l->w_bits - 1))
      return E("w_slice = %u, must be 1..%u", (unsigned)l->w_slice, (unsigned)(l->w_bits - 1));
    if (xbar && (l->a_stream < 1 || l->a_stream > l->a_bits - 1))
      return E("a_stream = %u, must be 1..%u", (unsigned)l->a_stream, (unsigned)(l->a_bits - 1));
    if (xbar && (stoxvp_xbar_slices(l->w_bits, l->w_slice) > STOXVP_MAX_SLICES ||
                 ((uint32_t)l->a_bits - 1 + l->a_stream - 1) / l->a_stream > STOXVP_MAX_SLICES))
      return E("more than %u weight slices or input waves", (unsigned)STOXVP_MAX_SLICES);
    const uint32_t k = stoxvp_model_layer_k(l); /* <= 65535 x 255 x 255: fits 32 bits */
    const uint64_t weights = (uint64_t)k * l->out_channels; /* does not always */
    if ((uint64_t)l->weights_bytes != weights)
      return E("weights_bytes = %u, out_channels x K = %.0f", (unsigned)l->weights_bytes, (double)weights);
    if (!blob_ok(m, l->weights_offset, l->weights_bytes))
      return E("weights at %u (%u bytes) are misaligned or outside the file", (unsigned)l->weights_offset,
               (unsigned)l->weights_bytes);
    const int limit = (1 << (l->w_bits - 1)) - 1;
    for (uint32_t b = 0; b < l->weights_bytes; ++b) {
      const int v = (int8_t)m->data[l->weights_offset + b];
      if (v > limit || v < -limit) return E("weight %u = %d is outside +-%d", (unsigned)b, v, limit);
    }
    const int rc = check_params(m, i, l, err, err_len);
    if (rc != STOXVP_MODEL_OK) return rc;
    out.c = l->out_channels;
    const uint32_t oh = out_dim(in.h, l->kernel_h, l->stride, l->pad), ow = out_dim(in.w, l->kernel_w, l->stride, l->pad);
    if (oh > UINT16_MAX || ow > UINT16_MAX)
      return E("output %s %u = (%s %u + 2 x pad %u - %s %u) / stride %u + 1 does not fit the 16-bit tensor %s (at most %u)",
               oh > UINT16_MAX ? "height" : "width", (unsigned)(oh > UINT16_MAX ? oh : ow),
               oh > UINT16_MAX ? "in_h" : "in_w", (unsigned)(oh > UINT16_MAX ? in.h : in.w), (unsigned)l->pad,
               oh > UINT16_MAX ? "kernel_h" : "kernel_w", (unsigned)(oh > UINT16_MAX ? l->kernel_h : l->kernel_w),
               (unsigned)l->stride, oh > UINT16_MAX ? "height" : "width", (unsigned)UINT16_MAX);
    out.h = (uint16_t)oh;
    out.w = (uint16_t)ow;
  } else {
    if (l->weights_offset || l->weights_bytes || l->params_offset || l->params_bytes)
      return E("pooling and ADD layers carry no weights or parameter block");
    if (l->out_channels != in.c) return E("out_channels = %u, must equal in_channels %u", (unsigned)l->out_channels, (unsigned)in.c);
    if (l->type == STOXVP_LAYER_ADD) {
      if (l->input_b > i) return E("input_b = tensor %u, only tensors 0..%u exist before it", (unsigned)l->input_b, (unsigned)i);
      const struct stoxvp_tensor_shape b = m->tensors[l->input_b];
      if (b.c != in.c || b.h != in.h || b.w != in.w)
        return E("tensors %u and %u differ in shape", (unsigned)l->input, (unsigned)l->input_b);
      if (!finite_float(l->scale_a) || !finite_float(l->scale_b)) return E("scale_a and scale_b must be finite");
    } else {
      if (l->kernel_h == 0 || l->kernel_h != l->kernel_w || l->kernel_h > in.h || l->kernel_h > in.w || l->pad != 0)
        return E("pooling window %ux%u (pad %u) must be square, unpadded and fit %ux%u", (unsigned)l->kernel_h,
                 (unsigned)l->kernel_w, (unsigned)l->pad, (unsigned)in.h, (unsigned)in.w);
      out.h = (uint16_t)out_dim(in.h, l->kernel_h, l->stride, 0);
      out.w = (uint16_t)out_dim(in.w, l->kernel_h, l->stride, 0);
    }
  }
  /* The output's bytes are what firmware allocates and the accelerator writes (an ADD's count
   * field holds its elements): all 32-bit, so bound them before anything multiplies them. */
  const uint64_t out_bytes = (uint64_t)out.c * out.h * out.w * (l->out_format == STOXVP_OUT_FLOAT32 ? 4u : 1u);
  if (out_bytes > STOXVP_MODEL_MAX_TENSOR_BYTES)
    return E("output tensor %ux%ux%u is %.0f bytes, more than the %u a tensor may have", (unsigned)out.c,
             (unsigned)out.h, (unsigned)out.w, (double)out_bytes, (unsigned)STOXVP_MODEL_MAX_TENSOR_BYTES);
  if (last && (out.c != m->header.classes || out.h != 1 || out.w != 1))
    return E("the last layer's output %ux%ux%u is not classes (%u) x 1 x 1", (unsigned)out.c,
             (unsigned)out.h, (unsigned)out.w, (unsigned)m->header.classes);
  m->tensors[i + 1] = out;
  return STOXVP_MODEL_OK;
}
#undef E

int stoxvp_model_parse(const void *data, size_t size, stoxvp_model *m, char *err, size_t err_len) {
  if (err != NULL && err_len > 0) err[0] = '\0';
  memset(m, 0, sizeof *m);
  const uint8_t *bytes = (const uint8_t *)data;
  if (data == NULL || size < STOXVP_MODEL_HEADER_BYTES)
    return fail(err, err_len, STOXVP_MODEL_TRUNCATED, "%u bytes: shorter than the %u-byte header",
                (unsigned)size, (unsigned)STOXVP_MODEL_HEADER_BYTES);
  struct stoxvp_model_header *h = &m->header;
  memcpy(h, bytes, sizeof *h);
  if (memcmp(h->magic, STOXVP_MODEL_MAGIC, 4) != 0)
    return fail(err, err_len, STOXVP_MODEL_BAD_MAGIC, "magic is %02x %02x %02x %02x, not \"SXVM\"",
                bytes[0], bytes[1], bytes[2], bytes[3]);
  if (h->version != STOXVP_MODEL_VERSION)
    return fail(err, err_len, STOXVP_MODEL_BAD_VERSION, "version %u, this reader reads version %u",
                (unsigned)h->version, (unsigned)STOXVP_MODEL_VERSION);
  if (h->header_bytes != STOXVP_MODEL_HEADER_BYTES)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "header_bytes = %u, expected %u", (unsigned)h->header_bytes,
                (unsigned)STOXVP_MODEL_HEADER_BYTES);
  if (h->file_bytes > STOXVP_MODEL_MAX_BYTES || size > STOXVP_MODEL_MAX_BYTES)
    return fail(err, err_len, STOXVP_MODEL_OVERSIZED, "file_bytes = %u (%u bytes given): the limit is %u",
                (unsigned)h->file_bytes, (unsigned)size, (unsigned)STOXVP_MODEL_MAX_BYTES);
  if (size < h->file_bytes)
    return fail(err, err_len, STOXVP_MODEL_TRUNCATED, "file_bytes = %u but only %u bytes are present",
                (unsigned)h->file_bytes, (unsigned)size);
  if (size > h->file_bytes)
    return fail(err, err_len, STOXVP_MODEL_OVERSIZED, "%u bytes, but file_bytes = %u: trailing data",
                (unsigned)size, (unsigned)h->file_bytes);
  const uint32_t zero = 0;
  uint32_t crc = stoxvp_crc32(0, bytes, 12);
  crc = stoxvp_crc32(crc, &zero, 4);
  crc = stoxvp_crc32(crc, bytes + 16, size - 16);
  if (crc != h->crc32)
    return fail(err, err_len, STOXVP_MODEL_BAD_CHECKSUM, "crc32 = 0x%08x but the contents give 0x%08x",
                (unsigned)h->crc32, (unsigned)crc);
  m->data = bytes;
  m->size = (uint32_t)size;
  if (h->layer_count < 1 || h->layer_count > STOXVP_MODEL_MAX_LAYERS)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "layer_count = %u, supported 1..%u",
                (unsigned)h->layer_count, (unsigned)STOXVP_MODEL_MAX_LAYERS);
  if (h->layer_entry_bytes != STOXVP_MODEL_LAYER_BYTES || h->layer_table_offset < STOXVP_MODEL_HEADER_BYTES ||
      h->layer_table_offset % 4 != 0 ||
      (uint64_t)h->layer_table_offset + (uint64_t)h->layer_count * STOXVP_MODEL_LAYER_BYTES > size)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD,
                "layer table at %u (%u entries of %u bytes) is misplaced or runs past the file",
                (unsigned)h->layer_table_offset, (unsigned)h->layer_count, (unsigned)h->layer_entry_bytes);
  if (h->input_channels == 0 || h->input_h == 0 || h->input_w == 0)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "input shape %ux%ux%u has a zero dimension",
                (unsigned)h->input_channels, (unsigned)h->input_h, (unsigned)h->input_w);
  const uint64_t input_bytes = (uint64_t)h->input_channels * h->input_h * h->input_w;
  if (input_bytes > STOXVP_MODEL_MAX_TENSOR_BYTES)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "input tensor %ux%ux%u is %.0f bytes, more than the %u a tensor may have",
                (unsigned)h->input_channels, (unsigned)h->input_h, (unsigned)h->input_w,
                (double)input_bytes, (unsigned)STOXVP_MODEL_MAX_TENSOR_BYTES);
  if (h->input_bits < 1 || h->input_bits > 8)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "input_bits = %u, supported 2..8 (1: a spiking model)", (unsigned)h->input_bits);
  if (h->classes == 0) return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "classes = 0");
  if (!finite_float(h->input_scale) || !finite_float(h->input_offset))
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "input_scale and input_offset must be finite");
  if (h->reserved0 != 0 || h->reserved1 != 0)
    return fail(err, err_len, STOXVP_MODEL_BAD_FIELD, "reserved header fields must be 0");
  m->layer_count = h->layer_count;
  m->tensors[0].c = h->input_channels;
  m->tensors[0].h = h->input_h;
  m->tensors[0].w = h->input_w;
  for (uint32_t i = 0; i < m->layer_count; ++i) {
    memcpy(&m->layers[i], bytes + h->layer_table_offset + i * STOXVP_MODEL_LAYER_BYTES, STOXVP_MODEL_LAYER_BYTES);
    const int rc = check_layer(m, i, err, err_len);
    if (rc != STOXVP_MODEL_OK) return rc;
  }
  return STOXVP_MODEL_OK;
}

uint32_t stoxvp_model_output_bytes(const stoxvp_model *m, uint32_t layer) {
  const struct stoxvp_tensor_shape s = m->tensors[layer + 1];
  const uint32_t elems = (uint32_t)s.c * s.h * s.w;
  return m->layers[layer].out_format == STOXVP_OUT_INT8 ? elems : 4u * elems;
}
