//! `cargo xtask`: the project's build and check tasks.
//!
//! - `cargo xtask app`      build the app (app/) into target/app, which the host embeds (app.rs)
//! - `cargo xtask skills`   build every skill in skills/ to dist/skills/*.wasm (the testing ones
//!   to dist/test-skills): Rust crates, and folders with a `skill.py` or `skill.js` (polyglot.rs)
//! - `cargo xtask serve`    build the first-party skills, the app and the host, then run it with
//!   embedded defaults
//! - `cargo xtask test`     everything CI checks: fmt, clippy, skills, tests, spec drift, and that
//!   no test left a file in the checkout
//! - `cargo xtask openapi [--check]`  write openapi/openapi.json, or fail if it drifted
//! - `cargo xtask bench`    the benchmarks: docs/benchmarks.md and docs/benchmarks.json
//!   (`bench app`: the app's size and first load in Chromium, app.rs)
//! - `cargo xtask clients [--e2e]`  generate the API clients into target/clients (see clients.rs)

mod app;
mod bench;
mod clients;
mod polyglot;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("app") => app::build(),
        Some("skills") => build_skills().map(|_| ()),
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("openapi") => openapi(args.get(1).map(String::as_str) == Some("--check")),
        Some("clients") => clients::clients(args.get(1).map(String::as_str) == Some("--e2e")),
        Some("bench") => bench::bench(&args[1..]),
        _ => Err(
            "usage: cargo xtask <app | skills | serve [bantz flags…] | test | openapi [--check] | clients [--e2e] | bench [options]>".into(),
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

/// Runs one step of long work: prints `==> title` first and, when it ends, how long it took
/// (`==> title: done in 41 s`), so a slow build never looks like a hang.
fn timed<T>(title: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    step(title);
    let started = Instant::now();
    let outcome = work();
    let took = elapsed(started.elapsed());
    match &outcome {
        Ok(_) => eprintln!("==> {title}: done in {took}"),
        Err(_) => eprintln!("==> {title}: failed after {took}"),
    }
    outcome
}

/// A duration as a person reads it: `0.4 s`, `41 s`, `8 min 3 s`.
fn elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else if d.as_millis() >= 10_000 {
        format!("{secs} s")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
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

/// The Debian 12 packages that build skills without rustup's target (see `Toolchain::Debian`).
/// `.ci/run` installs the same list before it runs `cargo xtask test` (a unit test checks).
const DEBIAN_WASM_PACKAGES: [&str; 5] = [
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "lld-19",
    "wasi-libc",
];

/// `rustup` as the skills' build sees it: in skills/, without the toolchain that the `cargo
/// xtask` proxy chose for the host workspace (`build_skills` removes it too).
fn rustup() -> Command {
    let mut cmd = Command::new("rustup");
    cmd.current_dir(root().join("skills"))
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

/// The wasm toolchain that is installed, if any.
fn find_toolchain() -> Option<Toolchain> {
    let rustup_has_target = rustup()
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
        });
    if rustup_has_target {
        return Some(Toolchain::Rustup);
    }
    let debian_rustc_knows_target = Command::new("/usr/bin/rustc")
        .args(["--print", "target-list"])
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET)
        });
    // The same checks as `wasm_toolchain_ready` in .ci/run.
    let debian_ready = debian_rustc_knows_target
        && Path::new("/usr/bin/cargo").exists()
        && Path::new("/usr/lib/rustlib/src/rust/library").exists()
        && Path::new("/usr/lib/llvm-19/bin/wasm-ld").exists()
        && Path::new("/usr/lib/wasm32-wasi").exists();
    debian_ready.then_some(Toolchain::Debian)
}

/// What decides how a missing wasm toolchain can be installed here.
#[derive(Clone, Copy, Debug)]
struct Machine {
    /// `rustup` runs.
    rustup: bool,
    /// /etc/debian_version exists.
    debian: bool,
    /// We run as root (`id -u` is 0), so apt-get may install.
    root: bool,
}

impl Machine {
    fn probe() -> Machine {
        Machine {
            rustup: rustup()
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success()),
            debian: Path::new("/etc/debian_version").exists(),
            root: Command::new("id")
                .arg("-u")
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0"),
        }
    }
}

