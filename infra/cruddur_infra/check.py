"""`make infra`: synthesize every stack offline into infra/cdk.out, with cdk-nag's AwsSolutions
pack as a validation plugin (an unacknowledged finding fails the synth), then cfn-lint every
template (an error fails; warnings are printed)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk

from cruddur_infra.stacks import build

INFRA = Path(__file__).resolve().parents[1]
OUT = INFRA / "cdk.out"
# Offline synthesis needs some certificate; a real deploy passes its own (README).
PLACEHOLDER_CERTIFICATE = (
    "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
)
# … and some Cognito pool for the default sign-in (a deploy passes its own, or auth_mode=local).
PLACEHOLDER_COGNITO = {
    "cognito_user_pool_id": "us-east-1_placehold",
    "cognito_client_id": "placeholderclientid0000000",
}
CFN_LINT_ERROR = 2  # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational


def synth(out: Path = OUT, context: dict[str, str] | None = None) -> list[Path]:
    context = {"certificate_arn": PLACEHOLDER_CERTIFICATE, **PLACEHOLDER_COGNITO, **(context or {})}
    app = cdk.App(outdir=str(out), context=context)
    build(app)
    app.synth()
    return sorted(out.glob("*.template.json"))


def lint(templates: list[Path]) -> int:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), *map(str, templates)], check=False
    )
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make infra",
        description="Synthesize the CDK app offline, check it with cdk-nag (AwsSolutions) "
        "and cfn-lint. Context values as -c name=value, as `cdk` takes them.",
    )
    parser.add_argument("-c", "--context", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    context = dict(item.split("=", 1) for item in args.context)
    try:
        templates = synth(context=context)
    except RuntimeError as exc:  # jsii carries the validation report's verdict
        print(f"make infra: synthesis failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"synthesized {len(templates)} stacks into {OUT.relative_to(INFRA.parent)}/; cdk-nag: clean"
    )
    code = lint(templates)
    if code & CFN_LINT_ERROR:
        print("make infra: cfn-lint found errors", file=sys.stderr)
        return 1
    print("cfn-lint: no errors" + (" (warnings above)" if code else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
