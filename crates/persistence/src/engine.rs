//! Which database engine a URL names, and how to reach it.

use std::fmt;
use std::path::Path;

use crate::PersistenceError;

/// What `Engine::from_url` accepts, for error messages.
const ACCEPTED: &str = "expected sqlite:<path>, sqlite://<path>, postgres://…, postgresql://…, mysql://… or mariadb://…";

/// A database engine, chosen by the scheme of the database URL.
///
/// ```
/// use klikorder_persistence::Engine;
///
/// # #[cfg(all(feature = "sqlite", feature = "postgres"))] {
/// assert_eq!(Engine::from_url("sqlite://klikorder.db").unwrap(), Engine::Sqlite);
/// assert_eq!(Engine::from_url("postgres://app@db/klikorder").unwrap(), Engine::Postgres);
/// # }
/// # #[cfg(feature = "mysql")]
/// assert_eq!(Engine::from_url("mysql://app@db/klikorder").unwrap(), Engine::Mysql);
/// # #[cfg(not(feature = "mysql"))] // then: "built without MySQL support; rebuild with --features mysql"
/// assert!(Engine::from_url("mysql://app@db/klikorder").is_err());
/// assert!(Engine::from_url("postgress://app@db/klikorder").is_err()); // a typo is never a file name
/// assert!(Engine::from_url("klikorder.db").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Engine {
    /// SQLite: `sqlite:<path>`, `sqlite://<path>` or `sqlite::memory:`.
    Sqlite,
    /// PostgreSQL: `postgres://…` or `postgresql://…` (any libpq URI).
    Postgres,
    /// MySQL or MariaDB: `mysql://…` or `mariadb://…` (cargo feature
    /// `mysql`).
    Mysql,
}

impl Engine {
    /// The engine a database URL names, by its scheme (case-insensitive):
    /// `sqlite:` / `sqlite://` → [`Engine::Sqlite`], `postgres://` /
    /// `postgresql://` → [`Engine::Postgres`], `mysql://` / `mariadb://` →
    /// [`Engine::Mysql`].
    ///
    /// # Errors
    ///
    /// [`PersistenceError::UnsupportedUrl`] for any other scheme, a URL
    /// without a scheme (a bare file path) or a `sqlite:` URL without a path;
    /// [`PersistenceError::EngineUnavailable`] for an engine whose cargo
    /// feature is off (for MySQL: "built without MySQL support; rebuild with
    /// --features mysql").
    /// The message shows the scheme only, never the rest of the URL.
    pub fn from_url(url: &str) -> Result<Self, PersistenceError> {
        Target::parse(url).map(|target| target.engine)
    }

