#include "tests/integration/containerd_env.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

namespace hpc::testing {

namespace {

bool OnPath(const std::string& tool) {
  return RunCommand({"sh", "-c", "command -v " + tool}).exit_code == 0;
}

std::string Tail(const std::string& path, size_t bytes = 4000) {
  std::string data;
  try {
    data = ReadFileOrDie(path);
  } catch (...) {
    return "(no log)";
  }
  return data.size() > bytes ? data.substr(data.size() - bytes) : data;
}

int ExitCode(int status) {
  if (status < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string MissingPrerequisites() {
  if (geteuid() != 0)
    return "integration tests need root (containerd mounts snapshots)";
  const ContainerdRelease& release = TestedRelease();
  for (const std::string& tool :
       {release.containerd, release.ctr, std::string("skopeo"),
        std::string("umoci"), std::string("docker-registry")}) {
    if (!OnPath(tool)) return tool + " is not installed; run hack/deps.sh";
  }
  if (release.version.empty())
    return release.containerd + " --version names no release";
  if (access(HPC_BIN_DIR "/hpc-content-plugin", X_OK) != 0) {
    return "hpc-content-plugin is not built in " HPC_BIN_DIR;
  }
  return "";
}

ContainerdEnv::ContainerdEnv(ContentStore store,
                             std::vector<std::string> plugin_args)
    : store_(store), plugin_args_(std::move(plugin_args)) {
  WriteConfig();
}

ContainerdEnv::~ContainerdEnv() {
  // Pods end with their shims before containerd does.
  if (cri_ && containerd_ && containerd_->running()) Crictl({"rmp", "-fa"});
  if (containerd_) containerd_->Stop(SIGKILL);
  if (plugin_) plugin_->Stop(SIGKILL);
  // Snapshots may still be mounted by an interrupted test.
  RunCommand(
      {"sh", "-c",
       "grep -o ' " + dir_.path() +
           "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l"});
}

void ContainerdEnv::WriteConfig() {
  const ContainerdRelease& release = TestedRelease();
  std::string config =
      "version = " + std::to_string(release.config_version()) + "\n";
  config += "root = \"" + dir_.Join("root") + "\"\n";
  config += "state = \"" + dir_.Join("state") + "\"\n";
  // No CRI unless asked for (2.x splits it in three), and no NRI (its
  // socket is host-wide).
  std::vector<std::string> disabled;
  if (!cri_) {
    disabled.push_back("io.containerd.grpc.v1.cri");
    if (release.major >= 2) {
      disabled.push_back("io.containerd.cri.v1.images");
      disabled.push_back("io.containerd.cri.v1.runtime");
    }
  }
  if (release.AtLeast(1, 7)) disabled.push_back("io.containerd.nri.v1.nri");
  if (store_ == ContentStore::kPlugin)
    disabled.push_back("io.containerd.content.v1.content");
  config += "disabled_plugins = [";
  for (size_t i = 0; i < disabled.size(); ++i)
    config += (i ? ", \"" : "\"") + disabled[i] + "\"";
  config += "]\n";
  config += "[grpc]\n  address = \"" + address() + "\"\n";
  config += "[ttrpc]\n  address = \"" + address() + ".ttrpc\"\n";
  if (store_ == ContentStore::kPlugin) {
    config += "[proxy_plugins.hpc]\n  type = \"content\"\n  address = \"" +
              plugin_socket() + "\"\n";
  }
  if (cri_) config += CriConfig();
  WriteFileOrDie(dir_.Join("config.toml"), config);
}

void ContainerdEnv::EnableCri(CriSettings cri) {
  cri_ = std::move(cri);
  std::filesystem::create_directories(dir_.Join("cni/bin"));
  std::filesystem::create_directories(dir_.Join("cni/conf"));
  std::filesystem::create_directories(pod_log_dir());
  WriteConfig();
}

// 1.x has one CRI plugin; 2.x splits images and the runtime out of it.
std::string ContainerdEnv::CriConfig() const {
  // Some machines (CI's among them) refuse a pod sandbox's oom_score_adj of
  // -998 even to root; restricted, CRI keeps the daemon's own.
  const std::string restrict_oom = "  restrict_oom_score_adj = true\n";
  std::string images, runtime, toml;
  if (TestedRelease().major >= 2) {
    images = "plugins.\"io.containerd.cri.v1.images\"";
    runtime = "plugins.\"io.containerd.cri.v1.runtime\"";
    toml += "[" + images + ".pinned_images]\n  sandbox = \"" +
            cri_->sandbox_image + "\"\n";
    toml += "[" + runtime + "]\n" + restrict_oom;
  } else {
    images = runtime = "plugins.\"io.containerd.grpc.v1.cri\"";
    toml += "[" + images + "]\n  sandbox_image = \"" + cri_->sandbox_image +
            "\"\n" + restrict_oom;
  }
  if (!cri_->registry_config_path.empty()) {
    toml += "[" + images + ".registry]\n  config_path = \"" +
            cri_->registry_config_path + "\"\n";
  }
  toml += "[" + runtime + ".cni]\n  bin_dir = \"" + dir_.Join("cni/bin") +
          "\"\n  conf_dir = \"" + dir_.Join("cni/conf") + "\"\n";
  toml += "[" + runtime + ".containerd.runtimes.runc]\n" +
          "  runtime_type = \"io.containerd.runc.v2\"\n";
  toml += "[" + runtime + ".containerd.runtimes.runc.options]\n  Root = \"" +
          dir_.Join("runc") + "\"\n";
  return toml;
}

std::string CrictlPath() {
  const char* crictl = std::getenv("HPC_CRICTL");
  if (crictl == nullptr || *crictl == '\0') crictl = HPC_CRICTL;
  return access(crictl, X_OK) == 0 ? crictl : "";
}

RunResult ContainerdEnv::Crictl(const std::vector<std::string>& args) {
  const std::string endpoint = "unix://" + address();
  std::vector<std::string> argv = {CrictlPath(),     "--runtime-endpoint",
                                   endpoint,         "--image-endpoint",
                                   endpoint,         "--timeout",
                                   "60s"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

bool ContainerdEnv::StartPlugin() {
  if (store_ != ContentStore::kPlugin) return true;
  std::vector<std::string> argv = {HPC_BIN_DIR "/hpc-content-plugin",
                                   "--root",
                                   plugin_root(),
                                   "--address",
                                   plugin_socket(),
                                   "--log-level",
                                   "debug"};
  for (const std::string& arg : plugin_args_) {
    // @CONTAINERD@ stands for this environment's containerd socket.
    argv.push_back(arg == "@CONTAINERD@" ? address() : arg);
  }
  plugin_ = std::make_unique<Subprocess>(argv, dir_.Join("plugin.log"));
  return WaitForSocket(plugin_socket(), 10000);
}

int ContainerdEnv::StopPlugin(int signal) {
  if (!plugin_) return 0;
  int status = plugin_->Stop(signal);
  plugin_.reset();
  return ExitCode(status);
}

bool ContainerdEnv::StartContainerd() {
  return RunContainerd(
      {TestedRelease().containerd, "--config", dir_.Join("config.toml")});
}

bool ContainerdEnv::StartContainerdWithConfig(const std::string& config) {
  return RunContainerd({TestedRelease().containerd, "--config", config,
                        "--root", dir_.Join("root"), "--state",
                        dir_.Join("state"), "--address", address()});
}

std::vector<std::string> ContainerdEnv::ServingContentStores() {
  std::vector<std::string> stores;
  RunResult plugins = Ctr({"plugins", "ls"});
  EXPECT_EQ(plugins.exit_code, 0) << plugins.output;
  std::istringstream lines(plugins.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string type, id, platforms, status;
    fields >> type >> id >> platforms >> status;
    if (type == "io.containerd.content.v1" && status == "ok") {
      stores.push_back(id);
    }
  }
  return stores;
}

bool ContainerdEnv::RunContainerd(std::vector<std::string> argv) {
  containerd_ = std::make_unique<Subprocess>(std::move(argv),
                                             dir_.Join("containerd.log"));
  if (!WaitForSocket(address(), 20000)) return false;
  // The socket accepts before the services are registered.
  for (int i = 0; i < 200; ++i) {
    if (Ctr({"version"}).exit_code == 0) {
      // containerd collects garbage once, 100ms after start; after that only
      // when many changes pile up. Let that first pass go by, so content a
      // test writes without an image record is not collected under it.
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

int ContainerdEnv::StopContainerd(int signal) {
  if (!containerd_) return 0;
  int status = containerd_->Stop(signal, 20000);
  containerd_.reset();
  return ExitCode(status);
}

bool ContainerdEnv::Start() { return StartPlugin() && StartContainerd(); }

bool ContainerdEnv::Stop() {
  int c = StopContainerd(SIGTERM);
  int p = StopPlugin(SIGTERM);
  return c == 0 && p == 0;
}

bool ContainerdEnv::WaitForPluginLog(const std::string& text) const {
  for (int i = 0; i < 200; ++i) {
    if (ReadFileOrDie(plugin_log()).find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

RunResult ContainerdEnv::Ctr(const std::vector<std::string>& args,
                             const std::string& ns,
                             const std::string& stdin_data) {
  std::vector<std::string> argv = {TestedRelease().ctr, "--address", address(),
                                   "--namespace", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, stdin_data);
}

std::string ContainerdEnv::blobs_dir() const {
  if (store_ == ContentStore::kPlugin) return plugin_root() + "/blobs/sha256";
  return dir_.Join("root/io.containerd.content.v1.content/blobs/sha256");
}

std::string ContainerdEnv::failure_logs() const {
  std::string out =
      "--- containerd.log ---\n" + Tail(dir_.Join("containerd.log"));
  if (store_ == ContentStore::kPlugin) {
    out += "\n--- plugin.log ---\n" + Tail(dir_.Join("plugin.log"));
  }
  return out;
}

bool MakeOciImage(const std::string& layout, const std::string& tag,
                  const std::map<std::string, std::string>& files,
                  const std::string& os, const std::string& architecture) {
  const std::string image = layout + ":" + tag;
  const std::string bundle = layout + ".bundle";
  if (!std::filesystem::exists(layout + "/oci-layout")) {
    if (RunCommand({"umoci", "init", "--layout", layout}).exit_code != 0)
      return false;
  }
  if (RunCommand({"umoci", "new", "--image", image}).exit_code != 0)
    return false;
  if (RunCommand({"umoci", "unpack", "--rootless", "--image", image, bundle})
          .exit_code != 0) {
    return false;
  }
  for (const auto& [path, content] : files) {
    std::filesystem::path p = bundle + "/rootfs/" + path;
    std::filesystem::create_directories(p.parent_path());
    WriteFileOrDie(p, content);
  }
  bool ok =
      RunCommand({"umoci", "repack", "--image", image, bundle}).exit_code ==
          0 &&
      RunCommand({"umoci", "config", "--image", image, "--os", os,
                  "--architecture", architecture})
              .exit_code == 0;
  std::filesystem::remove_all(bundle);
  return ok;
}

std::vector<std::string> ListBlobs(const std::string& blobs_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(blobs_dir, ec)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hpc::testing
