#include "common/api/local_api_service.h"

#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/calendar/calendar_file.h"
#include "common/program/grpc_status.h"
#include "common/sync/bundle_format.h"

namespace casesync {
namespace {

// Moves an OK result into the reply, or converts the error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* reply) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *reply = *std::move(result);
  return grpc::Status::OK;
}

// Progress replies at most this often.
constexpr absl::Duration kProgressInterval = absl::Milliseconds(100);

// Sends progress replies on `send`, rate-limited, the last one always.
template <typename Send>
BundleProgressFn ProgressSender(Send send) {
  return [send, last = absl::InfinitePast()](
             const v1::BundleProgress& progress) mutable {
    const absl::Time now = absl::Now();
    if (progress.done() < progress.total() && now - last < kProgressInterval) {
      return;
    }
    last = now;
    send(progress);
  };
}

// Progress replies of a bundle call, written to `stream` (a ServerWriter or
// ServerReaderWriter of BundleStreamReply), rate-limited.
template <typename Stream>
BundleProgressFn BundleProgressTo(Stream* stream) {
  return ProgressSender([stream](const v1::BundleProgress& progress) {
    v1::BundleStreamReply reply;
    *reply.mutable_progress() = progress;
    stream->Write(reply);
  });
}

// Bundle bytes travel in chunks of this size.
constexpr size_t kBundleChunkBytes = 1 << 20;

}  // namespace

const PartnershipClock& DefaultPartnershipClock() {
  // The built-in calendar parses (calendar_file_test checks it).
  static const PartnershipClock* const clock =
      new PartnershipClock{*EnglandAndWalesCalendar(), ClockSettings()};
  return *clock;
}

grpc::Status LocalApiService::GetStatus(grpc::ServerContext*,
                                        const v1::GetStatusRequest* request,
                                        v1::StatusReply* reply) {
  (void)request;
  return Reply(sync_->Status(), reply);
}

grpc::Status LocalApiService::Sync(grpc::ServerContext*,
                                   const v1::SyncRequest* request,
                                   v1::SyncReply* reply) {
  return Reply(sync_->Sync(*request), reply);
}

grpc::Status LocalApiService::EditRecord(grpc::ServerContext*,
                                         const v1::EditRecordRequest* request,
                                         v1::EditRecordReply* reply) {
  return Reply(records_->Edit(*request), reply);
}

grpc::Status LocalApiService::DeleteRecord(
    grpc::ServerContext*, const v1::DeleteRecordRequest* request,
    v1::EditRecordReply* reply) {
  return Reply(records_->Delete(*request), reply);
}

grpc::Status LocalApiService::GetRecord(grpc::ServerContext*,
                                        const v1::GetRecordRequest* request,
                                        v1::RecordDetail* reply) {
  return Reply(records_->Get(*request), reply);
}

grpc::Status LocalApiService::ListRecords(grpc::ServerContext*,
                                          const v1::ListRecordsRequest* request,
                                          v1::ListRecordsReply* reply) {
  return Reply(records_->List(*request), reply);
}

grpc::Status LocalApiService::ListConflicts(
    grpc::ServerContext*, const v1::ListConflictsRequest* request,
    v1::ListConflictsReply* reply) {
  return Reply(records_->ListConflicts(*request), reply);
}

grpc::Status LocalApiService::ResolveConflict(
    grpc::ServerContext*, const v1::ResolveConflictRequest* request,
    v1::EditRecordReply* reply) {
  return Reply(records_->Resolve(*request), reply);
}

grpc::Status LocalApiService::ImportChronology(
    grpc::ServerContext*, const v1::ImportChronologyRequest* request,
    v1::ImportChronologyReply* reply) {
  return Reply(records_->ImportChronology(*request), reply);
}

grpc::Status LocalApiService::GetDigest(grpc::ServerContext*,
                                        const v1::GetDigestRequest* request,
                                        v1::DigestReply* reply) {
  return Reply(records_->Digest(*request), reply);
}

grpc::Status LocalApiService::ListChanges(grpc::ServerContext*,
                                          const v1::ListChangesRequest* request,
                                          v1::ListChangesReply* reply) {
  return Reply(records_->ListChanges(*request), reply);
}

grpc::Status LocalApiService::VerifyAudit(grpc::ServerContext*,
                                          const v1::VerifyAuditRequest*,
                                          v1::VerifyAuditReply* reply) {
  if (parts_.audit == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        "the audit chain is kept on the board: run this against the board's "
        "socket"));
  }
  return Reply(parts_.audit->VerifyAudit(), reply);
}

grpc::Status LocalApiService::ListReceipts(grpc::ServerContext*,
                                           const v1::ListReceiptsRequest*,
                                           v1::ListReceiptsReply* reply) {
  if (parts_.receipts == nullptr) {
    return ToGrpcStatus(absl::FailedPreconditionError(
        "receipts are kept by the agencies the board signs them for: run "
        "this against an agency daemon's socket"));
  }
  return Reply(parts_.receipts->ListReceipts(), reply);
}

