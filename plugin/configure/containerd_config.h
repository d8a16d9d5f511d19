// Making hpc-content-plugin containerd's only content store in containerd's
// config.toml, as a text edit that keeps everything else: the built-in
// content plugin goes into disabled_plugins, and [proxy_plugins.NAME] names
// the plugin's address (and, from config version 3, exports its store root,
// for tools that look for the content root). Versions 2, 3 and 4 are
// understood; an edit that is already there is not made again.
#ifndef HPC_PLUGIN_CONFIGURE_CONTAINERD_CONFIG_H_
#define HPC_PLUGIN_CONFIGURE_CONTAINERD_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hpc::configure {

// containerd's built-in content store, which a content proxy replaces.
inline constexpr char kBuiltinContentPlugin[] =
    "io.containerd.content.v1.content";

struct ContentProxy {
  std::string name = "hpc";  // the table under proxy_plugins
  std::string address;       // the plugin's socket or pipe
  std::string root;          // the plugin's store, exported as exports.root
};

struct ConfigEdit {
  std::string text;  // the config after the edit
  int version = 0;   // the config's version
  // What changed, one line each; empty when the config already had it all.
  std::vector<std::string> changes;
};

// Edits `text`, a containerd config.toml called `source` in errors. An
// empty config becomes a version 2 one (read by containerd 1.6 to 2.x).
// Refused, naming the line: TOML that does not parse, a config without a
// version (containerd reads it as version 1) or of another version, a
// disabled_plugins that is not a list, and another content proxy.
absl::StatusOr<ConfigEdit> AddContentProxy(const std::string& text,
                                           const std::string& source,
                                           const ContentProxy& proxy);

}  // namespace hpc::configure

#endif  // HPC_PLUGIN_CONFIGURE_CONTAINERD_CONFIG_H_
