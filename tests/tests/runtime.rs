//! The skill runtime as an operator meets it: drop, replace and delete `.wasm` files under a
//! running server, switch skills off and on, watch ticks, and use the `bantz skills` commands.

use std::path::Path;

use bantz_tests::{Bantz, Options, Value, json, json_error, json_ok, skill, test_skill};

fn find<'a>(list: &'a [Value], name: &str) -> Option<&'a Value> {
    list.iter().find(|s| s["name"] == name)
}

/// Writes a file the way a careful copy does: under a hidden name, then renamed into place.
fn drop_in(dir: &Path, name: &str, bytes: &[u8]) {
    let partial = dir.join(format!(".{name}.partial"));
    std::fs::write(&partial, bytes).unwrap();
    std::fs::rename(&partial, dir.join(name)).unwrap();
}

/// The same component with a custom section appended: it behaves the same, but hashes differently.
fn variant(component: &[u8], tag: &str) -> Vec<u8> {
    let mut bytes = component.to_vec();
    let name = b"bantz-test";
    let payload_len = 1 + name.len() + tag.len();
    bytes.push(0); // custom section id
    bytes.push(payload_len as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(tag.as_bytes());
    bytes
}

/// A file written in place is tried when the folder changes, but while its writer still has it
/// open a file that does not load is unfinished, not broken: it is neither listed as failed nor
/// announced, and it loads once closed.
#[tokio::test]
async fn a_file_written_in_place_loads_when_its_writer_closes_it() {
    use std::io::Write;

    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock")],
        ..Default::default()
    })
    .await;
    let ticker = std::fs::read(test_skill("ticker")).unwrap();
    let counter = std::fs::read(test_skill("counter")).unwrap();
    let mut file = std::fs::File::create(bantz.skills_dir().join("ticker.wasm")).unwrap();
    file.write_all(&ticker[..ticker.len() / 2]).unwrap();
    file.flush().unwrap();

    // Another skill arrives meanwhile, so the folder is rescanned with ticker.wasm half written.
    drop_in(&bantz.skills_dir(), "counter.wasm", &counter);
    let list = bantz
        .wait_for_skills("counter to load", |l| {
            find(l, "counter").is_some_and(|c| c["status"] == "active")
        })
        .await;
    assert!(find(&list, "ticker").is_none(), "{list:#?}");

    file.write_all(&ticker[ticker.len() / 2..]).unwrap();
    drop(file);
    bantz
        .wait_for_skills("ticker to load once closed", |l| {
            find(l, "ticker").is_some_and(|t| t["status"] == "active")
        })
        .await;
    json_ok(bantz.command("ticker.count", json!({})).await).await;
    // The event is stored in the background: poll for it.
    let asked = std::time::Instant::now();
    loop {
        let loaded = bantz.notifications("system.skill.loaded").await;
        if loaded.iter().any(|n| n["data"]["skill"] == "ticker") {
            break;
        }
        assert!(asked.elapsed() < bantz_tests::POLL_LIMIT, "{loaded:#?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let failed = bantz.notifications("system.skill.failed").await;
    assert!(failed.is_empty(), "{failed:#?}");
}

/// A file that appears without being written in the folder (a hard link: no write, no close)
/// is loaded once the folder is quiet, and when it is not a component it is reported as failed,
/// not taken to be still on its way.
#[tokio::test]
async fn a_file_linked_into_the_folder_is_loaded_or_reported() {
    let bantz = Bantz::start().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("junk.wasm"), b"not a component").unwrap();
    std::fs::copy(test_skill("counter"), outside.path().join("counter.wasm")).unwrap();
    for name in ["junk.wasm", "counter.wasm"] {
        std::fs::hard_link(outside.path().join(name), bantz.skills_dir().join(name)).unwrap();
    }
    let list = bantz
        .wait_for_skills("counter to load and junk.wasm to fail", |l| {
            find(l, "counter").is_some_and(|c| c["status"] == "active")
                && l.iter()
                    .any(|s| s["source"] == "junk.wasm" && s["status"] == "failed")
        })
        .await;
    let junk = list.iter().find(|s| s["source"] == "junk.wasm").unwrap();
    assert!(
        junk["error"]
            .as_str()
            .unwrap()
            .contains("not a valid skill component"),
        "{junk}"
    );
}

