//! Lookups and readiness over an [`AsyncCustomerDirectory`]: awaited on the
//! worker, same answers, same deadline, and the blocking directory unused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use klikorder_domain::{
    ActivityScope, AsyncCustomerDirectory, Candidate, DirectoryError, MockAsyncCustomerDirectory,
    TransactionActivity,
};

use crate::support::*;

const READY: &str = r#"{"status":"ok"}"#;
const NOT_READY: &str = r#"{"status":"unavailable"}"#;

/// State whose lookups go to `directory`; the blocking one must not be used.
fn async_state(
    directory: MockAsyncCustomerDirectory,
    db_timeout: Duration,
) -> klikorder_http::AppState {
    let directory: Arc<dyn AsyncCustomerDirectory> = Arc::new(directory);
    state_with_timeout(unused_directory(), accepting_registry(), db_timeout)
        .with_async_directory(directory)
}

fn answering(
    result: impl Fn() -> Result<Vec<Candidate>, DirectoryError> + Send + 'static,
) -> MockAsyncCustomerDirectory {
    let mut directory = MockAsyncCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .withf(|query| {
            query.phone.as_e164() == "+6281521979154"
                && query.window_start == expected_window_start()
                && query.activity == ActivityScope::WhenSeveral
        })
        .times(1)
        .returning(move |_| {
            let result = result();
            Box::pin(async move { result })
        });
    directory
}

#[actix_web::test]
async fn the_published_example_comes_back_from_an_async_directory() {
    let answer = send(
        async_state(
            answering(|| Ok(only(published_customer()))),
            Duration::from_secs(2),
        ),
        lookup("no_hp=081521979154"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let served: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(served["data"]["id"], 4832);
    assert_eq!(served["data"]["depo"]["kode"], "DPS30");
}

#[actix_web::test]
async fn several_candidates_are_ranked_and_none_is_404() {
    let ranked = || {
        let mut busy = published_customer();
        busy.id = 7;
        let figures = |recent| {
            Some(TransactionActivity {
                recent_transactions: recent,
                last_transaction: None,
            })
        };
        Ok(vec![
            Candidate {
                customer: published_customer(),
                activity: figures(1),
            },
            Candidate {
                customer: busy,
                activity: figures(5),
            },
        ])
    };
    let answer = send(
        async_state(answering(ranked), Duration::from_secs(2)),
        lookup("no_hp=081521979154"),
    )
    .await;
    let served: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(served["data"]["id"], 7, "{}", answer.body);

    send(
        async_state(answering(|| Ok(vec![])), Duration::from_secs(2)),
        lookup("no_hp=081521979154"),
    )
    .await
    .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
}

#[actix_web::test]
async fn its_errors_map_as_the_blocking_ones() {
    send(
        async_state(
            answering(|| Err(DirectoryError::Unavailable("connection closed".into()))),
            Duration::from_secs(2),
        ),
        lookup("no_hp=081521979154"),
    )
    .await
    .assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
    send(
        async_state(
            answering(|| Err(DirectoryError::Failed("syntax error".into()))),
            Duration::from_secs(2),
        ),
        lookup("no_hp=081521979154"),
    )
    .await
    .assert(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL);
}

/// Drops a flag when the future holding it is dropped.
struct DroppedFlag(Arc<std::sync::atomic::AtomicBool>);

impl Drop for DroppedFlag {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[actix_web::test]
async fn a_lookup_that_never_answers_is_503_at_the_deadline_and_abandoned() {
    let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = Arc::clone(&dropped);
    let mut directory = MockAsyncCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .times(1)
        .returning(move |_| {
            let guard = DroppedFlag(Arc::clone(&flag));
            Box::pin(async move {
                let _guard = guard;
                std::future::pending::<Result<Vec<Candidate>, DirectoryError>>().await
            })
        });
    let started = Instant::now();
    let answer = send(
        async_state(directory, Duration::from_millis(50)),
        lookup("no_hp=081521979154"),
    )
    .await;
    let waited = started.elapsed();
    answer.assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
    assert!(
        waited < Duration::from_millis(500),
        "answered after {waited:?}"
    );
    assert!(
        dropped.load(std::sync::atomic::Ordering::SeqCst),
        "the query's future was not dropped at the deadline"
    );
}

#[actix_web::test]
async fn readiness_pings_the_async_directory() {
    for (result, status, body) in [
        (
            (|| Ok(())) as fn() -> Result<(), DirectoryError>,
            StatusCode::OK,
            READY,
        ),
        (
            || Err(DirectoryError::Unavailable("refused".into())),
            StatusCode::SERVICE_UNAVAILABLE,
            NOT_READY,
        ),
    ] {
        let mut directory = MockAsyncCustomerDirectory::new();
        directory.expect_find_candidates().times(0);
        directory.expect_ping().times(1).returning(move || {
            let result = result();
            Box::pin(async move { result })
        });
        let state = state_with_timeout(
            unused_directory(),
            unused_registry(),
            Duration::from_secs(2),
        )
        .with_async_directory(Arc::new(directory));
        send(state, TestRequest::get().uri("/health/ready"))
            .await
            .assert(status, body);
    }

    let mut stalled = MockAsyncCustomerDirectory::new();
    stalled
        .expect_ping()
        .times(1)
        .returning(|| Box::pin(std::future::pending()));
    let state = state_with_timeout(
        unused_directory(),
        unused_registry(),
        Duration::from_millis(50),
    )
    .with_async_directory(Arc::new(stalled));
    send(state, TestRequest::get().uri("/health/ready"))
        .await
        .assert(StatusCode::SERVICE_UNAVAILABLE, NOT_READY);
}
