//! Reload on `SIGHUP`, drain and stop on `SIGTERM`. A test binary of its
//! own: the signals go to this process, which runs one server that handles
//! them.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    reason = "a failed step should fail the test loudly"
)]

mod support;

use support::{artifact, config, get, hash_of, post, variant, write, Scratch, DX28};

fn signal(name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn sighup_reloads_and_sigterm_drains_and_stops() {
    let dir = Scratch::new("signals");
    let table = dir.path("table.dxt");
    write(&table, &artifact());
    let running = dxmap_server::start(
        dxmap_server::Config {
            signals: true,
            ..config()
        },
        Box::new(dxmap_server::FileSource {
            path: table.clone(),
        }),
    )
    .unwrap();
    let addr = running.addr;
    support::wait_until(|| get(addr, "/readyz").status == 200);
    let next = variant("hup");
    write(&table, &next);
    signal("HUP");
    support::wait_until(|| post(addr, "/v1/route", DX28).json()["table"]["hash"] == hash_of(&next));
    signal("TERM");
    // `wait` returns once the server has drained; bounded by the test's
    // own deadline through a watchdog thread.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(running.wait().is_ok()).unwrap());
    assert!(finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap());
}
