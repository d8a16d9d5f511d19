#include "plugin/store/store.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "importer/log/log.h"
#include "plugin/store/filter.h"
#include "plugin/store/ingest.h"

namespace hpc::store {

namespace {

constexpr size_t kRehashBuffer = 1 << 20;

absl::Status NotFoundContent(const oci::Digest& digest) {
  return absl::NotFoundError(
      absl::StrCat("content ", digest.str(), ": not found"));
}

absl::Status NotFoundIngest(absl::string_view ref) {
  return absl::NotFoundError(
      absl::StrCat("ingest ref \"", ref, "\": not found"));
}

// The fields containerd's content filters look at.
std::optional<std::string> InfoField(const BlobInfo& info,
                                     const std::vector<std::string>& path) {
  if (path.empty()) return std::nullopt;
  if (path[0] == "digest") return info.digest.str();
  if (path[0] == "size") return absl::StrCat(info.size);
  if (path[0] == "labels" && path.size() > 1) {
    auto it =
        info.labels.find(absl::StrJoin(path.begin() + 1, path.end(), "."));
    if (it != info.labels.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<std::string> StatusField(const IngestStatus& status,
                                       const std::vector<std::string>& path) {
  if (!path.empty() && path[0] == "ref") return status.ref;
  return std::nullopt;
}

}  // namespace

Store::Store(std::string root, FileSystem& fs, size_t open_blobs)
    : root_(std::move(root)),
      blobs_dir_(absl::StrCat(root_, "/blobs/sha256")),
      ingest_dir_(absl::StrCat(root_, "/ingest")),
      fs_(fs),
      labels_(fs, absl::StrCat(root_, "/labels")),
      readers_(open_blobs) {}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& root,
                                                   StoreOptions options) {
  auto absolute = AbsolutePath(root, "store root");
  if (!absolute.ok()) return absolute.status();
  const std::string& clean = *absolute;
  FileSystem& fs = options.fs != nullptr ? *options.fs : *DefaultFileSystem();
  std::unique_ptr<Store> store(new Store(clean, fs, options.open_blobs));
  if (absl::Status s = store->Init(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("opening content store at ",
                                               clean, ": ", s.message()));
  }
  return store;
}

absl::Status Store::Init() {
  if (absl::Status s = MakeDirs(fs_, root_, 0700); !s.ok()) return s;
  if (absl::Status s = fs_.Chmod(root_, 0700); !s.ok()) return s;
  if (absl::Status s = MakeDirs(fs_, blobs_dir_, 0755); !s.ok()) return s;
  if (absl::Status s = MakeDirs(fs_, ingest_dir_, 0700); !s.ok()) return s;
  if (absl::Status s = labels_.Init(); !s.ok()) return s;

  // An ingest whose data or ref file never got written cannot be listed,
  // resumed or aborted by ref: remove it. Temporaries of metadata writes
  // interrupted by a crash go too.
  auto names = fs_.ListDir(ingest_dir_);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    IngestPaths paths =
        IngestPaths::ForDir(absl::StrCat(ingest_dir_, "/", name));
    auto info = fs_.Stat(paths.dir);
    if (!info.ok() || !info->is_directory()) continue;
    if (!fs_.Stat(paths.data).ok() || !fs_.Stat(paths.ref).ok()) {
      log::Warn("removing incomplete ingest %s", paths.dir);
      if (absl::Status s = RemoveAll(fs_, paths.dir); !s.ok()) return s;
      continue;
    }
    auto files = fs_.ListDir(paths.dir);
    if (!files.ok()) return files.status();
    for (const std::string& file : *files) {
      if (absl::EndsWith(file, ".tmp")) {
        fs_.Remove(absl::StrCat(paths.dir, "/", file)).IgnoreError();
      }
    }
  }
  return absl::OkStatus();
}

std::string Store::BlobPath(const oci::Digest& digest) const {
  return absl::StrCat(blobs_dir_, "/", digest.hex());
}

absl::StatusOr<FileInfo> Store::StatBlob(const oci::Digest& digest) {
  auto info = fs_.Stat(BlobPath(digest));
  if (!info.ok()) {
    if (absl::IsNotFound(info.status())) return NotFoundContent(digest);
    return info.status();
  }
  if (!info->is_regular()) {
    return absl::FailedPreconditionError(
        absl::StrCat("content ", digest.str(), ": ", BlobPath(digest),
                     " is not a regular file; the store never follows links"));
  }
  return info;
}

absl::StatusOr<BlobInfo> Store::Info(absl::string_view digest) {
  auto parsed = oci::Digest::Parse(digest);
  if (!parsed.ok()) return parsed.status();
  auto file = StatBlob(*parsed);
  if (!file.ok()) return file.status();
  auto labels = labels_.Get(*parsed);
  if (!labels.ok()) return labels.status();
  return BlobInfo{*parsed, file->size, file->modified, file->accessed,
                  std::move(*labels)};
}

absl::StatusOr<BlobInfo> Store::Update(
    absl::string_view digest, const Labels& labels,
    const std::vector<std::string>& fieldpaths) {
  auto info = Info(digest);
  if (!info.ok()) return info.status();

  Labels result = info->labels;
  bool replace_all = fieldpaths.empty();
  for (const std::string& path : fieldpaths) {
    if (path == "labels") {
      replace_all = true;
    } else if (absl::StartsWith(path, "labels.")) {
      std::string key = path.substr(7);
      auto it = labels.find(key);
      if (it == labels.end() || it->second.empty()) {
        result.erase(key);
      } else {
        result[key] = it->second;
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot update \"", path, "\" field on content info ",
                       digest, "; only labels and labels.<key> can change"));
    }
  }
  if (replace_all) {
    result.clear();
    for (const auto& [key, value] : labels) {
      if (!value.empty()) result[key] = value;
    }
  }
  if (absl::Status s = ValidateLabels(result); !s.ok()) return s;
  if (absl::Status s = labels_.Set(info->digest, result); !s.ok()) return s;

