//! The hostile-skill suite: skills from skills/testing that misbehave on purpose (spin forever,
//! eat memory, recurse, panic, answer too much, flood the log, try to escape, reach the network,
//! import what does not exist) against the sandbox.
//!
//! Each test checks that (a) the misbehaviour gets the right answer, (b) the host keeps answering
//! while it happens, (c) the other skills are unaffected afterwards, and (d) the skill's status
//! records what happened.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bantz_tests::{Bantz, Options, Value, json, json_error, json_ok, skill, test_skill};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts a host with the clock and the given test skills, with `config` as bantz.toml. The
/// chat rate limit is off: `alongside` chats as fast as it can while a hostile call runs.
async fn start(test_skills: &[&str], config: &str) -> Arc<Bantz> {
    let mut skills = vec![skill("clock")];
    skills.extend(test_skills.iter().map(|name| test_skill(name)));
    let bantz = Bantz::start_with(Options {
        skills,
        config: Some(format!("{config}\n[rate_limits]\nchat = 0\n")),
        ..Default::default()
    })
    .await;
    Arc::new(bantz)
}

/// A `[skills.<name>]` section that never quarantines (so each test sees only the failure it
/// provokes), plus `settings` (TOML lines).
fn section(skill: &str, settings: &str) -> String {
    format!("[skills.{skill}]\nquarantine_after = 100\n{settings}\n")
}

/// Asserts a skill's counters and last error: `invocations` calls, `errors` of them failed
/// (timeouts included), `timeouts` of them timed out, and the last failure had `code`.
fn assert_recorded(status: &Value, invocations: u64, errors: u64, timeouts: u64, code: &str) {
    assert_eq!(status["invocations"], invocations, "{status}");
    assert_eq!(status["errors"], errors, "{status}");
    assert_eq!(status["timeouts"], timeouts, "{status}");
    let last = &status["last_error"];
    assert_eq!(last["code"], code, "{status}");
    assert!(
        last["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{status}"
    );
    assert!(last["at_ms"].as_i64().is_some_and(|t| t > 0), "{status}");
    assert!(status["latency_p50_ms"].is_number(), "{status}");
    assert!(status["latency_p99_ms"].is_number(), "{status}");
}

/// Asserts the clock still answers, by chat and directly, and has not failed once.
async fn assert_clock_unaffected(bantz: &Bantz) {
    let reply = bantz.chat("saat kaç").await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]), "{reply}");
    let reply = json_ok(bantz.command("clock.today", json!({})).await).await;
    assert_eq!(reply["tools_used"], json!(["clock.today"]), "{reply}");
    assert!(
        reply["response"].as_str().unwrap().starts_with("Today is "),
        "{reply}"
    );
    let clock = bantz.skill_status("clock").await;
    assert_eq!(clock["status"], "active", "{clock}");
    assert_eq!(clock["errors"], 0, "{clock}");
    assert_eq!(clock["timeouts"], 0, "{clock}");
}

/// What happened while a hostile call ran.
struct Alongside {
    /// The hostile call's response, unread.
    response: reqwest::Response,
    /// How long the hostile call took.
    took: Duration,
    /// Chats the clock answered before the hostile call came back.
    answered_during: usize,
    /// The slowest of those.
    slowest_during: Duration,
}

/// Runs `cmd` and, at the same time, asks "saat kaç" again and again until it comes back; every
/// chat must reach the clock.
async fn alongside(bantz: &Arc<Bantz>, cmd: &str, args: Value) -> Alongside {
    let started = Instant::now();
    let hostile = {
        let bantz = bantz.clone();
        let cmd = cmd.to_owned();
        tokio::spawn(async move {
            let response = bantz.command(&cmd, args).await;
            (response, started.elapsed())
        })
    };
    let (mut answered_during, mut slowest_during) = (0, Duration::ZERO);
    loop {
        let asked = Instant::now();
        let reply = bantz.chat("saat kaç").await;
        assert_eq!(
            reply["tools_used"],
            json!(["clock.now"]),
            "while {cmd} ran: {reply}"
        );
        if hostile.is_finished() {
            break;
        }
        answered_during += 1;
        slowest_during = slowest_during.max(asked.elapsed());
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{cmd} has not come back after two minutes"
        );
    }
    let (response, took) = hostile.await.unwrap();
    Alongside {
        response,
        took,
        answered_during,
        slowest_during,
    }
}

