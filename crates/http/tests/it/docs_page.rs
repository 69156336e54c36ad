//! `/docs` in a real browser: headless Chromium (Debian's `chromium`)
//! loads the page from `run` on a free port, Swagger UI's JavaScript
//! fetches `/openapi.json` and renders it, and the rendered DOM shows the
//! endpoint and its examples. Everything comes from the server itself, so
//! this also shows the page needs no internet access.
//!
//! Without `chromium` on the `PATH` the test says so on stderr and returns.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::start;
use crate::support::*;

/// `chromium` on the `PATH`, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
}

/// The DOM of `url` once its scripts have run.
fn rendered_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    // Files, not pipes: the DOM is larger than a pipe's buffer, and a
    // browser blocked on a full pipe would never exit.
    let stdout_path = profile.path().join("dom.html");
    let stderr_path = profile.path().join("stderr.txt");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--virtual-time-budget=20000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .args(["--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    // Bounded: a stuck browser fails the test instead of hanging it.
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "chromium failed: {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    String::from_utf8_lossy(&std::fs::read(&stdout_path).unwrap()).into_owned()
}

#[test]
fn the_docs_page_renders_the_endpoint_and_its_examples() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "SKIPPED (chromium not installed): the_docs_page_renders_the_endpoint_and_its_examples"
        );
        return;
    };
    let running = start(state(unused_directory(), unused_registry()));
    let dom = rendered_dom(&chromium, &format!("http://{}/docs", running.addr));
    running.stop();

    let missing: Vec<&str> = [
        // The operation, its summary and the credential headers.
        "/api/integrasi/customers",
        "Get customer by phone number",
        "X-API-Client",
        "no_hp",
        // The published 200 example.
        "PEL-mbre36zt-Z7K52",
        "Depo Pontianak",
        "Data pelanggan berhasil ditemukan.",
        // The first example of each error status.
        "Unauthorized.",
        "Pelanggan tidak ditemukan.",
        "Metode tidak diizinkan.",
        "The no hp field is required.",
        "Layanan sedang tidak tersedia.",
        "Terjadi kesalahan pada server.",
        // The other routes.
        "/health/ready",
        "/metrics",
    ]
    .into_iter()
    .filter(|text| !dom.contains(text))
    .collect();
    if !missing.is_empty() {
        let saved =
            std::env::temp_dir().join(format!("klikorder-docs-dom-{}.html", std::process::id()));
        let _ = std::fs::write(&saved, &dom);
        panic!(
            "{missing:?} not on the rendered page (saved in {}):\n{}",
            saved.display(),
            &dom[..dom.len().min(2000)]
        );
    }
}
