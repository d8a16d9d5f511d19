#include "importer/rootfs/layer_apply.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "importer/oci/digester.h"

namespace hpc::rootfs {
namespace {

constexpr size_t kBuffer = 1 << 20;
constexpr char kWhiteoutPrefix[] = ".wh.";
constexpr char kOpaque[] = ".wh..wh..opq";

class Applier {
 public:
  Applier(const RootDir& root, archive::ArchiveReader& layer,
          const std::string& name, const ApplyOptions& options)
      : root_(root), layer_(layer), name_(name), options_(options) {}

  absl::StatusOr<ApplyStats> Run() {
    buffer_.resize(kBuffer);
    for (;;) {
      if (options_.cancelled && options_.cancelled()) {
        return absl::CancelledError(absl::StrCat(name_, ": interrupted"));
      }
      auto entry = layer_.Next();
      if (!entry.ok()) return entry.status();
      if (!*entry) break;
      if (++stats_.entries > options_.limits.max_entries) {
        return absl::InvalidArgumentError(absl::StrCat(
            name_, ": more than ", options_.limits.max_entries, " entries"));
      }
      if (absl::Status s = Apply(**entry); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat(name_, ": entry \"",
                                                   (*entry)->path,
                                                   "\": ", s.message()));
      }
    }
    return stats_;
  }

 private:
  absl::Status Errno(absl::string_view what) const {
    return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
  }

  absl::Status Apply(const archive::ArchiveEntry& e) {
    if (e.path.empty()) return absl::OkStatus();  // the root itself: kept
    const size_t slash = e.path.rfind('/');
    const std::string base =
        slash == std::string::npos ? e.path : e.path.substr(slash + 1);
    if (absl::StartsWith(base, kWhiteoutPrefix)) return Whiteout(e, base);
    if (e.type == archive::ArchiveEntry::Type::kOther) {
      ++stats_.skipped;
      return absl::OkStatus();
    }
    auto parent = root_.Parent(e.path, /*create=*/true);
    if (!parent.ok()) return parent.status();
    const int dir = parent->fd.get();
    const char* name = parent->name.c_str();
    if (parent->name.empty() || parent->name == "..") {
      return absl::InvalidArgumentError("not a name in a directory");
    }
    written_.insert(e.path);
    struct stat st;
    const bool exists = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    switch (e.type) {
      case archive::ArchiveEntry::Type::kDirectory:
        if (exists && S_ISDIR(st.st_mode)) {
          // Kept, with what the lower layers put in it; mode and owner as
          // this layer says.
        } else {
          if (exists) {
            if (absl::Status s = RemoveAllAt(dir, parent->name); !s.ok())
              return s;
          }
          if (mkdirat(dir, name, 0700) != 0) return Errno("make directory");
        }
        return Attributes(dir, name, e, /*times=*/false);
      case archive::ArchiveEntry::Type::kFile: {
        if (exists) {
          if (absl::Status s = RemoveAllAt(dir, parent->name); !s.ok())
            return s;
        }
        int fd = openat(dir, name,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0600);
        if (fd < 0) return Errno("create");
        UniqueFd file(fd);
        if (absl::Status s = CopyData(fd, e); !s.ok()) return s;
        return Attributes(dir, name, e, /*times=*/true);
      }
      case archive::ArchiveEntry::Type::kSymlink:
        if (exists) {
          if (absl::Status s = RemoveAllAt(dir, parent->name); !s.ok())
            return s;
        }
        if (symlinkat(e.link_target.c_str(), dir, name) != 0)
          return Errno("make symbolic link");
        return Attributes(dir, name, e, /*times=*/true);
      case archive::ArchiveEntry::Type::kHardlink: {
        auto target_path = archive::CleanEntryPath(e.link_target);
        if (!target_path.ok()) return target_path.status();
        auto target = root_.Parent(*target_path, /*create=*/false);
        if (!target.ok() && !absl::IsNotFound(target.status()))
          return target.status();
        struct stat tst;
        if (!target.ok() ||
            fstatat(target->fd.get(), target->name.c_str(), &tst,
                    AT_SYMLINK_NOFOLLOW) != 0) {
          return absl::NotFoundError(absl::StrCat(
              "hard link to \"", e.link_target, "\", which is not there"));
        }
        if (S_ISDIR(tst.st_mode)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "hard link to the directory \"", e.link_target, "\""));
        }
        if (exists) {
          if (absl::Status s = RemoveAllAt(dir, parent->name); !s.ok())
            return s;
        }
        if (linkat(target->fd.get(), target->name.c_str(), dir, name, 0) != 0)
          return Errno(absl::StrCat("hard link to \"", e.link_target, "\""));
        return absl::OkStatus();
      }
      case archive::ArchiveEntry::Type::kOther:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status Whiteout(const archive::ArchiveEntry& e,
                        const std::string& base) {
    auto parent = root_.Parent(e.path, /*create=*/false);
    if (absl::IsNotFound(parent.status())) return absl::OkStatus();
    if (!parent.ok()) return parent.status();
    if (base == kOpaque) {
      // Empties the directory of what lower layers put there; what this
      // layer wrote into it stays.
      const size_t slash = e.path.rfind('/');
      const std::string dir_path =
          slash == std::string::npos ? "" : e.path.substr(0, slash);
      auto dir_fd = root_.Resolve(dir_path, O_RDONLY | O_DIRECTORY);
      if (!dir_fd.ok()) return dir_fd.status();
      std::vector<std::string> children;
      {
        int fd = dup(dir_fd->get());
        DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
        if (d == nullptr) {
          if (fd >= 0) close(fd);
          return Errno("read directory");
        }
        while (struct dirent* ent = readdir(d)) {
          if (std::strcmp(ent->d_name, ".") == 0 ||
              std::strcmp(ent->d_name, "..") == 0)
            continue;
          children.emplace_back(ent->d_name);
        }
        closedir(d);
      }
      for (const std::string& child : children) {
        const std::string child_path =
            dir_path.empty() ? child : absl::StrCat(dir_path, "/", child);
        if (written_.count(child_path)) continue;
        if (absl::Status s = RemoveAllAt(dir_fd->get(), child); !s.ok())
          return s;
      }
      return absl::OkStatus();
    }
    const std::string target = base.substr(sizeof(kWhiteoutPrefix) - 1);
    if (target.empty() || target == "." || target == "..") {
      return absl::InvalidArgumentError("a whiteout of no name");
    }
    return RemoveAllAt(parent->fd.get(), target);
  }

