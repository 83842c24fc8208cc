//! The effective configuration as TOML, for `bantz config check`: every setting with its
//! default filled in, and every secret masked (the API token, LLM API keys, the channels'
//! tokens and secrets, and skill settings whose names say they are secrets).

use toml::{Table, Value};

use super::{Config, TokenSource};

/// What a secret is printed as.
pub const MASK: &str = "********";

/// Whether a skill setting's name says it holds a secret.
fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "key"
        || key.ends_with("_key")
        || key.ends_with("-key")
        || [
            "token",
            "secret",
            "password",
            "passwd",
            "credential",
            "apikey",
        ]
        .iter()
        .any(|word| key.contains(word))
}

fn table<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Table(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn string(text: impl Into<String>) -> Value {
    Value::String(text.into())
}

fn path(p: &std::path::Path) -> Value {
    string(p.display().to_string())
}

fn serialized<T: serde::Serialize>(value: &T) -> Value {
    Value::try_from(value).unwrap_or_else(|e| string(format!("<{e}>")))
}

impl Config {
    /// The effective configuration as TOML, secrets masked.
    pub fn to_masked_toml(&self) -> String {
        let mut root = Table::new();
        root.insert("timezone".into(), string(self.timezone.name()));
        root.insert("host".into(), string(self.host.to_string()));
        root.insert("port".into(), Value::Integer(self.port.into()));
        if let Some(socket) = &self.socket {
            root.insert("socket".into(), path(socket));
        }
        root.insert("data_dir".into(), path(&self.data_dir));
        root.insert("skills_dir".into(), path(&self.skills_dir));
        root.insert("cache_dir".into(), path(&self.cache_dir));
        let (token, source) = match &self.token.source {
            TokenSource::Env => (MASK.to_owned(), format!("${}", super::TOKEN_ENV)),
            TokenSource::File(p) | TokenSource::Generated(p) => {
                (MASK.to_owned(), p.display().to_string())
            }
            TokenSource::Missing(p) => (
                String::new(),
                format!("none yet: `bantz serve` generates one into {}", p.display()),
            ),
        };
        root.insert("api_token".into(), string(token));
        root.insert("api_token_source".into(), string(source));

        root.insert("limits".into(), serialized(&self.limits));
        root.insert(
            "sandbox".into(),
            table([(
                "allow_private_hosts",
                serialized(&self.sandbox.allow_private_hosts),
            )]),
        );
        let mut notifications = Table::new();
        if let Some((start, end)) = self.notifications.quiet_hours {
            let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
            notifications.insert(
                "quiet_hours".into(),
                string(format!("{}-{}", hm(start), hm(end))),
            );
        }
        notifications.insert(
            "max_per_skill_per_hour".into(),
            Value::Integer(self.notifications.max_per_skill_per_hour.into()),
        );
        root.insert("notifications".into(), Value::Table(notifications));
        let mut briefing = Table::new();
        if let Some(time) = self.briefing.time {
            briefing.insert("time".into(), string(time.format("%H:%M:%S").to_string()));
        }
        briefing.insert("locale".into(), string(self.briefing.locale));
        root.insert("briefing".into(), Value::Table(briefing));
        root.insert("http".into(), serialized(&self.http));
        root.insert("rate_limits".into(), serialized(&self.rate_limits));
        root.insert("server".into(), serialized(&self.server));

        let mut llm = Table::new();
        for (name, tier) in [("fast", &self.llm.fast), ("quality", &self.llm.quality)] {
            let Some(tier) = tier else { continue };
            let mut t = Table::new();
            t.insert("base_url".into(), string(&tier.base_url));
            t.insert("model".into(), string(&tier.model));
            if tier.api_key.is_some() {
                t.insert("api_key".into(), string(MASK));
            }
            t.insert(
                "timeout_ms".into(),
                Value::Integer(tier.timeout.as_millis() as i64),
            );
            t.insert(
                "max_retries".into(),
                Value::Integer(tier.max_retries.into()),
            );
            if let Some(prompt) = &tier.system_prompt {
                t.insert("system_prompt".into(), string(prompt));
            }
            llm.insert(name.into(), Value::Table(t));
        }
        if !llm.is_empty() {
            root.insert("llm".into(), Value::Table(llm));
        }

        let mut channels = Table::new();
        if let Some(t) = &self.channels.telegram {
            let mut section = Table::new();
            section.insert("bot_token".into(), string(MASK));
            section.insert("api_base".into(), string(&t.api_base));
            section.insert("mode".into(), string(t.mode.as_str()));
            if t.webhook_secret.is_some() {
                section.insert("webhook_secret".into(), string(MASK));
            }
            channels.insert("telegram".into(), Value::Table(section));
        }
        if let Some(w) = &self.channels.whatsapp {
            channels.insert(
                "whatsapp".into(),
                table([
                    ("access_token", string(MASK)),
                    ("app_secret", string(MASK)),
                    ("verify_token", string(MASK)),
                    ("phone_number_id", string(&w.phone_number_id)),
                    ("allowed_numbers", serialized(&w.allowed_numbers)),
                    ("api_base", string(&w.api_base)),
                ]),
            );
        }
        if !channels.is_empty() {
            root.insert("channels".into(), Value::Table(channels));
        }

        let mut skills = Table::new();
        for (name, settings) in &self.skills {
            let values = settings
                .values
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) {
                        string(MASK)
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect();
            skills.insert(name.clone(), Value::Table(values));
        }
        if !skills.is_empty() {
            root.insert("skills".into(), Value::Table(skills));
        }
        toml::to_string(&root)
            .unwrap_or_else(|e| format!("# cannot print the configuration: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_recognised() {
        for secret in [
            "api_key",
            "token",
            "access_token",
            "password",
            "client_secret",
            "key",
        ] {
            assert!(is_secret(secret), "{secret}");
        }
        for plain in ["timezone", "home", "units", "allow_hosts", "monkey_count"] {
            assert!(!is_secret(plain), "{plain}");
        }
    }
}
