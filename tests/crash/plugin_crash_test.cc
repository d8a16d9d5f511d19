// kill -9 of hpc-content-plugin while clients write blobs through its
// Content API, round after round. After each restart:
//  - every blob under blobs/ verifies against its name;
//  - no partial blob is visible: every blob present is one a client wrote,
//    whole, and every commit a client saw acknowledged is there;
//  - every interrupted ingest reports an offset no larger than what was
//    sent, and either resumes from it to a correct commit or aborts without
//    leaving anything behind.
// Scale: HPC_CRASH_ROUNDS (default 3), HPC_CRASH_CLIENTS (8),
// HPC_CRASH_MAX_BLOB (4 MiB); hack/crash.sh runs 20 x 32 x 64 MiB.
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/content/v1/content.grpc.pb.h"
#include "tests/testing/content_write.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::testing {
namespace {

namespace content = ::containerd::services::content::v1;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}

std::string Sha256(absl::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char c : md) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// The bytes of blob `index` of client `client`: deterministic, so a resumed
// write can send the rest, and mixed in size (empty to `max`).
std::string BlobBytes(int round, int client, int index, int max) {
  std::mt19937_64 rng(static_cast<uint64_t>(round) * 1000003 +
                      static_cast<uint64_t>(client) * 7919 + index);
  static const int kSizes[] = {0, 1, 4096, 65536, 1 << 20};
  int pick = static_cast<int>(rng() % 6);
  size_t size = pick < 5 ? static_cast<size_t>(kSizes[pick])
                         : static_cast<size_t>(rng() % (max + 1));
  std::string data(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, std::min<size_t>(8, size - i));
  }
  return data;
}

struct Blob {
  std::string ref, digest, data;  // data is dropped once committed
  int64_t size = 0;
  bool committed = false;  // the client saw its commit acknowledged
  int64_t sent = 0;        // bytes the client sent (upper bound on offset)
};

class Plugin {
 public:
  Plugin(const std::string& dir) : dir_(dir) {}
  bool Start() {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{HPC_BIN_DIR "/hpc-content-plugin", "--root",
                                 root(), "--address", socket()},
        dir_ + "/plugin.log");
    return WaitForSocket(socket(), 10000);
  }
  void Kill() { process_->Stop(SIGKILL); }
  std::string root() const { return dir_ + "/root"; }
  std::string socket() const { return dir_ + "/plugin.sock"; }
  std::unique_ptr<content::Content::Stub> Stub() const {
    return content::Content::NewStub(grpc::CreateChannel(
        "unix:" + socket(), grpc::InsecureChannelCredentials()));
  }

 private:
  std::string dir_;
  std::unique_ptr<Subprocess> process_;
};

// Writes `blob` from the offset the plugin reports. True when the commit
// was acknowledged; else `error` says why.
bool WriteBlob(content::Content::Stub& stub, Blob& blob,
               std::string* error = nullptr) {
  grpc::Status s = WriteContent(stub, blob.ref, blob.data, blob.digest,
                                256 << 10, &blob.sent);
  if (!s.ok() && error != nullptr) {
    *error = absl::StrCat(s.error_code(), " ", s.error_message());
  }
  return s.ok();
}

class PluginCrashTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(PluginCrashTest, KillNineWhileClientsWrite) {
  const int rounds = EnvInt("HPC_CRASH_ROUNDS", 3);
  const int clients = EnvInt("HPC_CRASH_CLIENTS", 8);
  const int max_blob = EnvInt("HPC_CRASH_MAX_BLOB", 4 << 20);
  Plugin plugin(dir_.path());
  ASSERT_TRUE(plugin.Start()) << ReadFileOrDie(dir_.path() + "/plugin.log");
  std::mt19937 rng(20261128);
  int64_t blobs_committed = 0, resumed = 0, aborted = 0, interrupted = 0;
  int64_t bytes_verified = 0, files_verified = 0;
  std::map<std::string, int64_t> known;  // every digest a client wrote

