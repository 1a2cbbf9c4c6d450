"""Liveness and readiness, for a load balancer or an orchestrator."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cruddur.api.deps import TableDep, UsersDep
from cruddur.api.errors import error_response
from cruddur.api.schemas.common import ErrorBody, ErrorDetail, HealthPublic
from cruddur.errors import CruddurError

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="getHealth")
async def healthz() -> HealthPublic:
    """The process is up."""
    # async: nothing to wait for, so no hop through the thread pool (it is the benchmark's floor)
    return HealthPublic(status="ok")


@router.get(
    "/readyz",
    operation_id="getReadiness",
    response_model=HealthPublic,
    responses={503: {"model": ErrorBody, "description": "a backend is down"}},
)
async def readyz(table: TableDep, users: UsersDep) -> HealthPublic | JSONResponse:
    """Ready when DynamoDB (the table) and the users database both answer."""
    problems = []
    try:
        await table.call("DescribeTable", {"TableName": table.name})
    except CruddurError as exc:
        problems.append(ErrorDetail(code="unavailable", message=exc.message, field="dynamodb"))
    try:
        await run_in_threadpool(users.ping)  # PostgreSQL, blocking
    except CruddurError as exc:
        problems.append(
            ErrorDetail(code="unavailable", message=exc.message, field="users_database")
        )
    if problems:
        return error_response(503, problems)
    return HealthPublic(status="ready")
