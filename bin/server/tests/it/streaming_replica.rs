//! DATABASE_REPLICA_URL against a real PostgreSQL streaming replica: the
//! pair `scripts/pg-replica` sets up on this machine (its own ports and
//! directory, never the machine's PostgreSQL). The lookups must come from
//! the standby: while its WAL replay is paused, a customer just inserted on
//! the primary is not found; once replay resumes, it is.
//!
//! NOT RUN (said on stderr) when this machine has no PostgreSQL server
//! binaries or no `psql`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{Response, TestServer, demo_key, lookup};

const TEST: &str = "streaming replica test";
/// Ports of this test's pair, apart from the script's defaults (55432/55433)
/// so that a pair someone started by hand is left alone.
const PRIMARY_PORT: u16 = 55442;
const REPLICA_PORT: u16 = 55443;
/// A customer only this test creates, with a number no demo customer has.
const NEW_CUSTOMER_ID: i64 = 995_001;
const NEW_NO_HP: &str = "081299887766";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg-replica")
}

fn run_script(args: &[&str], dir: &Path) -> Output {
    Command::new(script())
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .expect("run scripts/pg-replica")
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The pair of this test; destroyed (servers stopped, directory removed)
/// when dropped, also when the test fails.
struct Pair {
    dir: PathBuf,
}

impl Drop for Pair {
    fn drop(&mut self) {
        let output = run_script(&["destroy"], &self.dir);
        // 3: this machine cannot run the servers, so nothing was started.
        if !output.status.success() && output.status.code() != Some(3) {
            eprintln!("scripts/pg-replica destroy failed: {}", describe(&output));
        }
    }
}

/// Runs one statement with `psql` and returns what it printed.
fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql {sql:?} failed: {}",
        describe(&output)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// Repeats `probe` until `done` accepts its answer or `within` passes;
/// returns the last answer.
fn poll(
    within: Duration,
    probe: impl Fn() -> Response,
    done: impl Fn(&Response) -> bool,
) -> Response {
    let deadline = Instant::now() + within;
    loop {
        let response = probe();
        if done(&response) || Instant::now() >= deadline {
            return response;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn lookups_are_served_from_a_postgres_streaming_replica() {
    if let Err(error) = Command::new("psql").arg("--version").output() {
        eprintln!("NOT RUN: {TEST}: psql cannot be run ({error})");
        return;
    }
    let started = Instant::now();
    let pair = Pair {
        dir: std::env::temp_dir().join(format!("klikorder-pg-replica-it-{}", std::process::id())),
    };
    let primary_port = PRIMARY_PORT.to_string();
    let replica_port = REPLICA_PORT.to_string();
    let output = run_script(
        &[
            "start",
            "--primary-port",
            &primary_port,
            "--replica-port",
            &replica_port,
        ],
        &pair.dir,
    );
    if output.status.code() == Some(3) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr.trim().lines().last().unwrap_or("no reason given");
        let reason = reason
            .strip_prefix("pg-replica: NOT RUN: ")
            .unwrap_or(reason);
        eprintln!("NOT RUN: {TEST}: {reason}");
        return;
    }
    assert!(
        output.status.success(),
        "scripts/pg-replica start failed: {}",
        describe(&output)
    );
    eprintln!(
        "scripts/pg-replica start ({:.1} s):\n{}",
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&output.stdout)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let printed = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {name}=… line in:\n{stdout}"))
            .to_owned()
    };
    let primary_url = printed("DATABASE_URL");
    let replica_url = printed("DATABASE_REPLICA_URL");
    assert_eq!(
        primary_url,
        format!("postgres://postgres@127.0.0.1:{PRIMARY_PORT}/klikorder")
    );
    assert_eq!(
        replica_url,
        format!("postgres://postgres@127.0.0.1:{REPLICA_PORT}/klikorder")
    );
    assert_eq!(psql(&replica_url, "SELECT pg_is_in_recovery()"), "t");

    // The primary is migrated and gets the demo rows; they reach the
    // replica asynchronously.
    let workdir = tempfile::tempdir().unwrap();
    let server = TestServer::start(
        workdir.path(),
        &primary_url,
        &["--demo", "--database-replica-url", &replica_url],
    );
    let key = demo_key(&server.banner);
    let (addr, key) = (server.addr, key.as_str());
    let by_number = |no_hp: &str| {
        let query = format!("?no_hp={no_hp}");
        move || lookup(addr, "DEMO", key, &query)
    };
    let found = poll(Duration::from_secs(10), by_number("081521979154"), |r| {
        r.status == 200
    });
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["data"]["id"], 4832);
    assert!(
        server.log_shows("lookups read from the replica"),
        "the server did not say it reads the replica:\n{}",
        server.log()
    );

    // Replay paused: a customer inserted on the primary is there, but the
    // lookup does not see it.
    psql(&replica_url, "SELECT pg_wal_replay_pause()");
    assert_ne!(
        psql(&replica_url, "SELECT pg_get_wal_replay_pause_state()"),
        "not paused"
    );
    psql(
        &primary_url,
        &format!(
            "INSERT INTO customers (id, kode, nama, nama_pemilik, kontak_person, no_hp, \
             status_pelanggan, keperluan_pelanggan, depo_id, created_at, updated_at) \
             VALUES ({NEW_CUSTOMER_ID}, 'PEL-replica-{NEW_CUSTOMER_ID}', 'Replica Test', \
             'Replica', 'Replica', '+62{}', 'Verif', 'Pribadi', 30, \
             LOCALTIMESTAMP(0), LOCALTIMESTAMP(0))",
            &NEW_NO_HP[1..]
        ),
    );
    assert_eq!(
        psql(
            &primary_url,
            &format!("SELECT count(*) FROM customers WHERE id = {NEW_CUSTOMER_ID}")
        ),
        "1"
    );
    // The WAL holding the row reaches the standby, where it waits unreplayed.
    let inserted_lsn = psql(&primary_url, "SELECT pg_current_wal_lsn()");
    let received = format!("SELECT pg_last_wal_receive_lsn() >= '{inserted_lsn}'::pg_lsn");
    let deadline = Instant::now() + Duration::from_secs(10);
    while psql(&replica_url, &received) != "t" {
        assert!(
            Instant::now() < deadline,
            "the standby did not receive the WAL up to {inserted_lsn} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        psql(
            &replica_url,
            &format!("SELECT count(*) FROM customers WHERE id = {NEW_CUSTOMER_ID}")
        ),
        "0"
    );
    let missed = by_number(NEW_NO_HP)();
    assert_eq!(
        missed.status, 404,
        "the lookup saw the primary's new row while the replica's replay was paused: {}",
        missed.body
    );
    assert_eq!(
        missed.body,
        r#"{"success":false,"message":"Pelanggan tidak ditemukan."}"#
    );

    // Replay resumed: the replica catches up and the lookup finds it.
    psql(&replica_url, "SELECT pg_wal_replay_resume()");
    let caught_up = poll(Duration::from_secs(10), by_number(NEW_NO_HP), |r| {
        r.status == 200
    });
    assert_eq!(caught_up.status, 200, "{}", caught_up.body);
    assert_eq!(caught_up.json()["data"]["id"], NEW_CUSTOMER_ID);
    assert_eq!(
        caught_up.json()["data"]["no_hp"],
        format!("+62{}", &NEW_NO_HP[1..])
    );

    assert!(server.terminate().success());
    drop(pair);
    eprintln!("{TEST}: passed in {:.1} s", started.elapsed().as_secs_f64());
}
