#!/usr/bin/env python3
"""An independent ACP client on the official Python SDK that checks an agent end to end.

Usage:
    sdk_client.py [--cwd DIR] [--timeout SECONDS] [--capture FILE] -- AGENT_COMMAND [ARGS...]

Spawns AGENT_COMMAND (twice), and checks, with the SDK doing all the protocol work:
  1. initialize: protocol version 1, loadSession advertised;
  2. session/new with a fresh absolute cwd;
  3. a prompt with [chunks=4][thought][plan][tool][usage]: end_turn, the answer "echo: <prompt>" in
     4 chunks sharing one messageId, a thought, two plans, a tool call completed through updates, usage;
  4. [permission], answered allow-once by this client: "permission: selected allow-once";
  5. [unicode][chunks=1]: the exact text "grüße 🚀 naïve – 日本語" (escaped on the wire);
  6. [big=200000]: one 200,000-byte chunk (more than the SDK's default 64 KiB line limit, which is raised);
  7. cancel while [thought][hang] runs: stopReason cancelled;
  8. cancel while a permission request is pending (this client then answers it `cancelled`):
     stopReason cancelled and "permission: cancelled";
  9. [fail]: JSON-RPC error -32603; a prompt for an unknown session: an error;
 10. a second process: initialize, session/load replays the user prompts in order (and the answers),
     then a prompt on the loaded session works.
The agent must keep its session history somewhere that survives the restart: the demo agent and
the peer agent both default to a folder inside the session cwd.

Exit status: 0 and "sdk_client: OK ..." on success; 1 and "sdk_client: FAIL <reason>" otherwise.
With `--capture FILE`, every message is written to FILE as {"dir": "out"|"in", "msg": ...}
(the format of Tests/Peers/validate_acp.py; "conn" numbers the agent process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from acp import RequestError, spawn_agent_process, text_block
from acp.connection import StreamDirection, StreamEvent
from acp.schema import (
    AllowedOutcome,
    DeniedOutcome,
    Implementation,
    RequestPermissionResponse,
)

UNICODE_TEXT = "grüße 🚀 naïve – 日本語"
LINE_LIMIT = 64 * 1024 * 1024


class CheckFailed(Exception):
    pass


def check(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


class RecordingClient:
    """The client side: records every session/update; answers permission requests."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, Any]] = []
        self.permission_requests: list[Any] = []
        self.hold_permissions = False
        self.release = asyncio.Event()
        self.changed = asyncio.Condition()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 10) -> None:
        async def waiter() -> None:
            async with self.changed:
                await self.changed.wait_for(predicate)
        try:
            await asyncio.wait_for(waiter(), timeout)
        except asyncio.TimeoutError:
            raise CheckFailed(f"timed out waiting for {what}") from None

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates.append((session_id, update))
        await self._notify()

    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any) -> RequestPermissionResponse:
        self.permission_requests.append((session_id, tool_call, options))
        await self._notify()
        if self.hold_permissions:
            await self.release.wait()
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id="allow-once"))

    def take(self) -> list[Any]:
        taken = [u for _, u in self.updates]
        self.updates.clear()
        return taken


def kinds(updates: list[Any], kind: str) -> list[Any]:
    return [u for u in updates if getattr(u, "session_update", None) == kind]


def message_text(updates: list[Any]) -> str:
    return "".join(u.content.text for u in kinds(updates, "agent_message_chunk") if getattr(u.content, "type", "") == "text")