#[tokio::test]
async fn an_endless_loop_times_out_at_its_deadline_while_the_host_keeps_answering() {
    let bantz = start(
        &["hostile-loop"],
        &section("hostile-loop", "timeout_ms = 2000"),
    )
    .await;
    let run = alongside(&bantz, "hostile-loop.spin", json!({})).await;
    json_error(run.response, 504, "SKILL_TIMEOUT").await;
    // The configured deadline stopped it, not the 10 s default.
    assert!(
        run.took >= Duration::from_millis(1900) && run.took < Duration::from_secs(8),
        "the loop ran for {:?} with timeout_ms = 2000",
        run.took
    );
    // The clock answered, promptly, while the loop was burning its CPU.
    assert!(
        run.answered_during >= 1,
        "no chat answered during the loop (it took {:?})",
        run.took
    );
    assert!(
        run.slowest_during < Duration::from_millis(1000),
        "a chat took {:?} while the loop ran",
        run.slowest_during
    );
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-loop").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 1, 1, 1, "SKILL_TIMEOUT");
}

#[tokio::test]
async fn a_memory_bomb_hits_the_configured_cap() {
    let bantz = start(
        &["hostile-memory"],
        &section("hostile-memory", "memory_mb = 16"),
    )
    .await;
    let run = alongside(&bantz, "hostile-memory.bomb", json!({})).await;
    json_error(run.response, 502, "SKILL_MEMORY").await;
    // Under the cap the same skill works: each call gets a fresh instance.
    let reply = json_ok(
        bantz
            .command("hostile-memory.bomb", json!({ "mb": 4 }))
            .await,
    )
    .await;
    assert_eq!(reply["data"]["mb"], 4, "{reply}");
    assert_eq!(
        reply["tools_used"],
        json!(["hostile-memory.bomb"]),
        "{reply}"
    );
    // 32 MiB fits the 64 MiB default but not the configured 16.
    json_error(
        bantz
            .command("hostile-memory.bomb", json!({ "mb": 32 }))
            .await,
        502,
        "SKILL_MEMORY",
    )
    .await;
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-memory").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 3, 2, 0, "SKILL_MEMORY");
}

#[tokio::test]
async fn unbounded_recursion_traps_without_taking_the_host_down() {
    let bantz = start(&["hostile-recursion"], &section("hostile-recursion", "")).await;
    let run = alongside(&bantz, "hostile-recursion.dive", json!({})).await;
    json_error(run.response, 502, "SKILL_TRAPPED").await;
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-recursion").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 1, 1, 0, "SKILL_TRAPPED");
}

#[tokio::test]
async fn a_panic_is_a_trap_and_the_next_call_starts_fresh() {
    let bantz = start(&["hostile-panic"], &section("hostile-panic", "")).await;
    let run = alongside(&bantz, "hostile-panic.boom", json!({})).await;
    json_error(run.response, 502, "SKILL_TRAPPED").await;
    json_error(
        bantz.command("hostile-panic.boom", json!({})).await,
        502,
        "SKILL_TRAPPED",
    )
    .await;
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-panic").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 2, 2, 0, "SKILL_TRAPPED");
}

