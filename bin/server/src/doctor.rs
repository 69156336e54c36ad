//! `doctor`: checks the database the service points at — the tables,
//! columns and indexes it needs, and the stored phone numbers that no input
//! can reach (spellings other than `+62X`, `62X`, `0X`, or invalid numbers).

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use klikorder_domain::PhoneNumber;
use klikorder_persistence::Engine;

use crate::config::Config;
use crate::startup::open_database;

/// Rows read per query while scanning `customers`.
const SCAN_BATCH: i64 = 10_000;
/// Masked examples shown per finding.
const EXAMPLES: usize = 3;

/// What a stored `no_hp` / `no_hp_goovi` value means for lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
enum StoredNumber {
    /// One of the three spellings: lookups find it.
    Reachable,
    /// A valid number in another spelling (separators, `0062…`): no input
    /// reaches it until it is rewritten.
    OtherSpelling(PhoneNumber),
    /// Empty or only white space.
    Blank,
    /// Not a valid Indonesian number.
    Invalid,
}

fn classify(stored: &str) -> StoredNumber {
    if stored.trim().is_empty() {
        return StoredNumber::Blank;
    }
    match PhoneNumber::parse(stored) {
        Ok(number) if number.is_stored_as(stored) => StoredNumber::Reachable,
        Ok(number) => StoredNumber::OtherSpelling(number),
        Err(_) => StoredNumber::Invalid,
    }
}

