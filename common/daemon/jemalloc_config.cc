// jemalloc's options for the two daemons, read by jemalloc at its start
// (linked only into casesyncd and casesync-board, only with jemalloc; see
// the top-level CMakeLists.txt). An operator's MALLOC_CONF still overrides
// them.
//
// Two arenas rather than jemalloc's four per core, and thread caches for
// small sizes only: measured with `build-bench/bench/sync_bench --n 10000`,
// jemalloc's defaults took the board's and the agency's peak RSS from 82 and
// 92 MB (glibc) to 96-104 and 91-100 MB; with these, 87-92 and 88-92 MB, at
// the same speed (docs/storage.md, "Memory").
extern "C" {
// NOLINTNEXTLINE: the name and type jemalloc looks for.
const char* malloc_conf = "narenas:2,tcache_max:4096";
}
