"""Nothing moves once drawn (Cumulative Layout Shift, as Chromium measures it), a phone shows the
whole composer, and a first load asks for nothing that is not there."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Browser, Page, Route, expect

from cruddur.domain.clock import format_timestamp
from cruddur.web.times import ago
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_a11y import phone_or_desktop, sign_in_as, world
from tests.e2e.conftest import Api

# Every shift since the page began (buffered), as Lighthouse counts them: input-driven ones aside.
LAYOUT_SHIFTS = """() => new Promise((resolve) => {
  const shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      const moved = entry.sources.map((s) =>
        s.node ? s.node.id || s.node.className || s.node.nodeName : "gone");
      shifts.push({ value: entry.value, moved: moved.join(", ") });
    }
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(shifts), 200);
})"""


def _layout_shift(page: Page, path: str) -> None:
    """The page loaded afresh with its script late (as on a slow network, so the first paint is
    the server's HTML alone), until the script's live refresh is drawn: the total shift."""

    def late(route: Route) -> None:
        time.sleep(0.4)
        route.continue_()

    page.route("**/static/app.js", late)
    with page.expect_response(lambda r: "/api/message" in r.url):  # the live refresh
        page.goto(path)
    page.wait_for_timeout(500)  # drawn, the times rewritten, the messages scrolled
    page.unroute("**/static/app.js")
    shifts: list[dict[str, Any]] = page.evaluate(LAYOUT_SHIFTS)
    total = float(sum(s["value"] for s in shifts))
    assert total < 0.1, f"{path}: CLS {total:.3f}: {shifts}"


def test_nothing_shifts_as_the_inbox_and_a_conversation_load(browser: Browser, site: Api):
    ours = world(site, "cls")
    for n in range(6):  # a screenful of rows, each with a time the script rewrites
        other = site.signup(f"friend{n}_cls")
        site.send(other, handle=ours.ada.handle, message=f"hello number {n}")
    page = phone_or_desktop(browser, site, "phone")
    sign_in_as(page, ours.ada.handle)
    _layout_shift(page, "/")
    header = page.locator("header.bar").bounding_box()
    assert header is not None
    assert header["height"] <= 90  # two rows, "Notify me" among them (it was three, 133 px)
    page.screenshot(path=str(SCREENSHOTS / "a11y-phone-inbox.png"))
    _layout_shift(page, f"/messages/{ours.group}")
    page.set_viewport_size({"width": 1280, "height": 800})
    _layout_shift(page, f"/messages/{ours.group}")


def test_a_phone_shows_the_whole_composer_with_its_counter(browser: Browser, site: Api):
    ours = world(site, "composer")
    for n in range(15):  # more than a screenful
        site.send(ours.ada, message_group_uuid=ours.group, message=f"filler {n}")
    page = phone_or_desktop(browser, site, "phone")
    sign_in_as(page, ours.ada.handle)
    page.goto(f"/messages/{ours.group}")
    expect(page.locator("#messages li")).to_have_count(20)
    for part in ("#message", "#counter", "#composer button[type=submit]"):
        expect(page.locator(part)).to_be_in_viewport(ratio=1)
    # The placeholder, typed in, fits the box: nothing of it is cut.
    fits = page.locator("#message").evaluate(
        """(box) => {
            box.value = box.placeholder;
            const fits = box.scrollHeight <= box.clientHeight && box.scrollWidth <= box.clientWidth;
            box.value = "";
            return fits;
        }"""
    )
    assert fits, "the placeholder is cut"
    page.screenshot(path=str(SCREENSHOTS / "a11y-phone-conversation.png"))


def test_a_first_load_has_its_icon_its_description_and_no_console_error(
    browser: Browser, site: Api
):
    page = phone_or_desktop(browser, site, "desktop")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/signin")
    page.wait_for_load_state("networkidle")  # the browser's own request for an icon included
    assert errors == []
    description = page.locator('meta[name="description"]')
    expect(description).to_have_attribute("content", "Private messages between Cruddur members.")
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200
    assert icon.headers["content-type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    linked = page.locator('link[rel="icon"]').evaluate_all("links => links.map(l => l.href)")
    assert linked
    assert all(page.request.get(href).status == 200 for href in linked), linked


# The script's own function: the page's module (the same instance app.js imported), not a copy.
RELATIVE = "async iso => (await import('/static/times.js')).relative(iso)"


def test_the_server_words_times_as_the_script_does(browser: Browser, site: Api):
    page = phone_or_desktop(browser, site, "desktop")
    page.goto("/signin")  # app.js on every page, and the module it imports `relative` from
    now = datetime.now(UTC)
    noon = now.replace(hour=12, minute=0) - timedelta(days=800)  # a date, far from midnight
    moments = [now - timedelta(seconds=s) for s in (5, 100, 3000, 7200, 5 * 86400, 60 * 86400)]
    for moment in [*moments, noon]:
        iso = format_timestamp(moment)
        assert ago(iso) == page.evaluate(RELATIVE, iso), iso