/// A way to install the wasm toolchain.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Install {
    /// `rustup target add wasm32-wasip2`.
    RustupTarget,
    /// `apt-get install` of `DEBIAN_WASM_PACKAGES` (as root).
    DebianPackages,
}

/// The ways xtask tries by itself, in order: rustup's target first (the ordinary path), then
/// Debian's packages when it may install them.
fn install_plan(machine: Machine) -> Vec<Install> {
    let mut plan = Vec::new();
    if machine.rustup {
        plan.push(Install::RustupTarget);
    }
    if machine.debian && machine.root {
        plan.push(Install::DebianPackages);
    }
    plan
}

/// What to tell a user when nothing xtask could do by itself installed a toolchain.
fn manual_install(machine: Machine) -> String {
    let packages = DEBIAN_WASM_PACKAGES.join(" ");
    let command = if machine.debian && !machine.root {
        format!("sudo apt-get update && sudo apt-get install -y {packages}")
    } else if machine.rustup {
        format!("rustup target add {WASM_TARGET}   (it needs to reach static.rust-lang.org)")
    } else {
        format!(
            "install Rust with rustup (https://rustup.rs), then: rustup target add {WASM_TARGET}"
        )
    };
    format!(
        "no Rust toolchain that builds for {WASM_TARGET} is installed, and xtask could not install one.\n\
         \x20 Run:  {command}\n\
         \x20 then run this command again."
    )
}

/// The wasm toolchain; installs one first when none is there, saying what it does. Tries
/// `rustup target add`, then (on Debian, as root) Debian's packages, and otherwise fails with
/// the command to run.
fn ensure_toolchain() -> Result<Toolchain> {
    if let Some(toolchain) = find_toolchain() {
        return Ok(toolchain);
    }
    let machine = Machine::probe();
    eprintln!("\nxtask: no Rust toolchain that builds for {WASM_TARGET} is installed");
    let plan = install_plan(machine);
    for (n, install) in plan.iter().enumerate() {
        match install {
            Install::RustupTarget => {
                let added = timed(
                    &format!(
                        "installing the {WASM_TARGET} target: rustup target add {WASM_TARGET}"
                    ),
                    || run(rustup().args(["target", "add", WASM_TARGET])),
                );
                if added.is_err() {
                    let next = match plan.get(n + 1) {
                        Some(Install::DebianPackages) => "; trying Debian's packages instead",
                        _ => "",
                    };
                    eprintln!("xtask: rustup could not add the target (its error is above){next}");
                }
            }
            Install::DebianPackages => {
                let packages = DEBIAN_WASM_PACKAGES.join(" ");
                timed(
                    &format!(
                        "installing Debian's {WASM_TARGET} toolchain (about a minute): \
                         apt-get update && apt-get install -y {packages}"
                    ),
                    || {
                        run(Command::new("apt-get").arg("update"))?;
                        run(Command::new("apt-get")
                            .env("DEBIAN_FRONTEND", "noninteractive")
                            .args(["install", "-y"])
                            .args(DEBIAN_WASM_PACKAGES))
                    },
                )?;
            }
        }
        if let Some(toolchain) = find_toolchain() {
            return Ok(toolchain);
        }
    }
    Err(manual_install(machine))
}

/// Which skills to build.
#[derive(Clone, Copy, PartialEq)]
enum Skills {
    /// The first-party skills, which `serve` serves: into dist/skills.
    FirstParty,
    /// Those and the misbehaving ones under skills/testing, which the tests load: into
    /// dist/test-skills.
    All,
}

/// Builds every skill in skills/ and copies the components to dist/skills (the testing ones to
/// dist/test-skills). Returns dist/skills.
fn build_skills() -> Result<PathBuf> {
    build_skills_of(Skills::All)
}

