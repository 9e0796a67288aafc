//! The fixed catalogue: `/v2/regions`, `/v2/sizes`, `/v2/images` and `/v2/images/{id or slug}`.

use super::route::{Family, Method, Route};
use super::{Ctx, one, paged};
use crate::sandbox::catalogue::{self, IMAGES, REGIONS, SIZES};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueRoute {
    Regions,
    Sizes,
    Images,
    /// An image by integer id or slug.
    Image(String),
}

pub const FAMILY: Family = Family {
    templates: &["/v2/regions", "/v2/sizes", "/v2/images", "/v2/images/{id}"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/regions", []) => CatalogueRoute::Regions,
        (Method::Get, "/v2/sizes", []) => CatalogueRoute::Sizes,
        (Method::Get, "/v2/images", []) => CatalogueRoute::Images,
        (Method::Get, "/v2/images/{id}", [i]) => CatalogueRoute::Image(i.clone()),
        _ => return None,
    };
    Some(Route::Catalogue(route))
}

pub fn handle(ctx: &Ctx, req: &Request, route: &CatalogueRoute) -> Result<Response, ApiError> {
    match route {
        CatalogueRoute::Regions => {
            let items = REGIONS.iter().map(|r| r.to_json()).collect();
            Ok(paged(ctx, req, "regions", items))
        }
        CatalogueRoute::Sizes => {
            let items = SIZES.iter().map(|s| s.to_json(true)).collect();
            Ok(paged(ctx, req, "sizes", items))
        }
        CatalogueRoute::Images => {
            let kind = req.query_param("type");
            if kind
                .as_deref()
                .is_some_and(|k| k != "distribution" && k != "application")
            {
                return Err(ApiError::unprocessable(
                    "type must be distribution or application",
                ));
            }
            // The sandbox account owns no private images, so private=true lists none.
            let private = req.query_param("private").as_deref() == Some("true");
            let items = IMAGES
                .iter()
                .filter(|i| !private && kind.as_deref().is_none_or(|k| k == i.kind))
                .map(|i| i.to_json())
                .collect();
            Ok(paged(ctx, req, "images", items))
        }
        CatalogueRoute::Image(ident) => catalogue::image(ident)
            .map(|i| one("image", i.to_json()))
            .ok_or_else(ApiError::not_found),
    }
}
