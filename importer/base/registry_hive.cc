#include "importer/base/registry_hive.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace hpc::base {

namespace {

// Base block fields.
constexpr size_t kSignature = 0x000;
constexpr size_t kPrimarySequence = 0x004;
constexpr size_t kSecondarySequence = 0x008;
constexpr size_t kLastWritten = 0x00C;
constexpr size_t kMajorVersion = 0x014;
constexpr size_t kMinorVersion = 0x018;
constexpr size_t kFileType = 0x01C;
constexpr size_t kFileFormat = 0x020;
constexpr size_t kRootCell = 0x024;
constexpr size_t kHiveBinsSize = 0x028;
constexpr size_t kClusteringFactor = 0x02C;
constexpr size_t kFileName = 0x030;
constexpr size_t kFileNameBytes = 64;
constexpr size_t kChecksum = 0x1FC;

// Hive bin header.
constexpr size_t kBinHeaderSize = 0x20;

// Key node (nk) fields, from the start of the cell's data.
constexpr size_t kNkFixedSize = 0x4C;
constexpr uint16_t kKeyHiveEntry = 0x0004;
constexpr uint16_t kKeyNoDelete = 0x0008;
constexpr uint16_t kKeyCompressedName = 0x0020;
constexpr uint32_t kNoCell = 0xFFFFFFFF;

// Security key (sk) header size before the descriptor.
constexpr size_t kSkHeaderSize = 0x14;

// Access masks and flags of the security descriptor.
constexpr uint32_t kKeyAllAccess = 0x000F003F;
constexpr uint32_t kKeyRead = 0x00020019;
constexpr uint8_t kContainerInheritAce = 0x02;
constexpr uint16_t kSelfRelative = 0x8000;
constexpr uint16_t kDaclProtected = 0x1000;
constexpr uint16_t kDaclPresent = 0x0004;

void Put16(std::string& b, size_t at, uint16_t v) {
  b[at] = static_cast<char>(v & 0xFF);
  b[at + 1] = static_cast<char>(v >> 8);
}
void Put32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void Put64(std::string& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    b[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
void Append16(std::string& b, uint16_t v) {
  b.append(2, '\0');
  Put16(b, b.size() - 2, v);
}
void Append32(std::string& b, uint32_t v) {
  b.append(4, '\0');
  Put32(b, b.size() - 4, v);
}

// A SID in binary form: S-1-5-<subauthorities...>.
std::string NtSid(std::initializer_list<uint32_t> subauthorities) {
  std::string sid;
  sid += '\x01';                                      // revision
  sid += static_cast<char>(subauthorities.size());    // count
  sid += std::string("\x00\x00\x00\x00\x00\x05", 6);  // NT authority
  for (uint32_t sub : subauthorities) Append32(sid, sub);
  return sid;
}

std::string AccessAllowedAce(uint32_t mask, const std::string& sid) {
  std::string ace;
  ace += '\x00';  // ACCESS_ALLOWED_ACE_TYPE
  ace += static_cast<char>(kContainerInheritAce);
  Append16(ace, static_cast<uint16_t>(8 + sid.size()));
  Append32(ace, mask);
  ace += sid;
  return ace;
}

size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }

}  // namespace

uint64_t ToFileTime(absl::Time t) {
  // 11644473600 seconds from 1601-01-01 to 1970-01-01.
  constexpr int64_t kEpochDelta = 11644473600LL;
  int64_t ticks = absl::ToUnixNanos(t) / 100 + kEpochDelta * 10000000LL;
  return ticks < 0 ? 0 : static_cast<uint64_t>(ticks);
}

uint32_t HiveChecksum(absl::string_view base_block) {
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4) {
    uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(base_block[i + j]))
           << (8 * j);
    }
    sum ^= v;
  }
  if (sum == 0xFFFFFFFF) return 0xFFFFFFFE;
  if (sum == 0) return 1;
  return sum;
}

std::string RootKeySecurityDescriptor() {
  const std::string system = NtSid({18});               // S-1-5-18
  const std::string administrators = NtSid({32, 544});  // S-1-5-32-544
  const std::string users = NtSid({32, 545});           // S-1-5-32-545

  std::string aces = AccessAllowedAce(kKeyAllAccess, system) +
                     AccessAllowedAce(kKeyAllAccess, administrators) +
                     AccessAllowedAce(kKeyRead, users);
  std::string acl;
  acl += '\x02';  // ACL_REVISION
  acl += '\x00';
  Append16(acl, static_cast<uint16_t>(8 + aces.size()));
  Append16(acl, 3);  // ACE count
  Append16(acl, 0);
  acl += aces;

  constexpr uint32_t kHeaderSize = 20;
  const uint32_t dacl_offset = kHeaderSize;
  const uint32_t owner_offset = dacl_offset + static_cast<uint32_t>(acl.size());
  const uint32_t group_offset =
      owner_offset + static_cast<uint32_t>(administrators.size());
  std::string sd;
  sd += '\x01';  // revision
  sd += '\x00';
  Append16(sd, kSelfRelative | kDaclProtected | kDaclPresent);
  Append32(sd, owner_offset);
  Append32(sd, group_offset);
  Append32(sd, 0);  // no SACL
  Append32(sd, dacl_offset);
  sd += acl + administrators + system;
  return sd;
}

