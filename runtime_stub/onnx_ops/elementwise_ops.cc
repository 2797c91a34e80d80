// elementwise_ops.cc: unary math operators and activations (Abs .. Not, Relu .. Gelu,
// PRelu). RegisterElementwiseOps also registers the binary and conversion parts.
//
// Values are computed in double and rounded to the output type, which matches the float32
// reference within the backend tests' tolerance.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "onnx_ops/elementwise_common.h"
#include "onnx_ops/op_attributes.h"
#include "onnx_ops/op_table.h"
#include "onnx_ops/tensor_math.h"
#include "soma/status_macros.h"

namespace soma::onnx_ops {

namespace {

using Outputs = absl::StatusOr<std::vector<HostTensor>>;

double Sigmoid(double x) {
  // exp gets a non-positive argument on both branches, so it cannot overflow.
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

double Softplus(double x) {
  // log(1 + exp(x)) without overflow for large x.
  if (x > 30.0) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

double Sign(double x) {
  if (std::isnan(x)) return x;
  return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
}

Outputs RunHardSigmoid(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 0.2f);
  const double beta = FloatAttribute(call.node, "beta", 0.5f);
  return MapUnary(
      call, [alpha, beta](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); });
}

Outputs RunLeakyRelu(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 0.01f);
  return MapUnary(call, [alpha](double x) { return x < 0.0 ? alpha * x : x; });
}

Outputs RunElu(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  return MapUnary(call, [alpha](double x) { return x < 0.0 ? alpha * std::expm1(x) : x; });
}

Outputs RunSelu(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 1.67326319217681884765625f);
  const double gamma = FloatAttribute(call.node, "gamma", 1.05070102214813232421875f);
  return MapUnary(call, [alpha, gamma](double x) {
    return x > 0.0 ? gamma * x : gamma * alpha * std::expm1(x);
  });
}

Outputs RunCelu(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  return MapUnary(call, [alpha](double x) {
    return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
  });
}

Outputs RunThresholdedRelu(const OpCall& call) {
  const double alpha = FloatAttribute(call.node, "alpha", 1.0f);
  return MapUnary(call, [alpha](double x) { return x > alpha ? x : 0.0; });
}

Outputs RunGelu(const OpCall& call) {
  const std::string approximate = StringAttribute(call.node, "approximate", "none");
  if (approximate == "tanh") {
    const double scale = std::sqrt(2.0 / M_PI);
    return MapUnary(call, [scale](double x) {
      return 0.5 * x * (1.0 + std::tanh(scale * (x + 0.044715 * x * x * x)));
    });
  }
  if (approximate != "none") {
    return UnsupportedAttribute(call.node, "approximate", absl::StrCat("'", approximate, "'"),
                                "use 'none' or 'tanh'");
  }
  return MapUnary(call, [](double x) { return 0.5 * x * (1.0 + std::erf(x / M_SQRT2)); });
}

Outputs RunIsInf(const OpCall& call) {
  const bool detect_negative = IntAttribute(call.node, "detect_negative", 1) != 0;
  const bool detect_positive = IntAttribute(call.node, "detect_positive", 1) != 0;
  return MapUnary(
      call,
      [detect_negative, detect_positive](double x) {
        if (!std::isinf(x)) return 0.0;
        return (x > 0.0 ? detect_positive : detect_negative) ? 1.0 : 0.0;
      },
      kBool);
}