class Run:
    def __init__(self, command: list[str], cwd: str, timeout: float, capture: Path | None) -> None:
        self.command = command
        self.cwd = cwd
        self.timeout = timeout
        self.capture = capture.open("w", encoding="utf-8") if capture else None
        self.checks = 0
        self.connection = 0
        self.stderr_file = tempfile.NamedTemporaryFile(prefix="sdk-client-agent-", suffix=".log", delete=False)

    def ok(self, condition: bool, reason: str) -> None:
        check(condition, reason)
        self.checks += 1

    def observe(self, event: StreamEvent) -> None:
        if self.capture:
            direction = "out" if event.direction == StreamDirection.OUTGOING else "in"
            self.capture.write(json.dumps({"dir": direction, "conn": self.connection, "msg": event.message}) + "\n")
            self.capture.flush()

    @contextlib.asynccontextmanager
    async def spawn(self, client: RecordingClient) -> Any:
        self.connection += 1
        context = spawn_agent_process(
            client, self.command[0], *self.command[1:],
            transport_kwargs={"limit": LINE_LIMIT, "stderr": self.stderr_file},
            observers=[self.observe],
        )
        # The SDK's shutdown waits briefly for the agent to exit after stdin closes, then calls
        # terminate(); an agent that exits in that very moment (a loaded machine) makes terminate()
        # raise ProcessLookupError. The agent is gone either way, which is what closing wants.
        try:
            async with context as pair:
                yield pair
        except ProcessLookupError:
            pass

    async def initialize(self, conn: Any) -> Any:
        init = await conn.initialize(protocol_version=1, client_info=Implementation(name="acpd-sdk-client", version="0.1.0"))
        self.ok(init.protocol_version == 1, f"initialize answered protocol version {init.protocol_version}, expected 1")
        caps = init.agent_capabilities
        self.ok(caps is not None and caps.load_session, "agent does not advertise loadSession")
        return init

    async def first_process(self) -> tuple[str, list[str], str]:
        client = RecordingClient()
        sent: list[str] = []
        async with self.spawn(client) as (conn, _process):
            await self.initialize(conn)
            session = await conn.new_session(cwd=self.cwd, mcp_servers=[])
            sid = session.session_id
            self.ok(bool(sid), "session/new returned no sessionId")

            async def prompt(text: str) -> Any:
                sent.append(text)
                return await conn.prompt(session_id=sid, prompt=[text_block(text)])

            # 3. chunks, thought, plan, tool, usage
            text = "hello sdk [chunks=4][thought][plan][tool][usage]"
            client.take()
            response = await prompt(text)
            updates = [u for u in client.take() if getattr(u, "session_update", "") != "available_commands_update"]
            self.ok(response.stop_reason == "end_turn", f"stopReason {response.stop_reason}, expected end_turn")
            chunks = kinds(updates, "agent_message_chunk")
            self.ok(len(chunks) == 4, f"{len(chunks)} agent_message_chunks, expected 4")
            self.ok(len({c.message_id for c in chunks}) == 1 and chunks[0].message_id, "chunks of one answer do not share one messageId")
            first_answer = message_text(updates)
            self.ok(first_answer == f"echo: {text}", f"answer {first_answer!r}, expected 'echo: {text}'")
            self.ok(len(kinds(updates, "agent_thought_chunk")) == 1, "no agent_thought_chunk")
            self.ok(len(kinds(updates, "plan")) == 2, "expected a plan and one plan update")
            tool_calls = kinds(updates, "tool_call")
            tool_updates = kinds(updates, "tool_call_update")
            self.ok(len(tool_calls) == 1 and tool_calls[0].kind == "read", "expected one tool_call of kind read")
            self.ok([u.status for u in tool_updates] == ["in_progress", "completed"], "tool_call_updates are not in_progress, completed")
            self.ok(all(u.tool_call_id == tool_calls[0].tool_call_id for u in tool_updates), "tool_call_update ids do not match the tool_call")
            self.ok(len(kinds(updates, "usage_update")) == 1, "no usage_update")
            self.ok(updates.index(tool_calls[0]) < updates.index(chunks[0]), "the tool call came after the answer")

            # 4. permission, allowed by this client
            response = await prompt("[permission]")
            updates = client.take()
            self.ok(len(client.permission_requests) == 1, "expected one session/request_permission")
            _, tool_call, options = client.permission_requests[-1]
            self.ok([o.option_id for o in options] == ["allow-once", "allow-always", "reject-once"], "unexpected permission options")
            self.ok(tool_call.kind == "execute", "permission tool call is not of kind execute")
            self.ok(response.stop_reason == "end_turn", f"permission turn ended with {response.stop_reason}")
            self.ok(message_text(updates) == "permission: selected allow-once", f"permission answer {message_text(updates)!r}")

            # 5. unicode
            response = await prompt("[unicode][chunks=1]")
            self.ok(message_text(client.take()) == UNICODE_TEXT, "unicode text differs")

            # 6. big line
            response = await prompt("[big=200000]")
            updates = client.take()
            chunks = kinds(updates, "agent_message_chunk")
            self.ok(len(chunks) == 1 and chunks[0].content.text == "x" * 200_000, "big chunk is not 200000 x")

            # 7. cancel a hanging turn
            sent.append("[thought][hang]")
            turn = asyncio.ensure_future(conn.prompt(session_id=sid, prompt=[text_block("[thought][hang]")]))
            await client.wait_for(lambda: any(getattr(u, "session_update", "") == "agent_thought_chunk" for _, u in client.updates), "the [hang] turn to start")
            await conn.cancel(session_id=sid)
            response = await asyncio.wait_for(turn, 5)
            self.ok(response.stop_reason == "cancelled", f"cancelled [hang] turn ended with {response.stop_reason}")
            client.take()

            # 8. cancel while a permission request is pending
            client.hold_permissions = True
            sent.append("[permission]")
            turn = asyncio.ensure_future(conn.prompt(session_id=sid, prompt=[text_block("[permission]")]))
            await client.wait_for(lambda: len(client.permission_requests) == 2, "the second permission request")
            await conn.cancel(session_id=sid)
            client.release.set()
            response = await asyncio.wait_for(turn, 5)
            self.ok(response.stop_reason == "cancelled", f"turn cancelled during permission ended with {response.stop_reason}")
            self.ok(message_text(client.take()) == "permission: cancelled", "no 'permission: cancelled' after cancel")
            client.hold_permissions = False

            # 9. errors
            try:
                await prompt("[fail]")
                raise CheckFailed("[fail] did not answer an error")
            except RequestError as exc:
                self.ok(exc.code == -32603, f"[fail] answered code {exc.code}, expected -32603")
            try:
                await conn.prompt(session_id="no-such-session", prompt=[text_block("hi")])
                raise CheckFailed("a prompt for an unknown session succeeded")
            except RequestError:
                self.checks += 1
            client.take()
        return sid, sent, first_answer

    async def second_process(self, sid: str, sent: list[str], first_answer: str) -> None:
        client = RecordingClient()
        async with self.spawn(client) as (conn, _process):
            await self.initialize(conn)
            await conn.load_session(session_id=sid, cwd=self.cwd, mcp_servers=[])
            updates = client.take()
            users = [u.content.text for u in kinds(updates, "user_message_chunk")]
            self.ok(users == sent, f"replayed user messages {users!r}, expected {sent!r}")
            agents = [u.content.text for u in kinds(updates, "agent_message_chunk")]
            self.ok(first_answer in agents, "the first answer was not replayed")
            response = await conn.prompt(session_id=sid, prompt=[text_block("after load")])
            self.ok(response.stop_reason == "end_turn", "prompt after session/load did not end_turn")
            self.ok(message_text(client.take()) == "echo: after load", "prompt after session/load answered wrongly")

    async def main(self) -> None:
        sid, sent, first_answer = await self.first_process()
        await self.second_process(sid, sent, first_answer)

    def agent_stderr_tail(self) -> str:
        try:
            return Path(self.stderr_file.name).read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--cwd", help="session cwd (default: a fresh temporary directory)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--capture", type=Path)
    args = ap.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        print("sdk_client: no agent command", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="sdk-client-") as tmp:
        cwd = str(Path(args.cwd or tmp).resolve())
        run = Run(command, cwd, args.timeout, args.capture)
        try:
            asyncio.run(asyncio.wait_for(run.main(), args.timeout))
        except CheckFailed as exc:
            print(f"sdk_client: FAIL {exc}")
            print(run.agent_stderr_tail(), file=sys.stderr)
            return 1
        except asyncio.TimeoutError:
            print(f"sdk_client: FAIL timed out after {args.timeout} s")
            print(run.agent_stderr_tail(), file=sys.stderr)
            return 1
        except Exception as exc:  # the agent broke the protocol in a way the SDK rejects
            print(f"sdk_client: FAIL {type(exc).__name__}: {exc}")
            print(run.agent_stderr_tail(), file=sys.stderr)
            return 1
        finally:
            Path(run.stderr_file.name).unlink(missing_ok=True)
    print(f"sdk_client: OK ({run.checks} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
