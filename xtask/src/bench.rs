//! `cargo xtask bench [bench.py flags…]`: the benchmarks of issue 8, in one command.
//!
//! Prepares what the run needs (the skills, a release build of the host, `wrk` from Debian when
//! it is missing, a venv under target/ with FastAPI and uvicorn from PyPI for baseline A), then
//! runs bench/bench.py, which measures and writes docs/benchmarks.md and docs/benchmarks.json.
//! Extra arguments go to bench.py (`--duration 5 --reps 3 --connections 16 --subscribers 1000
//! --only load,fastapi,reload,cold,sse`).

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, build_skills, cargo, root, run, step};

pub fn bench(extra: &[String]) -> Result {
    build_skills()?;
    step("cargo build --release -p bantz");
    run(cargo().args(["build", "--release", "--package", "bantz"]))?;
    ensure_wrk()?;
    let python = bench_venv()?;
    step("running bench/bench.py (about 4 minutes)");
    let root = root();
    run(Command::new(python)
        .arg(root.join("bench/bench.py"))
        .arg("--bantz")
        .arg(root.join("target/release/bantz"))
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

/// target/bench-venv with FastAPI and uvicorn (baseline A); created on first use.
fn bench_venv() -> Result<PathBuf> {
    crate::venv(
        "target/bench-venv",
        "fastapi, uvicorn, uvloop, httptools",
        &["fastapi>=0.110", "uvicorn[standard]>=0.29"],
    )
}
