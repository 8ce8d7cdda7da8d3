package io.taskpulse.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Blocking calls for setting a scenario up and reading the node's state; not for load. */
final class Rest implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClientAgent http;
  private final String token;

  Rest(Vertx vertx, Target target, String user) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(target.host())
        .setDefaultPort(target.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(4));
    this.token = target.token(user);
  }

  JsonNode call(HttpMethod method, String path, String body) throws Exception {
    return JSON.readTree(text(method, path, body));
  }

  String text(HttpMethod method, String path, String body) throws Exception {
    Future<Buffer> f = http.request(new RequestOptions().setMethod(method).setURI(path)
            .putHeader("Authorization", "Bearer " + token)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> {
          if (resp.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + ": " + resp.statusCode() + " "
                + b);
          }
          return b;
        }));
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).toString();
  }

  /** Creates {@code n} running tasks in team {@code bench}; returns their ids. */
  List<String> createTasks(int n, String title) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonNode t = call(HttpMethod.POST, "/api/v1/tasks",
          "{\"title\":\"" + title + " " + i + "\",\"teamId\":\"bench\"}");
      ids.add(t.get("id").asText());
    }
    return ids;
  }

  /** The log's head offset as the node reports it. */
  long offset() throws Exception {
    return call(HttpMethod.GET, "/api/v1/tasks?limit=1", null).get("offset").asLong();
  }

  /** The sum of a Prometheus metric's samples, those whose labels contain {@code label}. */
  double metric(String name, String label) throws Exception {
    double sum = 0;
    boolean found = false;
    for (String line : text(HttpMethod.GET, "/metrics", null).split("\n")) {
      if (line.startsWith(name) && line.length() > name.length()
          && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{')
          && (label == null || line.contains(label))) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    return found ? sum : Double.NaN;
  }

  @Override
  public void close() {
    http.close();
  }
}
