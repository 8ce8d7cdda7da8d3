package io.taskpulse.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small JSON-over-HTTP client for tests, holding one bearer token. */
public final class Api {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A response: status, headers and the body parsed as JSON (null when empty). */
  public record Response(int status, Map<String, java.util.List<String>> headers, JsonNode json,
      String text) {

    public String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    public String errorCode() {
      return json == null ? null : json.path("error").path("code").asText(null);
    }
  }

  private final String baseUrl;
  private final String token;

  public Api(String baseUrl, String token) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  public String token() {
    return token;
  }

  public Response get(String path) {
    return send("GET", path, null, Map.of());
  }

  public Response post(String path, String json) {
    return send("POST", path, json, Map.of());
  }

  public Response patch(String path, String json) {
    return send("PATCH", path, json, Map.of());
  }

  public Response put(String path) {
    return send("PUT", path, null, Map.of());
  }

  public Response delete(String path) {
    return send("DELETE", path, null, Map.of());
  }

  public Response send(String method, String path, String json, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(90))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    headers.forEach(b::setHeader); // replaces the defaults above (Content-Type)
    try {
      HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = null;
      if (!r.body().isEmpty()) {
        try {
          body = MAPPER.readTree(r.body());
        } catch (IOException e) {
          body = null;
        }
      }
      return new Response(r.statusCode(), r.headers().map(), body, r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Creates a task from JSON and returns its id; fails the test unless 201. */
  public String create(String json) {
    Response r = post("/api/v1/tasks", json);
    if (r.status() != 201) {
      throw new AssertionError("create failed: " + r.status() + " " + r.text());
    }
    return r.json().get("id").asText();
  }
}
