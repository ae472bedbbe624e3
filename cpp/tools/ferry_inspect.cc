// ferry-inspect: decodes a ferry expression or plan blob without Python.
//
// Prints every inline UDF frame of the function table (kind, family, frame
// version, sender's Python, payload size and SHA-256, signed or not and by
// which key id). For an expression: the expression and its functions (an
// inline aggregate or window UDF cannot be decoded without Python: its
// frame is shown, then exit status 1). For a logical or physical plan
// (or a distributed job: each stage and its fragment): its node
// (operator) tree, its
// tables (how each travels, its bytes) and its function table, read from
// the wire: no table is opened. Then whether re-encoding gives the same
// bytes: what a scheduler or a non-Python worker can do with bytes it must
// route but never unpickle. With --key, it also verifies each frame's
// signature; with --json, it prints one JSON object instead of text.
//
// Usage: ferry-inspect [--json] [--key ID=HEX]... [FILE]   (standard input without FILE)
//   --key ID=HEX  a payload key (its id and its secret in hex); repeatable.
// Exit status: 0 decoded (and, with --key, every inline frame verified),
// 1 the bytes are not a valid expression or plan, 2 usage, 3 decoded but an
// inline frame is unsigned or its signature does not verify under the keys.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/envelope.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/job_serde.h"
#include "ferry/serde/opaque_function.h"
#include "inspect_report.h"

namespace {

using ferry::inspect::Keys;
using ferry::inspect::Report;

void ListCalls(const ferry::Expr& expr, std::set<std::string>* seen) {
  if (const auto* call = expr.As<ferry::ScalarCallNode>()) {
    std::string line = "scalar " + call->name;
    if (const auto* opaque = dynamic_cast<const ferry::OpaqueScalarFunction*>(call->func.get())) {
      auto frame = ferry::ParseInlineFrame(opaque->definition());
      if (frame.ok() && frame->has_value()) {
        line += ": inline " + ferry::FrameFamilyDescription((*frame)->family) +
                ", kept opaque (see its frame line)";
      } else {
        line += ": opaque definition of " + std::to_string(opaque->definition().size()) + " bytes";
      }
    } else {
      line += ": built-in, by name";
    }
    seen->insert(line);
  }
  if (const auto* call = expr.As<ferry::AggregateCallNode>()) seen->insert("aggregate " + call->name + ": by name");
  if (const auto* call = expr.As<ferry::WindowCallNode>()) seen->insert("window " + call->name + ": by name");
  for (const auto& child : ferry::Children(expr)) ListCalls(child, seen);
}

void AddFunctions(const std::vector<ferry::FunctionTableEntry>& table, const Keys& keys, Report* report) {
  for (const auto& entry : table) {
    report->functions.push_back(ferry::inspect::ReportFunction(entry, keys, &report->verified));
  }
}

// Fills `report` from a logical or physical plan or a job blob; false when the bytes
// are not one.
bool InspectPlanBlob(const std::string& bytes, const Keys& keys, Report* report) {
  auto plan = report->kind == "plan"  ? ferry::InspectPlan(bytes)
              : report->kind == "job" ? ferry::InspectJob(bytes)
                                      : ferry::InspectPhysicalPlan(bytes);
  if (!plan.ok()) {
    report->error = plan.status().message();
    return false;
  }
  report->plan = std::move(*plan);
  AddFunctions(report->plan.functions, keys, report);
  report->reencodes_identically = report->plan.reencodes_identically;
  return true;
}

// Fills `report` from an expression blob; false when it cannot be decoded.
bool InspectExprBlob(const std::string& bytes, const Keys& keys, Report* report) {
  // Frames first, from the raw function table: they show even when this
  // process cannot decode the expression (an inline aggregate or window UDF
  // has no opaque stand-in here).
  auto table = ferry::ReadFunctionTable(bytes);
  if (!table.ok()) {
    report->error = table.status().message();
    return false;
  }
  AddFunctions(*table, keys, report);
  ferry::EnsureArrowCompute();
  // Held by value: a reference into the returned shared_ptr's object would
  // rely on ByNameCodec keeping another copy alive.
  const auto codec_ptr = ferry::ByNameCodec();
  auto expr = ferry::DecodeExpr(bytes, *codec_ptr, ferry::BuiltinFunctions(),
                                ferry::UnknownFunctionPolicy::kKeepOpaque);
  if (!expr.ok()) {
    report->error = expr.status().message();
    return false;
  }
  report->expression = expr->ToString();
  std::set<std::string> calls;
  ListCalls(*expr, &calls);
  report->expression_calls.assign(calls.begin(), calls.end());
  auto again = ferry::EncodeExpr(*expr, *codec_ptr);
  if (!again.ok()) {
    report->error = "cannot re-encode: " + again.status().message();
    return false;
  }
  report->reencodes_identically = *again == bytes;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Keys keys;
  bool json = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--key" && i + 1 < argc && ferry::inspect::AddKey(argv[i + 1], &keys)) {
      ++i;
    } else if (arg.rfind("--key=", 0) == 0 && ferry::inspect::AddKey(arg.substr(6), &keys)) {
    } else if (arg == "--json") {
      json = true;
    } else if (arg.rfind("-", 0) != 0 && path == nullptr) {
      path = argv[i];
    } else {
      std::cerr << "usage: ferry-inspect [--key ID=HEX]... [--json] [FILE]\n"
                   "  --key ID=HEX: a payload key id (letters, digits, . _ : -) and its secret "
                   "in hex\n"
                   "  --json: print one JSON object instead of text\n";
      return 2;
    }
  }
  // Never read more than the decoder would accept: a huge file or an
  // endless pipe is refused at the limit, not after filling memory.
  const int64_t limit = ferry::DecodeLimits{}.max_bytes;
  std::ifstream file;
  if (path != nullptr) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > static_cast<uintmax_t>(limit)) {
      std::cerr << "ferry-inspect: " << path << " holds " << size
                << " bytes, more than the decoder's limit of " << limit << "\n";
      return 1;
    }
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << "ferry-inspect: cannot open " << path << "\n";
      return 2;
    }
  }
  std::istream& in = path != nullptr ? file : std::cin;
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(bytes.size()) > limit) {
      std::cerr << "ferry-inspect: input exceeds the decoder's limit of " << limit << " bytes\n";
      return 1;
    }
  }
  Report report;
  report.bytes = static_cast<int64_t>(bytes.size());
  auto kind = ferry::PeekEnvelopeKind(bytes);
  report.kind =
      kind.ok() && (*kind == "plan" || *kind == "physical_plan" || *kind == "job") ? *kind : "expr";
  const bool decoded = report.kind == "expr" ? InspectExprBlob(bytes, keys, &report)
                                             : InspectPlanBlob(bytes, keys, &report);
  if (json) {
    ferry::inspect::PrintJson(report);
    if (!report.error.empty()) std::cerr << "ferry-inspect: " << report.error << "\n";
  } else {
    ferry::inspect::PrintText(report);
  }
  if (!decoded) return 1;
  return report.verified ? 0 : 3;
}
