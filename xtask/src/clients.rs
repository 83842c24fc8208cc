//! `cargo xtask clients [--e2e]`: generates the API clients from the committed
//! openapi/openapi.json into target/clients (nothing generated is committed or edited), compiles
//! the TypeScript one with `tsc --strict`, and with `--e2e` runs the TypeScript and Python
//! end-to-end suites against the real binary.
//!
//! - TypeScript: `@hey-api/openapi-ts`, pinned in openapi/clients/typescript/package-lock.json.
//! - Python: `openapi-python-client`; Kotlin, Swift and Dart: `openapi-generator-cli` (bundles
//!   the generator jar; needs Java). Both pinned in openapi/clients/python/requirements.txt and
//!   installed into target/clients/venv.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, root, run, step};

/// The commands openapi/README.md shows; each one is what this file runs.
const PHONE_GENERATORS: [(&str, &str); 3] = [
    ("kotlin", "Android"),
    ("swift5", "iOS"),
    ("dart", "Flutter"),
];

/// Fields the spec leaves free-form on purpose: they are `serde_json::Value` in the server (a
/// skill's structured output, a command's arguments and their JSON Schema, an error's details).
/// A free-form type anywhere else is a spec bug and fails the build.
const FREE_FORM_FIELDS: [&str; 6] = [
    "data",
    "args",
    "slots",
    "argsSchema",
    "args_schema",
    "details",
];

fn ts_dir() -> PathBuf {
    root().join("openapi/clients/typescript")
}

fn out_dir() -> PathBuf {
    root().join("target/clients")
}

/// Generates every client; with `e2e`, also runs the e2e suites against target/debug/bantz and
/// dist/skills (which must be built: `cargo build -p bantz` and `cargo xtask skills`).
pub fn clients(e2e: bool) -> Result {
    generate()?;
    if e2e {
        let dist = root().join("dist/skills");
        run_e2e(&dist)?;
    }
    Ok(())
}

/// Generates and checks every client from openapi/openapi.json.
pub fn generate() -> Result {
    let out = out_dir();
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let python = tools_venv()?;
    let bin = python.parent().expect("venv/bin").to_owned();
    typescript_client()?;
    run(Command::new(ts_dir().join("node_modules/.bin/tsc"))
        .current_dir(ts_dir())
        .args(["--strict", "-p", "tsconfig.json"]))?;

    step("Python client: openapi-python-client");
    remove(&out.join("python"))?;
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let log = run_logged(
        Command::new(bin.join("openapi-python-client"))
            .current_dir(root())
            .env("PATH", &path)
            .args(["generate", "--path", "openapi/openapi.json"])
            .args(["--output-path", "target/clients/python", "--meta", "setup"]),
        &out.join("python.log"),
    )?;
    // A schema the generator drops leaves an untyped corner in every Python client: a bug in
    // the spec, so CI fails on it.
    if log.contains("Warning") || log.contains("Unable to process") {
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.starts_with("WARNING")
                    || l.starts_with("Unable to process")
                    || l.starts_with("Cannot")
            })
            .collect();
        return Err(format!(
            "openapi-python-client could not use all of the spec (see target/clients/python.log):\n      {}",
            lines.join("\n      ")
        ));
    }

    step("Kotlin (Android), Swift (iOS) and Dart (Flutter) clients: openapi-generator-cli");
    let mut jobs = Vec::new();
    for (generator, _) in PHONE_GENERATORS {
        remove(&out.join(generator))?;
        let log = out.join(format!("{generator}.log"));
        let file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let child = Command::new(bin.join("openapi-generator-cli"))
            .current_dir(root())
            .args([
                "generate",
                "-g",
                generator,
                "-i",
                "openapi/openapi.json",
                "-o",
            ])
            .arg(format!("target/clients/{generator}"))
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .spawn()
            .map_err(|e| format!("cannot run openapi-generator-cli: {e}"))?;
        jobs.push((generator, log, child));
    }
    let mut failed = Vec::new();
    for (generator, log, mut child) in jobs {
        let status = child.wait().map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| l.contains(" WARN ") || l.contains(" ERROR ") || l.contains("[error]"))
        {
            eprintln!("    {generator}: {}", line.trim_start_matches("[main] "));
        }
        if !status.success() {
            failed.push(format!("{generator} ({status}; see {})", log.display()));
        }
    }
    if !failed.is_empty() {
        return Err(format!(
            "openapi-generator-cli failed: {}",
            failed.join(", ")
        ));
    }
    free_form_fallbacks()
}

