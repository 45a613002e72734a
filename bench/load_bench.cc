// Load benchmark (issue 7): many agencies pushing to one board at once, with
// their live feed tails open.
//
// Starts a real casesync-board (--insecure: the agency id travels in the
// `casesync-agency` call metadata, server/caller_identity.cc) in a fresh
// directory, creates review r1 listing agencies a001..aNNN with the real
// `casesync review create` on the board's socket, then from this one process
// opens one BoardSync.Sync stream per agency, each on its own connection, and
// speaks the protocol as client/agency/sync_session.cc does:
//
//   Hello{protocol 1, cursor 0, acknowledged 0, local_changes C}
//   <- Welcome (acknowledged must be 0)
//   PushBatch{zstd: the agency's stored change bytes, counters in order},
//     at most WINDOW frames awaiting their PushAck (the agency's
//     push_window), BATCH changes each (the board's max_push_changes caps it)
//   <- PushAck: latency is send -> ack; any rejection counts as an error
//   <- FeedBatch (live, any time): every entry's dot is noted; FeedAck{cursor}
//   Ping{1} once every agency's pushes are acknowledged <- Pong: caught up.
//
// Each agency's C changes are real ones: made by Replica::Edit (chronology
// entries: date, source, an event of EVENT_BYTES characters) in a throwaway
// store of that agency's own before the clock starts, then framed as the
// agency frames them (stored bytes as PushBatch field 1, zstd level 1).
//
// Convergence: every agency must have received each of the other agencies'
// (A-1)*C changes (by dot; no purges), its Pong must come at the same feed
// head as everyone else's, and for the first and last agency the changes
// received (plus its own) are applied to a fresh replica whose digest must
// equal the board's `digest --agency`. Errors (rejections, stream failures,
// missing changes, digest mismatches) must be 0.
//
// Prints per-run lines on stderr and medians over the runs on stdout.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "casesync/v1/local_api.grpc.pb.h"
#include "casesync/v1/sync.grpc.pb.h"
#include "common/replica/replica.h"
#include "common/sync/frame_codec.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/harness.h"

