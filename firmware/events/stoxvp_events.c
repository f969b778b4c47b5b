/* The event-file reader: every field of the header, of every sample entry and of every event is
 * checked before anything is used; a refusal names the file, the field and its value. */
#include "stoxvp_events.h"
#include "stoxvp_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const result_names[] = {"ok", "truncated", "bad magic", "bad version",
                                           "oversized", "bad checksum", "bad field"};

const char *stoxvp_events_result_name(int result) {
  return result >= 0 && result <= STOXVP_EVENTS_BAD_FIELD ? result_names[result] : "unknown";
}

/* The same CRC-32 as model files: one table-driven implementation, in the model reader. */
uint32_t stoxvp_events_crc32(uint32_t crc, const void *data, size_t len) { return stoxvp_crc32(crc, data, len); }

static int fail(char *err, size_t len, const char *name, int result, const char *fmt, ...) {
  if (err != NULL && len > 0) {
    int n = snprintf(err, len, "%s: ", name != NULL ? name : "event file");
    if (n < 0) n = 0;
    if ((size_t)n < len) {
      va_list ap;
      va_start(ap, fmt);
      vsnprintf(err + n, len - (size_t)n, fmt, ap);
      va_end(ap);
    }
  }
  return result;
}

struct stoxvp_events_sample stoxvp_events_get_sample(const stoxvp_events *ev, uint32_t i) {
  struct stoxvp_events_sample s;
  memcpy(&s, ev->data + STOXVP_EVENTS_HEADER_BYTES + (size_t)i * STOXVP_EVENTS_SAMPLE_BYTES, sizeof s);
  return s;
}

struct stoxvp_event stoxvp_events_get_event(const stoxvp_events *ev, const struct stoxvp_events_sample *s,
                                            uint32_t j) {
  struct stoxvp_event e;
  memcpy(&e, ev->data + s->events_offset + (size_t)j * STOXVP_EVENTS_EVENT_BYTES, sizeof e);
  return e;
}

