// casesyncd's command line: its flags, each beside the option it fills, and
// the daemon's options they come to once parsed.
//
// Thread-safety: call from main(), once.
#ifndef CASESYNC_CLIENT_AGENCY_AGENCY_FLAGS_H_
#define CASESYNC_CLIENT_AGENCY_AGENCY_FLAGS_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "client/agency/agency_daemon.h"
#include "common/daemon/logging.h"

namespace casesync {

// What casesyncd's flags fill as they are parsed.
struct AgencyFlags {
  // The daemon's options, but for those below.
  AgencyDaemonOptions daemon;
  // --max_backoff in seconds (the link's max_backoff).
  double max_backoff_s = 30;
  // --log_format.
  LogFormat log_format = LogFormat::kText;
};

// Describes casesyncd in `app` (its help and an example) and adds its flags:
// the daemon's own, metrics, configuration files, logging and the
// transport, each filling `flags` (not owned; must outlive parsing).
void AddAgencyFlags(CLI::App& app, AgencyFlags* flags);

// The daemon's options the parsed `flags` come to. INVALID_ARGUMENT, naming
// the flag, for a transport CheckTransport refuses (a usage error).
[[nodiscard]] absl::StatusOr<AgencyDaemonOptions> AgencyOptionsFrom(
    const AgencyFlags& flags);

// What a build of casesyncd for tests adds to the production one
// (tests/skewed_agency_main.cc): more flags, and a last say on the options.
struct AgencyMainHooks {
  // Adds flags to the app before it is parsed. May be empty.
  std::function<void(CLI::App&)> add_flags;
  // Adjusts the options once parsed, before the daemon starts; any object
  // they point to must outlive the run. May be empty.
  std::function<void(AgencyDaemonOptions*)> adjust;
};

// The whole of casesyncd's main(): flags, the transport check, then the
// daemon run until a signal (RunDaemonUntilSignal). Returns the exit code:
// kExitUsage for a bad command line, as RunDaemonUntilSignal otherwise.
int RunAgencyMain(int argc, char** argv, const AgencyMainHooks& hooks = {});

}  // namespace casesync

#endif  // CASESYNC_CLIENT_AGENCY_AGENCY_FLAGS_H_
