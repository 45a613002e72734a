// The record work of the local API (proto/casesync/v1/local_api.proto):
// creating, editing, deleting, reading and listing records by field name,
// resolving conflicts, importing chronology CSV, digests. Both daemons use it;
// what differs is who is writing: an agency daemon's users may write only what
// the board would accept from that agency (common/records/access_rules.h), the
// board's review team may write any record of a review it holds.
//
// Every write is one atomic, synced batch; on any error nothing is written.
//
// Thread-safety: safe to call from many threads (the replica serializes
// writers).
#ifndef CASESYNC_COMMON_API_RECORD_SERVICE_H_
#define CASESYNC_COMMON_API_RECORD_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "casesync/v1/local_api.pb.h"
#include "common/api/sync_control.h"
#include "common/base/role.h"
#include "common/replica/replica.h"

namespace casesync {

struct RecordServiceOptions {
  // The replica served. Not owned; must outlive the service.
  Replica* replica = nullptr;
  // Which side this daemon is: the board's review team writes any record of
  // its reviews; an agency's users only what the board would accept from it.
  Role role = Role::kAgency;
  // With Role::kAgency, the agency whose users write through this service
  // (the replica's id). Unused on the board.
  std::string agency;
  // Called after every successful write (an agency daemon wakes its sync
  // loop with it). May be empty.
  std::function<void()> on_write;
  // Asked before every write; a write it refuses fails with its status
  // (an agency restored from a backup, not yet resynced). May be empty.
  std::function<absl::Status()> may_write;
};

class RecordService {
 public:
  explicit RecordService(RecordServiceOptions options);

  Replica* replica() const { return options_.replica; }
  Role role() const { return options_.role; }

  // Errors: INVALID_ARGUMENT for an unknown type or field, a value that does
  // not parse or fit (OUT_OF_RANGE for a size limit); NOT_FOUND for an
  // unknown review or (without create) record; ALREADY_EXISTS when creating
  // an existing record; FAILED_PRECONDITION when this daemon may not write
  // the record; store errors otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> Edit(
      const v1::EditRecordRequest& request);
  // NOT_FOUND for an unknown record; FAILED_PRECONDITION if already deleted
  // or not writable here.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> Delete(
      const v1::DeleteRecordRequest& request);
  // NOT_FOUND for an unknown record.
  [[nodiscard]] absl::StatusOr<v1::RecordDetail> Get(
      const v1::GetRecordRequest& request);
  // INVALID_ARGUMENT for an unknown type.
  [[nodiscard]] absl::StatusOr<v1::ListRecordsReply> List(
      const v1::ListRecordsRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListConflictsReply> ListConflicts(
      const v1::ListConflictsRequest& request);
  // NOT_FOUND for an unknown record or field, FAILED_PRECONDITION if the
  // field is not in conflict, INVALID_ARGUMENT if `keep` names no current
  // value; as Edit otherwise.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> Resolve(
      const v1::ResolveConflictRequest& request);
  // Bad rows are reported in the reply with their lines; unless skip_bad,
  // none is imported then. Errors: INVALID_ARGUMENT for an unusable file
  // (the message names the line); as Edit for the review.
  [[nodiscard]] absl::StatusOr<v1::ImportChronologyReply> ImportChronology(
      const v1::ImportChronologyRequest& request,
      const BundleProgressFn& progress = nullptr);
  // On the board, for_agency limits the digest to what that agency may see.
  [[nodiscard]] absl::StatusOr<v1::DigestReply> Digest(
      const v1::GetDigestRequest& request);
  [[nodiscard]] absl::StatusOr<v1::ListChangesReply> ListChanges(
      const v1::ListChangesRequest& request);

 private:
  // OK if this daemon's users may write `ref`; NOT_FOUND for an unknown
  // review, FAILED_PRECONDITION for any other refusal.
  [[nodiscard]] absl::Status CheckWrite(const v1::RecordRef& ref);
  // Applies `edit` in its own batch and returns the reply. A new record
  // without a visibility gets `agency`.
  [[nodiscard]] absl::StatusOr<v1::EditRecordReply> Commit(RecordEdit edit,
                                                           bool create);
  // Fills the reply's account of whom the record `ref` is now shared with
  // (its visibility was `before`). Errors from reading the replica.
  [[nodiscard]] absl::Status DescribeSharing(const v1::RecordRef& ref,
                                             v1::Visibility before,
                                             v1::EditRecordReply* reply) const;

  const RecordServiceOptions options_;
};

// The detail of one record, with every field and conflict when
// `with_fields`.
v1::RecordDetail DescribeRecord(const RecordView& view, bool with_fields);

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_RECORD_SERVICE_H_
