package io.taskpulse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A scenario's results: a table on stdout and a JSON file under target/bench/. */
final class Report {

  private final String scenario;
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final Map<String, Object> summary = new LinkedHashMap<>();

  Report(String scenario) {
    this.scenario = scenario;
  }

  void row(Map<String, Object> row) {
    rows.add(row);
  }

  void summary(String key, Object value) {
    summary.put(key, value);
  }

  void print() throws IOException {
    if (!rows.isEmpty()) {
      List<String> columns = new ArrayList<>(rows.get(0).keySet());
      StringBuilder line = new StringBuilder();
      for (String c : columns) {
        line.append(String.format("%14s", c));
      }
      System.out.println(line);
      for (Map<String, Object> row : rows) {
        line.setLength(0);
        for (String c : columns) {
          Object v = row.get(c);
          line.append(v instanceof Double d ? String.format("%14.2f", d)
              : String.format("%14s", v));
        }
        System.out.println(line);
      }
    }
    summary.forEach((k, v) -> System.out.printf("%-28s %s%n", k, v));
    Path dir = Path.of("target", "bench");
    Files.createDirectories(dir);
    Path file = dir.resolve(scenario + "-" + Instant.now().toString().replace(':', '-') + ".json");
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("scenario", scenario);
    all.put("at", Instant.now().toString());
    all.put("machine", Map.of("cpus", Runtime.getRuntime().availableProcessors(),
        "java", System.getProperty("java.version")));
    all.put("runs", rows);
    all.put("summary", summary);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), all);
    System.out.println("written " + file);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
