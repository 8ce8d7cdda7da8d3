package io.taskpulse.server.mcp;

import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.tasks.Status;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A refused tool call as the model sees it: {@code isError: true}, the text
 * {@code <code>: <message>} followed by what to do next, and the HTTP API's error body as
 * structured content ({@code {"error": {code, message, details, hint}}}).
 */
final class Refusals {

  private Refusals() {}

  static CallToolResult result(Problem p) {
    String hint = hint(p);
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", p.code().wire);
    error.put("message", p.getMessage());
    error.put("details", p.details());
    error.put("hint", hint);
    return CallToolResult.builder()
        .addTextContent(p.code().wire + ": " + p.getMessage() + ". " + hint)
        .structuredContent(Map.of("error", error))
        .isError(true)
        .build();
  }

  /** A bug on the server's side: logged there, told without internals. */
  static CallToolResult internal() {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", "internal");
    error.put("message", "the server failed to handle this call");
    error.put("details", Map.of());
    error.put("hint", "Try once more; if it fails again, tell the user.");
    return CallToolResult.builder()
        .addTextContent("internal: the server failed to handle this call. Try once more; if it"
            + " fails again, tell the user.")
        .structuredContent(Map.of("error", error))
        .isError(true)
        .build();
  }

  /** One sentence a model can act on. */
  static String hint(Problem p) {
    return switch (p.code()) {
      case VALIDATION_FAILED -> "Correct the argument '" + p.details().getOrDefault("field", "?")
          + "' and call again.";
      case NOT_FOUND -> "No such thing is visible to you; use list_tasks to find the right id.";
      case INVALID_TRANSITION -> {
        Status from = Status.parse(String.valueOf(p.details().get("from")));
        yield from == null ? "Check the task's status with get_task first."
            : "A " + from.wire() + " task can move to: " + Arrays.stream(Status.values())
                .filter(from::canMoveTo).map(Status::wire).collect(Collectors.joining(", "))
                + ".";
      }
      case FORBIDDEN -> "You may see this task but not do this to it; ask its owner or an"
          + " admin.";
      case CONFLICT, VERSION_MISMATCH, LEASE_LOST -> "Read the task again with get_task, then"
          + " decide.";
      case RATE_LIMITED -> "Wait " + p.details().getOrDefault("retryAfterSeconds", 1)
          + " s and call again.";
      case UNAVAILABLE -> "The server is busy or its database is away; try again shortly.";
      case TOO_LARGE -> "Send less: shorten the text or the data.";
      case BAD_REQUEST, UNAUTHORIZED -> "Check the arguments against the tool's schema.";
    };
  }
}