/// Builds `which` skills and copies their components to dist/. Returns dist/skills.
fn build_skills_of(which: Skills) -> Result<PathBuf> {
    let toolchain = ensure_toolchain()?;
    let root = root();
    let target_dir = root.join("target/skills");
    let built = target_dir.join(WASM_TARGET).join("release");
    let members = skill_members()?;
    let (testing, first_party): (Vec<_>, Vec<_>) = members
        .into_iter()
        .partition(|(_, dir)| dir.parent().is_some_and(|p| p.ends_with("testing")));

    let mut cmd;
    let how = match toolchain {
        Toolchain::Rustup => {
            cmd = Command::new("cargo");
            cmd.args(["build", "--release", "--target", WASM_TARGET]);
            "rustup toolchain"
        }
        Toolchain::Debian => {
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
            "Debian rustc-web, std from source"
        }
    };
    match which {
        Skills::All => {
            cmd.arg("--workspace");
        }
        Skills::FirstParty => {
            for (name, _) in &first_party {
                cmd.args(["--package", name]);
            }
        }
    }
    // The host workspace's cargo settings must not leak into the skills' build.
    cmd.env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO");
    cmd.current_dir(root.join("skills"))
        .arg("--target-dir")
        .arg(&target_dir);

    let names = |crates: &[(String, PathBuf)]| {
        crates
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = match which {
        Skills::FirstParty => format!(
            "building the skills {} for {WASM_TARGET} ({how})",
            names(&first_party)
        ),
        Skills::All => format!(
            "building all {} skills for {WASM_TARGET}, the testing ones too ({how})",
            first_party.len() + testing.len()
        ),
    };
    if !built.exists() {
        eprintln!(
            "\nxtask: the first build of the skills compiles their dependencies{}: a few minutes \
             on 2 cores; later builds take seconds",
            if matches!(toolchain, Toolchain::Debian) {
                " and Rust's standard library"
            } else {
                ""
            }
        );
    }
    let dist = root.join("dist/skills");
    timed(&title, || {
        run(&mut cmd)?;
        copy_components(&built, &first_party, &dist)?;
        if which == Skills::All {
            copy_components(&built, &testing, &root.join("dist/test-skills"))?;
        }
        Ok(())
    })?;
    // The skills written in Python and JavaScript, into the same folders.
    polyglot::build(which)?;
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

/// The host's debug binary, as `cargo build -p bantz` writes it.
fn host_binary() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        })
        .unwrap_or_else(|| root().join("target"))
        .join("debug/bantz")
}

fn serve(extra: &[String]) -> Result {
    if !host_binary().exists() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        eprintln!(
            "xtask: first run: this builds the skills and the host; the first build compiles \
             wasmtime: about 8 minutes on 2 cores (this machine has {cores}); later runs take seconds"
        );
    }
    let dist = build_skills_of(Skills::FirstParty)?;
    // The host embeds target/app when it compiles: the app first.
    app::build()?;
    // Cargo prints its own progress here (no --quiet); `cargo run` below then only starts it.
    timed("building bantz, the host", || {
        run(cargo().args(["build", "--package", "bantz"]))
    })?;
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

/// `cargo xtask test`: every check CI runs, then the clean-tree check (see `TOOL_DIRS`).
fn test() -> Result {
    let root = root();
    let started = Instant::now();
    let before = checkout_entries(&root)?;
    let outcome = test_steps();
    let leftovers = leftovers(&before, &checkout_entries(&root)?);
    let clean = if leftovers.is_empty() {
        Ok(())
    } else {
        Err(leftovers_message(&leftovers))
    };
    match (outcome, clean) {
        (Ok(()), Ok(())) => {
            eprintln!(
                "\nall checks passed in {}; the checkout has no new files",
                elapsed(started.elapsed())
            );
            Ok(())
        }
        (Ok(()), Err(dirty)) => Err(dirty),
        (Err(failed), Ok(())) => Err(failed),
        (Err(failed), Err(dirty)) => {
            eprintln!("\nxtask: {dirty}");
            Err(failed)
        }
    }
}

