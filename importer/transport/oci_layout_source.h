// Reading an image from an OCI image layout directory (oci:DIR[:TAG]).
#ifndef HPC_IMPORTER_TRANSPORT_OCI_LAYOUT_SOURCE_H_
#define HPC_IMPORTER_TRANSPORT_OCI_LAYOUT_SOURCE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "importer/image/image_source.h"
#include "importer/transport/reference.h"

namespace hpc::transport {

absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenOciLayout(
    const Reference& reference);

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_OCI_LAYOUT_SOURCE_H_
