//! Environment variables as stagecraft sees them: the real environment over a `.env` file beside the config.

use std::collections::BTreeMap;
use std::path::Path;

/// A read-only view of the environment. Tests build one by hand instead of mutating the process.
#[derive(Clone, Default)]
pub struct EnvVars {
    real: BTreeMap<String, String>,
    dotenv: BTreeMap<String, String>,
}

impl std::fmt::Debug for EnvVars {
    // Values may be tokens: never show them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvVars")
            .field("real", &self.real.keys().collect::<Vec<_>>())
            .field("dotenv", &self.dotenv.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A `.env` error without the file's text: a line that fails to parse usually holds a value, and values
/// here are tokens. Only the line number and the variable's name are given.
fn describe(path: &Path, error: &dotenvy::Error) -> String {
    match error {
        dotenvy::Error::LineParse(text, _) => {
            let lines = std::fs::read_to_string(path).unwrap_or_default();
            let line = lines
                .lines()
                .position(|l| !l.trim().is_empty() && text.starts_with(l.trim_end()))
                .map_or_else(String::new, |i| format!(":{}", i + 1));
            let name = text
                .split_once('=')
                .map(|(k, _)| k.trim().trim_start_matches("export ").trim())
                .filter(|k| {
                    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
                .map_or_else(String::new, |k| format!(" (setting `{k}`)"));
            format!(
                "{}{line}: cannot parse this line{name}: look for an unterminated quote or a stray character (its text is not shown: it may hold a secret)",
                path.display()
            )
        }
        dotenvy::Error::Io(e) => format!("{}: {e}", path.display()),
        _ => format!("{}: cannot be read as a .env file", path.display()),
    }
}

impl EnvVars {
    pub fn from_process() -> Self {
        Self {
            real: std::env::vars().collect(),
            dotenv: BTreeMap::new(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self {
            real: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            dotenv: BTreeMap::new(),
        }
    }

    /// Reads a `.env` file; real variables keep winning. A missing file is not an error.
    pub fn load_dotenv(&mut self, path: &Path) -> Result<(), String> {
        if !path.is_file() {
            return Ok(());
        }
        let iter = dotenvy::from_path_iter(path).map_err(|e| describe(path, &e))?;
        for item in iter {
            let (key, value) = item.map_err(|e| describe(path, &e))?;
            self.dotenv.insert(key, value);
        }
        Ok(())
    }

    /// The value of `name`, from the real environment first; empty values count as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.real
            .get(name)
            .or_else(|| self.dotenv.get(name))
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_environment_wins_over_dotenv() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".env");
        std::fs::write(&file, "A=from-file\nB=from-file\n").unwrap();
        let mut env = EnvVars::from_pairs([("A", "real")]);
        env.load_dotenv(&file).unwrap();
        assert_eq!(env.get("A"), Some("real"));
        assert_eq!(env.get("B"), Some("from-file"));
        assert_eq!(env.get("C"), None);
        assert!(!format!("{env:?}").contains("real\""));
    }
}
