"""Photos and files through HTTP, on DynamoDB Local with the embedded file store: begin an
upload, POST the bytes to the form it gives, send a message naming it; what the bytes are
decides what it is; images come back without their metadata; only members get links."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import httpx
from PIL import Image

from tests.e2e.conftest import Api, Member, eventually, running, snapshot
from tests.e2e.test_api_chat import error_code, inbox_row, messages, talk
from tests.e2e.test_api_reactions import stored


def jpeg_with_gps(size: tuple[int, int] = (640, 480)) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "my street, my house"  # ImageDescription
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def begin(
    api: Api, member: Member, group: str, name: str, data: bytes, content_type: str
) -> httpx.Response:
    body = {"name": name, "content_type": content_type, "size": len(data)}
    return api.http.post(f"/api/message_groups/{group}/attachments", json=body, headers=member.auth)


def upload(
    api: Api, member: Member, group: str, name: str, data: bytes, content_type: str = "image/jpeg"
) -> str:
    """Begin an upload and POST the bytes where it says, as a browser does."""
    begun = begin(api, member, group, name, data, content_type)
    assert begun.status_code == 201, begun.text
    form = begun.json()
    posted = httpx.post(
        form["upload"]["url"],
        data=form["upload"]["fields"],
        files={"file": (name, data, content_type)},
    )
    assert posted.status_code in {200, 204}, posted.text
    attachment_id: str = form["attachment_id"]
    return attachment_id


def fetch(api: Api, url: str) -> httpx.Response:
    return api.http.get(url)  # no sign-in: the signed link is the permission


def test_a_photo_goes_up_comes_back_without_its_metadata_and_with_a_thumbnail(api: Api):
    ada, bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "beach.jpg", jpeg_with_gps())
    sent = api.send(ada, message_group_uuid=group, attachments=[attachment_id])
    [file] = sent["attachments"]
    assert (file["id"], file["name"], file["content_type"]) == (
        attachment_id,
        "beach.jpg",
        "image/jpeg",
    )
    assert (file["width"], file["height"]) == (640, 480)
    assert sent["message"] == ""
    # Bob's page carries it too; its link serves the image inline, re-encoded.
    [_, shown] = messages(api, bob, group)
    [seen] = shown["attachments"]
    image = fetch(api, seen["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in image.headers["content-security-policy"]
    assert image.content != jpeg_with_gps()
    decoded = Image.open(io.BytesIO(image.content))
    assert decoded.size == (640, 480)
    assert dict(decoded.getexif()) == {}
    assert b"my street" not in image.content
    thumbnail = fetch(api, seen["thumbnail_url"])
    assert thumbnail.status_code == 200
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= 320
    # The inbox says what it is (no text to show); the name is sealed in the table.
    assert eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "📷 Photo")
    item = stored(api, group, sent)
    assert "beach" not in repr(item)


def test_a_file_is_served_only_as_a_download_and_html_is_never_a_page(api: Api):
    ada, bob, group, _ = talk(api)
    html = b"<html><script>alert(1)</script></html>"
    attachment_id = upload(api, ada, group, "page.html", html, "text/plain")
    sent = api.send(ada, message_group_uuid=group, message="see this", attachments=[attachment_id])
    [file] = sent["attachments"]
    assert file["content_type"] == "text/plain"  # from the bytes
    assert file["thumbnail_url"] is None
    assert file["width"] is None
    served = fetch(api, file["url"])
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/plain")
    disposition = served.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert "page.html.txt" in disposition
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.content == html
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    second = upload(api, ada, group, "report.pdf", pdf, "application/pdf")
    sent = api.send(ada, message_group_uuid=group, attachments=[second])
    assert sent["attachments"][0]["content_type"] == "application/pdf"
    assert eventually(lambda: (inbox_row(api, bob, group) or {}).get("message") == "📎 report.pdf")


def settled(api: Api, members: tuple[Member, ...], group: str, preview: str) -> None:
    """Both inbox rows show the last message: the stream has nothing left to write."""

    def shown(member: Member) -> bool:
        return (inbox_row(api, member, group) or {}).get("message") == preview

    for member in members:
        eventually(lambda: shown(member))  # noqa: B023 - called before the loop moves on


def test_what_the_bytes_are_decides_not_the_name_nor_the_header(api: Api):
    ada, bob, group, _ = talk(api)
    # A PNG named and declared as a JPEG is a PNG.
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, "PNG")
    attachment_id = upload(api, ada, group, "photo.jpg", out.getvalue(), "image/jpeg")
    sent = api.send(ada, message_group_uuid=group, attachments=[attachment_id])
    assert sent["attachments"][0]["content_type"] == "image/png"
    settled(api, (ada, bob), group, "📷 Photo")
    # An executable declared as a photo is refused at send time, and nothing is written.
    binary = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256))
    bad = upload(api, ada, group, "cat.jpg", binary, "image/jpeg")
    before = snapshot(api)
    refused = api.http.post(
        "/api/messages", json={"message_group_uuid": group, "attachments": [bad]},
        headers=ada.auth,
    )  # fmt: skip
    assert refused.status_code == 400, refused.text
    assert refused.json()["errors"][0]["field"] == "attachments"
    assert snapshot(api) == before
    # A broken JPEG (the right magic, no image) is refused too.
    broken = upload(api, ada, group, "x.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    refused = api.http.post(
        "/api/messages", json={"message_group_uuid": group, "attachments": [broken]},
        headers=ada.auth,
    )  # fmt: skip
    assert refused.status_code == 400


def test_an_upload_is_attached_once_by_its_uploader_in_its_conversation(api: Api):
    ada, bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "a.txt", b"hello there\n", "text/plain")
    carol = api.signup()
    other = api.send(ada, handle=carol.handle, message="hi carol")["message_group_uuid"]

    def send(member: Member, group_uuid: str) -> httpx.Response:
        body = {"message_group_uuid": group_uuid, "attachments": [attachment_id]}
        return api.http.post("/api/messages", json=body, headers=member.auth)

    before = snapshot(api)
    assert send(bob, group).status_code == 400  # not his upload
    assert send(ada, other).status_code == 400  # not this conversation's
    assert snapshot(api) == before
    assert send(ada, group).status_code == 200
    again = send(ada, group)  # used up
    assert again.status_code == 400
    # An unknown id, a malformed one, the same one twice: 400s.
    for ids in (["00000000-0000-4000-8000-000000000000"], ["nope"], [attachment_id] * 2):
        body = {"message_group_uuid": group, "attachments": ids}
        response = api.http.post("/api/messages", json=body, headers=ada.auth)
        assert response.status_code == 400, (ids, response.text)


def test_an_upload_not_yet_sent_and_bad_uploads_are_refused(api: Api):
    ada, _bob, group, _ = talk(api)
    data = b"some text\n"
    begun = begin(api, ada, group, "notes.txt", data, "text/plain").json()
    body = {"message_group_uuid": group, "attachments": [begun["attachment_id"]]}
    not_there = api.http.post("/api/messages", json=body, headers=ada.auth)
    assert not_there.status_code == 400  # begun, never uploaded
    fields = begun["upload"]["fields"]
    url = begun["upload"]["url"]
    # Over the size the form allows; a forged signature; no file part.
    big = httpx.post(url, data=fields, files={"file": ("n.txt", data * 2, "text/plain")})
    assert big.status_code == 400
    forged = httpx.post(
        url, data={**fields, "max_bytes": "999999"}, files={"file": ("n.txt", data * 2)}
    )
    assert forged.status_code == 403
    # A signature that is not ASCII is no signature of ours: a 403, not an error in comparing.
    odd = httpx.post(url, data={**fields, "signature": "é" * 64}, files={"file": ("n.txt", data)})
    assert odd.status_code == 403
    assert httpx.post(url, data=fields).status_code == 400
    assert (
        httpx.post(url, content=b"raw", headers={"content-type": "text/plain"}).status_code == 400
    )
    # Beginning: the declared size and type are checked; non-members get a 404.
    assert begin(api, ada, group, "x.exe", data, "application/x-msdownload").status_code == 400
    too_big = {"name": "x.zip", "content_type": "application/zip", "size": 11 * 1024 * 1024}
    response = api.http.post(
        f"/api/message_groups/{group}/attachments", json=too_big, headers=ada.auth
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "size"
    for name in ("", "   ", "../", "\u202e", "\x00.txt"):
        response = begin(api, ada, group, name, data, "text/plain")
        assert response.status_code in {400, 422}, name
    carol = api.signup()
    assert begin(api, carol, group, "x.txt", data, "text/plain").status_code == 404
    anonymous = api.http.post(
        f"/api/message_groups/{group}/attachments",
        json={"name": "x.txt", "content_type": "text/plain", "size": 3},
    )
    assert anonymous.status_code == 401


def test_links_are_signed_short_lived_and_only_for_members(api: Api):
    ada, _bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "a.txt", b"private words\n", "text/plain")
    sent = api.send(ada, message_group_uuid=group, attachments=[attachment_id])
    url = sent["attachments"][0]["url"]
    assert fetch(api, url).status_code == 200
    parts = urlsplit(url)
    # Another file's key under the same signature, a changed type, no signature: 404s.
    tampered = [
        url.replace("type=text%2Fplain", "type=text%2Fhtml"),
        f"{parts.path}?{parts.query.split('&signature=')[0]}",
        url.replace(attachment_id, "00000000-0000-4000-8000-000000000000"),
        url.replace("files/", "uploads/"),
        "/api/files/../../etc/passwd",
        url.replace("signature=", "signature=%C3%A9"),  # not ASCII: unequal, not an error
    ]
    for bad in tampered:
        assert fetch(api, bad).status_code == 404, bad
    # A stranger sees no message, so gets no link.
    carol = api.signup()
    assert api.http.get(f"/api/messages/{group}", headers=carol.auth).status_code == 404


def test_deleting_a_message_deletes_its_files(api: Api):
    ada, bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "beach.jpg", jpeg_with_gps())
    sent = api.send(ada, message_group_uuid=group, attachments=[attachment_id])
    urls = [sent["attachments"][0]["url"], sent["attachments"][0]["thumbnail_url"]]
    assert all(fetch(api, url).status_code == 200 for url in urls)
    gone = api.http.delete(f"/api/messages/{group}/{sent['uuid']}", headers=ada.auth)
    assert gone.status_code == 204
    assert all(fetch(api, url).status_code == 404 for url in urls)
    [_, tombstone] = messages(api, bob, group)
    assert tombstone["deleted"]
    assert tombstone["attachments"] == []
    assert "attachments" not in stored(api, group, sent)
    files = api.runtime.local_files
    assert files is not None
    assert not list((files.root / "files").glob(f"{attachment_id}*"))


def test_uploads_are_limited_per_user(settings, store):
    with running(settings, store, limit_uploads_per_hour=2) as api:
        ada, _, group, _ = talk(api)
        codes = [begin(api, ada, group, "a.txt", b"x", "text/plain").status_code for _ in range(3)]
        assert codes == [201, 201, 429]


def test_a_blocked_member_can_neither_upload_nor_send_files(api: Api):
    ada, bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "a.txt", b"hello\n", "text/plain")
    blocked = api.http.post(f"/api/users/@{ada.handle}/block", headers=bob.auth)
    assert blocked.status_code in {200, 201, 204}, blocked.text
    assert begin(api, ada, group, "b.txt", b"hi", "text/plain").status_code == 403
    body = {"message_group_uuid": group, "attachments": [attachment_id]}
    assert api.http.post("/api/messages", json=body, headers=ada.auth).status_code == 403


def test_a_message_needs_text_or_files(api: Api):
    ada, _, group, _ = talk(api)
    response = api.http.post("/api/messages", json={"message_group_uuid": group}, headers=ada.auth)
    assert response.status_code == 422
    assert error_code(response) in {"invalid", "validation_error", "invalid_request"}


def test_a_keyed_retry_of_a_send_with_files_answers_as_the_first(api: Api):
    ada, bob, group, _ = talk(api)
    attachment_id = upload(api, ada, group, "a.txt", b"retry me\n", "text/plain")
    body = {"message_group_uuid": group, "attachments": [attachment_id]}
    headers = {**ada.auth, "Idempotency-Key": "files-once"}
    first = api.http.post("/api/messages", json=body, headers=headers)
    again = api.http.post("/api/messages", json=body, headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["uuid"] == first.json()["uuid"]
    assert len(messages(api, bob, group)) == 2
    # A reply to a message of files only quotes what they are.
    reply = api.send(bob, message_group_uuid=group, message="got it", reply_to=first.json()["uuid"])
    assert reply["reply_to"]["preview"] == "📎 a.txt"