  absl::Status CopyData(int fd, const archive::ArchiveEntry& e) {
    if (e.size > options_.limits.max_entry_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("larger than ", options_.limits.max_entry_bytes,
                       " bytes (see --max-entry-size)"));
    }
    int64_t total = 0;
    for (;;) {
      auto n = layer_.Read(buffer_.data(), buffer_.size());
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      total += static_cast<int64_t>(*n);
      stats_.bytes += static_cast<int64_t>(*n);
      if (stats_.bytes > options_.limits.max_total_bytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("the layer unpacks to more than ",
                         options_.limits.max_total_bytes, " bytes"));
      }
      const char* p = buffer_.data();
      size_t left = *n;
      while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return Errno("write");
        p += w;
        left -= static_cast<size_t>(w);
      }
    }
    if (total != e.size) {
      return absl::DataLossError(
          absl::StrCat("has ", total, " bytes, not ", e.size));
    }
    return absl::OkStatus();
  }

  // Owner first: chown clears the setuid and setgid bits the mode sets.
  absl::Status Attributes(int dir, const char* name,
                          const archive::ArchiveEntry& e, bool times) {
    const bool link = e.type == archive::ArchiveEntry::Type::kSymlink;
    if (options_.keep_owners &&
        fchownat(dir, name, static_cast<uid_t>(e.uid),
                 static_cast<gid_t>(e.gid), AT_SYMLINK_NOFOLLOW) != 0) {
      return Errno("set owner");
    }
    if (!link &&
        fchmodat(dir, name, static_cast<mode_t>(e.mode & 07777), 0) != 0) {
      return Errno("set mode");
    }
    if (times) {
      struct timespec ts[2];
      ts[0].tv_sec = ts[1].tv_sec = static_cast<time_t>(e.mtime);
      ts[0].tv_nsec = ts[1].tv_nsec = 0;
      if (utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW) != 0)
        return Errno("set times");
    }
    return absl::OkStatus();
  }

  const RootDir& root_;
  archive::ArchiveReader& layer_;
  const std::string& name_;
  const ApplyOptions& options_;
  ApplyStats stats_;
  std::string buffer_;
  // Paths this layer wrote, which its opaque whiteouts keep.
  std::set<std::string> written_;
};

