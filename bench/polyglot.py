#!/usr/bin/env python3
"""What a skill with an interpreter inside costs: load time (uncached and from the compile cache)
and per-call latency, for a Python, a JavaScript and a Rust skill side by side.

Run by `cargo xtask bench polyglot`, which builds the skills and the release host first and puts
the table this prints (between `<<<polyglot` and `polyglot>>>`) into docs/benchmarks.md. Standard
library only; it talks to the real binary over HTTP on 127.0.0.1.

Load time is the time from starting `bantz serve` until it listens (it scans the skills folder
first), minus the same for an empty folder. A call is `POST /api/v1/commands` of a read-only
command, one at a time: every call instantiates the skill afresh, as always.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request

TOKEN = "bench-token-0123456789"

# (language, skill, command): read-only commands, so every call does the same work.
SKILLS = [
    ("Rust", "clock", "clock.now"),
    ("Python", "lists", "lists.show"),
    ("JavaScript", "timers", "timers.list"),
]


def start(bantz, skills_dir, data_dir, cache_dir):
    """Starts bantz; returns (process, base URL, seconds until it listened)."""
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANTZ_")}
    env["BANTZ_API_TOKEN"] = TOKEN
    env["BANTZ_LOG"] = "warn"
    env["BANTZ_RATE_LIMITS__COMMANDS"] = "0"
    process = subprocess.Popen(
        [bantz, "serve", "--host", "127.0.0.1", "--port", "0", "--skills-dir", skills_dir,
         "--data-dir", data_dir, "--cache-dir", cache_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    for line in process.stdout:
        if line.startswith("bantz listening on "):
            base = line.split()[3]
            return process, base, time.perf_counter() - started
    raise SystemExit(f"bantz did not start (exit {process.wait()})")


def stop(process):
    process.terminate()
    process.wait(timeout=30)


def post(base, path, body):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def get(base, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(bantz, dist, skill, command, calls):
    with tempfile.TemporaryDirectory() as tmp:
        skills_dir = os.path.join(tmp, "skills")
        os.makedirs(skills_dir)
        cache = os.path.join(tmp, "cache")
        empty = os.path.join(tmp, "empty")
        os.makedirs(empty)
        # The host's own start, to subtract.
        process, _, base_start = start(bantz, empty, os.path.join(tmp, "data0"), os.path.join(tmp, "c0"))
        stop(process)
        source = os.path.join(dist, f"{skill}.wasm")
        shutil.copy(source, skills_dir)
        process, _, uncached = start(bantz, skills_dir, os.path.join(tmp, "data1"), cache)
        stop(process)
        process, base, cached = start(bantz, skills_dir, os.path.join(tmp, "data2"), cache)
        try:
            post(base, "/api/v1/commands", {"command": command, "args": {}})  # warm up
            client = []
            for _ in range(calls):
                t = time.perf_counter()
                post(base, "/api/v1/commands", {"command": command, "args": {}})
                client.append((time.perf_counter() - t) * 1000)
            report = get(base, f"/api/v1/skills/{skill}")
        finally:
            stop(process)
        return {
            "size_mb": os.path.getsize(source) / 1e6,
            "load_uncached_s": max(0.0, uncached - base_start),
            "load_cached_ms": max(0.0, cached - base_start) * 1000,
            "call_p50_ms": report["latency_p50_ms"],
            "call_p99_ms": report["latency_p99_ms"],
            "client_p50_ms": statistics.median(client),
            "client_p99_ms": percentile(client, 99),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bantz", required=True)
    parser.add_argument("--dist", required=True)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    rows = []
    for language, skill, command in SKILLS:
        m = measure(args.bantz, args.dist, skill, command, args.calls)
        print(f"{language}: {json.dumps(m)}", flush=True)
        rows.append((language, skill, command, m))
    print("<<<polyglot")
    print("| skill | component | load, uncached | load, cached | call p50 / p99 (host) | "
          "call p50 / p99 (client, HTTP included) |")
    print("|---|---:|---:|---:|---:|---:|")
    for language, skill, command, m in rows:
        print(f"| {language}: `{command}` | {m['size_mb']:.1f} MB | {m['load_uncached_s']:.1f} s | "
              f"{m['load_cached_ms']:.0f} ms | {m['call_p50_ms']} / {m['call_p99_ms']} ms | "
              f"{m['client_p50_ms']:.1f} / {m['client_p99_ms']:.1f} ms |")
    print("polyglot>>>")


if __name__ == "__main__":
    main()
