#!/usr/bin/env python3
"""Sit between acpd and an ACP agent and record every line of both directions.

Usage: wire_tap.py CAPTURE -- AGENT [ARGS...]

Runs AGENT with the tap's stdin/stdout relayed line by line (stderr is inherited) and appends
each relayed line to CAPTURE in validate_acp.py's combined capture format:
{"dir": "out"|"in", "conn": <tap pid>, "msg": <the line>}, "out" being client (acpd) -> agent.
Lines that are not JSON are relayed but not recorded. Exits with the agent's status.
"""

import json
import os
import subprocess
import sys
import threading


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    capture_path = sys.argv[1]
    agent = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    lock = threading.Lock()
    capture = open(capture_path, "a", encoding="utf-8")
    conn = os.getpid()

    def record(direction: str, line: bytes) -> None:
        text = line.decode("utf-8", errors="replace").strip()
        if not text:
            return
        try:
            json.loads(text)
        except ValueError:
            return
        with lock:
            capture.write('{"dir":"%s","conn":%d,"msg":%s}\n' % (direction, conn, text))
            capture.flush()

    def client_to_agent() -> None:
        for line in sys.stdin.buffer:
            record("out", line)
            try:
                agent.stdin.write(line)
                agent.stdin.flush()
            except BrokenPipeError:
                break
        try:
            agent.stdin.close()
        except BrokenPipeError:
            pass

    threading.Thread(target=client_to_agent, daemon=True).start()
    out = sys.stdout.buffer
    for line in agent.stdout:
        record("in", line)
        try:
            out.write(line)
            out.flush()
        except BrokenPipeError:
            break
    return agent.wait()


if __name__ == "__main__":
    sys.exit(main())
