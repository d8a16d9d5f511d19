// The flags that say how to reach a registry: credentials, TLS and
// containerd's hosts.toml folder. hpcimg gives them to every docker://
// command; hpc-content-plugin to the pulls of its *.txt preload lists.
#ifndef HPC_IMPORTER_CLI_REGISTRY_FLAGS_H_
#define HPC_IMPORTER_CLI_REGISTRY_FLAGS_H_

#include <filesystem>
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "importer/cli/flags.h"
#include "importer/registry/registry_options.h"

namespace hpc::cli {

struct RegistryFlags {
  hpc::registry::RegistryOptions options;
  // `scope` opens each flag's description ("docker://"); `creds` adds
  // --creds, whose password may come on standard input.
  void Add(FlagSet& flags, absl::string_view scope = "docker://",
           bool creds = true) {
    const std::string on = absl::StrCat(scope, ": ");
    with_creds_ = creds;
    if (creds) {
      flags.String("creds", &options.credentials.creds,
                   on + "registry credentials; without :PASS the password "
                        "is read from stdin, out of the process list",
                   "USER[:PASS]");
    }
    flags.String("authfile", &options.credentials.authfile,
                 on + "credentials file (Docker's config.json format; "
                      "default $REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json, "
                      "~/.docker/config.json)",
                 "FILE");
    flags.String("cert-dir", &options.cert_dir,
                 on + "ca.crt, client.cert and client.key for the "
                      "registry, as in containerd's hosts.d",
                 "DIR");
    // As nodes configure their mirrors: containerd's folder by default.
    std::error_code ec;
    if (options.hosts_dir.empty() &&
        std::filesystem::is_directory("/etc/containerd/certs.d", ec)) {
      options.hosts_dir = "/etc/containerd/certs.d";
    }
    flags.String("hosts-dir", &options.hosts_dir,
                 on + "containerd's hosts.toml folder: mirrors tried in "
                      "order, then the registry (default "
                      "/etc/containerd/certs.d when it exists; \"\" for none)",
                 "DIR");
    flags.Bool("tls-verify", &options.tls_verify,
               on + "verify the registry's certificate (=false to not)");
    flags.Bool("plain-http", &options.plain_http,
               on + "speak plain HTTP to the registry, not HTTPS");
  }
  // The options, with a password that --creds left out read from stdin.
  absl::StatusOr<hpc::registry::RegistryOptions> Options() const {
    hpc::registry::RegistryOptions out = options;
    std::string& creds = out.credentials.creds;
    if (with_creds_ && !creds.empty() && creds.find(':') == std::string::npos) {
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

 private:
  bool with_creds_ = true;
};

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_REGISTRY_FLAGS_H_
