// Decimal128 + - * computed on 128-bit integers with overflow checks.
//
// Arrow's decimal kernels declare the uncapped SQL result width (e.g.
// decimal(48, 6) for a triple product of decimal(15, 2)s), which past 38
// digits forces the work into decimal256 and a cast back: in TPC-H Q1 that
// was a third of the query. Like DataFusion, ferry caps the declared
// precision at 38 and checks the values instead, so the arithmetic stays in
// 128 bits; a value that does not fit is an error, never a wrapped number.
//
// Most decimals in practice hold values that fit 64 bits (TPC-H's prices
// are below 10^9), and 64-bit overflow checks are single flags where
// 128-bit ones are branches: a batch whose operands all fit is computed in
// int64 first, and only a batch where some row overflowed 64 bits (or the
// result's digits) is recomputed exactly in 128 bits, which also decides
// whether that is an error (a NULL row's leftover bytes may overflow
// harmlessly). TPC-H Q1's three products: 12% of the query's CPU before.

#include <algorithm>
#include <cstring>
#include <limits>

#include <arrow/util/bitmap_ops.h>

#include "ferry/function/arithmetic_internal.h"

namespace ferry {
namespace arithmetic_internal {
namespace {

using int128 = __int128;

// 10^0 .. 10^38.
struct Powers {
  int128 value[39];
  Powers() {
    value[0] = 1;
    for (int i = 1; i < 39; ++i) value[i] = value[i - 1] * 10;
  }
};
const Powers kPowers;

class DecimalArithmetic final : public PhysicalExpr {
 public:
  DecimalArithmetic(Operator op, PhysicalExprPtr left, PhysicalExprPtr right, int out_precision,
                    int out_scale, std::string display)
      : PhysicalExpr(arrow::decimal128(out_precision, out_scale)),
        op_(op), left_(std::move(left)), right_(std::move(right)),
        limit_(kPowers.value[out_precision]), display_(std::move(display)) {
    constexpr int128 kInt64Max = std::numeric_limits<int64_t>::max();
    narrow_limit_ = static_cast<int64_t>(std::min(limit_, kInt64Max));
    const int l_scale = static_cast<const arrow::Decimal128Type&>(*left_->type()).scale();
    const int r_scale = static_cast<const arrow::Decimal128Type&>(*right_->type()).scale();
    // + and - line both operands up on the result's scale; * adds scales.
    if (op_ != Operator::kMultiply) {
      left_factor_ = kPowers.value[out_scale - l_scale];
      right_factor_ = kPowers.value[out_scale - r_scale];
    }
    narrow_ok_ = left_factor_ <= kInt64Max && right_factor_ <= kInt64Max;
  }

  Result<arrow::Datum> Evaluate(const arrow::RecordBatch& batch) const override {
    FERRY_ASSIGN_OR_RAISE(auto left, left_->Evaluate(batch));
    FERRY_ASSIGN_OR_RAISE(auto right, right_->Evaluate(batch));
    if (left.is_scalar() && right.is_scalar()) {
      FERRY_ASSIGN_OR_RAISE(auto l, arrow::MakeArrayFromScalar(*left.scalar(), 1));
      FERRY_ASSIGN_OR_RAISE(auto r, arrow::MakeArrayFromScalar(*right.scalar(), 1));
      FERRY_ASSIGN_OR_RAISE(auto out, Compute(Operand(*l), Operand(*r), 1));
      return out->GetScalar(0);
    }
    const int64_t n = batch.num_rows();
    auto operand = [&](const arrow::Datum& d) -> Result<Side> {
      if (d.is_scalar()) {
        const auto& scalar = static_cast<const arrow::Decimal128Scalar&>(*d.scalar());
        Side side;
        side.constant = true;
        side.null = !scalar.is_valid;
        if (scalar.is_valid) std::memcpy(&side.value, scalar.value.native_endian_bytes(), 16);
        return side;
      }
      return Operand(*d.make_array());
    };
    FERRY_ASSIGN_OR_RAISE(auto l, operand(left));
    FERRY_ASSIGN_OR_RAISE(auto r, operand(right));
    return Compute(l, r, n);
  }

