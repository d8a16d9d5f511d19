// Writing a blob through the Content API as containerd's remote writer
// does, for tests and tools that talk to the plugin directly.
#ifndef HPC_TESTS_TESTING_CONTENT_WRITE_H_
#define HPC_TESTS_TESTING_CONTENT_WRITE_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "services/content/v1/content.grpc.pb.h"

namespace hpc::testing {

// STAT for the offset to resume from, WRITE messages of `chunk` bytes from
// there, COMMIT with `digest` and the size. `sent`, when given, is raised to
// the end of every byte range sent. ALREADY_EXISTS (the same bytes
// committed first by another writer) counts as success.
grpc::Status WriteContent(
    ::containerd::services::content::v1::Content::Stub& stub,
    const std::string& ref, const std::string& data, const std::string& digest,
    int64_t chunk = 256 << 10, int64_t* sent = nullptr);

}  // namespace hpc::testing

#endif  // HPC_TESTS_TESTING_CONTENT_WRITE_H_