namespace casesync::bench {
namespace {

using google::protobuf::internal::WireFormatLite;
using testing::Daemon;

struct Params {
  int agencies = 100;
  int changes = 1000;
  int batch = 100;
  int window = 4;
  int event_bytes = 200;
  double rate = 0;  // changes/s per agency; 0: as fast as the board takes
  int digests = 2;
  int timeout_s = 600;
};

const char* const kWords[] = {
    "the",     "a",      "of",       "to",         "and",        "in",
    "report",  "review", "decision", "visit",      "referral",   "school",
    "health",  "police", "strategy", "child",      "mother",     "concern",
    "plan",    "seen",   "nursery",  "attendance", "telephone",  "agreed",
    "action",  "note",   "duty",     "social",     "worker",     "officer",
    "teacher", "family", "support",  "home",       "assessment", "contact"};

std::string Words(std::mt19937& rng, size_t length) {
  std::string out;
  while (out.size() < length) {
    if (!out.empty()) out += ' ';
    out += kWords[rng() % (sizeof(kWords) / sizeof(kWords[0]))];
  }
  out.resize(length > 0 ? length - 1 : 0);
  return out + ".";
}

std::string AgencyId(int index, int agencies) {
  const int width = std::max<int>(3, std::to_string(agencies).size());
  return absl::StrFormat("a%0*d", width, index + 1);
}

uint64_t ProcStatusKb(pid_t pid, const char* field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(status, line)) {
    if (line.compare(0, n, field) == 0) return std::stoull(line.substr(n));
  }
  return 0;
}

double CpuMs(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuMs() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ms = [](const timeval& t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "load_bench: " << message << "\n";
  std::exit(1);
}

// One agency's changes, made before the clock starts.
struct Generated {
  std::string id;
  // Push frames (AgencyFrame.push.zstd contents) and the last counter in
  // each.
  std::vector<std::string> frames;
  std::vector<uint64_t> frame_last;
  // The stored change bytes (kept for the agencies whose digest is checked).
  std::vector<std::string> change_bytes;
};

// As client/agency/serialized_push.cc: each stored change as PushBatch
// field 1.
std::string SerializedPush(const std::vector<Replica::EncodedChange>& changes,
                           size_t from, size_t to) {
  std::string plain;
  {
    google::protobuf::io::StringOutputStream stream(&plain);
    google::protobuf::io::CodedOutputStream out(&stream);
    for (size_t i = from; i < to; ++i) {
      WireFormatLite::WriteBytes(v1::PushBatch::kChangesFieldNumber,
                                 changes[i].bytes, &out);
    }
  }
  return plain;
}

Generated Generate(const std::string& dir, const std::string& id,
                   const Params& p, bool keep_bytes, uint64_t* raw_bytes) {
  ReplicaOptions options;
  options.path = dir + "/" + id;
  options.replica_id = id;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<Replica>> replica = Replica::Open(options);
  if (!replica.ok()) Die(std::string(replica.status().message()));
  std::mt19937 rng(std::hash<std::string>()(id));
  {
    std::unique_ptr<Replica::Batch> batch = (*replica)->NewBatch();
    for (int i = 0; i < p.changes; ++i) {
      RecordEdit edit;
      edit.record.set_review_id("r1");
      edit.record.set_type(v1::RECORD_TYPE_CHRONOLOGY);
      edit.author = "load";
      FieldEdit date, source, event;
      date.field = 5;
      date.value.set_string_value(
          absl::StrFormat("2024-%02d-%02d", 1 + rng() % 12, 1 + rng() % 28));
      source.field = 10;
      source.value.set_string_value(absl::StrFormat("%s-%06d", id, i));
      event.field = 12;
      event.value.set_string_value(Words(rng, p.event_bytes));
      edit.fields = {date, source, event};
      absl::StatusOr<v1::Change> change = batch->Edit(edit);
      if (!change.ok()) Die(std::string(change.status().message()));
    }
    if (absl::Status s = batch->Commit(Store::Durability::kBuffered); !s.ok())
      Die(std::string(s.message()));
  }
  absl::StatusOr<std::vector<Replica::EncodedChange>> changes =
      (*replica)->ChangesAfter(id, 0, p.changes, size_t{1} << 40);
  if (!changes.ok() || changes->size() != static_cast<size_t>(p.changes)) {
    Die("could not read back the generated changes");
  }
  Generated g;
  g.id = id;
  for (size_t from = 0; from < changes->size();
       from += static_cast<size_t>(p.batch)) {
    const size_t to =
        std::min(changes->size(), from + static_cast<size_t>(p.batch));
    g.frames.push_back(CompressSerialized(SerializedPush(*changes, from, to)));
    g.frame_last.push_back((*changes)[to - 1].counter);
  }
  for (Replica::EncodedChange& change : *changes) {
    *raw_bytes += change.bytes.size();
    if (keep_bytes) g.change_bytes.push_back(std::move(change.bytes));
  }
  replica->reset();
  std::filesystem::remove_all(options.path);
  return g;
}

using Stream = grpc::ClientReaderWriter<v1::AgencyFrame, v1::BoardFrame>;

// What every agency's threads share.
struct Shared {
  absl::Mutex mu;
  int welcomed ABSL_GUARDED_BY(mu) = 0;
  int pushed ABSL_GUARDED_BY(mu) = 0;  // agencies whose pushes are all acked
  int finished ABSL_GUARDED_BY(mu) = 0;
  bool go ABSL_GUARDED_BY(mu) = false;
  bool abort ABSL_GUARDED_BY(mu) = false;
  absl::Time start;
  absl::Time push_end ABSL_GUARDED_BY(mu);
};

struct Agent {
  int index = 0;
  const Generated* gen = nullptr;
  bool keep_feed = false;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::BoardSync::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<Stream> stream;
  absl::Mutex write_mu;

  absl::Mutex mu;
  std::deque<std::pair<uint64_t, absl::Time>> in_flight ABSL_GUARDED_BY(mu);
  uint64_t acknowledged ABSL_GUARDED_BY(mu) = 0;
  bool reader_done ABSL_GUARDED_BY(mu) = false;
  bool pong ABSL_GUARDED_BY(mu) = false;
  uint64_t pong_head ABSL_GUARDED_BY(mu) = 0;
  absl::Time pong_at ABSL_GUARDED_BY(mu);

  // Written by the reader thread only (read after it is joined).
  std::vector<double> latency_ms;
  uint64_t accepted = 0, rejected = 0;
  std::vector<uint64_t> seen;  // bitmap over agency * C + counter - 1
  uint64_t distinct = 0, duplicates = 0, board_entries = 0, own = 0, purges = 0,
           bad_dots = 0;
  uint64_t cursor = 0, feed_frames = 0;
  absl::Time caught_up;                  // when `distinct` reached (A-1)*C
  std::vector<std::string> stored_feed;  // kept FeedBatch frames (serialized)
  std::string error;                     // first error, if any

  bool Write(const v1::AgencyFrame& frame) {
    absl::MutexLock lock(&write_mu);
    return stream->Write(frame);
  }
};

// Reads a varint-length-delimited submessage's bounds and calls `body`.
template <typename F>
bool Nested(google::protobuf::io::CodedInputStream* in, F body) {
  uint32_t length;
  if (!in->ReadVarint32(&length)) return false;
  auto limit = in->PushLimit(static_cast<int>(length));
  const bool ok = body();
  in->PopLimit(limit);
  return ok;
}

// Notes the dots of a serialized FeedBatch's entries (only `entries` and the
// changes' dots are decoded; the rest is skipped).
bool ScanFeed(absl::string_view plain, Agent* agent,
              const absl::flat_hash_map<std::string, int>& index_of,
              const Params& p) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(plain.data()),
      static_cast<int>(plain.size()));
  in.SetTotalBytesLimit(INT32_MAX);
  const uint64_t c = static_cast<uint64_t>(p.changes);
  while (uint32_t tag = in.ReadTag()) {
    if (tag !=
        WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      if (!WireFormatLite::SkipField(&in, tag)) return false;
      continue;
    }
    bool ok = Nested(&in, [&] {  // FeedEntry
      while (uint32_t etag = in.ReadTag()) {
        const int field = WireFormatLite::GetTagFieldNumber(etag);
        if (field == 3) {
          ++agent->purges;
          if (!WireFormatLite::SkipField(&in, etag)) return false;
        } else if (field == 2) {
          std::string replica;
          uint64_t counter = 0;
          if (!Nested(&in, [&] {  // Change
                while (uint32_t ctag = in.ReadTag()) {
                  if (WireFormatLite::GetTagFieldNumber(ctag) == 1) {
                    if (!Nested(&in, [&] {  // Dot
                          while (uint32_t dtag = in.ReadTag()) {
                            const int f =
                                WireFormatLite::GetTagFieldNumber(dtag);
                            if (f == 1) {
                              if (!WireFormatLite::ReadString(&in, &replica))
                                return false;
                            } else if (f == 2) {
                              if (!in.ReadVarint64(&counter)) return false;
                            } else if (!WireFormatLite::SkipField(&in, dtag)) {
                              return false;
                            }
                          }
                          return true;
                        }))
                      return false;
                  } else if (!WireFormatLite::SkipField(&in, ctag)) {
                    return false;
                  }
                }
                return true;
              }))
            return false;
          auto it = index_of.find(replica);
          if (it == index_of.end()) {
            ++agent->board_entries;
          } else if (it->second == agent->index) {
            ++agent->own;
          } else if (counter < 1 || counter > c) {
            ++agent->bad_dots;
          } else {
            const uint64_t bit =
                static_cast<uint64_t>(it->second) * c + counter - 1;
            uint64_t& word = agent->seen[bit / 64];
            const uint64_t mask = uint64_t{1} << (bit % 64);
            if (word & mask) {
              ++agent->duplicates;
            } else {
              word |= mask;
              ++agent->distinct;
            }
          }
        } else if (!WireFormatLite::SkipField(&in, etag)) {
          return false;
        }
      }
      return true;
    });
    if (!ok) return false;
  }
  return true;
}

