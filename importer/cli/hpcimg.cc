// hpcimg: builds HostProcess images, moves them between transports and into
// containerd, and explains how containerd picks among an index's manifests.
// Parses the command line and calls the importer's libraries.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "importer/archive/stream_spool.h"
#include "importer/base/base_image.h"
#include "importer/dockerfile/image_builder.h"
#ifdef HPC_HAVE_LINUX_STAGES
#include "importer/runtime/interrupt.h"
#endif
#include "importer/cli/byte_size.h"
#include "importer/cli/exit_status.h"
#include "importer/cli/flags.h"
#include "importer/cli/progress.h"
#include "importer/containerd/connection.h"
#include "importer/copy/copy_image.h"
#include "importer/copy/import_archive.h"
#include "importer/explain/explain.h"
#include "importer/explain/explanation_format.h"
#include "importer/inspect/describe.h"
#include "importer/log/log.h"
#include "importer/rewrite/platform.h"
#include "importer/rewrite/rewrite.h"
#include "importer/transport/reference.h"
#include "importer/unpack/unpack.h"

namespace {

using hpc::cli::FlagSet;
using hpc::cli::kExitOk;
using hpc::cli::kExitUsage;
using hpc::cli::ReportError;

constexpr char kProgram[] = "hpcimg";

constexpr char kUsage[] =
    R"(hpcimg builds, moves and explains Windows HostProcess container images for
containerd, as single manifests without platform data (see containerd
issue 7431).

Usage: hpcimg COMMAND [flags] [arguments]

Commands:
  import ARCHIVE.. import archives (or docker:// images) into containerd,
                   unpacked
  copy SRC DEST    copy an image between transports
  inspect SRC      describe an image
  explain SRC      which manifest each containerd pulls on Windows nodes
  build CONTEXT    build a HostProcess image from a Dockerfile, on Linux
  version          print the version

Transports:
  base:[VERSION]              the HostProcess base image, generated here
  oci:DIR[:TAG]               an OCI image layout directory
  oci-archive:FILE[:TAG]      a tar of an OCI image layout
  docker-archive:FILE[:REF]   a `docker save` tarball
  containerd:NAME             an image in containerd (--address, --namespace)
  docker://HOST/REPO[:TAG]    an image in a registry (--creds, --cert-dir,
                              --tls-verify, --plain-http); a name without a
                              host is Docker Hub's (docker.io/library/...)

Run 'hpcimg COMMAND --help' for a command's flags.
)";

struct ContainerdFlags {
  std::string address = hpc::containerd::DefaultContainerdAddress();
  std::string ns = hpc::containerd::kDefaultNamespace;
  void Add(FlagSet& flags) {
    flags.String("address", &address, "containerd's socket", "SOCKET");
    flags.String("namespace", &ns, "containerd namespace", "NS");
  }
};

// Bounds on what an archive may unpack to (decompression bombs).
struct ArchiveLimitFlags {
  std::string max_entry_size = "64GiB";
  std::string max_archive_size = "256GiB";
  int64_t max_entries = hpc::archive::ArchiveLimits().max_entries;
  void Add(FlagSet& flags) {
    flags.String("max-entry-size", &max_entry_size,
                 "refuse archives with an entry larger than this", "SIZE");
    flags.String("max-archive-size", &max_archive_size,
                 "refuse archives larger than this once decompressed", "SIZE");
    flags.Int("max-archive-entries", &max_entries,
              "refuse archives with more entries than this");
  }
  absl::StatusOr<hpc::archive::ArchiveLimits> Limits() const {
    hpc::archive::ArchiveLimits limits;
    auto entry = hpc::cli::ParseByteSize(max_entry_size, "max-entry-size");
    if (!entry.ok()) return entry.status();
    auto total = hpc::cli::ParseByteSize(max_archive_size, "max-archive-size");
    if (!total.ok()) return total.status();
    if (max_entries <= 0) {
      return absl::InvalidArgumentError(
          "--max-archive-entries: expected a positive number");
    }
    limits.max_entry_bytes = *entry;
    limits.max_total_bytes = *total;
    limits.max_entries = max_entries;
    return limits;
  }
};

