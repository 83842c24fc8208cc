"""The benchmark run behind `cargo xtask bench` (issue 8); xtask prepares wrk, oha, the venv and
the two release binaries, then runs this with the venv's Python. Writes docs/benchmarks.json (raw
numbers) and docs/benchmarks.md (the report).

    python bench/bench.py --bantz target/release/bantz --root . [--duration 5] [--reps 3]
        [--native-bantz target/release/bantz-native-clock] [--oha target/bench-tools/bin/oha]

Without --native-bantz baseline B is left out; without oha (found under target/bench-tools or on
PATH) the fixed-rate runs at half of the maximum load are.
"""

import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TOKEN = "bench-token-0123456789abcdef"
CONFIG = """
[rate_limits]
chat = 0
commands = 0
reads = 0
pairing = 0
per_ip_multiplier = 0
"""

ENDPOINTS = [
    ("health", "GET", "/api/v1/health", None),
    ("chat_clock", "POST", "/api/v1/chat", {"message": "saat kaç"}),
    ("command_clock", "POST", "/api/v1/commands", {"command": "clock.now"}),
    ("chat_calendar_kv", "POST", "/api/v1/chat", {"message": "bugün neler var takvimimde"}),
]
# Baseline B answers clock.now natively (the host built with `--features bench-native-clock`), so
# only the endpoints that reach the clock, and health as the floor, are run against it.
NATIVE_ENDPOINTS = ["health", "chat_clock", "command_clock"]
# The fixed-rate runs go at this share of the median maximum throughput measured just before.
HALF_LOAD = 0.5

WRK_LUA = """
wrk.method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then wrk.body = body end
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
"""


def log(msg):
    print(f"    {msg}", file=sys.stderr, flush=True)


def cores():
    """(server core, client core) when the machine has two or more and taskset exists."""
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return "0", "1"
    return None, None


def pinned(core, argv):
    return ["taskset", "-c", core, *argv] if core is not None else argv


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def percentile(values, p):
    s = sorted(values)
    if not s:
        return None
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def request(base, method, path, body=None, token=TOKEN, timeout=10):
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def try_request(base, method, path, body=None):
    try:
        return request(base, method, path, body, timeout=2)
    except OSError:
        return None, b""


def rss(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) / 1024  # MiB
    return out


class Bantz:
    """One `bantz serve` on port 0 in a temp folder, pinned to the server core."""

    def __init__(self, args, skills, cache_dir, work, binary=None):
        self.dir = Path(tempfile.mkdtemp(prefix="bantz-bench-", dir=work))
        self.skills_dir = self.dir / "skills"
        self.skills_dir.mkdir()
        (self.dir / "data").mkdir()
        for s in skills:
            shutil.copy(s, self.skills_dir / Path(s).name)
        (self.dir / "bantz.toml").write_text(CONFIG)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BANTZ_")}
        env["BANTZ_API_TOKEN"] = TOKEN
        server_core, _ = cores()
        argv = [
            str(binary or args.bantz), "serve", "--host", "127.0.0.1", "--port", "0",
            "--data-dir", "data", "--skills-dir", "skills", "--config", "bantz.toml",
            "--cache-dir", str(cache_dir),
        ]
        self.log = open(self.dir / "bantz.log", "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            pinned(server_core, argv), cwd=self.dir, env=env, stdout=subprocess.PIPE,
            stderr=self.log, stdin=subprocess.DEVNULL, text=True,
        )
        self.base = None
        for line in self.proc.stdout:
            if line.startswith("bantz listening on "):
                self.base = line.split()[3]
                break
        if self.base is None:
            raise SystemExit(f"bantz did not start; see {self.dir / 'bantz.log'}")
        self.listening = time.perf_counter()
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def wait_ready(self, limit=60):
        while time.perf_counter() - self.started < limit:
            status, _ = try_request(self.base, "GET", "/api/v1/ready")
            if status == 200:
                return time.perf_counter()
            time.sleep(0.002)
        raise SystemExit(f"bantz not ready after {limit}s; see {self.dir / 'bantz.log'}")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(args, base, method, path, body, connections):
    _, client_core = cores()
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=json.dumps(body) if body else "", BENCH_TOKEN=TOKEN)
    argv = pinned(client_core, [
        "wrk", "-t1", f"-c{connections}", f"-d{args.duration}s", "--latency", "-s", str(args.lua), base + path,
    ])
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def to_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def parse_wrk(out):
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
        result[f"p{p}_ms"] = to_ms(m.group(1)) if m else None
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = m.group(1).strip() if m else None
    return result


