// Process-level test of the board's operational endpoints (issue:
// operations): gRPC health checking (grpc.health.v1) and server reflection
// on the sync port, driven by a client from another gRPC implementation
// (Debian's python3-grpcio, tests/grpc_probe.py) over the board's mutual
// TLS, with a certificate from deploy/certs.sh.
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/harness.h"

namespace casesync::testing {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;

std::vector<std::string> Strings(const google::protobuf::Value& list) {
  std::vector<std::string> out;
  for (const auto& value : list.list_value().values()) {
    out.push_back(value.string_value());
  }
  return out;
}

TEST(HealthTest, StandardGrpcToolsSeeTheSyncPortServingAndWhatItServes) {
  Deployment d;
  const std::string pki = d.dir() + "/pki";
  ASSERT_TRUE(RunCertsScript({"init", pki, "board"}));
  ASSERT_TRUE(RunCertsScript({"issue", pki, "police"}));
  d.UseTls(pki);
  ASSERT_TRUE(d.StartBoard());

  CommandResult probe =
      testing::Run({"/usr/bin/python3", CASESYNC_GRPC_PROBE, d.BoardAddress(),
                    pki + "/ca.crt", pki + "/police.crt", pki + "/police.key"});
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  google::protobuf::Struct result;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(probe.out, &result).ok())
      << probe.out;
  const auto& fields = result.fields();
  EXPECT_EQ(fields.at("overall").string_value(), "SERVING") << probe.out;
  EXPECT_EQ(fields.at("sync").string_value(), "SERVING") << probe.out;
  EXPECT_EQ(fields.at("unknown").string_value(), "NOT_FOUND") << probe.out;
  EXPECT_THAT(Strings(fields.at("services")),
              IsSupersetOf({"casesync.v1.BoardSync", "grpc.health.v1.Health",
                            "grpc.reflection.v1alpha.ServerReflection"}))
      << probe.out;
  EXPECT_THAT(Strings(fields.at("files")), Contains("casesync/v1/sync.proto"))
      << probe.out;
}

}  // namespace
}  // namespace casesync::testing