#[tokio::test]
async fn a_reply_over_the_configured_size_is_refused() {
    let bantz = start(
        &["hostile-reply"],
        &section("hostile-reply", "max_reply_bytes = 65536"),
    )
    .await;
    // 8 MiB.
    let run = alongside(&bantz, "hostile-reply.huge", json!({})).await;
    json_error(run.response, 502, "SKILL_REPLY_TOO_LARGE").await;
    // Under the cap it is passed on whole.
    let reply = json_ok(
        bantz
            .command("hostile-reply.huge", json!({ "bytes": 60_000 }))
            .await,
    )
    .await;
    assert_eq!(reply["response"].as_str().unwrap().len(), 60_000);
    // 100 000 bytes fit the 256 KiB default but not the configured 64 KiB.
    json_error(
        bantz
            .command("hostile-reply.huge", json!({ "bytes": 100_000 }))
            .await,
        502,
        "SKILL_REPLY_TOO_LARGE",
    )
    .await;
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-reply").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 3, 2, 0, "SKILL_REPLY_TOO_LARGE");
}

#[tokio::test]
async fn a_log_flood_is_cut_to_the_budget_and_the_call_still_succeeds() {
    // The flood is 100 000 host calls: give it time, a slow debug host is not what this tests.
    let bantz = start(
        &["hostile-log"],
        &section("hostile-log", "max_log_bytes = 8192\ntimeout_ms = 60000"),
    )
    .await;
    let run = alongside(&bantz, "hostile-log.flood", json!({})).await;
    let reply = json_ok(run.response).await;
    assert_eq!(reply["response"], "flooded", "{reply}");
    assert_eq!(reply["tools_used"], json!(["hostile-log.flood"]), "{reply}");
    let reply = json_ok(bantz.command("hostile-log.flood", json!({})).await).await;
    assert_eq!(reply["response"], "flooded", "{reply}");
    assert_clock_unaffected(&bantz).await;

    // Each log line is `NNNNNN LLL…` (1 KiB of L); stdout and stderr lines start with their
    // stream's name. Of 100 000 lines per call, only the budget's worth may reach the log.
    let log = bantz.log();
    let payload = "L".repeat(64);
    let logged: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(&payload) && !l.contains("stdout ") && !l.contains("stderr "))
        .collect();
    let per_call = 8192 / 1024 + 1;
    assert!(
        logged.len() <= 2 * per_call,
        "{} lines of 1 KiB logged in two calls with max_log_bytes = 8192",
        logged.len()
    );
    // The budget is per call: each call's first line made it.
    let firsts = logged.iter().filter(|l| l.contains("000000 LLLL")).count();
    assert_eq!(firsts, 2, "each call's first log line should be kept");
    // Nor may the megabytes written to stdout and stderr end up in the host's log. The access
    // lines of the chats answered alongside are the host's own, and their number depends on
    // how fast it answers, so they do not count.
    let skill_bytes: usize = log
        .lines()
        .filter(|l| !l.contains("bantz::api::observe"))
        .map(|l| l.len() + 1)
        .sum();
    assert!(
        skill_bytes < 512 * 1024,
        "the host's log grew by {skill_bytes} bytes besides its access lines"
    );

    let status = bantz.skill_status("hostile-log").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["invocations"], 2, "{status}");
    assert_eq!(status["errors"], 0, "{status}");
    assert_eq!(status["timeouts"], 0, "{status}");
    assert!(status["last_error"].is_null(), "{status}");
}

#[tokio::test]
async fn files_env_dirs_and_sockets_are_all_out_of_reach() {
    let bantz = start(&["hostile-escape"], &section("hostile-escape", "")).await;
    let refused = json!({ "file": "denied", "env_vars": 0, "dir": "denied", "socket": "denied" });

    // The defaults: /etc/passwd, HOME and PATH (both set for the host), / and ., port 22.
    let run = alongside(&bantz, "hostile-escape.probe", json!({})).await;
    let reply = json_ok(run.response).await;
    assert_eq!(
        reply["tools_used"],
        json!(["hostile-escape.probe"]),
        "{reply}"
    );
    assert_eq!(reply["data"], refused, "{reply}");

    // A file the host itself reads, and a port where something listens: only the sandbox can
    // be what refused them.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = bantz.dir.path().join("bantz.toml");
    assert!(config.exists());
    let reply = json_ok(
        bantz
            .command(
                "hostile-escape.probe",
                json!({ "file": config, "port": port }),
            )
            .await,
    )
    .await;
    assert_eq!(reply["data"], refused, "{reply}");
    let accepted = tokio::time::timeout(Duration::ZERO, listener.accept()).await;
    assert!(
        accepted.is_err(),
        "the skill's connection reached the listener"
    );
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-escape").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["invocations"], 2, "{status}");
    assert_eq!(status["errors"], 0, "{status}");
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!([]),
        "{status}"
    );
    assert_eq!(status["permissions"]["notify"], false, "{status}");
}

