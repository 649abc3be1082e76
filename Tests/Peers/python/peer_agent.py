#!/usr/bin/env python3
"""acp-peer-agent: an ACP agent built on the official Python SDK (`acp`, agent-client-protocol 0.12.1).

It behaves like `acpd-demo-agent` (docs/demo-agent.md) for the core scenarios, so the stdio client
tests can run the same scenarios against an independent, SDK-based agent (which, like real Python
agents, writes JSON with `ensure_ascii`, answers out of order and starts slowly).

Usage:
    peer_agent.py [--state-dir DIR] [--require-auth] [--no-load]

Prompt keywords (same syntax as the demo agent: `[name]` or `[name=value]` anywhere in the text):
    (none)          answer "echo: <prompt text>" in 3 agent_message_chunks sharing one messageId, end_turn
    [chunks=N]      answer in exactly N chunks (1..10000)
    [delay=MS]      wait MS ms before each chunk (cancellable)
    [thought]       one agent_thought_chunk first
    [plan]          a plan with two entries, then an update of it
    [tool]          a tool_call (kind read) and two tool_call_updates (in_progress, completed with text)
    [usage]         a usage_update
    [permission]    session/request_permission for a tool call (kind execute) with options allow-once,
                    allow-always, reject-once; then say "permission: selected <optionId>" (end_turn)
                    or "permission: cancelled" (stopReason cancelled)
    [elicit]        elicitation/create (form: `env` one of staging/production, required; `dry_run` boolean;
                    `reason` string of 3..80 characters, required); then say "elicitation: accept
                    dry_run=… env=… reason=…" (the content sorted by name), "elicitation: decline", or
                    "elicitation: cancel" (stopReason cancelled)
    [big=N]         one agent_message_chunk of N bytes of "x" (N <= 50,000,000)
    [unicode]       answer "grüße 🚀 naïve – 日本語" (the SDK escapes it: \\u00fc, \\ud83d\\ude80)
    [hang]          send nothing more until session/cancel, then answer cancelled
    [crash]         send one chunk, then exit with status 3 without answering
    [fail]          answer the prompt with JSON-RPC error -32603 "demo failure"
    [refuse]        answer with stopReason refusal
    [late]          after the prompt response, a session_info_update and an available_commands_update
The turn order is the demo agent's: thought, plan, tool, usage, fail, permission, hang, answer chunks.
session/cancel is honoured in every state: the prompt is answered with stopReason cancelled.

Sessions: session/new creates `peer-<uuid>` and sends available_commands_update shortly after its
response. Every turn is appended to `<state dir>/<sessionId>.jsonl`; session/load replays it as
user_message_chunk / agent_message_chunk before answering `{}`; unknown ids answer -32002.
State dir: `--state-dir DIR`, else `$ACPD_PEER_STATE_DIR`, else `<session cwd>/.acp-peer`.

Flags:
    --require-auth  advertise auth method `peer-login`; session/new, session/load and session/prompt
                    answer -32000 "Authentication required" until `authenticate {methodId: "peer-login"}`
    --no-load       advertise loadSession false
    --modes, --resume, --close   modes and a model option, session/resume, session/close (peer_modes.py)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acp import (
    Agent,
    InitializeResponse,
    LoadSessionResponse,
    NewSessionResponse,
    PromptResponse,
    RequestError,
    run_agent,
    text_block,
    plan_entry,
    update_agent_thought_text,
    update_plan,
    start_read_tool_call,
    update_tool_call,
    tool_content,
)
from acp.schema import (
    AgentCapabilities,
    AgentMessageChunk,
    AuthenticateResponse,
    AuthMethodAgent,
    AvailableCommand,
    AvailableCommandsUpdate,
    Cost,
    Implementation,
    PermissionOption,
    PromptCapabilities,
    SessionInfoUpdate,
    ToolCallUpdate,
    UsageUpdate,
    UserMessageChunk,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_modes import ModesMixin  # noqa: E402

UNICODE_TEXT = "grüße 🚀 naïve – 日本語"
KEYWORD = re.compile(r"\[([a-z-]+)(?:=(\d+))?\]")


def log(text: str) -> None:
    print(f"acp-peer-agent[{os.getpid()}]: {text}", file=sys.stderr, flush=True)


@dataclass
class Script:
    chunks: int = 3
    delay_ms: int = 0
    big: int | None = None
    flags: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> "Script":
        script = cls()
        flags = set()
        for name, value in KEYWORD.findall(text):
            if value:
                n = int(value)
                if name == "chunks":
                    script.chunks = min(max(n, 1), 10_000)
                elif name == "delay":
                    script.delay_ms = min(n, 600_000)
                elif name == "big":
                    script.big = min(n, 50_000_000)
            else:
                flags.add(name)
        script.flags = frozenset(flags)
        return script

    def __contains__(self, flag: str) -> bool:
        return flag in self.flags


def split(text: str, count: int) -> list[str]:
    n = max(count, 1)
    return [text[i * len(text) // n : (i + 1) * len(text) // n] for i in range(n)]


def prompt_text(blocks: list[Any]) -> str:
    parts = []
    for block in blocks:
        kind = getattr(block, "type", "unknown")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource_link":
            parts.append(f"[resource_link {block.uri}]")
        elif kind == "resource":
            parts.append(f"[resource {getattr(block.resource, 'uri', '')}]")
        else:
            parts.append(f"[{kind}]")
    return "\n".join(parts)


class History:
    def __init__(self, state_dir: Path, session_id: str) -> None:
        self.file = state_dir / f"{session_id}.jsonl"

    @staticmethod
    def safe(session_id: str) -> bool:
        return bool(re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}", session_id))

    def create(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        self.file.touch()

    def append(self, role: str, text: str) -> None:
        with self.file.open("a", encoding="utf-8") as f:
            f.write(json.dumps({"role": role, "text": text}) + "\n")

    def load(self) -> list[dict[str, str]]:
        entries = []
        for line in self.file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:
                    log(f"skipping bad history line in {self.file}")
        return entries


@dataclass
class Session:
    cwd: str
    history: History
    turn: asyncio.Task[Any] | None = None


class PeerAgent(ModesMixin, Agent):
    def __init__(self, state_dir: str | None, require_auth: bool, load: bool) -> None:
        self.state_dir = state_dir
        self.require_auth = require_auth
        self.load = load
        self.authenticated = False
        self.sessions: dict[str, Session] = {}
        self.conn: Any = None
        self.background: set[asyncio.Task[Any]] = set()

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    def _state(self, cwd: str) -> Path:
        return Path(self.state_dir) if self.state_dir else Path(cwd) / ".acp-peer"

    def _check_auth(self) -> None:
        if self.require_auth and not self.authenticated:
            raise RequestError.auth_required()

    def _later(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _update(self, session_id: str, update: Any) -> None:
        await self.conn.session_update(session_id=session_id, update=update)

    @staticmethod
    def _commands() -> AvailableCommandsUpdate:
        return AvailableCommandsUpdate(
            session_update="available_commands_update",
            available_commands=[
                AvailableCommand(name="help", description="List the peer agent's keywords"),
                AvailableCommand(name="echo", description="Echo the text back"),
            ],
        )

    # -- Agent methods ---------------------------------------------------------------------------

    async def initialize(self, protocol_version: int, client_capabilities: Any = None, client_info: Any = None, **kwargs: Any) -> InitializeResponse:
        log(f"<- initialize (protocol {protocol_version})")
        methods = [AuthMethodAgent(id="peer-login", name="Peer login", description="No credentials needed")] if self.require_auth else []
        return InitializeResponse(
            protocol_version=1,
            agent_capabilities=AgentCapabilities(load_session=self.load, prompt_capabilities=PromptCapabilities(embedded_context=True),
                                                 session_capabilities=self.session_capabilities()),
            auth_methods=methods,
            agent_info=Implementation(name="acp-peer-agent", title="ACP peer test agent", version="0.1.0"),
        )

    async def authenticate(self, method_id: str, **kwargs: Any) -> AuthenticateResponse:
        if method_id != "peer-login":
            raise RequestError.invalid_params({"methodId": method_id, "reason": "unknown auth method"})
        self.authenticated = True
        return AuthenticateResponse()

    async def new_session(self, cwd: str, additional_directories: Any = None, mcp_servers: Any = None, **kwargs: Any) -> NewSessionResponse:
        self._check_auth()
        session_id = f"peer-{uuid.uuid4()}"
        history = History(self._state(cwd), session_id)
        history.create()
        self.sessions[session_id] = Session(cwd, history)

        async def announce() -> None:
            await asyncio.sleep(0.01)  # after the session/new response, like fast-agent
            await self._update(session_id, self._commands())

        self._later(announce())
        return NewSessionResponse(session_id=session_id, **self.start_modes(session_id))

    async def load_session(self, cwd: str, session_id: str, mcp_servers: Any = None, additional_directories: Any = None, **kwargs: Any) -> LoadSessionResponse:
        if not self.load:
            raise RequestError.method_not_found("session/load")
        self._check_auth()
        history = History(self._state(cwd), session_id)
        if not History.safe(session_id) or not history.file.exists():
            raise RequestError(-32002, "Resource not found", {"sessionId": session_id})
        for index, entry in enumerate(history.load()):
            block = text_block(entry.get("text", ""))
            message_id = f"{session_id}-hist-{index}"
            if entry.get("role") == "user":
                update: Any = UserMessageChunk(session_update="user_message_chunk", content=block, message_id=message_id)
            else:
                update = AgentMessageChunk(session_update="agent_message_chunk", content=block, message_id=message_id)
            await self._update(session_id, update)
        self.sessions[session_id] = Session(cwd, history)
        return LoadSessionResponse(**self.start_modes(session_id, turns=sum(1 for e in history.load() if e.get("role") == "user")))

    def restore_session(self, session_id: str, cwd: str) -> int:
        """session/resume (peer_modes.py): the session is usable again, nothing replayed; returns its turn count."""
        self._check_auth()
        history = History(self._state(cwd), session_id)
        if not History.safe(session_id) or not history.file.exists():
            raise RequestError(-32002, "Resource not found", {"sessionId": session_id})
        self.sessions.setdefault(session_id, Session(cwd, history))
        return sum(1 for e in history.load() if e.get("role") == "user")

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        log(f"<- session/cancel {session_id}")
        session = self.sessions.get(session_id)
        if session and session.turn and not session.turn.done():
            session.turn.cancel()

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        self._check_auth()
        session = self.sessions.get(session_id)
        if session is None:
            raise RequestError(-32002, "Resource not found", {"sessionId": session_id})
        if session.turn is not None and not session.turn.done():
            raise RequestError(-32603, "Session busy: a prompt is already running")
        text = prompt_text(prompt)
        script = Script.parse(text)
        session.history.append("user", text)
        said: list[str] = []
        await self.before_turn(session_id, text)
        turn = asyncio.get_running_loop().create_task(self._play(session_id, session, text, script, said))
        session.turn = turn
        try:
            reason = await turn
        except asyncio.CancelledError:
            if turn.cancelled() and not asyncio.current_task().cancelling():  # type: ignore[union-attr]
                reason = "cancelled"
            else:
                raise
        finally:
            if said:
                session.history.append("agent", "".join(said))
        if reason != "cancelled":
            await self.after_turn(session_id)
        if "late" in script and reason != "cancelled":
            async def late() -> None:
                await asyncio.sleep(0.01)
                await self._update(session_id, SessionInfoUpdate(session_update="session_info_update", title="Peer session"))
                await self._update(session_id, self._commands())
            self._later(late())
        return PromptResponse(stop_reason=reason)

    async def _play(self, session_id: str, session: Session, text: str, script: Script, said: list[str]) -> str:
        if "thought" in script:
            await self._update(session_id, update_agent_thought_text("The user wants the peer agent to answer."))
        if "plan" in script:
            await self._update(session_id, update_plan([plan_entry("Read the prompt", priority="high", status="in_progress"), plan_entry("Answer it", priority="medium", status="pending")]))
            await self._update(session_id, update_plan([plan_entry("Read the prompt", priority="high", status="completed"), plan_entry("Answer it", priority="medium", status="in_progress")]))
        if "tool" in script:
            tool_id = f"tool-{uuid.uuid4().hex[:8]}"
            await self._update(session_id, start_read_tool_call(tool_id, "Read README.md", os.path.join(session.cwd, "README.md")))
            await self._update(session_id, update_tool_call(tool_id, status="in_progress"))
            await self._update(session_id, update_tool_call(tool_id, status="completed", content=[tool_content(text_block("peer file contents"))]))
        if "usage" in script:
            await self._update(session_id, UsageUpdate(session_update="usage_update", used=1234, size=200_000, cost=Cost(amount=0.01, currency="USD")))
        if "fail" in script:
            raise RequestError(-32603, "demo failure")

        if "elicit" in script:
            answer = await self._elicit(session_id)
            if answer is None:
                await self._say(session_id, "elicitation: cancel", 1, 0, said, check=False)
                return "cancelled"
        elif "permission" in script:
            try:
                answer = await self._ask_permission(session_id)
            except asyncio.CancelledError:  # session/cancel while waiting: withdraw the request
                answer = None
            if answer is None:
                await self._say(session_id, "permission: cancelled", 1, 0, said, check=False)
                return "cancelled"
        else:
            answer = UNICODE_TEXT if "unicode" in script else f"echo: {text}"

        if "hang" in script:
            await asyncio.Event().wait()  # until cancelled

        if script.big is not None:
            chunk = AgentMessageChunk(session_update="agent_message_chunk", content=text_block("x" * script.big), message_id=f"msg-{uuid.uuid4().hex[:8]}")
            await self._update(session_id, chunk)
            said.append(f"[big: {script.big} bytes]")
            if "crash" in script:
                os._exit(3)
        else:
            await self._say(session_id, answer, script.chunks, script.delay_ms, said, crash="crash" in script)
        return "refusal" if "refuse" in script else "end_turn"

    async def _say(self, session_id: str, text: str, chunks: int, delay_ms: int, said: list[str], check: bool = True, crash: bool = False) -> None:
        message_id = f"msg-{uuid.uuid4().hex[:8]}"
        for piece in split(text, chunks):
            if delay_ms:
                await asyncio.sleep(delay_ms / 1000)
            chunk = AgentMessageChunk(session_update="agent_message_chunk", content=text_block(piece), message_id=message_id)
            await self._update(session_id, chunk)
            said.append(piece)
            if crash:
                log("[crash]: exiting with status 3")
                sys.stderr.flush()
                os._exit(3)

    async def _ask_permission(self, session_id: str) -> str | None:
        tool_call = ToolCallUpdate(tool_call_id=f"perm-{uuid.uuid4().hex[:8]}", title="Run `peer-tool --write`", kind="execute", status="pending")
        options = [
            PermissionOption(option_id="allow-once", name="Allow once", kind="allow_once"),
            PermissionOption(option_id="allow-always", name="Always allow", kind="allow_always"),
            PermissionOption(option_id="reject-once", name="Reject", kind="reject_once"),
        ]
        try:
            response = await self.conn.request_permission(session_id=session_id, tool_call=tool_call, options=options)
        except RequestError as exc:
            return f"permission: error {exc.code} {exc}"
        outcome = response.outcome
        if getattr(outcome, "outcome", None) == "selected":
            return f"permission: selected {outcome.option_id}"
        return None


    async def _elicit(self, session_id: str) -> str | None:
        """Asks the `[elicit]` form through the SDK; None when it was cancelled (or the turn was)."""
        from acp.schema import ElicitationFormSessionMode

        mode = ElicitationFormSessionMode.model_validate({
            "sessionId": session_id,
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "env": {"type": "string", "title": "Environment", "enum": ["staging", "production"]},
                    "dry_run": {"type": "boolean", "title": "Dry run", "default": False},
                    "reason": {"type": "string", "title": "Reason", "minLength": 3, "maxLength": 80},
                },
                "required": ["env", "reason"],
            },
        })
        try:
            response = await self.conn.create_elicitation(message="Where should the peer deploy go?", mode=mode)
        except asyncio.CancelledError:
            return None
        except RequestError as exc:
            return f"elicitation: error {exc.code} {exc}"
        data = response.model_dump(mode="json", by_alias=True, exclude_none=True)
        action = data.get("action")
        if action == "cancel":
            return None
        if action != "accept":
            return f"elicitation: {action}"
        content = data.get("content") or {}
        fields = " ".join(f"{name}={json.dumps(value) if isinstance(value, bool) else value}" for name, value in sorted(content.items()))
        return f"elicitation: accept {fields}".rstrip()


def main() -> None:
    ap = argparse.ArgumentParser(description="ACP peer agent on the official Python SDK (see module docstring)")
    ap.add_argument("--state-dir", default=os.environ.get("ACPD_PEER_STATE_DIR") or None)
    ap.add_argument("--require-auth", action="store_true")
    ap.add_argument("--no-load", action="store_true")
    ap.add_argument("--modes", action="store_true")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--close", action="store_true")
    args = ap.parse_args()
    agent = PeerAgent(args.state_dir, args.require_auth, not args.no_load)
    agent.modes_enabled, agent.resume_enabled, agent.close_enabled = args.modes, args.resume, args.close
    try:
        # SDK 0.12.1 files session/resume and session/close under its unstable protocol (schema 1.21 has them stable).
        asyncio.run(run_agent(agent, use_unstable_protocol=args.resume or args.close))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
