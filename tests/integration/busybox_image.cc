#include "tests/integration/busybox_image.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/testing/subprocess.h"

namespace hpc::testing {

namespace fs = std::filesystem;

std::string MakeBusyboxImage(const std::string& layout, const std::string& tag,
                             const BusyboxImage& image) {
  std::string error;
  auto run = [&](const std::vector<std::string>& argv) {
    RunResult r = RunCommand(argv);
    if (r.exit_code != 0 && error.empty())
      error = absl::StrCat(absl::StrJoin(argv, " "), ": ", r.output);
    return r.exit_code == 0;
  };
  const std::string ref = layout + ":" + tag;
  const std::string bundle = layout + ".bundle-" + tag;
  if (!fs::exists(layout + "/index.json") &&
      !run({"umoci", "init", "--layout", layout}))
    return error;
  if (!run({"umoci", "new", "--image", ref}) ||
      !run({"umoci", "unpack", "--image", ref, bundle}))
    return error;
  const std::string rootfs = bundle + "/rootfs";
  for (const char* d : {"/bin", "/usr/bin", "/etc", "/tmp"})
    fs::create_directories(rootfs + d);
  for (const std::string& d : image.directories)
    fs::create_directories(rootfs + d);
  fs::copy_file("/bin/busybox", rootfs + "/bin/busybox");
  RunResult list = RunCommand({"/bin/busybox", "--list"});
  for (absl::string_view applet : absl::StrSplit(list.output, '\n')) {
    if (applet.empty() || applet == "busybox") continue;
    fs::create_symlink("busybox", rootfs + "/bin/" + std::string(applet));
  }
  for (const auto& [path, content] : image.files) {
    const fs::path at = rootfs + path;
    fs::create_directories(at.parent_path());
    std::ofstream(at, std::ios::binary | std::ios::trunc) << content;
    if (absl::StartsWith(content, "#!")) fs::permissions(at, fs::perms(0755));
  }
  if (!run({"umoci", "repack", "--image", ref, bundle})) return error;
  fs::remove_all(bundle);
  std::vector<std::string> config = {"umoci", "config", "--image", ref};
  for (const std::string& e : image.env) config.insert(config.end(), {"--config.env", e});
  for (const std::string& a : image.entrypoint)
    config.insert(config.end(), {"--config.entrypoint", a});
  for (const std::string& a : image.cmd) config.insert(config.end(), {"--config.cmd", a});
  if (!image.working_dir.empty())
    config.insert(config.end(), {"--config.workingdir", image.working_dir});
  if (config.size() > 4 && !run(config)) return error;
  return "";
}

}  // namespace hpc::testing
