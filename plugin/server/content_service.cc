#include "plugin/server/content_service.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/log/log.h"
#include "plugin/server/blob_read.h"
#include "plugin/server/grpc_status.h"

namespace hpc::server {

namespace {

// List sends blobs in batches of this many.
constexpr size_t kListBatch = 100;

void SetTime(absl::Time t, google::protobuf::Timestamp* out) {
  timespec ts = absl::ToTimespec(t);
  out->set_seconds(ts.tv_sec);
  out->set_nanos(static_cast<int32_t>(ts.tv_nsec));
}

void ToProto(const store::BlobInfo& info, contentapi::Info* out) {
  out->set_digest(info.digest.str());
  out->set_size(info.size);
  SetTime(info.created_at, out->mutable_created_at());
  SetTime(info.updated_at, out->mutable_updated_at());
  out->mutable_labels()->insert(info.labels.begin(), info.labels.end());
}

void ToProto(const store::IngestStatus& status, contentapi::Status* out) {
  out->set_ref(status.ref);
  out->set_offset(status.offset);
  out->set_total(status.total);
  out->set_expected(status.expected);
  SetTime(status.started_at, out->mutable_started_at());
  SetTime(status.updated_at, out->mutable_updated_at());
}

std::vector<std::string> Filters(
    const google::protobuf::RepeatedPtrField<std::string>& filters) {
  return std::vector<std::string>(filters.begin(), filters.end());
}

}  // namespace

ContentService::ContentService(store::Store& store) : store_(store) {}

grpc::Status ContentService::Info(grpc::ServerContext*,
                                  const contentapi::InfoRequest* request,
                                  contentapi::InfoResponse* response) {
  auto info = store_.Info(request->digest());
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::Update(grpc::ServerContext*,
                                    const contentapi::UpdateRequest* request,
                                    contentapi::UpdateResponse* response) {
  const contentapi::Info& in = request->info();
  store::Labels labels(in.labels().begin(), in.labels().end());
  std::vector<std::string> paths(request->update_mask().paths().begin(),
                                 request->update_mask().paths().end());
  auto info = store_.Update(in.digest(), labels, paths);
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response->mutable_info());
  return grpc::Status::OK;
}

grpc::Status ContentService::List(
    grpc::ServerContext* context, const contentapi::ListContentRequest* request,
    grpc::ServerWriter<contentapi::ListContentResponse>* writer) {
  contentapi::ListContentResponse batch;
  auto flush = [&]() -> absl::Status {
    if (context->IsCancelled() || !writer->Write(batch)) {
      return absl::CancelledError("client went away during List");
    }
    batch.clear_info();
    return absl::OkStatus();
  };
  absl::Status status =
      store_.Walk(Filters(request->filters()), [&](const store::BlobInfo& info) {
        ToProto(info, batch.add_info());
        return static_cast<size_t>(batch.info_size()) >= kListBatch
                   ? flush()
                   : absl::OkStatus();
      });
  if (status.ok() && batch.info_size() > 0) status = flush();
  return ToGrpcStatus(status);
}

grpc::Status ContentService::Delete(grpc::ServerContext*,
                                    const contentapi::DeleteContentRequest* request,
                                    google::protobuf::Empty*) {
  log::Debug("delete content %s", request->digest());
  return ToGrpcStatus(store_.Delete(request->digest()));
}

grpc::ServerWriteReactor<contentapi::ReadContentResponse>* ContentService::Read(
    grpc::CallbackServerContext*, const contentapi::ReadContentRequest* request) {
  return StartBlobRead(store_, *request);
}

grpc::Status ContentService::Status(grpc::ServerContext*,
                                    const contentapi::StatusRequest* request,
                                    contentapi::StatusResponse* response) {
  auto status = store_.Status(request->ref());
  if (!status.ok()) {
    absl::Status s = status.status();
    return ToGrpcStatus(absl::Status(
        s.code(), absl::StrCat("could not get status for ref \"", request->ref(),
                               "\": ", s.message())));
  }
  ToProto(*status, response->mutable_status());
  return grpc::Status::OK;
}

grpc::Status ContentService::ListStatuses(
    grpc::ServerContext*, const contentapi::ListStatusesRequest* request,
    contentapi::ListStatusesResponse* response) {
  auto statuses = store_.ListStatuses(Filters(request->filters()));
  if (!statuses.ok()) return ToGrpcStatus(statuses.status());
  for (const store::IngestStatus& status : *statuses) {
    ToProto(status, response->add_statuses());
  }
  return grpc::Status::OK;
}

grpc::Status ContentService::Write(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<contentapi::WriteContentResponse,
                             contentapi::WriteContentRequest>* stream) {
  contentapi::WriteContentRequest request;
  if (!stream->Read(&request)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "write stream closed before its first message");
  }
  const std::string ref = request.ref();
  if (ref.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "first message must have a reference");
  }
  int64_t total = request.total();
  std::string expected = request.expected();

  // Holds the ref's lock until the stream ends; dropping it without a
  // commit keeps the ingest for a resume.
  auto writer = store_.OpenWriter(ref, total, expected);
  if (!writer.ok()) return ToGrpcStatus(writer.status());
  auto fail = [&](const absl::Status& status) {
    if (!absl::IsAlreadyExists(status)) {
      log::Warn("write of ref %s failed: %s", ref, status.ToString());
    }
    return ToGrpcStatus(status);
  };

  contentapi::WriteContentResponse response;
  while (true) {
    response.Clear();
    response.set_action(request.action());
    store::IngestStatus status = (*writer)->Status();
    response.set_offset(status.offset);

    if (!request.expected().empty()) {
      expected = request.expected();
      if (store_.Info(expected).ok()) {
        (*writer)->Close().IgnoreError();
        store_.Abort(ref).IgnoreError();
        return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                            absl::StrCat("blob with expected digest ", expected,
                                         " exists"));
      }
    }
    if (request.total() > 0) total = request.total();

    switch (request.action()) {
      case contentapi::STAT:
        break;
      case contentapi::WRITE:
      case contentapi::COMMIT: {
        if (request.offset() > 0 && request.offset() != status.offset) {
          return fail(absl::OutOfRangeError(absl::StrFormat(
              "write @%d must occur at current offset %d", request.offset(),
              status.offset)));
        }
        if (request.offset() == 0 && status.offset > 0) {
          if (absl::Status s = (*writer)->Truncate(0); !s.ok()) return fail(s);
        }
        if (!request.data().empty()) {
          absl::Status s = (*writer)->Write(request.data());
          if (!s.ok()) return fail(s);
        }
        response.set_offset((*writer)->Status().offset);
        if (request.action() == contentapi::COMMIT) {
          store::Labels labels(request.labels().begin(), request.labels().end());
          absl::Status s = (*writer)->Commit(
              total, expected, request.labels().empty() ? nullptr : &labels);
          if (!s.ok()) return fail(s);
        }
        break;
      }
      default:
        return fail(absl::InvalidArgumentError(
            absl::StrCat("unknown write action ", request.action())));
    }
    response.set_digest((*writer)->Digest().str());
    response.set_total(total);
    SetTime(status.started_at, response.mutable_started_at());
    SetTime((*writer)->Status().updated_at, response.mutable_updated_at());
    if (!stream->Write(response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away during Write");
    }
    if (request.action() == contentapi::COMMIT) return grpc::Status::OK;
    if (!stream->Read(&request)) {
      // The client closed its side or went away: keep the ingest resumable.
      (void)context;
      return grpc::Status::OK;
    }
  }
}

grpc::Status ContentService::Abort(grpc::ServerContext*,
                                   const contentapi::AbortRequest* request,
                                   google::protobuf::Empty*) {
  return ToGrpcStatus(store_.Abort(request->ref()));
}

}  // namespace hpc::server