// Parses `args` with `flags`; returns the positional arguments, or an exit
// code to return right away (help or a usage error).
std::variant<std::vector<std::string>, int> Parse(
    FlagSet& flags, const std::vector<std::string>& args, size_t min_positional,
    size_t max_positional) {
  auto parsed = flags.Parse(args);
  if (!parsed.ok()) return ReportError(kProgram, parsed.status());
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return kExitOk;
  }
  if (parsed->size() < min_positional || parsed->size() > max_positional) {
    std::cerr << kProgram << ": " << flags.command() << " takes "
              << (min_positional == max_positional
                      ? std::to_string(min_positional)
                      : absl::StrCat("at least ", min_positional))
              << " argument" << (min_positional == 1 ? "" : "s") << ", got "
              << parsed->size() << "; see " << flags.command() << " --help\n";
    return kExitUsage;
  }
  return *parsed;
}

std::variant<std::vector<std::string>, int> Parse(
    FlagSet& flags, const std::vector<std::string>& args, size_t positional) {
  return Parse(flags, args, positional, positional);
}

absl::StatusOr<hpc::oci::MediaTypeFormat> ParseFormat(
    const std::string& format) {
  if (format == "oci") return hpc::oci::MediaTypeFormat::kOci;
  if (format == "docker") return hpc::oci::MediaTypeFormat::kDocker;
  return absl::InvalidArgumentError(
      absl::StrCat("--format \"", format, "\": expected oci or docker"));
}

// How to reach a registry (docker://): credentials and TLS.
struct RegistryFlags {
  hpc::registry::RegistryOptions options;
  void Add(FlagSet& flags) {
    flags.String("creds", &options.credentials.creds,
                 "docker://: registry credentials; without :PASS the password "
                 "is read from stdin, out of the process list",
                 "USER[:PASS]");
    flags.String("authfile", &options.credentials.authfile,
                 "docker://: credentials file (Docker's config.json format; "
                 "default $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, "
                 "~/.docker/config.json)",
                 "FILE");
    flags.String("cert-dir", &options.cert_dir,
                 "docker://: ca.crt, client.cert and client.key for the "
                 "registry, as in containerd's hosts.d",
                 "DIR");
    // As nodes configure their mirrors: containerd's folder by default.
    std::error_code ec;
    if (options.hosts_dir.empty() &&
        std::filesystem::is_directory("/etc/containerd/certs.d", ec)) {
      options.hosts_dir = "/etc/containerd/certs.d";
    }
    flags.String("hosts-dir", &options.hosts_dir,
                 "docker://: containerd's hosts.toml folder: mirrors tried in "
                 "order, then the registry (default /etc/containerd/certs.d "
                 "when it exists; \"\" for none)",
                 "DIR");
    flags.Bool("tls-verify", &options.tls_verify,
               "docker://: verify the registry's certificate (=false to not)");
    flags.Bool("plain-http", &options.plain_http,
               "docker://: speak plain HTTP to the registry, not HTTPS");
  }
  // The options, with a password that --creds left out read from stdin.
  absl::StatusOr<hpc::registry::RegistryOptions> Options() const {
    hpc::registry::RegistryOptions out = options;
    std::string& creds = out.credentials.creds;
    if (!creds.empty() && creds.find(':') == std::string::npos) {
      std::string password;
      std::getline(std::cin, password);
      if (!password.empty() && password.back() == '\r') password.pop_back();
      if (password.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--creds ", creds,
            ": no password; give USER:PASS or the password on stdin"));
      }
      absl::StrAppend(&creds, ":", password);
    }
    return out;
  }
};

// The flags of every command that reads a source image: containerd's
// address for containerd:, the archive limits, --format for base:, the
// registry's credentials and TLS for docker://.
struct SourceFlags {
  std::string format = "oci";
  ContainerdFlags containerd;
  ArchiveLimitFlags archives;
  RegistryFlags registry;
  void Add(FlagSet& flags) {
    containerd.Add(flags);
    archives.Add(flags);
    registry.Add(flags);
    flags.String("format", &format,
                 "media types of a generated base image: oci or docker",
                 "FORMAT");
  }
  // The image a SRC argument names.
  absl::StatusOr<std::unique_ptr<hpc::image::ImageSource>> Open(
      const std::string& text) const {
    auto media = ParseFormat(format);
    if (!media.ok()) return media.status();
    auto limits = archives.Limits();
    if (!limits.ok()) return limits.status();
    auto reference = hpc::transport::Reference::Parse(text);
    if (!reference.ok()) return reference.status();
    hpc::copy::SourceOptions options;
    options.format = *media;
    options.containerd_address = containerd.address;
    options.containerd_namespace = containerd.ns;
    options.archive_limits = *limits;
    if (reference->transport == hpc::transport::Transport::kDocker) {
      auto registry_options = registry.Options();
      if (!registry_options.ok()) return registry_options.status();
      options.registry = *registry_options;
    }
    return hpc::copy::OpenSource(*reference, options);
  }
};

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

