// Comparisons of decimal128 values (= <> < <= > >=) on their 128-bit
// integers.
//
// Arrow's kernel compares decimals through an out-of-line operator per row
// and, for a literal of another scale, casts it per batch: ~9% of TPC-H Q6
// and Q19 (l_discount BETWEEN 0.05 AND 0.07, l_quantity < 24). Here both
// sides are lined up on their common scale once -- a constant when bound
// is a constant, a column by a power of ten per row only when its scale is
// the smaller -- and each row is one integer comparison written as a bit.

#include <algorithm>
#include <cstring>
#include <optional>

#include <arrow/util/bitmap_ops.h>

#include "ferry/function/arithmetic_internal.h"
#include "ferry/function/bind.h"

namespace ferry {
namespace arithmetic_internal {
namespace {

using int128 = __int128;

int128 PowerOfTen(int exponent) {
  int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

int ScaleOf(const arrow::DataType& type) {
  return static_cast<const arrow::Decimal128Type&>(type).scale();
}

// One side's values for a batch: an array's 16-byte integers, or a
// constant read with stride 0.
struct Operand {
  std::shared_ptr<arrow::ArrayData> data;  // keeps the array alive
  const uint8_t* values = nullptr;
  int64_t stride = 16;
  bool null = false;  // a NULL constant
  int128 constant = 0;
};

template <Operator kOp>
bool Holds(int128 a, int128 b) {
  if constexpr (kOp == Operator::kEq) return a == b;
  if constexpr (kOp == Operator::kNotEq) return a != b;
  if constexpr (kOp == Operator::kLt) return a < b;
  if constexpr (kOp == Operator::kLtEq) return a <= b;
  if constexpr (kOp == Operator::kGt) return a > b;
  return a >= b;
}

class DecimalComparison final : public PhysicalExpr {
 public:
  DecimalComparison(Operator op, const char* function, PhysicalExprPtr left,
                    PhysicalExprPtr right)
      : PhysicalExpr(arrow::boolean()), op_(op), function_(function), left_(std::move(left)),
        right_(std::move(right)) {
    const int l_scale = ScaleOf(*left_->type()), r_scale = ScaleOf(*right_->type());
    const int scale = std::max(l_scale, r_scale);
    left_factor_ = PowerOfTen(scale - l_scale);
    right_factor_ = PowerOfTen(scale - r_scale);
  }

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    FERRY_ASSIGN_OR_RAISE(auto left, left_->Evaluate(batch));
    FERRY_ASSIGN_OR_RAISE(auto right, right_->Evaluate(batch));
    const int64_t n = left.is_scalar() && right.is_scalar() ? 1 : batch.num_rows();
    FERRY_ASSIGN_OR_RAISE(auto l, Load(left, left_factor_));
    FERRY_ASSIGN_OR_RAISE(auto r, Load(right, right_factor_));
    FERRY_ASSIGN_OR_RAISE(auto out, Compare(l, r, n));
    if (left.is_scalar() && right.is_scalar()) return out->GetScalar(0);
    return out;
  }

  std::string ToString() const override {
    return std::string(function_) + "(" + left_->ToString() + ", " + right_->ToString() + ")";
  }

 private:
  // A constant is rescaled here, once per batch; an array keeps its factor
  // for the loop. Rescaling cannot overflow within the checked precision,
  // but a value beyond its declared precision is refused, not wrapped.
  Result<Operand> Load(const arrow::Datum& datum, int128 factor) const {
    Operand side;
    if (datum.is_scalar()) {
      const auto& scalar = static_cast<const arrow::Decimal128Scalar&>(*datum.scalar());
      side.null = !scalar.is_valid;
      side.stride = 0;
      if (scalar.is_valid) {
        std::memcpy(&side.constant, scalar.value.native_endian_bytes(), 16);
        if (__builtin_mul_overflow(side.constant, factor, &side.constant)) return Overflow();
      }
      return side;
    }
    side.data = datum.array();
    side.values = side.data->GetValues<uint8_t>(1, 0) + 16 * side.data->offset;
    return side;
  }

  Status Overflow() const {
    return Status::Invalid("evaluating ", ToString(),
                           ": a decimal value exceeds its type's precision");
  }

  Result<std::shared_ptr<arrow::Array>> Compare(const Operand& l, const Operand& r,
                                                int64_t n) const {
    if (l.null || r.null) return arrow::MakeArrayOfNull(arrow::boolean(), n);
    FERRY_ASSIGN_OR_RAISE(auto bits, arrow::AllocateBitmap(n));
    bool overflow = false;
    switch (op_) {
      case Operator::kEq:
        overflow = Fill<Operator::kEq>(l, r, n, bits->mutable_data());
        break;
      case Operator::kNotEq:
        overflow = Fill<Operator::kNotEq>(l, r, n, bits->mutable_data());
        break;
      case Operator::kLt:
        overflow = Fill<Operator::kLt>(l, r, n, bits->mutable_data());
        break;
      case Operator::kLtEq:
        overflow = Fill<Operator::kLtEq>(l, r, n, bits->mutable_data());
        break;
      case Operator::kGt:
        overflow = Fill<Operator::kGt>(l, r, n, bits->mutable_data());
        break;
      default:
        overflow = Fill<Operator::kGtEq>(l, r, n, bits->mutable_data());
        break;
    }
    FERRY_ASSIGN_OR_RAISE(auto validity, Validity(l, r, n));
    // A NULL row's leftover bytes may not rescale; only a valid row's count.
    if (overflow && (!validity || HasValidOverflow(l, r, n, validity->data()))) {
      return Overflow();
    }
    const int64_t nulls = validity ? n - arrow::internal::CountSetBits(validity->data(), 0, n) : 0;
    return std::make_shared<arrow::BooleanArray>(n, std::move(bits), std::move(validity), nulls);
  }

  int128 ValueAt(const Operand& side, int64_t i) const {
    if (side.stride == 0) return side.constant;
    int128 v;
    std::memcpy(&v, side.values + 16 * i, 16);
    return v;
  }

  // Writes row i's result to bit i; true when rescaling some row overflowed.
  template <Operator kOp>
  bool Fill(const Operand& l, const Operand& r, int64_t n, uint8_t* bits) const {
    const bool rescale = (l.stride != 0 && left_factor_ != 1) || (r.stride != 0 && right_factor_ != 1);
    return rescale ? FillRows<kOp, true>(l, r, n, bits) : FillRows<kOp, false>(l, r, n, bits);
  }

  template <Operator kOp, bool kRescale>
  bool FillRows(const Operand& l, const Operand& r, int64_t n, uint8_t* bits) const {
    // Constants are read from locals with stride 0, so both sides load alike.
    const int128 l_constant = l.constant, r_constant = r.constant;
    const uint8_t* lp = l.stride ? l.values : reinterpret_cast<const uint8_t*>(&l_constant);
    const uint8_t* rp = r.stride ? r.values : reinterpret_cast<const uint8_t*>(&r_constant);
    const int128 lf = l.stride ? left_factor_ : 1, rf = r.stride ? right_factor_ : 1;
    bool overflow = false;
    for (int64_t start = 0; start < n; start += 8) {
      const int64_t end = std::min(n, start + 8);
      uint8_t byte = 0;
      for (int64_t i = start; i < end; ++i) {
        int128 a, b;
        std::memcpy(&a, lp + l.stride * i, 16);
        std::memcpy(&b, rp + r.stride * i, 16);
        if constexpr (kRescale) {
          overflow |= __builtin_mul_overflow(a, lf, &a);
          overflow |= __builtin_mul_overflow(b, rf, &b);
        }
        byte |= static_cast<uint8_t>(Holds<kOp>(a, b)) << (i - start);
      }
      bits[start / 8] = byte;
    }
    return overflow;
  }

  bool HasValidOverflow(const Operand& l, const Operand& r, int64_t n,
                        const uint8_t* valid) const {
    for (int64_t i = 0; i < n; ++i) {
      if (!arrow::bit_util::GetBit(valid, i)) continue;
      int128 unused;
      if ((l.stride && __builtin_mul_overflow(ValueAt(l, i), left_factor_, &unused)) ||
          (r.stride && __builtin_mul_overflow(ValueAt(r, i), right_factor_, &unused))) {
        return true;
      }
    }
    return false;
  }

  // The arrays' validity ANDed, from bit 0; nullptr when every row is valid.
  static Result<std::shared_ptr<arrow::Buffer>> Validity(const Operand& l, const Operand& r,
                                                         int64_t n) {
    auto bitmap = [](const Operand& side) -> const arrow::ArrayData* {
      return side.data && side.data->GetNullCount() > 0 ? side.data.get() : nullptr;
    };
    const arrow::ArrayData* a = bitmap(l);
    const arrow::ArrayData* b = bitmap(r);
    if (a && b) {
      return arrow::internal::BitmapAnd(arrow::default_memory_pool(), a->buffers[0]->data(),
                                        a->offset, b->buffers[0]->data(), b->offset, n, 0);
    }
    if (a || b) {
      const auto* one = a ? a : b;
      return arrow::internal::CopyBitmap(arrow::default_memory_pool(), one->buffers[0]->data(),
                                         one->offset, n);
    }
    return nullptr;
  }

  Operator op_;
  const char* function_;
  PhysicalExprPtr left_;
  PhysicalExprPtr right_;
  int128 left_factor_;
  int128 right_factor_;
};

}  // namespace

Result<PhysicalExprPtr> BindDecimalComparison(const std::string& function, PhysicalExprPtr left,
                                              PhysicalExprPtr right, const std::string& display) {
  std::optional<Operator> op;
  for (Operator candidate : {Operator::kEq, Operator::kNotEq, Operator::kLt, Operator::kLtEq,
                             Operator::kGt, Operator::kGtEq}) {
    if (function == ComparisonFunction(candidate)) op = candidate;
  }
  if (!op) return nullptr;
  const bool l_decimal = left->type()->id() == arrow::Type::DECIMAL128;
  const bool r_decimal = right->type()->id() == arrow::Type::DECIMAL128;
  if (!l_decimal && !r_decimal) return nullptr;
  // An integer side becomes decimal(digits, 0), exactly, as Arrow's own
  // comparison would cast it.
  auto as_decimal = [&](PhysicalExprPtr side) -> Result<PhysicalExprPtr> {
    const auto id = side->type()->id();
    if (id == arrow::Type::DECIMAL128) return side;
    if (!arrow::is_integer(id)) return nullptr;
    const int digits = arrow::bit_width(id) == 8    ? 3
                       : arrow::bit_width(id) == 16 ? 5
                       : arrow::bit_width(id) == 32 ? 10
                                                    : 20;
    return MakeCast(std::move(side), arrow::decimal128(digits, 0), display);
  };
  FERRY_ASSIGN_OR_RAISE(left, as_decimal(std::move(left)));
  FERRY_ASSIGN_OR_RAISE(right, as_decimal(std::move(right)));
  if (!left || !right) return nullptr;
  const auto& l = static_cast<const arrow::Decimal128Type&>(*left->type());
  const auto& r = static_cast<const arrow::Decimal128Type&>(*right->type());
  // Lined up on the larger scale, every declared value must fit 38 digits
  // (wider pairs go to decimal256 in WidenDecimalComparison).
  const int scale = std::max(l.scale(), r.scale());
  const int digits = std::max(l.precision() - l.scale(), r.precision() - r.scale()) + scale;
  if (l.scale() < 0 || r.scale() < 0 || scale > 38 || digits > 38) return nullptr;
  return std::make_shared<DecimalComparison>(*op, ComparisonFunction(*op), std::move(left),
                                             std::move(right));
}

}  // namespace arithmetic_internal
}  // namespace ferry
