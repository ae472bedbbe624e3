// Fuzz target: SQL text through everything before execution: libpg_query
// parsing, binding (sql::BindStatement) against a small catalog,
// optimizing and physical planning, each result printed. The catalog holds
// the SQL suite's tables (tests/sql, with NULLs and an empty table) and
// the eight TPC-H tables (empty, their spec types: decimals, dates,
// strings), so the seeds (.slt statements and TPC-H queries) bind and
// mutations reach the optimizer. Nothing runs (not even EXPLAIN ANALYZE)
// and no statement is carried out, so no input changes the catalog for the
// next or opens a file.
// Invariant beyond "no crash": a bound plan that encodes decodes again in
// the same session.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <arrow/api.h>
#include <arrow/json/from_string.h>

#include "ferry/exec/execution_plan.h"
#include "ferry/exec/physical_planner.h"
#include "ferry/exec/tables.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/optimizer.h"
#include "ferry/session/session_context.h"
#include "ferry/sql/catalog.h"
#include "ferry/sql/statement.h"
#include "fuzz_check.h"

namespace {

struct TableSpec {
  const char* name;
  std::vector<std::pair<const char*, std::shared_ptr<arrow::DataType>>> columns;
  const char* rows_json;  // Arrow JSON rows, one object per row
};

std::vector<TableSpec> Tables() {
  using namespace arrow;  // NOLINT: type factories read best unqualified here
  const auto money = decimal128(15, 2);
  return {
      {"t",
       {{"id", int64()}, {"k", utf8()}, {"v", int64()}, {"x", float64()}, {"d", date32()}},
       R"([{"id": 1, "k": "a", "v": 10, "x": 1.5, "d": 18262},
           {"id": 2, "k": "b", "v": 20, "x": -2.0, "d": 18300},
           {"id": 3, "k": "a", "v": null, "x": 3.25, "d": null},
           {"id": 4, "k": null, "v": 40, "x": null, "d": 18500},
           {"id": 5, "k": "b", "v": 50, "x": 0.0, "d": 18262},
           {"id": 6, "k": "c", "v": 60, "x": 7.5, "d": 19000}])"},
      {"u",
       {{"id", int64()}, {"w", utf8()}, {"v", int64()}},
       R"([{"id": 1, "w": "one", "v": 100}, {"id": 2, "w": "two", "v": 200},
           {"id": 2, "w": "two again", "v": 201}, {"id": 7, "w": "seven", "v": 700},
           {"id": null, "w": "null id", "v": null}])"},
      {"s", {{"id", int64()}, {"name", utf8()}}, R"([{"id": 1, "name": "x"}, {"id": 3, "name": "y"}])"},
      {"s32",
       {{"id", int32()}, {"f", float64()}, {"tag", utf8()}, {"ok", boolean()},
        {"ts", timestamp(TimeUnit::MICRO)}, {"amount", money}},
       R"([{"id": 1, "f": 1.0, "tag": "p", "ok": true, "ts": 0, "amount": "1.25"},
           {"id": null, "f": 4.0, "tag": null, "ok": null, "ts": null, "amount": null}])"},
      {"empty", {{"id", int64()}, {"v", int64()}}, "[]"},
      {"region", {{"r_regionkey", int64()}, {"r_name", utf8()}, {"r_comment", utf8()}}, "[]"},
      {"nation",
       {{"n_nationkey", int64()}, {"n_name", utf8()}, {"n_regionkey", int64()}, {"n_comment", utf8()}},
       "[]"},
      {"supplier",
       {{"s_suppkey", int64()}, {"s_name", utf8()}, {"s_address", utf8()}, {"s_nationkey", int64()},
        {"s_phone", utf8()}, {"s_acctbal", money}, {"s_comment", utf8()}},
       "[]"},
      {"customer",
       {{"c_custkey", int64()}, {"c_name", utf8()}, {"c_address", utf8()}, {"c_nationkey", int64()},
        {"c_phone", utf8()}, {"c_acctbal", money}, {"c_mktsegment", utf8()}, {"c_comment", utf8()}},
       "[]"},
      {"part",
       {{"p_partkey", int64()}, {"p_name", utf8()}, {"p_mfgr", utf8()}, {"p_brand", utf8()},
        {"p_type", utf8()}, {"p_size", int32()}, {"p_container", utf8()}, {"p_retailprice", money},
        {"p_comment", utf8()}},
       "[]"},
      {"partsupp",
       {{"ps_partkey", int64()}, {"ps_suppkey", int64()}, {"ps_availqty", int32()},
        {"ps_supplycost", money}, {"ps_comment", utf8()}},
       "[]"},
      {"orders",
       {{"o_orderkey", int64()}, {"o_custkey", int64()}, {"o_orderstatus", utf8()},
        {"o_totalprice", money}, {"o_orderdate", date32()}, {"o_orderpriority", utf8()},
        {"o_clerk", utf8()}, {"o_shippriority", int32()}, {"o_comment", utf8()}},
       "[]"},
      {"lineitem",
       {{"l_orderkey", int64()}, {"l_partkey", int64()}, {"l_suppkey", int64()},
        {"l_linenumber", int32()}, {"l_quantity", money}, {"l_extendedprice", money},
        {"l_discount", money}, {"l_tax", money}, {"l_returnflag", utf8()}, {"l_linestatus", utf8()},
        {"l_shipdate", date32()}, {"l_commitdate", date32()}, {"l_receiptdate", date32()},
        {"l_shipinstruct", utf8()}, {"l_shipmode", utf8()}, {"l_comment", utf8()}},
       "[]"},
  };
}

