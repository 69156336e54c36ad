//! `lookup <no_hp> [--explain] [--json]`: the endpoint's lookup from the
//! command line, for support staff asked "why this customer?".

use std::io::Write as _;

use anyhow::Context as _;
use klikorder_domain::{Customer, Explanation, PhoneNumber, explain_lookup, find_customer};
use klikorder_persistence::DieselCustomerDirectory;

use crate::cli::LookupArgs;
use crate::config::Config;
use crate::startup::open_database;

/// Runs the lookup and prints the answer.
///
/// # Errors
///
/// An invalid number, or a database that cannot answer. "Not found" is not
/// an error: it prints so, and exits 0.
pub fn run(config: &Config, args: &LookupArgs) -> anyhow::Result<()> {
    let phone = PhoneNumber::parse(&args.no_hp)
        .with_context(|| format!("{:?} cannot be looked up", args.no_hp))?;
    let directory =
        DieselCustomerDirectory::new(open_database(config)?, config.customer_statuses.clone());
    let now = chrono::Utc::now();
    let mut out = std::io::stdout().lock();
    if args.explain {
        let explanation = explain_lookup(&directory, &phone, now, &config.time_zone)
            .context("the lookup failed")?;
        if args.json {
            writeln!(out, "{}", explanation_json(&phone, &explanation))?;
        } else {
            print_explanation(&mut out, &phone, &explanation)?;
        }
        return Ok(());
    }
    let found =
        find_customer(&directory, &phone, now, &config.time_zone).context("the lookup failed")?;
    match (found, args.json) {
        (Some(found), true) => writeln!(out, "{}", klikorder_http::found_body(&found.customer)?)?,
        (Some(found), false) => writeln!(
            out,
            "{} → customer {} {} ({}), depo {}; {} candidate(s), decided by: {}",
            phone.as_e164(),
            found.customer.id,
            found.customer.kode,
            found.customer.nama,
            found
                .customer
                .depo
                .as_ref()
                .map_or("-", |d| d.kode.as_str()),
            found.candidates,
            found.decided_by
        )?,
        (None, true) => writeln!(
            out,
            r#"{{"success":false,"message":"Pelanggan tidak ditemukan."}}"#
        )?,
        (None, false) => writeln!(
            out,
            "{}: no customer found (Pelanggan tidak ditemukan.)",
            phone.as_e164()
        )?,
    }
    Ok(())
}

/// Which stored column holds the number, for the explanation.
fn matched_column(customer: &Customer, phone: &PhoneNumber) -> &'static str {
    let holds = |stored: &Option<String>| stored.as_deref().is_some_and(|s| phone.is_stored_as(s));
    match (holds(&customer.no_hp), holds(&customer.no_hp_goovi)) {
        (true, true) => "both",
        (true, false) => "no_hp",
        (false, true) => "no_hp_goovi",
        (false, false) => "?",
    }
}

fn timestamp(value: Option<chrono::NaiveDateTime>) -> String {
    value.map_or_else(
        || "-".to_owned(),
        |v| v.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn print_explanation(
    out: &mut impl std::io::Write,
    phone: &PhoneNumber,
    explanation: &Explanation,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} candidate(s); recent = transactions since {}",
        phone.as_e164(),
        explanation.ranked.len(),
        timestamp(Some(explanation.window_start))
    )?;
    if explanation.ranked.is_empty() {
        return writeln!(out, "no customer found (Pelanggan tidak ditemukan.)");
    }
    writeln!(
        out,
        "{:<3} {:>8}  {:<20} {:<24} {:<12} {:<8} {:>6}  {:<19}  {:<19}",
        "#", "ID", "KODE", "NAMA", "MATCHED", "STATUS", "RECENT", "LAST TRANSACTION", "CREATED AT"
    )?;
    for (rank, (customer, activity)) in explanation.ranked.iter().enumerate() {
        writeln!(
            out,
            "{:<3} {:>8}  {:<20} {:<24} {:<12} {:<8} {:>6}  {:<19}  {:<19}",
            rank + 1,
            customer.id,
            truncate(&customer.kode, 20),
            truncate(&customer.nama, 24),
            matched_column(customer, phone),
            truncate(customer.status_pelanggan.as_deref().unwrap_or("-"), 8),
            activity.recent_transactions,
            timestamp(activity.last_transaction),
            timestamp(customer.created_at),
        )?;
    }
    if let Some(rule) = explanation.decided_by {
        writeln!(
            out,
            "winner: customer {}; decided by: {rule}",
            explanation.ranked[0].0.id
        )?;
    }
    Ok(())
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}

fn explanation_json(phone: &PhoneNumber, explanation: &Explanation) -> String {
    let candidates: Vec<_> = explanation
        .ranked
        .iter()
        .map(|(customer, activity)| {
            serde_json::json!({
                "id": customer.id,
                "kode": customer.kode,
                "nama": customer.nama,
                "matched": matched_column(customer, phone),
                "status_pelanggan": customer.status_pelanggan,
                "recent_transactions": activity.recent_transactions,
                "last_transaction": activity.last_transaction.map(|t| timestamp(Some(t))),
                "created_at": customer.created_at.map(|t| timestamp(Some(t))),
            })
        })
        .collect();
    serde_json::json!({
        "no_hp": phone.as_e164(),
        "window_start": timestamp(Some(explanation.window_start)),
        "winner": explanation.ranked.first().map(|(c, _)| c.id),
        "decided_by": explanation.decided_by.map(klikorder_domain::Rule::as_str),
        "candidates": candidates,
    })
    .to_string()
}