bool Decompress(absl::string_view compressed, std::string* plain) {
  const unsigned long long size =
      ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxDecompressedFrameBytes) {
    return false;
  }
  plain->resize(size);
  const size_t got = ZSTD_decompress(plain->data(), plain->size(),
                                     compressed.data(), compressed.size());
  return !ZSTD_isError(got) && got == size;
}

void ReaderLoop(Agent* agent, Shared* shared,
                const absl::flat_hash_map<std::string, int>& index_of,
                const Params& p) {
  const uint64_t expected =
      static_cast<uint64_t>(p.agencies - 1) * static_cast<uint64_t>(p.changes);
  const uint64_t total = static_cast<uint64_t>(p.changes);
  v1::BoardFrame frame;
  std::string plain;
  while (agent->stream->Read(&frame)) {
    const absl::Time now = absl::Now();
    if (frame.has_push_ack()) {
      const v1::PushAck& ack = frame.push_ack();
      agent->accepted += ack.accepted();
      agent->rejected += static_cast<uint64_t>(ack.rejected_size());
      if (ack.rejected_size() > 0 && agent->error.empty()) {
        agent->error = absl::StrCat("rejected: ", ack.rejected(0).detail());
      }
      bool done = false;
      {
        absl::MutexLock lock(&agent->mu);
        agent->acknowledged = std::max(agent->acknowledged, ack.acknowledged());
        while (!agent->in_flight.empty() &&
               agent->in_flight.front().first <= agent->acknowledged) {
          agent->latency_ms.push_back(absl::ToDoubleMilliseconds(
              now - agent->in_flight.front().second));
          agent->in_flight.pop_front();
        }
        done = agent->acknowledged >= total;
      }
      if (done && ack.acknowledged() >= total) {
        absl::MutexLock lock(&shared->mu);
        if (++shared->pushed == p.agencies) shared->push_end = now;
      }
    } else if (frame.has_feed()) {
      const v1::FeedBatch& feed = frame.feed();
      ++agent->feed_frames;
      bool ok = true;
      if (!feed.zstd().empty()) {
        ok = Decompress(feed.zstd(), &plain);
      } else {
        v1::FeedBatch entries;
        *entries.mutable_entries() = feed.entries();
        plain = entries.SerializeAsString();
      }
      if (ok) ok = ScanFeed(plain, agent, index_of, p);
      if (!ok) {
        if (agent->error.empty()) agent->error = "unreadable feed frame";
        break;
      }
      if (agent->keep_feed && !plain.empty()) {
        agent->stored_feed.push_back(plain);
      }
      agent->cursor = std::max(agent->cursor, feed.cursor());
      if (agent->distinct == expected && agent->caught_up == absl::Time()) {
        agent->caught_up = now;
      }
      v1::AgencyFrame ack;
      ack.mutable_feed_ack()->set_cursor(feed.cursor());
      agent->Write(ack);
    } else if (frame.has_pong()) {
      absl::MutexLock lock(&agent->mu);
      agent->pong = true;
      agent->pong_head = frame.pong().feed_head();
      agent->pong_at = now;
    } else {
      agent->error = "unexpected frame from the board";
      break;
    }
  }
  absl::MutexLock lock(&agent->mu);
  agent->reader_done = true;
}

