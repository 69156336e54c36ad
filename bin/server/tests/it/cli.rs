//! The program's own failures and the CLI's output.

use crate::support::{Backend, TestServer, add_client, cli, command};

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_database_scheme_is_one_clear_line_and_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = cli(
        dir.path(),
        "postgress://app:s3cret@localhost/db",
        &["migrate"],
        "",
    );
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[test]
fn a_port_in_use_is_one_clear_line() {
    let backend = Backend::sqlite();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let output = command(backend.workdir(), &backend.url())
        .args(["serve", "--bind-addr", &port])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = stderr_of(&output);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(&format!("cannot listen on {port}")),
        "{stderr}"
    );
}

#[test]
fn bad_settings_fail_before_anything_starts() {
    let backend = Backend::sqlite();
    let output = command(backend.workdir(), &backend.url())
        .env("APP_TIMEZONE", "Mars/Olympus")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr_of(&output).contains("APP_TIMEZONE"));
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_idempotent() {
    let backend = Backend::sqlite();
    let first = cli(backend.workdir(), &backend.url(), &["migrate"], "");
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(String::from_utf8_lossy(&first.stdout).contains("Applied"));
    let second = cli(backend.workdir(), &backend.url(), &["migrate"], "");
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
}

#[test]
fn clients_are_listed_without_keys_and_imported_keys_work() {
    let backend = Backend::sqlite();
    let url = backend.url();
    let generated = add_client(backend.workdir(), &url, "MEKARI");
    assert!(
        generated.starts_with("ko_") && generated.len() >= 43,
        "{generated}"
    );

    let imported = cli(
        backend.workdir(),
        &url,
        &[
            "clients",
            "add",
            "LEGACY",
            "--name",
            "Old partner",
            "--key-stdin",
        ],
        "legacy-partner-key-0123456789\n",
    );
    assert!(imported.status.success(), "{}", stderr_of(&imported));
    assert!(!String::from_utf8_lossy(&imported.stdout).contains("legacy-partner-key"));

    let weak = cli(
        backend.workdir(),
        &url,
        &["clients", "add", "WEAK", "--key-stdin"],
        "short\n",
    );
    assert!(!weak.status.success());
    let duplicate = cli(backend.workdir(), &url, &["clients", "add", "MEKARI"], "");
    assert!(!duplicate.status.success());
    assert!(stderr_of(&duplicate).contains("already exists"));
    let unknown = cli(backend.workdir(), &url, &["clients", "revoke", "NOPE"], "");
    assert!(!unknown.status.success());

    let list = cli(backend.workdir(), &url, &["clients", "list"], "");
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(
        listing.contains("MEKARI") && listing.contains("LEGACY") && listing.contains("Old partner"),
        "{listing}"
    );
    assert!(
        !listing.contains(&generated) && !listing.contains("legacy-partner-key"),
        "{listing}"
    );

    // The clients table holds no key, in any column.
    let pool =
        klikorder_persistence::build_pool(&url, &klikorder_persistence::PoolSettings::default())
            .unwrap();
    let mut conn = pool.get().unwrap();
    let rows = klikorder_persistence::api_clients::list(&mut conn).unwrap();
    assert_eq!(rows.len(), 2);
    let dump = format!("{rows:?}");
    assert!(
        !dump.contains(&generated) && !dump.contains("legacy-partner-key"),
        "{dump}"
    );
    assert!(rows.iter().all(|row| row.key_hash.starts_with("sha256$")));
    drop(conn);

    // A client with an end date in the past is refused; one in the future works.
    let expired = cli(
        backend.workdir(),
        &url,
        &["clients", "add", "EXPIRED", "--expires", "2020-01-01"],
        "",
    );
    assert!(expired.status.success(), "{}", stderr_of(&expired));
    let expired_key = String::from_utf8_lossy(&expired.stdout)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    let bad_date = cli(
        backend.workdir(),
        &url,
        &["clients", "add", "X", "--expires", "soon"],
        "",
    );
    assert!(!bad_date.status.success());
    let list = cli(backend.workdir(), &url, &["clients", "list"], "");
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(listing.contains("expired 2020-01-01 00:00"), "{listing}");

    // The imported key authenticates on a running server.
    let server = TestServer::start(backend.workdir(), &url, &[]);
    let response = crate::support::lookup(
        server.addr,
        "LEGACY",
        "legacy-partner-key-0123456789",
        "?no_hp=08123456789",
    );
    assert_eq!(response.status, 404, "{}", response.body);
    let response =
        crate::support::lookup(server.addr, "EXPIRED", &expired_key, "?no_hp=08123456789");
    assert_eq!(response.status, 401, "{}", response.body);
    // After a lookup, the last-seen minute is written in the background.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let list = cli(backend.workdir(), &url, &["clients", "list"], "");
        let listing = String::from_utf8_lossy(&list.stdout).into_owned();
        let legacy = listing
            .lines()
            .find(|l| l.starts_with("LEGACY"))
            .unwrap()
            .to_owned();
        if !legacy.contains("never") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "last seen never recorded: {legacy}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn lookup_explains_why_a_customer_won() {
    let backend = Backend::sqlite();
    let url = backend.url();
    // Load the demo data set through the server, then stop it.
    let server = TestServer::start(backend.workdir(), &url, &["--demo"]);
    assert!(server.terminate().success());

    let json = cli(
        backend.workdir(),
        &url,
        &["lookup", "0815-2197-9154", "--json"],
        "",
    );
    assert!(json.status.success(), "{}", stderr_of(&json));
    let body: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(body["data"]["id"], 4832);
    assert_eq!(body["data"]["no_hp"], "+6281521979154");

    let explained = cli(
        backend.workdir(),
        &url,
        &["lookup", "6281334560202", "--explain"],
        "",
    );
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(explained.status.success(), "{}", stderr_of(&explained));
    assert!(
        text.contains("decided by: more transactions in the last 30 days"),
        "{text}"
    );
    assert!(
        text.lines().filter(|l| l.contains("no_hp")).count() >= 2,
        "every candidate is listed with the column that matched:\n{text}"
    );

    let explained = cli(
        backend.workdir(),
        &url,
        &["lookup", "081521979154", "--explain", "--json"],
        "",
    );
    let body: serde_json::Value = serde_json::from_slice(&explained.stdout).unwrap();
    assert_eq!(body["winner"], 4832);
    assert_eq!(body["decided_by"], "only_candidate");
    assert_eq!(
        body["candidates"].as_array().unwrap().len(),
        1,
        "unverified and deleted customers are not candidates"
    );

    let missing = cli(backend.workdir(), &url, &["lookup", "08119998887"], "");
    assert!(missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stdout).contains("no customer found"));

    let invalid = cli(backend.workdir(), &url, &["lookup", "abc"], "");
    assert!(!invalid.status.success());
    assert_eq!(stderr_of(&invalid).trim().lines().count(), 1);
}

