//! A YAML tree that remembers where every node stands, so config errors can name line and column.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in the config file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar with its text and whether it was quoted (quoted scalars are always strings).
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// An alias (`*name`); stagecraft configs do not need them and they are reported.
    Alias,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The JSON-ish type a scalar reads as under YAML 1.2 core rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Null,
    Bool,
    Integer,
    Number,
    String,
}

impl Node {
    pub fn scalar_kind(&self) -> Option<ScalarKind> {
        let Value::Scalar { text, quoted } = &self.value else {
            return None;
        };
        if *quoted {
            return Some(ScalarKind::String);
        }
        Some(match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => ScalarKind::Bool,
            t if t.parse::<i64>().is_ok() => ScalarKind::Integer,
            t if t.parse::<f64>().is_ok()
                && !t.eq_ignore_ascii_case("inf")
                && !t.eq_ignore_ascii_case("nan") =>
            {
                ScalarKind::Number
            }
            _ => ScalarKind::String,
        })
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value under `key` of a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys from this node.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The key node of `key` in a mapping (to point at the key rather than its value).
    pub fn key_node(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, _)| k),
            _ => None,
        }
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one YAML document into a located tree. An empty document gives `None`.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| SyntaxError {
        pos: pos_of(e.marker()),
        message: e.info().to_string(),
    })?;
    Ok(builder.root)
}

fn pos_of(mark: &Marker) -> Pos {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Pos {
        line: mark.line(),
        col: mark.col() + 1,
    }
}

enum Frame {
    Seq(Node),
    Map {
        node: Node,
        pending_key: Option<Node>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
}

impl Builder {
    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq(seq)) => {
                if let Value::Seq(items) = &mut seq.value {
                    items.push(node);
                }
            }
            Some(Frame::Map {
                node: map,
                pending_key,
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if let Value::Map(entries) = &mut map.value {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = pos_of(&mark);
        match ev {
            Event::Scalar(text, style, _, _) => {
                let quoted = !matches!(style, TScalarStyle::Plain);
                self.push_value(Node {
                    value: Value::Scalar { text, quoted },
                    pos,
                });
            }
            Event::Alias(_) => self.push_value(Node {
                value: Value::Alias,
                pos,
            }),
            Event::SequenceStart(..) => self.stack.push(Frame::Seq(Node {
                value: Value::Seq(Vec::new()),
                pos,
            })),
            Event::MappingStart(..) => self.stack.push(Frame::Map {
                node: Node {
                    value: Value::Map(Vec::new()),
                    pos,
                },
                pending_key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(Frame::Seq(node) | Frame::Map { node, .. }) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let root = parse("a:\n  b: 1\n  c: [x, 'y']\n").unwrap().unwrap();
        let b = root.at(&["a", "b"]).unwrap();
        assert_eq!(b.pos, Pos { line: 2, col: 6 });
        assert_eq!(
            root.at(&["a"]).unwrap().key_node("c").unwrap().pos,
            Pos { line: 3, col: 3 }
        );
        let Value::Seq(items) = &root.at(&["a", "c"]).unwrap().value else {
            panic!()
        };
        assert_eq!(items[1].scalar_kind(), Some(ScalarKind::String));
        assert_eq!(b.scalar_kind(), Some(ScalarKind::Integer));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1, "{err:?}");
    }
}
