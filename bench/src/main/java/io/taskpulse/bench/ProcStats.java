package io.taskpulse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * CPU and memory from Linux {@code /proc}: a process with its descendants, this generator, and
 * the whole machine. CPU times are in clock ticks of 1/100 s (Linux's USER_HZ).
 */
final class ProcStats {

  private static final double TICK = 0.01;

  private ProcStats() {}

  /** A process and, unless {@code alone}, its descendants. */
  record Tree(long pid, boolean alone) {

    Tree(long pid) {
      this(pid, false);
    }

    /** User + system CPU seconds of the process (and its reaped children) and live descendants. */
    double cpuSeconds() {
      double total = 0;
      for (long p : members()) {
        long[] t = times(p);
        total += (t[0] + t[1] + (p == pid && !alone ? t[2] + t[3] : 0)) * TICK;
      }
      return total;
    }

    /** System (kernel) CPU seconds of the tree: syscalls, TCP, page faults. */
    double systemSeconds() {
      double total = 0;
      for (long p : members()) {
        long[] t = times(p);
        total += (t[1] + (p == pid && !alone ? t[3] : 0)) * TICK;
      }
      return total;
    }

    /** Write system calls made so far by the process (its /proc io: syscw). */
    long writeCalls() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
          if (line.startsWith("syscw:")) {
            return Long.parseLong(line.substring(6).trim());
          }
        }
      } catch (IOException | RuntimeException e) {
        // not readable
      }
      return -1;
    }

    /** Resident memory of the tree now, in bytes. */
    long rssBytes() {
      long total = 0;
      for (long p : members()) {
        total += statusKb(p, "VmRSS:") * 1024;
      }
      return total;
    }

    /** The process's own peak resident memory (VmHWM), in bytes. */
    long peakRssBytes() {
      return statusKb(pid, "VmHWM:") * 1024;
    }

    /** RLIMIT_NOFILE (soft) of the process; -1 if unknown. */
    long maxOpenFiles() {
      return openFilesLimit(Path.of("/proc", Long.toString(pid), "limits"));
    }

    private List<Long> members() {
      List<Long> out = new ArrayList<>();
      out.add(pid);
      if (!alone) {
        descendants(pid, out);
      }
      return out;
    }
  }

  /** This generator alone: the node it started is its child, and is measured apart. */
  static Tree self() {
    return new Tree(ProcessHandle.current().pid(), true);
  }

  static long selfMaxOpenFiles() {
    return openFilesLimit(Path.of("/proc/self/limits"));
  }

  /** {@code [busy, total]} ticks of all CPUs since boot. */
  static long[] machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** CPU seconds of the given processes (e.g. database backends); gone ones count zero. */
  static double cpuSeconds(Collection<Long> pids) {
    double total = 0;
    for (long p : pids) {
      long[] t = times(p);
      total += (t[0] + t[1]) * TICK;
    }
    return total;
  }

  /** utime, stime, cutime, cstime in ticks; zeros if the process is gone. */
  private static long[] times(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name may hold spaces: fields are counted after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]),
          Long.parseLong(f[14])};
    } catch (IOException | RuntimeException e) {
      return new long[4];
    }
  }

  private static long parent(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static void descendants(long root, List<Long> out) {
    try (var dirs = Files.list(Path.of("/proc"))) {
      List<Long> all = dirs.map(d -> d.getFileName().toString())
          .filter(n -> n.chars().allMatch(Character::isDigit)).map(Long::parseLong).toList();
      List<Long> frontier = List.of(root);
      while (!frontier.isEmpty()) {
        List<Long> next = new ArrayList<>();
        for (long p : all) {
          if (frontier.contains(parent(p)) && !out.contains(p)) {
            next.add(p);
          }
        }
        out.addAll(next);
        frontier = next;
      }
    } catch (IOException e) {
      // no /proc: nothing to add
    }
  }

  private static long statusKb(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return 0;
  }

  private static long openFilesLimit(Path limits) {
    try {
      for (String line : Files.readAllLines(limits)) {
        if (line.startsWith("Max open files")) {
          return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return -1;
  }

  /**
   * Samples a tree's resident memory every 200 ms while a window runs, so the peak of the
   * window is known (VmHWM is the peak since the process started).
   */
  static final class RssSampler implements AutoCloseable {
    private final Tree tree;
    private final Thread thread;
    private volatile long peak;
    private volatile boolean stop;

    RssSampler(Tree tree) {
      this.tree = tree;
      this.thread = new Thread(this::loop, "bench-rss-sampler");
      thread.setDaemon(true);
      if (tree != null) {
        thread.start();
      }
    }

    private void loop() {
      while (!stop) {
        peak = Math.max(peak, tree.rssBytes());
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long peakBytes() {
      return tree == null ? 0 : Math.max(peak, tree.rssBytes());
    }

    @Override
    public void close() {
      stop = true;
      thread.interrupt();
    }
  }
}
