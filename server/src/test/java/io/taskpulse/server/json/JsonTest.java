package io.taskpulse.server.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {

  static final DateTimeFormatter RFC3339_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void timesAreWrittenAsRfc3339UtcWithMillisecondsLikeTheFormatter() {
    List<Instant> times = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1),
        Instant.parse("1969-12-31T23:59:59.999999999Z"), Instant.parse("2000-02-29T00:00:00Z"),
        Instant.parse("2026-12-01T22:05:09.007123Z"), Instant.parse("9999-12-31T23:59:59.999Z"),
        Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("0001-01-01T00:00:00.5Z")));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      times.add(Instant.ofEpochSecond(random.nextLong(-100_000_000_000L, 300_000_000_000L),
          random.nextInt(1_000_000_000)));
    }
    for (Instant t : times) {
      assertThat(Json.format(t)).as("%s", t).isEqualTo(RFC3339_MILLIS.format(t));
    }
    assertThat(Json.format(Instant.parse("2026-12-01T22:05:09.007123Z")))
        .isEqualTo("2026-12-01T22:05:09.007Z");
    assertThat(Json.write(Instant.EPOCH)).isEqualTo("\"1970-01-01T00:00:00.000Z\"");
  }
}
