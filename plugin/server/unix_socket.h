// Preparing the unix socket the plugin listens on.
#ifndef HPC_PLUGIN_SERVER_UNIX_SOCKET_H_
#define HPC_PLUGIN_SERVER_UNIX_SOCKET_H_

#include <string>

#include "absl/status/status.h"

namespace hpc::server {

// Makes `path` ready to bind: creates its parent directory (mode 0711) if
// missing, and removes a stale socket that nothing listens on. Refuses a
// socket another process still serves, and anything that is not a socket.
absl::Status PrepareSocketPath(const std::string& path);

// True when something accepts connections on the unix socket `path`.
bool SocketAcceptsConnections(const std::string& path);

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_UNIX_SOCKET_H_
