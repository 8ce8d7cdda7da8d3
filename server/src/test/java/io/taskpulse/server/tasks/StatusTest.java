package io.taskpulse.server.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StatusTest {

  /** PROTOCOL section 2, written out independently of the implementation's switch. */
  private static final Map<Status, Set<Status>> ALLOWED = Map.of(
      Status.PENDING, EnumSet.of(Status.RUNNING, Status.CANCELLED, Status.DISABLED),
      Status.RUNNING, EnumSet.of(Status.COMPLETED, Status.FAILED, Status.CANCELLED, Status.PENDING),
      Status.COMPLETED, EnumSet.of(Status.PENDING),
      Status.FAILED, EnumSet.of(Status.PENDING),
      Status.CANCELLED, EnumSet.of(Status.PENDING),
      Status.DISABLED, EnumSet.of(Status.PENDING));

  @Test
  void everyMoveIsAllowedExactlyWhenTheProtocolTableSaysSo() {
    for (Status from : Status.values()) {
      for (Status to : Status.values()) {
        assertThat(from.canMoveTo(to)).as(from + " -> " + to)
            .isEqualTo(ALLOWED.get(from).contains(to));
      }
    }
  }

  @Test
  void wireNamesRoundTrip() {
    for (Status s : Status.values()) {
      assertThat(Status.parse(s.wire())).isEqualTo(s);
    }
    assertThat(Status.parse("RUNNING")).isNull();
  }
}
