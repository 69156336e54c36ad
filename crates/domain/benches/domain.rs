//! Criterion benches for the two pure rules: `cargo bench -p klikorder-domain`.
#![allow(missing_docs)]

use std::hint::black_box;

use chrono::{NaiveDate, TimeDelta};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use klikorder_domain::{Activity, PhoneNumber, rank, warm_up};

fn normalization(c: &mut Criterion) {
    warm_up();
    let mut group = c.benchmark_group("normalize");
    for (form, input) in [
        ("trunk_0", "08123456789"),
        ("62", "628123456789"),
        ("plus_62", "+628123456789"),
        ("0062_separators", "0062 812-3456-789"),
        ("plus_62_brackets", "+62 (812) 3456.789"),
        ("invalid_letters", "0812-ABC-6789"),
        ("invalid_foreign", "+1 650 253 0000"),
    ] {
        group.bench_with_input(BenchmarkId::from_parameter(form), input, |b, input| {
            b.iter(|| PhoneNumber::parse(black_box(input)));
        });
    }
    group.finish();
}

fn ranking(c: &mut Criterion) {
    let base = NaiveDate::from_ymd_opt(2026, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let mut group = c.benchmark_group("rank");
    for n in [1_i64, 2, 10, 100] {
        // Figures that tie often, so later rules are reached too.
        let candidates: Vec<Activity> = (0..n)
            .map(|i| Activity {
                customer_id: 1000 - i,
                recent_transactions: u64::try_from(i % 3).unwrap_or(0),
                last_transaction: (i % 4 != 0).then(|| base + TimeDelta::days(i % 5)),
                created_at: (i % 2 == 0).then(|| base + TimeDelta::days(i % 7)),
            })
            .collect();
        group.bench_with_input(BenchmarkId::from_parameter(n), &candidates, |b, c| {
            b.iter(|| rank(black_box(c)));
        });
    }
    group.finish();
}

criterion_group!(benches, normalization, ranking);
criterion_main!(benches);
