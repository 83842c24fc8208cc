//! Reading `bantz.toml` and the `BANTZ_*` overrides into [`FileConfig`], keeping where every
//! value came from, so that each problem can be reported with its line in the file or the name
//! of the variable that caused it, and all of them at once rather than the first.
//!
//! The overrides: `BANTZ_<KEY>` sets a top-level key (only `timezone` is one), and
//! `BANTZ_<SECTION>__<KEY>` a key in a section, with `__` between levels and names lowercased:
//! `BANTZ_LIMITS__TIMEOUT_MS=5000`, `BANTZ_LLM__FAST__MODEL=qwen2.5`,
//! `BANTZ_SKILLS__CLOCK__TIMEZONE=Asia/Tokyo`. A value is read as TOML when it is a number, a
//! boolean, an array or a quoted string, else as a plain string. Other `BANTZ_*` variables
//! (`BANTZ_HOST`, `BANTZ_PORT`, `BANTZ_API_TOKEN`…) belong to the command line, not to this.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::FileConfig;

/// Prefix of the override variables.
const ENV_PREFIX: &str = "BANTZ_";
/// Top-level keys of bantz.toml that `BANTZ_<KEY>` sets.
const TOP_LEVEL_KEYS: &[&str] = &["timezone"];

/// bantz.toml with the overrides applied, and the problems found so far.
pub(super) struct Document {
    /// The path as the user gave it.
    path: String,
    /// The line of every key the file sets, by dotted path (`limits`, `limits.timeout_ms`).
    lines: BTreeMap<String, usize>,
    /// Every override applied: the variable and the dotted path it sets.
    overrides: Vec<(String, String)>,
    /// Each problem with its line, to list them in the file's order (those without a line last).
    problems: Vec<(usize, String)>,
    /// The values, with the defaults for everything that had a problem.
    pub values: FileConfig,
}

/// Every problem in a configuration, one a line.
#[derive(Debug)]
pub struct ConfigErrors(pub Vec<String>);

impl Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for ConfigErrors {}

