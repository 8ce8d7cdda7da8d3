package io.taskpulse.server.tasks;

import io.taskpulse.server.errors.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The opaque cursor of a task listing (HTTP and MCP): the page after a given task id. */
public final class ListCursor {

  private ListCursor() {}

  public static String encode(String lastId) {
    return lastId == null ? null : Base64.getUrlEncoder().withoutPadding()
        .encodeToString(("before:" + lastId).getBytes(StandardCharsets.UTF_8));
  }

  /** The task id the page starts below; null for the first page; 400 for a foreign cursor. */
  public static Long decode(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return null;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith("before:")) {
        return Long.parseLong(text.substring("before:".length()));
      }
    } catch (IllegalArgumentException ignored) {
      // reported below
    }
    throw Problem.invalid("cursor", "is not a cursor this server gave out");
  }
}