  info->labels = std::move(result);
  info->updated_at = absl::Now();
  if (absl::Status s = fs_.SetTimes(BlobPath(info->digest), info->updated_at,
                                    info->created_at);
      !s.ok()) {
    log::Warn("recording update time of %s: %s", info->digest.str(),
              s.ToString());
  }
  return info;
}

absl::Status Store::Walk(const std::vector<std::string>& filters,
                         absl::FunctionRef<absl::Status(const BlobInfo&)> fn) {
  auto filter = Filter::ParseAny(filters);
  if (!filter.ok()) return filter.status();
  auto names = fs_.ListDir(blobs_dir_);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    auto digest = oci::Digest::FromHex(name);
    if (!digest.ok()) {
      log::Debug("skipping %s/%s: not a blob name", blobs_dir_, name);
      continue;
    }
    auto file = fs_.Stat(BlobPath(*digest));
    if (!file.ok() || !file->is_regular()) continue;  // deleted meanwhile
    auto labels = labels_.Get(*digest);
    if (!labels.ok()) {
      log::Warn("listing %s without labels: %s", digest->str(),
                labels.status().ToString());
      labels = Labels();
    }
    BlobInfo info{*digest, file->size, file->modified, file->accessed,
                  std::move(*labels)};
    if (!filter->Match([&](const std::vector<std::string>& path) {
          return InfoField(info, path);
        })) {
      continue;
    }
    if (absl::Status s = fn(info); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Store::Delete(absl::string_view digest) {
  auto parsed = oci::Digest::Parse(digest);
  if (!parsed.ok()) return parsed.status();
  auto file = StatBlob(*parsed);
  if (!file.ok()) return file.status();
  readers_.Erase(parsed->str());
  // Labels go first: a crash in between leaves a blob without labels, never
  // labels that a later blob of the same digest would inherit.
  if (absl::Status s = labels_.Remove(*parsed); !s.ok()) return s;
  absl::Status s = fs_.Remove(BlobPath(*parsed));
  if (absl::IsNotFound(s)) return NotFoundContent(*parsed);
  return s;
}

absl::StatusOr<std::shared_ptr<const BlobReader>> Store::ReaderAt(
    absl::string_view digest) {
  auto parsed = oci::Digest::Parse(digest);
  if (!parsed.ok()) return parsed.status();
  if (auto cached = readers_.Find(parsed->str())) return cached;
  auto file = fs_.OpenReadable(BlobPath(*parsed));
  if (!file.ok()) {
    if (absl::IsNotFound(file.status())) return NotFoundContent(*parsed);
    return file.status();
  }
  auto info = (*file)->Stat();
  if (!info.ok()) return info.status();
  if (!info->is_regular()) {
    return absl::FailedPreconditionError(
        absl::StrCat("content ", parsed->str(), ": ", BlobPath(*parsed),
                     " is not a regular file"));
  }
  auto reader =
      std::make_shared<const BlobReader>(std::move(*file), info->size);
  readers_.Insert(parsed->str(), reader);
  return reader;
}

absl::StatusOr<IngestStatus> Store::Status(absl::string_view ref) {
  if (absl::Status s = ValidateRef(ref); !s.ok()) return s;
  auto status = ReadIngestStatus(fs_, IngestPaths::ForRef(ingest_dir_, ref));
  if (!status.ok()) {
    if (absl::IsNotFound(status.status())) return NotFoundIngest(ref);
    return status.status();
  }
  if (status->ref != ref) {
    return absl::DataLossError(
        absl::StrCat("ingest for ref \"", ref, "\" records ref \"", status->ref,
                     "\"; the ingest directory is damaged, abort it"));
  }
  return status;
}

absl::StatusOr<std::vector<IngestStatus>> Store::ListStatuses(
    const std::vector<std::string>& filters) {
  auto filter = Filter::ParseAny(filters);
  if (!filter.ok()) return filter.status();
  auto names = fs_.ListDir(ingest_dir_);
  if (!names.ok()) return names.status();
  std::vector<IngestStatus> result;
  for (const std::string& name : *names) {
    IngestPaths paths =
        IngestPaths::ForDir(absl::StrCat(ingest_dir_, "/", name));
    auto status = ReadIngestStatus(fs_, paths);
    if (!status.ok()) {
      // Committed or aborted while listing, or damaged: not an active ingest.
      if (!absl::IsNotFound(status.status())) {
        log::Warn("skipping ingest %s: %s", paths.dir,
                  status.status().ToString());
      }
      continue;
    }
    if (filter->Match([&](const std::vector<std::string>& path) {
          return StatusField(*status, path);
        })) {
      result.push_back(std::move(*status));
    }
  }
  return result;
}

absl::StatusOr<std::unique_ptr<Writer>> Store::OpenWriter(
    absl::string_view ref, int64_t total, absl::string_view expected,
    absl::Duration lock_wait) {
  if (absl::Status s = ValidateRef(ref); !s.ok()) return s;
  if (total < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ingest ", ref, ": negative total ", total));
  }
  std::optional<oci::Digest> want;
  if (!expected.empty()) {
    auto parsed = oci::Digest::Parse(expected);
    if (!parsed.ok()) return parsed.status();
    want = *parsed;
  }
  if (absl::Status s = locks_.Lock(ref, lock_wait); !s.ok()) return s;
  if (want.has_value() && StatBlob(*want).ok()) {
    locks_.Unlock(ref);
    return absl::AlreadyExistsError(
        absl::StrCat("content ", want->str(), ": already exists"));
  }
  auto writer = ResumeOrCreate(ref, total);
  if (!writer.ok()) locks_.Unlock(ref);
  return writer;
}

absl::StatusOr<std::unique_ptr<Writer>> Store::ResumeOrCreate(
    absl::string_view ref, int64_t total) {
  IngestPaths paths = IngestPaths::ForRef(ingest_dir_, ref);
  oci::Digester digester;
  absl::Status made = fs_.MakeDir(paths.dir, 0700);
  if (absl::IsAlreadyExists(made)) {
    // Something other than a directory (a link planted there, say) is
    // removed, never followed; the ingest starts afresh.
    auto info = fs_.Stat(paths.dir);
    if (info.ok() && !info->is_directory()) {
      log::Warn("ingest %s: %s is not a directory; replacing it", ref,
                paths.dir);
      if (absl::Status s = fs_.Remove(paths.dir); !s.ok()) return s;
      made = fs_.MakeDir(paths.dir, 0700);
    }
  }
  if (!made.ok() && !absl::IsAlreadyExists(made)) return made;
  if (!made.ok()) {
    auto resumed = Resume(paths, ref, total, digester);
    if (resumed.ok()) {
      auto file = fs_.OpenWritable(paths.data, 0644);
      if (!file.ok()) return file.status();
      return std::unique_ptr<Writer>(
          new Writer(*this, paths, std::string(ref), std::move(*file),
                     std::move(digester), resumed->offset, resumed->total,
                     resumed->started_at, resumed->updated_at));
    }
    log::Info("ingest %s cannot be resumed (%s); starting it afresh", ref,
              resumed.status().ToString());
    digester.Reset();
  }
  absl::Time now = absl::Now();
  if (absl::Status s = WriteIngestMetadata(fs_, paths, ref, total, now);
      !s.ok()) {
    return s;
  }
  auto file = fs_.OpenWritable(paths.data, 0644);
  if (!file.ok()) return file.status();
  if (absl::Status s = (*file)->Truncate(0); !s.ok()) return s;
  return std::unique_ptr<Writer>(
      new Writer(*this, paths, std::string(ref), std::move(*file),
                 std::move(digester), 0, total, now, now));
}

absl::StatusOr<IngestStatus> Store::Resume(const IngestPaths& paths,
                                           absl::string_view ref, int64_t total,
                                           oci::Digester& digester) {
  auto status = ReadIngestStatus(fs_, paths);
  if (!status.ok()) return status.status();
  if (status->ref != ref) {
    return absl::DataLossError(
        absl::StrCat("ingest records ref \"", status->ref, "\""));
  }
  if (total > 0 && status->total > 0 && total != status->total) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected total ", total, " differs from the ingest's ",
                     status->total));
  }
  if (total > 0 && status->total == 0) status->total = total;
  // The running digest is not stored: hash what is on disk again.
  auto file = fs_.OpenReadable(paths.data);
  if (!file.ok()) return file.status();
  std::string buffer(kRehashBuffer, '\0');
  int64_t offset = 0;
  while (true) {
    auto n = (*file)->ReadAt(offset, buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    digester.Update(absl::string_view(buffer.data(), *n));
    offset += static_cast<int64_t>(*n);
  }
  status->offset = offset;
  return status;
}

absl::Status Store::Abort(absl::string_view ref) {
  if (absl::Status s = ValidateRef(ref); !s.ok()) return s;
  IngestPaths paths = IngestPaths::ForRef(ingest_dir_, ref);
  auto info = fs_.Stat(paths.dir);
  if (!info.ok()) {
    if (absl::IsNotFound(info.status())) return NotFoundIngest(ref);
    return info.status();
  }
  return RemoveAll(fs_, paths.dir);
}

}  // namespace hpc::store
