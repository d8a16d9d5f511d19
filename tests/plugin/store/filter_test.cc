#include "plugin/store/filter.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hpc::store {
namespace {

// An object with a digest and labels, as content Info is adapted.
struct Object {
  std::string digest;
  std::map<std::string, std::string> labels;
};

bool Matches(const Filter& filter, const Object& object) {
  return filter.Match(
      [&](const std::vector<std::string>& path) -> std::optional<std::string> {
        if (path.empty()) return std::nullopt;
        if (path[0] == "digest") return object.digest;
        if (path[0] == "labels" && path.size() > 1) {
          auto it = object.labels.find(
              absl::StrJoin(path.begin() + 1, path.end(), "."));
          if (it != object.labels.end()) return it->second;
        }
        return std::nullopt;
      });
}

bool Matches(const std::string& text, const Object& object) {
  auto filter = Filter::Parse(text);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status();
  return filter.ok() && Matches(*filter, object);
}

const Object kManifest{
    "sha256:aaaa",
    {{"containerd.io/gc.ref.content.config", "sha256:cccc"},
     {"containerd.io/distribution.source.docker.io", "library/x"},
     {"plain", "value with spaces"}}};

TEST(FilterTest, EmptyMatchesEverything) {
  EXPECT_TRUE(Matches("", kManifest));
  auto any = Filter::ParseAny({});
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(Matches(*any, kManifest));
}

TEST(FilterTest, Presence) {
  EXPECT_TRUE(Matches("labels.plain", kManifest));
  EXPECT_FALSE(Matches("labels.absent", kManifest));
  EXPECT_TRUE(
      Matches(R"(labels."containerd.io/gc.ref.content.config")", kManifest));
}

TEST(FilterTest, DottedUnquotedLabelPathJoinsWithDots) {
  // labels.a.b looks up the key "a.b", as containerd joins the path.
  Object o{"sha256:1", {{"a.b", "x"}}};
  EXPECT_TRUE(Matches("labels.a.b==x", o));
}

TEST(FilterTest, Equality) {
  EXPECT_TRUE(Matches("digest==sha256:aaaa", kManifest));
  EXPECT_FALSE(Matches("digest==sha256:bbbb", kManifest));
  EXPECT_TRUE(
      Matches(R"(labels."containerd.io/gc.ref.content.config"==sha256:cccc)",
              kManifest));
  EXPECT_TRUE(Matches(R"(labels.plain=="value with spaces")", kManifest));
  // An absent field is never equal, even to the empty string.
  EXPECT_FALSE(Matches(R"(labels.absent=="")", kManifest));
}

TEST(FilterTest, Inequality) {
  EXPECT_TRUE(Matches("digest!=sha256:bbbb", kManifest));
  EXPECT_FALSE(Matches("digest!=sha256:aaaa", kManifest));
  // An absent field reads as empty, so it differs from any non-empty value.
  EXPECT_TRUE(Matches("labels.absent!=x", kManifest));
}

TEST(FilterTest, RegularExpressions) {
  EXPECT_TRUE(Matches("digest~=^sha256:a+$", kManifest));
  EXPECT_FALSE(Matches("digest~=^sha256:b", kManifest));
  EXPECT_TRUE(Matches("labels.plain~=/with s/", kManifest));
  EXPECT_TRUE(Matches("labels.plain~=|^value|", kManifest));
  EXPECT_TRUE(Matches(
      R"(labels."containerd.io/distribution.source.docker.io"~="library/.*")",
      kManifest));
}

TEST(FilterTest, CommaMeansAll) {
  EXPECT_TRUE(Matches("digest==sha256:aaaa,labels.plain", kManifest));
  EXPECT_FALSE(Matches("digest==sha256:aaaa,labels.absent", kManifest));
  EXPECT_TRUE(Matches(" digest == sha256:aaaa , labels.plain ", kManifest));
}

TEST(FilterTest, SeveralFiltersMeanAny) {
  auto any = Filter::ParseAny({"digest==sha256:zzzz", "labels.plain"});
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(Matches(*any, kManifest));
  auto none = Filter::ParseAny({"digest==sha256:zzzz", "labels.absent"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(Matches(*none, kManifest));
}

TEST(FilterTest, QuotedEscapes) {
  Object o{"sha256:1", {{"k", "a\"b\tc\xc3\xa9"}}};
  EXPECT_TRUE(Matches(R"(labels.k=="a\"b\tc\u00e9")", o));
  EXPECT_TRUE(Matches(R"(labels.k=="a\"b\tc\xc3\xa9")", o));
}

TEST(FilterTest, ValueMayHoldOperatorsAndDots) {
  Object o{"sha256:1", {{"k", "a=b.c"}}};
  EXPECT_TRUE(Matches("labels.k==a=b.c", o));
}

TEST(FilterTest, ParseErrorsNameTheInput) {
  for (const char* bad :
       {"labels.", "=x", "a===b", "a=>b", "a==", "a==\"open", "a~=[", "a b",
        "a==b,", "labels.\"x", "a==/x/", "a==\"\\q\""}) {
    auto filter = Filter::Parse(bad);
    EXPECT_FALSE(filter.ok()) << bad;
    if (!filter.ok()) {
      EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument)
          << bad;
      EXPECT_THAT(std::string(filter.status().message()),
                  ::testing::HasSubstr("filter"))
          << bad;
    }
  }
}

}  // namespace
}  // namespace hpc::store
