//! Skills written in Python and JavaScript: a folder under skills/ (or skills/testing/) with a
//! `skill.py` or a `skill.js` is a skill, built to a component for the same WIT world as the
//! Rust ones (`bantz:skill/describing-skill`) and copied next to them in dist/.
//!
//! - Python: componentize-py, from PyPI into the project's virtualenv (.venv), with the SDK in
//!   sdk/python on the module path.
//! - JavaScript: componentize-js, from npm into sdk/js/node_modules at the versions of the
//!   committed sdk/js/package-lock.json (`npm ci`), with the SDK at sdk/js/bantz-skill.js.
//!
//! Neither tool downloads anything at install or build time beyond its registry package (no
//! install scripts, no AOT compiler fetched: componentize-js's `--aot` would download weval, so
//! it is not used). A component is rebuilt only when a file it is made from is newer than it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::{Result, Skills, output, root, run, step, timed, venv};

/// The componentize-py xtask installs into .venv; its own binary does the whole build.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// The world every skill is built for, as the Rust SDK builds it.
const WORLD: &str = "bantz:skill/describing-skill";
/// componentize-js needs Node.js 20 or newer (its parser, oxc-parser, says so).
const MIN_NODE_MAJOR: u32 = 20;

/// The language of a skill that is not Rust.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Language {
    Python,
    JavaScript,
}

impl Language {
    fn entry(self) -> &'static str {
        match self {
            Language::Python => "skill.py",
            Language::JavaScript => "skill.js",
        }
    }
}

/// A skill folder with a `skill.py` or `skill.js`.
#[derive(Clone, Debug)]
pub struct ScriptSkill {
    /// The folder's name, which names the component: `dist/<name>.wasm`.
    pub name: String,
    pub dir: PathBuf,
    pub language: Language,
    /// Under skills/testing: built into dist/test-skills.
    pub testing: bool,
}

