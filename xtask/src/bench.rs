//! `cargo xtask bench [bench.py flags…]`: the benchmarks of issue 8, in one command.
//!
//! Prepares what the run needs (the skills; two release builds of the host, the normal one and
//! one with the bench-only feature `bench-native-clock` for baseline B; `wrk` from Debian when it
//! is missing; `oha` from crates.io under target/bench-tools for the fixed-rate runs; a venv
//! under target/ with FastAPI and uvicorn from PyPI for baseline A), then runs bench/bench.py,
//! which measures and writes docs/benchmarks.md and docs/benchmarks.json.
//! Extra arguments go to bench.py (`--duration 5 --reps 3 --connections 16 --subscribers 1000
//! --only load,fastapi,reload,cold,sse`).
//!
//! `cargo xtask bench routing` is separate and takes about a minute: the routing
//! micro-benchmark (an ignored test in host/src/brain/router/bench.rs, run in release mode),
//! whose table replaces the "Routing" section of docs/benchmarks.md. The full bench rewrites
//! that file and keeps the section as it was.
//!
//! `cargo xtask bench app` is separate too, and takes a minute once the host is built: the app's
//! size and first load in Chromium (app.rs), into the "The app" section.
//!
//! `cargo xtask bench soak` is separate too, and takes a few minutes: the hot-swap soak of issue
//! 13 (an ignored test in tests/tests/runtime.rs, run against the release build), which
//! replaces a skill file 1,000 times while clients chat, and whose table replaces the "Hot-swap
//! soak" section. The full bench keeps that section as well.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, build_skills, cargo, root, run, step};

/// The version of oha the fixed-rate runs use, so runs on different machines compare.
const OHA_VERSION: &str = "1.16.0";

pub fn bench(extra: &[String]) -> Result {
    if extra.first().map(String::as_str) == Some("routing") {
        return routing();
    }
    if extra.first().map(String::as_str) == Some("soak") {
        return soak();
    }
    if extra.first().map(String::as_str) == Some("polyglot") {
        return polyglot();
    }
    if extra.first().map(String::as_str) == Some("app") {
        return crate::app::bench();
    }
    build_skills()?;
    let root = root();
    let report = root.join("docs/benchmarks.md");
    let kept: Vec<(&str, Option<String>)> = [
        ROUTING_HEADING,
        SOAK_HEADING,
        POLYGLOT_HEADING,
        crate::app::HEADING,
    ]
    .into_iter()
    .map(|heading| {
        let text = std::fs::read_to_string(&report).ok();
        let kept = text.and_then(|t| section(&t, heading).map(str::to_owned));
        (heading, kept)
    })
    .collect();
    let release = root.join("target/release");
    // Baseline B first, under its own name, so target/release/bantz is the normal build after.
    step("cargo build --release -p bantz --features bench-native-clock (baseline B)");
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "bantz",
        "--features",
        "bench-native-clock",
    ]))?;
    let native = release.join("bantz-native-clock");
    std::fs::copy(release.join("bantz"), &native).map_err(|e| {
        format!(
            "cannot copy target/release/bantz to {}: {e}",
            native.display()
        )
    })?;
    step("cargo build --release -p bantz");
    run(cargo().args(["build", "--release", "--package", "bantz"]))?;
    ensure_wrk()?;
    let oha = ensure_oha()?;
    let python = bench_venv()?;
    step("running bench/bench.py (about 5 minutes)");
    let ran = run(Command::new(python)
        .arg(root.join("bench/bench.py"))
        .arg("--bantz")
        .arg(release.join("bantz"))
        .arg("--native-bantz")
        .arg(&native)
        .arg("--oha")
        .arg(&oha)
        .arg("--root")
        .arg(&root)
        .args(extra));
    // bench.py writes the whole report: put the routing, soak and polyglot figures back.
    for (heading, content) in kept {
        if let Some(content) = content {
            write_section(&report, heading, &content)?;
        }
    }
    ran
}

/// The heading of the routing micro-benchmark's section in docs/benchmarks.md.
const ROUTING_HEADING: &str = "## Routing";

