"""Photos and files: begin an upload into a conversation, then name it in a send.

In production the upload goes to S3 by presigned POST. In the embedded default the same form
points here: POST /api/uploads takes it (signed like S3's policy) and GET /api/files/{key}
serves what a message's short-lived link names; both answer 404 when the files live in S3.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse

from cruddur.adapters.files.local import UPLOAD_URL, LocalFiles
from cruddur.api.deps import CurrentUser, LocalFilesDep, MessagingDep
from cruddur.api.errors import ERROR_RESPONSES
from cruddur.api.multipart import read_form
from cruddur.api.params import GroupUuid, rate_limited
from cruddur.api.schemas.attachments import AttachmentCreate, UploadFormPublic, UploadPublic
from cruddur.api.schemas.common import ErrorBody
from cruddur.errors import NotFound
from cruddur.services.attachments import begin_upload

router = APIRouter(responses=ERROR_RESPONSES, tags=["attachments"])

# The form LocalFiles.upload_form signs: its fields as given (`upload.fields`), then the file.
UPLOAD_FIELDS = ("key", "max_bytes", "expires", "signature")
UPLOAD_FORM = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    **{name: {"type": "string"} for name in UPLOAD_FIELDS},
                    "file": {"type": "string", "format": "binary"},
                },
                "required": [*UPLOAD_FIELDS, "file"],
            }
        }
    },
}


@router.post(
    "/api/message_groups/{message_group_uuid}/attachments",
    status_code=status.HTTP_201_CREATED,
    operation_id="beginUpload",
    responses=rate_limited("upload"),
)
async def create_attachment(
    message_group_uuid: GroupUuid,
    body: AttachmentCreate,
    user: CurrentUser,
    messaging: MessagingDep,
    request: Request,
) -> UploadPublic:
    """Begin an upload: POST the file to `upload.url` as multipart/form-data with
    `upload.fields` and then `file`, and send a message naming `attachment_id` (within the
    hour, once). The type is decided from the bytes; images are re-encoded without metadata."""
    form = await begin_upload(
        messaging, user, message_group_uuid, body.name, body.content_type, body.size
    )
    url = form.url
    if url.startswith("/"):  # the local stand-in: at this server's own address
        url = str(request.base_url).rstrip("/") + url
    return UploadPublic(
        attachment_id=form.attachment_id, upload=UploadFormPublic(url=url, fields=form.fields)
    )


def _local(files: LocalFiles | None) -> LocalFiles:
    if files is None:
        raise NotFound("files are kept in S3 here")
    return files


@router.post(
    UPLOAD_URL,
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="receiveUpload",
    # The form is read from the stream (api/multipart.py), so FastAPI sees no body parameter:
    # the document says what it takes.
    openapi_extra={"requestBody": UPLOAD_FORM},
    responses={
        403: {"model": ErrorBody, "description": "not a form this server issued, or expired"},
        404: {"model": ErrorBody, "description": "files are kept in S3 here"},
    },
)
async def receive_upload(
    request: Request, messaging: MessagingDep, local_files: LocalFilesDep
) -> Response:
    """Where `upload.url` of a begun upload points when files live under the data dir (the
    local stand-in of S3's presigned POST): the fields of `upload.fields`, then `file`. The
    form's signature is the permission; no token is needed."""
    files = _local(local_files)
    shelf = messaging.shelf
    assert shelf is not None
    form = await read_form(
        request.headers.get("content-type", ""), request.stream(), shelf.max_bytes
    )
    assert form.file is not None
    await asyncio.to_thread(files.receive, form.fields, form.file)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/files/{key:path}", include_in_schema=False)
async def serve_file(key: str, request: Request, local_files: LocalFilesDep) -> Response:
    """What a message's link names, while it is valid: an image inline, anything else only as a
    download (headers/api: nosniff, a sandboxing policy)."""
    served = _local(local_files).served(key, dict(request.query_params))
    if served is None:
        raise NotFound("no such file, or the link has expired")
    disposition = "inline" if served.download_as is None else "attachment"
    return FileResponse(
        served.path,
        media_type=served.content_type,
        filename=served.download_as,
        content_disposition_type=disposition,
    )
