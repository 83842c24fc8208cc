//! `cargo xtask`: the project's build and check tasks.
//!
//! - `cargo xtask skills`   build every skill in skills/ to dist/skills/*.wasm
//! - `cargo xtask serve`    build the skills, then run the host with embedded defaults
//! - `cargo xtask test`     everything CI checks: fmt, clippy, skills, tests, spec drift
//! - `cargo xtask openapi [--check]`  write openapi/openapi.json, or fail if it drifted
//! - `cargo xtask bench`    the benchmarks: docs/benchmarks.md and docs/benchmarks.json
//! - `cargo xtask clients [--e2e]`  generate the API clients into target/clients (see clients.rs)

mod bench;
mod clients;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("skills") => build_skills().map(|_| ()),
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("openapi") => openapi(args.get(1).map(String::as_str) == Some("--check")),
        Some("clients") => clients::clients(args.get(1).map(String::as_str) == Some("--e2e")),
        Some("bench") => bench::bench(&args[1..]),
        _ => Err(
            "usage: cargo xtask <skills | serve [bantz flags…] | test | openapi [--check] | clients [--e2e] | bench [options]>".into(),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn step(title: &str) {
    eprintln!("\n==> {title}");
}

fn run(cmd: &mut Command) -> Result {
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// How to build for wasm32-wasip2 on this machine.
enum Toolchain {
    /// rustup with the target installed: the ordinary path.
    Rustup,
    /// Debian's rustc-web with its std source, lld-19 and wasi-libc (std built from source).
    Debian,
}

fn find_toolchain() -> Result<Toolchain> {
    let rustup_has_target = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
        });
    if rustup_has_target {
        return Ok(Toolchain::Rustup);
    }
    let debian_rustc_knows_target = Command::new("/usr/bin/rustc")
        .args(["--print", "target-list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
        });
    let debian_ready = debian_rustc_knows_target
        && Path::new("/usr/bin/cargo").exists()
        && Path::new("/usr/lib/rustlib/src/rust/library").exists()
        && Path::new("/usr/lib/llvm-19/bin/wasm-ld").exists()
        && Path::new("/usr/lib/wasm32-wasi").exists();
    if debian_ready {
        return Ok(Toolchain::Debian);
    }
    Err(format!(
        "no Rust toolchain that builds for {WASM_TARGET} was found. Install one of:\n\
         \x20 - with rustup and internet:  rustup target add {WASM_TARGET}\n\
         \x20 - on Debian 12 (bookworm):    apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc\n\
         then run this command again."
    ))
}

/// Builds every skill in skills/ and copies the components to dist/skills. Returns that dir.
fn build_skills() -> Result<PathBuf> {
    let root = root();
    let target_dir = root.join("target/skills");
    let mut cmd;
    match find_toolchain()? {
        Toolchain::Rustup => {
            step(&format!(
                "building skills for {WASM_TARGET} (rustup toolchain)"
            ));
            cmd = Command::new("cargo");
            cmd.args(["build", "--release", "--target", WASM_TARGET]);
        }
        Toolchain::Debian => {
            step(&format!(
                "building skills for {WASM_TARGET} (Debian rustc-web, std from source)"
            ));
            cmd = Command::new("/usr/bin/cargo");
            let path = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("/usr/lib/llvm-19/bin:{path}"))
                .env("RUSTC", "/usr/bin/rustc")
                .env("RUSTC_BOOTSTRAP", "1")
                .args([
                    "build",
                    "--release",
                    "--target",
                    WASM_TARGET,
                    "-Zbuild-std=std,panic_abort",
                    // Joined to skills/.cargo/config.toml's flags (RUSTFLAGS would replace them).
                    "--config",
                    "target.wasm32-wasip2.rustflags = [\"-L\", \"native=/usr/lib/wasm32-wasi\"]",
                ]);
        }
    }
    // The host workspace's cargo settings must not leak into the skills' build.
    cmd.env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    cmd.current_dir(root.join("skills"))
        .arg("--target-dir")
        .arg(&target_dir);
    run(&mut cmd)?;

    let built = target_dir.join(WASM_TARGET).join("release");
    let dist = root.join("dist/skills");
    let members = skill_members()?;
    let (testing, first_party): (Vec<_>, Vec<_>) = members
        .into_iter()
        .partition(|(_, dir)| dir.parent().is_some_and(|p| p.ends_with("testing")));
    copy_components(&built, &first_party, &dist)?;
    copy_components(&built, &testing, &root.join("dist/test-skills"))?;
    Ok(dist)
}

/// The skills workspace's members: (crate name, crate folder), from `cargo metadata`.
fn skill_members() -> Result<Vec<(String, PathBuf)>> {
    let json = output(cargo().args([
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--manifest-path",
        "skills/Cargo.toml",
    ]))?;
    let metadata: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    let mut members: Vec<(String, PathBuf)> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let name = p["name"].as_str()?.to_owned();
            let dir = Path::new(p["manifest_path"].as_str()?).parent()?.to_owned();
            Some((name, dir))
        })
        .collect();
    members.sort();
    Ok(members)
}

