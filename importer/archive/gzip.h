// Deterministic gzip: no file name, no timestamp in the header, so the same
// input always gives the same bytes.
#ifndef HPC_IMPORTER_ARCHIVE_GZIP_H_
#define HPC_IMPORTER_ARCHIVE_GZIP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

struct z_stream_s;

namespace hpc::archive {

absl::Status GzipBytes(absl::string_view input, std::string* output);

// Gzip as a stream: Write() compresses, the compressed bytes go to `sink`
// in chunks; Close() finishes the stream.
class GzipWriter {
 public:
  using Sink = std::function<absl::Status(absl::string_view chunk)>;
  explicit GzipWriter(Sink sink);
  ~GzipWriter();
  GzipWriter(const GzipWriter&) = delete;
  GzipWriter& operator=(const GzipWriter&) = delete;

  absl::Status Write(absl::string_view data);
  absl::Status Close();

 private:
  absl::Status Deflate(absl::string_view data, int flush);

  Sink sink_;
  std::unique_ptr<z_stream_s> stream_;
  bool initialised_ = false;
  bool closed_ = false;
};

}  // namespace hpc::archive

#endif  // HPC_IMPORTER_ARCHIVE_GZIP_H_
