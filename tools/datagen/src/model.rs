//! The synthetic data set: depots, customers (with shared numbers), the
//! transaction history and the lookup inputs. Everything is a function of
//! the seed, the sizes and the end date.

use anyhow::{Result, bail};
use chrono::{Datelike as _, NaiveDate, NaiveDateTime, TimeDelta, Timelike as _};
use klikorder_persistence::customers::NewCustomer;
use klikorder_persistence::depos::NewDepo;

use crate::phones::{MAX_INDEX, NumberSpace, Stored, typed};
use crate::rng::Rng;

/// How many depots.
pub const DEPOS: i64 = 100;
/// The history covers this many days before the end date.
pub const HISTORY_DAYS: i64 = 730;

/// Independent random streams, one per phase.
mod stream {
    pub const PHONES: u64 = 1;
    pub const CUSTOMERS: u64 = 2;
    pub const ACTIVITY: u64 = 3;
    pub const TRANSACTIONS: u64 = 4;
    pub const LOOKUPS: u64 = 5;
    pub const DEPOS: u64 = 6;
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// The seed.
    pub seed: u64,
    /// Customers.
    pub customers: u64,
    /// Transactions.
    pub transactions: u64,
    /// The last moment of the history (local time).
    pub end: NaiveDateTime,
}

impl Sizes {
    /// The first moment of the history.
    pub fn start(&self) -> NaiveDateTime {
        self.end - TimeDelta::days(HISTORY_DAYS)
    }
}

/// The numbers one customer holds: national numbers and stored spellings.
#[derive(Debug, Clone, Copy)]
pub struct Holding {
    no_hp: u64,
    no_hp_form: Stored,
    goovi: Option<(u64, Stored)>,
}

/// Who holds which number.
#[derive(Debug)]
pub struct PhoneBook {
    /// Per customer (index = id − 1).
    pub holdings: Vec<Holding>,
    /// Every distinct number some customer holds.
    pub present: Vec<u64>,
    /// The numbers held by 2–4 customers.
    pub shared: Vec<u64>,
    /// The next unused number index (absent numbers start here).
    next_index: u64,
    space: NumberSpace,
}

/// Summary figures, printed at the end.
#[derive(Debug, Default, Clone)]
pub struct PhoneStats {
    /// Distinct numbers held.
    pub distinct: usize,
    /// Numbers held by several customers.
    pub shared: usize,
    /// Customers with a `no_hp_goovi`.
    pub with_goovi: usize,
    /// Customers that share a number only through `no_hp_goovi`.
    pub shared_via_goovi: usize,
}

