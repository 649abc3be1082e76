#!/usr/bin/env python3
"""Randomized crash trials against a real `acpd run` (docs/reliability.md).

Each trial starts `acpd run` on a fresh temporary store with the demo agent and the http channel,
sends prompts and commands in several conversations (each POST with its own Idempotency-Key,
retried by the client until it is answered, as a chat platform redelivers), SIGKILLs acpd at
random points (sometimes again while it recovers), restarts it on the same store, and when every
message was answered and every run ended, stops it with SIGTERM and checks the invariants from
the store and the processes:

- no prompt ran twice (each message's unique marker is in at most one run's prompt);
- every answered prompt has its run, and it ended;
- no message was delivered twice (per run: at most one final reply message, at most one
  "acpd restarted" notice, and exactly one for runs the crash interrupted);
- no binding was lost (every conversation a spawn bound is still bound);
- nothing is left running or queued; `PRAGMA integrity_check` is ok;
- no agent process of the trial outlives it.

Seeded: a failing trial reproduces with `--seed S --trials 1`. Bounded in count and time; all
traffic goes to 127.0.0.1. Usage:

    python3 scripts/crash_trials.py [--trials 20] [--seed 1] [--bin .build/debug]
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

TOKEN = "crash-trials-token"


def free_port(rng):
    """A free port below Linux's ephemeral range (32768-60999): acpd is restarted on the same
    port after each kill, and an ephemeral port may meanwhile be taken as the source port of some
    other connection on the machine."""
    while True:
        port = rng.randint(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class Daemon:
    def __init__(self, binary, directory, port):
        self.binary, self.directory, self.port = binary, directory, port
        self.process = None
        self.log = open(os.path.join(directory, "acpd.log"), "ab")

    def start(self):
        self.process = subprocess.Popen([self.binary, "run", "--config", "acpd.yaml"], cwd=self.directory,
                                        stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)

    def wait_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"acpd exited with {self.process.returncode} during start-up")
            try:
                status, _ = self.request("GET", "/healthz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("acpd did not become healthy")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout=30):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=10):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = {"Authorization": f"Bearer {TOKEN}"}
            all_headers.update(headers or {})
            payload = None
            if body is not None:
                payload = json.dumps(body)
                all_headers["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def write_config(directory, port, demo_agent):
    os.makedirs(os.path.join(directory, "workspace"), exist_ok=True)
    with open(os.path.join(directory, "acpd.yaml"), "w") as f:
        f.write(f"""stateDir: ./state
acp:
  defaultAgent: demo
  stream: {{ coalesceIdleMs: 50 }}
agents:
  demo:
    command: ["{demo_agent}", --state-dir, "{directory}/demo"]
    cwd: ./workspace
bindings:
  - type: route
    agentId: demo
    match: {{ channel: http }}
channels:
  http: {{ enabled: true }}
access:
  owners: ["http:alice"]
  rateLimit: {{ perMinute: 100000, burst: 100000 }}
api:
  listen: "127.0.0.1:{port}"
  token: "{TOKEN}"
""")


def plan_messages(rng, trial):
    """The trial's messages, in send order: (conversation, text, key, kind)."""
    messages = []
    conversations = [f"c{i}" for i in range(rng.randint(2, 4))]
    for i in range(rng.randint(6, 14)):
        conversation = rng.choice(conversations)
        roll = rng.random()
        key = f"t{trial}-m{i}"
        if roll < 0.15:
            spawned = f"s{trial}-{i}"
            messages.append((spawned, "/acp spawn demo --bind here", key, "spawn"))
            messages.append((spawned, f"in spawned {key} [chunks={rng.randint(1, 5)}]", key + "-p", "prompt"))
        elif roll < 0.25:
            messages.append((conversation, "/acp cancel", key, "command"))
        else:
            delay = rng.choice([0, 0, 5, 20, 60])
            messages.append((conversation, f"marker {key} [chunks={rng.randint(1, 8)}] [delay={delay}]", key, "prompt"))
    return messages


def send_until_answered(daemon, conversation, text, key, deadline):
    """POSTs until a 2xx/4xx answer (a crash or a refused connection is retried with the same key)."""
    while time.monotonic() < deadline:
        try:
            status, body = daemon.request("POST", "/v1/messages", {
                "conversationId": conversation, "senderId": "alice", "text": text, "messageId": key,
            }, headers={"Idempotency-Key": key}, timeout=5)
            if status == 202:
                return json.loads(body)
            if status in (409, 503):  # in flight, or shutting down: retry
                time.sleep(0.05)
                continue
            return {"status": status, "body": body.decode(errors="replace")}
        except (OSError, http.client.HTTPException):
            time.sleep(0.03)
    raise RuntimeError(f"message {key} never answered")


def agent_processes(directory):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if any(directory.encode() in part for part in argv) and any(b"acpd-demo-agent" in part for part in argv):
            found.append(int(pid))
    return found


