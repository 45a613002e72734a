#include "common/replica/storage_keys.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace casesync::keys {
namespace {

constexpr char kSep = '\0';

void AppendDot(const v1::Dot& dot, std::string* out) {
  out->append(dot.replica());
  out->push_back(kSep);
  AppendU64(dot.counter(), out);
}

// Parses "replica \0 counter8" at the end of `key`.
std::optional<v1::Dot> ParseTrailingDot(absl::string_view key) {
  if (key.size() < 10) return std::nullopt;
  const absl::string_view counter = key.substr(key.size() - 8);
  absl::string_view rest = key.substr(0, key.size() - 8);
  if (rest.back() != kSep) return std::nullopt;
  rest.remove_suffix(1);
  const size_t sep = rest.rfind(kSep);
  const absl::string_view replica =
      sep == absl::string_view::npos ? rest : rest.substr(sep + 1);
  if (replica.empty()) return std::nullopt;
  v1::Dot dot;
  dot.set_replica(std::string(replica));
  dot.set_counter(ReadU64(counter));
  return dot;
}

}  // namespace

void AppendU64(uint64_t n, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
}

void AppendU32(uint32_t n, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
}

uint64_t ReadU64(absl::string_view in) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  return n;
}

uint32_t ReadU32(absl::string_view in) {
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  return n;
}

std::string Change(const v1::Dot& dot) {
  std::string key;
  AppendDot(dot, &key);
  return key;
}

std::string ChangePrefix(absl::string_view replica) {
  return absl::StrCat(replica, absl::string_view(&kSep, 1));
}

std::optional<v1::Dot> ParseChange(absl::string_view key) {
  std::optional<v1::Dot> dot = ParseTrailingDot(key);
  // A change key is exactly one dot: nothing before the replica.
  if (!dot || dot->replica().size() + 9 != key.size()) return std::nullopt;
  return dot;
}

std::string Record(absl::string_view review, absl::string_view record) {
  return absl::StrCat(review, absl::string_view(&kSep, 1), record);
}

std::string ReviewPrefix(absl::string_view review) {
  return absl::StrCat(review, absl::string_view(&kSep, 1));
}

std::string RecordPrefix(absl::string_view review, absl::string_view record) {
  return absl::StrCat(review, absl::string_view(&kSep, 1), record,
                      absl::string_view(&kSep, 1));
}

std::string Field(absl::string_view review, absl::string_view record,
                  uint32_t field) {
  std::string key = RecordPrefix(review, record);
  AppendU32(field, &key);
  return key;
}

std::optional<FieldKey> ParseField(absl::string_view key) {
  if (key.size() < 4 + 2) return std::nullopt;
  const uint32_t field = ReadU32(key.substr(key.size() - 4));
  absl::string_view rest = key.substr(0, key.size() - 4);
  if (rest.back() != kSep) return std::nullopt;
  rest.remove_suffix(1);
  const size_t sep = rest.find(kSep);
  if (sep == absl::string_view::npos) return std::nullopt;
  return FieldKey{std::string(rest.substr(0, sep)),
                  std::string(rest.substr(sep + 1)), field};
}

std::string Superseded(absl::string_view review, absl::string_view record,
                       uint32_t field, const v1::Dot& dot) {
  std::string key = Field(review, record, field);
  key.push_back(kSep);
  AppendDot(dot, &key);
  return key;
}

std::string Referrer(absl::string_view review, absl::string_view target,
                     absl::string_view referrer) {
  return absl::StrCat(review, absl::string_view("\0", 1), target,
                      absl::string_view("\0", 1), referrer);
}

std::string ReferrersPrefix(absl::string_view review,
                            absl::string_view target) {
  return RecordPrefix(review, target);
}

absl::string_view ReferrerOf(absl::string_view key, absl::string_view prefix) {
  return key.substr(prefix.size());
}

std::string Frontier(absl::string_view replica) { return std::string(replica); }

std::string Seq(uint64_t seq) {
  std::string key;
  AppendU64(seq, &key);
  return key;
}

std::string ReviewRecordCount(absl::string_view review) {
  return absl::StrCat("records_in/", review);
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace casesync::keys
