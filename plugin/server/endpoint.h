// Where the plugin serves containerd: a unix socket on Linux, a named pipe
// on Windows (gRPC listens on loopback TCP there, behind an in-process pipe
// front; see pipe_front.h). Server drives an Endpoint around gRPC's start
// and stop; the platform's file (endpoint_posix.cc, endpoint_windows.cc)
// says what each step means.
#ifndef HPC_PLUGIN_SERVER_ENDPOINT_H_
#define HPC_PLUGIN_SERVER_ENDPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "plugin/server/async_calls.h"

namespace hpc::server {

class Endpoint {
 public:
  // Checks `address` and makes it ready to serve on: refuses one another
  // process serves, clears a stale one.
  static absl::StatusOr<std::unique_ptr<Endpoint>> Prepare(
      const std::string& address);

  virtual ~Endpoint() = default;

  // What gRPC listens on, and where it writes the port it picked (null when
  // there is no port).
  virtual std::string grpc_address() const = 0;
  virtual int* selected_port() { return nullptr; }
  // Called just before and just after gRPC starts listening.
  virtual void BeforeListen() {}
  virtual absl::Status Listening() = 0;
  // Which callers are served; null for all that reach the address.
  virtual const PeerFilter* peers() const { return nullptr; }
  // Stops taking connections and removes what Prepare made.
  virtual void Close() = 0;

  const std::string& address() const { return address_; }

 protected:
  explicit Endpoint(std::string address) : address_(std::move(address)) {}

 private:
  std::string address_;
};

// The plugin's default address on this system.
std::string DefaultEndpointAddress();

}  // namespace hpc::server

#endif  // HPC_PLUGIN_SERVER_ENDPOINT_H_
