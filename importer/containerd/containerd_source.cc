#include "importer/containerd/containerd_source.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "importer/containerd/image_records.h"
#include "services/content/v1/content.grpc.pb.h"

namespace hpc::containerd {

namespace {

namespace api = ::containerd::services::content::v1;

class ReadStream final : public image::BlobStream {
 public:
  ReadStream(Connection& connection, const oci::Digest& digest)
      : connection_(connection),
        digest_(digest),
        stub_(api::Content::NewStub(connection.channel())),
        context_(connection.Context(absl::Hours(1))) {
    api::ReadContentRequest request;
    request.set_digest(digest.str());
    reader_ = stub_->Read(context_.get(), request);
  }

  absl::StatusOr<size_t> Read(char* dst, size_t n) override {
    while (pos_ == chunk_.data().size()) {
      if (done_) return 0;
      if (!reader_->Read(&chunk_)) {
        done_ = true;
        grpc::Status status = reader_->Finish();
        if (!status.ok()) {
          return connection_.Error(status,
                                   absl::StrCat("read ", digest_.str()));
        }
        chunk_.Clear();
        pos_ = 0;
        return 0;
      }
      pos_ = 0;
    }
    size_t k = std::min(n, chunk_.data().size() - pos_);
    std::memcpy(dst, chunk_.data().data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  Connection& connection_;
  oci::Digest digest_;
  std::unique_ptr<api::Content::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<api::ReadContentResponse>> reader_;
  api::ReadContentResponse chunk_;
  size_t pos_ = 0;
  bool done_ = false;
};

class ContainerdImage final : public image::ImageSource {
 public:
  ContainerdImage(std::unique_ptr<Connection> connection, std::string display,
                  ImageRecord record)
      : connection_(std::move(connection)),
        display_(std::move(display)),
        record_(std::move(record)) {}

  const std::string& name() const override { return display_; }
  const oci::Descriptor& root() const override { return record_.target; }
  std::vector<std::string> image_names() const override {
    return {record_.name};
  }
  absl::StatusOr<std::unique_ptr<image::BlobStream>> Open(
      const oci::Descriptor& blob) override {
    return std::unique_ptr<image::BlobStream>(
        new ReadStream(*connection_, blob.digest));
  }

 private:
  std::unique_ptr<Connection> connection_;
  std::string display_;
  ImageRecord record_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenContainerdImage(
    std::unique_ptr<Connection> connection, const std::string& name) {
  auto record = GetImageRecord(*connection, name);
  if (!record.ok()) return record.status();
  if (!record->has_value()) {
    return absl::NotFoundError(
        absl::StrCat("containerd (", connection->address(), ", namespace ",
                     connection->ns(), ") has no image named \"", name, "\""));
  }
  return std::unique_ptr<image::ImageSource>(new ContainerdImage(
      std::move(connection), absl::StrCat("containerd:", name),
      std::move(**record)));
}

}  // namespace hpc::containerd
