#include "importer/base/registry_hive.h"

#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace hpc::base {
namespace {

using ::testing::HasSubstr;

uint32_t U32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(b[at + i]))
         << (8 * i);
  return v;
}
int32_t I32(const std::string& b, size_t at) {
  return static_cast<int32_t>(U32(b, at));
}

const absl::Time kTime = absl::FromUnixSeconds(1640995200);

TEST(RegistryHiveTest, BaseBlock) {
  std::string hive = *WriteMinimalHive({"SYSTEM", kTime});
  ASSERT_EQ(hive.size(), 8192u);
  EXPECT_EQ(hive.substr(0, 4), "regf");
  EXPECT_EQ(U32(hive, 0x04), U32(hive, 0x08))
      << "sequence numbers match: the hive is clean";
  EXPECT_EQ(U32(hive, 0x14), 1u);     // major
  EXPECT_GE(U32(hive, 0x18), 3u);     // minor
  EXPECT_EQ(U32(hive, 0x1C), 0u);     // primary file
  EXPECT_EQ(U32(hive, 0x20), 1u);     // direct memory load
  EXPECT_EQ(U32(hive, 0x28), 4096u);  // hive bins data size
  EXPECT_EQ(U32(hive, 0x2C), 1u);     // clustering factor
  EXPECT_EQ(U32(hive, 0x1FC), HiveChecksum(hive.substr(0, 4096)));
  // FILETIME of 2022-01-01T00:00:00Z.
  uint64_t ft =
      U32(hive, 0x0C) | (static_cast<uint64_t>(U32(hive, 0x10)) << 32);
  EXPECT_EQ(ft, 132854688000000000ull);
}

TEST(RegistryHiveTest, ChecksumIsXorOfFirst127Dwords) {
  std::string block(4096, '\0');
  EXPECT_EQ(HiveChecksum(block), 1u) << "0 is written as 1";
  block[0] = 1;
  block[4] = 3;
  EXPECT_EQ(HiveChecksum(block), 2u);
  std::memset(block.data(), 0, 8);
  std::memset(block.data(), 0xFF, 4);
  EXPECT_EQ(HiveChecksum(block), 0xFFFFFFFEu)
      << "0xFFFFFFFF is written as 0xFFFFFFFE";
  block[508] = 0x55;  // beyond the checksummed range
  EXPECT_EQ(HiveChecksum(block), 0xFFFFFFFEu);
}

TEST(RegistryHiveTest, CellsCoverTheBinExactly) {
  std::string hive = *WriteMinimalHive({"SOFTWARE", kTime});
  const size_t bin = 4096;
  EXPECT_EQ(hive.substr(bin, 4), "hbin");
  EXPECT_EQ(U32(hive, bin + 8), 4096u);
  size_t offset = 0x20;  // first cell, relative to the bin
  std::vector<std::string> kinds;
  while (offset < 4096) {
    int32_t size = I32(hive, bin + offset);
    ASSERT_NE(size, 0);
    size_t length = static_cast<size_t>(size < 0 ? -size : size);
    EXPECT_EQ(length % 8, 0u) << "cells are 8-byte aligned";
    kinds.push_back(size < 0 ? hive.substr(bin + offset + 4, 2) : "free");
    offset += length;
  }
  EXPECT_EQ(offset, 4096u) << "cells end exactly at the end of the bin";
  EXPECT_THAT(kinds, ::testing::ElementsAre("nk", "sk", "free"));

  // The root key: the base block points at it, it names the hive and points
  // at the security cell.
  const size_t root = U32(hive, 0x24);
  EXPECT_EQ(root, 0x20u);
  const size_t nk = bin + root + 4;
  EXPECT_EQ(U32(hive, nk) & 0xFFFF0000, 0x002C0000u)
      << "hive entry | no delete | compressed name";
  const uint16_t name_length =
      static_cast<uint16_t>(U32(hive, nk + 0x48) & 0xFFFF);
  EXPECT_EQ(hive.substr(nk + 0x4C, name_length), "SOFTWARE");
  const size_t sk_offset = U32(hive, nk + 0x2C);
  const size_t sk = bin + sk_offset + 4;
  EXPECT_EQ(hive.substr(sk, 2), "sk");
  EXPECT_EQ(U32(hive, sk + 4), sk_offset) << "a single sk lists itself";
  EXPECT_EQ(U32(hive, sk + 12), 1u) << "referenced by the root key";
  EXPECT_EQ(U32(hive, sk + 16), RootKeySecurityDescriptor().size());
}