#[tokio::test]
async fn dropping_replacing_and_deleting_a_skill_takes_effect_without_a_restart() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock")],
        ..Default::default()
    })
    .await;
    let ticker = std::fs::read(test_skill("ticker")).unwrap();

    // Drop: the new skill shows up and answers.
    drop_in(&bantz.skills_dir(), "ticker.wasm", &ticker);
    let list = bantz
        .wait_for_skills("ticker to load", |l| {
            find(l, "ticker").is_some_and(|t| t["status"] == "active")
        })
        .await;
    let first_sha = find(&list, "ticker").unwrap()["sha256"].clone();
    json_ok(bantz.command("ticker.count", json!({})).await).await;

    // Replace: the new version serves, and nobody's request failed meanwhile.
    drop_in(&bantz.skills_dir(), "ticker.wasm", &variant(&ticker, "v2"));
    let list = bantz
        .wait_for_skills("ticker to be replaced", |l| {
            find(l, "ticker").is_some_and(|t| t["sha256"] != first_sha)
        })
        .await;
    assert_eq!(find(&list, "ticker").unwrap()["status"], "active");
    json_ok(bantz.command("ticker.count", json!({})).await).await;

    // Delete: it is gone, and asking for it says so.
    std::fs::remove_file(bantz.skills_dir().join("ticker.wasm")).unwrap();
    bantz
        .wait_for_skills("ticker to unload", |l| find(l, "ticker").is_none())
        .await;
    json_error(
        bantz.command("ticker.count", json!({})).await,
        404,
        "SKILL_NOT_FOUND",
    )
    .await;
    json_error(
        bantz.get("/api/v1/skills/ticker").await,
        404,
        "SKILL_NOT_FOUND",
    )
    .await;
    assert_eq!(
        bantz.chat("saat kaç").await["tools_used"],
        json!(["clock.now"])
    );
}

#[tokio::test]
async fn a_broken_replacement_leaves_the_old_version_serving() {
    let bantz = Bantz::start().await;
    let before = bantz.skill_status("clock").await;
    std::fs::write(
        bantz.skills_dir().join("clock.wasm"),
        b"\0asm\x0d\0\x01\0 truncated",
    )
    .unwrap();
    let list = bantz
        .wait_for_skills("the broken file to be seen", |l| {
            find(l, "clock").is_some_and(|c| c["error"].is_string())
        })
        .await;
    let clock = find(&list, "clock").unwrap();
    assert_eq!(clock["status"], "active", "{clock}");
    assert_eq!(
        clock["sha256"], before["sha256"],
        "the old version still serves"
    );
    assert!(
        clock["error"]
            .as_str()
            .unwrap()
            .contains("not a valid skill component"),
        "{clock}"
    );
    assert_eq!(
        bantz.chat("saat kaç").await["tools_used"],
        json!(["clock.now"])
    );

    // A good file again clears the error.
    drop_in(
        &bantz.skills_dir(),
        "clock.wasm",
        &variant(&std::fs::read(skill("clock")).unwrap(), "fixed"),
    );
    bantz
        .wait_for_skills("the fixed file to load", |l| {
            find(l, "clock")
                .is_some_and(|c| c["error"].is_null() && c["sha256"] != before["sha256"])
        })
        .await;
}

#[tokio::test]
async fn a_second_file_claiming_a_taken_name_is_rejected() {
    let bantz = Bantz::start().await;
    drop_in(
        &bantz.skills_dir(),
        "clock-copy.wasm",
        &variant(&std::fs::read(skill("clock")).unwrap(), "copy"),
    );
    let list = bantz
        .wait_for_skills("the copy to be rejected", |l| {
            l.iter()
                .any(|s| s["source"] == "clock-copy.wasm" && s["status"] == "failed")
        })
        .await;
    let copy = list
        .iter()
        .find(|s| s["source"] == "clock-copy.wasm")
        .unwrap();
    assert_eq!(copy["status"], "failed");
    assert!(
        copy["error"].as_str().unwrap().contains("already taken by"),
        "{copy}"
    );
    assert_eq!(find(&list, "clock").unwrap()["source"], "clock.wasm");
}

