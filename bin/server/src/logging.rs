//! Logging, filtered by `RUST_LOG` (env_logger's filter syntax), writing
//! either env_logger's usual text lines or (`LOG_FORMAT=json`) one JSON
//! object per line, which log shippers ingest without a parsing rule.
//!
//! The CLI logs through env_logger itself. `serve` logs through
//! [`BatchedLogger`]: the same lines, formatted straight into the batch
//! that a background thread writes, because under load env_logger's
//! plumbing (a buffer per record, a copy to strip styles, a lock around the
//! target) cost more than formatting the line itself.
//!
//! A JSON line always has `timestamp` (UTC, RFC 3339 with milliseconds),
//! `level`, `target` and `message`; the record's `log` key-values follow as
//! fields of their own. The access log (`klikorder::access`) sends
//! `method`, `path`, `status`, `latency_ms`, `client_id`, `no_hp` (masked)
//! and `request_id` that way, numbers as numbers and absent values as
//! `null`.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use log::kv;
use serde_json::{Map, Value};

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// env_logger's human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the process's logger. With `batched` (the server), lines go to
/// stderr through [`BatchedLogger`]; otherwise (the CLI, whose progress
/// bars share stderr) env_logger writes each line at once.
pub fn init(filter: &str, format: LogFormat, batched: bool) {
    if batched {
        let logger = BatchedLogger {
            filter: env_filter::Builder::new().parse(filter).build(),
            format,
        };
        log::set_max_level(logger.filter.filter());
        BatchedStderr::start();
        if log::set_boxed_logger(Box::new(logger)).is_err() {
            eprintln!("klikorder-server: a logger was already installed");
        }
        return;
    }
    let mut builder = env_logger::Builder::new();
    builder.parse_filters(filter);
    if format == LogFormat::Json {
        builder.format(|out, record| writeln!(out, "{}", json_line(record, Utc::now())));
    }
    builder.init();
}

/// The server's logger: env_logger's filter and line formats, each line
/// formatted into a reused buffer and appended to the batch.
struct BatchedLogger {
    filter: env_filter::Filter,
    format: LogFormat,
}

thread_local! {
    /// This thread's line buffer.
    static LINE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl log::Log for BatchedLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        self.filter.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.filter.matches(record) {
            return;
        }
        let write = |line: &mut String| {
            line.clear();
            match self.format {
                LogFormat::Text => text_line(line, record, Utc::now()),
                LogFormat::Json => line.push_str(&json_line(record, Utc::now())),
            }
            line.push('\n');
            BatchedStderr::append(line.as_bytes());
        };
        // A record logged while this thread formats another (a `Display`
        // that logs) gets a buffer of its own.
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut line) => write(&mut line),
            Err(_) => write(&mut String::new()),
        });
    }

    fn flush(&self) {
        flush();
    }
}

/// `record` as env_logger's default text line (without the newline):
/// `[2026-12-05T01:02:03Z INFO  target] message`, with the message's later
/// lines indented by four spaces.
fn text_line(line: &mut String, record: &log::Record<'_>, now: DateTime<Utc>) {
    use std::fmt::Write as _;
    line.push('[');
    push_timestamp(line, now);
    let _ = write!(line, " {:<5}", record.level());
    if !record.target().is_empty() {
        line.push(' ');
        line.push_str(record.target());
    }
    line.push_str("] ");
    let message = line.len();
    let _ = write!(line, "{}", record.args());
    if line[message..].contains('\n') {
        let indented = line[message..].replace('\n', "\n    ");
        line.truncate(message);
        line.push_str(&indented);
    }
}

thread_local! {
    /// The last second formatted on this thread, and its text.
    static LAST_SECOND: std::cell::RefCell<(i64, String)> =
        const { std::cell::RefCell::new((i64::MIN, String::new())) };
}

/// `now` to the second, as env_logger writes it (`2026-12-05T01:02:03Z`);
/// formatted once per second per thread.
fn push_timestamp(line: &mut String, now: DateTime<Utc>) {
    LAST_SECOND.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != now.timestamp() {
            *last = (
                now.timestamp(),
                now.to_rfc3339_opts(SecondsFormat::Secs, true),
            );
        }
        line.push_str(&last.1);
    });
}

/// How often the background writer empties the batch.
const BATCH_EVERY: Duration = Duration::from_millis(10);
/// Past this many pending bytes (stderr is not keeping up), a logging
/// thread writes the batch itself: lines wait, none is dropped.
const MAX_PENDING_BYTES: usize = 1 << 20;

