#include "importer/runtime/runtime_spec.h"

#include "absl/strings/match.h"

namespace hpc::runtime {
namespace {

using Json = nlohmann::json;

Json Mount(const std::string& destination, const std::string& type,
           const std::string& source, std::vector<std::string> options) {
  return {{"destination", destination},
          {"type", type},
          {"source", source},
          {"options", std::move(options)}};
}

}  // namespace

const std::vector<std::string>& DefaultCapabilities() {
  static const auto* caps = new std::vector<std::string>{
      "CAP_CHOWN",          "CAP_DAC_OVERRIDE", "CAP_FSETID",
      "CAP_FOWNER",         "CAP_MKNOD",        "CAP_NET_RAW",
      "CAP_SETGID",         "CAP_SETUID",       "CAP_SETFCAP",
      "CAP_SETPCAP",        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",           "CAP_AUDIT_WRITE"};
  return *caps;
}

Json MakeRuntimeSpec(const RunSpec& spec, const std::string& rootfs) {
  std::vector<std::string> env = spec.env;
  bool has_path = false;
  for (const std::string& e : env) has_path |= absl::StartsWith(e, "PATH=");
  if (!has_path) env.insert(env.begin(), std::string("PATH=") + kDefaultPath);

  const std::vector<std::string>& caps = DefaultCapabilities();
  Json user = {{"uid", spec.user.uid}, {"gid", spec.user.gid}};
  if (!spec.user.additional_gids.empty())
    user["additionalGids"] = spec.user.additional_gids;

  Json mounts = Json::array({
      Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      Mount("/dev", "tmpfs", "tmpfs",
            {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
             "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm",
            {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
  });
  Json namespaces = Json::array(
      {{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}},
       {{"type", "mount"}}});
  if (spec.network == Network::kHost) {
    for (const char* file : {"/etc/resolv.conf", "/etc/hosts"}) {
      mounts.push_back(
          Mount(file, "bind", file, {"rbind", "ro", "nosuid", "nodev"}));
    }
  } else {
    namespaces.push_back({{"type", "network"}});
  }

  return Json{
      {"ociVersion", "1.0.2"},
      {"process",
       {{"terminal", false},
        {"user", user},
        {"args", spec.args},
        {"env", env},
        {"cwd", spec.cwd.empty() ? "/" : spec.cwd},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
        {"noNewPrivileges", true}}},
      {"root", {{"path", rootfs}, {"readonly", false}}},
      {"hostname", spec.hostname},
      {"mounts", mounts},
      {"linux",
       {{"namespaces", namespaces},
        {"resources",
         {{"devices", Json::array({{{"allow", false}, {"access", "rwm"}}})}}},
        {"maskedPaths",
         {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
          "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
          "/proc/sysrq-trigger"}}}},
  };
}

}  // namespace hpc::runtime