#[tokio::test]
async fn a_call_in_flight_finishes_on_the_version_it_started_with() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        ..Default::default()
    })
    .await;
    let old_sha = bantz.skill_status("ticker").await["sha256"].clone();
    let held = {
        let (http, url) = (bantz.http.clone(), bantz.url("/api/v1/commands"));
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(bantz_tests::TOKEN)
                .json(&json!({"command": "ticker.hold", "args": {"ms": 1500}}))
                .send()
                .await
                .unwrap()
        })
    };
    bantz
        .wait_for_skills("the held call to start", |l| {
            find(l, "ticker").is_some_and(|t| t["in_flight"] == 1)
        })
        .await;
    drop_in(
        &bantz.skills_dir(),
        "ticker.wasm",
        &variant(&std::fs::read(test_skill("ticker")).unwrap(), "new"),
    );
    bantz
        .wait_for_skills("the new version", |l| {
            find(l, "ticker").is_some_and(|t| t["sha256"] != old_sha)
        })
        .await;
    let reply = json_ok(held.await.unwrap()).await;
    assert_eq!(reply["response"], "held for 1500 ms");
}

#[tokio::test]
async fn ticks_run_on_schedule_and_kv_survives_a_restart() {
    let bantz = Bantz::start_with(Options {
        skills: vec![test_skill("ticker")],
        ..Default::default()
    })
    .await;
    // The ticker asks for a tick every second; the host ticks no skill more often than every
    // 5 s, shows the period it keeps, and logs that it clamped it.
    let status = bantz.skill_status("ticker").await;
    assert_eq!(status["permissions"]["schedule_seconds"], 5, "{status}");
    let log = bantz.log();
    assert!(
        log.contains("asks to be ticked more often than the host allows") && log.contains("ticker"),
        "{log}"
    );
    // The first tick comes as the skill loads, the next a period later.
    bantz
        .wait_for_skills("two ticks", |l| {
            find(l, "ticker").is_some_and(|t| t["ticks"].as_u64() >= Some(2))
        })
        .await;
    let count = json_ok(bantz.command("ticker.count", json!({})).await).await;
    let ticks = count["data"]["ticks"].as_u64().unwrap();
    assert!(ticks >= 2, "{count}");

    let bantz = bantz
        .restart(Options {
            skills: vec![],
            ..Default::default()
        })
        .await;
    let count = json_ok(bantz.command("ticker.count", json!({})).await).await;
    assert!(
        count["data"]["ticks"].as_u64().unwrap() >= ticks,
        "kv kept the count across the restart: {count}"
    );
}

