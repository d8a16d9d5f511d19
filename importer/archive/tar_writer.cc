#include "importer/archive/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include "absl/strings/str_cat.h"

namespace hpc::archive {

absl::StatusOr<std::unique_ptr<TarWriter>> TarWriter::Open(
    Sink sink, Compression compression, absl::Time mtime) {
  std::unique_ptr<TarWriter> w(new TarWriter(std::move(sink), mtime));
  w->archive_ = archive_write_new();
  if (w->archive_ == nullptr)
    return absl::ResourceExhaustedError("archive_write_new failed");
  if (archive_write_set_format_pax_restricted(w->archive_) != ARCHIVE_OK) {
    return w->Error("setting tar format");
  }
  if (compression == Compression::kGzip) {
    if (archive_write_add_filter_gzip(w->archive_) != ARCHIVE_OK ||
        archive_write_set_filter_option(w->archive_, "gzip", "timestamp",
                                        nullptr) != ARCHIVE_OK) {
      return w->Error("setting gzip without timestamp");
    }
  }
  if (archive_write_open2(w->archive_, w.get(), nullptr,
                          &TarWriter::WriteCallback, nullptr,
                          nullptr) != ARCHIVE_OK) {
    return w->Error("opening archive");
  }
  return w;
}

TarWriter::~TarWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
}

ssize_t TarWriter::WriteCallback(struct archive*, void* self,
                                 const void* buffer, size_t length) {
  auto* w = static_cast<TarWriter*>(self);
  absl::Status s =
      w->sink_(absl::string_view(static_cast<const char*>(buffer), length));
  if (!s.ok()) {
    w->sink_status_ = s;
    return -1;
  }
  return static_cast<ssize_t>(length);
}

absl::Status TarWriter::Error(absl::string_view what) const {
  if (!sink_status_.ok()) return sink_status_;
  const char* message =
      archive_ != nullptr ? archive_error_string(archive_) : nullptr;
  return absl::InternalError(
      absl::StrCat("writing tar: ", what, ": ",
                   message != nullptr ? message : "unknown error"));
}

absl::Status TarWriter::WriteHeader(absl::string_view path, unsigned type,
                                    int64_t size, int mode,
                                    absl::string_view link_target) {
  struct archive_entry* entry = archive_entry_new();
  archive_entry_copy_pathname(entry, std::string(path).c_str());
  if (type == AE_IFLNK) {
    archive_entry_copy_symlink(entry, std::string(link_target).c_str());
  }
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, static_cast<mode_t>(mode));
  archive_entry_set_size(entry, size);
  archive_entry_set_uid(entry, 0);
  archive_entry_set_gid(entry, 0);
  archive_entry_set_mtime(entry, absl::ToUnixSeconds(mtime_), 0);
  int rc = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (rc != ARCHIVE_OK) return Error(absl::StrCat("header of ", path));
  return absl::OkStatus();
}

absl::Status TarWriter::BeginFile(absl::string_view path, int64_t size,
                                  int mode) {
  return WriteHeader(path, AE_IFREG, size, mode);
}

absl::Status TarWriter::WriteData(absl::string_view data) {
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(archive_, data.data(), data.size());
    if (n <= 0) return Error("data");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status TarWriter::AddFile(absl::string_view path, absl::string_view data,
                                int mode) {
  if (absl::Status s = BeginFile(path, static_cast<int64_t>(data.size()), mode);
      !s.ok()) {
    return s;
  }
  return WriteData(data);
}

absl::Status TarWriter::AddSymlink(absl::string_view path,
                                   absl::string_view target) {
  return WriteHeader(path, AE_IFLNK, 0, 0777, target);
}

absl::Status TarWriter::AddDirectory(absl::string_view path, int mode) {
  return WriteHeader(path, AE_IFDIR, 0, mode);
}

absl::Status TarWriter::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  if (archive_write_close(archive_) != ARCHIVE_OK) return Error("closing");
  return sink_status_;
}

}  // namespace hpc::archive
