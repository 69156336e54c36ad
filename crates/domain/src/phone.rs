//! Indonesian phone numbers as partners send them and as KlikOrder stores them.
//!
//! The rules are CONTRACT §3: separators (white space, `-`, `.`, `(`, `)`) are
//! ignored; a leading `+62`, `0062` or `62` is the country code and a leading
//! `0` is the trunk prefix; what remains must be a valid Indonesian number by
//! libphonenumber's metadata. We apply the separator and prefix rules
//! ourselves because the `phonenumber` crate alone accepts letters and `/` and
//! rejects `0062`.

use std::fmt;

use crate::error::PhoneError;

/// The longest input, in characters (after trimming), that is looked at at
/// all; longer input is [`PhoneError::TooLong`].
pub const MAX_INPUT_CHARS: usize = 32;

/// Indonesia's country calling code, as written in E.164.
const COUNTRY_PREFIX: &str = "+62";

/// A valid Indonesian phone number, held in E.164 form (`+62…`).
///
/// The only way to get one is [`PhoneNumber::parse`], so holding a
/// `PhoneNumber` proves the number was normalized and validated.
///
/// Its `Debug` form is masked, so a number that ends up in an error chain or
/// a log line does not leak; `Display` and [`PhoneNumber::as_e164`] give the
/// full number for answers to partners.
///
/// ```
/// use klikorder_domain::PhoneNumber;
///
/// let number = PhoneNumber::parse("0812-3456-789").unwrap();
/// assert_eq!(number.as_e164(), "+628123456789");
/// assert_eq!(format!("{number:?}"), "PhoneNumber(+62812****789)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    e164: String,
}

