#include "output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace stoxvp {

output_file::output_file(std::string path, const std::string& suffix) : path_(std::move(path)) {
  if (path_.empty()) throw output_error("output file: empty path");
  // Hidden only by its name's suffix: a stale temporary after a crash is easy to recognise.
  std::string pattern = path_ + ".tmp-XXXXXX" + suffix;
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) throw output_error(path_ + ": cannot create a temporary file next to it: " + std::strerror(errno));
  temp_ = name.data();
  // mkstemp creates 0600; an output is an ordinary file, as a plain fopen would have made it.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  f_ = ::fdopen(fd, "wb");
  if (f_ == nullptr) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp_.c_str());
    throw output_error(path_ + ": cannot open a temporary file next to it: " + std::strerror(e));
  }
}

output_file::~output_file() { discard(); }

void output_file::fail(const std::string& reason) {
  if (error_.empty()) error_ = reason;
}

void output_file::write(const void* data, size_t len) {
  if (done_ || !error_.empty() || len == 0) return;
  if (std::fwrite(data, 1, len, f_) != len) fail(std::string("write error: ") + std::strerror(errno));
}

void output_file::printf(const char* fmt, ...) {
  if (done_ || !error_.empty()) return;
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vfprintf(f_, fmt, ap);
  va_end(ap);
  if (n < 0) fail(std::string("write error: ") + std::strerror(errno));
}

void output_file::commit() {
  if (done_) throw output_error(path_ + ": the output file was already closed");
  done_ = true;
  std::string err = error_;
  if (err.empty() && (std::fflush(f_) != 0 || std::ferror(f_)))
    err = std::string("write error: ") + std::strerror(errno);
  // fsync reports write-back failures (full disk on file systems that allocate late).
  if (err.empty() && ::fsync(::fileno(f_)) != 0 && errno != EINVAL && errno != EROFS)
    err = std::string("write error: ") + std::strerror(errno);
  const int closed = std::fclose(f_);
  f_ = nullptr;
  if (err.empty() && closed != 0) err = std::string("close failed: ") + std::strerror(errno);
  if (err.empty() && std::rename(temp_.c_str(), path_.c_str()) != 0)
    err = std::string("cannot rename ") + temp_ + " into place: " + std::strerror(errno);
  if (!err.empty()) {
    ::unlink(temp_.c_str());
    throw output_error(path_ + ": " + err + " (the file was not written)");
  }
}

void output_file::discard() {
  if (f_ != nullptr) {
    std::fclose(f_);
    f_ = nullptr;
  }
  if (!done_) ::unlink(temp_.c_str());
  done_ = true;
}

}  // namespace stoxvp
