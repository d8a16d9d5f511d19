#include "importer/oci/manifest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "importer/oci/image_config.h"

namespace hpc::oci {
namespace {

using ::testing::HasSubstr;

// Media type constants as std::string, for building test documents.
const std::string kManifestType(kOciManifest);
const std::string kConfigType(kOciConfig);
const std::string kLayerType(kOciLayerGzip);

constexpr char kDigestA[] =
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kDigestB[] =
    "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

TEST(ManifestTest, UnknownFieldsSurviveARoundTrip) {
  std::string text =
      std::string(R"({"schemaVersion":2,"mediaType":")") + kManifestType +
      R"(","artifactType":"x/y","config":{"mediaType":")" + kConfigType +
      R"(","digest":")" + kDigestA +
      R"(","size":10,"urls":["u"]},"layers":[{"mediaType":")" + kLayerType +
      R"(","digest":")" + kDigestB +
      R"(","size":20,"annotations":{"k":"v"}}],"annotations":{"a":"b"}})";
  auto m = Manifest::Parse(text, "test manifest");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->config().size, 10);
  EXPECT_EQ(m->layers()[0].annotations.at("k"), "v");
  std::string out = m->Serialize();
  EXPECT_THAT(out, HasSubstr(R"("artifactType":"x/y")"));
  EXPECT_THAT(out, HasSubstr(R"("urls":["u"])"));
  EXPECT_THAT(out, HasSubstr(R"("annotations":{"a":"b"})"));
  // Canonical: serialising the parsed output again gives the same bytes.
  EXPECT_EQ(Manifest::Parse(out, "again")->Serialize(), out);
}

TEST(ManifestTest, ErrorsNameTheDocumentAndField) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not json", "not valid JSON"},
      {"[1]", "not a JSON object"},
      {R"({"schemaVersion":1})", "schemaVersion 1"},
      {R"({"schemaVersion":2,"layers":[]})", "no config"},
      {std::string(
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:12","size":1},"layers":[]})"),
       "sha256:12"},
      {std::string(
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") +
           kDigestA + R"(","size":-1},"layers":[]})",
       "negative size"},
      {std::string(
           R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")") +
           kDigestA + R"(","size":"1"},"layers":[]})",
       "\"size\" is not an integer"},
      {std::string(200, '[') + std::string(200, ']'), "nested deeper"},
      {"{\"x\":\"" + std::string(5 << 20, 'a') + "\"}",
       "bytes of JSON, more than"},
  };
  for (const Case& c : cases) {
    auto m = Manifest::Parse(c.text, "manifest of test");
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_THAT(std::string(m.status().message()),
                HasSubstr("manifest of test"))
        << c.text;
    EXPECT_THAT(std::string(m.status().message()), HasSubstr(c.message))
        << c.text;
  }
}

TEST(IndexTest, PlatformsKeptAsFound) {
  std::string text =
      std::string(R"({"schemaVersion":2,"manifests":[{"mediaType":")") +
      kManifestType + R"(","digest":")" + kDigestA +
      R"(","size":1,"platform":{"os":"windows","architecture":"amd64","os.version":"10.0.20348.1"}}]})";
  auto index = Index::Parse(text, "index");
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->media_type(), kOciIndex) << "mediaType is optional in OCI";
  ASSERT_EQ(index->manifests().size(), 1u);
  EXPECT_EQ((*index->manifests()[0].platform)["os.version"], "10.0.20348.1");
}

TEST(ImageConfigTest, Fields) {
  auto config = ImageConfig::Parse(
      std::string(
          R"({"os":"windows","architecture":"amd64","os.version":"10.0.17763.1","rootfs":{"type":"layers","diff_ids":[")") +
          kDigestA + R"("]}})",
      "config");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->os_version(), "10.0.17763.1");
  EXPECT_EQ(config->diff_ids().size(), 1u);
  EXPECT_FALSE(
      ImageConfig::Parse(R"({"rootfs":{"diff_ids":["nope"]}})", "c").ok());
}

}  // namespace
}  // namespace hpc::oci
