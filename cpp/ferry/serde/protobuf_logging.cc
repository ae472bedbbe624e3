#include "ferry/serde/protobuf_logging_internal.h"

#include <mutex>
#include <string>

#include <google/protobuf/stubs/logging.h>

namespace ferry {
namespace {

google::protobuf::LogHandler* previous_handler = nullptr;

void FilterLog(google::protobuf::LogLevel level, const char* filename, int line,
               const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_ERROR &&
      message.find("contains invalid UTF-8 data") != std::string::npos) {
    return;
  }
  if (previous_handler != nullptr) previous_handler(level, filename, line, message);
}

}  // namespace

void QuietProtobufUtf8Errors() {
  static std::once_flag once;
  std::call_once(once, [] { previous_handler = google::protobuf::SetLogHandler(&FilterLog); });
}

}  // namespace ferry