  std::string ToString() const override {
    return std::string("decimal_") +
           (op_ == Operator::kAdd ? "add" : op_ == Operator::kSubtract ? "subtract" : "multiply") +
           "(" + left_->ToString() + ", " + right_->ToString() + ")";
  }

 private:
  // One operand: an array's values and validity, or a constant.
  struct Side {
    std::shared_ptr<arrow::Array> array;
    const uint8_t* values = nullptr;  // 16-byte little-endian integers
    bool constant = false;
    bool null = false;
    int128 value = 0;

    int128 At(int64_t i) const {
      if (constant) return value;
      int128 v;
      std::memcpy(&v, values + 16 * i, 16);
      return v;
    }
  };

  static Side Operand(const arrow::Array& array) {
    Side side;
    side.array = arrow::MakeArray(array.data());
    side.values = array.data()->GetValues<uint8_t>(1, 0) + 16 * array.offset();
    return side;
  }

  Result<std::shared_ptr<arrow::Array>> Compute(const Side& l, const Side& r, int64_t n) const {
    if ((l.constant && l.null) || (r.constant && r.null)) {
      return arrow::MakeArrayOfNull(type(), n);
    }
    FERRY_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * 16));
    auto* out = values->mutable_data();
    // Validity: both operands' bitmaps ANDed (a constant has none).
    std::shared_ptr<arrow::Buffer> validity;
    const arrow::Array* la = l.constant ? nullptr : l.array.get();
    const arrow::Array* ra = r.constant ? nullptr : r.array.get();
    const bool l_nulls = la && la->null_count() > 0, r_nulls = ra && ra->null_count() > 0;
    if (l_nulls && r_nulls) {
      FERRY_ASSIGN_OR_RAISE(validity, arrow::internal::BitmapAnd(
                                          arrow::default_memory_pool(), la->null_bitmap_data(),
                                          la->offset(), ra->null_bitmap_data(), ra->offset(), n, 0));
    } else if (l_nulls || r_nulls) {
      const auto* a = l_nulls ? la : ra;
      FERRY_ASSIGN_OR_RAISE(validity, arrow::internal::CopyBitmap(arrow::default_memory_pool(),
                                                                  a->null_bitmap_data(),
                                                                  a->offset(), n));
    }
    const uint8_t* valid = validity ? validity->data() : nullptr;
    if (!(narrow_ok_ && ComputeNarrow(l, r, n, out))) {
      FERRY_RETURN_NOT_OK(ComputeWide(l, r, n, valid, out));
    }
    const int64_t nulls = validity ? n - arrow::internal::CountSetBits(valid, 0, n) : 0;
    return std::make_shared<arrow::Decimal128Array>(type(), n, std::move(values),
                                                     std::move(validity), nulls);
  }

  // The batch in int64, every row (NULL or not); false when any operand or
  // result does not fit, leaving `out` for ComputeWide to overwrite.
  bool ComputeNarrow(const Side& l, const Side& r, int64_t n, uint8_t* out) const {
    // A constant is read with stride 0 from a copy of its bytes.
    int128 l_constant = l.value, r_constant = r.value;
    const uint8_t* lp = l.constant ? reinterpret_cast<const uint8_t*>(&l_constant) : l.values;
    const uint8_t* rp = r.constant ? reinterpret_cast<const uint8_t*>(&r_constant) : r.values;
    const int64_t ls = l.constant ? 0 : 16, rs = r.constant ? 0 : 16;
    switch (op_) {
      case Operator::kAdd:
        return NarrowLoop<Operator::kAdd>(lp, ls, rp, rs, n, out);
      case Operator::kSubtract:
        return NarrowLoop<Operator::kSubtract>(lp, ls, rp, rs, n, out);
      default:
        return NarrowLoop<Operator::kMultiply>(lp, ls, rp, rs, n, out);
    }
  }

