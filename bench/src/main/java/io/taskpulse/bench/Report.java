package io.taskpulse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A scenario's results: a table on stdout and a JSON file under
 * {@code bench/target/results/<scenario>-<time>.json}, with the machine it ran on.
 */
final class Report {

  private final String scenario;
  private final List<Map<String, Object>> rows = new ArrayList<>();
  private final Map<String, Object> summary = new LinkedHashMap<>();
  private final Map<String, Object> setup = new LinkedHashMap<>();

  Report(String scenario, Target target) {
    this.scenario = scenario;
    setup.put("target", target.describe());
  }

  void setup(String key, Object value) {
    setup.put(key, value);
  }

  void row(Map<String, Object> row) {
    rows.add(row);
    if (rows.size() == 1) {
      System.out.println(header(row));
    }
    System.out.println(line(row));
  }

  void summary(String key, Object value) {
    summary.put(key, value);
  }

  private static String header(Map<String, Object> row) {
    StringBuilder line = new StringBuilder();
    for (String c : row.keySet()) {
      line.append(String.format("%" + width(c) + "s", c));
    }
    return line.toString();
  }

  private static String line(Map<String, Object> row) {
    StringBuilder line = new StringBuilder();
    row.forEach((c, v) -> line.append(v instanceof Double d
        ? String.format("%" + width(c) + "." + (Math.abs(d) >= 100 ? 0 : 2) + "f", d)
        : String.format("%" + width(c) + "s", v)));
    return line.toString();
  }

  private static int width(String column) {
    return Math.max(9, column.length() + 2);
  }

  /** Prints the summary and writes the JSON file. */
  void print() throws IOException {
    System.out.println();
    summary.forEach((k, v) -> System.out.printf("%-34s %s%n", k, v));
    Path dir = resultsDir();
    Files.createDirectories(dir);
    Path file = dir.resolve(scenario + "-" + stamp() + ".json");
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("scenario", scenario);
    all.put("at", LocalDateTime.now().toString());
    all.put("machine", machine());
    all.put("setup", setup);
    all.put("rows", rows);
    all.put("summary", summary);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), all);
    System.out.println("written " + file);
  }

  static Path resultsDir() {
    try {
      Path jar = Path.of(Report.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.getParent().resolve("results"); // bench/target/results
    } catch (Exception e) {
      return Path.of("target", "results");
    }
  }

  static String stamp() {
    return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("cpuModel", firstValue("/proc/cpuinfo", "model name"));
    m.put("memory", firstValue("/proc/meminfo", "MemTotal"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("loadAverage", firstLine("/proc/loadavg"));
    return m;
  }

  private static String firstValue(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return "unknown";
  }

  private static String firstLine(String file) {
    try {
      return Files.readAllLines(Path.of(file)).get(0);
    } catch (IOException | IndexOutOfBoundsException e) {
      return "unknown";
    }
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** "median (min..max)" of one column over rows. */
  static String spread(List<Map<String, Object>> rows, String column) {
    List<Double> v = rows.stream().map(r -> ((Number) r.get(column)).doubleValue()).toList();
    return String.format("%s (%s..%s)", fmt(median(v)),
        fmt(v.stream().mapToDouble(d -> d).min().orElse(Double.NaN)),
        fmt(v.stream().mapToDouble(d -> d).max().orElse(Double.NaN)));
  }

  static String fmt(double d) {
    return Math.abs(d) >= 100 ? String.format("%.0f", d) : String.format("%.2f", d);
  }

  static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static double mib(long bytes) {
    return bytes / 1048576.0;
  }
}
