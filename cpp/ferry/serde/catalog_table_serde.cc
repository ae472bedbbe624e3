// Tables a plan refers to by name: the receiver's catalog supplies the
// rows, the wire carries only the name and the schema the sender planned
// against, so a receiver whose table differs fails before running.

#include "ferry/serde/literal_serde_internal.h"
#include "ferry/serde/plan_serde_internal.h"

namespace ferry::internal {

Status EncodeCatalogTable(const std::string& name, const std::shared_ptr<arrow::Schema>& schema,
                          ferry::v1::TableSource* out) {
  if (name.empty()) return Status::Invalid("a table sent by name needs a name");
  auto* catalog = out->mutable_catalog();
  catalog->set_name(name);
  FERRY_ASSIGN_OR_RAISE(auto bytes, WriteIpcStream(schema, {}));
  catalog->set_schema(std::move(bytes));
  return Status::OK();
}

Result<std::shared_ptr<const TableProvider>> ResolveCatalogTable(
    const ferry::v1::CatalogTable& table,
    const std::function<Result<std::shared_ptr<const TableProvider>>(const std::string&)>& resolve) {
  if (table.name().empty()) return Status::Invalid("table sent by name without a name");
  FERRY_ASSIGN_OR_RAISE(auto expected, ReadIpcStream(table.schema(), "schema of a table sent by name"));
  if (!expected.second.empty()) {
    return Status::Invalid("malformed schema of table '", table.name(), "': it holds record batches");
  }
  if (!resolve) {
    return Status::KeyError("the plan refers to table '", table.name(),
                            "' by name, and the decoder was given no catalog to find it in");
  }
  auto found = resolve(table.name());
  if (!found.ok()) {
    return Status::KeyError("the plan refers to table '", table.name(),
                            "' by name, but the receiving session cannot provide it: ",
                            found.status().message());
  }
  const auto& actual = (*found)->schema();
  if (!actual->Equals(*expected.first, /*check_metadata=*/false)) {
    return Status::Invalid("table '", table.name(), "' in the receiving session has schema ",
                           actual->ToString(), "; the plan was built against ",
                           expected.first->ToString());
  }
  return *found;
}

}  // namespace ferry::internal
