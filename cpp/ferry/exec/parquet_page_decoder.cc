#include "ferry/exec/parquet_page_decoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>
#include <parquet/column_page.h>
#include <parquet/exception.h>
#include <snappy.h>

#include "ferry/exec/parquet_dictionary.h"
#include "ferry/exec/parquet_rle.h"
#include "ferry/exec/parquet_value_kind.h"

namespace ferry {
namespace {

using parquet::Encoding;

// Unsigned 32-bit maximum is one instruction from SSE4.1 on, four before:
// the baseline build gets an AVX2 clone, picked at load time.
__attribute__((target_clones("avx2", "default")))
uint32_t MaxIndex(const uint32_t* indices, int64_t count) {
  uint32_t max_index = 0;
  for (int64_t i = 0; i < count; ++i) max_index = std::max(max_index, indices[i]);
  return max_index;
}

template <int kWidth>
void Gather(const uint8_t* dictionary, const uint32_t* indices, int64_t count, uint8_t* out) {
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(out + i * kWidth, dictionary + static_cast<int64_t>(indices[i]) * kWidth, kWidth);
  }
}

// Moves the first `present` values of out[0, count) of `width` bytes to
// the positions whose definition level is 1, zeroing the others.
void Spread(const uint32_t* levels, int64_t count, int64_t present, int width, uint8_t* out) {
  int64_t j = present - 1;
  for (int64_t i = count - 1; i > j; --i) {
    if (levels[i]) {
      std::memcpy(out + i * width, out + j * width, width);
      --j;
    } else {
      std::memset(out + i * width, 0, width);
    }
  }
}

constexpr int64_t kBlockValues = 2048;

// A batch's string bytes are first reserved after the last batch's, up to
// this much (a batch of a few huge values must not size the next).
constexpr int64_t kMaxInitialStringBytes = 16 << 20;

// Snappy's densest element, a 3-byte copy of 64 bytes, bounds what a
// stream can expand to: a header claiming more is corrupt, and is refused
// before anything that size is allocated.
bool SnappyCanExpand(int64_t compressed, int64_t uncompressed) {
  return uncompressed >= 0 && uncompressed <= compressed * 22 + 64;
}

// Strings up to this long are copied as this many bytes where the source
// and the destination have that much room: a fixed-size copy is two vector
// moves, a copy of the string's length a call into libc.
constexpr int64_t kShortValue = 32;
static_assert(kShortValue <= kDictionarySlack, "dictionary values are read kShortValue bytes at a time");

void CopyString(uint8_t* out, const uint8_t* in, int64_t length, bool room) {
  if (room && length <= kShortValue) {
    std::memcpy(out, in, kShortValue);
  } else {
    std::memcpy(out, in, length);
  }
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

}  // namespace

struct ColumnChunkDecoder::State {
  std::unique_ptr<parquet::PageReader> pages;
  const parquet::ColumnDescriptor* descr;
  std::shared_ptr<arrow::DataType> type;
  NativeValueKind kind;
  bool snappy_pages;
  arrow::MemoryPool* pool;
  bool optional;
  int stored_width;  // of a PLAIN fixed-width value

  bool has_dictionary = false;
  ParquetDictionary dictionary;

  // The data page being read.
  std::shared_ptr<parquet::Page> page;
  std::shared_ptr<arrow::ResizableBuffer> decompressed;
  int64_t page_left = 0;
  RleBitPackedDecoder levels;
  bool dictionary_encoded = false;
  RleBitPackedDecoder indices;
  const uint8_t* plain = nullptr;
  const uint8_t* plain_end = nullptr;

  double bytes_per_row = 0;  // BYTE_ARRAY bytes per row in the last batch
  std::vector<uint32_t> level_scratch;
  std::vector<uint32_t> index_scratch;

  std::string Where() const { return "Parquet column '" + descr->path()->ToDotString() + "'"; }

  Result<std::shared_ptr<parquet::Page>> NextPage() {
    try {
      return pages->NextPage();
    } catch (const parquet::ParquetException& e) {
      return Status::Invalid(Where(), ": ", e.what());
    }
  }

