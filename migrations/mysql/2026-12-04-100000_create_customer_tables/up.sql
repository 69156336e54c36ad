-- The three tables the lookup reads (CONTRACT §5), for MySQL 8 and MariaDB
-- 10.11. Same names, columns, constraints and indexes as migrations/postgres;
-- differences:
--   * InnoDB, utf8mb4 with utf8mb4_unicode_ci (Laravel's default; it exists
--     on both servers, unlike MySQL 8's utf8mb4_0900_ai_ci);
--   * ids are BIGINT AUTO_INCREMENT (signed, as schema.rs reads them; a
--     Laravel `BIGINT UNSIGNED` id reads the same);
--   * timestamps are DATETIME: local time, never converted by the session's
--     time zone (TIMESTAMP would be).
-- Indexes are declared inside CREATE TABLE, so the foreign keys use them
-- instead of InnoDB adding indexes of its own.

CREATE TABLE depos (
    id BIGINT NOT NULL AUTO_INCREMENT,
    kode VARCHAR(255) NOT NULL,
    nama VARCHAR(255) NOT NULL,
    created_at DATETIME NULL,
    updated_at DATETIME NULL,
    PRIMARY KEY (id),
    CONSTRAINT depos_kode_unique UNIQUE (kode)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customers (
    id BIGINT NOT NULL AUTO_INCREMENT,
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
    created_at DATETIME NULL,
    updated_at DATETIME NULL,
    deleted_at DATETIME NULL,
    PRIMARY KEY (id),
    CONSTRAINT customers_kode_unique UNIQUE (kode),
    -- `no_hp IN (...) OR no_hp_goovi IN (...)`: an index_merge (sort_union)
    -- over these two.
    INDEX customers_no_hp_index (no_hp),
    INDEX customers_no_hp_goovi_index (no_hp_goovi),
    INDEX customers_depo_id_index (depo_id),
    CONSTRAINT customers_depo_id_foreign FOREIGN KEY (depo_id) REFERENCES depos (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE transactions (
    id BIGINT NOT NULL AUTO_INCREMENT,
    customer_id BIGINT NOT NULL,
    tanggal_transaksi DATETIME NOT NULL,
    created_at DATETIME NULL,
    PRIMARY KEY (id),
    -- Covers the activity query (count in the window, latest date) per
    -- customer; the foreign key uses it too.
    INDEX transactions_customer_id_tanggal_transaksi_index (customer_id, tanggal_transaksi),
    CONSTRAINT transactions_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
