package io.taskpulse.server.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a handler answers: a status, a body serialized to JSON (none when null), headers. */
record Reply(int status, Object body, Map<String, String> headers) {

  static Reply ok(Object body) {
    return new Reply(200, body, Map.of());
  }

  static Reply created(Object body) {
    return new Reply(201, body, Map.of());
  }

  static Reply noContent() {
    return new Reply(204, null, Map.of());
  }

  Reply header(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new Reply(status, body, copy);
  }
}
