//! Rate limits of the lookup: per authenticated client, and failed
//! authentications per source address.
//!
//! Two keyed GCRA limiters from `governor` do the counting:
//!
//! * **Failed authentications per source address** ([`RateLimitSettings::auth_failures`]),
//!   so that guessing keys is slow. Checked *before* authentication: an
//!   address that went over its budget gets 429 for every lookup, even
//!   with the right credentials, until a cell of its budget is back. Only
//!   attempts that present both headers and are refused count; a request
//!   without credentials guesses nothing.
//! * **Requests per authenticated client** ([`RateLimitSettings::per_client`]),
//!   checked right *after* a successful authentication, so nobody without
//!   the key can spend a partner's budget.
//!
//! The source address is the TCP peer, or, when the peer is one of the
//! [`TrustedProxies`], the last address in `X-Forwarded-For` that is not a
//! trusted proxy (read right to left: each proxy appends what it saw).
//! IPv6 addresses count per /64, the block one subscriber usually gets.
//!
//! Memory stays bounded: every [`HOUSEKEEPING_EVERY`], the request that
//! notices drops the keys whose budget is full again (`retain_recent`) and
//! shrinks the maps; at most [`MAX_TRACKED_ADDRESSES`] addresses are
//! tracked (past that, new failures are not counted until housekeeping
//! frees room, and a warning is logged: a fail-open chosen so that a flood
//! from very many addresses costs memory for at most that many).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap, HeaderName};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

/// How often the limiters forget the keys whose budget is full again.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(30);

/// The most source addresses whose failed authentications are counted at
/// once.
pub const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// The header a reverse proxy appends the client's address to.
const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// A rate: a burst of requests at once, then one more every interval.
///
/// Built from the settings' "N per second / minute, burst B" form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    quota: Quota,
}

impl RateLimit {
    /// `rate` per second, with bursts of up to `burst`.
    #[must_use]
    pub fn per_second(rate: NonZeroU32, burst: NonZeroU32) -> Self {
        Self {
            quota: Quota::per_second(rate).allow_burst(burst),
        }
    }

    /// `rate` per minute, with bursts of up to `burst`.
    #[must_use]
    pub fn per_minute(rate: NonZeroU32, burst: NonZeroU32) -> Self {
        Self {
            quota: Quota::per_minute(rate).allow_burst(burst),
        }
    }

    /// One request every `interval` (which must not be zero), with bursts
    /// of up to `burst`: for rates slower than one a minute (tests use one
    /// an hour, so nothing recovers by itself while they run).
    #[must_use]
    pub fn one_every(interval: Duration, burst: NonZeroU32) -> Option<Self> {
        Quota::with_period(interval).map(|quota| Self {
            quota: quota.allow_burst(burst),
        })
    }

    /// The largest burst.
    #[must_use]
    pub fn burst(&self) -> NonZeroU32 {
        self.quota.burst_size()
    }

    /// The time it takes to earn one more request.
    #[must_use]
    pub fn interval(&self) -> Duration {
        self.quota.replenish_interval()
    }
}

/// The addresses of the reverse proxies whose `X-Forwarded-For` is
/// believed: single addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No proxy is trusted: the peer address is the source.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether `address` is a trusted proxy.
    #[must_use]
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// Whether no proxy is trusted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = TrustedProxyError;

    /// A comma-separated list of IP addresses and CIDR ranges, e.g.
    /// `10.0.0.5, 192.168.0.0/16, ::1`; empty entries are skipped.
    fn from_str(list: &str) -> Result<Self, Self::Err> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| TrustedProxyError {
                        entry: entry.to_owned(),
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// An entry of a trusted proxy list that is neither an address nor a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{entry:?} is neither an IP address nor a CIDR range such as 10.0.0.0/8")]
pub struct TrustedProxyError {
    /// The entry, as given.
    pub entry: String,
}

/// Which limits apply; [`Default`] is none at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Lookups per authenticated client; `None`: unlimited.
    pub per_client: Option<RateLimit>,
    /// Refused authentications per source address; `None`: unlimited.
    pub auth_failures: Option<RateLimit>,
    /// Peers whose `X-Forwarded-For` names the source address.
    pub trusted_proxies: TrustedProxies,
}

