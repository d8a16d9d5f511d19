#include "importer/archive/gzip.h"

#include <archive.h>
#include <archive_entry.h>

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

}  // namespace hpc::archive
