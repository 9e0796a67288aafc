//! The order people expect for host and droplet names: digits compare as numbers (`web-2` before
//! `web-10`). Total and deterministic: names equal as numbers fall back to byte order.

use std::cmp::Ordering;

/// Compares `a` and `b` with runs of ASCII digits taken as numbers.
pub fn cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let (dx, rx) = split_digits(x);
                let (dy, ry) = split_digits(y);
                // Leading zeros aside, a longer run of digits is a larger number.
                let (tx, ty) = (trim_zeros(dx), trim_zeros(dy));
                let by_value = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (rx, ry);
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let n = digits.iter().take_while(|c| **c == b'0').count();
    &digits[n.min(digits.len().saturating_sub(1))..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_as_numbers() {
        let mut names = vec![
            "web-10", "web-2", "web-1", "app-1", "web-02", "db", "web-", "web-100", "web-9a",
            "web-9",
        ];
        names.sort_by(|a, b| cmp(a, b));
        assert_eq!(
            names,
            [
                "app-1", "db", "web-", "web-1", "web-02", "web-2", "web-9", "web-9a", "web-10",
                "web-100"
            ]
        );
        assert_eq!(cmp("a", "a"), Ordering::Equal);
        assert_eq!(
            cmp("x-99999999999999999999999", "x-100000000000000000000000"),
            Ordering::Less
        );
    }
}
