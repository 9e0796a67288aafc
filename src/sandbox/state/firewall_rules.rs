//! The checks of one firewall's name and rules: protocols, port ranges (`"0"` for all; `"all"` is
//! refused as the real API refuses it), addresses and CIDRs, and the 1000 targets a rule may name.

use std::net::IpAddr;

use super::net_requests::{NetError, Rule};

pub const MAX_TARGETS: usize = 1000;

/// `^[a-zA-Z0-9][a-zA-Z0-9\.-]+$`: two characters or more.
pub fn check_firewall_name(name: &str) -> Result<(), NetError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok =
        name.len() >= 2 && chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(NetError::invalid(format!(
            "firewall name {name:?} is invalid: two or more letters, digits, dots and dashes, starting with a letter or digit"
        )))
    }
}

pub fn check_rule(rule: &Rule) -> Result<(), NetError> {
    if !matches!(rule.protocol.as_str(), "tcp" | "udp" | "icmp") {
        return Err(NetError::invalid(format!(
            "protocol {:?} is invalid: tcp, udp or icmp",
            rule.protocol
        )));
    }
    if rule.protocol != "icmp" && !valid_ports(&rule.ports) {
        // The real API's wording for `"all"` and other non-numbers.
        return Err(NetError::invalid(format!(
            "you must specify a valid range for ports: {:?} (a port, a range such as 8000-9000, or 0 for all)",
            rule.ports
        )));
    }
    if rule.targets.len() > MAX_TARGETS {
        return Err(NetError::invalid(format!(
            "a rule may name at most {MAX_TARGETS} sources or destinations"
        )));
    }
    if let Some(a) = rule.targets.addresses.iter().find(|a| !valid_address(a)) {
        return Err(NetError::invalid(format!("invalid address {a:?}")));
    }
    Ok(())
}

fn valid_ports(ports: &str) -> bool {
    let port = |p: &str| p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
    match ports.split_once('-') {
        _ if ports == "0" => true,
        Some((a, b)) => port(a) && port(b) && a.parse::<u32>().ok() <= b.parse::<u32>().ok(),
        None => port(ports),
    }
}

/// An IPv4 or IPv6 address, or a CIDR of either with a prefix in range.
pub fn valid_address(text: &str) -> bool {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|n| n <= max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_addresses() {
        for ok in ["0", "22", "8000-9000", "65535"] {
            assert!(valid_ports(ok), "{ok}");
        }
        for bad in ["all", "", "0-10", "70000", "9000-8000", "22 "] {
            assert!(!valid_ports(bad), "{bad}");
        }
        for ok in [
            "0.0.0.0/0",
            "::/0",
            "10.0.0.1",
            "2001:db8::/32",
            "10.0.0.0/8",
        ] {
            assert!(valid_address(ok), "{ok}");
        }
        for bad in ["10.0.0.0/33", "::/129", "example.com", "10.0.0/8", ""] {
            assert!(!valid_address(bad), "{bad}");
        }
        assert!(check_firewall_name("a").is_err());
        assert!(check_firewall_name("staging-web").is_ok());
        assert!(check_firewall_name("-web").is_err());
        assert!(check_firewall_name("web_1").is_err());
    }
}
