//! Shared helpers: states with mocks, requests, exact-body assertions and a
//! log capture.

use std::sync::{Arc, Mutex, Once, PoisonError};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::test::{self, TestRequest};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use klikorder_auth::{AuthError, AuthenticatedClient, MockApiKeyRegistry};
use klikorder_domain::{Candidate, Customer, Depo, MockCustomerDirectory};
use klikorder_http::{AppState, app};

pub const CLIENT: &str = "MEKARI";
pub const KEY: &str = "ko_test-key-5c9d0e7a1b";
pub const CUSTOMERS: &str = "/api/integrasi/customers";

pub const UNAUTHORIZED: &str = r#"{"success":false,"message":"Unauthorized."}"#;
pub const REQUIRED: &str = r#"{"success":false,"message":"Validasi gagal.","errors":{"no_hp":["The no hp field is required."]}}"#;
pub const TOO_LONG: &str = r#"{"success":false,"message":"Validasi gagal.","errors":{"no_hp":["The no hp field must not be greater than 32 characters."]}}"#;
pub const FORMAT_INVALID: &str = r#"{"success":false,"message":"Validasi gagal.","errors":{"no_hp":["The no hp field format is invalid."]}}"#;
pub const CUSTOMER_NOT_FOUND: &str = r#"{"success":false,"message":"Pelanggan tidak ditemukan."}"#;
pub const ENDPOINT_NOT_FOUND: &str = r#"{"success":false,"message":"Endpoint tidak ditemukan."}"#;
pub const METHOD_NOT_ALLOWED: &str = r#"{"success":false,"message":"Metode tidak diizinkan."}"#;
pub const UNAVAILABLE: &str = r#"{"success":false,"message":"Layanan sedang tidak tersedia."}"#;
pub const INTERNAL: &str = r#"{"success":false,"message":"Terjadi kesalahan pada server."}"#;
pub const TOO_MANY_REQUESTS: &str = r#"{"success":false,"message":"Terlalu banyak permintaan."}"#;

/// 2026-12-04 20:00 UTC = 2026-12-05 03:00 in Jakarta.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 20, 0, 0).unwrap()
}

/// `fixed_now` minus 30 days, in Jakarta local time.
pub fn expected_window_start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 5)
        .unwrap()
        .and_hms_opt(3, 0, 0)
        .unwrap()
}

/// State over the mocks, with the fixed clock, Jakarta and a 2 s deadline.
pub fn state(directory: MockCustomerDirectory, registry: MockApiKeyRegistry) -> AppState {
    state_with_timeout(directory, registry, Duration::from_secs(2))
}

pub fn state_with_timeout(
    directory: MockCustomerDirectory,
    registry: MockApiKeyRegistry,
    db_timeout: Duration,
) -> AppState {
    AppState::new(
        Arc::new(directory),
        Arc::new(registry),
        chrono_tz::Asia::Jakarta,
        db_timeout,
    )
    .with_clock(fixed_now)
}

/// A registry that accepts exactly `CLIENT` / `KEY`, once.
pub fn accepting_registry() -> MockApiKeyRegistry {
    accepting_registry_for(CLIENT)
}

/// A registry that accepts `client_id` with `KEY`, once.
pub fn accepting_registry_for(client_id: &'static str) -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry
        .expect_authenticate()
        .withf(move |client, key| client == client_id && key == KEY)
        .times(1)
        .returning(move |client, _| {
            Ok(AuthenticatedClient {
                client_id: Arc::from(client),
            })
        });
    registry
}

/// A registry that refuses whatever it is given, once.
pub fn refusing_registry() -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry
        .expect_authenticate()
        .times(1)
        .returning(|_, _| Err(AuthError::Rejected));
    registry
}

/// A registry that accepts any client id with `KEY`, and refuses any other
/// key, as often as asked.
pub fn lenient_registry() -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry.expect_authenticate().returning(|client, key| {
        if key == KEY {
            Ok(AuthenticatedClient {
                client_id: Arc::from(client),
            })
        } else {
            Err(AuthError::Rejected)
        }
    });
    registry
}

/// A directory that answers the published customer for every number, as
/// often as asked.
pub fn lenient_directory() -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .returning(|_| Ok(only(published_customer())));
    directory.expect_ping().returning(|| Ok(()));
    directory
}

/// A registry that must not be asked.
pub fn unused_registry() -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry.expect_authenticate().times(0);
    registry
}

