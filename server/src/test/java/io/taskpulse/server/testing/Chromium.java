package io.taskpulse.server.testing;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.ColorScheme;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The system's Chromium (Debian's /usr/bin/chromium) driven by Playwright, one per test class;
 * Playwright never downloads a browser. Without Chromium the browser tests are skipped on a
 * developer machine and fail with {@code CI=true}, like the PostgreSQL tests.
 */
public final class Chromium implements AutoCloseable {

  public static final Path EXECUTABLE = Path.of(
      System.getenv().getOrDefault("TASKPULSE_TEST_CHROMIUM", "/usr/bin/chromium"));
  /** Where the tests write their screenshots (the module's target directory). */
  public static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private static final List<String> ARGS = List.of("--no-sandbox", "--disable-gpu",
      "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync");

  private final Playwright playwright;
  private final Browser browser;

  private Chromium(Playwright playwright, Browser browser) {
    this.playwright = playwright;
    this.browser = browser;
  }

  /** Starts the browser; skips (or fails on CI) when there is none. */
  public static Chromium launch() {
    if (!Files.isExecutable(EXECUTABLE)) {
      String why = "no Chromium at " + EXECUTABLE + " (apt-get install chromium)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why + "; CI=true: the browser tests must run");
      }
      Assumptions.abort(why);
    }
    Playwright playwright = Playwright.create(new Playwright.CreateOptions()
        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    try {
      Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
          .setExecutablePath(EXECUTABLE).setHeadless(true).setArgs(ARGS));
      return new Chromium(playwright, browser);
    } catch (RuntimeException e) {
      playwright.close();
      throw e;
    }
  }

  /** A fresh context (cookies, storage) at a desktop size, in the light theme. */
  public BrowserContext context(String baseUrl) {
    return context(baseUrl, 1280, 800, ColorScheme.LIGHT);
  }

  public BrowserContext context(String baseUrl, int width, int height, ColorScheme scheme) {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions()
        .setBaseURL(baseUrl).setViewportSize(width, height).setColorScheme(scheme)
        .setDeviceScaleFactor(1).setTimezoneId("UTC").setLocale("en-GB"));
    ctx.setDefaultTimeout(10_000);
    return ctx;
  }

  public Browser browser() {
    return browser;
  }

  /** Writes a PNG of the page to target/screenshots/{name}.png. */
  public static Path screenshot(Page page, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path file = SCREENSHOTS.resolve(name + ".png");
    page.screenshot(new Page.ScreenshotOptions().setPath(file));
    return file;
  }

  @Override
  public void close() {
    try {
      browser.close();
    } finally {
      playwright.close();
    }
  }
}
