//! The client side of the `bantz` command: subcommands that talk to a running server, or read a
//! skill file without one. They print for people; the API is for programs.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::runtime::Runtime;

/// The token to send: `--token`, else `$BANTZ_API_TOKEN`, else the data dir's token file.
fn client_token(token: Option<String>, data_dir: Option<PathBuf>) -> anyhow::Result<String> {
    if let Some(token) = token.or_else(|| std::env::var(crate::config::TOKEN_ENV).ok()) {
        return Ok(token);
    }
    let dir = data_dir.unwrap_or_else(crate::config::default_data_dir);
    let path = dir.join(crate::config::TOKEN_FILE);
    std::fs::read_to_string(&path)
        .map(|t| t.trim().to_owned())
        .with_context(|| format!("no token: pass --token, set {}, or point --data-dir at the server's data dir ({} is not readable)", crate::config::TOKEN_ENV, path.display()))
}

/// `bantz skills list`.
pub async fn list_skills(
    url: &str,
    token: Option<String>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let token = client_token(token, data_dir)?;
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/skills", url.trim_end_matches('/')))
        .bearer_auth(token)
        .send()
        .await
        .with_context(|| {
            format!("cannot reach a Bantz server at {url}; is `bantz serve` running?")
        })?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .context("the server's answer is not JSON")?;
    if !status.is_success() {
        bail!(
            "the server answered {status}: {}",
            body["error"]["message"].as_str().unwrap_or("(no message)")
        );
    }
    println!(
        "{:<20} {:<12} {:<10} {:>7} {:>7} {:>8}  SOURCE",
        "NAME", "STATUS", "VERSION", "CALLS", "ERRORS", "P50 MS"
    );
    for skill in body.as_array().into_iter().flatten() {
        println!(
            "{:<20} {:<12} {:<10} {:>7} {:>7} {:>8}  {}",
            skill["name"].as_str().unwrap_or(""),
            skill["status"].as_str().unwrap_or(""),
            skill["version"].as_str().unwrap_or(""),
            skill["invocations"],
            skill["errors"],
            skill["latency_p50_ms"],
            skill["source"].as_str().unwrap_or(""),
        );
        if let Some(error) = skill["error"].as_str() {
            println!("    error: {error}");
        }
    }
    Ok(())
}

/// `bantz skills inspect FILE`.
pub async fn inspect(file: &Path) -> anyhow::Result<()> {
    let inspection = Runtime::inspect(file).await?;
    println!("file:     {}", file.display());
    println!("size:     {} bytes", inspection.size);
    println!("sha256:   {}", inspection.sha256);
    println!("imports:");
    for import in &inspection.imports {
        println!("  {import}");
    }
    let manifest = match inspection.manifest {
        Ok(m) => m,
        Err(e) => bail!("{} is not a loadable skill: {e}", file.display()),
    };
    println!("skill:    {} {}", manifest.name, manifest.version);
    println!("about:    {}", manifest.description);
    println!("commands:");
    for c in &manifest.commands {
        let confirm = if c.needs_confirmation {
            " (asks for confirmation)"
        } else {
            ""
        };
        println!("  {}.{}: {}{confirm}", manifest.name, c.name, c.description);
        if !c.args_schema.is_empty() {
            println!("      args: {}", c.args_schema);
        }
        for e in &c.examples {
            println!("      e.g. {e:?}");
        }
    }
    println!("intents:");
    for i in &manifest.intents {
        println!(
            "  [{}] {} <- {}",
            i.locale,
            i.command,
            i.templates.join(" | ")
        );
    }
    let p = &manifest.permissions;
    println!("permissions asked for:");
    println!(
        "  outbound hosts: {}",
        if p.outbound_hosts.is_empty() {
            "none".to_owned()
        } else {
            p.outbound_hosts.join(", ")
        }
    );
    println!("  notify:         {}", if p.notify { "yes" } else { "no" });
    match &p.schedule {
        Some(s) => println!("  schedule:       every {} s", s.every_seconds),
        None => println!("  schedule:       none"),
    }
    Ok(())
}
