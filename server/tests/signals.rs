//! Reload on `SIGHUP`; on `SIGTERM`, stop accepting, answer the request in
//! flight, then stop. A test binary of its own: the signals go to this
//! process, which runs one server that handles them.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    reason = "a failed step should fail the test loudly"
)]

mod support;

use support::{artifact, begin, config, finish, get, hash_of, post, variant, write, Scratch, DX28};

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
    // A request in flight when `SIGTERM` arrives: its body is half sent.
    let body = DX28.as_bytes();
    let in_flight = begin(addr, "/v1/route", body, body.len() / 2);
    std::thread::sleep(std::time::Duration::from_millis(100));
    signal("TERM");
    // The server stops accepting…
    support::wait_until(|| std::net::TcpStream::connect(addr).is_err());
    // …but answers the request in flight, from the table it serves.
    let reply = finish(in_flight, &body[body.len() / 2..]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["table"]["hash"], hash_of(&next));
    // `wait` returns once the server has drained; bounded by the test's
    // own deadline through a watchdog thread.
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(running.wait().is_ok()).unwrap());
    assert!(finished
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap());
}
