#include "importer/containerd/content_client.h"

#include "absl/strings/str_cat.h"
#include "services/content/v1/content.grpc.pb.h"

namespace hpc::containerd {

namespace api = ::containerd::services::content::v1;

namespace {

constexpr size_t kWriteChunk = 1 << 20;
constexpr int kWritesInFlight = 4;

// Adds the labels `info` lacks.
absl::Status EnsureLabels(Connection& connection, api::Content::Stub& stub,
                          const api::Info& info, const Labels& labels) {
  api::UpdateRequest request;
  for (const auto& [key, value] : labels) {
    auto it = info.labels().find(key);
    if (it != info.labels().end() && it->second == value) continue;
    (*request.mutable_info()->mutable_labels())[key] = value;
    request.mutable_update_mask()->add_paths(absl::StrCat("labels.", key));
  }
  if (request.update_mask().paths().empty()) return absl::OkStatus();
  request.mutable_info()->set_digest(info.digest());
  api::UpdateResponse response;
  auto context = connection.Context();
  return connection.Error(stub.Update(context.get(), request, &response),
                          absl::StrCat("label ", info.digest()));
}

absl::StatusOr<api::Info> Info(Connection& connection, api::Content::Stub& stub,
                               const std::string& digest) {
  api::InfoRequest request;
  request.set_digest(digest);
  api::InfoResponse response;
  auto context = connection.Context(absl::Seconds(30));
  grpc::Status status = stub.Info(context.get(), request, &response);
  if (!status.ok())
    return connection.Error(status, absl::StrCat("info ", digest));
  return response.info();
}

// Writes `blob` through a Write stream, sending only what containerd lacks.
absl::StatusOr<PutResult> WriteBlob(
    Connection& connection, api::Content::Stub* stub,
    const oci::Descriptor& blob, const Labels& labels,
    const std::function<absl::StatusOr<std::unique_ptr<image::BlobStream>>()>&
        open,
    const Progress& progress) {
  const std::string digest = blob.digest.str();
  auto context = connection.Context(absl::Hours(1));
  auto stream = stub->Write(context.get());
  api::WriteContentRequest request;
  api::WriteContentResponse response;
  request.set_action(api::STAT);
  request.set_ref(absl::StrCat("hpcimg-", digest));
  request.set_total(blob.size);
  request.set_expected(digest);
  auto fail = [&](absl::string_view what) -> absl::Status {
    stream->WritesDone();
    while (stream->Read(&response)) {
    }
    grpc::Status status = stream->Finish();
    if (status.ok()) {
      status = grpc::Status(grpc::StatusCode::UNKNOWN, "stream ended early");
    }
    return connection.Error(status, absl::StrCat(what, " ", digest));
  };
  if (!stream->Write(request) || !stream->Read(&response)) return fail("write");

  int64_t offset = response.offset();
  PutResult result = PutResult::kRegistered;
  if (offset != blob.size) {
    result = PutResult::kWritten;
    auto source = open();
    if (!source.ok()) return source.status();
    std::string buffer(kWriteChunk, '\0');
    int64_t skipped = 0;
    while (skipped < offset) {  // the ingest already holds these bytes
      size_t want =
          static_cast<size_t>(std::min<int64_t>(offset - skipped, kWriteChunk));
      auto n = (*source)->Read(buffer.data(), want);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      skipped += static_cast<int64_t>(*n);
    }
    // Writes are pipelined: up to kWritesInFlight requests go out before
    // their answers are read, so reading the source and sending overlap
    // with the store's writing and hashing. Each request names its offset,
    // which the server checks.
    int64_t sent = offset;
    int in_flight = 0;
    auto receive = [&]() -> bool {
      if (!stream->Read(&response)) return false;
      --in_flight;
      offset = response.offset();
      if (progress) progress(blob, offset);
      return true;
    };
    while (true) {
      auto n = (*source)->Read(buffer.data(), buffer.size());
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      request.Clear();
      request.set_action(api::WRITE);
      request.set_offset(sent);
      request.set_data(buffer.data(), *n);
      if (!stream->Write(request)) return fail("write");
      sent += static_cast<int64_t>(*n);
      ++in_flight;
      if (in_flight >= kWritesInFlight && !receive()) return fail("write");
    }
    while (in_flight > 0) {
      if (!receive()) return fail("write");
    }
  }
  request.Clear();
  request.set_action(api::COMMIT);
  request.set_offset(offset);
  request.set_total(blob.size);
  request.set_expected(digest);
  request.mutable_labels()->insert(labels.begin(), labels.end());
  if (!stream->Write(request) || !stream->Read(&response))
    return fail("commit");
  stream->WritesDone();
  // containerd's server sends the last response once more as it ends the
  // stream; Finish needs every message read.
  while (stream->Read(&response)) {
  }
  grpc::Status status = stream->Finish();
  if (!status.ok() && status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
    return connection.Error(status, absl::StrCat("commit ", digest));
  }
  return result;
}

}  // namespace

absl::StatusOr<PutResult> PutBlob(
    Connection& connection, const oci::Descriptor& blob, const Labels& labels,
    const std::function<absl::StatusOr<std::unique_ptr<image::BlobStream>>()>&
        open,
    const Progress& progress) {
  auto stub = api::Content::NewStub(connection.channel());
  const std::string digest = blob.digest.str();
  auto existing = Info(connection, *stub, digest);
  if (existing.ok()) {
    if (absl::Status s = EnsureLabels(connection, *stub, *existing, labels);
        !s.ok())
      return s;
    return PutResult::kPresent;
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  auto written =
      WriteBlob(connection, stub.get(), blob, labels, open, progress);
  if (written.ok() || !absl::IsAlreadyExists(written.status())) return written;
  // Someone else committed it meanwhile.
  existing = Info(connection, *stub, digest);
  if (!existing.ok()) return existing.status();
  if (absl::Status s = EnsureLabels(connection, *stub, *existing, labels);
      !s.ok())
    return s;
  return PutResult::kPresent;
}

}  // namespace hpc::containerd