impl PhoneBook {
    /// Assigns numbers: ~5 % of the numbers are held by 2–4 customers (in
    /// `no_hp` with another spelling, or only in `no_hp_goovi`), ~10 % of
    /// the customers have a `no_hp_goovi`; then the holdings are shuffled
    /// so that sharers are not neighbours.
    pub fn assign(sizes: &Sizes) -> Result<(Self, PhoneStats)> {
        let customers = usize::try_from(sizes.customers)?;
        let mut rng = Rng::new(sizes.seed, stream::PHONES);
        let space = NumberSpace::new(sizes.seed);
        let mut next_index = 0_u64;
        let mut fresh = |present: &mut Vec<u64>| {
            let national = space.national(next_index);
            next_index += 1;
            present.push(national);
            national
        };
        let mut holdings = Vec::with_capacity(customers);
        let mut present = Vec::with_capacity(customers + customers / 8);
        let mut shared = Vec::new();
        let mut stats = PhoneStats::default();
        while holdings.len() < customers {
            let left = customers - holdings.len();
            if left >= 2 && rng.chance(0.05) {
                let group = (*rng.weighted(&[(2_usize, 60), (3, 25), (4, 15)])).min(left);
                let number = fresh(&mut present);
                shared.push(number);
                let first = Stored::random(&mut rng);
                holdings.push(Holding {
                    no_hp: number,
                    no_hp_form: first,
                    goovi: None,
                });
                for _ in 1..group {
                    if rng.chance(0.7) {
                        holdings.push(Holding {
                            no_hp: number,
                            no_hp_form: first.other(&mut rng),
                            goovi: None,
                        });
                    } else {
                        stats.shared_via_goovi += 1;
                        holdings.push(Holding {
                            no_hp: fresh(&mut present),
                            no_hp_form: Stored::random(&mut rng),
                            goovi: Some((number, Stored::random(&mut rng))),
                        });
                    }
                }
            } else {
                let no_hp = fresh(&mut present);
                let no_hp_form = Stored::random(&mut rng);
                // GoOvi numbers: half the same number in another spelling,
                // half a second number of their own.
                let goovi = rng.chance(0.085).then(|| {
                    if rng.chance(0.5) {
                        (no_hp, no_hp_form.other(&mut rng))
                    } else {
                        (fresh(&mut present), Stored::random(&mut rng))
                    }
                });
                holdings.push(Holding {
                    no_hp,
                    no_hp_form,
                    goovi,
                });
            }
        }
        rng.shuffle(&mut holdings);
        stats.distinct = present.len();
        stats.shared = shared.len();
        stats.with_goovi = holdings.iter().filter(|h| h.goovi.is_some()).count();
        if next_index * 11 / 10 + 1_000_000 > MAX_INDEX {
            bail!(
                "too many customers for the number space ({} numbers; at most about 8 million customers)",
                next_index
            );
        }
        Ok((
            Self {
                holdings,
                present,
                shared,
                next_index,
                space,
            },
            stats,
        ))
    }
}

/// Depot cities: (kode prefix, city, province, latitude, longitude).
const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("JKT", "Jakarta Selatan", "DKI Jakarta", -6.2615, 106.8106),
    ("JKU", "Jakarta Utara", "DKI Jakarta", -6.1384, 106.8636),
    ("BDG", "Bandung", "Jawa Barat", -6.9175, 107.6191),
    ("BKS", "Bekasi", "Jawa Barat", -6.2383, 106.9756),
    ("BGR", "Bogor", "Jawa Barat", -6.5971, 106.8060),
    ("SMG", "Semarang", "Jawa Tengah", -6.9667, 110.4167),
    ("SLO", "Surakarta", "Jawa Tengah", -7.5755, 110.8243),
    ("YOG", "Sleman", "DI Yogyakarta", -7.7156, 110.3556),
    ("SBY", "Surabaya", "Jawa Timur", -7.2575, 112.7521),
    ("MLG", "Malang", "Jawa Timur", -7.9666, 112.6326),
    ("DPS", "Denpasar", "Bali", -8.6705, 115.2126),
    ("MDN", "Medan", "Sumatera Utara", 3.5952, 98.6722),
    ("PLB", "Palembang", "Sumatera Selatan", -2.9761, 104.7754),
    ("PKU", "Pekanbaru", "Riau", 0.5071, 101.4478),
    ("PTK", "Pontianak", "Kalimantan Barat", -0.0263, 109.3425),
    ("BPN", "Balikpapan", "Kalimantan Timur", -1.2379, 116.8529),
    ("MKS", "Makassar", "Sulawesi Selatan", -5.1477, 119.4327),
    ("MND", "Manado", "Sulawesi Utara", 1.4748, 124.8421),
    (
        "KPH",
        "Kapuas Hulu Regency",
        "Kalimantan Barat",
        0.8334,
        112.9305,
    ),
    ("TGR", "Tangerang", "Banten", -6.1783, 106.6319),
];

