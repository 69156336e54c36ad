//! The lookup: CONTRACT §2.1 and the lookup rows of §2.2.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use klikorder_domain::{
    ActivityScope, Candidate, Customer, DirectoryError, MockCustomerDirectory, TransactionActivity,
};

use crate::support::*;

/// The success example of api-doc-v1.0.0.txt, verbatim.
const PUBLISHED_EXAMPLE: &str = r#"{
  "success": true,
  "message": "Data pelanggan berhasil ditemukan.",
  "data": {
    "id": 4832,
    "kode": "PEL-mbre36zt-Z7K52",
    "nama": "Winda WINNNN",
    "nama_pemilik": "Winda",
    "kontak_person": "Winda",
    "no_hp": "+6281521979154",
    "no_hp_goovi": null,
    "status_pelanggan": "Verif",
    "keperluan_pelanggan": "Pribadi",
    "latitude": "-7.669444",
    "longitude": "110.838317",
    "alamat_lengkap": "GXH8+JVJ, Semitau Hilir",
    "kelurahan": "Semitau Hilir",
    "kecamatan": "Semitau",
    "kota": "Kapuas Hulu Regency",
    "provinsi": "Kalimantan Barat",
    "depo": {
      "id": 30,
      "kode": "DPS30",
      "nama": "Depo Pontianak"
    }
  }
}"#;

const PUBLISHED_COMPACT: &str = concat!(
    r#"{"success":true,"message":"Data pelanggan berhasil ditemukan.","data":{"id":4832,"#,
    r#""kode":"PEL-mbre36zt-Z7K52","nama":"Winda WINNNN","nama_pemilik":"Winda","#,
    r#""kontak_person":"Winda","no_hp":"+6281521979154","no_hp_goovi":null,"#,
    r#""status_pelanggan":"Verif","keperluan_pelanggan":"Pribadi","latitude":"-7.669444","#,
    r#""longitude":"110.838317","alamat_lengkap":"GXH8+JVJ, Semitau Hilir","#,
    r#""kelurahan":"Semitau Hilir","kecamatan":"Semitau","kota":"Kapuas Hulu Regency","#,
    r#""provinsi":"Kalimantan Barat","depo":{"id":30,"kode":"DPS30","nama":"Depo Pontianak"}}}"#
);

#[actix_web::test]
async fn the_published_example_comes_back_byte_for_byte() {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .withf(|query| {
            query.phone.as_e164() == "+6281521979154"
                && query.window_start == expected_window_start()
                && query.activity == ActivityScope::WhenSeveral
        })
        .times(1)
        .returning(|_| Ok(only(published_customer())));

    let answer = send(
        state(directory, accepting_registry()),
        lookup("no_hp=081521979154"),
    )
    .await;

    answer.assert(StatusCode::OK, PUBLISHED_COMPACT);
    let published: serde_json::Value = serde_json::from_str(PUBLISHED_EXAMPLE).unwrap();
    let served: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(served, published);
    assert_eq!(
        keys_in_order(&answer.body),
        keys_in_order(PUBLISHED_EXAMPLE)
    );
}

