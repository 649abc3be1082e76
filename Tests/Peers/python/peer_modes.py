"""Modes, a `model` config option, usage after turns, session/resume and session/close for
peer_agent.py (flags --modes, --resume, --close), the same as acpd-demo-agent's (docs/demo-agent.md,
"Modes and options"): modes ask/code/plan (default code), option `model` (category model) with
values fast/smart (default fast); session/load and session/resume start from the defaults again;
`[mode=ID]` switches the mode itself (current_mode_update), `[settings]` says mode and model;
every turn ends with a usage_update (100 tokens and 0.01 USD per turn of the session so far, history included).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from acp import RequestError
from acp.schema import (
    AgentMessageChunk,
    CloseSessionResponse,
    Cost,
    CurrentModeUpdate,
    ResumeSessionResponse,
    SessionCapabilities,
    SessionCloseCapabilities,
    SessionConfigOptionSelect,
    SessionConfigSelectOption,
    SessionMode,
    SessionModeState,
    SessionResumeCapabilities,
    SetSessionConfigOptionResponse,
    SetSessionModeResponse,
    TextContentBlock,
    UsageUpdate,
)

MODES = [("ask", "Ask", "Answer questions, change nothing"), ("code", "Code", "Read and edit files"),
         ("plan", "Plan", "Plan first, then ask before acting")]
MODELS = [("fast", "Fast model"), ("smart", "Smart model")]
MODE_KEYWORD = re.compile(r"\[mode=([a-z]+)\]")


@dataclass
class ModeState:
    mode: str = "code"
    model: str = "fast"
    turns: int = 0


class ModesMixin:
    """Mixed into PeerAgent; needs `self._update`, `self.sessions` and the three flags."""

    modes_enabled = False
    resume_enabled = False
    close_enabled = False

    def _mode_states(self) -> dict[str, ModeState]:
        if not hasattr(self, "_modes"):
            self._modes: dict[str, ModeState] = {}
        return self._modes

    def session_capabilities(self) -> SessionCapabilities:
        return SessionCapabilities(resume=SessionResumeCapabilities() if self.resume_enabled else None,
                                   close=SessionCloseCapabilities() if self.close_enabled else None)

    def start_modes(self, session_id: str, turns: int = 0) -> dict[str, Any]:
        """The modes/config_options of a session/new|load|resume answer; the session starts from the
        defaults (its turn count, and so its cost, goes on from `turns`)."""
        if not self.modes_enabled:
            return {}
        state = ModeState(turns=turns)
        self._mode_states()[session_id] = state
        return {"modes": self._mode_state(state), "config_options": self._config_options(state)}

    @staticmethod
    def _mode_state(state: ModeState) -> SessionModeState:
        return SessionModeState(current_mode_id=state.mode,
                                available_modes=[SessionMode(id=i, name=n, description=d) for i, n, d in MODES])

    @staticmethod
    def _config_options(state: ModeState) -> list[Any]:
        return [SessionConfigOptionSelect(id="model", name="Model", category="model", type="select", current_value=state.model,
                                          options=[SessionConfigSelectOption(value=v, name=n) for v, n in MODELS])]

    def _mode_session(self, session_id: str) -> ModeState:
        state = self._mode_states().get(session_id)
        if state is None:
            raise RequestError(-32002, "Resource not found", {"sessionId": session_id})
        return state

    async def set_session_mode(self, session_id: str, mode_id: str, **kwargs: Any) -> SetSessionModeResponse:
        if not self.modes_enabled:
            raise RequestError.method_not_found("session/set_mode")
        state = self._mode_session(session_id)
        if mode_id not in [m[0] for m in MODES]:
            raise RequestError.invalid_params({"modeId": mode_id})
        state.mode = mode_id
        return SetSessionModeResponse()

    async def set_config_option(self, config_id: str, session_id: str, value: str | bool, **kwargs: Any) -> SetSessionConfigOptionResponse:
        if not self.modes_enabled:
            raise RequestError.method_not_found("session/set_config_option")
        state = self._mode_session(session_id)
        if config_id != "model" or value not in [m[0] for m in MODELS]:
            raise RequestError.invalid_params({"configId": config_id, "value": value})
        state.model = str(value)
        return SetSessionConfigOptionResponse(config_options=self._config_options(state))

    async def resume_session(self, session_id: str, cwd: str, additional_directories: Any = None, mcp_servers: Any = None,
                             **kwargs: Any) -> ResumeSessionResponse:
        if not self.resume_enabled:
            raise RequestError.method_not_found("session/resume")
        turns = self.restore_session(session_id, cwd)  # PeerAgent: -32002 when unknown
        return ResumeSessionResponse(**self.start_modes(session_id, turns=turns))

    async def close_session(self, session_id: str, **kwargs: Any) -> CloseSessionResponse:
        if not self.close_enabled:
            raise RequestError.method_not_found("session/close")
        session = self.sessions.pop(session_id, None)
        if session is None:
            raise RequestError(-32002, "Resource not found", {"sessionId": session_id})
        if session.turn and not session.turn.done():
            session.turn.cancel()
        self._mode_states().pop(session_id, None)
        return CloseSessionResponse()

    async def before_turn(self, session_id: str, text: str) -> None:
        state = self._mode_states().get(session_id)
        if not self.modes_enabled or state is None:
            return
        match = MODE_KEYWORD.search(text)
        if match and match.group(1) in [m[0] for m in MODES]:
            state.mode = match.group(1)
            await self._update(session_id, CurrentModeUpdate(session_update="current_mode_update", current_mode_id=state.mode))
        if "[settings]" in text:
            await self._update(session_id, AgentMessageChunk(
                session_update="agent_message_chunk", message_id=f"settings-{uuid.uuid4().hex[:8]}",
                content=TextContentBlock(type="text", text=f"settings: mode {state.mode}, model {state.model}\n")))

    async def after_turn(self, session_id: str) -> None:
        state = self._mode_states().get(session_id)
        if not self.modes_enabled or state is None:
            return
        state.turns += 1
        await self._update(session_id, UsageUpdate(session_update="usage_update", used=100 * state.turns, size=200_000,
                                                   cost=Cost(amount=state.turns / 100, currency="USD")))
