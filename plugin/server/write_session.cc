#include "plugin/server/write_session.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/log/log.h"
#include "plugin/server/content_service.h"
#include "plugin/server/grpc_status.h"

namespace hpc::server {

namespace api = ::containerd::services::content::v1;

grpc::Status WriteSession::Begin(const api::WriteContentRequest& request) {
  ref_ = request.ref();
  if (ref_.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "first message must have a reference");
  }
  total_ = request.total();
  expected_ = request.expected();
  auto writer =
      store_.OpenWriter(ref_, total_, expected_, absl::ZeroDuration());
  if (!writer.ok()) {
    ref_busy_ = absl::IsUnavailable(writer.status());
    return ToGrpcStatus(writer.status());
  }
  ref_busy_ = false;
  writer_ = std::move(*writer);
  return grpc::Status::OK;
}

grpc::Status WriteSession::Fail(const absl::Status& status) {
  finished_ = true;
  if (!absl::IsAlreadyExists(status)) {
    log::Warn("write of ref %s failed: %s", ref_, status.ToString());
  }
  return ToGrpcStatus(status);
}

void WriteSession::End() {
  finished_ = true;
  writer_.reset();
}

grpc::Status WriteSession::Handle(const api::WriteContentRequest& request,
                                  api::WriteContentResponse* response) {
  if (finished_) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "write stream continued after it ended");
  }
  if (writer_ == nullptr) {
    if (grpc::Status s = Begin(request); !s.ok()) {
      finished_ = !ref_busy_;
      return s;
    }
  }
  response->Clear();
  response->set_action(request.action());
  store::IngestStatus status = writer_->Status();
  response->set_offset(status.offset);

  if (!request.expected().empty()) {
    expected_ = request.expected();
    if (store_.Info(expected_).ok()) {
      writer_->Close().IgnoreError();
      store_.Abort(ref_).IgnoreError();
      return Fail(absl::AlreadyExistsError(
          absl::StrCat("blob with expected digest ", expected_, " exists")));
    }
  }
  if (request.total() > 0) total_ = request.total();

  switch (request.action()) {
    case api::STAT:
      break;
    case api::WRITE:
    case api::COMMIT: {
      if (request.offset() > 0 && request.offset() != status.offset) {
        return Fail(absl::OutOfRangeError(
            absl::StrFormat("write @%d must occur at current offset %d",
                            request.offset(), status.offset)));
      }
      if (request.offset() == 0 && status.offset > 0) {
        if (absl::Status s = writer_->Truncate(0); !s.ok()) return Fail(s);
      }
      if (!request.data().empty()) {
        if (absl::Status s = writer_->Write(request.data()); !s.ok())
          return Fail(s);
      }
      response->set_offset(writer_->Status().offset);
      if (request.action() == api::COMMIT) {
        store::Labels labels(request.labels().begin(), request.labels().end());
        absl::Status s = writer_->Commit(
            total_, expected_, request.labels().empty() ? nullptr : &labels);
        if (!s.ok()) return Fail(s);
        finished_ = true;
      }
      break;
    }
    default:
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("unknown write action ", request.action())));
  }
  response->set_digest(writer_->Digest().str());
  response->set_total(total_);
  ToProto(status.started_at, response->mutable_started_at());
  ToProto(writer_->Status().updated_at, response->mutable_updated_at());
  return grpc::Status::OK;
}

}  // namespace hpc::server
