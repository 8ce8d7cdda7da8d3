package io.taskpulse.server.tasks;

import java.util.Locale;

/** A task's status and the one table of moves between statuses (PROTOCOL section 2). */
public enum Status {
  PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, DISABLED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Status parse(String wire) {
    for (Status s : values()) {
      if (s.wire().equals(wire)) {
        return s;
      }
    }
    return null;
  }

  public boolean canMoveTo(Status next) {
    return switch (this) {
      case PENDING -> next == RUNNING || next == CANCELLED || next == DISABLED;
      case RUNNING -> next == COMPLETED || next == FAILED || next == CANCELLED || next == PENDING;
      case COMPLETED, FAILED, CANCELLED, DISABLED -> next == PENDING;
    };
  }

  /** Completed, failed and cancelled tasks are finished; they carry a finishedAt. */
  public boolean isFinished() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
