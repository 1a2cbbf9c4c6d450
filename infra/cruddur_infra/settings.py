"""The app's deploy-time choices, read from CDK context (`cdk deploy -c name=value`)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import aws_cdk as cdk
from constructs import Node

DEFAULT_AZS = ("a", "b")  # suffixes: the region's zones a and b


@dataclass(frozen=True)
class DeploySettings:
    region: str = "us-east-1"
    account: str | None = None  # unset: the account of the credentials `cdk deploy` runs with
    table_name: str = "cruddur-messages"
    # What the data keys are bound to (CRUDDUR_DATA_SET): keep it when a restored table takes
    # over under another table_name (docs/operations.md); another deployment takes another.
    data_set: str = "cruddur-messages"
    billing_mode: str = "PAY_PER_REQUEST"  # or PROVISIONED
    read_capacity: int = 5
    write_capacity: int = 5
    availability_zones: tuple[str, ...] = DEFAULT_AZS
    certificate_arn: str | None = None  # HTTPS on the load balancer; required by the API stack
    # "cognito": the pool's tokens; "local": accounts in the users database, their tokens signed
    # by a key every task reads from Secrets Manager.
    auth_mode: str = "cognito"
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    config_rules: bool = False  # many organisations run AWS Config centrally
    # Regions where user data may be held (also CRUDDUR_ALLOWED_REGIONS): the app refuses to
    # synthesize for another, and every process it deploys refuses to start in another.
    allowed_regions: tuple[str, ...] = ()
    # Subscribed to the alarm topic (SNS sends a confirmation mail first). Unset: no one is,
    # until someone subscribes (a pager, a chat webhook) to the AlarmTopicArn output.
    alarm_email: str | None = None
    # Origins of the web app (https://chat.example.org, comma-separated): browsers there may
    # upload to and read from the attachments bucket (CORS). The API's own pages need theirs.
    web_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.allowed_regions and self.region not in self.allowed_regions:
            raise ValueError(
                f"region {self.region} is not in allowed_regions "
                f"({','.join(self.allowed_regions)}): user data may not be deployed there"
            )

    @property
    def zones(self) -> list[str]:
        return [z if z[:-1] else f"{self.region}{z}" for z in self.availability_zones]

    @property
    def env(self) -> cdk.Environment:
        return cdk.Environment(account=self.account, region=self.region)

    @classmethod
    def from_context(cls, node: Node) -> DeploySettings:
        def get(name: str, default: object) -> object:
            value = node.try_get_context(name)
            return default if value is None else value

        zones = get("availability_zones", ",".join(DEFAULT_AZS))
        return cls(
            region=str(get("region", os.environ.get("CDK_DEFAULT_REGION") or cls.region)),
            account=_optional(get("account", os.environ.get("CDK_DEFAULT_ACCOUNT"))),
            table_name=str(get("table_name", cls.table_name)),
            data_set=str(get("data_set", cls.data_set)),
            billing_mode=str(get("billing_mode", cls.billing_mode)).upper(),
            read_capacity=int(str(get("read_capacity", cls.read_capacity))),
            write_capacity=int(str(get("write_capacity", cls.write_capacity))),
            availability_zones=tuple(str(zones).split(",")),
            certificate_arn=_optional(get("certificate_arn", None)),
            auth_mode=str(get("auth_mode", cls.auth_mode)).lower(),
            cognito_user_pool_id=str(get("cognito_user_pool_id", "")),
            cognito_client_id=str(get("cognito_client_id", "")),
            config_rules=str(get("config_rules", "false")).lower() in {"1", "true", "yes"},
            alarm_email=_optional(get("alarm_email", None)),
            web_origins=tuple(
                part.strip().rstrip("/")
                for part in str(get("web_origins", "")).split(",")
                if part.strip()
            ),
            allowed_regions=tuple(
                part.strip()
                for part in str(
                    get("allowed_regions", os.environ.get("CRUDDUR_ALLOWED_REGIONS", ""))
                ).split(",")
                if part.strip()
            ),
        )


def _optional(value: object) -> str | None:
    return None if value in (None, "") else str(value)