/// A directory that must not be asked.
pub fn unused_directory() -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory.expect_find_candidates().times(0);
    directory.expect_ping().times(0);
    directory
}

/// A directory asked once for `e164`, answering `candidates`.
pub fn directory_for(e164: &'static str, candidates: Vec<Candidate>) -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .withf(move |query| query.phone.as_e164() == e164)
        .times(1)
        .return_once(move |_| Ok(candidates));
    directory
}

/// The customer of the published example, stored with a national number.
pub fn published_customer() -> Customer {
    Customer {
        id: 4832,
        kode: "PEL-mbre36zt-Z7K52".into(),
        nama: "Winda WINNNN".into(),
        nama_pemilik: Some("Winda".into()),
        kontak_person: Some("Winda".into()),
        no_hp: Some("081521979154".into()),
        no_hp_goovi: None,
        status_pelanggan: Some("Verif".into()),
        keperluan_pelanggan: Some("Pribadi".into()),
        latitude: Some("-7.669444".into()),
        longitude: Some("110.838317".into()),
        alamat_lengkap: Some("GXH8+JVJ, Semitau Hilir".into()),
        kelurahan: Some("Semitau Hilir".into()),
        kecamatan: Some("Semitau".into()),
        kota: Some("Kapuas Hulu Regency".into()),
        provinsi: Some("Kalimantan Barat".into()),
        created_at: None,
        depo: Some(Depo {
            id: 30,
            kode: "DPS30".into(),
            nama: "Depo Pontianak".into(),
        }),
    }
}

/// A single candidate, without activity figures.
pub fn only(customer: Customer) -> Vec<Candidate> {
    vec![Candidate {
        customer,
        activity: None,
    }]
}

/// `GET /api/integrasi/customers?{query}` with `CLIENT` / `KEY`.
pub fn lookup(query: &str) -> TestRequest {
    TestRequest::get()
        .uri(&format!("{CUSTOMERS}?{query}"))
        .insert_header(("X-API-Client", CLIENT))
        .insert_header(("X-API-Key", KEY))
        .insert_header(("Accept", "application/json"))
}

/// What came back.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: String,
}

/// Sends `request` to a fresh app over `state`.
pub async fn send(state: AppState, request: TestRequest) -> Answer {
    let app = test::init_service(app(state)).await;
    answer(test::call_service(&app, request.to_request()).await).await
}

pub async fn answer(response: ServiceResponse<impl MessageBody>) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = test::read_body(response).await;
    Answer {
        status,
        content_type,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

impl Answer {
    /// Status, `Content-Type: application/json` and the exact body bytes.
    #[track_caller]
    pub fn assert(&self, status: StatusCode, body: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/json");
        assert_eq!(self.body, body);
    }
}

/// The keys of a JSON text, in the order they appear.
pub fn keys_in_order(json: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut rest = json;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let string = &after[..end];
        let tail = &after[end + 1..];
        if tail.trim_start().starts_with(':') {
            keys.push(string.to_owned());
        }
        rest = tail;
    }
    keys
}

// --- log capture -----------------------------------------------------------

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A record's key-values, as text.
pub type KeyValues = Vec<(String, String)>;

/// Each captured line with its structured key-values (`log`'s `kv`).
static RECORDS: Mutex<Vec<(String, KeyValues)>> = Mutex::new(Vec::new());

/// Collects a record's key-values as text.
struct Fields(KeyValues);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        self.0.push((key.to_string(), value.to_string()));
        Ok(())
    }
}

struct Capture;

static CAPTURE: Capture = Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        let mut fields = Fields(Vec::new());
        let _ = record.key_values().visit(&mut fields);
        RECORDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((line.clone(), fields.0));
        LINES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn flush(&self) {}
}

/// Installs the capturing logger (once per process; tests run in parallel,
/// so each test looks for lines with its own marker).
pub fn capture_logs() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every captured line so far.
pub fn captured() -> Vec<String> {
    LINES.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// Captured lines that contain `marker`.
pub fn captured_with(marker: &str) -> Vec<String> {
    captured()
        .into_iter()
        .filter(|line| line.contains(marker))
        .collect()
}

/// The key-values of the captured lines that contain `marker`.
pub fn captured_fields_with(marker: &str) -> Vec<KeyValues> {
    RECORDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter(|(line, _)| line.contains(marker))
        .map(|(_, fields)| fields.clone())
        .collect()
}
