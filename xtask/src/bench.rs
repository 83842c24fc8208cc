//! `cargo xtask bench [bench.py flags…]`: the benchmarks of issue 8, in one command.
//!
//! Prepares what the run needs (the skills; two release builds of the host, the normal one and
//! one with the bench-only feature `bench-native-clock` for baseline B; `wrk` from Debian when it
//! is missing; `oha` from crates.io under target/bench-tools for the fixed-rate runs; a venv
//! under target/ with FastAPI and uvicorn from PyPI for baseline A), then runs bench/bench.py,
//! which measures and writes docs/benchmarks.md and docs/benchmarks.json.
//! Extra arguments go to bench.py (`--duration 5 --reps 3 --connections 16 --subscribers 1000
//! --only load,fastapi,reload,cold,sse`).

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, build_skills, cargo, root, run, step};

/// The version of oha the fixed-rate runs use, so runs on different machines compare.
const OHA_VERSION: &str = "1.16.0";

pub fn bench(extra: &[String]) -> Result {
    build_skills()?;
    let root = root();
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
    run(Command::new(python)
        .arg(root.join("bench/bench.py"))
        .arg("--bantz")
        .arg(release.join("bantz"))
        .arg("--native-bantz")
        .arg(&native)
        .arg("--oha")
        .arg(&oha)
        .arg("--root")
        .arg(&root)
        .args(extra))
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
