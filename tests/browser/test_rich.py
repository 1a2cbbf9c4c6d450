"""Reactions, replies, photos and files, and the inbox row's menu, in two real browsers that see
each other's changes live; by mouse and by keyboard."""

from __future__ import annotations

import base64
import re

from playwright.sync_api import Browser, FilePayload, Page, expect

from tests.browser.conftest import SCREENSHOTS, start_conversation
from tests.browser.test_chat import _talking
from tests.e2e.conftest import Api
from tests.e2e.test_api_attachments import jpeg_with_gps


def _send(page: Page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#messages li").last).to_contain_text(text)


def test_reactions_by_picker_and_keyboard_show_live_in_the_other_browser(
    browser: Browser, site: Api
):
    ada, bob, _ = _talking(browser, site, "ada_react", "bob_react")
    theirs = bob.locator("#messages li").first
    # Bob opens the picker with the keyboard and picks a heart.
    react = theirs.get_by_role("button", name="React")
    react.focus()
    react.press("Enter")
    picker = bob.get_by_role("menu", name="Pick a reaction")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("menuitem").first).to_be_focused()
    bob.keyboard.press("ArrowRight")  # 👍 → ❤️
    bob.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    chip = theirs.locator(".reaction")
    expect(chip).to_have_text("❤️ 1")
    expect(chip).to_have_attribute("aria-pressed", "true")
    # Ada sees it at once, not hers; she adds hers by clicking the chip.
    mine = ada.locator("#messages li").first
    expect(mine.locator(".reaction")).to_have_text("❤️ 1")
    expect(mine.locator(".reaction")).to_have_attribute("aria-pressed", "false")
    mine.locator(".reaction").click()
    expect(mine.locator(".reaction")).to_have_text("❤️ 2")
    expect(chip).to_have_text("❤️ 2")
    ada.screenshot(path=str(SCREENSHOTS / "reactions.png"))
    # Bob takes his away with the keyboard: focus stays on the chip.
    chip.focus()
    chip.press("Enter")
    expect(chip).to_have_text("❤️ 1")
    expect(chip).to_have_attribute("aria-pressed", "false")
    expect(mine.locator(".reaction")).to_have_text("❤️ 1")
    # Escape closes a picker and gives the focus back.
    react.click()
    bob.keyboard.press("Escape")
    expect(bob.get_by_role("menu")).to_have_count(0)
    expect(theirs.get_by_role("button", name="React")).to_be_focused()


def test_a_reply_quotes_the_original_and_the_quote_leads_back_to_it(browser: Browser, site: Api):
    ada, bob, _ = _talking(browser, site, "ada_reply", "bob_reply")
    for n in range(12):  # enough for the original to scroll out of view
        _send(ada, f"filler message {n}")
    first = bob.locator("#messages li").first
    first.get_by_role("button", name="Reply").click()
    expect(bob.locator("#replying")).to_contain_text("Hi there, a first message")
    expect(bob.get_by_label("Message", exact=True)).to_be_focused()
    _send(bob, "Replying to your first one")
    reply = bob.locator("#messages li").last
    quote = reply.locator("button.quote")
    expect(quote).to_contain_text("Hi there, a first message")
    expect(bob.locator("#replying")).to_be_hidden()
    # Ada sees the quote live; following it brings the original into view, highlighted.
    theirs = ada.locator("#messages li").last
    expect(theirs.locator("button.quote")).to_contain_text("Hi there, a first message")
    theirs.locator("button.quote").click()
    original = ada.locator("#messages li").first
    expect(original).to_be_focused()
    expect(original).to_have_class(re.compile(r"\bflash\b"))
    expect(original).to_be_in_viewport()
    ada.screenshot(path=str(SCREENSHOTS / "reply.png"))


def _drop(page: Page, name: str, data: bytes, kind: str) -> None:
    """A file dropped on the conversation, as a drag from the desktop delivers it."""
    page.evaluate(
        """([name, data, kind]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: kind }));
            const pane = document.querySelector(".pane-conversation");
            const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
            pane.dispatchEvent(new DragEvent("dragover", init));
            pane.dispatchEvent(new DragEvent("drop", init));
        }""",
        [name, base64.b64encode(data).decode(), kind],
    )


def _paste(page: Page, name: str, data: bytes, kind: str) -> None:
    page.evaluate(
        """([name, data, kind]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: kind }));
            const box = document.getElementById("message");
            const init = { clipboardData: transfer, bubbles: true, cancelable: true };
            box.dispatchEvent(new ClipboardEvent("paste", init));
        }""",
        [name, base64.b64encode(data).decode(), kind],
    )


