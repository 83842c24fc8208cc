//! Hostile test skill: `hostile-log.flood` writes 100 000 log lines of 1 KiB through the host's
//! `log` function (about 100 MiB) and megabytes to stdout and stderr, then answers normally.
//! The sandbox tests check that the host keeps only its per-call log budget (`max_log_bytes`),
//! drops the rest, and still returns the reply.

use std::io::Write;

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export};

/// Lines sent to the host's log.
pub const LOG_LINES: usize = 100_000;
/// Lines written to each of stdout and stderr.
pub const STDIO_LINES: usize = 10_000;
/// Bytes per line.
pub const LINE_BYTES: usize = 1024;

struct HostileLog;

impl Skill for HostileLog {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-log",
            env!("CARGO_PKG_VERSION"),
            "Test skill: floods the log, then answers.",
        )
        .command(Command::new("flood", "Write far too much log").example("flood the log"))
        .intent(Intent::new("flood", "en", ["flood [the log]"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "flood" => {
                flood();
                Ok(Reply::text("flooded"))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileLog);

fn flood() {
    let line = "L".repeat(LINE_BYTES);
    for i in 0..LOG_LINES {
        bantz_sdk::log::info(&format!("{i:06} {line}"));
    }
    // Write errors are ignored on purpose (`println!` would panic if the host closed stdio):
    // this skill is about volume, not about how stdio is wired.
    let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
    for i in 0..STDIO_LINES {
        let _ = writeln!(out, "stdout {i:06} {line}");
        let _ = writeln!(err, "stderr {i:06} {line}");
    }
    let _ = out.flush();
}
