//! Bantz, the host: a typed HTTP API in front of one brain pipeline whose abilities are
//! sandboxed WebAssembly skills. See ARCHITECTURE in the repository for the layers:
//! `api` → `brain` → `runtime` → `store`, with `events` as the one bus.

pub mod api;
pub mod brain;
pub mod channels;
pub mod cli;
pub mod config;
pub mod devices;
pub mod events;
pub mod intent_template;
pub mod runtime;
pub mod store;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use poem::listener::{Acceptor, AcceptorExt, BoxAcceptor, Listener, TcpListener, UnixListener};
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::config::{Config, TokenSource};

/// Starts everything and serves until SIGINT or SIGTERM; then stops accepting, lets the
/// requests in flight finish (for half the grace period, `[server] shutdown_grace_secs`),
/// closes streams and WebSockets, and closes the store. Whatever is still running when the
/// grace period ends (a stuck skill call, a load, a tick), the process ends then, with status
/// 128 + the signal's number; a second signal ends it at once, with the same status.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let config = Arc::new(config);
    match &config.token.source {
        TokenSource::Env => tracing::info!("API token taken from {}", config::TOKEN_ENV),
        TokenSource::File(path) => {
            tracing::info!(path = %path.display(), "API token read from file")
        }
        TokenSource::Generated(path) => {
            tracing::info!(path = %path.display(), "generated a new API token (mode 0600)");
            println!("Generated an API token; it is in {}", path.display());
        }
        TokenSource::Missing(path) => {
            anyhow::bail!("no API token: {} was not created", path.display())
        }
    }
    // Before anything listens, so that a signal from then on is ours to handle.
    let signals = Signals::install()?;
    let grace = Duration::from_secs(config.server.shutdown_grace_secs);
    // Cancelled when the server starts shutting down, so open streams and WebSockets end.
    let shutdown = tokio_util::sync::CancellationToken::new();
    tokio::spawn(watch_signals(signals, shutdown.clone(), grace));

    let store = store::Store::open(&config.database_path())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                config.database_path().display()
            )
        })?;
    let bus = events::Bus::new(store.clone(), config.notifications.clone(), config.timezone);
    let runtime = Arc::new(runtime::Runtime::new(
        config.clone(),
        store.clone(),
        bus.clone(),
    )?);
    tokio::select! {
        synced = runtime.sync_dir() => synced?,
        () = shutdown.cancelled() => {
            tracing::info!("stopped while loading the skills");
            store.close().await;
            return Ok(());
        }
    }
    runtime.watch()?;
    runtime.start_scheduler();
    let brain = brain::Brain::new(
        runtime.clone(),
        store.clone(),
        brain::llm::Llm::from_config(&config),
        config.timezone,
    );
    brain.classifier_trained().await;
    let devices = Arc::new(
        devices::Devices::load(store.clone())
            .await
            .context("cannot read the paired devices")?,
    );
    let sessions = tokio_util::task::TaskTracker::new();
    let channels = Arc::new(channels::Channels::new(&config.channels)?);
    let state = Arc::new(api::AppState {
        brain,
        runtime,
        store: store.clone(),
        bus,
        started,
        shutdown: shutdown.clone(),
        devices,
        sessions: sessions.clone(),
        config: config.clone(),
        metrics: Default::default(),
        channels,
    });
    channels::start(state.clone());
    if let Some(at) = config.briefing.time {
        tokio::spawn(briefing_schedule(
            state.clone(),
            at,
            config.briefing.locale,
            config.timezone,
            started_at,
        ));
    }
    let app = api::app(state, &config.token.secret);

    let acceptor = listen(&config).await?;
    let addresses: Vec<String> = acceptor
        .local_addr()
        .iter()
        .filter_map(|a| match &a.0 {
            poem::Addr::SocketAddr(a) => Some(format!("http://{a}")),
            poem::Addr::Unix(a) => a.as_pathname().map(|p| format!("unix:{}", p.display())),
            _ => None,
        })
        .collect();
    tracing::info!(addresses = ?addresses, skills_dir = %config.skills_dir.display(), data_dir = %config.data_dir.display(), "serving");
    // Test harnesses and scripts wait for this line: the server accepts from here on. Nothing
    // is printed after it: whoever reads stdout may have stopped reading.
    println!("bantz listening on {}", addresses.join(" "));

    let served = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app,
            async move { shutdown.cancelled().await },
            Some(grace / 2),
        )
        .await;
    // The WebSockets were told to close when the shutdown began; give them a moment to finish.
    sessions.close();
    if tokio::time::timeout(grace / 4, sessions.wait())
        .await
        .is_err()
    {
        tracing::warn!("some WebSockets did not close in time");
    }
    store.close().await;
    if let Some(path) = &config.socket {
        let _ = std::fs::remove_file(path);
    }
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// The TCP listener, and the Unix socket when `--socket` asks for one.
async fn listen(config: &Config) -> anyhow::Result<BoxAcceptor> {
    let tcp = TcpListener::bind((config.host, config.port));
    let at = || format!("cannot listen on {}:{}", config.host, config.port);
    let Some(path) = &config.socket else {
        return Ok(tcp.into_acceptor().await.with_context(at)?.boxed());
    };
    remove_stale_socket(path)?;
    // Created with mode 0600 from the start: the socket's permissions are its only lock.
    let unix = UnixListener::bind(path.clone())
        .with_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    let previous = unsafe { libc::umask(0o177) };
    let acceptor = tcp.combine(unix).into_acceptor().await;
    unsafe { libc::umask(previous) };
    let acceptor = acceptor.with_context(|| {
        format!(
            "cannot listen on {}:{} and on the socket {}",
            config.host,
            config.port,
            path.display()
        )
    })?;
    Ok(acceptor.boxed())
}

