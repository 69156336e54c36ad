ALTER TABLE api_clients
    DROP COLUMN last_seen_at,
    DROP COLUMN expires_at;