/// `cargo xtask bench routing`: runs the routing micro-benchmark in release mode and writes
/// its table into the "Routing" section of docs/benchmarks.md.
fn routing() -> Result {
    build_skills()?;
    step("the routing micro-benchmark (cargo test --release, about a minute once built)");
    // The build's progress shows on stderr; the report comes on stdout.
    let out = crate::output(cargo().stderr(std::process::Stdio::inherit()).args([
        "test",
        "--release",
        "--package",
        "bantz",
        "--lib",
        "brain::router::bench::routing_benchmark",
        "--",
        "--ignored",
        "--exact",
        "--nocapture",
    ]))?;
    let table = report(&out, "routing", "the benchmark")?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let section = format!(
        "{ROUTING_HEADING}\n\n\
         Generated by `cargo xtask bench routing`: in-process routing (tokenize and route one \
         message, one thread, release build) on {cpu}, {}. The messages are the utterances of \
         tests/eval (and one per synthetic skill); the adversarial ones are 40 to 60 words of \
         `a`, which every hostile template could start to match. Targets (issue 12): p99 ≤ 1 ms \
         with the first-party skills, ≤ 5 ms with 100 extra skills. The adversarial messages stop \
         at the routing budget (`ROUTING_BUDGET`, 300,000 matcher steps), so their time is the \
         budget's; the hostile skill does not slow other messages.\n\n{table}",
        utc_now(),
    );
    write_section(
        &root().join("docs/benchmarks.md"),
        ROUTING_HEADING,
        &section,
    )
}

/// The heading of the hot-swap soak's section in docs/benchmarks.md.
const SOAK_HEADING: &str = "## Hot-swap soak";

/// `cargo xtask bench soak`: builds the release host and the skills, runs the hot-swap soak
/// (tests/tests/runtime.rs, `hot_swap_soak_benchmark`) against it, and writes its table into
/// the "Hot-swap soak" section of docs/benchmarks.md.
fn soak() -> Result {
    let skills = build_skills()?;
    step("cargo build --release -p bantz");
    run(cargo().args(["build", "--release", "--package", "bantz"]))?;
    step("the hot-swap soak (1,000 swaps under chat load; a few minutes)");
    let out = crate::output(
        cargo()
            .stderr(std::process::Stdio::inherit())
            .env("BANTZ_BIN", root().join("target/release/bantz"))
            .env("BANTZ_TEST_SKILLS", &skills)
            .args([
                "test",
                "--package",
                "bantz-tests",
                "--test",
                "runtime",
                "hot_swap_soak_benchmark",
                "--",
                "--ignored",
                "--exact",
                "--nocapture",
            ]),
    )?;
    let table = report(&out, "soak", "the soak")?;
    let section = format!(
        "{SOAK_HEADING}\n\n\
         Generated by `cargo xtask bench soak` on {}, release build: clock.wasm is replaced by \
         a variant (renamed into place) 1,000 times while four clients chat `saat kaç` without \
         pause; every tenth swap is waited for until it serves. A chat fails unless it answers \
         200 from the clock. RSS is measured after 50 warm-up chats and after the last swap \
         serves. Targets (issue 13): zero failed chats; RSS at the end within 20% of the start.\n\n\
         {table}\n\
         The host caps glibc's malloc arenas at two (`M_ARENA_MAX`, set in host/src/main.rs \
         unless `MALLOC_ARENA_MAX` is). With glibc's default of up to eight arenas per core, the \
         same soak ended at +509% (37.8 → 230.4 MiB): loads, swaps and calls run on whichever \
         tokio or blocking thread is free, each such thread got an arena of its own, and freed \
         pages stayed in them. No module leaked: one or two loaded clock modules were alive at the \
         end, and the pooling allocator's warm slots are small. Short spikes of about 160 MiB \
         during the run are not yet explained.\n",
        utc_now(),
    );
    write_section(&root().join("docs/benchmarks.md"), SOAK_HEADING, &section)
}

/// The date and time now, in UTC, from the system's `date`.
pub(crate) fn utc_now() -> String {
    crate::output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]))
        .map(|d| d.trim().to_owned())
        .unwrap_or_default()
}

/// The section of `text` under `heading`, up to the next heading of its level.
fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let start = text.find(&format!("\n{heading}\n"))? + 1;
    let end = text[start + heading.len()..]
        .find("\n## ")
        .map_or(text.len(), |i| start + heading.len() + i + 1);
    Some(&text[start..end])
}

/// The report a benchmark printed between `<<<name` and `name>>>` in its output `out`, echoed to
/// stderr; `source` names the benchmark in the error when there is none.
pub(crate) fn report<'a>(out: &'a str, name: &str, source: &str) -> Result<&'a str> {
    let table = out
        .split_once(&format!("<<<{name}\n"))
        .and_then(|(_, rest)| rest.split_once(&format!("{name}>>>")))
        .map(|(table, _)| table)
        .ok_or_else(|| format!("{source} printed no report:\n{out}"))?;
    eprint!("{table}");
    Ok(table)
}