int Inspect(const std::vector<std::string>& args) {
  bool json = false;
  SourceFlags source_flags;
  FlagSet flags("hpcimg inspect", R"(Usage: hpcimg inspect [flags] SRC

Describes the image SRC: its manifest or index, platforms, config and layers.
)");
  flags.Bool("json", &json, "print JSON");
  source_flags.Add(flags);
  auto parsed = Parse(flags, args, 1);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);
  auto source = source_flags.Open(positional[0]);
  if (!source.ok()) return ReportError(kProgram, source.status());
  auto description = hpc::inspect::Describe(**source);
  if (!description.ok()) return ReportError(kProgram, description.status());
  std::cout << (json ? description->dump(2) + "\n"
                     : hpc::inspect::FormatDescription(*description));
  return kExitOk;
}

// Each of `texts` parsed with T::Parse; `fallback` when there are none.
template <typename T>
absl::StatusOr<std::vector<T>> ParseEach(const std::vector<std::string>& texts,
                                         std::vector<T> fallback) {
  if (texts.empty()) return fallback;
  std::vector<T> out;
  for (const std::string& text : texts) {
    auto value = T::Parse(text);
    if (!value.ok()) return value.status();
    out.push_back(*value);
  }
  return out;
}

// Writes the fix `hpcimg explain --fix` found: the image rewritten into a
// single platform-less manifest, as `hpcimg copy` does.
int WriteFix(hpc::image::ImageSource& source,
             const hpc::explain::Explanation& explanation,
             const hpc::transport::Reference& dest,
             const hpc::copy::DestinationOptions& options, bool json) {
  hpc::rewrite::RewriteOptions rewrite_options;
  rewrite_options.strip_os_version = explanation.fix_strips_os_version;
  auto rewritten =
      hpc::rewrite::RewriteToSingleManifest(source, rewrite_options);
  if (!rewritten.ok()) return ReportError(kProgram, rewritten.status());
  auto report = hpc::copy::WriteImage(*rewritten->image, dest, options);
  if (!report.ok()) return ReportError(kProgram, report.status());
  if (!json) {
    std::cout << "\nfixed: wrote " << report->destination << "\n  digest "
              << report->root.digest.str() << " (" << report->root.media_type
              << ")\n";
    for (const std::string& change : rewritten->changes)
      std::cout << "  " << change << "\n";
  }
  return kExitOk;
}

