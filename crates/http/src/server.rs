//! Serving the app on a listener (HTTP, or HTTPS with [`Tls`]), with
//! limits that keep slow or greedy clients from holding the workers, and
//! graceful shutdown.

use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::Server;
use actix_web::http::KeepAlive;

use crate::{AppState, Tls, build};

/// How the HTTP server runs. [`Default`] is plain HTTP with one worker per
/// available CPU and limits sized for a lookup API (small requests, a few
/// partners, possibly hostile strangers).
///
/// What actix answers by itself, before the app (so without the contract's
/// JSON): a request whose headers do not arrive within
/// `client_request_timeout` gets `408` with an empty body and the
/// connection closes; a request head over 128 KiB gets `431` with an empty
/// body; more than 96 headers or a malformed head get `400` with an empty
/// body. The app's own limits ([`MAX_URI_BYTES`](crate::MAX_URI_BYTES),
/// [`MAX_HEADER_BYTES`](crate::MAX_HEADER_BYTES)) are lower, and answered
/// with JSON.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Worker threads, each with its own event loop (at least 1).
    pub workers: usize,
    /// Concurrent connections per worker; past it, accepting pauses (the
    /// kernel's backlog holds the rest).
    pub max_connections: usize,
    /// Concurrent TLS handshakes per worker; past it, accepting pauses.
    pub max_connection_rate: usize,
    /// How long a client has to send a request's headers, from the
    /// connection's start (or the end of the previous request), before it
    /// gets a 408 and the connection is closed: a slow client cannot hold a
    /// connection longer than this without sending a whole request.
    pub client_request_timeout: Duration,
    /// How long a closing connection may take to shut down.
    pub client_disconnect_timeout: Duration,
    /// How long an idle keep-alive connection stays open; zero closes each
    /// connection after its response.
    pub keep_alive: Duration,
    /// How long a TLS handshake may take (with [`tls`](Self::tls)).
    pub tls_handshake_timeout: Duration,
    /// HTTPS on the main listener with this certificate; `None`: plain
    /// HTTP (behind a TLS-terminating proxy). The admin listener is always
    /// plain HTTP.
    pub tls: Option<Tls>,
    /// After a shutdown signal, how long in-flight requests may take before
    /// workers are stopped anyway (whole seconds; rounded down).
    pub shutdown_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            // actix's 25 000 per worker would let one client's idle
            // connections hold far more memory than partners ever need.
            max_connections: 2_048,
            max_connection_rate: 256,
            client_request_timeout: Duration::from_secs(5),
            client_disconnect_timeout: Duration::from_secs(1),
            keep_alive: Duration::from_secs(5),
            tls_handshake_timeout: Duration::from_secs(3),
            tls: None,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves [`app`](crate::app) on `listener` (already bound, e.g. to port 0
/// in tests): HTTPS when [`ServerSettings::tls`] is set, else plain HTTP.
/// Call it inside an actix or Tokio runtime: it installs the signal
/// handlers right away.
///
/// With an `admin_listener`, the operators' routes (`/health`,
/// `/health/ready`, `/metrics`) are served only there, and the partners'
/// routes (the lookup, `/openapi.json`, `/docs`) only on `listener`; each
/// listener answers the other's paths with the contract's JSON 404. Both
/// share the workers, the state (so one set of metrics) and the shutdown.
/// Without it, everything is served on `listener`.
///
/// The returned [`Server`] does nothing until it is awaited (or spawned) on
/// an actix or Tokio runtime; it resolves once the server has stopped. It
/// stops gracefully on `SIGTERM` **and** `SIGINT` (Ctrl-C): it stops
/// accepting, lets in-flight requests finish within
/// [`ServerSettings::shutdown_timeout`], then stops the actix system. (Plain
/// actix treats `SIGINT` as a forced stop.) [`Server::handle`] stops it from
/// code.
///
/// # Errors
///
/// When a listener cannot be registered (for example, it is not bound).
pub fn run(
    listener: TcpListener,
    admin_listener: Option<TcpListener>,
    state: AppState,
    settings: &ServerSettings,
) -> std::io::Result<Server> {
    let admin = admin_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    let keep_alive = if settings.keep_alive.is_zero() {
        KeepAlive::Disabled
    } else {
        KeepAlive::Timeout(settings.keep_alive)
    };
    let server = HttpServer::new(move || build(state.clone(), admin))
        .workers(settings.workers.max(1))
        .max_connections(settings.max_connections.max(1))
        .max_connection_rate(settings.max_connection_rate.max(1))
        .client_request_timeout(settings.client_request_timeout)
        .client_disconnect_timeout(settings.client_disconnect_timeout)
        .keep_alive(keep_alive)
        .tls_handshake_timeout(settings.tls_handshake_timeout)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .shutdown_signal(stop_signal());
    let mut server = match &settings.tls {
        Some(tls) => server.listen_rustls_0_23(listener, tls.server_config())?,
        None => server.listen(listener)?,
    };
    if let Some(admin_listener) = admin_listener {
        server = server.listen(admin_listener)?;
    }
    Ok(server.run())
}

/// Resolves on the first `SIGTERM` or `SIGINT` (Ctrl-C elsewhere).
///
/// The handlers are installed now, before the caller announces that it
/// listens, so a signal that arrives at once still stops gracefully instead
/// of killing the process.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    let waiting = stop_signals();
    async move {
        match waiting {
            Ok(signals) => {
                let signal = signals.await;
                log::info!("{signal} received; finishing in-flight requests, then stopping");
            }
            Err(error) => {
                // Without handlers the default action applies: the process
                // ends on the signal, which is all we can still offer.
                log::error!("cannot listen for shutdown signals: {error}");
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use std::task::Poll;

    use actix_web::rt::signal::unix::{SignalKind, signal};

    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(std::future::poll_fn(move |cx| {
        if terminate.poll_recv(cx).is_ready() {
            Poll::Ready("SIGTERM")
        } else if interrupt.poll_recv(cx).is_ready() {
            Poll::Ready("SIGINT")
        } else {
            Poll::Pending
        }
    }))
}

#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        let _ = actix_web::rt::signal::ctrl_c().await;
        "Ctrl-C"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_are_usable() {
        let settings = ServerSettings::default();
        assert!(settings.workers >= 1);
        assert!(settings.max_connections > 0);
        assert!(settings.shutdown_timeout >= Duration::from_secs(1));
    }
}
