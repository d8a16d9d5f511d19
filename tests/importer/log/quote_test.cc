#include "importer/log/quote.h"

#include <gtest/gtest.h>

namespace hpc::log {
namespace {

TEST(QuoteTest, EscapesControlBytesQuotesAndBackslashes) {
  EXPECT_EQ(Quote("a\nb\"c\\d\x01"), R"("a\nb\"c\\d\x01")");
}

TEST(QuoteTest, LeavesSingleQuotesAlone) {
  EXPECT_EQ(Quote("the system's table"), R"("the system's table")");
  EXPECT_EQ(Quote("\\'"), R"("\\'")");
  EXPECT_EQ(Quote("'"), R"("'")");
}

TEST(QuoteTest, CutsLongText) { EXPECT_EQ(Quote("abcdef", 3), R"("abc"...)"); }

}  // namespace
}  // namespace hpc::log