/// Copies the component of every crate in `crates` to `dist/<crate name>.wasm`.
fn copy_components(built: &Path, crates: &[(String, PathBuf)], dist: &Path) -> Result {
    let root = root();
    std::fs::create_dir_all(dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    for (name, _) in crates {
        let file = format!("{}.wasm", name.replace('-', "_"));
        let from = built.join(&file);
        let to = dist.join(format!("{name}.wasm"));
        // Copy under a temporary name and rename, so a running host never sees half a file.
        let partial = dist.join(format!(".{name}.wasm.partial"));
        std::fs::copy(&from, &partial)
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        std::fs::rename(&partial, &to)
            .map_err(|e| format!("cannot write {}: {e}", to.display()))?;
        let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "    {} ({} KiB)",
            to.strip_prefix(&root).unwrap_or(&to).display(),
            size / 1024
        );
    }
    Ok(())
}

fn serve(extra: &[String]) -> Result {
    let dist = build_skills()?;
    step("starting bantz (Ctrl-C stops it)");
    run(cargo()
        .args([
            "run",
            "--quiet",
            "--package",
            "bantz",
            "--",
            "serve",
            "--skills-dir",
        ])
        .arg(&dist)
        .args(["--data-dir", "data"])
        .args(extra))
}

fn openapi(check: bool) -> Result {
    let spec = output(cargo().args(["run", "--quiet", "--package", "bantz", "--", "openapi"]))?;
    let path = root().join("openapi/openapi.json");
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed.trim_end() != spec.trim_end() {
            return Err(format!(
                "{} differs from what the binary exports: run `cargo xtask openapi` and commit it",
                path.display()
            ));
        }
        eprintln!("    openapi/openapi.json matches the binary");
        Ok(())
    } else {
        std::fs::write(&path, spec).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("    wrote {}", path.display());
        Ok(())
    }
}

/// A Python with openapi-spec-validator and schemathesis (tests/tests/contract.rs runs its
/// `.venv/bin/schemathesis`), in .venv; created on first use.
fn python_venv() -> Result<PathBuf> {
    venv(
        ".venv",
        "openapi_spec_validator, schemathesis",
        &["openapi-spec-validator>=0.7", SCHEMATHESIS],
    )
}

/// The Python of a virtualenv at `dir` (relative to the repository) that can import `modules`;
/// made, and `packages` installed from PyPI, when it cannot yet.
fn venv(dir: &str, modules: &str, packages: &[&str]) -> Result<PathBuf> {
    let venv = root().join(dir);
    let python = venv.join("bin/python");
    let ready = python.exists()
        && Command::new(&python)
            .args(["-c", &format!("import {modules}")])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ready {
        step(&format!(
            "preparing {dir} with {} from PyPI",
            packages.join(", ")
        ));
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet"])
            .args(packages))?;
    }
    Ok(python)
}

/// The schemathesis the contract test runs (its CLI and config keys changed in 4.0).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// The OpenAPI linter, installed with npm into .tools (gitignored).
const REDOCLY_CLI: &str = "@redocly/cli@1.34.5";

/// Lints openapi/openapi.json with `redocly lint` and openapi/redocly.yaml (its exceptions are
/// justified there and in openapi/.redocly.lint-ignore.yaml); installs the linter first.
fn lint_spec() -> Result {
    let tools = root().join(".tools");
    let redocly = tools.join("node_modules/.bin/redocly");
    let version = REDOCLY_CLI.rsplit('@').next().unwrap_or_default();
    let installed = Command::new(&redocly)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == version);
    if !installed {
        step(&format!("npm install {REDOCLY_CLI} into .tools"));
        run(Command::new("npm")
            .args(["install", "--prefix"])
            .arg(&tools)
            .args(["--no-audit", "--no-fund", "--no-save", REDOCLY_CLI]))?;
    }
    step("openapi lint (redocly, openapi/redocly.yaml)");
    run(Command::new(&redocly).current_dir(root()).args([
        "lint",
        "--config",
        "openapi/redocly.yaml",
        "--format",
        "stylish",
        "openapi/openapi.json",
    ]))
}

fn test() -> Result {
    step("cargo fmt --check");
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "fmt",
        "--all",
        "--manifest-path",
        "skills/Cargo.toml",
        "--",
        "--check",
    ]))?;

    let dist = build_skills()?;
    let python = python_venv()?;

    step("cargo clippy -D warnings (host workspace and skills, native)");
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo()
        .args([
            "clippy",
            "--manifest-path",
            "skills/Cargo.toml",
            "--workspace",
            "--all-targets",
        ])
        .arg("--target-dir")
        .arg(root().join("target"))
        .args(["--", "-D", "warnings"]))?;

    step("skills' own unit tests (native)");
    run(cargo()
        .args([
            "test",
            "--manifest-path",
            "skills/Cargo.toml",
            "--workspace",
        ])
        .arg("--target-dir")
        .arg(root().join("target")))?;

    step("building bantz");
    run(cargo().args(["build", "--package", "bantz"]))?;

    step("cargo test (unit tests and black-box tests against the real binary)");
    run(cargo()
        .args(["test", "--workspace"])
        .env("BANTZ_TEST_SKILLS", &dist)
        .env("BANTZ_TEST_PYTHON", &python))?;

    step("evaluation sets (accuracy per file)");
    run(cargo()
        .args([
            "test",
            "--package",
            "bantz-tests",
            "--test",
            "eval",
            "--",
            "--nocapture",
        ])
        .env("BANTZ_TEST_SKILLS", &dist)
        .env("BANTZ_TEST_PYTHON", &python))?;

    step("openapi spec drift");
    openapi(true)?;
    lint_spec()?;

    // The clients generated from the committed spec, and their e2e suites against the binary.
    clients::generate()?;
    clients::run_e2e(&dist)?;
    eprintln!("\nall checks passed");
    Ok(())
}