def oha(args, base, method, path, body, connections, rate):
    """One fixed-rate run: `rate` requests per second, latency counted from when each request was
    due (`--latency-correction`), so a stalled server cannot hide its queue (coordinated omission)."""
    _, client_core = cores()
    argv = [
        str(args.oha), "--no-tui", "--output-format", "json", "-z", f"{args.duration}s", "-c", str(connections),
        "-q", f"{rate:.0f}", "--latency-correction", "-m", method,
        "-H", f"Authorization: Bearer {TOKEN}", "-H", "Content-Type: application/json",
    ]
    if body is not None:
        argv += ["-d", json.dumps(body)]
    out = subprocess.run(pinned(client_core, argv + [base + path]), capture_output=True, text=True, check=True).stdout
    return parse_oha(out, rate)


def parse_oha(out, rate):
    report = json.loads(out)
    s, pct = report["summary"], report.get("latencyPercentiles") or {}
    codes = {int(k): v for k, v in (report.get("statusCodeDistribution") or {}).items()}

    def ms(seconds):  # oha reports seconds
        return seconds * 1000 if seconds is not None else None

    return {
        "target_rps": rate,
        "rps": s.get("requestsPerSec"),
        "p50_ms": ms(pct.get("p50")),
        "p99_ms": ms(pct.get("p99")),
        "max_ms": ms(s.get("slowest")),
        "requests": sum(codes.values()),
        "non_2xx": sum(v for k, v in codes.items() if not 200 <= k < 300),
        # Requests still in flight at the end are cut off ("aborted due to deadline"); others are real.
        "errors": report.get("errorDistribution") or {},
    }


def half_load_runs(args, base, method, path, body, max_rps):
    rate = max(1.0, max_rps * HALF_LOAD)
    runs = [oha(args, base, method, path, body, args.connections, rate) for _ in range(args.reps)]
    return {
        "target_rps": rate,
        "runs": runs,
        "rps": summary([r["rps"] for r in runs]),
        "p50_ms": summary([r["p50_ms"] for r in runs]),
        "p99_ms": summary([r["p99_ms"] for r in runs]),
        "max_ms": summary([r["max_ms"] for r in runs]),
    }


def load_runs(args, base, pid, label, names=None, check=None, half_load=True):
    """The endpoints (all, or `names`), `reps` wrk runs each at maximum throughput, then with oha
    `reps` fixed-rate runs at half of the median maximum; checks one response first (status 200,
    and `check` when given) so errors are not timed."""
    results, peak = {}, None
    for name, method, path, body in ENDPOINTS:
        if names is not None and name not in names:
            continue
        status, reply = request(base, method, path, body)
        if status != 200:
            raise SystemExit(f"{label} {name}: {status} {reply[:300]!r}")
        if check is not None:
            check(name, json.loads(reply))
        runs = []
        for _ in range(args.reps):
            runs.append(wrk(args, base, method, path, body, args.connections))
            if pid:
                peak = rss(pid)
        results[name] = {
            "sample_reply": json.loads(reply),
            "runs": runs,
            "rps": summary([r["rps"] for r in runs]),
            "p50_ms": summary([r["p50_ms"] for r in runs]),
            "p99_ms": summary([r["p99_ms"] for r in runs]),
        }
        log(f"{label} {name}: {results[name]['rps']['median']:.0f} req/s, "
            f"p99 {results[name]['p99_ms']['median']:.2f} ms, non-2xx {sum(r['non_2xx'] for r in runs)}")
        if half_load and args.oha:
            half = half_load_runs(args, base, method, path, body, results[name]["rps"]["median"])
            results[name]["half_load"] = half
            log(f"{label} {name} at {half['target_rps']:.0f} req/s (half load): {half['rps']['median']:.0f} req/s,"
                f" p50 {half['p50_ms']['median']:.2f} ms, p99 {half['p99_ms']['median']:.2f} ms,"
                f" non-2xx {sum(r['non_2xx'] for r in half['runs'])}")
    return results, peak


def bench_bantz_load(args, work):
    skills = [args.skills / "clock.wasm", args.skills / "calendar.wasm"]
    # The first start compiles the skills; the measured one finds them in the compile cache, as
    # every later start of a host does. Idle memory is read on both.
    first = Bantz(args, skills, work / "cache-load", work)
    try:
        first.wait_ready()
        time.sleep(1.0)
        idle_compiled = rss(first.proc.pid)
    finally:
        first.stop()
    b = Bantz(args, skills, work / "cache-load", work)
    try:
        b.wait_ready()
        # One event today, so the agenda reads a real kv entry.
        request(b.base, "POST", "/api/v1/commands",
                {"command": "calendar.add", "args": {"title": "bench", "date": time.strftime("%Y-%m-%d"),
                                                     "time": "23:00"}, "confirm": True})
        time.sleep(1.0)
        idle = rss(b.proc.pid)
        results, _ = load_runs(args, b.base, b.proc.pid, "bantz")
        peak = rss(b.proc.pid)
        return results, {"idle_mib": idle["VmRSS"], "idle_after_compile_mib": idle_compiled["VmRSS"],
                         "peak_mib": peak["VmHWM"], "after_load_rss_mib": peak["VmRSS"]}
    finally:
        b.stop()


