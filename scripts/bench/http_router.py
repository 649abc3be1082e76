"""Drives a release `acpd run` through the http channel (issue 5, "including HTTP").

  python3 scripts/bench/http_router.py [--acpd PATH] [--agent PATH] [--messages 1000] [--sessions 1000]
                                       [--burst 100] [--chunks 10] [--port 7979] [--idle-seconds 5]

Starts acpd with a route binding of every http conversation to the demo agent (config written to
a temp dir, empty store), then:
  1. idle: acpd's RSS (VmRSS, anonymous vs file-backed, threads) after --idle-seconds;
  2. latency: --messages prompts, one at a time, to one conversation over one keep-alive HTTP
     connection; POST /v1/messages -> 202 (run queued) and POST -> the run's final message seen on
     the conversation's SSE stream (/v1/conversations/{id}/events, opened before the first POST);
     and acpd's own CPU time per message (user and system, from /proc/<pid>/stat; the agent excluded);
  2b. burst: --burst conversations post one prompt each at the same instant (one client thread
     writes every request back to back on its own keep-alive connection): POST -> 202 per request; first the same burst of
     GET /healthz (the floor: HTTP server and this client without the router); --burst-text
     '[delay=3000]' holds the runs, so nothing but intake competes;
  3. sessions: one prompt to each of --sessions new conversations at once (8 client threads with
     keep-alive connections post them all, then poll each conversation until its final message);
     acpd's peak RSS / threads / fds sampled every 100 ms from /proc (the agents are separate
     processes, so excluded), and the time until every final message is visible.
Then SIGTERM and the time to stop. Python's own client time is included in every HTTP figure.
"""
import argparse, concurrent.futures, http.client, json, os, re, signal, subprocess, sys, tempfile, threading, time

TOKEN = "bench-token"
HEADERS = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}


def proc_stats(pid):
    stats = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                stats[key] = int(value.split()[0])
    stats["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return stats


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def pct(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, max(0, int(q * len(sorted_values) + 0.999999) - 1))]


class Client:
    """One keep-alive connection."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None):
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=HEADERS)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data)

    def post(self, conversation, text, message_id):
        return self.request("POST", "/v1/messages",
                            {"conversationId": conversation, "senderId": "bench", "text": text, "messageId": message_id})


class EventStream:
    """GET /v1/conversations/{id}/events, read line by line."""

    def __init__(self, port, conversation):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", f"/v1/conversations/{conversation}/events", headers=HEADERS)
        self.response = self.conn.getresponse()
        if self.response.status != 200:
            raise RuntimeError(f"events: {self.response.status}")

    def wait_final(self, run_id):
        while True:
            line = self.response.readline()
            if not line:
                raise RuntimeError("event stream ended")
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                if message.get("runId") == run_id and message.get("final"):
                    return


def write_config(directory, agent, port, sessions, coalesce, burst=0):
    path = os.path.join(directory, "acpd.yaml")
    with open(path, "w") as f:
        f.write(f"""stateDir: {directory}/state
agents:
  demo: {{ command: ["{agent}", --state-dir, "{directory}/demo"], cwd: "{directory}" }}
acp:
  defaultAgent: demo
  maxConcurrentSessions: {max(64, sessions, burst + 1)}
  stream: {{ coalesceIdleMs: {coalesce} }}
bindings:
  - type: route
    agentId: demo
    match: {{ channel: http }}
channels:
  http: {{ enabled: true }}
access:
  owners: ["http:bench"]
  rateLimit: {{ perMinute: 1000000, burst: 1000000 }}
