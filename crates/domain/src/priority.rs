//! Which customer wins when several share a phone number (CONTRACT §4).
//!
//! The published priority, in order:
//!
//! 1. has at least one transaction in the last 30 days;
//! 2. more transactions in the last 30 days;
//! 3. the most recent transaction ever (none sorts last);
//! 4. the most recently created customer (`created_at`; NULL sorts last);
//! 5. the highest `id`, so the answer is always deterministic.
//!
//! Everything here is pure: the clock and the time zone are passed in.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDateTime, TimeDelta, TimeZone, Utc};

/// How far back "recent" transactions go, in days.
pub const RECENT_WINDOW_DAYS: i64 = 30;

/// The figures the rule looks at for one candidate customer.
///
/// ```
/// use klikorder_domain::Activity;
///
/// let never_bought = Activity { customer_id: 7, ..Activity::default() };
/// assert_eq!(never_bought.recent_transactions, 0);
/// assert_eq!(never_bought.last_transaction, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Activity {
    /// The customer's `id`.
    pub customer_id: i64,
    /// Transactions with `tanggal_transaksi` at or after the window start.
    pub recent_transactions: u64,
    /// The latest `tanggal_transaksi` ever, if the customer has any.
    pub last_transaction: Option<NaiveDateTime>,
    /// The customer's `created_at`, if set.
    pub created_at: Option<NaiveDateTime>,
}

/// One step of the priority rule; the step that told the winner apart.
///
/// ```
/// use klikorder_domain::Rule;
///
/// assert_eq!(Rule::RecentCount.to_string(), "more transactions in the last 30 days");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Only one customer matched: nothing to decide.
    OnlyCandidate,
    /// Step 1: has at least one transaction in the last 30 days.
    RecentActivity,
    /// Step 2: more transactions in the last 30 days.
    RecentCount,
    /// Step 3: the most recent transaction ever.
    LatestTransaction,
    /// Step 4: the most recently created customer.
    NewestCustomer,
    /// Step 5: the highest `id`.
    HighestId,
}

impl Rule {
    /// A stable `snake_case` name, for metrics labels and JSON.
    ///
    /// ```
    /// # use klikorder_domain::Rule;
    /// assert_eq!(Rule::HighestId.as_str(), "highest_id");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OnlyCandidate => "only_candidate",
            Self::RecentActivity => "recent_activity",
            Self::RecentCount => "recent_count",
            Self::LatestTransaction => "latest_transaction",
            Self::NewestCustomer => "newest_customer",
            Self::HighestId => "highest_id",
        }
    }

    const fn describe(self) -> &'static str {
        match self {
            Self::OnlyCandidate => "only one customer matched",
            Self::RecentActivity => "has transactions in the last 30 days",
            Self::RecentCount => "more transactions in the last 30 days",
            Self::LatestTransaction => "the most recent transaction",
            Self::NewestCustomer => "the most recently created customer",
            Self::HighestId => "the highest id",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// The outcome of [`rank`]: which candidate won, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranking {
    /// Index of the winner in the slice given to [`rank`].
    pub winner: usize,
    /// The first rule on which the winner beats the runner-up.
    pub decided_by: Rule,
}

/// Compares two candidates by the priority rule: [`Ordering::Greater`] when
/// `a` ranks ahead of `b`. Total: only equal figures (the same `id`) compare
/// equal.
///
/// ```
/// use std::cmp::Ordering;
/// use klikorder_domain::{compare, Activity};
///
/// let busy = Activity { customer_id: 1, recent_transactions: 3, ..Activity::default() };
/// let idle = Activity { customer_id: 2, ..Activity::default() };
/// assert_eq!(compare(&busy, &idle), Ordering::Greater);
/// ```
#[must_use]
pub fn compare(a: &Activity, b: &Activity) -> Ordering {
    first_difference(a, b).map_or(Ordering::Equal, |(_, ordering)| ordering)
}

/// The first rule on which `a` and `b` differ, and which way; `None` only
/// when every figure, `id` included, is equal.
fn first_difference(a: &Activity, b: &Activity) -> Option<(Rule, Ordering)> {
    // `Option`'s order puts `None` first, so "greater" is "more recent" and a
    // missing date loses, as the rule wants.
    let steps = [
        (
            Rule::RecentActivity,
            (a.recent_transactions > 0).cmp(&(b.recent_transactions > 0)),
        ),
        (
            Rule::RecentCount,
            a.recent_transactions.cmp(&b.recent_transactions),
        ),
        (
            Rule::LatestTransaction,
            a.last_transaction.cmp(&b.last_transaction),
        ),
        (Rule::NewestCustomer, a.created_at.cmp(&b.created_at)),
        (Rule::HighestId, a.customer_id.cmp(&b.customer_id)),
    ];
    steps.into_iter().find(|(_, ordering)| ordering.is_ne())
}

