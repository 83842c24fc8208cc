//! The `bantz` command.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "bantz",
    version,
    about = "A personal-assistant host whose abilities are WebAssembly skills"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Serve the API (the same as `bantz serve`).
    #[arg(long)]
    serve: bool,
    /// With --serve: serve over HTTP (the default; `--socket` adds a Unix socket).
    #[arg(long, requires = "serve")]
    http: bool,
    #[command(flatten)]
    serve_args: ServeArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve the API over HTTP (and a Unix socket with --socket).
    Serve(ServeArgs),
    /// Send a message to a running server and print the answer.
    Chat {
        /// The message, e.g. "saat kaç".
        #[arg(required = true, num_args = 1..)]
        message: Vec<String>,
        /// Continue this conversation (the `session_id` of an earlier answer).
        #[arg(long)]
        session: Option<String>,
        /// Print the whole answer as JSON, not just its text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Make a pairing code for a new device (a phone) on a running server.
    Pair(ClientArgs),
    /// Check bantz.toml and the BANTZ_* overrides.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// List the skills of a running server, or inspect a skill file.
    #[command(subcommand)]
    Skills(SkillsCmd),
    /// Write the OpenAPI document.
    Openapi {
        /// File to write; standard output when absent.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Print the effective configuration, secrets masked, or every error with its line.
    Check {
        /// Configuration file (default: <data-dir>/bantz.toml).
        #[arg(long, env = "BANTZ_CONFIG")]
        config: Option<PathBuf>,
        /// The data dir (default: $BANTZ_DATA_DIR, $XDG_DATA_HOME/bantz or ~/.local/share/bantz).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum SkillsCmd {
    /// List the skills of a running server with their status and counters.
    List(ClientArgs),
    /// Show a component's manifest, imports, permissions and size, without a server.
    Inspect {
        /// The .wasm file.
        file: PathBuf,
    },
}

/// How to reach a running server: its Unix socket when there is one, else HTTP with a token.
#[derive(Args, Clone)]
struct ClientArgs {
    /// The server's Unix socket (`bantz serve --socket`); no token is needed on it.
    #[arg(long, env = "BANTZ_SOCKET")]
    socket: Option<PathBuf>,
    /// The server's base URL, when there is no socket.
    #[arg(long, env = "BANTZ_URL", default_value = "http://127.0.0.1:8088")]
    url: String,
    /// The API token (default: $BANTZ_API_TOKEN, else the token file in the data dir).
    #[arg(long)]
    token: Option<String>,
    /// The data dir whose token file to read.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BANTZ_HOST")]
    host: Option<IpAddr>,
    /// Port to listen on (default 8088; 0 picks a free one).
    #[arg(long, env = "BANTZ_PORT")]
    port: Option<u16>,
    /// Folder of .wasm skills (default: <data-dir>/skills).
    #[arg(long, env = "BANTZ_SKILLS_DIR")]
    skills_dir: Option<PathBuf>,
    /// Folder of the database and the generated token (default: $BANTZ_DATA_DIR,
    /// $XDG_DATA_HOME/bantz or ~/.local/share/bantz).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Folder of compiled skills (default: <data-dir>/cache).
    #[arg(long, env = "BANTZ_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Configuration file (default: <data-dir>/bantz.toml).
    #[arg(long, env = "BANTZ_CONFIG")]
    config: Option<PathBuf>,
    /// Also serve on this Unix socket (created with mode 0600; requests on it need no token).
    #[arg(long, env = "BANTZ_SOCKET")]
    socket: Option<PathBuf>,
}

impl ClientArgs {
    fn server(self) -> bantz::cli::Server {
        bantz::cli::Server {
            socket: self.socket,
            url: self.url,
            token: self.token,
            data_dir: self.data_dir,
        }
    }
}

fn main() -> std::process::ExitCode {
    // With RUST_BACKTRACE set, std would also capture a backtrace for every library error,
    // and wasmtime makes (and drops) one each time a skill call's store is dropped: a stack
    // walk per call that nothing prints. Panics still print theirs.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: nothing else runs yet; no thread has been started.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
    limit_malloc_arenas();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bantz: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Caps glibc's malloc arenas at two, unless `MALLOC_ARENA_MAX` says otherwise.
///
/// glibc gives every thread that allocates under contention an arena of its own (up to eight per
/// core) and rarely hands an arena's freed pages back. Each skill load, swap and call runs on
/// whichever tokio or blocking-pool thread is free, so under hot swaps and chat load the arenas
/// multiply and resident memory ratchets up (the hot-swap soak in docs/benchmarks.md: +509% after
/// 1,000 swaps with glibc's default, within +20% with two arenas). Two arenas keep allocation
/// contention low on the few cores a personal host has.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists; mallopt only
        // sets a malloc parameter.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Cmd::Openapi { output }) => {
            let spec = bantz::api::spec_json();
            match output {
                Some(path) => std::fs::write(&path, spec + "\n")
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => println!("{spec}"),
            }
            Ok(())
        }
        Some(Cmd::Serve(args)) => serve(args),
        Some(Cmd::Chat {
            message,
            session,
            json,
            client,
        }) => tokio::runtime::Runtime::new()?.block_on(bantz::cli::chat(
            client.server(),
            &message.join(" "),
            session,
            json,
        )),
        Some(Cmd::Pair(client)) => {
            tokio::runtime::Runtime::new()?.block_on(bantz::cli::pair(client.server()))
        }
        Some(Cmd::Config(ConfigCmd::Check { config, data_dir })) => {
            bantz::cli::check_config(bantz::config::Overrides {
                config_file: config,
                data_dir,
                ..Default::default()
            })
        }
        Some(Cmd::Skills(SkillsCmd::List(args))) => {
            tokio::runtime::Runtime::new()?.block_on(bantz::cli::list_skills(args.server()))
        }
        Some(Cmd::Skills(SkillsCmd::Inspect { file })) => {
            tokio::runtime::Runtime::new()?.block_on(bantz::cli::inspect(&file))
        }
        None if cli.serve => serve(cli.serve_args),
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(())
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BANTZ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = bantz::config::Config::load(bantz::config::Overrides {
        host: args.host,
        port: args.port,
        skills_dir: args.skills_dir,
        data_dir: args.data_dir,
        cache_dir: args.cache_dir,
        config_file: args.config,
        socket: args.socket,
    })?;
    let runtime = tokio::runtime::Runtime::new()?;
    let served = runtime.block_on(bantz::serve(config));
    // Skill work still running on blocking threads (a compile) must not hold the exit up.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    served
}