fn test_steps() -> Result {
    timed("cargo fmt --check", || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))?;
        run(cargo().args([
            "fmt",
            "--all",
            "--manifest-path",
            "skills/Cargo.toml",
            "--",
            "--check",
        ]))
    })?;

    let dist = build_skills()?;
    let python = python_venv()?;
    // The host embeds target/app when it compiles (clippy too): the app first.
    app::build()?;

    timed(
        "cargo clippy -D warnings (host workspace and skills, native)",
        || {
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
                .args(["--", "-D", "warnings"]))
        },
    )?;

    timed("skills' own unit tests (native)", || {
        run(cargo()
            .args([
                "test",
                "--manifest-path",
                "skills/Cargo.toml",
                "--workspace",
            ])
            .arg("--target-dir")
            .arg(root().join("target")))
    })?;

    timed("building bantz", || {
        run(cargo().args(["build", "--package", "bantz"]))
    })?;

    timed(
        "cargo test (unit tests and black-box tests against the real binary)",
        || {
            run(cargo()
                .args(["test", "--workspace"])
                .env("BANTZ_TEST_SKILLS", &dist)
                .env("BANTZ_TEST_PYTHON", &python))
        },
    )?;

    timed("evaluation sets (accuracy per file)", || {
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
            .env("BANTZ_TEST_PYTHON", &python))
    })?;

    timed("openapi spec drift", || openapi(true))?;
    lint_spec()?;

    // The clients generated from the committed spec, and their e2e suites against the binary.
    clients::generate()?;
    clients::run_e2e(&dist)
}

/// Folders of the checkout that builds and the tools xtask runs fill; the clean-tree check of
/// `cargo xtask test` does not look into them. Anything else a test run creates in the checkout
/// is debris: tests must write only into temporary directories.
const TOOL_DIRS: [&str; 11] = [
    // Git's own (a folder in a clone, a file in a worktree).
    ".git",
    // Cargo: the host, the skills (target/skills), the generated clients and their venv
    // (target/clients), the benchmark tools.
    "target",
    // Cargo run by hand inside skills/.
    "skills/target",
    // The built skills: dist/skills, dist/test-skills.
    "dist",
    // schemathesis and openapi-spec-validator (`python_venv`).
    ".venv",
    // The OpenAPI linter (`lint_spec`).
    ".tools",
    // componentize-js and jco, for the JavaScript skills (`polyglot::componentize_js`).
    "sdk/js/node_modules",
    // `npm ci` for the app (app.rs).
    "app/node_modules",
    // `npm ci` for the TypeScript client (clients.rs).
    "openapi/clients/typescript/node_modules",
    // pytest's compiled copy of test_e2e.py (clients.rs runs pytest there).
    "openapi/clients/python/__pycache__",
    // `cargo xtask serve`'s data dir, should one run alongside.
    "data",
];

/// Every file and folder (folders end in `/`) under `root` outside `TOOL_DIRS`, as paths
/// relative to `root` with `/` between parts; tracked, untracked and ignored alike.
/// Symbolic links are listed, not followed.
fn checkout_entries(root: &Path) -> Result<BTreeSet<String>> {
    let mut entries = BTreeSet::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = root.join(&relative);
        let listing =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in listing {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
            let path = relative.join(entry.file_name());
            let name = path.to_string_lossy().replace('\\', "/");
            if TOOL_DIRS.contains(&name.as_str()) {
                continue;
            }
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                entries.insert(format!("{name}/"));
                pending.push(path);
            } else {
                entries.insert(name);
            }
        }
    }
    Ok(entries)
}

