//! The contract's JSON bodies (CONTRACT §2) and how they are sent.
//!
//! Bodies are plain structs serialized by `serde_json` in compact form, so
//! keys come out in field order: the order the contract publishes.
//!
//! The same structs derive [`ToSchema`], so the OpenAPI description's
//! schemas are generated from what is actually serialized (field doc
//! comments become the schema descriptions, in Indonesian and English).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use klikorder_domain::{Customer, Depo, PhoneNumber, display_stored_number};
use serde::Serialize;
use utoipa::ToSchema;

/// `message` of the 200 answer.
pub(crate) const FOUND: &str = "Data pelanggan berhasil ditemukan.";
/// `message` of a 401.
pub(crate) const UNAUTHORIZED: &str = "Unauthorized.";
/// `message` of every 422.
pub(crate) const VALIDATION_FAILED: &str = "Validasi gagal.";
/// The 422 detail for a missing `no_hp`.
pub(crate) const NO_HP_REQUIRED: &str = "The no hp field is required.";
/// The 422 detail for a `no_hp` over 32 characters.
pub(crate) const NO_HP_TOO_LONG: &str = "The no hp field must not be greater than 32 characters.";
/// The 422 detail for anything else wrong with `no_hp`.
pub(crate) const NO_HP_INVALID: &str = "The no hp field format is invalid.";
/// `message` of the 404 for a number nobody holds.
pub(crate) const CUSTOMER_NOT_FOUND: &str = "Pelanggan tidak ditemukan.";
/// `message` of the 404 for an unknown path.
pub(crate) const ENDPOINT_NOT_FOUND: &str = "Endpoint tidak ditemukan.";
/// `message` of a 405.
pub(crate) const METHOD_NOT_ALLOWED: &str = "Metode tidak diizinkan.";
/// `message` of a 503.
pub(crate) const UNAVAILABLE: &str = "Layanan sedang tidak tersedia.";
/// `message` of a 500.
pub(crate) const INTERNAL: &str = "Terjadi kesalahan pada server.";
/// `message` of a 429 (a rate limit).
pub(crate) const TOO_MANY_REQUESTS: &str = "Terlalu banyak permintaan.";
/// `message` of a 414 (a request target over [`crate::MAX_URI_BYTES`]).
pub(crate) const URI_TOO_LONG: &str = "URI permintaan terlalu panjang.";
/// `message` of a 431 (headers over [`crate::MAX_HEADER_BYTES`]).
pub(crate) const HEADERS_TOO_LARGE: &str = "Header permintaan terlalu besar.";
/// `message` of any other 4xx that actix itself produces (not in the
/// contract, which has no row for them).
pub(crate) const BAD_REQUEST: &str = "Permintaan tidak valid.";

/// The 500 body, pre-serialized, for when serialization itself fails.
const INTERNAL_BODY: &str = r#"{"success":false,"message":"Terjadi kesalahan pada server."}"#;

/// `{"success": false, "message": …}` plus `errors` on a 422.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Failure,
    description = "Jawaban gagal: selalu `success: false` dan `message`; `errors` hanya pada 422. / \
                   A failed answer: always `success: false` and `message`; `errors` on a 422 only."
)]
pub(crate) struct Failure<'a> {
    /// Selalu `false`. / Always `false`.
    success: bool,
    /// Pesan tetap untuk status ini (lihat contoh). / The fixed message of
    /// this status (see the examples).
    message: &'a str,
    /// Hanya pada 422: pesan per parameter. / On a 422 only: the messages
    /// per parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<FieldErrors<'static>>)]
    errors: Option<FieldErrors<'a>>,
}

/// The 422 `errors` object: one message for the one field there is.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ValidationErrors)]
struct FieldErrors<'a> {
    /// Satu pesan validasi untuk `no_hp`. / One validation message for
    /// `no_hp`.
    #[schema(value_type = Vec<String>, min_items = 1, max_items = 1)]
    no_hp: [&'a str; 1],
}

impl<'a> Failure<'a> {
    /// A failure without field errors.
    pub(crate) fn new(message: &'a str) -> Self {
        Self {
            success: false,
            message,
            errors: None,
        }
    }

    /// The 422 failure for a `no_hp` problem.
    pub(crate) fn invalid_no_hp(detail: &'a str) -> Self {
        Self {
            success: false,
            message: VALIDATION_FAILED,
            errors: Some(FieldErrors { no_hp: [detail] }),
        }
    }
}

/// The 200 body of CONTRACT §2.1.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = CustomerFound,
    description = "Pelanggan ditemukan. / The customer was found."
)]
pub(crate) struct Success<'a> {
    /// Selalu `true`. / Always `true`.
    success: bool,
    /// `Data pelanggan berhasil ditemukan.`
    message: &'a str,
    /// Pelanggan yang dipilih. / The customer chosen.
    data: CustomerData<'a>,
}