#[tokio::test]
async fn a_disabled_skill_refuses_calls_until_enabled_even_after_a_restart() {
    let bantz = Bantz::start().await;
    let status = json_ok(bantz.post("/api/v1/skills/clock/disable", &json!({})).await).await;
    assert_eq!(status["status"], "disabled");
    let error = json_error(
        bantz
            .post("/api/v1/chat", &json!({"message": "saat kaç"}))
            .await,
        409,
        "SKILL_DISABLED",
    )
    .await;
    assert!(error["message"].as_str().unwrap().contains("disabled"));

    let bantz = bantz.restart(Options::default()).await;
    assert_eq!(bantz.skill_status("clock").await["status"], "disabled");
    let status = json_ok(bantz.post("/api/v1/skills/clock/enable", &json!({})).await).await;
    assert_eq!(status["status"], "active");
    assert_eq!(
        bantz.chat("saat kaç").await["tools_used"],
        json!(["clock.now"])
    );
    json_error(
        bantz.post("/api/v1/skills/nope/disable", &json!({})).await,
        404,
        "SKILL_NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn status_shows_counters_latency_and_grants() {
    let bantz = Bantz::start().await;
    for _ in 0..3 {
        bantz.chat("saat kaç").await;
    }
    let clock = bantz.skill_status("clock").await;
    assert_eq!(clock["invocations"], 3);
    assert_eq!(clock["errors"], 0);
    assert_eq!(clock["timeouts"], 0);
    assert!(clock["latency_p99_ms"].as_u64().unwrap() >= clock["latency_p50_ms"].as_u64().unwrap());
    assert!(clock["loaded_at_ms"].as_i64().unwrap() > 0);
    assert!(clock["size_bytes"].as_u64().unwrap() > 1000);
    assert_eq!(
        clock["permissions"],
        json!({"outbound_hosts": [], "notify": false})
    );
    assert!(clock["last_error"].is_null());
}

#[tokio::test]
async fn the_reload_endpoint_starts_the_loads_and_answers_at_once() {
    let bantz = Bantz::start_with(Options {
        skills: vec![],
        ..Default::default()
    })
    .await;
    std::fs::copy(skill("clock"), bantz.skills_dir().join("clock.wasm")).unwrap();
    let response = bantz.post("/api/v1/skills/reload", &json!({})).await;
    assert_eq!(response.status(), 202);
    let report: Value = response.json().await.unwrap();
    // The watcher may have started it already; then the reload has nothing left to start.
    let started = report["started"].as_array().unwrap();
    assert!(
        started.is_empty() || *started == [json!("clock.wasm")],
        "{report}"
    );
    assert_eq!(report["unloaded"], json!([]), "{report}");
    let listed = report["skills"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["source"] == "clock.wasm");
    assert!(listed, "{report}");
    bantz
        .wait_for_skills("clock to load", |l| {
            find(l, "clock").is_some_and(|c| c["status"] == "active")
        })
        .await;

    std::fs::remove_file(bantz.skills_dir().join("clock.wasm")).unwrap();
    let report: Value = bantz
        .post("/api/v1/skills/reload", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["started"], json!([]), "{report}");
    bantz
        .wait_for_skills("clock to unload", |l| find(l, "clock").is_none())
        .await;
}

/// What a hot-swap soak saw.
#[derive(Debug)]
struct Soak {
    swaps: usize,
    chats: usize,
    failed: usize,
    rss_start_mib: f64,
    rss_end_mib: f64,
    took: std::time::Duration,
}

/// The host's resident memory, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

/// Replaces clock.wasm `swaps` times (each time a variant that hashes differently, renamed into
/// place) while four clients chat "saat kaç" without a pause; counts the chats that did not
/// answer 200 from the clock, and measures the host's memory before and after.
async fn hot_swap_soak(swaps: usize) -> Soak {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let bantz = Arc::new(
        Bantz::start_with(Options {
            skills: vec![skill("clock")],
            config: Some("[rate_limits]\nchat = 0\n".into()),
            ..Default::default()
        })
        .await,
    );
    let clock = std::fs::read(skill("clock")).unwrap();
    // Warm up, so that the start figure is the host at work, not the host at rest.
    for _ in 0..50 {
        bantz.chat("saat kaç").await;
    }
    let rss_start_mib = rss_mib(bantz.pid());
    let stop = Arc::new(AtomicBool::new(false));
    let (chats, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (bantz, stop) = (bantz.clone(), stop.clone());
            let (chats, failed) = (chats.clone(), failed.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let response = bantz
                        .post("/api/v1/chat", &json!({ "message": "saat kaç" }))
                        .await;
                    let ok = response.status() == 200
                        && response
                            .json::<Value>()
                            .await
                            .is_ok_and(|r| r["tools_used"] == json!(["clock.now"]));
                    chats.fetch_add(1, Ordering::SeqCst);
                    if !ok {
                        failed.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    let started = std::time::Instant::now();
    // Eight variants in turn: every swap changes the file, and the compile cache (shared by
    // the test hosts) keeps eight entries, not a thousand.
    let variants: Vec<Vec<u8>> = (0..8)
        .map(|n| variant(&clock, &format!("swap{n}")))
        .collect();
    let shas: Vec<String> = variants.iter().map(|v| sha256_hex(v)).collect();
    let mut list = Vec::new();
    for n in 0..swaps {
        let swapped_at = chrono::Utc::now().timestamp_millis();
        drop_in(&bantz.skills_dir(), "clock.wasm", &variants[n % 8]);
        // Every tenth swap, and the last, is waited for until it serves, so that swaps are
        // applied under load, not only coalesced.
        if n % 10 == 9 || n + 1 == swaps {
            let sha = &shas[n % 8];
            list = bantz
                .wait_for_skills("the swap to apply", |l| {
                    find(l, "clock").is_some_and(|c| {
                        c["sha256"] == sha.as_str()
                            && c["loaded_at_ms"].as_i64() >= Some(swapped_at)
                    })
                })
                .await;
        }
    }
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.await.unwrap();
    }
    let clock = find(&list, "clock").unwrap();
    assert_eq!(clock["status"], "active", "{clock}");
    assert!(clock["error"].is_null(), "{clock}");
    Soak {
        swaps,
        chats: chats.load(Ordering::SeqCst),
        failed: failed.load(Ordering::SeqCst),
        rss_start_mib,
        rss_end_mib: rss_mib(bantz.pid()),
        took,
    }
}

/// SHA-256 of `bytes`, hex, as the host reports a skill file's; from `sha256sum`.
fn sha256_hex(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("running sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[tokio::test]
async fn replacing_a_skill_again_and_again_under_chat_load_fails_no_request() {
    let soak = hot_swap_soak(40).await;
    assert!(soak.chats > 0, "{soak:?}");
    assert_eq!(soak.failed, 0, "{soak:?}");
}

/// The hot-swap soak of issue 13, for `cargo xtask bench soak` (run against a release build):
/// 1,000 swaps under chat load; prints its figures between markers for the report.
#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench soak"]
async fn hot_swap_soak_benchmark() {
    let swaps = std::env::var("BANTZ_SOAK_SWAPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let soak = hot_swap_soak(swaps).await;
    let growth = (soak.rss_end_mib - soak.rss_start_mib) / soak.rss_start_mib * 100.0;
    let verdict = if growth <= 20.0 { "met" } else { "missed" };
    println!(
        "<<<soak\n| swaps | chats | failed | RSS at start | RSS at end | change (target ≤ +20%) | time |\n\
         |---|---|---|---|---|---|---|\n\
         | {} | {} | {} | {:.1} MiB | {:.1} MiB | {growth:+.1}% ({verdict}) | {:.1} s |\nsoak>>>",
        soak.swaps,
        soak.chats,
        soak.failed,
        soak.rss_start_mib,
        soak.rss_end_mib,
        soak.took.as_secs_f64()
    );
    // Failed requests fail the run; the memory figure is reported against its target.
    assert_eq!(soak.failed, 0, "{soak:?}");
}

#[tokio::test]
async fn bantz_skills_list_and_inspect() {
    let bantz = Bantz::start().await;
    let out = std::process::Command::new(bantz_tests::bantz_bin())
        .args([
            "skills",
            "list",
            "--url",
            &bantz.base,
            "--token",
            &bantz.token,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("clock") && l.contains("active") && l.contains("clock.wasm")),
        "{text}"
    );

    let out = std::process::Command::new(bantz_tests::bantz_bin())
        .args(["skills", "inspect"])
        .arg(test_skill("ticker"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "skill:    ticker",
        "bantz:skill/host@0.1.1",
        "ticker.hold",
        "schedule:       every 1 s",
        "outbound hosts: none",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let garbage = bantz.dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"nope").unwrap();
    let out = std::process::Command::new(bantz_tests::bantz_bin())
        .args(["skills", "inspect"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid skill component"));
}

#[tokio::test]
async fn invalid_limits_in_the_config_stop_the_start_with_a_clear_message() {
    let cases = [
        (
            "[skills.clock]\ntimeout_ms = \"soon\"\n",
            &["[skills.clock]", "timeout_ms"][..],
        ),
        // A host-wide limit in a skill's section would silently do nothing.
        (
            "[skills.clock]\nmax_skill_bytes = 1000000\n",
            &["max_skill_bytes applies to every skill: set it in [limits]"][..],
        ),
        (
            "[limits]\nmanifest_timeout_ms = 0\n",
            &["manifest_timeout_ms must be from 1 to 600000"][..],
        ),
        (
            "[skills.clock]\nkv_max_keys = 0\n",
            &["kv_max_bytes and kv_max_keys must be positive"][..],
        ),
        (
            "[server]\nshutdown_grace_secs = 0\n",
            &["shutdown_grace_secs must be from 1 to 3600"][..],
        ),
    ];
    for (config, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bantz.toml"), config).unwrap();
        let out = std::process::Command::new(bantz_tests::bantz_bin())
            .current_dir(dir.path())
            .args([
                "serve",
                "--port",
                "0",
                "--data-dir",
                "data",
                "--config",
                "bantz.toml",
            ])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{config}");
        let err = String::from_utf8_lossy(&out.stderr);
        for part in expected {
            assert!(err.contains(part), "{config}: {err}");
        }
    }
}
