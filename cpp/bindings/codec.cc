#include "codec.h"

#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>

#include "arrow_interop.h"
#include "errors.h"
#include "python_gil.h"
#include "ferry/serde/frame_signing.h"
#include "ferry/serde/inline_frame.h"
#include "udaf.h"
#include "udf.h"
#include "udwf.h"

namespace ferry::bindings {
namespace {

// Decoded UDFs by frame family and payload, so a process unpickles each
// distinct payload once. Bounded (least recently used goes first); entries
// compare the family and full payload, the digest only picks the bucket.
class DecodedUdfCache {
 public:
  using Function = std::variant<std::shared_ptr<const ScalarFunction>,
                                std::shared_ptr<const AggregateFunction>,
                                std::shared_ptr<const WindowFunction>>;

  static DecodedUdfCache& Instance() {
    // Never destroyed: entries hold Python objects that must not be freed
    // after the interpreter is gone.
    static auto* cache = new DecodedUdfCache();
    return *cache;
  }

  /// The cached function of type T for this frame, or nullptr.
  template <typename T>
  std::shared_ptr<const T> Find(FrameFamily family, std::string_view payload) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(Digest(family, payload));
    if (it == index_.end() || it->second->family != family || it->second->payload != payload) {
      return nullptr;
    }
    const auto* func = std::get_if<std::shared_ptr<const T>>(&it->second->func);
    if (func == nullptr) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return *func;
  }

  void Insert(FrameFamily family, std::string_view payload, Function func) {
    std::lock_guard lock(mutex_);
    size_t digest = Digest(family, payload);
    if (auto it = index_.find(digest); it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
    entries_.push_front({family, std::string(payload), digest, std::move(func)});
    index_[digest] = entries_.begin();
    if (entries_.size() > kCapacity) {
      index_.erase(entries_.back().digest);
      entries_.pop_back();
    }
  }

 private:
  static constexpr size_t kCapacity = 256;
  static size_t Digest(FrameFamily family, std::string_view payload) {
    return std::hash<std::string_view>{}(payload) ^ static_cast<size_t>(family);
  }

  struct Entry {
    FrameFamily family;
    std::string payload;
    size_t digest;
    Function func;
  };
  std::mutex mutex_;
  std::list<Entry> entries_;
  std::unordered_map<size_t, std::list<Entry>::iterator> index_;
};

nb::object InlineModule() {
  // Imported on first use; a strict session's decode path never reaches it.
  return nb::module_::import_("ferry._inline");
}

class PythonCodec final : public ExtensionCodec {
 public:
  PythonCodec(bool inlining, int64_t warn_bytes, std::shared_ptr<const PayloadKeyring> keys)
      : inlining_(inlining), warn_bytes_(warn_bytes), keys_(std::move(keys)) {}

  bool inlining() const { return inlining_; }
  int64_t warn_bytes() const { return warn_bytes_; }
  std::shared_ptr<const PayloadKeyring> payload_keys() const override { return keys_; }

  Result<std::optional<std::string>> EncodeScalar(const ScalarFunction& func) const override {
    const auto* udf = dynamic_cast<const PyScalarUdf*>(&func);
    if (udf == nullptr || !inlining_) return ByNameCodec()->EncodeScalar(func);
    return EncodeInline(FrameFamily::kScalar, udf->name(), udf->payload_cache(),
                        [&] { return udf->func(); }, [&] {
      return InlineModule().attr("dump_udf")(nb::str(udf->name().c_str()), udf->func(),
                                             ExportTypes(udf->input_types()),
                                             ExportType(udf->return_type()),
                                             nb::str(VolatilityName(udf->volatility())));
    });
  }

  Result<std::optional<std::string>> EncodeAggregate(const AggregateFunction& func) const override {
    const auto* udaf = dynamic_cast<const PyAggregateUdf*>(&func);
    if (udaf == nullptr || !inlining_) return ByNameCodec()->EncodeAggregate(func);
    return EncodeInline(FrameFamily::kAggregate, udaf->name(), udaf->payload_cache(),
                        [&] { return udaf->factory(); }, [&] {
      return InlineModule().attr("dump_udaf")(
          nb::str(udaf->name().c_str()), udaf->factory(), ExportTypes(udaf->input_types()),
          ExportType(udaf->return_type()), ExportSchema(arrow::schema(udaf->state_fields())),
          nb::str(VolatilityName(udaf->volatility())));
    });
  }