impl PhoneNumber {
    /// Normalizes and validates what a partner or a user typed.
    ///
    /// Accepts `08…`, `628…`, `+628…` and `0062…`, with any white space,
    /// `-`, `.`, `(` and `)` in between.
    ///
    /// ```
    /// use klikorder_domain::PhoneNumber;
    ///
    /// for typed in ["08123456789", "628123456789", "+628123456789",
    ///               "0062 812-3456-789", "+62 (812) 3456.789", " 0812 3456 789 "] {
    ///     assert_eq!(PhoneNumber::parse(typed).unwrap().as_e164(), "+628123456789");
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`PhoneError::Missing`] when the input is empty or only white space,
    /// [`PhoneError::TooLong`] when it has more than [`MAX_INPUT_CHARS`]
    /// characters, and [`PhoneError::Invalid`] for anything that is not a
    /// valid Indonesian number (letters, another country, wrong length, …).
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Missing);
        }
        if trimmed.chars().count() > MAX_INPUT_CHARS {
            return Err(PhoneError::TooLong);
        }
        let national = national_significant_number(trimmed).ok_or(PhoneError::Invalid)?;
        if is_valid_national(&national) {
            let mut e164 = String::with_capacity(COUNTRY_PREFIX.len() + national.len());
            e164.push_str(COUNTRY_PREFIX);
            e164.push_str(&national);
            Ok(Self { e164 })
        } else {
            Err(PhoneError::Invalid)
        }
    }

    /// The number in E.164 form, e.g. `+628123456789`.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("628123456789").unwrap().as_e164(), "+628123456789");
    /// ```
    #[must_use]
    pub fn as_e164(&self) -> &str {
        &self.e164
    }

    /// The national significant number: the digits after `+62`, without the
    /// trunk `0`.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("08123456789").unwrap().national_number(), "8123456789");
    /// ```
    #[must_use]
    pub fn national_number(&self) -> &str {
        &self.e164[COUNTRY_PREFIX.len()..]
    }

    /// The three spellings the KlikOrder database holds for this number —
    /// `+62X`, `62X` and `0X` — which a stored `no_hp` or `no_hp_goovi` must
    /// equal to match.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// let number = PhoneNumber::parse("08123456789").unwrap();
    /// assert_eq!(number.stored_spellings(),
    ///            ["+628123456789", "628123456789", "08123456789"]);
    /// ```
    #[must_use]
    pub fn stored_spellings(&self) -> [String; 3] {
        let national = self.national_number();
        [
            self.e164.clone(),
            format!("62{national}"),
            format!("0{national}"),
        ]
    }

    /// Whether `stored` is one of [`stored_spellings`](Self::stored_spellings),
    /// without allocating: how a lookup knows which column matched.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// let number = PhoneNumber::parse("08123456789").unwrap();
    /// assert!(number.is_stored_as("628123456789"));
    /// assert!(!number.is_stored_as("0812-3456-789"));
    /// ```
    #[must_use]
    pub fn is_stored_as(&self, stored: &str) -> bool {
        let national = self.national_number();
        stored == self.e164
            || stored.strip_prefix("62") == Some(national)
            || stored.strip_prefix('0') == Some(national)
    }

    /// What partners see for a stored `no_hp` / `no_hp_goovi` when this is
    /// the number that was looked up: the same as
    /// [`display_stored_number`], but a stored spelling of this number (the
    /// matching column, almost always) is answered without validating it
    /// again.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// let number = PhoneNumber::parse("08123456789").unwrap();
    /// assert_eq!(number.display_stored("08123456789"), "+628123456789");
    /// assert_eq!(number.display_stored("0812-9999-000"), "+628129999000");
    /// assert_eq!(number.display_stored("n/a"), "n/a");
    /// ```
    #[must_use]
    pub fn display_stored(&self, stored: &str) -> String {
        if self.is_stored_as(stored) {
            self.e164.clone()
        } else {
            display_stored_number(stored)
        }
    }

    /// The number with its middle digits hidden, for logs: the country code
    /// and the first three national digits, then `****`, then the last three.
    ///
    /// ```
    /// # use klikorder_domain::PhoneNumber;
    /// assert_eq!(PhoneNumber::parse("08123456789").unwrap().masked(), "+62812****789");
    /// ```
    #[must_use]
    pub fn masked(&self) -> String {
        let national = self.national_number();
        // Valid Indonesian numbers have at least 7 national digits, so at
        // least one digit is always hidden.
        let shown_tail = 3.min(national.len().saturating_sub(4));
        let shown_head = 3.min(national.len().saturating_sub(shown_tail + 1));
        format!(
            "{COUNTRY_PREFIX}{}****{}",
            &national[..shown_head],
            &national[national.len() - shown_tail..]
        )
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

/// How a stored `no_hp` / `no_hp_goovi` is shown to partners: normalized to
/// `+62…` when it can be, else exactly as stored (CONTRACT §2.1).
///
/// ```
/// use klikorder_domain::display_stored_number;
///
/// assert_eq!(display_stored_number("0812 3456 789"), "+628123456789");
/// assert_eq!(display_stored_number("not a number"), "not a number");
/// ```
#[must_use]
pub fn display_stored_number(stored: &str) -> String {
    PhoneNumber::parse(stored).map_or_else(|_| stored.to_owned(), |number| number.e164)
}

/// Loads libphonenumber's metadata and compiles the Indonesian patterns.
///
/// The first validation otherwise pays for this (tens of milliseconds); a
/// server calls this before it takes traffic so no request does.
///
/// ```
/// klikorder_domain::warm_up();
/// ```
pub fn warm_up() {
    // Exercise every descriptor pattern the validator may consult.
    for sample in ["8123456789", "215551234", "000"] {
        let _ = is_valid_national(sample);
    }
}

/// Applies the contract's separator and prefix rules and returns the national
/// significant number (digits only), or `None` when the input has anything
/// but digits, separators and one leading `+`, or no Indonesian prefix.
fn national_significant_number(input: &str) -> Option<NationalDigits> {
    let mut digits = String::with_capacity(input.len());
    let mut plus = false;
    for (index, c) in input.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if index == 0 => plus = true,
            '-' | '.' | '(' | ')' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    let national = if plus {
        digits.strip_prefix("62")?
    } else if let Some(rest) = digits.strip_prefix("0062") {
        rest
    } else if let Some(rest) = digits.strip_prefix("62") {
        rest
    } else {
        digits.strip_prefix('0')?
    };
    // A trunk `0` after the country code (`+62 0812…`) is not a spelling the
    // database holds; libphonenumber would reject it anyway, say so early.
    if national.is_empty() || national.starts_with('0') {
        return None;
    }
    let start = digits.len() - national.len();
    Some(NationalDigits { digits, start })
}

/// The digits of an input and where its national significant number starts.
struct NationalDigits {
    digits: String,
    start: usize,
}

impl std::ops::Deref for NationalDigits {
    type Target = str;

    fn deref(&self) -> &str {
        &self.digits[self.start..]
    }
}

/// Whether a national significant number is a valid Indonesian number by
/// libphonenumber's metadata for region ID: the general pattern matches and
/// so does the pattern of at least one number type. This is what
/// `phonenumber::is_valid` decides for a `+62` number, without re-parsing
/// the text (which costs several times more).
fn is_valid_national(national: &str) -> bool {
    let Some(validator) = &*ID_VALIDATOR else {
        return false;
    };
    validator.general.is_match(national)
        && validator
            .types
            .iter()
            .any(|pattern| pattern.is_match(national))
}

/// Region ID's number patterns, compiled once from libphonenumber's
/// metadata. Why not the metadata's own regexes: `phonenumber` runs every
/// match under one process-wide lock around its regex cache, and under load
/// that lock and the cache's re-determinization cost more than the whole
/// rest of a lookup (docs/benchmarks.md). `None` if the metadata has no ID.
static ID_VALIDATOR: std::sync::LazyLock<Option<IdValidator>> =
    std::sync::LazyLock::new(IdValidator::from_metadata);

struct IdValidator {
    general: IdPattern,
    types: Vec<IdPattern>,
}

impl IdValidator {
    fn from_metadata() -> Option<Self> {
        let metadata = phonenumber::metadata::DATABASE.by_id("ID")?;
        let descriptors = metadata.descriptors();
        Some(Self {
            general: IdPattern::new(descriptors.general())?,
            types: [
                descriptors.premium_rate(),
                descriptors.toll_free(),
                descriptors.shared_cost(),
                descriptors.voip(),
                descriptors.personal_number(),
                descriptors.pager(),
                descriptors.uan(),
                descriptors.voicemail(),
                descriptors.fixed_line(),
                descriptors.mobile(),
            ]
            .into_iter()
            .flatten()
            .map(IdPattern::new)
            .collect::<Option<_>>()?,
        })
    }
}

/// One descriptor: its possible lengths and its pattern, matched as
/// `phonenumber`'s `Descriptor::is_match` does (a match that starts at the
/// first digit, after the length check).
struct IdPattern {
    possible_lengths: Vec<u16>,
    start_anchored: regex::Regex,
}

impl IdPattern {
    fn new(descriptor: &phonenumber::metadata::Descriptor) -> Option<Self> {
        let source = descriptor.national_number().as_str();
        let start_anchored = regex::RegexBuilder::new(&format!("^(?:{source})"))
            // As the metadata loader compiles it: the XML spreads patterns
            // over lines.
            .ignore_whitespace(true)
            .build()
            .ok()?;
        Some(Self {
            possible_lengths: descriptor.possible_length().to_vec(),
            start_anchored,
        })
    }

    fn is_match(&self, national: &str) -> bool {
        let fits = self.possible_lengths.is_empty()
            || u16::try_from(national.len()).is_ok_and(|len| self.possible_lengths.contains(&len));
        fits && self.start_anchored.is_match(national)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(input: &str) -> Result<String, PhoneError> {
        PhoneNumber::parse(input).map(|n| n.as_e164().to_owned())
    }

    #[test]
    fn the_published_and_contract_forms_all_normalize_to_e164() {
        for input in [
            "08123456789",
            "628123456789",
            "+628123456789",
            "0062 812-3456-789",
            "+62 (812) 3456.789",
            " 0812 3456 789 ",
        ] {
            assert_eq!(
                normalized(input).as_deref(),
                Ok("+628123456789"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn the_published_example_customer_number_is_valid() {
        assert_eq!(normalized("081521979154").as_deref(), Ok("+6281521979154"));
    }

    #[test]
    fn jakarta_landlines_are_accepted_too() {
        assert_eq!(normalized("(021) 555-1234").as_deref(), Ok("+62215551234"));
    }

    #[test]
    fn blank_input_is_missing() {
        for input in ["", " ", "\t\n", "\u{a0}"] {
            assert_eq!(normalized(input), Err(PhoneError::Missing), "{input:?}");
        }
    }

    #[test]
    fn more_than_32_characters_is_too_long_even_if_mostly_separators() {
        let input = format!("0812{}3456789", " ".repeat(30));
        assert_eq!(normalized(&input), Err(PhoneError::TooLong));
        // Exactly 32 characters is still looked at.
        let input = format!("0812{}3456789", " ".repeat(32 - 11));
        assert_eq!(input.chars().count(), 32);
        assert_eq!(normalized(&input).as_deref(), Ok("+628123456789"));
    }

    #[test]
    fn surrounding_white_space_does_not_count_towards_the_limit() {
        let input = format!("{}08123456789{}", " ".repeat(20), " ".repeat(20));
        assert_eq!(normalized(&input).as_deref(), Ok("+628123456789"));
    }

    #[test]
    fn garbage_and_foreign_numbers_are_invalid() {
        for input in [
            "abc",
            "0812345678a",
            "0812/3456/789",
            "+1 650 253 0000",
            "+6",
            "62",
            "0",
            "+",
            "++628123456789",
            "8123456789",
            "+08123456789",
            "0812",
            "081234567890123456",
            "+62 0812 3456 789",
            "0081 23456789",
            "08123456789+",
            "０８１２３４５６７８９",
        ] {
            assert_eq!(normalized(input), Err(PhoneError::Invalid), "{input:?}");
        }
    }

    #[test]
    fn the_three_spellings_are_what_the_database_holds() {
        let number = PhoneNumber::parse("+62 812 3456 789").unwrap();
        assert_eq!(
            number.stored_spellings(),
            ["+628123456789", "628123456789", "08123456789"]
        );
    }

    #[test]
    fn masking_hides_the_middle_and_debug_never_shows_the_full_number() {
        let number = PhoneNumber::parse("081521979154").unwrap();
        assert_eq!(number.masked(), "+62815****154");
        assert!(!format!("{number:?}").contains("81521979154"));
        assert_eq!(number.to_string(), "+6281521979154");
    }

    #[test]
    fn stored_numbers_are_displayed_normalized_or_as_stored() {
        assert_eq!(display_stored_number("6281521979154"), "+6281521979154");
        assert_eq!(display_stored_number("0815-2197-9154"), "+6281521979154");
        assert_eq!(display_stored_number("12345"), "12345");
        assert_eq!(display_stored_number(""), "");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// National numbers shaped like Indonesian mobiles; not all are valid,
    /// so properties keep only those the metadata accepts.
    fn national() -> impl Strategy<Value = String> {
        "8[1-9][0-9]{7,10}"
    }

    /// Writes `digits` with random separators between them.
    fn with_separators(digits: &str, seps: &[u8]) -> String {
        const SEPARATORS: [&str; 7] = ["", "", " ", "-", ".", "(", ")"];
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            out.push(c);
            if let Some(sep) = seps.get(i) {
                out.push_str(SEPARATORS[usize::from(*sep) % SEPARATORS.len()]);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn every_accepted_spelling_normalizes_to_the_same_number(
            nsn in national(),
            seps in proptest::collection::vec(any::<u8>(), 0..16),
            prefix in 0usize..4,
        ) {
            let canonical = PhoneNumber::parse(&format!("+62{nsn}"));
            prop_assume!(canonical.is_ok());
            let canonical = canonical.unwrap();
            let prefixes = ["0", "62", "+62", "0062"];
            let typed = format!("{}{}", prefixes[prefix], with_separators(&nsn, &seps));
            prop_assume!(typed.trim().chars().count() <= MAX_INPUT_CHARS);
            prop_assert_eq!(PhoneNumber::parse(&typed), Ok(canonical.clone()));
            for spelling in canonical.stored_spellings() {
                prop_assert_eq!(PhoneNumber::parse(&spelling), Ok(canonical.clone()));
            }
        }

        #[test]
        fn normalizing_the_output_again_changes_nothing(input in "[0-9+ ().-]{0,20}") {
            if let Ok(number) = PhoneNumber::parse(&input) {
                prop_assert_eq!(PhoneNumber::parse(number.as_e164()), Ok(number.clone()));
                prop_assert_eq!(display_stored_number(number.as_e164()), number.as_e164());
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(input in "\\PC{0,256}") {
            prop_assume!(input.len() <= 1024);
            let _ = PhoneNumber::parse(&input);
            let _ = display_stored_number(&input);
        }

        #[test]
        fn agrees_with_phonenumber_is_valid(nsn in "[1-9][0-9]{0,13}") {
            let ours = is_valid_national(&nsn);
            let theirs = phonenumber::parse(None, format!("+62{nsn}"))
                .is_ok_and(|n| n.is_valid() && n.country().id() == Some(phonenumber::country::Id::ID));
            prop_assert_eq!(ours, theirs, "{}", nsn);
        }

        #[test]
        fn mobile_shaped_numbers_agree_with_phonenumber_is_valid(nsn in "8[0-9]{6,12}") {
            let ours = is_valid_national(&nsn);
            let theirs = phonenumber::parse(None, format!("+62{nsn}"))
                .is_ok_and(|n| n.is_valid() && n.country().id() == Some(phonenumber::country::Id::ID));
            prop_assert_eq!(ours, theirs, "{}", nsn);
        }

        #[test]
        fn arbitrary_bytes_as_text_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let input = String::from_utf8_lossy(&bytes);
            let _ = PhoneNumber::parse(&input);
        }

        #[test]
        fn the_shortcut_display_equals_the_full_one(
            nsn in national(),
            prefix in 0usize..3,
            other in "[0-9+ -]{0,16}",
        ) {
            if let Ok(number) = PhoneNumber::parse(&format!("0{nsn}")) {
                let spelling = &number.stored_spellings()[prefix];
                prop_assert!(number.is_stored_as(spelling));
                prop_assert_eq!(number.display_stored(spelling), display_stored_number(spelling));
                prop_assert_eq!(number.display_stored(&other), display_stored_number(&other));
                prop_assert_eq!(
                    number.is_stored_as(&other),
                    number.stored_spellings().contains(&other)
                );
            }
        }

        #[test]
        fn masks_never_show_the_whole_national_number(nsn in national()) {
            if let Ok(number) = PhoneNumber::parse(&format!("0{nsn}")) {
                let masked = number.masked();
                prop_assert!(!masked.contains(&nsn));
                prop_assert!(masked.contains("****"));
            }
        }
    }
}
