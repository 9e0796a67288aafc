//! Checks a located YAML tree against the JSON Schema generated from the config types, collecting every problem.
//!
//! The schema is the single source of truth for keys and types: the same document editors use through
//! `schemas/stagecraft.schema.json`, so the error messages and editor hints can never disagree.

use serde_json::Value as Json;

use super::Problem;
use super::located::{Node, ScalarKind, Value};

/// Appends to `problems` every way `node` breaks `schema`.
pub fn check(node: &Node, schema: &Json, problems: &mut Vec<Problem>) {
    Walker {
        root: schema,
        problems,
        anchor: node.pos,
    }
    .check(node, schema, "")
}

struct Walker<'a> {
    root: &'a Json,
    problems: &'a mut Vec<Problem>,
    /// Where the key of the node being checked stands: missing keys are reported there.
    anchor: super::located::Pos,
}

impl Walker<'_> {
    fn check(&mut self, node: &Node, schema: &Json, path: &str) {
        let schema = match schema.get("$ref").and_then(Json::as_str) {
            Some(reference) => match lookup_ref(self.root, reference) {
                Some(target) => target.clone(),
                None => return,
            },
            None => schema.clone(),
        };
        // An object's own `anyOf` of `required` lists is checked with its keys (see `check_object`).
        let union = !schema.get("properties").is_some_and(Json::is_object);
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array)
            .filter(|_| union)
        {
            // schemars writes `Option<T>` as anyOf [T, null]: a null node is fine, anything else must be a T.
            let (nulls, others): (Vec<&Json>, Vec<&Json>) =
                branches.iter().partition(|b| is_null_schema(b));
            if !nulls.is_empty() && node.scalar_kind() == Some(ScalarKind::Null) {
                return;
            }
            if let [only] = others.as_slice() {
                self.check(node, only, path);
                return;
            }
            // Several branches (`all` or a list): the one whose type fits the node is checked.
            let actual = json_type(node);
            let fitting: Vec<&Json> = (others.iter().copied())
                .filter(|b| {
                    let types = allowed_types(b);
                    types.is_empty() || types.iter().any(|t| type_matches(t, actual))
                })
                .collect();
            if let [one] = fitting.as_slice() {
                self.check(node, one, path);
            }
            return;
        }
        if let Value::Alias = node.value {
            self.report(
                node,
                path,
                "YAML aliases are not supported here; write the value out".to_string(),
            );
            return;
        }
        let allowed = allowed_types(&schema);
        let actual = json_type(node);
        if !allowed.is_empty() && !allowed.iter().any(|t| type_matches(t, actual)) {
            let shown = if actual == "null" {
                "nothing".to_string()
            } else {
                format!("{} {actual}", article(actual))
            };
            let wanted = allowed
                .iter()
                .filter(|t| *t != "null")
                .cloned()
                .collect::<Vec<_>>()
                .join(" or ");
            let what = if path.is_empty() {
                "the file".to_string()
            } else {
                format!("`{path}`")
            };
            self.report(
                node,
                path,
                format!(
                    "{what} must be {} {wanted}, found {shown}",
                    article(&wanted)
                ),
            );
            return;
        }
        match &node.value {
            Value::Map(entries) => self.check_object(entries, &schema, path),
            Value::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item, item_schema, &format!("{path}[{i}]"));
                    }
                }
            }
            Value::Scalar { text, .. } => self.check_scalar(node, text, actual, &schema, path),
            Value::Alias => {}
        }
    }

    fn check_object(&mut self, entries: &[(Node, Node)], schema: &Json, path: &str) {
        let anchor = self.anchor;
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (key_node, value) in entries {
            let Some(key) = key_node.as_str() else {
                self.report(key_node, path, "keys must be plain strings".to_string());
                continue;
            };
            let child_path = if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            };
            if seen.contains(&key) {
                self.report(key_node, path, format!("duplicate key `{key}`"));
                continue;
            }
            seen.insert(key);
            if let Some(prop) = properties.and_then(|p| p.get(key)) {
                self.anchor = key_node.pos;
                self.check(value, prop, &child_path);
            } else {
                match additional {
                    Some(Json::Bool(false)) => {
                        let known: Vec<&str> = properties
                            .map(|p| p.keys().map(String::as_str).collect())
                            .unwrap_or_default();
                        let hint = match did_you_mean(key, &known) {
                            Some(close) => format!("; did you mean `{close}`?"),
                            None => format!("; expected one of: {}", known.join(", ")),
                        };
                        let where_ = if path.is_empty() {
                            "at the top level".to_string()
                        } else {
                            format!("in `{path}`")
                        };
                        self.report(
                            key_node,
                            path,
                            format!("unknown key `{key}` {where_}{hint}"),
                        );
                    }
                    Some(extra @ Json::Object(_)) => {
                        self.anchor = key_node.pos;
                        self.check(value, extra, &child_path)
                    }
                    _ => {}
                }
            }
        }
        // `anyOf` of `required` lists: at least one of the keys (`ssh_key_name` or `ssh_keys`).
        if let Some(any_of) = schema.get("anyOf").and_then(Json::as_array) {
            let alternatives: Vec<&str> = any_of
                .iter()
                .filter_map(|a| a.get("required")?.as_array()?.first()?.as_str())
                .collect();
            if !alternatives.is_empty() && !alternatives.iter().any(|k| seen.contains(k)) {
                let where_ = if path.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `{path}`")
                };
                let others: Vec<String> =
                    alternatives[1..].iter().map(|k| format!("`{k}`")).collect();
                self.problems.push(Problem {
                    pos: anchor,
                    path: path.to_string(),
                    message: format!(
                        "missing required key `{}` (or {}) {where_}",
                        alternatives[0],
                        others.join(", or ")
                    ),
                });
            }
        }
        if let Some(required) = schema.get("required").and_then(Json::as_array) {
            for key in required.iter().filter_map(Json::as_str) {
                if !seen.contains(&key) {
                    let where_ = if path.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{path}`")
                    };
                    self.problems.push(Problem {
                        pos: anchor,
                        path: path.to_string(),
                        message: format!("missing required key `{key}` {where_}"),
                    });
                }
            }
        }
    }

    fn check_scalar(&mut self, node: &Node, text: &str, actual: &str, schema: &Json, path: &str) {
        if let Some(options) = schema.get("enum").and_then(Json::as_array) {
            let names: Vec<&str> = options.iter().filter_map(Json::as_str).collect();
            if !names.contains(&text) {
                let hint = did_you_mean(text, &names)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                self.report(
                    node,
                    path,
                    format!("`{text}` is not one of: {}{hint}", names.join(", ")),
                );
            }
        }
        if actual == "string"
            && let Some(pattern) = schema.get("pattern").and_then(Json::as_str)
            && let Ok(re) = regex::Regex::new(pattern)
            && !re.is_match(text)
        {
            self.report(
                node,
                path,
                format!("`{text}` does not match the pattern {pattern}"),
            );
        }
        if matches!(actual, "integer" | "number")
            && let Ok(number) = text.parse::<f64>()
        {
            if let Some(min) = schema
                .get("minimum")
                .and_then(Json::as_f64)
                .filter(|m| number < *m)
            {
                self.report(node, path, format!("{text} is below the minimum {min}"));
            }
            if let Some(max) = schema
                .get("maximum")
                .and_then(Json::as_f64)
                .filter(|m| number > *m)
            {
                self.report(node, path, format!("{text} is above the maximum {max}"));
            }
        }
    }

    fn report(&mut self, node: &Node, path: &str, message: String) {
        self.problems.push(Problem {
            pos: node.pos,
            path: path.to_string(),
            message,
        });
    }
}

fn lookup_ref<'a>(root: &'a Json, reference: &str) -> Option<&'a Json> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn is_null_schema(schema: &Json) -> bool {
    schema.get("type").and_then(Json::as_str) == Some("null")
}

fn allowed_types(schema: &Json) -> Vec<String> {
    match schema.get("type") {
        Some(Json::String(t)) => vec![t.clone()],
        Some(Json::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn json_type(node: &Node) -> &'static str {
    match &node.value {
        Value::Map(_) => "object",
        Value::Seq(_) => "array",
        Value::Alias => "alias",
        Value::Scalar { .. } => match node.scalar_kind() {
            Some(ScalarKind::Null) => "null",
            Some(ScalarKind::Bool) => "boolean",
            Some(ScalarKind::Integer) => "integer",
            Some(ScalarKind::Number) => "number",
            _ => "string",
        },
    }
}

fn type_matches(wanted: &str, actual: &str) -> bool {
    wanted == actual || (wanted == "number" && actual == "integer")
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.len() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let cases = [
            ("token_evn", Some("token_env")),
            ("sise", Some("size")),
            ("regoin", Some("region")),
            ("completely_else", None),
        ];
        for (word, expected) in cases {
            assert_eq!(
                did_you_mean(word, &["token_env", "size", "region", "role"]),
                expected,
                "{word}"
            );
        }
    }
}