Outputs RunPRelu(const OpCall& call) {
  ASSIGN_OR_RETURN(const HostTensor* x, RequiredInput(call, 0));
  ASSIGN_OR_RETURN(const HostTensor* slope, RequiredInput(call, 1));
  RETURN_IF_ERROR(CheckNumericInput(call, *x, 0));
  HostTensor slope_view = *slope;
  // Opsets before 7 broadcast a 1-D slope along the channel axis (axis 1) of X.
  if (call.opset < 7 && slope->dims.size() == 1 && x->dims.size() > 2 &&
      slope->dims[0] == x->dims[1] && slope->dims[0] != 1) {
    slope_view.dims.assign(x->dims.size() - 1, 1);
    slope_view.dims[0] = slope->dims[0];
  }
  ASSIGN_OR_RETURN(HostTensor y, BroadcastBinary(call, *x, slope_view, x->elem_type,
                                                 [](double value, double alpha) {
                                                   return value < 0.0 ? alpha * value : value;
                                                 }));
  if (y.dims != x->dims) {
    return absl::InvalidArgumentError(absl::StrCat(
        call.label, ": slope shape ", DimsToString(slope->dims),
        " must broadcast to the input shape ", DimsToString(x->dims), " (unidirectionally)"));
  }
  std::vector<HostTensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

void Add(OpTable& table, const char* op_type, OpFunction run) {
  table[absl::StrCat("/", op_type)] = OpEntry{run, ""};
}

}  // namespace

void RegisterElementwiseOps(OpTable& table) {
  // Math functions.
  Add(table, "Abs",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::fabs(x); }); });
  Add(table, "Neg", [](const OpCall& c) { return MapUnary(c, [](double x) { return -x; }); });
  Add(table, "Reciprocal",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return 1.0 / x; }); });
  Add(table, "Sqrt",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::sqrt(x); }); });
  Add(table, "Exp",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::exp(x); }); });
  Add(table, "Log",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::log(x); }); });
  Add(table, "Erf",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::erf(x); }); });
  Add(table, "Tanh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::tanh(x); }); });
  Add(table, "Sin",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::sin(x); }); });
  Add(table, "Cos",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::cos(x); }); });
  Add(table, "Tan",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::tan(x); }); });
  Add(table, "Asin",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::asin(x); }); });
  Add(table, "Acos",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::acos(x); }); });
  Add(table, "Atan",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::atan(x); }); });
  Add(table, "Sinh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::sinh(x); }); });
  Add(table, "Cosh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::cosh(x); }); });
  Add(table, "Asinh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::asinh(x); }); });
  Add(table, "Acosh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::acosh(x); }); });
  Add(table, "Atanh",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::atanh(x); }); });
  Add(table, "Floor",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::floor(x); }); });
  Add(table, "Ceil",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::ceil(x); }); });
  // std::nearbyint rounds half to even in the default rounding mode, as Round requires.
  Add(table, "Round",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return std::nearbyint(x); }); });
  Add(table, "Sign", [](const OpCall& c) { return MapUnary(c, Sign); });
  Add(table, "IsNaN", [](const OpCall& c) {
    return MapUnary(
        c, [](double x) { return std::isnan(x) ? 1.0 : 0.0; }, kBool);
  });
  Add(table, "IsInf", RunIsInf);
  Add(table, "Not", [](const OpCall& c) {
    return MapUnary(
        c, [](double x) { return x != 0.0 ? 0.0 : 1.0; }, kBool);
  });

  // Activations.
  Add(table, "Relu",
      [](const OpCall& c) { return MapUnary(c, [](double x) { return x > 0.0 ? x : 0.0; }); });
  Add(table, "Sigmoid", [](const OpCall& c) { return MapUnary(c, Sigmoid); });
  Add(table, "HardSigmoid", RunHardSigmoid);
  Add(table, "HardSwish", [](const OpCall& c) {
    return MapUnary(c, [](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); });
  });
  Add(table, "LeakyRelu", RunLeakyRelu);
  Add(table, "PRelu", RunPRelu);
  Add(table, "Elu", RunElu);
  Add(table, "Selu", RunSelu);
  Add(table, "Celu", RunCelu);
  Add(table, "Softplus", [](const OpCall& c) { return MapUnary(c, Softplus); });
  Add(table, "Softsign", [](const OpCall& c) {
    return MapUnary(c, [](double x) { return x / (1.0 + std::fabs(x)); });
  });
  Add(table, "Mish", [](const OpCall& c) {
    return MapUnary(c, [](double x) { return x * std::tanh(Softplus(x)); });
  });
  Add(table, "Gelu", RunGelu);
  Add(table, "ThresholdedRelu", RunThresholdedRelu);

  RegisterElementwiseBinaryOps(table);
  RegisterElementwiseCastOps(table);
}

}  // namespace soma::onnx_ops
