/*
 * stoxvp_events.h - the stoxvp event-stream file (SXEV): layout, the one reader that validates
 * it, and binning into timesteps. C11, freestanding apart from memcpy and snprintf.
 *
 * An event file holds the recordings of a dynamic vision sensor (or streams converted from
 * images the way N-MNIST was recorded, tools/stoxnet/events.py): per sample a label and a
 * time-ordered list of ON/OFF events. The same reader runs in the spiking firmware (host-compiled
 * and bare-metal), in the host tools, and in the Python tools through ctypes. docs/event-format.md
 * describes the format; the layouts below are its single source.
 *
 * Little-endian: a 32-byte header, a table of 16-byte sample entries, then the events (8 bytes
 * each). A CRC-32 (as the model file's) covers the whole file with its crc32 field read as 0.
 */
#ifndef STOXVP_EVENTS_H
#define STOXVP_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STOXVP_EVENTS_MAGIC "SXEV"
#define STOXVP_EVENTS_VERSION 1u
#define STOXVP_EVENTS_HEADER_BYTES 32u
#define STOXVP_EVENTS_SAMPLE_BYTES 16u
#define STOXVP_EVENTS_EVENT_BYTES 8u
#define STOXVP_EVENTS_MAX_SIDE 256u           /* sensor width and height: x and y are 8-bit */
#define STOXVP_EVENTS_MAX_BYTES (1u << 30)    /* larger files are refused as oversized */

/* Header fields: X(type, name, array dimension or nothing, description). */
#define STOXVP_EVENTS_HEADER_FIELDS(X)                                                         \
  X(char, magic, [4], "\"SXEV\"")                                                               \
  X(uint16_t, version, , "STOXVP_EVENTS_VERSION")                                              \
  X(uint16_t, header_bytes, , "32")                                                            \
  X(uint32_t, file_bytes, , "Size of the whole file")                                         \
  X(uint32_t, crc32, , "CRC-32 (IEEE 802.3) of the whole file with this field read as 0")     \
  X(uint32_t, sample_count, , "Samples, >= 1; their table follows the header")               \
  X(uint16_t, width, , "Sensor width in pixels, 1..256 (N-MNIST: 34)")                       \
  X(uint16_t, height, , "Sensor height in pixels, 1..256 (N-MNIST: 34)")                     \
  X(uint16_t, classes, , "Labels are 0..classes-1, classes >= 1")                             \
  X(uint16_t, reserved0, , "0")                                                                \
  X(uint32_t, duration_us, , "Recording window of every sample in microseconds, >= 1; event times lie in 0..duration_us-1")

/* Sample entry fields. */
#define STOXVP_EVENTS_SAMPLE_FIELDS(X)                                                         \
  X(uint32_t, events_offset, , "Offset of the sample's first event: 4-byte aligned, after the sample table") \
  X(uint32_t, event_count, , "Events of the sample (0 allowed); they end inside the file")   \
  X(uint16_t, label, , "Class, < classes")                                                    \
  X(uint16_t, reserved0, , "0")                                                                \
  X(uint32_t, reserved1, , "0")

/* Event fields. Events of a sample are ordered by time (equal times allowed). */
#define STOXVP_EVENTS_EVENT_FIELDS(X)                                                          \
  X(uint32_t, t_us, , "Time since the sample's start in microseconds, < duration_us, non-decreasing") \
  X(uint8_t, x, , "Column, < width")                                                           \
  X(uint8_t, y, , "Row, < height")                                                             \
  X(uint8_t, polarity, , "1: ON (log intensity rose by the threshold), 0: OFF (fell)")        \
  X(uint8_t, reserved, , "0")

#define STOXVP_X_EV_MEMBER(type, name, dim, doc) type name dim;
struct stoxvp_events_header {
  STOXVP_EVENTS_HEADER_FIELDS(STOXVP_X_EV_MEMBER)
};
struct stoxvp_events_sample {
  STOXVP_EVENTS_SAMPLE_FIELDS(STOXVP_X_EV_MEMBER)
};
struct stoxvp_event {
  STOXVP_EVENTS_EVENT_FIELDS(STOXVP_X_EV_MEMBER)
};
#undef STOXVP_X_EV_MEMBER