// Opens the stream, says Hello, pushes every frame (WINDOW in flight), then
// pings once every agency's pushes are acknowledged and waits for the Pong.
void AgentMain(Agent* agent, Shared* shared,
               const absl::flat_hash_map<std::string, int>& index_of,
               const Params& p, absl::Time deadline, std::thread* reader) {
  const Generated& gen = *agent->gen;
  agent->context.AddMetadata("casesync-agency", gen.id);
  agent->context.set_deadline(absl::ToChronoTime(deadline));
  agent->stream = agent->stub->Sync(&agent->context);
  auto fail = [&](const std::string& why) {
    if (agent->error.empty()) agent->error = why;
    absl::MutexLock lock(&shared->mu);
    ++shared->welcomed;  // do not hold the others up
  };
  v1::AgencyFrame hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_local_changes(static_cast<uint64_t>(p.changes));
  v1::BoardFrame welcome;
  if (!agent->Write(hello) || !agent->stream->Read(&welcome) ||
      !welcome.has_welcome()) {
    return fail("no Welcome");
  }
  if (welcome.welcome().acknowledged() != 0) {
    return fail("the board already holds this agency's changes");
  }
  if (welcome.welcome().max_push_changes() != 0 &&
      welcome.welcome().max_push_changes() < static_cast<uint32_t>(p.batch)) {
    return fail(absl::StrCat("BATCH is above the board's max_push_changes ",
                             welcome.welcome().max_push_changes()));
  }
  *reader =
      std::thread(ReaderLoop, agent, shared, std::cref(index_of), std::cref(p));
  {
    absl::MutexLock lock(&shared->mu);
    ++shared->welcomed;
    auto go = [shared]() ABSL_SHARED_LOCKS_REQUIRED(shared->mu) {
      return shared->go || shared->abort;
    };
    shared->mu.AwaitWithDeadline(absl::Condition(&go), deadline);
    if (!shared->go) return;
  }
  // Agencies' frames are spread over the first frame interval when paced.
  const absl::Duration interval =
      p.rate > 0 ? absl::Seconds(p.batch / p.rate) : absl::ZeroDuration();
  const absl::Time first =
      shared->start + interval * agent->index / std::max(1, p.agencies);
  for (size_t i = 0; i < gen.frames.size(); ++i) {
    if (p.rate > 0) {
      const absl::Time due = first + interval * static_cast<int64_t>(i);
      const absl::Duration wait = due - absl::Now();
      if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    }
    {
      absl::MutexLock lock(&agent->mu);
      auto room = [agent, &p]() ABSL_SHARED_LOCKS_REQUIRED(agent->mu) {
        return agent->reader_done ||
               agent->in_flight.size() < static_cast<size_t>(p.window);
      };
      if (!agent->mu.AwaitWithDeadline(absl::Condition(&room), deadline) ||
          agent->reader_done) {
        if (agent->error.empty()) agent->error = "stream ended mid-push";
        return;
      }
      agent->in_flight.emplace_back(gen.frame_last[i], absl::Now());
    }
    v1::AgencyFrame push;
    push.mutable_push()->set_zstd(gen.frames[i]);
    if (!agent->Write(push)) {
      if (agent->error.empty()) agent->error = "write failed";
      return;
    }
  }
  // Every agency's pushes acknowledged: ask to be caught up.
  {
    absl::MutexLock lock(&shared->mu);
    auto all = [shared, &p]() ABSL_SHARED_LOCKS_REQUIRED(shared->mu) {
      return shared->pushed == p.agencies || shared->abort;
    };
    if (!shared->mu.AwaitWithDeadline(absl::Condition(&all), deadline) ||
        shared->abort) {
      if (agent->error.empty()) agent->error = "timed out waiting for acks";
      return;
    }
  }
  v1::AgencyFrame ping;
  ping.mutable_ping()->set_id(1);
  agent->Write(ping);
  absl::MutexLock lock(&agent->mu);
  auto ponged = [agent]() ABSL_SHARED_LOCKS_REQUIRED(agent->mu) {
    return agent->pong || agent->reader_done;
  };
  if (!agent->mu.AwaitWithDeadline(absl::Condition(&ponged), deadline) ||
      !agent->pong) {
    if (agent->error.empty()) agent->error = "no Pong";
  }
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(
      v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i];
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t m = values.size() / 2;
  return values.size() % 2 ? values[m] : (values[m - 1] + values[m]) / 2;
}

