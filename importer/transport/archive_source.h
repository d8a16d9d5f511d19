// Reading images from archives without extracting them: oci-archive: (a tar
// of an OCI layout) and docker-archive: (`docker save` output, including the
// legacy layout with <id>/layer.tar and a manifest.json without RepoTags).
//
// Opening an archive reads it once: small entries (index.json,
// manifest.json, manifests, configs) are kept in memory, larger ones only
// catalogued. A large blob is streamed from the archive when it is opened.
// Entries with absolute paths or ".." are refused; links are never followed.
#ifndef HPC_IMPORTER_TRANSPORT_ARCHIVE_SOURCE_H_
#define HPC_IMPORTER_TRANSPORT_ARCHIVE_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/archive/archive_reader.h"
#include "importer/image/image_source.h"
#include "importer/transport/reference.h"

namespace hpc::transport {

// An archive beyond `limits` is refused before any of it is used.
absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenOciArchive(
    const Reference& reference, const archive::ArchiveLimits& limits = {});
absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenDockerArchive(
    const Reference& reference, const archive::ArchiveLimits& limits = {});

// An archive of either kind, told apart by its content (index.json: OCI;
// manifest.json alone: docker save).
struct ArchiveContents {
  Transport transport;
  // What selects each image as the TAG/REF of a reference; one empty
  // string when the archive holds a single image.
  std::vector<std::string> images;
};
struct ArchiveCatalog;

// An archive read once for its catalogue, whose images are then opened
// without reading it again.
class ImageArchive {
 public:
  static absl::StatusOr<std::unique_ptr<ImageArchive>> Open(
      const std::string& path, const archive::ArchiveLimits& limits = {});
  ~ImageArchive();

  const ArchiveContents& contents() const { return contents_; }
  // The image `tag` selects (one of contents().images); it reads large blobs
  // from the archive and must not outlive this ImageArchive.
  absl::StatusOr<std::unique_ptr<image::ImageSource>> OpenImage(
      const std::string& tag) const;

 private:
  ImageArchive();
  std::string path_;
  std::unique_ptr<ArchiveCatalog> catalog_;
  ArchiveContents contents_;
};

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_ARCHIVE_SOURCE_H_