  // The bytes of `page` from `offset` on, decompressed to `expected` bytes
  // when the pages are still snappy-compressed.
  Result<std::pair<const uint8_t*, int64_t>> Uncompressed(const parquet::Page& page, int64_t offset,
                                                          int64_t expected, bool compressed) {
    if (offset > page.size()) return Status::Invalid(Where(), ": page levels longer than the page");
    const auto* data = page.data() + offset;
    const int64_t size = page.size() - offset;
    if (!snappy_pages || !compressed) return std::pair{data, size};
    size_t length = 0;
    if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(data), size, &length) ||
        static_cast<int64_t>(length) != expected || !SnappyCanExpand(size, expected)) {
      return Status::Invalid(Where(), ": snappy page does not decompress to its ", expected,
                             " bytes");
    }
    if (!decompressed) {
      FERRY_ASSIGN_OR_RAISE(decompressed, arrow::AllocateResizableBuffer(0, pool));
    }
    FERRY_RETURN_NOT_OK(decompressed->Resize(expected, /*shrink_to_fit=*/false));
    if (!snappy::RawUncompress(reinterpret_cast<const char*>(data), size,
                               reinterpret_cast<char*>(decompressed->mutable_data()))) {
      return Status::Invalid(Where(), ": corrupt snappy page");
    }
    return std::pair<const uint8_t*, int64_t>{decompressed->data(), expected};
  }

  Status ReadDictionary(const parquet::DictionaryPage& page) {
    if (has_dictionary) return Status::Invalid(Where(), ": a second dictionary page");
    if (page.encoding() != Encoding::PLAIN && page.encoding() != Encoding::PLAIN_DICTIONARY) {
      return Status::Invalid(Where(), ": dictionary page encoding ",
                             parquet::EncodingToString(page.encoding()));
    }
    std::pair<const uint8_t*, int64_t> bytes{page.data(), page.size()};
    std::shared_ptr<arrow::Buffer> keep;  // the decompressed page, while read
    if (snappy_pages) {
      size_t length = 0;
      const auto* data = reinterpret_cast<const char*>(page.data());
      if (!snappy::GetUncompressedLength(data, page.size(), &length) ||
          !SnappyCanExpand(page.size(), static_cast<int64_t>(std::min<size_t>(length, INT64_MAX)))) {
        return Status::Invalid(Where(), ": corrupt snappy dictionary page");
      }
      FERRY_ASSIGN_OR_RAISE(auto out, arrow::AllocateBuffer(static_cast<int64_t>(length), pool));
      if (!snappy::RawUncompress(data, page.size(), reinterpret_cast<char*>(out->mutable_data()))) {
        return Status::Invalid(Where(), ": corrupt snappy dictionary page");
      }
      bytes = {out->data(), out->size()};
      keep = std::move(out);
    }
    auto decoded = DecodeDictionaryPage(bytes.first, bytes.second, page.num_values(), kind, stored_width,
                                        type, pool);
    if (!decoded.ok()) return decoded.status().WithMessage(Where(), ": ", decoded.status().message());
    dictionary = std::move(*decoded);
    has_dictionary = true;
    return Status::OK();
  }

  // Reads pages up to the next data page with values and readies its
  // levels and values.
  Status LoadDataPage() {
    while (true) {
      FERRY_ASSIGN_OR_RAISE(page, NextPage());
      if (!page) return Status::Invalid(Where(), ": column chunk ends before its last value");
      if (page->type() == parquet::PageType::DICTIONARY_PAGE) {
        FERRY_RETURN_NOT_OK(ReadDictionary(static_cast<const parquet::DictionaryPage&>(*page)));
        continue;
      }
      std::pair<const uint8_t*, int64_t> values;
      const uint8_t* level_data = nullptr;
      int64_t level_size = 0;
      const auto& data_page = static_cast<const parquet::DataPage&>(*page);
      if (page->type() == parquet::PageType::DATA_PAGE) {
        const auto& v1 = static_cast<const parquet::DataPageV1&>(*page);
        FERRY_ASSIGN_OR_RAISE(values, Uncompressed(*page, 0, v1.uncompressed_size(), true));
        if (optional) {
          if (v1.definition_level_encoding() != Encoding::RLE) {
            return Status::Invalid(Where(), ": definition levels encoded as ",
                                   parquet::EncodingToString(v1.definition_level_encoding()));
          }
          if (values.second < 4) return Status::Invalid(Where(), ": page ends inside its levels");
          level_size = LoadU32(values.first);
          if (level_size > values.second - 4) {
            return Status::Invalid(Where(), ": levels longer than the page");
          }
          level_data = values.first + 4;
          values = {level_data + level_size, values.second - 4 - level_size};
        }
      } else if (page->type() == parquet::PageType::DATA_PAGE_V2) {
        const auto& v2 = static_cast<const parquet::DataPageV2&>(*page);
        const int64_t rep = v2.repetition_levels_byte_length(), def = v2.definition_levels_byte_length();
        if (rep < 0 || def < 0 || rep + def > page->size() || rep + def > v2.uncompressed_size()) {
          return Status::Invalid(Where(), ": page levels longer than the page");
        }
        level_data = page->data() + rep;
        level_size = def;
        FERRY_ASSIGN_OR_RAISE(values, Uncompressed(*page, rep + def, v2.uncompressed_size() - rep - def,
                                                   v2.is_compressed()));
      } else {
        continue;  // index pages and future page types carry no values
      }
      page_left = data_page.num_values();
      if (page_left < 0) return Status::Invalid(Where(), ": negative value count");
      if (page_left == 0) continue;
      if (optional) levels = RleBitPackedDecoder(level_data, level_size, 1);
      switch (data_page.encoding()) {
        case Encoding::PLAIN:
          if (kind == NativeValueKind::kDictionaryIndices) {
            return Status::Invalid(Where(), ": a PLAIN page in a column read as dictionary");
          }
          dictionary_encoded = false;
          plain = values.first;
          plain_end = values.first + values.second;
          break;
        case Encoding::RLE_DICTIONARY:
        case Encoding::PLAIN_DICTIONARY: {
          if (!has_dictionary) {
            return Status::Invalid(Where(), ": dictionary-encoded page without a dictionary");
          }
          if (values.second < 1) return Status::Invalid(Where(), ": empty dictionary-encoded page");
          const int bit_width = values.first[0];
          if (!RleBitPackedDecoder::ValidBitWidth(bit_width)) {
            return Status::Invalid(Where(), ": dictionary index width ", bit_width);
          }
          dictionary_encoded = true;
          indices = RleBitPackedDecoder(values.first + 1, values.second - 1, bit_width);
          break;
        }
        default:
          return Status::Invalid(Where(), ": unsupported encoding ",
                                 parquet::EncodingToString(data_page.encoding()));
      }
      return Status::OK();
    }
  }

  // Decodes `present` dictionary indices into index_scratch, checked
  // against the dictionary's size.
  Result<const uint32_t*> DecodeIndices(int64_t present) {
    index_scratch.resize(std::max<int64_t>(present, 1));
    FERRY_RETURN_NOT_OK(indices.Decode(present, index_scratch.data()));
    const uint32_t* idx = index_scratch.data();
    const uint32_t max_index = MaxIndex(idx, present);
    if (present > 0 && max_index >= dictionary.size) {
      return Status::Invalid(Where(), ": dictionary index ", max_index, " out of range for ",
                             dictionary.size, " values");
    }
    return index_scratch.data();
  }

  // Decodes `present` values densely into out (Arrow width each).
  Status DecodeFixed(int64_t present, uint8_t* out) {
    const int width = ArrowWidth(kind);
    if (!dictionary_encoded) {
      if ((plain_end - plain) / stored_width < present) {
        return Status::Invalid(Where(), ": page shorter than its values");
      }
      ConvertPlain(kind, stored_width, plain, present, out);
      plain += present * stored_width;
      return Status::OK();
    }
    FERRY_ASSIGN_OR_RAISE(const uint32_t* idx, DecodeIndices(present));
    if (kind == NativeValueKind::kDictionaryIndices) {
      std::memcpy(out, idx, present * 4);
      return Status::OK();
    }
    const uint8_t* values = dictionary.values->data();
    switch (width) {
      case 4: Gather<4>(values, idx, present, out); break;
      case 8: Gather<8>(values, idx, present, out); break;
      default: Gather<16>(values, idx, present, out); break;
    }
    return Status::OK();
  }

  // Appends `count` values (`levels` null for a required column) to
  // offsets[1..count] and `data`, whose bytes so far are `*written`.
  Status DecodeBinary(const uint32_t* level, int64_t count, int64_t present, int32_t* offsets,
                      arrow::ResizableBuffer* data, int64_t* written) {
    auto reserve = [&](int64_t more) -> Status {
      if (*written + more > std::numeric_limits<int32_t>::max()) {
        return Status::CapacityError(Where(), ": more than 2 GiB of strings in one batch");
      }
      if (*written + more > data->capacity()) {
        FERRY_RETURN_NOT_OK(data->Reserve(std::min<int64_t>(
            std::max(*written + more, data->capacity() * 2),
            std::numeric_limits<int32_t>::max() + kShortValue)));
      }
      return Status::OK();
    };
    if (dictionary_encoded) {
      FERRY_ASSIGN_OR_RAISE(const uint32_t* idx, DecodeIndices(present));
      const auto* dict_offsets = reinterpret_cast<const int32_t*>(dictionary.offsets->data());
      // The longest value bounds the bytes; only where that bound is large
      // are they counted.
      int64_t total = present * dictionary.max_length;
      if (total > kMaxInitialStringBytes) {
        total = 0;
        for (int64_t i = 0; i < present; ++i) total += dict_offsets[idx[i] + 1] - dict_offsets[idx[i]];
      }
      FERRY_RETURN_NOT_OK(reserve(total + kShortValue));
      const uint8_t* dict_bytes = dictionary.values->data();
      uint8_t* out = data->mutable_data();
      int64_t at = *written, next = 0;
      if (!level && dictionary.fixed_length == 1) {
        // Flags (l_returnflag, l_linestatus): a byte gather, offsets by
        // arithmetic.
        for (int64_t i = 0; i < count; ++i) out[at + i] = dict_bytes[idx[i]];
        for (int64_t i = 0; i < count; ++i) offsets[i + 1] = static_cast<int32_t>(at + i + 1);
        *written = at + count;
        return Status::OK();
      }
      if (!level && dictionary.max_length <= 16) {
        // Flags, modes, codes: one fixed-size copy per value instead of a
        // memcpy call of the value's length.
        for (int64_t i = 0; i < count; ++i) {
          const uint32_t v = idx[i];
          const int32_t begin = dict_offsets[v];
          std::memcpy(out + at, dict_bytes + begin, 16);
          at += dict_offsets[v + 1] - begin;
          offsets[i + 1] = static_cast<int32_t>(at);
        }
        *written = at;
        return Status::OK();
      }
      for (int64_t i = 0; i < count; ++i) {
        if (!level || level[i]) {
          const uint32_t v = idx[next++];
          const int32_t begin = dict_offsets[v], length = dict_offsets[v + 1] - begin;
          CopyString(out + at, dict_bytes + begin, length, true);
          at += length;
        }
        offsets[i + 1] = static_cast<int32_t>(at);
      }
      *written = at;
      return Status::OK();
    }
    // PLAIN: each value is a 4-byte length and its bytes, so the page's
    // remaining bytes bound the strings' total.
    FERRY_RETURN_NOT_OK(reserve(std::min<int64_t>(plain_end - plain + kShortValue,
                                                  std::numeric_limits<int32_t>::max() - *written)));
    int64_t at = *written;
    for (int64_t i = 0; i < count; ++i) {
      if (!level || level[i]) {
        if (plain_end - plain < 4) return Status::Invalid(Where(), ": page ends inside a value");
        const uint32_t length = LoadU32(plain);
        plain += 4;
        if (length > static_cast<uint64_t>(plain_end - plain)) {
          return Status::Invalid(Where(), ": value longer than its page");
        }
        if (at + std::max<int64_t>(length, kShortValue) > data->capacity()) {
          FERRY_RETURN_NOT_OK(reserve(at - *written + std::max<int64_t>(length, kShortValue)));
        }
        CopyString(data->mutable_data() + at, plain, length, plain_end - plain >= kShortValue);
        plain += length;
        at += length;
      }
      offsets[i + 1] = static_cast<int32_t>(at);
    }
    if (at > std::numeric_limits<int32_t>::max()) {
      return Status::CapacityError(Where(), ": more than 2 GiB of strings in one batch");
    }
    *written = at;
    return Status::OK();
  }
};

