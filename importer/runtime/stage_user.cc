#include "importer/runtime/stage_user.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hpc::runtime {
namespace {

constexpr size_t kMaxFile = 4 << 20;

std::string ReadInRoot(const rootfs::RootDir& root, const char* path) {
  auto fd = root.Resolve(path, O_RDONLY);
  if (!fd.ok()) return "";
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd->get(), buffer, sizeof(buffer));
    if (n <= 0 || data.size() > kMaxFile) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

// The colon-separated fields of each line of an /etc file.
std::vector<std::vector<std::string>> Records(absl::string_view text) {
  std::vector<std::vector<std::string>> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(absl::StrSplit(line, ':'));
  }
  return out;
}

std::optional<uint32_t> Number(absl::string_view s) {
  uint32_t n = 0;
  if (!absl::SimpleAtoi(s, &n)) return std::nullopt;
  return n;
}

}  // namespace

absl::StatusOr<ProcessUser> ResolveUserIn(absl::string_view passwd,
                                          absl::string_view group,
                                          absl::string_view user) {
  ProcessUser out;
  if (user.empty()) return out;
  std::vector<std::string> parts = absl::StrSplit(user, absl::MaxSplits(':', 1));
  const std::string& name = parts[0];
  std::string user_name;
  bool found = false;
  if (auto uid = Number(name)) {
    out.uid = *uid;
    found = true;
  }
  for (const auto& r : Records(passwd)) {
    if (r.size() < 4) continue;
    auto uid = Number(r[2]);
    auto gid = Number(r[3]);
    if (!uid || !gid) continue;
    if (r[0] == name || (found && *uid == out.uid && user_name.empty())) {
      out.uid = *uid;
      out.gid = *gid;
      user_name = r[0];
      found = true;
      if (r[0] == name) break;
    }
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat(
        "USER ", user, ": no user \"", name, "\" in the stage's /etc/passwd"));
  }
  const auto groups = Records(group);
  if (parts.size() == 2) {
    const std::string& g = parts[1];
    std::optional<uint32_t> gid = Number(g);
    for (const auto& r : groups) {
      if (!gid && r.size() >= 3 && r[0] == g) gid = Number(r[2]);
    }
    if (!gid) {
      return absl::NotFoundError(absl::StrCat(
          "USER ", user, ": no group \"", g, "\" in the stage's /etc/group"));
    }
    out.gid = *gid;
    return out;
  }
  if (!user_name.empty()) {
    for (const auto& r : groups) {
      if (r.size() < 4) continue;
      auto gid = Number(r[2]);
      if (!gid || *gid == out.gid) continue;
      for (absl::string_view member : absl::StrSplit(r[3], ',')) {
        if (member == user_name) out.additional_gids.push_back(*gid);
      }
    }
  }
  return out;
}

absl::StatusOr<ProcessUser> ResolveUser(const rootfs::RootDir& root,
                                        absl::string_view user) {
  if (user.empty()) return ProcessUser{};
  return ResolveUserIn(ReadInRoot(root, "/etc/passwd"),
                       ReadInRoot(root, "/etc/group"), user);
}

}  // namespace hpc::runtime
