// Keeps gRPC initialised for the whole test program. Without it, a test
// that destroys its last gRPC object (a server and a channel in the same
// process) shuts the library down, which can take seconds, and the next
// test starts it again.
#include <grpc/grpc.h>

#include "gtest/gtest.h"

namespace {

class GrpcLibrary : public ::testing::Environment {
 public:
  void SetUp() override { grpc_init(); }
  void TearDown() override { grpc_shutdown(); }
};

const auto* const kGrpcLibrary =
    ::testing::AddGlobalTestEnvironment(new GrpcLibrary);

}  // namespace
