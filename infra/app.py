"""The CDK app: `make infra` synthesizes it offline; `cdk deploy` (see README) deploys it."""

from __future__ import annotations

import aws_cdk as cdk

from cruddur_infra.stacks import build

app = cdk.App()
build(app)
app.synth()
