#include "importer/unpack/unpack.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/oci/digester.h"
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "services/content/v1/content.grpc.pb.h"
#include "services/diff/v1/diff.grpc.pb.h"
#include "services/snapshots/v1/snapshots.grpc.pb.h"

namespace hpc::unpack {

namespace {

namespace snapshotsapi = ::containerd::services::snapshots::v1;
namespace diffapi = ::containerd::services::diff::v1;
namespace contentapi = ::containerd::services::content::v1;

// Sets one label on a blob.
absl::Status LabelBlob(containerd::Connection& connection,
                       const oci::Digest& digest, const std::string& key,
                       const std::string& value) {
  auto stub = contentapi::Content::NewStub(connection.channel());
  contentapi::UpdateRequest request;
  request.mutable_info()->set_digest(digest.str());
  (*request.mutable_info()->mutable_labels())[key] = value;
  request.mutable_update_mask()->add_paths(absl::StrCat("labels.", key));
  contentapi::UpdateResponse response;
  auto context = connection.Context(absl::Seconds(30));
  return connection.Error(stub->Update(context.get(), request, &response),
                          absl::StrCat("label ", digest.str()));
}

}  // namespace

const char* DefaultSnapshotter() {
#ifdef _WIN32
  return "windows";
#else
  return "overlayfs";
#endif
}

std::vector<oci::Digest> ChainIds(const std::vector<oci::Digest>& diff_ids) {
  std::vector<oci::Digest> chain;
  for (const oci::Digest& id : diff_ids) {
    chain.push_back(chain.empty() ? id
                                  : oci::Digester::Of(absl::StrCat(
                                        chain.back().str(), " ", id.str())));
  }
  return chain;
}

absl::StatusOr<UnpackResult> Unpack(containerd::Connection& connection,
                                    image::ImageSource& image,
                                    const std::string& snapshotter) {
  if (!oci::IsManifest(image.root().media_type)) {
    return absl::InvalidArgumentError(absl::StrCat(
        image.name(),
        ": only a single manifest can be unpacked; this is an index"));
  }
  auto manifest_bytes = image::ReadSmallBlob(image, image.root());
  if (!manifest_bytes.ok()) return manifest_bytes.status();
  auto manifest = oci::Manifest::Parse(*manifest_bytes, image.name());
  if (!manifest.ok()) return manifest.status();
  auto config_bytes = image::ReadSmallBlob(image, manifest->config());
  if (!config_bytes.ok()) return config_bytes.status();
  auto config = oci::ImageConfig::Parse(
      *config_bytes, absl::StrCat("config of ", image.name()));
  if (!config.ok()) return config.status();
  const std::vector<oci::Digest> diff_ids = config->diff_ids();
  if (diff_ids.size() != manifest->layers().size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        image.name(), ": ", manifest->layers().size(), " layers but ",
        diff_ids.size(), " diff IDs in the config"));
  }
  const std::vector<oci::Digest> chain = ChainIds(diff_ids);

  auto snapshots = snapshotsapi::Snapshots::NewStub(connection.channel());
  auto differ = diffapi::Diff::NewStub(connection.channel());
  std::random_device random;
  UnpackResult result;
  for (size_t i = 0; i < chain.size(); ++i) {
    const oci::Descriptor& layer = manifest->layers()[i];
    const std::string what =
        absl::StrCat("layer ", i + 1, " of ", image.name());
    snapshotsapi::StatSnapshotRequest stat;
    stat.set_snapshotter(snapshotter);
    stat.set_key(chain[i].str());
    snapshotsapi::StatSnapshotResponse stat_response;
    auto stat_context = connection.Context(absl::Seconds(30));
    grpc::Status stat_status =
        snapshots->Stat(stat_context.get(), stat, &stat_response);
    if (stat_status.ok()) {
      ++result.layers_present;
    } else if (stat_status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return connection.Error(stat_status,
                              absl::StrCat("stat snapshot of ", what));
    } else {
      const std::string key =
          absl::StrFormat("extract-%08x-%s", random(), chain[i].str());
      snapshotsapi::PrepareSnapshotRequest prepare;
      prepare.set_snapshotter(snapshotter);
      prepare.set_key(key);
      if (i > 0) prepare.set_parent(chain[i - 1].str());
      snapshotsapi::PrepareSnapshotResponse mounts;
      auto prepare_context = connection.Context(absl::Seconds(60));
      grpc::Status status =
          snapshots->Prepare(prepare_context.get(), prepare, &mounts);
      if (!status.ok())
        return connection.Error(status,
                                absl::StrCat("prepare snapshot for ", what));
      auto remove_key = [&] {
        snapshotsapi::RemoveSnapshotRequest remove;
        remove.set_snapshotter(snapshotter);
        remove.set_key(key);
        google::protobuf::Empty empty;
        auto context = connection.Context(absl::Seconds(60));
        snapshots->Remove(context.get(), remove, &empty);
      };

      diffapi::ApplyRequest apply;
      apply.mutable_diff()->set_media_type(layer.media_type);
      apply.mutable_diff()->set_digest(layer.digest.str());
      apply.mutable_diff()->set_size(layer.size);
      *apply.mutable_mounts() = mounts.mounts();
      diffapi::ApplyResponse applied;
      auto apply_context = connection.Context(absl::Hours(1));
      status = differ->Apply(apply_context.get(), apply, &applied);
      if (!status.ok()) {
        remove_key();
        return connection.Error(status, absl::StrCat("apply ", what));
      }
      if (applied.applied().digest() != diff_ids[i].str()) {
        remove_key();
        return absl::DataLossError(
            absl::StrCat(what, ": unpacked to ", applied.applied().digest(),
                         " but the config's diff ID is ", diff_ids[i].str(),
                         "; the image is corrupt"));
      }
      snapshotsapi::CommitSnapshotRequest commit;
      commit.set_snapshotter(snapshotter);
      commit.set_key(key);
      commit.set_name(chain[i].str());
      google::protobuf::Empty empty;
      auto commit_context = connection.Context(absl::Seconds(60));
      status = snapshots->Commit(commit_context.get(), commit, &empty);
      if (!status.ok()) {
        remove_key();
        if (status.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
          return connection.Error(status,
                                  absl::StrCat("commit snapshot of ", what));
        }
      }
      ++result.layers_applied;
    }
    if (absl::Status s =
            LabelBlob(connection, layer.digest, "containerd.io/uncompressed",
                      diff_ids[i].str());
        !s.ok()) {
      return s;
    }
  }
  if (!chain.empty()) {
    result.chain_id = chain.back().str();
    if (absl::Status s = LabelBlob(
            connection, manifest->config().digest,
            absl::StrCat("containerd.io/gc.ref.snapshot.", snapshotter),
            chain.back().str());
        !s.ok()) {
      return s;
    }
  }
  return result;
}

}  // namespace hpc::unpack