api: {{ listen: "127.0.0.1:{port}", token: "{TOKEN}" }}
""")
    return path


def wait_healthy(port, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"acpd exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("acpd did not become healthy")


def cpu_seconds(pid):
    """acpd's (user, system) CPU seconds so far, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def run_ns(pid):
    """acpd's CPU time so far in nanoseconds: the sum over its threads' scheduler run time
    (/proc/<pid>/task/*/schedstat), precise enough for a burst of a few milliseconds."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def latency(port, pid, messages, warmup, chunks):
    client = Client(port)
    events = EventStream(port, "seq")
    filler = "abcdefghij" * 20
    accepted, final = [], []
    cpu_start = None
    for index in range(warmup + messages):
        if index == warmup:
            cpu_start = cpu_seconds(pid)
        text = f"m{index}-{filler}[chunks={chunks}]"
        start = time.perf_counter()
        out = client.post("seq", text, f"seq-{index}")
        posted = time.perf_counter()
        events.wait_final(out["runId"])
        done = time.perf_counter()
        if index >= warmup:
            accepted.append(posted - start)
            final.append(done - start)
    user, system = (end - begin for end, begin in zip(cpu_seconds(pid), cpu_start))
    events.conn.close()  # an open stream would pin the conversation in the message log
    client.conn.close()
    print(f"  acpd CPU per message: {(user + system) / messages * 1000:.3f} ms "
          f"(user {user / messages * 1000:.3f}, system {system / messages * 1000:.3f}; {messages} messages, {chunks} chunks each)")
    for name, values in (("POST -> 202 accepted (run queued)", accepted), ("POST -> final message on the SSE stream", final)):
        values.sort()
        print(f"  {name:42s} p50 {pct(values, .5) * 1000:.3f} ms, p90 {pct(values, .9) * 1000:.3f} ms, "
              f"p99 {pct(values, .99) * 1000:.3f} ms, max {values[-1] * 1000:.3f} ms  ({messages} messages)")


def burst(port, pid, conversations, round_=0, text="[chunks=3]", floor=False):
    """Every conversation posts once, all at the same instant; POST -> 202 each. Round 0 starts a
    session (and an agent) per conversation; later rounds find them live. `text` follows the
    prompt's number (the demo agent's keywords). With `floor`, each connection sends GET /healthz
    instead: the same burst through the HTTP server and this client, without the router.

    One thread drives every connection (non-blocking sockets, epoll): the requests are built first,
    written back to back (100 writes take well under a millisecond), and each response is timed
    from its own request's write to its last byte read. No GIL contention between client threads,
    so the client's own share of a figure stays small (compare the floor line)."""
    import select, socket
    sockets = []
    for _ in range(conversations):  # connect and warm each keep-alive connection first
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sockets.append(sock)
    requests = []
    for i in range(conversations):
        if floor:
            body = b""
            head = f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        else:
            body = json.dumps({"conversationId": f"burst{i}", "senderId": "bench", "text": f"burst {i} {text}",
                               "messageId": f"burst-{round_}-{i}"}).encode()
            head = (f"POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        requests.append(head.encode() + body)
    warm = f"GET /v1/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()

    def exchange(payloads):
        """Writes payloads[i] on sockets[i], all first, then reads every response; seconds each."""
        poller = select.epoll()
        fds = {}
        for i, sock in enumerate(sockets):
            sock.setblocking(False)
            poller.register(sock.fileno(), select.EPOLLIN)
            fds[sock.fileno()] = i
        starts = [0.0] * len(sockets)
        ends = [0.0] * len(sockets)
        buffers = [b""] * len(sockets)
        for i, sock in enumerate(sockets):
            starts[i] = time.perf_counter()
            sock.sendall(payloads[i])
        pending = len(sockets)
        while pending:
            for fd, _ in poller.poll(60):
                i = fds[fd]
                chunk = sockets[i].recv(65536)
                if not chunk:
                    raise RuntimeError("connection closed by acpd")
                buffers[i] += chunk
                head, sep, rest = buffers[i].partition(b"\r\n\r\n")
                if not sep:
                    continue
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if length and len(rest) < int(length.group(1)):
                    continue
                ends[i] = time.perf_counter()
                status = int(head.split(b" ", 2)[1])
                if status >= 300:
                    raise RuntimeError(f"burst request {i}: {status} {rest[:200]!r}")
                poller.unregister(fd)
                pending -= 1
        poller.close()
        for sock in sockets:
            sock.setblocking(True)
        return [end - begin for begin, end in zip(starts, ends)]

    exchange([warm] * conversations)
    cpu_start = run_ns(pid)
    times = sorted(exchange(requests))
    cpu = (run_ns(pid) - cpu_start) / 1e6 / conversations
    for sock in sockets:
        sock.close()
    what = "new conversations (a session and agent each)" if round_ == 0 else "conversations with live sessions"
    if floor:
        what = "clients at once, GET /healthz (the floor: HTTP server and client, no router)"
    print(f"  burst {round_ + 1}: {conversations} {what} posting at once: POST -> 202 p50 {pct(times, .5) * 1000:.3f} ms, "
          f"p90 {pct(times, .9) * 1000:.3f} ms, p99 {pct(times, .99) * 1000:.3f} ms, max {times[-1] * 1000:.3f} ms; "
          f"acpd CPU {cpu:.3f} ms per request")


def sessions_run(port, pid, sessions, workers=8):
    peak = {"VmRSS": 0, "Threads": 0, "fds": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            stats = proc_stats(pid)
            for key in peak:
                peak[key] = max(peak[key], stats[key])
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    local = threading.local()

    def client():
        if not hasattr(local, "client"):
            local.client = Client(port)
        return local.client

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        runs = list(pool.map(lambda i: client().post(f"c{i}", f"hello {i} [chunks=3]", f"c{i}")["runId"], range(sessions)))
    posted = time.perf_counter() - start
    pending = set(range(sessions))

    def finished(i):
        messages = client().request("GET", f"/v1/conversations/c{i}/messages?after=0")["messages"]
        return any(m.get("runId") == runs[i] and m.get("final") for m in messages)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        while pending:
            done = [i for i, ok in zip(list(pending), pool.map(finished, list(pending))) if ok]
            pending.difference_update(done)
            if pending:
                time.sleep(0.05)
    elapsed = time.perf_counter() - start
    after = proc_stats(pid)
    stop.set()
    sampler.join()
    print(f"  {sessions} conversations: all POSTs accepted after {posted:.2f} s, every final message visible after {elapsed:.2f} s")
    print(f"  acpd with {sessions} agents alive: RSS {mib(after['VmRSS'])} (VmHWM {mib(after['VmHWM'])}), "
          f"{after['Threads']} threads, {after['fds']} fds; peak of 100 ms samples: RSS {mib(peak['VmRSS'])}, "
          f"{peak['Threads']} threads, {peak['fds']} fds")


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser()
    parser.add_argument("--acpd", default=os.path.join(root, ".build-release/release/acpd"))
    parser.add_argument("--agent", default=os.path.join(root, ".build-release/release/acpd-demo-agent"))
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--burst", type=int, default=0, help="conversations posting at the same instant (0: skip)")
    parser.add_argument("--burst-rounds", type=int, default=2, help="bursts: the first starts the sessions, the others find them live")
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--coalesce-ms", type=int, default=350, help="acp.stream.coalesceIdleMs")
    parser.add_argument("--port", type=int, default=7979)
    parser.add_argument("--idle-seconds", type=float, default=5)
    parser.add_argument("--burst-text", default="[chunks=3]",
                        help="demo agent keywords of the burst's prompts ('[delay=3000]': the runs wait, nothing competes)")
    args = parser.parse_args()
    if args.sessions > 999:
        print("note: the http message log keeps 1000 conversations; the latency conversation is dropped first")
    directory = tempfile.mkdtemp(prefix="acpd-http-bench-")
    config = write_config(directory, args.agent, args.port, args.sessions, args.coalesce_ms, args.burst)
    log = open(os.path.join(directory, "acpd.log"), "w")
    process = subprocess.Popen([args.acpd, "run", "--config", config], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(args.port, process)
        time.sleep(args.idle_seconds)
        idle = proc_stats(process.pid)
        print(f"acpd {args.acpd} (pid {process.pid}), state {directory}")
        print(f"  idle (http channel + API, empty store): VmRSS {mib(idle['VmRSS'])} = anonymous {mib(idle['RssAnon'])} "
              f"+ file-backed {mib(idle['RssFile'])}; {idle['Threads']} threads, {idle['fds']} fds")
        if args.messages > 0:
            latency(args.port, process.pid, args.messages, args.warmup, args.chunks)
        if args.burst > 0:
            burst(args.port, process.pid, args.burst, floor=True)
        for round_ in range(args.burst_rounds if args.burst > 0 else 0):
            if round_ > 0:
                time.sleep(3)  # the previous round's runs end
            burst(args.port, process.pid, args.burst, round_, text=args.burst_text)
        if args.sessions > 0:
            sessions_run(args.port, process.pid, args.sessions)
    finally:
        start = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        print(f"  SIGTERM -> exit {process.returncode} in {time.perf_counter() - start:.2f} s (log: {directory}/acpd.log)")


if __name__ == "__main__":
    sys.exit(main())