const FIRST_NAMES: &[&str] = &[
    "Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gilang", "Hendra", "Indah", "Joko",
    "Kartika", "Lestari", "Made", "Nur", "Oki", "Putri", "Rina", "Siti", "Teguh", "Udin", "Wahyu",
    "Winda", "Yanti", "Yusuf", "Andi", "Bayu", "Dian", "Fajar", "Hadi", "Ika", "Kadek", "Lina",
    "Mega", "Nyoman", "Rizki", "Sri", "Tri", "Wayan", "Asep", "Ujang", "Ratna", "Slamet", "Sari",
    "Bambang",
];

const LAST_NAMES: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Pratama",
    "Hidayat",
    "Setiawan",
    "Kurniawan",
    "Lestari",
    "Siregar",
    "Nasution",
    "Simanjuntak",
    "Gunawan",
    "Halim",
    "Susanto",
    "Rahman",
    "Utami",
    "Purnomo",
    "Sembiring",
    "Wibowo",
    "Hakim",
];

const SHOP_KINDS: &[(&str, u32)] = &[
    ("Toko", 30),
    ("Warung", 25),
    ("UD", 6),
    ("CV", 4),
    ("Kios", 6),
    ("Depot Air", 4),
    ("Kedai", 5),
    ("", 20),
];

const SYLLABLES: &[&str] = &[
    "su", "ka", "ma", "ju", "ja", "di", "ra", "ha", "rjo", "wi", "no", "sa", "ri", "ta", "se",
    "mi", "la", "pa", "ng", "tu", "ba", "ru", "ti", "ga",
];

