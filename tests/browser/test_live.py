"""Two people in two browsers: a conversation appears and updates live, with no reload."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import Browser, Page, expect

from cruddur import bootstrap
from cruddur.domain.model import UNREAD_CAP, UserRef
from cruddur.services import sending
from tests.browser.conftest import SCREENSHOTS, sign_up, start_conversation
from tests.e2e.conftest import Api, eventually, snapshot, stream_caught_up
from tests.own_loop import run


def _mark(page: Page) -> None:
    # Survives only as long as the document: a reload would wipe it.
    page.evaluate("window.__noReload = true")


def _not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def test_a_conversation_appears_and_updates_live_in_both_browsers(browser: Browser, site: Api):
    ada = sign_up(browser, site, "ada_live")
    bob = sign_up(browser, site, "bob_live")
    _mark(bob)

    group = start_conversation(ada, "bob_live", "Hello Bob, are you there?")
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
    bob.screenshot(path=str(SCREENSHOTS / "inbox.png"))

    row.get_by_role("link").click()
    bob.wait_for_url(f"{site.url}/messages/{group}")
    expect(bob.locator("#messages li")).to_have_count(2)
    # Opening it read it: the page's script posts that once its live stream is connected.
    eventually(lambda: bob.request.get("/api/message_groups").json()[0]["unread_count"] == 0)

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


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def _into(group: str, text: str) -> dict[str, str]:
    return {"message": text, "message_group_uuid": group}


def test_a_form_post_without_a_token_bound_to_its_session_is_refused(site: Api):
    member = site.signup("csrf_user")
    right = {"handle": "csrf_user", "password": "correct horse battery"}
    with httpx.Client(base_url=site.url) as http, httpx.Client(base_url=site.url) as attacker:
        token = _csrf(http.get("/signin"))
        refused = http.post("/signin", data=right)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "csrf"
        assert http.post("/signin", data=right | {"csrf": "forged" * 8}).status_code == 403
        # A valid token of another browser (the attacker's own) is no use in this one.
        theirs = _csrf(attacker.get("/signin"))
        assert http.post("/signin", data=right | {"csrf": theirs}).status_code == 403
        # The right token, from another site: refused by Sec-Fetch-Site and by Origin.
        for header in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
            sent = http.post("/signin", data=right | {"csrf": token}, headers=header)
            assert sent.status_code == 403
        same = {"Sec-Fetch-Site": "same-origin", "Origin": site.url}
        good = http.post("/signin", data=right | {"csrf": token}, headers=same)
        assert good.status_code == 303
        # Signed in: tokens are bound to the session now; the pre-sign-in one is spent.
        other = site.signup("csrf_peer")
        group = site.send(member, message="hi", handle=other.handle)["message_group_uuid"]
        stream_caught_up(site, group, member.uuid, other.uuid)
        before = snapshot(site)
        for header in ({}, {"X-CSRF-Token": token}):
            blocked = http.post("/api/messages", json=_into(group, "x"), headers=header)
            assert blocked.status_code == 403
        assert snapshot(site) == before
        fresh = _csrf(http.get("/"))
        sent = http.post(
            "/api/messages", json=_into(group, "legit"), headers={"X-CSRF-Token": fresh}
        )
        assert sent.status_code == 200


def test_viewing_a_conversation_changes_nothing_marking_read_is_a_post(site: Api):
    ada, bob = site.signup("get_ada"), site.signup("get_bob")
    group = site.send(ada, message="unread", handle=bob.handle)["message_group_uuid"]
    with httpx.Client(base_url=site.url, cookies={"cruddur_session": bob.token}) as http:
        assert http.get(f"/messages/{group}").status_code == 200
        row = run(site.store.get_inbox_row(bob.uuid, group))
        assert row is not None
        assert row.unread_count == 1  # a GET read nothing
        read = http.post(
            f"/api/message_groups/{group}/read", headers={"X-CSRF-Token": _csrf(http.get("/"))}
        )
        assert read.status_code == 204
    row = run(site.store.get_inbox_row(bob.uuid, group))
    assert row is not None
    assert row.unread_count == 0


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
    # Written through the test's own store (the API's belongs to the server's event loop).
    ctx = bootstrap.build_messaging(site.runtime.settings, site.store)
    for index in range(25):
        other = UserRef(str(uuid.uuid4()), f"friend_{index:02d}", f"Friend {index}")
        run(sending.start_conversation(ctx, other, me, f"hello {index}"))
    site.signup("zora_suggest")
    page = sign_in(browser, site, "bob_many")
    rows = page.locator("#inbox li")
    expect(rows).to_have_count(20)
    page.mouse.wheel(0, 10_000)
    expect(rows).to_have_count(25)
    groups = page.locator("#inbox li").evaluate_all("items => items.map(i => i.dataset.group)")
    assert len(set(groups)) == 25
    # A new conversation arrives live: the list refreshes as long as it was (it used to fold
    # back to its first 20), the newcomer on top; the row it pushed down is one scroll away.
    newcomer = site.signup("newcomer")
    site.send(newcomer, message="hello from a newcomer", handle=bob.handle)
    expect(rows.first).to_contain_text("hello from a newcomer")
    expect(rows).to_have_count(25)
    page.mouse.wheel(0, -10_000)  # up, then down again: a scroll to the end loads more
    page.mouse.wheel(0, 10_000)
    expect(rows).to_have_count(26)
    page.goto("/messages/new")
    page.get_by_label("To (handle or name)").press_sequentially("zor")
    expect(page.locator("#suggestions option")).to_have_count(1)
    expect(page.locator("#suggestions option")).to_have_attribute("value", "zora_suggest")


def test_session_cookies_are_httponly_lax_and_host_prefixed_when_secure(site: Api):
    site.signup("cookie_user")
    right = {"handle": "cookie_user", "password": "correct horse battery"}

    def sign_in() -> list[str]:
        with httpx.Client(base_url=site.url) as http:
            page = http.get("/signin")
            # Sent by hand: a client keeps Secure cookies for https, and this is loopback http.
            [anonymous] = [h for h in page.headers.get_list("set-cookie") if "cruddur_anon=" in h]
            cookie = {"Cookie": anonymous.split(";")[0]}
            signed = http.post("/signin", data=right | {"csrf": _csrf(page)}, headers=cookie)
        assert signed.status_code == 303
        return signed.headers.get_list("set-cookie")

    [plain] = [h for h in sign_in() if h.startswith("cruddur_session=")]
    assert "HttpOnly" in plain
    assert "SameSite=lax" in plain
    assert "Secure" not in plain  # plain http on loopback, nothing configured
    site.runtime.settings.cookie_secure = True
    [secure] = [h for h in sign_in() if "cruddur_session=" in h]
    # The __Host- prefix: Secure, Path=/, no Domain; no subdomain can set or shadow it.
    assert secure.startswith("__Host-cruddur_session=")
    assert "Secure" in secure
    assert "Path=/" in secure
    assert "Domain" not in secure
    with httpx.Client(base_url=site.url) as http:
        page = http.get("/signin")
    anonymous = next(h for h in page.headers.get_list("set-cookie") if "cruddur_anon" in h)
    assert anonymous.startswith("__Host-cruddur_anon=")
    assert "HttpOnly" in anonymous


def test_past_the_cap_the_unread_badge_says_99_plus(browser: Browser, site: Api):
    bob = sign_up(browser, site, "bob_capped")
    bob_uuid = site.runtime.users.by_handle("bob_capped").uuid
    ada = site.signup("ada_capped")
    group = site.send(ada, handle="bob_capped", message="0")["message_group_uuid"]
    for n in range(1, UNREAD_CAP + 5):
        site.send(ada, message_group_uuid=group, message=str(n))

    def capped() -> bool:
        row = run(site.store.get_inbox_row(bob_uuid, group))
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


def test_the_pages_run_under_the_strict_content_security_policy(browser: Browser, site: Api):
    page = sign_up(browser, site, "csp_ada")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    site.signup("csp_bob")
    page.goto("/messages/new")
    page.get_by_label("To (handle or name)").fill("csp_bob")
    page.get_by_label("Message").fill("under the policy")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    expect(page.locator("#messages li")).to_have_count(1)
    page.get_by_label("Message").fill("sent by the script")
    page.get_by_label("Message").press("Enter")
    expect(page.locator("#messages li")).to_have_count(2)  # app.js ran: it sent this one
    page.goto("/")
    expect(page.locator("#inbox li")).to_have_count(1)
    assert violations == []
