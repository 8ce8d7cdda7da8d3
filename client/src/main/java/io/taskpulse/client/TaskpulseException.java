package io.taskpulse.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.Optional;

/**
 * A refusal or failure, carrying the contract's error {@code code} (PROTOCOL section 3):
 * {@code not_found}, {@code invalid_transition}, {@code version_mismatch},
 * {@code validation_failed} (with {@code details.field}), {@code rate_limited} and so on.
 * Refusals that arrive over a live subscription carry the same codes with {@link #status()}
 * set to the matching HTTP status. When the server could not be reached at all the status is
 * 0 and the code is {@link #UNREACHABLE} (the cause says why).
 */
public class TaskpulseException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The code of a call that got no answer: connection refused, reset, timed out. */
  public static final String UNREACHABLE = "unreachable";
  /** The code of a call abandoned because its thread was interrupted. */
  public static final String INTERRUPTED = "interrupted";

  private final int status;
  private final String code;
  private final transient JsonNode details;
  private final Duration retryAfter;

  /**
   * A refusal or failure.
   *
   * @param status the HTTP status, or 0 without an HTTP answer
   * @param code the contract's error code
   * @param details the error's details object, or null
   * @param retryAfter the wait the server asked for, or null
   * @param cause the underlying failure, or null
   */
  public TaskpulseException(int status, String code, String message, JsonNode details,
      Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.details = details == null ? JsonNodeFactory.instance.objectNode() : details;
    this.retryAfter = retryAfter;
  }

  /** A refusal without details. */
  public TaskpulseException(int status, String code, String message) {
    this(status, code, message, null, null, null);
  }

  /** The HTTP status, or 0 when there was no HTTP answer. */
  public int status() {
    return status;
  }

  /** The contract's error code, such as {@code not_found}; never null. */
  public String code() {
    return code;
  }

  /** The error's {@code details} object; empty when there were none. */
  public JsonNode details() {
    return details;
  }

  /** A text detail such as {@code detail("field")}, or null. */
  public String detail(String name) {
    JsonNode v = details.get(name);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** How long the server asked to wait (429 and 503 answers with {@code Retry-After}). */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  @Override
  public String toString() {
    return "TaskpulseException{" + (status > 0 ? status + " " : "") + code + ": " + getMessage()
        + "}";
  }
}
