#include "ferry/session/session_context.h"

#include <thread>

#include "ferry/function/bind.h"
#include "ferry/plan/builder.h"
#include "ferry/plan/view_table.h"
#include "ferry/common/overloaded.h"
#include "ferry/serde/expr_serde.h"
#include "ferry/serde/plan_inspection.h"
#include "ferry/serde/plan_serde.h"
#include "ferry/session/dataframe.h"

namespace ferry {

std::shared_ptr<SessionContext> SessionContext::Make(SessionConfig config,
                                                     std::shared_ptr<const ExtensionCodec> codec) {
  EnsureArrowCompute();
  auto state = std::make_shared<State>();
  state->config = config;
  state->functions = FunctionRegistry::MakeWithBuiltins();
  return std::shared_ptr<SessionContext>(new SessionContext(std::move(state), std::move(codec)));
}

std::shared_ptr<SessionContext> SessionContext::WithCodec(
    std::shared_ptr<const ExtensionCodec> codec) const {
  return std::shared_ptr<SessionContext>(new SessionContext(state_, std::move(codec)));
}

Result<std::string> SessionContext::EncodeExpr(const Expr& expr) const {
  return ferry::EncodeExpr(expr, *codec_);
}

Result<Expr> SessionContext::DecodeExpr(std::string_view bytes) const {
  return ferry::DecodeExpr(bytes, *codec_, functions(), UnknownFunctionPolicy::kError,
                           state_->config.decode_limits);
}

namespace {

void CollectScannedTables(const LogicalPlan& plan, std::set<std::string>* names) {
  if (const auto* scan = plan.As<ScanNode>()) names->insert(scan->table_name);
  for (const auto& input : plan.inputs()) CollectScannedTables(*input, names);
}

}  // namespace

Result<std::string> SessionContext::EncodePlan(const LogicalPlan& plan,
                                               std::vector<std::string>* warnings,
                                               const TablesByName& by_name) const {
  std::set<std::string> scanned;
  CollectScannedTables(plan, &scanned);
  for (const auto& name : by_name.names) {
    if (scanned.count(name) > 0) continue;
    std::string listed;
    for (const auto& table : scanned) listed += (listed.empty() ? "'" : ", '") + table + "'";
    return Status::Invalid("tables_by_name names '", name, "', which the plan does not scan; it scans ",
                           listed);
  }
  std::set<std::string> shipped_by_name(by_name.names.begin(), by_name.names.end());
  {
    std::lock_guard lock(state_->mutex);
    shipped_by_name.insert(state_->tables_shipped_by_name.begin(),
                           state_->tables_shipped_by_name.end());
  }
  const int64_t threshold = state_->config.inline_table_warn_bytes;
  auto warn_if_large = [&](const ScanNode& scan, int64_t bytes) {
    if (warnings == nullptr || bytes <= threshold) return;
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->warned_inline_tables.insert(scan.source).second) return;
    }
    warnings->push_back("in-memory table '" + scan.table_name + "' travels inline in the plan: " +
                        std::to_string(bytes) + " bytes (warning threshold " +
                        std::to_string(threshold) + "); write it to Parquet to ship it by path");
  };
  PlanEncodeOptions options;
  options.max_bytes = state_->config.max_encoded_plan_bytes;
  options.observe_inline_table = warn_if_large;
  options.table_by_name = [&](const ScanNode& scan) {
    return by_name.all || shipped_by_name.count(scan.table_name) > 0;
  };
  return ferry::EncodePlan(plan, *codec_, options);
}

Result<PlanPtr> SessionContext::DecodePlan(std::string_view bytes) const {
  auto open = [this](const TableSource& source) { return state_->decoded_files.Open(source); };
  return ferry::DecodePlan(bytes, *codec_, functions(), open, state_->config.decode_limits,
                           [this](const std::string& name) { return GetTable(name); });
}

Status SessionContext::ShipTableByName(const std::string& name, bool enabled) {
  std::lock_guard lock(state_->mutex);
  if (!enabled) {
    state_->tables_shipped_by_name.erase(name);
    return Status::OK();
  }
  if (state_->tables.count(name) == 0) {
    return Status::KeyError("cannot ship table '", name, "' by name: no table has that name");
  }
  state_->tables_shipped_by_name.insert(name);
  return Status::OK();
}

