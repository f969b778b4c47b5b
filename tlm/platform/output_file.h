// An output file that appears complete or not at all: bytes go to a temporary file next to the
// final path (same directory, so the rename cannot cross file systems), every write and the
// close are checked, and only commit() renames it into place. A file that is never committed,
// or whose commit fails, is removed: the previous file of that name, if any, stays untouched.
// Every writer of a run's outputs (VCD, power traces, report, logits) goes through it.
#pragma once

#include <cstdio>
#include <stdexcept>
#include <string>

namespace stoxvp {

// A write, close or rename failed; the message names the final path and the system's reason.
struct output_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class output_file {
 public:
  // Creates the temporary file (throws output_error naming `path` when it cannot).
  // `suffix` ends the temporary name too, for writers that insist on an extension.
  explicit output_file(std::string path, const std::string& suffix = "");
  ~output_file();  // discards the temporary file unless committed
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }

  // Appends bytes; a failure is remembered and reported by commit() (so formatting code need
  // not check every call), and later writes are skipped.
  void write(const void* data, size_t len);
  void write(const std::string& s) { write(s.data(), s.size()); }
  void printf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Records a failure found by a producer outside this object (a pipe reader, for example).
  void fail(const std::string& reason);
  bool failed() const { return !error_.empty(); }

  // Flushes, syncs and closes the temporary file and renames it to path(); throws output_error
  // naming path() on the first failure of any step, after removing the temporary file.
  void commit();
  // Removes the temporary file without touching path().
  void discard();

 private:
  std::string path_, temp_, error_;
  std::FILE* f_ = nullptr;
  bool done_ = false;
};

}  // namespace stoxvp
