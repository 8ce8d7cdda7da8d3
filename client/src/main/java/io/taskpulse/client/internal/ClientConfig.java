package io.taskpulse.client.internal;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A client's settings, checked by the builder.
 *
 * @param httpClient the caller's JDK client, or null for one the client builds and owns
 */
public record ClientConfig(URI baseUrl, Supplier<String> tokens, HttpClient httpClient,
    Duration connectTimeout, Duration requestTimeout, Duration backoffInitial,
    Duration backoffMax, int maxMessageBytes) {

  /** The base URL without a trailing slash, so paths can be appended. */
  String base() {
    String s = baseUrl.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  /** The WebSocket endpoint: ws(s)://host:port[/prefix]/api/v1/ws. */
  URI webSocketUri() {
    String base = base();
    String ws = base.regionMatches(true, 0, "https", 0, 5) ? "wss" + base.substring(5)
        : "ws" + base.substring(4);
    return URI.create(ws + "/api/v1/ws");
  }
}
