// Telling the service manager when the plugin is ready and when it stops.
// Linux: systemd's notify protocol (sd_notify, for a Type=notify unit; a
// no-op when NOTIFY_SOCKET is not set). Windows: the service control
// manager hears from RunService (service.h), so these do nothing.
#ifndef HPC_PLUGIN_DAEMON_READINESS_H_
#define HPC_PLUGIN_DAEMON_READINESS_H_

namespace hpc::daemon {

// The socket serves: containerd may start.
void NotifyReady();

// A stop has begun.
void NotifyStopping();

}  // namespace hpc::daemon

#endif  // HPC_PLUGIN_DAEMON_READINESS_H_
