// The gRPC adapter of the local API (local_api.proto): translates each call
// to RecordService, ReviewService, StatutoryService and PublicationService
// (which it owns) or SyncControl and their absl::Status to grpc::Status.
// Nothing else lives here.
//
// Thread-safety: as RecordService, ReviewService, StatutoryService and
// SyncControl (all thread-safe).
#ifndef CASESYNC_COMMON_API_LOCAL_API_SERVICE_H_
#define CASESYNC_COMMON_API_LOCAL_API_SERVICE_H_

#include "casesync/v1/local_api.grpc.pb.h"
#include "common/api/publication_service.h"
#include "common/api/record_service.h"
#include "common/api/review_service.h"
#include "common/api/statutory_service.h"
#include "common/api/sync_control.h"
#include "common/calendar/partnership_clock.h"

namespace casesync {

// What a daemon serves its local API with. None is owned; each must outlive
// the service.
struct LocalApiParts {
  RecordService* records = nullptr;
  SyncControl* sync = nullptr;
  // The board's audit chain: set on the board (records->role() is
  // Role::kBoard), null on an agency.
  AuditChainControl* audit = nullptr;
  // The receipts an agency keeps: set on an agency, null on the board.
  ReceiptControl* receipts = nullptr;
  // What the statutory clock counts with (docs/statutory_process.md);
  // null: the built-in England and Wales calendar, default settings.
  const PartnershipClock* clock = nullptr;
  // How the board makes Word and PDF exports (defaults: pandoc and chromium
  // from PATH).
  OfficeFormatOptions office_formats;
};

// The built-in England and Wales calendar with no closure days and the
// default settings.
const PartnershipClock& DefaultPartnershipClock();

class LocalApiService final : public v1::LocalApi::Service {
 public:
  explicit LocalApiService(const LocalApiParts& parts)
      : parts_(parts),
        records_(parts.records),
        sync_(parts.sync),
        publication_(parts.records),
        reviews_(
            parts.records, parts.sync,
            parts.clock != nullptr ? parts.clock : &DefaultPartnershipClock(),
            &publication_, parts.office_formats),
        statutory_(parts.records, parts.clock != nullptr
                                      ? parts.clock
                                      : &DefaultPartnershipClock()) {}

  // The statutory clock's service (the daemons' metrics count what is
  // overdue through it).
  StatutoryService* statutory() { return &statutory_; }

  grpc::Status GetStatus(grpc::ServerContext* context,
                         const v1::GetStatusRequest* request,
                         v1::StatusReply* reply) override;
  grpc::Status Sync(grpc::ServerContext* context,
                    const v1::SyncRequest* request,
                    v1::SyncReply* reply) override;
  grpc::Status EditRecord(grpc::ServerContext* context,
                          const v1::EditRecordRequest* request,
                          v1::EditRecordReply* reply) override;
  grpc::Status DeleteRecord(grpc::ServerContext* context,
                            const v1::DeleteRecordRequest* request,
                            v1::EditRecordReply* reply) override;
  grpc::Status GetRecord(grpc::ServerContext* context,
                         const v1::GetRecordRequest* request,
                         v1::RecordDetail* reply) override;
  grpc::Status ListRecords(grpc::ServerContext* context,
                           const v1::ListRecordsRequest* request,
                           v1::ListRecordsReply* reply) override;
  grpc::Status ListConflicts(grpc::ServerContext* context,
                             const v1::ListConflictsRequest* request,
                             v1::ListConflictsReply* reply) override;
  grpc::Status ResolveConflict(grpc::ServerContext* context,
                               const v1::ResolveConflictRequest* request,
                               v1::EditRecordReply* reply) override;
  grpc::Status ImportChronology(grpc::ServerContext* context,
                                const v1::ImportChronologyRequest* request,
                                v1::ImportChronologyReply* reply) override;
  grpc::Status ImportChronologyWithProgress(
      grpc::ServerContext* context, const v1::ImportChronologyRequest* request,
      grpc::ServerWriter<v1::ImportChronologyStreamReply>* writer) override;
  grpc::Status GetDigest(grpc::ServerContext* context,
                         const v1::GetDigestRequest* request,
                         v1::DigestReply* reply) override;
  grpc::Status ListChanges(grpc::ServerContext* context,
                           const v1::ListChangesRequest* request,
                           v1::ListChangesReply* reply) override;
  grpc::Status VerifyAudit(grpc::ServerContext* context,
                           const v1::VerifyAuditRequest* request,
                           v1::VerifyAuditReply* reply) override;
  grpc::Status ListReceipts(grpc::ServerContext* context,
                            const v1::ListReceiptsRequest* request,
                            v1::ListReceiptsReply* reply) override;
  grpc::Status ExportBundle(
      grpc::ServerContext* context, const v1::ExportBundleRequest* request,
      grpc::ServerWriter<v1::BundleStreamReply>* writer) override;
  grpc::Status ImportBundle(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::BundleStreamReply, v1::ImportBundleRequest>*
          stream) override;
  grpc::Status Backup(grpc::ServerContext* context,
                      const v1::BackupRequest* request,
                      grpc::ServerWriter<v1::BackupChunk>* writer) override;
  grpc::Status ListDiscrepancies(grpc::ServerContext* context,
                                 const v1::ListDiscrepanciesRequest* request,
                                 v1::ListDiscrepanciesReply* reply) override;
  grpc::Status DecideDiscrepancy(grpc::ServerContext* context,
                                 const v1::DecideDiscrepancyRequest* request,
                                 v1::EditRecordReply* reply) override;
  grpc::Status ExportReview(
      grpc::ServerContext* context, const v1::ExportReviewRequest* request,
      grpc::ServerWriter<v1::ExportChunk>* writer) override;
  grpc::Status ListDeadlines(grpc::ServerContext* context,
                             const v1::ListDeadlinesRequest* request,
                             v1::ListDeadlinesReply* reply) override;
  grpc::Status MoveRequest(grpc::ServerContext* context,
                           const v1::MoveRequestRequest* request,
                           v1::EditRecordReply* reply) override;

  // Publication (docs/joint_review.md, "The published version").
  grpc::Status CheckPublication(grpc::ServerContext* context,
                                const v1::CheckPublicationRequest* request,
                                v1::CheckPublicationReply* reply) override;
  grpc::Status SignOffPublication(grpc::ServerContext* context,
                                  const v1::SignOffPublicationRequest* request,
                                  v1::EditRecordReply* reply) override;
  grpc::Status DecideLeak(grpc::ServerContext* context,
                          const v1::DecideLeakRequest* request,
                          v1::EditRecordReply* reply) override;
  grpc::Status GetRedactionLog(grpc::ServerContext* context,
                               const v1::RedactionLogRequest* request,
                               v1::RedactionLogReply* reply) override;

 private:
  const LocalApiParts parts_;
  RecordService* const records_;
  SyncControl* const sync_;
  PublicationService publication_;
  ReviewService reviews_;
  StatutoryService statutory_;
};

}  // namespace casesync

#endif  // CASESYNC_COMMON_API_LOCAL_API_SERVICE_H_