/// Log lines waiting for the background writer. Held only to append or to
/// take the batch, never while writing.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Held while a batch is written, so that batches reach stderr in order.
static WRITING: Mutex<()> = Mutex::new(());
/// Whether the background writer runs; if it could not start, every line
/// is written at once.
static WRITER_RUNS: AtomicBool = AtomicBool::new(false);

/// The batch of log lines: appended to by the logging threads, written to
/// stderr by a background thread every [`BATCH_EVERY`]. Why: one `write`
/// per line cost a fifth of a lookup's CPU under load, and the workers
/// queued on stderr's lock (docs/benchmarks.md). Lines keep their order;
/// [`flush`] writes what is pending (at exit, and on a panic).
struct BatchedStderr;

impl BatchedStderr {
    /// Starts the background writer, and flushes the batch on a panic.
    fn start() {
        let spawned = std::thread::Builder::new()
            .name("log-writer".to_owned())
            .spawn(|| {
                loop {
                    std::thread::sleep(BATCH_EVERY);
                    flush();
                }
            });
        match spawned {
            Ok(_) => WRITER_RUNS.store(true, Ordering::Relaxed),
            Err(error) => {
                eprintln!(
                    "klikorder-server: cannot start the log writer ({error}); logging directly"
                );
            }
        }
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            flush();
            default_hook(info);
        }));
    }

    /// Adds `bytes` (whole lines) to the batch; writes the batch at once
    /// when it is full or when there is no background writer.
    fn append(bytes: &[u8]) {
        let full = {
            let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
            pending.extend_from_slice(bytes);
            pending.len() >= MAX_PENDING_BYTES || !WRITER_RUNS.load(Ordering::Relaxed)
        };
        if full {
            flush();
        }
    }
}

/// Writes the pending log lines to stderr now.
pub fn flush() {
    let _writing = WRITING.lock().unwrap_or_else(PoisonError::into_inner);
    let batch = std::mem::take(&mut *PENDING.lock().unwrap_or_else(PoisonError::into_inner));
    if !batch.is_empty() {
        // A slow stderr (a full pipe, a disk that stalls) holds up this
        // writer, not the workers appending lines meanwhile.
        let _ = std::io::stderr().lock().write_all(&batch);
    }
}

/// The fixed fields; a key-value with one of these names is dropped rather
/// than overwrite them.
const FIXED: [&str; 4] = ["timestamp", "level", "target", "message"];

/// `record` as one line of JSON (without the newline).
pub fn json_line(record: &log::Record<'_>, now: DateTime<Utc>) -> String {
    let mut line = Map::new();
    line.insert(
        "timestamp".to_owned(),
        Value::String(now.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
    line.insert(
        "level".to_owned(),
        Value::String(record.level().as_str().to_owned()),
    );
    line.insert(
        "target".to_owned(),
        Value::String(record.target().to_owned()),
    );
    line.insert(
        "message".to_owned(),
        Value::String(record.args().to_string()),
    );
    // A value that cannot be visited is left out; the line itself is still
    // written.
    let _ = record.key_values().visit(&mut Fields(&mut line));
    Value::Object(line).to_string()
}

/// Adds each key-value of a record to the line.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: kv::Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        if FIXED.contains(&key.as_str()) {
            return Ok(());
        }
        let mut json = ToJson(Value::Null);
        value.visit(&mut json)?;
        self.0.insert(key.as_str().to_owned(), json.0);
        Ok(())
    }
}

/// One key-value's value as JSON: numbers, booleans, strings and null as
/// themselves, anything else as its `Display` text.
struct ToJson(Value);

