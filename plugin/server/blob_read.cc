#include "plugin/server/blob_read.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "plugin/server/grpc_status.h"

namespace hpc::server {

namespace {

using containerd::services::content::v1::ReadContentRequest;
using containerd::services::content::v1::ReadContentResponse;

// Larger reads are streamed in chunks of this size, as containerd's server
// does.
constexpr int64_t kReadChunk = 1 << 20;

class BlobReadReactor final : public grpc::ServerWriteReactor<ReadContentResponse> {
 public:
  BlobReadReactor(std::shared_ptr<const store::BlobReader> reader, std::string digest,
                  int64_t offset, int64_t remaining)
      : reader_(std::move(reader)),
        digest_(std::move(digest)),
        offset_(offset),
        remaining_(remaining) {
    WriteNext();
  }

  explicit BlobReadReactor(const grpc::Status& error) { Finish(error); }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "client went away during Read"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (remaining_ == 0) {
      Finish(grpc::Status::OK);
      return;
    }
    size_t want = static_cast<size_t>(std::min(remaining_, kReadChunk));
    std::string* data = response_.mutable_data();
    data->resize(want);
    auto n = reader_->ReadAt(offset_, data->data(), want);
    if (!n.ok()) {
      Finish(ToGrpcStatus(n.status()));
      return;
    }
    if (*n == 0) {
      Finish(grpc::Status(grpc::StatusCode::DATA_LOSS,
                          absl::StrCat("content ", digest_, " ended at ", offset_,
                                       " of ", reader_->size(), " bytes")));
      return;
    }
    data->resize(*n);
    response_.set_offset(offset_);
    offset_ += static_cast<int64_t>(*n);
    remaining_ -= static_cast<int64_t>(*n);
    if (remaining_ == 0) {
      // Message and status in one write.
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      StartWrite(&response_);
    }
  }

  std::shared_ptr<const store::BlobReader> reader_;
  std::string digest_;
  int64_t offset_ = 0;
  int64_t remaining_ = 0;
  ReadContentResponse response_;
};

}  // namespace

grpc::ServerWriteReactor<ReadContentResponse>* StartBlobRead(
    store::Store& store, const ReadContentRequest& request) {
  auto reader = store.ReaderAt(request.digest());
  if (!reader.ok()) return new BlobReadReactor(ToGrpcStatus(reader.status()));
  const int64_t size = (*reader)->size();
  int64_t offset = std::max<int64_t>(request.offset(), 0);
  if (offset > size) {
    return new BlobReadReactor(grpc::Status(
        grpc::StatusCode::OUT_OF_RANGE, absl::StrCat("read past object length ", size, " bytes")));
  }
  // The size asked for is what the caller wants, not the blob's size, which
  // it may not know: anything up to the end.
  int64_t remaining = request.size();
  if (remaining <= 0 || remaining > size - offset) remaining = size - offset;
  return new BlobReadReactor(std::move(*reader), request.digest(), offset, remaining);
}

}  // namespace hpc::server