/// Removes a socket file left by a server that is gone. A live server's socket, or a file that
/// is not a socket, is an error: neither is ours to remove.
fn remove_stale_socket(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !meta.file_type().is_socket() {
        anyhow::bail!(
            "{} exists and is not a socket; choose another --socket path",
            path.display()
        );
    }
    if std::os::unix::net::UnixStream::connect(path).is_ok() {
        anyhow::bail!(
            "another server is listening on the socket {}; stop it or choose another --socket path",
            path.display()
        );
    }
    std::fs::remove_file(path)
        .with_context(|| format!("cannot remove the stale socket {}", path.display()))
}

/// Sends the morning briefing every day at `at`, local time. A briefing that fell due while the
/// host was starting (since `started`: loading the skills, training the classifier) is sent at
/// once, not a day late.
async fn briefing_schedule(
    state: Arc<api::AppState>,
    at: chrono::NaiveTime,
    locale: &'static str,
    tz: chrono_tz::Tz,
    started: chrono::DateTime<chrono::Utc>,
) {
    use chrono::TimeZone;
    let mut since = Some(started);
    loop {
        let now = chrono::Utc::now();
        let local = now.with_timezone(&tz);
        let mut date = local.date_naive();
        let missed = since.take().is_some_and(|since| {
            tz.from_local_datetime(&date.and_time(at))
                .earliest()
                .is_some_and(|due| due >= since && due <= now)
        });
        if local.time() >= at && !missed {
            date = date.succ_opt().unwrap_or(date);
        }
        let Some(next) = tz.from_local_datetime(&date.and_time(at)).earliest() else {
            // A time that does not exist that day (a DST gap): try again tomorrow.
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            continue;
        };
        let wait = (next.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or_default();
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.shutdown.cancelled() => return,
        }
        if let Err(e) = state.brain.send_briefing(&state.bus, locale).await {
            tracing::error!(error = %e, "the morning briefing failed");
        }
    }
}

/// Waits for the first signal and starts the shutdown; from then on the process ends when
/// `grace` has passed, or at a second signal, whichever comes first. The grace period is timed
/// on a thread of its own, so nothing running on the async workers can hold it up.
async fn watch_signals(
    mut signals: Signals,
    shutdown: tokio_util::sync::CancellationToken,
    grace: Duration,
) {
    let (first, number) = signals.next().await;
    tracing::info!(
        signal = first,
        grace_secs = grace.as_secs(),
        "shutting down: finishing the requests in flight (a second signal stops at once)"
    );
    shutdown.cancel();
    let _ = std::thread::Builder::new()
        .name("bantz-shutdown".into())
        .spawn(move || {
            std::thread::sleep(grace);
            tracing::error!(
                signal = first,
                grace_secs = grace.as_secs(),
                "still running when the shutdown grace period ended; stopping now"
            );
            std::process::exit(128 + number);
        });
    let (second, number) = signals.next().await;
    tracing::warn!(signal = second, "second signal: stopping at once");
    std::process::exit(128 + number);
}

/// SIGTERM and SIGINT, handled from the moment they are installed.
struct Signals {
    term: Signal,
    interrupt: Signal,
}

impl Signals {
    fn install() -> anyhow::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot handle SIGINT")?,
        })
    }

    /// The name and number of the next signal to arrive.
    async fn next(&mut self) -> (&'static str, i32) {
        tokio::select! {
            _ = self.term.recv() => ("SIGTERM", SignalKind::terminate().as_raw_value()),
            _ = self.interrupt.recv() => ("SIGINT", SignalKind::interrupt().as_raw_value()),
        }
    }
}
