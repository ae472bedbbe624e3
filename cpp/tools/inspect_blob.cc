// ferry-inspect's reading of a blob: the function table's frames first
// (they show even when the rest cannot be decoded), then the expression or
// plan itself.

#include "inspect_blob.h"

#include <set>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/envelope.h"
#include "ferry/serde/envelope_signing.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/inline_frame.h"
#include "ferry/serde/job_serde.h"
#include "ferry/serde/opaque_function.h"

namespace ferry::inspect {
namespace {

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

// Fills `report` from a logical or physical plan or a job blob; false when
// the bytes are not one.
bool InspectPlanBlob(const std::string& bytes, const Keys& keys, Report* report) {
  report->envelope = ReportEnvelope(bytes, keys, &report->verified);
  // Read (and re-encoded for comparison) as the sender wrote it before
  // signing: this tool cannot re-sign.
  auto unsigned_bytes =
      report->envelope->key_id ? ferry::UnsignedEnvelope(bytes) : ferry::Result<std::string>(bytes);
  if (!unsigned_bytes.ok()) {
    report->error = unsigned_bytes.status().message();
    return false;
  }
  auto plan = report->kind == "plan"  ? ferry::InspectPlan(*unsigned_bytes)
              : report->kind == "job" ? ferry::InspectJob(*unsigned_bytes)
                                      : ferry::InspectPhysicalPlan(*unsigned_bytes);
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

bool InspectBlob(const std::string& bytes, const Keys& keys, Report* report) {
  report->bytes = static_cast<int64_t>(bytes.size());
  auto kind = ferry::PeekEnvelopeKind(bytes);
  report->kind =
      kind.ok() && (*kind == "plan" || *kind == "physical_plan" || *kind == "job") ? *kind : "expr";
  return report->kind == "expr" ? InspectExprBlob(bytes, keys, report) : InspectPlanBlob(bytes, keys, report);
}

}  // namespace ferry::inspect
