//! `clients add | list | revoke | rotate`.

use std::io::{IsTerminal as _, Read as _, Write as _};

use anyhow::Context as _;
use klikorder_auth::{ApiKey, AuthError};
use klikorder_domain::{ApiClientStore, StoreError};
use klikorder_persistence::DieselApiClientStore;

use crate::cli::ClientsCommand;
use crate::config::Config;
use crate::startup::open_database;

/// Runs one `clients` subcommand.
///
/// # Errors
///
/// When the database cannot be reached or the command is refused (unknown
/// client, id taken, weak imported key, …).
pub fn run(config: &Config, command: ClientsCommand) -> anyhow::Result<()> {
    let store = DieselApiClientStore::new(open_database(config)?);
    let now = chrono::Utc::now().naive_utc();
    let mut out = std::io::stdout().lock();
    match command {
        ClientsCommand::Add {
            client_id,
            name,
            key_stdin,
            expires,
        } => {
            let imported = if key_stdin {
                Some(read_key_from_stdin()?)
            } else {
                None
            };
            let key = klikorder_auth::register_client(
                &store,
                &client_id,
                name.as_deref(),
                imported,
                expires,
                now,
            )
            .map_err(|error| explain(error, &client_id))?;
            if key_stdin {
                writeln!(
                    out,
                    "API client {client_id} registered with the key read from standard input."
                )?;
            } else {
                writeln!(
                    out,
                    "API client {client_id} registered. Its key, shown only this once:"
                )?;
                writeln!(out, "{}", key.expose())?;
            }
        }
        ClientsCommand::List => list(&store, &mut out)?,
        ClientsCommand::Revoke { client_id } => {
            klikorder_auth::revoke_client(&store, &client_id, now)
                .map_err(|error| explain(error, &client_id))?;
            writeln!(
                out,
                "API client {client_id} revoked; running servers refuse its key within 5 seconds."
            )?;
        }
        ClientsCommand::Rotate { client_id } => {
            let key = klikorder_auth::rotate_key(&store, &client_id, now)
                .map_err(|error| explain(error, &client_id))?;
            writeln!(
                out,
                "API client {client_id} has a new key; the old one stops working within 5 seconds. \
                 The new key, shown only this once:"
            )?;
            writeln!(out, "{}", key.expose())?;
        }
    }
    Ok(())
}

fn read_key_from_stdin() -> anyhow::Result<ApiKey> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type or paste the key, then press Enter and Ctrl-D:");
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .context("cannot read the key from standard input")?;
    Ok(ApiKey::import(&text)?)
}

fn explain(error: AuthError, client_id: &str) -> anyhow::Error {
    match error {
        AuthError::Store(StoreError::AlreadyExists) => anyhow::anyhow!(
            "an API client {client_id:?} already exists (use `clients rotate {client_id}` for a new key)"
        ),
        AuthError::UnknownClient => {
            anyhow::anyhow!("there is no API client {client_id:?} (see `clients list`)")
        }
        AuthError::InvalidClientId => anyhow::anyhow!("{client_id:?}: {error}"),
        other => anyhow::Error::new(other),
    }
}

fn list(store: &dyn ApiClientStore, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let clients = store
        .list_clients()
        .context("cannot list the API clients")?;
    if clients.is_empty() {
        writeln!(
            out,
            "No API clients yet. Add one with `klikorder-server clients add <CLIENT_ID>`."
        )?;
        return Ok(());
    }
    let width = clients
        .iter()
        .map(|c| c.client_id.len())
        .max()
        .unwrap_or(0)
        .max("CLIENT_ID".len());
    writeln!(
        out,
        "{:<width$}  {:<24}  {:<16}  {:<16}  {:<16}  NAME",
        "CLIENT_ID", "STATUS", "CREATED (UTC)", "KEY SET (UTC)", "LAST SEEN (UTC)"
    )?;
    let now = chrono::Utc::now().naive_utc();
    let minute = |at: chrono::NaiveDateTime| at.format("%Y-%m-%d %H:%M").to_string();
    for client in clients {
        let status = match (client.revoked_at, client.expires_at) {
            (Some(at), _) => format!("revoked {}", minute(at)),
            (None, Some(end)) if end <= now => format!("expired {}", minute(end)),
            (None, Some(end)) => format!("active until {}", end.format("%Y-%m-%d")),
            (None, None) => "active".to_owned(),
        };
        writeln!(
            out,
            "{:<width$}  {:<24}  {:<16}  {:<16}  {:<16}  {}",
            client.client_id,
            status,
            minute(client.created_at),
            minute(client.updated_at),
            client
                .last_seen_at
                .map_or_else(|| "never".to_owned(), minute),
            client.name.as_deref().unwrap_or("-"),
        )?;
    }
    Ok(())
}
