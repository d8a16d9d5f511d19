#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_WINDOWS_COMPAT 0
#include "importer/registry/hosts_config.h"

#include <algorithm>
#include <filesystem>
#include <toml++/toml.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hpc::registry {
namespace {

namespace fs = std::filesystem;

std::string FromFolder(const fs::path& folder, const std::string& p) {
  fs::path path(p);
  return path.is_absolute() ? p : (folder / path).string();
}

absl::Status Bad(const fs::path& file, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("hosts configuration ", file.string(), ": ", what));
}

// The settings of a host table (or of the file's top level, for `server`).
absl::Status ReadHost(const toml::table& t, const fs::path& file,
                      RegistryHost& host) {
  const fs::path folder = file.parent_path();
  if (auto* caps = t.get_as<toml::array>("capabilities")) {
    host.pull = host.resolve = host.push = false;
    for (const auto& c : *caps) {
      auto s = c.value<std::string>();
      if (!s) return Bad(file, "capabilities must be strings");
      if (*s == "pull") host.pull = true;
      else if (*s == "resolve") host.resolve = true;
      else if (*s == "push") host.push = true;
      else return Bad(file, absl::StrCat("unknown capability \"", *s, "\""));
    }
  }
  if (auto* ca = t.get("ca")) {
    std::vector<std::string> files;
    if (auto s = ca->value<std::string>()) files.push_back(*s);
    if (auto* a = ca->as_array()) {
      for (const auto& e : *a) {
        if (auto s = e.value<std::string>()) files.push_back(*s);
      }
    }
    if (files.empty()) return Bad(file, "ca must be a path or a list of paths");
    // libcurl takes one CA file; the first is used.
    host.tls.ca_file = FromFolder(folder, files[0]);
  }
  if (auto* client = t.get("client")) {
    std::string cert, key;
    if (auto s = client->value<std::string>()) {
      cert = key = *s;  // one PEM file holding both
    } else if (auto* a = client->as_array(); a != nullptr && !a->empty()) {
      const toml::array* pair = a;
      if (auto* first = (*a)[0].as_array()) pair = first;
      if (pair->size() >= 1) cert = pair->at(0).value_or(std::string());
      key = pair->size() >= 2 ? pair->at(1).value_or(std::string()) : cert;
    }
    if (cert.empty()) return Bad(file, "client must be a path or [cert, key]");
    host.tls.client_cert = FromFolder(folder, cert);
    host.tls.client_key = FromFolder(folder, key);
  }
  if (auto skip = t["skip_verify"].value<bool>()) host.tls.verify = !*skip;
  if (auto* headers = t.get_as<toml::table>("header")) {
    for (const auto& [name, value] : *headers) {
      if (auto s = value.value<std::string>()) {
        host.headers.push_back(absl::StrCat(std::string(name.str()), ": ", *s));
      } else if (auto* a = value.as_array()) {
        for (const auto& v : *a) {
          if (auto s = v.value<std::string>())
            host.headers.push_back(absl::StrCat(std::string(name.str()), ": ", *s));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status SetUrl(const std::string& url, bool override_path,
                    const fs::path& file, RegistryHost& host) {
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return Bad(file, absl::StrCat("\"", url, "\" is not an http:// or https:// URL"));
  }
  std::string base(absl::StripSuffix(url, "/"));
  host.url = base;
  const size_t slash = base.find('/', base.find("://") + 3);
  const std::string path = slash == std::string::npos ? "" : base.substr(slash);
  host.api_root = override_path || absl::EndsWith(path, "/v2")
                      ? base
                      : absl::StrCat(base, "/v2");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<RegistryHost>> LoadRegistryHosts(
    const std::string& hosts_dir, const std::string& host,
    const RegistryHost& server) {
  std::vector<RegistryHost> hosts;
  if (hosts_dir.empty()) return std::vector<RegistryHost>{server};
  std::error_code ec;
  fs::path folder = fs::path(hosts_dir) / host;
  if (!fs::is_directory(folder, ec)) folder = fs::path(hosts_dir) / "_default";
  if (!fs::is_directory(folder, ec)) return std::vector<RegistryHost>{server};
  const fs::path file = folder / "hosts.toml";
  if (!fs::exists(file, ec)) {
    // Docker's certificate files, for the registry itself.
    RegistryHost only = server;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
      const std::string name = e.path().filename().string();
      if (absl::EndsWith(name, ".crt") && only.tls.ca_file.empty()) {
        only.tls.ca_file = e.path().string();
      } else if (absl::EndsWith(name, ".cert")) {
        fs::path key = e.path();
        key.replace_extension(".key");
        if (fs::exists(key, ec)) {
          only.tls.client_cert = e.path().string();
          only.tls.client_key = key.string();
        }
      }
    }
    return std::vector<RegistryHost>{only};
  }
  toml::parse_result parsed = toml::parse_file(file.string());
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return Bad(file, absl::StrCat("line ", static_cast<uint64_t>(error.source().begin.line),
                                  ": ", std::string(error.description())));
  }
  const toml::table& doc = parsed.table();
  // The hosts, in the order the file lists them.
  if (auto* table = doc.get_as<toml::table>("host")) {
    std::vector<std::pair<toml::source_index, std::string>> order;
    for (const auto& [url, node] : *table) {
      order.emplace_back(node.source().begin.line, std::string(url.str()));
    }
    std::sort(order.begin(), order.end());
    for (const auto& [line, url] : order) {
      const toml::table* t = (*table)[url].as_table();
      if (t == nullptr) return Bad(file, absl::StrCat("host \"", url, "\" is not a table"));
      RegistryHost h;
      h.tls.verify = server.tls.verify;
      if (absl::Status s = SetUrl(url, (*t)["override_path"].value_or(false), file, h);
          !s.ok())
        return s;
      if (absl::Status s = ReadHost(*t, file, h); !s.ok()) return s;
      hosts.push_back(std::move(h));
    }
  }
  // Then the server: the file's, or the registry itself.
  RegistryHost upstream = server;
  if (auto url = doc["server"].value<std::string>()) {
    if (absl::Status s = SetUrl(*url, doc["override_path"].value_or(false), file, upstream);
        !s.ok())
      return s;
  }
  if (absl::Status s = ReadHost(doc, file, upstream); !s.ok()) return s;
  hosts.push_back(std::move(upstream));
  return hosts;
}

}  // namespace hpc::registry