/// What the test HTTP server answers.
const BODY: &str = "hello from the test server";

/// A tiny HTTP/1.1 server on 127.0.0.1:0 that answers every request with 200 and [`BODY`].
/// Returns its URL and a count of the connections it accepted.
async fn http_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{BODY}",
                    BODY.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/hello"), hits)
}

/// Lets loopback addresses through the sandbox's private-address block.
const PRIVATE_LOOPBACK: &str = "[sandbox]\nallow_private_hosts = [\"127.0.0.1\"]\n";

#[tokio::test]
async fn outbound_http_reaches_a_host_both_the_manifest_and_the_operator_allow() {
    let (url, hits) = http_server().await;
    let config = section("hostile-http", "allow_hosts = [\"127.0.0.1\"]") + PRIVATE_LOOPBACK;
    let bantz = start(&["hostile-http"], &config).await;
    let run = alongside(&bantz, "hostile-http.fetch", json!({ "url": url })).await;
    let reply = json_ok(run.response).await;
    assert_eq!(reply["response"], "status 200", "{reply}");
    assert_eq!(
        reply["data"],
        json!({ "status": 200, "body": BODY }),
        "{reply}"
    );
    assert_eq!(
        reply["tools_used"],
        json!(["hostile-http.fetch"]),
        "{reply}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-http").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["invocations"], 1, "{status}");
    assert_eq!(status["errors"], 0, "{status}");
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!(["127.0.0.1"]),
        "{status}"
    );
    assert_eq!(status["permissions"]["notify"], false, "{status}");
    assert!(
        status["permissions"]["schedule_seconds"].is_null(),
        "{status}"
    );
}

#[tokio::test]
async fn outbound_http_is_denied_when_the_operator_does_not_allow_the_host() {
    let (url, hits) = http_server().await;
    // The manifest declares 127.0.0.1, but [skills.hostile-http] has no allow_hosts.
    let bantz = start(
        &["hostile-http"],
        &(section("hostile-http", "") + PRIVATE_LOOPBACK),
    )
    .await;
    let run = alongside(&bantz, "hostile-http.fetch", json!({ "url": url })).await;
    json_error(run.response, 502, "SKILL_UPSTREAM").await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the request went out");
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-http").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!([]),
        "{status}"
    );
    assert_recorded(&status, 1, 1, 0, "SKILL_UPSTREAM");
}

#[tokio::test]
async fn outbound_http_grants_only_hosts_the_manifest_declares() {
    let (url, hits) = http_server().await;
    // The operator allows more than the manifest asks for; only the intersection is granted.
    let config = section(
        "hostile-http",
        "allow_hosts = [\"127.0.0.1\", \"localhost\"]",
    ) + PRIVATE_LOOPBACK;
    let bantz = start(&["hostile-http"], &config).await;
    let status = bantz.skill_status("hostile-http").await;
    assert_eq!(
        status["permissions"]["outbound_hosts"],
        json!(["127.0.0.1"]),
        "{status}"
    );
    let undeclared = url.replace("127.0.0.1", "localhost");
    let run = alongside(&bantz, "hostile-http.fetch", json!({ "url": undeclared })).await;
    json_error(run.response, 502, "SKILL_UPSTREAM").await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the request went out");
    assert_clock_unaffected(&bantz).await;
    let status = bantz.skill_status("hostile-http").await;
    assert_recorded(&status, 1, 1, 0, "SKILL_UPSTREAM");
}

