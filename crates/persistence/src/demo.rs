//! A small demo data set: the customer of the published example, and
//! duplicates that exercise every rule of the ranking (CONTRACT §4).
//!
//! For demo and test databases only: it replaces rows with fixed ids
//! (customer 4832 and ids from 990101 up, depots 30 and 31).

use chrono::{NaiveDateTime, TimeDelta, Timelike};
use diesel::connection::Connection;
use diesel::prelude::*;
use klikorder_domain::Rule;

use crate::customers::NewCustomer;
use crate::depos::NewDepo;
use crate::schema::{customers, transactions};
use crate::transactions::CustomerTransaction;
use crate::{DbConnection, DbPool, PersistenceError};

/// A number to look up in the demo data, and who must win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoScenario {
    /// The number to send as `no_hp`, as a partner would type it.
    pub no_hp: &'static str,
    /// The customer the lookup must answer with.
    pub expected_customer_id: i64,
    /// The rule that picks it (`OnlyCandidate` when only one customer is a
    /// candidate).
    pub decided_by: Rule,
    /// What the scenario shows.
    pub description: &'static str,
}

/// The published example's customer id.
pub const EXAMPLE_CUSTOMER_ID: i64 = 4832;

/// The scenarios [`load_demo_data`] sets up, without touching a database.
#[must_use]
pub fn scenarios() -> Vec<DemoScenario> {
    vec![
        DemoScenario {
            no_hp: "081521979154",
            expected_customer_id: EXAMPLE_CUSTOMER_ID,
            decided_by: Rule::OnlyCandidate,
            description: "the published example; an unverified and a soft-deleted customer share the number and never win",
        },
        DemoScenario {
            no_hp: "+6281234560101",
            expected_customer_id: 990_201,
            decided_by: Rule::RecentActivity,
            description: "rule 1: the only one with a transaction in the last 30 days wins over a newer customer",
        },
        DemoScenario {
            no_hp: "6281334560202",
            expected_customer_id: 990_301,
            decided_by: Rule::RecentCount,
            description: "rule 2: three transactions in 30 days beat one more recent transaction",
        },
        DemoScenario {
            no_hp: "0857-1234-0303",
            expected_customer_id: 990_401,
            decided_by: Rule::LatestTransaction,
            description: "rule 3: no recent transactions; the latest transaction ever wins",
        },
        DemoScenario {
            no_hp: "0812 1234 0404",
            expected_customer_id: 990_502,
            decided_by: Rule::NewestCustomer,
            description: "rule 4: no transactions; the newest customer wins, a NULL created_at sorts last",
        },
        DemoScenario {
            no_hp: "081398760505",
            expected_customer_id: 990_602,
            decided_by: Rule::HighestId,
            description: "rule 5: identical figures; the highest id wins",
        },
        DemoScenario {
            no_hp: "085798760606",
            expected_customer_id: 990_701,
            decided_by: Rule::OnlyCandidate,
            description: "matched through no_hp_goovi, stored as 62…",
        },
        DemoScenario {
            no_hp: "081377770707",
            expected_customer_id: 990_801,
            decided_by: Rule::OnlyCandidate,
            description: "a customer without a depot: \"depo\": null",
        },
    ]
}

/// Loads (or reloads) the demo data and returns its [`scenarios`].
///
/// Idempotent: in one transaction it deletes the demo customers and their
/// transactions, writes the demo depots over any with the same ids, and
/// inserts everything again with dates relative to `now_local` (the current
/// local time in the service's zone), so the recent-activity rules keep
/// holding whenever it runs.
///
/// # Errors
///
/// [`PersistenceError::Pool`] or [`PersistenceError::Query`]; nothing is
/// changed then.
pub fn load_demo_data(
    pool: &DbPool,
    now_local: NaiveDateTime,
) -> Result<Vec<DemoScenario>, PersistenceError> {
    let mut conn = pool.get()?;
    conn.transaction(|conn| write_demo_data(conn, now_local))?;
    Ok(scenarios())
}

