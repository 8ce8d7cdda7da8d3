package io.taskpulse.server.cli;

import io.taskpulse.server.Config;
import io.taskpulse.server.auth.Secrets;
import io.taskpulse.server.auth.Tokens;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code taskpulse token}: prints a token signed with the server's secret, for scripts. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Print a token signed with the server's HS256 secret.")
public final class TokenCommand implements Callable<Integer> {

  @Mixin
  Settings settings;

  @Option(names = "--user", required = true, description = "The token's subject (user id).")
  String user;

  @Option(names = "--team", description = "A team the token carries; repeatable.")
  List<String> teams = new ArrayList<>();

  @Option(names = "--admin", description = "Give the token the admin role.")
  boolean admin;

  @Option(names = "--ttl", defaultValue = "1h", description = "Lifetime, e.g. 30m, 1h, 7d.")
  String ttl;

  @Override
  public Integer call() {
    Duration lifetime;
    Config config;
    try {
      lifetime = Config.parseDuration(ttl);
      config = settings.config();
    } catch (IllegalArgumentException e) {
      System.err.println("taskpulse token: " + (e.getMessage().startsWith("TASKPULSE")
          ? e.getMessage() : "--ttl must be a duration such as 30m, 1h or 7d"));
      return 2;
    }
    String secret = config.jwtSecret() != null ? config.jwtSecret()
        : Secrets.loadOrCreate(config.dataDir());
    Tokens tokens = new Tokens(secret.getBytes(StandardCharsets.UTF_8), List.of(),
        Clock.systemUTC());
    System.out.println(tokens.sign(user, teams, admin, lifetime));
    return 0;
  }
}