struct Result {
  double push_s = 0, throughput = 0, p50 = 0, p99 = 0, max = 0;
  double converge_s = 0;  // from the start until the last agency caught up
  double pong_after_push_s = 0;
  uint64_t errors = 0, board_rss_kb = 0, feed_head = 0;
  double board_cpu_s = 0, load_cpu_s = 0;
  int digests_ok = 0, digests_checked = 0;
  uint64_t duplicates = 0;
  uint64_t feed_frames = 0;  // FeedBatch frames received, all agencies
};

std::unique_ptr<v1::LocalApi::Stub> LocalStub(const std::string& socket) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return v1::LocalApi::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("unix:", socket), grpc::InsecureChannelCredentials(), args));
}

// Applies what `agent` holds (its own changes, the feed it received) to a
// fresh replica and compares its digest with the board's for the agency.
bool CheckDigest(const Agent& agent, const std::string& dir,
                 v1::LocalApi::Stub* board, std::string* detail) {
  ReplicaOptions options;
  options.path = dir + "/digest-" + agent.gen->id;
  options.replica_id = agent.gen->id;
  options.sync = false;
  absl::StatusOr<std::unique_ptr<Replica>> replica = Replica::Open(options);
  if (!replica.ok()) {
    *detail = std::string(replica.status().message());
    return false;
  }
  {
    std::unique_ptr<Replica::Batch> batch = (*replica)->NewBatch();
    for (const std::string& bytes : agent.gen->change_bytes) {
      v1::Change change;
      if (!change.ParseFromString(bytes) ||
          !batch->Apply(change, Arrival::kInOrder).ok()) {
        *detail = "own change refused";
        return false;
      }
    }
    if (!batch->Commit(Store::Durability::kBuffered).ok()) return false;
  }
  for (const std::string& plain : agent.stored_feed) {
    v1::FeedBatch feed;
    if (!feed.ParseFromString(plain)) return false;
    std::unique_ptr<Replica::Batch> batch = (*replica)->NewBatch();
    for (const v1::FeedEntry& entry : feed.entries()) {
      if (!entry.has_change()) continue;
      absl::Status s =
          batch->Apply(entry.change(), Arrival::kAnyOrder).status();
      if (!s.ok()) {
        *detail = absl::StrCat("feed change refused: ", s.message());
        return false;
      }
    }
    if (!batch->Commit(Store::Durability::kBuffered).ok()) return false;
  }
  absl::StatusOr<StateDigest> mine = (*replica)->Digest();
  if (!mine.ok()) return false;
  v1::GetDigestRequest request;
  request.set_for_agency(agent.gen->id);
  v1::DigestReply reply;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(5));
  grpc::Status status = board->GetDigest(&context, request, &reply);
  replica->reset();
  std::filesystem::remove_all(options.path);
  if (!status.ok()) {
    *detail = status.error_message();
    return false;
  }
  *detail = absl::StrCat(agent.gen->id, ": ", mine->records, " records ",
                         mine->sha256.substr(0, 12), " vs board ",
                         reply.records(), " ", reply.sha256().substr(0, 12));
  return mine->sha256 == reply.sha256();
}

