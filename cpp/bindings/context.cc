// ferry._core.SessionContext: tables, functions and configuration.

#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "codec.h"
#include "ferry/serde/expr_serde.h"
#include "errors.h"
#include "execution_plan.h"
#include "python_gil.h"
#include "ferry/session/dataframe.h"
#include "ferry/session/session_context.h"
#include "module.h"

namespace ferry::bindings {
namespace {

using ContextPtr = std::shared_ptr<SessionContext>;

std::shared_ptr<const TableProvider> TableFromStream(SessionContext& ctx, nb::handle data) {
  auto [schema, batches] = ImportStream(data);
  auto partitions = SplitIntoPartitions(batches, ctx.target_partitions());
  return Unwrap(MakeMemoryTable(std::move(schema), std::move(partitions)));
}

std::shared_ptr<const TableProvider> TableFromBatches(const std::vector<std::vector<nb::object>>& partitions,
                                                      nb::handle schema_obj) {
  std::vector<BatchVector> imported;
  std::shared_ptr<arrow::Schema> schema;
  if (!schema_obj.is_none()) {
    auto field = ImportField(schema_obj);
    schema = arrow::schema(field->type()->fields());
  }
  for (const auto& partition : partitions) {
    BatchVector batches;
    for (const auto& obj : partition) {
      auto batch = ImportRecordBatch(obj);
      if (!schema) schema = batch->schema();
      batches.push_back(std::move(batch));
    }
    imported.push_back(std::move(batches));
  }
  if (!schema) {
    throw nb::value_error("create_dataframe needs at least one record batch or a schema");
  }
  return Unwrap(MakeMemoryTable(std::move(schema), std::move(imported)));
}

// The limits as {"max_depth": ..., ...}, the names SessionConfig uses.
nb::dict DecodeLimitsDict(const DecodeLimits& limits) {
  nb::dict out;
  out["max_depth"] = limits.max_depth;
  out["max_bytes"] = limits.max_bytes;
  out["max_nodes"] = limits.max_nodes;
  out["max_functions"] = limits.max_functions;
  out["max_list_items"] = limits.max_list_items;
  return out;
}

// The defaults with `overrides` applied, checked; ValueError naming an
// unknown setting or an out-of-range value.
DecodeLimits DecodeLimitsFrom(nb::dict overrides) {
  DecodeLimits limits;
  for (auto [key, value] : overrides) {
    const std::string name = nb::cast<std::string>(key);
    const int64_t number = nb::cast<int64_t>(value);
    if (name == "max_depth") {
      // Out of int's range is out of the allowed range too: say so with
      // the value as given.
      if (number < 1 || number > kMaxDecodeDepth) {
        ThrowIfError(Status::Invalid("decode limit max_depth must be between 1 and ",
                                     kMaxDecodeDepth, ", got ", number));
      }
      limits.max_depth = static_cast<int>(number);
    } else if (name == "max_bytes") {
      limits.max_bytes = number;
    } else if (name == "max_nodes") {
      limits.max_nodes = number;
    } else if (name == "max_functions") {
      limits.max_functions = number;
    } else if (name == "max_list_items") {
      limits.max_list_items = number;
    } else {
      throw nb::value_error(("unknown decode limit '" + name + "'").c_str());
    }
  }
  ThrowIfError(ValidateDecodeLimits(limits));
  return limits;
}

}  // namespace

void RegisterContext(nb::module_& m) {
  m.def("decode_limits", [](nb::dict overrides) { return DecodeLimitsDict(DecodeLimitsFrom(overrides)); },
        nb::arg("overrides") = nb::dict());
  // Encoding with no session at hand: Python UDFs inline, the rest by name.
  m.def("encode_expr_default", [](const Expr& expr) {
    static const auto codec = MakePythonCodec(true, kDefaultInlineWarnBytes);
    auto bytes = Unwrap(EncodeExpr(expr, *codec));
    return nb::bytes(bytes.data(), bytes.size());
  });

  nb::class_<SessionContext>(m, "SessionContext")
      .def_static("make", [](int target_partitions, int64_t inline_warn_bytes,
                             int64_t inline_table_warn_bytes, int64_t max_encoded_plan_bytes,
                             nb::dict decode_limits, int64_t max_recursive_iterations,
                             int64_t max_recursive_rows) {
        SessionConfig config;
        config.target_partitions = target_partitions;
        config.inline_table_warn_bytes = inline_table_warn_bytes;
        config.max_encoded_plan_bytes = max_encoded_plan_bytes;
        config.decode_limits = DecodeLimitsFrom(decode_limits);
        config.max_recursive_iterations = max_recursive_iterations;
        config.max_recursive_rows = max_recursive_rows;
        return SessionContext::Make(config, MakePythonCodec(true, inline_warn_bytes));
      }, nb::arg("target_partitions") = 0, nb::arg("inline_warn_bytes") = kDefaultInlineWarnBytes,
         nb::arg("inline_table_warn_bytes") = SessionConfig{}.inline_table_warn_bytes,
         nb::arg("max_encoded_plan_bytes") = SessionConfig{}.max_encoded_plan_bytes,
         nb::arg("decode_limits") = nb::dict(),
         nb::arg("max_recursive_iterations") = SessionConfig{}.max_recursive_iterations,
         nb::arg("max_recursive_rows") = SessionConfig{}.max_recursive_rows)
      .def_prop_ro("decode_limits", [](ContextPtr self) {
        return DecodeLimitsDict(self->config().decode_limits);
      })
      .def("with_python_udf_inlining", [](ContextPtr self, bool enabled) {
        const auto& codec = *self->codec();
        return self->WithCodec(MakePythonCodec(enabled, InlineWarnBytes(codec), PayloadKeys(codec)));
      })
      .def("with_payload_keys", [](ContextPtr self, std::map<std::string, nb::bytes> keys,
                                   std::string sign_with) {
        std::map<std::string, std::string> secrets;
        for (const auto& [id, secret] : keys) {
          secrets[id] = std::string(static_cast<const char*>(secret.data()), secret.size());
        }
        auto keyring = Unwrap(PayloadKeyring::Make(std::move(secrets), std::move(sign_with)));
        const auto& codec = *self->codec();
        return self->WithCodec(MakePythonCodec(InliningEnabled(codec), InlineWarnBytes(codec),
                                               std::move(keyring)));
      })
      .def_prop_ro("payload_key_ids", [](ContextPtr self) {
        auto keys = PayloadKeys(*self->codec());
        return keys ? keys->key_ids() : std::vector<std::string>{};
      })
      .def_prop_ro("payload_signing_key_id", [](ContextPtr self) -> std::optional<std::string> {
        auto keys = PayloadKeys(*self->codec());
        if (!keys) return std::nullopt;
        return keys->signing_key_id();
      })
      .def_prop_ro("python_udf_inlining", [](ContextPtr self) {
        return InliningEnabled(*self->codec());
      })
      .def("encode_expr", [](ContextPtr self, const Expr& expr) {
        auto bytes = Unwrap(self->EncodeExpr(expr));
        return nb::bytes(bytes.data(), bytes.size());
      })
      .def("decode_expr", [](ContextPtr self, nb::bytes data) {
        return Unwrap(self->DecodeExpr(std::string_view(static_cast<const char*>(data.data()), data.size())));
      })
      .def("encode_plan", [](ContextPtr self, std::shared_ptr<LogicalPlan> plan, bool all_tables_by_name,
                             std::vector<std::string> tables_by_name) {
        std::vector<std::string> warnings;
        Result<std::string> bytes;
        {
          ReleasedGil released;  // Python UDFs pickle on the GIL themselves
          bytes = self->EncodePlan(*plan, &warnings,
                                   TablesByName{all_tables_by_name, std::move(tables_by_name)});
        }
        auto encoded = Unwrap(std::move(bytes));
        WarnAll(warnings);
        return nb::bytes(encoded.data(), encoded.size());
      }, nb::arg("plan"), nb::arg("all_tables_by_name") = false,
         nb::arg("tables_by_name") = std::vector<std::string>{})
      .def("decode_plan", [](ContextPtr self, nb::bytes data) {
        std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        Result<PlanPtr> plan;
        {
          ReleasedGil released;
          plan = self->DecodePlan(bytes);
        }
        return DataFrame(self, Unwrap(std::move(plan)));
      })
      .def("ship_table_by_name", [](ContextPtr self, const std::string& name, bool enabled) {
        ThrowIfError(self->ShipTableByName(name, enabled));
      })
      .def("tables_shipped_by_name", &SessionContext::TablesShippedByName)
      // Physical plans: one stage of a distributed query travels this way.
      .def("encode_physical_plan", [](ContextPtr self, const PlanHandle& plan, bool all_tables_by_name,
                                      std::vector<std::string> tables_by_name) {
        std::vector<std::string> warnings;
        auto bytes = Unwrap(WithoutGil([&] {
          return self->EncodeExecutionPlan(*plan.plan, &warnings,
                                           TablesByName{all_tables_by_name, std::move(tables_by_name)});
        }));
        WarnAll(warnings);
        return nb::bytes(bytes.data(), bytes.size());
      }, nb::arg("plan"), nb::arg("all_tables_by_name") = false,
         nb::arg("tables_by_name") = std::vector<std::string>{})
      .def("encode_physical_plan", [](ContextPtr self, const DataFrame& df) {
        std::vector<std::string> warnings;
        auto bytes = Unwrap(WithoutGil([&]() -> Result<std::string> {
          FERRY_ASSIGN_OR_RAISE(auto plan, df.CreatePhysicalPlan());
          return self->EncodeExecutionPlan(*plan, &warnings);
        }));
        WarnAll(warnings);
        return nb::bytes(bytes.data(), bytes.size());
      })
      .def("decode_physical_plan", [](ContextPtr self, nb::bytes data) {
        std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        return PlanHandle{Unwrap(WithoutGil([&] { return self->DecodeExecutionPlan(bytes); }))};
      })
      .def("execute_physical", [](ContextPtr self, nb::bytes data, int partition) {
        std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        auto plan = Unwrap(self->DecodeExecutionPlan(bytes));
        return ExecutePartition(*plan, partition);
      }, nb::arg("data"), nb::arg("partition"))
      .def_prop_ro("target_partitions", &SessionContext::target_partitions)
      .def("register_stream", [](ContextPtr self, const std::string& name, nb::handle data) {
        ThrowIfError(self->RegisterTable(name, TableFromStream(*self, data)));
      })
      .def("from_stream", [](ContextPtr self, nb::handle data, std::string label) {
        return Unwrap(self->Scan(TableFromStream(*self, data), std::move(label)));
      })
      .def("register_batches", [](ContextPtr self, const std::string& name,
                                  const std::vector<std::vector<nb::object>>& partitions,
                                  nb::handle schema) {
        ThrowIfError(self->RegisterTable(name, TableFromBatches(partitions, schema)));
      }, nb::arg("name"), nb::arg("partitions"), nb::arg("schema").none())
      .def("from_batches", [](ContextPtr self, const std::vector<std::vector<nb::object>>& partitions,
                              nb::handle schema, std::string label) {
        return Unwrap(self->Scan(TableFromBatches(partitions, schema), std::move(label)));
      }, nb::arg("partitions"), nb::arg("schema").none(), nb::arg("label"))
      .def("register_parquet", [](ContextPtr self, const std::string& name, const std::string& path) {
        ThrowIfError(WithoutGil([&]() -> Status {
          FERRY_ASSIGN_OR_RAISE(auto table, MakeParquetTable(path));
          return self->RegisterTable(name, table);
        }));
      })
      .def("read_parquet", [](ContextPtr self, const std::string& path) {
        return Unwrap(WithoutGil([&] { return self->ReadParquet(path); }));
      })
      .def("register_csv", [](ContextPtr self, const std::string& name, const std::string& path,
                              bool has_header, char delimiter) {
        ThrowIfError(WithoutGil([&]() -> Status {
          FERRY_ASSIGN_OR_RAISE(auto table, MakeCsvTable(path, CsvOptions{has_header, delimiter}));
          return self->RegisterTable(name, table);
        }));
      })
      .def("read_csv", [](ContextPtr self, const std::string& path, bool has_header, char delimiter) {
        return Unwrap(WithoutGil([&] { return self->ReadCsv(path, CsvOptions{has_header, delimiter}); }));
      })
      .def("table", [](ContextPtr self, const std::string& name) { return Unwrap(self->Table(name)); })
      .def("sql", [](ContextPtr self, const std::string& query, bool allow_ddl, bool allow_dml,
                     bool allow_statements, std::map<std::string, Expr> values,
                     std::map<std::string, std::string> texts, std::map<std::string, DataFrame> frames) {
        sql::StatementParams params{std::move(values), std::move(texts), {}};
        for (const auto& [name, df] : frames) params.tables.emplace(name, df.plan());
        // CREATE TABLE ... AS runs its query, which may call Python UDFs.
        return Unwrap(WithoutGil([&] {
          return self->Sql(query, SqlOptions{allow_ddl, allow_dml, allow_statements}, params);
        }));
      })
      .def("register_view", [](ContextPtr self, const std::string& name, const DataFrame& df) {
        ThrowIfError(self->RegisterView(name, df.plan()));
      })
      .def("deregister_table", [](ContextPtr self, const std::string& name) {
        ThrowIfError(self->DeregisterTable(name));
      })
      .def("table_exist", &SessionContext::HasTable)
      .def("table_names", &SessionContext::TableNames)
      .def("register_udf", [](ContextPtr self, std::shared_ptr<ScalarFunction> func) {
        self->functions().AddScalar(std::move(func));
      })
      .def("register_udaf", [](ContextPtr self, std::shared_ptr<AggregateFunction> func) {
        self->functions().AddAggregate(std::move(func));
      })
      .def("register_udwf", [](ContextPtr self, std::shared_ptr<WindowFunction> func) {
        self->functions().AddWindow(std::move(func));
      })
      .def("deregister_udf", [](ContextPtr self, const std::string& name) {
        ThrowIfError(self->functions().Remove(name));
      })
      .def("scalar_function", [](ContextPtr self, const std::string& name) {
        return std::const_pointer_cast<ScalarFunction>(Unwrap(self->functions().GetScalar(name)));
      });
}

}  // namespace ferry::bindings
