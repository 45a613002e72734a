// `casesync record add|edit|show|list|delete` (docs/user_contract.md;
// docs/domain.md, "The records"): the records of a review, one call to the
// daemon each. Fields are given as --set FIELD=VALUE with the schema's names;
// the daemon parses and checks the values. Also the record calls that the
// `review` commands share (a review is a record too).
//
// Thread-safety: single-threaded.
#ifndef CASESYNC_CLIENT_CLI_RECORD_COMMANDS_H_
#define CASESYNC_CLIENT_CLI_RECORD_COMMANDS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "casesync/v1/local_api.pb.h"
#include "client/cli/commands.h"
#include "client/cli/daemon_client.h"

namespace casesync::cli {

// Adds `record` and its subcommands to `app`.
void AddRecordCommands(CLI::App& app, CliContext& context,
                       const CommandBinder& on);

// Sends `request` with `sets` (FIELD=VALUE each) and `visibility` (unless
// empty) as its settings, and prints the record's id alone when `print_id`,
// or what was saved. Returns the exit code: 2 for a setting that is not
// FIELD=VALUE, 1 if the daemon refuses the edit.
int EditRecord(Client& client, const CliContext& context,
               v1::EditRecordRequest request,
               const std::vector<std::string>& sets,
               const std::string& visibility, bool print_id);

// Prints one record, every value of a conflicted field included. Returns the
// exit code: 1 if the daemon cannot find it.
int ShowRecord(Client& client, const CliContext& context,
               const std::string& review, const std::string& record);

// Every page of the listing `request` asks for, in `*all`. On failure prints
// the error, sets `*exit_code` and returns false.
bool ListAllRecords(Client& client, v1::ListRecordsRequest request,
                    v1::ListRecordsReply* all, int* exit_code);

}  // namespace casesync::cli

#endif  // CASESYNC_CLIENT_CLI_RECORD_COMMANDS_H_
