//! `PUT /api/v1/skills/{name}/file`: installs a skill by uploading its `.wasm` component. The file
//! is written next to the others in the skills folder under a hidden temporary name, then renamed
//! over `{name}.wasm` in one step, so the folder watcher (the one hot-reload path) sees a
//! finished file and loads it like any other; the skill then shows as `loading`, then `active`
//! or `failed` with its reason in `GET /api/v1/skills`.

use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};
use sha2::{Digest, Sha256};

use super::auth::{BearerAuth, Identity};
use super::{ApiError, ApiTags, AppState};

/// The largest component accepted, in bytes (16 MiB). `[http] max_body_bytes` does not apply to
/// this route; this does.
pub const MAX_SKILL_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Longest file name stem.
const MAX_NAME_CHARS: usize = 64;

/// Whether a request is an upload of a skill file, whose body may be up to
/// [`MAX_SKILL_FILE_BYTES`].
pub fn is_upload(method: &poem::http::Method, path: &str) -> bool {
    method == poem::http::Method::PUT
        && path
            .strip_prefix("/api/v1/skills/")
            .and_then(|rest| rest.strip_suffix("/file"))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// A skill file just written into the skills folder.
#[derive(Debug, Object)]
pub struct SkillFileWritten {
    /// The file's name in the skills folder, `{name}.wasm`; find it by `source` in
    /// `GET /api/v1/skills` to follow it from `loading` to `active` or `failed`.
    pub source: String,
    pub size_bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Whether it replaced a file of the same name.
    pub replaced: bool,
}

#[derive(ApiRequest)]
enum SkillFileBody {
    /// The WebAssembly component, as it is (at most 16 MiB).
    #[oai(content_type = "application/octet-stream")]
    Bytes(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
enum SkillFileResponse {
    /// Written: the folder watcher loads it within a moment.
    #[oai(status = 202, content_type = "application/json")]
    Accepted(Json<SkillFileWritten>),
}

pub struct SkillFileApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Skills")]
impl SkillFileApi {
    /// Uploads a skill's `.wasm` component.
    ///
    /// Only with the master token (or over the Unix socket); a paired device's token gets 403
    /// `FORBIDDEN`. The body is the component itself, at most 16 MiB (413 `PAYLOAD_TOO_LARGE`
    /// beyond); anything that is not WebAssembly is 422 `NOT_WASM`. It is written atomically as
    /// `{name}.wasm` into the skills folder, replacing a file of that name, and the folder watcher
    /// loads it as it loads any new file: follow it in `GET /api/v1/skills` by its `source`, from
    /// `loading` to `active`, or to `failed` with the reason in `error`.
    #[oai(
        path = "/skills/:name/file",
        method = "put",
        operation_id = "uploadSkillFile"
    )]
    async fn upload(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// The file's name without `.wasm`: 1 to 64 of `a-z 0-9 - _`, starting with a letter
        /// or digit.
        name: Path<String>,
        body: SkillFileBody,
    ) -> Result<SkillFileResponse, ApiError> {
        if let Identity::Device(_) = auth.0 {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "only the owner's master token can install skills; a paired device cannot",
            ));
        }
        let name = name.0;
        if !valid_name(&name) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_REQUEST",
                format!(
                    "a skill file's name must be 1 to {MAX_NAME_CHARS} of a-z 0-9 - _, \
                     starting with a letter or digit; {name:?} is not"
                ),
            )
            .with_details(serde_json::json!({ "fields": ["name"] })));
        }
        let SkillFileBody::Bytes(Binary(bytes)) = body;
        if bytes.len() > MAX_SKILL_FILE_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!("a skill file may have at most {MAX_SKILL_FILE_BYTES} bytes"),
            )
            .with_details(serde_json::json!({ "max_bytes": MAX_SKILL_FILE_BYTES })));
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "NOT_WASM",
                "the body is not a WebAssembly file (it does not start with \\0asm)",
            ));
        }
        let dir = app.config.skills_dir.clone();
        let source = format!("{name}.wasm");
        let size_bytes = bytes.len() as u64;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let target = dir.join(&source);
        let replaced = tokio::task::spawn_blocking(move || write_atomically(&dir, &target, &bytes))
            .await
            .map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", e.to_string())
            })?
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SKILLS_DIR_UNWRITABLE",
                    format!("the skill file could not be written: {e}"),
                )
            })?;
        tracing::info!(%source, size_bytes, %sha256, replaced, "skill file uploaded");
        Ok(SkillFileResponse::Accepted(Json(SkillFileWritten {
            source,
            size_bytes,
            sha256,
            replaced,
        })))
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.chars().count() <= MAX_NAME_CHARS
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Writes `bytes` to a hidden file in `dir` (the watcher skips hidden files), flushes it to disk
/// and renames it over `target`. Returns whether `target` existed.
fn write_atomically(dir: &FsPath, target: &FsPath, bytes: &[u8]) -> std::io::Result<bool> {
    std::fs::create_dir_all(dir)?;
    let temp: PathBuf = dir.join(format!(".upload-{}.wasm.part", uuid::Uuid::new_v4()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        let replaced = target.exists();
        std::fs::rename(&temp, target)?;
        Ok(replaced)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_file_stems() {
        for good in ["clock", "my-skill", "a", "x_2", "9lives"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "",
            "-x",
            ".hidden",
            "Clock",
            "a/b",
            "a.b",
            "ç",
            &"a".repeat(65),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn only_a_put_to_a_skill_file_is_an_upload() {
        let put = poem::http::Method::PUT;
        assert!(is_upload(&put, "/api/v1/skills/clock/file"));
        assert!(!is_upload(
            &poem::http::Method::POST,
            "/api/v1/skills/clock/file"
        ));
        assert!(!is_upload(&put, "/api/v1/skills/clock"));
        assert!(!is_upload(&put, "/api/v1/skills//file"));
        assert!(!is_upload(&put, "/api/v1/skills/a/b/file"));
    }

    #[test]
    fn a_write_replaces_the_file_in_one_step_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("bantz-upload-{}", uuid::Uuid::new_v4()));
        let target = dir.join("x.wasm");
        assert!(!write_atomically(&dir, &target, b"\0asm1").unwrap());
        assert!(write_atomically(&dir, &target, b"\0asm2").unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"\0asm2");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
