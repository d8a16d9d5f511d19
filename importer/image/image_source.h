// Where an image is read from: its root descriptor (a manifest or an index)
// and a way to stream any blob it references.
#ifndef HPC_IMPORTER_IMAGE_IMAGE_SOURCE_H_
#define HPC_IMPORTER_IMAGE_IMAGE_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/oci/descriptor.h"

namespace hpc::image {

// Sequential reading of one blob.
class BlobStream {
 public:
  virtual ~BlobStream() = default;
  // Reads up to `n` bytes; 0 at the end.
  virtual absl::StatusOr<size_t> Read(char* dst, size_t n) = 0;
  // Whether the stream itself checks its bytes against the digest and size
  // it was opened for: its last Read fails (DataLoss) when they differ, so
  // a reader that would check them too need not hash them again.
  virtual bool verifies() const { return false; }
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // How the user named it, for messages: "base:v1.0.0", "oci:dir:tag".
  virtual const std::string& name() const = 0;
  virtual const oci::Descriptor& root() const = 0;
  // The names the image carries (tags), if any.
  virtual std::vector<std::string> image_names() const { return {}; }
  virtual absl::StatusOr<std::unique_ptr<BlobStream>> Open(
      const oci::Descriptor& blob) = 0;
  // Whether several threads may open and read blobs at once (files and
  // memory may; a sequential archive may not).
  virtual bool concurrent_reads() const { return false; }
};

// Reads a whole small blob (manifest, index, config), checking its size and
// digest; refuses blobs over `limit` bytes.
absl::StatusOr<std::string> ReadSmallBlob(ImageSource& source,
                                          const oci::Descriptor& blob,
                                          size_t limit = 4 << 20);

// The config digest of an image whose root is a manifest (its image ID).
absl::StatusOr<oci::Digest> ConfigDigest(ImageSource& source);

// `source` read from another root, one of its manifests say; `source` must
// outlive it.
std::unique_ptr<ImageSource> WithRoot(ImageSource& source,
                                      oci::Descriptor root);

// A stream over bytes in memory.
std::unique_ptr<BlobStream> StreamOf(std::string bytes);

// Every blob the image references, each once, children before parents
// (layers and config before their manifest, manifests before their index),
// the root last.
absl::StatusOr<std::vector<oci::Descriptor>> ListBlobs(ImageSource& source);

}  // namespace hpc::image

#endif  // HPC_IMPORTER_IMAGE_IMAGE_SOURCE_H_