#[actix_web::test]
async fn every_key_is_present_and_null_columns_are_null() {
    let customer = Customer {
        id: 9,
        kode: "PEL-9".into(),
        nama: "Toko Sembilan".into(),
        ..Customer::default()
    };
    let answer = send(
        state(
            directory_for("+628123456789", only(customer)),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await;
    answer.assert(
        StatusCode::OK,
        concat!(
            r#"{"success":true,"message":"Data pelanggan berhasil ditemukan.","data":{"id":9,"#,
            r#""kode":"PEL-9","nama":"Toko Sembilan","nama_pemilik":null,"kontak_person":null,"#,
            r#""no_hp":null,"no_hp_goovi":null,"status_pelanggan":null,"keperluan_pelanggan":null,"#,
            r#""latitude":null,"longitude":null,"alamat_lengkap":null,"kelurahan":null,"#,
            r#""kecamatan":null,"kota":null,"provinsi":null,"depo":null}}"#
        ),
    );
    // The published keys, without the depot's own (`depo` is null here).
    let mut published = keys_in_order(PUBLISHED_EXAMPLE);
    published.truncate(published.len() - 3);
    assert_eq!(keys_in_order(&answer.body), published);
}

#[actix_web::test]
async fn stored_numbers_are_normalized_or_kept_and_coordinates_kept_as_text() {
    let customer = Customer {
        no_hp: Some("62 812-3456-789".into()),
        no_hp_goovi: Some("0812 3456 789 (wa)".into()),
        latitude: Some("-7.6694440".into()),
        longitude: Some("110.8383170000".into()),
        nama: "Toko \"Ünïcode\" / Jl. 5".into(),
        ..published_customer()
    };
    let answer = send(
        state(
            directory_for("+628123456789", only(customer)),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["data"]["no_hp"], "+628123456789");
    assert_eq!(body["data"]["no_hp_goovi"], "0812 3456 789 (wa)");
    assert_eq!(body["data"]["nama"], "Toko \"Ünïcode\" / Jl. 5");
    assert!(
        answer
            .body
            .contains(r#""latitude":"-7.6694440","longitude":"110.8383170000""#)
    );
}

#[actix_web::test]
async fn several_candidates_are_ranked_by_the_domain_rule() {
    let recent = NaiveDate::from_ymd_opt(2026, 12, 1)
        .unwrap()
        .and_hms_opt(10, 0, 0);
    let old = NaiveDate::from_ymd_opt(2025, 1, 1)
        .unwrap()
        .and_hms_opt(10, 0, 0);
    let candidate = |id: i64, recent_transactions: u64, last_transaction| Candidate {
        customer: Customer {
            id,
            kode: format!("PEL-{id}"),
            nama: format!("Pelanggan {id}"),
            ..Customer::default()
        },
        activity: Some(TransactionActivity {
            recent_transactions,
            last_transaction,
        }),
    };
    let candidates = vec![
        candidate(100, 0, old),
        candidate(7, 2, recent),
        candidate(50, 0, None),
    ];
    let answer = send(
        state(
            directory_for("+628123456789", candidates),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains(r#""data":{"id":7,"#),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn no_candidate_is_404_customer_not_found() {
    send(
        state(directory_for("+628123456789", vec![]), accepting_registry()),
        lookup("no_hp=08123456789"),
    )
    .await
    .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
}

fn failing_directory(error: fn() -> DirectoryError) -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .times(1)
        .returning(move |_| Err(error()));
    directory
}

#[actix_web::test]
async fn an_unavailable_database_is_503() {
    send(
        state(
            failing_directory(|| {
                DirectoryError::Unavailable("pool timed out: postgres://klik:s3cret@db/klik".into())
            }),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await
    .assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
}

#[actix_web::test]
async fn a_failed_query_is_500_without_its_cause() {
    capture_logs();
    let marker = "relation \"customers_marker_500\" does not exist";
    let answer = send(
        state(
            failing_directory(|| {
                DirectoryError::Failed(
                    "relation \"customers_marker_500\" does not exist: SELECT * FROM customers"
                        .into(),
                )
            }),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await;
    answer.assert(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL);
    let logged = captured_with(marker);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].starts_with("ERROR "), "{logged:?}");
}

#[actix_web::test]
async fn a_directory_that_breaks_its_contract_is_500() {
    send(
        state(
            failing_directory(|| DirectoryError::Contract("figures missing")),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await
    .assert(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL);
}

#[actix_web::test]
async fn a_slow_database_is_503_once_the_deadline_passes() {
    let mut directory = MockCustomerDirectory::new();
    directory.expect_find_candidates().times(1).returning(|_| {
        std::thread::sleep(Duration::from_millis(600));
        Ok(only(published_customer()))
    });
    let started = Instant::now();
    let answer = send(
        state_with_timeout(directory, accepting_registry(), Duration::from_millis(50)),
        lookup("no_hp=081521979154"),
    )
    .await;
    let waited = started.elapsed();
    answer.assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
    assert!(
        waited < Duration::from_millis(500),
        "answered after {waited:?}"
    );
}

/// A directory that panics; mockall mocks do not like being left poisoned.
struct PanickingDirectory;

impl klikorder_domain::CustomerDirectory for PanickingDirectory {
    fn find_candidates(
        &self,
        _: &klikorder_domain::CandidateQuery,
    ) -> Result<Vec<Candidate>, DirectoryError> {
        panic!("the directory panicked (test)");
    }

    fn ping(&self) -> Result<(), DirectoryError> {
        panic!("the directory panicked (test)");
    }
}

#[actix_web::test]
async fn a_panicking_directory_is_500() {
    let mut state = state(MockCustomerDirectory::new(), accepting_registry());
    state.directory = std::sync::Arc::new(PanickingDirectory);
    send(state, lookup("no_hp=08123456789"))
        .await
        .assert(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL);
}

#[actix_web::test]
async fn errors_never_carry_secrets() {
    let answer = send(
        state(
            failing_directory(|| {
                DirectoryError::Failed("password authentication failed for user klik".into())
            }),
            accepting_registry(),
        ),
        lookup("no_hp=08123456789"),
    )
    .await;
    assert!(!answer.body.contains("password"));
    assert!(!answer.body.contains(KEY));
}

#[actix_web::test]
async fn answers_are_not_cached() {
    let answer = send(
        state(
            directory_for("+6281521979154", only(published_customer())),
            accepting_registry(),
        ),
        lookup("no_hp=081521979154"),
    )
    .await;
    assert_eq!(answer.headers.get("cache-control").unwrap(), "no-store");
}

/// With a database concurrency of 1, requests take turns at the directory
/// (waiting on the async side), and all of them are answered while the wait
/// fits in the deadline.
#[actix_web::test]
async fn database_work_is_bounded_by_the_concurrency_setting() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let busy = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut directory = MockCustomerDirectory::new();
    let (b, m) = (Arc::clone(&busy), Arc::clone(&most));
    directory
        .expect_find_candidates()
        .times(3)
        .returning(move |_| {
            let now = b.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
            b.fetch_sub(1, Ordering::SeqCst);
            Ok(only(published_customer()))
        });
    let state = state_with_timeout(directory, lenient_registry(), Duration::from_secs(2))
        .with_database_concurrency(1);
    let app = actix_web::test::init_service(klikorder_http::app(state)).await;
    let (a, b, c) = futures_util::future::join3(
        actix_web::test::call_service(&app, lookup("no_hp=081521979154").to_request()),
        actix_web::test::call_service(&app, lookup("no_hp=081521979154").to_request()),
        actix_web::test::call_service(&app, lookup("no_hp=081521979154").to_request()),
    )
    .await;
    for response in [a, b, c] {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(most.load(Ordering::SeqCst), 1, "never two at once");
}
