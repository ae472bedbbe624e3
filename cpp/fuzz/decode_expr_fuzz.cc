// Fuzz target: DecodeExpr on any bytes (envelope, function table, nodes,
// literals in Arrow IPC), then what a receiver does with what it decoded:
// print it, bind it to a schema, evaluate it over a few rows with NULLs, and
// re-encode it. Invariant beyond "no crash": an expression that decoded
// re-encodes, and those bytes decode again (encoder and decoder agree).

#include <cstdint>
#include <string_view>

#include <arrow/api.h>

#include "ferry/function/bind.h"
#include "ferry/function/registry.h"
#include "ferry/serde/expr_serde.h"
#include "fuzz_check.h"

namespace {

// Columns of the common kinds, NULLs included, that decoded expressions
// may name.
std::shared_ptr<arrow::RecordBatch> SampleBatch() {
  arrow::Int64Builder a;
  (void)a.AppendValues({1, -7, 0});
  (void)a.AppendNull();
  arrow::DoubleBuilder b;
  (void)b.AppendValues({0.5, -1.0});
  (void)b.AppendNull();
  (void)b.Append(1e300);
  arrow::StringBuilder c;
  (void)c.AppendValues({"x", "", "héllo"});
  (void)c.AppendNull();
  arrow::BooleanBuilder d;
  (void)d.AppendValues(std::vector<bool>{true, false});
  (void)d.AppendNull();
  (void)d.Append(true);
  auto schema = arrow::schema({arrow::field("a", arrow::int64()), arrow::field("b", arrow::float64()),
                               arrow::field("c", arrow::utf8()), arrow::field("d", arrow::boolean())});
  return arrow::RecordBatch::Make(schema, 4,
                                  {a.Finish().ValueOrDie(), b.Finish().ValueOrDie(),
                                   c.Finish().ValueOrDie(), d.Finish().ValueOrDie()});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto batch = [] {
    ferry::EnsureArrowCompute();
    return SampleBatch();
  }();
  static const auto codec = ferry::ByNameCodec();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (auto policy : {ferry::UnknownFunctionPolicy::kError, ferry::UnknownFunctionPolicy::kKeepOpaque}) {
    auto expr = ferry::DecodeExpr(bytes, *codec, ferry::BuiltinFunctions(), policy);
    if (!expr.ok()) continue;
    (void)expr->ToString();
    auto again = ferry::EncodeExpr(*expr, *codec);
    FERRY_FUZZ_CHECK(again.ok(), "a decoded expression re-encodes");
    auto back = ferry::DecodeExpr(*again, *codec, ferry::BuiltinFunctions(), policy);
    FERRY_FUZZ_CHECK(back.ok(), "re-encoded bytes decode again");
    if (policy != ferry::UnknownFunctionPolicy::kError) continue;
    auto bound = ferry::BindScalar(*expr, *batch->schema());
    if (bound.ok()) (void)(*bound)->Evaluate(*batch);
  }
  return 0;
}
