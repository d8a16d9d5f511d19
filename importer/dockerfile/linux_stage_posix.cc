#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "importer/dockerfile/linux_stage.h"
#include "importer/dockerfile/path_pattern.h"
#include "importer/rootfs/layer_apply.h"
#include "importer/rootfs/root_dir.h"
#include "importer/rootfs/root_files.h"
#include "importer/runtime/interrupt.h"
#include "importer/runtime/runc.h"
#include "importer/runtime/stage_user.h"

namespace hpc::dockerfile {
namespace {

std::atomic<int> next_stage{0};

absl::Status Errno(absl::string_view what, absl::string_view path) {
  return absl::InternalError(
      absl::StrCat(what, " \"", path, "\": ", std::strerror(errno)));
}

absl::Status CopyBytes(const std::string& from, int to_fd,
                       const std::string& to_name) {
  int in = open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno("open", from);
  rootfs::UniqueFd owned(in);
  char buffer[256 << 10];
  for (;;) {
    ssize_t n = read(in, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("read", from);
    if (n == 0) return absl::OkStatus();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(to_fd, buffer + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Errno("write", to_name);
      done += w;
    }
  }
}

class PosixLinuxStage final : public LinuxStage {
 public:
  PosixLinuxStage(std::string dir, rootfs::RootDir root,
                  const LinuxStageOptions& options)
      : dir_(std::move(dir)), root_(std::move(root)), options_(options) {}
  ~PosixLinuxStage() override {
    rootfs::RemoveAllAt(AT_FDCWD, dir_).IgnoreError();
  }

  const std::string& root_path() const override { return root_.path(); }

  absl::Status AddFiles(const FileTree& files, int64_t uid,
                        int64_t gid) override {
    for (const auto& [path, node] : files) {
      if (absl::Status s = AddFile(path, node, uid, gid); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("writing \"", path,
                                                   "\" into the stage: ",
                                                   s.message()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status MakeDirectory(const std::string& path) override {
    return root_.MakeDirectories(path);
  }

  bool IsDirectory(const std::string& path) const override {
    return root_.Resolve(path, O_PATH | O_DIRECTORY).ok();
  }

  absl::StatusOr<std::vector<SourceMatch>> Match(
      const std::string& pattern, absl::string_view what) const override {
    std::vector<std::string> candidates = {""};
    for (absl::string_view part :
         absl::StrSplit(pattern, '/', absl::SkipEmpty())) {
      std::vector<std::string> next;
      for (const std::string& c : candidates) {
        if (!HasGlob(part)) {
          next.push_back(c.empty() ? std::string(part)
                                   : absl::StrCat(c, "/", part));
          continue;
        }
        auto names = rootfs::ListDirectory(root_, c);
        if (!names.ok()) continue;
        for (const std::string& name : *names) {
          if (PathMatch(part, name))
            next.push_back(c.empty() ? name : absl::StrCat(c, "/", name));
        }
      }
      candidates = std::move(next);
    }
    std::vector<SourceMatch> matches;
    for (const std::string& c : candidates) {
      auto files = rootfs::ListTree(root_, c);
      if (absl::IsNotFound(files.status())) continue;
      if (!files.ok()) return files.status();
      SourceMatch m;
      m.name = c.substr(c.rfind('/') + 1);
      m.node = Node((*files)[0]);
      for (size_t i = 1; i < files->size(); ++i)
        m.contents.emplace_back((*files)[i].path, Node((*files)[i]));
      matches.push_back(std::move(m));
    }
    if (matches.empty()) {
      return absl::NotFoundError(
          absl::StrCat(what, ": no file or directory \"", pattern, "\""));
    }
    return matches;
  }

  absl::StatusOr<std::pair<int64_t, int64_t>> ResolveOwner(
      const std::string& user) const override {
    auto resolved = runtime::ResolveUser(root_, user);
    if (!resolved.ok()) return resolved.status();
    return std::make_pair(static_cast<int64_t>(resolved->uid),
                          static_cast<int64_t>(resolved->gid));
  }

  absl::StatusOr<int> Run(
      const RunCommand& command,
      const std::function<void(absl::string_view)>& output) override {
    if (!runc_) {
      auto runc = runtime::Runc::Find(options_.runtime);
      if (!runc.ok()) return runc.status();
      runc_.emplace(*runc);
    }
    runtime::RunSpec spec;
    spec.args = command.args;
    spec.env = command.env;
    spec.cwd = command.workdir;
    spec.network = command.network_host.value_or(options_.network_host)
                       ? runtime::Network::kHost
                       : runtime::Network::kNone;
    auto user = runtime::ResolveUser(root_, command.user);
    if (!user.ok()) return user.status();
    spec.user = *user;
    if (absl::Status s = root_.MakeDirectories(command.workdir); !s.ok())
      return s;
    return runc_->Run(root_.path(), absl::StrCat(dir_, "/run"), spec, output,
                      options_.interrupt);
  }

 private:
  static FileNode Node(const rootfs::RootFile& f) {
    FileNode n;
    n.host_path = f.host_path;
    n.size = f.size;
    n.mode = f.mode;
    n.link_target = f.link_target;
    n.type = f.type == rootfs::RootFile::Type::kDirectory
                 ? FileNode::Type::kDirectory
             : f.type == rootfs::RootFile::Type::kSymlink
                 ? FileNode::Type::kSymlink
                 : FileNode::Type::kFile;
    return n;
  }

  absl::Status AddFile(const std::string& path, const FileNode& node,
                       int64_t uid, int64_t gid) {
    if (path == "/" || path.empty()) return absl::OkStatus();
    if (node.type == FileNode::Type::kDirectory) {
      if (absl::Status s = root_.MakeDirectories(path); !s.ok()) return s;
    }
    auto parent = root_.Parent(path, /*create=*/true);
    if (!parent.ok()) return parent.status();
    const int dir = parent->fd.get();
    const char* name = parent->name.c_str();
    struct stat st;
    const bool exists = fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (node.type != FileNode::Type::kDirectory && exists) {
      if (S_ISDIR(st.st_mode)) {
        return absl::FailedPreconditionError(
            "a directory is there; name the directory as the destination");
      }
      if (unlinkat(dir, name, 0) != 0) return Errno("replace", path);
    }
    if (node.type == FileNode::Type::kFile) {
      int fd = openat(dir, name,
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600);
      if (fd < 0) return Errno("create", path);
      rootfs::UniqueFd file(fd);
      if (absl::Status s = CopyBytes(node.host_path, fd, path); !s.ok())
        return s;
    } else if (node.type == FileNode::Type::kSymlink) {
      if (symlinkat(node.link_target.c_str(), dir, name) != 0)
        return Errno("make symbolic link", path);
    }
    if (geteuid() == 0 &&
        fchownat(dir, name, static_cast<uid_t>(uid), static_cast<gid_t>(gid),
                 AT_SYMLINK_NOFOLLOW) != 0) {
      return Errno("set owner of", path);
    }
    if (node.type != FileNode::Type::kSymlink &&
        fchmodat(dir, name, static_cast<mode_t>(node.mode & 07777), 0) != 0) {
      return Errno("set mode of", path);
    }
    return absl::OkStatus();
  }

  std::string dir_;
  rootfs::RootDir root_;
  LinuxStageOptions options_;
  std::optional<runtime::Runc> runc_;
};

absl::StatusOr<std::string> NewStageDir(const LinuxStageOptions& options) {
  const std::string dir =
      absl::StrCat(options.scratch_dir, "/stage-", next_stage++);
  for (const std::string& d : {dir, dir + "/rootfs", dir + "/run"}) {
    if (mkdir(d.c_str(), d == dir ? 0700 : 0755) != 0)
      return Errno("make directory", d);
  }
  return dir;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinuxStage>> LinuxStage::Create(
    image::ImageSource* source, const std::vector<oci::Descriptor>& layers,
    const LinuxStageOptions& options) {
  auto dir = NewStageDir(options);
  if (!dir.ok()) return dir.status();
  auto root = rootfs::RootDir::Open(*dir + "/rootfs");
  if (!root.ok()) {
    rootfs::RemoveAllAt(AT_FDCWD, *dir).IgnoreError();
    return root.status();
  }
  auto stage = std::make_unique<PosixLinuxStage>(*dir, std::move(*root), options);
  rootfs::ApplyOptions apply;
  apply.limits = options.limits;
  apply.keep_owners = geteuid() == 0;
  const runtime::Interrupt* interrupt = options.interrupt;
  if (interrupt != nullptr) {
    apply.cancelled = [interrupt] { return interrupt->requested(); };
  }
  auto opened = rootfs::RootDir::Open(stage->root_path());
  if (!opened.ok()) return opened.status();
  for (const oci::Descriptor& layer : layers) {
    auto applied = rootfs::ApplyImageLayer(*opened, *source, layer, apply);
    if (!applied.ok()) return applied.status();
  }
  return stage;
}

absl::StatusOr<std::unique_ptr<LinuxStage>> LinuxStage::CopyOf(
    const LinuxStage& parent, const LinuxStageOptions& options) {
  auto dir = NewStageDir(options);
  if (!dir.ok()) return dir.status();
  // cp -a keeps owners, modes, links and hard links as they are.
  const std::string from = parent.root_path() + "/.";
  const std::string to = *dir + "/rootfs";
  pid_t pid = fork();
  if (pid == 0) {
    execlp("cp", "cp", "-a", "--", from.c_str(), to.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    rootfs::RemoveAllAt(AT_FDCWD, *dir).IgnoreError();
    return absl::InternalError(
        absl::StrCat("copying the root of the earlier stage into ", to,
                     " failed (cp -a)"));
  }
  auto root = rootfs::RootDir::Open(to);
  if (!root.ok()) {
    rootfs::RemoveAllAt(AT_FDCWD, *dir).IgnoreError();
    return root.status();
  }
  return std::make_unique<PosixLinuxStage>(*dir, std::move(*root), options);
}

}  // namespace hpc::dockerfile
