package io.taskpulse.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads the whole log through the public feed, as an admin, page by page. */
public final class LogReader {

  private LogReader() {}

  public static List<JsonNode> readAll(Api admin) {
    List<JsonNode> out = new ArrayList<>();
    long after = 0;
    while (true) {
      Api.Response r = admin.get("/api/v1/events?after=" + after + "&limit=1000");
      if (r.status() != 200) {
        throw new AssertionError("feed failed: " + r.status() + " " + r.text());
      }
      JsonNode events = r.json().get("events");
      events.forEach(out::add);
      long next = r.json().get("next").asLong();
      if (events.isEmpty() || next == after) {
        return out;
      }
      after = next;
    }
  }
}