/// The clock the limiters count with: monotonic time since the limiters
/// were built. Tests [`advance`](Self::advance) it instead of sleeping.
#[derive(Debug, Clone)]
pub struct RateLimitClock {
    origin: Instant,
    /// Added to the real elapsed time, in nanoseconds.
    offset: Arc<AtomicU64>,
}

impl RateLimitClock {
    /// A clock that starts now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            offset: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Moves this clock (and every clone of it) forward by `by`, as if that
    /// much time had passed.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset.fetch_add(nanos, Ordering::Relaxed);
    }

    fn elapsed(&self) -> Duration {
        self.origin
            .elapsed()
            .saturating_add(Duration::from_nanos(self.offset.load(Ordering::Relaxed)))
    }
}

impl Default for RateLimitClock {
    fn default() -> Self {
        Self::new()
    }
}

impl governor::clock::Clock for RateLimitClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.elapsed()
    }
}

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, RateLimitClock, NoOpMiddleware<Duration>>;

/// The limiters of one server, shared by its workers (cheap to clone).
/// [`Default`] limits nothing.
#[derive(Clone, Default)]
pub struct RateLimits {
    inner: Option<Arc<Limiters>>,
}

struct Limiters {
    settings: RateLimitSettings,
    clock: RateLimitClock,
    per_client: Option<Keyed<Arc<str>>>,
    auth_failures: Option<Keyed<IpAddr>>,
    /// Source addresses over their failure budget, and until when.
    blocked: RwLock<HashMap<IpAddr, Duration>>,
    /// When housekeeping is due next, in nanoseconds of the clock.
    next_housekeeping: AtomicU64,
    /// When the "too many addresses" warning may be logged again.
    next_full_warning: AtomicU64,
}

impl RateLimits {
    /// Limiters for `settings`, counting with a clock that starts now.
    #[must_use]
    pub fn new(settings: RateLimitSettings) -> Self {
        Self::with_clock(settings, RateLimitClock::new())
    }

    /// Limiters counting with `clock` (tests advance it).
    #[must_use]
    pub fn with_clock(settings: RateLimitSettings, clock: RateLimitClock) -> Self {
        if settings.per_client.is_none() && settings.auth_failures.is_none() {
            return Self::default();
        }
        let first_housekeeping = nanos(clock.elapsed().saturating_add(HOUSEKEEPING_EVERY));
        Self {
            inner: Some(Arc::new(Limiters {
                per_client: keyed(settings.per_client, &clock),
                auth_failures: keyed(settings.auth_failures, &clock),
                settings,
                clock,
                blocked: RwLock::new(HashMap::new()),
                next_housekeeping: AtomicU64::new(first_housekeeping),
                next_full_warning: AtomicU64::new(0),
            })),
        }
    }

    /// The settings these limiters enforce.
    #[must_use]
    pub fn settings(&self) -> RateLimitSettings {
        self.inner
            .as_ref()
            .map(|inner| inner.settings.clone())
            .unwrap_or_default()
    }

    /// The source address of `req` for the failure limit; `None` when that
    /// limit is off (nothing to key).
    pub(crate) fn source_of(&self, req: &HttpRequest) -> Option<IpAddr> {
        let inner = self.inner.as_ref()?;
        inner.auth_failures.as_ref()?;
        Some(source_address(
            req.peer_addr().map(|peer| peer.ip()),
            req.headers(),
            &inner.settings.trusted_proxies,
        ))
    }

