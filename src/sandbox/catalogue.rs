//! The fixed catalogue every sandbox account sees: regions, sizes and public images (documented in
//! docs/sandbox.md). Objects are rendered once to JSON so droplet pages can embed them cheaply.

use serde_json::{Value, json};

pub struct Region {
    pub slug: &'static str,
    pub name: &'static str,
    pub available: bool,
    /// Second octet of the private 10.x.0.0/16 range of the region's default VPC.
    pub private_octet: u8,
}

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

pub const REGIONS: &[Region] = &[
    Region {
        slug: "nyc1",
        name: "New York 1",
        available: true,
        private_octet: 100,
    },
    Region {
        slug: "nyc2",
        name: "New York 2",
        available: false,
        private_octet: 101,
    },
    Region {
        slug: "nyc3",
        name: "New York 3",
        available: true,
        private_octet: 102,
    },
    Region {
        slug: "sfo3",
        name: "San Francisco 3",
        available: true,
        private_octet: 103,
    },
    Region {
        slug: "ams2",
        name: "Amsterdam 2",
        available: false,
        private_octet: 104,
    },
    Region {
        slug: "ams3",
        name: "Amsterdam 3",
        available: true,
        private_octet: 105,
    },
    Region {
        slug: "fra1",
        name: "Frankfurt 1",
        available: true,
        private_octet: 106,
    },
    Region {
        slug: "lon1",
        name: "London 1",
        available: true,
        private_octet: 107,
    },
    Region {
        slug: "sgp1",
        name: "Singapore 1",
        available: true,
        private_octet: 108,
    },
    Region {
        slug: "tor1",
        name: "Toronto 1",
        available: true,
        private_octet: 109,
    },
    Region {
        slug: "blr1",
        name: "Bangalore 1",
        available: true,
        private_octet: 110,
    },
    Region {
        slug: "syd1",
        name: "Sydney 1",
        available: true,
        private_octet: 111,
    },
];

const NO_CPU_OPT: &[&str] = &["blr1", "syd1"];
const GPU_ONLY_TOR1: &[&str] = &[
    "nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1", "sgp1", "blr1", "syd1",
];

pub const SIZES: &[Size] = &[
    Size {
        slug: "s-1vcpu-512mb-10gb",
        memory: 512,
        vcpus: 1,
        disk: 10,
        transfer: 0.5,
        price_monthly: 4.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-1vcpu-1gb",
        memory: 1024,
        vcpus: 1,
        disk: 25,
        transfer: 1.0,
        price_monthly: 6.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-1vcpu-2gb",
        memory: 2048,
        vcpus: 1,
        disk: 50,
        transfer: 2.0,
        price_monthly: 12.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-2vcpu-2gb",
        memory: 2048,
        vcpus: 2,
        disk: 60,
        transfer: 3.0,
        price_monthly: 18.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-2vcpu-4gb",
        memory: 4096,
        vcpus: 2,
        disk: 80,
        transfer: 4.0,
        price_monthly: 24.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-4vcpu-8gb",
        memory: 8192,
        vcpus: 4,
        disk: 160,
        transfer: 5.0,
        price_monthly: 48.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "s-8vcpu-16gb",
        memory: 16384,
        vcpus: 8,
        disk: 320,
        transfer: 6.0,
        price_monthly: 96.0,
        description: "Basic",
        not_in: &[],
        gpu: None,
    },
    Size {
        slug: "c-2",
        memory: 4096,
        vcpus: 2,
        disk: 25,
        transfer: 4.0,
        price_monthly: 42.0,
        description: "CPU-Optimized",
        not_in: NO_CPU_OPT,
        gpu: None,
    },
    Size {
        slug: "c-4",
        memory: 8192,
        vcpus: 4,
        disk: 50,
        transfer: 5.0,
        price_monthly: 84.0,
        description: "CPU-Optimized",
        not_in: NO_CPU_OPT,
        gpu: None,
    },
    Size {
        slug: "g-2vcpu-8gb",
        memory: 8192,
        vcpus: 2,
        disk: 25,
        transfer: 4.0,
        price_monthly: 63.0,
        description: "General Purpose",
        not_in: &["blr1"],
        gpu: None,
    },
    Size {
        slug: "g-4vcpu-16gb",
        memory: 16384,
        vcpus: 4,
        disk: 50,
        transfer: 5.0,
        price_monthly: 126.0,
        description: "General Purpose",
        not_in: &["blr1"],
        gpu: None,
    },
    Size {
        slug: "m-2vcpu-16gb",
        memory: 16384,
        vcpus: 2,
        disk: 50,
        transfer: 4.0,
        price_monthly: 84.0,
        description: "Memory-Optimized",
        not_in: &["blr1", "syd1"],
        gpu: None,
    },
    Size {
        slug: "gpu-h100x1-80gb",
        memory: 245_760,
        vcpus: 20,
        disk: 720,
        transfer: 15.0,
        price_monthly: 2278.08,
        description: "GPU",
        not_in: GPU_ONLY_TOR1,
        gpu: Some((1, "nvidia_h100", 80)),
    },
];

