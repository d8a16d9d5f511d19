#include "importer/archive/gzip.h"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace hpc::archive {

namespace {
la_ssize_t Append(struct archive*, void* out, const void* buffer,
                  size_t length) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer),
                                         length);
  return static_cast<la_ssize_t>(length);
}
}  // namespace

absl::Status GzipBytes(absl::string_view input, std::string* output) {
  output->clear();
  struct archive* a = archive_write_new();
  if (a == nullptr)
    return absl::ResourceExhaustedError("archive_write_new failed");
  struct archive_entry* entry = archive_entry_new();
  // The raw format writes one entry's data with no container around it.
  bool ok = archive_write_set_format_raw(a) == ARCHIVE_OK &&
            archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
            archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) ==
                ARCHIVE_OK &&
            archive_write_set_bytes_per_block(a, 0) == ARCHIVE_OK &&
            archive_write_open2(a, output, nullptr, Append, nullptr, nullptr) ==
                ARCHIVE_OK;
  if (ok) {
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_size(entry, static_cast<la_int64_t>(input.size()));
    ok = archive_write_header(a, entry) == ARCHIVE_OK &&
         archive_write_data(a, input.data(), input.size()) ==
             static_cast<la_ssize_t>(input.size()) &&
         archive_write_close(a) == ARCHIVE_OK;
  }
  std::string error =
      ok ? "" : (archive_error_string(a) ? archive_error_string(a) : "unknown");
  archive_entry_free(entry);
  archive_write_free(a);
  if (!ok) return absl::InternalError(absl::StrCat("gzip: ", error));
  return absl::OkStatus();
}

GzipWriter::GzipWriter(Sink sink)
    : sink_(std::move(sink)), stream_(std::make_unique<z_stream_s>()) {
  *stream_ = z_stream_s{};
  // 15 window bits + 16: a gzip header, written by zlib with no name and a
  // zero timestamp, so equal input gives equal output.
  initialised_ = deflateInit2(stream_.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                              15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipWriter::~GzipWriter() {
  if (initialised_) deflateEnd(stream_.get());
}

absl::Status GzipWriter::Deflate(absl::string_view data, int flush) {
  if (!initialised_) return absl::ResourceExhaustedError("gzip: zlib failed");
  if (closed_) return absl::FailedPreconditionError("gzip: stream closed");
  stream_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream_->avail_in = static_cast<uInt>(data.size());
  char buffer[64 << 10];
  int result;
  do {
    stream_->next_out = reinterpret_cast<Bytef*>(buffer);
    stream_->avail_out = sizeof(buffer);
    result = deflate(stream_.get(), flush);
    if (result == Z_STREAM_ERROR) return absl::InternalError("gzip: deflate");
    size_t produced = sizeof(buffer) - stream_->avail_out;
    if (produced > 0) {
      if (absl::Status s = sink_(absl::string_view(buffer, produced)); !s.ok())
        return s;
    }
  } while (stream_->avail_out == 0 ||
           (flush == Z_FINISH && result != Z_STREAM_END));
  return absl::OkStatus();
}

absl::Status GzipWriter::Write(absl::string_view data) {
  // zlib takes at most 4 GiB at a time.
  while (!data.empty()) {
    absl::string_view part = data.substr(0, 1u << 30);
    if (absl::Status s = Deflate(part, Z_NO_FLUSH); !s.ok()) return s;
    data.remove_prefix(part.size());
  }
  return absl::OkStatus();
}

absl::Status GzipWriter::Close() {
  absl::Status s = Deflate(absl::string_view(), Z_FINISH);
  closed_ = true;
  return s;
}

}  // namespace hpc::archive
