"""Liveness and readiness, for a load balancer or an orchestrator."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from cruddur.api.deps import RuntimeDep
from cruddur.api.errors import error_response
from cruddur.api.schemas import ErrorBody, ErrorDetail, HealthPublic
from cruddur.errors import CruddurError

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> HealthPublic:
    """The process is up."""
    # async: nothing to wait for, so no hop through the thread pool (it is the benchmark's floor)
    return HealthPublic(status="ok")


@router.get(
    "/readyz",
    response_model=HealthPublic,
    responses={503: {"model": ErrorBody, "description": "a backend is down"}},
)
def readyz(runtime: RuntimeDep) -> HealthPublic | JSONResponse:
    """Ready when DynamoDB (the table) and the users database both answer."""
    problems = []
    store = runtime.store
    checks = (
        ("dynamodb", lambda: store.table.call("DescribeTable", {"TableName": store.table.name})),
        ("users_database", runtime.users.ping),
    )
    for name, check in checks:
        try:
            check()
        except CruddurError as exc:
            problems.append(ErrorDetail(code="unavailable", message=exc.message, field=name))
    if problems:
        return error_response(503, problems)
    return HealthPublic(status="ready")