TEST(RegistryHiveTest, SecurityDescriptorIsSelfRelativeWithDacl) {
  std::string sd = RootKeySecurityDescriptor();
  ASSERT_GE(sd.size(), 20u);
  EXPECT_EQ(sd[0], 1);  // revision
  uint16_t control = static_cast<uint16_t>(U32(sd, 0) >> 16);
  EXPECT_TRUE(control & 0x8000) << "self-relative";
  EXPECT_TRUE(control & 0x0004) << "DACL present";
  size_t owner = U32(sd, 4), group = U32(sd, 8), dacl = U32(sd, 16);
  EXPECT_EQ(U32(sd, 12), 0u) << "no SACL";
  // Owner S-1-5-32-544, group S-1-5-18.
  EXPECT_EQ(sd.substr(owner, 16),
            std::string("\x01\x02\0\0\0\0\0\x05\x20\0\0\0\x20\x02\0\0", 16));
  EXPECT_EQ(sd.substr(group, 12),
            std::string("\x01\x01\0\0\0\0\0\x05\x12\0\0\0", 12));
  EXPECT_EQ(sd[dacl], 2) << "ACL revision";
  EXPECT_EQ(U32(sd, dacl + 4) & 0xFFFF, 3u) << "three ACEs";
}

TEST(RegistryHiveTest, HivexReadsEveryHive) {
  if (hpc::testing::RunCommand({"sh", "-c", "command -v hivexml"}).exit_code !=
      0) {
    if (std::getenv("CI") != nullptr)
      FAIL() << "hivexml (libhivex-bin) is not installed";
    GTEST_SKIP() << "hivexml (libhivex-bin) is not installed";
  }
  hpc::testing::TempDir dir;
  for (const char* name :
       {"DEFAULT", "SAM", "SECURITY", "SOFTWARE", "SYSTEM"}) {
    std::string path = dir.Join(name);
    hpc::testing::WriteFileOrDie(path, *WriteMinimalHive({name, kTime}));
    auto xml = hpc::testing::RunCommand({"hivexml", path});
    EXPECT_EQ(xml.exit_code, 0) << name << ": " << xml.output;
    EXPECT_THAT(xml.output, HasSubstr("<node name=\"" + std::string(name) +
                                      "\" root=\"1\""))
        << xml.output;
    EXPECT_THAT(xml.output, HasSubstr("2022-01-01T00:00:00Z"));
  }
}

// Found by hive_fuzzer: a name with bytes outside printable ASCII (or too
// long for the bin) gave a hive whose root name hivex read differently, or
// wrote past the bin. Such names are refused.
TEST(RegistryHiveTest, RootNameMustFitAndBePrintableAscii) {
  EXPECT_TRUE(
      WriteMinimalHive({std::string(kMaxKeyNameLength, 'K'), kTime}).ok());
  for (const std::string& bad :
       {std::string(), std::string(kMaxKeyNameLength + 1, 'K'),
        std::string(4000, 'K'), std::string("\x04\xfe\xfb"),
        std::string("A\\B"), std::string("NUL\0", 4)}) {
    auto hive = WriteMinimalHive({bad, kTime});
    EXPECT_FALSE(hive.ok()) << bad.size();
    if (!hive.ok()) {
      EXPECT_THAT(hive.status().message(), HasSubstr("printable ASCII"));
    }
  }
}

}  // namespace
}  // namespace hpc::base
