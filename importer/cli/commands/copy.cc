// hpcimg copy: an image from one transport to another.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

int Copy(const std::vector<std::string>& args) {
  bool force = false, no_cri_refs = false, quiet = false, json = false;
  SourceFlags source_flags;
  const ContainerdFlags& containerd = source_flags.containerd;
  FlagSet flags("hpcimg copy", R"(Usage: hpcimg copy [flags] SRC DEST

Copies the image SRC to DEST, e.g.
  hpcimg copy base: oci-archive:hostprocess-base.tar
  hpcimg copy base: containerd:mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0
  hpcimg copy docker://registry.example.com/app:v1 oci-archive:app.tar
  hpcimg copy oci-archive:app.tar docker://registry.example.com/app:v1

An index is rewritten into the single manifest --platform picks (default:
the Windows one with the highest os.version), without platform data; this
works offline too, e.g. docker-archive: to oci-archive:. Into containerd the
image is unpacked, and in the k8s.io namespace it also gets the records CRI
keeps (REPO@DIGEST and the image ID), so kubelet sees it as pulled.
)");
  flags.Bool("force", &force,
             "replace an existing destination file or layout entry");
  source_flags.Add(flags);
  flags.Bool("no-cri-refs", &no_cri_refs,
             "in k8s.io, create only the named image record");
  std::string platform;
  bool keep_index = false, strip_os_version = false, no_unpack = false;
  std::string snapshotter = hpc::unpack::DefaultSnapshotter();
  flags.String("platform", &platform,
               "manifest to take from an index: os/arch[:os.version prefix]",
               "PLATFORM");
  flags.Bool("keep-index", &keep_index, "copy an index as it is");
  flags.Bool("strip-os-version", &strip_os_version,
             "also remove os.version from the config");
  flags.Bool("no-unpack", &no_unpack,
             "containerd: do not unpack into the snapshotter");
  flags.String("snapshotter", &snapshotter,
               "containerd: snapshotter to unpack into", "NAME");
  int64_t jobs = 4;
  bool include_nondistributable = false;
  flags.Int("jobs", &jobs, "docker://: blobs pushed at once");
  flags.Bool("include-nondistributable", &include_nondistributable,
             "docker://: also push foreign (non-distributable) layers");
  flags.Bool("json", &json, "print a machine-readable summary");
  flags.Bool("quiet,q", &quiet, "print nothing on success");
  auto parsed = Parse(flags, args, 2);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);

  auto dest = hpc::transport::Reference::Parse(positional[1]);
  if (!dest.ok()) return ReportError(kProgram, dest.status());
  if (jobs < 1 || jobs > 64) {
    return ReportError(kProgram, absl::InvalidArgumentError(absl::StrCat(
                                     "--jobs ", jobs, ": expected 1 to 64")));
  }
  auto registry_options = source_flags.registry.Options();
  if (!registry_options.ok())
    return ReportError(kProgram, registry_options.status());
  source_flags.registry.options = *registry_options;  // read stdin once
  auto source = source_flags.Open(positional[0]);
  if (!source.ok()) return ReportError(kProgram, source.status());
  hpc::copy::DestinationOptions options;
  options.registry = *registry_options;
  options.jobs = static_cast<int>(jobs);
  options.include_nondistributable = include_nondistributable;
  if (auto src = hpc::transport::Reference::Parse(positional[0]); src.ok())
    options.mount_from = hpc::copy::MountSources(*src, *dest);
  hpc::cli::TerminalProgress progress;
  if (!json && !quiet && hpc::cli::TerminalProgress::Available()) {
    options.progress = progress.Callback();
    options.done = [&](const hpc::oci::Descriptor& blob,
                       absl::string_view what) { progress.Done(blob, what); };
  }
  options.force = force;
  options.containerd_address = containerd.address;
  options.containerd_namespace = containerd.ns;
  options.cri_records = !no_cri_refs;
  options.snapshotter = no_unpack ? "" : snapshotter;
  // Rewrite into a single platform-less manifest unless told to keep it.
  hpc::image::ImageSource* image = source->get();
  std::unique_ptr<hpc::image::ImageSource> rewritten;
  std::vector<std::string> changes;
  if (!keep_index) {
    hpc::rewrite::RewriteOptions rewrite_options;
    rewrite_options.strip_os_version = strip_os_version;
    if (!platform.empty()) {
      auto p = hpc::rewrite::Platform::Parse(platform);
      if (!p.ok()) return ReportError(kProgram, p.status());
      rewrite_options.platform = *p;
    }
    auto r = hpc::rewrite::RewriteToSingleManifest(**source, rewrite_options);
    if (!r.ok()) return ReportError(kProgram, r.status());
    rewritten = std::move(r->image);
    changes = std::move(r->changes);
    image = rewritten.get();
  }
  auto report = hpc::copy::WriteImage(*image, *dest, options);
  if (!report.ok()) return ReportError(kProgram, report.status());
  if (json) {
    hpc::oci::Json out = {{"source", report->source},
                          {"destination", report->destination},
                          {"digest", report->root.digest.str()},
                          {"mediaType", report->root.media_type},
                          {"names", report->names},
                          {"blobs", report->blobs},
                          {"blobsWritten", report->blobs_written},
                          {"blobsMounted", report->blobs_mounted},
                          {"changed", report->changed},
                          {"changes", changes}};
    std::cout << out.dump(2) << "\n";
  } else if (!quiet) {
    std::cout << "copied " << report->source << " to " << report->destination
              << "\n"
              << "  digest " << report->root.digest.str() << " ("
              << report->root.media_type << ")\n";
    for (const std::string& change : changes)
      std::cout << "  " << change << "\n";
    for (const std::string& name : report->names)
      std::cout << "  name   " << name << "\n";
    if (!report->changed) std::cout << "  (already there: nothing changed)\n";
  }
  return kExitOk;
}

}  // namespace hpc::cli::commands
