ALTER TABLE api_clients DROP COLUMN last_seen_at;
ALTER TABLE api_clients DROP COLUMN expires_at;
