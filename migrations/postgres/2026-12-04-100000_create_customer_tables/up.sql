-- The three tables the lookup reads (CONTRACT §5), shaped as the KlikOrder
-- Laravel application creates them: BIGSERIAL ids, VARCHAR(255) strings and
-- TIMESTAMP WITHOUT TIME ZONE holding local time. Index and constraint names
-- follow Laravel's conventions.

CREATE TABLE depos (
    id BIGSERIAL PRIMARY KEY,
    kode VARCHAR(255) NOT NULL,
    nama VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NULL,
    updated_at TIMESTAMP NULL,
    CONSTRAINT depos_kode_unique UNIQUE (kode)
);

CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
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

-- The lookup matches `no_hp = ANY(...) OR no_hp_goovi = ANY(...)`: one index
-- per column lets the planner combine two index scans (BitmapOr).
CREATE INDEX customers_no_hp_index ON customers (no_hp);
CREATE INDEX customers_no_hp_goovi_index ON customers (no_hp_goovi);
CREATE INDEX customers_depo_id_index ON customers (depo_id);

CREATE TABLE transactions (
    id BIGSERIAL PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    tanggal_transaksi TIMESTAMP NOT NULL,
    created_at TIMESTAMP NULL,
    CONSTRAINT transactions_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id)
);

-- Covers the activity query (count in the window, latest date) per customer.
CREATE INDEX transactions_customer_id_tanggal_transaksi_index
    ON transactions (customer_id, tanggal_transaksi);