    /// `Err(wait)` while `source` is over its failure budget.
    pub(crate) fn check_source(&self, source: Option<IpAddr>) -> Result<(), Duration> {
        let (Some(inner), Some(source)) = (self.inner.as_ref(), source) else {
            return Ok(());
        };
        let now = inner.housekeep_if_due();
        let blocked = inner.blocked.read().unwrap_or_else(PoisonError::into_inner);
        match blocked.get(&source) {
            Some(until) if *until > now => Err(*until - now),
            _ => Ok(()),
        }
    }

    /// Counts a refused authentication from `source`; `Err(wait)` when it
    /// takes the address over its budget (it is then refused until `wait`
    /// has passed).
    pub(crate) fn count_failure(&self, source: Option<IpAddr>) -> Result<(), Duration> {
        let (Some(inner), Some(source)) = (self.inner.as_ref(), source) else {
            return Ok(());
        };
        let Some(limiter) = inner.auth_failures.as_ref() else {
            return Ok(());
        };
        if limiter.len() >= MAX_TRACKED_ADDRESSES && !inner.make_room(limiter) {
            return Ok(());
        }
        limiter.check_key(&source).map_err(|not_until| {
            let now = inner.clock.elapsed();
            let wait = not_until.wait_time_from(now);
            inner
                .blocked
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(source, now.saturating_add(wait));
            wait
        })
    }

    /// Counts a lookup by `client`; `Err(wait)` when it is over its budget.
    pub(crate) fn check_client(&self, client: &Arc<str>) -> Result<(), Duration> {
        let Some(inner) = self.inner.as_ref() else {
            return Ok(());
        };
        let Some(limiter) = inner.per_client.as_ref() else {
            return Ok(());
        };
        let now = inner.housekeep_if_due();
        limiter
            .check_key(client)
            .map_err(|not_until| not_until.wait_time_from(now))
    }
}

impl Limiters {
    /// Forgets what no longer matters, when it is time to; returns the
    /// clock's time.
    fn housekeep_if_due(&self) -> Duration {
        let now = self.clock.elapsed();
        let due = self.next_housekeeping.load(Ordering::Relaxed);
        if nanos(now) >= due
            && self
                .next_housekeeping
                .compare_exchange(
                    due,
                    nanos(now.saturating_add(HOUSEKEEPING_EVERY)),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            self.housekeep(now);
        }
        now
    }

    fn housekeep(&self, now: Duration) {
        if let Some(limiter) = &self.per_client {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.auth_failures {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let mut blocked = self.blocked.write().unwrap_or_else(PoisonError::into_inner);
        blocked.retain(|_, until| *until > now);
        blocked.shrink_to_fit();
    }

    /// With the address map full: housekeeps now (at most once a second)
    /// and says whether there is room again.
    fn make_room(&self, limiter: &Keyed<IpAddr>) -> bool {
        let now = self.clock.elapsed();
        let due = self.next_housekeeping.load(Ordering::Relaxed);
        let soon = nanos(now.saturating_add(Duration::from_secs(1)));
        if due > soon
            && self
                .next_housekeeping
                .compare_exchange(due, soon, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.housekeep(now);
        }
        if limiter.len() < MAX_TRACKED_ADDRESSES {
            return true;
        }
        let warn_at = self.next_full_warning.load(Ordering::Relaxed);
        if nanos(now) >= warn_at
            && self
                .next_full_warning
                .compare_exchange(
                    warn_at,
                    nanos(now.saturating_add(HOUSEKEEPING_EVERY)),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            log::warn!(
                "failed authentications come from over {MAX_TRACKED_ADDRESSES} addresses; \
                 new ones are not counted until older ones recover"
            );
        }
        false
    }
}

impl fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimits")
            .field("settings", &self.settings())
            .finish_non_exhaustive()
    }
}

/// A keyed limiter for `limit`, if there is one.
fn keyed<K: Hash + Eq + Clone>(
    limit: Option<RateLimit>,
    clock: &RateLimitClock,
) -> Option<Keyed<K>> {
    limit.map(|limit| RateLimiter::dashmap_with_clock(limit.quota, clock.clone()))
}

fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// The address failures are counted for: the peer, or the client a
/// trusted proxy names; IPv6 per /64, IPv4-mapped IPv6 as IPv4.
fn source_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    // No peer (a Unix socket, a test request): one shared key.
    let mut source = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), canonical);
    if trusted.contains(source) {
        let mut hops = Vec::new();
        for value in headers.get_all(FORWARDED_FOR) {
            let Ok(value) = value.to_str() else {
                // Unreadable: believe nothing past the proxy.
                hops.clear();
                break;
            };
            hops.extend(value.split(','));
        }
        for hop in hops.into_iter().rev() {
            let Some(address) = forwarded_address(hop) else {
                break;
            };
            source = address;
            if !trusted.contains(address) {
                break;
            }
        }
    }
    key_of(source)
}

/// An `X-Forwarded-For` entry: an address, possibly with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`).
fn forwarded_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
                .map(IpAddr::V6)
        })
        .map(canonical)
}

/// IPv4-mapped IPv6 addresses as the IPv4 address they are.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The limiter key: IPv4 as is, IPv6 cut to its /64.
fn key_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn one(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn proxy_lists_take_addresses_and_ranges() {
        let proxies: TrustedProxies = " 10.0.0.5, 192.168.0.0/16,,::1 ".parse().unwrap();
        assert!(proxies.contains(ip("10.0.0.5")));
        assert!(!proxies.contains(ip("10.0.0.6")));
        assert!(proxies.contains(ip("192.168.77.1")));
        assert!(proxies.contains(ip("::1")));
        assert!(proxies.contains(ip("::ffff:10.0.0.5")));
        assert!("".parse::<TrustedProxies>().unwrap().is_empty());
        let error = "10.0.0.1, proxy.internal".parse::<TrustedProxies>();
        assert_eq!(
            error.unwrap_err().to_string(),
            r#""proxy.internal" is neither an IP address nor a CIDR range such as 10.0.0.0/8"#
        );
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
    }

    #[test]
    fn the_peer_is_the_source_unless_it_is_a_trusted_proxy() {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            source_address(Some(ip("198.51.100.1")), &headers, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(
            source_address(Some(ip("10.1.2.3")), &headers, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            source_address(Some(ip("10.1.2.3")), &headers, &TrustedProxies::none()),
            ip("10.1.2.3")
        );
        assert_eq!(
            source_address(None, &headers, &trusted),
            ip("0.0.0.0"),
            "no peer, one shared key"
        );
    }

    #[test]
    fn forwarded_for_is_read_right_to_left_past_trusted_hops() {
        let trusted: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let peer = Some(ip("10.0.0.1"));
        // A client may write anything on the left; only the hops our
        // proxies appended count.
        let cases = [
            (&["1.1.1.1, 203.0.113.9"][..], "203.0.113.9"),
            (&["1.1.1.1", "203.0.113.9, 10.0.0.2"][..], "203.0.113.9"),
            (&["203.0.113.9:5555"][..], "203.0.113.9"),
            (&["[2001:db8::1]:443"][..], "2001:db8::"),
            (&["[2001:db8::1]"][..], "2001:db8::"),
            (&["garbage, 203.0.113.9"][..], "203.0.113.9"),
            (&["203.0.113.9, garbage"][..], "10.0.0.1"),
            (&["10.0.0.3, 10.0.0.2"][..], "10.0.0.3"),
            (&[""][..], "10.0.0.1"),
            (&[][..], "10.0.0.1"),
        ];
        for (values, expected) in cases {
            assert_eq!(
                source_address(peer, &forwarded(values), &trusted),
                ip(expected),
                "{values:?}"
            );
        }
    }

    #[test]
    fn ipv6_sources_count_per_64() {
        assert_eq!(
            key_of(ip("2001:db8:1:2:3:4:5:6")),
            ip("2001:db8:1:2::"),
            "one subscriber's /64"
        );
        assert_eq!(key_of(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(canonical(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }

    #[test]
    fn an_address_over_its_failure_budget_is_refused_until_it_recovers() {
        let clock = RateLimitClock::new();
        let limits = RateLimits::with_clock(
            RateLimitSettings {
                auth_failures: RateLimit::one_every(Duration::from_secs(60), one(2)),
                ..RateLimitSettings::default()
            },
            clock.clone(),
        );
        let source = Some(ip("203.0.113.9"));
        let other = Some(ip("203.0.113.10"));
        assert_eq!(limits.count_failure(source), Ok(()));
        assert_eq!(limits.count_failure(source), Ok(()));
        assert_eq!(limits.check_source(source), Ok(()));
        let wait = limits.count_failure(source).unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(limits.check_source(source).is_err());
        assert_eq!(limits.check_source(other), Ok(()));
        clock.advance(Duration::from_secs(61));
        assert_eq!(limits.check_source(source), Ok(()));
        assert_eq!(limits.count_failure(source), Ok(()), "one more guess");
        assert!(limits.count_failure(source).is_err(), "and no more");
    }

    #[test]
    fn clients_have_their_own_budgets() {
        let clock = RateLimitClock::new();
        let limits = RateLimits::with_clock(
            RateLimitSettings {
                per_client: RateLimit::one_every(Duration::from_secs(3600), one(1)),
                ..RateLimitSettings::default()
            },
            clock.clone(),
        );
        let a: Arc<str> = Arc::from("A");
        let b: Arc<str> = Arc::from("B");
        assert_eq!(limits.check_client(&a), Ok(()));
        assert!(limits.check_client(&a).is_err());
        assert_eq!(limits.check_client(&b), Ok(()));
        clock.advance(Duration::from_secs(3600));
        assert_eq!(limits.check_client(&a), Ok(()));
        // The failure limit is off: nothing to key, nothing refused.
        assert_eq!(limits.count_failure(Some(ip("203.0.113.9"))), Ok(()));
    }

    #[test]
    fn housekeeping_forgets_recovered_keys() {
        let clock = RateLimitClock::new();
        let limits = RateLimits::with_clock(
            RateLimitSettings {
                per_client: Some(RateLimit::per_second(one(10), one(1))),
                auth_failures: Some(RateLimit::per_minute(one(30), one(1))),
                ..RateLimitSettings::default()
            },
            clock.clone(),
        );
        for n in 0..50_u8 {
            let _ = limits.count_failure(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))));
            let _ = limits.count_failure(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))));
        }
        let _ = limits.check_client(&Arc::from("A"));
        let inner = limits.inner.as_ref().unwrap();
        assert_eq!(inner.auth_failures.as_ref().unwrap().len(), 50);
        assert_eq!(inner.blocked.read().unwrap().len(), 50);
        clock.advance(HOUSEKEEPING_EVERY + Duration::from_secs(1));
        assert_eq!(limits.check_client(&Arc::from("A")), Ok(()));
        assert_eq!(inner.auth_failures.as_ref().unwrap().len(), 0);
        assert_eq!(inner.blocked.read().unwrap().len(), 0);
    }

    #[test]
    fn no_settings_no_limiters() {
        let limits = RateLimits::new(RateLimitSettings::default());
        assert!(limits.inner.is_none());
        for _ in 0..100 {
            assert_eq!(limits.check_client(&Arc::from("A")), Ok(()));
            assert_eq!(limits.count_failure(Some(ip("203.0.113.9"))), Ok(()));
        }
    }

    #[test]
    fn rates_read_back() {
        let limit = RateLimit::per_second(one(50), one(100));
        assert_eq!(limit.burst().get(), 100);
        assert_eq!(limit.interval(), Duration::from_millis(20));
        assert_eq!(
            RateLimit::per_minute(one(30), one(30)).interval(),
            Duration::from_secs(2)
        );
        assert!(RateLimit::one_every(Duration::ZERO, one(1)).is_none());
    }
}
