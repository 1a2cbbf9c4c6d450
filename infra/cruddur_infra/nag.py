"""cdk-nag's AwsSolutions pack, and acknowledgements that carry their reason in the code."""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def check(app: cdk.App) -> None:
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """One rule (with its evidence, as cdk-nag prints it: `AwsSolutions-IAM5[Resource::*]`),
    one construct and its children, one reason."""
    rule_id = f"AwsSolutions::{rule}"
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule_id, reason=reason))
