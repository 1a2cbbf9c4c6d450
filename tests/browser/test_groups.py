"""Group conversations in several real browsers at once: started from the new-conversation page,
live in everyone's inbox, names over the messages, who is typing, "Seen by", a rename and
members added, promoted and removed seen live in the others' member panels, a member who leaves
(and one removed) sent back to the inbox; the messages of someone you block folded; axe-core
finds nothing on a group's pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.conftest import SCREENSHOTS, sign_in, sign_up
from tests.browser.test_a11y import WIDTHS, phone_or_desktop, sign_in_as, violations
from tests.e2e.conftest import Api, Member

MARK_READ = re.compile(r"/api/message_groups/[0-9a-f-]{36}/read$")


def _marks_read(response: Response) -> bool:
    """A conversation page's last step on opening: it has heard the conversation and its newest
    messages over its live stream, and marks them read."""
    return response.request.method == "POST" and bool(MARK_READ.search(response.url))


def _start_group(ada: Page, title: str, text: str, *handles: str) -> str:
    """Ada picks people on the new-conversation page, each finished with Enter but the last
    (still typed, it counts too), names the group and sends; the group's uuid."""
    ada.goto("/messages/new")
    to = ada.get_by_label("To (handle or name)")
    for handle in handles[:-1]:
        to.fill(handle)
        to.press("Enter")
    expect(ada.locator("#picked li")).to_have_count(len(handles) - 1)
    to.fill(handles[-1])
    ada.get_by_label("Group name").fill(title)
    ada.get_by_label("Message").fill(text)
    ada.screenshot(path=str(SCREENSHOTS / "group-new.png"))
    with ada.expect_response(_marks_read):
        ada.get_by_role("button", name="Send").click()
        ada.wait_for_url(re.compile(r"/messages/[0-9a-f-]{36}$"))
    return ada.url.rsplit("/", 1)[1]


def _say(page: Page, text: str) -> None:
    """Sent, and shown as sent: the next one follows it (two sends on their way at once may
    arrive in either order)."""
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")
    expect(page.locator("#messages li.mine").last).to_contain_text(text)


def test_a_group_of_three_lives_in_three_browsers(browser: Browser, site: Api):
    ada, bruno, chen = (sign_up(browser, site, h) for h in ("ada_grp", "bruno_grp", "chen_grp"))
    dora = sign_up(browser, site, "dora_grp")
    site.signup("eve_grp")

    group = _start_group(ada, "Weekend plans", "Hello both!", "bruno_grp", "chen_grp")
    expect(ada.locator("#conversation-heading")).to_contain_text("Weekend plans")
    expect(ada.locator("#conversation-heading")).to_contain_text("3 people")
    # The inbox rows of the two others appear live, named by the group's title.
    for page in (bruno, chen):
        row = page.locator(f'#inbox li[data-group="{group}"]')
        expect(row).to_contain_text("Weekend plans")
        expect(row).to_contain_text("Hello both!")
        expect(row).to_contain_text("3 people")
        with page.expect_response(_marks_read):
            row.get_by_role("link").click()
        expect(page.locator("#messages li.theirs").last).to_contain_text("Hello both!")
    started = chen.locator("#messages li.event").first
    expect(started).to_contain_text("Ada Grp")  # "Ada Grp started the group …": set apart
    expect(started.locator(".tools, .reactions")).to_have_count(0)

    _names_typing_and_seen(ada, bruno, chen)
    _renamed_and_members_changed(ada, bruno, chen, dora, group)

    # Chen leaves: she is back in her inbox without it, and cannot open it any more.
    chen.once("dialog", lambda dialog: dialog.accept())
    chen.get_by_role("button", name="Leave the group").click()
    chen.wait_for_url(f"{site.url}/")
    expect(chen.locator("#inbox-status")).to_contain_text("You left")
    expect(chen.locator(f'#inbox li[data-group="{group}"]')).to_have_count(0)
    for page in (ada, bruno):
        expect(page.locator("#member-list li")).to_have_count(3)
        expect(page.locator("#messages li.event").last).to_contain_text("Chen Grp")
    response = chen.goto(f"/messages/{group}")
    assert response is not None
    assert response.status == 404
    assert chen.request.get(f"/api/message_groups/{group}").status == 404


def _names_typing_and_seen(ada: Page, bruno: Page, chen: Page) -> None:
    # Bruno writes twice: the others see it live, his name over the run, once.
    _say(bruno, "Hi from Bruno")
    _say(bruno, "and a second line")
    for page in (ada, chen):
        items = page.locator("#messages li")
        expect(items.last).to_contain_text("and a second line")
        first = items.filter(has_text="Hi from Bruno")
        expect(first.locator(".sender")).to_have_text("Bruno Grp")
        expect(first.locator(".sender")).to_be_visible()
        expect(items.last).to_have_class(re.compile(r"\bfollows\b"))  # its name: screen readers'

    # Two typing at once, each on their own clock: one sends, the other is still shown.
    typing = ada.locator("#typing")
    chen.get_by_label("Message").press_sequentially("Sounds go", delay=30)
    expect(typing).to_have_text("Chen Grp is typing…")
    bruno.get_by_label("Message").press_sequentially("Me t", delay=30)
    expect(typing).to_have_text("Chen Grp and Bruno Grp are typing…")
    chen.get_by_label("Message").press_sequentially("od", delay=30)
    chen.get_by_label("Message").press("Enter")
    expect(ada.locator("#messages li").last).to_contain_text("Sounds good")
    expect(typing).to_have_text("Bruno Grp is typing…")
    bruno.get_by_label("Message").press_sequentially("oo", delay=30)
    bruno.get_by_label("Message").press("Enter")
    expect(ada.locator("#messages li").last).to_contain_text("Me too")
    expect(typing).to_have_text("")

    # "Seen by" under Ada's newest: both have the page open, so both read it.
    _say(ada, "See you Saturday")
    newest = ada.locator("#messages li").last
    expect(newest.locator(".seen")).to_have_text("Seen by Bruno Grp and Chen Grp")
    expect(ada.locator(".seen")).to_have_count(1)
    ada.screenshot(path=str(SCREENSHOTS / "group.png"))


