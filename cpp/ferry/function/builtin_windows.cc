// Built-in window functions: ranking, offsets and frame values, computed a
// partition at a time over rows sorted by the window's ORDER BY.

#include <functional>

#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api.h>

#include "ferry/function/window_function.h"

namespace ferry {
namespace {

namespace cp = arrow::compute;
using Compute = std::function<Result<std::shared_ptr<arrow::Array>>(const WindowPartition&)>;

class LambdaEvaluator final : public WindowEvaluator {
 public:
  explicit LambdaEvaluator(Compute compute) : compute_(std::move(compute)) {}
  Result<std::shared_ptr<arrow::Array>> Evaluate(const WindowPartition& partition) override {
    return compute_(partition);
  }

 private:
  Compute compute_;
};

using EvaluatorFactory =
    std::function<Result<Compute>(const TypeVector& arg_types, const std::vector<Expr>& args)>;

class BuiltinWindow final : public WindowFunction {
 public:
  BuiltinWindow(std::string name, size_t min_args, size_t max_args,
                std::function<std::shared_ptr<arrow::DataType>(const TypeVector&)> return_type,
                EvaluatorFactory factory)
      : name_(std::move(name)), min_args_(min_args), max_args_(max_args),
        return_type_(std::move(return_type)), factory_(std::move(factory)) {}

  const std::string& name() const override { return name_; }

  Result<std::shared_ptr<arrow::DataType>> ReturnType(const TypeVector& arg_types) const override {
    if (arg_types.size() < min_args_ || arg_types.size() > max_args_) {
      return Status::Invalid(name_, " expects ", min_args_ == max_args_ ? "" : "between ",
                             min_args_, min_args_ == max_args_ ? "" : " and ",
                             min_args_ == max_args_ ? "" : std::to_string(max_args_),
                             " arguments, got ", arg_types.size());
    }
    return return_type_(arg_types);
  }

  Result<std::unique_ptr<WindowEvaluator>> MakeEvaluator(const TypeVector& arg_types,
                                                         const std::vector<Expr>& args) const override {
    FERRY_RETURN_NOT_OK(ReturnType(arg_types).status());
    FERRY_ASSIGN_OR_RAISE(auto compute, factory_(arg_types, args));
    return std::make_unique<LambdaEvaluator>(std::move(compute));
  }

