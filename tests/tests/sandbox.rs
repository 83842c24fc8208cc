//! The hostile-skill suite: skills from skills/testing that misbehave on purpose (spin forever,
//! eat memory, recurse, panic, answer too much, flood the log, try to escape, reach the network,
//! import what does not exist, never return from `manifest()`, declare too much, fill their
//! storage) and files in the skills folder that are no skill at all (a FIFO, a socket, a device,
//! a sparse giant, a /proc file), against the sandbox; and the host stopping whatever they do.
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
    // Twice the default max_templates: its operator allows it.
    let bantz = start(
        &["many-templates"],
        "[skills.many-templates]\nmax_templates = 20000\n",
    )
    .await;
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

/// The host's resident memory, in MiB, from /proc.
fn rss_mib(bantz: &Bantz) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", bantz.pid())).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"));
    kib / 1024
}

/// The entry of `file` in a skills list, once it is no longer loading.
fn settled<'a>(list: &'a [Value], file: &str) -> Option<&'a Value> {
    list.iter()
        .find(|s| s["source"] == file)
        .filter(|s| s["status"] != "loading")
}

/// Makes a named pipe (FIFO) at `path`.
fn mkfifo(path: &std::path::Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("running mkfifo");
    assert!(status.success(), "mkfifo {} failed", path.display());
}

/// What `x.wasm` files that are not components of a reasonable size become: each fails at once
/// with its reason, without the host reading it.
struct NotRegular {
    file: &'static str,
    reason: &'static str,
}

