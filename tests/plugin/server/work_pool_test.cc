#include "plugin/server/work_pool.h"

#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace hpc::server {
namespace {

TEST(WorkPoolTest, RunsJobsOffTheCallersThread) {
  absl::Mutex mu;
  std::set<std::thread::id> ran_on;
  {
    WorkPool pool(2);
    for (int i = 0; i < 100; ++i) {
      pool.Run([&] {
        absl::MutexLock lock(&mu);
        ran_on.insert(std::this_thread::get_id());
      });
    }
  }
  EXPECT_FALSE(ran_on.empty());
  EXPECT_LE(ran_on.size(), 2u);
  EXPECT_EQ(ran_on.count(std::this_thread::get_id()), 0u);
}

// One job blocked (an fsync, say) does not hold up the next.
TEST(WorkPoolTest, BlockedJobDoesNotHoldUpOthers) {
  WorkPool pool(2);
  absl::Notification release, second_ran;
  pool.Run([&] { release.WaitForNotification(); });
  pool.Run([&] { second_ran.Notify(); });
  EXPECT_TRUE(second_ran.WaitForNotificationWithTimeout(absl::Seconds(30)));
  release.Notify();
}

TEST(WorkPoolTest, DestructionRunsEveryQueuedJob) {
  std::atomic<int> ran{0};
  {
    WorkPool pool(1);
    for (int i = 0; i < 1000; ++i) pool.Run([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 1000);
}

TEST(WorkPoolTest, DefaultThreadsBetweenTwoAndEight) {
  EXPECT_GE(WorkPool::DefaultThreads(), 2);
  EXPECT_LE(WorkPool::DefaultThreads(), 8);
}

}  // namespace
}  // namespace hpc::server