std::vector<std::string> SessionContext::TablesShippedByName() const {
  std::lock_guard lock(state_->mutex);
  return {state_->tables_shipped_by_name.begin(), state_->tables_shipped_by_name.end()};
}

Result<ExecPtr> SessionContext::DecodeExecutionPlan(std::string_view bytes,
                                                    const StageInputBinder& bind_stage_input) const {
  return ferry::DecodePhysicalPlan(bytes, *codec_, functions(), DecodedTableOpener(),
                                   state_->config.decode_limits, bind_stage_input,
                                   [this](const std::string& name) { return GetTable(name); });
}

TableOpener SessionContext::DecodedTableOpener() const {
  return [state = state_](const TableSource& source) { return state->decoded_files.Open(source); };
}

Result<std::shared_ptr<const TableProvider>> SessionContext::OpenTableSource(
    const TableSource& source) {
  return std::visit(
      Overloaded{
          [](const ParquetFileSource& s) { return MakeParquetTable(s.path); },
          [](const CsvFileSource& s) {
            return MakeCsvTable(s.path, CsvOptions{s.has_header, s.delimiter});
          },
          [](const InMemorySource& s) { return MakeMemoryTable(s.schema, s.partitions); },
      },
      source);
}

int SessionContext::target_partitions() const {
  const auto& config = state_->config;
  if (config.target_partitions > 0) return config.target_partitions;
  return std::max(1u, std::thread::hardware_concurrency());
}

Status SessionContext::RegisterTable(const std::string& name,
                                     std::shared_ptr<const TableProvider> table) {
  if (name.empty()) return Status::Invalid("a table name must not be empty");
  std::lock_guard lock(state_->mutex);
  state_->tables[name] = std::move(table);
  return Status::OK();
}

Status SessionContext::DeregisterTable(const std::string& name) {
  std::lock_guard lock(state_->mutex);
  if (state_->tables.erase(name) == 0) return Status::KeyError("no table named '", name, "'");
  return Status::OK();
}

Result<std::shared_ptr<const TableProvider>> SessionContext::GetTable(
    const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->tables.find(name);
  if (it != state_->tables.end()) return it->second;
  std::string known;
  for (const auto& [table, _] : state_->tables) known += (known.empty() ? "" : ", ") + table;
  return Status::KeyError("no table named '", name, "'; registered tables: ",
                          known.empty() ? "(none)" : known);
}

bool SessionContext::HasTable(const std::string& name) const {
  std::lock_guard lock(state_->mutex);
  return state_->tables.count(name) > 0;
}

std::vector<std::string> SessionContext::TableNames() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> names;
  for (const auto& [name, _] : state_->tables) names.push_back(name);
  return names;
}

Result<DataFrame> SessionContext::Table(const std::string& name) {
  FERRY_ASSIGN_OR_RAISE(auto table, GetTable(name));
  if (auto view = ViewPlan(*table)) return DataFrame(shared_from_this(), std::move(view));
  return Scan(std::move(table), name);
}

Status SessionContext::RegisterView(const std::string& name, PlanPtr plan) {
  return RegisterTable(name, std::make_shared<ViewTable>(std::move(plan)));
}

Result<DataFrame> SessionContext::Scan(std::shared_ptr<const TableProvider> table,
                                       std::string label) {
  FERRY_ASSIGN_OR_RAISE(auto plan, plan::Scan(std::move(label), std::move(table)));
  return DataFrame(shared_from_this(), std::move(plan));
}

Result<DataFrame> SessionContext::ReadParquet(const std::string& path) {
  FERRY_ASSIGN_OR_RAISE(auto table, MakeParquetTable(path));
  return Scan(std::move(table), path);
}

Result<DataFrame> SessionContext::ReadCsv(const std::string& path, const CsvOptions& options) {
  FERRY_ASSIGN_OR_RAISE(auto table, MakeCsvTable(path, options));
  return Scan(std::move(table), path);
}

}  // namespace ferry
