//! Quoting the remote command: `ssh` hands one string to the remote login shell, so each word is quoted.

/// Joins `words` into one POSIX shell command line that the remote shell splits back into exactly `words`.
pub fn command_line(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// A word as the remote shell must see it: unchanged when it holds only characters no shell treats
/// specially, else single-quoted with each `'` written as `'\''` (the only character single quotes cannot hold).
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_safe) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

// Deliberately short: `=` and `:` are safe in every position for POSIX shells; `~`, `*`, `?`, `[`, `{`,
// `#`, `!` and `%` are not in some position or some shell, so they are quoted.
fn is_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ',' | '+' | '=' | ':' | '@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_each_word_for_the_remote_shell() {
        for (word, quoted) in [
            ("uptime", "uptime"),
            ("/var/log/syslog", "/var/log/syslog"),
            ("key=value", "key=value"),
            ("user@host:1.2", "user@host:1.2"),
            ("", "''"),
            ("a b", "'a b'"),
            ("$HOME", "'$HOME'"),
            ("it's", r"'it'\''s'"),
            ("'", r"''\'''"),
            ("\"quoted\"", "'\"quoted\"'"),
            ("a;rm -rf /", "'a;rm -rf /'"),
            ("`id`", "'`id`'"),
            ("$(id)", "'$(id)'"),
            ("~", "'~'"),
            ("*.log", "'*.log'"),
            ("line\nbreak", "'line\nbreak'"),
            ("tab\there", "'tab\there'"),
            ("back\\slash", "'back\\slash'"),
            ("#comment", "'#comment'"),
            ("héllo", "'héllo'"),
        ] {
            assert_eq!(quote(word), quoted, "{word:?}");
        }
    }

    #[test]
    fn joins_words_with_spaces() {
        let words: Vec<String> = ["echo", "a b", "$HOME"].map(String::from).into();
        assert_eq!(command_line(&words), "echo 'a b' '$HOME'");
    }

    /// The real test of quoting: a local `sh` splits the line back into the same words.
    #[test]
    fn sh_reads_back_the_same_words() {
        let words: Vec<String> = [
            "printf", "%s\\n", "a b", "$HOME", "it's", "", "\"x\"", "`id`", "*", "a\nb",
        ]
        .map(String::from)
        .into();
        let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg(command_line(&words))
            .output()
        else {
            return; // no sh on this machine: the table above still holds
        };
        let expected: String = words[2..].iter().map(|w| format!("{w}\n")).collect();
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
}
