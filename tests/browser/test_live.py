"""Two people in two browsers: a conversation appears and updates live, with no reload."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect

from cruddur.domain.model import UNREAD_CAP, UserRef
from cruddur.services import messaging
from tests.browser.conftest import SCREENSHOTS, sign_up
from tests.e2e.conftest import Api, eventually


def _mark(page: Page) -> None:
    # Survives only as long as the document: a reload would wipe it.
    page.evaluate("window.__noReload = true")


def _not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def test_a_conversation_appears_and_updates_live_in_both_browsers(browser: Browser, site: Api):
    ada = sign_up(browser, site, "ada_live")
    bob = sign_up(browser, site, "bob_live")
    _mark(bob)

    ada.goto("/messages/new")
    ada.get_by_label("To (handle or name)").fill("bob_live")
    ada.get_by_label("Message").fill("Hello Bob, are you there?")
    ada.get_by_role("button", name="Send").click()
    ada.wait_for_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    group = ada.url.rsplit("/", 1)[1]
    _mark(ada)

    row = bob.locator(f'#inbox li[data-group="{group}"]')
    expect(row).to_contain_text("Hello Bob, are you there?")
    expect(row.locator(".badge")).to_have_text("1")

    # Someone else writes: their conversation goes on top. Then Ada again: hers is back on top.
    carl = site.signup("carl_live")
    site.send(carl, message="Bob! Lunch?", handle="bob_live")
    rows = bob.locator("#inbox li")
    expect(rows.first).to_contain_text("Bob! Lunch?")
    ada.get_by_label("Message").fill("Ping again")
    ada.get_by_label("Message").press("Enter")
    expect(rows.first).to_contain_text("Ping again")
    expect(rows.first.locator(".badge")).to_have_text("2")
    expect(rows).to_have_count(2)
    assert _not_reloaded(bob)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    bob.screenshot(path=str(SCREENSHOTS / "inbox.png"))

    row.get_by_role("link").click()
    bob.wait_for_url(f"{site.url}/messages/{group}")
    expect(bob.locator("#messages li")).to_have_count(2)
    inbox = bob.request.get("/web/inbox").json()
    assert inbox["rows"][0]["unread_count"] == 0  # opening it read it

    composer = bob.get_by_label("Message")
    composer.fill("Here! Typing from the other browser.")
    expect(bob.locator("#counter")).to_have_text("36 / 1024")
    composer.press("Enter")
    expect(ada.locator("#messages li")).to_have_count(3)
    expect(ada.locator("#messages li").last).to_contain_text("Typing from the other browser")
    assert _not_reloaded(ada)
    ada.screenshot(path=str(SCREENSHOTS / "conversation.png"))


def test_scrolling_up_loads_every_older_message_once(browser: Browser, site: Api):
    ada, bob = site.signup("ada_scroll"), site.signup("bob_scroll")
    group = site.send(ada, message="message 0", handle=bob.handle)["message_group_uuid"]
    for index in range(1, 120):
        site.send(ada, message=f"message {index}", message_group_uuid=group)
    page = sign_in(browser, site, "bob_scroll")
    page.goto(f"/messages/{group}")
    items = page.locator("#messages li")
    expect(items).to_have_count(30)
    for expected in (60, 90, 120):
        page.locator("#messages").evaluate("list => list.scrollTop = 0")
        expect(items).to_have_count(expected)
    texts = items.all_inner_texts()
    bodies = [t for text in texts for t in text.splitlines() if t.startswith("message ")]
    assert bodies == [f"message {index}" for index in range(120)]


def sign_in(browser: Browser, site: Api, handle: str) -> Page:
    page = browser.new_context(base_url=site.url).new_page()
    page.goto("/signin")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/")
    return page


def test_someone_elses_conversation_is_the_not_found_page(browser: Browser, site: Api):
    ada, bob = site.signup("ada_priv"), site.signup("bob_priv")
    site.signup("eve_priv")
    group = site.send(ada, message="private", handle=bob.handle)["message_group_uuid"]
    eve = sign_in(browser, site, "eve_priv")
    response = eve.goto(f"/messages/{group}")
    assert response is not None
    assert response.status == 404
    expect(eve.get_by_role("heading")).to_have_text("Not found")
    expect(eve.locator("body")).not_to_contain_text("private")


def test_a_form_post_without_the_csrf_token_is_refused(site: Api):
    member = site.signup("csrf_user")
    with httpx.Client(base_url=site.url) as http:
        http.get("/signin")  # gets a CSRF cookie
        refused = http.post("/signin", data={"handle": "csrf_user", "password": "x" * 10})
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "csrf"
        token = http.cookies["cruddur_csrf"]
        forged = http.post("/signin", data={"handle": "a", "password": "b", "csrf": "forged" * 8})
        assert forged.status_code == 403
        good = http.post(
            "/signin",
            data={"handle": "csrf_user", "password": "correct horse battery", "csrf": token},
        )
        assert good.status_code == 303
        # Signed in now; a script post without the header is refused and writes nothing.
        other = site.signup("csrf_peer")
        group = site.send(member, message="hi", handle=other.handle)["message_group_uuid"]
        before = site.table_items()
        blocked = http.post(f"/web/messages/{group}", json={"message": "sneaky"})
        assert blocked.status_code == 403
        assert site.table_items() == before
        sent = http.post(
            f"/web/messages/{group}", json={"message": "legit"}, headers={"X-CSRF-Token": token}
        )
        assert sent.status_code == 201


def test_phone_width_fits_and_every_control_has_a_label(browser: Browser, site: Api):
    ada, bob = site.signup("ada_phone"), site.signup("bob_phone")
    text = "a rather long message " * 12
    group = site.send(ada, message=text, handle=bob.handle)["message_group_uuid"]
    context = browser.new_context(base_url=site.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Handle or email").fill("bob_phone")
    page.get_by_label("Password").fill("correct horse battery")
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_url(f"{site.url}/")
    for path in ("/", f"/messages/{group}", "/messages/new"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        unlabeled = page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), textarea')]
                 .filter(e => !e.labels || e.labels.length === 0).map(e => e.id || e.name)"""
        )
        assert unlabeled == [], path
    page.screenshot(path=str(SCREENSHOTS / "phone-new.png"))