/// [`load_demo_data`]'s writes, on a connection (inside your transaction).
///
/// # Errors
///
/// The database's error.
pub fn write_demo_data(conn: &mut DbConnection, now_local: NaiveDateTime) -> QueryResult<()> {
    let data = DemoData::new(now_local);
    let ids: Vec<i64> = data.customers.iter().map(|c| c.id).collect();
    diesel::delete(transactions::table.filter(transactions::customer_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(customers::table.filter(customers::id.eq_any(&ids))).execute(conn)?;
    for depo in &data.depos {
        crate::depos::upsert(conn, depo)?;
    }
    crate::customers::insert(conn, &data.customers)?;
    crate::transactions::insert(conn, &data.transactions)?;
    bump_sequences(conn)
}

/// Explicit ids do not advance PostgreSQL's `BIGSERIAL` sequences; move
/// them past the demo rows so later inserts without an id do not collide.
fn bump_sequences(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        #[cfg(feature = "postgres")]
        DbConnection::Pg(pg) => {
            use diesel::connection::SimpleConnection;
            pg.batch_execute(
                "SELECT setval(pg_get_serial_sequence('depos', 'id'), (SELECT MAX(id) FROM depos)); \
                 SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT MAX(id) FROM customers)); \
                 SELECT setval(pg_get_serial_sequence('transactions', 'id'), (SELECT MAX(id) FROM transactions));",
            )
        }
        // MySQL's AUTO_INCREMENT moves past explicit ids by itself.
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => Ok(()),
        // SQLite's INTEGER PRIMARY KEY takes MAX(id) + 1 by itself.
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => Ok(()),
    }
}

struct DemoData {
    depos: Vec<NewDepo>,
    customers: Vec<NewCustomer>,
    transactions: Vec<CustomerTransaction>,
}

impl DemoData {
    fn new(now_local: NaiveDateTime) -> Self {
        let now = now_local.with_nanosecond(0).unwrap_or(now_local);
        let days_ago = |days: i64| now - TimeDelta::days(days);
        let depo = |id: i64, kode: &str, nama: &str| NewDepo {
            id,
            kode: kode.to_owned(),
            nama: nama.to_owned(),
            created_at: Some(days_ago(400)),
            updated_at: Some(days_ago(400)),
        };
        let mut data = Self {
            depos: vec![
                depo(30, "DPS30", "Depo Pontianak"),
                depo(31, "DPS31", "Depo Singkawang"),
            ],
            customers: vec![NewCustomer {
                id: EXAMPLE_CUSTOMER_ID,
                kode: "PEL-mbre36zt-Z7K52".to_owned(),
                nama: "Winda WINNNN".to_owned(),
                nama_pemilik: Some("Winda".to_owned()),
                kontak_person: Some("Winda".to_owned()),
                no_hp: Some("081521979154".to_owned()),
                no_hp_goovi: None,
                status_pelanggan: Some("Verif".to_owned()),
                keperluan_pelanggan: Some("Pribadi".to_owned()),
                latitude: Some("-7.669444".to_owned()),
                longitude: Some("110.838317".to_owned()),
                alamat_lengkap: Some("GXH8+JVJ, Semitau Hilir".to_owned()),
                kelurahan: Some("Semitau Hilir".to_owned()),
                kecamatan: Some("Semitau".to_owned()),
                kota: Some("Kapuas Hulu Regency".to_owned()),
                provinsi: Some("Kalimantan Barat".to_owned()),
                depo_id: Some(30),
                created_at: Some(days_ago(200)),
                updated_at: Some(days_ago(200)),
                deleted_at: None,
            }],
            transactions: Vec::new(),
        };
        let mut next_transaction = 990_000_001;
        let mut buy = |data: &mut Self, customer_id: i64, at: NaiveDateTime| {
            data.transactions.push(CustomerTransaction {
                id: next_transaction,
                customer_id,
                tanggal_transaksi: at,
                created_at: Some(at),
            });
            next_transaction += 1;
        };
        let demo = |id: i64, nama: &str, no_hp: &str, created: Option<NaiveDateTime>| NewCustomer {
            id,
            kode: format!("DEMO-{id}"),
            nama: nama.to_owned(),
            nama_pemilik: Some(nama.to_owned()),
            kontak_person: Some(nama.to_owned()),
            no_hp: Some(no_hp.to_owned()),
            no_hp_goovi: None,
            status_pelanggan: Some("Verif".to_owned()),
            keperluan_pelanggan: Some("Usaha".to_owned()),
            latitude: Some("-0.026330".to_owned()),
            longitude: Some("109.342504".to_owned()),
            alamat_lengkap: Some(format!("Jl. Demo No. {id}, Pontianak")),
            kelurahan: Some("Benua Melayu Darat".to_owned()),
            kecamatan: Some("Pontianak Selatan".to_owned()),
            kota: Some("Pontianak".to_owned()),
            provinsi: Some("Kalimantan Barat".to_owned()),
            depo_id: Some(31),
            created_at: created,
            updated_at: created,
            deleted_at: None,
        };

        // The published example's number, held by two customers that must
        // not count: unverified, and soft-deleted. Both look "better".
        data.customers.push(NewCustomer {
            status_pelanggan: Some("Belum Verif".to_owned()),
            ..demo(
                990_101,
                "Winda (belum verifikasi)",
                "+6281521979154",
                Some(days_ago(5)),
            )
        });
        data.customers.push(NewCustomer {
            deleted_at: Some(days_ago(2)),
            ..demo(
                990_102,
                "Winda (dihapus)",
                "6281521979154",
                Some(days_ago(4)),
            )
        });
        for customer_id in [990_101, 990_102] {
            for days in [1, 2, 3] {
                buy(&mut data, customer_id, days_ago(days));
            }
        }

        // Rule 1: 990201 bought 3 days ago; 990202 is newer, has a higher id
        // and bought 40 days ago.
        data.customers.push(demo(
            990_201,
            "Toko Rule Satu",
            "081234560101",
            Some(days_ago(300)),
        ));
        data.customers.push(demo(
            990_202,
            "Toko Rule Satu Baru",
            "+6281234560101",
            Some(days_ago(10)),
        ));
        buy(&mut data, 990_201, days_ago(3));
        buy(&mut data, 990_202, days_ago(40));

        // Rule 2: 990301 bought three times in the window, 990302 once but
        // more recently.
        data.customers.push(demo(
            990_301,
            "Toko Rule Dua",
            "6281334560202",
            Some(days_ago(300)),
        ));
        data.customers.push(demo(
            990_302,
            "Toko Rule Dua Baru",
            "081334560202",
            Some(days_ago(20)),
        ));
        for days in [20, 15, 10] {
            buy(&mut data, 990_301, days_ago(days));
        }
        buy(&mut data, 990_302, days_ago(1));

        // Rule 3: nobody bought in the window; 990401 bought 35 days ago,
        // 990402 60 days ago, 990403 never.
        data.customers.push(demo(
            990_401,
            "Toko Rule Tiga",
            "085712340303",
            Some(days_ago(300)),
        ));
        data.customers.push(demo(
            990_402,
            "Toko Rule Tiga Lama",
            "+6285712340303",
            Some(days_ago(100)),
        ));
        data.customers.push(demo(
            990_403,
            "Toko Rule Tiga Baru",
            "6285712340303",
            Some(days_ago(1)),
        ));
        buy(&mut data, 990_401, days_ago(45));
        buy(&mut data, 990_401, days_ago(35));
        buy(&mut data, 990_402, days_ago(60));

        // Rule 4: nobody bought; 990502 is the newest, 990503 has no
        // created_at (sorts last) despite the highest id.
        data.customers.push(demo(
            990_501,
            "Toko Rule Empat Lama",
            "081212340404",
            Some(days_ago(100)),
        ));
        data.customers.push(demo(
            990_502,
            "Toko Rule Empat",
            "+6281212340404",
            Some(days_ago(10)),
        ));
        data.customers.push(demo(
            990_503,
            "Toko Rule Empat Tanpa Tanggal",
            "6281212340404",
            None,
        ));

        // Rule 5: the same figures; the highest id decides.
        let same_day = days_ago(50);
        data.customers.push(demo(
            990_601,
            "Toko Rule Lima A",
            "081398760505",
            Some(days_ago(90)),
        ));
        data.customers.push(demo(
            990_602,
            "Toko Rule Lima B",
            "081398760505",
            Some(days_ago(90)),
        ));
        buy(&mut data, 990_601, same_day);
        buy(&mut data, 990_602, same_day);

        // Matched through no_hp_goovi only, stored as 62….
        data.customers.push(NewCustomer {
            no_hp_goovi: Some("6285798760606".to_owned()),
            ..demo(990_701, "Toko GoOvi", "081155550606", Some(days_ago(30)))
        });

        // No depot.
        data.customers.push(NewCustomer {
            depo_id: None,
            ..demo(
                990_801,
                "Toko Tanpa Depo",
                "081377770707",
                Some(days_ago(30)),
            )
        });
        data
    }
}

#[cfg(test)]
mod tests {
    use klikorder_domain::PhoneNumber;

    use super::*;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
            .and_then(|d| d.and_hms_nano_opt(10, 30, 15, 123_456_789))
            .unwrap()
    }

    #[test]
    fn every_stored_and_scenario_number_is_a_valid_indonesian_mobile() {
        let data = DemoData::new(now());
        let stored = data
            .customers
            .iter()
            .flat_map(|c| [c.no_hp.as_deref(), c.no_hp_goovi.as_deref()])
            .flatten();
        for number in stored.chain(scenarios().iter().map(|s| s.no_hp)) {
            assert!(PhoneNumber::parse(number).is_ok(), "{number}");
        }
    }

    #[test]
    fn every_scenario_winner_is_a_demo_customer_holding_the_number() {
        let data = DemoData::new(now());
        for scenario in scenarios() {
            let phone = PhoneNumber::parse(scenario.no_hp).unwrap();
            let winner = data
                .customers
                .iter()
                .find(|c| c.id == scenario.expected_customer_id)
                .unwrap();
            let spellings = phone.stored_spellings();
            assert!(
                [&winner.no_hp, &winner.no_hp_goovi]
                    .iter()
                    .any(|n| n.as_ref().is_some_and(|n| spellings.contains(n))),
                "{scenario:?}"
            );
        }
    }

    #[test]
    fn dates_are_whole_seconds_relative_to_now() {
        let data = DemoData::new(now());
        let whole = now().with_nanosecond(0).unwrap();
        assert!(
            data.transactions
                .iter()
                .all(|t| t.tanggal_transaksi.nanosecond() == 0 && t.tanggal_transaksi < whole)
        );
        let ids: std::collections::HashSet<i64> = data.customers.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), data.customers.len());
        assert!(
            data.transactions
                .iter()
                .all(|t| ids.contains(&t.customer_id))
        );
    }

    #[test]
    fn the_published_example_is_exact() {
        let data = DemoData::new(now());
        let example = &data.customers[0];
        assert_eq!(example.id, 4832);
        assert_eq!(example.kode, "PEL-mbre36zt-Z7K52");
        assert_eq!(example.no_hp.as_deref(), Some("081521979154"));
        assert_eq!(example.no_hp_goovi, None);
        assert_eq!(example.depo_id, Some(30));
        assert_eq!(
            (
                data.depos[0].id,
                data.depos[0].kode.as_str(),
                data.depos[0].nama.as_str()
            ),
            (30, "DPS30", "Depo Pontianak")
        );
    }
}
