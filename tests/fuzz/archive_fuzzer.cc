// Archives from anywhere: the tar reader, and docker-archive: and
// oci-archive: sources (their manifest.json, index.json and blobs) on top.
#include <cstddef>
#include <cstdint>

#include "importer/archive/archive_reader.h"
#include "importer/image/image_source.h"
#include "importer/transport/archive_source.h"
#include "importer/transport/reference.h"
#include "tests/fuzz/memory_file.h"

namespace {

void ReadImage(const std::string& text) {
  auto reference = hpc::transport::Reference::Parse(text);
  if (!reference.ok()) return;
  auto source = reference->transport == hpc::transport::Transport::kOciArchive
                    ? hpc::transport::OpenOciArchive(*reference)
                    : hpc::transport::OpenDockerArchive(*reference);
  if (!source.ok()) return;
  auto blobs = hpc::image::ListBlobs(**source);
  if (!blobs.ok()) return;
  char buffer[4096];
  for (const auto& blob : *blobs) {
    auto stream = (*source)->Open(blob);
    if (!stream.ok()) continue;
    for (;;) {
      auto n = (*stream)->Read(buffer, sizeof(buffer));
      if (!n.ok() || *n == 0) break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hpc::fuzz::MemoryFile file(data, size);
  auto reader = hpc::archive::ArchiveReader::Open(file.path(), "fuzz");
  if (reader.ok()) {
    for (int i = 0; i < 1000; ++i) {
      auto next = (*reader)->Next();
      if (!next.ok() || !next->has_value()) break;
      auto all = (*reader)->ReadAll(1 << 20);
      (void)all;
    }
  }
  ReadImage("docker-archive:" + file.path());
  ReadImage("oci-archive:" + file.path());
  return 0;
}
