#include "errors.h"

#include <arrow/status.h>

namespace ferry::bindings {
namespace {

// Keeps a Python exception alive inside a Status on its way through C++
// threads; dropping it takes the GIL.
class PythonErrorDetail final : public arrow::StatusDetail {
 public:
  explicit PythonErrorDetail(nb::object exception) : exception_(exception.release().ptr()) {}
  ~PythonErrorDetail() override {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    Py_XDECREF(exception_);
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

}  // namespace

void ThrowIfError(const Status& status) {
  if (status.ok()) return;
  nb::gil_scoped_acquire gil;
  nb::object errors = nb::module_::import_("ferry.errors");
  auto detail = std::dynamic_pointer_cast<PythonErrorDetail>(status.detail());
  const char* cls_name = ErrorClassFor(status);
  nb::object cls = errors.attr(cls_name);
  const std::string& message = status.message();
  nb::object exc = cls(nb::str(message.c_str(), message.size()));
  if (detail) PyException_SetCause(exc.ptr(), Py_NewRef(detail->exception()));
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw nb::python_error();
}

Status StatusFromPythonError(nb::python_error& error, const std::string& context) {
  nb::object value = nb::borrow(error.value());
  std::string type_name = std::string(nb::str(value.type().attr("__name__")).c_str());
  std::string message = std::string(nb::str(value).c_str());
  return Status::UnknownError(context, " ", type_name, ": ", message)
      .WithDetail(std::make_shared<PythonErrorDetail>(value));
}

Status StatusFromPythonError(nb::python_error& error, const Status& code_of) {
  nb::object value = nb::borrow(error.value());
  std::string message = std::string(nb::str(value).c_str());
  return Status(code_of.code(), message).WithDetail(std::make_shared<PythonErrorDetail>(value));
}

}  // namespace ferry::bindings
