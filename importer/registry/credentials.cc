#include "importer/registry/credentials.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "importer/oci/json.h"
#include "importer/registry/credential_helper.h"

namespace hpc::registry {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The keys a Docker config may file `domain` under.
std::vector<std::string> ConfigKeys(absl::string_view domain) {
  if (domain == "docker.io") {
    return {"https://index.docker.io/v1/", "index.docker.io", "docker.io",
            "registry-1.docker.io"};
  }
  return {std::string(domain), absl::StrCat("https://", domain),
          absl::StrCat("http://", domain)};
}

absl::StatusOr<oci::Json> ReadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  // Never quote the file: it holds secrets.
  oci::Json doc = oci::Json::parse(text.str(), nullptr, false);
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a JSON object"));
  }
  return doc;
}

std::string StringAt(const oci::Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Credentials for `domain` in the Docker config `doc` read from `path`;
// empty when it has none.
absl::StatusOr<FoundCredentials> FromConfig(const oci::Json& doc,
                                            const std::string& path,
                                            absl::string_view domain) {
  FoundCredentials found;
  auto helper = [&](const std::string& name,
                    const std::string& key) -> absl::Status {
    for (const std::string& server : ConfigKeys(domain)) {
      auto c = RunCredentialHelper(name, server);
      if (!c.ok()) {
        return absl::Status(
            c.status().code(),
            absl::StrCat(path, " ", key, ": ", c.status().message()));
      }
      if (*c) {
        found.credentials = **c;
        found.source =
            absl::StrCat("docker-credential-", name, " (", path, " ", key, ")");
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  };
  if (auto it = doc.find("credHelpers"); it != doc.end() && it->is_object()) {
    for (const std::string& key : ConfigKeys(domain)) {
      std::string name = StringAt(*it, key.c_str());
      if (name.empty()) continue;
      if (absl::Status s = helper(name, "credHelpers"); !s.ok()) return s;
      return found;
    }
  }
  if (auto it = doc.find("auths"); it != doc.end() && it->is_object()) {
    for (const std::string& key : ConfigKeys(domain)) {
      auto entry = it->find(key);
      if (entry == it->end() || !entry->is_object()) continue;
      std::string auth = StringAt(*entry, "auth");
      Credentials c;
      if (!auth.empty()) {
        std::string decoded;
        if (!absl::Base64Unescape(auth, &decoded) ||
            decoded.find(':') == std::string::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ": auths.\"", key,
                           "\".auth is not base64 of USER:PASSWORD"));
        }
        c.username = decoded.substr(0, decoded.find(':'));
        c.password = decoded.substr(decoded.find(':') + 1);
      } else {
        c.username = StringAt(*entry, "username");
        c.password = StringAt(*entry, "password");
      }
      if (c.empty()) continue;
      found.credentials = c;
      found.source = absl::StrCat(path, " (auths.\"", key, "\")");
      return found;
    }
  }
  if (std::string store = StringAt(doc, "credsStore"); !store.empty()) {
    if (absl::Status s = helper(store, "credsStore"); !s.ok()) return s;
  }
  return found;
}

}  // namespace

absl::StatusOr<FoundCredentials> FindCredentials(
    absl::string_view domain, const CredentialOptions& options) {
  FoundCredentials found;
  if (!options.creds.empty()) {
    size_t colon = options.creds.find(':');
    found.credentials.username = options.creds.substr(0, colon);
    if (colon != std::string::npos)
      found.credentials.password = options.creds.substr(colon + 1);
    found.source = "--creds";
    found.looked_in = {"--creds"};
    return found;
  }
  // The files, in order; the first that exists is the only one read, as
  // skopeo and docker read them.
  std::vector<std::pair<std::string, std::string>> files;  // path, named by
  if (!options.authfile.empty()) {
    files.push_back({options.authfile, "--authfile"});
  } else if (std::string env = Env("REGISTRY_AUTH_FILE"); !env.empty()) {
    files.push_back({env, "REGISTRY_AUTH_FILE"});
  } else if (std::string dir = Env("DOCKER_CONFIG"); !dir.empty()) {
    files.push_back({dir + "/config.json", "DOCKER_CONFIG"});
  } else if (std::string home = Env("HOME"); !home.empty()) {
    files.push_back({home + "/.docker/config.json", ""});
  } else if (std::string profile = Env("USERPROFILE"); !profile.empty()) {
    files.push_back({profile + "/.docker/config.json", ""});  // Windows
  }
  for (const auto& [path, named_by] : files) {
    found.looked_in.push_back(
        named_by.empty() ? path : absl::StrCat(path, " (", named_by, ")"));
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      if (!named_by.empty() && named_by != "DOCKER_CONFIG") {
        return absl::NotFoundError(
            absl::StrCat(named_by, " ", path, ": no such file"));
      }
      continue;
    }
    auto doc = ReadConfig(path);
    if (!doc.ok()) return doc.status();
    auto from = FromConfig(*doc, path, domain);
    if (!from.ok()) return from.status();
    from->looked_in = found.looked_in;
    return from;
  }
  return found;
}

}  // namespace hpc::registry
