#!/usr/bin/env python3
"""Validate captured ACP (JSON-RPC 2.0 over NDJSON) traffic against the ACP v1 JSON Schema.

Usage:
    validate_acp.py --side client|agent|both FILE [--peer PEERFILE] [--schema PATH] [--quiet]

FILE (or `-` for stdin) holds one message per line, in one of two formats (auto-detected per line):

  1. plain NDJSON: each line is one JSON-RPC message sent by SIDE.
     Responses are checked against the result type of the request they answer; to know that
     request's method, give the other side's messages with `--peer PEERFILE` (plain NDJSON).
     Without `--peer`, a response is checked against the union of all possible results.

  2. combined capture: each line is {"dir": "out"|"in", "msg": {...JSON-RPC message...}}.
     `dir` is seen from the CLIENT (acpd): "out" = client -> agent, "in" = agent -> client.
     `--side client` validates the "out" messages, `--side agent` the "in" messages, `--side both`
     all of them; the other direction is used to resolve the methods of responses. This is the
     easiest format for a test harness to produce: log every line written and every line read.
     An optional "conn" member (any JSON value) names the connection (agent process) a line
     belongs to: request ids are matched per connection, so one file can hold several processes.

Checks:
  - envelope: an object (no batches), "jsonrpc": "2.0", no unknown top-level members, id is an
    integer, string or null, exactly one of result/error in a response, error is {code:int, message:str, data?};
  - direction: a request/notification method must be one the receiving side handles
    (client sends initialize, session/*, ...; agent sends session/update, session/request_permission, fs/*, ...);
    `$/cancel_request` is allowed both ways; `_`-prefixed extension methods are accepted unchecked;
  - params / result against the schema's `$defs` by method (InitializeRequest, PromptRequest,
    CancelNotification, SessionNotification, RequestPermissionResponse, ...), Draft 2020-12;
  - every response answers a request seen in the other direction (when that direction is known),
    and no request id is answered twice.

Exit status: 0 when every message is valid, 1 with one line per invalid message
("line N: <method>: <error>"), 2 on usage or I/O errors.

Schema: `--schema PATH` (schema.json or its directory), else `$ACPD_ACP_SCHEMA_DIR/schema.json`,
else `../shared/acp-schema/schema.json` relative to the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as exc:  # pragma: no cover
    print(f"validate_acp.py: needs jsonschema and referencing ({exc}); use the repo's .venv", file=sys.stderr)
    sys.exit(2)

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVELOPE_KEYS = {"jsonrpc", "id", "method", "params", "result", "error"}


def schema_path(arg: str | None) -> Path:
    if arg:
        p = Path(arg)
    elif os.environ.get("ACPD_ACP_SCHEMA_DIR"):
        p = Path(os.environ["ACPD_ACP_SCHEMA_DIR"])
    else:
        p = REPO_ROOT.parent / "shared" / "acp-schema"
    return p / "schema.json" if p.is_dir() else p


def explain(error: Any) -> Any:
    """For an anyOf failure, the error inside the one branch whose discriminator (`const`) matched."""
    if not error.context:
        return error
    branches: dict[Any, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else None, []).append(sub)
    viable = [errs for errs in branches.values() if not any(x.validator == "const" for x in errs)]
    if len(viable) == 1:
        return explain(max(viable[0], key=lambda x: len(x.absolute_path)))
    return error


class Schema:
    """The ACP schema split into per-method tables, with one validator per `$defs` entry."""

    URI = "urn:acp:schema"

    def __init__(self, path: Path) -> None:
        doc = json.loads(path.read_text(encoding="utf-8"))
        self.defs: dict[str, Any] = doc["$defs"]
        resource = Resource.from_contents({**doc, "$id": self.URI}, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(self.URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        # method tables, by the side that RECEIVES the request/notification
        self.requests: dict[str, dict[str, str]] = {"agent": {}, "client": {}}
        self.notifications: dict[str, dict[str, str]] = {"agent": {}, "client": {}}
        self.responses: dict[str, str] = {}
        for name, d in self.defs.items():
            method, side = d.get("x-method"), d.get("x-side")
            if not method:
                continue
            receivers = ["agent", "client"] if side == "protocol" else [side]
            if name.endswith("Request"):
                for r in receivers:
                    self.requests[r][method] = name
            elif name.endswith("Notification"):
                for r in receivers:
                    self.notifications[r][method] = name
            elif name.endswith("Response"):
                self.responses[method] = name

    def errors(self, def_name: str, instance: Any) -> list[str]:
        v = self._validators.get(def_name)
        if v is None:
            v = Draft202012Validator({"$ref": f"{self.URI}#/$defs/{def_name}"}, registry=self.registry)
            self._validators[def_name] = v
        out = []
        for e in sorted(v.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
            # for anyOf/oneOf failures, name the most relevant sub-error (e.g. a missing field)
            shown = explain(e)
            where = "/".join(str(p) for p in shown.absolute_path) or "(root)"
            out.append(f"{def_name} at {where}: {shown.message[:300]}")
        return out

    def union_result_errors(self, receiver_of_request: str, result: Any) -> list[str]:
        """A result checked against every result type of requests handled by `receiver_of_request`."""
        names = {self.responses[m] for m in self.requests[receiver_of_request] if m in self.responses}
        if any(not self.errors(n, result) for n in sorted(names)):
            return []
        return [f"result matches none of {', '.join(sorted(names))}"]


@dataclass
class Message:
    line: int
    sender: str  # "client" or "agent"
    msg: Any
    check: bool  # validate it (else: only used to resolve response methods)
    conn: str = ""  # connection name: ids are matched per connection


@dataclass
class Validator:
    schema: Schema
    problems: list[str] = field(default_factory=list)

    def run(self, messages: list[Message], peer_known: bool) -> None:
        # requests by sender -> id -> method, for resolving responses in the other direction
        sent: dict[str, dict[str, dict[str, str]]] = {}
        answered: dict[str, dict[str, set[str]]] = {}
        for m in messages:
            msg = m.msg
            sent.setdefault(m.conn, {"client": {}, "agent": {}})
            answered.setdefault(m.conn, {"client": set(), "agent": set()})
            if isinstance(msg, dict) and isinstance(msg.get("method"), str) and "id" in msg and self._valid_id(msg["id"]):
                sent[m.conn][m.sender][self._key(msg["id"])] = msg["method"]
        for m in messages:
            if m.check:
                self.check(m, sent[m.conn], answered[m.conn], peer_known)

    @staticmethod
    def _valid_id(i: Any) -> bool:
        return i is None or isinstance(i, str) or (isinstance(i, int) and not isinstance(i, bool))

    @staticmethod
    def _key(i: Any) -> str:
        return json.dumps(i)

    def fail(self, m: Message, method: str, text: str) -> None:
        self.problems.append(f"line {m.line}: {method}: {text}")

    def check(self, m: Message, sent: dict[str, dict[str, str]], answered: dict[str, set[str]], peer_known: bool) -> None:
        msg = m.msg
        receiver = "agent" if m.sender == "client" else "client"
        if isinstance(msg, list):
            return self.fail(m, "-", "JSON-RPC batches are not allowed in ACP")
        if not isinstance(msg, dict):
            return self.fail(m, "-", "message is not a JSON object")
        method = msg.get("method")
        label = method if isinstance(method, str) else "(response)"
        problems: list[str] = []
        if msg.get("jsonrpc") != "2.0":
            problems.append('"jsonrpc" must be "2.0"')
        extra = set(msg) - ENVELOPE_KEYS
        if extra:
            problems.append(f"unknown top-level members {sorted(extra)}")
        if "id" in msg and not self._valid_id(msg["id"]):
            problems.append(f"id must be an integer, string or null, not {json.dumps(msg['id'])}")
        if "method" in msg:
            if not isinstance(method, str):
                problems.append("method must be a string")
            elif "result" in msg or "error" in msg:
                problems.append("a request/notification must not carry result or error")
            else:
                problems += self._check_call(msg, method, receiver)
        elif "id" in msg:
            problems += self._check_response(msg, m.sender, receiver, sent, answered, peer_known)
            if "id" in msg and self._valid_id(msg["id"]):
                label = f"response to {sent[receiver].get(self._key(msg['id']), '?')}"
        else:
            problems.append("neither request, notification nor response (no method, no id)")
        for p in problems:
            self.fail(m, label, p)

    def _check_call(self, msg: dict, method: str, receiver: str) -> list[str]:
        is_request = "id" in msg
        params = msg.get("params")
        if "params" in msg and not isinstance(params, (dict, list)) and params is not None:
            return ["params must be an object"]
        if method.startswith("_"):
            return []  # extension method: free-form
        table = self.schema.requests if is_request else self.schema.notifications
        def_name = table[receiver].get(method)
        if def_name is None:
            other = "agent" if receiver == "client" else "client"
            kind = "request" if is_request else "notification"
            if method in table[other] or method in (self.schema.notifications if is_request else self.schema.requests)[receiver]:
                return [f"'{method}' is not a {kind} the {receiver} handles"]
            return [f"unknown ACP {kind} method '{method}'"]
        if params is None:
            return [f"params missing (expected {def_name})"]
        return self.schema.errors(def_name, params)

    def _check_response(self, msg: dict, sender: str, receiver: str, sent: dict, answered: dict, peer_known: bool) -> list[str]:
        has_result, has_error = "result" in msg, "error" in msg
        if has_result == has_error:
            return ["a response needs exactly one of result or error"]
        rid = msg["id"]
        if not self._valid_id(rid):
            return []
        key = self._key(rid)
        method = sent[receiver].get(key)
        problems = []
        if key in answered[sender]:
            problems.append(f"request id {key} answered twice")
        answered[sender].add(key)
        if method is None and peer_known:
            problems.append(f"answers id {key}, but no such request was sent by the {receiver}")
        if has_error:
            err = msg["error"]
            if not isinstance(err, dict):
                return problems + ["error must be an object"]
            problems += self.schema.errors("Error", err)
            return problems
        result = msg["result"]
        if method is None:
            # unknown request: check against every result the sender could be giving
            return problems + self.schema.union_result_errors(sender, result)
        if method.startswith("_"):
            return problems
        def_name = self.schema.responses.get(method)
        if def_name is None:
            return problems + [f"no result type for method '{method}'"]
        return problems + self.schema.errors(def_name, result)


def read_lines(path: str) -> list[tuple[int, str]]:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return [(i, line) for i, line in enumerate(text.split("\n"), start=1) if line.strip()]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Validate ACP NDJSON traffic against the ACP v1 JSON Schema.")
    ap.add_argument("--side", required=True, choices=["client", "agent", "both"], help="whose messages to validate")
    ap.add_argument("file", help="NDJSON file, or - for stdin")
    ap.add_argument("--peer", help="plain NDJSON file with the other side's messages (to resolve response methods)")
    ap.add_argument("--schema", help="schema.json or the directory holding it")
    ap.add_argument("--quiet", action="store_true", help="print nothing when everything is valid")
    args = ap.parse_args(argv)

    try:
        schema = Schema(schema_path(args.schema))
        lines = read_lines(args.file)
        peer_lines = read_lines(args.peer) if args.peer else []
    except (OSError, json.JSONDecodeError) as exc:
        print(f"validate_acp.py: {exc}", file=sys.stderr)
        return 2

    validator = Validator(schema)
    messages: list[Message] = []
    combined = False
    for number, raw in lines:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            validator.problems.append(f"line {number}: -: not JSON ({exc})")
            continue
        if isinstance(obj, dict) and "dir" in obj and "msg" in obj and "jsonrpc" not in obj:
            combined = True
            if obj["dir"] not in ("out", "in"):
                validator.problems.append(f"line {number}: -: dir must be \"out\" or \"in\"")
                continue
            sender = "client" if obj["dir"] == "out" else "agent"
            check = args.side in ("both", sender)
            messages.append(Message(number, sender, obj["msg"], check, json.dumps(obj.get("conn"))))
        else:
            if args.side == "both":
                validator.problems.append(f"line {number}: -: --side both needs the combined {{dir, msg}} format")
                continue
            messages.append(Message(number, args.side, obj, True))
    other = {"client": "agent", "agent": "client"}.get(args.side)
    for number, raw in peer_lines:
        try:
            messages.append(Message(-number, other or "agent", json.loads(raw), False))
        except json.JSONDecodeError:
            pass
    validator.run(messages, peer_known=combined or bool(args.peer))

    for p in validator.problems:
        print(p)
    checked = sum(1 for m in messages if m.check)
    if validator.problems:
        print(f"validate_acp.py: {len(validator.problems)} problem(s) in {checked} message(s)", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"validate_acp.py: {checked} message(s) valid ({args.side})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
