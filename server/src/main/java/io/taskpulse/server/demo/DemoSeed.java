package io.taskpulse.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The demo's data, written through the public HTTP API as a script would: a team, three
 * projects, users with known passwords, tasks (due dates across this month, priorities, labels,
 * queues, some already finished) and two schedules. Idempotent: what exists is left alone, and
 * the tasks are written only while the first project has none, so a restart adds nothing.
 */
public final class DemoSeed {

  /** A demo account and its known password. */
  public record Account(String id, String name, String password) {}

  /** A seeded task: who creates it, its fields, and where it ends up. */
  public record SeedTask(String owner, String title, String project, String priority,
      List<String> labels, String queue, String assignee, int dueDay, String endsAs) {}

  public static final String TEAM = "demo";
  public static final String ADMIN_PASSWORD = "admin-demo";
  public static final List<Account> USERS = List.of(
      new Account("alice", "Alice Andersen", "alice-demo"),
      new Account("bob", "Bob Brennan", "bob-demo"),
      new Account("carol", "Carol Chen", "carol-demo"));
  public static final Map<String, String> PROJECTS = Map.of(
      "website", "Website relaunch", "billing", "Billing service", "data", "Data pipeline");

  /** Queued tasks are picked up by the demo's workers at once; the others wait for people. */
  public static final List<SeedTask> TASKS = List.of(
      new SeedTask("alice", "Export March invoices to CSV", "billing", "high",
          List.of("export", "finance"), "exports", null, 3, null),
      new SeedTask("alice", "Export customer list for the CRM", "billing", "normal",
          List.of("export"), "exports", null, 9, null),
      new SeedTask("bob", "Send the release newsletter", "website", "normal",
          List.of("email", "marketing"), "emails", null, 12, null),
      new SeedTask("bob", "Email password-reset reminders", "website", "low",
          List.of("email"), "emails", null, 20, null),
      new SeedTask("carol", "Build the weekly usage report", "data", "high",
          List.of("report"), "reports", null, 6, null),
      new SeedTask("carol", "Rebuild the search index", "data", "urgent",
          List.of("ops", "search"), "reports", null, 2, null),
      new SeedTask("alice", "Design the new pricing page", "website", "high",
          List.of("design"), null, "alice", 14, null),
      new SeedTask("bob", "Review the checkout copy", "website", "normal",
          List.of("review"), null, "carol", 17, null),
      new SeedTask("carol", "Fix the broken footer links", "website", "low",
          List.of("bug"), null, "bob", 24, null),
      new SeedTask("bob", "Rotate the payment provider's API keys", "billing", "urgent",
          List.of("security"), null, "bob", 5, "running"),
      new SeedTask("alice", "Reconcile February payouts", "billing", "normal",
          List.of("finance"), null, "alice", 1, "completed"),
      new SeedTask("carol", "Import last year's events", "data", "normal",
          List.of("import"), null, "carol", 4, "failed"),
      new SeedTask("alice", "Migrate the blog to the new CMS", "website", "low",
          List.of("content"), null, "alice", 27, "cancelled"),
      new SeedTask("carol", "Plan the data retention policy", "data", "normal",
          List.of("planning"), null, null, 28, null));

