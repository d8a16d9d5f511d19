#include "plugin/daemon/readiness.h"

#ifdef HPC_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace hpc::daemon {

void NotifyReady() {
#ifdef HPC_HAVE_SYSTEMD
  sd_notify(0, "READY=1\nSTATUS=serving");
#endif
}

void NotifyStopping() {
#ifdef HPC_HAVE_SYSTEMD
  sd_notify(0, "STOPPING=1");
#endif
}

}  // namespace hpc::daemon
