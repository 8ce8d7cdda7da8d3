package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.schedules.ScheduleService;
import io.taskpulse.server.tasks.Actor;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** {@code /schedules}: tasks on a timetable. */
final class ScheduleHandlers {

  private final ScheduleService schedules;
  private final Http http;

  ScheduleHandlers(ScheduleService schedules, Http http) {
    this.schedules = schedules;
    this.http = http;
  }

  void create(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    http.async(ctx, () -> Reply.created(schedules.create(p, body)));
  }

  void list(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(Map.of("schedules", schedules.list(p))));
  }

  void get(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(schedules.get(p, id)));
  }

  void patch(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    ObjectNode body = Http.body(ctx);
    http.async(ctx, () -> Reply.ok(schedules.patch(p, id, body)));
  }

  void delete(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> {
      schedules.delete(p, id);
      return Reply.noContent();
    });
  }

  void run(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.created(schedules.runNow(p, id, Actor.user(p.userId(), "http"))));
  }
}