def run_trial(trial, seed, binary, demo_agent):
    rng = random.Random(seed * 1_000_003 + trial)
    directory = tempfile.mkdtemp(prefix=f"acpd-crash-{trial}-")
    port = free_port(random.Random())
    write_config(directory, port, demo_agent)
    daemon = Daemon(binary, directory, port)
    daemon.start()
    daemon.wait_healthy()
    stats = {"kills": 0, "recovery_kills": 0, "messages": 0, "runs": 0, "violations": []}
    messages = plan_messages(rng, trial)
    kill_points = sorted(rng.sample(range(len(messages)), k=min(len(messages), rng.randint(1, 3))))
    deadline = time.monotonic() + 120
    answers = {}
    for index, (conversation, text, key, kind) in enumerate(messages):
        if index in kill_points:
            # Kill while something may be in flight: right after a send, or a little later.
            time.sleep(rng.choice([0, 0.01, 0.05, 0.2]))
            daemon.kill()
            stats["kills"] += 1
            daemon.start()
            if rng.random() < 0.3:  # again, while it recovers
                time.sleep(rng.uniform(0.0, 0.15))
                daemon.kill()
                stats["kills"] += 1
                stats["recovery_kills"] += 1
                daemon.start()
            daemon.wait_healthy()
            # The message sent just before the kill is redelivered, as a platform would.
            if index > 0:
                previous = messages[index - 1]
                answers[previous[2]] = send_until_answered(daemon, previous[0], previous[1], previous[2], deadline)
        answers[key] = send_until_answered(daemon, conversation, text, key, deadline)
        stats["messages"] += 1
    # Let every run end (a crash-interrupted run ends "acpd restarted" at recovery).
    run_ids = {key: answer.get("runId") for key, answer in answers.items() if answer.get("runId")}
    for key, run_id in run_ids.items():
        while time.monotonic() < deadline:
            status, body = daemon.request("GET", f"/v1/runs/{run_id}")
            if status == 200 and json.loads(body)["state"] in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.05)
    time.sleep(0.3)  # the last deliveries
    exit_code = daemon.stop()
    if exit_code != 0:
        stats["violations"].append(f"acpd exited {exit_code} on SIGTERM")
    check(directory, messages, answers, stats)
    leftover_deadline = time.monotonic() + 5
    while agent_processes(directory) and time.monotonic() < leftover_deadline:
        time.sleep(0.1)
    if agent_processes(directory):
        stats["violations"].append(f"agent processes left: {agent_processes(directory)}")
    stats["directory"] = directory
    return stats


def check(directory, messages, answers, stats):
    db = sqlite3.connect(os.path.join(directory, "state", "acpd.sqlite"))
    try:
        violations = stats["violations"]
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            violations.append("integrity_check failed")
        runs = db.execute("SELECT id, state, prompt, error_message FROM acp_runs").fetchall()
        stats["runs"] = len(runs)
        for conversation, text, key, kind in messages:
            if kind != "prompt":
                continue
            marker = key if text.startswith("marker") else f"in spawned {key[:-2]}"
            matching = [run for run in runs if marker + " " in run[2] or marker + "[" in run[2]]
            if len(matching) > 1:
                violations.append(f"{key} ran {len(matching)} times")
            answer = answers.get(key, {})
            if answer.get("runId") and not any(run[0] == answer["runId"] for run in matching):
                violations.append(f"{key}: answered run {answer['runId']} is not in the store with this prompt")
        stuck = [run for run in runs if run[1] in ("queued", "running")]
        if stuck:
            violations.append(f"{len(stuck)} runs still queued or running")
        for run_id, state, _, error in runs:
            replies = db.execute("SELECT text FROM channel_messages WHERE run_id = ? AND kind = 'reply'", (run_id,)).fetchall()
            texts = [r[0] for r in replies]
            if len(texts) != len(set(texts)):
                violations.append(f"run {run_id}: a reply delivered twice: {texts}")
            restarted = db.execute("SELECT COUNT(*) FROM channel_messages WHERE run_id = ? AND text LIKE '%acpd restarted%'",
                                   (run_id,)).fetchone()[0]
            if restarted > 1:
                violations.append(f"run {run_id}: 'acpd restarted' told {restarted} times")
            if error == "acpd restarted" and restarted != 1:
                violations.append(f"run {run_id}: interrupted, told {restarted} times")
        for conversation, text, key, kind in messages:
            answer = answers.get(key, {})
            if kind == "spawn" and str(answer.get("reply", "")).startswith("OK: spawned"):
                bound = db.execute("SELECT COUNT(*) FROM acp_bindings WHERE conversation_id = ? AND ended_at IS NULL",
                                   (conversation,)).fetchone()[0]
                if bound != 1:
                    violations.append(f"binding of {conversation} lost ({bound} active)")
    finally:
        db.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bin", default=".build/debug", help="folder with acpd and acpd-demo-agent")
    parser.add_argument("--keep", action="store_true", help="keep the trial directories")
    args = parser.parse_args()
    binary = os.path.abspath(os.path.join(args.bin, "acpd"))
    demo_agent = os.path.abspath(os.path.join(args.bin, "acpd-demo-agent"))
    totals = {"trials": 0, "kills": 0, "recovery_kills": 0, "messages": 0, "runs": 0, "failed_trials": 0}
    started = time.monotonic()
    for trial in range(args.trials):
        stats = run_trial(trial, args.seed, binary, demo_agent)
        totals["trials"] += 1
        for name in ("kills", "recovery_kills", "messages", "runs"):
            totals[name] += stats[name]
        if stats["violations"]:
            totals["failed_trials"] += 1
            print(f"trial {trial} (--seed {args.seed}): FAILED in {stats['directory']}")
            for violation in stats["violations"]:
                print(f"  - {violation}")
        elif not args.keep:
            subprocess.run(["rm", "-rf", stats["directory"]], check=False)
    elapsed = time.monotonic() - started
    print(f"{'trials':>8} {'SIGKILLs':>9} {'in recovery':>12} {'messages':>9} {'runs':>6} {'failed':>7} {'seconds':>8}")
    print(f"{totals['trials']:>8} {totals['kills']:>9} {totals['recovery_kills']:>12} {totals['messages']:>9} "
          f"{totals['runs']:>6} {totals['failed_trials']:>7} {elapsed:>8.1f}")
    passed = totals["trials"] - totals["failed_trials"]
    print(f"crash trials: {passed} passed, {totals['failed_trials']} failed")
    sys.exit(1 if totals["failed_trials"] else 0)


if __name__ == "__main__":
    main()