grpc::Status LocalApiService::ExportBundle(
    grpc::ServerContext*, const v1::ExportBundleRequest* request,
    grpc::ServerWriter<v1::BundleStreamReply>* writer) {
  absl::StatusOr<ExportedBundle> bundle =
      sync_->ExportBundle(*request, BundleProgressTo(writer));
  if (!bundle.ok()) return ToGrpcStatus(bundle.status());
  const absl::string_view bytes = bundle->bytes;
  for (size_t at = 0; at < bytes.size(); at += kBundleChunkBytes) {
    v1::BundleStreamReply reply;
    reply.set_data(std::string(bytes.substr(at, kBundleChunkBytes)));
    if (!writer->Write(reply)) return grpc::Status::CANCELLED;
  }
  v1::BundleStreamReply last;
  *last.mutable_summary() = std::move(bundle->summary);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status LocalApiService::ImportChronologyWithProgress(
    grpc::ServerContext*, const v1::ImportChronologyRequest* request,
    grpc::ServerWriter<v1::ImportChronologyStreamReply>* writer) {
  // The import holds the replica's writer lock: progress is only noted
  // there, and written to the caller (who may be slow to read) from a
  // thread of its own, the newest report replacing one not yet sent.
  struct Latest {
    absl::Mutex mu;
    std::optional<v1::BundleProgress> unsent ABSL_GUARDED_BY(mu);
    bool done ABSL_GUARDED_BY(mu) = false;
  } latest;
  std::thread sender([&latest, writer] {
    while (true) {
      v1::ImportChronologyStreamReply reply;
      {
        absl::MutexLock lock(&latest.mu);
        latest.mu.Await(absl::Condition(
            +[](Latest* l) ABSL_EXCLUSIVE_LOCKS_REQUIRED(l->mu) {
              return l->done || l->unsent.has_value();
            },
            &latest));
        if (!latest.unsent.has_value()) return;  // done
        *reply.mutable_progress() = *std::move(latest.unsent);
        latest.unsent.reset();
      }
      writer->Write(reply);
    }
  });
  absl::StatusOr<v1::ImportChronologyReply> result = records_->ImportChronology(
      *request, ProgressSender([&latest](const v1::BundleProgress& progress) {
        absl::MutexLock lock(&latest.mu);
        latest.unsent = progress;
      }));
  {
    absl::MutexLock lock(&latest.mu);
    latest.done = true;
  }
  sender.join();
  if (!result.ok()) return ToGrpcStatus(result.status());
  v1::ImportChronologyStreamReply last;
  *last.mutable_result() = *std::move(result);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status LocalApiService::Backup(
    grpc::ServerContext*, const v1::BackupRequest*,
    grpc::ServerWriter<v1::BackupChunk>* writer) {
  return ToGrpcStatus(sync_->Backup(
      [writer](const v1::BackupChunk& chunk) { return writer->Write(chunk); }));
}

grpc::Status LocalApiService::ListDiscrepancies(
    grpc::ServerContext*, const v1::ListDiscrepanciesRequest* request,
    v1::ListDiscrepanciesReply* reply) {
  return Reply(reviews_.ListDiscrepancies(*request), reply);
}

grpc::Status LocalApiService::DecideDiscrepancy(
    grpc::ServerContext*, const v1::DecideDiscrepancyRequest* request,
    v1::EditRecordReply* reply) {
  return Reply(reviews_.Decide(*request), reply);
}

grpc::Status LocalApiService::ExportReview(
    grpc::ServerContext*, const v1::ExportReviewRequest* request,
    grpc::ServerWriter<v1::ExportChunk>* writer) {
  return ToGrpcStatus(
      reviews_.Export(*request, [writer](absl::string_view piece) {
        v1::ExportChunk chunk;
        chunk.set_data(std::string(piece));
        return writer->Write(chunk);
      }));
}

grpc::Status LocalApiService::CheckPublication(
    grpc::ServerContext*, const v1::CheckPublicationRequest* request,
    v1::CheckPublicationReply* reply) {
  return Reply(publication_.Check(*request), reply);
}

grpc::Status LocalApiService::SignOffPublication(
    grpc::ServerContext*, const v1::SignOffPublicationRequest* request,
    v1::EditRecordReply* reply) {
  return Reply(publication_.SignOff(*request), reply);
}

grpc::Status LocalApiService::DecideLeak(grpc::ServerContext*,
                                         const v1::DecideLeakRequest* request,
                                         v1::EditRecordReply* reply) {
  return Reply(publication_.DecideLeak(*request), reply);
}

grpc::Status LocalApiService::GetRedactionLog(
    grpc::ServerContext*, const v1::RedactionLogRequest* request,
    v1::RedactionLogReply* reply) {
  return Reply(publication_.Log(*request), reply);
}

grpc::Status LocalApiService::ImportBundle(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::BundleStreamReply, v1::ImportBundleRequest>*
        stream) {
  std::string bytes;
  v1::ImportBundleRequest chunk;
  while (stream->Read(&chunk)) {
    if (bytes.size() + chunk.data().size() > kMaxBundleBytes) {
      return ToGrpcStatus(absl::ResourceExhaustedError(
          absl::StrCat("the file is larger than a bundle may be (",
                       kMaxBundleBytes, " bytes)")));
    }
    bytes += chunk.data();
  }
  // A caller that went away sent only part of the file.
  if (context->IsCancelled()) return grpc::Status::CANCELLED;
  absl::StatusOr<v1::BundleSummary> summary =
      sync_->ImportBundle(bytes, BundleProgressTo(stream));
  if (!summary.ok()) return ToGrpcStatus(summary.status());
  v1::BundleStreamReply last;
  *last.mutable_summary() = *std::move(summary);
  stream->Write(last);
  return grpc::Status::OK;
}

grpc::Status LocalApiService::ListDeadlines(
    grpc::ServerContext*, const v1::ListDeadlinesRequest* request,
    v1::ListDeadlinesReply* reply) {
  return Reply(statutory_.ListDeadlines(*request), reply);
}

grpc::Status LocalApiService::MoveRequest(grpc::ServerContext*,
                                          const v1::MoveRequestRequest* request,
                                          v1::EditRecordReply* reply) {
  return Reply(statutory_.MoveRequest(*request), reply);
}

}  // namespace casesync
