// Reads every key and value of chosen column families into one string, for
// tests that assert two stores are byte-identical or that a refused operation
// left a store exactly as it was.
#ifndef CASESYNC_COMMON_TESTING_STORE_DUMP_H_
#define CASESYNC_COMMON_TESTING_STORE_DUMP_H_

#include <initializer_list>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/replica/store.h"

namespace casesync::testing {

// The families whose bytes are a function of the changes held (everything
// but the per-replica metadata).
inline constexpr Family kReplicatedFamilies[] = {
    Family::kChanges, Family::kRecords, Family::kSuperseded, Family::kConflicts,
    Family::kFrontiers};

template <typename Families>
std::string DumpFamilies(const Store& store, const Families& families) {
  std::string out;
  for (Family family : families) {
    absl::StrAppend(&out, "[", FamilyName(family), "]\n");
    auto it = store.NewPrefixIterator(family, "");
    for (; it->Valid(); it->Next()) {
      const auto key = ToView(it->key());
      const auto value = ToView(it->value());
      absl::StrAppend(&out, key.size(), ":", key, "=", value.size(), ":", value,
                      "\n");
    }
  }
  return out;
}

// Every family, metadata included.
inline std::string DumpAll(const Store& store) {
  std::string out;
  for (int i = 0; i < static_cast<int>(Family::kCount); ++i) {
    const Family one[] = {static_cast<Family>(i)};
    out += DumpFamilies(store, one);
  }
  return out;
}

}  // namespace casesync::testing

#endif  // CASESYNC_COMMON_TESTING_STORE_DUMP_H_