#[tokio::test]
async fn outbound_http_to_a_private_address_needs_the_sandbox_allowance() {
    let (url, hits) = http_server().await;
    // Allowed by the manifest and by allow_hosts, but 127.0.0.1 is loopback and [sandbox]
    // allow_private_hosts does not list it.
    let bantz = start(
        &["hostile-http"],
        &section("hostile-http", "allow_hosts = [\"127.0.0.1\"]"),
    )
    .await;
    let run = alongside(&bantz, "hostile-http.fetch", json!({ "url": url })).await;
    json_error(run.response, 502, "SKILL_UPSTREAM").await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the request went out");
    assert_clock_unaffected(&bantz).await;

    let status = bantz.skill_status("hostile-http").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_recorded(&status, 1, 1, 0, "SKILL_UPSTREAM");
}

#[tokio::test]
async fn a_skill_that_keeps_failing_is_quarantined() {
    let bantz = start(
        &["hostile-loop"],
        "[skills.hostile-loop]\ntimeout_ms = 200\nquarantine_after = 2\n",
    )
    .await;
    for _ in 0..2 {
        json_error(
            bantz.command("hostile-loop.spin", json!({})).await,
            504,
            "SKILL_TIMEOUT",
        )
        .await;
    }
    let status = bantz.skill_status("hostile-loop").await;
    assert_eq!(status["status"], "quarantined", "{status}");
    assert_eq!(status["timeouts"], 2, "{status}");

    // The third call is refused without running the skill.
    json_error(
        bantz.command("hostile-loop.spin", json!({})).await,
        503,
        "SKILL_UNAVAILABLE",
    )
    .await;
    let status = bantz.skill_status("hostile-loop").await;
    assert_eq!(status["status"], "quarantined", "{status}");
    assert_eq!(status["timeouts"], 2, "{status}");

    // The list agrees, and the quarantine is the loop's alone.
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    let listed = skills
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "hostile-loop")
        .unwrap();
    assert_eq!(listed["status"], "quarantined", "{listed}");
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_component_with_an_import_the_host_lacks_fails_to_load_and_says_why() {
    let bantz = start(&["hostile-import"], "").await;
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    let skills = skills.as_array().unwrap();
    assert_eq!(skills.len(), 2, "{skills:?}");
    let bad = skills
        .iter()
        .find(|s| s["source"] == "hostile-import.wasm")
        .unwrap_or_else(|| panic!("hostile-import.wasm is not listed: {skills:?}"));
    assert_eq!(bad["status"], "failed", "{bad}");
    let error = bad["error"].as_str().unwrap_or_default();
    assert!(error.contains("test:bad/nope"), "{bad}");

    // It cannot be called, whatever the host calls a skill it never loaded.
    let response = bantz.command("hostile-import.call", json!({})).await;
    let code = response.status().as_u16();
    assert!(code == 404 || code == 503, "calling it answered {code}");
    let error = json_error(
        response,
        code,
        if code == 404 {
            "SKILL_NOT_FOUND"
        } else {
            "SKILL_UNAVAILABLE"
        },
    )
    .await;
    assert!(!error["message"].as_str().unwrap().is_empty());
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_quarantine_ends_by_itself_and_the_next_one_lasts_longer() {
    let bantz = start(
        &["hostile-loop"],
        "[skills.hostile-loop]\ntimeout_ms = 100\nquarantine_after = 2\nquarantine_ms = 400\n",
    )
    .await;
    for _ in 0..2 {
        json_error(
            bantz.command("hostile-loop.spin", json!({})).await,
            504,
            "SKILL_TIMEOUT",
        )
        .await;
    }
    let first = bantz.skill_status("hostile-loop").await;
    assert_eq!(first["status"], "quarantined", "{first}");
    let first_period = first["quarantined_until_ms"].as_i64().unwrap()
        - first["last_error"]["at_ms"].as_i64().unwrap();

    bantz
        .wait_for_skills("the quarantine to end", |l| {
            l.iter()
                .any(|s| s["name"] == "hostile-loop" && s["status"] == "active")
        })
        .await;
    // Back on probation: it runs again, and failing again quarantines it at once, for longer.
    json_error(
        bantz.command("hostile-loop.spin", json!({})).await,
        504,
        "SKILL_TIMEOUT",
    )
    .await;
    let second = bantz.skill_status("hostile-loop").await;
    assert_eq!(second["status"], "quarantined", "{second}");
    let second_period = second["quarantined_until_ms"].as_i64().unwrap()
        - second["last_error"]["at_ms"].as_i64().unwrap();
    assert!(
        second_period > first_period,
        "back-off doubles: {first_period} ms, then {second_period} ms"
    );
    assert_clock_unaffected(&bantz).await;
}

/// The failed entry of `file` in `GET /api/v1/skills`, and its reason.
async fn failed_file(bantz: &Bantz, file: &str) -> String {
    let skills = json_ok(bantz.get("/api/v1/skills").await).await;
    let entry = skills
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == file)
        .unwrap_or_else(|| panic!("{file} is not listed: {skills}"))
        .clone();
    assert_eq!(entry["status"], "failed", "{entry}");
    entry["error"].as_str().unwrap_or_default().to_owned()
}