 private:
  std::string name_;
  size_t min_args_;
  size_t max_args_;
  std::function<std::shared_ptr<arrow::DataType>(const TypeVector&)> return_type_;
  EvaluatorFactory factory_;
};

std::shared_ptr<arrow::DataType> UInt64Type(const TypeVector&) { return arrow::uint64(); }
std::shared_ptr<arrow::DataType> Float64Type(const TypeVector&) { return arrow::float64(); }
std::shared_ptr<arrow::DataType> FirstArgType(const TypeVector& types) { return types[0]; }

template <typename Builder, typename F>
Result<std::shared_ptr<arrow::Array>> Fill(int64_t n, F value_at) {
  Builder builder;
  FERRY_RETURN_NOT_OK(builder.Resize(n));
  for (int64_t i = 0; i < n; ++i) builder.UnsafeAppend(value_at(i));
  return builder.Finish();
}

// A ranking function: its value depends only on row positions and peers.
template <typename Builder, typename F>
EvaluatorFactory Ranking(F value_at) {
  return [value_at](const TypeVector&, const std::vector<Expr>&) -> Result<Compute> {
    return Compute([value_at](const WindowPartition& p) {
      return Fill<Builder>(p.num_rows, [&](int64_t i) { return value_at(p, i); });
    });
  };
}

Result<int64_t> LiteralInt(const std::vector<Expr>& args, size_t i, const char* function,
                           const char* what, int64_t fallback) {
  if (args.size() <= i) return fallback;
  const auto* literal = args[i].As<LiteralNode>();
  if (literal == nullptr || !literal->value->is_valid ||
      !arrow::is_integer(literal->value->type->id())) {
    return Status::TypeError(what, " of ", function, " must be a non-null integer literal");
  }
  FERRY_ASSIGN_OR_RAISE(auto value, literal->value->CastTo(arrow::int64()));
  return static_cast<const arrow::Int64Scalar&>(*value).value;
}

// Takes values[index[i]], NULL where index[i] is NULL.
Result<std::shared_ptr<arrow::Array>> TakeOrNull(const std::shared_ptr<arrow::Array>& values,
                                                 const std::vector<int64_t>& index) {
  arrow::Int64Builder builder;
  FERRY_RETURN_NOT_OK(builder.Resize(static_cast<int64_t>(index.size())));
  for (int64_t at : index) {
    if (at < 0) {
      builder.UnsafeAppendNull();
    } else {
      builder.UnsafeAppend(at);
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto indices, builder.Finish());
  FERRY_ASSIGN_OR_RAISE(auto taken, cp::Take(values, indices));
  return taken.make_array();
}

EvaluatorFactory Shift(int direction, const char* name) {
  return [direction, name](const TypeVector& types, const std::vector<Expr>& args) -> Result<Compute> {
    FERRY_ASSIGN_OR_RAISE(int64_t offset, LiteralInt(args, 1, name, "the offset", 1));
    std::shared_ptr<arrow::Scalar> fallback;
    if (args.size() > 2) {
      const auto* literal = args[2].As<LiteralNode>();
      if (literal == nullptr) {
        return Status::TypeError("the default value of ", name, " must be a literal");
      }
      if (literal->value->is_valid) {
        auto cast = literal->value->CastTo(types[0]);
        if (!cast.ok()) {
          return Status::TypeError("the default value of ", name, " (", literal->value->ToString(),
                                   ") does not fit its argument's type ", DisplayTypeName(*types[0]));
        }
        fallback = *cast;
      }
    }
    return Compute([=](const WindowPartition& p) -> Result<std::shared_ptr<arrow::Array>> {
      std::vector<int64_t> index(p.num_rows);
      std::vector<bool> outside(p.num_rows);
      for (int64_t i = 0; i < p.num_rows; ++i) {
        int64_t at = i - direction * offset;
        outside[i] = at < 0 || at >= p.num_rows;
        index[i] = outside[i] ? -1 : at;
      }
      FERRY_ASSIGN_OR_RAISE(auto shifted, TakeOrNull(p.args[0], index));
      if (!fallback) return shifted;
      // Only rows shifted past the partition take the default; a NULL
      // value inside it stays NULL.
      arrow::BooleanBuilder mask;
      FERRY_RETURN_NOT_OK(mask.Resize(p.num_rows));
      for (bool o : outside) mask.UnsafeAppend(o);
      FERRY_ASSIGN_OR_RAISE(auto outside_mask, mask.Finish());
      FERRY_ASSIGN_OR_RAISE(auto filled, cp::IfElse(outside_mask, fallback, shifted));
      return filled.make_array();
    });
  };
}

// first_value / last_value / nth_value: a row of the frame, or NULL.
EvaluatorFactory FrameValue(const char* name) {
  std::string which(name);
  return [which](const TypeVector&, const std::vector<Expr>& args) -> Result<Compute> {
    int64_t nth = 1;
    if (which == "nth_value") {
      FERRY_ASSIGN_OR_RAISE(nth, LiteralInt(args, 1, "nth_value", "n", 1));
      if (nth < 1) return Status::Invalid("n of nth_value must be at least 1, got ", nth);
    }
    return Compute([which, nth](const WindowPartition& p) -> Result<std::shared_ptr<arrow::Array>> {
      std::vector<int64_t> index(p.num_rows);
      for (int64_t i = 0; i < p.num_rows; ++i) {
        int64_t start = (*p.frame_start)[i];
        int64_t end = (*p.frame_end)[i];
        int64_t at = which == "last_value" ? end - 1 : start + nth - 1;
        index[i] = (start < end && at >= start && at < end) ? at : -1;
      }
      return TakeOrNull(p.args[0], index);
    });
  };
}

}  // namespace

std::vector<std::shared_ptr<const WindowFunction>> BuiltinWindowFunctions() {
  using P = const WindowPartition&;
  auto make = [](std::string name, size_t min_args, size_t max_args, auto return_type,
                 EvaluatorFactory factory) -> std::shared_ptr<const WindowFunction> {
    return std::make_shared<BuiltinWindow>(std::move(name), min_args, max_args, return_type,
                                           std::move(factory));
  };
  return {
      make("row_number", 0, 0, UInt64Type,
           Ranking<arrow::UInt64Builder>([](P, int64_t i) { return static_cast<uint64_t>(i + 1); })),
      make("rank", 0, 0, UInt64Type, Ranking<arrow::UInt64Builder>([](P p, int64_t i) {
             return static_cast<uint64_t>((*p.peer_start)[i] + 1);
           })),
      make("dense_rank", 0, 0, UInt64Type,
           [](const TypeVector&, const std::vector<Expr>&) -> Result<Compute> {
             return Compute([](const WindowPartition& p) {
               uint64_t rank = 0;
               return Fill<arrow::UInt64Builder>(p.num_rows, [&](int64_t i) {
                 if ((*p.peer_start)[i] == i) ++rank;
                 return rank;
               });
             });
           }),
      make("percent_rank", 0, 0, Float64Type, Ranking<arrow::DoubleBuilder>([](P p, int64_t i) {
             return p.num_rows <= 1 ? 0.0
                                    : static_cast<double>((*p.peer_start)[i]) / (p.num_rows - 1);
           })),
      make("cume_dist", 0, 0, Float64Type, Ranking<arrow::DoubleBuilder>([](P p, int64_t i) {
             return static_cast<double>((*p.peer_end)[i]) / p.num_rows;
           })),
      make("ntile", 1, 1, UInt64Type,
           [](const TypeVector&, const std::vector<Expr>& args) -> Result<Compute> {
             FERRY_ASSIGN_OR_RAISE(int64_t buckets, LiteralInt(args, 0, "ntile", "the bucket count", 1));
             if (buckets < 1) return Status::Invalid("ntile needs at least 1 bucket, got ", buckets);
             return Compute([buckets](const WindowPartition& p) {
               // SQL: the first n % buckets buckets hold one row more.
               const int64_t base = p.num_rows / buckets;
               const int64_t larger = p.num_rows % buckets;
               return Fill<arrow::UInt64Builder>(p.num_rows, [&](int64_t i) {
                 int64_t in_larger = larger * (base + 1);
                 int64_t bucket = i < in_larger ? i / (base + 1) : larger + (i - in_larger) / base;
                 return static_cast<uint64_t>(bucket + 1);
               });
             });
           }),
      make("lag", 1, 3, FirstArgType, Shift(+1, "lag")),
      make("lead", 1, 3, FirstArgType, Shift(-1, "lead")),
      make("first_value", 1, 1, FirstArgType, FrameValue("first_value")),
      make("last_value", 1, 1, FirstArgType, FrameValue("last_value")),
      make("nth_value", 2, 2, FirstArgType, FrameValue("nth_value")),
  };
}

}  // namespace ferry