std::shared_ptr<ferry::SessionContext> MakeSession() {
  ferry::SessionConfig config;
  config.target_partitions = 2;
  auto session = ferry::SessionContext::Make(config);
  for (const auto& spec : Tables()) {
    arrow::FieldVector fields;
    for (const auto& [name, type] : spec.columns) fields.push_back(arrow::field(name, type));
    auto schema = arrow::schema(fields);
    auto rows = arrow::json::ArrayFromJSONString(arrow::struct_(fields), spec.rows_json).ValueOrDie();
    auto batch = arrow::RecordBatch::FromStructArray(rows).ValueOrDie();
    batch = arrow::RecordBatch::Make(schema, batch->num_rows(), batch->columns());
    std::vector<ferry::BatchVector> partitions;
    if (batch->num_rows() > 0) partitions.push_back({batch});
    auto table = ferry::MakeMemoryTable(schema, std::move(partitions)).ValueOrDie();
    FERRY_FUZZ_CHECK(session->RegisterTable(spec.name, table).ok(), "the fuzz catalog registers");
  }
  return session;
}

// The session's tables as SQL sees them (read-only: no view is ever added).
class FuzzCatalog final : public ferry::sql::Catalog {
 public:
  explicit FuzzCatalog(std::shared_ptr<ferry::SessionContext> session) : session_(std::move(session)) {}
  ferry::Result<ferry::PlanPtr> TablePlan(const std::string& name) const override {
    FERRY_ASSIGN_OR_RAISE(auto table, session_->GetTable(name));
    return ferry::plan::Scan(name, table);
  }
  std::vector<std::string> TableNames() const override { return session_->TableNames(); }
  const ferry::FunctionRegistry& functions() const override { return session_->functions(); }
  int target_partitions() const override { return 2; }
  const ferry::SessionContext& session() const { return *session_; }

 private:
  std::shared_ptr<ferry::SessionContext> session_;
};

// The plan a statement binds to; null for those without one (DROP, CREATE
// EXTERNAL TABLE).
ferry::PlanPtr BoundPlan(const ferry::sql::Statement& statement) {
  if (const auto* s = std::get_if<ferry::sql::QueryStatement>(&statement)) return s->plan;
  if (const auto* s = std::get_if<ferry::sql::ExplainStatement>(&statement)) return s->plan;
  if (const auto* s = std::get_if<ferry::sql::CreateViewStatement>(&statement)) return s->plan;
  if (const auto* s = std::get_if<ferry::sql::CreateTableAsStatement>(&statement)) return s->plan;
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const FuzzCatalog catalog(MakeSession());
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto statement = ferry::sql::BindStatement(text, catalog);
  if (!statement.ok()) return 0;
  const ferry::PlanPtr plan = BoundPlan(*statement);
  if (plan == nullptr) return 0;
  (void)plan->ToString();
  auto optimized = ferry::Optimize(plan);
  if (!optimized.ok()) return 0;
  (void)(*optimized)->ToString();
  auto physical = ferry::CreatePhysicalPlan(**optimized, ferry::PlannerOptions{2});
  if (physical.ok()) (void)ferry::ExplainPhysical(**physical);
  auto bytes = catalog.session().EncodePlan(*plan);
  if (bytes.ok()) {
    auto back = catalog.session().DecodePlan(*bytes);
    FERRY_FUZZ_CHECK(back.ok(), "an encoded SQL plan decodes again");
  }
  return 0;
}
