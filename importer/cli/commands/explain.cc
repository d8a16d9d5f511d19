// hpcimg explain: the manifest each containerd pulls on Windows nodes, and the fix.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

namespace {

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

}  // namespace

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

}  // namespace hpc::cli::commands
