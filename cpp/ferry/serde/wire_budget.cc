#include "ferry/serde/wire_budget_internal.h"

#include <algorithm>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace ferry {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;
using google::protobuf::internal::WireFormatLite;

class BudgetScan {
 public:
  BudgetScan(const DecodeLimits& limits, const char* noun) : limits_(limits), noun_(noun) {}

  // Returns false where the bytes stop being protobuf; the parser will say so.
  Result<bool> Message(CodedInputStream* in, const Descriptor* type, int level) {
    // Deeper than protobuf's own nesting guard: the parser will refuse it.
    if (level > 3 * limits_.max_depth + 8) return false;
    std::vector<int64_t> items(type->field_count(), 0);
    while (true) {
      const uint32_t tag = in->ReadTag();
      if (tag == 0) return true;  // end of this message (or of the input)
      const FieldDescriptor* field = type->FindFieldByNumber(static_cast<int>(tag >> 3));
      const auto wire_type = WireFormatLite::GetTagWireType(tag);
      if (field != nullptr && field->is_packable() &&
          wire_type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
        // A packed list of numbers: each costs memory once parsed.
        FERRY_ASSIGN_OR_RAISE(bool ok, Packed(in, *field, &items[field->index()]));
        if (!ok) return false;
        continue;
      }
      if (field == nullptr ||
          wire_type != WireFormatLite::WireTypeForFieldType(
                           static_cast<WireFormatLite::FieldType>(field->type()))) {
        // Kept by the parser as an unknown field: one allocation each.
        FERRY_ASSIGN_OR_RAISE(bool ok, Unknown(in, tag, level));
        if (!ok) return false;
        continue;
      }
      if (field->type() != FieldDescriptor::TYPE_MESSAGE) {
        if (field->is_repeated()) {
          // Repeated strings and bytes are one allocation each, like a message.
          if (!field->is_packable()) FERRY_RETURN_NOT_OK(CountNode());
          FERRY_RETURN_NOT_OK(CountItem(*field, ++items[field->index()]));
        }
        if (!WireFormatLite::SkipField(in, tag)) return false;
        continue;
      }
      FERRY_RETURN_NOT_OK(CountNode());
      if (field->is_repeated()) FERRY_RETURN_NOT_OK(CountItem(*field, ++items[field->index()]));
      uint32_t length;
      if (!in->ReadVarint32(&length) || length > static_cast<uint32_t>(INT32_MAX)) return false;
      auto limit = in->PushLimit(static_cast<int>(length));
      FERRY_ASSIGN_OR_RAISE(bool ok, Message(in, field->message_type(), level + 1));
      if (!ok || !in->ConsumedEntireMessage()) return false;
      in->PopLimit(limit);
    }
  }

 private:
  // The items of a packed repeated field: varints end in a byte below 0x80,
  // fixed-width values take 4 or 8 bytes.
  Result<bool> Packed(CodedInputStream* in, const FieldDescriptor& field, int64_t* items) {
    uint32_t length;
    if (!in->ReadVarint32(&length) || length > static_cast<uint32_t>(INT32_MAX)) return false;
    const auto wire_type = WireFormatLite::WireTypeForFieldType(
        static_cast<WireFormatLite::FieldType>(field.type()));
    const void* data;
    int size;
    int64_t count = 0;
    uint32_t left = length;
    while (left > 0) {
      if (!in->GetDirectBufferPointer(&data, &size) || size <= 0) return false;
      const int take = static_cast<int>(std::min<uint32_t>(left, static_cast<uint32_t>(size)));
      if (wire_type == WireFormatLite::WIRETYPE_VARINT) {
        const auto* bytes = static_cast<const uint8_t*>(data);
        for (int i = 0; i < take; ++i) count += (bytes[i] & 0x80) == 0;
      }
      in->Skip(take);
      left -= static_cast<uint32_t>(take);
    }
    if (wire_type == WireFormatLite::WIRETYPE_FIXED32) count = length / 4;
    if (wire_type == WireFormatLite::WIRETYPE_FIXED64) count = length / 8;
    *items += count;
    FERRY_RETURN_NOT_OK(CountItem(field, *items));
    return true;
  }

  // An unknown field; a group's members are unknown fields too, each kept.
  Result<bool> Unknown(CodedInputStream* in, uint32_t tag, int level) {
    FERRY_RETURN_NOT_OK(CountNode());
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_START_GROUP) {
      return WireFormatLite::SkipField(in, tag);
    }
    if (level > 3 * limits_.max_depth + 8) return false;
    while (true) {
      const uint32_t inner = in->ReadTag();
      if (inner == 0) return false;  // a group must end with its END_GROUP tag
      if (WireFormatLite::GetTagWireType(inner) == WireFormatLite::WIRETYPE_END_GROUP) {
        return (inner >> 3) == (tag >> 3);
      }
      FERRY_ASSIGN_OR_RAISE(bool ok, Unknown(in, inner, level + 1));
      if (!ok) return false;
    }
  }

  Status CountNode() {
    if (++nodes_ > limits_.max_nodes) {
      return Status::Invalid("encoded ", noun_, " holds more than ", limits_.max_nodes,
                             " nodes; the decoder's limit is ", limits_.max_nodes);
    }
    return Status::OK();
  }

  Status CountItem(const FieldDescriptor& field, int64_t count) {
    if (field.name() == "functions") {
      if (count > limits_.max_functions) {
        return Status::Invalid("function table has more than ", limits_.max_functions,
                               " entries; the decoder's limit is ", limits_.max_functions);
      }
      return Status::OK();
    }
    if (count > limits_.max_list_items) {
      return Status::Invalid("a list (", field.full_name(), ") has more than ",
                             limits_.max_list_items, " items; the decoder's limit is ",
                             limits_.max_list_items);
    }
    return Status::OK();
  }

  const DecodeLimits& limits_;
  const char* noun_;
  int64_t nodes_ = 0;
};

}  // namespace

Status CheckWireBudget(std::string_view bytes, const Descriptor* type, const DecodeLimits& limits,
                       const char* noun) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return Status::OK();  // refused by size first
  // Each node or list item the scan counts takes at least one byte of the
  // input, so fewer bytes than the smallest count limit pass them all: the
  // scan could only find what the parser reports itself (malformed bytes).
  if (static_cast<int64_t>(bytes.size()) <=
      std::min({limits.max_nodes, limits.max_functions, limits.max_list_items})) {
    return Status::OK();
  }
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  in.SetRecursionLimit(3 * limits.max_depth + 8);
  BudgetScan scan(limits, noun);
  return scan.Message(&in, type, 0).status();
}

}  // namespace ferry
