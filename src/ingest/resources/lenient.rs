//! Lenient field types for reading API objects straight from a page's bytes: a field that is missing,
//! null or of an unexpected JSON type reads as `None` (the row's `raw` still has it), so one odd value
//! never fails a listing. Strings borrow from the page unless they hold escapes.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// What a lenient type keeps of each JSON type; everything it does not override is skipped as `None`.
/// `'de` is the page, `Out` may borrow from it.
trait Pick<'de> {
    type Out: Default;

    fn string(_: Cow<'de, str>) -> Self::Out {
        Self::Out::default()
    }
    fn signed(_: i64) -> Self::Out {
        Self::Out::default()
    }
    fn boolean(_: bool) -> Self::Out {
        Self::Out::default()
    }
    fn seq<A: SeqAccess<'de>>(seq: A) -> Result<Self::Out, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(Self::Out::default())
    }
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self::Out, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(Self::Out::default())
    }
}

/// The one visitor behind every lenient type: it hands each JSON type to `P`.
struct PickVisitor<P>(PhantomData<P>);

impl<'de, P: Pick<'de>> Visitor<'de> for PickVisitor<P> {
    type Value = P::Out;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<P::Out, E> {
        Ok(P::string(Cow::Borrowed(v)))
    }
    // A string with escapes cannot borrow: the page holds its escaped form.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<P::Out, E> {
        Ok(P::string(Cow::Owned(v.to_owned())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<P::Out, E> {
        Ok(P::signed(v))
    }
    // As `serde_json::Value::as_i64`: beyond i64 (or a float) is not an integer column's value.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<P::Out, E> {
        Ok(i64::try_from(v).map(P::signed).unwrap_or_default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<P::Out, E> {
        Ok(P::Out::default())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<P::Out, E> {
        Ok(P::boolean(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<P::Out, E> {
        Ok(P::Out::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<P::Out, A::Error> {
        P::seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<P::Out, A::Error> {
        P::map(map)
    }
}

/// Declares a lenient type: a newtype over its `Pick::Out`, deserialized by [`PickVisitor`].
macro_rules! lenient {
    ($(#[$doc:meta])* $name:ident $(<$a:lifetime>)?: $out:ty { $($pick:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug, Default)]
        pub struct $name$(<$a>)?(pub $out);

        impl<'de $(: $a, $a)?> Pick<'de> for $name$(<$a>)? {
            type Out = $out;
            $($pick)*
        }

        impl<'de $(: $a, $a)?> Deserialize<'de> for $name$(<$a>)? {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(PickVisitor::<Self>(PhantomData)).map($name)
            }
        }
    };
}

lenient!(
    /// A string.
    Text<'a>: Option<Cow<'a, str>> {
        fn string(s: Cow<'de, str>) -> Self::Out {
            Some(s)
        }
    }
);

lenient!(
    /// An id: droplets have integers, the others strings (uuids).
    Id<'a>: (Option<i64>, Option<Cow<'a, str>>) {
        fn signed(v: i64) -> Self::Out {
            (Some(v), None)
        }
        fn string(s: Cow<'de, str>) -> Self::Out {
            (None, Some(s))
        }
    }
);

lenient!(
    /// An integer that fits in i64.
    Int: Option<i64> {
        fn signed(v: i64) -> Self::Out {
            Some(v)
        }
    }
);

lenient!(
    /// A boolean.
    Flag: Option<bool> {
        fn boolean(v: bool) -> Self::Out {
            Some(v)
        }
    }
);

lenient!(
    /// The length of an array.
    Count: Option<i64> {
        fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self::Out, A::Error> {
            let mut n = 0i64;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(Some(n))
        }
    }
);

lenient!(
    /// A `region` given as `{"slug": ...}` (droplets) or as the slug itself (some load balancers):
    /// `(slug of the object, the plain string)`.
    Region<'a>: (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
        fn string(s: Cow<'de, str>) -> Self::Out {
            (None, Some(s))
        }
        fn map<A: MapAccess<'de>>(map: A) -> Result<Self::Out, A::Error> {
            let named = SlugName::deserialize(de::value::MapAccessDeserializer::new(map))?;
            Ok((named.slug.0, None))
        }
    }
);

lenient!(
    /// `networks.v4`: the first address of type `public` and the first of type `private` (as the API
    /// lists them; a later entry of the same type is ignored).
    Ipv4s<'a>: (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
        fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self::Out, A::Error> {
            let (mut public, mut private) = (None, None);
            while let Some(Obj(net)) = seq.next_element::<Obj<Network<'a>>>()? {
                let Some(net) = net else { continue };
                let slot = match net.kind.0.as_deref() {
                    Some("public") => &mut public,
                    Some("private") => &mut private,
                    _ => continue,
                };
                slot.get_or_insert(net.ip_address.0);
            }
            Ok((public.flatten(), private.flatten()))
        }
    }
);

/// Any JSON value but `null`, as the exact text the page holds (a `jsonb` / JSON-text column).
#[derive(Debug, Default)]
pub struct Json<'a>(pub Option<&'a str>);

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'a RawValue>::deserialize(d)?.get();
        Ok(Json((raw != "null").then_some(raw)))
    }
}

/// An object read as `T` (a derived struct of lenient fields); anything else is `None`.
#[derive(Debug)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<'de, T: Deserialize<'de>> Pick<'de> for Obj<T> {
    type Out = Option<T>;

    fn map<A: MapAccess<'de>>(map: A) -> Result<Self::Out, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PickVisitor::<Obj<T>>(PhantomData))
            .map(Obj)
    }
}