  private final String base;
  private final Function<String, String> tokenFor;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param base the node, e.g. {@code http://127.0.0.1:8080}
   * @param tokenFor a token for a user id; {@code "admin"} gets the admin role
   */
  public DemoSeed(String base, Function<String, String> tokenFor) {
    this.base = base;
    this.tokenFor = tokenFor;
  }

  /** Writes what is missing; returns how many tasks it created (0 on a restart). */
  public int seed() {
    send("admin", "POST", "/teams", Map.of("id", TEAM, "name", "Demo team"), 201, 409);
    Set<String> users = new HashSet<>(send("admin", "GET", "/users", null, 200).get("users")
        .findValuesAsText("id"));
    for (Account u : USERS) {
      if (!users.contains(u.id())) { // hashing a password is slow: only for new accounts
        send("admin", "POST", "/users", Map.of("id", u.id(), "name", u.name(),
            "password", u.password()), 201, 409);
      }
      send("admin", "PUT", "/teams/" + TEAM + "/members/" + u.id(), null, 200);
    }
    PROJECTS.forEach((id, name) -> send("alice", "POST", "/projects",
        Map.of("id", id, "name", name, "teamId", TEAM), 201, 409));
    send("carol", "POST", "/schedules", Map.of("id", "system-check", "cron", "@every 30s",
        "task", Map.of("title", "Check the mirrors are in sync", "queue", "checks",
            "projectId", "data", "teamId", TEAM, "labels", List.of("ops"),
            "priority", "low")), 201, 409);
    send("alice", "POST", "/schedules", Map.of("id", "nightly-invoices", "cron", "30 2 * * *",
        "timezone", "Europe/Berlin", "task", Map.of("title", "Export yesterday's invoices",
            "queue", "exports", "projectId", "billing", "teamId", TEAM,
            "labels", List.of("export", "finance"))), 201, 409);

    if (send("alice", "GET", "/tasks?projectId=website&limit=1", null, 200).get("tasks").size()
        > 0) {
      return 0; // seeded before
    }
    LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
    for (SeedTask t : TASKS) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("title", t.title());
      fields.put("projectId", t.project());
      fields.put("teamId", TEAM);
      fields.put("priority", t.priority());
      fields.put("labels", t.labels());
      fields.put("dueAt", month.plusDays(Math.min(t.dueDay(), month.lengthOfMonth()) - 1)
          .atTime(9, 0).toInstant(ZoneOffset.UTC).toString());
      if (t.queue() != null) {
        fields.put("queue", t.queue());
      }
      if (t.assignee() != null) {
        fields.put("assignee", t.assignee());
      }
      String id = send(t.owner(), "POST", "/tasks", fields, 201).get("id").asText();
      finish(t, id);
    }
    return TASKS.size();
  }

  /** Moves a seeded task along to where the story has it, with a line on its timeline. */
  private void finish(SeedTask t, String id) {
    String who = t.assignee() != null ? t.assignee() : t.owner();
    String path = "/tasks/" + id;
    switch (t.endsAs() == null ? "" : t.endsAs()) {
      case "running" -> {
        send(who, "POST", path + "/start", null, 200);
        send(who, "POST", path + "/progress", Map.of("progress", 40,
            "message", "2 of 5 keys rotated"), 200);
      }
      case "completed" -> {
        send(who, "POST", path + "/start", null, 200);
        send(who, "POST", path + "/entries", Map.of("kind", "comment",
            "text", "All 214 payouts match the bank statement."), 201);
        send(who, "POST", path + "/complete", Map.of("output", Map.of("payouts", 214,
            "mismatches", 0)), 200);
      }
      case "failed" -> {
        send(who, "POST", path + "/start", null, 200);
        send(who, "POST", path + "/fail", Map.of("error", "the archive for August is"
            + " missing (s3://events/2025-08)"), 200);
      }
      case "cancelled" -> send(who, "POST", path + "/cancel", Map.of("reason",
          "we keep the old blog until the summer"), 200);
      default -> {
        if (t.assignee() != null && !t.assignee().equals(t.owner())) {
          send(t.owner(), "POST", path + "/entries", Map.of("kind", "comment",
              "text", "@" + t.assignee() + " could you take this one?"), 201);
        }
      }
    }
  }

  /** One call to {@code /api/v1}; any status but the expected ones stops the seed. */
  private JsonNode send(String as, String method, String path, Object body, int... expected) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1" + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + tokenFor.apply(as))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(Json.write(body)));
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      for (int ok : expected) {
        if (r.statusCode() == ok) {
          return r.body().isBlank() ? null : Json.tree(r.body());
        }
      }
      throw new IllegalStateException("demo seed: " + method + " " + path + " answered "
          + r.statusCode() + " " + r.body());
    } catch (IOException e) {
      throw new IllegalStateException("demo seed: " + method + " " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("demo seed interrupted", e);
    }
  }
}
