// status_macros.h: early-return helpers for absl::Status and absl::StatusOr.
//
// abseil 20220623 ships no status macros, so the project keeps its own small set here and
// nowhere else.
#ifndef SOMA_STATUS_MACROS_H_
#define SOMA_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define SOMA_STATUS_CONCAT_INNER_(a, b) a##b
#define SOMA_STATUS_CONCAT_(a, b) SOMA_STATUS_CONCAT_INNER_(a, b)

/// Returns from the enclosing function when `expr` yields a non-OK absl::Status.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status soma_status_ = (expr);              \
    if (!soma_status_.ok()) return soma_status_;       \
  } while (0)

/// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status on error, else moves the value
/// into `lhs`, which may be a declaration such as `auto x`.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  SOMA_ASSIGN_OR_RETURN_IMPL_(SOMA_STATUS_CONCAT_(soma_statusor_, __LINE__), lhs, rexpr)

#define SOMA_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

/// Returns an Internal error naming the failed condition: for broken invariants, never for
/// bad user input.
#define RET_CHECK(cond, ...)                                                           \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      return ::absl::InternalError(::absl::StrCat("internal check failed: " #cond " ", \
                                                  __FILE__, ":", __LINE__, " "         \
                                                  __VA_OPT__(, ) __VA_ARGS__));        \
    }                                                                                  \
  } while (0)

#endif  // SOMA_STATUS_MACROS_H_
