#include "plugin/server/content_service.h"

#include "absl/strings/str_cat.h"
#include "importer/log/log.h"
#include "plugin/server/grpc_status.h"

namespace hpc::server {

namespace {

// List sends blobs in batches of this many, as containerd's server does.
constexpr int kListBatch = 100;

std::vector<std::string> Filters(
    const google::protobuf::RepeatedPtrField<std::string>& filters) {
  return std::vector<std::string>(filters.begin(), filters.end());
}

}  // namespace

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(t);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

void ToProto(const store::BlobInfo& info, contentapi::Info* out) {
  out->set_digest(info.digest.str());
  out->set_size(info.size);
  ToProto(info.created_at, out->mutable_created_at());
  ToProto(info.updated_at, out->mutable_updated_at());
  out->mutable_labels()->insert(info.labels.begin(), info.labels.end());
}

void ToProto(const store::IngestStatus& status, contentapi::Status* out) {
  out->set_ref(status.ref);
  out->set_offset(status.offset);
  out->set_total(status.total);
  out->set_expected(status.expected);
  ToProto(status.started_at, out->mutable_started_at());
  ToProto(status.updated_at, out->mutable_updated_at());
}

grpc::Status ContentService::Info(const contentapi::InfoRequest& request,
                                  contentapi::InfoResponse* response) {
  auto info = store_.Info(request.digest());
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::Update(const contentapi::UpdateRequest& request,
                                    contentapi::UpdateResponse* response) {
  const contentapi::Info& in = request.info();
  store::Labels labels(in.labels().begin(), in.labels().end());
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  auto info = store_.Update(in.digest(), labels, paths);
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::List(
    const contentapi::ListContentRequest& request,
    std::vector<contentapi::ListContentResponse>* batches) {
  absl::Status status =
      store_.Walk(Filters(request.filters()), [&](const store::BlobInfo& info) {
        if (batches->empty() || batches->back().info_size() >= kListBatch) {
          batches->emplace_back();
        }
        ToProto(info, batches->back().add_info());
        return absl::OkStatus();
      });
  return ToGrpcStatus(status);
}

grpc::Status ContentService::Delete(
    const contentapi::DeleteContentRequest& request, google::protobuf::Empty*) {
  log::Debug("delete content %s", request.digest());
  return ToGrpcStatus(store_.Delete(request.digest()));
}

grpc::Status ContentService::Status(const contentapi::StatusRequest& request,
                                    contentapi::StatusResponse* response) {
  auto status = store_.Status(request.ref());
  if (!status.ok()) {
    absl::Status s = status.status();
    return ToGrpcStatus(absl::Status(
        s.code(), absl::StrCat("could not get status for ref \"", request.ref(),
                               "\": ", s.message())));
  }
  ToProto(*status, response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status ContentService::ListStatuses(
    const contentapi::ListStatusesRequest& request,
    contentapi::ListStatusesResponse* response) {
  auto statuses = store_.ListStatuses(Filters(request.filters()));
  if (!statuses.ok()) return ToGrpcStatus(statuses.status());
  for (const store::IngestStatus& status : *statuses) {
    ToProto(status, response->add_statuses());
  }
  return grpc::Status::OK;
}

grpc::Status ContentService::Abort(const contentapi::AbortRequest& request,
                                   google::protobuf::Empty*) {
  return ToGrpcStatus(store_.Abort(request.ref()));
}

}  // namespace hpc::server
