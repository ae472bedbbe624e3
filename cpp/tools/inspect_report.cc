// ferry-inspect's findings: function table entries read and verified, and
// the two ways of printing a report.

#include "inspect_report.h"

#include <iomanip>
#include <iostream>
#include <sstream>

#include <openssl/sha.h>

#include "ferry/serde/frame_signing.h"
#include "ferry/serde/inline_frame.h"

namespace ferry::inspect {
namespace {

std::string Hex(const unsigned char* data, size_t size) {
  std::ostringstream out;
  for (size_t i = 0; i < size; ++i) out << std::hex << std::setw(2) << std::setfill('0') << int{data[i]};
  return out.str();
}

std::string Sha256(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return Hex(digest, sizeof digest);
}

std::string Json(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00" + Hex(reinterpret_cast<const unsigned char*>(&c), 1);
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

template <typename T, typename F>
std::string JsonList(const std::vector<T>& items, F&& item) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + item(items[i]);
  return out + "]";
}

std::string FrameText(const FunctionReport& f) {
  std::string line = f.kind + " " + f.name + ": ";
  if (f.travels == "malformed") return line + f.defect;
  line += f.family + ", frame version " + std::to_string(f.frame_version) + ", pickled by Python " +
          f.python + ", " + std::to_string(f.payload_bytes) +
          "-byte payload (kept opaque, never unpickled), sha256 " + f.payload_sha256.substr(0, 16) + ", ";
  if (!f.key_id) return line + "unsigned";
  line += "signed with key " + DescribeKeyId(*f.key_id);
  if (f.signature == "valid") return line + ", signature valid";
  if (f.signature == "no key") return line + ", not verified: no --key for " + DescribeKeyId(*f.key_id);
  if (f.signature == "INVALID") return line + ", signature INVALID (altered, or signed with another secret)";
  return line;
}

std::string FunctionJson(const FunctionReport& f) {
  std::string out = "{\"kind\": " + Json(f.kind) + ", \"name\": " + Json(f.name) +
                    ", \"travels\": " + Json(f.travels) +
                    ", \"definition_bytes\": " + std::to_string(f.definition_bytes);
  if (f.travels == "malformed") out += ", \"defect\": " + Json(f.defect);
  if (f.travels == "inline") {
    out += ", \"frame\": {\"family\": " + Json(f.family) + ", \"version\": " + std::to_string(f.frame_version) +
           ", \"python\": " + Json(f.python) + ", \"payload_bytes\": " + std::to_string(f.payload_bytes) +
           ", \"payload_sha256\": " + Json(f.payload_sha256) +
           ", \"key_id\": " + (f.key_id ? Json(*f.key_id) : "null") +
           ", \"signature\": " + Json(f.signature) + "}";
  }
  return out + "}";
}

}  // namespace

bool AddKey(std::string_view arg, Keys* keys) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view id = arg.substr(0, eq), hex = arg.substr(eq + 1);
  if (!ValidatePayloadKeyId(id).ok() || hex.empty() || hex.size() % 2 != 0) return false;
  std::string secret;
  for (size_t i = 0; i < hex.size(); i += 2) {
    int value = 0;
    for (char c : hex.substr(i, 2)) {
      int digit = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return false;
      value = value * 16 + digit;
    }
    secret.push_back(static_cast<char>(value));
  }
  (*keys)[std::string(id)] = std::move(secret);
  return true;
}

