package io.taskpulse.server.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web dashboard: static ES modules and CSS from the jar, served at {@code /}. Nothing is
 * built at run time. Files are revalidated on every load ({@code no-cache} with
 * {@code Last-Modified}, so an unchanged file is a 304), because their names carry no version
 * and a new server must never run old scripts. {@code /api/*} is never served from here.
 */
public final class Dashboard {

  /** Where the files live on the class path; a name no working directory will have. */
  static final String ROOT = "io/taskpulse/server/web";

  /**
   * Scripts, styles and connections only from this origin; tokens in SSE URLs are never sent
   * on as a referrer; the page cannot be framed.
   */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self';"
      + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self';"
      + " frame-ancestors 'none'";

  /** Adds the dashboard's routes; call after the API's, before the catch-all 404. */
  public void mount(Router router) {
    StaticHandler files = StaticHandler.create(FileSystemAccess.RELATIVE, ROOT)
        .setCachingEnabled(true)
        .setDirectoryListing(false)
        .setIncludeHidden(false)
        .setIndexPage("index.html");
    router.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> {
      if (ctx.normalizedPath().startsWith("/api/")) {
        ctx.next();
        return;
      }
      ctx.addHeadersEndHandler(v -> headers(ctx));
      files.handle(ctx);
    });
  }

  private static void headers(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.getStatusCode() >= 400) {
      return; // the API's JSON 404 sets its own
    }
    response.headers()
        .set(HttpHeaders.CACHE_CONTROL, "no-cache")
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("Content-Security-Policy", CSP);
  }
}
