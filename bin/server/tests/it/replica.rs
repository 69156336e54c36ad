//! DATABASE_REPLICA_URL: lookups read from the replica, API clients from
//! the primary.

use crate::support::{Backend, TestServer, add_client, demo_key, lookup};

#[test]
fn lookups_read_the_replica_and_clients_the_primary() {
    // The "replica" holds the customers (loaded by the demo, with its own
    // DEMO client); the primary is a fresh database with only its clients.
    let replica = Backend::sqlite();
    let loader = TestServer::start(replica.workdir(), &replica.url(), &["--demo"]);
    let replica_only_key = demo_key(&loader.banner);
    assert!(loader.terminate().success());

    let primary = Backend::sqlite();
    let key = add_client(primary.workdir(), &primary.url(), "MEKARI");
    let replica_url = replica.url();
    let server = TestServer::start(
        primary.workdir(),
        &primary.url(),
        &["--database-replica-url", &replica_url],
    );

    // The customer exists only on the replica: found.
    let found = lookup(server.addr, "MEKARI", &key, "?no_hp=081521979154");
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["data"]["id"], 4832);
    // The DEMO client exists only on the replica: refused.
    let refused = lookup(
        server.addr,
        "DEMO",
        &replica_only_key,
        "?no_hp=081521979154",
    );
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(
        server.log_shows("lookups read from the replica"),
        "{}",
        server.log()
    );
}