    /// The engine's display name: `SQLite`, `PostgreSQL` or `MySQL` (which
    /// covers MariaDB).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
            Self::Mysql => "MySQL",
        }
    }

    /// Whether this build includes the engine (its cargo feature is on).
    #[must_use]
    pub const fn is_compiled_in(self) -> bool {
        match self {
            Self::Sqlite => cfg!(feature = "sqlite"),
            Self::Postgres => cfg!(feature = "postgres"),
            Self::Mysql => cfg!(feature = "mysql"),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed database URL: the engine, what its driver is given, and a
/// description safe to show.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) engine: Engine,
    /// What the engine's `establish` gets. May hold a password.
    pub(crate) connect: String,
    /// The URL with any password masked.
    pub(crate) display: String,
    /// For SQLite files: the file's path, to check its directory.
    pub(crate) sqlite_file: Option<String>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("engine", &self.engine)
            .field("url", &self.display)
            .finish_non_exhaustive()
    }
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Self, PersistenceError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once(':').filter(|(scheme, _)| is_scheme(scheme))
        else {
            return Err(PersistenceError::UnsupportedUrl(format!(
                "the URL has no scheme (a bare file path is not accepted); {ACCEPTED}"
            )));
        };
        let engine = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Engine::Sqlite,
            "postgres" | "postgresql" if rest.starts_with("//") => Engine::Postgres,
            "postgres" | "postgresql" => {
                return Err(PersistenceError::UnsupportedUrl(format!(
                    "`{scheme}:` must be followed by `//`; {ACCEPTED}"
                )));
            }
            "mysql" | "mariadb" if rest.starts_with("//") => Engine::Mysql,
            "mysql" | "mariadb" => {
                return Err(PersistenceError::UnsupportedUrl(format!(
                    "`{scheme}:` must be followed by `//`; {ACCEPTED}"
                )));
            }
            _ => {
                return Err(PersistenceError::UnsupportedUrl(format!(
                    "unknown scheme `{scheme}`; {ACCEPTED}"
                )));
            }
        };
        let target = match engine {
            Engine::Sqlite => Self::sqlite(rest)?,
            Engine::Postgres => Self::postgres(url),
            Engine::Mysql => Self::mysql(url, rest),
        };
        if !engine.is_compiled_in() {
            return Err(PersistenceError::EngineUnavailable {
                engine: engine.name(),
                reason: match engine {
                    Engine::Sqlite => "this build was compiled without the `sqlite` feature",
                    Engine::Postgres => "this build was compiled without the `postgres` feature",
                    Engine::Mysql => "built without MySQL support; rebuild with --features mysql",
                },
            });
        }
        Ok(target)
    }

    fn sqlite(rest: &str) -> Result<Self, PersistenceError> {
        let location = rest.strip_prefix("//").unwrap_or(rest);
        if location.is_empty() {
            return Err(PersistenceError::UnsupportedUrl(
                "a sqlite: URL needs a file path, e.g. sqlite://klikorder.db or sqlite::memory:"
                    .to_owned(),
            ));
        }
        let (connect, sqlite_file) = if location == ":memory:" {
            (location.to_owned(), None)
        } else if location.starts_with("file:") {
            // Already an SQLite URI; SQLite parses it.
            (location.to_owned(), None)
        } else if let Some((path, query)) = location.split_once('?') {
            // `sqlite://data.db?mode=rwc`: SQLite's URI form takes the options.
            (format!("file:{path}?{query}"), Some(path.to_owned()))
        } else {
            (location.to_owned(), Some(location.to_owned()))
        };
        Ok(Self {
            engine: Engine::Sqlite,
            display: format!("sqlite://{location}"),
            connect,
            sqlite_file,
        })
    }

    fn postgres(url: &str) -> Self {
        Self {
            engine: Engine::Postgres,
            connect: url.to_owned(),
            display: redact(url),
            sqlite_file: None,
        }
    }

    /// `mysql://…` or `mariadb://…` (`rest` is what follows the scheme's
    /// colon): the driver only knows the `mysql` scheme.
    fn mysql(url: &str, rest: &str) -> Self {
        Self {
            engine: Engine::Mysql,
            connect: format!("mysql:{rest}"),
            display: redact(url),
            sqlite_file: None,
        }
    }

    /// For a MySQL URL naming a TCP host: checks within `timeout` that the
    /// port accepts a connection (libmysqlclient itself may wait minutes
    /// for an unreachable host). `localhost` and `?unix_socket=` URLs use
    /// the Unix socket: nothing to check.
    #[cfg(feature = "mysql")]
    pub(crate) fn probe_tcp(
        &self,
        timeout: std::time::Duration,
    ) -> Result<(), diesel::ConnectionError> {
        use std::net::{TcpStream, ToSocketAddrs};

        let Ok(parsed) = url::Url::parse(&self.connect) else {
            // The driver reports the bad URL in its own words.
            return Ok(());
        };
        let host = match parsed.host_str() {
            Some(host) if host != "localhost" => host.trim_start_matches('[').trim_end_matches(']'),
            _ => return Ok(()),
        };
        if parsed.query_pairs().any(|(key, _)| key == "unix_socket") {
            return Ok(());
        }
        let port = parsed.port().unwrap_or(3306);
        let timeout = timeout.max(std::time::Duration::from_secs(2));
        let unreachable = |why: String| {
            diesel::ConnectionError::BadConnection(format!("cannot reach {host}:{port}: {why}"))
        };
        let addresses = (host, port)
            .to_socket_addrs()
            .map_err(|error| unreachable(error.to_string()))?;
        let mut last = unreachable("the host name has no address".to_owned());
        for address in addresses {
            match TcpStream::connect_timeout(&address, timeout) {
                Ok(_) => return Ok(()),
                Err(error) => last = unreachable(error.to_string()),
            }
        }
        Err(last)
    }

    /// Checks that an SQLite file can be created: its directory must exist.
    pub(crate) fn check_sqlite_directory(&self) -> Result<(), PersistenceError> {
        let Some(file) = &self.sqlite_file else {
            return Ok(());
        };
        match Path::new(file).parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(
                PersistenceError::Connection(crate::error::ConnectionFailure {
                    engine: Engine::Sqlite,
                    target: self.display.clone(),
                    error: diesel::ConnectionError::BadConnection(format!(
                        "the directory {} does not exist (the database file is created, its directory is not)",
                        dir.display()
                    )),
                }),
            ),
            _ => Ok(()),
        }
    }

    /// The connect string with libpq's `connect_timeout` set, unless the URL
    /// sets it already, so an unreachable server fails in bounded time.
    pub(crate) fn with_connect_timeout(mut self, seconds: u64) -> Self {
        if self.engine == Engine::Postgres && !self.connect.contains("connect_timeout=") {
            let separator = if self.connect.contains('?') { '&' } else { '?' };
            self.connect = format!(
                "{}{separator}connect_timeout={}",
                self.connect,
                seconds.max(2)
            );
        }
        self
    }
}

/// RFC 3986 scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && text.len() <= 32
}

