#!/usr/bin/env python3
"""A fake `acpx` for acpd's tests: behaves like acpx for the calls the acpx backend makes.

Supported (global options first, like acpx):
  --version
  [globals] sessions ensure --name NAME [--resume-session ID]
  [globals] prompt --session NAME --file -          (prompt text or JSON content blocks on stdin)
  [globals] cancel --session NAME
  [globals] sessions close NAME
globals: --format json --json-strict --cwd DIR --agent CMD --approve-all|--approve-reads|--deny-all
         --non-interactive-permissions deny|fail --ttl N --timeout N

State lives in $FAKE_ACPX_STATE, or in DIR when the argv starts with `--fake-state DIR` (a stand-in
for acpx's state in $HOME/.acpx, which does not depend on the agent's env) (sessions.json, one calls.jsonl line per call with argv and the
names of the environment variables it got, cancel flags). Behaviour is chosen by keywords in the
prompt text (see KEYWORDS below) and by env vars:
  FAKE_ACPX_ENSURE_EXIT=N     sessions ensure fails with exit N (error JSON first)
  FAKE_ACPX_RESUME_FAILS=1    sessions ensure --resume-session fails (exit 1)
  FAKE_ACPX_VERSION_EXIT=N    --version exits N
Only the standard library is used.
"""
import json
import os
import shlex
import signal
import sys
import time
import uuid

KEYWORDS = "slow hang malformed permission replay agenterror noresult retryable exit=N multiline flood=N"

ERROR_CODES = {1: ("RUNTIME", -32603), 2: ("USAGE", -32602), 3: ("TIMEOUT", -32070),
               4: ("NO_SESSION", -32002), 5: ("PERMISSION_DENIED", -32071)}


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def emit_error(exit_code, message, retryable=None, request_id=None, detail_code=None):
    acpx_code, rpc_code = ERROR_CODES.get(exit_code, ("RUNTIME", -32603))
    data = {"acpxCode": acpx_code, "origin": "cli"}
    if retryable is not None:
        data["retryable"] = retryable
    if detail_code:
        data["detailCode"] = detail_code
    emit({"jsonrpc": "2.0", "id": request_id, "error": {"code": rpc_code, "message": message, "data": data}})


def fail(exit_code, message, **kwargs):
    emit_error(exit_code, message, **kwargs)
    sys.exit(exit_code)


def state_dir():
    path = os.environ.get("FAKE_ACPX_STATE") or os.path.join(os.path.expanduser("~"), ".fake-acpx")
    os.makedirs(path, exist_ok=True)
    return path


