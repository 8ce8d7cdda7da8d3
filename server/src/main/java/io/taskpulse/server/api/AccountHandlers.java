package io.taskpulse.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskpulse.server.accounts.AccountService;
import io.taskpulse.server.accounts.User;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.auth.Tokens;
import io.taskpulse.server.errors.Problem;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** HTTP handlers for sign-in, users, teams and projects. */
final class AccountHandlers {

  private final AccountService accounts;
  private final Tokens tokens;
  private final Duration tokenTtl;
  private final Http http;
  private final LoginThrottle throttle;
  private final LoginCounters logins;

  AccountHandlers(AccountService accounts, Tokens tokens, Duration tokenTtl, Http http,
      LoginThrottle throttle, LoginCounters logins) {
    this.accounts = accounts;
    this.tokens = tokens;
    this.tokenTtl = tokenTtl;
    this.http = http;
    this.throttle = throttle;
    this.logins = logins;
  }

  /**
   * {@code POST /auth/login}. The throttle is asked on the event loop, so a refused guess costs
   * neither a hash nor a worker; the hash runs on the worker pool, never on the event loop.
   */
  void login(RoutingContext ctx) {
    ObjectNode body = Http.body(ctx);
    String username = body.path("username").isTextual() ? body.get("username").asText() : null;
    String address = ctx.request().remoteAddress() == null ? "unknown"
        : ctx.request().remoteAddress().hostAddress();
    if (username != null) {
      LoginThrottle.Decision d = throttle.begin(username, address);
      if (!d.allowed()) {
        logins.throttled();
        throw new Problem(Problem.Code.RATE_LIMITED, "too many failed sign-ins; retry in "
            + d.retryAfterSeconds() + " s", Map.of("retryAfterSeconds", d.retryAfterSeconds()));
      }
    }
    http.async(ctx, () -> {
      User user;
      try {
        user = accounts.login(body);
      } catch (Problem p) {
        if (username != null && p.code() == Problem.Code.UNAUTHORIZED) {
          throttle.failed(username, address);
          logins.failed();
        } else if (username != null) {
          throttle.abandoned(username, address);
        }
        throw p;
      } catch (RuntimeException e) {
        if (username != null) {
          throttle.abandoned(username, address);
        }
        throw e;
      }
      throttle.succeeded(username, address);
      logins.succeeded();
      return Reply.ok(session(user));
    });
  }

  /**
   * {@code POST /auth/refresh}: a fresh token for the caller, with the teams and roles the
   * database holds now, so a dashboard stays signed in past one token's lifetime.
   */
  void refresh(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(session(accounts.refreshable(p.userId()))));
  }

  private Map<String, Object> session(User user) {
    String token = tokens.sign(user.id(), user.teams(), user.isAdmin(), tokenTtl);
    Principal p = tokens.verify(token);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("token", token);
    out.put("expiresAt", p.expiresAt());
    out.put("user", user);
    return out;
  }

  /** Who the token names, as the server sees it. */
  void me(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", p.userId());
    out.put("teams", p.teams().stream().sorted().toList());
    out.put("admin", p.admin());
    out.put("expiresAt", p.expiresAt());
    Http.send(ctx, Reply.ok(out));
  }

  void createUser(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    http.async(ctx, () -> Reply.created(accounts.createUser(p, body)));
  }

  void listUsers(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(Map.of("users", accounts.listUsers(p))));
  }

  void patchUser(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(accounts.patchUser(p, id, body)));
  }

  void createTeam(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    http.async(ctx, () -> Reply.created(accounts.createTeam(p, body)));
  }

  void listTeams(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(Map.of("teams", accounts.listTeams(p))));
  }

  void renameTeam(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(accounts.renameTeam(p, id, body)));
  }

  void addMember(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String team = ctx.pathParam("id");
    String user = ctx.pathParam("userId");
    http.async(ctx, () -> Reply.ok(accounts.addMember(p, team, user)));
  }

  void removeMember(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String team = ctx.pathParam("id");
    String user = ctx.pathParam("userId");
    http.async(ctx, () -> Reply.ok(accounts.removeMember(p, team, user)));
  }

  void createProject(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    http.async(ctx, () -> Reply.created(accounts.createProject(p, body)));
  }

  void listProjects(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    http.async(ctx, () -> Reply.ok(Map.of("projects", accounts.listProjects(p))));
  }

  void getProject(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(accounts.project(p, id)));
  }

  void patchProject(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    ObjectNode body = Http.body(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(accounts.patchProject(p, id, body)));
  }

  void projectSummary(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    String id = ctx.pathParam("id");
    http.async(ctx, () -> Reply.ok(accounts.summary(p, id)));
  }
}
