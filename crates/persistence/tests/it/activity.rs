//! Query 2: the activity figures of the candidates.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use klikorder_domain::{ActivityScope, CustomerDirectory, TransactionActivity};
use klikorder_persistence::DieselCustomerDirectory;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::transactions;

use crate::support::{at, customer, purchase, query, seed, verified, window_start};

engine_tests!(
    figures_count_the_window_inclusively_and_keep_the_latest_date,
    the_activity_query_groups_only_the_given_customers,
);

fn figures_count_the_window_inclusively_and_keep_the_latest_date(db: &TestDatabase) {
    let number = "085712345678";
    let start = window_start();
    let second = TimeDelta::seconds(1);
    seed(
        db,
        &[],
        &[
            customer(1, Some(number)),
            customer(2, Some(number)),
            customer(3, Some(number)),
            customer(4, Some(number)),
        ],
        &[
            // 1: exactly at the window start (counts), one second before
            // (does not), and a later one.
            purchase(1, 1, start),
            purchase(2, 1, start - second),
            purchase(3, 1, start + TimeDelta::days(3)),
            // 2: only old transactions; the latest one is kept.
            purchase(4, 2, at("2026-01-01 09:00:00")),
            purchase(5, 2, at("2026-03-01 09:00:00")),
            purchase(6, 2, start - second),
            // 3: none at all. 4: one in the future (still "recent").
            purchase(7, 4, start + TimeDelta::days(40)),
        ],
    );
    let directory = DieselCustomerDirectory::new(db.pool().clone(), verified());
    let found = directory
        .find_candidates(&query(number, ActivityScope::WhenSeveral))
        .unwrap();
    let figures: BTreeMap<i64, TransactionActivity> = found
        .iter()
        .map(|c| {
            (
                c.customer.id,
                c.activity.expect("figures for every candidate"),
            )
        })
        .collect();
    let expected = BTreeMap::from([
        (
            1,
            TransactionActivity {
                recent_transactions: 2,
                last_transaction: Some(start + TimeDelta::days(3)),
            },
        ),
        (
            2,
            TransactionActivity {
                recent_transactions: 0,
                last_transaction: Some(start - second),
            },
        ),
        (
            3,
            TransactionActivity {
                recent_transactions: 0,
                last_transaction: None,
            },
        ),
        (
            4,
            TransactionActivity {
                recent_transactions: 1,
                last_transaction: Some(start + TimeDelta::days(40)),
            },
        ),
    ]);
    assert_eq!(figures, expected);
}

fn the_activity_query_groups_only_the_given_customers(db: &TestDatabase) {
    seed(
        db,
        &[],
        &[customer(1, None), customer(2, None), customer(3, None)],
        &[
            purchase(1, 1, at("2026-11-10 00:00:00")),
            purchase(2, 2, at("2026-11-11 00:00:00")),
            purchase(3, 2, at("2026-11-12 00:00:00")),
            purchase(4, 3, at("2026-11-13 00:00:00")),
        ],
    );
    let mut conn = db.connection().unwrap();
    let mut rows = transactions::activity(&mut conn, &[2, 3, 99], window_start()).unwrap();
    rows.sort_by_key(|row| row.customer_id);
    let figures: Vec<(i64, i64, Option<String>)> = rows
        .into_iter()
        .map(|row| {
            (
                row.customer_id,
                row.recent_transactions,
                row.last_transaction.map(|t| t.to_string()),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            (2, 2, Some("2026-11-12 00:00:00".to_owned())),
            (3, 1, Some("2026-11-13 00:00:00".to_owned())),
        ]
    );
    assert!(
        transactions::activity(&mut conn, &[], window_start())
            .unwrap()
            .is_empty()
    );
}
