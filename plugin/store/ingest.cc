#include "plugin/store/ingest.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "importer/oci/digester.h"

namespace hpc::store {

namespace {
constexpr size_t kMetadataFileLimit = kMaxRefLength;
constexpr mode_t kFileMode = 0644;
// Ingest metadata only has to survive a crash of the plugin: after power loss
// a damaged ingest is started afresh, and commit verifies every byte anyway.
}  // namespace

IngestPaths IngestPaths::ForRef(const std::string& ingest_root,
                                absl::string_view ref) {
  oci::Digest key = oci::Digester::Of(ref);
  return ForDir(absl::StrCat(ingest_root, "/", key.hex()));
}

IngestPaths IngestPaths::ForDir(std::string dir) {
  IngestPaths p;
  p.ref = absl::StrCat(dir, "/ref");
  p.data = absl::StrCat(dir, "/data");
  p.started_at = absl::StrCat(dir, "/startedat");
  p.updated_at = absl::StrCat(dir, "/updatedat");
  p.total = absl::StrCat(dir, "/total");
  p.dir = std::move(dir);
  return p;
}

std::string FormatTimestamp(absl::Time t) {
  // %E*S drops trailing zeros of the fraction, as Go's RFC3339Nano does.
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text) {
  std::string input(absl::StripAsciiWhitespace(text));
  absl::Time t;
  std::string err;
  // Go writes "Z" for UTC and "+hh:mm" otherwise.
  if (absl::EndsWith(input, "Z")) {
    input.back() = '+';
    input += "00:00";
  }
  if (!absl::ParseTime(absl::RFC3339_full, input, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp \"", text, "\": ", err));
  }
  return t;
}

absl::StatusOr<IngestStatus> ReadIngestStatus(FileSystem& fs,
                                              const IngestPaths& paths) {
  // Files are opened without following links, but a linked directory on
  // the way would be followed: check the ingest's own directory first.
  auto dir = fs.Stat(paths.dir);
  if (!dir.ok()) return dir.status();
  if (!dir->is_directory()) {
    return absl::FailedPreconditionError(absl::StrCat(
        paths.dir, " is not a directory; the store does not follow links"));
  }
  auto data = fs.Stat(paths.data);
  if (!data.ok()) return data.status();
  if (!data->is_regular()) {
    return absl::FailedPreconditionError(
        absl::StrCat(paths.data, " is not a regular file"));
  }
  auto ref = ReadSmallFile(fs, paths.ref, kMetadataFileLimit);
  if (!ref.ok()) return ref.status();

  IngestStatus status;
  status.ref = std::move(*ref);
  status.offset = data->size;

  auto started = ReadSmallFile(fs, paths.started_at, kMetadataFileLimit);
  if (!started.ok()) return started.status();
  auto started_at = ParseTimestamp(*started);
  if (!started_at.ok()) return started_at.status();
  status.started_at = *started_at;

  auto updated = ReadSmallFile(fs, paths.updated_at, kMetadataFileLimit);
  if (!updated.ok()) return updated.status();
  auto updated_at = ParseTimestamp(*updated);
  if (!updated_at.ok()) return updated_at.status();
  // updatedat is written only when a writer closes; data's mtime is newer
  // while one is active.
  status.updated_at = std::max(*updated_at, data->modified);

  auto total = ReadSmallFile(fs, paths.total, kMetadataFileLimit);
  if (total.ok()) {
    int64_t value = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(*total), &value) &&
        value > 0) {
      status.total = value;
    }
  } else if (!absl::IsNotFound(total.status())) {
    return total.status();
  }
  return status;
}

absl::Status WriteIngestMetadata(FileSystem& fs, const IngestPaths& paths,
                                 absl::string_view ref, int64_t total,
                                 absl::Time started_at) {
  if (absl::Status s = WriteFileAtomic(fs, paths.ref, ref, kFileMode,
                                       Durability::kProcessCrash);
      !s.ok()) {
    return s;
  }
  std::string when = FormatTimestamp(started_at);
  if (absl::Status s = WriteFileAtomic(fs, paths.started_at, when, kFileMode,
                                       Durability::kProcessCrash);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomic(fs, paths.updated_at, when, kFileMode,
                                       Durability::kProcessCrash);
      !s.ok()) {
    return s;
  }
  if (total > 0) {
    return WriteFileAtomic(fs, paths.total, absl::StrCat(total), kFileMode,
                           Durability::kProcessCrash);
  }
  absl::Status s = fs.Remove(paths.total);
  return absl::IsNotFound(s) ? absl::OkStatus() : s;
}

}  // namespace hpc::store
