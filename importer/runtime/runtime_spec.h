// The OCI runtime spec (config.json of a bundle) for one RUN of a build
// stage, as BuildKit's OCI worker writes it: the stage's root file system
// writable; mount, pid, ipc and uts namespaces (and network, unless the
// host's is asked for); /proc, a tmpfs /dev with the standard devices,
// /dev/pts, /dev/shm, /dev/mqueue and a read-only /sys; the host's
// /etc/resolv.conf and /etc/hosts bound read-only when the network is the
// host's; Docker's default capability set; no_new_privileges; the kernel
// files Docker masks, masked.
#ifndef HPC_IMPORTER_RUNTIME_RUNTIME_SPEC_H_
#define HPC_IMPORTER_RUNTIME_RUNTIME_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hpc::runtime {

enum class Network { kHost, kNone };

struct ProcessUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
};

struct RunSpec {
  std::vector<std::string> args;  // args[0] is looked up in the PATH of env
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";
  ProcessUser user;
  std::string hostname = "hpcimg";
  Network network = Network::kHost;
};

// Docker's default capabilities, in its order.
const std::vector<std::string>& DefaultCapabilities();

// The PATH a process gets when the stage sets none, as Docker's.
inline constexpr char kDefaultPath[] =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// config.json for `spec` over the root file system at `rootfs` (absolute).
nlohmann::json MakeRuntimeSpec(const RunSpec& spec, const std::string& rootfs);

}  // namespace hpc::runtime

#endif  // HPC_IMPORTER_RUNTIME_RUNTIME_SPEC_H_