impl<'v> kv::VisitValue<'v> for ToJson {
    fn visit_any(&mut self, value: kv::Value<'_>) -> Result<(), kv::Error> {
        self.0 = Value::String(value.to_string());
        Ok(())
    }

    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Value::Null;
        Ok(())
    }

    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = Value::from(value);
        Ok(())
    }

    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = Value::from(value);
        Ok(())
    }

    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        // NaN and infinities have no JSON number: null.
        self.0 = Value::from(value);
        Ok(())
    }

    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = Value::Bool(value);
        Ok(())
    }

    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        self.0 = Value::String(value.to_owned());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 3, 4, 5).unwrap()
    }

    fn parse(line: &str) -> Value {
        assert!(!line.contains('\n'), "{line}");
        serde_json::from_str(line).unwrap()
    }

    /// What env_logger itself writes for `record` (its default format, no
    /// colours), with the timestamp cut off.
    fn env_logger_line(record: &log::Record<'_>) -> String {
        #[derive(Clone, Default)]
        struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Captured {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let captured = Captured::default();
        let logger = env_logger::Builder::new()
            .parse_filters("trace")
            .write_style(env_logger::WriteStyle::Never)
            .target(env_logger::Target::Pipe(Box::new(captured.clone())))
            .build();
        log::Log::log(&logger, record);
        let line = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        without_timestamp(&line)
    }

    /// `[2026-06-01T03:04:05Z INFO …` → `[INFO …`.
    fn without_timestamp(line: &str) -> String {
        format!("[{}", &line["[2026-06-01T03:04:05Z ".len()..])
    }

    #[test]
    fn text_lines_are_env_loggers() {
        let records = [
            (log::Level::Info, "klikorder::access", "GET /health 200"),
            (
                log::Level::Warn,
                "klikorder_http",
                "first line\nsecond line\n",
            ),
            (log::Level::Error, "", "no target"),
            (log::Level::Debug, "x", "tab\tand ünïcode"),
        ];
        for (level, target, message) in records {
            let with_record = |check: &dyn Fn(&log::Record<'_>) -> String| {
                check(
                    &log::Record::builder()
                        .level(level)
                        .target(target)
                        .args(format_args!("{message}"))
                        .build(),
                )
            };
            let ours = with_record(&|record| {
                let mut line = String::new();
                text_line(&mut line, record, now());
                line.push('\n');
                line
            });
            assert!(ours.starts_with("[2026-06-01T03:04:05Z "), "{ours}");
            assert_eq!(without_timestamp(&ours), with_record(&env_logger_line));
        }
        let mut line = String::new();
        text_line(
            &mut line,
            &log::Record::builder()
                .target("t")
                .args(format_args!("a\nb"))
                .build(),
            now(),
        );
        assert_eq!(line, "[2026-06-01T03:04:05Z INFO  t] a\n    b");
    }

    #[test]
    fn a_plain_record_has_the_four_fixed_fields() {
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Warn)
                .target("klikorder_http")
                .args(format_args!(
                    "readiness check failed: \"db\" down\nsecond line"
                ))
                .build(),
            now(),
        );
        assert_eq!(
            parse(&line),
            serde_json::json!({
                "timestamp": "2026-06-01T03:04:05.000Z",
                "level": "WARN",
                "target": "klikorder_http",
                "message": "readiness check failed: \"db\" down\nsecond line",
            })
        );
    }

    #[test]
    fn an_access_line_carries_its_fields_typed() {
        let no_client: Option<&str> = None;
        let fields: [(&str, kv::Value<'_>); 8] = [
            ("method", kv::Value::from("GET")),
            ("path", kv::Value::from("/api/integrasi/customers")),
            ("status", kv::Value::from(200_u16)),
            ("latency_ms", kv::Value::from(3.25_f64)),
            ("client_id", kv::ToValue::to_value(&no_client)),
            ("no_hp", kv::Value::from("+62812****789")),
            ("request_id", kv::Value::from("4f0c9a")),
            // Must not replace the real message.
            ("message", kv::Value::from("spoofed")),
        ];
        let line = json_line(
            &log::Record::builder()
                .level(log::Level::Info)
                .target("klikorder::access")
                .args(format_args!("GET /api/integrasi/customers 200 …"))
                .key_values(&fields)
                .build(),
            now(),
        );
        let json = parse(&line);
        assert_eq!(json["message"], "GET /api/integrasi/customers 200 …");
        assert_eq!(json["method"], "GET");
        assert_eq!(json["path"], "/api/integrasi/customers");
        assert_eq!(json["status"], 200);
        assert_eq!(json["latency_ms"], 3.25);
        assert_eq!(json["client_id"], Value::Null);
        assert_eq!(json["no_hp"], "+62812****789");
        assert_eq!(json["request_id"], "4f0c9a");
    }

    #[test]
    fn the_fixed_fields_come_first() {
        let line = json_line(
            &log::Record::builder()
                .args(format_args!("x"))
                .key_values(&[("a", 1)])
                .build(),
            now(),
        );
        assert!(
            line.starts_with(r#"{"timestamp":"2026-06-01T03:04:05.000Z","level":"INFO""#),
            "{line}"
        );
    }
}
