-- Integration partners allowed to call the endpoint. Keys are never stored:
-- `key_hash` holds the auth crate's salted hash (`sha256$<salt>$<digest>`).
CREATE TABLE api_clients (
    client_id VARCHAR(64) PRIMARY KEY,
    name VARCHAR(255) NULL,
    key_hash VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP NULL
);
