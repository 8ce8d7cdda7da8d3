package io.taskpulse.server.github;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.json.Json;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.tasks.Actor;
import io.taskpulse.server.tasks.Entry;
import io.taskpulse.server.tasks.Status;
import io.taskpulse.server.tasks.Task;
import io.taskpulse.server.tasks.TaskService;
import io.taskpulse.server.log.Event;
import io.taskpulse.server.log.EventLog;
import io.taskpulse.server.store.Tx;
import java.sql.SQLException;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub pull requests act on tasks (PROTOCOL section 10). A delivery is checked against its
 * HMAC-SHA256 signature, recorded by its delivery id in the same transaction as its changes
 * (a redelivery changes nothing), and linked to tasks by {@code TP-<id>} in the branch, title
 * or body. Blocks on the database.
 */
public final class GitHubWebhooks {

  /** What a delivery did: the HTTP status to answer and a short description. */
  public record Outcome(int status, String result) {}

  private static final Pattern LINK = Pattern.compile("(?i)\\bTP-(\\d{1,18})\\b");
  private static final Principal WEBHOOK = new Principal("github", Set.of(), true, Instant.MAX);

  private final byte[] secret;
  private final TaskService tasks;

  public GitHubWebhooks(String secret, TaskService tasks) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.tasks = tasks;
  }

  /** 401 unless {@code header} is {@code sha256=<hex HMAC of body>}; compared in constant time. */
  public void verify(byte[] body, String header) {
    if (header == null || !header.startsWith("sha256=")) {
      throw Problem.unauthorized("missing X-Hub-Signature-256");
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(header.substring("sha256=".length()));
    } catch (IllegalArgumentException e) {
      throw Problem.unauthorized("malformed X-Hub-Signature-256");
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      if (!MessageDigest.isEqual(mac.doFinal(body), given)) {
        throw Problem.unauthorized("X-Hub-Signature-256 does not match");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** Applies a verified delivery. */
  public Outcome handle(String event, String deliveryId, JsonNode payload) {
    if ("ping".equals(event)) {
      return new Outcome(200, "pong");
    }
    if (!"pull_request".equals(event)) {
      return new Outcome(202, "ignored: event " + event);
    }
    String action = payload.path("action").asText();
    JsonNode pr = payload.path("pull_request");
    boolean merged = pr.path("merged").asBoolean(false);
    boolean draft = pr.path("draft").asBoolean(false);
    // A draft is not up for review: its opening links it, and ready_for_review moves it on.
    boolean opens = Set.of("opened", "reopened", "ready_for_review", "converted_to_draft")
        .contains(action);
    String openStage = draft || action.equals("converted_to_draft") ? "pr_draft" : "in_review";
    boolean closes = action.equals("closed");
    if (!opens && !closes) {
      return new Outcome(202, "ignored: action " + action);
    }
    Set<String> ids = links(pr);
    if (ids.isEmpty()) {
      return new Outcome(202, "not linked to a task");
    }
    Actor actor = new Actor("github:" + payload.path("sender").path("login").asText("unknown"),
        "webhook", "webhook");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("url", pr.path("html_url").asText(null));
    data.put("number", pr.path("number").asLong());
    data.put("repository", payload.path("repository").path("full_name").asText(null));
    data.put("title", pr.path("title").asText(null));
    data.put("action", action);
    data.put("merged", merged);
    data.put("draft", draft);
    JsonNode entryData = Json.MAPPER.valueToTree(data);
    String text = "PR #" + pr.path("number").asLong() + " " + (closes
        ? (merged ? "merged" : "closed") : action) + ": " + pr.path("title").asText("");
    try {
      return tasks.commit((tx, drafts) -> {
        if (deliveryId != null && tx.update("INSERT INTO github_deliveries (id, received_at)"
            + " VALUES (?, ?) ON CONFLICT (id) DO NOTHING", deliveryId,
            System.currentTimeMillis()) == 0) {
          return new Outcome(200, "already delivered");
        }
        int changed = 0;
        for (String id : ids) {
          if (tasks.exists(tx, id)) {
            changed++;
            tasks.change(tx, WEBHOOK, id, null, actor, (before, b, t) -> {
              if (opens) {
                b.stage = openStage;
              } else if (!merged) {
                b.stage = "pr_closed";
              }
              Entry entry = tasks.addEntry(t, before, "link", text, entryData, actor);
              return new TaskService.Outcome(Event.ENTRY_ADDED, entry);
            }, drafts);
            if (closes && merged) {
              complete(tx, id, actor, drafts);
            }
          }
        }
        return changed == 0 ? new Outcome(202, "linked tasks not found")
            : new Outcome(200, "updated " + changed + " task(s)");
      });
    } catch (Db.UniqueViolation raced) {
      return new Outcome(200, "already delivered");
    }
  }

  private void complete(Tx tx, String id, Actor actor, List<EventLog.Draft> drafts)
      throws SQLException {
    Task task = tasks.change(tx, WEBHOOK, id, null, actor, (before, b, t) -> {
      if (before.statusValue() == Status.PENDING) {
        tasks.move(before, b, Status.RUNNING); // completes "through running"
      }
      return new TaskService.Outcome(Event.STATUS_CHANGED, null);
    }, drafts);
    if (task.statusValue() == Status.RUNNING) {
      tasks.change(tx, WEBHOOK, id, null, actor, (before, b, t) -> {
        tasks.move(before, b, Status.COMPLETED);
        return new TaskService.Outcome(Event.STATUS_CHANGED, null);
      }, drafts);
    }
  }

  /** Task ids named {@code TP-<id>} in the head branch, title or body. */
  static Set<String> links(JsonNode pr) {
    Set<String> ids = new LinkedHashSet<>();
    for (String text : new String[] {pr.path("head").path("ref").asText(""),
        pr.path("title").asText(""), pr.path("body").asText("")}) {
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        ids.add(Long.toString(Long.parseLong(m.group(1))));
      }
    }
    return ids;
  }
}
