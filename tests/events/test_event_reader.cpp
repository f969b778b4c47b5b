// The event-file reader (firmware/events/stoxvp_events.c): a well-formed file is read back with
// its samples, events and bins; every field of the header, of a sample entry and of an event is
// refused when wrong, with the file's name, the field and its value in the message.
#include "stoxvp_events.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

struct file_builder {
  stoxvp_events_header h{};
  std::vector<stoxvp_events_sample> samples;
  std::vector<std::vector<stoxvp_event>> events;

  file_builder() {
    std::memcpy(h.magic, "SXEV", 4);
    h.version = STOXVP_EVENTS_VERSION;
    h.header_bytes = STOXVP_EVENTS_HEADER_BYTES;
    h.width = 34;
    h.height = 34;
    h.classes = 10;
    h.duration_us = 300000;
    add(3, {{0, 1, 2, 1, 0}, {100, 33, 33, 0, 0}, {100, 5, 6, 1, 0}, {150000, 5, 6, 1, 0}, {299999, 0, 0, 0, 0}});
    add(7, {});
    add(0, {{10, 3, 4, 0, 0}});
  }
  void add(uint16_t label, std::vector<stoxvp_event> ev) {
    stoxvp_events_sample s{};
    s.label = label;
    s.event_count = static_cast<uint32_t>(ev.size());
    samples.push_back(s);
    events.push_back(std::move(ev));
  }
  // Bytes with offsets, sizes and the CRC filled in; `patch` changes them after the layout
  // (before the CRC, so the refusal is the field's, not the checksum's).
  template <class F>
  std::vector<uint8_t> bytes(F patch) {
    h.sample_count = static_cast<uint32_t>(samples.size());
    uint32_t off = STOXVP_EVENTS_HEADER_BYTES + STOXVP_EVENTS_SAMPLE_BYTES * h.sample_count;
    for (size_t i = 0; i < samples.size(); ++i) {
      samples[i].events_offset = off;
      off += STOXVP_EVENTS_EVENT_BYTES * static_cast<uint32_t>(events[i].size());
    }
    h.file_bytes = off;
    patch(*this);
    std::vector<uint8_t> b(sizeof h);
    for (auto& s : samples) b.insert(b.end(), reinterpret_cast<uint8_t*>(&s), reinterpret_cast<uint8_t*>(&s) + sizeof s);
    for (auto& ev : events)
      for (auto& e : ev) b.insert(b.end(), reinterpret_cast<uint8_t*>(&e), reinterpret_cast<uint8_t*>(&e) + sizeof e);
    h.crc32 = 0;
    std::memcpy(b.data(), &h, sizeof h);
    h.crc32 = stoxvp_events_crc32(0, b.data(), b.size());
    std::memcpy(b.data(), &h, sizeof h);
    return b;
  }
  std::vector<uint8_t> bytes() {
    return bytes([](file_builder&) {});
  }
};

std::string refusal(const std::vector<uint8_t>& b, int expect = STOXVP_EVENTS_BAD_FIELD) {
  stoxvp_events ev;
  char err[256];
  const int rc = stoxvp_events_parse(b.data(), b.size(), "fm.sxev", &ev, err, sizeof err);
  EXPECT_EQ(rc, expect) << err;
  EXPECT_EQ(std::string(err).rfind("fm.sxev: ", 0), 0u) << err;
  return err;
}

#define EXPECT_REFUSED(bytes, text)                                                 \
  do {                                                                                \
    const std::string m_ = refusal(bytes);                                            \
    EXPECT_NE(m_.find(text), std::string::npos) << "message: " << m_;                 \
  } while (0)

template <class F>
std::vector<uint8_t> patched(F f) {
  return file_builder().bytes(f);
}

TEST(event_reader, AWellFormedFileIsReadWithItsSamplesEventsAndBins) {
  auto b = file_builder().bytes();
  stoxvp_events ev;
  char err[256];
  ASSERT_EQ(stoxvp_events_parse(b.data(), b.size(), "fm.sxev", &ev, err, sizeof err), STOXVP_EVENTS_OK) << err;
  EXPECT_EQ(ev.header.sample_count, 3u);
  const auto s0 = stoxvp_events_get_sample(&ev, 0);
  EXPECT_EQ(s0.label, 3u);
  EXPECT_EQ(s0.event_count, 5u);
  EXPECT_EQ(stoxvp_events_get_event(&ev, &s0, 1).x, 33u);
  EXPECT_EQ(stoxvp_events_get_sample(&ev, 1).event_count, 0u);
  // Three bins of 100 ms: events 0-2 in bin 0, event 3 in bin 1, event 4 in bin 2.
  uint32_t first, end;
  ASSERT_EQ(stoxvp_events_bin_range(&ev, &s0, 3, 0, &first, &end), 0);
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(end, 3u);
  ASSERT_EQ(stoxvp_events_bin_range(&ev, &s0, 3, 1, &first, &end), 0);
  EXPECT_EQ(first, 3u);
  EXPECT_EQ(end, 4u);
  ASSERT_EQ(stoxvp_events_bin_range(&ev, &s0, 3, 2, &first, &end), 0);
  EXPECT_EQ(first, 4u);
  EXPECT_EQ(end, 5u);
  EXPECT_EQ(stoxvp_events_bin_range(&ev, &s0, 3, 3, &first, &end), -1);
  EXPECT_EQ(stoxvp_events_bin_range(&ev, &s0, 0, 0, &first, &end), -1);
  // Bin 0 as spikes: three pixels, ON at (y 2, x 1) and (y 6, x 5), OFF at (33, 33).
  std::vector<uint8_t> spikes(2 * 34 * 34, 9);
  EXPECT_EQ(stoxvp_events_bin_spikes(&ev, &s0, 3, 0, spikes.data()), 3);
  EXPECT_EQ(spikes[34 * 34 + 2 * 34 + 1], 1u);
  EXPECT_EQ(spikes[34 * 34 + 6 * 34 + 5], 1u);
  EXPECT_EQ(spikes[33 * 34 + 33], 1u);
  EXPECT_EQ(spikes[0], 0u);
  // One bin over the whole window: the repeated ON event at (6, 5) is one spike.
  EXPECT_EQ(stoxvp_events_bin_spikes(&ev, &s0, 1, 0, spikes.data()), 4);
}

