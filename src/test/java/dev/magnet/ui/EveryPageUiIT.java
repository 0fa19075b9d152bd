package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import dev.magnet.web.UiRoutes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;

/**
 * Every page of the web UI in a real headless Chromium, on a phone (390×844) and on a desktop: no sideways scrolling,
 * no control outside the screen or cut off by its box, the primary actions reachable (nothing lies over them), and by
 * keyboard Tab reaches every control in the page's order, each with a visible focus ring, with no trap; a screenshot of
 * each page at each size goes to {@code target/screenshots/}. The pages are the ones the server serves the UI at
 * ({@link UiRoutes#pages()}, read from the client's own page list), so a new page is walked as soon as it exists; a page
 * with an id in its path needs a fixture here, or the test says so. Enter, Space and Escape are checked on the controls
 * that open and close things (links, buttons, the account menu, a confirmation dialog).
 */
class EveryPageUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final int PHONE_WIDTH = 390;
    private static final int PHONE_HEIGHT = 844;

    /** What a keyboard user can reach with Tab, in the page's order; iframes are left out (their page is another origin's). */
    private static final String TABBABLE = """
            const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
            // why: the content of a closed <details> keeps its boxes in Chromium (content-visibility), but Tab skips it
            const folded = (e) => {
              const closed = e.closest('details:not([open])');
              return closed && !(e.tagName === 'SUMMARY' && e.parentElement === closed);
            };
            window.__tabbable = () => [...document.querySelectorAll(
                'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
              .filter((e) => e.tabIndex >= 0 && !e.disabled && !e.closest('[inert]') && visible(e) && !folded(e)
                && !e.closest('dialog:not([open])'));
            window.__describe = (e) => {
              const text = (e.getAttribute('aria-label') || e.innerText || e.value || e.name || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
              const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/).join('.') : '';
              return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${cls} "${text}"`;
            };
            """;

    /** Problems of layout at the current size: sideways scrolling, controls outside the screen or cut off, covered primary actions. */
    private static final String LAYOUT = TABBABLE + """
            const problems = [];
            const width = arguments[0] || window.innerWidth;
            const page = document.scrollingElement;
            const inScroller = (e) => {
              for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                const overflow = getComputedStyle(a).overflowX;
                if (overflow === 'auto' || overflow === 'scroll') return true;
              }
              return false;
            };
            if (window.innerWidth > width) {
              // why: an absolutely placed box escapes a scroller that is not positioned, so it widens the page too
              const wide = [...document.body.querySelectorAll('*')].filter((e) => e.getBoundingClientRect().right > width + 1
                && (!inScroller(e) || getComputedStyle(e).position === 'absolute'));
              const widest = wide.filter((e) => ![...e.children].some((c) => wide.includes(c))).slice(0, 3).map(window.__describe);
              problems.push(`the page is ${window.innerWidth}px wide on a ${width}px phone (it is shown zoomed out); too wide: ${widest.join(', ')}`);
            }
            if (page.scrollWidth > window.innerWidth) {
              problems.push(`the page scrolls sideways: ${page.scrollWidth}px in a ${window.innerWidth}px screen`);
            }
            const checked = [...window.__tabbable(), ...document.querySelectorAll('main h1, main h2')]
              .filter((e) => !e.classList.contains('skip') && e.getClientRects().length > 0);
            for (const e of checked) {
              const r = e.getBoundingClientRect();
              if (r.width <= 1 || r.height <= 1) continue;
              let scroller = null;
              for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                const overflow = getComputedStyle(a).overflowX;
                if (overflow === 'auto' || overflow === 'scroll') { scroller = a; break; }
                if (overflow === 'hidden' || overflow === 'clip') {
                  const box = a.getBoundingClientRect();
                  if (r.left < box.left - 1 || r.right > box.right + 1) problems.push(`cut off by its box: ${window.__describe(e)}`);
                }
              }
              if (!scroller && (r.left < -1 || r.right > width + 1)) {
                problems.push(`outside the screen: ${window.__describe(e)} at x ${Math.round(r.left)}..${Math.round(r.right)}`);
              }
            }
            // why: a select narrower than its chosen option shows part of it ("m" for "member") and nothing scrolls
            const measure = document.createElement('span');
            measure.style.cssText = 'position: absolute; visibility: hidden; white-space: pre';
            document.body.append(measure);
            for (const e of window.__tabbable().filter((c) => c.tagName === 'SELECT' && c.selectedIndex >= 0)) {
              const s = getComputedStyle(e);
              measure.style.font = s.font;
              measure.textContent = e.options[e.selectedIndex].text;
              const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
              if (measure.getBoundingClientRect().width > room) problems.push(`cut off: ${window.__describe(e)} shows part of its choice`);
            }
            measure.remove();
            for (const e of document.querySelectorAll('.primary, button[type=submit]')) {
              if (!e.getClientRects().length || getComputedStyle(e).visibility === 'hidden' || e.closest('dialog:not([open])')) continue;
              e.scrollIntoView({ block: 'center', inline: 'center' });
              const r = e.getBoundingClientRect();
              const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
              if (!top || !(e === top || e.contains(top))) {
                problems.push(`primary action covered: ${window.__describe(e)} lies under ${top ? window.__describe(top) : 'nothing'}`);
              }
            }
            return problems;
            """;

    /** Puts the page back as it opened for its screenshot: no focus, nothing scrolled sideways, at the top. */
    private static final String AT_REST = """
            document.activeElement?.blur();
            for (const e of document.querySelectorAll('*')) {
              if (e.scrollLeft) e.scrollLeft = 0;
            }
            window.scrollTo(0, 0);
            """;

    /** Starts recording what Tab focuses (and whether it shows a focus ring) from the top of the page. */
    private static final String START_TABBING = TABBABLE + """
            window.__tabs = [];
            if (!window.__recording) {
              window.__recording = true;
              document.addEventListener('focusin', (ev) => {
                const s = getComputedStyle(ev.target);
                const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
                window.__tabs.push({ el: ev.target, ring });
              }, true);
            }
            // why: Tab starts from the focused node; a probe at the top that Tab itself skips makes that the page's start
            const probe = document.createElement('span');
            probe.id = 'tab-probe';
            probe.tabIndex = -1;
            document.body.prepend(probe);
            probe.focus();
            return window.__tabbable().length;
            """;

    /** Whether Tab has reached every control. */
    private static final String ALL_REACHED = """
            return window.__tabbable().every((e) => window.__tabs.some((t) => t.el === e));
            """;

    /** Problems of the Tab walk: controls never reached, reached out of order, or focused without a visible ring. */
    private static final String TAB_PROBLEMS = TABBABLE + """
            document.getElementById('tab-probe')?.remove();
            const expected = window.__tabbable();
            const problems = [];
            // why: past the last control Tab comes round to the first again; the walk ends there
            const again = window.__tabs.findIndex((t, i) => window.__tabs.findIndex((u) => u.el === t.el) < i);
            const walk = again < 0 ? window.__tabs : window.__tabs.slice(0, again);
            for (const e of expected) {
              if (!walk.some((t) => t.el === e)) problems.push(`Tab never reaches ${window.__describe(e)}`);
            }
            const order = walk.map((t) => expected.indexOf(t.el)).filter((i) => i >= 0);
            for (let i = 1; i < order.length; i++) {
              if (order[i] < order[i - 1]) {
                problems.push(`Tab goes back from ${window.__describe(expected[order[i - 1]])} to ${window.__describe(expected[order[i]])}`);
              }
            }
            for (const t of walk) {
              if (!t.ring && expected.includes(t.el)) problems.push(`no visible focus ring on ${window.__describe(t.el)}`);
            }
            return [...new Set(problems)];
            """;

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private static TestServer server;
    private static Browser browser;
    private static String sessionId;
    private static String environmentId;
    private static String inviteToken;

    @BeforeAll
    static void start() {
        server = magnet.server();
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("README.md", "# Shop\n\nA small shop.\n",
                "app.py", "def total(items):\n    return sum(items)\n\n\ndef tax(amount):\n    return amount * 0.2\n"));
        environmentId = server.post("/api/environments", Map.of("name", "every-page", "env", Map.of("MODE", "test")))
                .json().path("id").asText();
        magnet.model().script(Script.of(
                Turn.reply().text("I'll look at the code first.").toolUse("Bash", Map.of("command", "ls", "description", "list files")),
                Turn.reply().toolUse("Bash", Map.of("command", "sed -i 's/return sum(items)/return round(sum(items), 2)/; "
                        + "s/def tax(amount):/def tax(amount, rate=0.2):/; s/amount [*] 0.2/amount * rate/' app.py && printf 'notes\\n' > NOTES.md",
                        "description", "edit app.py")),
                Turn.reply().text("Rounded the total and made the tax rate a parameter.")));
        sessionId = server.createSession(Map.of("prompt", "Round the total and make the tax rate a parameter", "repo", origin.toString(),
                "environmentId", environmentId)).path("id").asText();
        server.awaitStatus(sessionId, "completed", TIMEOUT);
        server.newMemberKey("member.pages@example.com");
        server.post("/api/webhooks", Map.of("url", "http://127.0.0.1:9/hooks/magnet"));
        inviteToken = server.post("/api/workspace/invites", Map.of("role", "member"))
                .json().path("token").asText();
        browser = Browser.start(server.baseUrl(), magnet.dir().resolve("chromium-profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void every_page_fits_a_phone_and_a_desktop_and_works_by_keyboard_with_a_screenshot_of_each() {
        List<String> problems = new ArrayList<>();
        browser.deleteCookies();
        check("sign-in", "/", problems);
        check("invite-signed-out", "/?invite=" + inviteToken, problems);
        browser.emulate(0, 0);
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);

        List<String> pages = new UiRoutes().pages();
        for (String page : pages) {
            for (Map.Entry<String, String> url : urlsOf(page).entrySet()) {
                check(url.getKey(), url.getValue(), problems);
            }
        }
        check("invite-signed-in", "/?invite=" + inviteToken, problems);
        assertThat(problems).as("problems on the pages " + pages).isEmpty();
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void enter_and_space_activate_controls_and_escape_closes_the_menu_and_dialogs() {
        browser.emulate(0, 0);
        signedIn();
        browser.open("/keys");
        browser.awaitVisible("table.keys tr:not(.revoked) button", TIMEOUT);

        focusAndPress(".account-menu summary", Keys.ENTER);
        browser.await(TIMEOUT, "the account menu open", d -> (Boolean) browser.js("return document.querySelector('.account-menu').open"));
        new Actions(browser.driver()).sendKeys(Keys.ESCAPE).perform();
        browser.await(TIMEOUT, "the account menu closed and focus back on it", d -> (Boolean) browser.js(
                "return !document.querySelector('.account-menu').open && document.activeElement.matches('.account-menu summary')"));

        int keys = browser.all("table.keys tr:not(.revoked) button").size();
        focusAndPress("table.keys tr:not(.revoked) button", Keys.SPACE);
        browser.awaitVisible("dialog.confirm[open]", TIMEOUT);
        new Actions(browser.driver()).sendKeys(Keys.ESCAPE).perform();
        browser.await(TIMEOUT, "the dialog closed", d -> browser.all("dialog.confirm").isEmpty());
        browser.open("/keys");
        browser.awaitVisible("table.keys tr:not(.revoked) button", TIMEOUT);
        assertThat(browser.all("table.keys tr:not(.revoked) button")).as("Escape revoked nothing").hasSize(keys);

        browser.open("/");
        browser.awaitVisible(".session-list li[data-id='" + sessionId + "'] a", TIMEOUT);
        focusAndPress(".session-list li[data-id='" + sessionId + "'] a", Keys.ENTER);
        browser.await(TIMEOUT, "the session page", d -> browser.url().endsWith("/sessions/" + sessionId));

        browser.open("/sessions/" + sessionId + "/diff");
        browser.awaitVisible(".segmented button[value=split]", TIMEOUT);
        focusAndPress(".segmented button[value=split]", Keys.SPACE);
        browser.await(TIMEOUT, "the side-by-side view", d -> !browser.all("table.diff.split").isEmpty());
        focusAndPress(".segmented button[value=unified]", Keys.ENTER);
        browser.await(TIMEOUT, "the unified view", d -> !browser.all("table.diff.unified").isEmpty());
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    /** The concrete addresses of a page, by screenshot name; a page with an id in its path needs a fixture here. */
    private static Map<String, String> urlsOf(String page) {
        Map<String, Supplier<Map<String, String>>> fixtures = Map.of(
                "/settings/{id}", EveryPageUiIT::settingsSections,
                "/environments/{id}", () -> Map.of("environment", "/environments/" + environmentId),
                "/sessions/{id}", () -> Map.of("session", "/sessions/" + sessionId),
                "/sessions/{id}/diff", () -> Map.of("session-diff", "/sessions/" + sessionId + "/diff"),
                "/sessions/{id}/preview", () -> Map.of("session-preview", "/sessions/" + sessionId + "/preview"));
        if (!page.contains("{")) {
            return Map.of(page.equals("/") ? "dashboard" : page.substring(1).replace('/', '-'), page);
        }
        Supplier<Map<String, String>> fixture = fixtures.get(page);
        assertThat(fixture).as("a fixture of EveryPageUiIT for the new page " + page).isNotNull();
        return fixture.get();
    }

    /** Every section the Settings page links to, read from its tabs, so a new section is covered too. */
    private static Map<String, String> settingsSections() {
        browser.emulate(0, 0);
        browser.open("/settings");
        browser.awaitVisible(".console-tabs a", TIMEOUT);
        @SuppressWarnings("unchecked")
        List<String> links = (List<String>) browser.js("return [...document.querySelectorAll('.console-tabs a')].map(a => a.getAttribute('href'))");
        assertThat(links).as("the Settings sections").hasSizeGreaterThanOrEqualTo(6);
        Map<String, String> urls = new LinkedHashMap<>();
        links.forEach(link -> urls.put(link.substring(1).replace('/', '-'), link));
        return urls;
    }

    /** Checks one page on a phone and on a desktop, adding what is wrong to {@code problems}; keeps a screenshot of each. */
    private static void check(String name, String url, List<String> problems) {
        for (boolean phone : new boolean[] {true, false}) {
            String size = phone ? "phone" : "desktop";
            browser.emulate(phone ? PHONE_WIDTH : 0, PHONE_HEIGHT);
            browser.open(url);
            awaitDrawn(url);
            for (Object p : (List<?>) browser.js(tabThrough())) {
                problems.add(url + " (" + size + "): " + p);
            }
            for (Object p : (List<?>) browser.js(LAYOUT, phone ? PHONE_WIDTH : 0)) {
                problems.add(url + " (" + size + "): " + p);
            }
            browser.js(AT_REST);
            browser.fullScreenshot(SCREENSHOTS, name + "-" + size);
        }
        browser.emulate(0, 0);
    }

    /** Presses Tab through the page until every control was reached (or twice as many presses), then returns the walk's problems. */
    private static String tabThrough() {
        int controls = ((Number) browser.js(START_TABBING)).intValue();
        int budget = controls * 2 + 10;
        for (int pressed = 0; pressed < budget && !(Boolean) browser.js(ALL_REACHED); ) {
            Actions presses = new Actions(browser.driver());
            int batch = Math.min(10, budget - pressed);
            for (int i = 0; i < batch; i++) {
                presses.sendKeys(Keys.TAB);
            }
            presses.perform();
            pressed += batch;
        }
        return TAB_PROBLEMS;
    }

    /** Waits until the page has drawn its content (nothing loading) and it stayed the same for a moment. */
    private static void awaitDrawn(String url) {
        String[] last = {null};
        long[] since = {0};
        browser.await(TIMEOUT, "the page " + url + " drawn", d -> {
            String html = (String) browser.js("const m = document.getElementById('main');"
                    + " return m && m.firstElementChild && !m.querySelector('.loading') ? m.innerHTML : null;");
            if (html == null || !html.equals(last[0])) {
                last[0] = html;
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] > Duration.ofMillis(600).toNanos();
        });
    }

    private static void focusAndPress(String css, CharSequence key) {
        browser.js("document.querySelector(arguments[0]).focus()", css);
        new Actions(browser.driver()).sendKeys(key).perform();
    }

    private static void signedIn() {
        browser.open("/");
        browser.await(TIMEOUT, "the sign-in form or the account menu", d -> !browser.all(".account-menu").isEmpty()
                || !browser.all("form.signin-form").isEmpty());
        if (browser.all(".account-menu").isEmpty()) {
            browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
            browser.awaitVisible(".account-menu", TIMEOUT);
        }
    }
}
