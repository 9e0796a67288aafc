//! The one duration syntax: a decimal number and a unit, `500ms`, `1.5s`, `10m`, `1h`.
//!
//! Every duration a user writes goes through [`parse_duration`]: command-line flags, environment variables,
//! `stagecraft.yml` and the sandbox's options, so one spelling works everywhere.

use std::time::Duration;

/// The longest duration accepted: ten years. Longer values are surely typos, and a deadline computed as
/// "now + duration" must not overflow the platform's clock types.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// No wait stagecraft makes is meant to last a day: a longer one is a typo (`10h` for `10m`). Checked
/// where a duration is a wait (the `apply:` timings), not by the parser, which also reads other settings.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Why a text is not a duration. The text is quoted back: durations are never secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error(
        "`{0}` is not a duration: write a number and a unit (ms, s, m or h), e.g. 500ms, 1.5s, 10m, 1h"
    )]
    Syntax(String),
    #[error("`{0}` is too long: durations are at most 87600h (ten years)")]
    TooLong(String),
}

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Digits beyond 18 after the point are below a nanosecond even in hours, and would overflow a `u64`.
const MAX_FRACTION_DIGITS: usize = 18;

/// Parses `<digits>[.<digits>]<unit>`, unit `ms`, `s`, `m` or `h`. No sign, no spaces inside, no bare
/// numbers (is `5` seconds or minutes?). Sub-nanosecond digits are dropped.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    let syntax = || DurationError::Syntax(trimmed.to_string());
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(syntax)?;
    let (number, unit) = trimmed.split_at(split);
    let unit_nanos: u128 = match unit {
        "ms" => 1_000_000,
        "s" => NANOS_PER_SEC,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3600 * NANOS_PER_SEC,
        _ => return Err(syntax()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || number.ends_with('.') {
        return Err(syntax());
    }
    let too_long = || DurationError::TooLong(trimmed.to_string());
    let whole: u128 = whole.parse().map_err(|_| too_long())?;
    let fraction = &fraction[..fraction.len().min(MAX_FRACTION_DIGITS)];
    let fraction_nanos = match fraction {
        "" => 0,
        f => {
            let scale = 10u128.pow(f.len() as u32);
            f.parse::<u128>().map_err(|_| syntax())? * unit_nanos / scale
        }
    };
    let nanos = whole
        .checked_mul(unit_nanos)
        .and_then(|n| n.checked_add(fraction_nanos))
        .ok_or_else(too_long)?;
    if nanos > MAX_DURATION.as_nanos() {
        return Err(too_long());
    }
    let secs = u64::try_from(nanos / NANOS_PER_SEC).map_err(|_| too_long())?;
    Ok(Duration::new(secs, (nanos % NANOS_PER_SEC) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_syntax() {
        for (text, millis) in [
            ("500ms", 500),
            ("5s", 5000),
            ("1.5s", 1500),
            ("0s", 0),
            ("0.25m", 15_000),
            ("10m", 600_000),
            ("1h", 3_600_000),
            ("1.5h", 5_400_000),
            (" 2s ", 2000),
            ("87600h", 315_360_000_000),
        ] {
            assert_eq!(
                parse_duration(text).map(|d| d.as_millis()),
                Ok(millis),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_duration("1.000000001s"),
            Ok(Duration::new(1, 1)),
            "nanosecond precision"
        );
    }

    #[test]
    fn everything_else_is_refused_with_the_syntax_in_the_message() {
        for text in [
            "", "5", "s", "5x", "-1s", "+1s", "1 s", "1.s", ".5s", "1..5s", "1.2.3s", "5S",
            "1h30m", "1e3ms", "NaNs", "infs",
        ] {
            let error = parse_duration(text).expect_err(text);
            assert!(
                matches!(error, DurationError::Syntax(_)),
                "{text:?}: {error:?}"
            );
            assert!(error.to_string().contains("e.g. 500ms, 1.5s, 10m, 1h"));
        }
    }

    #[test]
    fn large_values_are_refused_instead_of_wrapping() {
        for text in [
            "87601h",
            "5124095576030431h",
            "18446744073709551616s",
            "99999999999999999999999999999999999999999h",
        ] {
            assert_eq!(
                parse_duration(text),
                Err(DurationError::TooLong(text.to_string())),
                "{text}"
            );
        }
    }
}
