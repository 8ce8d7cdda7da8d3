package io.taskpulse.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.client.TaskpulseException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.StringJoiner;

/**
 * JSON over HTTP with a bearer token: builds the request, sends it on the calling thread and
 * turns an error answer into a {@link TaskpulseException} with the contract's code.
 */
final class HttpCalls {

  private final ClientConfig config;
  private final HttpClient http;

  HttpCalls(ClientConfig config, HttpClient http) {
    this.config = config;
    this.http = http;
  }

  /** A request: method, path with query, JSON body (null for none), extra headers. */
  record Call(String method, String path, Object body, Map<String, String> headers,
      Duration extraTime) {

    static Call get(String path) {
      return new Call("GET", path, null, Map.of(), Duration.ZERO);
    }

    static Call of(String method, String path, Object body) {
      return new Call(method, path, body, Map.of(), Duration.ZERO);
    }

    Call header(String name, String value) {
      Map<String, String> copy = new java.util.LinkedHashMap<>(headers);
      copy.put(name, value);
      return new Call(method, path, body, copy, extraTime);
    }

    Call longerBy(Duration extra) {
      return new Call(method, path, body, headers, extra);
    }
  }

  /** Sends the call and returns the answer's JSON (null for an empty body). */
  JsonNode send(Call call) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(config.base() + call.path()))
        .timeout(config.requestTimeout().plus(call.extraTime()))
        .header("Accept", "application/json");
    String token = config.tokens().get();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (call.body() == null) {
      b.method(call.method(), HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json");
      b.method(call.method(), HttpRequest.BodyPublishers.ofString(Wire.write(call.body())));
    }
    call.headers().forEach(b::header);
    HttpResponse<String> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new TaskpulseException(0, TaskpulseException.UNREACHABLE, call.method() + " "
          + call.path() + " got no answer from " + config.base() + ": " + e, null, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskpulseException(0, TaskpulseException.INTERRUPTED, call.method() + " "
          + call.path() + " was interrupted", null, null, e);
    }
    JsonNode json = parse(response.body());
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return json;
    }
    throw error(status, json, response.headers().firstValue("Retry-After").orElse(null));
  }

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return Wire.MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  static TaskpulseException error(int status, JsonNode json, String retryAfter) {
    JsonNode error = json == null ? null : json.get("error");
    String code = error != null && error.path("code").isTextual() ? error.get("code").asText()
        : fallbackCode(status);
    String message = error != null && error.path("message").isTextual()
        ? error.get("message").asText() : "HTTP " + status;
    JsonNode details = error == null ? null : error.get("details");
    return new TaskpulseException(status, code, message,
        details != null && details.isObject() ? details : null, retryAfter(retryAfter), null);
  }

  /** An answer without the contract's body (a proxy's, say) still gets a fitting code. */
  private static String fallbackCode(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 409 -> "conflict";
      case 412 -> "version_mismatch";
      case 413 -> "too_large";
      case 429 -> "rate_limited";
      case 503 -> "unavailable";
      default -> "http_" + status;
    };
  }

  /** {@code Retry-After} as seconds or as an HTTP date. */
  static Duration retryAfter(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(header.trim())));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }

  /** A path segment, percent-encoded. */
  static String seg(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("an id is required");
    }
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Builds {@code ?a=1&b=2}, leaving out null values. */
  static final class Query {
    private final StringJoiner joiner = new StringJoiner("&", "?", "");
    private boolean any;

    Query add(String name, Object value) {
      if (value != null && !value.toString().isEmpty()) {
        joiner.add(name + "=" + URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
        any = true;
      }
      return this;
    }

    @Override
    public String toString() {
      return any ? joiner.toString() : "";
    }
  }
}
