#include "tests/plugin/store/fault_file_system.h"

#include <cerrno>

namespace hpc::store::testing {

namespace {

FileSystem& Real() { return *DefaultFileSystem(); }

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultFileSystem& fs, std::string path,
                    std::unique_ptr<WritableFile> real)
      : fs_(fs), path_(std::move(path)), real_(std::move(real)) {}

  absl::Status WriteAt(int64_t offset, absl::string_view data,
                       size_t* written) override {
    Fault fault;
    if (fs_.Trigger(Op::kWrite, path_, &fault)) {
      size_t part = std::min(fault.short_write, data.size());
      size_t done = 0;
      if (part > 0) {
        absl::Status s = real_->WriteAt(offset, data.substr(0, part), &done);
        if (!s.ok()) {
          *written = done;
          return s;
        }
      }
      *written = done;
      return ErrnoStatus(fault.err, "write", path_);
    }
    return real_->WriteAt(offset, data, written);
  }
  absl::Status Truncate(int64_t size) override {
    Fault fault;
    if (fs_.Trigger(Op::kTruncate, path_, &fault)) {
      return ErrnoStatus(fault.err, "truncate", path_);
    }
    return real_->Truncate(size);
  }
  absl::Status Sync() override {
    Fault fault;
    if (fs_.Trigger(Op::kSync, path_, &fault)) {
      return ErrnoStatus(fault.err, "fsync", path_);
    }
    return real_->Sync();
  }
  absl::StatusOr<FileInfo> Stat() override { return real_->Stat(); }
  absl::Status Close() override { return real_->Close(); }

 private:
  FaultFileSystem& fs_;
  std::string path_;
  std::unique_ptr<WritableFile> real_;
};

}  // namespace

void FaultFileSystem::Inject(Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(fault));
}

void FaultFileSystem::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

bool FaultFileSystem::Trigger(Op op, const std::string& path, Fault* out) {
  if (!Match(op, path, out)) return false;
  if (out->stall_until == nullptr) return true;
  out->stall_until->WaitForNotification();
  return false;
}

bool FaultFileSystem::Match(Op op, const std::string& path, Fault* out) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->op != op) continue;
    if (!it->path_contains.empty() &&
        path.find(it->path_contains) == std::string::npos) {
      continue;
    }
    if (it->skip > 0) {
      --it->skip;
      return false;
    }
    *out = *it;
    if (it->times > 0 && --it->times == 0) faults_.erase(it);
    ++injected_;
    return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<WritableFile>> FaultFileSystem::OpenWritable(
    const std::string& path, mode_t mode) {
  Fault fault;
  if (Trigger(Op::kOpenWritable, path, &fault)) {
    return ErrnoStatus(fault.err, "open", path);
  }
  auto real = Real().OpenWritable(path, mode);
  if (!real.ok()) return real.status();
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(*this, path, std::move(*real)));
}

absl::StatusOr<std::unique_ptr<RandomAccessFile>> FaultFileSystem::OpenReadable(
    const std::string& path) {
  Fault fault;
  if (Trigger(Op::kOpenReadable, path, &fault)) {
    return ErrnoStatus(fault.err, "open", path);
  }
  return Real().OpenReadable(path);
}

absl::StatusOr<FileInfo> FaultFileSystem::Stat(const std::string& path) {
  return Real().Stat(path);
}

absl::StatusOr<std::vector<std::string>> FaultFileSystem::ListDir(
    const std::string& path) {
  return Real().ListDir(path);
}

absl::Status FaultFileSystem::MakeDir(const std::string& path, mode_t mode) {
  Fault fault;
  if (Trigger(Op::kMakeDir, path, &fault))
    return ErrnoStatus(fault.err, "mkdir", path);
  return Real().MakeDir(path, mode);
}

absl::Status FaultFileSystem::Rename(const std::string& from,
                                     const std::string& to) {
  Fault fault;
  if (Trigger(Op::kRename, to, &fault))
    return ErrnoStatus(fault.err, "rename", from);
  return Real().Rename(from, to);
}

absl::Status FaultFileSystem::Remove(const std::string& path) {
  Fault fault;
  if (Trigger(Op::kRemove, path, &fault))
    return ErrnoStatus(fault.err, "remove", path);
  return Real().Remove(path);
}

absl::Status FaultFileSystem::SyncDir(const std::string& path) {
  Fault fault;
  if (Trigger(Op::kSyncDir, path, &fault)) {
    return ErrnoStatus(fault.err, "fsync directory", path);
  }
  return Real().SyncDir(path);
}

absl::Status FaultFileSystem::SetTimes(const std::string& path,
                                       absl::Time accessed,
                                       absl::Time modified) {
  Fault fault;
  if (Trigger(Op::kSetTimes, path, &fault)) {
    return ErrnoStatus(fault.err, "set times of", path);
  }
  return Real().SetTimes(path, accessed, modified);
}

absl::Status FaultFileSystem::Chmod(const std::string& path, mode_t mode) {
  Fault fault;
  if (Trigger(Op::kChmod, path, &fault))
    return ErrnoStatus(fault.err, "chmod", path);
  return Real().Chmod(path, mode);
}

}  // namespace hpc::store::testing
