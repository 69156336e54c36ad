-- Integration partners allowed to call the endpoint (see migrations/postgres).
-- DATETIME(6) keeps microseconds, as PostgreSQL's TIMESTAMP does; client ids
-- compare byte for byte (utf8mb4_bin), as on the other engines: `mekari` is
-- not `MEKARI`.
CREATE TABLE api_clients (
    client_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name VARCHAR(255) NULL,
    key_hash VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6) NULL,
    PRIMARY KEY (client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
