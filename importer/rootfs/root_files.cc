#include "importer/rootfs/root_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpc::rootfs {
namespace {

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::InternalError(
      absl::StrCat(what, " \"", path, "\": ", std::strerror(errno)));
}

absl::StatusOr<std::vector<std::string>> Names(int dir_fd,
                                               absl::string_view what) {
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = fd >= 0 ? fdopendir(fd) : nullptr;
  if (dir == nullptr) {
    if (fd >= 0) close(fd);
    return Errno("read directory", what);
  }
  std::vector<std::string> names;
  while (struct dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
      continue;
    names.emplace_back(e->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

// Appends what directory `dir_fd` (at host path `host`, listed path
// `relative`) holds, depth first, sorted.
absl::Status Walk(int dir_fd, const std::string& host,
                  const std::string& relative, std::vector<RootFile>& out) {
  auto names = Names(dir_fd, host);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    struct stat st;
    if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return Errno("stat", absl::StrCat(host, "/", name));
    RootFile f;
    f.path = relative.empty() ? name : absl::StrCat(relative, "/", name);
    f.host_path = absl::StrCat(host, "/", name);
    f.mode = static_cast<int>(st.st_mode & 07777);
    if (S_ISREG(st.st_mode)) {
      f.type = RootFile::Type::kFile;
      f.size = st.st_size;
      out.push_back(std::move(f));
    } else if (S_ISLNK(st.st_mode)) {
      f.type = RootFile::Type::kSymlink;
      char target[PATH_MAX];
      ssize_t n = readlinkat(dir_fd, name.c_str(), target, sizeof(target));
      if (n < 0) return Errno("read link", f.host_path);
      f.link_target.assign(target, static_cast<size_t>(n));
      f.host_path.clear();
      out.push_back(std::move(f));
    } else if (S_ISDIR(st.st_mode)) {
      f.type = RootFile::Type::kDirectory;
      int fd = openat(dir_fd, name.c_str(),
                      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) return Errno("open", f.host_path);
      UniqueFd child(fd);
      const std::string child_host = f.host_path, child_rel = f.path;
      out.push_back(std::move(f));
      if (absl::Status s = Walk(child.get(), child_host, child_rel, out);
          !s.ok())
        return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<RootFile>> ListTree(const RootDir& root,
                                               absl::string_view path) {
  auto host = root.HostPath(path);
  if (!host.ok()) return host.status();
  // O_PATH: a FIFO is looked at, not opened.
  auto fd = root.Resolve(path, O_PATH);
  if (!fd.ok()) return fd.status();
  struct stat st;
  if (fstat(fd->get(), &st) != 0) return Errno("stat", *host);
  std::vector<RootFile> out;
  RootFile self;
  self.host_path = *host;
  self.mode = static_cast<int>(st.st_mode & 07777);
  if (S_ISREG(st.st_mode)) {
    self.type = RootFile::Type::kFile;
    self.size = st.st_size;
    out.push_back(std::move(self));
    return out;
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "\"/", CleanRootPath(path), "\" is neither a file nor a directory"));
  }
  self.type = RootFile::Type::kDirectory;
  out.push_back(std::move(self));
  if (absl::Status s = Walk(fd->get(), *host, "", out); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::string>> ListDirectory(
    const RootDir& root, absl::string_view path) {
  auto fd = root.Resolve(path, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  return Names(fd->get(), path);
}

}  // namespace hpc::rootfs
