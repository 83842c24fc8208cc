//! The one configuration of a running host: command-line flags, environment and `bantz.toml`,
//! resolved once at start-up into [`Config`]. Nothing else reads flags, env or the config file.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// Default TCP port.
pub const DEFAULT_PORT: u16 = 8088;
/// Environment variable that carries the API token.
pub const TOKEN_ENV: &str = "BANTZ_API_TOKEN";
/// Name of the generated token file inside the data dir.
pub const TOKEN_FILE: &str = "api-token";

/// Everything a running host needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    /// Folder of `.wasm` skills.
    pub skills_dir: PathBuf,
    /// Folder of the SQLite database and the generated token.
    pub data_dir: PathBuf,
    /// Folder of compiled skills, keyed by content hash.
    pub cache_dir: PathBuf,
    /// The bearer token every protected endpoint requires.
    pub token: ApiToken,
    /// Per-skill settings from `[skills.<name>]`.
    pub skills: BTreeMap<String, SkillSettings>,
}

/// The API token and where it came from (never the token itself in logs).
#[derive(Clone)]
pub struct ApiToken {
    pub secret: String,
    pub source: TokenSource,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Where the API token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    File(PathBuf),
    Generated(PathBuf),
}

/// A skill's section of `bantz.toml`: string values the skill reads with `config-get`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SkillSettings {
    #[serde(flatten)]
    pub values: BTreeMap<String, toml::Value>,
}

impl SkillSettings {
    /// The value of `key` as the string a skill sees: strings as they are, other scalars
    /// printed as TOML.
    pub fn get(&self, key: &str) -> Option<String> {
        self.values.get(key).map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

/// The shape of `bantz.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    skills: BTreeMap<String, SkillSettings>,
}

/// What the command line says; `None` means "use the default".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub host: Option<IpAddr>,
    pub port: Option<u16>,
    pub skills_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
}

impl Config {
    /// Resolves the configuration and makes sure the data dir exists. When no token is set
    /// anywhere, one is generated and stored in the data dir with mode 0600.
    pub fn load(o: Overrides) -> anyhow::Result<Config> {
        let data_dir = absolute(o.data_dir.unwrap_or_else(default_data_dir))?;
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
        let skills_dir = absolute(o.skills_dir.unwrap_or_else(|| data_dir.join("skills")))?;
        let cache_dir = absolute(o.cache_dir.unwrap_or_else(|| data_dir.join("cache")))?;
        let config_file = o.config_file.unwrap_or_else(|| data_dir.join("bantz.toml"));
        let file = read_config_file(&config_file)?;
        let token = resolve_token(&data_dir)?;
        Ok(Config {
            host: o.host.unwrap_or(IpAddr::from([127, 0, 0, 1])),
            port: o.port.unwrap_or(DEFAULT_PORT),
            skills_dir,
            data_dir,
            cache_dir,
            token,
            skills: file.skills,
        })
    }

    /// Path of the SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("bantz.db")
    }
}

/// Paths are made absolute once, here, so that nothing later depends on the working directory.
fn absolute(path: PathBuf) -> anyhow::Result<PathBuf> {
    std::path::absolute(&path)
        .with_context(|| format!("cannot resolve the path {}", path.display()))
}

/// `$BANTZ_DATA_DIR`, else `$XDG_DATA_HOME/bantz`, else `~/.local/share/bantz`, else `./data`.
fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BANTZ_DATA_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("bantz");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/bantz"),
        None => PathBuf::from("data"),
    }
}

fn read_config_file(path: &Path) -> anyhow::Result<FileConfig> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text)
            .with_context(|| format!("{} is not a valid bantz.toml", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn resolve_token(data_dir: &Path) -> anyhow::Result<ApiToken> {
    if let Ok(secret) = std::env::var(TOKEN_ENV) {
        if secret.trim().is_empty() {
            bail!("{TOKEN_ENV} is set but empty: set a token, or unset it to use a generated one");
        }
        return Ok(ApiToken {
            secret: secret.trim().to_owned(),
            source: TokenSource::Env,
        });
    }
    let path = data_dir.join(TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(secret) if !secret.trim().is_empty() => {
            return Ok(ApiToken {
                secret: secret.trim().to_owned(),
                source: TokenSource::File(path),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let secret = generate_token();
    write_private(&path, &secret)?;
    Ok(ApiToken {
        secret,
        source: TokenSource::Generated(path),
    })
}

fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Writes a file only its owner can read, created with mode 0600 from the start.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