impl Document {
    /// Reads the file at `path` (a missing file is an empty one) and the overrides in `env`.
    pub fn read(
        path: &Path,
        env: impl Iterator<Item = (String, String)>,
    ) -> anyhow::Result<Document> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let mut doc = Document {
            path: path.display().to_string(),
            lines: BTreeMap::new(),
            overrides: Vec::new(),
            problems: Vec::new(),
            values: FileConfig::default(),
        };
        let table = doc.read_file(&text);
        doc.apply_env(table, env);
        Ok(doc)
    }

    /// The file's values as a plain table, without the entries that do not fit bantz.toml;
    /// every problem is recorded with its line.
    fn read_file(&mut self, text: &str) -> toml::Table {
        let (mut root, syntax) = DeTable::parse_recoverable(text);
        if !syntax.is_empty() {
            for e in syntax {
                let line = e.span().map(|s| line_of(text, s.start));
                self.push(line, None, e.message());
            }
            return toml::Table::new();
        }
        collect_lines(root.get_ref(), text, "", &mut self.lines);
        // serde stops at the first error: take out the entry it names and try again, until
        // the rest fits, so that every bad key and value is reported.
        while let Err(e) = FileConfig::deserialize(toml::de::Deserializer::from(root.clone())) {
            let span = e.span();
            let found = span
                .as_ref()
                .and_then(|s| entry_at(root.get_ref(), s.start));
            let line = span.map(|s| line_of(text, s.start));
            match found {
                Some(keys) => {
                    self.push(line, None, format!("{}: {}", keys.join("."), e.message()));
                    remove(root.get_mut(), &keys);
                }
                None => {
                    self.push(line, None, e.message());
                    return toml::Table::new();
                }
            }
        }
        toml::Table::deserialize(toml::de::Deserializer::from(root)).unwrap_or_default()
    }

    /// Applies the `BANTZ_*` overrides to `table` one by one, so that a bad one is reported
    /// by its name, and keeps the values.
    fn apply_env(&mut self, mut table: toml::Table, env: impl Iterator<Item = (String, String)>) {
        let mut vars: Vec<(String, String)> = env.filter(|(name, _)| is_override(name)).collect();
        vars.sort();
        for (name, value) in vars {
            let keys: Vec<String> = name[ENV_PREFIX.len()..]
                .split("__")
                .map(str::to_ascii_lowercase)
                .collect();
            if keys.iter().any(String::is_empty) {
                self.push(
                    None,
                    Some(name.clone()),
                    "not a setting: write BANTZ_<SECTION>__<KEY>, e.g. BANTZ_LIMITS__TIMEOUT_MS",
                );
                continue;
            }
            let mut trial = table.clone();
            if let Err(e) = set(&mut trial, &keys, env_value(&value)) {
                self.push(None, Some(name.clone()), e);
                continue;
            }
            match FileConfig::deserialize(toml::Value::Table(trial.clone())) {
                Ok(_) => {
                    table = trial;
                    self.overrides.push((name, keys.join(".")));
                }
                Err(e) => self.push(
                    None,
                    Some(name.clone()),
                    format!("{}: {}", keys.join("."), e.message()),
                ),
            }
        }
        match FileConfig::deserialize(toml::Value::Table(table)) {
            Ok(values) => self.values = values,
            Err(e) => self.push(None, None, e.message()),
        }
    }

    /// Records a problem of what is at `keys` (e.g. `["llm", "fast"]`), located at its line in
    /// the file and the overrides that touch it.
    pub fn problem(&mut self, keys: &[&str], message: impl Display) {
        let path = keys.join(".");
        let line = (1..=keys.len())
            .rev()
            .find_map(|n| self.lines.get(&keys[..n].join(".")).copied());
        let vars: Vec<&str> = self
            .overrides
            .iter()
            .filter(|(_, set)| {
                *set == path
                    || set.starts_with(&format!("{path}."))
                    || path.starts_with(&format!("{set}."))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        let location = match (line, vars.is_empty()) {
            (_, true) => None,
            (Some(line), false) => Some(format!("{}:{line} with {}", self.path, vars.join(", "))),
            (None, false) => Some(vars.join(", ")),
        };
        let message = message.to_string();
        // Messages that name their section already need no label.
        let message = if message.starts_with('[') {
            message
        } else if keys.len() == 1 && TOP_LEVEL_KEYS.contains(&keys[0]) {
            format!("{path}: {message}")
        } else {
            format!("[{path}] {message}")
        };
        self.push(line, location, message);
    }

    /// `result`'s value, or `None` with its error recorded as a problem of `keys`.
    pub fn ok<T, E: Display>(&mut self, keys: &[&str], result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.problem(keys, e)).ok()
    }

    /// Every problem in the file's order, or nothing.
    pub fn finish(mut self) -> Result<(), ConfigErrors> {
        if self.problems.is_empty() {
            return Ok(());
        }
        self.problems.sort_by_key(|(line, _)| *line);
        Err(ConfigErrors(
            self.problems.into_iter().map(|(_, p)| p).collect(),
        ))
    }

    /// Records a problem at `line` of the file, shown at `location` when given (an override's
    /// name), else at `path:line`.
    fn push(&mut self, line: Option<usize>, location: Option<String>, message: impl Display) {
        let location = location.unwrap_or_else(|| match line {
            Some(line) => format!("{}:{line}", self.path),
            None => self.path.clone(),
        });
        // One problem, one line: serde's messages may break theirs.
        let message = message.to_string().replace('\n', " ");
        self.problems
            .push((line.unwrap_or(usize::MAX), format!("{location}: {message}")));
    }
}

/// Whether the variable `name` is an override of bantz.toml.
fn is_override(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
        return false;
    };
    rest.contains("__") || TOP_LEVEL_KEYS.contains(&rest.to_ascii_lowercase().as_str())
}

/// A variable's value as TOML: a number, boolean, array or quoted string as such, anything
/// else as the plain string it is.
fn env_value(text: &str) -> toml::Value {
    let parsed = format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"));
    match parsed {
        Some(
            v @ (toml::Value::Integer(_)
            | toml::Value::Float(_)
            | toml::Value::Boolean(_)
            | toml::Value::Array(_)
            | toml::Value::String(_)),
        ) => v,
        _ => toml::Value::String(text.to_owned()),
    }
}

/// Sets `keys` in `table` to `value`, making the tables on the way.
fn set(table: &mut toml::Table, keys: &[String], value: toml::Value) -> Result<(), String> {
    let (last, parents) = keys.split_last().expect("at least one key");
    let mut table = table;
    for (i, key) in parents.iter().enumerate() {
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry
            .as_table_mut()
            .ok_or_else(|| format!("{} is not a section", keys[..=i].join(".")))?;
    }
    table.insert(last.clone(), value);
    Ok(())
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Records the line of every key under `prefix`.
fn collect_lines(
    table: &DeTable<'_>,
    text: &str,
    prefix: &str,
    lines: &mut BTreeMap<String, usize>,
) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        lines
            .entry(path.clone())
            .or_insert_with(|| line_of(text, key.span().start));
        if let DeValue::Table(inner) = value.get_ref() {
            collect_lines(inner, text, &path, lines);
        }
    }
}

/// The keys of the innermost entry whose key or value spans byte `offset`.
fn entry_at(table: &DeTable<'_>, offset: usize) -> Option<Vec<String>> {
    for (key, value) in table.iter() {
        if let DeValue::Table(inner) = value.get_ref()
            && let Some(mut keys) = entry_at(inner, offset)
        {
            keys.insert(0, key.get_ref().to_string());
            return Some(keys);
        }
    }
    table
        .iter()
        .find(|(key, value)| contains(key, offset) || contains(value, offset))
        .map(|(key, _)| vec![key.get_ref().to_string()])
}