def test_photos_and_files_by_picker_drop_and_paste(browser: Browser, site: Api):
    ada, bob, _ = _talking(browser, site, "ada_files", "bob_files")
    # Picked: a photo, with its upload's progress shown until it is done.
    photo_file: FilePayload = {
        "name": "beach.jpg",
        "mimeType": "image/jpeg",
        "buffer": jpeg_with_gps(),
    }
    ada.locator("#attach").set_input_files(files=[photo_file])
    upload = ada.locator("#uploads li")
    expect(upload).to_contain_text("beach.jpg")
    expect(upload).to_have_class(re.compile(r"\bdone\b"))
    expect(upload.get_by_role("progressbar")).to_have_attribute("aria-label", "beach.jpg uploaded")
    # Dropped: a text file; pasted: a PDF.
    _drop(ada, "notes.txt", b"shopping: bread, tea\n", "text/plain")
    _paste(ada, "report.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    expect(ada.locator("#uploads li.done")).to_have_count(3)
    ada.get_by_label("Message", exact=True).fill("holiday things")
    ada.get_by_role("button", name="Send").click()
    mine = ada.locator("#messages li").last
    expect(mine).to_contain_text("holiday things")
    expect(ada.locator("#uploads li")).to_have_count(0)
    # Bob sees the photo inline (its thumbnail loads) and the files as download chips.
    theirs = bob.locator("#messages li").last
    photo = theirs.get_by_role("button", name="Open the photo beach.jpg")
    expect(photo).to_be_visible()
    photo.locator("img").evaluate("img => img.decode()")
    assert photo.locator("img").evaluate("img => img.naturalWidth") > 0
    chips = theirs.locator("a.file-chip")
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_attribute("download", "notes.txt")
    bob.screenshot(path=str(SCREENSHOTS / "attachments.png"))
    # The full-size view opens by keyboard, closes with Escape, and gives the focus back.
    photo.focus()
    photo.press("Enter")
    viewer = bob.locator("#viewer")
    expect(viewer).to_be_visible()
    bob.locator("#viewer-image").evaluate("img => img.decode()")
    assert bob.locator("#viewer-image").evaluate("img => img.naturalWidth") == 640
    bob.screenshot(path=str(SCREENSHOTS / "photo-view.png"))
    bob.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(photo).to_be_focused()
    # The download is the file, as a download.
    with bob.expect_download() as download:
        chips.first.click()
    assert download.value.suggested_filename == "notes.txt"


def test_a_file_of_a_kind_not_taken_is_refused_with_a_visible_error(browser: Browser, site: Api):
    ada, _, _ = _talking(browser, site, "ada_exe", "bob_exe")
    tool: FilePayload = {
        "name": "tool.exe",
        "mimeType": "application/x-msdownload",
        "buffer": b"MZ",
    }
    ada.locator("#attach").set_input_files(files=[tool])
    expect(ada.locator("#send-error")).to_contain_text("files may be")
    expect(ada.locator("#uploads li")).to_have_count(0)


def test_the_inbox_menu_pins_mutes_and_archives_by_keyboard(browser: Browser, site: Api):
    ada, bob, group = _talking(browser, site, "ada_menu", "bob_menu")
    carol_group = _other_conversation(ada, "carol_menu", site)
    ada.goto("/")
    rows = ada.locator("#inbox li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-group", carol_group)  # newest first
    # Pin the conversation with Bob: it comes first.
    options = ada.get_by_role("button", name="Options for the conversation with Bob Menu")
    options.focus()
    options.press("Enter")
    menu = ada.get_by_role("menu", name="Conversation options")
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    ada.keyboard.press("Enter")  # "Pin to the top"
    expect(rows.first).to_have_attribute("data-group", group)
    expect(rows.first).to_contain_text("📌")
    # Mute it (the second item).
    ada.get_by_role("button", name="Options for the conversation with Bob Menu").click()
    ada.keyboard.press("ArrowDown")
    ada.keyboard.press("Enter")
    expect(rows.first).to_contain_text("🔕")
    ada.screenshot(path=str(SCREENSHOTS / "inbox-menu.png"))
    # Archive Carol's: it leaves the inbox, and the archived list shows it.
    ada.get_by_role("button", name="Options for the conversation with Carol_Menu").click()
    ada.get_by_role("menuitem", name="Archive").click()
    expect(rows).to_have_count(1)
    ada.get_by_role("button", name="Archived").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-group", carol_group)
    # Bob sees none of Ada's choices on his row.
    bob.goto("/")
    expect(bob.locator("#inbox li").first).not_to_contain_text("📌")
    expect(bob.locator("#inbox li").first).not_to_contain_text("🔕")


def _other_conversation(page: Page, handle: str, site: Api) -> str:
    carol = site.signup(handle)
    return start_conversation(page, carol.handle, "Hello Carol")


def test_download_my_data_gives_the_zip_of_everything(browser: Browser, site: Api):
    ada, _, _ = _talking(browser, site, "ada_export", "bob_export")
    with ada.expect_download() as download:
        ada.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "cruddur-export.zip"
    path = download.value.path()
    import json
    import zipfile

    document = json.loads(zipfile.ZipFile(path).read("cruddur-export.json"))
    [conversation] = document["conversations"]
    assert conversation["messages"][0]["text"] == "Hi there, a first message"
