"""A loopback proxy in front of DynamoDB Local that writes down every call crossing it, as IAM
sees it: the action (a transaction counts as the actions of its items), the table, and whether
an index was named. Both wires (blocking, awaited) and boto3 name the operation in
`X-Amz-Target`."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# IAM's action for each kind of item in a transaction (the transaction is no action itself).
TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


@dataclass(frozen=True)
class Call:
    action: str  # "dynamodb:PutItem"
    table: str
    index: bool


@dataclass
class Recorder:
    url: str
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> list[Call]:
        with self.lock:
            taken, self.calls[:] = list(self.calls), []
        return taken


def calls_of(target: str, body: dict[str, Any]) -> list[Call]:
    operation = target.rpartition(".")[2]
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        return [
            Call(f"dynamodb:{TRANSACT_ITEM_ACTIONS[kind]}", request["TableName"], False)
            for item in body["TransactItems"]
            for kind, request in item.items()
        ]
    if operation == "BatchExecuteStatement":  # each statement needs its own PartiQL action
        return [_statement_call(entry["Statement"]) for entry in body["Statements"]]
    if operation in {"BatchWriteItem", "BatchGetItem"}:
        return [Call(f"dynamodb:{operation}", table, False) for table in body["RequestItems"]]
    return [Call(f"dynamodb:{operation}", body.get("TableName", ""), "IndexName" in body)]


_PARTIQL_TABLE = re.compile(r'^\s*(\w+)\s+(?:FROM\s+|INTO\s+)?"([^"]+)"', re.IGNORECASE)


def _statement_call(statement: str) -> Call:
    """UPDATE "t" ... -> dynamodb:PartiQLUpdate on t (SELECT, INSERT, DELETE alike)."""
    found = _PARTIQL_TABLE.match(statement)
    assert found is not None, statement
    verb, table = found.groups()
    return Call(f"dynamodb:PartiQL{verb.capitalize()}", table, False)


@contextmanager
def recording(upstream: str) -> Iterator[Recorder]:
    target = urlsplit(upstream)
    recorder = Recorder(url="")

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the clients pool their connections

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            amz_target = self.headers.get("X-Amz-Target", "")
            if amz_target.startswith("DynamoDB_"):  # streams calls are the event source's
                with recorder.lock:
                    recorder.calls.extend(calls_of(amz_target, json.loads(body or b"{}")))
            upstream_conn = http.client.HTTPConnection(target.netloc, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream_conn.request("POST", self.path, body=body, headers=headers)
                answer = upstream_conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                upstream_conn.close()

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
