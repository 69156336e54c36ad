-- A client may be given an end date, and the service records (coarsely, at
-- most once a minute per client, in batches) when each client last called.
ALTER TABLE api_clients
    ADD COLUMN expires_at TIMESTAMP NULL,
    ADD COLUMN last_seen_at TIMESTAMP NULL;
