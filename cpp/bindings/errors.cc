#include "errors.h"

#include <arrow/status.h>

#include "python_gil.h"

namespace ferry::bindings {
namespace {

// Keeps a Python exception alive inside a Status on its way through C++
// threads; dropping it takes the GIL.
class PythonErrorDetail final : public arrow::StatusDetail {
 public:
  explicit PythonErrorDetail(nb::object exception) : exception_(exception.release().ptr()) {}
  ~PythonErrorDetail() override {
    EngineGil gil;  // at exit: leak rather than touch Python
    if (gil.ok()) Py_XDECREF(exception_);
  }
  const char* type_id() const override { return "ferry::python_error"; }
  std::string ToString() const override { return "Python exception"; }
  PyObject* exception() const { return exception_; }

 private:
  PyObject* exception_;
};

const char* ErrorClassFor(const Status& status) {
  switch (status.code()) {
    case arrow::StatusCode::Invalid:
    case arrow::StatusCode::IndexError:
    case arrow::StatusCode::SerializationError:
    case arrow::StatusCode::CapacityError:
      return "FerryValueError";
    case arrow::StatusCode::TypeError:
      return "FerryTypeError";
    case arrow::StatusCode::KeyError:
      return "FerryKeyError";
    case arrow::StatusCode::NotImplemented:
      return "FerryNotImplementedError";
    case arrow::StatusCode::IOError:
      return "FerryIOError";
    default:
      return "ExecutionError";
  }
}

// str(obj) as UTF-8 that never fails: lone surrogates (which UTF-8 cannot
// hold) are escaped, and an object whose __str__ raises is described as
// such. Used on exceptions a UDF raised, whose text is arbitrary. GIL held.
std::string SafeStr(nb::handle obj) {
  nb::object text = nb::steal(PyObject_Str(obj.ptr()));
  if (!text.is_valid()) {
    PyErr_Clear();
    return "<str() raised>";
  }
  nb::object utf8 = nb::steal(PyUnicode_AsEncodedString(text.ptr(), "utf-8", "backslashreplace"));
  if (!utf8.is_valid()) {
    PyErr_Clear();
    return "<not printable>";
  }
  return std::string(PyBytes_AS_STRING(utf8.ptr()), PyBytes_GET_SIZE(utf8.ptr()));
}

}  // namespace

void WarnAll(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) {
    if (PyErr_WarnEx(PyExc_UserWarning, warning.c_str(), 1) != 0) throw nb::python_error();
  }
}

void ThrowIfError(const Status& status) {
  if (status.ok()) return;
  nb::gil_scoped_acquire gil;
  nb::object errors = nb::module_::import_("ferry.errors");
  auto detail = std::dynamic_pointer_cast<PythonErrorDetail>(status.detail());
  const char* cls_name = ErrorClassFor(status);
  nb::object cls = errors.attr(cls_name);
  const std::string& message = status.message();
  // Messages quote user bytes (column names, Arrow field names) that need
  // not be UTF-8; decoding must not fail here, or the ferry error would be
  // replaced by an unrelated one. U+FFFD marks what could not be decoded.
  nb::object text = nb::steal(
      PyUnicode_DecodeUTF8(message.data(), static_cast<Py_ssize_t>(message.size()), "replace"));
  if (!text.is_valid()) throw nb::python_error();  // only on memory exhaustion
  nb::object exc = cls(text);
  if (detail) PyException_SetCause(exc.ptr(), Py_NewRef(detail->exception()));
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw nb::python_error();
}

Status StatusFromPythonError(nb::python_error& error, const std::string& context) {
  nb::object value = nb::borrow(error.value());
  std::string type_name = SafeStr(value.type().attr("__name__"));
  std::string message = SafeStr(value);
  return Status::UnknownError(context, " ", type_name, ": ", message)
      .WithDetail(std::make_shared<PythonErrorDetail>(value));
}

Status StatusFromPythonError(nb::python_error& error, const Status& code_of) {
  nb::object value = nb::borrow(error.value());
  std::string message = SafeStr(value);
  return Status(code_of.code(), message).WithDetail(std::make_shared<PythonErrorDetail>(value));
}

}  // namespace ferry::bindings