def load_sessions():
    try:
        with open(os.path.join(state_dir(), "sessions.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"counter": 0, "records": []}


def save_sessions(data):
    path = os.path.join(state_dir(), "sessions.json")
    tmp = path + ".%d.tmp" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def find_open(data, agent, cwd, name):
    for record in data["records"]:
        if record["agent"] == agent and record["cwd"] == cwd and record["name"] == name and not record["closed"]:
            return record
    return None


def flag_path(kind, name):
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in name)
    return os.path.join(state_dir(), "%s-%s" % (kind, safe))


def parse_globals(argv):
    opts = {"format": "text", "strict": False, "cwd": os.getcwd(), "agent": None, "permission": "approve-reads",
            "nip": "deny", "modes": 0}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--format":
            opts["format"] = argv[i + 1]; i += 2
        elif a == "--json-strict":
            opts["strict"] = True; i += 1
        elif a == "--cwd":
            opts["cwd"] = os.path.abspath(argv[i + 1]); i += 2
        elif a == "--agent":
            opts["agent"] = argv[i + 1]; i += 2
        elif a in ("--approve-all", "--approve-reads", "--deny-all"):
            opts["permission"] = a[2:]; opts["modes"] += 1; i += 1
        elif a == "--non-interactive-permissions":
            opts["nip"] = argv[i + 1]; i += 2
        elif a in ("--ttl", "--timeout"):
            float(argv[i + 1]); i += 2
        elif a.startswith("-"):
            fail(2, "unknown option " + a)
        else:
            break
    return opts, argv[i:]


def record_call(argv):
    with open(os.path.join(state_dir(), "calls.jsonl"), "a") as f:
        f.write(json.dumps({"argv": argv, "env": sorted(os.environ.keys()), "pid": os.getpid()}) + "\n")


def option(args, name):
    if name in args:
        idx = args.index(name)
        if idx + 1 < len(args):
            return args[idx + 1]
    return None


def cmd_ensure(opts, args):
    name = option(args, "--name")
    if not name:
        fail(2, "sessions ensure needs --name in these tests")
    forced = os.environ.get("FAKE_ACPX_ENSURE_EXIT")
    if forced:
        code = int(forced)
        if code == 130:
            sys.exit(130)
        fail(code, "forced ensure failure %d" % code, detail_code="AUTH_REQUIRED" if code == 1 else None)
    resume = option(args, "--resume-session")
    data = load_sessions()
    existing = find_open(data, opts["agent"], opts["cwd"], name)
    if existing:
        created = False
        record = existing
    else:
        if resume and os.environ.get("FAKE_ACPX_RESUME_FAILS") == "1":
            fail(1, "Failed to resume ACP session %s: Resource not found" % resume)
        data["counter"] += 1
        record = {"recordId": "rec-%d" % data["counter"], "acpSessionId": resume or "sess-" + uuid.uuid4().hex[:8],
                  "agent": opts["agent"], "cwd": opts["cwd"], "name": name, "closed": False}
        data["records"].append(record)
        save_sessions(data)
        created = True
    emit({"action": "session_ensured", "created": created, "acpxRecordId": record["recordId"],
          "acpxSessionId": record["acpSessionId"], "name": name})


def prompt_text(raw):
    source = raw.strip()
    if source.startswith("["):
        blocks = json.loads(source)
        return "\n".join(b.get("text", "[%s]" % b.get("type")) for b in blocks)
    return source


def update(session_id, payload):
    emit({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": session_id, "update": payload}})


def cmd_prompt(opts, args):
    name = option(args, "--session")
    if option(args, "--file") != "-":
        fail(2, "these tests always pass --file -")
    text = prompt_text(sys.stdin.read())
    if not text:
        fail(2, "Prompt from --file is empty")
    data = load_sessions()
    record = find_open(data, opts["agent"], opts["cwd"], name)
    if record is None:
        fail(4, "No acpx session found. Create one: acpx sessions new --name %s" % name)
    sid = record["acpSessionId"]
    running = flag_path("running", name)
    cancel_flag = flag_path("cancel", name)
    if os.path.exists(cancel_flag):
        os.remove(cancel_flag)
    with open(running, "w") as f:
        f.write(str(os.getpid()))
    try:
        run_turn(opts, sid, text, cancel_flag)
    finally:
        if os.path.exists(running):
            os.remove(running)


def run_turn(opts, sid, text, cancel_flag):
    words = text.split()
    emit({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1}})
    emit({"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": 1, "agentCapabilities": {"loadSession": True}}})
    if "replay" in words:
        emit({"jsonrpc": "2.0", "id": 1, "method": "session/load", "params": {"sessionId": sid, "cwd": opts["cwd"], "mcpServers": []}})
        update(sid, {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": "OLD HISTORY"}})
        emit({"jsonrpc": "2.0", "id": 1, "result": {}})
    emit({"jsonrpc": "2.0", "id": 2, "method": "session/prompt",
          "params": {"sessionId": sid, "prompt": [{"type": "text", "text": text}]}})
    if "malformed" in words:
        sys.stdout.write("this line is not json\n")
        sys.stdout.write('{"jsonrpc":"2.0","method":\n')
        sys.stdout.flush()
    update(sid, {"sessionUpdate": "agent_thought_chunk", "content": {"type": "text", "text": "thinking"}})
    for word in words:
        if word.startswith("flood="):
            # N one-character chunks as fast as the pipe takes them (one flush at the end).
            line = json.dumps({"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": sid, "update": {
                "sessionUpdate": "agent_message_chunk", "messageId": "m1", "content": {"type": "text", "text": "x"}}}},
                separators=(",", ":")) + "\n"
            for _ in range(int(word[6:])):
                sys.stdout.write(line)
            sys.stdout.flush()
    for word in words:
        if word.startswith("exit="):
            code = int(word[5:])
            update(sid, {"sessionUpdate": "agent_message_chunk", "messageId": "m1", "content": {"type": "text", "text": "partial"}})
            if code == 130:
                sys.exit(130)
            fail(code, "forced failure %d" % code, retryable=True if "retryable" in words else None)
    if "agenterror" in words:
        emit({"jsonrpc": "2.0", "id": 2, "error": {"code": -32603, "message": "model API unavailable"}})
        fail(1, "model API unavailable")
    denied = 0
    approved = 0
    if "permission" in words:
        update(sid, {"sessionUpdate": "tool_call", "toolCallId": "call_9", "title": "Run rm -rf build", "kind": "execute", "status": "pending"})
        emit({"jsonrpc": "2.0", "id": 0, "method": "session/request_permission",
              "params": {"sessionId": sid, "toolCall": {"toolCallId": "call_9", "title": "Run rm -rf build", "kind": "execute"},
                         "options": [{"optionId": "allow", "name": "Allow", "kind": "allow_once"},
                                     {"optionId": "reject", "name": "Reject", "kind": "reject_once"}]}})
        choice = "allow" if opts["permission"] == "approve-all" else "reject"
        emit({"jsonrpc": "2.0", "id": 0, "result": {"outcome": {"outcome": "selected", "optionId": choice}}})
        if choice == "allow":
            approved += 1
        else:
            denied += 1
        update(sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_9", "status": "completed" if approved else "failed"})
    if "slow" in words or "hang" in words:
        update(sid, {"sessionUpdate": "agent_message_chunk", "messageId": "m1", "content": {"type": "text", "text": "working"}})
        deadline = time.time() + 60
        while time.time() < deadline:
            if "slow" in words and os.path.exists(cancel_flag):
                update(sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_1", "status": "failed"})
                emit({"jsonrpc": "2.0", "id": 2, "result": {"stopReason": "cancelled"}})
                return
            time.sleep(0.02)
        fail(3, "fake turn timed out")
    update(sid, {"sessionUpdate": "plan", "entries": [{"content": "Answer", "priority": "high", "status": "in_progress"}]})
    update(sid, {"sessionUpdate": "tool_call", "toolCallId": "call_1", "title": "Read README.md", "kind": "read",
                 "status": "pending", "locations": [{"path": os.path.join(opts["cwd"], "README.md")}]})
    update(sid, {"sessionUpdate": "tool_call_update", "toolCallId": "call_1", "status": "completed",
                 "content": [{"type": "content", "content": {"type": "text", "text": "# Readme"}}]})
    if "malformed" in words:
        sys.stdout.write("[acpx] stray banner\n")
        sys.stdout.flush()
    update(sid, {"sessionUpdate": "agent_message_chunk", "messageId": "m1", "content": {"type": "text", "text": "Echo: "}})
    update(sid, {"sessionUpdate": "agent_message_chunk", "messageId": "m1", "content": {"type": "text", "text": text}})
    update(sid, {"sessionUpdate": "usage_update", "used": 10, "size": 100})
    if "noresult" in words:
        sys.exit(0)
    emit({"jsonrpc": "2.0", "id": 2, "result": {"stopReason": "end_turn"}})
    if denied and not approved:
        sys.exit(5)


def cmd_cancel(opts, args):
    name = option(args, "--session")
    data = load_sessions()
    record = find_open(data, opts["agent"], opts["cwd"], name)
    running = os.path.exists(flag_path("running", name))
    if record is not None and running:
        open(flag_path("cancel", name), "w").close()
    emit({"action": "cancel_result", "acpxRecordId": record["recordId"] if record else "unknown",
          "cancelled": bool(record is not None and running)})


def cmd_close(opts, args):
    name = args[0] if args else None
    data = load_sessions()
    record = find_open(data, opts["agent"], opts["cwd"], name)
    if record is None:
        fail(1, 'No named session "%s" for cwd %s' % (name, opts["cwd"]))
    record["closed"] = True
    save_sessions(data)
    if os.path.exists(flag_path("running", name)):
        open(flag_path("cancel", name), "w").close()
    emit({"action": "session_closed", "acpxRecordId": record["recordId"], "acpxSessionId": record["acpSessionId"]})


def main():
    argv = sys.argv[1:]
    if argv[:1] == ["--fake-state"] and len(argv) > 1:
        os.environ["FAKE_ACPX_STATE"] = argv[1]
        argv = argv[2:]
    record_call(argv)
    if argv == ["--version"]:
        code = int(os.environ.get("FAKE_ACPX_VERSION_EXIT", "0"))
        if code:
            sys.stderr.write("fake acpx is broken\n")
            sys.exit(code)
        print("0.0.0-fake")
        return
    opts, rest = parse_globals(argv)
    if opts["strict"] and opts["format"] != "json":
        fail(2, "--json-strict requires --format json")
    if opts["modes"] > 1:
        fail(2, "Use only one permission mode")
    if not opts["agent"]:
        fail(2, "these tests always pass --agent")
    try:
        if not shlex.split(opts["agent"]):
            raise ValueError("empty")
    except ValueError:
        fail(2, "Invalid --agent command")
    if rest[:2] == ["sessions", "ensure"]:
        cmd_ensure(opts, rest[2:])
    elif rest[:1] == ["prompt"]:
        cmd_prompt(opts, rest[1:])
    elif rest[:1] == ["cancel"]:
        cmd_cancel(opts, rest[1:])
    elif rest[:2] == ["sessions", "close"]:
        cmd_close(opts, rest[2:])
    else:
        fail(2, "unsupported command: %s" % " ".join(rest))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