/// Answers within `limit`, or panics naming `what` did not: a host whose workers are stuck
/// in a matcher would never answer.
async fn within<T>(limit: Duration, what: &str, answer: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, answer)
        .await
        .unwrap_or_else(|_| panic!("{what} did not answer within {limit:?}"))
}

#[tokio::test]
async fn templates_over_the_limits_fail_the_skill_with_a_reason_naming_template_and_limit() {
    let bantz = start(&["over-limit-templates"], "").await;
    let error = failed_file(&bantz, "over-limit-templates.wasm").await;
    assert!(error.contains("\"[a|a a] [a|a a] [a|a a]"), "{error}");
    assert!(error.contains("command \"echo\""), "{error}");
    assert!(
        error.contains("the limit is 128 (MAX_TEMPLATE_SIZE)"),
        "{error}"
    );
    let response = bantz.command("over-limit-templates.echo", json!({})).await;
    assert_ne!(response.status(), 200);
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn pathological_templates_cost_bounded_time_and_the_host_keeps_answering() {
    let bantz = start(&["hostile-templates"], "").await;
    let status = bantz.skill_status("hostile-templates").await;
    assert_eq!(status["status"], "active", "{status}");
    // 60 words that every hostile template could start to match: a matcher that enumerates
    // paths takes 3^24 steps and more for each template.
    let adversarial = vec!["a"; 60].join(" ");
    let reply = within(Duration::from_secs(10), "the adversarial message", async {
        bantz.chat(&adversarial).await
    })
    .await;
    assert_eq!(
        reply["tools_used"],
        json!(["hostile-templates.echo"]),
        "{reply}"
    );

    // Several clients keep sending such messages (and shorter ones); meanwhile health and the
    // clock keep answering.
    let senders: Vec<_> = (0..4)
        .map(|client| {
            let bantz = bantz.clone();
            tokio::spawn(async move {
                for round in 0..8 {
                    let words = 60 - (client * 8 + round) % 20;
                    let reply = bantz.chat(&vec!["a"; words].join(" ")).await;
                    assert_eq!(reply["response"], "a", "{words} words: {reply}");
                }
            })
        })
        .collect();
    let mut answered = 0;
    while !senders.iter().all(|s| s.is_finished()) {
        let health = within(
            Duration::from_secs(5),
            "/api/v1/health",
            bantz.get("/api/v1/health"),
        )
        .await;
        assert_eq!(health.status(), 200);
        let reply = within(Duration::from_secs(5), "saat kaç", bantz.chat("saat kaç")).await;
        assert_eq!(reply["tools_used"], json!(["clock.now"]), "{reply}");
        answered += 1;
    }
    for sender in senders {
        sender.await.unwrap();
    }
    assert!(
        answered > 0,
        "nothing was asked while the hostile messages ran"
    );
    let status = bantz.skill_status("hostile-templates").await;
    assert_eq!(status["invocations"], 33, "{status}");
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_catch_all_skill_fails_to_load_and_never_receives_a_message() {
    let bantz = start(&["catch-all"], "").await;
    let error = failed_file(&bantz, "catch-all.wasm").await;
    assert!(error.contains("\"{msg}\""), "{error}");
    assert!(error.contains("catch-all"), "{error}");

    let reply = bantz.chat("my bank pin is 1234").await;
    assert_eq!(reply["tools_used"], json!([]), "{reply}");
    // Whatever the host calls a skill it never loaded, nothing reached it.
    let response = bantz.get("/api/v1/skills/catch-all").await;
    if response.status() == 200 {
        let status = json_ok(response).await;
        assert_eq!(status["invocations"], 0, "{status}");
    } else {
        assert_eq!(response.status(), 404);
    }
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_skill_with_twenty_thousand_templates_loads_and_slows_only_its_own_words() {
    let bantz = start(&["many-templates"], "").await;
    let status = bantz.skill_status("many-templates").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_clock_unaffected(&bantz).await;
    let reply = bantz.chat("what is the stock of item12344").await;
    assert_eq!(
        reply["tools_used"],
        json!(["many-templates.stock"]),
        "{reply}"
    );
    // Its templates share "saat kaç" with the clock; only a message naming its item is its.
    let reply = bantz.chat("saat kaç item19999").await;
    assert_eq!(
        reply["tools_used"],
        json!(["many-templates.stock"]),
        "{reply}"
    );
    let reply = bantz.chat("saat kaç").await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]), "{reply}");
}

