"""Browser tests: Playwright driving Debian's Chromium (headless) against the app on loopback."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import Api, serve

CHROMIUM = "/usr/bin/chromium"
# Screenshots land in an ignored folder, so `make test` leaves the work tree as it found it;
# `make screenshots` points this at docs/screenshots to refresh the docs' pictures on purpose.
SCREENSHOTS = Path(
    os.environ.get("CRUDDUR_SCREENSHOTS_DIR")
    or Path(__file__).resolve().parents[2] / ".data" / "test-screenshots"
).resolve()
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


# One per test file, not per session: Playwright's sync API keeps an event loop running in the
# worker while it is open, and a later file on that worker (asyncio.run) must not meet it.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def site(settings: Settings, store: ConversationTable) -> Iterator[Api]:
    yield from serve(settings, store)


def sign_up(browser: Browser, site: Api, handle: str) -> Page:
    """A new browser context (its own cookies) with a freshly signed-up user on the inbox page."""
    context = browser.new_context(base_url=site.url, viewport={"width": 900, "height": 800})
    page = context.new_page()
    page.goto("/signup")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Name").fill(handle.replace("_", " ").title())
    page.get_by_label("Email").fill(f"{handle}@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{site.url}/")
    return page


def sign_in(browser: Browser, url: str, handle: str) -> Page:
    """A new browser context signed in as `handle` (password of `sign_up`), on its inbox page,
    marked so a test can tell whether the page reloaded."""
    page = browser.new_context(base_url=url).new_page()
    page.goto("/signin")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    page.evaluate("window.__noReload = true")
    return page


def start_conversation(page: Page, handle: str, text: str) -> str:
    """From the new-conversation page, the way a person does it; the group's uuid."""
    page.goto("/messages/new")
    page.get_by_label("To (handle or name)").fill(handle)
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]