  template <Operator kOp>
  bool NarrowLoop(const uint8_t* lp, int64_t ls, const uint8_t* rp, int64_t rs, int64_t n,
                  uint8_t* out) const {
    const auto lf = static_cast<int64_t>(left_factor_), rf = static_cast<int64_t>(right_factor_);
    const int64_t limit = narrow_limit_;
    bool bad = false;
    for (int64_t i = 0; i < n; ++i) {
      int64_t a[2], b[2];  // low and high words
      std::memcpy(a, lp + ls * i, 16);
      std::memcpy(b, rp + rs * i, 16);
      bad |= (a[1] != (a[0] >> 63)) | (b[1] != (b[0] >> 63));
      int64_t result;
      if constexpr (kOp == Operator::kMultiply) {
        bad |= __builtin_mul_overflow(a[0], b[0], &result);
      } else {
        int64_t x, y;
        bad |= __builtin_mul_overflow(a[0], lf, &x) | __builtin_mul_overflow(b[0], rf, &y);
        bad |= kOp == Operator::kAdd ? __builtin_add_overflow(x, y, &result)
                                     : __builtin_sub_overflow(x, y, &result);
      }
      bad |= (result >= limit) | (result <= -limit);
      const int64_t words[2] = {result, result >> 63};
      std::memcpy(out + 16 * i, words, 16);
    }
    return !bad;
  }

  // The batch exactly in 128 bits; an error when a valid row overflows.
  Status ComputeWide(const Side& l, const Side& r, int64_t n, const uint8_t* valid,
                     uint8_t* out) const {
    for (int64_t i = 0; i < n; ++i) {
      int128 result = 0;
      if (!valid || arrow::bit_util::GetBit(valid, i)) {
        int128 a = l.At(i), b = r.At(i);
        bool overflow = false;
        if (op_ == Operator::kMultiply) {
          overflow = __builtin_mul_overflow(a, b, &result);
        } else {
          overflow = __builtin_mul_overflow(a, left_factor_, &a) ||
                     __builtin_mul_overflow(b, right_factor_, &b) ||
                     (op_ == Operator::kAdd ? __builtin_add_overflow(a, b, &result)
                                            : __builtin_sub_overflow(a, b, &result));
        }
        if (overflow || result >= limit_ || result <= -limit_) {
          return Status::Invalid("evaluating ", display_, ": the result does not fit in ",
                                 type()->ToString());
        }
      }
      std::memcpy(out + 16 * i, &result, 16);
    }
    return Status::OK();
  }

  Operator op_;
  PhysicalExprPtr left_;
  PhysicalExprPtr right_;
  int128 limit_;
  int128 left_factor_ = 1;
  int128 right_factor_ = 1;
  int64_t narrow_limit_;    // limit_, or INT64_MAX when that is smaller
  bool narrow_ok_ = false;  // both factors fit int64
  std::string display_;
};

}  // namespace

Result<PhysicalExprPtr> BindDecimal128Arithmetic(Operator op, PhysicalExprPtr left,
                                                 PhysicalExprPtr right, int out_precision,
                                                 int out_scale, const std::string& display) {
  // Decoded plans can carry any precision and scale (Arrow allows negative
  // scales): the power-of-ten table covers 10^0..10^38 only.
  const auto in_range = [](int v) { return v >= 0 && v <= 38; };
  const int l_scale = static_cast<const arrow::Decimal128Type&>(*left->type()).scale();
  const int r_scale = static_cast<const arrow::Decimal128Type&>(*right->type()).scale();
  if (out_precision < 1 || out_precision > 38 || !in_range(l_scale) || !in_range(r_scale) ||
      !in_range(out_scale) ||
      (op != Operator::kMultiply && (!in_range(out_scale - l_scale) || !in_range(out_scale - r_scale)))) {
    return Status::TypeError("cannot evaluate ", display, ": decimal scales ", l_scale, " and ",
                             r_scale, " give a result of precision ", out_precision, " and scale ",
                             out_scale, ", outside decimal128's 0..38");
  }
  return std::make_shared<DecimalArithmetic>(op, std::move(left), std::move(right), out_precision,
                                             out_scale, display);
}

}  // namespace arithmetic_internal
}  // namespace ferry