int stoxvp_events_parse(const void *data, size_t size, const char *name, stoxvp_events *ev, char *err,
                        size_t err_len) {
  if (err != NULL && err_len > 0) err[0] = '\0';
  memset(ev, 0, sizeof *ev);
  const uint8_t *bytes = (const uint8_t *)data;
  if (data == NULL || size < STOXVP_EVENTS_HEADER_BYTES)
    return fail(err, err_len, name, STOXVP_EVENTS_TRUNCATED, "%u bytes: shorter than the %u-byte header",
                (unsigned)size, (unsigned)STOXVP_EVENTS_HEADER_BYTES);
  struct stoxvp_events_header *h = &ev->header;
  memcpy(h, bytes, sizeof *h);
  if (memcmp(h->magic, STOXVP_EVENTS_MAGIC, 4) != 0)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_MAGIC, "magic = %02x %02x %02x %02x, not \"SXEV\"", bytes[0],
                bytes[1], bytes[2], bytes[3]);
  if (h->version != STOXVP_EVENTS_VERSION)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_VERSION, "version = %u, this reader reads version %u",
                (unsigned)h->version, (unsigned)STOXVP_EVENTS_VERSION);
  if (h->header_bytes != STOXVP_EVENTS_HEADER_BYTES)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "header_bytes = %u, expected %u",
                (unsigned)h->header_bytes, (unsigned)STOXVP_EVENTS_HEADER_BYTES);
  if (h->file_bytes > STOXVP_EVENTS_MAX_BYTES || size > STOXVP_EVENTS_MAX_BYTES)
    return fail(err, err_len, name, STOXVP_EVENTS_OVERSIZED, "file_bytes = %u (%u bytes given): the limit is %u",
                (unsigned)h->file_bytes, (unsigned)size, (unsigned)STOXVP_EVENTS_MAX_BYTES);
  if (size < h->file_bytes)
    return fail(err, err_len, name, STOXVP_EVENTS_TRUNCATED, "file_bytes = %u but only %u bytes are present",
                (unsigned)h->file_bytes, (unsigned)size);
  if (size > h->file_bytes)
    return fail(err, err_len, name, STOXVP_EVENTS_OVERSIZED, "file_bytes = %u but %u bytes are present: trailing data",
                (unsigned)h->file_bytes, (unsigned)size);
  const uint32_t zero = 0;
  uint32_t crc = stoxvp_events_crc32(0, bytes, 12);
  crc = stoxvp_events_crc32(crc, &zero, 4);
  crc = stoxvp_events_crc32(crc, bytes + 16, size - 16);
  if (crc != h->crc32)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_CHECKSUM, "crc32 = 0x%08x but the contents give 0x%08x",
                (unsigned)h->crc32, (unsigned)crc);
  if (h->sample_count == 0) return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample_count = 0");
  if (h->width == 0 || h->width > STOXVP_EVENTS_MAX_SIDE)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "width = %u, supported 1..%u", (unsigned)h->width,
                (unsigned)STOXVP_EVENTS_MAX_SIDE);
  if (h->height == 0 || h->height > STOXVP_EVENTS_MAX_SIDE)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "height = %u, supported 1..%u", (unsigned)h->height,
                (unsigned)STOXVP_EVENTS_MAX_SIDE);
  if (h->classes == 0) return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "classes = 0");
  if (h->reserved0 != 0)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "reserved0 = %u, must be 0", (unsigned)h->reserved0);
  if (h->duration_us == 0) return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "duration_us = 0");
  const uint64_t table_end = STOXVP_EVENTS_HEADER_BYTES + (uint64_t)h->sample_count * STOXVP_EVENTS_SAMPLE_BYTES;
  if (table_end > size)
    return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD,
                "sample_count = %u: its table of %u-byte entries runs past the %u-byte file", (unsigned)h->sample_count,
                (unsigned)STOXVP_EVENTS_SAMPLE_BYTES, (unsigned)size);
  ev->data = bytes;
  ev->size = (uint32_t)size;
  for (uint32_t i = 0; i < h->sample_count; ++i) {
    const struct stoxvp_events_sample s = stoxvp_events_get_sample(ev, i);
    if (s.events_offset % 4 != 0 || s.events_offset < table_end || s.events_offset > size)
      return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD,
                  "sample %u: events_offset = %u is misaligned, inside the header or sample table, or past the file",
                  (unsigned)i, (unsigned)s.events_offset);
    if ((uint64_t)s.event_count * STOXVP_EVENTS_EVENT_BYTES > size - s.events_offset)
      return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD,
                  "sample %u: event_count = %u from offset %u runs past the %u-byte file", (unsigned)i,
                  (unsigned)s.event_count, (unsigned)s.events_offset, (unsigned)size);
    if (s.label >= h->classes)
      return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u: label = %u, classes are 0..%u", (unsigned)i,
                  (unsigned)s.label, (unsigned)(h->classes - 1));
    if (s.reserved0 != 0 || s.reserved1 != 0)
      return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u: reserved0 = %u, reserved1 = %u, must be 0",
                  (unsigned)i, (unsigned)s.reserved0, (unsigned)s.reserved1);
    uint32_t last_t = 0;
    for (uint32_t j = 0; j < s.event_count; ++j) {
      const struct stoxvp_event e = stoxvp_events_get_event(ev, &s, j);
      if (e.t_us >= h->duration_us)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u event %u: t_us = %u, duration_us is %u",
                    (unsigned)i, (unsigned)j, (unsigned)e.t_us, (unsigned)h->duration_us);
      if (e.t_us < last_t)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD,
                    "sample %u event %u: t_us = %u is before the previous event's %u (events are time-ordered)",
                    (unsigned)i, (unsigned)j, (unsigned)e.t_us, (unsigned)last_t);
      last_t = e.t_us;
      if (e.x >= h->width)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u event %u: x = %u, width is %u", (unsigned)i,
                    (unsigned)j, (unsigned)e.x, (unsigned)h->width);
      if (e.y >= h->height)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u event %u: y = %u, height is %u", (unsigned)i,
                    (unsigned)j, (unsigned)e.y, (unsigned)h->height);
      if (e.polarity > 1)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u event %u: polarity = %u, must be 0 or 1",
                    (unsigned)i, (unsigned)j, (unsigned)e.polarity);
      if (e.reserved != 0)
        return fail(err, err_len, name, STOXVP_EVENTS_BAD_FIELD, "sample %u event %u: reserved = %u, must be 0",
                    (unsigned)i, (unsigned)j, (unsigned)e.reserved);
    }
  }
  return STOXVP_EVENTS_OK;
}

/* First event j of the sample with t_j x timesteps >= k x duration (binary search). */
static uint32_t first_at_or_after(const stoxvp_events *ev, const struct stoxvp_events_sample *s, uint32_t timesteps,
                                  uint32_t k) {
  const uint64_t bound = (uint64_t)k * ev->header.duration_us;
  uint32_t lo = 0, hi = s->event_count;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if ((uint64_t)stoxvp_events_get_event(ev, s, mid).t_us * timesteps < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int stoxvp_events_bin_range(const stoxvp_events *ev, const struct stoxvp_events_sample *s, uint32_t timesteps,
                            uint32_t k, uint32_t *first, uint32_t *end) {
  if (timesteps == 0 || k >= timesteps) return -1;
  *first = first_at_or_after(ev, s, timesteps, k);
  *end = first_at_or_after(ev, s, timesteps, k + 1);
  return 0;
}

int32_t stoxvp_events_bin_spikes(const stoxvp_events *ev, const struct stoxvp_events_sample *s,
                                 uint32_t timesteps, uint32_t k, uint8_t *spikes) {
  uint32_t first, end;
  if (stoxvp_events_bin_range(ev, s, timesteps, k, &first, &end) != 0) return -1;
  const uint32_t plane = (uint32_t)ev->header.width * ev->header.height;
  memset(spikes, 0, 2u * plane);
  int32_t n = 0;
  for (uint32_t j = first; j < end; ++j) {
    const struct stoxvp_event e = stoxvp_events_get_event(ev, s, j);
    uint8_t *p = spikes + e.polarity * plane + (uint32_t)e.y * ev->header.width + e.x;
    if (*p == 0) ++n;
    *p = 1;
  }
  return n;
}
