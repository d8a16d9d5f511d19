#include "importer/rootfs/root_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace hpc::rootfs {
namespace {

absl::Status PathError(int error, absl::string_view what,
                       absl::string_view path) {
  std::string message = absl::StrCat(what, " \"/", path, "\": ",
                                     std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EEXIST) return absl::AlreadyExistsError(message);
  if (error == ENOTDIR || error == EISDIR || error == ELOOP)
    return absl::FailedPreconditionError(message);
  if (error == EACCES || error == EPERM)
    return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

int OpenInRoot(int root_fd, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char* p = path.empty() ? "." : path.c_str();
  for (;;) {
    long fd = syscall(SYS_openat2, root_fd, p, &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a rename raced the lookup; the kernel asks to try again.
    if (errno != EAGAIN && errno != EINTR) return -1;
  }
}

}  // namespace

std::string CleanRootPath(absl::string_view path) {
  std::vector<absl::string_view> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "/");
}

absl::StatusOr<RootDir> RootDir::Open(const std::string& path) {
  int fd = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("root file system \"", path,
                                            "\": ", std::strerror(errno)));
  }
  UniqueFd owned(fd);
  // The host path, symbolic links resolved, so HostPath can check prefixes.
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) {
    return absl::InternalError(absl::StrCat("root file system \"", path,
                                            "\": ", std::strerror(errno)));
  }
  return RootDir(real, std::move(owned));
}

absl::StatusOr<UniqueFd> RootDir::Resolve(absl::string_view path,
                                          int flags) const {
  const std::string clean = CleanRootPath(path);
  int fd = OpenInRoot(fd_.get(), clean, flags);
  if (fd < 0) return PathError(errno, "open", clean);
  return UniqueFd(fd);
}

absl::StatusOr<ParentDir> RootDir::Parent(absl::string_view path,
                                          bool create) const {
  const std::string clean = CleanRootPath(path);
  ParentDir parent;
  if (clean.empty()) {
    int fd = OpenInRoot(fd_.get(), "", O_PATH | O_DIRECTORY);
    if (fd < 0) return PathError(errno, "open", "");
    parent.fd = UniqueFd(fd);
    return parent;
  }
  const size_t slash = clean.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "" : clean.substr(0, slash);
  parent.name = slash == std::string::npos ? clean : clean.substr(slash + 1);
  int fd = OpenInRoot(fd_.get(), dir, O_PATH | O_DIRECTORY);
  if (fd < 0 && errno == ENOENT && create) {
    if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
    fd = OpenInRoot(fd_.get(), dir, O_PATH | O_DIRECTORY);
  }
  if (fd < 0) return PathError(errno, "open", dir);
  parent.fd = UniqueFd(fd);
  return parent;
}

absl::Status RootDir::MakeDirectories(absl::string_view path) const {
  return MakeDirectories(path, 0);
}

absl::Status RootDir::MakeDirectories(absl::string_view path, int links) const {
  const std::string clean = CleanRootPath(path);
  if (clean.empty()) return absl::OkStatus();
  UniqueFd current(OpenInRoot(fd_.get(), "", O_PATH | O_DIRECTORY));
  if (!current.valid()) return PathError(errno, "open", "");
  std::vector<std::string> parts = absl::StrSplit(clean, '/');
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string parent = prefix;
    prefix = prefix.empty() ? parts[i] : absl::StrCat(prefix, "/", parts[i]);
    int fd = OpenInRoot(fd_.get(), prefix, O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT) {
      // Made in the directory the prefix so far resolved to, so a symbolic
      // link on the way is followed inside the root, never outside.
      if (mkdirat(current.get(), parts[i].c_str(), 0755) != 0) {
        if (errno != EEXIST) return PathError(errno, "make directory", prefix);
        // A link to what is not there yet: make its target, inside the
        // root, as containerd's applier does, and go on from there.
        char target[PATH_MAX];
        ssize_t n = readlinkat(current.get(), parts[i].c_str(), target,
                               sizeof(target) - 1);
        if (n < 0) return PathError(ENOENT, "open", prefix);
        if (links >= 40) return PathError(ELOOP, "open", prefix);
        std::string followed(target, static_cast<size_t>(n));
        if (followed[0] != '/' && !parent.empty())
          followed = absl::StrCat(parent, "/", followed);
        for (size_t j = i + 1; j < parts.size(); ++j)
          absl::StrAppend(&followed, "/", parts[j]);
        return MakeDirectories(followed, links + 1);
      }
      fd = OpenInRoot(fd_.get(), prefix, O_PATH | O_DIRECTORY);
    }
    if (fd < 0) return PathError(errno, "open", prefix);
    current = UniqueFd(fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RootDir::HostPath(absl::string_view path) const {
  auto fd = Resolve(path, O_PATH);
  if (!fd.ok()) return fd.status();
  char target[PATH_MAX];
  const std::string link = absl::StrCat("/proc/self/fd/", fd->get());
  ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
  if (n < 0) {
    return absl::InternalError(
        absl::StrCat("readlink ", link, ": ", std::strerror(errno)));
  }
  std::string host(target, static_cast<size_t>(n));
  if (host != path_ && !absl::StartsWith(host, path_ + "/")) {
    return absl::InternalError(absl::StrCat("\"/", CleanRootPath(path),
                                            "\" resolved outside the root: ",
                                            host));
  }
  return host;
}

absl::Status RemoveAllAt(int dir_fd, const std::string& name) {
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return PathError(errno, "stat", name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT)
      return PathError(errno, "remove", name);
    return absl::OkStatus();
  }
  // A directory without write or search permission for its owner still
  // goes: make it ours to empty first.
  if ((st.st_mode & 0700) != 0700) fchmodat(dir_fd, name.c_str(), 0700, 0);
  int fd = openat(dir_fd, name.c_str(),
                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return PathError(errno, "open", name);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return PathError(errno, "read directory", name);
  }
  std::vector<std::string> children;
  while (struct dirent* e = readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
      continue;
    children.emplace_back(e->d_name);
  }
  absl::Status status;
  for (const std::string& child : children) {
    status = RemoveAllAt(dirfd(dir), child);
    if (!status.ok()) break;
  }
  closedir(dir);
  if (!status.ok()) return status;
  if (unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return PathError(errno, "remove", name);
  return absl::OkStatus();
}

}  // namespace hpc::rootfs
