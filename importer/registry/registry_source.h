// An image in a registry as a source: its root manifest or index fetched
// once, every other blob streamed from the registry and verified as read.
#ifndef HPC_IMPORTER_REGISTRY_REGISTRY_SOURCE_H_
#define HPC_IMPORTER_REGISTRY_REGISTRY_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "importer/image/image_source.h"
#include "importer/registry/registry_client.h"

namespace hpc::registry {

// `reference` is what follows docker://.
absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenRegistryImage(
    absl::string_view reference, const RegistryOptions& options);

}  // namespace hpc::registry

#endif  // HPC_IMPORTER_REGISTRY_REGISTRY_SOURCE_H_
