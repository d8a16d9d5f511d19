#include "plugin/store/writer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "importer/log/log.h"
#include "plugin/store/store.h"

namespace hpc::store {

Writer::Writer(Store& store, IngestPaths paths, std::string ref,
               std::unique_ptr<WritableFile> file, oci::Digester digester,
               int64_t offset, int64_t total, absl::Time started_at,
               absl::Time updated_at)
    : store_(store),
      paths_(std::move(paths)),
      ref_(std::move(ref)),
      file_(std::move(file)),
      digester_(std::move(digester)),
      offset_(offset),
      total_(total),
      started_at_(started_at),
      updated_at_(updated_at) {}

Writer::~Writer() {
  if (absl::Status s = Close(); !s.ok()) {
    log::Warn("closing ingest %s: %s", ref_, s.ToString());
  }
}

IngestStatus Writer::Status() const {
  IngestStatus status;
  status.ref = ref_;
  status.offset = offset_;
  status.total = total_;
  status.started_at = started_at_;
  status.updated_at = updated_at_;
  return status;
}

oci::Digest Writer::Digest() const { return digester_.Current(); }

absl::Status Writer::Write(absl::string_view data) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("write to ingest ", ref_, " after it was closed"));
  }
  if (data.empty()) return absl::OkStatus();
  size_t written = 0;
  absl::Status status = file_->WriteAt(offset_, data, &written);
  digester_.Update(data.substr(0, written));
  offset_ += static_cast<int64_t>(written);
  updated_at_ = absl::Now();
  return status;
}

absl::Status Writer::Truncate(int64_t size) {
  if (size != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ingest ", ref_, ": truncate to ", size, " unsupported; only to 0"));
  }
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("truncate of ingest ", ref_, " after it was closed"));
  }
  if (absl::Status s = file_->Truncate(0); !s.ok()) return s;
  digester_.Reset();
  offset_ = 0;
  updated_at_ = absl::Now();
  return absl::OkStatus();
}

absl::Status Writer::Commit(int64_t size, absl::string_view expected,
                            const Labels* labels) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("commit of ingest ", ref_, " after it was closed"));
  }
  // Whatever happens below, the writer ends here and the ref is released.
  struct ReleaseOnExit {
    Writer* w;
    ~ReleaseOnExit() { w->Release(false).IgnoreError(); }
  } release{this};

  if (labels != nullptr) {
    if (absl::Status s = ValidateLabels(*labels); !s.ok()) return s;
  }
  oci::Digest want;
  if (!expected.empty()) {
    auto parsed = oci::Digest::Parse(expected);
    if (!parsed.ok()) return parsed.status();
    want = *parsed;
  }

  if (absl::Status s = file_->Sync(); !s.ok()) return s;
  auto stat = file_->Stat();
  if (!stat.ok()) return stat.status();
  if (size > 0 && size != stat->size) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "unexpected commit size %d, expected %d", stat->size, size));
  }
  if (stat->size != offset_) {
    return absl::DataLossError(absl::StrFormat(
        "ingest %s: data file holds %d bytes but %d were written; something "
        "else changed it",
        ref_, stat->size, offset_));
  }
  oci::Digest actual = digester_.Current();
  if (!want.empty() && want != actual) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "unexpected commit digest %s, expected %s", actual.str(), want.str()));
  }

  FileSystem& fs = store_.fs_;
  const std::string target = store_.BlobPath(actual);
  if (fs.Stat(target).ok()) {
    file_->Close().IgnoreError();
    if (absl::Status s = RemoveAll(fs, paths_.dir); !s.ok()) {
      log::Warn("removing ingest %s of existing %s: %s", ref_, actual.str(),
                s.ToString());
    }
    return absl::AlreadyExistsError(
        absl::StrCat("content ", actual.str(), ": already exists"));
  }
  if (absl::Status s = file_->Close(); !s.ok()) return s;

  // Everything that describes the blob is settled before the rename makes it
  // visible: read-only mode, commit time, labels.
  absl::Time now = absl::Now();
  if (absl::Status s = fs.Chmod(paths_.data, 0444); !s.ok()) return s;
  if (absl::Status s = fs.SetTimes(paths_.data, now, now); !s.ok()) return s;
  const bool with_labels = labels != nullptr && !labels->empty();
  absl::Status labelled = with_labels ? store_.labels_.Set(actual, *labels)
                                      : store_.labels_.Remove(actual);
  absl::Status renamed =
      labelled.ok() ? fs.Rename(paths_.data, target) : labelled;
  if (!renamed.ok()) {
    // Leave the ingest as it was, so the client can resume or abort it.
    fs.Chmod(paths_.data, 0644).IgnoreError();
    if (with_labels) store_.labels_.Remove(actual).IgnoreError();
    return renamed;
  }
  absl::Status synced = fs.SyncDir(store_.blobs_dir_);
  if (absl::Status s = RemoveAll(fs, paths_.dir); !s.ok()) {
    log::Warn("removing committed ingest %s: %s", ref_, s.ToString());
  }
  if (!synced.ok()) {
    return absl::Status(
        synced.code(),
        absl::StrCat("commit of ", actual.str(),
                     " may not survive power loss: ", synced.message()));
  }
  return absl::OkStatus();
}

absl::Status Writer::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  return Release(true);
}

absl::Status Writer::Release(bool record_update) {
  absl::Status status;
  if (file_ != nullptr) {
    if (record_update) status = file_->Sync();
    absl::Status closed = file_->Close();
    if (status.ok()) status = closed;
    file_.reset();
    if (record_update) {
      absl::Status s = WriteFileAtomic(store_.fs_, paths_.updated_at,
                                       FormatTimestamp(updated_at_), 0644,
                                       Durability::kProcessCrash);
      if (status.ok() && !absl::IsNotFound(s)) status = s;
    }
  }
  store_.locks_.Unlock(ref_);
  return status;
}

}  // namespace hpc::store
