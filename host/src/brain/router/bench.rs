//! The routing micro-benchmark (`cargo xtask bench routing`): in-process routing latency,
//! p50 and p99, for the first-party skills' templates; the same with 100 extra synthetic
//! skills; and with the hostile-templates test skill loaded. Manifests are read from the built
//! components in `BANTZ_BENCH_DIST` (dist/ of the repository); the messages are the utterances
//! of tests/eval. It prints the report between `<<<routing` and `routing>>>`.

use std::path::Path;
use std::time::{Duration, Instant};

use super::Router;
use crate::brain::normalise::tokenize;
use crate::runtime::{Command, Intent, Manifest, Permissions, Runtime, Slot, SlotKind};

/// How long each configuration is measured.
const MEASURE: Duration = Duration::from_secs(3);

/// Nouns that name what a synthetic skill keeps, in English and Turkish.
const NOUNS: &[(&str, &str)] = &[
    ("invoice", "fatura"),
    ("recipe", "tarif"),
    ("playlist", "çalma listesi"),
    ("note", "not"),
    ("task", "görev"),
    ("expense", "harcama"),
    ("contact", "kişi"),
    ("package", "paket"),
    ("flight", "uçuş"),
    ("booking", "rezervasyon"),
];

/// A synthetic skill: five commands, each with templates in both languages, around a noun of
/// its own (`invoice7`) and words every skill shares (`show`, `my`, `add`, `göster`, `ekle`).
fn synthetic(k: usize) -> Manifest {
    let (en, tr) = NOUNS[k % NOUNS.len()];
    let (en, tr) = (format!("{en}{k}"), format!("{tr}{k}"));
    let intents: Vec<(&str, &str, Vec<String>)> = vec![
        (
            "list",
            "en",
            vec![
                format!("(show|list) [me] [all] [my] {en}s"),
                format!("what (are|were) my {en}s [for {{date}}]"),
                format!("do i have [any] {en}s [on {{date}}]"),
                format!("my {en}s [please]"),
            ],
        ),
        (
            "list",
            "tr",
            vec![
                format!("[bana] {tr} listesini göster"),
                format!("{tr} (listesi|listem) [ne|neler]"),
                format!("[{{date}}] {tr} var mı"),
            ],
        ),
        (
            "add",
            "en",
            vec![
                format!("add {{what}} to [my] {en}s"),
                format!("(add|create|new) [a] {en} [for {{date}}] [at {{time}}]"),
                format!("put {{what}} on [my] {en} list"),
            ],
        ),
        (
            "add",
            "tr",
            vec![
                format!("{tr} (ekle|oluştur) [{{date}}]"),
                format!("{{what}} {tr} listesine ekle"),
            ],
        ),
        (
            "remove",
            "en",
            vec![
                format!("(delete|remove|cancel) [the|my] {en} [{{what}}]"),
                format!("clear [all] [my] {en}s"),
            ],
        ),
        (
            "remove",
            "tr",
            vec![
                format!("{tr} (sil|kaldır|iptal et)"),
                format!("{{what}} {tr} sil"),
            ],
        ),
        (
            "count",
            "en",
            vec![format!("how many {en}s [do i have] [{{date}}]")],
        ),
        ("count", "tr", vec![format!("kaç (tane|adet) {tr} var")]),
        (
            "next",
            "en",
            vec![format!("(what's|what is) [my] next {en}")],
        ),
        ("next", "tr", vec![format!("sıradaki {tr} ne")]),
    ];
    Manifest {
        name: format!("synthetic-{k}"),
        version: "0.1.0".into(),
        description: "A synthetic skill for the routing benchmark.".into(),
        commands: ["list", "add", "remove", "count", "next"]
            .iter()
            .map(|name| Command {
                name: (*name).into(),
                description: String::new(),
                args_schema: String::new(),
                examples: Vec::new(),
                needs_confirmation: false,
            })
            .collect(),
        intents: intents
            .into_iter()
            .map(|(command, locale, templates)| Intent {
                command: command.into(),
                locale: locale.into(),
                templates,
                slots: [
                    ("date", SlotKind::Date),
                    ("time", SlotKind::Time),
                    ("what", SlotKind::Text),
                ]
                .iter()
                .map(|(name, kind)| Slot {
                    name: (*name).into(),
                    kind: *kind,
                })
                .collect(),
            })
            .collect(),
        permissions: Permissions {
            outbound_hosts: Vec::new(),
            notify: false,
            schedule: None,
        },
    }
}