#[test]
fn migrate_check_changes_nothing_and_lists_what_is_missing() {
    let backend = Backend::sqlite();
    let url = backend.url();
    // An empty database the service does not own: nothing is there.
    let empty = command(backend.workdir(), &url)
        .args(["migrate", "--check"])
        .env("NO_MIGRATE", "true")
        .output()
        .unwrap();
    assert!(!empty.status.success());
    let listing = String::from_utf8_lossy(&empty.stdout);
    for table in ["customers", "transactions", "depos", "api_clients"] {
        assert!(
            listing.contains(table),
            "{table} is reported missing:\n{listing}"
        );
    }
    assert_eq!(
        stderr_of(&empty).trim().lines().count(),
        1,
        "{}",
        stderr_of(&empty)
    );
    // It changed nothing: still empty, so still failing.
    let again = cli(backend.workdir(), &url, &["migrate", "--check"], "");
    assert!(!again.status.success());

    let migrated = cli(backend.workdir(), &url, &["migrate"], "");
    assert!(migrated.status.success(), "{}", stderr_of(&migrated));
    let ok = cli(backend.workdir(), &url, &["migrate", "--check"], "");
    assert!(
        ok.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ok.stdout),
        stderr_of(&ok)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("nothing was changed"));
}

#[test]
fn doctor_reports_the_schema_and_the_stored_numbers() {
    let backend = Backend::sqlite();
    let url = backend.url();
    let server = TestServer::start(backend.workdir(), &url, &["--demo"]);
    assert!(server.terminate().success());
    let output = cli(backend.workdir(), &url, &["doctor"], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr_of(&output));
    assert!(
        stdout.contains("Schema: every table, column and index"),
        "{stdout}"
    );
    assert!(stdout.contains("customer(s) scanned"), "{stdout}");
    // No full stored number is ever printed.
    assert!(!stdout.contains("81521979154"), "{stdout}");
}