/// Generates the TypeScript client into target/clients/typescript/src/client, the code the e2e
/// suite and the app (app/, `cargo xtask app`) are both type-checked against.
pub fn typescript_client() -> Result {
    npm_ci()?;
    step("TypeScript client: @hey-api/openapi-ts, then tsc --strict");
    remove(&out_dir().join("typescript"))?;
    run(Command::new(ts_dir().join("node_modules/.bin/openapi-ts"))
        .current_dir(ts_dir())
        .args(["-i", "../../openapi.json"])
        .args(["-o", "../../../target/clients/typescript/src/client"])
        .args(["-c", "@hey-api/client-fetch", "--no-log-file"]))
}

/// Lists the model fields that the phone generators typed as "anything", and fails on one that
/// the spec does not mean to leave free-form.
fn free_form_fallbacks() -> Result {
    let out = out_dir();
    let checks = [
        (
            "kotlin",
            out.join("kotlin/src/main/kotlin/org/openapitools/client/models"),
            ": kotlin.Any",
            "val ",
        ),
        (
            "swift5",
            out.join("swift5/OpenAPIClient/Classes/OpenAPIs/Models"),
            ": AnyCodable",
            "public var ",
        ),
        ("dart", out.join("dart/lib/model"), "Object? ", "  Object? "),
    ];
    let mut unexpected = Vec::new();
    for (generator, dir, marker, declaration) in checks {
        let mut found = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let model = file
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            for line in text.lines() {
                let line = line.trim_start();
                let declaration = declaration.trim_start();
                if !(line.starts_with(declaration) && line.contains(marker.trim())) {
                    continue;
                }
                let field = if generator == "dart" {
                    line.trim_start_matches(declaration).trim_end_matches(';')
                } else {
                    line.trim_start_matches(declaration)
                        .split(':')
                        .next()
                        .unwrap_or_default()
                }
                .trim()
                .trim_matches('`');
                found.push(format!("{model}.{field}"));
                if !FREE_FORM_FIELDS.contains(&field) {
                    unexpected.push(format!("{generator} {model}.{field}"));
                }
            }
        }
        eprintln!(
            "    {generator}: free-form fields (serde_json::Value in the server): {}",
            if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            }
        );
    }
    if unexpected.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "these schemas fell back to a free-form type; give them a type in the spec: {}",
            unexpected.join(", ")
        ))
    }
}

/// Runs the TypeScript and Python e2e suites against the built binary.
pub fn run_e2e(dist: &Path) -> Result {
    let root = root();
    let bin = root.join("target/debug/bantz");
    if !bin.exists() || !dist.join("clock.wasm").exists() {
        return Err(format!(
            "the e2e suites need {} and {}: run `cargo build -p bantz` and `cargo xtask skills`",
            bin.display(),
            dist.display()
        ));
    }
    step("TypeScript client e2e against the real binary (node --test)");
    run(Command::new("node")
        .current_dir(&root)
        .arg("--test")
        .arg("target/clients/typescript/dist/openapi/clients/typescript/e2e.test.js")
        .env("BANTZ_TEST_SKILLS", dist))?;

    step("Python client e2e against the real binary (pytest)");
    run(Command::new(out_dir().join("venv/bin/python"))
        .current_dir(&root)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg("openapi/clients/python/test_e2e.py")
        .env("PYTHONPATH", out_dir().join("python"))
        .env("BANTZ_TEST_SKILLS", dist))
}

/// target/clients/venv with openapi/clients/python/requirements.txt; (re)installed when that
/// file changes. Returns its python.
fn tools_venv() -> Result<PathBuf> {
    let venv = out_dir().join("venv");
    let python = venv.join("bin/python");
    let requirements = root().join("openapi/clients/python/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    let stamp = venv.join("installed-requirements.txt");
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        return Ok(python);
    }
    step("preparing target/clients/venv (openapi-python-client, openapi-generator-cli, pytest)");
    if !python.exists() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(python)
}

/// `npm ci` in openapi/clients/typescript when its lock file changed since the last install.
fn npm_ci() -> Result {
    npm_ci_in(
        &ts_dir(),
        "openapi/clients/typescript: @hey-api/openapi-ts, typescript",
    )
}

/// `npm ci` in `dir` from its committed package-lock.json, unless node_modules was installed
/// from that very lock file already.
pub fn npm_ci_in(dir: &Path, what: &str) -> Result {
    let lock = std::fs::read_to_string(dir.join("package-lock.json"))
        .map_err(|e| format!("cannot read {}/package-lock.json: {e}", dir.display()))?;
    let stamp = dir.join("node_modules/.installed-package-lock.json");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(&lock) {
        return Ok(());
    }
    step(&format!("npm ci ({what})"));
    run(Command::new("npm")
        .current_dir(dir)
        .args(["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, lock).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn remove(dir: &Path) -> Result {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

/// Runs a command with its output in `log`; fails with the log's tail when it fails. Returns
/// the output.
fn run_logged(cmd: &mut Command, log: &Path) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(log, &text).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{cmd:?} failed ({}):\n{text}", out.status))
    }
}
