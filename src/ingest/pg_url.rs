//! A `postgres://` URL taken apart: checked for what `--db` needs, the libpq TLS parameters (`sslmode`,
//! `sslrootcert`) lifted out, since the driver does not know them, and the rest parsed by the driver.

use std::path::PathBuf;

use super::redact::{percent_decode, scrub};

/// A checked PostgreSQL URL: what the driver connects with, and how TLS is to be done.
pub struct PgUrl {
    /// The URL without its TLS parameters, as the driver parsed it.
    pub config: postgres::Config,
    pub tls: TlsParams,
}

impl PgUrl {
    /// Checks a `postgres://` or `postgresql://` URL and takes it apart. The error is the reason that
    /// follows "--db `URL`" in the message, with no password in it.
    pub fn parse(url: &str) -> Result<PgUrl, String> {
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let path = rest[end..].split('?').next().unwrap_or("");
        if host.is_empty() && !rest[end..].contains("host=") {
            return Err(
                "has no host; write postgres://USER:PASSWORD@HOST:PORT/DATABASE".to_string(),
            );
        }
        if path.trim_start_matches('/').is_empty() {
            return Err(
                "names no database; write postgres://USER:PASSWORD@HOST:PORT/DATABASE".to_string(),
            );
        }
        let (driver_url, tls) = split_url(url)?;
        let config = driver_url.parse::<postgres::Config>().map_err(|e| {
            // The driver's message may quote the URL; keep only its gist, redacted.
            format!(
                "is not a valid PostgreSQL URL ({}); write postgres://USER:PASSWORD@HOST:PORT/DATABASE and percent-encode special characters in the password",
                scrub(url, &e.to_string())
            )
        })?;
        Ok(PgUrl { config, tls })
    }
}

/// libpq's `sslmode` values (`allow` is treated as `prefer`: both encrypt when the server offers it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Where the trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    File(PathBuf),
    /// `sslrootcert=system`: the Mozilla roots compiled in (webpki-roots).
    System,
}

/// The TLS parameters of a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    pub mode: SslMode,
    pub root_cert: Option<RootCert>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL: the URL the driver gets, and the TLS
/// parameters. Client certificates (`sslcert`, `sslkey`) are refused rather than ignored.
fn split_url(url: &str) -> Result<(String, TlsParams), String> {
    let mut mode = None;
    let mut root_cert = None;
    let Some((base, query)) = url.split_once('?') else {
        return Ok((
            url.to_string(),
            TlsParams {
                mode: SslMode::Prefer,
                root_cert,
            },
        ));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "sslmode" => {
                mode = Some(match value.as_str() {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(format!(
                            "has sslmode={other}; use one of disable, prefer, require, verify-ca, verify-full"
                        ));
                    }
                })
            }
            "sslrootcert" => {
                root_cert = Some(match value.as_str() {
                    "" => return Err("has an empty sslrootcert; give the path of the server's CA certificate (PEM) or sslrootcert=system".into()),
                    "system" => RootCert::System,
                    path => RootCert::File(PathBuf::from(path)),
                })
            }
            "sslcert" | "sslkey" | "sslpassword" => {
                return Err(format!(
                    "has {key}=...; client certificates are not supported yet: authenticate with a password"
                ));
            }
            _ => kept.push(pair),
        }
    }
    // As libpq: trusting every public CA is only safe with the host name checked too.
    let mode = match (mode, &root_cert) {
        (None, Some(RootCert::System)) => SslMode::VerifyFull,
        (Some(m), Some(RootCert::System)) if m != SslMode::VerifyFull => {
            return Err(
                "has sslrootcert=system with a weaker sslmode; use sslmode=verify-full (the default with \
                 sslrootcert=system), since any publicly trusted certificate would pass otherwise"
                    .into(),
            );
        }
        (m, _) => m.unwrap_or(SslMode::Prefer),
    };
    let params = TlsParams { mode, root_cert };
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_libpq_tls_parameters_out_of_the_url() {
        let cases: &[(&str, &str, SslMode, Option<RootCert>)] = &[
            (
                "postgres://u@h/db",
                "postgres://u@h/db",
                SslMode::Prefer,
                None,
            ),
            (
                "postgres://u@h/db?sslmode=require",
                "postgres://u@h/db",
                SslMode::Require,
                None,
            ),
            (
                "postgres://u@h:25060/db?sslmode=verify-full&sslrootcert=/etc/ca%20file.crt&connect_timeout=5",
                "postgres://u@h:25060/db?connect_timeout=5",
                SslMode::VerifyFull,
                Some(RootCert::File("/etc/ca file.crt".into())),
            ),
            (
                "postgres://u@h/db?application_name=x&sslrootcert=/ca.pem&sslmode=verify-ca",
                "postgres://u@h/db?application_name=x",
                SslMode::VerifyCa,
                Some(RootCert::File("/ca.pem".into())),
            ),
            (
                "postgres://u@h/db?sslmode=allow",
                "postgres://u@h/db",
                SslMode::Prefer,
                None,
            ),
            (
                "postgres://u@h/db?sslmode=disable",
                "postgres://u@h/db",
                SslMode::Disable,
                None,
            ),
        ];
        for (given, url, mode, root_cert) in cases {
            let (got_url, params) = split_url(given).unwrap();
            assert_eq!(&got_url, url, "{given}");
            assert_eq!(params.mode, *mode, "{given}");
            assert_eq!(&params.root_cert, root_cert, "{given}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        for (given, says) in [
            ("postgres://u@h/db?sslmode=verify", "sslmode=verify;"),
            ("postgres://u@h/db?sslrootcert=", "empty sslrootcert"),
            ("postgres://u@h/db?sslcert=/c.pem", "client certificates"),
        ] {
            let err = split_url(given).unwrap_err();
            assert!(err.contains(says), "{given}: {err}");
        }
    }

    #[test]
    fn the_system_roots_mean_verify_full() {
        let (_, params) = split_url("postgres://u@h/db?sslrootcert=system").unwrap();
        assert_eq!(params.mode, SslMode::VerifyFull);
        for weaker in ["require", "verify-ca", "prefer", "disable"] {
            let err = split_url(&format!(
                "postgres://u@h/db?sslmode={weaker}&sslrootcert=system"
            ))
            .unwrap_err();
            assert!(err.contains("use sslmode=verify-full"), "{weaker}: {err}");
        }
    }
}
