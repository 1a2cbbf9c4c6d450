"""Schemathesis over /openapi.json against the running API, every check it ships, positive and
negative data, every phase (examples, coverage, fuzzing, stateful), signed in: zero failures
but the few listed in ACCEPTED, each with its reason.

The run is bounded (MAX_EXAMPLES per operation, a fixed seed: the same requests every run, so
a failure reproduces; CRUDDUR_SCHEMATHESIS_SEED picks another) and prints its figures.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from tests.e2e.conftest import Api, Member, serve

# Six examples an operation are enough to reach the whole API: the coverage phase's cases do
# not depend on the number (~570 requests: every operation, every parameter's edges), fuzzing
# still sends every operation (those with room to vary, six times or more), and the stateful phase
# still walks from a conversation's listing and from a single message into every operation on a
# message (PATCH, DELETE, reactions put and taken away). Every check runs and every phase with
# it. With 10 the run sent ~850 requests and its stateful phase, then the slowest (7-12 s),
# ran 51 scenarios; with 6, ~730 requests and 23 scenarios in ~1 s.
MAX_EXAMPLES = 6
SEED = int(os.environ.get("CRUDDUR_SCHEMATHESIS_SEED", "20261207"))


@dataclass(frozen=True)
class Accepted:
    """A failure the run may report, and why it is not the server's fault."""

    check: str
    operations: frozenset[str]
    statuses: frozenset[int]
    fields: frozenset[str | None]  # the error body's `field` (None: no error body)
    reason: str
    message: str = ""  # a regex the error's message must match, when the field is not enough
    # A regex of Schemathesis's own account of the failure (what it negated, its curl), in which
    # PINNED stands for the path of the conversation and message the run pins.
    account: str = ""


def _ops(*labels: str) -> frozenset[str]:
    return frozenset(labels)


