//! Hostile test skill: `hostile-escape.probe` tries to leave the sandbox through WASI: read
//! `/etc/passwd`, read environment variables, list `/` and `.`, and open a TCP connection. It
//! never fails; it reports what happened as data, so the sandbox tests can assert that every
//! attempt was refused: `{"file": "denied", "env_vars": 0, "dir": "denied", "socket": "denied"}`.
//!
//! `{"file": path, "port": n}` aims the file read and the connection elsewhere, so a test can
//! point them at a file that surely exists and at a port where something surely listens.

use bantz_sdk::{Call, Command, Error, Intent, Manifest, Reply, Skill, export, json};
use serde::Deserialize;

#[derive(Deserialize)]
struct ProbeArgs {
    /// The file to read; `/etc/passwd` by default.
    file: Option<String>,
    /// The port on 127.0.0.1 to connect to; 22 by default.
    port: Option<u16>,
}

/// Raw `wasi:sockets` bindings. `std::net::TcpStream` would be the natural probe, but it needs a
/// wasi-libc with socket support, which not every toolchain that builds the skills has (Debian's
/// does not); calling the WASI interface directly tests the very same host door.
#[allow(clippy::too_many_arguments)]
mod sockets {
    wit_bindgen::generate!({
        path: "../../../wit",
        inline: "
            package test:escape;

            world probe {
                import wasi:sockets/instance-network@0.2.12;
                import wasi:sockets/tcp-create-socket@0.2.12;
                import wasi:sockets/tcp@0.2.12;
            }
        ",
        world: "test:escape/probe",
        generate_all,
    });
    pub use wasi::sockets::*;
}

struct HostileEscape;

impl Skill for HostileEscape {
    fn manifest() -> Manifest {
        Manifest::new(
            "hostile-escape",
            env!("CARGO_PKG_VERSION"),
            "Test skill: tries to reach files, env, dirs and sockets.",
        )
        .command(
            Command::new("probe", "Try every way out of the sandbox")
                .args_schema(json!({
                    "type": "object",
                    "properties": {
                        "file": { "type": "string" },
                        "port": { "type": "integer", "minimum": 1, "maximum": 65535 },
                    },
                }))
                .example("probe"),
        )
        .intent(Intent::new("probe", "en", ["probe [the sandbox]"]))
    }

    fn invoke(call: Call) -> Result<Reply, Error> {
        match call.command() {
            "probe" => {
                let args: ProbeArgs = call.args()?;
                let file = args.file.as_deref().unwrap_or("/etc/passwd");
                let report = probe(file, args.port.unwrap_or(22));
                Ok(Reply::text(report.to_string()).with_data(&report))
            }
            other => Err(Error::UnknownCommand(other.to_owned())),
        }
    }
}

export!(HostileEscape);

fn probe(file: &str, port: u16) -> serde_json::Value {
    let file = match std::fs::read(file) {
        Ok(_) => "read",
        Err(_) => "denied",
    };
    // Named look-ups as well as the listing, in case one of them is wired differently.
    let named = ["HOME", "PATH"]
        .iter()
        .filter(|k| std::env::var_os(k).is_some())
        .count();
    let env_vars = std::env::vars_os().count().max(named);
    let dir = if ["/", "."].iter().any(|d| std::fs::read_dir(d).is_ok()) {
        "listed"
    } else {
        "denied"
    };
    let socket = if connect(port) { "connected" } else { "denied" };
    json!({ "file": file, "env_vars": env_vars, "dir": dir, "socket": socket })
}

/// Tries to open a TCP connection to 127.0.0.1:`port`; true when it connected.
fn connect(port: u16) -> bool {
    use sockets::network::{IpAddressFamily, IpSocketAddress, Ipv4SocketAddress};
    let Ok(socket) = sockets::tcp_create_socket::create_tcp_socket(IpAddressFamily::Ipv4) else {
        return false;
    };
    let network = sockets::instance_network::instance_network();
    let address = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port,
        address: (127, 0, 0, 1),
    });
    if socket.start_connect(&network, address).is_err() {
        return false;
    }
    socket.subscribe().block();
    socket.finish_connect().is_ok()
}