impl<'a> Success<'a> {
    /// The answer for the customer the lookup picked.
    pub(crate) fn found(customer: &'a Customer) -> Self {
        Self::found_for(customer, None)
    }

    /// The same, knowing the number that was looked up: its stored
    /// spellings are shown without validating them again (the hot path).
    pub(crate) fn found_for(customer: &'a Customer, looked_up: Option<&PhoneNumber>) -> Self {
        Self {
            success: true,
            message: FOUND,
            data: CustomerData::new(customer, looked_up),
        }
    }
}

/// `data` of the 200 body. Fields are in the contract's order; `None` is
/// `null`, never an omitted key (hence `required` on every optional field:
/// in the schema, "may be null" but "always present").
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Customer,
    description = "Profil pelanggan; setiap kunci selalu ada, kolom kosong bernilai `null`. / \
                   The customer's profile; every key is always present, an empty column is `null`."
)]
struct CustomerData<'a> {
    /// ID pelanggan. / The customer's id.
    id: i64,
    /// Kode pelanggan (unik). / The customer's code (unique).
    kode: &'a str,
    /// Nama pelanggan / toko. / The customer's (shop's) name.
    nama: &'a str,
    /// Nama pemilik. / The owner's name.
    #[schema(required = true)]
    nama_pemilik: Option<&'a str>,
    /// Kontak person. / The contact person.
    #[schema(required = true)]
    kontak_person: Option<&'a str>,
    /// Nomor handphone, dinormalisasi ke `+62…` (nilai yang tidak dapat
    /// dinormalisasi dikirim apa adanya). / The phone number, normalized to
    /// `+62…` (a stored value that cannot be normalized is sent as stored).
    #[schema(required = true)]
    no_hp: Option<String>,
    /// Nomor Goovi, dinormalisasi seperti `no_hp`. / The Goovi number,
    /// normalized like `no_hp`.
    #[schema(required = true)]
    no_hp_goovi: Option<String>,
    /// Status pelanggan, mis. `Verif`. / The customer's status, e.g. `Verif`.
    #[schema(required = true)]
    status_pelanggan: Option<&'a str>,
    /// Keperluan pelanggan, mis. `Pribadi`. / The customer's purpose, e.g.
    /// `Pribadi` (personal).
    #[schema(required = true)]
    keperluan_pelanggan: Option<&'a str>,
    /// Lintang, string apa adanya. / Latitude, a string, as stored.
    #[schema(required = true)]
    latitude: Option<&'a str>,
    /// Bujur, string apa adanya. / Longitude, a string, as stored.
    #[schema(required = true)]
    longitude: Option<&'a str>,
    /// Alamat lengkap. / The full address.
    #[schema(required = true)]
    alamat_lengkap: Option<&'a str>,
    /// Kelurahan. / The village or urban ward.
    #[schema(required = true)]
    kelurahan: Option<&'a str>,
    /// Kecamatan. / The district.
    #[schema(required = true)]
    kecamatan: Option<&'a str>,
    /// Kota / kabupaten. / The city or regency.
    #[schema(required = true)]
    kota: Option<&'a str>,
    /// Provinsi. / The province.
    #[schema(required = true)]
    provinsi: Option<&'a str>,
    /// Depo yang melayani; `null` bila tidak ada. / The depot serving the
    /// customer; `null` when there is none.
    #[schema(required = true)]
    depo: Option<DepoData<'a>>,
}

impl<'a> From<&'a Customer> for CustomerData<'a> {
    fn from(customer: &'a Customer) -> Self {
        Self::new(customer, None)
    }
}

impl<'a> CustomerData<'a> {
    fn new(customer: &'a Customer, looked_up: Option<&PhoneNumber>) -> Self {
        let display = |stored: &str| match looked_up {
            Some(number) => number.display_stored(stored),
            None => display_stored_number(stored),
        };
        Self {
            id: customer.id,
            kode: &customer.kode,
            nama: &customer.nama,
            nama_pemilik: customer.nama_pemilik.as_deref(),
            kontak_person: customer.kontak_person.as_deref(),
            no_hp: customer.no_hp.as_deref().map(display),
            no_hp_goovi: customer.no_hp_goovi.as_deref().map(display),
            status_pelanggan: customer.status_pelanggan.as_deref(),
            keperluan_pelanggan: customer.keperluan_pelanggan.as_deref(),
            latitude: customer.latitude.as_deref(),
            longitude: customer.longitude.as_deref(),
            alamat_lengkap: customer.alamat_lengkap.as_deref(),
            kelurahan: customer.kelurahan.as_deref(),
            kecamatan: customer.kecamatan.as_deref(),
            kota: customer.kota.as_deref(),
            provinsi: customer.provinsi.as_deref(),
            depo: customer.depo.as_ref().map(DepoData::from),
        }
    }
}

