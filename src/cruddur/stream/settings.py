"""What the stream Lambda reads from its environment, without pydantic.

`config.Settings` is the app's one reader of the environment; the Lambda must not import
pydantic (a cold start budget of 250 ms), so it reads its four variables here, under the same
names and with the same defaults (`tests/unit/test_stream_settings.py` keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TABLE = "cruddur-messages"
DEFAULT_REGION = "us-east-1"
# Each field's variables in order of precedence, as config.Settings' aliases give them.
ENVIRONMENT: dict[str, tuple[str, ...]] = {
    "table_name": ("CRUDDUR_TABLE_NAME",),
    "aws_region": ("AWS_REGION", "AWS_DEFAULT_REGION", "CRUDDUR_AWS_REGION"),
    "aws_endpoint_url": ("AWS_ENDPOINT_URL", "CRUDDUR_AWS_ENDPOINT_URL"),
    "redis_url": ("REDIS_URL", "CRUDDUR_REDIS_URL"),
    "allowed_regions": ("CRUDDUR_ALLOWED_REGIONS",),
}


@dataclass(frozen=True)
class StreamSettings:
    table_name: str = DEFAULT_TABLE
    aws_region: str = DEFAULT_REGION
    aws_endpoint_url: str | None = None
    redis_url: str | None = None
    allowed_regions: str = ""

    @property
    def allowed_region_list(self) -> list[str]:
        return [part.strip() for part in self.allowed_regions.split(",") if part.strip()]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StreamSettings:
        found = {
            field: next((environ[name] for name in names if environ.get(name)), None)
            for field, names in ENVIRONMENT.items()
        }
        return cls(
            table_name=found["table_name"] or DEFAULT_TABLE,
            aws_region=found["aws_region"] or DEFAULT_REGION,
            aws_endpoint_url=found["aws_endpoint_url"],
            redis_url=found["redis_url"],
            allowed_regions=found["allowed_regions"] or "",
        )