BAD_INPUT = frozenset({400})
SUCCESS = frozenset(range(200, 300))
PINNED = "PINNED"
TEXT_OPERATIONS = _ops(
    "POST /api/auth/signup",
    "POST /api/auth/login",
    "POST /api/messages",
    "PATCH /api/messages/{message_group_uuid}/{message_uuid}",
    "POST /api/message_groups/{message_group_uuid}/attachments",
    "DELETE /api/me",
    "POST /api/message_groups",
    "PATCH /api/message_groups/{message_group_uuid}",
)
ACCEPTED = (
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/auth/signup"),
        frozenset({422}),
        frozenset({"email", "display_name"}),
        "the declared patterns use \\s and \\S, which the server's regex (Unicode White_Space)"
        " and ECMA-262's, by which Schemathesis generates, read differently for U+0085 and a few"
        " others: a string ECMA counts as matching can hold a character the server counts as"
        " white space",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/message_groups/{message_group_uuid}/attachments"),
        frozenset({422}),
        frozenset({"size"}),
        "JSON Schema counts a number with a zero fraction (2169.0) as an integer; bodies are"
        " read strictly (docs/api.md), and an integer is taken only written as one",
    ),
    Accepted(
        "positive_data_acceptance",
        TEXT_OPERATIONS,
        BAD_INPUT,
        frozenset(
            {"handle", "email", "password", "login", "display_name", "message", "name", "title"}
        ),
        "domain/text.py refuses text with nothing visible, judged by Unicode category (a lone"
        " mark, a format or filler character): no JSON Schema pattern can name a category. It"
        " also refuses control characters (C0/C1, lone surrogates, noncharacters), which a"
        " pattern could exclude; the text fields do not declare one yet, so they are listed",
        r"contains a control character|is empty$",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/message_groups/{message_group_uuid}/attachments"),
        BAD_INPUT,
        frozenset({"name"}),
        "a file's name is cut to its last path part before its rules apply (visible, at most"
        " 200 characters): `a/` or a long path is refused, and no pattern says so",
        r"at most \d+ characters|is empty$",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/messages"),
        BAD_INPUT,
        frozenset({"handle", "reply_to", "attachments"}),
        "what a send names must exist and be yours: not yourself as the recipient, a message of"
        " this conversation to reply to, your own uploads - state, not shape",
        r"to yourself|not a message of this conversation|was deleted|not an upload of yours",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops(
            "PATCH /api/message_groups/{message_group_uuid}",
            "PATCH /api/message_groups/{message_group_uuid}/members/@{handle}",
            "DELETE /api/message_groups/{message_group_uuid}/members/@{handle}",
            "POST /api/message_groups",
        ),
        BAD_INPUT,
        frozenset({"message_group_uuid", "title", "handles"}),
        "the run's pinned conversation is a direct one, which has no members to change and no"
        " title; a start must name someone besides yourself, and a title only for a group -"
        " state, not shape",
        r"direct conversation|at least one other person",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/push/subscriptions"),
        BAD_INPUT,
        frozenset({"endpoint", "keys.p256dh", "keys.auth"}),
        "an endpoint is a URL the server will post to: only those of the push services the"
        " operator lists (domain/push.py), and a browser's key is a point on P-256 and a"
        " 16-byte secret - no JSON Schema pattern can say either",
        r"^(endpoint|keys\.p256dh|keys\.auth): ",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("POST /api/users/@{handle}/block", "DELETE /api/users/@{handle}/block"),
        BAD_INPUT,
        frozenset({"handle"}),
        "you cannot block yourself: who is signed in is no part of the schema",
        r"yourself",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops(
            "GET /api/messages/{message_group_uuid}",
            "GET /api/message_groups",
        ),
        BAD_INPUT,
        frozenset({"cursor"}),
        "a cursor is signed by the server (domain/cursors.py): any other string is refused",
        r"cursor is not valid",
    ),
    Accepted(
        "positive_data_acceptance",
        _ops("PUT /api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}"),
        BAD_INPUT,
        frozenset({"emoji"}),
        "at most 10 of one member's reactions on one message: a count of what is stored",
        r"at most",
    ),
    Accepted(
        "negative_data_rejection",
        _ops(
            "PUT /api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}",
            "DELETE /api/messages/{message_group_uuid}/{message_uuid}/reactions/{emoji}",
            "PATCH /api/messages/{message_group_uuid}/{message_uuid}",
            "DELETE /api/messages/{message_group_uuid}/{message_uuid}",
            "GET /api/messages/{message_group_uuid}/{message_uuid}",
        ),
        SUCCESS,
        frozenset({None}),
        "the run pins message_group_uuid and message_uuid to a real conversation and message;"
        " Schemathesis still counts a case whose path parameter it negated (the pinned value is"
        " what was sent) or whose negated value a stateful link replaced as negative",
        account=r"(?s)Invalid component: (parameters? `message_(group_)?uuid`(, `message_uuid`)?"
        r" in path|positive test case).*PINNED",
    ),
    Accepted(
        "use_after_free",
        _ops("DELETE /api/messages/{message_group_uuid}/{message_uuid}"),
        SUCCESS,
        frozenset({None}),
        "a deleted message keeps its place as a tombstone (`deleted: true`, no text) by design"
        " (docs/api.md): GET still answers it",
    ),
)
# Every check Schemathesis 4.32 ships, each of which must have run (max_response_time, the only
# other, needs a limit to hold responses to, and none is set).
SHIPPED = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "positive_data_acceptance", "missing_required_header", "unsupported_method",
    "allow_header_conformance", "use_after_free", "ensure_resource_availability",
    "ignored_auth", "object_level_authorization",
}  # fmt: skip
PHASES = {"examples", "coverage", "fuzzing", "stateful"}
# What a rejection of negative data may be: Schemathesis's default list with 413 and 431 (a body or
# a head too large, answered before any route runs and documented on every operation), and
# without 5xx (a server error is never a rejection; not_a_server_error fails it anyway).
REJECTIONS = [
    *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "431"),
]


@dataclass
class Run:
    """The signed-in member, the conversation and message the run pins, and a second member whose
    token signs out."""

    api: Api
    member: Member
    leaver: Member
    group: str
    message: str

    @property
    def pinned(self) -> str:
        return f"/api/messages/{self.group}/{self.message}"


