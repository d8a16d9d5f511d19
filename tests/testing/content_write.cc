#include "tests/testing/content_write.h"

#include <algorithm>

namespace hpc::testing {

namespace content = ::containerd::services::content::v1;

grpc::Status WriteContent(content::Content::Stub& stub, const std::string& ref,
                          const std::string& data, const std::string& digest,
                          int64_t chunk, int64_t* sent) {
  grpc::ClientContext ctx;
  auto stream = stub.Write(&ctx);
  content::WriteContentRequest req;
  content::WriteContentResponse resp;
  req.set_action(content::STAT);
  req.set_ref(ref);
  bool ok = stream->Write(req) && stream->Read(&resp);
  const int64_t size = static_cast<int64_t>(data.size());
  int64_t offset = ok && resp.offset() <= size ? resp.offset() : 0;
  while (ok && offset < size) {
    const int64_t n = std::min(chunk, size - offset);
    req.Clear();
    req.set_action(content::WRITE);
    req.set_ref(ref);
    req.set_offset(offset);
    req.set_data(data.substr(offset, n));
    if (sent != nullptr) *sent = std::max(*sent, offset + n);
    ok = stream->Write(req) && stream->Read(&resp);
    offset = resp.offset();
  }
  if (ok) {
    req.Clear();
    req.set_action(content::COMMIT);
    req.set_ref(ref);
    req.set_offset(size);
    req.set_total(size);
    req.set_expected(digest);
    ok = stream->Write(req) && stream->Read(&resp);
  }
  stream->WritesDone();
  // containerd's own server answers a commit twice: read to the end.
  while (stream->Read(&resp)) {
  }
  grpc::Status status = stream->Finish();
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    return grpc::Status::OK;
  }
  if (status.ok() && !ok) {
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        "the write stream ended early");
  }
  return status;
}

}  // namespace hpc::testing
