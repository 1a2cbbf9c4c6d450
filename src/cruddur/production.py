"""What every `--prod` process checks before it touches AWS: the region is one the operator
allows (CRUDDUR_ALLOWED_REGIONS), the credentials are temporary, and text is sealed under KMS.

Long-term IAM user keys (`AKIA…`) never expire and leak with a laptop or a log line; roles, SSO
and `sts assume-role` give temporary ones (`ASIA…`) that do. A local key file works on one
machine only: every API task must share the key that seals the text, and that is KMS's job.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import botocore.session

from cruddur.errors import Forbidden

if TYPE_CHECKING:  # the stream Lambda imports this module, and no pydantic
    from cruddur.config import Settings

log = logging.getLogger(__name__)
LONG_TERM_PREFIX = "AKIA"


def check_region(region: str, allowed: list[str]) -> None:
    if allowed and region not in allowed:
        raise Forbidden(
            f"region {region} is not allowed for user data (CRUDDUR_ALLOWED_REGIONS="
            f"{','.join(allowed)}): set AWS_REGION (or --region) to one of them"
        )


def check_access_key(access_key: str | None) -> None:
    if access_key and access_key.startswith(LONG_TERM_PREFIX):
        raise Forbidden(
            "long-term IAM user access keys (AKIA…) are refused with --prod: run with a role "
            "(the task's, the instance's or Lambda's), `aws sso login`, or the temporary "
            "credentials of `aws sts assume-role` (ASIA…), and remove AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY from the environment and profile"
        )


def check(settings: Settings, *, seals_text: bool = False) -> None:
    """All of it, for a process about to run against AWS; `seals_text`: it writes messages."""
    if not settings.allowed_region_list:
        log.warning("CRUDDUR_ALLOWED_REGIONS is unset: user data may go to any region")
    check_region(settings.aws_region, settings.allowed_region_list)
    credentials = botocore.session.get_session().get_credentials()
    check_access_key(None if credentials is None else credentials.access_key)
    if seals_text and not settings.kms_key_id_list:
        raise Forbidden(
            "with --prod, message text is sealed under AWS KMS: set CRUDDUR_KMS_KEY_IDS to the "
            "key's ARN (the stack's MessageKey output); a local key file would differ per task"
        )
