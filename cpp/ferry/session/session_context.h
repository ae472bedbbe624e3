#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ferry/common/status.h"
#include "ferry/exec/execution_plan.h"
#include "ferry/exec/recursive_query_exec.h"
#include "ferry/exec/tables.h"
#include "ferry/function/registry.h"
#include "ferry/plan/logical_plan.h"
#include "ferry/plan/table_provider.h"
#include "ferry/serde/decode_limits.h"
#include "ferry/serde/extension_codec.h"
#include "ferry/session/file_table_cache.h"
#include "ferry/serde/physical_serde.h"
#include "ferry/sql/placeholders.h"

namespace ferry {

class DataFrame;

/// What SessionContext::Sql may do besides queries (datafusion-python's
/// SQLOptions).
struct SqlOptions {
  bool allow_ddl = true;         ///< CREATE / DROP of tables and views
  bool allow_dml = true;         ///< INSERT into in-memory tables
  bool allow_statements = true;  ///< other statements (EXPLAIN counts as a query)
};

struct SessionConfig {
  /// Partitions scans aim for and threads that run them; 0: one per core.
  int target_partitions = 0;
  /// EncodePlan warns, once per table, when an in-memory table it carries
  /// inline takes more bytes than this.
  int64_t inline_table_warn_bytes = 64LL << 20;
  /// EncodePlan refuses a plan whose encoding takes more bytes than this,
  /// naming its largest parts (serde/plan_serde.h, PlanEncodeOptions).
  int64_t max_encoded_plan_bytes = 16LL << 20;
  /// Bounds DecodeExpr and DecodePlan enforce on every input this session
  /// decodes (check user-given values with ValidateDecodeLimits).
  DecodeLimits decode_limits;
  /// A WITH RECURSIVE query fails, naming the setting, once its recursive
  /// term has run this many times without reaching a fixpoint...
  int64_t max_recursive_iterations = RecursiveQueryLimits{}.max_iterations;
  /// ...or once it has produced more rows than this in all.
  int64_t max_recursive_rows = RecursiveQueryLimits{}.max_rows;
};

/// Which scans of an encoded plan refer to their table by name (resolved in
/// the receiver's catalog) instead of carrying it, beyond the tables the
/// session marks with ShipTableByName.
struct TablesByName {
  /// Every scan.
  bool all = false;
  /// Scans of these table names; each must be scanned by the plan.
  std::vector<std::string> names;
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
  /// Scans of tables marked with ShipTableByName or chosen by `by_name`
  /// refer to them by name. Invalid for a plan over the config's
  /// max_encoded_plan_bytes, or `by_name` naming a table the plan does not
  /// scan.
  Result<std::string> EncodePlan(const LogicalPlan& plan,
                                 std::vector<std::string>* warnings = nullptr,
                                 const TablesByName& by_name = {}) const;
  /// A plan from bytes, built through plan/builder.h: functions resolved as
  /// DecodeExpr resolves them, Parquet/CSV files reopened by path (IOError
  /// naming a missing file; a file this session opened before and that has
  /// not changed is not read again), in-memory tables rebuilt from their batches,
  /// tables sent by name found among this session's (KeyError naming a
  /// missing one, Invalid when its schema differs from the sender's);
  /// within the config's decode_limits.
  Result<PlanPtr> DecodePlan(std::string_view bytes) const;
  /// Marks (or, `enabled` false, unmarks) the registered table `name` so
  /// that every plan this session encodes refers to it by name instead of
  /// carrying it. KeyError when no table has that name.
  Status ShipTableByName(const std::string& name, bool enabled = true);
  /// The names marked by ShipTableByName, sorted.
  std::vector<std::string> TablesShippedByName() const;
  /// Wire format v1 bytes of a physical plan (serde/physical_serde.h):
  /// functions defined by this session's codec, tables as their sources.
  /// Invalid, naming the largest parts, over max_encoded_plan_bytes. Adds
  /// to `warnings` as EncodePlan does for its in-memory tables. Scans of
  /// registered tables marked with ShipTableByName or chosen by `by_name`
  /// refer to them by name (a scan of a table registered under no name
  /// carries its source); Invalid for `by_name` naming a table the plan
  /// does not scan (session_physical_encoding.cc).
  Result<std::string> EncodeExecutionPlan(const ExecutionPlan& plan,
                                          std::vector<std::string>* warnings = nullptr,
                                          const TablesByName& by_name = {}) const;
  /// How this session encodes physical plans (EncodeExecutionPlan, and a
  /// job's stages): scans of the tables ShipTableByName marks or `by_name`
  /// chooses by name, and a warning in `warnings` (when given), once per
  /// in-memory table, about each inline table over inline_table_warn_bytes.
  PhysicalEncodeOptions PhysicalEncodeOptionsFor(std::vector<std::string>* warnings,
                                                 const TablesByName& by_name = {}) const;
  /// A physical plan from bytes, every operator rebuilt as the planner
  /// builds it: functions resolved as DecodeExpr resolves them, tables
  /// opened as DecodePlan opens them (unchanged files not read again),
  /// stage inputs bound by
  /// `bind_stage_input` (unbound leaves by default).
  Result<ExecPtr> DecodeExecutionPlan(std::string_view bytes,
                                      const StageInputBinder& bind_stage_input = nullptr) const;
  /// How this session's decoders open a plan's tables (unchanged files
  /// not read again), for decoders outside the session (a job's stages).
  TableOpener DecodedTableOpener() const;
  /// The table a source describes, as a decoded plan opens it.
  static Result<std::shared_ptr<const TableProvider>> OpenTableSource(const TableSource& source);

