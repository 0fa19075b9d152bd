package dev.magnet.ui;

import dev.magnet.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium from Debian, driven through Debian's chromedriver. The driver and browser paths are
 * set explicitly, so Selenium Manager never downloads anything. Screenshots go to {@code target/ui-screenshots}.
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of(System.getProperty("magnet.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("magnet.chromedriver", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    private final ChromeDriver driver;
    private final ChromeDriverService service;
    private final String baseUrl;

    private Browser(ChromeDriver driver, ChromeDriverService service, String baseUrl) {
        this.driver = driver;
        this.service = service;
        this.baseUrl = baseUrl;
    }

    /** A fresh browser signed in through the sign-in form as the bootstrap admin ({@code MAGNET_ADMIN_PASSWORD} of {@link WebUiIT}). */
    static Browser signedInAdmin(TestServer server, Path profileDir, Duration timeout) {
        Browser browser = start(server.baseUrl(), profileDir);
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, timeout);
        browser.awaitVisible(".account-menu", timeout);
        return browser;
    }

    /** Starts a fresh browser profile that talks to {@code baseUrl}. */
    static Browser start(String baseUrl, Path profileDir) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException("chromium and chromedriver are needed at " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": run ./magnet test (as root it installs them) or apt-get install chromium chromium-driver");
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File("target/chromedriver.log"))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--disable-default-apps", "--user-data-dir=" + profileDir.toAbsolutePath(),
                "--window-size=1280,900", "--force-device-scale-factor=1");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        return new Browser(driver, service, baseUrl);
    }

    void open(String path) {
        driver.get(baseUrl + path);
    }

    WebDriver driver() {
        return driver;
    }

    String url() {
        return driver.getCurrentUrl();
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits until {@code condition} returns something other than null or false, and returns it. */
    <T> T await(Duration timeout, String what, Function<WebDriver, T> condition) {
        try {
            // why: a condition that reads an element not shown yet (a page whose module still loads) meets null: not yet
            return new WebDriverWait(driver, timeout, Duration.ofMillis(100)).ignoring(NullPointerException.class).until(condition);
        } catch (org.openqa.selenium.TimeoutException e) {
            screenshot("timeout-" + what.replaceAll("[^a-z0-9]+", "-"));
            throw new AssertionError("waited " + timeout + " for " + what + "; page text:\n" + pageText(), e);
        }
    }

    /** Waits until an element matching {@code css} is displayed and returns it. */
    WebElement awaitVisible(String css, Duration timeout) {
        return await(timeout, css, d -> d.findElements(By.cssSelector(css)).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    /**
     * The text of the first element matching {@code css}, or null, read in one step: for parts the page redraws
     * (header, timeline), where a found element may be replaced before it is read.
     */
    String text(String css) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null", css);
    }

    /** An attribute of the first element matching {@code css}, or null, read in one step (see {@link #text}). */
    String attribute(String css, String name) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null", css, name);
    }

    String pageText() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /** Fills and sends the sign-in form, which must be on the page. */
    void submitSignIn(String email, String password, Duration timeout) {
        WebElement field = awaitVisible("form.signin-form input#signin-email", timeout);
        field.clear();
        field.sendKeys(email);
        WebElement secret = find("input#signin-password");
        secret.clear();
        secret.sendKeys(password);
        secret.sendKeys(org.openqa.selenium.Keys.ENTER);
    }

    /** The value of a cookie of the page's origin, or null; HttpOnly ones included. */
    String cookie(String name) {
        org.openqa.selenium.Cookie c = driver.manage().getCookieNamed(name);
        return c == null ? null : c.getValue();
    }

    void deleteCookies() {
        driver.manage().deleteAllCookies();
    }

    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Saves a PNG of the viewport as {@code target/ui-screenshots/<name>.png} and returns its path. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path file = SCREENSHOTS.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a Chrome DevTools Protocol command and returns its result. */
    Map<String, Object> cdp(String command, Map<String, Object> params) {
        return driver.executeCdpCommand(command, params);
    }

    /**
     * Shows pages as a phone of {@code width}×{@code height} CSS pixels does (mobile viewport, touch-sized layout), or
     * with {@code width} 0 as the desktop window again.
     */
    void emulate(int width, int height) {
        if (width == 0) {
            cdp("Emulation.clearDeviceMetricsOverride", Map.of());
        } else {
            cdp("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", true));
        }
    }

    /** Saves a PNG of the whole page (up to 8,000 pixels down) as {@code <dir>/<name>.png} and returns its path. */
    Path fullScreenshot(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            Map<String, Object> metrics = cdp("Page.getLayoutMetrics", Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
            @SuppressWarnings("unchecked")
            Map<String, Object> viewport = (Map<String, Object>) metrics.get("cssLayoutViewport");
            double width = ((Number) viewport.get("clientWidth")).doubleValue();
            double pageHeight = ((Number) size.get("height")).doubleValue();
            double height = Math.min(8000, Math.max(pageHeight, ((Number) viewport.get("clientHeight")).doubleValue()));
            Map<String, Object> shot = cdp("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true,
                    "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
            Path file = dir.resolve(name + ".png");
            Files.write(file, java.util.Base64.getDecoder().decode((String) shot.get("data")));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The browser console's errors since the last call. */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
        }
    }
}
