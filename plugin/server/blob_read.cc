#include "plugin/server/blob_read.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "plugin/server/grpc_status.h"

namespace hpc::server {

namespace {
// Larger reads are streamed in chunks of this size, as containerd's server
// does.
constexpr int64_t kReadChunk = 1 << 20;
}  // namespace

grpc::Status BlobRead::Start(
    store::Store& store,
    const containerd::services::content::v1::ReadContentRequest& request) {
  auto reader = store.ReaderAt(request.digest());
  if (!reader.ok()) return ToGrpcStatus(reader.status());
  reader_ = std::move(*reader);
  digest_ = request.digest();
  const int64_t size = reader_->size();
  offset_ = std::max<int64_t>(request.offset(), 0);
  if (offset_ > size) {
    return grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE,
        absl::StrCat("read past object length ", size, " bytes"));
  }
  // The size asked for is what the caller wants, not the blob's size, which
  // it may not know: anything up to the end.
  remaining_ = request.size();
  if (remaining_ <= 0 || remaining_ > size - offset_)
    remaining_ = size - offset_;
  return grpc::Status::OK;
}

grpc::Status BlobRead::Next(
    containerd::services::content::v1::ReadContentResponse* response) {
  size_t want = static_cast<size_t>(std::min(remaining_, kReadChunk));
  std::string* data = response->mutable_data();
  data->resize(want);
  auto n = reader_->ReadAt(offset_, data->data(), want);
  if (!n.ok()) return ToGrpcStatus(n.status());
  if (*n == 0) {
    return grpc::Status(grpc::StatusCode::DATA_LOSS,
                        absl::StrCat("content ", digest_, " ended at ", offset_,
                                     " of ", reader_->size(), " bytes"));
  }
  data->resize(*n);
  response->set_offset(offset_);
  offset_ += static_cast<int64_t>(*n);
  remaining_ -= static_cast<int64_t>(*n);
  return grpc::Status::OK;
}

}  // namespace hpc::server
