#include "plugin/daemon/readiness.h"

namespace hpc::daemon {

void NotifyReady() {}
void NotifyStopping() {}

}  // namespace hpc::daemon
