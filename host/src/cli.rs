//! The client side of the `bantz` command: subcommands that talk to a running server, or read a
//! skill file without one. They print for people; the API is for programs.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::runtime::Runtime;

/// How to reach a running server: its Unix socket when there is one, else HTTP with a token.
pub struct Server {
    /// The server's `--socket`; no token is sent over it.
    pub socket: Option<PathBuf>,
    /// The server's base URL, when there is no socket.
    pub url: String,
    /// The token for HTTP (default: `$BANTZ_API_TOKEN`, else the data dir's token file).
    pub token: Option<String>,
    /// The data dir whose token file to read.
    pub data_dir: Option<PathBuf>,
}

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

impl Server {
    /// Sends one request and returns the JSON answer, or the server's error message.
    async fn send(
        self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        let (client, base, token, place) = match &self.socket {
            Some(socket) => (
                reqwest::Client::builder()
                    .unix_socket(socket.as_path())
                    .build()?,
                // Only the path matters: the connection goes to the socket.
                "http://localhost".to_owned(),
                None,
                format!("the socket {}", socket.display()),
            ),
            None => (
                reqwest::Client::new(),
                self.url.trim_end_matches('/').to_owned(),
                Some(client_token(self.token, self.data_dir)?),
                self.url.clone(),
            ),
        };
        let mut request = client.request(method, format!("{base}{path}"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.with_context(|| {
            format!("cannot reach a Bantz server at {place}; is `bantz serve` running?")
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
        Ok(body)
    }
}

/// `bantz chat MESSAGE`: prints the answer's text, or with `json` the whole answer.
pub async fn chat(
    server: Server,
    message: &str,
    session_id: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let mut body = serde_json::json!({ "message": message });
    if let Some(session_id) = session_id {
        body["session_id"] = session_id.into();
    }
    let answer = server
        .send(reqwest::Method::POST, "/api/v1/chat", Some(body))
        .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        println!("{}", answer["response"].as_str().unwrap_or_default());
        if answer["requires_confirmation"] == true {
            eprintln!(
                "(waiting for a yes or no: bantz chat --session {} evet|hayır)",
                answer["session_id"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `bantz pair`: asks the server for a pairing code and shows it.
pub async fn pair(server: Server) -> anyhow::Result<()> {
    let code = server
        .send(reqwest::Method::POST, "/api/v1/pair/request", None)
        .await?;
    let until =
        chrono::DateTime::from_timestamp_millis(code["expires_at_ms"].as_i64().unwrap_or(0))
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string()
            })
            .unwrap_or_default();
    println!(
        "Pairing code: {}",
        code["code"].as_str().unwrap_or_default()
    );
    println!(
        "Valid until {until} ({} minutes), for one device. On the new device, send it with a name:",
        code["expires_in_seconds"].as_u64().unwrap_or(300) / 60
    );
    println!(r#"  POST /api/v1/pair/verify {{"code": "…", "device_name": "My phone"}}"#);
    Ok(())
}

/// `bantz config check`: the effective configuration with secrets masked, or every error.
pub fn check_config(overrides: crate::config::Overrides) -> anyhow::Result<()> {
    match crate::config::Config::check(overrides) {
        Ok((config, file)) => {
            let found = if file.exists() {
                ""
            } else {
                " (not found: defaults)"
            };
            println!("# {}{found}, with the BANTZ_* overrides", file.display());
            print!("{}", config.to_masked_toml());
            Ok(())
        }
        Err(e) => match e.downcast::<crate::config::ConfigErrors>() {
            Ok(errors) => {
                for problem in &errors.0 {
                    println!("error: {problem}");
                }
                bail!(
                    "{} error{} in the configuration",
                    errors.0.len(),
                    if errors.0.len() == 1 { "" } else { "s" }
                )
            }
            Err(other) => Err(other),
        },
    }
}

/// `bantz skills list`.
pub async fn list_skills(server: Server) -> anyhow::Result<()> {
    let body = server
        .send(reqwest::Method::GET, "/api/v1/skills", None)
        .await?;
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
        let (asked, granted) = (&skill["requested"], &skill["permissions"]);
        let asks_anything = asked["outbound_hosts"]
            .as_array()
            .is_some_and(|hosts| !hosts.is_empty())
            || asked["notify"] == true
            || asked["schedule_seconds"].is_u64();
        if asks_anything {
            println!("    asks for: {}", permissions(asked));
            println!("    granted:  {}", permissions(granted));
        }
        if let Some(line) = asked["grant_with"].as_str() {
            println!("    to grant what it asks for, put in bantz.toml: {line}");
        }
    }
    Ok(())
}

/// A `permissions` or `requested` object of the skills list, in a few words.
fn permissions(p: &serde_json::Value) -> String {
    let hosts: Vec<&str> = p["outbound_hosts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str())
        .collect();
    let mut words = vec![if hosts.is_empty() {
        "no hosts".to_owned()
    } else {
        format!("hosts {}", hosts.join(", "))
    }];
    if p["notify"] == true {
        words.push("notify".into());
    }
    if let Some(seconds) = p["schedule_seconds"].as_u64() {
        words.push(format!("a tick every {seconds} s"));
    }
    words.join("; ")
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
