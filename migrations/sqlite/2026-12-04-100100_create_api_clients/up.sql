-- Integration partners allowed to call the endpoint (see migrations/postgres).
-- NOT NULL on the primary key: SQLite would otherwise accept NULL ids.
CREATE TABLE api_clients (
    client_id VARCHAR(64) PRIMARY KEY NOT NULL,
    name VARCHAR(255) NULL,
    key_hash VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NULL
);