/// The URL with its password (in the user-info part or as a `password`
/// query parameter) replaced by `***`. A URL that does not parse is not
/// shown at all.
pub(crate) fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "(URL not shown: it does not parse)".to_owned();
    };
    if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
        return "(URL not shown)".to_owned();
    }
    if parsed
        .query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("password"))
    {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key.eq_ignore_ascii_case("password") {
                    "***".to_owned()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn sqlite_urls_name_a_file_or_memory() {
        let cases = [
            ("sqlite://klikorder.db", "klikorder.db"),
            ("sqlite:klikorder.db", "klikorder.db"),
            (
                "sqlite:///var/lib/k/klikorder.db",
                "/var/lib/k/klikorder.db",
            ),
            ("SQLITE://data/k.db", "data/k.db"),
            ("sqlite::memory:", ":memory:"),
            ("sqlite://:memory:", ":memory:"),
            ("sqlite://k.db?mode=rwc", "file:k.db?mode=rwc"),
            ("sqlite:file:k.db?mode=ro", "file:k.db?mode=ro"),
        ];
        for (url, connect) in cases {
            if cfg!(feature = "sqlite") {
                let parsed = target(url);
                assert_eq!(parsed.engine, Engine::Sqlite, "{url}");
                assert_eq!(parsed.connect, connect, "{url}");
            }
        }
    }

    #[test]
    fn postgres_urls_are_passed_to_libpq_unchanged() {
        if cfg!(feature = "postgres") {
            for url in [
                "postgres://app:secret@db:5432/klikorder",
                "postgresql://app@db/klikorder?sslmode=require",
                "POSTGRES://db/klikorder",
            ] {
                let parsed = target(url);
                assert_eq!(parsed.engine, Engine::Postgres);
                assert_eq!(parsed.connect, url);
            }
        }
    }

    #[test]
    fn typos_and_bare_paths_are_unsupported_urls() {
        for url in [
            "postgress://app:secret@db/klikorder",
            "klikorder.db",
            "./data/klikorder.db",
            "/var/lib/klikorder.db",
            "",
            "sqlite:",
            "sqlite://",
            "postgres:db",
            "http://example.com",
            "C:\\data\\klikorder.db",
        ] {
            let error = Engine::from_url(url).unwrap_err();
            assert!(
                matches!(error, PersistenceError::UnsupportedUrl(_)),
                "{url}: {error:?}"
            );
            assert!(!error.to_string().contains("secret"), "{error}");
        }
    }

    #[test]
    fn mysql_and_mariadb_urls_go_to_the_mysql_driver() {
        for (url, connect) in [
            (
                "mysql://app:secret@db:3306/klikorder",
                "mysql://app:secret@db:3306/klikorder",
            ),
            (
                "mariadb://app@db/klikorder?ssl_mode=required",
                "mysql://app@db/klikorder?ssl_mode=required",
            ),
            ("MySQL://db/klikorder", "mysql://db/klikorder"),
        ] {
            let parsed = Target::parse(url);
            #[cfg(feature = "mysql")]
            {
                let parsed = parsed.unwrap();
                assert_eq!(parsed.engine, Engine::Mysql);
                assert_eq!(parsed.connect, connect);
                assert!(!format!("{parsed:?}").contains("secret"));
            }
            #[cfg(not(feature = "mysql"))]
            {
                let _ = connect;
                let error = parsed.unwrap_err();
                assert!(
                    matches!(
                        error,
                        PersistenceError::EngineUnavailable {
                            engine: "MySQL",
                            ..
                        }
                    ),
                    "{error:?}"
                );
                let text = error.to_string();
                assert!(
                    text.contains("built without MySQL support; rebuild with --features mysql"),
                    "{text}"
                );
                assert!(!text.contains("secret"), "{text}");
            }
        }
        assert!(matches!(
            Engine::from_url("mysql:db"),
            Err(PersistenceError::UnsupportedUrl(_))
        ));
    }

    #[test]
    fn the_password_is_masked_in_descriptions() {
        assert_eq!(
            redact("postgres://app:s3cr%40t@db:5432/klikorder"),
            "postgres://app:***@db:5432/klikorder"
        );
        assert_eq!(
            redact("postgresql://db/klikorder?user=app&password=hunter2"),
            "postgresql://db/klikorder?user=app&password=***"
        );
        assert_eq!(
            redact("postgres://app@db/klikorder"),
            "postgres://app@db/klikorder"
        );
        let debug = format!(
            "{:?}",
            Target::postgres("postgres://app:hunter2@db/klikorder")
        );
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn libpq_gets_a_connect_timeout_unless_the_url_has_one() {
        if cfg!(feature = "postgres") {
            let plain = target("postgres://db/k").with_connect_timeout(5);
            assert_eq!(plain.connect, "postgres://db/k?connect_timeout=5");
            let with_query = target("postgres://db/k?sslmode=disable").with_connect_timeout(1);
            assert_eq!(
                with_query.connect,
                "postgres://db/k?sslmode=disable&connect_timeout=2"
            );
            let explicit = target("postgres://db/k?connect_timeout=30").with_connect_timeout(5);
            assert_eq!(explicit.connect, "postgres://db/k?connect_timeout=30");
        }
    }
}
