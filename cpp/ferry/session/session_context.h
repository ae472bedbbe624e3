#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/exec/tables.h"
#include "ferry/function/registry.h"
#include "ferry/plan/logical_plan.h"
#include "ferry/plan/table_provider.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/serde/physical_serde.h"

namespace ferry {

class DataFrame;

struct SessionConfig {
  /// Partitions scans aim for and threads that run them; 0: one per core.
  int target_partitions = 0;
  /// EncodePlan warns, once per table, when an in-memory table it carries
  /// inline takes more bytes than this.
  int64_t inline_table_warn_bytes = 64LL << 20;
  /// Bounds DecodeExpr and DecodePlan enforce on every input this session
  /// decodes (check user-given values with ValidateDecodeLimits).
  DecodeLimits decode_limits;
};

/// A session: configuration, named tables, callable functions, and the
/// codec its expressions and plans travel with.
///
/// Thread-safe. DataFrames hold a shared_ptr to the session they came from.
class SessionContext : public std::enable_shared_from_this<SessionContext> {
 public:
  static std::shared_ptr<SessionContext> Make(
      SessionConfig config = {}, std::shared_ptr<const ExtensionCodec> codec = ByNameCodec());

  /// A session sharing this one's tables, functions and configuration (a
  /// registration in either shows in both) but using `codec`. This one is
  /// left untouched.
  std::shared_ptr<SessionContext> WithCodec(std::shared_ptr<const ExtensionCodec> codec) const;

  const SessionConfig& config() const { return state_->config; }
  int target_partitions() const;
  FunctionRegistry& functions() { return *state_->functions; }
  const FunctionRegistry& functions() const { return *state_->functions; }
  const std::shared_ptr<const ExtensionCodec>& codec() const { return codec_; }

  /// Wire format v1 bytes of `expr`, functions defined by this session's codec.
  Result<std::string> EncodeExpr(const Expr& expr) const;
  /// An expression from bytes, its functions resolved by this session's
  /// codec, then by name among its functions, within the config's
  /// decode_limits.
  Result<Expr> DecodeExpr(std::string_view bytes) const;

  /// Wire format v1 bytes of `plan` (serde/plan_serde.h): functions defined
  /// by this session's codec, tables as their sources. Adds to `warnings`
  /// (when given) a message for each in-memory table over the config's
  /// inline_table_warn_bytes not warned about before in this session.
  Result<std::string> EncodePlan(const LogicalPlan& plan,
                                 std::vector<std::string>* warnings = nullptr) const;
  /// A plan from bytes, built through plan/builder.h: functions resolved as
  /// DecodeExpr resolves them, Parquet/CSV files reopened by path (IOError
  /// naming a missing file), in-memory tables rebuilt from their batches;
  /// within the config's decode_limits.
  Result<PlanPtr> DecodePlan(std::string_view bytes) const;
  /// Wire format v1 bytes of a physical plan (serde/physical_serde.h):
  /// functions defined by this session's codec, tables as their sources.
  Result<std::string> EncodeExecutionPlan(const ExecutionPlan& plan) const;
  /// A physical plan from bytes, every operator rebuilt as the planner
  /// builds it: functions resolved as DecodeExpr resolves them, tables
  /// opened as DecodePlan opens them, stage inputs bound by
  /// `bind_stage_input` (unbound leaves by default).
  Result<ExecPtr> DecodeExecutionPlan(std::string_view bytes,
                                      const StageInputBinder& bind_stage_input = nullptr) const;
  /// The table a source describes, as a decoded plan opens it.
  static Result<std::shared_ptr<const TableProvider>> OpenTableSource(const TableSource& source);

  /// Registers (or replaces) a table under `name`.
  Status RegisterTable(const std::string& name, std::shared_ptr<const TableProvider> table);
  /// KeyError when no table has that name.
  Status DeregisterTable(const std::string& name);
  Result<std::shared_ptr<const TableProvider>> GetTable(const std::string& name) const;
  bool HasTable(const std::string& name) const;
  std::vector<std::string> TableNames() const;

  Result<DataFrame> Table(const std::string& name);
  /// A DataFrame over an unregistered provider (from_arrow, read_parquet).
  Result<DataFrame> Scan(std::shared_ptr<const TableProvider> table, std::string label);
  Result<DataFrame> ReadParquet(const std::string& path);
  Result<DataFrame> ReadCsv(const std::string& path, const CsvOptions& options);

 private:
  struct State {
    SessionConfig config;
    std::shared_ptr<FunctionRegistry> functions;
    std::mutex mutex;
    std::map<std::string, std::shared_ptr<const TableProvider>> tables;
    std::set<std::weak_ptr<const TableProvider>, std::owner_less<>> warned_inline_tables;
  };
  SessionContext(std::shared_ptr<State> state, std::shared_ptr<const ExtensionCodec> codec)
      : state_(std::move(state)), codec_(std::move(codec)) {}

  std::shared_ptr<State> state_;
  std::shared_ptr<const ExtensionCodec> codec_;
};

}  // namespace ferry
