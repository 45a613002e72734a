#include "common/local_api_service.h"

#include <utility>

#include "common/grpc_status.h"

namespace casesync {
namespace {

// Moves an OK result into the reply, or converts the error.
template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* reply) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *reply = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

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
  return Reply(sync_->VerifyAudit(), reply);
}

grpc::Status LocalApiService::ListReceipts(grpc::ServerContext*,
                                           const v1::ListReceiptsRequest*,
                                           v1::ListReceiptsReply* reply) {
  return Reply(sync_->ListReceipts(), reply);
}

}  // namespace casesync