/// Replaces the section under `heading` in the file at `path` with `content` (or appends it).
pub(crate) fn write_section(path: &std::path::Path, heading: &str, content: &str) -> Result {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let content = content.trim_end();
    let updated = match section(&text, heading) {
        Some(old) if text.ends_with(old) => text.replacen(old, &format!("{content}\n"), 1),
        Some(old) => text.replacen(old, &format!("{content}\n\n"), 1),
        None => format!("{}\n\n{content}\n", text.trim_end()),
    };
    std::fs::write(path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn has(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
}

/// wrk is the load generator; on Debian it is one package away.
fn ensure_wrk() -> Result {
    if has("wrk", "--version") {
        return Ok(());
    }
    if !has("apt-get", "--version") {
        return Err("bench needs wrk (https://github.com/wg/wrk): install it and run again".into());
    }
    step("wrk is missing: installing it with `apt-get install -y wrk`");
    let sudo = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() != "0");
    let mut cmd = if sudo {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    } else {
        Command::new("apt-get")
    };
    run(cmd.args(["install", "-y", "wrk"]))
}

/// oha is the fixed-rate load generator (wrk only saturates); installed from crates.io into
/// target/bench-tools on first use.
fn ensure_oha() -> Result<PathBuf> {
    let tools = root().join("target/bench-tools");
    let oha = tools.join("bin/oha");
    if oha.exists() {
        return Ok(oha);
    }
    step(&format!(
        "oha is missing: `cargo install oha --version {OHA_VERSION} --locked --root target/bench-tools` (a few minutes, once)"
    ));
    run(cargo()
        .args([
            "install",
            "oha",
            "--locked",
            "--version",
            OHA_VERSION,
            "--root",
        ])
        .arg(&tools))?;
    Ok(oha)
}

/// target/bench-venv with FastAPI and uvicorn (baseline A); created on first use.
fn bench_venv() -> Result<PathBuf> {
    crate::venv(
        "target/bench-venv",
        "fastapi, uvicorn, uvloop, httptools",
        &["fastapi>=0.110", "uvicorn[standard]>=0.29"],
    )
}

/// The heading of the section on skills in Python and JavaScript in docs/benchmarks.md.
const POLYGLOT_HEADING: &str = "## Skills in Python and JavaScript";

/// `cargo xtask bench polyglot`: what a skill with an interpreter inside costs, next to a Rust
/// one (bench/polyglot.py, against the release host): load time uncached and from the compile
/// cache, and per-call p50/p99. Writes the "Skills in Python and JavaScript" section of
/// docs/benchmarks.md; a few minutes once the release host is built.
fn polyglot() -> Result {
    let dist = build_skills()?;
    step("cargo build --release -p bantz");
    run(cargo().args(["build", "--release", "--package", "bantz"]))?;
    step("bench/polyglot.py: a Rust, a Python and a JavaScript skill (a few minutes)");
    let root = root();
    let out = crate::output(
        Command::new("python3")
            .stderr(std::process::Stdio::inherit())
            .arg(root.join("bench/polyglot.py"))
            .arg("--bantz")
            .arg(root.join("target/release/bantz"))
            .arg("--dist")
            .arg(&dist),
    )?;
    let table = report(&out, "polyglot", "bench/polyglot.py")?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let section = format!(
        "{POLYGLOT_HEADING}\n\n\
         Generated by `cargo xtask bench polyglot` on {}, {cores} cores: the same release host \
         with one skill each, built as `cargo xtask skills` builds them. *Load* is the time \
         `bantz serve` takes to load the skill before it listens (its own start subtracted): \
         uncached, Cranelift compiles the component; cached, it is read from the compile cache. \
         A *call* is `POST /api/v1/commands` of a read-only command, one at a time, and every \
         call gets a fresh instance from the skill's `InstancePre` (pooling allocator, \
         copy-on-write memory images); *host* is the skill's own p50/p99 from \
         `/api/v1/skills/{{name}}` (instantiate, run, reply), *client* adds HTTP and routing.\n\n\
         {table}\n\
         Both interpreters are pre-initialised at build time (componentize-py and \
         componentize-js snapshot the engine after the skill's module has run), so a call \
         starts from that snapshot, mapped copy-on-write, and pays no interpreter start-up. The \
         size is the interpreter: about 18 MB for Python, 13 MB for SpiderMonkey, against some \
         100 KB for a Rust skill, so the first load compiles for tens of seconds; after that it \
         comes from the cache. A Python call, about 3 ms at p50, is mostly wasmtime \
         instantiating componentize-py's component: 14 core modules and 71 core instances \
         linked like shared libraries, thousands of imported functions and a table of some \
         5,800 entries to fill for every instance (a profile of the debug host put 82% of a \
         call there and 4% in the guest's Python); switching Python's cycle collector off made \
         no measurable difference.\n",
        utc_now(),
    );
    write_section(&root.join("docs/benchmarks.md"), POLYGLOT_HEADING, &section)
}
