//! Runs the real `klikorder-server` binary and talks plain HTTP/1.1 to it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The binary under test.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_klikorder-server")
}

/// A `Command` for the binary with a clean environment: no `.env`, no
/// settings inherited from the shell, so only what a test passes counts.
pub fn command(workdir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(binary());
    command
        .current_dir(workdir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info");
    command
}

/// Runs a CLI subcommand to completion, feeding `stdin`.
pub fn cli(workdir: &Path, database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = command(workdir, database_url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start klikorder-server");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Registers a client through the CLI and returns its key.
pub fn add_client(workdir: &Path, database_url: &str, client_id: &str) -> String {
    let output = cli(workdir, database_url, &["clients", "add", client_id], "");
    assert!(
        output.status.success(),
        "clients add failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_owned()
}

/// A running server; killed when dropped.
pub struct TestServer {
    child: Child,
    pub addr: SocketAddr,
    /// Everything the server printed on stdout until it listened.
    pub banner: String,
    /// Whether it said it listens on `https://` (TLS_CERT_FILE given).
    pub https: bool,
    stderr_path: PathBuf,
}

impl TestServer {
    /// Starts `serve` on a free port with `extra` arguments and waits until
    /// it listens.
    pub fn start(workdir: &Path, database_url: &str, extra: &[&str]) -> Self {
        let stderr_path = workdir.join(format!("server-{}.log", std::process::id()));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut child = command(workdir, database_url)
            .args(["serve", "--bind-addr", "127.0.0.1:0"])
            .env("DB_TIMEOUT_MS", "2000")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start klikorder-server");
        let stdout = child.stdout.take().unwrap();
        let demo = extra.contains(&"--demo");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = String::new();
            let mut addr = None;
            let mut https = false;
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                banner.push_str(&line);
                banner.push('\n');
                if let Some(rest) = line.strip_prefix("klikorder-server listening on http://") {
                    addr = rest.parse::<SocketAddr>().ok();
                } else if let Some(rest) =
                    line.strip_prefix("klikorder-server listening on https://")
                {
                    addr = rest.parse::<SocketAddr>().ok();
                    https = true;
                }
                // The demo prints more after the address, up to its last line.
                if addr.is_some() && (!demo || line == "Stop the server with Ctrl-C.") {
                    break;
                }
            }
            let _ = sender.send((addr, banner, https));
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let (addr, banner, https) = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server did not start within 60 s");
        let Some(addr) = addr else {
            let _ = child.kill();
            panic!(
                "the server exited before listening:\n{banner}\n{}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        };
        Self {
            child,
            addr,
            banner,
            https,
            stderr_path,
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Whether the log shows `needle` within 5 seconds: the server writes
    /// its log lines in batches, every 10 ms.
    pub fn log_shows(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response, as received.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// Sends one request with `Connection: close` and reads the whole answer.
pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

/// GET the lookup with credentials.
pub fn lookup(addr: SocketAddr, client: &str, key: &str, query: &str) -> Response {
    request(
        addr,
        "GET",
        &format!("/api/integrasi/customers{query}"),
        &[
            ("X-API-Client", client),
            ("X-API-Key", key),
            ("Accept", "application/json"),
        ],
    )
}

/// The database URLs to run the end-to-end suite against: a fresh SQLite
/// file always; a fresh PostgreSQL database when TEST_POSTGRES_URL is set.
pub enum Backend {
    Sqlite(tempfile::TempDir),
    /// A fresh database on a PostgreSQL or MySQL server.
    Server(
        klikorder_persistence::test_support::TestDatabase,
        tempfile::TempDir,
    ),
}

impl Backend {
    pub fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }

    /// `None` (after saying so on stderr) when no PostgreSQL is configured.
    pub fn postgres(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
            eprintln!("SKIPPED (TEST_POSTGRES_URL unset): {test}");
            return None;
        };
        let database = klikorder_persistence::test_support::TestDatabase::postgres(&base)
            .expect("create a fresh PostgreSQL database");
        Some(Self::Server(database, tempfile::tempdir().unwrap()))
    }

    /// `None` (after saying so on stderr) when no MySQL/MariaDB is configured.
    #[cfg(feature = "mysql")]
    pub fn mysql(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var("TEST_MYSQL_URL") else {
            eprintln!("SKIPPED (TEST_MYSQL_URL unset): {test}");
            return None;
        };
        let database = klikorder_persistence::test_support::TestDatabase::mysql(&base)
            .expect("create a fresh MySQL database");
        Some(Self::Server(database, tempfile::tempdir().unwrap()))
    }

    pub fn workdir(&self) -> &Path {
        match self {
            Self::Sqlite(dir) | Self::Server(_, dir) => dir.path(),
        }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("e2e.db").display()),
            Self::Server(database, _) => database.url().to_owned(),
        }
    }
}

/// The demo client's key, from the `curl` line `serve --demo` prints.
pub fn demo_key(banner: &str) -> String {
    let start = banner
        .find("X-API-Key: ")
        .expect("a curl line with the key")
        + "X-API-Key: ".len();
    banner[start..].split('\'').next().unwrap().to_owned()
}
