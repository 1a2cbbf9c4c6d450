"""axe-core finds nothing on any page, at a desktop width and a phone's, with the menus open.

axe is the npm package pinned in package-lock.json (a devDependency), read from node_modules
and evaluated in the page: Playwright's evaluate is not subject to the page's content security
policy, so the policy stays as strict as it ships.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Api, Member
from tests.e2e.test_api_attachments import upload

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

# Each violation as its rule and, per node, where it is and what to fix.
RUN_AXE = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id, help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\\s+/g, " ")}`),
  }));
}"""


@dataclass
class World:
    """Ada's view: a conversation with Bob holding every kind of message the page draws."""

    ada: Member
    bob: Member
    group: str


def world(site: Api, suffix: str) -> World:
    ada, bob = site.signup(f"ada_{suffix}"), site.signup(f"bob_{suffix}")
    cara, dan = site.signup(f"cara_{suffix}"), site.signup(f"dan_{suffix}")
    first = site.send(bob, handle=ada.handle, message="Hello Ada, a first message")
    group = first["message_group_uuid"]
    mine = site.send(ada, message_group_uuid=group, message="Hi Bob", reply_to=first["uuid"])
    url = f"/api/messages/{group}"

    def ok(method: str, path: str, member: Member, **body: Any) -> None:
        response = site.http.request(method, path, headers=member.auth, **body)
        assert response.is_success, response.text

    ok("PATCH", f"{url}/{mine['uuid']}", ada, json={"message": "Hi Bob!"})
    ok("PUT", f"{url}/{mine['uuid']}/reactions/{quote('❤️')}", bob)
    ok("PUT", f"{url}/{first['uuid']}/reactions/{quote('👍')}", ada)
    gone = site.send(ada, message_group_uuid=group, message="a mistake")
    ok("DELETE", f"{url}/{gone['uuid']}", ada)
    notes = upload(site, ada, group, "notes.txt", b"bread, tea\n", "text/plain")
    site.send(ada, message_group_uuid=group, message="the list", attachments=[notes])
    site.send(bob, message_group_uuid=group, message="Thanks! 🎉")
    # Unread rows beside it, one muted (its badge is drawn apart) and one pinned.
    muted = site.send(cara, handle=ada.handle, message="unread and muted")["message_group_uuid"]
    site.send(cara, message_group_uuid=muted, message="another")
    pinned = site.send(dan, handle=ada.handle, message="unread and pinned")["message_group_uuid"]
    ok("PATCH", f"/api/message_groups/{muted}", ada, json={"muted": True})
    ok("PATCH", f"/api/message_groups/{pinned}", ada, json={"pinned": True})
    return World(ada, bob, group)


def phone_or_desktop(browser: Browser, site: Api, width: str) -> Page:
    w, h = WIDTHS[width]
    return browser.new_context(base_url=site.url, viewport={"width": w, "height": h}).new_page()


def sign_in_as(page: Page, handle: str) -> None:
    page.goto("/signin")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def violations(page: Page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (npm ci, package-lock.json)")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(RUN_AXE)
    where = page.url.split("/", 3)[-1] or "inbox"
    return [f"/{where} {v['id']} ({v['help']}):\n    " + "\n    ".join(v["nodes"]) for v in found]


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_on_any_page(browser: Browser, site: Api, width: str):
    ours = world(site, width)
    page = phone_or_desktop(browser, site, width)
    found = []
    for path in ("/signin", "/signup"):
        page.goto(path)
        found += violations(page)
    sign_in_as(page, ours.ada.handle)
    found += violations(page)
    page.locator("#inbox .row-menu").first.click()
    expect(page.get_by_role("menu", name="Conversation options")).to_be_visible()
    found += violations(page)

    page.goto(f"/messages/{ours.group}")
    newest = page.locator("#messages li").last
    expect(newest.locator(".tools")).to_be_visible()
    found += violations(page)
    newest.get_by_role("button", name="React").click()
    expect(page.get_by_role("menu", name="Pick a reaction")).to_be_visible()
    found += violations(page)

    for path in ("/messages/new", "/nowhere"):
        page.goto(path)
        found += violations(page)
    assert found == [], f"{len(found)} axe violations at {width} width:\n" + "\n".join(found)