def test_the_inbox_loads_more_on_scroll_and_suggests_people(browser: Browser, site: Api):
    bob = site.signup("bob_many")
    me = UserRef(bob.uuid, bob.handle, "Bob")
    for index in range(25):
        other = UserRef(str(uuid.uuid4()), f"friend_{index:02d}", f"Friend {index}")
        messaging.start_conversation(site.runtime.messaging, other, me, f"hello {index}")
    site.signup("zora_suggest")
    page = sign_in(browser, site, "bob_many")
    rows = page.locator("#inbox li")
    expect(rows).to_have_count(20)
    page.mouse.wheel(0, 10_000)
    expect(rows).to_have_count(25)
    groups = page.locator("#inbox li").evaluate_all("items => items.map(i => i.dataset.group)")
    assert len(set(groups)) == 25
    page.goto("/messages/new")
    page.get_by_label("To (handle or name)").press_sequentially("zor")
    expect(page.locator("#suggestions option")).to_have_count(1)
    expect(page.locator("#suggestions option")).to_have_attribute("value", "zora_suggest")


def test_session_cookies_are_httponly_lax_and_secure_when_configured(site: Api):
    site.signup("cookie_user")
    with httpx.Client(base_url=site.url) as http:
        http.get("/signin")
        token = http.cookies["cruddur_csrf"]
        signed = http.post(
            "/signin",
            data={"handle": "cookie_user", "password": "correct horse battery", "csrf": token},
        )
    cookie = next(h for h in signed.headers.get_list("set-cookie") if "cruddur_session" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback, nothing configured
    site.runtime.settings.cookie_secure = True
    with httpx.Client(base_url=site.url) as http:
        page = http.get("/signin")
    csrf_cookie = next(h for h in page.headers.get_list("set-cookie") if "cruddur_csrf" in h)
    assert "Secure" in csrf_cookie
    assert "HttpOnly" in csrf_cookie


def test_past_the_cap_the_unread_badge_says_99_plus(browser: Browser, site: Api):
    bob = sign_up(browser, site, "bob_capped")
    bob_uuid = site.runtime.users.by_handle("bob_capped").uuid
    ada = site.signup("ada_capped")
    group = site.send(ada, handle="bob_capped", message="0")["message_group_uuid"]
    for n in range(1, UNREAD_CAP + 5):
        site.send(ada, message_group_uuid=group, message=str(n))

    def capped() -> bool:
        row = site.store.get_inbox_row(bob_uuid, group)
        return row is not None and row.last_message == str(UNREAD_CAP + 4)

    eventually(capped)
    bob.reload()  # the server's rendering
    row = bob.locator(f'#inbox li[data-group="{group}"]')
    expect(row.locator(".badge")).to_have_text(f"{UNREAD_CAP - 1}+")
    site.send(ada, message_group_uuid=group, message="live one")  # the script's rendering
    expect(row).to_contain_text("live one")
    expect(row.locator(".badge")).to_have_text(f"{UNREAD_CAP - 1}+")
    expect(row.locator(".badge")).to_have_attribute("aria-label", f"{UNREAD_CAP - 1}+ unread")


def test_signing_out_in_one_tab_ends_the_session_everywhere(browser: Browser, site: Api):
    page = sign_up(browser, site, "ada_leaves")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "cruddur_session"]
    other_tab = page.context.new_page()
    other_tab.goto("/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signin$"))
    other_tab.wait_for_url(re.compile(r"/signin$"))  # its live stream ended and sent it there
    with httpx.Client(base_url=site.url, cookies={"cruddur_session": cookie["value"]}) as copied:
        assert copied.get("/").status_code in {302, 303, 307}  # a copied cookie is dead too