#ifdef __cplusplus
static_assert(sizeof(struct stoxvp_events_header) == STOXVP_EVENTS_HEADER_BYTES, "event header is 32 bytes");
static_assert(sizeof(struct stoxvp_events_sample) == STOXVP_EVENTS_SAMPLE_BYTES, "sample entry is 16 bytes");
static_assert(sizeof(struct stoxvp_event) == STOXVP_EVENTS_EVENT_BYTES, "event is 8 bytes");
#else
_Static_assert(sizeof(struct stoxvp_events_header) == STOXVP_EVENTS_HEADER_BYTES, "event header is 32 bytes");
_Static_assert(sizeof(struct stoxvp_events_sample) == STOXVP_EVENTS_SAMPLE_BYTES, "sample entry is 16 bytes");
_Static_assert(sizeof(struct stoxvp_event) == STOXVP_EVENTS_EVENT_BYTES, "event is 8 bytes");
#endif

/* A validated event file: a copy of the header and a pointer into the caller's buffer, which
 * must outlive it. Samples and events are read through the accessors below (aligned copies). */
typedef struct stoxvp_events {
  struct stoxvp_events_header header;
  const uint8_t *data;
  uint32_t size;
} stoxvp_events;

enum stoxvp_events_result {
  STOXVP_EVENTS_OK = 0,
  STOXVP_EVENTS_TRUNCATED = 1,
  STOXVP_EVENTS_BAD_MAGIC = 2,
  STOXVP_EVENTS_BAD_VERSION = 3,
  STOXVP_EVENTS_OVERSIZED = 4,
  STOXVP_EVENTS_BAD_CHECKSUM = 5,
  STOXVP_EVENTS_BAD_FIELD = 6 /* the message names the field (sample and event index) and its value */
};

/* Parses and validates `size` bytes at `data` (every sample and every event). On failure returns
 * the result and writes "<name>: <field> = <value> ..." into err (NUL-terminated; may be NULL);
 * `name` (the file's path, or NULL) starts the message. */
int stoxvp_events_parse(const void *data, size_t size, const char *name, stoxvp_events *ev, char *err,
                        size_t err_len);

/* Sample i (< sample_count) of a validated file. */
struct stoxvp_events_sample stoxvp_events_get_sample(const stoxvp_events *ev, uint32_t i);
/* Event j of sample s. */
struct stoxvp_event stoxvp_events_get_event(const stoxvp_events *ev, const struct stoxvp_events_sample *s,
                                            uint32_t j);

/*
 * Binning: the sample's window splits into `timesteps` equal bins; bin k covers the times
 * t with floor(t x timesteps / duration_us) = k. Events are time-ordered, so a bin is the
 * event range [*first, *end). Returns 0, or -1 when k >= timesteps or timesteps == 0.
 */
int stoxvp_events_bin_range(const stoxvp_events *ev, const struct stoxvp_events_sample *s, uint32_t timesteps,
                            uint32_t k, uint32_t *first, uint32_t *end);

/*
 * The input spikes of bin k: `spikes` (2 x height x width bytes, channel = polarity: 0 OFF,
 * 1 ON, row-major) gets 1 where at least one event of that polarity fell on the pixel in the
 * bin, else 0. Returns the number of spikes (pixels set), or -1 as stoxvp_events_bin_range.
 */
int32_t stoxvp_events_bin_spikes(const stoxvp_events *ev, const struct stoxvp_events_sample *s,
                                 uint32_t timesteps, uint32_t k, uint8_t *spikes);

uint32_t stoxvp_events_crc32(uint32_t crc, const void *data, size_t len);
const char *stoxvp_events_result_name(int result);

#ifdef __cplusplus
}
#endif

#endif /* STOXVP_EVENTS_H */
