package io.taskpulse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.demo.DemoSeed;
import io.taskpulse.server.testing.Api;
import io.taskpulse.server.testing.LogReader;
import io.taskpulse.server.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code taskpulse demo} in its own JVM: it prints how to sign in, the printed passwords work,
 * its workers claim, report on and finish tasks within seconds (events with actor kind worker),
 * and a restart on the same data dir seeds nothing twice.
 */
class DemoCommandTest {

  static Api login(String base, String user, String password) {
    Api.Response r = new Api(base, null).post("/api/v1/auth/login",
        "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
    assertThat(r.status()).as(user + ": " + r.text()).isEqualTo(200);
    return new Api(base, r.json().get("token").asText());
  }

  /** What workers did, seen in the log after {@code after}: claims, progress, entries, results. */
  static Set<String> workerDeeds(Api admin, long after) {
    Set<String> deeds = new HashSet<>();
    for (JsonNode e : LogReader.readAll(admin)) {
      if (e.get("offset").asLong() <= after || !e.at("/actor/kind").asText().equals("worker")) {
        continue;
      }
      String type = e.get("type").asText();
      deeds.add(type.equals("task.status_changed") ? "to " + e.at("/changes/status/1").asText()
          : type);
    }
    return deeds;
  }

  /** Waits until workers have claimed, progressed, logged and finished (completed or failed). */
  static void awaitWorkersBusy(Api admin, long after) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Set<String> deeds = Set.of();
    while (System.nanoTime() < deadline) {
      deeds = workerDeeds(admin, after);
      if (deeds.containsAll(List.of("to running", "task.progress", "task.entry_added"))
          && (deeds.contains("to completed") || deeds.contains("to failed"))) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("the demo's workers did not get going: " + deeds);
  }

  /** How many tasks carry each seeded title, and how many users, projects, schedules exist. */
  static Map<String, Integer> inventory(Api admin) {
    Map<String, Integer> counts = new HashMap<>();
    Set<String> seeded = new HashSet<>();
    DemoSeed.TASKS.forEach(t -> seeded.add(t.title()));
    String cursor = null;
    do {
      JsonNode page = admin.get("/api/v1/tasks?limit=500"
          + (cursor == null ? "" : "&cursor=" + cursor)).json();
      for (JsonNode t : page.get("tasks")) {
        if (seeded.contains(t.get("title").asText())) {
          counts.merge(t.get("title").asText(), 1, Integer::sum);
        }
      }
      cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
    } while (cursor != null);
    counts.put("users", admin.get("/api/v1/users").json().get("users").size());
    counts.put("projects", admin.get("/api/v1/projects").json().get("projects").size());
    counts.put("schedules", admin.get("/api/v1/schedules").json().get("schedules").size());
    counts.put("team members", admin.get("/api/v1/teams").json().at("/teams/0/members").size());
    return counts;
  }

  @Test
  void theDemoSeedsOnceAndItsWorkersClaimReportAndFinishTasksWithinSeconds() throws Exception {
    Path dir = Files.createTempDirectory("taskpulse-demo");
    int port = ServerProcess.freePort();
    String base = "http://127.0.0.1:" + port;
    List<String> args = List.of("demo", "--port", Integer.toString(port), "--data-dir",
        dir.toString());
    Map<String, Integer> first;
    try (ServerProcess demo = ServerProcess.startCommand(port, args, " demo ready in ")) {
      assertThat(demo.output()).anyMatch(l -> l.contains("http://localhost:" + port + "/"))
          .anyMatch(l -> l.contains("alice") && l.contains("alice-demo"))
          .anyMatch(l -> l.contains("Seeded a demo team"));
      Api admin = login(base, "admin", DemoSeed.ADMIN_PASSWORD);
      for (DemoSeed.Account u : DemoSeed.USERS) {
        login(base, u.id(), u.password());
      }
      awaitWorkersBusy(admin, 0);

      first = inventory(admin);
      DemoSeed.TASKS.forEach(t -> assertThat(first.get(t.title())).as(t.title()).isEqualTo(1));
      assertThat(first).containsEntry("users", 4).containsEntry("projects", 3)
          .containsEntry("schedules", 2).containsEntry("team members", 3);
      // Seeded across this month, with every kind of ending.
      Set<String> statuses = new HashSet<>(admin.get("/api/v1/tasks?limit=500").json()
          .get("tasks").findValuesAsText("status"));
      assertThat(statuses).contains("completed", "failed", "cancelled", "running", "pending");
      assertThat(admin.get("/api/v1/workers").json().get("workers").findValuesAsText("id"))
          .contains("export-worker-1", "export-worker-2", "mailer", "reporter", "checker");
      // SIGTERM: a graceful stop (143 = 128 + SIGTERM once the hooks ran).
      assertThat(demo.stop(Duration.ofSeconds(30))).isIn(0, 143);
      assertThat(demo.output()).contains("taskpulse: stopped");
    }

    try (ServerProcess again = ServerProcess.startCommand(port, args, " demo ready in ")) {
      assertThat(again.output()).anyMatch(l -> l.contains("nothing seeded again"));
      Api admin = login(base, "admin", DemoSeed.ADMIN_PASSWORD);
      long before = admin.get("/api/v1/tasks?limit=1").json().get("offset").asLong();
      Map<String, Integer> second = inventory(admin);
      DemoSeed.TASKS.forEach(t -> assertThat(second.get(t.title())).as(t.title()).isEqualTo(1));
      for (String key : List.of("users", "projects", "schedules", "team members")) {
        assertThat(second.get(key)).as(key).isEqualTo(first.get(key));
      }
      awaitWorkersBusy(admin, before); // and the workers are back at work
      assertThat(again.stop(Duration.ofSeconds(30))).isIn(0, 143);
    }
  }
}
