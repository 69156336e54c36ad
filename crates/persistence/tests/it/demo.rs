//! The demo data set, through the domain's lookup.

use chrono::Utc;
use diesel::prelude::*;
use klikorder_domain::{PhoneNumber, Rule, display_stored_number, find_customer};
use klikorder_persistence::DieselCustomerDirectory;
use klikorder_persistence::demo::{EXAMPLE_CUSTOMER_ID, load_demo_data, scenarios};
use klikorder_persistence::schema::{customers, depos, transactions};
use klikorder_persistence::test_support::TestDatabase;

use crate::support::verified;

engine_tests!(
    every_demo_scenario_resolves_to_its_winner,
    loading_the_demo_twice_replaces_it,
);

fn counts(db: &TestDatabase) -> (i64, i64, i64) {
    let mut conn = db.connection().unwrap();
    (
        depos::table.count().get_result(&mut conn).unwrap(),
        customers::table.count().get_result(&mut conn).unwrap(),
        transactions::table.count().get_result(&mut conn).unwrap(),
    )
}

fn every_demo_scenario_resolves_to_its_winner(db: &TestDatabase) {
    let zone = chrono_tz::Asia::Jakarta;
    let now = Utc::now();
    let loaded = load_demo_data(db.pool(), now.with_timezone(&zone).naive_local()).unwrap();
    assert_eq!(loaded, scenarios());
    let rules: Vec<Rule> = loaded.iter().map(|s| s.decided_by).collect();
    for rule in [
        Rule::RecentActivity,
        Rule::RecentCount,
        Rule::LatestTransaction,
        Rule::NewestCustomer,
        Rule::HighestId,
    ] {
        assert!(rules.contains(&rule), "no scenario for {rule:?}");
    }

    let directory = DieselCustomerDirectory::new(db.pool().clone(), verified());
    for scenario in &loaded {
        let phone = PhoneNumber::parse(scenario.no_hp).unwrap();
        let found = find_customer(&directory, &phone, now, &zone)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing found for {scenario:?}"));
        assert_eq!(
            (found.customer.id, found.decided_by),
            (scenario.expected_customer_id, scenario.decided_by),
            "{}",
            scenario.description
        );
    }

    let example = find_customer(
        &directory,
        &PhoneNumber::parse("+6281521979154").unwrap(),
        now,
        &zone,
    )
    .unwrap()
    .unwrap()
    .customer;
    assert_eq!(example.id, EXAMPLE_CUSTOMER_ID);
    assert_eq!(
        display_stored_number(example.no_hp.as_deref().unwrap()),
        "+6281521979154"
    );
    assert_eq!(example.no_hp.as_deref(), Some("081521979154"));
    let depo = example.depo.unwrap();
    assert_eq!(
        (depo.id, depo.kode.as_str(), depo.nama.as_str()),
        (30, "DPS30", "Depo Pontianak")
    );

    let goovi = loaded
        .iter()
        .find(|s| s.description.contains("no_hp_goovi"))
        .unwrap();
    let found = find_customer(
        &directory,
        &PhoneNumber::parse(goovi.no_hp).unwrap(),
        now,
        &zone,
    )
    .unwrap()
    .unwrap();
    assert!(
        found
            .customer
            .no_hp_goovi
            .as_deref()
            .unwrap()
            .starts_with("62")
    );

    let no_depot = loaded
        .iter()
        .find(|s| s.description.contains("without a depot"))
        .unwrap();
    let found = find_customer(
        &directory,
        &PhoneNumber::parse(no_depot.no_hp).unwrap(),
        now,
        &zone,
    )
    .unwrap()
    .unwrap();
    assert_eq!(found.customer.depo, None);
}

fn loading_the_demo_twice_replaces_it(db: &TestDatabase) {
    let zone = chrono_tz::Asia::Jakarta;
    let now = Utc::now();
    let local = now.with_timezone(&zone).naive_local();
    load_demo_data(db.pool(), local - chrono::TimeDelta::days(90)).unwrap();
    let first = counts(db);
    load_demo_data(db.pool(), local).unwrap();
    assert_eq!(counts(db), first, "the same rows, not twice as many");

    // The second load refreshed the dates: the scenarios hold today.
    let directory = DieselCustomerDirectory::new(db.pool().clone(), verified());
    for scenario in scenarios() {
        let phone = PhoneNumber::parse(scenario.no_hp).unwrap();
        let found = find_customer(&directory, &phone, now, &zone)
            .unwrap()
            .unwrap();
        assert_eq!(found.customer.id, scenario.expected_customer_id);
    }

    // New rows without an explicit id do not collide with the demo ids.
    let mut conn = db.connection().unwrap();
    diesel::insert_into(depos::table)
        .values((depos::kode.eq("NEW"), depos::nama.eq("Depo Baru")))
        .execute(&mut conn)
        .unwrap();
}
