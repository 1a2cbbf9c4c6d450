"""One Python for the Lambda: the stack's runtime is the one the zip is built and tested under
(LAMBDA_PYTHON in cruddur_infra/lambda_package.py), and these tests run on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cruddur_infra import lambda_package
from tests.infra.conftest import template


def test_the_stacks_runtime_is_the_python_the_zip_is_tested_on(cdk_out: Path):
    resources = template(cdk_out, "CruddurStream")["Resources"].values()
    [function] = [r["Properties"] for r in resources if r["Type"] == "AWS::Lambda::Function"]
    # tests/lambda_runtime.py runs the zip with sys.executable: this interpreter.
    running = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert function["Runtime"] == running == lambda_package.LAMBDA_RUNTIME


def test_the_zip_is_built_only_under_the_lambdas_python():
    lambda_package.check_python()  # these tests run on it (above)
    newer = (lambda_package.LAMBDA_PYTHON[0], lambda_package.LAMBDA_PYTHON[1] + 3)
    with pytest.raises(lambda_package.PackagingError, match=r"the Lambda runs python3\.\d+"):
        lambda_package.check_python(newer)
