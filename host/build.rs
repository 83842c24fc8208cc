//! The app (app/, built by `cargo xtask` into target/app) is embedded into the binary from that
//! folder. It is created empty here when it is missing, so the host compiles (and answers `/app/`
//! with a page saying how to build the app) before the app was ever built.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let app = manifest.join("../target/app");
    std::fs::create_dir_all(&app).expect("cannot create target/app");
    // A directory: cargo rescans every file in it, so a new build of the app re-embeds it.
    println!("cargo:rerun-if-changed={}", app.display());
    println!("cargo:rerun-if-changed=build.rs");
}
