// legacy_forms.h: rewrites nodes written for old opsets into their current form.
#ifndef SOMA_IMPORTER_LEGACY_FORMS_H_
#define SOMA_IMPORTER_LEGACY_FORMS_H_

#include "absl/status/statusor.h"
#include "importer/lowering_context.h"

namespace soma::importer {

/// Rewrites Add, Sub, Mul and Div of opset 6 and below, whose `broadcast` and `axis`
/// attributes align B with A from `axis` on (not from the right, as numpy does): B becomes
/// a constant or a view with trailing ones, and the attributes (and `consumed_inputs`) are
/// dropped. Returns the rewritten node (owned by `context`), or nullptr when the node needs
/// no rewrite. InvalidArgument names the node when `axis` does not fit the shapes.
absl::StatusOr<const onnx::NodeProto*> RewriteLegacyNode(const NodeScope& scope,
                                                         LoweringContext& context);

}  // namespace soma::importer

#endif  // SOMA_IMPORTER_LEGACY_FORMS_H_