@pytest.fixture
def run(settings: Settings, store: ConversationTable) -> Iterator[Run]:
    for api in serve(settings, store):
        member, other = api.signup("schema_user"), api.signup("schema_peer")
        sent = api.send(member, message="a conversation to find", handle=other.handle)
        leaver = api.signup("schema_leaver")
        yield Run(api, member, leaver, sent["message_group_uuid"], sent["uuid"])


def _config(run: Run) -> dict[str, Any]:
    return {
        "seed": SEED,
        # No state kept between runs (.schemathesis/): every run sends what the seed says.
        "cache": {"enabled": False},
        "workers": 1,
        "headers": run.member.auth,
        # The conversation and message exist: bodies are checked against real resources (a
        # made-up uuid is a 404 before a body's values matter).
        "parameters": {"message_group_uuid": run.group, "message_uuid": run.message},
        "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        "phases": {"stateful": {"max-steps": 6}},
        "operations": [
            # Signing out ends the token it is sent with: a token of its own, not the run's.
            {"include-operation-id": "logOut", "headers": run.leaver.auth},
        ],
    }


@dataclass
class Found:
    check: str
    operation: str
    status: int
    field: str | None
    message: str
    text: str


@dataclass
class Figures:
    requests: int = 0
    checks: int = 0
    found: list[Found] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)  # the checks that ran
    phases: dict[str, str] = field(default_factory=dict)


def _error(response: Any) -> tuple[str | None, str]:
    try:
        first = json.loads(response.content)["errors"][0]
        return first.get("field"), first.get("message", "")
    except (ValueError, KeyError, IndexError, TypeError):
        return None, ""


def _scenario(event: events.ScenarioFinished, figures: Figures) -> None:
    recorder = event.recorder
    figures.requests += sum(1 for i in recorder.interactions.values() if i.response)
    for case_id, checks in recorder.checks.items():
        figures.checks += len(checks)
        figures.ran |= {check.name for check in checks}
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            field, message = _error(response) if response is not None else (None, "")
            failure = check.failure_info.failure
            figures.found.append(
                Found(
                    check.name,
                    failure.operation or recorder.label,
                    response.status_code if response is not None else 0,
                    field,
                    message,
                    f"{failure.title}: {failure.message}\n{check.failure_info.code_sample}",
                )
            )


def _execute(schema: Any) -> Figures:
    figures = Figures()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _scenario(event, figures)
        elif isinstance(event, events.PhaseFinished):
            figures.phases[event.phase.name.value] = event.status.value
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            figures.errors.append(str(getattr(event, "info", event)))
    return figures


def _accepted(found: Found, pinned: str) -> bool:
    return any(
        found.check == rule.check
        and found.operation in rule.operations
        and found.status in rule.statuses
        and found.field in rule.fields
        and re.search(rule.message, found.message)
        and re.search(rule.account.replace(PINNED, re.escape(pinned)), found.text)
        for rule in ACCEPTED
    )


def test_the_api_honours_its_schema(run: Run) -> None:
    config = SchemathesisConfig.from_dict(_config(run))
    schema = schemathesis.openapi.from_url(f"{run.api.url}/openapi.json", config=config)
    started = time.monotonic()
    figures = _execute(schema)
    took = time.monotonic() - started
    print(
        f"\nschemathesis: {figures.requests} requests, {figures.checks} checks,"
        f" {took:.1f} s (seed {SEED}, {MAX_EXAMPLES} examples per operation)",
        f"phases: {figures.phases}",
        f"checks run: {sorted(figures.ran)}",
        sep="\n",
    )
    assert figures.errors == []
    assert figures.ran == SHIPPED
    assert {name for name, status in figures.phases.items() if status != "skip"} >= PHASES
    unexpected = [found for found in figures.found if not _accepted(found, run.pinned)]
    # What was let through, by kind, so a run shows what the accepted list still covers.
    kinds = sorted({f"{f.check} {f.operation} {f.status} {f.field}" for f in figures.found})
    print(f"accepted: {len(figures.found) - len(unexpected)} found", *kinds, sep="\n  ")
    assert not unexpected, "\n\n".join(
        f"{f.check} {f.operation} -> {f.status} {f.field}: {f.text}" for f in unexpected[:10]
    )
    assert figures.requests > 500
