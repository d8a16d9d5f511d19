#include "importer/dockerfile/image_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "importer/dockerfile/archive_extract.h"
#include "importer/dockerfile/build_context.h"
#include "importer/dockerfile/built_image.h"
#include "importer/dockerfile/dockerfile.h"
#include "importer/dockerfile/from_image.h"
#include "importer/dockerfile/layer_writer.h"
#include "importer/dockerfile/linux_path.h"
#include "importer/dockerfile/linux_stage.h"
#include "importer/dockerfile/stage_graph.h"
#include "importer/dockerfile/url_download.h"
#include "importer/dockerfile/windows_path.h"
#include "importer/dockerfile/word_expansion.h"
#include "importer/rewrite/platform.h"
#ifdef HPC_HAVE_LINUX_STAGES
#include "importer/runtime/interrupt.h"
#endif
#include "importer/oci/image_config.h"
#include "importer/oci/manifest.h"

namespace hpc::dockerfile {
namespace {

constexpr char kRunError[] =
    "RUN in a Windows stage needs a Windows builder; HostProcess images are "
    "assembled without running anything: RUN the command in a Linux build "
    "stage (FROM --platform=linux/amd64 IMAGE AS bins) and COPY --from=bins "
    "what it makes";

// The platform hpcimg builds on and the one it builds for, as BuildKit's
// automatic ARGs name them.
constexpr char kBuildPlatform[] = "linux/amd64";
constexpr char kTargetPlatform[] = "windows/amd64";

struct Stage {
  std::string name;  // lower case, from "AS name"; may be empty
  size_t index = 0;
  oci::Json config;                     // the whole config document
  std::vector<oci::Descriptor> layers;  // base layers, then new ones
  size_t base_layer_count = 0;
  Variables args;  // ARGs declared in the stage
  std::vector<std::string> shell = {"cmd", "/S", "/C"};
  std::string workdir = "/";
  bool cmd_set = false;
  FileTree added;    // files the stage's COPYs added
  FileTree pending;  // --squash: files for the one layer
  std::vector<std::string> pending_history;
  // The whole file system, computed when a COPY --from needs it.
  std::optional<FileTree> full_tree;
  // A Linux build stage's root file system; null for a Windows stage.
  std::shared_ptr<LinuxStage> linux;
  bool skipped = false;  // not needed by the target: nothing dispatched
  int instructions = 0;  // in the stage, FROM included: "[bins 2/3]"
  int step = 0;          // the one being dispatched
};

std::string LayerMediaType(oci::MediaTypeFormat format) {
  return std::string(format == oci::MediaTypeFormat::kOci
                         ? oci::kOciLayerGzip
                         : oci::kDockerLayerGzip);
}

// A base layer's media type in the output's family (the bytes are the same).
std::string ConvertLayerType(const std::string& type,
                             oci::MediaTypeFormat format) {
  const bool oci_out = format == oci::MediaTypeFormat::kOci;
  if (type == oci::kDockerLayerGzip && oci_out)
    return std::string(oci::kOciLayerGzip);
  if (type == oci::kOciLayerGzip && !oci_out)
    return std::string(oci::kDockerLayerGzip);
  if (type == oci::kDockerLayer && oci_out) return std::string(oci::kOciLayer);
  if (type == oci::kOciLayer && !oci_out) return std::string(oci::kDockerLayer);
  return type;
}

// Microsoft's Windows base images (nanoserver, servercore, server): known
// to be Windows without asking their registry.
bool NamesWindowsBase(absl::string_view name) {
  absl::ConsumePrefix(&name, "docker://");
  return absl::StartsWith(name, "mcr.microsoft.com/windows/") ||
         absl::StartsWith(name, "mcr.microsoft.com/windows:") ||
         name == "mcr.microsoft.com/windows";
}

oci::Json& ContainerConfig(oci::Json& config) {
  if (!config.contains("config") || !config["config"].is_object()) {
    config["config"] = oci::Json::object();
  }
  return config["config"];
}

class Builder {
 public:
  Builder(const BuildOptions& options, const Dockerfile& file,
          BuildContext context)
      : options_(options),
        file_(file),
        context_(std::move(context)),
        blobs_(std::make_unique<BuiltImage>(
            absl::StrCat("build of ", options.context))) {
    for (const auto& [k, v] : options.build_args) build_args_[k] = v;
    // BuildKit's automatic platform ARGs, in the global scope (FROM lines)
    // and in a stage that declares them.
    global_args_ = {{"BUILDPLATFORM", kBuildPlatform},
                    {"BUILDOS", "linux"},
                    {"BUILDARCH", "amd64"},
                    {"BUILDVARIANT", ""},
                    {"TARGETPLATFORM", kTargetPlatform},
                    {"TARGETOS", "windows"},
                    {"TARGETARCH", "amd64"},
                    {"TARGETVARIANT", ""}};
  }

  absl::StatusOr<BuildResult> Run();

 private:
  absl::Status Error(const Instruction& in, absl::string_view message) const {
    return InstructionError(file_, in, message);
  }
  absl::Status Wrap(const Instruction& in, const absl::Status& s) const {
    return absl::Status(s.code(), absl::StrCat(file_.name, ":", in.line, ": ",
                                               in.keyword, ": ", s.message()));
  }

  Variables Scope(const Stage& stage) const;
  absl::Status GlobalArg(const Instruction& in);
  absl::Status From(const Instruction& in);
  absl::Status Dispatch(Stage& stage, const Instruction& in);
  absl::Status Arg(Stage& stage, const Instruction& in);
  absl::Status Env(Stage& stage, const Instruction& in);
  absl::Status Label(Stage& stage, const Instruction& in);
  absl::Status Copy(Stage& stage, const Instruction& in, bool add);
  absl::Status Command(Stage& stage, const Instruction& in);
  absl::Status Expose(Stage& stage, const Instruction& in);
  absl::Status Volume(Stage& stage, const Instruction& in);
  absl::Status Run(Stage& stage, const Instruction& in);
  absl::StatusOr<Stage*> EarlierStage(const Instruction& in,
                                      const std::string& from);
  absl::StatusOr<std::shared_ptr<LinuxStage>> ImageRoot(
      const Instruction& in, const std::string& image);
  LinuxStageOptions StageOptions() const;
  std::string StepPrefix(const Stage& stage) const;
  absl::StatusOr<std::string> StagePath(const Stage& stage,
                                        const std::string& path) const;
  absl::StatusOr<std::string> OneWord(const Stage& stage,
                                      const Instruction& in);
  absl::StatusOr<const FileTree*> FullTree(Stage& stage);
  absl::StatusOr<const FileTree*> SourceTree(const Instruction& in,
                                             const std::string& from);
  absl::Status AddFiles(Stage& stage, const Instruction& in,
                        const FileTree& files);
  absl::Status WriteStageLayer(Stage& stage, const FileTree& files,
                               const std::string& created_by);
  void History(Stage& stage, const std::string& created_by, bool empty_layer);
  absl::Status FinishStage(Stage& stage);

