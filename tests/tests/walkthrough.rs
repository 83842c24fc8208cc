//! README's "Write your own skill" stays true: its code is the counter test skill (same code, up
//! to formatting), which builds as a component and answers as README says.

use bantz_tests::{Bantz, Options, json, skill, test_skill};

/// The code with whitespace and commas removed, so formatting does not count.
fn tokens(code: &str) -> String {
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//!"))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect()
}

#[test]
fn the_readme_skill_is_the_counter_skill() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme
        .find("## Write your own skill")
        .expect("README has the section")..];
    let start = section.find("```rust\n").unwrap() + "```rust\n".len();
    let code = &section[start..start + section[start..].find("```").unwrap()];
    assert!(
        code.lines().count() < 20,
        "README promises a skill in under 20 lines"
    );
    let counter = std::fs::read_to_string(root.join("skills/testing/counter/src/lib.rs")).unwrap();
    assert_eq!(
        tokens(code),
        tokens(&counter),
        "README's skill and skills/testing/counter differ"
    );
}

#[tokio::test]
async fn the_readme_skill_counts_in_both_languages_and_remembers() {
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("counter")],
        ..Default::default()
    })
    .await;
    assert_eq!(bantz.chat("count").await["response"], "That's 1.");
    assert_eq!(bantz.chat("count again").await["response"], "That's 2.");
    let turkish = bantz.chat("bir daha say").await;
    assert_eq!(turkish["response"], "3!");
    assert_eq!(turkish["tools_used"], json!(["counter.count"]));
    let bantz = bantz
        .restart(Options {
            skills: vec![],
            ..Default::default()
        })
        .await;
    assert_eq!(
        bantz.chat("count").await["response"],
        "That's 4.",
        "kv survives a restart"
    );
}
