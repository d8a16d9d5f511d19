#include "importer/archive/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hpc::archive {

namespace {
constexpr size_t kBlockSize = 1 << 20;
}  // namespace

absl::StatusOr<std::string> CleanEntryPath(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("empty entry name");
  if (path[0] == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("entry \"", path, "\" has an absolute path"));
  }
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry \"", path, "\" climbs out of the archive with \"..\""));
    }
    parts.emplace_back(part);
  }
  return absl::StrJoin(parts, "/");
}

struct archive* ArchiveReader::NewArchive() {
  struct archive* a = archive_read_new();
  if (a == nullptr) return nullptr;
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_format_tar(a);
  return a;
}

absl::StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(
    const std::string& file, std::string name) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(std::move(name)));
  r->archive_ = NewArchive();
  if (r->archive_ == nullptr)
    return absl::ResourceExhaustedError("archive_read_new failed");
  if (archive_read_open_filename(r->archive_, file.c_str(), kBlockSize) !=
      ARCHIVE_OK) {
    return r->Error("cannot open it");
  }
  return r;
}

struct StreamCallbacks {
  static la_ssize_t Read(struct archive* a, void* data, const void** buffer) {
    auto* r = static_cast<ArchiveReader*>(data);
    auto n = r->read_(r->buffer_.data(), r->buffer_.size());
    if (!n.ok()) {
      if (r->read_error_.ok()) r->read_error_ = n.status();
      archive_set_error(a, EIO, "%s", std::string(n.status().message()).c_str());
      return -1;
    }
    *buffer = r->buffer_.data();
    return static_cast<la_ssize_t>(*n);
  }
};

absl::StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenStream(
    ReadFunction read, std::string name) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader(std::move(name)));
  r->read_ = std::move(read);
  r->buffer_.resize(kBlockSize);
  r->archive_ = NewArchive();
  if (r->archive_ == nullptr)
    return absl::ResourceExhaustedError("archive_read_new failed");
  if (archive_read_open(r->archive_, r.get(), nullptr, &StreamCallbacks::Read,
                        nullptr) != ARCHIVE_OK) {
    if (!r->read_error_.ok()) return r->read_error_;
    return r->Error("cannot open it");
  }
  return r;
}

ArchiveReader::~ArchiveReader() {
  if (archive_ != nullptr) archive_read_free(archive_);
}

absl::Status ArchiveReader::Error(const std::string& what) const {
  // A failing source is the cause, not the archive.
  if (!read_error_.ok()) return read_error_;
  const char* detail =
      archive_ != nullptr ? archive_error_string(archive_) : nullptr;
  std::string entry =
      current_.empty() ? "" : absl::StrCat(" (entry ", current_, ")");
  return absl::InvalidArgumentError(
      absl::StrCat(name_, entry, ": ", what, detail != nullptr ? ": " : "",
                   detail != nullptr ? detail : ""));
}

absl::StatusOr<std::optional<ArchiveEntry>> ArchiveReader::Next() {
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(archive_, &e);
  if (rc == ARCHIVE_EOF) return std::nullopt;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    return Error("not a readable tar archive, or truncated");
  }
  const char* raw = archive_entry_pathname(e);
  auto path = CleanEntryPath(raw != nullptr ? raw : "");
  if (!path.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(name_, ": ", path.status().message()));
  current_ = *path;
  ArchiveEntry entry;
  entry.path = *path;
  entry.size = archive_entry_size(e);
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      entry.type = archive_entry_hardlink(e) != nullptr
                       ? ArchiveEntry::Type::kHardlink
                       : ArchiveEntry::Type::kFile;
      break;
    case AE_IFDIR:
      entry.type = ArchiveEntry::Type::kDirectory;
      break;
    case AE_IFLNK:
      entry.type = ArchiveEntry::Type::kSymlink;
      break;
    default:
      entry.type = archive_entry_hardlink(e) != nullptr
                       ? ArchiveEntry::Type::kHardlink
                       : ArchiveEntry::Type::kOther;
  }
  if (const char* target = archive_entry_hardlink(e))
    entry.link_target = target;
  if (const char* target = archive_entry_symlink(e)) entry.link_target = target;
  if (entry.size < 0) return Error("negative entry size");
  entry.mode = static_cast<int>(archive_entry_perm(e)) |
               (static_cast<int>(archive_entry_mode(e)) & 07000);
  entry.uid = archive_entry_uid(e);
  entry.gid = archive_entry_gid(e);
  entry.mtime = archive_entry_mtime(e);
  return entry;
}

absl::StatusOr<size_t> ArchiveReader::Read(char* dst, size_t n) {
  la_ssize_t r = archive_read_data(archive_, dst, n);
  if (r < 0)
    return Error("reading data failed (truncated or corrupt archive?)");
  return static_cast<size_t>(r);
}

absl::StatusOr<std::string> ArchiveReader::ReadAll(size_t limit) {
  std::string data;
  char buffer[65536];
  while (true) {
    auto n = Read(buffer, sizeof(buffer));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    if (data.size() + *n > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": entry ", current_, " is larger than the ",
                       limit, " bytes expected of it"));
    }
    data.append(buffer, *n);
  }
  return data;
}

}  // namespace hpc::archive
