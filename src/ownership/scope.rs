//! Whose droplets these are: an env of one config. Several configs (and people) share an account and
//! even an env name; a top-level `name:` in the config tells their droplets apart.

use super::names::{NAME_TAG_PREFIX, env_tag};
use crate::provider::Droplet;

/// One config's env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub env: String,
    /// The config's `name:`; `None` for configs without one.
    pub name: Option<String>,
}

/// How a droplet carrying the env tag stands to this scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Belongs<'a> {
    Ours,
    /// Carries another config's name tag (or a name tag while this config has none): never touched.
    OtherConfig(&'a str),
    /// Not in the env at all.
    Outside,
}

impl Scope {
    pub fn new(env: &str, name: Option<&str>) -> Scope {
        Scope {
            env: env.to_string(),
            name: name.map(str::to_string),
        }
    }

    /// The tag every droplet of the env carries; the env listing is the listing of this tag.
    pub fn env_tag(&self) -> String {
        env_tag(&self.env)
    }

    /// `stagecraft:name:<name>` when the config has a name.
    pub fn name_tag(&self) -> Option<String> {
        self.name.as_ref().map(|n| name_tag(n))
    }

    /// Droplets without a name tag belong to configs without `name:`, and are taken in (tagged) in place
    /// when `name:` is added; a name tag names the one config a droplet belongs to.
    pub fn belongs<'a>(&self, droplet: &'a Droplet) -> Belongs<'a> {
        if !droplet.has_tag(&self.env_tag()) {
            return Belongs::Outside;
        }
        let names: Vec<&str> = droplet
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix(NAME_TAG_PREFIX))
            .collect();
        match (names.as_slice(), &self.name) {
            ([], _) => Belongs::Ours,
            ([one], Some(ours)) if one == ours => Belongs::Ours,
            ([first, ..], _) => Belongs::OtherConfig(first),
        }
    }

    pub fn owns(&self, droplet: &Droplet) -> bool {
        self.belongs(droplet) == Belongs::Ours
    }
}

pub fn name_tag(name: &str) -> String {
    format!("{NAME_TAG_PREFIX}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn droplet(tags: &[&str]) -> Droplet {
        serde_json::from_value(serde_json::json!({
            "id": 1, "name": "staging-app-1", "status": "active", "size_slug": "s",
            "region": {"slug": "nyc1"}, "image": {"slug": "x"}, "tags": tags,
        }))
        .unwrap()
    }

    #[test]
    fn a_name_tag_decides_which_config_a_droplet_belongs_to() {
        let env = "stagecraft:env:staging";
        let shop = Scope::new("staging", Some("shop"));
        let blog = Scope::new("staging", Some("blog"));
        let unnamed = Scope::new("staging", None);
        let cases: Vec<(Vec<&str>, Belongs, Belongs, Belongs)> = vec![
            (vec![env], Belongs::Ours, Belongs::Ours, Belongs::Ours),
            (
                vec![env, "stagecraft:name:shop"],
                Belongs::Ours,
                Belongs::OtherConfig("shop"),
                Belongs::OtherConfig("shop"),
            ),
            (
                vec!["stagecraft:env:prod"],
                Belongs::Outside,
                Belongs::Outside,
                Belongs::Outside,
            ),
        ];
        for (tags, for_shop, for_blog, for_unnamed) in cases {
            let d = droplet(&tags);
            assert_eq!(shop.belongs(&d), for_shop, "{tags:?}");
            assert_eq!(blog.belongs(&d), for_blog, "{tags:?}");
            assert_eq!(unnamed.belongs(&d), for_unnamed, "{tags:?}");
        }
    }
}