Result RunOnce(const Params& p, const std::vector<Generated>& generated,
               const std::string& dir) {
  Result result;
  const int64_t total = static_cast<int64_t>(p.agencies) * p.changes;
  std::unique_ptr<Daemon> board =
      Daemon::Start({CASESYNC_BOARD_BIN, "--data_dir", dir + "/board",
                     "--listen", "127.0.0.1:0", "--socket", dir + "/board.sock",
                     "--insecure", "--max_records_per_review",
                     absl::StrCat(std::max<int64_t>(100'000, total))},
                    dir + "/board.log", "listening for agencies on");
  if (board == nullptr) Die("the board did not start; see " + dir);
  const std::string& line = board->ready_line();
  const int port = std::atoi(line.c_str() + line.find("127.0.0.1:") + 10);

  std::vector<std::string> ids;
  for (const Generated& g : generated) ids.push_back(g.id);
  testing::CommandResult created = testing::Run(
      {CASESYNC_CLI_BIN, "--socket", dir + "/board.sock", "review", "create",
       "r1", "--title", "Load", "--agencies", absl::StrJoin(ids, ",")});
  if (created.exit_code != 0) Die("review create: " + created.err);

  absl::flat_hash_map<std::string, int> index_of;
  for (int i = 0; i < p.agencies; ++i) index_of[ids[i]] = i;

  const absl::Time deadline = absl::Now() + absl::Seconds(p.timeout_s);
  Shared shared;
  std::vector<std::unique_ptr<Agent>> agents;
  const size_t words =
      (static_cast<size_t>(p.agencies) * static_cast<size_t>(p.changes) + 63) /
      64;
  for (int i = 0; i < p.agencies; ++i) {
    auto agent = std::make_unique<Agent>();
    agent->index = i;
    agent->gen = &generated[i];
    agent->keep_feed = !generated[i].change_bytes.empty();
    agent->seen.assign(words, 0);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    // Each agency on its own connection, as separate daemons would be.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("casesync.load.agency", i);
    agent->channel =
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials(), args);
    agent->stub = v1::BoardSync::NewStub(agent->channel);
    agents.push_back(std::move(agent));
  }
  const double board_cpu0 = CpuMs(board->pid());
  const double self_cpu0 = SelfCpuMs();
  std::vector<std::thread> mains(p.agencies), readers(p.agencies);
  for (int i = 0; i < p.agencies; ++i) {
    mains[i] =
        std::thread(AgentMain, agents[i].get(), &shared, std::cref(index_of),
                    std::cref(p), deadline, &readers[i]);
  }
  {
    absl::MutexLock lock(&shared.mu);
    auto all = [&]() ABSL_SHARED_LOCKS_REQUIRED(shared.mu) {
      return shared.welcomed == p.agencies;
    };
    if (!shared.mu.AwaitWithDeadline(absl::Condition(&all), deadline)) {
      shared.abort = true;
    } else {
      shared.start = absl::Now();
      shared.go = true;
    }
  }
  for (std::thread& t : mains) t.join();
  absl::Time push_end;
  {
    absl::MutexLock lock(&shared.mu);
    push_end = shared.pushed == p.agencies ? shared.push_end : absl::Time();
  }
  result.board_rss_kb = ProcStatusKb(board->pid(), "VmHWM:");
  result.board_cpu_s = (CpuMs(board->pid()) - board_cpu0) / 1e3;
  // Close the streams: the board ends each once it has read the end.
  for (auto& agent : agents) {
    absl::MutexLock lock(&agent->write_mu);
    if (agent->stream != nullptr) agent->stream->WritesDone();
  }
  for (int i = 0; i < p.agencies; ++i) {
    if (readers[i].joinable()) readers[i].join();
    if (agents[i]->stream != nullptr) {
      grpc::Status status = agents[i]->stream->Finish();
      if (!status.ok() && agents[i]->error.empty()) {
        agents[i]->error = "stream: " + status.error_message();
      }
    }
  }
  result.load_cpu_s = (SelfCpuMs() - self_cpu0) / 1e3;

  const uint64_t expected =
      static_cast<uint64_t>(p.agencies - 1) * static_cast<uint64_t>(p.changes);
  std::vector<double> latencies;
  absl::Time last_caught_up = shared.start, last_pong = shared.start;
  uint64_t head = 0;
  int failed = 0;
  for (auto& agent : agents) {
    latencies.insert(latencies.end(), agent->latency_ms.begin(),
                     agent->latency_ms.end());
    uint64_t errors = agent->rejected + agent->purges + agent->bad_dots;
    if (agent->accepted != static_cast<uint64_t>(p.changes)) ++errors;
    if (agent->distinct != expected) ++errors;
    absl::MutexLock lock(&agent->mu);
    if (!agent->pong) ++errors;
    if (head == 0) head = agent->pong_head;
    if (agent->pong_head != head) ++errors;
    if (!agent->error.empty()) ++errors;
    if (errors > 0 && failed++ < 5) {
      std::cerr << absl::StrFormat(
          "load_bench: %s: accepted %d rejected %d distinct %d/%d purges %d "
          "pong %d head %d: %s\n",
          agent->gen->id, agent->accepted, agent->rejected, agent->distinct,
          expected, agent->purges, agent->pong, agent->pong_head, agent->error);
    }
    result.errors += errors;
    result.duplicates += agent->duplicates;
    result.feed_frames += agent->feed_frames;
    last_caught_up = std::max(last_caught_up, agent->caught_up);
    last_pong = std::max(last_pong, agent->pong_at);
  }
  result.feed_head = head;
  result.push_s = push_end == absl::Time()
                      ? 0
                      : absl::ToDoubleSeconds(push_end - shared.start);
  result.throughput = result.push_s > 0 ? total / result.push_s : 0;
  result.p50 = Percentile(latencies, 0.50);
  result.p99 = Percentile(latencies, 0.99);
  result.max = Percentile(latencies, 1.0);
  result.converge_s = absl::ToDoubleSeconds(last_caught_up - shared.start);
  result.pong_after_push_s = push_end == absl::Time()
                                 ? 0
                                 : absl::ToDoubleSeconds(last_pong - push_end);

  auto local = LocalStub(dir + "/board.sock");
  for (auto& agent : agents) {
    if (!agent->keep_feed) continue;
    std::string detail;
    ++result.digests_checked;
    if (CheckDigest(*agent, dir, local.get(), &detail)) {
      ++result.digests_ok;
    } else {
      ++result.errors;
    }
    std::cerr << "load_bench: digest " << detail << "\n";
  }
  agents.clear();
  if (board->Stop() != 0) ++result.errors;
  return result;
}

}  // namespace
}  // namespace casesync::bench