TEST(event_reader, HeaderFieldsAreRefusedNamingTheFieldAndValue) {
  auto good = file_builder().bytes();
  {
    auto b = good;
    b.resize(10);
    EXPECT_NE(refusal(b, STOXVP_EVENTS_TRUNCATED).find("shorter than the 32-byte header"), std::string::npos);
  }
  {
    auto b = good;
    b[0] = 'X';
    EXPECT_NE(refusal(b, STOXVP_EVENTS_BAD_MAGIC).find("magic = 58 58 45 56"), std::string::npos);
  }
  EXPECT_NE(refusal(patched([](file_builder& f) { f.h.version = 9; }), STOXVP_EVENTS_BAD_VERSION).find("version = 9"),
            std::string::npos);
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.header_bytes = 48; }), "header_bytes = 48");
  {
    auto b = good;
    b.pop_back();
    EXPECT_NE(refusal(b, STOXVP_EVENTS_TRUNCATED).find("file_bytes = "), std::string::npos);
    b = good;
    b.push_back(0);
    EXPECT_NE(refusal(b, STOXVP_EVENTS_OVERSIZED).find("trailing data"), std::string::npos);
  }
  EXPECT_NE(refusal(patched([](file_builder& f) { f.h.file_bytes = 0x7FFFFFFF; }), STOXVP_EVENTS_OVERSIZED)
                .find("file_bytes = 2147483647"),
            std::string::npos);
  {
    auto b = good;
    b.back() ^= 1;
    EXPECT_NE(refusal(b, STOXVP_EVENTS_BAD_CHECKSUM).find("crc32 = 0x"), std::string::npos);
  }
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.width = 0; }), "width = 0");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.width = 300; }), "width = 300, supported 1..256");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.height = 257; }), "height = 257");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.classes = 0; }), "classes = 0");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.reserved0 = 5; }), "reserved0 = 5");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.duration_us = 0; }), "duration_us = 0");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.sample_count = 0; }), "sample_count = 0");
  EXPECT_REFUSED(patched([](file_builder& f) { f.h.sample_count = 1000; }), "sample_count = 1000");
}

TEST(event_reader, SampleEntryFieldsAreRefusedNamingTheSample) {
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[1].events_offset += 2; }), "sample 1: events_offset = ");
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[2].events_offset = 16; }), "sample 2: events_offset = 16");
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[2].event_count = 2; }), "sample 2: event_count = 2");
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[0].label = 10; }), "sample 0: label = 10, classes are 0..9");
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[1].reserved0 = 1; }), "sample 1: reserved0 = 1");
  EXPECT_REFUSED(patched([](file_builder& f) { f.samples[1].reserved1 = 2; }), "reserved1 = 2");
}

TEST(event_reader, EventFieldsAreRefusedNamingSampleEventFieldAndValue) {
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[0][4].t_us = 300000; }),
                 "sample 0 event 4: t_us = 300000, duration_us is 300000");
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[0][2].t_us = 50; }),
                 "sample 0 event 2: t_us = 50 is before the previous event's 100");
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[2][0].x = 34; }), "sample 2 event 0: x = 34, width is 34");
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[2][0].y = 200; }), "sample 2 event 0: y = 200, height is 34");
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[0][1].polarity = 2; }), "sample 0 event 1: polarity = 2");
  EXPECT_REFUSED(patched([](file_builder& f) { f.events[0][3].reserved = 7; }), "sample 0 event 3: reserved = 7");
}

TEST(event_reader, ANullNameStillGivesAMessage) {
  auto b = patched([](file_builder& f) { f.h.classes = 0; });
  stoxvp_events ev;
  char err[128];
  EXPECT_EQ(stoxvp_events_parse(b.data(), b.size(), nullptr, &ev, err, sizeof err), STOXVP_EVENTS_BAD_FIELD);
  EXPECT_STREQ(err, "event file: classes = 0");
  EXPECT_EQ(stoxvp_events_parse(nullptr, 0, nullptr, &ev, nullptr, 0), STOXVP_EVENTS_TRUNCATED);
}

}  // namespace