/// Puts into `dir` a FIFO, a symlink to /dev/zero, a 3 GiB sparse file, a Unix socket and a
/// directory, all named `*.wasm`; returns what each must fail with, and the socket's listener
/// (the socket exists while it lives).
fn not_regular_files(dir: &std::path::Path) -> (Vec<NotRegular>, std::os::unix::net::UnixListener) {
    mkfifo(&dir.join("fifo.wasm"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.wasm")).unwrap();
    let sparse = std::fs::File::create(dir.join("sparse.wasm")).unwrap();
    sparse.set_len(3 * 1024 * 1024 * 1024).unwrap();
    drop(sparse);
    let listener = std::os::unix::net::UnixListener::bind(dir.join("socket.wasm")).unwrap();
    std::fs::create_dir(dir.join("folder.wasm")).unwrap();
    let expected = vec![
        NotRegular {
            file: "fifo.wasm",
            reason: "the file is a named pipe (FIFO), not a regular file",
        },
        NotRegular {
            file: "zero.wasm",
            reason: "the file is a character device, not a regular file",
        },
        NotRegular {
            file: "sparse.wasm",
            reason: "the file has 3221225472 bytes, over the limit of 67108864 bytes ([limits] max_skill_bytes)",
        },
        NotRegular {
            file: "socket.wasm",
            reason: "the file is a socket, not a regular file",
        },
        NotRegular {
            file: "folder.wasm",
            reason: "the file is a directory, not a regular file",
        },
    ];
    (expected, listener)
}

#[tokio::test]
async fn only_regular_files_are_read_and_a_symlink_only_to_one() {
    let bantz = start(&[], "").await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(test_skill("counter"), outside.path().join("counter.wasm")).unwrap();
    let rss_before = rss_mib(&bantz);

    let dir = bantz.skills_dir();
    let (expected, _socket) = not_regular_files(&dir);
    // A symlink to a regular file elsewhere is followed.
    std::os::unix::fs::symlink(outside.path().join("counter.wasm"), dir.join("linked.wasm"))
        .unwrap();
    let started = Instant::now();
    let reload = within(
        Duration::from_secs(5),
        "the reload",
        bantz.post("/api/v1/skills/reload", &json!({})),
    )
    .await;
    assert_eq!(reload.status(), 202);
    let list = bantz
        .wait_for_skills("every file to load or fail", |l| {
            expected.iter().all(|e| settled(l, e.file).is_some())
                && l.iter()
                    .any(|s| s["name"] == "counter" && s["status"] == "active")
        })
        .await;
    for e in &expected {
        let entry = settled(&list, e.file).unwrap();
        assert_eq!(entry["status"], "failed", "{entry}");
        let error = entry["error"].as_str().unwrap_or_default();
        assert!(error.contains(e.reason), "{}: {error}", e.file);
    }
    // Nothing was read into memory: a host that read the sparse file or /dev/zero would have
    // grown by gigabytes, or still be reading.
    let rss_after = rss_mib(&bantz);
    assert!(
        rss_after < rss_before + 256,
        "the host grew from {rss_before} MiB to {rss_after} MiB"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "settling took {:?}",
        started.elapsed()
    );
    json_ok(bantz.command("counter.count", json!({})).await).await;
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn the_read_of_a_skill_file_stops_at_the_cap_whatever_its_size_says() {
    // /proc files say they have 0 bytes, and have more: only the read itself can stop at the
    // cap. The host's own memory map is far over 4 KiB.
    let bantz = Bantz::start_with(Options {
        skills: vec![],
        config: Some("[limits]\nmax_skill_bytes = 4096\n".into()),
        ..Default::default()
    })
    .await;
    let maps = format!("/proc/{}/maps", bantz.pid());
    assert_eq!(std::fs::metadata(&maps).unwrap().len(), 0);
    std::os::unix::fs::symlink(&maps, bantz.skills_dir().join("maps.wasm")).unwrap();
    let reload = json_body(bantz.post("/api/v1/skills/reload", &json!({})).await, 202).await;
    // Unless the watcher was quicker and started it already.
    let started = reload["started"].as_array().unwrap();
    assert!(
        started.is_empty() || *started == [json!("maps.wasm")],
        "{reload}"
    );
    let list = bantz
        .wait_for_skills("maps.wasm to fail", |l| settled(l, "maps.wasm").is_some())
        .await;
    let entry = settled(&list, "maps.wasm").unwrap();
    assert_eq!(entry["status"], "failed", "{entry}");
    assert!(
        entry["error"].as_str().unwrap().contains(
            "the file has more than 4096 bytes, over the limit of 4096 bytes ([limits] max_skill_bytes)"
        ),
        "{entry}"
    );
}

/// Asserts `status` and a JSON body, and returns the body.
async fn json_body(response: reqwest::Response, status: u16) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn a_manifest_that_never_returns_fails_at_the_load_deadline_and_holds_up_nothing() {
    // The deadline is long enough for the other file to load well inside it.
    let bantz = start(&[], "[limits]\nmanifest_timeout_ms = 8000\n").await;
    let dir = bantz.skills_dir();
    std::fs::copy(
        test_skill("hanging-manifest"),
        dir.join("hanging-manifest.wasm"),
    )
    .unwrap();
    let reload = within(
        Duration::from_secs(5),
        "the reload",
        bantz.post("/api/v1/skills/reload", &json!({})),
    )
    .await;
    let reload = json_body(reload, 202).await;
    // Unless the watcher was quicker and started it already.
    let started = reload["started"].as_array().unwrap();
    assert!(
        started.is_empty() || *started == [json!("hanging-manifest.wasm")],
        "{reload}"
    );

    // While its manifest() spins: the reload endpoint answers at once, starting nothing new…
    let again = within(
        Duration::from_secs(2),
        "a second reload",
        bantz.post("/api/v1/skills/reload", &json!({})),
    )
    .await;
    let again = json_body(again, 202).await;
    assert_eq!(again["started"], json!([]), "{again}");
    let hanging = again["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "hanging-manifest.wasm")
        .unwrap();
    assert_eq!(hanging["status"], "loading", "{hanging}");
    // …another file loads…
    std::fs::copy(test_skill("counter"), dir.join("counter.wasm")).unwrap();
    let list = bantz
        .wait_for_skills("counter to load", |l| {
            l.iter()
                .any(|s| s["name"] == "counter" && s["status"] == "active")
        })
        .await;
    let hanging = list
        .iter()
        .find(|s| s["source"] == "hanging-manifest.wasm")
        .unwrap();
    assert_eq!(
        hanging["status"], "loading",
        "counter loaded only after the hanging file was given up: {hanging}"
    );
    // …and chats are answered.
    assert_clock_unaffected(&bantz).await;

    let list = bantz
        .wait_for_skills("the hanging file to fail", |l| {
            settled(l, "hanging-manifest.wasm").is_some()
        })
        .await;
    let entry = settled(&list, "hanging-manifest.wasm").unwrap();
    assert_eq!(entry["status"], "failed", "{entry}");
    let error = entry["error"].as_str().unwrap();
    assert!(
        error.contains("did not finish within 8s")
            && error.contains("[limits] manifest_timeout_ms"),
        "{error}"
    );
    json_ok(bantz.command("counter.count", json!({})).await).await;
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_manifest_over_a_limit_fails_and_the_reason_names_the_limit() {
    // bloated-manifest declares 300 commands, 1,200 intents and 1,200 templates. Each start
    // raises the limits it broke before, in its own section, and meets the next.
    let cases = [
        (
            "",
            "declares 300 commands, over the limit of 256 (max_commands)",
        ),
        (
            "max_commands = 300",
            "declares 1200 intents, over the limit of 1024 (max_intents)",
        ),
        (
            "max_commands = 300\nmax_intents = 1200\nmax_templates = 1000",
            "more than 1000 intent templates, the limit (max_templates)",
        ),
        (
            "max_commands = 300\nmax_intents = 1200\nmax_manifest_bytes = 4096",
            "over the limit of 4096 (max_manifest_bytes)",
        ),
    ];
    for (settings, reason) in cases {
        let bantz = start(
            &["bloated-manifest"],
            &format!("[skills.bloated-manifest]\n{settings}\n"),
        )
        .await;
        let error = failed_file(&bantz, "bloated-manifest.wasm").await;
        assert!(error.contains(reason), "with {settings:?}: {error}");
        assert_clock_unaffected(&bantz).await;
    }
    // Within its own raised limits it loads; the defaults still hold for every other skill.
    let bantz = start(
        &["bloated-manifest"],
        "[skills.bloated-manifest]\nmax_commands = 300\nmax_intents = 1200\n",
    )
    .await;
    let status = bantz.skill_status("bloated-manifest").await;
    assert_eq!(status["status"], "active", "{status}");
    assert_eq!(status["commands"].as_array().unwrap().len(), 300);
    let reply = json_ok(bantz.command("bloated-manifest.c7", json!({})).await).await;
    assert_eq!(reply["response"], "c7 ran", "{reply}");
    assert_clock_unaffected(&bantz).await;
}

/// Runs `kv-filler.fill` and returns its data: `written`, and the `error` (kind and message)
/// that stopped it.
async fn fill(bantz: &Bantz, count: u32, bytes: usize, prefix: &str) -> Value {
    let reply = json_ok(
        bantz
            .command(
                "kv-filler.fill",
                json!({ "count": count, "bytes": bytes, "prefix": prefix }),
            )
            .await,
    )
    .await;
    reply["data"].clone()
}

#[tokio::test]
async fn kv_writes_over_a_quota_get_limit_exceeded_naming_it() {
    let bantz = start(
        &["kv-filler"],
        "[skills.kv-filler]\nkv_max_bytes = 100000\nkv_max_keys = 50\n",
    )
    .await;
    let kv = bantz.skill_status("kv-filler").await["kv"].clone();
    assert_eq!(
        kv,
        json!({ "bytes": 0, "keys": 0, "max_bytes": 100000, "max_keys": 50 })
    );
    // Ten keys of one byte and values of 9,000: 90,010 bytes.
    let data = fill(&bantz, 10, 9000, "").await;
    assert_eq!(data, json!({ "written": 10, "error": null }));
    // One more of 9,002 fits (99,012); the next would pass 100,000.
    let data = fill(&bantz, 10, 9000, "b").await;
    assert_eq!(data["written"], 1, "{data}");
    assert_eq!(data["error"]["kind"], "limit-exceeded", "{data}");
    let message = data["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("at most 100000 bytes (kv_max_bytes)"),
        "{message}"
    );
    let kv = bantz.skill_status("kv-filler").await["kv"].clone();
    assert_eq!(
        kv,
        json!({ "bytes": 99012, "keys": 11, "max_bytes": 100000, "max_keys": 50 })
    );
    // Rewriting a key with a smaller value is always allowed; deleting frees the quota.
    assert_eq!(fill(&bantz, 1, 10, "").await["written"], 1);
    let cleared = json_ok(
        bantz
            .command("kv-filler.clear", json!({ "prefix": "" }))
            .await,
    )
    .await;
    assert_eq!(cleared["data"]["deleted"], 11, "{cleared}");
    assert_eq!(bantz.skill_status("kv-filler").await["kv"]["bytes"], 0);

    // The key quota.
    let data = fill(&bantz, 60, 1, "k").await;
    assert_eq!(data["written"], 50, "{data}");
    assert_eq!(data["error"]["kind"], "limit-exceeded", "{data}");
    assert!(
        data["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 50 keys (kv_max_keys)"),
        "{data}"
    );
    assert_eq!(bantz.skill_status("kv-filler").await["kv"]["keys"], 50);
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn a_skill_cannot_fill_the_disk_past_the_default_quota() {
    // The attack of issue 13: megabyte values, one after another. 63 fit the 64 MiB default.
    let bantz = start(&["kv-filler"], &section("kv-filler", "timeout_ms = 60000")).await;
    let data = fill(&bantz, 100, 1024 * 1024, "").await;
    assert_eq!(data["written"], 63, "{data}");
    assert_eq!(data["error"]["kind"], "limit-exceeded", "{data}");
    let kv = bantz.skill_status("kv-filler").await["kv"].clone();
    assert_eq!(kv["max_bytes"], 64 * 1024 * 1024, "{kv}");
    assert!(kv["bytes"].as_u64().unwrap() <= 64 * 1024 * 1024, "{kv}");
    assert_eq!(kv["keys"], 63, "{kv}");
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn below_the_free_space_floor_skill_writes_are_refused_and_chat_keeps_working() {
    // A floor no disk clears: as if the data dir's disk were nearly full.
    let bantz = start(&["kv-filler"], "[limits]\nmin_free_disk_mb = 1000000000\n").await;
    let data = fill(&bantz, 1, 10, "").await;
    assert_eq!(data["written"], 0, "{data}");
    assert_eq!(data["error"]["kind"], "limit-exceeded", "{data}");
    assert!(
        data["error"]["message"]
            .as_str()
            .unwrap()
            .contains("under the floor of 1000000000 MiB (min_free_disk_mb)"),
        "{data}"
    );
    // The chat turns are still written: a conversation continues.
    let first = bantz.chat("saat kaç").await;
    let session = first["session_id"].as_str().unwrap();
    let second = bantz.say(session, "what time is it").await;
    assert_eq!(second["session_id"], session, "{second}");
    let messages = json_ok(
        bantz
            .get(&format!("/api/v1/conversations/{session}/messages"))
            .await,
    )
    .await;
    assert!(
        messages.to_string().contains("what time is it"),
        "{messages}"
    );
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn sigterm_ends_the_host_within_the_grace_period_whatever_skills_do() {
    // A call that would run for ten minutes, and a load that would, when the signal comes.
    let mut bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("hostile-loop")],
        config: Some(
            "[server]\nshutdown_grace_secs = 2\n[limits]\nmanifest_timeout_ms = 600000\n\
             [skills.hostile-loop]\ntimeout_ms = 600000\n"
                .into(),
        ),
        ..Default::default()
    })
    .await;
    std::fs::copy(
        test_skill("hanging-manifest"),
        bantz.skills_dir().join("hanging-manifest.wasm"),
    )
    .unwrap();
    let stuck = {
        let (http, url) = (bantz.http.clone(), bantz.url("/api/v1/commands"));
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(bantz_tests::TOKEN)
                .json(&json!({ "command": "hostile-loop.spin", "args": {} }))
                .send()
                .await
        })
    };
    bantz
        .wait_for_skills("the call to run and the load to start", |l| {
            l.iter()
                .any(|s| s["name"] == "hostile-loop" && s["in_flight"] == 1)
                && l.iter()
                    .any(|s| s["source"] == "hanging-manifest.wasm" && s["status"] == "loading")
        })
        .await;
    let signalled = Instant::now();
    bantz.signal("TERM");
    let status = bantz.wait_exit().await;
    let took = signalled.elapsed();
    // The call and the load are cut when the requests' half of the grace period ends; should
    // anything still hold the process up, the grace period's end stops it with 128 + 15.
    assert!(
        status.success() || status.code() == Some(128 + 15),
        "{status:?}\n{}",
        bantz.log()
    );
    assert!(
        took < Duration::from_secs(6),
        "the host exited {took:?} after SIGTERM with a grace of 2 s"
    );
    // The stuck call's connection was cut, not answered.
    assert!(stuck.await.unwrap().is_err());
}

/// First-party chats the chaos test keeps asking, and the skill each must reach.
const FIRST_PARTY_CHATS: &[(&str, &str)] = &[
    ("saat kaç", "clock."),
    ("bugün neler var takvimimde?", "calendar."),
    ("hatırlatıcılarım neler", "reminders."),
];

/// What the chats alongside the chaos saw.
#[derive(Debug, Default)]
struct Chatter {
    chats: usize,
    health_checks: usize,
    slowest_chat: Duration,
    slowest_health: Duration,
}

#[tokio::test]
async fn every_hostile_file_at_once_while_chats_to_first_party_skills_run() {
    let bantz = Arc::new(
        Bantz::start_with(Options {
            skills: vec![skill("clock"), skill("calendar"), skill("reminders")],
            config: Some(
                "[rate_limits]\nchat = 0\n[skills.hostile-loop]\ntimeout_ms = 1000\n\
                 quarantine_after = 100\n"
                    .into(),
            ),
            ..Default::default()
        })
        .await,
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let chatter = {
        let (bantz, stop) = (bantz.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Chatter::default();
            while !stop.load(Ordering::SeqCst) {
                for (message, skill) in FIRST_PARTY_CHATS {
                    let asked = Instant::now();
                    let reply = within(Duration::from_secs(10), message, bantz.chat(message)).await;
                    seen.slowest_chat = seen.slowest_chat.max(asked.elapsed());
                    seen.chats += 1;
                    let tool = reply["tools_used"][0].as_str().unwrap_or_default();
                    assert!(tool.starts_with(skill), "{message}: {reply}");
                }
                let asked = Instant::now();
                let health = within(
                    Duration::from_secs(5),
                    "/api/v1/health",
                    bantz.get("/api/v1/health"),
                )
                .await;
                assert_eq!(health.status(), 200);
                seen.slowest_health = seen.slowest_health.max(asked.elapsed());
                seen.health_checks += 1;
            }
            seen
        })
    };

    // Everything at once: files that are not files, a sparse giant, a manifest that never
    // returns, manifests over the limits, components that cannot load, and skills that
    // misbehave when called.
    let dir = bantz.skills_dir();
    let (not_regular, _socket) = not_regular_files(&dir);
    let failing = [
        ("hanging-manifest", "([limits] manifest_timeout_ms)"),
        ("bloated-manifest", "(max_commands)"),
        ("many-templates", "(max_templates)"),
        ("over-limit-templates", "(MAX_TEMPLATE_SIZE)"),
        ("catch-all", "catch-all"),
        ("hostile-import", "test:bad/nope"),
    ];
    let loading = [
        "kv-filler",
        "hostile-loop",
        "hostile-memory",
        "hostile-panic",
        "hostile-templates",
    ];
    for name in failing.iter().map(|(n, _)| *n).chain(loading) {
        std::fs::copy(test_skill(name), dir.join(format!("{name}.wasm"))).unwrap();
    }
    let list = bantz
        .wait_for_skills("every dropped file to load or fail", |l| {
            not_regular.iter().all(|e| settled(l, e.file).is_some())
                && failing
                    .iter()
                    .all(|(n, _)| settled(l, &format!("{n}.wasm")).is_some())
                && loading
                    .iter()
                    .all(|n| l.iter().any(|s| s["name"] == *n && s["status"] == "active"))
        })
        .await;
    for e in &not_regular {
        let error = settled(&list, e.file).unwrap()["error"].to_string();
        assert!(error.contains(e.reason), "{}: {error}", e.file);
    }
    for (name, reason) in failing {
        let entry = settled(&list, &format!("{name}.wasm")).unwrap();
        assert_eq!(entry["status"], "failed", "{entry}");
        assert!(entry["error"].to_string().contains(reason), "{entry}");
    }

    // The loaded ones misbehave, all at once, while the chats go on.
    let calls = [
        ("hostile-loop.spin", json!({}), 504),
        ("hostile-memory.bomb", json!({}), 502),
        ("hostile-panic.boom", json!({}), 502),
        (
            "kv-filler.fill",
            json!({ "count": 100, "bytes": 1024 * 1024 }),
            200,
        ),
    ];
    let runs: Vec<_> = calls
        .into_iter()
        .map(|(command, args, status)| {
            let bantz = bantz.clone();
            tokio::spawn(async move {
                let response = bantz.command(command, args).await;
                assert_eq!(response.status(), status, "{command}");
            })
        })
        .collect();
    for run in runs {
        run.await.unwrap();
    }
    let kv = bantz.skill_status("kv-filler").await["kv"].clone();
    assert!(kv["bytes"].as_u64().unwrap() <= 64 * 1024 * 1024, "{kv}");

    stop.store(true, Ordering::SeqCst);
    let seen = chatter.await.unwrap();
    eprintln!("chaos: {seen:?}");
    assert!(seen.chats >= FIRST_PARTY_CHATS.len(), "{seen:?}");
    for name in ["clock", "calendar", "reminders"] {
        let status = bantz.skill_status(name).await;
        assert_eq!(status["status"], "active", "{status}");
        assert_eq!(status["errors"], 0, "{status}");
    }
    assert_clock_unaffected(&bantz).await;
}

#[tokio::test]
async fn sigterm_while_a_manifest_hangs_at_start_up_still_ends_the_host() {
    // The host loads its folder before it listens; a manifest that would hang for ten
    // minutes must not keep a signal from stopping it.
    let dir = tempfile::tempdir().unwrap();
    let skills = dir.path().join("skills");
    std::fs::create_dir(&skills).unwrap();
    std::fs::copy(
        test_skill("hanging-manifest"),
        skills.join("hanging-manifest.wasm"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bantz.toml"),
        "[limits]\nmanifest_timeout_ms = 600000\n[server]\nshutdown_grace_secs = 2\n",
    )
    .unwrap();
    let log = dir.path().join("bantz.log");
    let mut child = std::process::Command::new(bantz_tests::bantz_bin())
        .current_dir(dir.path())
        .args([
            "serve",
            "--port",
            "0",
            "--data-dir",
            "data",
            "--skills-dir",
            "skills",
        ])
        .args(["--config", "bantz.toml", "--cache-dir", "cache"])
        .env("BANTZ_API_TOKEN", bantz_tests::TOKEN)
        .env("BANTZ_LOG", "info,bantz=debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("loading a skill file")
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the load never started"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if signalled.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!(
                "still running 30 s after SIGTERM:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        signalled.elapsed() < Duration::from_secs(6),
        "exited {:?} after SIGTERM with a grace of 2 s",
        signalled.elapsed()
    );
    assert!(
        status.success() || status.code() == Some(128 + 15),
        "{status:?}"
    );
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
