//! `GET /api/v1/skills`: the loaded skills, and the files that failed to load.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::{ApiError, ApiTags, AppState};
use crate::runtime::LoadedSkill;

/// Where a skill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SkillState {
    /// Loaded and answering.
    Active,
    /// The file did not load; see `error`.
    Failed,
}

/// A command a skill offers.
#[derive(Debug, Object)]
pub struct CommandInfo {
    /// Name within the skill; the tool name is `<skill>.<command>`.
    pub name: String,
    pub description: String,
    /// Example utterances.
    pub examples: Vec<String>,
    /// Whether the user must confirm before it runs.
    pub needs_confirmation: bool,
    /// JSON Schema of the arguments, if the command takes any.
    #[oai(skip_serializing_if_is_none)]
    pub args_schema: Option<serde_json::Value>,
}

/// A skill, or a skill file that failed to load.
#[derive(Debug, Object)]
pub struct SkillInfo {
    /// The skill's name; for a file that failed to load, the file's stem.
    pub name: String,
    /// Empty for a file that failed to load.
    pub version: String,
    pub description: String,
    pub status: SkillState,
    pub commands: Vec<CommandInfo>,
    /// File name in the skills dir.
    pub source: String,
    /// SHA-256 of the file, hex; empty for a file that failed to load.
    pub sha256: String,
    /// Calls so far, and how many of them failed.
    pub invocations: u64,
    pub errors: u64,
    /// Why the file failed to load.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
}

#[derive(ApiResponse)]
enum SkillsResponse {
    /// Every skill, active ones first, each sorted by name.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<SkillInfo>>),
}

pub struct SkillsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Skills")]
impl SkillsApi {
    /// Lists the skills: name, version, description, status, commands and source file.
    #[oai(path = "/skills", method = "get", operation_id = "listSkills")]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<SkillsResponse, ApiError> {
        let mut list: Vec<SkillInfo> = app.runtime.skills().iter().map(|s| skill_info(s)).collect();
        list.extend(app.runtime.failures().into_iter().map(|f| {
            SkillInfo {
                name: f
                    .source
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                version: String::new(),
                description: String::new(),
                status: SkillState::Failed,
                commands: Vec::new(),
                source: file_name(&f.source),
                sha256: String::new(),
                invocations: 0,
                errors: 0,
                error: Some(f.error),
            }
        }));
        Ok(SkillsResponse::Ok(Json(list)))
    }
}

fn skill_info(s: &LoadedSkill) -> SkillInfo {
    SkillInfo {
        name: s.manifest.name.clone(),
        version: s.manifest.version.clone(),
        description: s.manifest.description.clone(),
        status: SkillState::Active,
        commands: s
            .manifest
            .commands
            .iter()
            .map(|c| CommandInfo {
                name: c.name.clone(),
                description: c.description.clone(),
                examples: c.examples.clone(),
                needs_confirmation: c.needs_confirmation,
                args_schema: serde_json::from_str(&c.args_schema).ok(),
            })
            .collect(),
        source: file_name(&s.source),
        sha256: s.sha256.clone(),
        invocations: s.invocations.load(Ordering::Relaxed),
        errors: s.errors.load(Ordering::Relaxed),
        error: None,
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
