package io.taskpulse.server;

import io.taskpulse.server.cli.DemoCommand;
import io.taskpulse.server.cli.McpCommand;
import io.taskpulse.server.cli.ServeCommand;
import io.taskpulse.server.cli.TokenCommand;
import io.taskpulse.server.cli.WatchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code taskpulse <command>}: the entry point of the jar. */
@Command(name = "taskpulse", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Real-time task status service.",
    subcommands = {ServeCommand.class, DemoCommand.class, TokenCommand.class, WatchCommand.class,
        McpCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** The version of this build, from the jar's manifest. */
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"taskpulse " + version()};
    }
  }
}