absl::StatusOr<std::string> WriteMinimalHive(const HiveOptions& options) {
  const std::string& root_name = options.root_name;
  bool printable = !root_name.empty() && root_name.size() <= kMaxKeyNameLength;
  for (char c : root_name) {
    printable = printable && c >= 0x20 && c <= 0x7E && c != '\\';
  }
  if (!printable) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hive root key name of ", root_name.size(),
        " bytes: expected 1 to 255 printable ASCII characters without \\"));
  }
  const uint64_t filetime = ToFileTime(options.timestamp);
  std::string hive(2 * kHiveBlockSize, '\0');

  // The hive bin and its cells. Cell offsets are relative to the first bin.
  const size_t bin = kHiveBlockSize;
  std::memcpy(&hive[bin], "hbin", 4);
  Put32(hive, bin + 0x04, 0);               // offset of this bin
  Put32(hive, bin + 0x08, kHiveBlockSize);  // size of this bin
  Put64(hive, bin + 0x14, filetime);

  const std::string& name = options.root_name;
  const uint32_t nk_offset = kBinHeaderSize;
  const size_t nk_size = Align8(4 + kNkFixedSize + name.size());
  const uint32_t sk_offset = nk_offset + static_cast<uint32_t>(nk_size);
  const std::string sd = RootKeySecurityDescriptor();
  const size_t sk_size = Align8(4 + kSkHeaderSize + sd.size());
  const uint32_t free_offset = sk_offset + static_cast<uint32_t>(sk_size);
  const size_t free_size = kHiveBlockSize - free_offset;

  // Root key. An allocated cell's size is stored negative.
  size_t nk = bin + nk_offset;
  Put32(hive, nk, static_cast<uint32_t>(-static_cast<int32_t>(nk_size)));
  nk += 4;
  std::memcpy(&hive[nk], "nk", 2);
  Put16(hive, nk + 0x02, kKeyHiveEntry | kKeyNoDelete | kKeyCompressedName);
  Put64(hive, nk + 0x04, filetime);
  Put32(hive, nk + 0x10, kNoCell);  // parent: none for the root
  Put32(hive, nk + 0x1C, kNoCell);  // subkey list
  Put32(hive, nk + 0x20, kNoCell);  // volatile subkey list
  Put32(hive, nk + 0x28, kNoCell);  // value list
  Put32(hive, nk + 0x2C, sk_offset);
  Put32(hive, nk + 0x30, kNoCell);  // class name
  Put16(hive, nk + 0x48, static_cast<uint16_t>(name.size()));
  std::memcpy(&hive[nk + kNkFixedSize], name.data(), name.size());

  // Security: one sk cell, listed with itself, used by one key.
  size_t sk = bin + sk_offset;
  Put32(hive, sk, static_cast<uint32_t>(-static_cast<int32_t>(sk_size)));
  sk += 4;
  std::memcpy(&hive[sk], "sk", 2);
  Put32(hive, sk + 0x04, sk_offset);  // next
  Put32(hive, sk + 0x08, sk_offset);  // previous
  Put32(hive, sk + 0x0C, 1);          // reference count
  Put32(hive, sk + 0x10, static_cast<uint32_t>(sd.size()));
  std::memcpy(&hive[sk + kSkHeaderSize], sd.data(), sd.size());

  // The rest of the bin is one free cell (positive size).
  Put32(hive, bin + free_offset, static_cast<uint32_t>(free_size));

  // Base block.
  std::memcpy(&hive[kSignature], "regf", 4);
  Put32(hive, kPrimarySequence, 1);
  Put32(hive, kSecondarySequence, 1);
  Put64(hive, kLastWritten, filetime);
  Put32(hive, kMajorVersion, 1);
  Put32(hive, kMinorVersion, 5);
  Put32(hive, kFileType, 0);    // primary file
  Put32(hive, kFileFormat, 1);  // direct memory load
  Put32(hive, kRootCell, nk_offset);
  Put32(hive, kHiveBinsSize, kHiveBlockSize);
  Put32(hive, kClusteringFactor, 1);
  // File name, UTF-16LE: the tail of the hive's path on Windows.
  std::string path = "\\SystemRoot\\System32\\Config\\" + name;
  if (path.size() > kFileNameBytes / 2 - 1)
    path = path.substr(path.size() - (kFileNameBytes / 2 - 1));
  for (size_t i = 0; i < path.size(); ++i) {
    Put16(hive, kFileName + 2 * i, static_cast<unsigned char>(path[i]));
  }
  Put32(hive, kChecksum,
        HiveChecksum(absl::string_view(hive.data(), kHiveBlockSize)));
  return hive;
}

}  // namespace hpc::base
