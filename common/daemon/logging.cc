#include "common/daemon/logging.h"

#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "google/protobuf/stubs/logging.h"
#include "grpc/support/log.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace casesync {
namespace {

// The %* flag of the JSON pattern: the message, escaped for a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        JsonEscape(absl::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

// The logger gRPC's and protobuf's lines go to: never destroyed, since
// their threads may still log while static destructors run at exit.
// (A pointer to a heap shared_ptr, kept in a global so that LeakSanitizer
// sees it as reachable.)
std::shared_ptr<spdlog::logger>* forward_logger_holder = nullptr;
spdlog::logger* forward_logger = nullptr;

// gRPC core's log lines, into the daemon's logger.
void ForwardGrpcLog(gpr_log_func_args* args) {
  spdlog::level::level_enum level = spdlog::level::info;
  if (args->severity == GPR_LOG_SEVERITY_ERROR) level = spdlog::level::err;
  if (args->severity == GPR_LOG_SEVERITY_DEBUG) level = spdlog::level::debug;
  forward_logger->log(level, "grpc: {}", args->message);
}

// protobuf's log lines (a string field with invalid UTF-8 in a parsed
// message, say), likewise.
void ForwardProtobufLog(google::protobuf::LogLevel level, const char* file,
                        int line, const std::string& message) {
  (void)file;
  (void)line;
  forward_logger->log(level >= google::protobuf::LOGLEVEL_ERROR
                          ? spdlog::level::err
                          : spdlog::level::warn,
                      "protobuf: {}", message);
}

}  // namespace

void AddLogFlags(CLI::App& app, LogFormat* format) {
  app.add_option_function<std::string>(
         "--log_format",
         [format](const std::string& value) {
           *format = value == "json" ? LogFormat::kJson : LogFormat::kText;
         },
         "log lines on stderr: text (for people, the default) or json (one "
         "object per line: time, program, level, message)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
}

void InitLogging(const std::string& program, LogFormat format) {
  auto logger = spdlog::stderr_logger_mt(program);
  if (format == LogFormat::kJson) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","program":"%n","level":"%l",)"
        R"("message":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %n %l: %v");
  }
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
  forward_logger_holder = new std::shared_ptr<spdlog::logger>(logger);
  forward_logger = forward_logger_holder->get();
  gpr_set_log_function(ForwardGrpcLog);
  google::protobuf::SetLogHandler(ForwardProtobufLog);
}

void LogStartupFailure(const std::string& program, LogFormat format,
                       absl::string_view message) {
  if (format == LogFormat::kJson && forward_logger != nullptr) {
    forward_logger->critical("{}", std::string(message));
  } else {
    std::cerr << program << ": " << message << "\n";
  }
}

namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`, or
// 0 if it is not one (RFC 3629: no overlongs, surrogates or values past
// U+10FFFF).
size_t Utf8Length(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  size_t length;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const char c = text.front();
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // Well-formed UTF-8 as it is; anything else as U+FFFD, so that the
      // line stays valid JSON whatever bytes a message carried.
      const size_t length = Utf8Length(text);
      if (length == 0) {
        out += "\\ufffd";
        text.remove_prefix(1);
      } else {
        out.append(text.data(), length);
        text.remove_prefix(length);
      }
      continue;
    }
    text.remove_prefix(1);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          out += absl::StrFormat("\\u%04x", u);
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace casesync