/// Every Python and JavaScript skill under skills/ and skills/testing/, by name.
pub fn script_skills() -> Result<Vec<ScriptSkill>> {
    let root = root();
    let mut found = Vec::new();
    for (folder, testing) in [("skills", false), ("skills/testing", true)] {
        let entries = std::fs::read_dir(root.join(folder))
            .map_err(|e| format!("cannot read {folder}: {e}"))?;
        for entry in entries.flatten() {
            let dir = entry.path();
            for language in [Language::Python, Language::JavaScript] {
                if dir.join(language.entry()).is_file() {
                    found.push(ScriptSkill {
                        name: entry.file_name().to_string_lossy().into_owned(),
                        dir: dir.clone(),
                        language,
                        testing,
                    });
                }
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Builds the Python and JavaScript skills of `which` into dist/skills and dist/test-skills,
/// installing the tools first when they are missing.
pub fn build(which: Skills) -> Result {
    let skills: Vec<ScriptSkill> = script_skills()?
        .into_iter()
        .filter(|s| which == Skills::All || !s.testing)
        .collect();
    let python: Vec<&ScriptSkill> = skills
        .iter()
        .filter(|s| s.language == Language::Python)
        .collect();
    let js: Vec<&ScriptSkill> = skills
        .iter()
        .filter(|s| s.language == Language::JavaScript)
        .collect();
    if !python.is_empty() {
        let tool = componentize_py()?;
        timed(
            &format!("building the Python skills with {COMPONENTIZE_PY}"),
            || {
                for skill in &python {
                    build_one(skill, &tool)?;
                }
                Ok(())
            },
        )?;
    }
    if !js.is_empty() {
        let tool = componentize_js()?;
        timed(
            &format!(
                "building the JavaScript skills with componentize-js {}",
                componentize_js_version()
            ),
            || {
                for skill in &js {
                    build_one(skill, &tool)?;
                }
                Ok(())
            },
        )?;
    }
    Ok(())
}

/// Where the component of `skill` goes.
pub fn output_of(skill: &ScriptSkill) -> PathBuf {
    let dist = if skill.testing {
        "dist/test-skills"
    } else {
        "dist/skills"
    };
    root().join(dist).join(format!("{}.wasm", skill.name))
}

fn build_one(skill: &ScriptSkill, tool: &Path) -> Result {
    let root = root();
    let to = output_of(skill);
    let dist = to.parent().expect("dist has a parent");
    std::fs::create_dir_all(dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let shown = |p: &Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    if up_to_date(skill, &to) {
        eprintln!("    {} is up to date", shown(&to));
        return Ok(());
    }
    // Build under a temporary name and rename, so a running host never sees half a file.
    let partial = dist.join(format!(".{}.wasm.partial", skill.name));
    let mut cmd = match skill.language {
        Language::Python => {
            // The interpreter that componentize-py snapshots writes `__pycache__` next to every
            // module it imports, whatever PYTHONDONTWRITEBYTECODE says: build from a copy of
            // the skill and the SDK in target/, so the checkout stays clean.
            let stage = root.join("target/python-skills").join(&skill.name);
            let _ = std::fs::remove_dir_all(&stage);
            copy_tree(&skill.dir, &stage)?;
            copy_tree(
                &root.join("sdk/python/bantz_skill"),
                &stage.join("bantz_skill"),
            )?;
            let mut cmd = Command::new(tool);
            cmd.current_dir(&stage)
                .arg("--wit-path")
                .arg(root.join("wit"))
                .args(["--world", WORLD, "componentize", "skill"])
                .arg("--python-path")
                .arg(&stage)
                .arg("--output")
                .arg(&partial)
                // componentize-py would add the site-packages of an active virtualenv.
                .env_remove("VIRTUAL_ENV");
            cmd
        }
        Language::JavaScript => {
            let mut cmd = Command::new("node");
            cmd.current_dir(&root);
            // Run from the checkout's root: componentize-js maps it as the guest's `/` while it
            // snapshots the module, so the skill's relative imports (its `bantz-skill.js` link
            // to sdk/js) resolve.
            cmd.arg(tool)
                .arg("--wit")
                .arg("wit")
                .args(["--world-name", WORLD, "--out"])
                .arg(&partial)
                .arg(
                    skill
                        .dir
                        .join("skill.js")
                        .strip_prefix(&root)
                        .unwrap_or(&skill.dir),
                );
            cmd
        }
    };
    let built = output(&mut cmd);
    if let Err(e) = built {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("{} did not build: {e}", skill.name));
    }
    std::fs::rename(&partial, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
    let size = std::fs::metadata(&to).map(|m| m.len()).unwrap_or(0);
    eprintln!("    {} ({} KiB)", shown(&to), size / 1024);
    Ok(())
}

/// Copies the files of folder `from` (recursively, links followed, `__pycache__` and hidden
/// files left out) into a new folder `to`.
fn copy_tree(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if name_text.starts_with('.') || name_text == "__pycache__" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Whether `to` is newer than everything it is made from: the skill's folder, its SDK, the WIT
/// and the tool's pin.
fn up_to_date(skill: &ScriptSkill, to: &Path) -> bool {
    let Some(built) = modified(to) else {
        return false;
    };
    let root = root();
    let sdk = match skill.language {
        Language::Python => root.join("sdk/python"),
        Language::JavaScript => root.join("sdk/js/bantz-skill.js"),
    };
    let inputs = [
        skill.dir.clone(),
        sdk,
        root.join("wit"),
        root.join("sdk/js/package-lock.json"),
        root.join("xtask/src/polyglot.rs"),
    ];
    inputs
        .iter()
        .all(|input| newest(input).is_some_and(|t| t < built))
}

/// The newest modification time of a file, or of the files in a folder (recursively, links
/// followed).
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    let mut latest = meta.modified().ok()?;
    for entry in std::fs::read_dir(path).ok()?.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        latest = latest.max(newest(&entry.path())?);
    }
    Some(latest)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

/// `.venv/bin/componentize-py` at the pinned version; installed from PyPI when it is not.
pub fn componentize_py() -> Result<PathBuf> {
    let python = venv(".venv", "componentize_py", &[COMPONENTIZE_PY])?;
    let tool = root().join(".venv/bin/componentize-py");
    let version = COMPONENTIZE_PY.rsplit("==").next().unwrap_or_default();
    let pinned = Command::new(&tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout).trim() == format!("componentize-py {version}")
        });
    if !pinned {
        step(&format!("pip install {COMPONENTIZE_PY} into .venv"));
        run(Command::new(python).args(["-m", "pip", "install", "--quiet", COMPONENTIZE_PY]))?;
    }
    Ok(tool)
}

/// componentize-js's command-line script in sdk/js/node_modules, installed with `npm ci` from
/// the committed lock file when it is missing or older than the lock file.
pub fn componentize_js() -> Result<PathBuf> {
    let root = root();
    let sdk = root.join("sdk/js");
    let tool = sdk.join("node_modules/@bytecodealliance/componentize-js/src/cli.js");
    let node = output(Command::new("node").arg("--version")).map_err(|_| {
        format!(
            "the JavaScript skills need Node.js {MIN_NODE_MAJOR} or newer with npm, and `node` \
             does not run: install it (on Debian: apt-get install nodejs npm, or from nodejs.org)"
        )
    })?;
    let major: u32 = node
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < MIN_NODE_MAJOR {
        return Err(format!(
            "the JavaScript skills need Node.js {MIN_NODE_MAJOR} or newer; this is {}",
            node.trim()
        ));
    }
    // npm ci records the lock file it installed as node_modules/.package-lock.json.
    let installed = sdk.join("node_modules/.package-lock.json");
    let current = match (
        modified(&installed),
        modified(&sdk.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed >= lock && tool.exists(),
        _ => false,
    };
    if !current {
        step("npm ci in sdk/js (componentize-js and jco, as sdk/js/package-lock.json pins them)");
        run(Command::new("npm").current_dir(&sdk).args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--ignore-scripts",
        ]))?;
    }
    Ok(tool)
}

/// The componentize-js version sdk/js/package.json pins.
fn componentize_js_version() -> String {
    let package = std::fs::read_to_string(root().join("sdk/js/package.json")).unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&package)
        .ok()
        .and_then(|p| {
            p["devDependencies"]["@bytecodealliance/componentize-js"]
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_skills_are_found_by_their_entry_file() {
        let skills = script_skills().unwrap();
        let lists = skills.iter().find(|s| s.name == "lists").unwrap();
        assert_eq!(lists.language, Language::Python);
        assert!(!lists.testing);
        let timers = skills.iter().find(|s| s.name == "timers").unwrap();
        assert_eq!(timers.language, Language::JavaScript);
        assert!(output_of(timers).ends_with("dist/skills/timers.wasm"));
        assert!(
            skills.iter().all(|s| s.name != "clock"),
            "Rust skills are not scripts"
        );
    }

    #[test]
    fn the_js_tools_are_pinned_exactly_in_a_committed_lock() {
        let package: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("sdk/js/package.json")).unwrap(),
        )
        .unwrap();
        for (name, version) in package["devDependencies"].as_object().unwrap() {
            let version = version.as_str().unwrap();
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name} must be pinned to an exact version, not {version}"
            );
        }
        assert!(root().join("sdk/js/package-lock.json").exists());
    }
}