int Explain(const std::vector<std::string>& args) {
  std::vector<std::string> os_versions, releases;
  std::string fix, client = "cri";
  bool json = false, force = false;
  SourceFlags source_flags;
  const ContainerdFlags& containerd = source_flags.containerd;
  FlagSet flags("hpcimg explain", R"(Usage: hpcimg explain [flags] SRC

Tells, for each Windows node version and containerd release, which manifest
of SRC containerd pulls (or that the pull fails with "no match for platform
in manifest", containerd issue 7431), and why. A single manifest is used as
is by every release; an index goes through the release's platform matcher:
  1.6.17 and earlier    os.version must start with the node's 10.0.BUILD
  1.6.18 to 1.6.22,     ... or be empty
  1.7.0 to 1.7.5
  1.6.23 to 1.6.x,      ... or be a compatible build (20348 and later run
  1.7.6 and later       builds from the previous LTSC up to their own)
Among several matches, 1.6 takes the highest revision, 1.7 to 2.1.5 the first
in the index, later releases the highest os.version. 1.6.18 to 1.6.x need os
written "windows"; 1.6.23+ and 1.7.6+ read os.version with Atoi (a sign
passes, builds wrap), 2.0+ refuse such versions. An entry without platform
wins only when no other matches, and then its config's platform must match.
On 2.1.0 to 2.1.5 a windows/386 winner is never fetched.

--client cri (the default) answers for pulls by CRI, as kubelet makes them.
--client ctr answers for `ctr images pull REF` without --platform, which
fetches with one filter and unpacks with another:
  1.6.x                 fetches every windows/amd64 entry, unpacks the first
                        windows/amd64 one in the index, whatever its version
  1.7.0 to 1.7.5,       fetches every windows/amd64 entry, unpacks what CRI
  1.7.19 to 1.7.x       takes
  1.7.6 to 1.7.18       fetches and unpacks what CRI takes
  2.0 and later         fetches and unpacks every entry the matcher takes
A windows/386 entry it would unpack is never fetched, and the pull fails.

It also tells what `ctr images import` does with an archive of SRC on those
nodes. The verdict is "fails" when any pull or import fails; then the fix is
shown, and --fix DEST writes it (any destination transport). Exit status:
0 ok, 3 fails (0 once --fix has written the fix), 1 or 2 on errors.
)");
  flags.Strings("os-version", &os_versions,
                "a node's Windows version, 10.0.BUILD[.REVISION]; repeatable "
                "(default: 10.0.17763, 10.0.20348, 10.0.26100)",
                "VERSION");
  flags.Strings("containerd", &releases,
                "a containerd release, X.Y.Z; repeatable (default: 1.6.17, "
                "1.6.18, 2.0.0)",
                "VERSION");
  flags.String("client", &client,
               "who pulls: cri (as kubelet) or ctr (ctr images pull)",
               "CLIENT");
  flags.Bool("json", &json, "print JSON");
  flags.String("fix", &fix, "write the fixed image to DEST when anything fails",
               "DEST");
  flags.Bool("force", &force, "--fix: replace an existing destination");
  source_flags.Add(flags);
  auto parsed = Parse(flags, args, 1);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);

  auto nodes = ParseEach<hpc::explain::NodeVersion>(
      os_versions, hpc::explain::DefaultNodes());
  if (!nodes.ok()) return ReportError(kProgram, nodes.status());
  auto versions = ParseEach<hpc::explain::ContainerdVersion>(
      releases, hpc::explain::DefaultContainerdVersions());
  if (!versions.ok()) return ReportError(kProgram, versions.status());
  auto puller = hpc::explain::ParseClient(client);
  if (!puller.ok()) {
    std::cerr << kProgram << ": --client: " << puller.status().message()
              << "\n";
    return hpc::cli::kExitUsage;
  }
  // Refuse a bad destination before doing any work.
  std::optional<hpc::transport::Reference> fix_dest;
  if (!fix.empty()) {
    auto dest = hpc::transport::Reference::Parse(fix);
    if (!dest.ok()) return ReportError(kProgram, dest.status());
    fix_dest = *dest;
  }

  auto source = source_flags.Open(positional[0]);
  if (!source.ok()) return ReportError(kProgram, source.status());
  auto explanation =
      hpc::explain::Explain(**source, *nodes, *versions, *puller);
  if (!explanation.ok()) return ReportError(kProgram, explanation.status());
  const bool fails = explanation->fails || explanation->import_fails;
  if (json) {
    std::cout << hpc::explain::ToJson(*explanation).dump(2) << "\n";
  } else {
    std::cout << hpc::explain::FormatTable(*explanation,
                                           isatty(STDOUT_FILENO) == 1);
  }
  if (!fails) return kExitOk;
  if (!fix_dest) return hpc::cli::kExitExplainFails;
  if (explanation->fix.empty()) {
    std::cerr << kProgram << ": --fix " << fix
              << ": nothing to write: " << positional[0]
              << " has no Windows manifest\n";
    return hpc::cli::kExitExplainFails;
  }
  hpc::copy::DestinationOptions options;
  options.force = force;
  options.containerd_address = containerd.address;
  options.containerd_namespace = containerd.ns;
  options.snapshotter = hpc::unpack::DefaultSnapshotter();
  return WriteFix(**source, *explanation, *fix_dest, options, json);
}