def _renamed_and_members_changed(
    ada: Page, bruno: Page, chen: Page, dora: Page, group: str
) -> None:
    # Ada renames it; the others' headings, panels and conversations follow live.
    for page in (ada, bruno, chen):
        page.locator("#members summary").click()
        expect(page.locator("#member-list li")).to_have_count(3)
    ada.get_by_label("Group name").fill("Weekend crew")
    ada.get_by_role("button", name="Rename").click()
    for page in (bruno, chen):
        expect(page.locator("#conversation-heading")).to_contain_text("Weekend crew")
        expect(page.get_by_label("Group name")).to_have_value("Weekend crew")
        expect(page.locator("#messages li.event").last).to_contain_text("Weekend crew")

    # Ada adds two people; Bruno, made an admin, removes one of them.
    expect(bruno.locator("#add-people")).to_be_hidden()  # not an admin yet
    ada.get_by_label("Add people").fill("dora_grp, eve_grp")
    ada.get_by_role("button", name="Add", exact=True).click()
    for page in (bruno, chen):
        expect(page.locator("#member-list li")).to_have_count(5)
        expect(page.locator("#conversation-heading")).to_contain_text("5 people")
    expect(chen.locator("#member-list")).to_contain_text("Dora Grp")
    ada.screenshot(path=str(SCREENSHOTS / "group-people.png"))
    with dora.expect_response(_marks_read):  # Dora has it now: she opens it
        dora.goto(f"/messages/{group}")
    ada.get_by_role("button", name="Make admin (Bruno Grp)").click()
    expect(bruno.locator('#member-list li[data-handle="bruno_grp"] .role')).to_have_text("admin")
    expect(bruno.locator("#add-people")).to_be_visible()
    bruno.once("dialog", lambda dialog: dialog.accept())
    bruno.get_by_role("button", name="Remove Dora Grp").click()
    for page in (ada, chen):
        expect(page.locator("#member-list li")).to_have_count(4)
        expect(page.locator("#member-list")).not_to_contain_text("Dora Grp")
    # Removed while looking at it: her page goes back to her inbox, saying so.
    dora.wait_for_url(re.compile(r"/$"))
    expect(dora.locator("#inbox-status")).to_contain_text("no longer in")
    expect(dora.locator(f'#inbox li[data-group="{group}"]')).to_have_count(0)


def _api_group(site: Api, suffix: str) -> tuple[Member, Member, Member, str]:
    """Ada's group with Bruno and Chen, made through the API, a word from each of the two; Ada
    blocks Bruno."""
    ada, bruno, chen = (site.signup(f"{name}_{suffix}") for name in ("ada", "bruno", "chen"))
    started = site.http.post(
        "/api/message_groups", json={"handles": [bruno.handle, chen.handle]}, headers=ada.auth
    )
    assert started.status_code == 201, started.text
    group: str = started.json()["uuid"]
    site.send(bruno, message_group_uuid=group, message="a word from Bruno")
    site.send(chen, message_group_uuid=group, message="a word from Chen")
    blocked = site.http.post(f"/api/users/@{bruno.handle}/block", headers=ada.auth)
    assert blocked.status_code == 204, blocked.text
    return ada, bruno, chen, group


def test_a_blocked_members_messages_are_folded_until_shown(browser: Browser, site: Api):
    ada, _, _, group = _api_group(site, "fold")
    page = sign_in(browser, site.url, ada.handle)
    with page.expect_response(_marks_read):
        page.goto(f"/messages/{group}")
    folded = page.locator("#messages li.folded")
    expect(folded).to_have_count(1)
    expect(folded).to_contain_text("A message from someone you blocked")
    expect(page.locator("#messages")).not_to_contain_text("a word from Bruno")
    expect(page.locator("#messages li").last).to_contain_text("a word from Chen")
    folded.get_by_role("button", name="show").click()
    expect(page.locator("#messages li.folded")).to_have_count(0)
    expect(page.locator("#messages")).to_contain_text("a word from Bruno")
    # Shown by keyboard, the focus lands on the message's own tools, not the top of the page.
    expect(
        page.locator("#messages li")
        .filter(has_text="a word from Bruno")
        .get_by_role("button", name="React")
    ).to_be_focused()


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_on_a_groups_pages(browser: Browser, site: Api, width: str):
    ada, _, chen, group = _api_group(site, f"axe_{width}")
    page = phone_or_desktop(browser, site, width)
    sign_in_as(page, ada.handle)
    found = violations(page)  # the inbox, a group's row in it
    with page.expect_response(_marks_read):
        page.goto(f"/messages/{group}")
    expect(page.locator("#messages li.folded")).to_have_count(1)
    page.locator("#members summary").click()
    expect(page.get_by_role("button", name=f"Remove {chen.handle.title()}")).to_be_visible()
    found += violations(page)
    page.screenshot(path=str(SCREENSHOTS / f"group-people-{width}.png"))
    page.goto("/messages/new")
    to = page.get_by_label("To (handle or name)")
    to.fill(chen.handle)
    to.press("Enter")
    to.fill("someone_else")
    expect(page.get_by_label("Group name")).to_be_visible()
    found += violations(page)
    assert found == [], f"{len(found)} axe violations at {width} width:\n" + "\n".join(found)