  /// Registers (or replaces) a table under `name`.
  Status RegisterTable(const std::string& name, std::shared_ptr<const TableProvider> table);
  /// KeyError when no table has that name.
  Status DeregisterTable(const std::string& name);
  Result<std::shared_ptr<const TableProvider>> GetTable(const std::string& name) const;
  bool HasTable(const std::string& name) const;
  std::vector<std::string> TableNames() const;

  /// A DataFrame over table `name`; a view gives its plan.
  Result<DataFrame> Table(const std::string& name);
  /// Registers (or replaces) view `name` over `plan` (ViewTable).
  Status RegisterView(const std::string& name, PlanPtr plan);
  /// Runs one SQL statement (sql/statement.h): a query or EXPLAIN gives a
  /// lazy DataFrame; CREATE/DROP are carried out now and give an empty
  /// one. Errors as sql::BindStatement's, and Invalid naming a statement
  /// kind `options` forbids. `params` fills `$1` / `$name` placeholders
  /// (sql/placeholders.h).
  Result<DataFrame> Sql(const std::string& query, const SqlOptions& options = {},
                        const sql::StatementParams& params = {});
  /// Appends the rows of `rows` (shaped like the table) to in-memory table
  /// `name` (SQL INSERT); their count. Invalid for a view, NotImplemented
  /// for a file table, Invalid for a NULL in a non-nullable column.
  Result<uint64_t> InsertRows(const std::string& name, const PlanPtr& rows);
  /// A DataFrame over an unregistered provider (from_arrow, read_parquet).
  Result<DataFrame> Scan(std::shared_ptr<const TableProvider> table, std::string label);
  Result<DataFrame> ReadParquet(const std::string& path);
  Result<DataFrame> ReadCsv(const std::string& path, const CsvOptions& options);

 private:
  struct State {
    SessionConfig config;
    std::shared_ptr<FunctionRegistry> functions;
    std::mutex mutex;
    // Held from reading a table's batches to registering them with an
    // INSERT's rows, so concurrent INSERTs into one table all land.
    std::mutex insert_mutex;
    std::map<std::string, std::shared_ptr<const TableProvider>> tables;
    std::set<std::weak_ptr<const TableProvider>, std::owner_less<>> warned_inline_tables;
    // Physical plans carry a memory table's batches, not its provider: the
    // table is known by its first batch.
    std::set<std::weak_ptr<const arrow::RecordBatch>, std::owner_less<>> warned_inline_batches;
    std::set<std::string> tables_shipped_by_name;
    FileTableCache decoded_files;
  };
  SessionContext(std::shared_ptr<State> state, std::shared_ptr<const ExtensionCodec> codec)
      : state_(std::move(state)), codec_(std::move(codec)) {}

  std::shared_ptr<State> state_;
  std::shared_ptr<const ExtensionCodec> codec_;
};

}  // namespace ferry
