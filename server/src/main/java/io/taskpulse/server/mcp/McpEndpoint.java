package io.taskpulse.server.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.taskpulse.server.Main;
import java.time.Duration;

/**
 * The assistants' endpoint (PROTOCOL section 9): the MCP SDK's server with the task tools,
 * behind {@link McpHttpTransport}. Tools run on the thread that handles the request (the
 * worker pool), so the SDK is told not to move them to threads of its own.
 */
public final class McpEndpoint implements AutoCloseable {

  static final String INSTRUCTIONS = "Manage Taskpulse tasks: list and read them, create,"
      + " change, move between statuses (pending, running, completed, failed, cancelled,"
      + " disabled), report progress, add timeline entries, share and delete. You see and touch"
      + " only the tasks your user may. Every change shows live on every dashboard. A refused"
      + " call answers isError with an error code and a hint: correct the call rather than"
      + " retry it unchanged.";

  private final McpHttpTransport transport;
  private final McpSyncServer server;

  public McpEndpoint(McpTools tools, McpSessions sessions) {
    JacksonMcpJsonMapper json = new JacksonMcpJsonMapper(new ObjectMapper());
    Duration timeout = Duration.ofSeconds(60);
    this.transport = new McpHttpTransport(sessions, json, timeout);
    this.server = McpServer.sync(transport)
        .serverInfo("taskpulse", Main.version())
        .instructions(INSTRUCTIONS)
        .capabilities(ServerCapabilities.builder().tools(false).build())
        .tools(tools.specifications())
        .jsonMapper(json)
        .immediateExecution(true) // the transport already runs us on the worker pool
        .validateToolInputs(false) // TaskFields checks them, naming the field as HTTP does
        .requestTimeout(timeout)
        .build();
  }

  public McpHttpTransport transport() {
    return transport;
  }

  @Override
  public void close() {
    server.closeGracefully();
  }
}