int main(int argc, char** argv) {
  using namespace casesync::bench;
  signal(SIGPIPE, SIG_IGN);
  Params p;
  int runs = 3;
  std::string out_json;
  CLI::App app{"load_bench: many agencies pushing to one board at once"};
  app.add_option("--agencies", p.agencies)->capture_default_str();
  app.add_option("--changes", p.changes, "changes per agency")
      ->capture_default_str();
  app.add_option("--batch", p.batch, "changes per push frame")
      ->capture_default_str();
  app.add_option("--window", p.window, "push frames awaiting their ack")
      ->capture_default_str();
  app.add_option("--event_bytes", p.event_bytes, "length of each event text")
      ->capture_default_str();
  app.add_option("--rate", p.rate,
                 "changes/s each agency pushes (0: as fast as acked)")
      ->capture_default_str();
  app.add_option("--digests", p.digests,
                 "agencies whose digest is checked (first and last...)")
      ->capture_default_str();
  app.add_option("--runs", runs)->capture_default_str();
  app.add_option("--timeout", p.timeout_s, "seconds per run")
      ->capture_default_str();
  app.add_option("--out", out_json, "also write the medians here as JSON");
  CLI11_PARSE(app, argc, argv);
  if (p.agencies < 2 || p.changes < 1 || p.batch < 1 || p.window < 1) {
    Die("need at least 2 agencies, 1 change, batch and window >= 1");
  }

  casesync::testing::TempDir dir;
  const absl::Time gen_start = absl::Now();
  std::vector<Generated> generated;
  uint64_t raw = 0;
  for (int i = 0; i < p.agencies; ++i) {
    const bool keep =
        (i == 0 && p.digests > 0) || (i == p.agencies - 1 && p.digests > 1) ||
        (p.digests > 2 && i % std::max(1, p.agencies / p.digests) == 0);
    generated.push_back(
        Generate(dir.path(), AgencyId(i, p.agencies), p, keep, &raw));
  }
  std::cerr << absl::StrFormat(
      "load_bench: %d agencies x %d changes (%.1f MB of change bytes), %d per "
      "frame, window %d, rate %s: made in %.1f s\n",
      p.agencies, p.changes, raw / 1e6, p.batch, p.window,
      p.rate > 0 ? absl::StrCat(p.rate, "/s per agency") : "unpaced",
      absl::ToDoubleSeconds(absl::Now() - gen_start));

  std::vector<Result> results;
  uint64_t errors = 0;
  for (int r = 0; r < runs; ++r) {
    const std::string run_dir = absl::StrCat(dir.path(), "/run", r);
    std::filesystem::create_directories(run_dir);
    results.push_back(RunOnce(p, generated, run_dir));
    std::filesystem::remove_all(run_dir);
    const Result& x = results.back();
    errors += x.errors;
    std::cerr << absl::StrFormat(
        "run %d/%d: push %.2f s (%.0f changes/s) latency p50 %.0f ms p99 %.0f "
        "ms max %.0f ms | all caught up at %.2f s, pongs %.2f s after the "
        "last ack | head %d, %d feed frames | errors %d (dup feed entries %d) "
        "| digests %d/%d "
        "| board RSS peak %.1f MB, cpu %.1f s | load process cpu %.1f s\n",
        r + 1, runs, x.push_s, x.throughput, x.p50, x.p99, x.max, x.converge_s,
        x.pong_after_push_s, x.feed_head, x.feed_frames, x.errors, x.duplicates,
        x.digests_ok, x.digests_checked, x.board_rss_kb / 1024.0, x.board_cpu_s,
        x.load_cpu_s);
  }
  auto median = [&](auto get) {
    std::vector<double> values;
    for (const Result& x : results)
      values.push_back(static_cast<double>(get(x)));
    return Median(values);
  };
  std::map<std::string, double> summary = {
      {"push_s", median([](const Result& x) { return x.push_s; })},
      {"throughput_changes_per_s",
       median([](const Result& x) { return x.throughput; })},
      {"push_latency_p50_ms", median([](const Result& x) { return x.p50; })},
      {"push_latency_p99_ms", median([](const Result& x) { return x.p99; })},
      {"push_latency_max_ms", median([](const Result& x) { return x.max; })},
      {"all_caught_up_s", median([](const Result& x) { return x.converge_s; })},
      {"board_peak_rss_mb",
       median([](const Result& x) { return x.board_rss_kb / 1024.0; })},
      {"board_cpu_s", median([](const Result& x) { return x.board_cpu_s; })},
      {"load_process_cpu_s",
       median([](const Result& x) { return x.load_cpu_s; })},
      {"errors_total", static_cast<double>(errors)},
  };
  std::ostringstream json;
  json << "{";
  bool first = true;
  for (const auto& [key, value] : summary) {
    json << (first ? "" : ", ") << "\"" << key << "\": " << value;
    first = false;
    std::cout << absl::StrFormat("%-26s %12.1f\n", key, value);
  }
  json << "}\n";
  if (!out_json.empty()) std::ofstream(out_json) << json.str();
  return errors == 0 ? 0 : 1;
}