/// Picks the winner among candidates; `None` when there are none.
///
/// The result does not depend on the order of `candidates`.
///
/// ```
/// use chrono::NaiveDate;
/// use klikorder_domain::{rank, Activity, Rule};
///
/// let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// let candidates = [
///     Activity { customer_id: 10, recent_transactions: 2, last_transaction: Some(day(20)), created_at: Some(day(1)) },
///     Activity { customer_id: 11, recent_transactions: 5, last_transaction: Some(day(3)), created_at: None },
///     Activity { customer_id: 12, recent_transactions: 0, last_transaction: None, created_at: Some(day(30)) },
/// ];
/// let ranking = rank(&candidates).unwrap();
/// assert_eq!(candidates[ranking.winner].customer_id, 11);
/// assert_eq!(ranking.decided_by, Rule::RecentCount);
/// ```
#[must_use]
pub fn rank(candidates: &[Activity]) -> Option<Ranking> {
    let (winner, best) = candidates
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| compare(a, b))?;
    let runner_up = candidates
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != winner)
        .map(|(_, candidate)| candidate)
        .max_by(|a, b| compare(a, b));
    let decided_by = match runner_up {
        None => Rule::OnlyCandidate,
        // Two rows with the same id are the same customer: the id decides.
        Some(other) => first_difference(best, other).map_or(Rule::HighestId, |(rule, _)| rule),
    };
    Some(Ranking { winner, decided_by })
}