pub const IMAGES: &[Image] = &[
    Image {
        id: 112929454,
        slug: "ubuntu-20-04-x64",
        name: "20.04 (LTS) x64",
        distribution: "Ubuntu",
        kind: "distribution",
        min_disk_size: 7,
        size_gigabytes: 0.76,
        created_at: "2022-06-15T17:41:33Z",
        description: "Ubuntu 20.04 (LTS) x64",
    },
    Image {
        id: 129211873,
        slug: "ubuntu-22-04-x64",
        name: "22.04 (LTS) x64",
        distribution: "Ubuntu",
        kind: "distribution",
        min_disk_size: 7,
        size_gigabytes: 0.81,
        created_at: "2023-04-20T14:11:56Z",
        description: "Ubuntu 22.04 (LTS) x64",
    },
    Image {
        id: 160232537,
        slug: "ubuntu-24-04-x64",
        name: "24.04 (LTS) x64",
        distribution: "Ubuntu",
        kind: "distribution",
        min_disk_size: 7,
        size_gigabytes: 0.93,
        created_at: "2024-07-01T15:43:57Z",
        description: "Ubuntu 24.04 (LTS) x64",
    },
    Image {
        id: 145372544,
        slug: "debian-12-x64",
        name: "12 x64",
        distribution: "Debian",
        kind: "distribution",
        min_disk_size: 7,
        size_gigabytes: 0.55,
        created_at: "2023-11-28T10:22:41Z",
        description: "Debian 12 x64 (bookworm)",
    },
    Image {
        id: 158467001,
        slug: "fedora-40-x64",
        name: "40 x64",
        distribution: "Fedora",
        kind: "distribution",
        min_disk_size: 7,
        size_gigabytes: 0.87,
        created_at: "2024-05-02T18:01:12Z",
        description: "Fedora 40 x64",
    },
    Image {
        id: 140564982,
        slug: "rockylinux-9-x64",
        name: "9 x64",
        distribution: "Rocky Linux",
        kind: "distribution",
        min_disk_size: 10,
        size_gigabytes: 1.02,
        created_at: "2023-08-14T09:30:05Z",
        description: "Rocky Linux 9 x64",
    },
    Image {
        id: 139972303,
        slug: "centos-stream-9-x64",
        name: "Stream 9 x64",
        distribution: "CentOS",
        kind: "distribution",
        min_disk_size: 10,
        size_gigabytes: 1.11,
        created_at: "2023-07-27T12:45:19Z",
        description: "CentOS Stream 9 x64",
    },
    Image {
        id: 150983218,
        slug: "docker-20-04",
        name: "Docker on Ubuntu 22.04",
        distribution: "Ubuntu",
        kind: "application",
        min_disk_size: 25,
        size_gigabytes: 2.48,
        created_at: "2024-02-06T08:12:44Z",
        description: "Docker 25 on Ubuntu 22.04",
    },
    Image {
        id: 151002741,
        slug: "wordpress-22-04",
        name: "WordPress on Ubuntu 22.04",
        distribution: "Ubuntu",
        kind: "application",
        min_disk_size: 25,
        size_gigabytes: 3.12,
        created_at: "2024-02-08T11:05:02Z",
        description: "WordPress 6.4 on Ubuntu 22.04",
    },
];

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
