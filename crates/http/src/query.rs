//! Reading `no_hp` from the raw query string, strictly.
//!
//! `form_urlencoded` (and actix's `Query` extractor) would quietly keep a
//! bad `%` escape or replace bytes that are not UTF-8, and take the first or
//! last of two `no_hp`; the contract wants a 422 for those, so the query is
//! decoded here. As in any `application/x-www-form-urlencoded` query, `+`
//! is a space: an unencoded `+628…` arrives as ` 628…`, which still
//! normalizes to the same number.

/// Why a query string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8.
    Malformed,
    /// The parameter was given more than once.
    Repeated,
}

/// The decoded value of `name` in `query`, `None` when absent. A parameter
/// without `=` has the empty value. Other parameters are ignored, but must
/// decode too.
pub(crate) fn single_value(query: &str, name: &str) -> Result<Option<String>, QueryError> {
    let mut found = None;
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key)?;
        let value = decode(value)?;
        if key == name && found.replace(value).is_some() {
            return Err(QueryError::Repeated);
        }
    }
    Ok(found)
}

/// Decodes one form-urlencoded component: `+` is a space and `%XX` a byte;
/// the bytes must be UTF-8.
fn decode(component: &str) -> Result<String, QueryError> {
    let mut bytes = Vec::with_capacity(component.len());
    let mut input = component.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input.next().and_then(hex_digit);
                let low = input.next().and_then(hex_digit);
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(QueryError::Malformed);
                };
                bytes.push((high << 4) | low);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| QueryError::Malformed)
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_hp(query: &str) -> Result<Option<String>, QueryError> {
        single_value(query, "no_hp")
    }

    #[test]
    fn a_plain_value_is_returned() {
        assert_eq!(no_hp("no_hp=08123456789"), Ok(Some("08123456789".into())));
    }

    #[test]
    fn an_absent_parameter_is_none() {
        assert_eq!(no_hp(""), Ok(None));
        assert_eq!(no_hp("foo=bar&&x"), Ok(None));
        assert_eq!(no_hp("no_hpx=1&xno_hp=2"), Ok(None));
    }

    #[test]
    fn a_parameter_without_a_value_is_empty() {
        assert_eq!(no_hp("no_hp"), Ok(Some(String::new())));
        assert_eq!(no_hp("no_hp="), Ok(Some(String::new())));
    }

    #[test]
    fn percent_escapes_and_plus_are_decoded() {
        assert_eq!(
            no_hp("no_hp=%2B62%20812-3456-789"),
            Ok(Some("+62 812-3456-789".into()))
        );
        assert_eq!(
            no_hp("no_hp=+628123456789"),
            Ok(Some(" 628123456789".into()))
        );
        assert_eq!(no_hp("no%5Fhp=1"), Ok(Some("1".into())));
        assert_eq!(no_hp("no_hp=%c3%a9"), Ok(Some("é".into())));
    }

    #[test]
    fn other_parameters_are_ignored() {
        assert_eq!(no_hp("a=1&no_hp=0812&b=2=3"), Ok(Some("0812".into())));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        assert_eq!(no_hp("no_hp=1&no_hp=1"), Err(QueryError::Repeated));
        assert_eq!(no_hp("no_hp=1&no%5fhp=2"), Err(QueryError::Repeated));
    }

    #[test]
    fn bad_escapes_anywhere_are_refused() {
        for query in [
            "no_hp=%ZZ",
            "no_hp=%2",
            "no_hp=%",
            "no_hp=0812%",
            "x=%G0&no_hp=0812",
        ] {
            assert_eq!(no_hp(query), Err(QueryError::Malformed), "{query}");
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        assert_eq!(no_hp("no_hp=%FF"), Err(QueryError::Malformed));
        assert_eq!(no_hp("no_hp=%C3"), Err(QueryError::Malformed));
    }
}
