//! The customer record the lookup answers with.

use chrono::NaiveDateTime;

/// A depot (`depos` row) that serves a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depo {
    /// `depos.id`.
    pub id: i64,
    /// `depos.kode`, e.g. `DPS30`.
    pub kode: String,
    /// `depos.nama`, e.g. `Depo Pontianak`.
    pub nama: String,
}

/// A customer (`customers` row) as stored, with its depot.
///
/// Field names are the contract's (Indonesian) column names. Phone numbers
/// are as stored; [`display_stored_number`](crate::display_stored_number)
/// turns them into what partners see.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Customer {
    /// `customers.id`.
    pub id: i64,
    /// `customers.kode`, unique.
    pub kode: String,
    /// The shop or customer name.
    pub nama: String,
    /// The owner's name.
    pub nama_pemilik: Option<String>,
    /// The contact person.
    pub kontak_person: Option<String>,
    /// The main phone number, as stored.
    pub no_hp: Option<String>,
    /// The GoOvi phone number, as stored.
    pub no_hp_goovi: Option<String>,
    /// Verification status, e.g. `Verif`.
    pub status_pelanggan: Option<String>,
    /// What the customer buys for, e.g. `Pribadi`.
    pub keperluan_pelanggan: Option<String>,
    /// Latitude as stored text (never re-formatted through a float).
    pub latitude: Option<String>,
    /// Longitude as stored text.
    pub longitude: Option<String>,
    /// The full address.
    pub alamat_lengkap: Option<String>,
    /// Village / urban ward.
    pub kelurahan: Option<String>,
    /// District.
    pub kecamatan: Option<String>,
    /// City or regency.
    pub kota: Option<String>,
    /// Province.
    pub provinsi: Option<String>,
    /// When the customer was created (local time), used by the ranking rule.
    pub created_at: Option<NaiveDateTime>,
    /// The customer's depot; `None` when unset or missing.
    pub depo: Option<Depo>,
}
