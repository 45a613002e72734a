// Which side of casesync a replica is: the board (the partnership's server
// of record, where the review team works) or an agency's daemon. Set once,
// where each daemon is wired (server/board.cc,
// client/agency/agency_daemon.cc), and passed down explicitly; nothing infers
// it from an empty agency id.
//
// Thread-safety: constants and pure functions.
#ifndef CASESYNC_COMMON_BASE_ROLE_H_
#define CASESYNC_COMMON_BASE_ROLE_H_

namespace casesync {

enum class Role {
  // casesync-board: writes any record of its reviews, keeps the audit chain.
  kBoard,
  // casesyncd: writes only its agency's records, keeps the board's receipts.
  kAgency,
};

// "board" or "agency", as backups and logs name the role.
inline const char* RoleName(Role role) {
  return role == Role::kBoard ? "board" : "agency";
}

}  // namespace casesync

#endif  // CASESYNC_COMMON_BASE_ROLE_H_