def native_reply_check(name, reply):
    """Baseline B must answer like the wasm skill, or its numbers measure something else."""
    if name != "health" and not isinstance((reply.get("data") or {}).get("time"), str):
        raise SystemExit(f"native {name}: the reply has no data.time, so clock.now did not answer: {reply!r}")


def bench_native_load(args, work):
    """Baseline B: the same host and skills, but clock.now answered by native code (no wasm)."""
    b = Bantz(args, [args.skills / "clock.wasm", args.skills / "calendar.wasm"], work / "cache-native", work,
              binary=args.native_bantz)
    try:
        b.wait_ready()
        time.sleep(1.0)
        results, _ = load_runs(args, b.base, b.proc.pid, "native", names=NATIVE_ENDPOINTS,
                               check=native_reply_check, half_load=False)
        return results
    finally:
        b.stop()


def bench_fastapi_load(args, work):
    server_core, _ = cores()
    port = free_port()
    env = dict(os.environ, BANTZ_API_TOKEN=TOKEN, BENCH_DB=str(work / "fastapi-kv.sqlite"))
    argv = pinned(server_core, [
        str(args.python), "-m", "uvicorn", "fastapi_app:app", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--log-level", "warning", "--no-access-log",
    ])
    proc = subprocess.Popen(argv, cwd=args.root / "bench/baselines", env=env, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while try_request(base, "GET", "/api/v1/health")[0] != 200:
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("the FastAPI baseline did not start")
            time.sleep(0.05)
        time.sleep(1.0)
        idle = rss(proc.pid)
        results, _ = load_runs(args, base, proc.pid, "fastapi")
        peak = rss(proc.pid)
        return results, {"idle_mib": idle["VmRSS"], "peak_mib": peak["VmHWM"], "after_load_rss_mib": peak["VmRSS"]}
    finally:
        proc.terminate()
        proc.wait(10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_and_wait(b, wasm, name, how):
    """Drops `wasm` into the folder, `how` = "rename" (copied under a dot name, then renamed into
    place; timed from the rename) or "copy" (copied in place; timed from the start of the copy);
    ms until the skill is active and answers."""
    if how == "rename":
        hidden = b.skills_dir / f".{name}.wasm"
        shutil.copy(wasm, hidden)
        t0 = time.perf_counter()
        os.rename(hidden, b.skills_dir / f"{name}.wasm")
    else:
        t0 = time.perf_counter()
        shutil.copy(wasm, b.skills_dir / f"{name}.wasm")
    active = None
    while time.perf_counter() - t0 < 30:
        status, body = try_request(b.base, "GET", f"/api/v1/skills/{name}")
        if status == 200 and json.loads(body).get("status") == "active":
            active = time.perf_counter()
            break
        time.sleep(0.002)
    else:
        raise SystemExit(f"{name} never became active; see {b.dir / 'bantz.log'}")
    while time.perf_counter() - t0 < 30:
        status, _ = try_request(b.base, "POST", "/api/v1/commands", {"command": f"{name}.count"})
        if status == 200:
            done = time.perf_counter()
            return {"active_ms": (active - t0) * 1000, "answers_ms": (done - t0) * 1000}
        time.sleep(0.002)
    raise SystemExit(f"{name} never answered")


RELOADS = [("uncached", "rename"), ("cached", "rename"), ("cached_copy", "copy")]


def bench_reload(args, work):
    wasm = args.test_skills / "counter.wasm"
    runs = {kind: [] for kind, _ in RELOADS}
    for i in range(args.reps):
        cache = work / f"cache-reload-{i}"
        # The first host compiles the skill; the later ones find it in the cache.
        for kind, how in RELOADS:
            b = Bantz(args, [args.skills / "clock.wasm"], cache, work)
            try:
                b.wait_ready()
                time.sleep(0.3)
                runs[kind].append(drop_and_wait(b, wasm, "counter", how))
            finally:
                b.stop()
    log(f"reload: {runs}")
    return {
        "skill": "dist/test-skills/counter.wasm",
        "size_bytes": wasm.stat().st_size,
        "runs": runs,
        **{k: summary([r["answers_ms"] for r in v]) for k, v in runs.items()},
    }


def bench_cold_start(args, work):
    skills = [args.skills / f"{n}.wasm" for n in ("clock", "calendar", "reminders", "weather")]
    skills.append(args.test_skills / "counter.wasm")
    runs = {"uncached": [], "cached": []}
    warm = work / "cache-cold-warm"
    for i in range(args.reps):
        for kind in ("uncached", "cached"):
            cache = work / f"cache-cold-fresh-{i}" if kind == "uncached" else warm
            b = Bantz(args, skills, cache, work)
            try:
                ready = b.wait_ready()
                runs[kind].append({"listening_ms": (b.listening - b.started) * 1000,
                                   "ready_ms": (ready - b.started) * 1000})
            finally:
                b.stop()
    log(f"cold start: {runs}")
    return {"skills": [str(Path(s).name) for s in skills], "runs": runs,
            **{k: summary([r["ready_ms"] for r in v]) for k, v in runs.items()}}


def warm_cache(args, skills, cache, work):
    b = Bantz(args, skills, cache, work)
    try:
        b.wait_ready()
    finally:
        b.stop()


async def sse_fanout(base, subscribers, events):
    host, port = base.removeprefix("http://").split(":")
    received = [[] for _ in range(subscribers)]
    connected = 0
    all_connected = asyncio.Event()
    writers = []

    async def subscriber(i):
        nonlocal connected
        reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 20)
        writers.append(writer)
        writer.write((f"GET /api/v1/notifications?types=system HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"event: connected"):
                connected += 1
                if connected == subscribers:
                    all_connected.set()
            elif line.startswith(b"event: notification"):
                received[i].append(time.perf_counter())

    tasks = []
    for i in range(subscribers):
        tasks.append(asyncio.create_task(subscriber(i)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(all_connected.wait(), 60)
    await asyncio.sleep(0.5)
    per_event = []
    for k in range(events):
        action = "disable" if k % 2 == 0 else "enable"
        t0 = time.perf_counter()
        status, _ = await asyncio.to_thread(request, base, "POST", f"/api/v1/skills/clock/{action}", {})
        answered = (time.perf_counter() - t0) * 1000
        deadline = time.perf_counter() + 10
        while sum(len(r) > k for r in received) < subscribers and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        lat = [(r[k] - t0) * 1000 for r in received if len(r) > k]
        per_event.append({"action": action, "status": status, "delivered": len(lat), "request_ms": answered,
                          "min_ms": min(lat, default=None),
                          "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99), "max_ms": max(lat, default=None)})
        await asyncio.sleep(0.3)
    for w in writers:
        w.close()
    for t in tasks:
        t.cancel()
    return per_event


def bench_sse(args, work):
    b = Bantz(args, [args.skills / "clock.wasm"], work / "cache-load", work)
    try:
        b.wait_ready()
        per_event = asyncio.run(sse_fanout(b.base, args.subscribers, 2 * args.reps))
        mem = rss(b.proc.pid)
    finally:
        b.stop()
    log(f"sse: {per_event}")
    return {"subscribers": args.subscribers, "events": per_event, "rss_mib_with_subscribers": mem["VmRSS"],
            "p50_ms": summary([e["p50_ms"] for e in per_event]), "p99_ms": summary([e["p99_ms"] for e in per_event])}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def machine(args):
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("grep MemTotal /proc/meminfo | awk '{print $2}'")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(int(mem or 0) / 1024 / 1024, 1),
        "kernel": platform.release(), "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "rustc": sh("rustc --version"), "python": platform.python_version(),
        "wrk": sh("wrk --version 2>&1 | head -1").split(" [")[0],
        "oha": sh(f"{args.oha} --version") if args.oha else None,
        "pinning": "server on core 0, load generator on core 1 (taskset)" if cores()[0] else "none",
    }


def fsync_latency(work, n=500):
    """ms for a 4 KiB append and fsync, n times, in the folder the hosts keep their databases."""
    path = work / "fsync-probe"
    times = []
    with open(path, "wb") as f:
        for _ in range(n):
            t0 = time.perf_counter()
            f.write(b"x" * 4096)
            f.flush()
            os.fsync(f.fileno())
            times.append((time.perf_counter() - t0) * 1000)
    path.unlink()
    return {"n": n, "p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": max(times)}


def cpu_times():
    """(busy, total) jiffies of all cores, and the jiffies each process has used."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    procs = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                stat = open(f"/proc/{pid}/stat").read()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
            procs[pid] = (name, int(rest[11]) + int(rest[12]))
    return sum(fields) - idle, sum(fields), procs


def busy(window=2.0):
    """What else used the cores over `window` seconds: the share of all cores busy, the busiest
    processes (percent of one core) and the load average."""
    b0, t0, p0 = cpu_times()
    time.sleep(window)
    b1, t1, p1 = cpu_times()
    hz = os.sysconf("SC_CLK_TCK")
    top = sorted(((p1[k][1] - p0[k][1]) / hz / window * 100, p1[k][0]) for k in p1 if k in p0)[::-1][:5]
    return {"loadavg": open("/proc/loadavg").read().split()[:3],
            "busy_percent": 100 * (b1 - b0) / max(1, t1 - t0),
            "top": [f"{pct:.0f}% {name}" for pct, name in top if pct >= 1]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bantz", type=Path, required=True)
    p.add_argument("--native-bantz", type=Path, help="the host built with --features bench-native-clock (baseline B)")
    p.add_argument("--oha", type=Path, help="oha, for the fixed-rate runs (default: target/bench-tools/bin/oha, PATH)")
    p.add_argument("--root", type=Path, required=True)
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--only", default="load,fastapi,reload,cold,sse")
    p.add_argument("--render-only", action="store_true", help="rewrite docs/benchmarks.md from docs/benchmarks.json")
    args = p.parse_args()
    if args.render_only:
        docs = args.root / "docs"
        (docs / "benchmarks.md").write_text(render(json.loads((docs / "benchmarks.json").read_text())))
        return
    args.root = args.root.resolve()
    args.bantz = args.bantz.resolve()
    args.native_bantz = args.native_bantz.resolve() if args.native_bantz else None
    if args.oha is None:
        local = args.root / "target/bench-tools/bin/oha"
        args.oha = local if local.exists() else shutil.which("oha")
    if args.oha is None:
        log("oha not found: the fixed-rate runs at half load are skipped")
    args.python = Path(sys.executable)
    args.skills = args.root / "dist/skills"
    args.test_skills = args.root / "dist/test-skills"
    work = args.root / "target/bench"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    args.lua = work / "request.lua"
    args.lua.write_text(WRK_LUA)
    only = args.only.split(",")

    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "machine": machine(args),
              "settings": {"duration_s": args.duration, "reps": args.reps, "connections": args.connections,
                           "wrk_threads": 1, "subscribers": args.subscribers,
                           "half_load_share": HALF_LOAD if args.oha else None},
              "binary": rel(args.bantz, args.root),
              "native_binary": rel(args.native_bantz, args.root) if args.native_bantz else None,
              "busy_before": busy(), "fsync": fsync_latency(work)}
    started = time.time()
    if "load" in only:
        report["bantz"], report["bantz_memory"] = bench_bantz_load(args, work)
        if args.native_bantz:  # right after the wasm runs, so both see the same machine
            report["native"] = bench_native_load(args, work)
    if "fastapi" in only:
        report["fastapi"], report["fastapi_memory"] = bench_fastapi_load(args, work)
    if "reload" in only:
        report["reload"] = bench_reload(args, work)
    if "cold" in only:
        warm_cache(args, [args.skills / f"{n}.wasm" for n in ("clock", "calendar", "reminders", "weather")]
                   + [args.test_skills / "counter.wasm"], work / "cache-cold-warm", work)
        report["cold_start"] = bench_cold_start(args, work)
    if "sse" in only:
        report["sse"] = bench_sse(args, work)
    report["busy_after"] = busy()
    report["elapsed_s"] = round(time.time() - started)
    docs = args.root / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "benchmarks.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (docs / "benchmarks.md").write_text(render(report))
    log(f"wrote docs/benchmarks.md and docs/benchmarks.json ({report['elapsed_s']} s)")


def rel(path, root):
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def busy_share(b):
    return f"{b['busy_percent']:.0f}%" if "busy_percent" in b else "unknown"


def busiest(b):
    return (" (" + ", ".join(f"`{t}`" for t in b["top"]) + ")") if b.get("top") else ""


def fmt(s, digits=1, unit=""):
    if not s:
        return "not measured"
    return f"{s['median']:.{digits}f}{unit} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


LABELS = {
    "health": "`GET /api/v1/health`",
    "chat_clock": "`POST /api/v1/chat` \"saat kaç\" (clock)",
    "command_clock": "`POST /api/v1/commands` `clock.now`",
    "chat_calendar_kv": "`POST /api/v1/chat` \"bugün neler var takvimimde\" (calendar, kv)",
}


def med(s):
    return s["median"] if s else None


def verdict(value, target, lower_is_better=True):
    if value is None:
        return "not measured"
    ok = value <= target if lower_is_better else value >= target
    return "**met**" if ok else "**missed**"


def render(r):
    m, st = r["machine"], r["settings"]
    out = [
        "# Benchmarks",
        "",
        "Generated by `cargo xtask bench` (bench/bench.py); raw numbers in `docs/benchmarks.json`. Reproduce:",
        "",
        "```sh",
        "cargo xtask bench            # about 5 minutes after two release builds; flags go to bench/bench.py, e.g. --duration 10 --reps 5",
        "```",
        "",
        "Performance claims here count only as **ratios measured in the same run on the same machine**; the",
        "absolute numbers depend on the machine and on what else it was doing (below).",
        "",
        "## Machine and run",
        "",
        f"- run: {r['date']}, {r['elapsed_s']} s in all",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; {m['os']}, kernel {m['kernel']}",
        f"- {m['rustc']}; host binary `{r['binary']}` (`cargo build --release -p bantz`); Python {m['python']}; {m['wrk']}",
        *([f"- baseline B binary `{r['native_binary']}` (`cargo build --release -p bantz --features bench-native-clock`)"]
          if r.get("native_binary") else []),
        f"- pinning: {m['pinning']}",
        f"- load: `wrk -t1 -c{st['connections']} -d{st['duration_s']}s --latency`, {st['reps']} runs per endpoint;"
        " every number is the **median (min–max)** of the runs",
        *([f"- fixed rate: `{m['oha']} --latency-correction -q <rate> -c{st['connections']} -z{st['duration_s']}s`"
           f" at {st['half_load_share']:.0%} of each endpoint's median maximum req/s, {st['reps']} runs"]
          if st.get("half_load_share") else []),
        *([f"- the disk: a 4 KiB append and fsync takes p50 {r['fsync']['p50_ms']:.2f} ms, p99 {r['fsync']['p99_ms']:.2f} ms,"
           f" max {r['fsync']['max_ms']:.2f} ms ({r['fsync']['n']} times, in target/bench); every chat answers only after"
           " its turn's commit is synced"] if "fsync" in r else []),
        f"- other work on the machine, measured over 2 s just before the run: {busy_share(r['busy_before'])}"
        f" of all cores busy{busiest(r['busy_before'])}; just after: {busy_share(r['busy_after'])}"
        f"{busiest(r['busy_after'])} (load averages {' '.join(r['busy_before']['loadavg'])} before, which lag"
        " behind, e.g. the release builds just before)",
        "",
    ]
    if r["busy_before"].get("busy_percent", 100) > 10:
        out += [
            f"> **Note:** the machine was not idle: {busy_share(r['busy_before'])} of the cores were busy when the run"
            " started (see the busiest processes above), so the absolute numbers are lower and noisier than on a"
            " quiet machine. Both servers ran in the same session, one after the other, so the ratios are the"
            " meaningful numbers, with the min–max spread as their noise.",
            "",
        ]
    if "bantz" in r and "fastapi" in r:
        out += [
            "## Throughput and latency (Bantz vs baseline A, FastAPI + uvicorn)",
            "",
            "Baseline A is `bench/baselines/fastapi_app.py`: the same four endpoints, the same routing rules",
            "(the clock's intent templates compiled to regular expressions, Turkish-aware normalisation), SQLite",
            "for the calendar's kv read and for storing each chat turn, bearer-token auth; one uvicorn worker",
            "(uvloop, httptools), on the same core as the host.",
            "",
            "| endpoint | Bantz req/s | FastAPI req/s | ratio | Bantz p50 ms | Bantz p99 ms | FastAPI p50 ms | FastAPI p99 ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, label in LABELS.items():
            b, f = r["bantz"][name], r["fastapi"][name]
            ratio = med(b["rps"]) / med(f["rps"])
            out.append(
                f"| {label} | {fmt(b['rps'], 0)} | {fmt(f['rps'], 0)} | {ratio:.2f}× | {fmt(b['p50_ms'], 2)} |"
                f" {fmt(b['p99_ms'], 2)} | {fmt(f['p50_ms'], 2)} | {fmt(f['p99_ms'], 2)} |"
            )
        errors = {
            f"{who} {name}": sum(run["non_2xx"] for run in r[who][name]["runs"])
            for who in ("bantz", "fastapi") for name in LABELS
        }
        bad = {k: v for k, v in errors.items() if v}
        out += ["", "Non-2xx responses during the runs: " + (", ".join(f"{k}: {v}" for k, v in bad.items()) if bad else "none") + ".", ""]
    if "bantz" in r and "native" in r:
        out += [
            "## The wasm boundary (Bantz vs baseline B, the clock compiled natively into the host)",
            "",
            "Baseline B is the same host built with `--features bench-native-clock`: `clock.now` is answered by",
            "the clock skill's own formatting code (`skills/clock/src/now.rs`) compiled into the host, instead of",
            "a fresh wasm instance. Call slots, deadline and statistics stay as they are, and the same skills are",
            "loaded (so routing sees the same intents); only the wasm boundary is gone. Run right after the wasm",
            "runs, with the same pinning and settings.",
            "",
            "| endpoint | Bantz (wasm) req/s | native req/s | native/wasm | wasm p50 ms | wasm p99 ms | native p50 ms | native p99 ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name in NATIVE_ENDPOINTS:
            b, n = r["bantz"][name], r["native"][name]
            out.append(
                f"| {LABELS[name]} | {fmt(b['rps'], 0)} | {fmt(n['rps'], 0)} | {med(n['rps']) / med(b['rps']):.2f}× |"
                f" {fmt(b['p50_ms'], 2)} | {fmt(b['p99_ms'], 2)} | {fmt(n['p50_ms'], 2)} | {fmt(n['p99_ms'], 2)} |"
            )
        bad = {name: sum(run["non_2xx"] for run in r["native"][name]["runs"]) for name in NATIVE_ENDPOINTS}
        bad = {k: v for k, v in bad.items() if v}
        out += ["", "Non-2xx responses of baseline B: "
                + (", ".join(f"{k}: {v}" for k, v in bad.items()) if bad else "none") + ".", ""]
    if any("half_load" in r.get(who, {}).get(name, {}) for who in ("bantz", "fastapi") for name in LABELS):
        out += [
            "## Latency at half of the maximum load (fixed rate)",
            "",
            f"oha sends a fixed {st['half_load_share']:.0%} of the median maximum req/s that wrk measured just before for",
            "the same endpoint and server, over the same connections, and counts each request's latency from",
            "when it was due (`--latency-correction`), so a server that stalls cannot hide its queue. Achieved is",
            "what oha managed to send; well under the target rate means the client or the server could not keep up.",
            "",
            "| endpoint | server | rate, req/s | achieved req/s | p50 ms | p99 ms | max ms | non-2xx |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, label in LABELS.items():
            for who, server in (("bantz", "Bantz"), ("fastapi", "FastAPI")):
                h = r.get(who, {}).get(name, {}).get("half_load")
                if not h:
                    continue
                out.append(
                    f"| {label} | {server} | {h['target_rps']:.0f} | {fmt(h['rps'], 0)} | {fmt(h['p50_ms'], 2)} |"
                    f" {fmt(h['p99_ms'], 2)} | {fmt(h['max_ms'], 1)} | {sum(x['non_2xx'] for x in h['runs'])} |"
                )
        out.append("")
    if "bantz_memory" in r:
        bm, fm = r["bantz_memory"], r.get("fastapi_memory", {})
        out += [
            "## Memory (RSS, MiB, from /proc/<pid>/status)",
            "",
            "| | idle (`VmRSS`, 1 s after ready) | peak under load (`VmHWM`) |",
            "|---|---|---|",
            f"| Bantz (clock + calendar loaded from the compile cache) | {bm['idle_mib']:.1f} | {bm['peak_mib']:.1f} |",
        ]
        if "idle_after_compile_mib" in bm:
            out.append(f"| Bantz, first start (compiled the two skills) | {bm['idle_after_compile_mib']:.1f} | — |")
        if fm:
            out.append(f"| FastAPI + uvicorn | {fm['idle_mib']:.1f} | {fm['peak_mib']:.1f} |")
        out.append("")
    if "reload" in r:
        rl = r["reload"]
        out += [
            "## Hot reload",
            "",
            f"`{rl['skill']}` ({rl['size_bytes'] / 1024:.0f} KiB) copied under a dot name into the watched folder of a",
            "running host (clock loaded), then renamed into place; the time from the rename until",
            "`GET /api/v1/skills/counter` says `active` and `counter.count` answers 200 (polled every 2 ms).",
            "Uncached: the host has a fresh `--cache-dir`; cached: a later host shares the first one's cache.",
            "Plain copy: copied straight into place (no rename), timed from the start of the copy; the host",
            "loads it when the copy closes the file.",
            "",
            "| | until active, ms | until it answers, ms |",
            "|---|---|---|",
        ]
        labels = {"uncached": "uncached", "cached": "cached", "cached_copy": "cached, plain copy"}
        for kind in rl["runs"]:
            out.append(f"| {labels.get(kind, kind)} | {fmt(summary([x['active_ms'] for x in rl['runs'][kind]]))}"
                       f" | {fmt(rl[kind])} |")
        out.append("")
    if "cold_start" in r:
        cs = r["cold_start"]
        out += [
            "## Cold start",
            "",
            f"From spawning `bantz serve` to `GET /api/v1/ready` = 200, with 5 skills ({', '.join(cs['skills'])}).",
            "Uncached: a fresh `--cache-dir`; cached: one a previous host filled.",
            "",
            "| | until `listening` printed, ms | until ready, ms |",
            "|---|---|---|",
        ]
        for kind in ("uncached", "cached"):
            out.append(
                f"| {kind} | {fmt(summary([x['listening_ms'] for x in cs['runs'][kind]]))} | {fmt(cs[kind])} |"
            )
        out.append("")
    if "sse" in r:
        ss = r["sse"]
        out += [
            "## SSE fan-out",
            "",
            f"{ss['subscribers']} subscribers on `GET /api/v1/notifications?types=system` (one asyncio client process,",
            "pinned to the other core, raw HTTP/1.1 streams); the event is `POST /api/v1/skills/clock/disable`",
            "(then `enable`), timed from just before the request is sent to the arrival of the `notification`",
            "event on each stream. So the number includes the disable request itself, and the client reading",
            f"{ss['subscribers']} sockets on one core. RSS with all subscribers: {ss['rss_mib_with_subscribers']:.1f} MiB.",
            "",
            "| event | delivered | request answered, ms | first delivery, ms | p50 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|",
        ]
        for e in ss["events"]:
            out.append(
                f"| {e['action']} | {e['delivered']}/{ss['subscribers']} | {e['request_ms']:.1f} | {e['min_ms']:.1f} |"
                f" {e['p50_ms']:.1f} | {e['p99_ms']:.1f} |"
                f" {e['max_ms']:.1f} |"
            )
        out += ["", f"Over the events: p50 {fmt(ss['p50_ms'])} ms, p99 {fmt(ss['p99_ms'])} ms.", ""]

    out += ["## Targets of issue 8", "", "| target | measured | verdict |", "|---|---|---|"]
    if "bantz" in r and "fastapi" in r:
        ratio = med(r["bantz"]["chat_clock"]["rps"]) / med(r["fastapi"]["chat_clock"]["rps"])
        out.append(f"| chat through wasm ≥ 10× FastAPI's throughput | {ratio:.2f}× | {verdict(ratio, 10, False)} |")
    if "bantz" in r and "native" in r:
        ratios = {n: med(r["native"][n]["rps"]) / med(r["bantz"][n]["rps"]) for n in ("chat_clock", "command_clock")}
        out.append(
            f"| chat through wasm within 1.5× of native (baseline B) | native does {ratios['chat_clock']:.2f}× the chat"
            f" throughput ({ratios['command_clock']:.2f}× for `clock.now` alone) | {verdict(ratios['chat_clock'], 1.5)} |"
        )
    else:
        out.append("| chat through wasm within 1.5× of native (baseline B) | — | not measured: run with `--native-bantz` |")
    if "bantz" in r:
        half = {n: r["bantz"][n].get("half_load") for n in LABELS}
        if half["chat_clock"]:
            short = {"health": "health", "chat_clock": "chat (clock)", "command_clock": "`clock.now` command",
                     "chat_calendar_kv": "chat (calendar, kv)"}
            measured = "; ".join(f"{short[n]} {med(h['p99_ms']):.2f} ms at {h['target_rps']:.0f} req/s"
                                 for n, h in half.items() if h)
            verdicts = "; ".join(f"{short[n]} {verdict(med(h['p99_ms']), 5)}" for n, h in half.items() if h)
            out.append(f"| p99 < 5 ms at half of max load (chat is the one that counts) | {measured} | {verdicts} |")
        else:
            p99 = med(r["bantz"]["chat_clock"]["p99_ms"])
            out.append(
                f"| p99 < 5 ms at half of max load | chat p99 {p99:.2f} ms at **full** load ({st['connections']} connections)"
                f" | {verdict(p99, 5)} at full load; half load not measured (no oha) |"
            )
    if "reload" in r:
        out.append(f"| reload ≤ 300 ms uncached | {med(r['reload']['uncached']):.0f} ms | {verdict(med(r['reload']['uncached']), 300)} |")
        out.append(f"| reload ≤ 50 ms cached | {med(r['reload']['cached']):.0f} ms | {verdict(med(r['reload']['cached']), 50)} |")
    if "cold_start" in r:
        out.append(f"| cold start ≤ 200 ms cached | {med(r['cold_start']['cached']):.0f} ms | {verdict(med(r['cold_start']['cached']), 200)} |")
    if "bantz_memory" in r:
        idle = r["bantz_memory"]["idle_mib"]
        first = r["bantz_memory"].get("idle_after_compile_mib")
        note = f"; {first * 1.048576:.0f} MB on the first start, which compiled them" if first else ""
        out.append(f"| idle RSS ≤ 50 MB | {idle * 1.048576:.0f} MB ({idle:.0f} MiB), skills from the compile cache{note}"
                   f" | {verdict(idle * 1.048576, 50)} |")
    if "sse" in r:
        p99 = med(r["sse"]["p99_ms"])
        out.append(f"| SSE p99 ≤ 50 ms at 1,000 subscribers | {p99:.1f} ms ({r['sse']['subscribers']} subscribers) | {verdict(p99, 50) if r['sse']['subscribers'] >= 1000 else 'not at 1,000 subscribers'} |")
    analysis = Path(__file__).with_name("analysis.md")
    if analysis.exists():
        out += ["", analysis.read_text().rstrip()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
