-- The three tables the lookup reads (CONTRACT §5), for SQLite. Same names,
-- columns, constraints and indexes as migrations/postgres; differences:
--   * ids are INTEGER PRIMARY KEY (SQLite's 64-bit rowid alias; read as BIGINT);
--   * TIMESTAMP columns hold TEXT 'YYYY-MM-DD HH:MM:SS' (local time), which
--     sorts and compares correctly as text.

CREATE TABLE depos (
    id INTEGER PRIMARY KEY NOT NULL,
    kode VARCHAR(255) NOT NULL,
    nama VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NULL,
    updated_at TIMESTAMP NULL,
    CONSTRAINT depos_kode_unique UNIQUE (kode)
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY NOT NULL,
    kode VARCHAR(255) NOT NULL,
    nama VARCHAR(255) NOT NULL,
    nama_pemilik VARCHAR(255) NULL,
    kontak_person VARCHAR(255) NULL,
    no_hp VARCHAR(255) NULL,
    no_hp_goovi VARCHAR(255) NULL,
    status_pelanggan VARCHAR(255) NULL,
    keperluan_pelanggan VARCHAR(255) NULL,
    latitude VARCHAR(255) NULL,
    longitude VARCHAR(255) NULL,
    alamat_lengkap TEXT NULL,
    kelurahan VARCHAR(255) NULL,
    kecamatan VARCHAR(255) NULL,
    kota VARCHAR(255) NULL,
    provinsi VARCHAR(255) NULL,
    depo_id BIGINT NULL,
    created_at TIMESTAMP NULL,
    updated_at TIMESTAMP NULL,
    deleted_at TIMESTAMP NULL,
    CONSTRAINT customers_kode_unique UNIQUE (kode),
    CONSTRAINT customers_depo_id_foreign FOREIGN KEY (depo_id) REFERENCES depos (id)
);

-- `no_hp IN (...) OR no_hp_goovi IN (...)` becomes a MULTI-INDEX OR over these.
CREATE INDEX customers_no_hp_index ON customers (no_hp);
CREATE INDEX customers_no_hp_goovi_index ON customers (no_hp_goovi);
CREATE INDEX customers_depo_id_index ON customers (depo_id);

CREATE TABLE transactions (
    id INTEGER PRIMARY KEY NOT NULL,
    customer_id BIGINT NOT NULL,
    tanggal_transaksi TIMESTAMP NOT NULL,
    created_at TIMESTAMP NULL,
    CONSTRAINT transactions_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id)
);

-- A covering index for the activity query.
CREATE INDEX transactions_customer_id_tanggal_transaksi_index
    ON transactions (customer_id, tanggal_transaksi);