/// The manifests of the components in `dir` whose names are in `only` (all when empty).
async fn manifests(dir: &Path, only: &[&str]) -> Vec<Manifest> {
    let mut found = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !only.is_empty() && !only.contains(&stem.as_str()) {
            continue;
        }
        let inspection = Runtime::inspect(&path).await.unwrap();
        found.push(inspection.manifest.unwrap());
    }
    found
}

/// The utterances of tests/eval (its tuning and held-out parts), with `>` follow-ups too.
fn eval_messages(root: &Path) -> Vec<String> {
    let mut messages = Vec::new();
    let parts = ["tuning", "heldout"].map(|part| root.join("tests/eval").join(part));
    let files = parts
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "txt"));
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let say = line
                .trim_start_matches('>')
                .split('|')
                .next()
                .unwrap()
                .trim();
            messages.push(say.to_owned());
        }
    }
    messages.sort();
    messages
}

/// p50 and p99 of routing `messages` with `router`, in microseconds, over [`MEASURE`].
fn measure(router: &Router, messages: &[String]) -> (f64, f64, usize) {
    let now = chrono::Utc::now().naive_utc();
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < MEASURE {
        for message in messages {
            let at = Instant::now();
            let tokens = tokenize(message);
            std::hint::black_box(router.route(&tokens, now));
            samples.push(at.elapsed());
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.99), samples.len())
}

#[tokio::test]
#[ignore = "a benchmark: run it with `cargo xtask bench routing`"]
async fn routing_benchmark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dist = std::env::var_os("BANTZ_BENCH_DIST")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("dist"));
    let first_party = manifests(&dist.join("skills"), &[]).await;
    let hostile = manifests(&dist.join("test-skills"), &["hostile-templates"]).await;
    let synthetic: Vec<Manifest> = (0..100).map(synthetic).collect();
    let mut messages = eval_messages(root);
    let mut with_synthetic = messages.clone();
    with_synthetic.extend((0..100).flat_map(|k| {
        let (en, tr) = NOUNS[k % NOUNS.len()];
        [
            format!("show me my {en}{k}s"),
            format!("{tr}{k} listesini göster"),
        ]
    }));
    messages.dedup();

    let adversarial: Vec<String> = (40..=60).map(|n| vec!["a"; n].join(" ")).collect();
    let configs: Vec<(String, Router, Vec<String>)> = vec![
        (
            "first-party skills".into(),
            Router::from_manifests(&first_party),
            messages.clone(),
        ),
        (
            "first-party + 100 synthetic skills".into(),
            Router::from_manifests(first_party.iter().chain(&synthetic)),
            with_synthetic,
        ),
        (
            "first-party + hostile-templates, the eval messages".into(),
            Router::from_manifests(first_party.iter().chain(&hostile)),
            messages.clone(),
        ),
        (
            "first-party + hostile-templates, 40–60 words of `a`".into(),
            Router::from_manifests(first_party.iter().chain(&hostile)),
            adversarial,
        ),
    ];
    let mut report = String::new();
    report.push_str("| templates of | templates | messages | routings | p50, µs | p99, µs |\n");
    report.push_str("|---|---|---|---|---|---|\n");
    for (name, router, messages) in &configs {
        let (p50, p99, samples) = measure(router, messages);
        report.push_str(&format!(
            "| {name} | {} | {} | {samples} | {p50:.1} | {p99:.1} |\n",
            router.templates(),
            messages.len()
        ));
    }
    println!("<<<routing\n{report}routing>>>");
}
