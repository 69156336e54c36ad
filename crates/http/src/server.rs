//! Serving the app on a listener, with graceful shutdown.

use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::Server;

use crate::{AppState, app};

/// How the HTTP server runs. [`Default`] gives actix's own defaults, with
/// one worker per available CPU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Worker threads, each with its own event loop (at least 1).
    pub workers: usize,
    /// Concurrent connections per worker; past it, accepting pauses.
    pub max_connections: usize,
    /// How long a client has to send a request's headers before it gets a
    /// 408 and the connection is closed.
    pub client_request_timeout: Duration,
    /// How long a closing connection may take to shut down.
    pub client_disconnect_timeout: Duration,
    /// After a shutdown signal, how long in-flight requests may take before
    /// workers are stopped anyway (whole seconds; rounded down).
    pub shutdown_timeout: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            max_connections: 25_000,
            client_request_timeout: Duration::from_secs(5),
            client_disconnect_timeout: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves [`app`] on `listener` (already bound, e.g. to port 0 in tests).
/// Call it inside an actix or Tokio runtime: it installs the signal
/// handlers right away.
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
/// When the listener cannot be registered (for example, it is not bound).
pub fn run(
    listener: TcpListener,
    state: AppState,
    settings: &ServerSettings,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || app(state.clone()))
        .workers(settings.workers.max(1))
        .max_connections(settings.max_connections)
        .client_request_timeout(settings.client_request_timeout)
        .client_disconnect_timeout(settings.client_disconnect_timeout)
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .shutdown_signal(stop_signal())
        .listen(listener)?
        .run();
    Ok(server)
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