/// `{"slug": ..., "name": ...}`: a droplet's `image` and `region`.
// `'de: 'a` lets every field borrow from the page, as `#[serde(borrow)]` on each would.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct SlugName<'a> {
    pub slug: Text<'a>,
    pub name: Text<'a>,
}

/// One entry of `networks.v4`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct Network<'a> {
    ip_address: Text<'a>,
    #[serde(rename = "type")]
    kind: Text<'a>,
}

/// A droplet's `networks`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct Networks<'a> {
    pub v4: Ipv4s<'a>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default, bound(deserialize = "'de: 'a"))]
    struct Probe<'a> {
        t: Text<'a>,
        i: Int,
        b: Flag,
        c: Count,
        j: Json<'a>,
        r: Region<'a>,
        id: Id<'a>,
    }

    fn probe(json: &str) -> Probe<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn wanted_types_are_read_and_strings_borrow_when_they_can() {
        let json = r#"{"t": "plain", "i": -3, "b": true, "c": [1, [2], {}], "j": ["a", 1], "r": {"slug": "nyc3"}}"#;
        let p = probe(json);
        assert!(matches!(p.t.0, Some(Cow::Borrowed("plain"))));
        assert_eq!((p.i.0, p.b.0, p.c.0), (Some(-3), Some(true), Some(3)));
        assert_eq!(
            p.j.0,
            Some(r#"["a", 1]"#),
            "the exact text, spaces included"
        );
        assert_eq!(p.r.0, (Some(Cow::Borrowed("nyc3")), None));
        assert_eq!(probe(r#"{"id": 12}"#).id.0, (Some(12), None));
        assert_eq!(
            probe(r#"{"id": "a-b"}"#).id.0,
            (None, Some(Cow::Borrowed("a-b")))
        );
        let escaped = probe(r#"{"t": "tab\there", "r": "sfo2"}"#);
        assert!(matches!(escaped.t.0, Some(Cow::Owned(ref s)) if s == "tab\there"));
        assert_eq!(escaped.r.0, (None, Some(Cow::Borrowed("sfo2"))));
    }

    #[test]
    fn other_types_missing_fields_and_null_read_as_none() {
        let p = probe(
            r#"{"t": {"deep": [1, {"x": "y"}]}, "i": 1.5, "b": "yes", "c": 7, "j": null, "r": [1]}"#,
        );
        assert_eq!(
            (p.t.0, p.i.0, p.b.0, p.c.0, p.j.0),
            (None, None, None, None, None)
        );
        assert_eq!(p.r.0, (None, None));
        assert_eq!(
            probe(r#"{"i": 9223372036854775808}"#).i.0,
            None,
            "beyond i64"
        );
        assert!(probe("{}").t.0.is_none());
    }

    #[test]
    fn the_first_address_of_each_type_wins() {
        let json = r#"{"v4": [7, {"type": "private", "ip_address": "10.0.0.1"},
            {"type": "public", "ip_address": 5}, {"type": "public", "ip_address": "203.0.113.9"},
            {"type": "private", "ip_address": "10.0.0.2"}]}"#;
        let n: Networks = serde_json::from_str(json).unwrap();
        // The first public entry has no usable address: like the Value-based reading, no fallback.
        assert_eq!(n.v4.0, (None, Some(Cow::Borrowed("10.0.0.1"))));
    }
}
