// Writes tar archives deterministically: entries in the order given, owner
// 0:0 without names, one fixed modification time, gzip (when asked) without
// a timestamp. Output goes to a sink function in chunks, so an archive of
// any size streams through fixed buffers.
#ifndef HPC_IMPORTER_ARCHIVE_TAR_WRITER_H_
#define HPC_IMPORTER_ARCHIVE_TAR_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct archive;

namespace hpc::archive {

enum class Compression { kNone, kGzip };

class TarWriter {
 public:
  using Sink = std::function<absl::Status(absl::string_view chunk)>;

  // `sink` receives the archive's bytes; it must outlive the writer.
  static absl::StatusOr<std::unique_ptr<TarWriter>> Open(
      Sink sink, Compression compression, absl::Time mtime);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  absl::Status AddDirectory(absl::string_view path, int mode = 0755);
  absl::Status AddFile(absl::string_view path, absl::string_view data,
                       int mode = 0644);
  // A symbolic link to `target`, written as it is.
  absl::Status AddSymlink(absl::string_view path, absl::string_view target);
  // A file whose `size` bytes follow in WriteData calls.
  absl::Status BeginFile(absl::string_view path, int64_t size, int mode = 0644);
  absl::Status WriteData(absl::string_view data);
  // Writes the end-of-archive blocks and flushes the compressor.
  absl::Status Close();

 private:
  TarWriter(Sink sink, absl::Time mtime)
      : sink_(std::move(sink)), mtime_(mtime) {}
  absl::Status Error(absl::string_view what) const;
  absl::Status WriteHeader(absl::string_view path, unsigned type, int64_t size,
                           int mode, absl::string_view link_target = {});
  static ssize_t WriteCallback(struct archive*, void* self, const void* buffer,
                               size_t length);

  Sink sink_;
  absl::Time mtime_;
  struct archive* archive_ = nullptr;
  absl::Status sink_status_;
  bool closed_ = false;
};

// Writes a whole archive into a string (for small archives built in memory).
class StringSink {
 public:
  TarWriter::Sink sink() {
    return [this](absl::string_view chunk) {
      data_.append(chunk.data(), chunk.size());
      return absl::OkStatus();
    };
  }
  std::string& data() { return data_; }

 private:
  std::string data_;
};

}  // namespace hpc::archive

#endif  // HPC_IMPORTER_ARCHIVE_TAR_WRITER_H_