/// The hostile skills written in Python (componentize-py) and JavaScript (componentize-js):
/// each carries a whole interpreter, and the sandbox must hold for it as for Rust.
const INTERPRETED: [&str; 2] = ["hostile-python", "hostile-js"];

/// One host for both cases, so each 13 to 19 MB component is compiled once.
#[tokio::test]
async fn python_and_javascript_skills_are_held_to_their_deadline_and_their_grants() {
    let (url, hits) = http_server().await;
    // A 2 s deadline; both manifests declare 127.0.0.1, but no section allows it.
    let config: String = INTERPRETED
        .iter()
        .map(|name| section(name, "timeout_ms = 2000"))
        .collect();
    let bantz = start(&INTERPRETED, &(config + PRIVATE_LOOPBACK)).await;
    for name in INTERPRETED {
        let run = alongside(&bantz, &format!("{name}.spin"), json!({})).await;
        json_error(run.response, 504, "SKILL_TIMEOUT").await;
        assert!(
            run.took >= Duration::from_millis(1900) && run.took < Duration::from_secs(8),
            "{name}'s loop ran for {:?} with timeout_ms = 2000",
            run.took
        );
        assert!(
            run.answered_during >= 1,
            "no chat answered during {name}'s loop (it took {:?})",
            run.took
        );
        let status = bantz.skill_status(name).await;
        assert_eq!(status["status"], "active", "{status}");
        assert_recorded(&status, 1, 1, 1, "SKILL_TIMEOUT");

        let run = alongside(&bantz, &format!("{name}.fetch"), json!({ "url": url })).await;
        let error = json_error(run.response, 502, "SKILL_UPSTREAM").await;
        assert!(
            error["message"].as_str().unwrap().contains(&url),
            "{name}: {error}"
        );
        let status = bantz.skill_status(name).await;
        assert_eq!(
            status["permissions"]["outbound_hosts"],
            json!([]),
            "{status}"
        );
        assert_recorded(&status, 2, 2, 1, "SKILL_UPSTREAM");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a request went out");
    assert_clock_unaffected(&bantz).await;
}
