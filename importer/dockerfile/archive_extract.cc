#include "importer/dockerfile/archive_extract.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "importer/archive/archive_reader.h"

namespace hpc::dockerfile {
namespace {

std::atomic<uint64_t> scratch_counter{0};

void RemoveSubtree(FileTree& tree, const std::string& path,
                   bool keep_directory) {
  std::string prefix = path == "/" ? "/" : path + "/";
  for (auto it = tree.lower_bound(prefix);
       it != tree.end() && absl::StartsWith(it->first, prefix);) {
    it = tree.erase(it);
  }
  if (!keep_directory) tree.erase(path);
}

absl::Status WriteEntry(archive::ArchiveReader& reader, const std::string& file,
                        const std::string& name, int64_t* size) {
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("create \"", file, "\": ", std::strerror(errno)));
  }
  char buffer[256 << 10];
  absl::Status status;
  *size = 0;
  for (;;) {
    auto n = reader.Read(buffer, sizeof(buffer));
    if (!n.ok()) {
      status = n.status();
      break;
    }
    if (*n == 0) break;
    size_t off = 0;
    while (off < *n) {
      ssize_t w = write(fd, buffer + off, *n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        status = absl::InternalError(
            absl::StrCat("write \"", file, "\": ", std::strerror(errno)));
        break;
      }
      off += static_cast<size_t>(w);
    }
    if (!status.ok()) break;
    *size += static_cast<int64_t>(*n);
  }
  if (close(fd) != 0 && status.ok()) {
    status = absl::InternalError(absl::StrCat("close \"", file, "\""));
  }
  (void)name;
  return status;
}

}  // namespace

bool IsTarArchive(const std::string& file) {
  auto reader = archive::ArchiveReader::Open(file, file);
  if (!reader.ok()) return false;
  auto entry = (*reader)->Next();
  return entry.ok() && entry->has_value();
}

absl::Status ExtractArchive(const std::string& archive_file,
                            const std::string& name,
                            const ExtractOptions& options, FileTree& tree) {
  auto reader = archive::ArchiveReader::Open(archive_file, name);
  if (!reader.ok()) return reader.status();
  int64_t total = 0;
  for (int64_t entries = 0;; ++entries) {
    if (entries >= options.limits.max_entries) {
      return absl::ResourceExhaustedError(
          absl::StrCat(name, ": more than ", options.limits.max_entries,
                       " entries (--max-archive-entries raises the limit)"));
    }
    auto next = (*reader)->Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) break;
    const archive::ArchiveEntry& entry = **next;
    std::string base = entry.path.substr(entry.path.rfind('/') + 1);
    if (options.whiteouts && absl::StartsWith(base, ".wh.")) {
      std::string dir =
          entry.path.substr(0, entry.path.size() - base.size() -
                                   (base.size() < entry.path.size()));
      auto dir_path = options.map_path(dir);
      if (!dir_path) continue;
      if (base == ".wh..wh..opq") {
        RemoveSubtree(tree, *dir_path, /*keep_directory=*/true);
      } else {
        std::string target = *dir_path == "/"
                                 ? absl::StrCat("/", base.substr(4))
                                 : absl::StrCat(*dir_path, "/", base.substr(4));
        RemoveSubtree(tree, target, /*keep_directory=*/false);
      }
      continue;
    }
    auto path = options.map_path(entry.path);
    if (!path) continue;
    switch (entry.type) {
      case archive::ArchiveEntry::Type::kDirectory:
        tree[*path] = FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""};
        break;
      case archive::ArchiveEntry::Type::kFile: {
        if (entry.size > options.limits.max_entry_bytes) {
          return absl::ResourceExhaustedError(absl::StrCat(
              name, ": entry ", entry.path, " holds ", entry.size,
              " bytes, more than the ", options.limits.max_entry_bytes,
              " allowed (--max-entry-size raises the limit)"));
        }
        if (entry.size > options.limits.max_total_bytes - total) {
          return absl::ResourceExhaustedError(absl::StrCat(
              name, ": more than ", options.limits.max_total_bytes,
              " bytes once unpacked (--max-archive-size raises the limit)"));
        }
        std::string file = absl::StrCat(options.scratch_dir, "/x",
                                        scratch_counter.fetch_add(1));
        int64_t size = 0;
        if (absl::Status s = WriteEntry(**reader, file, name, &size); !s.ok())
          return s;
        total += size;
        tree[*path] = FileNode{FileNode::Type::kFile, file, size, 0644, ""};
        break;
      }
      case archive::ArchiveEntry::Type::kHardlink: {
        auto target = options.map_path(entry.link_target);
        auto it = target ? tree.find(*target) : tree.end();
        if (it == tree.end() || it->second.type != FileNode::Type::kFile) {
          return absl::InvalidArgumentError(absl::StrCat(
              name, ": hard link \"", entry.path, "\" points to \"",
              entry.link_target, "\", which is not an earlier file of it"));
        }
        tree[*path] = it->second;
        break;
      }
      case archive::ArchiveEntry::Type::kSymlink:
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": \"", entry.path,
            "\" is a symbolic link; a Windows image built here holds files "
            "and directories only"));
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": \"", entry.path, "\" is not a file or directory"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hpc::dockerfile