// SHA-256 on a thread of its own, so a layer is hashed while the reader
// fetches the next chunk and the applier writes this one: Update copies
// the chunk into the buffer not being hashed, waits for the chunk before
// it, hands this one over and returns.
class BackgroundDigester {
 public:
  BackgroundDigester() : thread_([this] { Loop(); }) {}
  ~BackgroundDigester() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Update(absl::string_view chunk) {
    std::string& copy = buffers_[next_];
    next_ ^= 1;
    copy.assign(chunk.data(), chunk.size());  // the other buffer may be busy
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    chunk_ = copy;
    busy_ = true;
    cv_.notify_all();
  }
  oci::Digest Finish() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
    return digester_.Current();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return busy_ || stop_; });
      if (!busy_) return;
      const absl::string_view chunk = chunk_;
      lock.unlock();
      digester_.Update(chunk);
      lock.lock();
      busy_ = false;
      cv_.notify_all();
    }
  }

  oci::Digester digester_;
  std::string buffers_[2];
  int next_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  absl::string_view chunk_;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace

absl::StatusOr<ApplyStats> ApplyLayer(const RootDir& root,
                                      archive::ArchiveReader& layer,
                                      const std::string& name,
                                      const ApplyOptions& options) {
  return Applier(root, layer, name, options).Run();
}

absl::StatusOr<ApplyStats> ApplyImageLayer(const RootDir& root,
                                           image::ImageSource& source,
                                           const oci::Descriptor& layer,
                                           const ApplyOptions& options) {
  auto stream = source.Open(layer);
  if (!stream.ok()) return stream.status();
  const std::string name =
      absl::StrCat(source.name(), ": layer ", layer.digest.str());
  const bool verified = (*stream)->verifies();
  BackgroundDigester digester;
  int64_t total = 0;
  bool ended = false;
  auto reader = archive::ArchiveReader::OpenStream(
      [&](char* dst, size_t n) -> absl::StatusOr<size_t> {
        auto got = (*stream)->Read(dst, n);
        if (!got.ok()) return got.status();
        if (*got == 0) ended = true;
        total += static_cast<int64_t>(*got);
        if (total > layer.size) {
          return absl::DataLossError(absl::StrCat(
              name, ": larger than the ", layer.size,
              " bytes its descriptor declares"));
        }
        if (!verified) digester.Update(absl::string_view(dst, *got));
        return *got;
      },
      name);
  if (!reader.ok()) return reader.status();
  auto stats = ApplyLayer(root, **reader, name, options);
  if (!stats.ok()) return stats.status();
  // The tar may end before the blob does (padding): read the rest, so the
  // digest covers every byte.
  if (!ended) {
    std::string rest(kBuffer, '\0');
    for (;;) {
      auto got = (*stream)->Read(rest.data(), rest.size());
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      total += static_cast<int64_t>(*got);
      if (!verified) digester.Update(absl::string_view(rest.data(), *got));
    }
  }
  if (total != layer.size) {
    return absl::DataLossError(absl::StrCat(name, ": has ", total,
                                            " bytes, not the ", layer.size,
                                            " its descriptor declares"));
  }
  const oci::Digest actual = digester.Finish();
  if (!verified && actual != layer.digest) {
    return absl::DataLossError(
        absl::StrCat(name, ": does not match its digest (", actual.str(), ")"));
  }
  return stats;
}

}  // namespace hpc::rootfs
