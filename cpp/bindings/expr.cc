// ferry._core.Expr: the core Expr, built and inspected from Python.

#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_interop.h"
#include "errors.h"
#include "ferry/expr/expr.h"
#include "ferry/function/registry.h"
#include "module.h"

namespace ferry::bindings {
namespace {

Operator OperatorFromSymbol(const std::string& symbol) {
  static const std::pair<const char*, Operator> kOps[] = {
      {"+", Operator::kAdd},  {"-", Operator::kSubtract}, {"*", Operator::kMultiply},
      {"/", Operator::kDivide}, {"%", Operator::kModulo}, {"=", Operator::kEq},
      {"!=", Operator::kNotEq}, {"<", Operator::kLt},     {"<=", Operator::kLtEq},
      {">", Operator::kGt},   {">=", Operator::kGtEq},    {"and", Operator::kAnd},
      {"or", Operator::kOr},
  };
  for (const auto& [name, op] : kOps) {
    if (symbol == name) return op;
  }
  throw nb::value_error(("unknown operator '" + symbol + "'").c_str());
}

std::string KindName(const Expr& expr) {
  static const char* kNames[] = {"Column",   "Literal",   "Alias",        "BinaryExpr",
                                 "Not",      "Negative",  "IsNull",       "Cast",
                                 "Case",     "InList",    "Between",      "Like",
                                 "ScalarFunction", "AggregateFunction", "Sort", "Wildcard",
                                 "WindowFunction", "Window"};
  return kNames[expr.node().value.index()];
}

WindowFrame::Bound MakeBound(const std::string& kind, nb::handle offset) {
  using Kind = WindowFrame::Bound::Kind;
  static const std::pair<const char*, Kind> kKinds[] = {
      {"unbounded_preceding", Kind::kUnboundedPreceding}, {"preceding", Kind::kPreceding},
      {"current_row", Kind::kCurrentRow}, {"following", Kind::kFollowing},
      {"unbounded_following", Kind::kUnboundedFollowing}};
  for (const auto& [name, value] : kKinds) {
    if (kind != name) continue;
    WindowFrame::Bound bound{value, nullptr};
    if (!offset.is_none()) bound.offset = Unwrap(ImportCheckedArray(offset)->GetScalar(0));
    return bound;
  }
  throw nb::value_error(("unknown window frame bound '" + kind + "'").c_str());
}

WindowFrame MakeFrame(const std::string& units, const std::string& start_kind, nb::handle start_offset,
                      const std::string& end_kind, nb::handle end_offset) {
  WindowFrame frame;
  if (units == "rows") {
    frame.units = WindowFrame::Units::kRows;
  } else if (units == "range") {
    frame.units = WindowFrame::Units::kRange;
  } else if (units == "groups") {
    frame.units = WindowFrame::Units::kGroups;
  } else {
    throw nb::value_error(("window frame units must be rows, range or groups, not '" + units + "'").c_str());
  }
  frame.start = MakeBound(start_kind, start_offset);
  frame.end = MakeBound(end_kind, end_offset);
  return frame;
}

Expr CallBuiltin(const std::string& name, std::vector<Expr> args, bool distinct) {
  const auto& builtins = BuiltinFunctions();
  if (auto scalar = builtins.GetScalar(name); scalar.ok()) {
    if (distinct) throw nb::value_error("distinct applies to aggregate functions only");
    return ScalarCall(*scalar, (*scalar)->name(), std::move(args));
  }
  auto aggregate = Unwrap(builtins.GetAggregate(name));
  return AggregateCall(aggregate, aggregate->name(), std::move(args), distinct);
}

}  // namespace

void RegisterExpr(nb::module_& m) {
  nb::class_<Expr>(m, "Expr")
      .def("to_string", &Expr::ToString)
      .def("schema_name", &Expr::SchemaName)
      .def("equals", &Expr::Equals)
      .def("kind", &KindName)
      .def("binary", [](const Expr& self, const std::string& op, const Expr& other) {
        return Binary(self, OperatorFromSymbol(op), other);
      })
      .def("not_", [](const Expr& self) { return Not(self); })
      .def("negative", [](const Expr& self) { return Negative(self); })
      .def("is_null", [](const Expr& self, bool negated) { return IsNull(self, negated); })
      .def("cast", [](const Expr& self, nb::handle type) { return Cast(self, ImportType(type)); })
      .def("alias", [](const Expr& self, std::string name) { return Alias(self, std::move(name)); })
      .def("in_list", [](const Expr& self, std::vector<Expr> list, bool negated) {
        return InList(self, std::move(list), negated);
      })
      .def("between", [](const Expr& self, const Expr& low, const Expr& high, bool negated) {
        return Between(self, low, high, negated);
      })
      .def("like", [](const Expr& self, const Expr& pattern, bool negated, bool case_insensitive) {
        return Like(self, pattern, negated, case_insensitive);
      })
      .def("sort", [](const Expr& self, bool ascending, bool nulls_first) {
        return Sort(self, ascending, nulls_first);
      })
      .def("over", [](const Expr& self, std::vector<Expr> partition_by, std::vector<Expr> order_by,
                      std::optional<std::string> units, const std::string& start_kind,
                      nb::handle start_offset, const std::string& end_kind, nb::handle end_offset) {
        const auto& function = Unaliased(self);
        if (!function.As<WindowCallNode>() && !function.As<AggregateCallNode>()) {
          throw nb::value_error(("over() needs a window function (row_number, lag, ...) or an "
                                 "aggregate, not " + self.ToString()).c_str());
        }
        std::optional<WindowFrame> frame;
        if (units) frame = MakeFrame(*units, start_kind, start_offset, end_kind, end_offset);
        return Window(function, std::move(partition_by), std::move(order_by), frame);
      }, nb::arg("partition_by"), nb::arg("order_by"), nb::arg("units").none(),
         nb::arg("start_kind"), nb::arg("start_offset").none(), nb::arg("end_kind"),
         nb::arg("end_offset").none())
      .def("unaliased", [](const Expr& self) { return Unaliased(self); })
      .def("window_function", [](const Expr& self) -> std::optional<Expr> {
        if (const auto* window = Unaliased(self).As<WindowNode>()) return window->function;
        return std::nullopt;
      })
      .def("column_name", [](const Expr& self) -> std::optional<std::string> {
        if (const auto* column = self.As<ColumnNode>()) return column->name;
        return std::nullopt;
      })
      .def("literal_value", [](const Expr& self) -> nb::object {
        const auto* literal = self.As<LiteralNode>();
        if (literal == nullptr) return nb::none();
        auto array = Unwrap(arrow::MakeArrayFromScalar(*literal->value, 1));
        return ExportArray(array)[nb::int_(0)];
      });

  m.def("col", [](std::string name, std::optional<std::string> relation) {
    return Col(std::move(name), std::move(relation));
  }, nb::arg("name"), nb::arg("relation") = nb::none());
  m.def("lit", [](nb::handle array) {
    // A one-element array carries any Arrow value, nested and temporal too.
    auto values = ImportCheckedArray(array);
    if (values->length() != 1) throw nb::value_error("lit expects a one-element array");
    return Lit(Unwrap(values->GetScalar(0)));
  });
  m.def("case", [](std::optional<Expr> base, std::vector<std::pair<Expr, Expr>> when_then,
                   std::optional<Expr> otherwise) {
    return Case(std::move(base), std::move(when_then), std::move(otherwise));
  });
  m.def("call_builtin", &CallBuiltin, nb::arg("name"), nb::arg("args"),
        nb::arg("distinct") = false);
  m.def("wildcard", &Wildcard);
  m.def("call_window", [](const std::string& name, std::vector<Expr> args) {
    auto func = Unwrap(BuiltinFunctions().GetWindow(name));
    return WindowCall(func, func->name(), std::move(args));
  });
  m.def("builtin_function_names", []() {
    auto names = BuiltinFunctions().ScalarNames();
    for (auto& name : BuiltinFunctions().AggregateNames()) names.push_back(name);
    return names;
  });
}

}  // namespace ferry::bindings
