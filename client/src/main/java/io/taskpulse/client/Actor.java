package io.taskpulse.client;

/**
 * Who made a change and through which door, as recorded on every event.
 *
 * @param id the user, worker or system id, such as {@code agent-7} or {@code github:octocat}
 * @param kind {@code user}, {@code worker}, {@code system} or {@code webhook}
 * @param via {@code http}, {@code mcp}, {@code schedule}, {@code webhook} or {@code lease}
 */
public record Actor(String id, String kind, String via) {}