  for (int round = 0; round < rounds; ++round) {
    std::vector<std::vector<Blob>> work(clients);
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        auto stub = plugin.Stub();
        for (int i = 0; !stop.load(); ++i) {
          Blob blob;
          blob.data = BlobBytes(round, c, i, max_blob);
          blob.digest = Sha256(blob.data);
          blob.size = static_cast<int64_t>(blob.data.size());
          blob.ref = absl::StrCat("crash-r", round, "-c", c, "-b", i);
          work[c].push_back(std::move(blob));
          if (!WriteBlob(*stub, work[c].back())) break;  // the plugin died
          work[c].back().committed = true;
          std::string().swap(work[c].back().data);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    plugin.Kill();
    stop = true;
    for (auto& t : threads) t.join();
    ASSERT_TRUE(plugin.Start()) << ReadFileOrDie(dir_.path() + "/plugin.log");
    for (const auto& list : work) {
      for (const Blob& b : list) known[b.digest] = b.size;
    }

    // Every blob on disk verifies and is one a client wrote, whole.
    for (const auto& entry :
         std::filesystem::directory_iterator(plugin.root() + "/blobs/sha256")) {
      std::string data = ReadFileOrDie(entry.path());
      std::string digest = "sha256:" + entry.path().filename().string();
      ASSERT_EQ(Sha256(data), digest) << "corrupt blob " << entry.path();
      ASSERT_TRUE(known.count(digest)) << "unknown blob " << digest;
      ASSERT_EQ(known[digest], static_cast<int64_t>(data.size()));
      ++files_verified;
      bytes_verified += static_cast<int64_t>(data.size());
    }

    auto stub = plugin.Stub();
    for (auto& list : work) {
      for (size_t i = 0; i < list.size(); ++i) {
        Blob& blob = list[i];
        grpc::ClientContext info_ctx;
        content::InfoRequest info_req;
        content::InfoResponse info;
        info_req.set_digest(blob.digest);
        grpc::Status have = stub->Info(&info_ctx, info_req, &info);
        if (blob.committed) {
          ++blobs_committed;
          ASSERT_TRUE(have.ok()) << "acknowledged commit lost: " << blob.ref;
          ASSERT_EQ(info.info().size(), blob.size);
          continue;
        }
        ++interrupted;
        grpc::ClientContext status_ctx;
        content::StatusRequest status_req;
        content::StatusResponse status;
        status_req.set_ref(blob.ref);
        grpc::Status st = stub->Status(&status_ctx, status_req, &status);
        if (st.ok()) {
          ASSERT_LE(status.status().offset(), std::max<int64_t>(blob.sent, 0))
              << blob.ref << " reports more than was sent";
        } else {
          ASSERT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << blob.ref;
        }
        if (st.ok() && (i % 2 == 1)) {
          // Abort: the ingest goes, nothing is left.
          grpc::ClientContext abort_ctx;
          content::AbortRequest abort_req;
          google::protobuf::Empty empty;
          abort_req.set_ref(blob.ref);
          ASSERT_TRUE(stub->Abort(&abort_ctx, abort_req, &empty).ok());
          grpc::ClientContext again_ctx;
          EXPECT_EQ(stub->Status(&again_ctx, status_req, &status).error_code(),
                    grpc::StatusCode::NOT_FOUND);
          ++aborted;
        } else {
          // Resume from the reported offset to a verified commit.
          std::string error;
          ASSERT_TRUE(WriteBlob(*stub, blob, &error))
              << "resume failed: " << blob.ref << ": " << error;
          grpc::ClientContext check_ctx;
          ASSERT_TRUE(stub->Info(&check_ctx, info_req, &info).ok());
          ++resumed;
        }
      }
    }
    // No ingest is left behind once every ref was resumed or aborted.
    grpc::ClientContext list_ctx;
    content::ListStatusesRequest list_req;
    content::ListStatusesResponse statuses;
    ASSERT_TRUE(stub->ListStatuses(&list_ctx, list_req, &statuses).ok());
    EXPECT_EQ(statuses.statuses_size(), 0);
  }
  std::cout << "crash figures: rounds=" << rounds << " clients=" << clients
            << " max_blob=" << max_blob << " committed=" << blobs_committed
            << " interrupted=" << interrupted << " resumed=" << resumed
            << " aborted=" << aborted << " files_verified=" << files_verified
            << " bytes_verified=" << bytes_verified << "\n";
}

}  // namespace
}  // namespace hpc::testing
