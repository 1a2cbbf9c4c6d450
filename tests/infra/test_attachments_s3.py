"""Photos and files with the S3 store, against moto's S3 server: the browser's presigned POST
goes to the bucket (never through the API), links are presigned GETs, a deletion deletes the
objects; and the calls the app makes are exactly the object actions the task role grants."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.adapters.files.s3 import S3Files
from cruddur.config import Settings
from cruddur_infra.permissions import ATTACHMENT_OBJECT_ACTIONS
from tests.e2e.conftest import Api, serve
from tests.e2e.test_api_attachments import jpeg_with_gps
from tests.e2e.test_api_chat import talk
from tests.infra.conftest import aws

# What each call needs of IAM: a presigned request acts with the signer's permissions.
ACTION_OF = {
    "PutObject": "s3:PutObject",
    "GetObject": "s3:GetObject",
    "DeleteObjects": "s3:DeleteObject",
    "presigned_post": "s3:PutObject",
    "presigned_get_object": "s3:GetObject",
}


@pytest.fixture
def s3_api(
    settings: Settings, store: ConversationTable, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Api, list[str]]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"attachments-{uuid.uuid4().hex[:12]}"
    aws("s3", moto_url).create_bucket(Bucket=bucket)
    on_s3 = settings.model_copy(update={"attachments_bucket": bucket, "s3_endpoint_url": moto_url})
    for api in serve(on_s3, store):
        shelf = api.runtime.messaging.shelf
        assert shelf is not None
        assert isinstance(shelf.files, S3Files)
        yield api, _recording(shelf.files)


def _recording(files: S3Files) -> list[str]:
    calls: list[str] = []
    client: Any = files.client
    client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    post, url = client.generate_presigned_post, client.generate_presigned_url

    def presigned_post(**kwargs: Any) -> Any:
        calls.append("presigned_post")
        return post(**kwargs)

    def presigned_url(method: str, **kwargs: Any) -> Any:
        calls.append(f"presigned_{method}")
        return url(method, **kwargs)

    client.generate_presigned_post, client.generate_presigned_url = presigned_post, presigned_url
    return calls


def _upload(api: Api, member: Any, group: str, name: str, data: bytes, kind: str) -> str:
    body = {"name": name, "content_type": kind, "size": len(data)}
    begun = api.http.post(
        f"/api/message_groups/{group}/attachments", json=body, headers=member.auth
    )
    assert begun.status_code == 201, begun.text
    form = begun.json()
    assert form["upload"]["url"].startswith("http://127.0.0.1")  # moto, not the API
    assert "policy" in form["upload"]["fields"]
    posted = httpx.post(
        form["upload"]["url"], data=form["upload"]["fields"], files={"file": (name, data, kind)}
    )
    assert posted.status_code in {200, 201, 204}, posted.text
    return str(form["attachment_id"])


def test_the_presigned_flow_on_s3_and_the_calls_it_needs(s3_api: tuple[Api, list[str]]):
    api, calls = s3_api
    ada, bob, group, _ = talk(api)
    photo = _upload(api, ada, group, "beach.jpg", jpeg_with_gps(), "image/jpeg")
    text = _upload(api, ada, group, "page.html", b"<script>x</script>", "text/plain")
    sent = api.send(ada, message_group_uuid=group, attachments=[photo, text])
    image, file = sent["attachments"]
    assert (image["content_type"], file["content_type"]) == ("image/jpeg", "text/plain")
    page = api.http.get(f"/api/messages/{group}", headers=bob.auth).json()
    shown = page[-1]["attachments"]
    served = httpx.get(shown[0]["url"])
    assert served.status_code == 200
    assert b"my street" not in served.content  # the re-encoded image, not the upload
    assert httpx.get(shown[0]["thumbnail_url"]).status_code == 200
    download = httpx.get(shown[1]["url"])
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert "page.html.txt" in download.headers["content-disposition"]
    # The originals are gone from uploads/; deleting the message deletes its files.
    s3 = aws("s3", str(api.runtime.settings.s3_endpoint_url))  # not the app's: not recorded
    bucket = api.runtime.settings.attachments_bucket
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert sorted(o["Key"] for o in listed) == sorted(
        [f"files/{photo}", f"files/{photo}.thumbnail", f"files/{text}"]
    )
    gone = api.http.delete(f"/api/messages/{group}/{sent['uuid']}", headers=ada.auth)
    assert gone.status_code == 204
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    actions = {ACTION_OF[call] for call in calls if call in ACTION_OF}
    assert {call for call in calls if call not in ACTION_OF} == set()
    assert actions == set(ATTACHMENT_OBJECT_ACTIONS)


def test_the_policy_caps_the_size_and_the_app_checks_it_again(s3_api: tuple[Api, list[str]]):
    api, _ = s3_api
    ada, _, group, _ = talk(api)
    body = {"name": "a.txt", "content_type": "text/plain", "size": 10}
    form = api.http.post(
        f"/api/message_groups/{group}/attachments", json=body, headers=ada.auth
    ).json()
    policy = json.loads(base64.b64decode(form["upload"]["fields"]["policy"]))
    assert ["content-length-range", 1, 10] in policy["conditions"]
    assert {"key": f"uploads/{form['attachment_id']}"} in policy["conditions"]
    # moto does not enforce a policy; S3 does. The app reads at most the declared size anyway.
    posted = httpx.post(
        form["upload"]["url"], data=form["upload"]["fields"], files={"file": ("a", b"x" * 11)}
    )
    assert posted.status_code in {200, 204}
    refused = api.http.post(
        "/api/messages",
        json={"message_group_uuid": group, "attachments": [form["attachment_id"]]},
        headers=ada.auth,
    )
    assert refused.status_code == 400, refused.text