FunctionReport ReportFunction(const FunctionTableEntry& entry, const Keys& keys, bool* verified) {
  FunctionReport out;
  out.kind = std::string(FunctionEntryKindName(entry.kind));
  out.name = entry.name;
  out.definition_bytes = static_cast<int64_t>(entry.definition.size());
  auto frame = ParseInlineFrame(entry.definition);
  if (!frame.ok()) {
    if (!keys.empty()) *verified = false;
    out.travels = "malformed";
    out.defect = frame.status().message();
    return out;
  }
  if (!frame->has_value()) {
    out.travels = entry.definition.empty() ? "by name" : "opaque";
    return out;
  }
  const auto& f = **frame;
  out.travels = "inline";
  out.family = "inline " + FrameFamilyDescription(f.family);
  out.frame_version = f.version;
  out.python = std::to_string(f.py_major) + "." + std::to_string(f.py_minor);
  out.payload_bytes = static_cast<int64_t>(f.payload.size());
  out.payload_sha256 = Sha256(f.payload);
  if (!f.is_signed()) {
    out.signature = "unsigned";
    if (!keys.empty()) *verified = false;
    return out;
  }
  out.key_id = std::string(f.key_id);
  if (keys.empty()) {
    out.signature = "not checked";
    return out;
  }
  auto key = keys.find(std::string(f.key_id));
  if (key == keys.end()) {
    *verified = false;
    out.signature = "no key";
    return out;
  }
  auto matches = FrameTagMatches(f, key->second);
  out.signature = matches.ok() && *matches ? "valid" : "INVALID";
  if (out.signature != "valid") *verified = false;
  return out;
}

void PrintText(const Report& report) {
  const bool plan = report.kind != "expr";
  if (plan && report.error.empty()) {
    const bool job = report.kind == "job";
    std::cout << (report.kind == "plan" ? "plan: " : job ? "job: " : "physical plan: ")
              << report.plan.tree.size()
              << (report.kind == "plan" ? " nodes, " : job ? " lines, " : " operators, ")
              << report.bytes << " bytes\n";
    for (const auto& line : report.plan.tree) std::cout << "  " << line << "\n";
    for (const auto& table : report.plan.tables) {
      std::cout << "table: " << table.scan_name << ": " << table.kind;
      if (!table.detail.empty()) std::cout << " " << table.detail;
      std::cout << ", " << table.bytes << " bytes\n";
    }
  }
  for (const auto& function : report.functions) {
    if (function.travels == "inline" || function.travels == "malformed") {
      std::cout << "frame: " << FrameText(function) << "\n";
    } else if (plan) {
      std::cout << "function: " << function.kind << " " << function.name << ": "
                << (function.travels == "by name"
                        ? std::string("by name")
                        : "opaque definition of " + std::to_string(function.definition_bytes) + " bytes")
                << "\n";
    }
  }
  if (!report.error.empty()) {
    std::cerr << "ferry-inspect: " << report.error << "\n";
    return;
  }
  if (report.kind == "expr") {
    std::cout << "expression: " << report.expression << "\n";
    for (const auto& line : report.expression_calls) std::cout << "function: " << line << "\n";
  }
  std::cout << "re-encoded: " << (*report.reencodes_identically ? "identical" : "different") << " ("
            << report.bytes << " bytes)\n";
  if (!report.verified) {
    std::cerr << "ferry-inspect: an inline frame is unsigned or does not verify under the given "
                 "keys\n";
  }
}

void PrintJson(const Report& report) {
  std::string out = "{\"kind\": " + Json(report.kind) + ", \"bytes\": " + std::to_string(report.bytes);
  if (report.kind == "expr" && report.error.empty()) {
    out += ", \"expression\": " + Json(report.expression);
  }
  if (report.kind != "expr" && report.error.empty()) {
    out += ", \"nodes\": " + JsonList(report.plan.tree, [](const std::string& line) {
             size_t depth = line.find_first_not_of(' ');
             return "{\"depth\": " + std::to_string(depth / 2) + ", \"node\": " + Json(line.substr(depth)) + "}";
           });
    out += ", \"tables\": " + JsonList(report.plan.tables, [](const InspectedTable& t) {
             return "{\"scan\": " + Json(t.scan_name) + ", \"source\": " + Json(t.kind) +
                    ", \"detail\": " + Json(t.detail) + ", \"bytes\": " + std::to_string(t.bytes) + "}";
           });
  }
  out += ", \"functions\": " + JsonList(report.functions, FunctionJson);
  if (report.reencodes_identically) {
    out += std::string(", \"reencoded\": ") + (*report.reencodes_identically ? "\"identical\"" : "\"different\"");
  }
  out += std::string(", \"verified\": ") + (report.verified ? "true" : "false");
  if (!report.error.empty()) out += ", \"error\": " + Json(report.error);
  std::cout << out << "}\n";
}

}  // namespace ferry::inspect