  Result<std::optional<std::string>> EncodeWindow(const WindowFunction& func) const override {
    const auto* udwf = dynamic_cast<const PyWindowUdf*>(&func);
    if (udwf == nullptr || !inlining_) return ByNameCodec()->EncodeWindow(func);
    return EncodeInline(FrameFamily::kWindow, udwf->name(), udwf->payload_cache(),
                        [&] { return udwf->factory(); }, [&] {
      return InlineModule().attr("dump_udwf")(nb::str(udwf->name().c_str()), udwf->factory(),
                                              ExportTypes(udwf->input_types()),
                                              ExportType(udwf->return_type()),
                                              nb::str(VolatilityName(udwf->volatility())));
    });
  }

  Result<std::shared_ptr<const ScalarFunction>> DecodeScalar(
      const std::string& name, std::string_view definition) const override {
    return DecodeInline<ScalarFunction>(
        FrameFamily::kScalar, name, definition, "load_udf",
        [&] { return ByNameCodec()->DecodeScalar(name, definition); },
        [](nb::tuple r) -> Result<std::shared_ptr<const ScalarFunction>> {
          FERRY_ASSIGN_OR_RAISE(auto volatility, VolatilityOf(r[4]));
          return std::make_shared<PyScalarUdf>(Str(r[0]), nb::borrow(r[1]), ImportTypes(r[2]),
                                               ImportType(r[3]), volatility);
        });
  }

  Result<std::shared_ptr<const AggregateFunction>> DecodeAggregate(
      const std::string& name, std::string_view definition) const override {
    return DecodeInline<AggregateFunction>(
        FrameFamily::kAggregate, name, definition, "load_udaf",
        [&] { return ByNameCodec()->DecodeAggregate(name, definition); },
        [](nb::tuple r) -> Result<std::shared_ptr<const AggregateFunction>> {
          arrow::FieldVector states;
          for (nb::handle field : nb::cast<nb::list>(r[4])) states.push_back(ImportField(field));
          FERRY_ASSIGN_OR_RAISE(auto volatility, VolatilityOf(r[5]));
          return std::make_shared<PyAggregateUdf>(Str(r[0]), nb::borrow(r[1]), ImportTypes(r[2]),
                                                  ImportType(r[3]), std::move(states), volatility);
        });
  }

  Result<std::shared_ptr<const WindowFunction>> DecodeWindow(
      const std::string& name, std::string_view definition) const override {
    return DecodeInline<WindowFunction>(
        FrameFamily::kWindow, name, definition, "load_udwf",
        [&] { return ByNameCodec()->DecodeWindow(name, definition); },
        [](nb::tuple r) -> Result<std::shared_ptr<const WindowFunction>> {
          FERRY_ASSIGN_OR_RAISE(auto volatility, VolatilityOf(r[4]));
          return std::make_shared<PyWindowUdf>(Str(r[0]), nb::borrow(r[1]), ImportTypes(r[2]),
                                               ImportType(r[3]), volatility);
        });
  }

 private:
  static std::string Str(nb::handle obj) { return std::string(nb::str(obj).c_str()); }
  static Result<Volatility> VolatilityOf(nb::handle obj) { return VolatilityFromName(Str(obj)); }
  static nb::list ExportTypes(const TypeVector& types) {
    nb::list out;
    for (const auto& type : types) out.append(ExportType(type));
    return out;
  }
  static TypeVector ImportTypes(nb::handle list) {
    TypeVector out;
    for (nb::handle type : nb::cast<nb::list>(list)) out.push_back(ImportType(type));
    return out;
  }

  // Frames the payload `make` pickles (GIL held) as `family`; the payload
  // `func` last pickled to when pickling it again must give the same bytes.
  template <typename GetFunc, typename MakePayload>
  Result<std::optional<std::string>> EncodeInline(FrameFamily family, const std::string& name,
                                                  const PickledPayloadCache& cache, GetFunc func,
                                                  MakePayload make) const {
    EngineGil gil;
    if (!gil.ok()) return ExitingError("encoding function '" + name + "'");
    try {
      nb::object token;
      auto cached = cache.Find(func(), &token);
      nb::bytes bytes;
      std::string_view view;
      if (cached) {
        view = *cached;
      } else {
        bytes = nb::cast<nb::bytes>(make());
        view = std::string_view(static_cast<const char*>(bytes.data()), bytes.size());
        cache.Store(token, view);
      }
      FERRY_RETURN_NOT_OK(WarnIfLarge(name, view.size()));
      if (keys_) {
        FERRY_ASSIGN_OR_RAISE(auto frame,
                              keys_->Sign(family, PY_MAJOR_VERSION, PY_MINOR_VERSION, view));
        return frame;
      }
      return MakeInlineFrame(family, PY_MAJOR_VERSION, PY_MINOR_VERSION, view);
    } catch (nb::python_error& error) {
      return StatusFromPythonError(error, Status::Invalid(""));
    }
  }

