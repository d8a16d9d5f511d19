// content_load: drives hpc-content-plugin's Content API over its socket
// with concurrent readers and writers for a while and reports throughput,
// latency percentiles and errors. hack/load.sh runs it and watches the
// plugin's memory and open files.
//
// Usage: content_load SOCKET [--readers N] [--writers N] [--seconds N]
//                            [--blobs N] [--blob-bytes N]
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "services/content/v1/content.grpc.pb.h"
#include "tests/testing/content_write.h"

namespace {

namespace content = ::containerd::services::content::v1;
using Clock = std::chrono::steady_clock;

std::string Sha256(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  char hex[2 * SHA256_DIGEST_LENGTH + 1];
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i)
    std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return std::string("sha256:") + hex;
}

std::string RandomBytes(std::mt19937_64& rng, size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&data[i], &v, std::min<size_t>(8, size - i));
  }
  return data;
}

struct Stats {
  std::mutex mu;
  std::vector<double> read_ms, write_ms;
  int64_t read_bytes = 0, write_bytes = 0, errors = 0;
  std::string first_error;
  void Error(const grpc::Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    if (errors++ == 0) first_error = s.error_message();
  }
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

int64_t Flag(int argc, char** argv, const char* name, int64_t fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: content_load SOCKET [--readers N] [--writers N] "
                 "[--seconds N] [--blobs N] [--blob-bytes N]\n");
    return 2;
  }
  const std::string target = std::string("unix:") + argv[1];
  const int readers = static_cast<int>(Flag(argc, argv, "--readers", 64));
  const int writers = static_cast<int>(Flag(argc, argv, "--writers", 16));
  const int seconds = static_cast<int>(Flag(argc, argv, "--seconds", 60));
  const int blobs = static_cast<int>(Flag(argc, argv, "--blobs", 64));
  const size_t blob_bytes =
      static_cast<size_t>(Flag(argc, argv, "--blob-bytes", 1 << 20));

  // Each thread its own channel, as separate containerd clients would be.
  auto stub = [&] {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return content::Content::NewStub(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  };

  // Blobs for the readers.
  std::vector<std::string> digests;
  {
    auto s = stub();
    std::mt19937_64 rng(1);
    for (int i = 0; i < blobs; ++i) {
      std::string data = RandomBytes(rng, blob_bytes);
      grpc::Status st = hpc::testing::WriteContent(
          *s, "load-seed-" + std::to_string(i), data, Sha256(data), 1 << 20);
      if (!st.ok()) {
        std::fprintf(stderr, "seeding failed: %s\n",
                     st.error_message().c_str());
        return 1;
      }
      digests.push_back(Sha256(data));
    }
  }

  Stats stats;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      auto s = stub();
      std::mt19937_64 rng(100 + r);
      std::vector<double> lat;
      int64_t bytes = 0;
      while (!stop.load()) {
        grpc::ClientContext ctx;
        content::ReadContentRequest req;
        req.set_digest(digests[rng() % digests.size()]);
        auto t0 = Clock::now();
        auto reader = s->Read(&ctx, req);
        content::ReadContentResponse resp;
        while (reader->Read(&resp)) bytes += resp.data().size();
        grpc::Status st = reader->Finish();
        if (!st.ok()) {
          stats.Error(st);
          continue;
        }
        lat.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0)
                .count());
      }
      std::lock_guard<std::mutex> lock(stats.mu);
      stats.read_ms.insert(stats.read_ms.end(), lat.begin(), lat.end());
      stats.read_bytes += bytes;
    });
  }
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto s = stub();
      std::mt19937_64 rng(1000 + w);
      std::vector<double> lat;
      int64_t bytes = 0;
      for (int i = 0; !stop.load(); ++i) {
        std::string data = RandomBytes(rng, blob_bytes);
        std::string ref =
            "load-w" + std::to_string(w) + "-" + std::to_string(i);
        auto t0 = Clock::now();
        grpc::Status st =
            hpc::testing::WriteContent(*s, ref, data, Sha256(data), 1 << 20);
        if (!st.ok()) {
          stats.Error(st);
          continue;
        }
        lat.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0)
                .count());
        bytes += static_cast<int64_t>(data.size());
        // Keep the disk bounded: the blob goes again.
        grpc::ClientContext ctx;
        content::DeleteContentRequest del;
        google::protobuf::Empty empty;
        del.set_digest(Sha256(data));
        if (grpc::Status d = s->Delete(&ctx, del, &empty); !d.ok()) {
          stats.Error(d);
        }
      }
      std::lock_guard<std::mutex> lock(stats.mu);
      stats.write_ms.insert(stats.write_ms.end(), lat.begin(), lat.end());
      stats.write_bytes += bytes;
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();

  const double mib = 1024.0 * 1024.0;
  std::printf("readers %d, writers %d, %d s, blobs of %zu bytes\n", readers,
              writers, seconds, blob_bytes);
  std::printf("reads   %8zu  %8.1f MiB/s  p50 %7.2f ms  p99 %7.2f ms\n",
              stats.read_ms.size(), stats.read_bytes / mib / seconds,
              Percentile(stats.read_ms, 0.50), Percentile(stats.read_ms, 0.99));
  std::printf("writes  %8zu  %8.1f MiB/s  p50 %7.2f ms  p99 %7.2f ms\n",
              stats.write_ms.size(), stats.write_bytes / mib / seconds,
              Percentile(stats.write_ms, 0.50),
              Percentile(stats.write_ms, 0.99));
  std::printf("errors  %lld%s%s\n", static_cast<long long>(stats.errors),
              stats.errors ? ": first: " : "", stats.first_error.c_str());
  return stats.errors == 0 ? 0 : 1;
}
