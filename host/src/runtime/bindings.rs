//! Host-side bindings of the `bantz:skill` world (wit/skill.wit).
//!
//! `wasi:*` interfaces are not generated here: they come from wasmtime-wasi and
//! wasmtime-wasi-http, which also implement them.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "bantz:skill/skill",
    imports: { default: async },
    exports: { default: async },
    with: {
        "wasi:http": wasmtime_wasi_http::p2::bindings::http,
        "wasi:io": wasmtime_wasi::p2::bindings::io,
        "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
    },
});

pub use self::bantz::skill::types;
