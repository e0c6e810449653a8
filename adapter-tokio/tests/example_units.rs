//! The examples' own unit tests: the proxy's routing rules and kv-server's
//! glob matcher. `cargo test` builds examples as programs, which the other
//! tests start, so their modules are compiled here to run their tests.

#[allow(dead_code)]
#[path = "../examples/proxy/route.rs"]
mod route;

#[allow(dead_code)]
#[path = "../examples/kv-server/glob.rs"]
mod glob;