fn contains<T>(spanned: &Spanned<T>, offset: usize) -> bool {
    let span = spanned.span();
    span.start <= offset && offset < span.end.max(span.start + 1)
}

/// Removes the entry at `keys`.
fn remove(table: &mut DeTable<'_>, keys: &[String]) {
    match keys {
        [] => {}
        [last] => {
            table.remove(last.as_str());
        }
        [first, rest @ ..] => {
            if let Some(value) = table.get_mut(first.as_str())
                && let DeValue::Table(inner) = value.get_mut()
            {
                remove(inner, rest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, env: &[(&str, &str)]) -> Document {
        let dir = std::env::temp_dir().join(format!("bantz-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bantz.toml");
        std::fs::write(&path, text).unwrap();
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let doc = Document::read(&path, env.collect::<Vec<_>>().into_iter()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        doc
    }

    fn problems(doc: Document) -> Vec<String> {
        match doc.finish() {
            Ok(()) => Vec::new(),
            Err(e) => {
                e.0.into_iter()
                    .map(|p| {
                        p.split_once("bantz.toml")
                            .map_or(p.clone(), |(_, rest)| rest.to_owned())
                    })
                    .collect()
            }
        }
    }

    #[test]
    fn the_first_start_file_fits_and_grants_only_the_weather_skill_its_two_hosts() {
        let mut doc = read(crate::config::FIRST_START_FILE, &[]);
        let skills = std::mem::take(&mut doc.values.skills);
        assert_eq!(problems(doc), Vec::<String>::new());
        assert_eq!(skills.keys().collect::<Vec<_>>(), ["weather"]);
        assert_eq!(
            skills["weather"].allow_hosts(),
            ["geocoding-api.open-meteo.com", "api.open-meteo.com"]
        );
    }

    #[test]
    fn every_bad_key_and_value_is_reported_with_its_line() {
        let doc = read(
            "timezone = \"Asia/Tokyo\"\n\n[limits]\ntimeout_ms = \"soon\"\ncolour = 3\n\n[notifications]\nquiet = true\n",
            &[],
        );
        let found = problems(doc);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found[0].starts_with(":4: limits.timeout_ms: "),
            "{found:#?}"
        );
        assert!(
            found[1].starts_with(":5: limits.colour: unknown field"),
            "{found:#?}"
        );
        assert!(
            found[2].starts_with(":8: notifications.quiet: unknown field"),
            "{found:#?}"
        );
    }

    #[test]
    fn syntax_errors_have_their_line() {
        let found = problems(read("[limits]\ntimeout_ms = = 3\n", &[]));
        assert!(found[0].starts_with(":2: "), "{found:#?}");
    }

    #[test]
    fn overrides_set_keys_and_a_bad_one_is_named() {
        let doc = read(
            "[limits]\nmemory_mb = 32\n",
            &[
                ("BANTZ_TIMEZONE", "Asia/Tokyo"),
                ("BANTZ_LIMITS__TIMEOUT_MS", "5000"),
                ("BANTZ_SKILLS__CLOCK__TIMEZONE", "Europe/London"),
                ("BANTZ_BRIEFING__TIME", "07:30"),
                ("BANTZ_HOST", "0.0.0.0"),
                ("BANTZ_LIMITS__NOPE", "1"),
            ],
        );
        assert_eq!(doc.values.timezone.as_deref(), Some("Asia/Tokyo"));
        assert_eq!(doc.values.limits.timeout_ms, 5000);
        assert_eq!(doc.values.limits.memory_mb, 32);
        assert_eq!(doc.values.briefing.time.as_deref(), Some("07:30"));
        assert_eq!(
            doc.values.skills["clock"].get("timezone").as_deref(),
            Some("Europe/London")
        );
        let found = doc.finish().unwrap_err().0;
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("BANTZ_LIMITS__NOPE: limits.nope: unknown field"),
            "{found:#?}"
        );
    }

    #[test]
    fn a_problem_names_its_line_and_the_overrides_that_touch_it() {
        let mut doc = read(
            "# settings\n[llm.fast]\nmodel = \"m\"\n",
            &[("BANTZ_LLM__FAST__TIMEOUT_MS", "0")],
        );
        doc.problem(
            &["llm", "fast"],
            "[llm.fast]: timeout_ms must be from 1 to 600000",
        );
        let found = problems(doc);
        assert_eq!(
            found,
            [
                ":2 with BANTZ_LLM__FAST__TIMEOUT_MS: [llm.fast]: timeout_ms must be from 1 to 600000"
            ]
        );
    }
}