// A private directory under the system's temporary directory ($TMPDIR,
// %TEMP%), removed with everything in it.
class ScratchDirectory {
 public:
  // `purpose` names it: hpcimg-PURPOSE-XXXXXXXX.
  explicit ScratchDirectory(absl::string_view purpose) {
    std::error_code ec;
    std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    if (ec) tmp = std::filesystem::current_path();
    std::random_device random;
    for (int attempt = 0; attempt < 100 && path_.empty(); ++attempt) {
      std::filesystem::path candidate =
          tmp / absl::StrFormat("hpcimg-%s-%08x", purpose, random());
      if (std::filesystem::create_directory(candidate, ec)) {
        std::filesystem::permissions(candidate,
                                     std::filesystem::perms::owner_all, ec);
        path_ = candidate.string();
      }
    }
  }
  ~ScratchDirectory() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

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
  hpcimg build --hostprocess-base --build-arg k8sVersion=v1.31.0 \\
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

int Import(const std::vector<std::string>& args) {
  hpc::copy::ImportOptions options;
  std::string platform;
  bool no_unpack = false, no_cri_refs = false, json = false, quiet = false;
  ContainerdFlags containerd;
  ArchiveLimitFlags limit_flags;
  FlagSet flags("hpcimg import",
                R"(Usage: hpcimg import [flags] ARCHIVE|docker://REF...

Imports the images of each ARCHIVE (docker save output, legacy layouts
included, or an OCI archive; plain, gzip or zstd) into containerd as single
manifests without platform data, and unpacks them into the snapshotter.
An index becomes the manifest --platform picks (default: the Windows one
with the highest os.version). Importing the same archive again changes
nothing. An ARCHIVE of - is read from standard input, e.g.
  skopeo copy docker://IMAGE docker-archive:/dev/stdout | hpcimg import -
An ARCHIVE of docker://HOST/REPO[:TAG] pulls that image from its registry
straight into containerd, the same way.
)");
  flags.String("name", &options.name,
               "name of the image (for an archive of one image)", "NAME");
  flags.String("platform", &platform,
               "manifest to take from an index: os/arch[:os.version prefix]",
               "PLATFORM");
  flags.Bool("keep-index", &options.keep_index,
             "import an index as it is; the manifest --platform picks (or the "
             "default one) is unpacked");
  flags.Bool("strip-os-version", &options.rewrite.strip_os_version,
             "also remove os.version from the config");
  flags.Bool("no-unpack", &no_unpack, "do not unpack into the snapshotter");
  flags.String("snapshotter", &options.snapshotter,
               "snapshotter to unpack into", "NAME");
  containerd.Add(flags);
  limit_flags.Add(flags);
  flags.Bool("no-cri-refs", &no_cri_refs,
             "in k8s.io, create only the named image record");
  flags.Bool("pin", &options.pin,
             "label the records io.cri-containerd.pinned=pinned, so kubelet's "
             "image garbage collection keeps the image");
  flags.String(
      "plugin-address", &options.plugin_address,
      "write blobs straight into hpc-content-plugin at this socket; containerd "
      "then registers them without their bytes",
      "SOCKET");
  RegistryFlags registry;
  registry.Add(flags);
  std::string lease_expiry = "1h";
  flags.String("lease-expiry", &lease_expiry,
               "if hpcimg dies mid-way, containerd keeps what it wrote for "
               "this long (e.g. 30m, 1h)",
               "DURATION");
  flags.Bool("json", &json, "print a machine-readable summary");
  flags.Bool("quiet,q", &quiet, "print nothing on success");
  auto parsed = Parse(flags, args, 1, SIZE_MAX);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& archives = std::get<std::vector<std::string>>(parsed);
  if (!platform.empty()) {
    auto p = hpc::rewrite::Platform::Parse(platform);
    if (!p.ok()) return ReportError(kProgram, p.status());
    options.rewrite.platform = *p;
  }
  if (!absl::ParseDuration(lease_expiry, &options.lease_expiry) ||
      options.lease_expiry <= absl::ZeroDuration()) {
    return ReportError(kProgram, absl::InvalidArgumentError(absl::StrCat(
                                     "--lease-expiry \"", lease_expiry,
                                     "\": expected a duration such as 30m")));
  }
  auto limits = limit_flags.Limits();
  if (!limits.ok()) return ReportError(kProgram, limits.status());
  options.archive_limits = *limits;
  options.unpack = !no_unpack;
  options.cri_records = !no_cri_refs;
  options.containerd_address = containerd.address;
  options.containerd_namespace = containerd.ns;
  hpc::cli::TerminalProgress progress;
  if (!json && !quiet && hpc::cli::TerminalProgress::Available()) {
    options.progress = progress.Callback();
  }

  if (std::count(archives.begin(), archives.end(), "-") > 1) {
    return ReportError(kProgram,
                       absl::InvalidArgumentError(
                           "- (standard input) can be given only once"));
  }

  auto registry_options = registry.Options();
  if (!registry_options.ok())
    return ReportError(kProgram, registry_options.status());
  hpc::oci::Json summary = hpc::oci::Json::array();
  for (const std::string& archive : archives) {
    // Standard input is spooled to a private file first, which goes when
    // the import is done (or fails).
    std::optional<ScratchDirectory> spool;
    std::string path = archive;
    if (archive == "-") {
      if (isatty(STDIN_FILENO) == 1) {
        return ReportError(
            kProgram, absl::InvalidArgumentError(
                          "- reads an archive from standard input, which is a "
                          "terminal: pipe one in"));
      }
      spool.emplace("import");
      if (spool->path().empty()) {
        return ReportError(
            kProgram,
            absl::InternalError("no private directory for standard input in "
                                "the temporary directory"));
      }
      path = spool->path() + "/stdin.tar";
      absl::Status spooled =
          hpc::archive::SpoolStream(stdin, "standard input", path,
                                    options.archive_limits.max_total_bytes);
      if (!spooled.ok()) return ReportError(kProgram, spooled);
    }
    // Messages name standard input as the user did.
    auto as_given = [&](absl::string_view text) {
      return archive == "-" ? absl::StrReplaceAll(text, {{path, "-"}})
                            : std::string(text);
    };
    absl::StatusOr<std::vector<hpc::copy::ImportedImage>> imported;
    if (absl::StartsWith(archive, "docker://")) {
      // Pulled straight from the registry into containerd.
      auto reference = hpc::transport::Reference::Parse(archive);
      if (!reference.ok()) return ReportError(kProgram, reference.status());
      hpc::copy::SourceOptions source_options;
      source_options.registry = *registry_options;
      auto source = hpc::copy::OpenSource(*reference, source_options);
      if (!source.ok()) return ReportError(kProgram, source.status());
      auto one = hpc::copy::ImportImage(**source, options);
      if (one.ok()) {
        imported = std::vector<hpc::copy::ImportedImage>{std::move(*one)};
      } else {
        imported = one.status();
      }
    } else {
      imported = hpc::copy::ImportArchive(path, options);
    }
    if (!imported.ok()) {
      return ReportError(kProgram,
                         absl::Status(imported.status().code(),
                                      as_given(imported.status().message())));
    }
    for (auto& image : *imported) {
      image.archive = as_given(image.archive);
      for (std::string& warning : image.warnings) warning = as_given(warning);
      for (const std::string& warning : image.warnings) {
        std::cerr << kProgram << ": warning: " << warning << "\n";
      }
      summary.push_back({{"archive", image.archive},
                         {"digest", image.root.digest.str()},
                         {"mediaType", image.root.media_type},
                         {"records", image.records},
                         {"changes", image.changes},
                         {"blobs", image.blobs},
                         {"blobsWritten", image.blobs_written},
                         {"blobsRegistered", image.blobs_registered},
                         {"blobsToPlugin", image.blobs_to_plugin},
                         {"unpacked",
                          {{"chainID", image.unpacked.chain_id},
                           {"applied", image.unpacked.layers_applied},
                           {"present", image.unpacked.layers_present}}},
                         {"changed", image.changed}});
      if (!json && !quiet) {
        std::cout << "imported " << image.archive << "\n  digest "
                  << image.root.digest.str() << "\n";
        for (const std::string& change : image.changes)
          std::cout << "  " << change << "\n";
        for (const std::string& record : image.records)
          std::cout << "  name   " << record << "\n";
        if (!image.unpacked.chain_id.empty()) {
          std::cout << "  unpacked " << image.unpacked.chain_id << " ("
                    << image.unpacked.layers_applied << " applied, "
                    << image.unpacked.layers_present << " already there)\n";
        }
        if (!image.changed) std::cout << "  (already there: nothing changed)\n";
      }
    }
  }
  if (json) std::cout << summary.dump(2) << "\n";
  return kExitOk;
}

int Version(const std::vector<std::string>& args) {
  FlagSet flags("hpcimg version",
                "Usage: hpcimg version\n\nPrints the version.\n");
  auto parsed = Parse(flags, args, 0);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  std::cout << "hpcimg " << HPC_VERSION << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "copy") return Copy(args);
  if (command == "inspect") return Inspect(args);
  if (command == "import") return Import(args);
  if (command == "explain") return Explain(args);
  if (command == "build") return Build(args);
  if (command == "version" || command == "--version") return Version(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  std::cerr << kProgram << ": unknown command \"" << command
            << "\"; see hpcimg --help\n";
  return kExitUsage;
}