/// The start of the "last 30 days" window: `now` as wall-clock time in the
/// configured zone, less 30 days. Timestamps are stored as local time without
/// a zone (Laravel's convention), so this is what they are compared with.
///
/// ```
/// use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};
/// use klikorder_domain::window_start;
///
/// let jakarta = FixedOffset::east_opt(7 * 3600).unwrap();
/// let now = Utc.with_ymd_and_hms(2026, 12, 4, 20, 0, 0).unwrap(); // 03:00 on the 5th in Jakarta
/// let start = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap().and_hms_opt(3, 0, 0).unwrap();
/// assert_eq!(window_start(now, &jakarta), start);
/// ```
#[must_use]
pub fn window_start<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> NaiveDateTime {
    now.with_timezone(zone).naive_local() - TimeDelta::days(RECENT_WINDOW_DAYS)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap()
    }

    fn customer(id: i64) -> Activity {
        Activity {
            customer_id: id,
            ..Activity::default()
        }
    }

    fn winner(candidates: &[Activity]) -> (i64, Rule) {
        let ranking = rank(candidates).unwrap();
        (candidates[ranking.winner].customer_id, ranking.decided_by)
    }

    #[test]
    fn no_candidates_no_winner() {
        assert_eq!(rank(&[]), None);
    }

    #[test]
    fn a_single_candidate_wins_without_a_rule() {
        assert_eq!(winner(&[customer(5)]), (5, Rule::OnlyCandidate));
    }

    #[test]
    fn rule_1_any_recent_transaction_beats_none() {
        let recent = Activity {
            recent_transactions: 1,
            last_transaction: Some(at(1)),
            ..customer(1)
        };
        // The other one bought more recently overall? Impossible with 0 recent,
        // but it is newer and has a higher id: rule 1 still decides.
        let older = Activity {
            created_at: Some(at(30)),
            ..customer(2)
        };
        assert_eq!(winner(&[older, recent]), (1, Rule::RecentActivity));
    }

    #[test]
    fn rule_2_more_recent_transactions_win() {
        let a = Activity {
            recent_transactions: 2,
            last_transaction: Some(at(28)),
            created_at: Some(at(20)),
            ..customer(1)
        };
        let b = Activity {
            recent_transactions: 3,
            last_transaction: Some(at(10)),
            created_at: Some(at(2)),
            ..customer(2)
        };
        assert_eq!(winner(&[a, b]), (2, Rule::RecentCount));
    }

    #[test]
    fn rule_3_latest_transaction_wins_when_counts_tie() {
        let a = Activity {
            recent_transactions: 2,
            last_transaction: Some(at(25)),
            ..customer(1)
        };
        let b = Activity {
            recent_transactions: 2,
            last_transaction: Some(at(24)),
            created_at: Some(at(29)),
            ..customer(2)
        };
        assert_eq!(winner(&[a, b]), (1, Rule::LatestTransaction));
    }

    #[test]
    fn rule_3_any_old_transaction_beats_none_at_all() {
        let old_buyer = Activity {
            last_transaction: Some(at(1)),
            ..customer(1)
        };
        let never = Activity {
            created_at: Some(at(30)),
            ..customer(2)
        };
        assert_eq!(winner(&[never, old_buyer]), (1, Rule::LatestTransaction));
    }

    #[test]
    fn rule_4_newest_customer_wins_when_no_one_bought() {
        let a = Activity {
            created_at: Some(at(10)),
            ..customer(9)
        };
        let b = Activity {
            created_at: Some(at(11)),
            ..customer(3)
        };
        assert_eq!(winner(&[a, b]), (3, Rule::NewestCustomer));
    }

    #[test]
    fn rule_4_null_created_at_sorts_last() {
        let dated = Activity {
            created_at: Some(at(1)),
            ..customer(1)
        };
        let undated = customer(2);
        assert_eq!(winner(&[undated, dated]), (1, Rule::NewestCustomer));
    }

    #[test]
    fn rule_5_highest_id_breaks_a_full_tie() {
        let a = Activity {
            recent_transactions: 1,
            last_transaction: Some(at(5)),
            created_at: Some(at(1)),
            ..customer(7)
        };
        let b = Activity {
            customer_id: 8,
            ..a
        };
        let c = Activity {
            customer_id: 6,
            ..a
        };
        assert_eq!(winner(&[a, b, c]), (8, Rule::HighestId));
    }

    #[test]
    fn rule_5_with_no_transactions_and_no_dates() {
        assert_eq!(
            winner(&[customer(2), customer(40), customer(3)]),
            (40, Rule::HighestId)
        );
    }

    #[test]
    fn the_deciding_rule_is_against_the_runner_up_not_the_last() {
        // 1 has recent activity; 2 and 3 have none. 1 beats the runner-up (3,
        // which beats 2 on rule 4) by rule 1.
        let a = Activity {
            recent_transactions: 4,
            last_transaction: Some(at(29)),
            ..customer(1)
        };
        let b = customer(2);
        let c = Activity {
            created_at: Some(at(3)),
            ..customer(3)
        };
        assert_eq!(winner(&[b, c, a]), (1, Rule::RecentActivity));
    }

    #[test]
    fn the_same_customer_twice_is_decided_by_id() {
        let a = Activity {
            recent_transactions: 1,
            ..customer(4)
        };
        assert_eq!(winner(&[a, a]), (4, Rule::HighestId));
    }

    #[test]
    fn the_window_is_thirty_days_of_local_wall_time() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 16, 59, 59).unwrap();
        let expected = NaiveDate::from_ymd_opt(2026, 11, 4)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .unwrap();
        assert_eq!(window_start(now, &chrono_tz::Asia::Jakarta), expected);
        assert_eq!(window_start(now, &Utc), expected - TimeDelta::hours(7));
    }

    fn activity() -> impl Strategy<Value = Activity> {
        let date = proptest::option::of((0u32..5).prop_map(|d| at(d + 1)));
        (0i64..50, 0u64..4, date.clone(), date).prop_map(
            |(customer_id, recent_transactions, last_transaction, created_at)| Activity {
                customer_id,
                recent_transactions,
                last_transaction,
                created_at,
            },
        )
    }

    proptest! {
        #[test]
        fn the_winner_does_not_depend_on_input_order(
            (candidates, shuffled) in proptest::collection::vec(activity(), 1..12)
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
        ) {
            let first = rank(&candidates).unwrap();
            let second = rank(&shuffled).unwrap();
            prop_assert_eq!(candidates[first.winner], shuffled[second.winner]);
            prop_assert_eq!(first.decided_by, second.decided_by);
        }

        #[test]
        fn no_candidate_beats_the_winner(candidates in proptest::collection::vec(activity(), 1..12)) {
            let ranking = rank(&candidates).unwrap();
            let best = &candidates[ranking.winner];
            for other in &candidates {
                prop_assert_ne!(compare(other, best), Ordering::Greater);
            }
        }

        #[test]
        fn compare_is_antisymmetric(a in activity(), b in activity()) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
        }
    }
}
