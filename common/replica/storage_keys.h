// Encoding of RocksDB keys (docs/storage.md explains each family).
//
// Keys are built from ids (which never contain '\0', see common/base/ids.h)
// separated by '\0', and unsigned numbers as fixed-width big-endian bytes, so
// that RocksDB's bytewise order is the order casesync scans in: a record's
// fields in field-number order, a replica's changes in counter order.
//
// Thread-safety: pure functions.
#ifndef CASESYNC_COMMON_REPLICA_STORAGE_KEYS_H_
#define CASESYNC_COMMON_REPLICA_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "casesync/v1/replication.pb.h"

namespace casesync::keys {

// Appends `n` as 8 (or 4) big-endian bytes.
void AppendU64(uint64_t n, std::string* out);
void AppendU32(uint32_t n, std::string* out);
// Reads a big-endian number from the first bytes of `in`; requires enough
// bytes.
uint64_t ReadU64(absl::string_view in);
uint32_t ReadU32(absl::string_view in);

// changes: replica \0 counter  ->  Change
std::string Change(const v1::Dot& dot);
std::string ChangePrefix(absl::string_view replica);  // replica \0
// The dot of a key made by Change(), or nullopt if it is not one.
std::optional<v1::Dot> ParseChange(absl::string_view key);

// records: review \0 record  ->  RecordMeta
std::string Record(absl::string_view review, absl::string_view record);
std::string ReviewPrefix(absl::string_view review);  // review \0

// The prefix of everything keyed under one record: review \0 record \0.
std::string RecordPrefix(absl::string_view review, absl::string_view record);

// conflicts: review \0 record \0 field  ->  ""
std::string Field(absl::string_view review, absl::string_view record,
                  uint32_t field);
// The review, record and field of a key made by Field(), or nullopt.
struct FieldKey {
  std::string review;
  std::string record;
  uint32_t field;
};
std::optional<FieldKey> ParseField(absl::string_view key);

// superseded: review \0 record \0 field \0 replica \0 counter  ->  ""
std::string Superseded(absl::string_view review, absl::string_view record,
                       uint32_t field, const v1::Dot& dot);

// referrers (board): review \0 target \0 referrer  ->  "": record `referrer`
// names record `target` in a reference field.
std::string Referrer(absl::string_view review, absl::string_view target,
                     absl::string_view referrer);
// Every referrer of `target`: review \0 target \0.
std::string ReferrersPrefix(absl::string_view review, absl::string_view target);
// The referrer's id in a key made by Referrer() with that prefix.
absl::string_view ReferrerOf(absl::string_view key, absl::string_view prefix);

// frontiers: replica  ->  counter (8 bytes)
std::string Frontier(absl::string_view replica);

// Families numbered in one sequence from 1 (the board's feed and audit
// chain): seq  ->  FeedRecord or AuditEntry. Also the value of meta's
// feed_head.
std::string Seq(uint64_t seq);

// meta (the default family): fixed names.
inline constexpr absl::string_view kMetaReplicaId = "replica_id";
inline constexpr absl::string_view kMetaFormatVersion = "format_version";
inline constexpr absl::string_view kMetaHlc = "hlc";
// Board: its feed epochs (FeedEpochs), one per restore from a backup.
inline constexpr absl::string_view kMetaFeedEpochs = "feed_epochs";
// meta: "records_in/" review  ->  how many records the review holds, not
// counting the review record itself (8 bytes).
std::string ReviewRecordCount(absl::string_view review);

// The smallest key greater than every key starting with `prefix`, for
// iterate_upper_bound; empty if there is none.
std::string PrefixEnd(absl::string_view prefix);

}  // namespace casesync::keys

#endif  // CASESYNC_COMMON_REPLICA_STORAGE_KEYS_H_
