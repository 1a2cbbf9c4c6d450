"""By keyboard alone: the focus survives every redraw (a reaction, an edit, a live change), the
composer is two keys away, and the reaction picker is whole on screen, in colour."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.test_a11y import World, phone_or_desktop, sign_in_as, world
from tests.e2e.conftest import Api


def _conversation(
    browser: Browser, site: Api, suffix: str, width: str = "desktop", last: str = ""
) -> tuple[Page, World]:
    ours = world(site, suffix)
    if last:  # a last word of Ada's
        site.send(ours.ada, message_group_uuid=ours.group, message=last)
    page = phone_or_desktop(browser, site, width)
    sign_in_as(page, ours.ada.handle)
    page.goto(f"/messages/{ours.group}")
    expect(page.locator("#messages li .tools").last).to_be_visible()
    return page, ours


def _pick(page: Page, react: Locator, steps: int) -> None:
    react.focus()
    react.press("Enter")
    expect(page.get_by_role("menu", name="Pick a reaction")).to_be_visible()
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")


def test_focus_survives_a_reaction_an_edit_and_a_live_change(browser: Browser, site: Api):
    page, ours = _conversation(browser, site, "focus")
    newest = page.locator("#messages li").last
    react = newest.get_by_role("button", name="React")
    _pick(page, react, steps=2)  # 👍 → ❤️ → 😂
    expect(newest.locator(".reaction")).to_have_count(1)  # redrawn with its new chip
    expect(react).to_be_focused()  # the same button on the redrawn message, not the page
    # The chip toggled by keyboard keeps the focus, even as it goes (back to React then).
    chip = newest.locator(".reaction")
    chip.focus()
    chip.press("Enter")
    expect(newest.locator(".reaction")).to_have_count(0)
    expect(react).to_be_focused()

    # An edit saved by keyboard: back on the message's Edit button.
    mine = page.locator("#messages li.mine:not(.deleted)").first
    mine.get_by_role("button", name="Edit").press("Enter")
    editor = mine.get_by_label("New text")
    expect(editor).to_be_focused()
    editor.fill("Hi Bob, edited again")
    editor.press("Enter")
    expect(mine).to_contain_text("Hi Bob, edited again")
    expect(mine.get_by_role("button", name="Edit")).to_be_focused()

    # Bob's reactions redraw the message live while Ada's keyboard is in it: on its Reply
    # button, in an edit half written, in the open picker. Each stays where it was.
    url = f"/api/messages/{ours.group}/{mine.get_attribute('data-uuid')}/reactions/"

    def bob_reacts(emoji: str) -> None:
        assert site.http.put(url + quote(emoji), headers=ours.bob.auth).status_code < 300
        expect(mine.locator(".reaction", has_text=emoji)).to_have_count(1)

    reply = mine.get_by_role("button", name="Reply", exact=True)
    reply.focus()
    bob_reacts("🔥")
    expect(reply).to_be_focused()
    mine.get_by_role("button", name="Edit").press("Enter")
    editor.fill("half written")
    bob_reacts("🙏")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("half written")
    editor.press("Escape")  # cancelled: back on Edit
    expect(mine.get_by_role("button", name="Edit")).to_be_focused()
    mine.get_by_role("button", name="React").press("Enter")
    page.keyboard.press("ArrowRight")
    bob_reacts("🎉")
    picker = page.get_by_role("menu", name="Pick a reaction")
    expect(picker.get_by_role("menuitem").nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(mine.get_by_role("button", name="React")).to_be_focused()


def test_the_inbox_keeps_the_focused_row_through_a_live_refresh(browser: Browser, site: Api):
    ours = world(site, "rowfocus")
    page = phone_or_desktop(browser, site, "phone")
    sign_in_as(page, ours.ada.handle)
    link = page.locator(f'#inbox li[data-group="{ours.group}"] > a')
    link.focus()
    cara = site.signup("zed_rowfocus")
    site.send(cara, handle=ours.ada.handle, message="a new conversation arrives")
    expect(page.locator("#inbox li", has_text="a new conversation arrives")).to_have_count(1)
    expect(link).to_be_focused()  # the row's link itself, not its options button


def test_the_composer_is_two_keys_from_the_top(browser: Browser, site: Api):
    page, _ = _conversation(browser, site, "skip")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the message box")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()


def _whole_on_screen(node: Locator, inset: float) -> bool:
    # Hit-testing honours clipping: a point cut off by the list's scroll box hits something
    # else. The middle of each edge, `inset` pixels in (the corners are rounded).
    return bool(
        node.evaluate(
            """(node, inset) => {
                const box = node.getBoundingClientRect();
                return [[.5, 0], [.5, 1], [0, .5], [1, .5]].every(([x, y]) => node.contains(
                    document.elementFromPoint(box.left + inset + (box.width - 2 * inset) * x,
                                              box.top + inset + (box.height - 2 * inset) * y)));
            }""",
            inset,
        )
    )


def test_the_newest_messages_picker_is_whole_and_in_colour(browser: Browser, site: Api):
    cut, fonts = {}, {}
    for width in ("desktop", "phone"):
        # The newest message a short one of yours, at the right: the picker is wider than it.
        page, _ = _conversation(browser, site, f"picker_{width}", width, last="ok")
        scrolled = page.locator("#messages").evaluate("list => list.scrollTop")
        page.locator("#messages li").last.get_by_role("button", name="React").click()
        picker = page.get_by_role("menu", name="Pick a reaction")
        items = picker.get_by_role("menuitem")
        expect(items).to_have_count(8)
        cut[width] = [item.inner_text() for item in items.all() if not _whole_on_screen(item, 4)]
        if not _whole_on_screen(picker, 1):
            cut[width].append("its edge")
        # Nor does it make room by scrolling the message it is for away from under the pointer.
        if page.locator("#messages").evaluate("list => list.scrollTop") != scrolled:
            cut[width].append("the list scrolled to show it")
        # The font the emoji are drawn with: the picker's choices, the chips' emoji.
        fonts[width] = page.evaluate(
            """() => [...document.querySelectorAll('[role="menuitem"], .reaction')]
                 .map((node) => getComputedStyle(node.querySelector(".emoji") || node).fontFamily)
                 .filter((family) => !family.startsWith('"Noto Color Emoji"'))"""
        )
    assert cut == {"desktop": [], "phone": []}, f"cut off by the scroll box: {cut}"
    assert fonts == {"desktop": [], "phone": []}, f"emoji drawn in a text font: {fonts}"