const PLUS_CODE: &[u8] = b"23456789CFGHJMPQRVWX";
const KODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn place_name(rng: &mut Rng) -> String {
    let parts = 2 + rng.index(2);
    let mut name = String::with_capacity(12);
    for _ in 0..parts {
        let syllable: &&str = rng.pick(SYLLABLES);
        name.push_str(syllable);
    }
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

fn base36(mut value: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = KODE_ALPHABET[(value % 36) as usize];
        value /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// The 100 depots, spread over the cities.
pub fn depos(sizes: &Sizes) -> Vec<NewDepo> {
    let mut rng = Rng::new(sizes.seed, stream::DEPOS);
    let created = NaiveDate::from_ymd_opt(2018, 6, 1)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .unwrap_or_default();
    (1..=DEPOS)
        .map(|id| {
            let (code, city, ..) = CITIES[usize::try_from(id).unwrap_or(0) % CITIES.len()];
            let at = created + TimeDelta::days(rng.between(0, 900));
            NewDepo {
                id,
                kode: format!("{code}{id}"),
                nama: format!("Depo {city} {}", (id - 1) / 20 + 1),
                created_at: Some(at),
                updated_at: Some(at + TimeDelta::days(rng.between(0, 300))),
            }
        })
        .collect()
}

/// Makes the customers' rows in id order, a chunk at a time.
#[derive(Debug)]
pub struct CustomerMaker<'a> {
    book: &'a PhoneBook,
    rng: Rng,
    next: usize,
    first_created: NaiveDateTime,
    created_span: i64,
    history_start: NaiveDateTime,
    kode_mul: u64,
    /// Per customer: seconds after the history start from which it may
    /// have transactions (its creation, when inside the history).
    pub active_from: Vec<u32>,
}

impl<'a> CustomerMaker<'a> {
    /// A maker over `book`.
    pub fn new(sizes: &Sizes, book: &'a PhoneBook) -> Self {
        let first_created = NaiveDate::from_ymd_opt(2019, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        Self {
            book,
            rng: Rng::new(sizes.seed, stream::CUSTOMERS),
            next: 0,
            first_created,
            created_span: (sizes.end - first_created).num_seconds().max(1),
            history_start: sizes.start(),
            kode_mul: 0x0002_2d1d_5e2d_u64 | 1,
            active_from: Vec::with_capacity(book.holdings.len()),
        }
    }

    /// The next customer, or `None` when all are made.
    pub fn next_customer(&mut self) -> Option<NewCustomer> {
        let holding = *self.book.holdings.get(self.next)?;
        self.next += 1;
        let id = i64::try_from(self.next).unwrap_or(i64::MAX);
        let rng = &mut self.rng;

        let owner = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
        let kind = rng.weighted(SHOP_KINDS);
        let nama = if kind.is_empty() {
            owner.clone()
        } else {
            format!("{kind} {}", rng.pick(FIRST_NAMES))
        };
        let kontak = if rng.chance(0.7) {
            Some(owner.clone())
        } else if rng.chance(0.85) {
            Some(rng.pick(FIRST_NAMES).to_string())
        } else {
            None
        };
        let nama_pemilik = (!rng.chance(0.03)).then_some(owner);

        // Depot: 2 % none, else skewed toward the first depots.
        let depo_id = (!rng.chance(0.02)).then(|| {
            let r = rng.unit();
            1 + (r * r * DEPOS as f64) as i64
        });
        let city = CITIES[usize::try_from(depo_id.unwrap_or(1)).unwrap_or(0) % CITIES.len()];
        let (lat, lon) = if rng.chance(0.03) {
            (None, None)
        } else {
            (
                Some(format!("{:.6}", city.3 + (rng.unit() - 0.5) * 0.6)),
                Some(format!("{:.6}", city.4 + (rng.unit() - 0.5) * 0.6)),
            )
        };
        let kelurahan = place_name(rng);
        let alamat = (!rng.chance(0.05)).then(|| {
            let mut code = String::with_capacity(24);
            for i in 0..7 {
                if i == 4 {
                    code.push('+');
                }
                code.push(char::from(*rng.pick(PLUS_CODE)));
            }
            format!("{code}, {kelurahan}")
        });

        let created = self.first_created + TimeDelta::seconds(rng.between(0, self.created_span));
        let created_at = (!rng.chance(0.01)).then_some(created);
        let updated_at = created_at.map(|at| at + TimeDelta::seconds(rng.between(0, 180 * 86_400)));
        let deleted_at = rng
            .chance(0.02)
            .then(|| created + TimeDelta::seconds(rng.between(3_600, 400 * 86_400)));
        let status = *rng.weighted(&[
            (Some("Verif"), 940),
            (Some("Belum Verif"), 35),
            (Some("Ditolak"), 10),
            (None, 15),
        ]);
        let keperluan = *rng.weighted(&[
            (Some("Pribadi"), 50),
            (Some("Usaha"), 35),
            (Some("Kantor"), 10),
            (None, 5),
        ]);
        let from = created_at.map_or(0, |at| (at - self.history_start).num_seconds().max(0));
        self.active_from
            .push(u32::try_from(from).unwrap_or(u32::MAX));

        let kode_head = base36(
            (self.next as u64).wrapping_mul(self.kode_mul) % 2_821_109_907_456,
            8,
        );
        let mut tail = String::with_capacity(5);
        for _ in 0..5 {
            tail.push(char::from(*rng.pick(KODE_ALPHABET)));
        }
        Some(NewCustomer {
            id,
            kode: format!("PEL-{}-{tail}", kode_head.to_ascii_lowercase()),
            nama,
            nama_pemilik,
            kontak_person: kontak,
            no_hp: Some(holding.no_hp_form.render(holding.no_hp)),
            no_hp_goovi: holding.goovi.map(|(n, form)| form.render(n)),
            status_pelanggan: status.map(str::to_owned),
            keperluan_pelanggan: keperluan.map(str::to_owned),
            latitude: lat,
            longitude: lon,
            alamat_lengkap: alamat,
            kecamatan: Some(place_name(rng)),
            kelurahan: Some(kelurahan),
            kota: Some(city.1.to_owned()),
            provinsi: Some(city.2.to_owned()),
            depo_id,
            created_at,
            updated_at,
            deleted_at,
        })
    }
}

/// Summary of the activity distribution.
#[derive(Debug, Default, Clone)]
pub struct ActivityStats {
    /// Customers with no transaction.
    pub without: usize,
    /// The median count among customers with some.
    pub median_active: u32,
    /// The 99th percentile among customers with some.
    pub p99_active: u32,
    /// The largest count.
    pub max: u32,
    /// Customers with at least 1,000.
    pub over_1000: usize,
}

/// The transactions, as `(seconds after the history start) << 32 |
/// customer id`, sorted by time, so ids follow time as in a real table.
pub fn transactions(sizes: &Sizes, active_from: &[u32]) -> Result<(Vec<u64>, ActivityStats)> {
    let customers = active_from.len();
    if u32::try_from(customers).is_err() {
        bail!("too many customers");
    }
    let total = usize::try_from(sizes.transactions)?;
    let mut rng = Rng::new(sizes.seed, stream::ACTIVITY);
    // Skewed activity: 35 % never buy; the others draw a Pareto(1.15)
    // weight capped at 3,000, so most buy a few times and a long tail buys
    // thousands of times.
    let weights: Vec<f64> = (0..customers)
        .map(|_| {
            if rng.chance(0.35) {
                0.0
            } else {
                (1.0 - rng.unit()).powf(-1.0 / 1.15).min(3_000.0)
            }
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<u32> = vec![0; customers];
    if sum > 0.0 && total > 0 {
        let scale = total as f64 / sum;
        let mut assigned = 0_usize;
        for (count, weight) in counts.iter_mut().zip(&weights) {
            let x = weight * scale;
            let whole = x.floor();
            *count = whole as u32 + u32::from(rng.unit() < x - whole);
            assigned += *count as usize;
        }
        let active: Vec<usize> = (0..customers).filter(|&i| weights[i] > 0.0).collect();
        while assigned < total {
            counts[*rng.pick(&active)] += 1;
            assigned += 1;
        }
        while assigned > total {
            let i = *rng.pick(&active);
            if counts[i] > 0 {
                counts[i] -= 1;
                assigned -= 1;
            }
        }
    }

    let span = u32::try_from(HISTORY_DAYS * 86_400)?;
    let mut rng = Rng::new(sizes.seed, stream::TRANSACTIONS);
    let mut rows = Vec::with_capacity(total);
    for (index, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let from = active_from[index].min(span - 1);
        // 60 % still buy today; the others stopped at some point.
        let to = if rng.chance(0.6) {
            span
        } else {
            from + 1 + rng.below(u64::from(span - from)) as u32
        };
        let customer_id = index as u64 + 1;
        for _ in 0..count {
            let at = u64::from(from) + rng.below(u64::from(to - from));
            rows.push(at << 32 | customer_id);
        }
    }
    rows.sort_unstable();

    let mut active: Vec<u32> = counts.iter().copied().filter(|&c| c > 0).collect();
    active.sort_unstable();
    let stats = ActivityStats {
        without: customers - active.len(),
        median_active: active.get(active.len() / 2).copied().unwrap_or(0),
        p99_active: active.get(active.len() * 99 / 100).copied().unwrap_or(0),
        max: active.last().copied().unwrap_or(0),
        over_1000: active.iter().filter(|&&c| c >= 1000).count(),
    };
    Ok((rows, stats))
}

/// Writes `YYYY-MM-DD HH:MM:SS` without going through chrono's formatter.
pub fn push_timestamp(out: &mut Vec<u8>, at: NaiveDateTime) {
    fn two(out: &mut Vec<u8>, v: u32) {
        out.push(b'0' + (v / 10) as u8);
        out.push(b'0' + (v % 10) as u8);
    }
    let year = u32::try_from(at.year()).unwrap_or(0);
    two(out, year / 100);
    two(out, year % 100);
    out.push(b'-');
    two(out, at.month());
    out.push(b'-');
    two(out, at.day());
    out.push(b' ');
    two(out, at.hour());
    out.push(b':');
    two(out, at.minute());
    out.push(b':');
    two(out, at.second());
}

/// The lookup inputs: 80 % numbers some customer holds, 10 % shared numbers,
/// 10 % valid numbers nobody holds, each typed in a random input form.
pub fn lookups(sizes: &Sizes, book: &PhoneBook, count: usize) -> Vec<String> {
    let mut rng = Rng::new(sizes.seed, stream::LOOKUPS);
    let mut absent_index = book.next_index;
    (0..count)
        .map(|_| {
            let roll = rng.below(10);
            let national = if roll < 8 || book.shared.is_empty() {
                *rng.pick(&book.present)
            } else if roll == 8 {
                *rng.pick(&book.shared)
            } else {
                let n = book.space.national(absent_index.min(MAX_INDEX - 1));
                absent_index += 1;
                n
            };
            typed(national, &mut rng)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use klikorder_domain::PhoneNumber;

    use super::*;

    fn sizes(customers: u64, transactions: u64) -> Sizes {
        Sizes {
            seed: 7,
            customers,
            transactions,
            end: NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap(),
        }
    }

    #[test]
    fn the_data_set_has_the_promised_shape() {
        let sizes = sizes(20_000, 200_000);
        let (book, stats) = PhoneBook::assign(&sizes).unwrap();
        let mut maker = CustomerMaker::new(&sizes, &book);
        let mut holders: HashMap<String, usize> = HashMap::new();
        let mut kodes = std::collections::HashSet::new();
        let (mut deleted, mut unverified, mut goovi) = (0, 0, 0);
        while let Some(c) = maker.next_customer() {
            assert!(kodes.insert(c.kode.clone()));
            let main = PhoneNumber::parse(c.no_hp.as_deref().unwrap()).unwrap();
            *holders.entry(main.as_e164().to_owned()).or_default() += 1;
            if let Some(g) = &c.no_hp_goovi {
                goovi += 1;
                let g = PhoneNumber::parse(g).unwrap();
                if g != main {
                    *holders.entry(g.as_e164().to_owned()).or_default() += 1;
                }
            }
            deleted += usize::from(c.deleted_at.is_some());
            unverified += usize::from(c.status_pelanggan.as_deref() != Some("Verif"));
        }
        let shared = holders.values().filter(|&&n| n >= 2).count();
        let share = shared as f64 / holders.len() as f64;
        assert!((0.035..0.065).contains(&share), "{share} {stats:?}");
        assert!(holders.values().all(|&n| n <= 4));
        assert!((1_500..2_600).contains(&goovi), "{goovi}");
        assert!((200..600).contains(&deleted), "{deleted}");
        assert!((800..1_600).contains(&unverified), "{unverified}");

        let (rows, activity) = transactions(&sizes, &maker.active_from).unwrap();
        assert_eq!(rows.len(), 200_000);
        assert!(rows.windows(2).all(|w| w[0] <= w[1]));
        assert!(activity.without > 5_000, "{activity:?}");
        assert!(activity.max > 500, "{activity:?}");

        let inputs = lookups(&sizes, &book, 2_000);
        let found = inputs
            .iter()
            .filter(|i| holders.contains_key(PhoneNumber::parse(i).unwrap().as_e164()))
            .count();
        assert!((1_700..1_900).contains(&found), "{found}");
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let sizes = sizes(500, 5_000);
        let run = || {
            let (book, _) = PhoneBook::assign(&sizes).unwrap();
            let mut maker = CustomerMaker::new(&sizes, &book);
            let customers: Vec<NewCustomer> =
                std::iter::from_fn(|| maker.next_customer()).collect();
            let (rows, _) = transactions(&sizes, &maker.active_from).unwrap();
            (customers, rows, lookups(&sizes, &book, 100))
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn timestamps_are_formatted_like_chrono() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 9)
            .and_then(|d| d.and_hms_opt(7, 5, 59))
            .unwrap();
        let mut out = Vec::new();
        push_timestamp(&mut out, at);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        );
    }
}