/// What is in `after` and was not in `before`; under a new folder only the folder itself.
fn leftovers(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<String> {
    let mut new: Vec<String> = Vec::new();
    for entry in after.difference(before) {
        // BTreeSet order puts a folder right before what is inside it.
        if new
            .last()
            .is_some_and(|dir| dir.ends_with('/') && entry.starts_with(dir.as_str()))
        {
            continue;
        }
        new.push(entry.clone());
    }
    new
}

fn leftovers_message(leftovers: &[String]) -> String {
    format!(
        "the test run left {} new file(s) or folder(s) in the checkout; tests must write only into \
         temporary directories (or, for a tool that xtask runs, into a folder of TOOL_DIRS in \
         xtask/src/main.rs):\n      {}",
        leftovers.len(),
        leftovers.join("\n      ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[&str]) -> BTreeSet<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn leftovers_are_the_new_entries_with_new_folders_collapsed() {
        let before = set(&["Cargo.toml", "host/", "host/src/", "host/src/main.rs"]);
        assert!(leftovers(&before, &before).is_empty());
        // A file that went away is not debris.
        assert!(leftovers(&before, &set(&["Cargo.toml", "host/"])).is_empty());

        let after = set(&[
            "Cargo.toml",
            "bantz.pid",
            "host/",
            "host/src/",
            "host/src/main.rs",
            "host/src/main.rs.orig",
            "host/tmp/",
            "host/tmp/a/",
            "host/tmp/a/b.log",
            "host/tmpfile",
        ]);
        assert_eq!(
            leftovers(&before, &after),
            [
                "bantz.pid",
                "host/src/main.rs.orig",
                "host/tmp/",
                "host/tmpfile"
            ]
        );
    }

    #[test]
    fn the_checkout_walk_skips_tool_dirs_and_sees_new_files() {
        let root = std::env::temp_dir().join(format!("xtask-clean-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in [
            "host/src",
            "target/debug",
            "openapi/clients/typescript/node_modules/x",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("host/src/main.rs"), "").unwrap();
        std::fs::write(root.join("target/debug/bantz"), "").unwrap();
        std::fs::write(root.join(".git"), "gitdir: elsewhere").unwrap();
        let before = checkout_entries(&root).unwrap();
        assert_eq!(
            before,
            set(&[
                "host/",
                "host/src/",
                "host/src/main.rs",
                "openapi/",
                "openapi/clients/",
                "openapi/clients/typescript/"
            ])
        );

        // What tools write into their folders is fine; a file anywhere else is not.
        std::fs::write(root.join("target/debug/more"), "").unwrap();
        std::fs::write(root.join("openapi/clients/typescript/node_modules/x/y"), "").unwrap();
        assert!(leftovers(&before, &checkout_entries(&root).unwrap()).is_empty());
        std::fs::write(root.join("host/out.log"), "").unwrap();
        std::fs::create_dir_all(root.join("data-copy/skills")).unwrap();
        let left = leftovers(&before, &checkout_entries(&root).unwrap());
        assert_eq!(left, ["data-copy/", "host/out.log"]);
        assert!(
            leftovers_message(&left).contains("tests must write only into temporary directories")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn ci_installs_the_same_debian_packages() {
        let packages = DEBIAN_WASM_PACKAGES.join(" ");
        let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
        assert!(
            ci.lines()
                .any(|l| l.contains("apt-get install -y") && l.trim_end().ends_with(&packages)),
            ".ci/run must install {packages}"
        );
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        assert!(readme.contains(&packages), "README.md must name {packages}");
    }

    #[test]
    fn a_missing_toolchain_is_installed_the_way_the_machine_allows() {
        let machine = |rustup, debian, root| Machine {
            rustup,
            debian,
            root,
        };
        use Install::*;
        assert_eq!(
            install_plan(machine(true, true, true)),
            [RustupTarget, DebianPackages]
        );
        assert_eq!(install_plan(machine(true, false, true)), [RustupTarget]);
        assert_eq!(install_plan(machine(false, true, true)), [DebianPackages]);
        assert_eq!(install_plan(machine(true, true, false)), [RustupTarget]);
        assert!(install_plan(machine(false, true, false)).is_empty());
        assert!(install_plan(machine(false, false, true)).is_empty());

        assert!(manual_install(machine(true, true, false)).contains(
            "sudo apt-get update && sudo apt-get install -y rustc-web cargo-web rust-web-src lld-19 wasi-libc"
        ));
        assert!(
            manual_install(machine(true, false, false)).contains("rustup target add wasm32-wasip2")
        );
        assert!(manual_install(machine(false, false, false)).contains("https://rustup.rs"));
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(elapsed(Duration::from_millis(420)), "0.4 s");
        assert_eq!(elapsed(Duration::from_millis(41_300)), "41 s");
        assert_eq!(elapsed(Duration::from_secs(483)), "8 min 3 s");
    }
}
