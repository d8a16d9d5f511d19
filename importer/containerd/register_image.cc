#include "importer/containerd/register_image.h"

#include "absl/strings/str_cat.h"
#include "importer/containerd/content_client.h"
#include "importer/containerd/image_records.h"
#include "importer/containerd/lease.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/transport/image_name.h"

namespace hpc::containerd {

namespace {

// The labels that make containerd's garbage collector keep what a manifest
// or index refers to as long as the manifest or index is kept.
absl::StatusOr<Labels> GcLabels(image::ImageSource& source,
                                const oci::Descriptor& blob) {
  Labels labels;
  if (oci::IsManifest(blob.media_type)) {
    auto bytes = image::ReadSmallBlob(source, blob);
    if (!bytes.ok()) return bytes.status();
    auto manifest = oci::Manifest::Parse(
        *bytes, absl::StrCat("manifest of ", source.name()));
    if (!manifest.ok()) return manifest.status();
    labels["containerd.io/gc.ref.content.config"] =
        manifest->config().digest.str();
    for (size_t i = 0; i < manifest->layers().size(); ++i) {
      labels[absl::StrCat("containerd.io/gc.ref.content.l.", i)] =
          manifest->layers()[i].digest.str();
    }
  } else if (oci::IsIndex(blob.media_type)) {
    auto bytes = image::ReadSmallBlob(source, blob);
    if (!bytes.ok()) return bytes.status();
    auto index =
        oci::Index::Parse(*bytes, absl::StrCat("index of ", source.name()));
    if (!index.ok()) return index.status();
    for (size_t i = 0; i < index->manifests().size(); ++i) {
      labels[absl::StrCat("containerd.io/gc.ref.content.m.", i)] =
          index->manifests()[i].digest.str();
    }
  }
  return labels;
}

}  // namespace

absl::StatusOr<RegisterResult> RegisterImage(Connection& connection,
                                             image::ImageSource& source,
                                             const RegisterOptions& options) {
  if (options.names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.name(), ": no name to register under"));
  }
  for (const std::string& name : options.names) {
    if (absl::Status s = transport::ValidateImageName(name); !s.ok()) return s;
  }
  auto blobs = image::ListBlobs(source);
  if (!blobs.ok()) return blobs.status();

  auto lease = Lease::Acquire(connection, options.lease_expiry);
  if (!lease.ok()) return lease.status();

  RegisterResult result;
  for (const oci::Descriptor& blob : *blobs) {
    auto labels = GcLabels(source, blob);
    if (!labels.ok()) return labels.status();
    auto put = PutBlob(
        connection, blob, *labels, [&] { return source.Open(blob); },
        options.progress);
    if (!put.ok()) return put.status();
    switch (*put) {
      case PutResult::kPresent:
        ++result.blobs_present;
        break;
      case PutResult::kRegistered:
        ++result.blobs_registered;
        result.changed = true;
        break;
      case PutResult::kWritten:
        ++result.blobs_written;
        result.changed = true;
        break;
    }
  }

  // The records, each pointing at the root without platform data.
  oci::Descriptor target = source.root();
  target.platform.reset();
  std::vector<ImageRecord> records;
  const bool cri = options.cri_records && connection.ns() == kCriNamespace;
  Labels record_labels;
  if (cri) record_labels[kCriImageLabel] = "managed";
  if (options.pin) record_labels[kCriPinnedLabel] = "pinned";
  for (const std::string& name : options.names) {
    records.push_back({name, target, record_labels});
  }
  if (cri) {
    for (const std::string& name : options.names) {
      records.push_back({absl::StrCat(transport::RepositoryOf(name), "@",
                                      target.digest.str()),
                         target, record_labels});
    }
    if (oci::IsManifest(target.media_type)) {
      auto config = image::ConfigDigest(source);
      if (!config.ok()) return config.status();
      records.push_back({config->str(), target, record_labels});
    }
  }

  std::vector<std::string> created;
  auto remove_created = [&] {
    for (const std::string& name : created) {
      DeleteImageRecord(connection, name).IgnoreError();
    }
  };
  for (const ImageRecord& record : records) {
    auto put = PutImageRecord(connection, record);
    if (!put.ok()) {
      remove_created();
      return put.status();
    }
    if (*put == RecordChange::kCreated) created.push_back(record.name);
    if (*put != RecordChange::kUnchanged) result.changed = true;
    result.records.push_back(record.name);
  }
  if (options.after_records) {
    if (absl::Status s = options.after_records(connection); !s.ok()) {
      remove_created();
      return s;
    }
  }
  if (absl::Status s = (*lease)->Release(); !s.ok()) return s;
  return result;
}

}  // namespace hpc::containerd
