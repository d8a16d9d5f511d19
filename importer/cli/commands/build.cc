// hpcimg build: a HostProcess image from a Dockerfile.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

int Build(const std::vector<std::string>& args) {
  hpc::dockerfile::BuildOptions options;
  std::vector<std::string> tags, build_args, bases;
  std::string output, format = "oci";
  bool force = false, no_unpack = false, no_cri_refs = false, json = false,
       quiet = false;
  std::string snapshotter = hpc::unpack::DefaultSnapshotter();
  ContainerdFlags containerd;
  ArchiveLimitFlags limit_flags;
  FlagSet flags("hpcimg build", R"(Usage: hpcimg build [flags] CONTEXT

Builds a Windows HostProcess image from a Dockerfile, on Linux, without a
daemon. In Windows stages nothing runs: each ADD or COPY becomes a layer of
the files it names (under Files/), the other instructions set the image's
config. A Linux stage (FROM --platform=linux/amd64 IMAGE, $BUILDPLATFORM,
or an image whose config says linux) is a build stage: its image is applied
into a private root file system, where RUN executes through runc (as root)
and COPY writes; a Windows stage takes the results with COPY --from. Only
the last (or --target) stage, a Windows one, becomes the image, a single
manifest without platform data and a config without os.version, which
every containerd uses on every Windows node. Nothing of a Linux stage is
left behind: no root, container or state, also when a RUN fails or the
build is interrupted (SIGINT/SIGTERM kill the container first).

  FROM     the HostProcess base image by its registry name
           (mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:TAG,
           generated here), base:, scratch, an earlier stage, any source
           (oci:, oci-archive:, docker-archive:, containerd:, docker://),
           or another image name, pulled from its registry (not with
           --offline); --base NAME=SRC reads NAME from SRC instead;
           --hostprocess-base reads the HostProcess base image for every
           Windows FROM that is not a stage (nanoserver, servercore: not
           needed by HostProcess) and says which lines it replaced
  ARG      before the first FROM for FROM lines (FROM $BASE), and again in
           a stage; BUILDPLATFORM (linux/amd64), TARGETPLATFORM
           (windows/amd64), BUILDOS, BUILDARCH, TARGETOS, TARGETARCH are set
  RUN      in a Linux stage: shell form through SHELL (default /bin/sh -c)
           or exec form, with ENV, the stage's ARGs, WORKDIR and USER;
           --network=host|none; each output line is printed prefixed with
           its step ("[bins 2/3] ..."); a non-zero exit fails the build.
           In a Windows stage RUN is refused: it needs a Windows builder
  ADD/COPY files, directories and globs from CONTEXT (.dockerignore applies),
           or from a stage or image with COPY --from; ADD unpacks local tar
           archives; paths like C:\app\x.ps1, c:/app or relative to WORKDIR.
           --chmod=MODE sets the files' mode (a Windows layer records it;
           Windows ignores it); --chown=USER[:GROUP] sets the owner in a
           Linux stage (a Windows layer has no owners: files belong to the
           container's user, so it is accepted and has no effect); --link
           is accepted: every ADD/COPY is a layer of its own already
  ENV LABEL WORKDIR USER ENTRYPOINT CMD SHELL EXPOSE VOLUME STOPSIGNAL

Files get owner 0:0 and one time, SOURCE_DATE_EPOCH if set (else
2022-01-01), so the same inputs give the same digest.

Output: -t NAME writes the image into containerd as NAME (unpacked, like
hpcimg import), or with --push to NAME's registry; --output DEST writes it
to any destination.
  hpcimg build -t example.com/hello:v1 .
  hpcimg build --push -t registry.example.com/hello:v1 .
  hpcimg build -f Dockerfile.windows --output oci-archive:hello.tar .
  hpcimg build --hostprocess-base --build-arg k8sVersion=v1.31.0 \
      -t example.com/kube-proxy:v1.31.0 hostprocess/kube-proxy
)");
  flags.String("file,f", &options.dockerfile,
               "the Dockerfile (default: CONTEXT/Dockerfile)", "FILE");
  flags.Strings("tag,t", &tags,
                "write the image into containerd as NAME (with --push: to "
                "NAME's registry)",
                "NAME");
  flags.Strings("build-arg", &build_args, "set an ARG", "KEY=VALUE");
  flags.String("output,o", &output, "write the image to DEST", "DEST");
  flags.Strings("base", &bases,
                "read FROM NAME from SRC (without NAME=: every FROM of an "
                "image)",
                "[NAME=]SRC");
  flags.String("target", &options.target, "build this stage", "STAGE");
  flags.Bool("hostprocess-base", &options.hostprocess_base,
             "read the HostProcess base image for every Windows FROM that is "
             "not a stage");
  std::string network = "host";
  flags.String("network", &network,
               "network of RUN in Linux stages: host (default) or none",
               "MODE");
  flags.String("runtime", &options.runtime,
               "the OCI runtime RUN executes through (default runc)", "PATH");
  flags.Bool("squash", &options.squash,
             "put the files the build adds into one layer");
  flags.String("format", &format, "media types: oci or docker", "FORMAT");
  flags.Bool("force", &force, "replace an existing destination file");
  containerd.Add(flags);
  limit_flags.Add(flags);
  flags.Bool("no-unpack", &no_unpack,
             "containerd: do not unpack into the snapshotter");
  flags.String("snapshotter", &snapshotter,
               "containerd: snapshotter to unpack into", "NAME");
  flags.Bool("no-cri-refs", &no_cri_refs,
             "in k8s.io, create only the named image record");
  bool push = false;
  int64_t jobs = 4;
  RegistryFlags registry;
  flags.Bool("push", &push,
             "push the image to the registry of each -t NAME instead of "
             "writing it into containerd");
  flags.Bool("offline", &options.offline,
             "pull nothing: a FROM image must be local (--base, a transport "
             "reference, the base image)");
  registry.Add(flags);
  flags.Int("jobs", &jobs, "docker://: blobs pushed at once");
  flags.Bool("json", &json, "print a machine-readable summary");
  flags.Bool("quiet,q", &quiet, "print nothing on success");
  auto parsed = Parse(flags, args, 1);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  options.context = std::get<std::vector<std::string>>(parsed)[0];
  if (network != "host" && network != "none") {
    return ReportError(kProgram, absl::InvalidArgumentError(absl::StrCat(
                                     "--network ", network,
                                     ": expected host or none")));
  }
  options.network_host = network == "host";
  if (jobs < 1 || jobs > 64) {
    return ReportError(kProgram, absl::InvalidArgumentError(absl::StrCat(
                                     "--jobs ", jobs, ": expected 1 to 64")));
  }
  if (push && tags.empty()) {
    std::cerr << kProgram << ": build: --push pushes each -t NAME; give one\n";
    return kExitUsage;
  }
  auto registry_options = registry.Options();
  if (!registry_options.ok())
    return ReportError(kProgram, registry_options.status());

  auto media = ParseFormat(format);
  if (!media.ok()) return ReportError(kProgram, media.status());
  options.format = *media;
  for (const std::string& arg : build_args) {
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(kProgram,
                         absl::InvalidArgumentError(absl::StrCat(
                             "--build-arg \"", arg, "\": expected KEY=VALUE")));
    }
    options.build_args.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
  }
  for (const std::string& base : bases) {
    // NAME=SRC, unless what precedes '=' is itself a transport reference.
    size_t eq = base.find('=');
    if (eq != std::string::npos &&
        !hpc::transport::Reference::Parse(base.substr(0, eq)).ok()) {
      options.bases.emplace_back(base.substr(0, eq), base.substr(eq + 1));
    } else {
      options.bases.emplace_back("", base);
    }
  }
  std::vector<hpc::transport::Reference> destinations;
  if (!output.empty()) {
    auto dest = hpc::transport::Reference::Parse(output);
    if (!dest.ok()) return ReportError(kProgram, dest.status());
    destinations.push_back(*dest);
  }
  for (const std::string& tag : tags) {
    auto dest = hpc::transport::Reference::Parse(
        (push ? "docker://" : "containerd:") + tag);
    if (!dest.ok()) return ReportError(kProgram, dest.status());
    destinations.push_back(*dest);
  }
  if (destinations.empty()) {
    std::cerr << kProgram
              << ": build: nothing to write; give -t NAME (into containerd) "
                 "or --output DEST\n";
    return kExitUsage;
  }
  auto created = hpc::base::ReproducibleTime();
  if (!created.ok()) return ReportError(kProgram, created.status());
  options.created = *created;
  ScratchDirectory scratch("build");
  if (scratch.path().empty()) {
    return ReportError(
        kProgram,
        absl::InternalError("cannot create a scratch directory in $TMPDIR"));
  }
  options.scratch_dir = scratch.path();
  auto limits = limit_flags.Limits();
  if (!limits.ok()) return ReportError(kProgram, limits.status());
  options.sources.format = *media;
  options.sources.containerd_address = containerd.address;
  options.sources.containerd_namespace = containerd.ns;
  options.sources.archive_limits = *limits;
  options.sources.registry = *registry_options;

  if (!quiet && !json) {
    options.log = [](absl::string_view line) { std::cerr << line << "\n"; };
  }
#ifdef HPC_HAVE_LINUX_STAGES
  // SIGINT and SIGTERM stop a RUN's container and remove every stage's
  // root before hpcimg exits as the signal would have.
  hpc::runtime::Interrupt interrupt;
  options.interrupt = &interrupt;
#endif
  auto built = hpc::dockerfile::BuildImage(options);
#ifdef HPC_HAVE_LINUX_STAGES
  if (interrupt.requested()) {
    if (!built.ok()) ReportError(kProgram, built.status());
    return 128 + interrupt.signal();
  }
#endif
  if (!built.ok()) return ReportError(kProgram, built.status());
  for (const std::string& warning : built->warnings) {
    std::cerr << kProgram << ": warning: " << warning << "\n";
  }
  hpc::copy::DestinationOptions dest_options;
  dest_options.force = force;
  dest_options.containerd_address = containerd.address;
  dest_options.containerd_namespace = containerd.ns;
  dest_options.cri_records = !no_cri_refs;
  dest_options.snapshotter = no_unpack ? "" : snapshotter;
  dest_options.registry = *registry_options;
  dest_options.jobs = static_cast<int>(jobs);
  hpc::cli::TerminalProgress progress;
  if (!json && !quiet && hpc::cli::TerminalProgress::Available()) {
    dest_options.progress = progress.Callback();
    dest_options.done = [&](const hpc::oci::Descriptor& blob,
                            absl::string_view what) {
      progress.Done(blob, what);
    };
  }
  hpc::oci::Json written = hpc::oci::Json::array();
  for (const auto& dest : destinations) {
    auto report = hpc::copy::WriteImage(*built->image, dest, dest_options);
    if (!report.ok()) return ReportError(kProgram, report.status());
    written.push_back({{"destination", report->destination},
                       {"names", report->names},
                       {"changed", report->changed}});
  }
  const hpc::oci::Descriptor& root = built->image->root();
  if (json) {
    hpc::oci::Json out = {
        {"digest", root.digest.str()}, {"mediaType", root.media_type},
        {"stages", built->stages},     {"layersAdded", built->layers_added},
        {"written", written},          {"warnings", built->warnings}};
    std::cout << out.dump(2) << "\n";
  } else if (!quiet) {
    std::cout << "built " << root.digest.str() << " (" << built->stages
              << (built->stages == 1 ? " stage, " : " stages, ")
              << built->layers_added
              << (built->layers_added == 1 ? " layer added)\n"
                                           : " layers added)\n");
    for (const auto& w : written) {
      std::cout << "  wrote " << w["destination"].get<std::string>() << "\n";
    }
  }
  return kExitOk;
}

}  // namespace hpc::cli::commands
