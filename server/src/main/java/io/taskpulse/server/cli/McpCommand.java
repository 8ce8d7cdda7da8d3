package io.taskpulse.server.cli;

import java.io.PrintStream;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code taskpulse mcp}: speaks MCP on stdin/stdout for assistants that start their tools as
 * programs, and forwards every message to a Taskpulse server's {@code /api/v1/mcp}. Only
 * JSON-RPC goes to stdout; everything else goes to stderr.
 */
@Command(name = "mcp", mixinStandardHelpOptions = true,
    description = "Bridge MCP over stdio to a Taskpulse server (for chat assistants).")
public final class McpCommand implements Callable<Integer> {

  @Option(names = "--url",
      description = "The server (TASKPULSE_URL, default http://localhost:8080).")
  String url;

  @Option(names = "--token", description = "A bearer token (TASKPULSE_TOKEN).")
  String token;

  @Option(names = "--max-message-chars", defaultValue = "4194304",
      description = "Longest message accepted on stdin (default 4 MiB).")
  int maxMessageChars;

  Map<String, String> env = System.getenv();

  @Override
  public Integer call() throws Exception {
    PrintStream protocol = System.out;
    System.setOut(System.err); // a stray print must never corrupt the JSON-RPC stream
    String t = token != null ? token : env.get("TASKPULSE_TOKEN");
    if (t == null || t.isBlank()) {
      System.err.println("taskpulse mcp: no token: give --token or set TASKPULSE_TOKEN");
      return 2;
    }
    String base = url != null ? url : env.getOrDefault("TASKPULSE_URL", "http://localhost:8080");
    URI endpoint;
    try {
      endpoint = endpoint(base);
    } catch (IllegalArgumentException e) {
      System.err.println("taskpulse mcp: --url must be an http(s) URL, got '" + base + "'");
      return 2;
    }
    System.err.println("taskpulse mcp: forwarding stdio to " + endpoint);
    new McpBridge(endpoint, t.trim(), protocol, maxMessageChars).run(System.in);
    return 0;
  }

  /** The MCP endpoint of a server URL; a URL that already names it is kept. */
  static URI endpoint(String base) {
    URI u = URI.create(base.trim());
    if (u.getScheme() == null || !u.getScheme().matches("https?") || u.getHost() == null) {
      throw new IllegalArgumentException(base);
    }
    String s = u.toString().replaceAll("/+$", "");
    return URI.create(s.endsWith("/api/v1/mcp") ? s : s + "/api/v1/mcp");
  }
}
