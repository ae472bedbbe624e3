#include "ferry/function/array_validation.h"

#include <arrow/util/utf8.h>

namespace ferry {
namespace {

// A UTF-8 continuation byte (10xxxxxx) never starts a character.
bool IsContinuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Whether the offsets are in order and in bounds and every string, null
// slots included, is UTF-8: the character range as a whole is UTF-8 and
// each string starts on a character boundary. Stricter than Arrow only on
// null slots, whose bytes Arrow does not check.
template <typename OffsetType>
bool StringsAreValid(const arrow::Array& array, std::shared_ptr<arrow::DataType> binary_type) {
  // The same buffers typed as binary: ValidateFull then checks the offsets
  // and buffer sizes, but not UTF-8.
  auto data = array.data()->Copy();
  data->type = std::move(binary_type);
  if (!arrow::MakeArray(data)->ValidateFull().ok()) return false;
  const int64_t n = array.length();
  if (n == 0) return true;
  const auto* offsets = array.data()->GetValues<OffsetType>(1);
  const int64_t begin = offsets[0];
  const int64_t end = offsets[n];
  if (end == begin) return true;
  const uint8_t* chars = array.data()->buffers[2]->data();
  arrow::util::InitializeUTF8();
  if (!arrow::util::ValidateUTF8(chars + begin, end - begin)) return false;
  for (int64_t i = 0; i < n; ++i) {
    if (offsets[i] < end && IsContinuation(chars[offsets[i]])) return false;
  }
  return true;
}

}  // namespace

Status ValidateForeignArray(const arrow::Array& array) {
  FERRY_RETURN_NOT_OK(array.Validate());  // buffer sizes first: the checks below read them
  if (array.type_id() == arrow::Type::STRING && StringsAreValid<int32_t>(array, arrow::binary())) {
    return Status::OK();
  }
  if (array.type_id() == arrow::Type::LARGE_STRING &&
      StringsAreValid<int64_t>(array, arrow::large_binary())) {
    return Status::OK();
  }
  // Everything else, and the rare failure of the fast path (for Arrow's
  // verdict and message): the full check.
  return array.ValidateFull();
}

Status ValidateForeignBatch(const arrow::RecordBatch& batch) {
  FERRY_RETURN_NOT_OK(batch.Validate());  // lengths and types, before any column is read
  for (int i = 0; i < batch.num_columns(); ++i) {
    auto valid = ValidateForeignArray(*batch.column(i));
    if (!valid.ok()) {
      return Status::Invalid("column '", batch.schema()->field(i)->name(), "' (",
                             batch.column(i)->type()->ToString(), "): ", valid.message());
    }
  }
  return Status::OK();
}

}  // namespace ferry
