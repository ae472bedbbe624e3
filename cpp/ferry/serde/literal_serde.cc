#include "ferry/serde/literal_serde_internal.h"

#include <arrow/array/util.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>
#include <arrow/util/utf8.h>

namespace ferry {
namespace {

namespace pb = ferry::v1;

Result<std::string> EncodeScalarValue(const arrow::Scalar& scalar) {
  FERRY_ASSIGN_OR_RAISE(auto array, arrow::MakeArrayFromScalar(scalar, 1));
  auto schema = arrow::schema({arrow::field("value", scalar.type)});
  return WriteIpcStream(schema, {arrow::RecordBatch::Make(schema, 1, {array})});
}

// Arrow's IPC reader takes field names and time zones as raw bytes. Text
// that is not UTF-8 would decode here and fail much later, in str() or
// repr() of the expression on the Python side: refuse it now.
Status CheckTypeText(const arrow::DataType& type, const char* what) {
  if (type.id() == arrow::Type::TIMESTAMP) {
    const auto& tz = static_cast<const arrow::TimestampType&>(type).timezone();
    if (!arrow::util::ValidateUTF8(tz)) {
      return Status::Invalid("malformed ", what, ": a time zone is not valid UTF-8");
    }
  }
  if (type.id() == arrow::Type::DICTIONARY) {
    return CheckTypeText(*static_cast<const arrow::DictionaryType&>(type).value_type(), what);
  }
  for (const auto& field : type.fields()) {
    if (!arrow::util::ValidateUTF8(field->name())) {
      return Status::Invalid("malformed ", what, ": a field name is not valid UTF-8");
    }
    FERRY_RETURN_NOT_OK(CheckTypeText(*field->type(), what));
  }
  return Status::OK();
}

Result<std::shared_ptr<arrow::Scalar>> DecodeScalarValue(const std::string& bytes) {
  FERRY_ASSIGN_OR_RAISE(auto ipc, ReadIpcStream(bytes, "literal"));
  auto& [schema, batches] = ipc;
  if (schema->num_fields() != 1 || batches.size() != 1 || batches[0]->num_rows() != 1) {
    return Status::Invalid("malformed literal: expected one column and one row");
  }
  return batches[0]->column(0)->GetScalar(0);
}

}  // namespace

Result<std::string> WriteIpcStream(const std::shared_ptr<arrow::Schema>& schema,
                                   const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  FERRY_ASSIGN_OR_RAISE(auto sink, arrow::io::BufferOutputStream::Create());
  FERRY_ASSIGN_OR_RAISE(auto writer, arrow::ipc::MakeStreamWriter(sink, schema));
  for (const auto& batch : batches) FERRY_RETURN_NOT_OK(writer->WriteRecordBatch(*batch));
  FERRY_RETURN_NOT_OK(writer->Close());
  FERRY_ASSIGN_OR_RAISE(auto buffer, sink->Finish());
  return buffer->ToString();
}

// The Arrow reader bounds every buffer by the input, and ValidateFull
// rejects inconsistent arrays.
Result<IpcContents> ReadIpcStream(const std::string& bytes, const char* what) {
  // Owned copy: decoded values (list children, strings) borrow from it and
  // outlive the protobuf message the bytes came in.
  auto buffer = arrow::Buffer::FromString(bytes);
  auto input = std::make_shared<arrow::io::BufferReader>(buffer);
  auto reader = arrow::ipc::RecordBatchStreamReader::Open(input);
  if (!reader.ok()) return Status::Invalid("malformed ", what, ": ", reader.status().message());
  IpcContents out;
  out.first = (*reader)->schema();
  arrow::util::InitializeUTF8();
  for (const auto& field : out.first->fields()) {
    if (!arrow::util::ValidateUTF8(field->name())) {
      return Status::Invalid("malformed ", what, ": a field name is not valid UTF-8");
    }
    FERRY_RETURN_NOT_OK(CheckTypeText(*field->type(), what));
  }
  while (true) {
    auto batch = (*reader)->Next();
    if (!batch.ok()) return Status::Invalid("malformed ", what, ": ", batch.status().message());
    if (!*batch) break;
    auto valid = (*batch)->ValidateFull();
    if (!valid.ok()) return Status::Invalid("malformed ", what, ": ", valid.message());
    out.second.push_back(std::move(*batch));
  }
  return out;
}

Result<std::string> EncodeType(const std::shared_ptr<arrow::DataType>& type) {
  return WriteIpcStream(arrow::schema({arrow::field("type", type)}), {});
}

Result<std::shared_ptr<arrow::DataType>> DecodeType(const std::string& bytes) {
  FERRY_ASSIGN_OR_RAISE(auto ipc, ReadIpcStream(bytes, "cast type"));
  if (ipc.first->num_fields() != 1) return Status::Invalid("malformed cast type: expected one field");
  return ipc.first->field(0)->type();
}

Status EncodeLiteral(const arrow::Scalar& scalar, pb::Literal* out) {
  if (scalar.type->id() == arrow::Type::NA) {
    out->mutable_null_value();
    return Status::OK();
  }
  if (scalar.is_valid) {
    switch (scalar.type->id()) {
      case arrow::Type::BOOL:
        out->set_bool_value(static_cast<const arrow::BooleanScalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::INT64:
        out->set_int64_value(static_cast<const arrow::Int64Scalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::DOUBLE:
        out->set_float64_value(static_cast<const arrow::DoubleScalar&>(scalar).value);
        return Status::OK();
      case arrow::Type::STRING:
        out->set_utf8_value(std::string(static_cast<const arrow::StringScalar&>(scalar).view()));
        return Status::OK();
      default:
        break;
    }
  }
  FERRY_ASSIGN_OR_RAISE(auto bytes, EncodeScalarValue(scalar));
  out->set_arrow_ipc(std::move(bytes));
  return Status::OK();
}

Result<std::shared_ptr<arrow::Scalar>> DecodeLiteral(const pb::Literal& literal) {
  switch (literal.value_case()) {
    case pb::Literal::kBoolValue:
      return std::make_shared<arrow::BooleanScalar>(literal.bool_value());
    case pb::Literal::kInt64Value:
      return std::make_shared<arrow::Int64Scalar>(literal.int64_value());
    case pb::Literal::kFloat64Value:
      return std::make_shared<arrow::DoubleScalar>(literal.float64_value());
    case pb::Literal::kUtf8Value:
      return std::make_shared<arrow::StringScalar>(literal.utf8_value());
    case pb::Literal::kNullValue:
      return std::make_shared<arrow::NullScalar>();
    case pb::Literal::kArrowIpc:
      return DecodeScalarValue(literal.arrow_ipc());
    case pb::Literal::VALUE_NOT_SET:
      break;
  }
  return Status::Invalid("literal without a value");
}

}  // namespace ferry
