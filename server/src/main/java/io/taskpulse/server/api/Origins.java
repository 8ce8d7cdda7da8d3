package io.taskpulse.server.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.net.URI;
import java.util.List;

/**
 * Which browser pages may talk to this server where a bearer token alone is not enough
 * (WebSocket upgrades, MCP against DNS rebinding).
 */
final class Origins {

  private Origins() {}

  /**
   * With allowed origins configured, only those; without, only pages served by this host.
   * Requests without {@code Origin} come from programs, not browsers, and are allowed.
   */
  static boolean allowed(HttpServerRequest req, List<String> allowedOrigins) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return true;
    }
    if (!allowedOrigins.isEmpty()) {
      return allowedOrigins.contains(origin) || allowedOrigins.contains("*");
    }
    String host = req.getHeader(HttpHeaders.HOST);
    if (host == null && req.authority() != null) {
      // HTTP/2 (an h2c upgrade, as Java's HttpClient makes) carries :authority, not Host
      HostAndPort a = req.authority();
      host = a.port() > 0 ? a.host() + ":" + a.port() : a.host();
    }
    try {
      URI uri = URI.create(origin);
      String originHost = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
      return host != null && (host.equalsIgnoreCase(originHost)
          || host.equalsIgnoreCase(uri.getHost()));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
