//! Bantz, the host: a typed HTTP API in front of one brain pipeline whose abilities are
//! sandboxed WebAssembly skills. See ARCHITECTURE in the repository for the layers:
//! `api` → `brain` → `runtime` → `store`, with `events` as the one bus.

pub mod api;
pub mod brain;
pub mod cli;
pub mod config;
pub mod events;
pub mod runtime;
pub mod store;

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::config::{Config, TokenSource};

/// Starts everything and serves until SIGINT or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
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
    }

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
    runtime.sync_dir().await?;
    runtime.watch()?;
    runtime.start_scheduler();
    let brain = brain::Brain::new(
        runtime.clone(),
        store.clone(),
        brain::llm::Llm::from_config(&config),
        config.timezone,
    );
    // Cancelled when the server starts shutting down, so open streams and WebSockets end.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let state = Arc::new(api::AppState {
        brain,
        runtime,
        store,
        bus,
        started,
        shutdown: shutdown.clone(),
    });
    if let Some(at) = config.briefing.time {
        tokio::spawn(briefing_schedule(
            state.clone(),
            at,
            config.briefing.locale,
            config.timezone,
        ));
    }
    let app = api::app(state, &config.token.secret);

    let acceptor = TcpListener::bind((config.host, config.port))
        .into_acceptor()
        .await
        .with_context(|| format!("cannot listen on {}:{}", config.host, config.port))?;
    let addresses: Vec<String> = acceptor
        .local_addr()
        .iter()
        .filter_map(|a| a.as_socket_addr().map(|a| format!("http://{a}")))
        .collect();
    tracing::info!(addresses = ?addresses, skills_dir = %config.skills_dir.display(), data_dir = %config.data_dir.display(), "serving");
    // Test harnesses and scripts wait for this line: the server accepts from here on.
    println!("bantz listening on {}", addresses.join(" "));

    poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(
            app,
            async move {
                shutdown_signal().await;
                shutdown.cancel();
            },
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Sends the morning briefing every day at `at`, local time.
async fn briefing_schedule(
    state: Arc<api::AppState>,
    at: chrono::NaiveTime,
    locale: &'static str,
    tz: chrono_tz::Tz,
) {
    use chrono::TimeZone;
    loop {
        let now = chrono::Utc::now();
        let local = now.with_timezone(&tz);
        let mut date = local.date_naive();
        if local.time() >= at {
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

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
