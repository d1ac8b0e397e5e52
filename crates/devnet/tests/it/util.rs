//! Helpers shared by the tests.

use std::{path::Path, time::Duration};

use courier_devnet::DevnetSpec;

/// The default devnet with only its first `n` chains.
pub fn spec(n: usize) -> DevnetSpec {
    let mut spec = DevnetSpec::default();
    spec.chains.truncate(n);
    spec
}

/// Whether a process with this id exists (a zombie counts: it has not been reaped).
pub fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether something accepts connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200))
        .is_ok()
}

/// Asserts that anvil `pid` on `port` is gone: reaped (no /proc entry) and not listening.
pub fn assert_gone(pid: u32, port: u16) {
    assert!(!process_exists(pid), "anvil pid {pid} still exists");
    assert!(!port_open(port), "port {port} still open");
}
