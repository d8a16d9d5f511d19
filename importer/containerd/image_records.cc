#include "importer/containerd/image_records.h"

#include "absl/strings/str_cat.h"
#include "services/images/v1/images.grpc.pb.h"

namespace hpc::containerd {

namespace api = ::containerd::services::images::v1;

namespace {

void ToProto(const ImageRecord& record, api::Image* out) {
  out->set_name(record.name);
  out->mutable_labels()->insert(record.labels.begin(), record.labels.end());
  auto* target = out->mutable_target();
  target->set_media_type(record.target.media_type);
  target->set_digest(record.target.digest.str());
  target->set_size(record.target.size);
  target->mutable_annotations()->insert(record.target.annotations.begin(),
                                        record.target.annotations.end());
}

}  // namespace

absl::StatusOr<std::optional<ImageRecord>> GetImageRecord(
    Connection& connection, const std::string& name) {
  auto stub = api::Images::NewStub(connection.channel());
  api::GetImageRequest request;
  request.set_name(name);
  api::GetImageResponse response;
  auto context = connection.Context(absl::Seconds(30));
  grpc::Status status = stub->Get(context.get(), request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
  if (!status.ok())
    return connection.Error(status, absl::StrCat("get image ", name));
  ImageRecord record;
  record.name = response.image().name();
  record.labels.insert(response.image().labels().begin(),
                       response.image().labels().end());
  const auto& target = response.image().target();
  record.target.media_type = target.media_type();
  auto digest = oci::Digest::Parse(target.digest());
  if (!digest.ok()) return digest.status();
  record.target.digest = *digest;
  record.target.size = target.size();
  record.target.annotations.insert(target.annotations().begin(),
                                   target.annotations().end());
  return record;
}

absl::StatusOr<RecordChange> PutImageRecord(Connection& connection,
                                            const ImageRecord& record) {
  auto existing = GetImageRecord(connection, record.name);
  if (!existing.ok()) return existing.status();
  auto stub = api::Images::NewStub(connection.channel());
  if (!existing->has_value()) {
    api::CreateImageRequest request;
    ToProto(record, request.mutable_image());
    api::CreateImageResponse response;
    auto context = connection.Context(absl::Seconds(30));
    grpc::Status status = stub->Create(context.get(), request, &response);
    if (status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      if (!status.ok())
        return connection.Error(status,
                                absl::StrCat("create image ", record.name));
      return RecordChange::kCreated;
    }
  } else {
    const ImageRecord& old = **existing;
    bool same_labels = true;
    for (const auto& [k, v] : record.labels) {
      auto it = old.labels.find(k);
      if (it == old.labels.end() || it->second != v) same_labels = false;
    }
    if (old.target.digest == record.target.digest &&
        old.target.media_type == record.target.media_type && same_labels) {
      return RecordChange::kUnchanged;
    }
  }
  api::UpdateImageRequest request;
  ToProto(record, request.mutable_image());
  request.mutable_update_mask()->add_paths("target");
  for (const auto& [k, v] : record.labels) {
    request.mutable_update_mask()->add_paths(absl::StrCat("labels.", k));
  }
  api::UpdateImageResponse response;
  auto context = connection.Context(absl::Seconds(30));
  grpc::Status status = stub->Update(context.get(), request, &response);
  if (!status.ok())
    return connection.Error(status, absl::StrCat("update image ", record.name));
  return RecordChange::kUpdated;
}

absl::StatusOr<bool> RemoveImageLabel(Connection& connection,
                                      const std::string& name,
                                      const std::string& key) {
  auto existing = GetImageRecord(connection, name);
  if (!existing.ok()) return existing.status();
  if (!existing->has_value() || (*existing)->labels.count(key) == 0) {
    return false;
  }
  ImageRecord record = **existing;
  record.labels.erase(key);
  // A labels.KEY path whose label the request lacks removes it.
  api::UpdateImageRequest request;
  ToProto(record, request.mutable_image());
  request.mutable_update_mask()->add_paths(absl::StrCat("labels.", key));
  api::UpdateImageResponse response;
  auto stub = api::Images::NewStub(connection.channel());
  auto context = connection.Context(absl::Seconds(30));
  grpc::Status status = stub->Update(context.get(), request, &response);
  if (!status.ok()) {
    return connection.Error(status,
                            absl::StrCat("remove label ", key, " of ", name));
  }
  return true;
}

absl::Status DeleteImageRecord(Connection& connection,
                               const std::string& name) {
  auto stub = api::Images::NewStub(connection.channel());
  api::DeleteImageRequest request;
  request.set_name(name);
  google::protobuf::Empty empty;
  auto context = connection.Context(absl::Seconds(30));
  return connection.Error(stub->Delete(context.get(), request, &empty),
                          absl::StrCat("delete image ", name));
}

}  // namespace hpc::containerd
