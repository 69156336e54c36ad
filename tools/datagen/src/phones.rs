//! Indonesian mobile numbers: distinct by construction, valid by
//! libphonenumber's metadata, stored in the three spellings the KlikOrder
//! database holds, and typed in the forms partners send.

use crate::rng::{Rng, mix64};

/// Mobile prefixes (the three digits after the trunk `0`) by operator, with
/// rough market-share weights: Telkomsel, Indosat, XL, Axis, Tri, Smartfren.
const PREFIXES: &[(u64, u32)] = &[
    (811, 4),
    (812, 10),
    (813, 8),
    (821, 6),
    (822, 5),
    (823, 3),
    (851, 3),
    (852, 6),
    (853, 4),
    (814, 1),
    (815, 2),
    (816, 2),
    (855, 2),
    (856, 4),
    (857, 5),
    (858, 3),
    (817, 3),
    (818, 3),
    (819, 3),
    (859, 3),
    (877, 4),
    (878, 4),
    (831, 2),
    (832, 2),
    (833, 1),
    (838, 2),
    (895, 3),
    (896, 3),
    (897, 2),
    (898, 2),
    (899, 2),
    (881, 2),
    (882, 1),
    (883, 1),
    (887, 1),
    (888, 1),
    (889, 1),
];

/// Multiplier of the per-length permutation; coprime with 10, so
/// `index ↦ (index × A + B) mod 10^len` is a bijection on `0..10^len`.
const PERMUTATION: u64 = 7_654_321;

/// Numbers are made from indices below this (the 7-digit subscriber space).
pub const MAX_INDEX: u64 = 10_000_000;

/// Maps a number index to a national significant number (the digits after
/// `+62`). Distinct indices below [`MAX_INDEX`] give distinct numbers: the
/// prefix and length come from a hash of the index, and within one prefix
/// and length the subscriber digits are a bijection of the index.
#[derive(Debug, Clone)]
pub struct NumberSpace {
    salt: u64,
    total_weight: u64,
}

impl NumberSpace {
    /// The number space of one seed.
    pub fn new(seed: u64) -> Self {
        Self {
            salt: mix64(seed ^ 0x0005_eed0_f0b0_e5a1),
            total_weight: PREFIXES.iter().map(|(_, w)| u64::from(*w)).sum(),
        }
    }

    /// The national significant number of `index`, e.g. `81234567890`.
    pub fn national(&self, index: u64) -> u64 {
        debug_assert!(index < MAX_INDEX);
        let h = mix64(index ^ self.salt);
        let mut roll = h % self.total_weight;
        let mut prefix = PREFIXES[0].0;
        for &(p, w) in PREFIXES {
            if roll < u64::from(w) {
                prefix = p;
                break;
            }
            roll -= u64::from(w);
        }
        // 70 % have 8 subscriber digits (0812-3456-7890), 30 % have 7.
        let modulus = if (h >> 40) % 10 < 7 {
            100_000_000
        } else {
            10_000_000
        };
        let offset = (self.salt >> 8) % modulus;
        let subscriber = (index.wrapping_mul(PERMUTATION) % modulus + offset) % modulus;
        prefix * modulus + subscriber
    }
}

/// How a number is stored in `no_hp` / `no_hp_goovi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// `+628…`
    Plus62,
    /// `628…`
    Bare62,
    /// `08…`
    Trunk0,
}

impl Stored {
    /// A spelling as KlikOrder's data has them: half `08…`, 30 % `+62…`,
    /// 20 % `62…`.
    pub fn random(rng: &mut Rng) -> Self {
        *rng.weighted(&[(Self::Trunk0, 50), (Self::Plus62, 30), (Self::Bare62, 20)])
    }

    /// Another spelling than `self` (for a second record of the same number).
    pub fn other(self, rng: &mut Rng) -> Self {
        let others = match self {
            Self::Plus62 => [Self::Bare62, Self::Trunk0],
            Self::Bare62 => [Self::Plus62, Self::Trunk0],
            Self::Trunk0 => [Self::Plus62, Self::Bare62],
        };
        *rng.pick(&others)
    }

    /// The stored text of `national` in this spelling.
    pub fn render(self, national: u64) -> String {
        match self {
            Self::Plus62 => format!("+62{national}"),
            Self::Bare62 => format!("62{national}"),
            Self::Trunk0 => format!("0{national}"),
        }
    }
}

/// `national` as a partner might type it: the plain forms most of the time,
/// else with `0062`, spaces, dashes, dots and brackets (CONTRACT §3).
pub fn typed(national: u64, rng: &mut Rng) -> String {
    let digits = national.to_string();
    let (head, rest) = digits.split_at(3);
    let (mid, tail) = rest.split_at(4);
    match rng.below(20) {
        0..=5 => format!("0{digits}"),
        6..=8 => format!("62{digits}"),
        9..=11 => format!("+62{digits}"),
        12 => format!("0062{digits}"),
        13 | 14 => format!("0{head}-{mid}-{tail}"),
        15 => format!("0{head} {mid} {tail}"),
        16 => format!("+62 {head} {mid} {tail}"),
        17 => format!("+62 ({head}) {mid}.{tail}"),
        18 => format!("0062 {head}-{mid}-{tail}"),
        _ => format!("(0{head}) {mid}{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use klikorder_domain::PhoneNumber;

    use super::*;

    #[test]
    fn numbers_are_distinct_and_valid_in_every_form() {
        let space = NumberSpace::new(42);
        let mut rng = Rng::new(42, 99);
        let mut seen = HashSet::new();
        for index in (0..200_000).chain(MAX_INDEX - 1000..MAX_INDEX) {
            let national = space.national(index);
            assert!(seen.insert(national), "index {index} repeats {national}");
            if index % 97 == 0 || index >= MAX_INDEX - 1000 {
                let e164 = format!("+62{national}");
                for form in [Stored::Plus62, Stored::Bare62, Stored::Trunk0] {
                    let parsed = PhoneNumber::parse(&form.render(national)).unwrap();
                    assert_eq!(parsed.as_e164(), e164);
                }
                let input = typed(national, &mut rng);
                assert_eq!(
                    PhoneNumber::parse(&input).unwrap().as_e164(),
                    e164,
                    "{input}"
                );
            }
        }
    }

    #[test]
    fn every_prefix_and_length_is_valid() {
        for &(prefix, _) in PREFIXES {
            for modulus in [10_000_000_u64, 100_000_000] {
                for subscriber in [0, 1_234_567 % modulus, modulus - 1] {
                    let national = prefix * modulus + subscriber;
                    assert!(
                        PhoneNumber::parse(&format!("0{national}")).is_ok(),
                        "0{national} is not valid"
                    );
                }
            }
        }
    }
}
