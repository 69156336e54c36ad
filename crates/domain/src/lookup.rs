//! The lookup use case: candidates → rank → the winner, or not found.
//!
//! Generic over the [`CustomerDirectory`], so the rule runs the same on every
//! database engine and is tested without one.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::{
    Activity, ActivityScope, AsyncCustomerDirectory, Candidate, CandidateQuery, Customer,
    CustomerDirectory, DirectoryError, PhoneNumber, Rule, priority,
};

/// The customer a number resolved to, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The winning customer.
    pub customer: Customer,
    /// The rule that told it apart from the runner-up.
    pub decided_by: Rule,
    /// How many customers matched the number.
    pub candidates: usize,
}

/// Every candidate of a lookup, best first, for support staff who must say
/// why a number resolved to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Transactions at or after this local time counted as recent.
    pub window_start: NaiveDateTime,
    /// The candidates with their figures, the winner first.
    pub ranked: Vec<(Customer, Activity)>,
    /// The rule that decided; `None` when nothing matched.
    pub decided_by: Option<Rule>,
}

/// Looks a normalized number up: the customer the published priority picks,
/// or `None` when no allowed customer holds the number.
///
/// ```
/// use chrono::{FixedOffset, Utc};
/// use klikorder_domain::{find_customer, Candidate, CandidateQuery, Customer,
///     CustomerDirectory, DirectoryError, PhoneNumber};
///
/// /// A directory over a fixed list, as another service's test might write.
/// struct OneCustomer;
/// impl CustomerDirectory for OneCustomer {
///     fn find_candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, DirectoryError> {
///         let customer = Customer { id: 4832, kode: "PEL-1".into(), nama: "Winda".into(),
///                                   no_hp: Some("081521979154".into()), ..Customer::default() };
///         let holds = query.phone.stored_spellings().iter().any(|s| customer.no_hp.as_deref() == Some(s));
///         Ok(if holds { vec![Candidate { customer, activity: None }] } else { vec![] })
///     }
///     fn ping(&self) -> Result<(), DirectoryError> { Ok(()) }
/// }
///
/// let jakarta = FixedOffset::east_opt(7 * 3600).unwrap();
/// let phone = PhoneNumber::parse("+6281521979154").unwrap();
/// let found = find_customer(&OneCustomer, &phone, Utc::now(), &jakarta).unwrap().unwrap();
/// assert_eq!(found.customer.id, 4832);
///
/// let other = PhoneNumber::parse("08123456789").unwrap();
/// assert!(find_customer(&OneCustomer, &other, Utc::now(), &jakarta).unwrap().is_none());
/// ```
///
/// # Errors
///
/// What the directory returns, and [`DirectoryError::Contract`] when it
/// returns several candidates without their activity figures.
pub fn find_customer<D, Tz>(
    directory: &D,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<Option<Found>, DirectoryError>
where
    D: CustomerDirectory + ?Sized,
    Tz: TimeZone,
{
    let query = lookup_query(phone, now, zone);
    choose(directory.find_candidates(&query)?)
}

/// [`find_customer`] over an [`AsyncCustomerDirectory`]: the same query and
/// the same choice, awaiting the directory instead of blocking on it.
///
/// ```
/// use chrono::{FixedOffset, Utc};
/// use klikorder_domain::{find_customer_async, AsyncCustomerDirectory, Candidate,
///     CandidateQuery, Customer, DirectoryError, PhoneNumber, PortFuture};
///
/// struct OneCustomer;
/// impl AsyncCustomerDirectory for OneCustomer {
///     fn find_candidates(&self, query: CandidateQuery)
///         -> PortFuture<Result<Vec<Candidate>, DirectoryError>> {
///         let customer = Customer { id: 4832, kode: "PEL-1".into(), nama: "Winda".into(),
///                                   no_hp: Some("081521979154".into()), ..Customer::default() };
///         let holds = query.phone.is_stored_as(customer.no_hp.as_deref().unwrap());
///         Box::pin(async move {
///             Ok(if holds { vec![Candidate { customer, activity: None }] } else { vec![] })
///         })
///     }
///     fn ping(&self) -> PortFuture<Result<(), DirectoryError>> { Box::pin(async { Ok(()) }) }
/// }
///
/// let jakarta = FixedOffset::east_opt(7 * 3600).unwrap();
/// let phone = PhoneNumber::parse("+6281521979154").unwrap();
/// let lookup = find_customer_async(&OneCustomer, &phone, Utc::now(), &jakarta);
/// // Any executor drives it; this one polls it in place.
/// let found = futures_lite_block_on(lookup).unwrap().unwrap();
/// assert_eq!(found.customer.id, 4832);
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = f.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// ```
///
/// # Errors
///
/// As [`find_customer`].
pub async fn find_customer_async<D, Tz>(
    directory: &D,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<Option<Found>, DirectoryError>
where
    D: AsyncCustomerDirectory + ?Sized,
    Tz: TimeZone,
{
    let query = lookup_query(phone, now, zone);
    choose(directory.find_candidates(query).await?)
}

/// The directory query of a lookup of `phone` at `now`: figures only when
/// several customers hold the number.
fn lookup_query<Tz: TimeZone>(
    phone: &PhoneNumber,
    now: DateTime<Utc>,
    zone: &Tz,
) -> CandidateQuery {
    CandidateQuery {
        phone: phone.clone(),
        window_start: priority::window_start(now, zone),
        activity: ActivityScope::WhenSeveral,
    }
}

/// The published priority over a lookup's candidates.
fn choose(mut candidates: Vec<Candidate>) -> Result<Option<Found>, DirectoryError> {
    let candidate_count = candidates.len();
    if candidate_count <= 1 {
        return Ok(candidates.pop().map(|only| Found {
            customer: only.customer,
            decided_by: Rule::OnlyCandidate,
            candidates: 1,
        }));
    }
    let figures = activities(&candidates)?;
    let Some(ranking) = priority::rank(&figures) else {
        return Ok(None);
    };
    let winner = candidates.swap_remove(ranking.winner);
    Ok(Some(Found {
        customer: winner.customer,
        decided_by: ranking.decided_by,
        candidates: candidate_count,
    }))
}

/// Like [`find_customer`], but keeps every candidate with its figures, best
/// first, so a person can see why the winner won.
///
/// # Errors
///
/// As [`find_customer`].
pub fn explain_lookup<D, Tz>(
    directory: &D,
    phone: &PhoneNumber,
    now: DateTime<Utc>,
    zone: &Tz,
) -> Result<Explanation, DirectoryError>
where
    D: CustomerDirectory + ?Sized,
    Tz: TimeZone,
{
    let window_start = priority::window_start(now, zone);
    let candidates = directory.find_candidates(&CandidateQuery {
        phone: phone.clone(),
        window_start,
        activity: ActivityScope::Always,
    })?;
    let figures = activities(&candidates)?;
    let decided_by = priority::rank(&figures).map(|ranking| ranking.decided_by);
    let mut ranked: Vec<(Customer, Activity)> = candidates
        .into_iter()
        .map(|candidate| candidate.customer)
        .zip(figures)
        .collect();
    ranked.sort_by(|(_, a), (_, b)| priority::compare(b, a));
    Ok(Explanation {
        window_start,
        ranked,
        decided_by,
    })
}

fn activities(candidates: &[Candidate]) -> Result<Vec<Activity>, DirectoryError> {
    candidates
        .iter()
        .map(|candidate| {
            let activity = candidate.activity.ok_or(DirectoryError::Contract(
                "candidates to rank came without their activity figures",
            ))?;
            Ok(Activity {
                customer_id: candidate.customer.id,
                recent_transactions: activity.recent_transactions,
                last_transaction: activity.last_transaction,
                created_at: candidate.customer.created_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeDelta};

    use super::*;
    use crate::{MockCustomerDirectory, TransactionActivity};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-04T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn jakarta() -> chrono_tz::Tz {
        chrono_tz::Asia::Jakarta
    }

    fn candidate(id: i64, activity: Option<(u64, Option<NaiveDateTime>)>) -> Candidate {
        Candidate {
            customer: Customer {
                id,
                kode: format!("PEL-{id}"),
                nama: format!("Customer {id}"),
                ..Customer::default()
            },
            activity: activity.map(
                |(recent_transactions, last_transaction)| TransactionActivity {
                    recent_transactions,
                    last_transaction,
                },
            ),
        }
    }

    fn phone() -> PhoneNumber {
        PhoneNumber::parse("08123456789").unwrap()
    }

    /// The 30-day window's start for [`now`] in Jakarta, as stored (local
    /// time).
    fn window_start_of_now() -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 5)
            .and_then(|d| d.and_hms_opt(3, 0, 0))
            .unwrap()
    }

    #[test]
    fn asks_the_directory_for_the_number_and_the_local_window() {
        let mut directory = MockCustomerDirectory::new();
        let expected_start = window_start_of_now();
        directory
            .expect_find_candidates()
            .withf(move |query| {
                query.phone.as_e164() == "+628123456789"
                    && query.window_start == expected_start
                    && query.activity == ActivityScope::WhenSeveral
            })
            .times(1)
            .returning(|_| Ok(vec![]));
        assert_eq!(
            find_customer(&directory, &phone(), now(), &jakarta()).unwrap(),
            None
        );
    }

    /// Polls a future that never waits (the mocks answer at once).
    fn ready<F: std::future::Future>(future: F) -> F::Output {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(future).poll(&mut cx) {
            std::task::Poll::Ready(output) => output,
            std::task::Poll::Pending => panic!("the future waited"),
        }
    }

    #[test]
    fn the_async_lookup_asks_and_chooses_as_the_blocking_one() {
        let several = vec![
            candidate(1, Some((2, None))),
            candidate(2, Some((9, None))),
            candidate(3, Some((0, None))),
        ];
        let mut blocking = MockCustomerDirectory::new();
        let answer = several.clone();
        blocking
            .expect_find_candidates()
            .times(1)
            .returning(move |_| Ok(answer.clone()));
        let mut asynchronous = crate::MockAsyncCustomerDirectory::new();
        let expected_start = window_start_of_now();
        asynchronous
            .expect_find_candidates()
            .withf(move |query| {
                query.phone.as_e164() == "+628123456789"
                    && query.window_start == expected_start
                    && query.activity == ActivityScope::WhenSeveral
            })
            .times(1)
            .returning(move |_| {
                let answer = several.clone();
                Box::pin(async move { Ok(answer) })
            });
        let expected = find_customer(&blocking, &phone(), now(), &jakarta()).unwrap();
        let found = ready(find_customer_async(
            &asynchronous,
            &phone(),
            now(),
            &jakarta(),
        ))
        .unwrap();
        assert_eq!(found, expected);
        assert_eq!(found.map(|found| found.customer.id), Some(2));
    }

    #[test]
    fn a_single_candidate_needs_no_activity() {
        let mut directory = MockCustomerDirectory::new();
        directory
            .expect_find_candidates()
            .returning(|_| Ok(vec![candidate(7, None)]));
        let found = find_customer(&directory, &phone(), now(), &jakarta())
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.customer.id, found.decided_by, found.candidates),
            (7, Rule::OnlyCandidate, 1)
        );
    }

    #[test]
    fn several_candidates_are_ranked_by_the_rule() {
        let mut directory = MockCustomerDirectory::new();
        let last = now().naive_utc() - TimeDelta::days(40);
        directory.expect_find_candidates().returning(move |_| {
            Ok(vec![
                candidate(1, Some((0, Some(last)))),
                candidate(2, Some((2, Some(last + TimeDelta::days(20))))),
                candidate(3, Some((0, None))),
            ])
        });
        let found = find_customer(&directory, &phone(), now(), &jakarta())
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.customer.id, found.decided_by, found.candidates),
            (2, Rule::RecentActivity, 3)
        );
    }

    #[test]
    fn several_candidates_without_figures_break_the_contract() {
        let mut directory = MockCustomerDirectory::new();
        directory
            .expect_find_candidates()
            .returning(|_| Ok(vec![candidate(1, None), candidate(2, None)]));
        let error = find_customer(&directory, &phone(), now(), &jakarta()).unwrap_err();
        assert!(matches!(error, DirectoryError::Contract(_)), "{error:?}");
    }

    #[test]
    fn directory_errors_pass_through() {
        let mut directory = MockCustomerDirectory::new();
        directory
            .expect_find_candidates()
            .returning(|_| Err(DirectoryError::Unavailable("pool timed out".into())));
        let error = find_customer(&directory, &phone(), now(), &jakarta()).unwrap_err();
        assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
    }

    #[test]
    fn explain_lists_every_candidate_best_first() {
        let mut directory = MockCustomerDirectory::new();
        directory
            .expect_find_candidates()
            .withf(|query| query.activity == ActivityScope::Always)
            .returning(|_| {
                Ok(vec![
                    candidate(1, Some((0, None))),
                    candidate(2, Some((5, None))),
                    candidate(3, Some((1, None))),
                ])
            });
        let explanation = explain_lookup(&directory, &phone(), now(), &jakarta()).unwrap();
        let order: Vec<i64> = explanation.ranked.iter().map(|(c, _)| c.id).collect();
        assert_eq!(order, [2, 3, 1]);
        assert_eq!(explanation.decided_by, Some(Rule::RecentCount));
    }
}
