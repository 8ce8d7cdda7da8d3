package io.taskpulse.server.tasks;

/** Who made a change and through which door: recorded on every event. */
public record Actor(String id, String kind, String via) {

  public static Actor user(String id, String via) {
    return new Actor(id, "user", via);
  }

  public static Actor system(String via) {
    return new Actor("system", "system", via);
  }
}
