"""What people expect of a chat, in two real browsers: edit and delete, seen, typing, block,
the inbox beside the conversation, the unread total in the tab title, a not-found page."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.conftest import SCREENSHOTS, sign_up, start_conversation
from tests.e2e.conftest import Api, eventually, stream_caught_up

MARK_READ = re.compile(r"/api/message_groups/[0-9a-f-]{36}/read$")


def _marks_read(response: Response) -> bool:
    """A conversation page's last step on opening (app.js): its live stream is open, it has
    read how far the other member read and the newest messages, and it marks them read."""
    return response.request.method == "POST" and bool(MARK_READ.search(response.url))


def _talking(browser: Browser, site: Api, a: str, b: str) -> tuple[Page, Page, str]:
    """Two signed-up users in their own browsers; `a` wrote to `b`, both have it open and
    listen to its live events."""
    first, second = sign_up(browser, site, a), sign_up(browser, site, b)
    with first.expect_response(_marks_read):
        group = start_conversation(first, b, "Hi there, a first message")
    with second.expect_response(_marks_read):
        second.goto(f"/messages/{group}")
    expect(second.locator("#messages li")).to_have_count(1)
    return first, second, group


def test_edits_and_deletions_show_live_in_the_other_browser(browser: Browser, site: Api):
    ada, bob, _ = _talking(browser, site, "ada_edit", "bob_edit")
    ada.get_by_label("Message").fill("Teh second message")
    ada.get_by_label("Message").press("Enter")
    mine = ada.locator("#messages li").last
    expect(bob.locator("#messages li").last).to_contain_text("Teh second message")

    mine.get_by_role("button", name="Edit").click()
    editor = mine.get_by_label("New text")
    editor.fill("The second message")
    editor.press("Enter")
    expect(mine).to_contain_text("(edited)")
    theirs = bob.locator("#messages li").last
    expect(theirs).to_contain_text("The second message")
    expect(theirs).to_contain_text("(edited)")
    # Only your own messages offer it.
    expect(bob.locator("#messages li").get_by_role("button", name="Edit")).to_have_count(0)
    # The inbox pane beside follows through the stream.
    expect(bob.locator("#inbox li").first).to_contain_text("The second message")

    ada.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Delete").click()
    expect(mine).to_contain_text("Message deleted")
    expect(theirs).to_contain_text("Message deleted")
    expect(theirs).not_to_contain_text("The second message")
    expect(bob.locator("#messages li")).to_have_count(2)  # it keeps its place
    expect(bob.locator("#inbox li").first).to_contain_text("Message deleted")
    bob.screenshot(path=str(SCREENSHOTS / "edited-and-deleted.png"))


def test_seen_appears_when_the_other_opens_the_conversation(browser: Browser, site: Api):
    ada = sign_up(browser, site, "ada_seen")
    bob = sign_up(browser, site, "bob_seen")
    with ada.expect_response(_marks_read):
        group = start_conversation(ada, "bob_seen", "Will you see this?")
    expect(ada.locator("#messages li")).to_have_count(1)
    # Nothing is left to bring a wrong "Seen": her page has done all it does on opening, and
    # the stream all it does for the message (their inbox rows name it).
    members = (site.runtime.users.by_handle(handle).uuid for handle in ("ada_seen", "bob_seen"))
    stream_caught_up(site, group, *members)
    expect(ada.locator(".seen")).to_have_count(0)

    bob.goto(f"/messages/{group}")  # opening it reads it
    seen = ada.locator("#messages li").last.locator(".seen")
    expect(seen).to_contain_text("Seen")
    # A newer message of hers is not seen yet: "Seen" stays under the one he read.
    ada.get_by_label("Message").fill("And this one?")
    ada.get_by_label("Message").press("Enter")
    expect(ada.locator("#messages li")).to_have_count(2)
    expect(ada.locator("#messages li").last.locator(".seen")).to_have_count(1)  # he is there
    ada.reload()  # the server's rendering knows it too
    expect(ada.locator("#messages li").last.locator(".seen")).to_contain_text("Seen")
    expect(ada.locator(".seen")).to_have_count(1)
    ada.screenshot(path=str(SCREENSHOTS / "seen.png"))


def test_typing_shows_in_the_other_browser_and_clears(browser: Browser, site: Api):
    ada, bob, _ = _talking(browser, site, "ada_typing", "bob_typing")  # Ada listens already
    bob.get_by_label("Message").press_sequentially("I am wri", delay=30)
    typing = ada.locator("#typing")
    expect(typing).to_have_text("Bob Typing is typing…")
    ada.screenshot(path=str(SCREENSHOTS / "typing.png"))
    expect(typing).to_have_text("", timeout=10_000)  # no more notices: it clears by itself
    bob.get_by_label("Message").press_sequentially("ting", delay=30)
    expect(typing).not_to_have_text("")
    bob.get_by_label("Message").press("Enter")
    expect(ada.locator("#messages li").last).to_contain_text("I am writing")
    expect(typing).to_have_text("")  # their message arrived: the notice goes at once


def test_a_block_stops_a_send_with_a_visible_error(browser: Browser, site: Api):
    ada, bob, group = _talking(browser, site, "ada_block", "bob_block")
    bob.once("dialog", lambda dialog: dialog.accept())
    bob.get_by_role("button", name="Block").click()
    expect(bob.locator("#blocked-note")).to_be_visible()
    expect(bob.locator(f'#inbox li[data-group="{group}"]')).to_have_count(0)  # hidden

    ada.get_by_label("Message").fill("Can you hear me?")
    ada.get_by_label("Message").press("Enter")
    alert = ada.get_by_role("alert")
    expect(alert).to_contain_text("does not accept your messages")
    expect(ada.locator("#messages li")).to_have_count(1)  # not sent
    ada.screenshot(path=str(SCREENSHOTS / "blocked.png"))

    bob.get_by_role("button", name="Unblock").click()
    expect(bob.locator("#blocked-note")).to_be_hidden()
    expect(bob.locator(f'#inbox li[data-group="{group}"]')).to_have_count(1)
    ada.get_by_label("Message").press("Enter")  # the same text, sent again
    expect(bob.locator("#messages li").last).to_contain_text("Can you hear me?")
    expect(alert).to_be_hidden()


def test_two_panes_at_desktop_width_one_column_on_a_phone(browser: Browser, site: Api):
    ada, bob, group = _talking(browser, site, "ada_panes", "bob_panes")
    site.send(site.signup("cara_panes"), handle="ada_panes", message="Another conversation")
    ada.set_viewport_size({"width": 1280, "height": 800})
    ada.goto(f"/messages/{group}")
    inbox, conversation = ada.locator(".pane-inbox"), ada.locator(".pane-conversation")
    expect(inbox).to_be_visible()
    expect(conversation).to_be_visible()
    left, right = inbox.bounding_box(), conversation.bounding_box()
    assert left is not None
    assert right is not None
    assert left["x"] + left["width"] <= right["x"]  # side by side
    assert abs(left["y"] - right["y"]) < 40
    selected = ada.locator('#inbox a[aria-current="page"]')
    expect(selected).to_have_count(1)
    expect(selected).to_have_attribute("href", f"/messages/{group}")
    ada.screenshot(path=str(SCREENSHOTS / "two-panes.png"))

    ada.set_viewport_size({"width": 360, "height": 740})
    ada.goto(f"/messages/{group}")
    expect(ada.locator(".pane-inbox")).to_be_hidden()
    expect(ada.locator("#messages")).to_be_visible()
    assert ada.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ada.goto("/")
    expect(ada.locator(".pane-inbox")).to_be_visible()
    expect(ada.locator(".pane-conversation")).to_be_hidden()
    ada.screenshot(path=str(SCREENSHOTS / "phone-inbox.png"))
    del bob


def test_the_tab_title_shows_the_unread_total(browser: Browser, site: Api):
    bob = sign_up(browser, site, "bob_title")
    expect(bob).to_have_title("Cruddur Messages")
    ada, cara = site.signup("ada_title"), site.signup("cara_title")
    group = site.send(ada, handle="bob_title", message="one")["message_group_uuid"]
    site.send(ada, message_group_uuid=group, message="two")
    site.send(cara, handle="bob_title", message="three")
    expect(bob).to_have_title("(3) Cruddur Messages")  # live, no reload
    bob.goto(f"/messages/{group}")  # reading two of them
    expect(bob).to_have_title(re.compile(r"^\(1\) Ada_Title · Cruddur Messages$"))
    eventually(lambda: "(1)" in bob.title())


def test_a_page_that_does_not_exist_is_the_html_not_found_page(browser: Browser, site: Api):
    page = sign_up(browser, site, "ada_lost")
    for path in ("/nowhere", "/messages/new/extra", "/inbox", "/messages/a/b/c"):
        response = page.goto(path)
        assert response is not None
        assert response.status == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_role("link", name="Back to your messages")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in
    api = page.request.get("/api/nowhere")
    assert api.status == 404
    assert api.json()["errors"][0]["code"] == "not_found"
