#include "importer/copy/import_archive.h"

#include "absl/strings/str_cat.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/content_client.h"
#include "importer/containerd/register_image.h"
#include "importer/oci/manifest.h"
#include "importer/oci/media_types.h"
#include "importer/transport/archive_source.h"

namespace hpc::copy {

namespace {

// Imports one image through `connection` (and `plugin`, when set).
absl::StatusOr<ImportedImage> ImportOne(image::ImageSource& source,
                                        containerd::Connection& connection,
                                        containerd::Connection* plugin,
                                        const ImportOptions& options) {
  ImportedImage result;
  result.archive = source.name();
  image::ImageSource* image = &source;
  std::unique_ptr<image::ImageSource> rewritten;
  if (!options.keep_index) {
    auto r = rewrite::RewriteToSingleManifest(source, options.rewrite);
    if (!r.ok()) return r.status();
    rewritten = std::move(r->image);
    result.changes = std::move(r->changes);
    image = rewritten.get();
  }

  if (plugin != nullptr) {
    auto blobs = image::ListBlobs(*image);
    if (!blobs.ok()) return blobs.status();
    for (const oci::Descriptor& blob : *blobs) {
      auto put = containerd::PutBlob(
          *plugin, blob, {}, [&] { return image->Open(blob); },
          options.progress);
      if (!put.ok()) {
        return absl::Status(
            put.status().code(),
            absl::StrCat("importing ", source.name(), " into the plugin at ",
                         options.plugin_address, ": ", put.status().message()));
      }
      if (*put == containerd::PutResult::kWritten) ++result.blobs_to_plugin;
    }
  }

  containerd::RegisterOptions register_options;
  if (!options.name.empty()) {
    register_options.names = {options.name};
  } else if (!image->image_names().empty()) {
    register_options.names = image->image_names();
  } else {
    // No name: register under the image's ID.
    std::string id = image->root().digest.str();
    if (oci::IsManifest(image->root().media_type)) {
      auto config = image::ConfigDigest(*image);
      if (!config.ok()) return config.status();
      id = config->str();
    }
    register_options.names = {id};
    result.warnings.push_back(absl::StrCat(source.name(),
                                           " has no name; registered as ", id,
                                           " (use --name to name it)"));
  }
  register_options.cri_records = options.cri_records;
  register_options.pin = options.pin;
  register_options.progress = options.progress;
  register_options.lease_expiry = options.lease_expiry;
  // A kept index is registered as it is, and the manifest the rewrite
  // would have chosen from it is unpacked (as ctr images import unpacks
  // the platform it is given).
  std::unique_ptr<image::ImageSource> unpacked_manifest;
  if (options.unpack && oci::IsIndex(image->root().media_type)) {
    auto chosen = rewrite::ChooseManifest(*image, options.rewrite.platform);
    if (!chosen.ok()) {
      return absl::Status(
          chosen.status().code(),
          absl::StrCat("importing ", source.name(),
                       " with its index kept, the manifest to unpack: ",
                       chosen.status().message(), " (or --no-unpack)"));
    }
    unpacked_manifest = image::WithRoot(*image, chosen->manifest);
    result.changes.push_back(absl::StrCat("index kept; unpacking its manifest ",
                                          chosen->description));
  }
  if (options.unpack) {
    register_options.after_records =
        [&](containerd::Connection& c) -> absl::Status {
      image::ImageSource& to_unpack =
          unpacked_manifest != nullptr ? *unpacked_manifest : *image;
      auto unpacked = unpack::Unpack(c, to_unpack, options.snapshotter);
      if (!unpacked.ok()) return unpacked.status();
      result.unpacked = *unpacked;
      return absl::OkStatus();
    };
  }
  auto registered =
      containerd::RegisterImage(connection, *image, register_options);
  if (!registered.ok()) {
    return absl::Status(registered.status().code(),
                        absl::StrCat("importing ", source.name(), ": ",
                                     registered.status().message()));
  }
  result.records = registered->records;
  result.root = image->root();
  result.blobs = registered->blobs_written + registered->blobs_registered +
                 registered->blobs_present;
  result.blobs_written = registered->blobs_written;
  result.blobs_registered = registered->blobs_registered;
  result.changed = registered->changed || result.unpacked.layers_applied > 0 ||
                   result.blobs_to_plugin > 0;
  return result;
}

// containerd, and the plugin when blobs go straight to it.
absl::Status Dial(const ImportOptions& options,
                  std::unique_ptr<containerd::Connection>* connection,
                  std::unique_ptr<containerd::Connection>* plugin) {
  auto dialed = containerd::Connection::Dial(options.containerd_address,
                                             options.containerd_namespace,
                                             absl::Seconds(10));
  if (!dialed.ok()) return dialed.status();
  *connection = std::move(*dialed);
  if (!options.plugin_address.empty()) {
    // The plugin serves one store for every namespace; the name is unused.
    auto to_plugin = containerd::Connection::Dial(options.plugin_address,
                                                  options.containerd_namespace,
                                                  absl::Seconds(10));
    if (!to_plugin.ok()) return to_plugin.status();
    *plugin = std::move(*to_plugin);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportedImage> ImportImage(image::ImageSource& source,
                                          const ImportOptions& options) {
  std::unique_ptr<containerd::Connection> connection, plugin;
  if (absl::Status s = Dial(options, &connection, &plugin); !s.ok()) return s;
  return ImportOne(source, *connection, plugin.get(), options);
}

absl::StatusOr<std::vector<ImportedImage>> ImportArchive(
    const std::string& path, const ImportOptions& options) {
  auto archive = transport::ImageArchive::Open(path, options.archive_limits);
  if (!archive.ok()) return archive.status();
  const transport::ArchiveContents* contents = &(*archive)->contents();
  if (!options.name.empty() && contents->images.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " holds ", contents->images.size(),
                     " images; --name names a single one"));
  }
  std::unique_ptr<containerd::Connection> connection, plugin;
  if (absl::Status s = Dial(options, &connection, &plugin); !s.ok()) return s;
  std::vector<ImportedImage> imported;
  for (const std::string& tag : contents->images) {
    auto source = (*archive)->OpenImage(tag);
    if (!source.ok()) return source.status();
    auto result = ImportOne(**source, *connection, plugin.get(), options);
    if (!result.ok()) return result.status();
    imported.push_back(std::move(*result));
  }
  return imported;
}

}  // namespace hpc::copy
