//! The fixed catalogue every sandbox account sees: regions, sizes and public images (documented in
//! docs/sandbox.md). Objects are rendered once to JSON so droplet pages can embed them cheaply.

use serde_json::{Value, json};

#[derive(Debug, PartialEq)]
pub struct Region {
    pub slug: &'static str,
    pub name: &'static str,
    pub available: bool,
    /// Second octet of the private 10.x.0.0/16 range of the region's default VPC.
    pub private_octet: u8,
}

#[derive(Debug, PartialEq)]
pub struct Size {
    pub slug: &'static str,
    pub memory: u32,
    pub vcpus: u32,
    pub disk: u32,
    pub transfer: f64,
    pub price_monthly: f64,
    pub description: &'static str,
    /// Available regions that do NOT offer this size (everything else available offers it).
    pub not_in: &'static [&'static str],
    pub gpu: Option<(u32, &'static str, u32)>,
}

#[derive(Debug, PartialEq)]
pub struct Image {
    pub id: u64,
    pub slug: &'static str,
    pub name: &'static str,
    pub distribution: &'static str,
    /// `distribution` or `application`, for the `type=` filter on GET /v2/images.
    pub kind: &'static str,
    pub min_disk_size: u32,
    pub size_gigabytes: f64,
    pub created_at: &'static str,
    pub description: &'static str,
}

mod data;

pub use data::{IMAGES, REGIONS, SIZES};

pub fn region(slug: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.slug == slug)
}

pub fn size(slug: &str) -> Option<&'static Size> {
    SIZES.iter().find(|s| s.slug == slug)
}

/// A public image by integer id or slug.
pub fn image(id_or_slug: &str) -> Option<&'static Image> {
    match id_or_slug.parse::<u64>() {
        Ok(id) => IMAGES.iter().find(|i| i.id == id),
        Err(_) => IMAGES.iter().find(|i| i.slug == id_or_slug),
    }
}

pub fn image_by_id(id: u64) -> Option<&'static Image> {
    IMAGES.iter().find(|i| i.id == id)
}

impl Size {
    /// Whether this size can be created in `region` (the region must be available too).
    pub fn offered_in(&self, region: &Region) -> bool {
        region.available && !self.not_in.contains(&region.slug)
    }

    pub fn price_hourly(&self) -> f64 {
        // DigitalOcean bills at most 672 hours (4 weeks) a month.
        self.price_monthly / 672.0
    }

    /// Full Size object (`sizes/models/size.yml`); `with_disk_info` for GET /v2/sizes, as its example.
    pub fn to_json(&self, with_disk_info: bool) -> Value {
        let regions: Vec<&str> = REGIONS
            .iter()
            .filter(|r| self.offered_in(r))
            .map(|r| r.slug)
            .collect();
        let mut v = json!({
            "slug": self.slug,
            "memory": self.memory,
            "vcpus": self.vcpus,
            "disk": self.disk,
            "transfer": self.transfer,
            "price_monthly": self.price_monthly,
            "price_hourly": self.price_hourly(),
            "regions": regions,
            "available": true,
            "description": self.description,
        });
        if with_disk_info {
            v["disk_info"] =
                json!([{"type": "local", "size": {"amount": self.disk, "unit": "gib"}}]);
        }
        if let Some((count, model, vram)) = self.gpu {
            v["gpu_info"] =
                json!({"count": count, "model": model, "vram": {"amount": vram, "unit": "gib"}});
        }
        v
    }
}

impl Region {
    /// Full Region object (`regions/models/region.yml`). Unavailable regions offer no sizes.
    pub fn to_json(&self) -> Value {
        let sizes: Vec<&str> = SIZES
            .iter()
            .filter(|s| s.offered_in(self))
            .map(|s| s.slug)
            .collect();
        json!({
            "name": self.name,
            "slug": self.slug,
            "features": ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"],
            "available": self.available,
            "sizes": sizes,
        })
    }
}

impl Image {
    /// Full Image object (`images/models/image.yml`); public images are in every available region.
    pub fn to_json(&self) -> Value {
        let regions: Vec<&str> = REGIONS
            .iter()
            .filter(|r| r.available)
            .map(|r| r.slug)
            .collect();
        json!({
            "id": self.id,
            "name": self.name,
            "distribution": self.distribution,
            "slug": self.slug,
            "public": true,
            "regions": regions,
            "created_at": self.created_at,
            "type": "base",
            "min_disk_size": self.min_disk_size,
            "size_gigabytes": self.size_gigabytes,
            "description": self.description,
            "tags": [],
            "status": "available",
            "error_message": "",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_invariants() {
        for s in SIZES {
            assert_eq!(s.memory % 8, 0, "{}", s.slug);
            assert!(
                !s.to_json(false)["regions"]
                    .as_array()
                    .map(Vec::is_empty)
                    .unwrap_or(true),
                "{}",
                s.slug
            );
        }
        // At least one size is not offered in at least one available region.
        assert!(
            SIZES
                .iter()
                .any(|s| REGIONS.iter().any(|r| r.available && !s.offered_in(r)))
        );
        assert!(!region("nyc2").map(|r| r.available).unwrap_or(true));
        assert_eq!(image("ubuntu-24-04-x64").map(|i| i.id), Some(160232537));
        assert_eq!(image("160232537").map(|i| i.slug), Some("ubuntu-24-04-x64"));
        assert!(
            (size("s-1vcpu-1gb").map(|s| s.price_hourly()).unwrap_or(0.0) - 6.0 / 672.0).abs()
                < 1e-12
        );
    }
}