  // The documented decode order: not a frame -> inner codec; a frame -> the
  // checks that need no unpickling (the signature among them), the cache,
  // then ferry._inline.<load>. A keyed session verifies every frame before
  // the cache, so a cached payload never stands in for an unverified one.
  template <typename T, typename Inner, typename Build>
  Result<std::shared_ptr<const T>> DecodeInline(FrameFamily family, const std::string& name,
                                                std::string_view definition, const char* load,
                                                Inner inner, Build build) const {
    FERRY_ASSIGN_OR_RAISE(auto frame, ParseFrameOf(name, definition));
    if (!frame) return inner();
    FERRY_RETURN_NOT_OK(CheckUsable(*frame, name, family));
    auto& cache = DecodedUdfCache::Instance();
    if (auto cached = cache.Find<T>(family, frame->payload)) return cached;
    std::shared_ptr<const T> func;
    {
      EngineGil gil;
      if (!gil.ok()) return ExitingError("decoding function '" + name + "'");
      try {
        nb::bytes payload(frame->payload.data(), frame->payload.size());
        nb::tuple record = nb::cast<nb::tuple>(InlineModule().attr(load)(nb::str(name.c_str()), payload));
        FERRY_ASSIGN_OR_RAISE(func, build(record));
      } catch (nb::python_error& error) {
        return StatusFromPythonError(error, Status::Invalid(""));
      }
    }
    cache.Insert(family, frame->payload, func);
    return func;
  }

  static Result<std::optional<InlineFrame>> ParseFrameOf(const std::string& name,
                                                         std::string_view definition) {
    auto frame = ParseInlineFrame(definition);
    if (!frame.ok()) {
      return frame.status().WithMessage("function '", name, "': ", frame.status().message());
    }
    return frame;
  }

  // The checks that need no unpickling, in the documented order.
  Status CheckUsable(const InlineFrame& frame, const std::string& name, FrameFamily expected) const {
    if (!inlining_) {
      return Status::UnknownError("Python UDF inlining is disabled in this session: refusing the "
                                  "inline ", FrameFamilyDescription(frame.family), " '", name,
                                  "' without unpickling it; register '", name,
                                  "' in this session and have the sender encode it by name, or "
                                  "decode with a session that has inlining enabled");
    }
    if (frame.family != expected) {
      return Status::Invalid("function '", name, "' carries an inline ",
                             FrameFamilyDescription(frame.family), " frame where an inline ",
                             FrameFamilyDescription(expected), " frame was expected");
    }
    FERRY_RETURN_NOT_OK(CheckFrameVersion(frame, name));
    if (keys_) FERRY_RETURN_NOT_OK(keys_->Verify(frame, name));
    if (frame.py_major != PY_MAJOR_VERSION || frame.py_minor != PY_MINOR_VERSION) {
      return Status::Invalid("inline Python UDF '", name, "' was pickled by Python ",
                             static_cast<int>(frame.py_major), ".", static_cast<int>(frame.py_minor),
                             " but this is Python ", PY_MAJOR_VERSION, ".", PY_MINOR_VERSION,
                             "; cloudpickle payloads are not portable across Python minor versions");
    }
    return Status::OK();
  }

  Status WarnIfLarge(const std::string& name, size_t size) const {
    if (static_cast<int64_t>(size) <= warn_bytes_) return Status::OK();
    {
      std::lock_guard lock(warned_mutex_);
      if (!warned_.insert(name).second) return Status::OK();
    }
    std::string message = "inline Python UDF '" + name + "' pickles to " + std::to_string(size) +
                          " bytes (warning threshold " + std::to_string(warn_bytes_) +
                          "); large closures travel with every expression";
    if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) {
      nb::python_error error;
      return StatusFromPythonError(error, Status::Invalid(""));
    }
    return Status::OK();
  }

  bool inlining_;
  int64_t warn_bytes_;
  std::shared_ptr<const PayloadKeyring> keys_;  // null: trust unsigned frames, write them
  mutable std::mutex warned_mutex_;
  mutable std::set<std::string> warned_;
};

}  // namespace

std::shared_ptr<const ExtensionCodec> MakePythonCodec(bool inlining, int64_t warn_bytes,
                                                      std::shared_ptr<const PayloadKeyring> keys) {
  return std::make_shared<const PythonCodec>(inlining, warn_bytes, std::move(keys));
}

bool InliningEnabled(const ExtensionCodec& codec) {
  const auto* python = dynamic_cast<const PythonCodec*>(&codec);
  return python != nullptr && python->inlining();
}

std::shared_ptr<const PayloadKeyring> PayloadKeys(const ExtensionCodec& codec) {
  return codec.payload_keys();
}

int64_t InlineWarnBytes(const ExtensionCodec& codec) {
  const auto* python = dynamic_cast<const PythonCodec*>(&codec);
  return python ? python->warn_bytes() : kDefaultInlineWarnBytes;
}

}  // namespace ferry::bindings
