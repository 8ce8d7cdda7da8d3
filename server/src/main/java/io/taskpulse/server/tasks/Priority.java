package io.taskpulse.server.tasks;

import java.util.Locale;

/** Claim order among pending work: urgent first. */
public enum Priority {
  LOW, NORMAL, HIGH, URGENT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Priority parse(String wire) {
    for (Priority p : values()) {
      if (p.wire().equals(wire)) {
        return p;
      }
    }
    return null;
  }
}
