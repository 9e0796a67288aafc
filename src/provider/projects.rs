//! Projects: finding one by name (one listing), creating it, listing what is in it, and assigning
//! resources to it by URN (`do:droplet:<id>`, `do:domain:<name>`), many in one request.

use serde::{Deserialize, Serialize};

use super::account_view::Project;
use super::client::Client;
use super::error::ProviderError;
use super::firewalls::to_body;
use super::reply::decode;
use super::retry::RetryMode;
use super::url::encode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectRequest {
    pub name: String,
    pub purpose: String,
    pub description: String,
}

/// One resource of a project, or one URN's outcome of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectResource {
    pub urn: String,
    #[serde(default)]
    pub status: Option<String>,
}

impl ProjectResource {
    /// `ok`, `assigned` and `already_assigned` are success; `not_found` and `service_down` are not.
    pub fn assigned(&self) -> bool {
        matches!(
            self.status.as_deref(),
            None | Some("ok" | "assigned" | "already_assigned")
        )
    }
}

impl Client {
    /// The project named `name` (names are unique), if there is one.
    pub fn project_named(&self, name: &str) -> Result<Option<Project>, ProviderError> {
        Ok(self.projects()?.into_iter().find(|p| p.name == name))
    }

    /// Creates a project. Sent once (only a 429 is retried); names are unique, so a retry after an
    /// ambiguous failure looks the name up first.
    pub fn create_project(&self, request: &ProjectRequest) -> Result<Project, ProviderError> {
        let body = to_body(request, "POST", "/v2/projects")?;
        let reply = self.post("/v2/projects", &body)?;
        decode(&reply.body, "project", "POST", "/v2/projects")
    }

    /// The URNs in project `id`, every page.
    pub fn project_resources(&self, id: &str) -> Result<Vec<ProjectResource>, ProviderError> {
        self.list_all(
            &format!("/v2/projects/{}/resources", encode(id)),
            "resources",
        )
    }

    /// Moves the resources into project `id`; the outcome per URN. Assigning twice has the same end
    /// state, so it is retried like a read.
    pub fn assign_to_project(
        &self,
        id: &str,
        urns: &[String],
    ) -> Result<Vec<ProjectResource>, ProviderError> {
        let path = format!("/v2/projects/{}/resources", encode(id));
        let body = serde_json::json!({ "resources": urns });
        let reply = self.send("POST", &path, Some(&body), RetryMode::Idempotent)?;
        decode(&reply.body, "resources", "POST", &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::models::spec_example;

    #[test]
    fn an_assignment_reply_decodes() {
        let out: Vec<ProjectResource> = serde_json::from_value(
            spec_example("projects_assign_resources_response.json")["resources"].clone(),
        )
        .unwrap();
        assert_eq!(out[1].urn, "do:domain:example.com");
        assert!(out.iter().all(ProjectResource::assigned));
        let failed = ProjectResource {
            urn: "do:droplet:1".into(),
            status: Some("not_found".into()),
        };
        assert!(!failed.assigned());
    }
}
