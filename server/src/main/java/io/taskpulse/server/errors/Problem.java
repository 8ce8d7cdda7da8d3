package io.taskpulse.server.errors;

import java.util.Map;

/**
 * A refusal the client can act on: thrown where the rule lives, mapped to an HTTP status and
 * the error body of PROTOCOL section 3 in one place ({@code api.ErrorMapping}).
 */
public final class Problem extends RuntimeException {

  /** The error codes of the wire contract, each with its HTTP status. */
  public enum Code {
    BAD_REQUEST("bad_request", 400),
    VALIDATION_FAILED("validation_failed", 400),
    UNAUTHORIZED("unauthorized", 401),
    FORBIDDEN("forbidden", 403),
    NOT_FOUND("not_found", 404),
    INVALID_TRANSITION("invalid_transition", 409),
    CONFLICT("conflict", 409),
    LEASE_LOST("lease_lost", 409),
    VERSION_MISMATCH("version_mismatch", 412),
    TOO_LARGE("too_large", 413),
    RATE_LIMITED("rate_limited", 429),
    UNAVAILABLE("unavailable", 503);

    public final String wire;
    public final int httpStatus;

    Code(String wire, int httpStatus) {
      this.wire = wire;
      this.httpStatus = httpStatus;
    }
  }

  private final Code code;
  private final Map<String, Object> details;

  public Problem(Code code, String message, Map<String, Object> details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details == null ? Map.of() : Map.copyOf(details);
  }

  public Code code() {
    return code;
  }

  public Map<String, Object> details() {
    return details;
  }

  public static Problem badRequest(String message) {
    return new Problem(Code.BAD_REQUEST, message, null);
  }

  /** A field's value is not acceptable; {@code details.field} names it. */
  public static Problem invalid(String field, String message) {
    return new Problem(Code.VALIDATION_FAILED, field + ": " + message, Map.of("field", field));
  }

  public static Problem unauthorized(String message) {
    return new Problem(Code.UNAUTHORIZED, message, null);
  }

  public static Problem forbidden(String message) {
    return new Problem(Code.FORBIDDEN, message, null);
  }

  /** What the caller may not see is reported exactly like what does not exist. */
  public static Problem notFound(String what, String id) {
    return new Problem(Code.NOT_FOUND, what + " " + id + " not found", Map.of(what, id));
  }

  public static Problem invalidTransition(String from, String to) {
    return new Problem(Code.INVALID_TRANSITION, "cannot move a " + from + " task to " + to,
        Map.of("from", from, "to", to));
  }

  public static Problem conflict(String message) {
    return new Problem(Code.CONFLICT, message, null);
  }

  public static Problem versionMismatch(long expected, long actual) {
    return new Problem(Code.VERSION_MISMATCH,
        "task is at version " + actual + ", not " + expected, Map.of("version", actual));
  }

  /** The worker no longer holds the task: cancelled, reassigned, expired or deleted. */
  public static Problem leaseLost(String worker, String status) {
    return new Problem(Code.LEASE_LOST, "task is no longer running under worker " + worker
        + " (it is " + status + ")", Map.of("status", status));
  }

  public static Problem tooLarge(String message) {
    return new Problem(Code.TOO_LARGE, message, null);
  }

  public static Problem rateLimited(long retryAfterSeconds) {
    return new Problem(Code.RATE_LIMITED, "too many writes; retry in " + retryAfterSeconds + " s",
        Map.of("retryAfterSeconds", retryAfterSeconds));
  }

  public static Problem unavailable(String message) {
    return new Problem(Code.UNAVAILABLE, message, null);
  }
}