ColumnChunkDecoder::ColumnChunkDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
ColumnChunkDecoder::~ColumnChunkDecoder() = default;

Result<std::unique_ptr<ColumnChunkDecoder>> ColumnChunkDecoder::Make(
    std::unique_ptr<parquet::PageReader> pages, const parquet::ColumnDescriptor* descr,
    std::shared_ptr<arrow::DataType> type, NativeValueKind kind, bool snappy_pages,
    arrow::MemoryPool* pool) {
  auto state = std::make_unique<State>();
  state->pages = std::move(pages);
  state->descr = descr;
  state->type = std::move(type);
  state->kind = kind;
  state->snappy_pages = snappy_pages;
  state->pool = pool;
  state->optional = descr->max_definition_level() == 1;
  state->stored_width = StoredWidth(kind, *descr);
  const bool binary = kind == NativeValueKind::kBinary || kind == NativeValueKind::kDictionaryIndices;
  if (!binary && state->stored_width <= 0) {
    return Status::Invalid("Parquet column '", descr->path()->ToDotString(), "' has values of ",
                           state->stored_width, " bytes");
  }
  return std::unique_ptr<ColumnChunkDecoder>(new ColumnChunkDecoder(std::move(state)));
}

Result<std::shared_ptr<arrow::Array>> ColumnChunkDecoder::Next(int64_t rows) {
  State& s = *state_;
  const bool binary = s.kind == NativeValueKind::kBinary;
  const int width = ArrowWidth(s.kind);
  std::shared_ptr<arrow::Buffer> validity, values, offsets;
  std::shared_ptr<arrow::ResizableBuffer> data;
  if (s.optional) {
    FERRY_ASSIGN_OR_RAISE(validity, arrow::AllocateBitmap(rows, s.pool));
  }
  if (binary) {
    FERRY_ASSIGN_OR_RAISE(offsets, arrow::AllocateBuffer((rows + 1) * 4, s.pool));
    // Sized after the last batch, so a batch rarely grows (and copies) it.
    FERRY_ASSIGN_OR_RAISE(data, arrow::AllocateResizableBuffer(0, s.pool));
    FERRY_RETURN_NOT_OK(data->Reserve(std::min<int64_t>(static_cast<int64_t>(rows * s.bytes_per_row),
                                                        kMaxInitialStringBytes) + 64));
    reinterpret_cast<int32_t*>(offsets->mutable_data())[0] = 0;
  } else {
    FERRY_ASSIGN_OR_RAISE(values, arrow::AllocateBuffer(rows * width, s.pool));
  }
  int64_t filled = 0, null_count = 0, written = 0;
  while (filled < rows) {
    if (s.page_left == 0) FERRY_RETURN_NOT_OK(s.LoadDataPage());
    // Blocks of levels and indices small enough to stay in cache between
    // their decoding and their use.
    const int64_t count = std::min({rows - filled, s.page_left, kBlockValues});
    int64_t present = count;
    const uint32_t* level = nullptr;
    if (s.optional) {
      s.level_scratch.resize(count);
      FERRY_RETURN_NOT_OK(s.levels.Decode(count, s.level_scratch.data()));
      level = s.level_scratch.data();
      present = 0;
      uint8_t* bits = validity->mutable_data();
      for (int64_t i = 0; i < count; ++i) {
        arrow::bit_util::SetBitTo(bits, filled + i, level[i] != 0);
        present += level[i];
      }
      null_count += count - present;
    }
    if (binary) {
      auto* out = reinterpret_cast<int32_t*>(offsets->mutable_data()) + filled;
      FERRY_RETURN_NOT_OK(s.DecodeBinary(level, count, present, out, data.get(), &written));
    } else {
      uint8_t* out = values->mutable_data() + filled * width;
      FERRY_RETURN_NOT_OK(s.DecodeFixed(present, out));
      if (present < count) Spread(level, count, present, width, out);
    }
    filled += count;
    s.page_left -= count;
  }
  if (null_count == 0) validity = nullptr;
  std::shared_ptr<arrow::ArrayData> out;
  if (binary) {
    FERRY_RETURN_NOT_OK(data->Resize(written, /*shrink_to_fit=*/false));
    s.bytes_per_row = static_cast<double>(written) / rows * 1.05;
    out = arrow::ArrayData::Make(s.type, rows, {validity, offsets, data}, null_count);
  } else {
    out = arrow::ArrayData::Make(s.type, rows, {validity, values}, null_count);
    if (s.kind == NativeValueKind::kDictionaryIndices) out->dictionary = s.dictionary.array;
  }
  return arrow::MakeArray(out);
}

}  // namespace ferry
