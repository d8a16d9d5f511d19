// hpcimg explain: for an image and a set of Windows nodes and containerd
// releases, which manifest each containerd pulls (or that the pull fails)
// and why; the verdict, and the fix when anything fails.
#ifndef HPC_IMPORTER_EXPLAIN_EXPLAIN_H_
#define HPC_IMPORTER_EXPLAIN_EXPLAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/explain/containerd_version.h"
#include "importer/explain/matching_era.h"
#include "importer/explain/node_version.h"
#include "importer/image/image_source.h"
#include "importer/rewrite/platform.h"

namespace hpc::explain {

// The nodes and releases `hpcimg explain` looks at unless told otherwise:
// Windows Server 2019, 2022 and 2025, and one release of each main era.
std::vector<NodeVersion> DefaultNodes();
std::vector<ContainerdVersion> DefaultContainerdVersions();

// Who pulls: CRI (what kubelet asks for) or `ctr images pull`.
enum class Client { kCri, kCtr };

absl::StatusOr<Client> ParseClient(absl::string_view name);  // "cri", "ctr"
const char* ClientName(Client client);

struct IndexEntry {
  std::string digest;
  std::string media_type;
  std::optional<rewrite::Platform> platform;  // nullopt: the entry has none
};

struct NodeResult {
  NodeVersion node;
  ContainerdVersion containerd;
  const MatchingEra* era = nullptr;
  std::optional<size_t> chosen;  // entry index; for a manifest, 0
  std::string selected;          // digest, empty when the pull fails
  std::string reason;
  std::string failure;  // how the pull fails; empty when it does not
  // ctr: the entries it unpacks (2.x unpacks every one it fetches).
  std::vector<size_t> unpacked;
  // `ctr images import` on that node. For an index (in an OCI archive): the
  // entries its platform filter keeps; its unpack takes `chosen`. For a
  // manifest (in a docker-archive): whether the platform ctr gives it from
  // the config passes that filter; if not, the import fails with "image
  // might be filtered out".
  std::vector<size_t> import_kept;
  bool import_ok = true;
  std::string import_reason;
};

struct Explanation {
  std::string image;  // as the user named it
  Client client = Client::kCri;
  bool is_index = false;
  std::string digest;                 // of the root
  std::vector<IndexEntry> entries;    // an index's entries
  rewrite::Platform config_platform;  // a manifest's, from its config
  std::vector<NodeResult> results;    // node-major, in the order given
  bool fails = false;                 // some pull fails
  bool import_fails = false;          // some `ctr images import` fails
  std::string fix;  // empty when nothing fails or nothing can fix it
  // The fix also removes os.version from the config (for ctr's import).
  bool fix_strips_os_version = false;
};

absl::StatusOr<Explanation> Explain(
    image::ImageSource& source, const std::vector<NodeVersion>& nodes,
    const std::vector<ContainerdVersion>& releases,
    Client client = Client::kCri);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_EXPLAIN_H_
