//! The tables, as diesel sees them (CONTRACT §5, plus `api_clients`).
//!
//! Written to match what `diesel print-schema` gives for
//! `migrations/postgres` (see `diesel.toml`); the integration test
//! `schema_matches_*` checks every column's name, type and nullability
//! against each engine's migrated database, since `diesel_cli` is not part of
//! the build.

diesel::table! {
    /// Integration partners allowed to call the endpoint, with their key hashes.
    api_clients (client_id) {
        /// The `X-API-Client` value, e.g. `MEKARI`.
        client_id -> Varchar,
        /// A free-text description.
        name -> Nullable<Varchar>,
        /// The key's salted hash (`sha256$<salt>$<digest>`); never the key.
        key_hash -> Varchar,
        /// When the client was registered (local time).
        created_at -> Timestamp,
        /// When its key was last replaced (local time).
        updated_at -> Timestamp,
        /// When it was revoked; a revoked client is refused.
        revoked_at -> Nullable<Timestamp>,
        /// When its access ends; from then on it is refused.
        expires_at -> Nullable<Timestamp>,
        /// When it last authenticated, to the minute, written in batches.
        last_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Customers of KlikOrder, as the Laravel application stores them.
    customers (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique customer code, e.g. `PEL-mbre36zt-Z7K52`.
        kode -> Varchar,
        /// Shop or customer name.
        nama -> Varchar,
        /// Owner's name.
        nama_pemilik -> Nullable<Varchar>,
        /// Contact person.
        kontak_person -> Nullable<Varchar>,
        /// Main phone number, as typed (`08…`, `62…` or `+62…`). Indexed.
        no_hp -> Nullable<Varchar>,
        /// GoOvi phone number, as typed. Indexed.
        no_hp_goovi -> Nullable<Varchar>,
        /// Verification status, e.g. `Verif`.
        status_pelanggan -> Nullable<Varchar>,
        /// What the customer buys for, e.g. `Pribadi`.
        keperluan_pelanggan -> Nullable<Varchar>,
        /// Latitude as text.
        latitude -> Nullable<Varchar>,
        /// Longitude as text.
        longitude -> Nullable<Varchar>,
        /// Full address.
        alamat_lengkap -> Nullable<Text>,
        /// Village / urban ward.
        kelurahan -> Nullable<Varchar>,
        /// District.
        kecamatan -> Nullable<Varchar>,
        /// City or regency.
        kota -> Nullable<Varchar>,
        /// Province.
        provinsi -> Nullable<Varchar>,
        /// The serving depot (`depos.id`).
        depo_id -> Nullable<BigInt>,
        /// Creation time (local).
        created_at -> Nullable<Timestamp>,
        /// Last update (local).
        updated_at -> Nullable<Timestamp>,
        /// Soft-deletion time; a deleted customer never matches.
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Depots that serve customers.
    depos (id) {
        /// Primary key.
        id -> BigInt,
        /// Unique depot code, e.g. `DPS30`.
        kode -> Varchar,
        /// Depot name, e.g. `Depo Pontianak`.
        nama -> Varchar,
        /// Creation time (local).
        created_at -> Nullable<Timestamp>,
        /// Last update (local).
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Customers' transactions; only their dates matter to the lookup.
    transactions (id) {
        /// Primary key.
        id -> BigInt,
        /// The customer (`customers.id`).
        customer_id -> BigInt,
        /// When the transaction happened (local time).
        tanggal_transaksi -> Timestamp,
        /// Creation time (local).
        created_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(customers -> depos (depo_id));
diesel::joinable!(transactions -> customers (customer_id));

diesel::allow_tables_to_appear_in_same_query!(api_clients, customers, depos, transactions);
