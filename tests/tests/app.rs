//! The app in a real browser: starts the real binary (with the app embedded, as `cargo xtask
//! test` builds it) and runs app/tests/flow.mjs, which drives Debian's Chromium with
//! playwright-core through pairing, chat, notifications, skills and devices, and checks every
//! screen with axe-core.
//!
//! Needs `cargo xtask app` (app/node_modules: playwright-core, axe-core) and Debian's
//! `chromium` (`.ci/run` installs it). The screenshots go into the test's temporary folder;
//! with `BANTZ_APP_SCREENSHOTS=docs/app` they refresh the ones the README shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use bantz_tests::{Bantz, Options, json_ok, skill, test_skill};

const CHROMIUM: &str = "/usr/bin/chromium";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_pairs_chats_notifies_manages_skills_and_revokes_in_chromium() {
    let root = workspace_root();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: `apt-get install chromium` (.ci/run installs it)"
    );
    assert!(
        root.join("app/node_modules/playwright-core").exists(),
        "app/node_modules is missing: run `cargo xtask app` (cargo xtask test does)"
    );

    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), skill("calendar"), skill("reminders")],
        ..Default::default()
    })
    .await;
    // The binary must carry the app, not the page saying it was built without it.
    let index = bantz.http.get(bantz.url("/app/")).send().await.unwrap();
    assert_eq!(
        index.status(),
        200,
        "this bantz was built before the app: run `cargo xtask app`, then build the host"
    );
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    assert_eq!(skills.as_array().unwrap().len(), 3, "{skills}");

    let temp = tempfile::tempdir().unwrap();
    let shots = match std::env::var_os("BANTZ_APP_SCREENSHOTS") {
        Some(dir) => root.join(dir),
        None => temp.path().join("screenshots"),
    };
    std::fs::create_dir_all(&shots).unwrap();
    // Uploaded under its own name, from a folder of the test's: the file the owner picks.
    let upload = temp.path().join("counter.wasm");
    std::fs::copy(test_skill("counter"), &upload).unwrap();

    let mut flow = Command::new("node");
    flow.current_dir(&root)
        .arg("app/tests/flow.mjs")
        .env("BANTZ_URL", &bantz.base)
        .env("BANTZ_TOKEN", &bantz.token)
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOTS", &shots)
        .env("UPLOAD_SKILL", &upload)
        // Chromium's profile and crash dumps go to the test's folder, not $HOME.
        .env("HOME", temp.path())
        .env("XDG_CONFIG_HOME", temp.path().join("config"))
        .env("XDG_CACHE_HOME", temp.path().join("cache"));
    let out = tokio::task::spawn_blocking(move || flow.output())
        .await
        .unwrap()
        .expect("running node app/tests/flow.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the app's flow failed ({}):\n{stdout}\n{stderr}\n--- host log ---\n{}",
        out.status,
        bantz.log()
    );
    for screen in [
        "pairing",
        "chat",
        "conversations",
        "inbox",
        "offline",
        "skills",
        "devices",
    ] {
        assert!(
            shots.join(format!("{screen}.png")).exists(),
            "no screenshot of {screen}"
        );
    }
}
