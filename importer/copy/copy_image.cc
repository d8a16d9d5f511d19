#include "importer/copy/copy_image.h"

#include "absl/strings/str_cat.h"
#include "importer/base/base_image.h"
#include "importer/containerd/connection.h"
#include "importer/containerd/containerd_source.h"
#include "importer/containerd/register_image.h"
#include "importer/registry/registry_push.h"
#include "importer/registry/registry_source.h"
#include "importer/transport/archive_source.h"
#include "importer/transport/layout_sink.h"
#include "importer/transport/layout_writer.h"
#include "importer/transport/oci_layout_source.h"
#include "importer/unpack/unpack.h"

namespace hpc::copy {

using transport::Transport;

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenSource(
    const transport::Reference& reference, const SourceOptions& options) {
  switch (reference.transport) {
    case Transport::kBase: {
      base::BaseImageOptions base_options;
      if (!reference.path.empty()) base_options.version = reference.path;
      base_options.format = options.format;
      auto created = base::ReproducibleTime();
      if (!created.ok()) return created.status();
      base_options.created = *created;
      auto image = base::GenerateBaseImage(base_options);
      if (!image.ok()) return image.status();
      return std::unique_ptr<image::ImageSource>(std::move(*image));
    }
    case Transport::kOci:
      return transport::OpenOciLayout(reference);
    case Transport::kOciArchive:
      return transport::OpenOciArchive(reference, options.archive_limits);
    case Transport::kDockerArchive:
      return transport::OpenDockerArchive(reference, options.archive_limits);
    case Transport::kContainerd: {
      auto connection = containerd::Connection::Dial(
          options.containerd_address, options.containerd_namespace,
          absl::Seconds(10));
      if (!connection.ok()) return connection.status();
      return containerd::OpenContainerdImage(std::move(*connection),
                                             reference.path);
    }
    case Transport::kDocker:
      return registry::OpenRegistryImage(reference.path, options.registry);
  }
  return absl::InternalError("unknown transport");
}

std::vector<std::string> MountSources(const transport::Reference& source,
                                      const transport::Reference& destination) {
  if (source.transport != Transport::kDocker ||
      destination.transport != Transport::kDocker) {
    return {};
  }
  auto from = registry::RegistryReference::Parse(source.path);
  auto to = registry::RegistryReference::Parse(destination.path);
  if (!from.ok() || !to.ok() || from->domain != to->domain ||
      from->repository == to->repository) {
    return {};
  }
  return {from->repository};
}

absl::StatusOr<CopyReport> WriteImage(image::ImageSource& source,
                                      const transport::Reference& destination,
                                      const DestinationOptions& options) {
  CopyReport report;
  report.source = source.name();
  report.destination = destination.text;
  report.root = source.root();
  auto blobs = image::ListBlobs(source);
  if (!blobs.ok()) return blobs.status();
  report.blobs = static_cast<int>(blobs->size());

  // The name the image gets: the one in the destination, else its own.
  std::string name = destination.tag;
  if (name.empty() && !source.image_names().empty())
    name = source.image_names().front();

  switch (destination.transport) {
    case Transport::kOci:
    case Transport::kOciArchive:
    case Transport::kDockerArchive: {
      absl::StatusOr<std::unique_ptr<transport::LayoutWriter>> writer =
          destination.transport == Transport::kOci
              ? transport::OpenLayoutDirectory(destination.path, options.force)
              : transport::OpenLayoutArchive(destination.path, options.force,
                                             absl::FromUnixSeconds(0));
      if (!writer.ok()) {
        return absl::Status(writer.status().code(),
                            absl::StrCat("writing ", destination.text, ": ",
                                         writer.status().message()));
      }
      transport::LayoutOptions layout;
      // In an OCI layout a bare TAG names the image within it.
      layout.image_name = name;
      layout.docker_manifest =
          destination.transport == Transport::kDockerArchive;
      layout.progress = options.progress;
      if (absl::Status s = transport::WriteLayout(source, **writer, layout);
          !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("writing ", destination.text,
                                                   ": ", s.message()));
      }
      report.blobs_written = report.blobs;
      if (!name.empty()) report.names.push_back(name);
      return report;
    }
    case Transport::kContainerd: {
      auto connection = containerd::Connection::Dial(
          options.containerd_address, options.containerd_namespace,
          absl::Seconds(10));
      if (!connection.ok()) return connection.status();
      containerd::RegisterOptions register_options;
      register_options.names = {destination.path};
      register_options.cri_records = options.cri_records;
      register_options.progress = options.progress;
      if (!options.snapshotter.empty()) {
        register_options.after_records = [&](containerd::Connection& c) {
          return unpack::Unpack(c, source, options.snapshotter).status();
        };
      }
      auto result =
          containerd::RegisterImage(**connection, source, register_options);
      if (!result.ok()) return result.status();
      report.names = result->records;
      report.blobs_written = result->blobs_written;
      report.changed = result->changed;
      return report;
    }
    case Transport::kBase:
      return absl::InvalidArgumentError(absl::StrCat(
          destination.text, ": base: is a source only; it cannot be written"));
    case Transport::kDocker: {
      registry::PushOptions push;
      push.jobs = options.jobs;
      push.include_nondistributable = options.include_nondistributable;
      push.mount_from = options.mount_from;
      push.on_progress = [&](const oci::Descriptor& blob, uint64_t sent) {
        if (options.progress)
          options.progress(blob, static_cast<int64_t>(sent));
      };
      push.on_blob = [&](const oci::Descriptor& blob,
                         registry::BlobOutcome outcome) {
        if (!options.done) return;
        switch (outcome) {
          case registry::BlobOutcome::kPresent:
            options.done(blob, "already there");
            break;
          case registry::BlobOutcome::kMounted:
            options.done(blob, "mounted");
            break;
          case registry::BlobOutcome::kSkipped:
            options.done(blob, "not pushed: non-distributable, see its urls");
            break;
          case registry::BlobOutcome::kUploaded:
            break;  // its progress said so
        }
      };
      auto pushed =
          registry::PushImage(source, destination.path, options.registry, push);
      if (!pushed.ok()) return pushed.status();
      report.names = {pushed->name};
      report.blobs_written = pushed->uploaded;
      report.blobs_mounted = pushed->mounted;
      return report;
    }
  }
  return absl::InternalError("unknown transport");
}

}  // namespace hpc::copy