  const BuildOptions& options_;
  const Dockerfile& file_;
  BuildContext context_;
  std::unique_ptr<BuiltImage> blobs_;
  std::vector<Stage> stages_;
  Variables global_args_;
  std::map<std::string, std::string> build_args_;
  std::set<std::string> used_build_args_;
  // Images named by COPY --from=IMAGE, opened once: a Windows image's
  // files, a Linux image's root.
  std::map<std::string, FileTree> image_trees_;
  std::map<std::string, std::shared_ptr<LinuxStage>> image_roots_;
  std::vector<std::string> warnings_;
  int layers_added_ = 0;
  int scratch_ = 0;
  std::vector<int> stage_sizes_;  // instructions of each stage
};

Variables Builder::Scope(const Stage& stage) const {
  Variables scope = stage.args;
  const oci::Json& config = stage.config;
  if (config.contains("config") && config["config"].contains("Env") &&
      config["config"]["Env"].is_array()) {
    for (const auto& item : config["config"]["Env"]) {
      if (!item.is_string()) continue;
      std::string kv = item.get<std::string>();
      size_t eq = kv.find('=');
      if (eq != std::string::npos) scope[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return scope;
}

absl::Status Builder::GlobalArg(const Instruction& in) {
  auto pairs = ParseKeyValues(in.arguments, global_args_, file_.escape,
                              /*legacy_form=*/false, /*value_optional=*/true);
  if (!pairs.ok()) return Wrap(in, pairs.status());
  for (const KeyValue& kv : *pairs) {
    if (auto it = build_args_.find(kv.key); it != build_args_.end()) {
      global_args_[kv.key] = it->second;
      used_build_args_.insert(kv.key);
    } else if (kv.value) {
      global_args_[kv.key] = *kv.value;
    }
  }
  return absl::OkStatus();
}

LinuxStageOptions Builder::StageOptions() const {
  LinuxStageOptions o;
  o.scratch_dir = options_.scratch_dir;
  o.limits = options_.sources.archive_limits;
  o.network_host = options_.network_host;
  o.runtime = options_.runtime;
  o.interrupt = options_.interrupt;
  return o;
}

std::string Builder::StepPrefix(const Stage& stage) const {
  return absl::StrCat("[", stage.name.empty() ? absl::StrCat("stage-", stage.index) : stage.name,
                      " ", stage.step, "/", stage.instructions, "] ");
}

absl::StatusOr<std::string> Builder::StagePath(const Stage& stage,
                                               const std::string& path) const {
  if (stage.linux) return LinuxPath(path, stage.workdir);
  return ResolveImagePath(path, stage.workdir);
}

absl::Status Builder::From(const Instruction& in) {
  Stage stage;
  stage.index = stages_.size();
  std::optional<rewrite::Platform> platform;
  std::string applied;  // what the log says of a Linux stage's layers
  for (const auto& [flag, value] : in.flags) {
    if (flag != "platform") {
      return Error(in, absl::StrCat("FROM: unknown flag --", flag));
    }
    auto expanded = ExpandWord(value, global_args_, file_.escape);
    if (!expanded.ok()) return Wrap(in, expanded.status());
    auto parsed = rewrite::Platform::Parse(absl::AsciiStrToLower(*expanded));
    if (!parsed.ok() || (parsed->os != "windows" && parsed->os != "linux") ||
        parsed->architecture != "amd64") {
      return Error(in, absl::StrCat("FROM --platform=", *expanded,
                                    ": hpcimg builds windows/amd64 images, "
                                    "with build stages for linux/amd64"));
    }
    platform = *parsed;
  }
  auto words = ExpandWords(in.arguments, global_args_, file_.escape);
  if (!words.ok()) return Wrap(in, words.status());
  if (words->size() == 3 && absl::AsciiStrToLower((*words)[1]) == "as") {
    stage.name = absl::AsciiStrToLower((*words)[2]);
    for (const Stage& other : stages_) {
      if (other.name == stage.name) {
        return Error(
            in, absl::StrCat("stage name \"", (*words)[2], "\" is used twice"));
      }
    }
  } else if (words->size() != 1) {
    return Error(in, "expected FROM IMAGE [AS NAME]");
  }
  const std::string& image = (*words)[0];
  const std::string lower = absl::AsciiStrToLower(image);
  const bool linux_platform = platform && platform->os == "linux";
  const Stage* parent = nullptr;
  for (const Stage& other : stages_) {
    if (!other.name.empty() && other.name == lower) parent = &other;
  }
  if (parent != nullptr) {
    stage.config = parent->config;
    stage.layers = parent->layers;
    stage.base_layer_count = parent->layers.size();
    stage.shell = parent->shell;
    stage.workdir = parent->workdir;
    stage.full_tree = parent->full_tree;
    stage.added = parent->added;
    if (parent->linux) {
      auto copy = LinuxStage::CopyOf(*parent->linux, StageOptions());
      if (!copy.ok()) return Wrap(in, copy.status());
      stage.linux = std::move(*copy);
    }
  } else if (lower == "scratch") {
    stage.config = {
        {"architecture", "amd64"},
        {"os", linux_platform ? "linux" : "windows"},
        {"config", oci::Json::object()},
        {"rootfs", {{"type", "layers"}, {"diff_ids", oci::Json::array()}}}};
    stage.full_tree = FileTree{};
    if (linux_platform) {
      auto root = LinuxStage::Create(nullptr, {}, StageOptions());
      if (!root.ok()) return Wrap(in, root.status());
      stage.linux = std::move(*root);
      stage.shell = {"/bin/sh", "-c"};
    }
  } else {
    // --hostprocess-base: a FROM known to be Windows is not even opened.
    const bool known_windows =
        (platform && platform->os == "windows") || NamesWindowsBase(image);
    const bool replace = options_.hostprocess_base && known_windows;
    const std::vector<std::pair<std::string, std::string>> no_bases;
    auto from = OpenFromImage(replace ? "base:" : image,
                              replace ? no_bases : options_.bases,
                              options_.sources, options_.offline, platform);
    if (!from.ok()) return Wrap(in, from.status());
    if (replace) {
      warnings_.push_back(absl::StrCat(
          file_.name, ":", in.line, ": FROM ", image,
          " replaced by the HostProcess base image (--hostprocess-base)"));
    }
    auto bytes = image::ReadSmallBlob(from->image(), from->image().root());
    if (!bytes.ok()) return Wrap(in, bytes.status());
    auto manifest = oci::Manifest::Parse(*bytes, from->reference);
    if (!manifest.ok()) return Wrap(in, manifest.status());
    auto config_bytes = image::ReadSmallBlob(from->image(), manifest->config());
    if (!config_bytes.ok()) return Wrap(in, config_bytes.status());
    auto config = oci::ParseJsonObject(
        *config_bytes, absl::StrCat("config of ", from->reference));
    if (!config.ok()) return Wrap(in, config.status());
    const std::string os = config->value("os", "");
    if (os == "windows" && options_.hostprocess_base && !replace &&
        !absl::StartsWith(from->reference, "base:")) {
      // HostProcess containers run on the node: the named Windows base
      // (nanoserver, servercore) would be hundreds of MB nobody uses.
      warnings_.push_back(absl::StrCat(
          file_.name, ":", in.line, ": FROM ", image,
          " replaced by the HostProcess base image (--hostprocess-base)"));
      from = OpenFromImage("base:", {}, options_.sources, options_.offline);
      if (!from.ok()) return Wrap(in, from.status());
      bytes = image::ReadSmallBlob(from->image(), from->image().root());
      if (!bytes.ok()) return Wrap(in, bytes.status());
      manifest = oci::Manifest::Parse(*bytes, from->reference);
      if (!manifest.ok()) return Wrap(in, manifest.status());
      config_bytes = image::ReadSmallBlob(from->image(), manifest->config());
      if (!config_bytes.ok()) return Wrap(in, config_bytes.status());
      config = oci::ParseJsonObject(*config_bytes, "the base image's config");
      if (!config.ok()) return Wrap(in, config.status());
    }
    for (const std::string& change : from->changes) {
      warnings_.push_back(absl::StrCat("FROM ", image, ": ", change));
    }
    if (os == "linux") {
      if (config->value("architecture", "") != "amd64") {
        return Error(in, absl::StrCat("FROM ", image, ": the image is for linux/",
                                      config->value("architecture", ""),
                                      "; build stages run linux/amd64"));
      }
      const absl::Time started = absl::Now();
      auto root = LinuxStage::Create(&from->image(), manifest->layers(),
                                     StageOptions());
      if (!root.ok()) return Wrap(in, root.status());
      int64_t bytes = 0;
      for (const oci::Descriptor& layer : manifest->layers()) bytes += layer.size;
      applied = absl::StrFormat(" (%d layers, %.1f MiB, applied in %.3f s)",
                                manifest->layers().size(),
                                static_cast<double>(bytes) / (1 << 20),
                                absl::ToDoubleSeconds(absl::Now() - started));
      stage.linux = std::move(*root);
      stage.shell = {"/bin/sh", "-c"};
    } else if (os != "windows") {
      return Error(in, absl::StrCat("FROM ", image, ": the image is for \"", os,
                                    "\"; HostProcess images are Windows, and "
                                    "build stages Linux"));
    } else if (linux_platform) {
      return Error(in, absl::StrCat("FROM --platform=linux/amd64 ", image,
                                    ": the image is for windows"));
    }
    stage.config = std::move(*config);
    stage.layers = manifest->layers();
    stage.base_layer_count = stage.layers.size();
    if (!stage.linux) {
      for (auto& source_ptr : from->sources) blobs_->AddSource(source_ptr);
    }
    if (ContainerConfig(stage.config).contains("WorkingDir")) {
      std::string wd = ContainerConfig(stage.config)["WorkingDir"];
      if (!wd.empty()) {
        auto resolved = StagePath(stage, wd);
        if (resolved.ok()) stage.workdir = *resolved;
      }
    }
  }
  stage.cmd_set = false;
  stage.instructions = stage_sizes_.empty() ? 1 : stage_sizes_[stage.index];
  stage.step = 1;
  if (stage.linux && options_.log) {
    options_.log(absl::StrCat(StepPrefix(stage), in.text, applied));
  }
  stages_.push_back(std::move(stage));
  return absl::OkStatus();
}

absl::Status Builder::Arg(Stage& stage, const Instruction& in) {
  auto pairs = ParseKeyValues(in.arguments, Scope(stage), file_.escape,
                              /*legacy_form=*/false, /*value_optional=*/true);
  if (!pairs.ok()) return Wrap(in, pairs.status());
  for (const KeyValue& kv : *pairs) {
    if (auto it = build_args_.find(kv.key); it != build_args_.end()) {
      stage.args[kv.key] = it->second;
      used_build_args_.insert(kv.key);
    } else if (kv.value) {
      stage.args[kv.key] = *kv.value;
    } else if (auto g = global_args_.find(kv.key); g != global_args_.end()) {
      stage.args[kv.key] = g->second;
    } else {
      stage.args[kv.key] = "";
    }
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::Status Builder::Env(Stage& stage, const Instruction& in) {
  auto pairs = ParseKeyValues(in.arguments, Scope(stage), file_.escape,
                              /*legacy_form=*/true, /*value_optional=*/false);
  if (!pairs.ok()) return Wrap(in, pairs.status());
  oci::Json& config = ContainerConfig(stage.config);
  if (!config.contains("Env") || !config["Env"].is_array()) {
    config["Env"] = oci::Json::array();
  }
  for (const KeyValue& kv : *pairs) {
    std::string entry = absl::StrCat(kv.key, "=", *kv.value);
    bool replaced = false;
    for (auto& item : config["Env"]) {
      if (item.is_string() &&
          absl::StartsWith(item.get<std::string>(), kv.key + "=")) {
        item = entry;
        replaced = true;
      }
    }
    if (!replaced) config["Env"].push_back(entry);
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::Status Builder::Label(Stage& stage, const Instruction& in) {
  auto pairs = ParseKeyValues(in.arguments, Scope(stage), file_.escape,
                              /*legacy_form=*/false, /*value_optional=*/false);
  if (!pairs.ok()) return Wrap(in, pairs.status());
  oci::Json& config = ContainerConfig(stage.config);
  if (!config.contains("Labels") || !config["Labels"].is_object()) {
    config["Labels"] = oci::Json::object();
  }
  for (const KeyValue& kv : *pairs) config["Labels"][kv.key] = *kv.value;
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Builder::OneWord(const Stage& stage,
                                             const Instruction& in) {
  auto words = ExpandWords(in.arguments, Scope(stage), file_.escape);
  if (!words.ok()) return Wrap(in, words.status());
  if (words->size() != 1) {
    return Error(in, absl::StrCat(in.keyword, " takes one argument"));
  }
  return (*words)[0];
}

absl::Status Builder::Command(Stage& stage, const Instruction& in) {
  oci::Json& config = ContainerConfig(stage.config);
  if (in.keyword == "SHELL") {
    if (!in.json || in.json->empty()) {
      return Error(in,
                   "SHELL must be a JSON array, e.g. "
                   "[\"powershell\", \"-Command\"]");
    }
    stage.shell = *in.json;
    History(stage, in.text, true);
    return absl::OkStatus();
  }
  std::vector<std::string> command;
  if (in.json) {
    command = *in.json;
  } else if (!in.arguments.empty()) {
    command = stage.shell;
    command.push_back(in.arguments);
  }
  oci::Json value =
      command.empty() && !in.json ? oci::Json(nullptr) : oci::Json(command);
  if (in.keyword == "ENTRYPOINT") {
    config["Entrypoint"] = value;
    // An ENTRYPOINT resets a CMD inherited from the base image.
    if (!stage.cmd_set) config["Cmd"] = nullptr;
  } else {
    config["Cmd"] = value;
    stage.cmd_set = true;
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::Status Builder::Expose(Stage& stage, const Instruction& in) {
  auto words = ExpandWords(in.arguments, Scope(stage), file_.escape);
  if (!words.ok()) return Wrap(in, words.status());
  if (words->empty()) return Error(in, "EXPOSE needs at least one port");
  oci::Json& config = ContainerConfig(stage.config);
  if (!config.contains("ExposedPorts") || !config["ExposedPorts"].is_object()) {
    config["ExposedPorts"] = oci::Json::object();
  }
  for (const std::string& word : *words) {
    std::string port = word, protocol = "tcp";
    if (size_t slash = word.find('/'); slash != std::string::npos) {
      port = word.substr(0, slash);
      protocol = absl::AsciiStrToLower(word.substr(slash + 1));
    }
    uint32_t first = 0, last = 0;
    size_t dash = port.find('-');
    bool ok = protocol == "tcp" || protocol == "udp" || protocol == "sctp";
    ok = ok && absl::SimpleAtoi(port.substr(0, dash), &first) && first > 0 &&
         first < 65536;
    last = first;
    if (ok && dash != std::string::npos) {
      ok = absl::SimpleAtoi(port.substr(dash + 1), &last) && last >= first &&
           last < 65536;
    }
    if (!ok) {
      return Error(in, absl::StrCat("EXPOSE \"", word,
                                    "\": expected PORT[-PORT][/tcp|udp|sctp]"));
    }
    for (uint32_t p = first; p <= last; ++p) {
      config["ExposedPorts"][absl::StrCat(p, "/", protocol)] =
          oci::Json::object();
    }
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::Status Builder::Volume(Stage& stage, const Instruction& in) {
  std::vector<std::string> words;
  if (in.json) {
    for (const std::string& w : *in.json) {
      auto e = ExpandWord(w, Scope(stage), file_.escape);
      if (!e.ok()) return Wrap(in, e.status());
      words.push_back(*e);
    }
  } else {
    auto w = ExpandWords(in.arguments, Scope(stage), file_.escape);
    if (!w.ok()) return Wrap(in, w.status());
    words = *w;
  }
  if (words.empty()) return Error(in, "VOLUME needs a path");
  oci::Json& config = ContainerConfig(stage.config);
  if (!config.contains("Volumes") || !config["Volumes"].is_object()) {
    config["Volumes"] = oci::Json::object();
  }
  for (const std::string& w : words) {
    auto path = ResolveImagePath(w, stage.workdir);
    if (!path.ok()) return Wrap(in, path.status());
    config["Volumes"][WindowsPath(*path)] = oci::Json::object();
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::StatusOr<const FileTree*> Builder::FullTree(Stage& stage) {
  if (stage.full_tree) return &*stage.full_tree;
  FileTree tree;
  for (size_t i = 0; i < stage.base_layer_count; ++i) {
    const oci::Descriptor& layer = stage.layers[i];
    std::string file = absl::StrCat(options_.scratch_dir, "/layer", scratch_++);
    {
      auto stream = blobs_->Open(layer);
      if (!stream.ok()) return stream.status();
      std::ofstream out(file, std::ios::binary);
      char buffer[256 << 10];
      for (;;) {
        auto n = (*stream)->Read(buffer, sizeof(buffer));
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        out.write(buffer, static_cast<std::streamsize>(*n));
      }
      if (!out.good()) {
        return absl::InternalError(absl::StrCat("write \"", file, "\""));
      }
    }
    ExtractOptions extract;
    extract.scratch_dir = options_.scratch_dir;
    extract.limits = options_.sources.archive_limits;
    extract.whiteouts = true;
    extract.map_path =
        [](const std::string& path) -> std::optional<std::string> {
      if (path == "Files") return std::string("/");
      if (absl::StartsWith(path, "Files/")) return path.substr(5);
      return std::nullopt;
    };
    if (absl::Status s = ExtractArchive(
            file, absl::StrCat("layer ", layer.digest.str()), extract, tree);
        !s.ok()) {
      return s;
    }
    unlink(file.c_str());
  }
  for (const auto& [path, node] : stage.added) tree[path] = node;
  tree.try_emplace("/", FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""});
  stage.full_tree = std::move(tree);
  return &*stage.full_tree;
}

absl::StatusOr<Stage*> Builder::EarlierStage(const Instruction& in,
                                             const std::string& from) {
  std::string lower = absl::AsciiStrToLower(from);
  size_t index = 0;
  bool numeric = absl::SimpleAtoi(from, &index);
  for (Stage& stage : stages_) {
    if (&stage == &stages_.back()) break;  // not the stage being built
    if ((!stage.name.empty() && stage.name == lower) ||
        (numeric && stage.index == index)) {
      if (stage.skipped) {
        return Error(in, absl::StrCat("--from=", from,
                                      ": that stage was not built (its name "
                                      "could not be read before the build)"));
      }
      return &stage;
    }
  }
  if (numeric) {
    return Error(in, absl::StrCat("--from=", from,
                                  ": no earlier stage has that number"));
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<LinuxStage>> Builder::ImageRoot(
    const Instruction& in, const std::string& image) {
  if (auto it = image_roots_.find(image); it != image_roots_.end())
    return it->second;
  auto from = OpenFromImage(image, options_.bases, options_.sources,
                            options_.offline);
  if (!from.ok()) return Wrap(in, from.status());
  auto bytes = image::ReadSmallBlob(from->image(), from->image().root());
  if (!bytes.ok()) return Wrap(in, bytes.status());
  auto manifest = oci::Manifest::Parse(*bytes, from->reference);
  if (!manifest.ok()) return Wrap(in, manifest.status());
  auto config_bytes = image::ReadSmallBlob(from->image(), manifest->config());
  if (!config_bytes.ok()) return Wrap(in, config_bytes.status());
  auto config = oci::ParseJsonObject(
      *config_bytes, absl::StrCat("config of ", from->reference));
  if (!config.ok()) return Wrap(in, config.status());
  std::shared_ptr<LinuxStage> root;
  if (config->value("os", "") == "linux") {
    auto created =
        LinuxStage::Create(&from->image(), manifest->layers(), StageOptions());
    if (!created.ok()) return Wrap(in, created.status());
    root = std::move(*created);
  }
  image_roots_[image] = root;
  return root;
}

absl::StatusOr<const FileTree*> Builder::SourceTree(const Instruction& in,
                                                    const std::string& from) {
  auto earlier = EarlierStage(in, from);
  if (!earlier.ok()) return earlier.status();
  if (*earlier != nullptr) return FullTree(**earlier);
  if (auto it = image_trees_.find(from); it != image_trees_.end()) {
    return &it->second;
  }
  // A Windows image: read its files like a stage made from it.
  auto from_image =
      OpenFromImage(from, options_.bases, options_.sources, options_.offline);
  if (!from_image.ok()) return Wrap(in, from_image.status());
  Stage stage;
  auto bytes =
      image::ReadSmallBlob(from_image->image(), from_image->image().root());
  if (!bytes.ok()) return Wrap(in, bytes.status());
  auto manifest = oci::Manifest::Parse(*bytes, from_image->reference);
  if (!manifest.ok()) return Wrap(in, manifest.status());
  stage.layers = manifest->layers();
  stage.base_layer_count = stage.layers.size();
  for (auto& source_ptr : from_image->sources) blobs_->AddSource(source_ptr);
  auto tree = FullTree(stage);
  if (!tree.ok()) return Wrap(in, tree.status());
  auto [it, _] = image_trees_.emplace(from, std::move(*stage.full_tree));
  return &it->second;
}

void Builder::History(Stage& stage, const std::string& created_by,
                      bool empty_layer) {
  if (!stage.config.contains("history") ||
      !stage.config["history"].is_array()) {
    stage.config["history"] = oci::Json::array();
  }
  oci::Json entry = {
      {"created", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options_.created,
                                   absl::UTCTimeZone())},
      {"created_by", created_by},
      {"comment", "hpcimg build"}};
  if (empty_layer) entry["empty_layer"] = true;
  stage.config["history"].push_back(std::move(entry));
}

absl::Status Builder::WriteStageLayer(Stage& stage, const FileTree& files,
                                      const std::string& created_by) {
  std::string file =
      absl::StrCat(options_.scratch_dir, "/new-layer", scratch_++);
  auto layer = WriteLayer(files, options_.created,
                          LayerMediaType(options_.format), file);
  if (!layer.ok()) return layer.status();
  blobs_->AddFile(layer->descriptor, layer->file);
  stage.layers.push_back(layer->descriptor);
  oci::Json& rootfs = stage.config["rootfs"];
  if (!rootfs.is_object()) rootfs = {{"type", "layers"}};
  if (!rootfs.contains("diff_ids") || !rootfs["diff_ids"].is_array()) {
    rootfs["diff_ids"] = oci::Json::array();
  }
  rootfs["diff_ids"].push_back(layer->diff_id.str());
  History(stage, created_by, false);
  ++layers_added_;
  return absl::OkStatus();
}

absl::Status Builder::AddFiles(Stage& stage, const Instruction& in,
                               const FileTree& files) {
  for (const auto& [path, node] : files) {
    stage.added[path] = node;
    if (stage.full_tree) (*stage.full_tree)[path] = node;
  }
  if (options_.squash) {
    for (const auto& [path, node] : files) stage.pending[path] = node;
    stage.pending_history.push_back(in.text);
    return absl::OkStatus();
  }
  absl::Status s = WriteStageLayer(stage, files, in.text);
  return s.ok() ? s : Wrap(in, s);
}

absl::Status Builder::Copy(Stage& stage, const Instruction& in, bool add) {
  std::string from, chown, checksum;
  std::optional<int> chmod;
  for (const auto& [flag, value] : in.flags) {
    if (flag == "from" && !add) {
      auto expanded = ExpandWord(value, Scope(stage), file_.escape);
      if (!expanded.ok()) return Wrap(in, expanded.status());
      from = *expanded;
    } else if (flag == "link") {
      // Every COPY is its own layer already.
    } else if (flag == "chown") {
      // A Linux stage sets the owner; a Windows layer has none to set
      // (files belong to the container's user), so it is accepted there.
      auto expanded = ExpandWord(value, Scope(stage), file_.escape);
      if (!expanded.ok()) return Wrap(in, expanded.status());
      chown = *expanded;
    } else if (flag == "chmod") {
      int mode = 0;
      bool ok = !value.empty() && value.size() <= 4;
      for (char c : value) {
        ok = ok && c >= '0' && c <= '7';
        mode = mode * 8 + (c - '0');
      }
      if (!ok) {
        return Error(in, absl::StrCat("--chmod=", value,
                                      ": expected an octal mode such as 755"));
      }
      chmod = mode;
    } else if (flag == "checksum" && add) {
      auto expanded = ExpandWord(value, Scope(stage), file_.escape);
      if (!expanded.ok()) return Wrap(in, expanded.status());
      checksum = *expanded;
    } else {
      return Error(in, absl::StrCat(in.keyword, ": unknown flag --", flag));
    }
  }
  int64_t uid = 0, gid = 0;
  if (!chown.empty() && stage.linux) {
    auto owner = stage.linux->ResolveOwner(chown);
    if (!owner.ok()) return Wrap(in, owner.status());
    std::tie(uid, gid) = *owner;
  }
  std::vector<std::string> words;
  const Variables scope = Scope(stage);
  if (in.json) {
    for (const std::string& w : *in.json) {
      auto e = ExpandWord(w, scope, file_.escape);
      if (!e.ok()) return Wrap(in, e.status());
      words.push_back(*e);
    }
  } else {
    auto w = ExpandWords(in.arguments, scope, file_.escape);
    if (!w.ok()) return Wrap(in, w.status());
    words = std::move(*w);
  }
  if (words.size() < 2) {
    return Error(in, absl::StrCat(in.keyword,
                                  " needs at least one source and a "
                                  "destination"));
  }
  const std::string dest_text = words.back();
  words.pop_back();
  auto dest = StagePath(stage, dest_text);
  if (!dest.ok()) return Wrap(in, dest.status());
  bool dest_is_dir =
      EndsWithSeparator(dest_text) || dest_text == "." || *dest == "/";

  std::vector<SourceMatch> matches;
  const FileTree* source_tree = nullptr;
  std::shared_ptr<LinuxStage> source_root;
  if (!from.empty()) {
    auto earlier = EarlierStage(in, from);
    if (!earlier.ok()) return earlier.status();
    if (*earlier != nullptr && (*earlier)->linux) {
      source_root = (*earlier)->linux;
    } else if (*earlier == nullptr) {
      auto root = ImageRoot(in, from);
      if (!root.ok()) return root.status();
      source_root = *root;
    }
    if (source_root == nullptr) {
      auto tree = SourceTree(in, from);
      if (!tree.ok()) return tree.status();
      source_tree = *tree;
    }
  }
  std::set<std::string> downloads;  // fetched files are added as they are
  for (const std::string& source : words) {
    if (absl::StartsWith(source, "<<") && !in.heredocs.empty()) {
      // COPY <<NAME DEST: a file NAME holding the here-document.
      // (Quotes around the delimiter are gone with word expansion.)
      absl::string_view delimiter = absl::StripPrefix(source, "<<");
      absl::ConsumePrefix(&delimiter, "-");
      const std::string name(delimiter);
      const Heredoc* doc = nullptr;
      for (const Heredoc& h : in.heredocs) {
        if (h.name == name) doc = &h;
      }
      if (doc == nullptr) {
        return Error(in, absl::StrCat("no here-document ", name));
      }
      std::string content = doc->content;
      if (doc->expand) {
        auto expanded = ExpandVariables(content, scope);
        if (!expanded.ok()) return Wrap(in, expanded.status());
        content = *expanded;
      }
      const std::string file =
          absl::StrCat(options_.scratch_dir, "/heredoc", scratch_++);
      std::ofstream(file, std::ios::binary) << content;
      SourceMatch m;
      m.name = name;
      m.node = FileNode{FileNode::Type::kFile, file,
                        static_cast<int64_t>(content.size()),
                        chmod.value_or(0644), ""};
      downloads.insert(file);
      matches.push_back(std::move(m));
      continue;
    }
    if (add && IsUrl(source)) {
      // Streamed to a scratch file, checked, added as a file of mode 0600
      // (as Docker adds downloads); archives are not unpacked.
      auto got = DownloadUrl(
          source, absl::StrCat(options_.scratch_dir, "/download", scratch_++),
          checksum, options_.sources.archive_limits.max_entry_bytes);
      if (!got.ok()) return Wrap(in, got.status());
      SourceMatch m;
      m.name = got->name;
      m.node = FileNode{FileNode::Type::kFile, got->file, got->size,
                        chmod.value_or(0600), ""};
      downloads.insert(got->file);
      matches.push_back(std::move(m));
      continue;
    }
    if (source.find("://") != std::string::npos ||
        absl::StartsWith(source, "git@")) {
      return Error(in, absl::StrCat(in.keyword, " ", source,
                                    ": only ADD fetches, and only http:// "
                                    "and https:// URLs"));
    }
    absl::StatusOr<std::vector<SourceMatch>> found;
    if (source_root != nullptr) {
      found = source_root->Match(LinuxPath(source, "/"),
                                 absl::StrCat("--from=", from));
    } else if (source_tree != nullptr) {
      auto path = ResolveImagePath(source, "/");
      if (!path.ok()) return Wrap(in, path.status());
      found = MatchInTree(*source_tree, *path, absl::StrCat("--from=", from));
    } else {
      found = context_.Resolve(source);
    }
    if (!found.ok()) return Wrap(in, found.status());
    for (auto& m : *found) {
      if (chmod) {
        m.node.mode = *chmod;
        for (auto& [_, node] : m.contents) {
          if (node.type != FileNode::Type::kSymlink) node.mode = *chmod;
        }
      }
      matches.push_back(std::move(m));
    }
  }
  if (!checksum.empty() && downloads.empty()) {
    return Error(in, "--checksum checks what ADD fetches from a URL; "
                     "no source is a URL");
  }
  if (matches.size() > 1 && !dest_is_dir) {
    return Error(
        in, absl::StrCat("with more than one source the destination must be "
                         "a directory ending in \\ or /, not \"",
                         dest_text, "\""));
  }
  if (!dest_is_dir && matches.size() == 1 &&
      matches[0].node.type != FileNode::Type::kDirectory && stage.linux) {
    dest_is_dir = stage.linux->IsDirectory(*dest);
  } else if (!dest_is_dir && matches.size() == 1 &&
             matches[0].node.type == FileNode::Type::kFile) {
    // Into an existing directory, as Docker does.
    auto it = stage.added.find(*dest);
    if (it != stage.added.end()) {
      dest_is_dir = it->second.type == FileNode::Type::kDirectory;
    } else if (stage.base_layer_count > 0 || stage.full_tree) {
      auto tree = FullTree(stage);
      if (!tree.ok()) return Wrap(in, tree.status());
      auto found = (*tree)->find(*dest);
      dest_is_dir = found != (*tree)->end() &&
                    found->second.type == FileNode::Type::kDirectory;
    }
  }

  auto join = [](const std::string& dir, const std::string& name) {
    return dir == "/" ? absl::StrCat("/", name) : absl::StrCat(dir, "/", name);
  };
  FileTree files;
  for (const SourceMatch& m : matches) {
    if (m.node.type == FileNode::Type::kDirectory) {
      files[*dest] = m.node;
      for (const auto& [relative, node] : m.contents) {
        files[join(*dest, relative)] = node;
      }
      continue;
    }
    if (add && source_tree == nullptr && !downloads.count(m.node.host_path) &&
        IsTarArchive(m.node.host_path)) {
      ExtractOptions extract;
      extract.scratch_dir = options_.scratch_dir;
      extract.limits = options_.sources.archive_limits;
      const std::string into = *dest;
      extract.map_path =
          [&](const std::string& path) -> std::optional<std::string> {
        return path.empty() ? into : join(into, path);
      };
      files[into] = FileNode{FileNode::Type::kDirectory, "", 0, 0755, ""};
      if (absl::Status s =
              ExtractArchive(m.node.host_path, m.name, extract, files);
          !s.ok()) {
        return Wrap(in, s);
      }
      continue;
    }
    files[dest_is_dir ? join(*dest, m.name) : *dest] = m.node;
  }
  if (stage.linux) {
    if (absl::Status s = stage.linux->AddFiles(files, uid, gid); !s.ok())
      return Wrap(in, s);
    History(stage, in.text, true);
    return absl::OkStatus();
  }
  return AddFiles(stage, in, files);
}

absl::Status Builder::Run(Stage& stage, const Instruction& in) {
  if (!stage.linux) return Error(in, kRunError);
  RunCommand command;
  for (const auto& [flag, value] : in.flags) {
    if (flag == "network") {
      if (value == "host" || value == "none") {
        command.network_host = value == "host";
      } else if (value != "default") {
        return Error(in, absl::StrCat("RUN --network=", value,
                                      ": expected host, none or default"));
      }
    } else {
      return Error(in, absl::StrCat("RUN: unsupported flag --", flag));
    }
  }
  if (in.json) {
    command.args = *in.json;  // exec form: no shell, nothing expanded
  } else if (!in.heredocs.empty() && absl::StartsWith(in.arguments, "<<") &&
             in.arguments.find_first_of(" \t") == std::string::npos) {
    // RUN <<EOF: the here-document is the script the shell runs.
    command.args = stage.shell;
    command.args.push_back(in.heredocs[0].content);
  } else {
    // The shell reads its here-documents itself (RUN cat <<EOF > x).
    std::string script = in.arguments;
    for (const Heredoc& doc : in.heredocs)
      absl::StrAppend(&script, "\n", doc.content, doc.name);
    command.args = stage.shell;
    command.args.push_back(script);
  }
  if (command.args.empty()) return Error(in, "RUN needs a command");
  // ENV, then the stage's ARGs that ENV does not set, as Docker passes them.
  std::set<std::string> set;
  const oci::Json& config = ContainerConfig(stage.config);
  if (config.contains("Env") && config["Env"].is_array()) {
    for (const auto& item : config["Env"]) {
      if (!item.is_string()) continue;
      std::string kv = item.get<std::string>();
      set.insert(kv.substr(0, kv.find('=')));
      command.env.push_back(std::move(kv));
    }
  }
  for (const auto& [key, value] : stage.args) {
    if (!set.count(key)) command.env.push_back(absl::StrCat(key, "=", value));
  }
  command.workdir = stage.workdir;
  if (config.contains("User") && config["User"].is_string())
    command.user = config["User"].get<std::string>();
  const std::string prefix = StepPrefix(stage);
  if (options_.log) options_.log(absl::StrCat(prefix, in.text));
  auto code = stage.linux->Run(command, [&](absl::string_view line) {
    if (options_.log) options_.log(absl::StrCat(prefix, line));
  });
  if (!code.ok()) return Wrap(in, code.status());
  if (*code != 0) {
    return Error(in, absl::StrCat("RUN ", in.arguments,
                                  ": the command exited with code ", *code));
  }
  History(stage, in.text, true);
  return absl::OkStatus();
}

absl::Status Builder::Dispatch(Stage& stage, const Instruction& in) {
  const std::string& k = in.keyword;
  if (k == "COPY") return Copy(stage, in, false);
  if (k == "ADD") return Copy(stage, in, true);
  if (k == "ENV") return Env(stage, in);
  if (k == "ARG") return Arg(stage, in);
  if (k == "LABEL") return Label(stage, in);
  if (k == "ENTRYPOINT" || k == "CMD" || k == "SHELL")
    return Command(stage, in);
  if (k == "EXPOSE") return Expose(stage, in);
  if (k == "VOLUME") return Volume(stage, in);
  if (k == "WORKDIR") {
    auto word = OneWord(stage, in);
    if (!word.ok()) return word.status();
    auto path = StagePath(stage, *word);
    if (!path.ok()) return Wrap(in, path.status());
    stage.workdir = *path;
    if (stage.linux) {
      if (absl::Status s = stage.linux->MakeDirectory(*path); !s.ok())
        return Wrap(in, s);
    }
    ContainerConfig(stage.config)["WorkingDir"] =
        stage.linux ? *path : WindowsPath(*path);
    History(stage, in.text, true);
    return absl::OkStatus();
  }
  if (k == "USER" || k == "STOPSIGNAL") {
    auto word = OneWord(stage, in);
    if (!word.ok()) return word.status();
    ContainerConfig(stage.config)[k == "USER" ? "User" : "StopSignal"] = *word;
    History(stage, in.text, true);
    return absl::OkStatus();
  }
  if (k == "MAINTAINER") {
    stage.config["author"] = in.arguments;
    History(stage, in.text, true);
    return absl::OkStatus();
  }
  if (k == "RUN") return Run(stage, in);
  if (k == "HEALTHCHECK") {
    return Error(in,
                 "HEALTHCHECK is not supported: kubelet ignores it; use a "
                 "liveness probe in the pod spec");
  }
  if (k == "ONBUILD") {
    return Error(in,
                 "ONBUILD is not supported: its triggers run in a later build "
                 "on a builder");
  }
  return Error(in, absl::StrCat("unknown instruction ", k));
}

absl::Status Builder::FinishStage(Stage& stage) {
  if (!stage.pending.empty() || !stage.pending_history.empty()) {
    absl::Status s = WriteStageLayer(
        stage, stage.pending,
        absl::StrCat("squashed: ", absl::StrJoin(stage.pending_history, "; ")));
    if (!s.ok()) return s;
    stage.pending.clear();
    stage.pending_history.clear();
  }
  return absl::OkStatus();
}

absl::StatusOr<BuildResult> Builder::Run() {
  if (!file_.syntax.empty()) {
    warnings_.push_back(absl::StrCat(
        file_.name, ":1: # syntax=", file_.syntax,
        " is read and ignored: hpcimg reads Dockerfiles itself"));
  }
  // The global ARGs first (they all come before the first FROM), so the
  // stages' references can be read before anything is built.
  size_t first = 0;
  for (; first < file_.instructions.size(); ++first) {
    const Instruction& in = file_.instructions[first];
    if (in.keyword == "FROM") break;
    if (in.keyword != "ARG") {
      return Error(in, absl::StrCat(in.keyword,
                                    " before the first FROM; only ARG may "
                                    "come first"));
    }
    if (absl::Status s = GlobalArg(in); !s.ok()) return s;
  }
  std::vector<StageDependencies> graph;
  for (size_t i = first; i < file_.instructions.size(); ++i) {
    const Instruction& in = file_.instructions[i];
    if (in.keyword == "FROM") {
      stage_sizes_.push_back(1);
      StageDependencies d;
      auto words = ExpandWords(in.arguments, global_args_, file_.escape);
      if (words.ok() && !words->empty()) {
        d.from = absl::AsciiStrToLower((*words)[0]);
        if (words->size() == 3) d.name = absl::AsciiStrToLower((*words)[2]);
      }
      graph.push_back(std::move(d));
      continue;
    }
    ++stage_sizes_.back();
    for (const auto& [flag, value] : in.flags) {
      if (flag != "from" || in.keyword != "COPY") continue;
      auto ref = ExpandWord(value, global_args_, file_.escape);
      if (!ref.ok() || absl::StrContains(value, "$")) {
        graph.back().unresolved = true;  // a stage ARG may set it
      } else {
        graph.back().copy_from.push_back(absl::AsciiStrToLower(*ref));
      }
    }
  }
  const std::vector<bool> needed =
      StagesToBuild(graph, absl::AsciiStrToLower(options_.target));
  for (size_t i = first; i < file_.instructions.size(); ++i) {
    const Instruction& in = file_.instructions[i];
#ifdef HPC_HAVE_LINUX_STAGES
    if (options_.interrupt != nullptr && options_.interrupt->requested()) {
      return absl::CancelledError(absl::StrCat(
          file_.name, ":", in.line, ": interrupted by signal ",
          options_.interrupt->signal()));
    }
#endif
    if (in.keyword == "FROM") {
      if (!stages_.empty()) {
        if (absl::Status s = FinishStage(stages_.back()); !s.ok()) return s;
      }
      if (!needed[stages_.size()]) {
        // Not built: only its name is kept, for --target and messages.
        Stage skipped;
        skipped.index = stages_.size();
        skipped.name = graph[stages_.size()].name;
        skipped.skipped = true;
        stages_.push_back(std::move(skipped));
        continue;
      }
      if (absl::Status s = From(in); !s.ok()) return s;
      continue;
    }
    if (!stages_.empty() && stages_.back().skipped) continue;
    if (stages_.empty()) {
      if (in.keyword == "ARG") {
        if (absl::Status s = GlobalArg(in); !s.ok()) return s;
        continue;
      }
      return Error(in, absl::StrCat(in.keyword,
                                    " before the first FROM; only ARG may "
                                    "come first"));
    }
    ++stages_.back().step;
    if (absl::Status s = Dispatch(stages_.back(), in); !s.ok()) return s;
  }
  if (stages_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_.name, ": no FROM instruction"));
  }
  if (absl::Status s = FinishStage(stages_.back()); !s.ok()) return s;

  Stage* target = &stages_.back();
  if (!options_.target.empty()) {
    target = nullptr;
    for (Stage& stage : stages_) {
      if (stage.name == absl::AsciiStrToLower(options_.target)) target = &stage;
    }
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--target ", options_.target, ": ", file_.name,
                       " has no stage of that name"));
    }
  }
  if (target->linux) {
    return absl::InvalidArgumentError(absl::StrCat(
        file_.name, ": the stage to build, ",
        target->name.empty() ? absl::StrCat("number ", target->index)
                             : absl::StrCat("\"", target->name, "\""),
        ", is a Linux build stage; hpcimg build makes Windows images: end "
        "with a Windows stage that COPY --from it (or choose one with "
        "--target)"));
  }
  for (const auto& [name, value] : build_args_) {
    if (!used_build_args_.count(name)) {
      warnings_.push_back(absl::StrCat("--build-arg ", name,
                                       " was not used: no ARG declares it"));
    }
  }

  // The image: config without os.version, a manifest without platform.
  oci::Json config = target->config;
  config["os"] = "windows";
  config["architecture"] = "amd64";
  config.erase("os.version");
  config["created"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options_.created,
                                       absl::UTCTimeZone());
  const bool oci_format = options_.format == oci::MediaTypeFormat::kOci;
  oci::Descriptor config_desc =
      blobs_->AddBytes(oci_format ? oci::kOciConfig : oci::kDockerConfig,
                       oci::CanonicalJson(config));
  std::vector<oci::Descriptor> layers = target->layers;
  for (oci::Descriptor& layer : layers) {
    layer.media_type = ConvertLayerType(layer.media_type, options_.format);
  }
  oci::Manifest manifest =
      oci::Manifest::Make(options_.format, config_desc, layers);
  blobs_->set_root(
      blobs_->AddBytes(manifest.media_type(), manifest.Serialize()));

  BuildResult result;
  result.stages = static_cast<int>(stages_.size());
  result.layers_added = layers_added_;
  result.warnings = std::move(warnings_);
  result.image = std::move(blobs_);
  return result;
}

}  // namespace

absl::StatusOr<BuildResult> BuildImage(const BuildOptions& options) {
  std::string path = options.dockerfile.empty()
                         ? absl::StrCat(options.context, "/Dockerfile")
                         : options.dockerfile;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("Dockerfile \"", path, "\": cannot be read"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().size() > (4u << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dockerfile \"", path, "\": larger than 4 MiB"));
  }
  std::string name = path.substr(path.rfind('/') + 1);
  auto file = ParseDockerfile(text.str(), name);
  if (!file.ok()) return file.status();
  auto context = BuildContext::Open(options.context);
  if (!context.ok()) return context.status();
  Builder builder(options, *file, std::move(*context));
  return builder.Run();
}

}  // namespace hpc::dockerfile