/// Hides all but the first four and last two characters of a raw value.
fn mask_raw(stored: &str) -> String {
    let chars: Vec<char> = stored.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

/// Counts per column and finding, with a few masked examples.
#[derive(Debug, Default)]
struct Findings {
    scanned: u64,
    counts: BTreeMap<(&'static str, &'static str), (u64, Vec<String>)>,
}

impl Findings {
    fn note(&mut self, column: &'static str, stored: &str) {
        let (kind, example) = match classify(stored) {
            StoredNumber::Reachable => return,
            StoredNumber::OtherSpelling(number) => ("other spelling", number.masked()),
            StoredNumber::Blank => ("blank", format!("{stored:?}")),
            StoredNumber::Invalid => ("invalid number", mask_raw(stored)),
        };
        let (count, examples) = self.counts.entry((column, kind)).or_default();
        *count += 1;
        if examples.len() < EXAMPLES {
            examples.push(example);
        }
    }

    fn unreachable(&self) -> u64 {
        self.counts.values().map(|(count, _)| count).sum()
    }
}

/// Runs every check and prints what it finds.
///
/// # Errors
///
/// When the database cannot be opened, or tables, columns or indexes the
/// service needs are missing (listed first).
pub fn run(config: &Config) -> anyhow::Result<()> {
    let config = Config {
        migrate_on_start: false,
        ..config.clone()
    };
    let engine = Engine::from_url(&config.database_url)?;
    let pool = open_database(&config)?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Database: {} ({})",
        config.database_url_redacted(),
        engine.name()
    )?;

    let problems =
        klikorder_persistence::check_schema(&mut conn).context("cannot read the schema")?;
    if problems.is_empty() {
        writeln!(
            out,
            "Schema: every table, column and index the service needs is present."
        )?;
    } else {
        writeln!(out, "Schema: {} problem(s):", problems.len())?;
        for problem in &problems {
            writeln!(out, "  - {problem}")?;
        }
        out.flush()?;
        anyhow::bail!("the schema is not what the service needs; fix the problems above");
    }

    let total =
        klikorder_persistence::count_customers(&mut conn).context("cannot count customers")?;
    let progress = ProgressBar::new(u64::try_from(total).unwrap_or(0)).with_style(
        ProgressStyle::with_template(
            "scanning phone numbers {bar:40} {pos}/{len} customers ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut findings = Findings::default();
    let mut after_id = i64::MIN;
    loop {
        let rows =
            klikorder_persistence::scan_stored_phone_numbers(&mut conn, after_id, SCAN_BATCH)
                .context("cannot read customers")?;
        let Some(&(last_id, _, _)) = rows.last() else {
            break;
        };
        for (_, no_hp, no_hp_goovi) in &rows {
            findings.scanned += 1;
            if let Some(stored) = no_hp {
                findings.note("no_hp", stored);
            }
            if let Some(stored) = no_hp_goovi {
                findings.note("no_hp_goovi", stored);
            }
        }
        progress.inc(u64::try_from(rows.len()).unwrap_or(0));
        after_id = last_id;
    }
    progress.finish_and_clear();

    writeln!(
        out,
        "Phone numbers: {} customer(s) scanned; {} stored number(s) no input can reach.",
        findings.scanned,
        findings.unreachable()
    )?;
    for ((column, kind), (count, examples)) in &findings.counts {
        writeln!(
            out,
            "  {column}: {count} {kind} (e.g. {})",
            examples.join(", ")
        )?;
    }
    if findings
        .counts
        .keys()
        .any(|(_, kind)| *kind == "other spelling")
    {
        writeln!(
            out,
            "\nTo rewrite valid numbers into a spelling lookups find (review first, then run):"
        )?;
        for column in ["no_hp", "no_hp_goovi"] {
            writeln!(out, "{}", fix_sql(engine, column))?;
        }
    }
    if findings
        .counts
        .keys()
        .any(|(_, kind)| *kind == "invalid number" || *kind == "blank")
    {
        writeln!(
            out,
            "\nInvalid and blank numbers need a person: correct them in the KlikOrder app, or set them to NULL."
        )?;
    }
    Ok(())
}

/// SQL that strips separators and turns `0062…` into `0…`, for one column.
fn fix_sql(engine: Engine, column: &str) -> String {
    let stripped = [" ", "-", ".", "(", ")"]
        .iter()
        .fold(column.to_owned(), |inner, sep| {
            format!("REPLACE({inner}, '{sep}', '')")
        });
    let zero_prefixed = match engine {
        Engine::Sqlite | Engine::Postgres => format!("'0' || SUBSTR({column}, 5)"),
        _ => format!("CONCAT('0', SUBSTR({column}, 5))"),
    };
    format!(
        "UPDATE customers SET {column} = {stripped}\n  WHERE {column} LIKE '% %' OR {column} LIKE '%-%' OR {column} LIKE '%.%' OR {column} LIKE '%(%' OR {column} LIKE '%)%';\n\
         UPDATE customers SET {column} = {zero_prefixed} WHERE {column} LIKE '0062%';"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_spellings_are_reachable() {
        for stored in ["+628123456789", "628123456789", "08123456789"] {
            assert_eq!(classify(stored), StoredNumber::Reachable, "{stored}");
        }
    }

    #[test]
    fn other_spellings_of_valid_numbers_are_unreachable_but_fixable() {
        for stored in [
            "0812-3456-789",
            "0062 812 3456 789",
            " 08123456789",
            "+62 812 3456 789",
        ] {
            assert!(
                matches!(classify(stored), StoredNumber::OtherSpelling(_)),
                "{stored}"
            );
        }
    }

    #[test]
    fn junk_is_invalid_or_blank() {
        assert_eq!(classify("12345"), StoredNumber::Invalid);
        assert_eq!(classify("no phone"), StoredNumber::Invalid);
        assert_eq!(classify("  "), StoredNumber::Blank);
    }

    #[test]
    fn examples_are_masked() {
        let mut findings = Findings::default();
        findings.note("no_hp", "0812-3456-789");
        findings.note("no_hp", "0812345678901234567");
        let text = format!("{:?}", findings.counts);
        assert!(!text.contains("3456"), "{text}");
        assert_eq!(findings.unreachable(), 2);
    }

    #[test]
    fn the_fix_sql_strips_separators_then_the_0062_prefix() {
        let sql = fix_sql(Engine::Postgres, "no_hp");
        assert!(sql.contains("REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(no_hp, ' ', ''), '-', ''), '.', ''), '(', ''), ')', '')"), "{sql}");
        assert!(sql.contains("'0' || SUBSTR(no_hp, 5)"), "{sql}");
    }
}