/// `data.depo` of the 200 body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Depo,
    description = "Depo operasional pelanggan. / The customer's operating depot."
)]
struct DepoData<'a> {
    /// ID depo. / The depot's id.
    id: i64,
    /// Kode depo. / The depot's code.
    kode: &'a str,
    /// Nama depo. / The depot's name.
    nama: &'a str,
}

impl<'a> From<&'a Depo> for DepoData<'a> {
    fn from(depo: &'a Depo) -> Self {
        Self {
            id: depo.id,
            kode: &depo.kode,
            nama: &depo.nama,
        }
    }
}

/// The body of `/health` and `/health/ready`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(
    as = Health,
    description = "Status layanan. / The service's status."
)]
pub(crate) struct Health {
    /// `ok`, atau `unavailable` bila basis data tidak menjawab. / `ok`, or
    /// `unavailable` when the database does not answer.
    #[schema(value_type = String, examples("ok", "unavailable"))]
    status: &'static str,
}

impl Health {
    /// `{"status":"ok"}`.
    pub(crate) const OK: Self = Self { status: "ok" };
    /// `{"status":"unavailable"}`.
    pub(crate) const UNAVAILABLE: Self = Self {
        status: "unavailable",
    };
}

/// Sends `body` as compact JSON with `Content-Type: application/json`.
///
/// Serializing these bodies cannot fail in practice; if it ever did, the
/// answer is the contract's 500.
pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    serialize(body).map_or_else(internal_error, |bytes| json_bytes(status, bytes))
}

/// `body` as JSON bytes; `None` (logged) if that fails.
pub(crate) fn serialize(body: &impl Serialize) -> Option<Bytes> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .inspect_err(|error| log::error!("cannot serialize a response body: {error}"))
        .ok()
}

/// The contract's 500, for a body that could not be serialized.
pub(crate) fn internal_error() -> HttpResponse {
    json_bytes(StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_BODY.as_bytes())
}

/// A response with an already serialized JSON body.
pub(crate) fn json_bytes(status: StatusCode, body: impl Into<Bytes>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(body: &impl Serialize) -> String {
        serde_json::to_string(body).unwrap()
    }

    #[test]
    fn the_pre_serialized_500_body_matches_the_struct() {
        assert_eq!(compact(&Failure::new(INTERNAL)), INTERNAL_BODY);
    }

    #[test]
    fn a_failure_without_field_errors_has_no_errors_key() {
        assert_eq!(
            compact(&Failure::new(UNAUTHORIZED)),
            r#"{"success":false,"message":"Unauthorized."}"#
        );
    }

    #[test]
    fn a_validation_failure_lists_the_field_message() {
        assert_eq!(
            compact(&Failure::invalid_no_hp(NO_HP_REQUIRED)),
            r#"{"success":false,"message":"Validasi gagal.","errors":{"no_hp":["The no hp field is required."]}}"#
        );
    }

    #[test]
    fn the_too_long_message_names_the_domain_limit() {
        assert!(NO_HP_TOO_LONG.contains(&klikorder_domain::MAX_INPUT_CHARS.to_string()));
    }

    #[test]
    fn a_customer_with_only_required_columns_keeps_every_key_as_null() {
        let customer = Customer {
            id: 1,
            kode: "PEL-1".into(),
            nama: "Toko".into(),
            ..Customer::default()
        };
        assert_eq!(
            compact(&Success::found(&customer)),
            concat!(
                r#"{"success":true,"message":"Data pelanggan berhasil ditemukan.","data":{"#,
                r#""id":1,"kode":"PEL-1","nama":"Toko","nama_pemilik":null,"kontak_person":null,"#,
                r#""no_hp":null,"no_hp_goovi":null,"status_pelanggan":null,"keperluan_pelanggan":null,"#,
                r#""latitude":null,"longitude":null,"alamat_lengkap":null,"kelurahan":null,"#,
                r#""kecamatan":null,"kota":null,"provinsi":null,"depo":null}}"#
            )
        );
    }

    #[test]
    fn stored_numbers_are_shown_normalized_or_as_stored() {
        let customer = Customer {
            no_hp: Some("0812-3456-789".into()),
            no_hp_goovi: Some("n/a".into()),
            ..Customer::default()
        };
        let data = CustomerData::from(&customer);
        assert_eq!(data.no_hp.as_deref(), Some("+628123456789"));
        assert_eq!(data.no_hp_goovi.as_deref(), Some("n/a"));
    }

    #[test]
    fn health_bodies() {
        assert_eq!(compact(&Health::OK), r#"{"status":"ok"}"#);
        assert_eq!(compact(&Health::UNAVAILABLE), r#"{"status":"unavailable"}"#);
    }
}
