package io.taskpulse.server.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code taskpulse_logins_total{outcome}}: sign-ins that succeeded, failed, or were throttled. */
final class LoginCounters {

  private final Counter succeeded;
  private final Counter failed;
  private final Counter throttled;

  LoginCounters(MeterRegistry registry) {
    succeeded = counter(registry, "success");
    failed = counter(registry, "failure");
    throttled = counter(registry, "throttled");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("taskpulse.logins").tag("outcome", outcome)
        .description("POST /auth/login attempts by outcome; throttled ones ran no hash")
        .register(registry);
  }

  void succeeded() {
    succeeded.increment();
  }

  void failed() {
    failed.increment();
  }

  void throttled() {
    throttled.increment();
  }
}
