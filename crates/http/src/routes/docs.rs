//! The documentation: `GET /openapi.json` (the OpenAPI 3.1 description)
//! and `GET /docs` (Swagger UI over it).
//!
//! Swagger UI's files are compiled into the binary by `utoipa-swagger-ui`
//! with its `vendored` feature (the zip ships inside the
//! `utoipa-swagger-ui-vendored` crate; nothing is downloaded at build or
//! run time), so the page works on a machine without internet access. The
//! handlers here serve them through [`utoipa_swagger_ui::serve`] rather than
//! its actix service, so that these routes get the same 404 / 405 JSON as
//! the others.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use utoipa_swagger_ui::Config;

use crate::ApiError;
use crate::openapi::OPENAPI_JSON;

/// Swagger UI's settings: the description one level up (relative, so a
/// reverse proxy may mount the service under a prefix), every operation
/// expanded so the examples show at once, and no call to the public
/// validator (the page must work offline).
static SWAGGER: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| {
    Arc::new(
        Config::new(["../openapi.json"])
            .doc_expansion("full")
            .validator_url("none")
            .display_request_duration(true),
    )
});

/// How long browsers may keep Swagger UI's files (they change only with a
/// new release of the service).
const ASSET_CACHE: &str = "public, max-age=3600";

/// The OpenAPI description.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "Dokumentasi / Documentation",
    summary = "Deskripsi OpenAPI 3.1 / The OpenAPI 3.1 description",
    description = "Dokumen ini. / This document.",
    responses(
        (status = 200, description = "Deskripsi OpenAPI. / The OpenAPI description.",
            body = Object, content_type = "application/json"),
    )
)]
pub(crate) async fn openapi_json() -> Result<HttpResponse, ApiError> {
    match &*OPENAPI_JSON {
        Ok(json) => Ok(HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ))
            .body(json.clone())),
        Err(error) => {
            log::error!("cannot serialize the OpenAPI description: {error}");
            Err(ApiError::Documentation)
        }
    }
}

/// `/docs` → `/docs/`, where Swagger UI's relative links resolve.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "Dokumentasi / Documentation",
    summary = "Halaman dokumentasi (Swagger UI) / The documentation page (Swagger UI)",
    description = "Mengalihkan ke `/docs/`. Halaman bekerja tanpa internet. / Redirects to \
`/docs/`. The page works without internet access.",
    responses(
        (status = 302, description = "Ke `/docs/`. / To `/docs/`.",
            headers(("Location" = String, description = "`docs/`"))),
    )
)]
pub(crate) async fn redirect() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, HeaderValue::from_static("docs/")))
        .finish()
}

/// Swagger UI's files; the index for `/docs/`.
#[utoipa::path(
    get,
    path = "/docs/{file}",
    tag = "Dokumentasi / Documentation",
    summary = "Berkas Swagger UI / Swagger UI's files",
    description = "Kosong untuk halaman utama. / Empty for the page itself.",
    params(("file" = String, Path, description = "Mis. / E.g. `index.html`, `swagger-ui.css`")),
    responses(
        (status = 200, description = "Berkasnya. / The file.", content_type = "text/html"),
        (status = 404, description = "Tidak ada berkas itu. / No such file.",
            body = crate::response::Failure<'static>,
            examples(("endpoint_not_found" = (
                summary = "Endpoint tidak ditemukan / Unknown path",
                value = json!({"success": false, "message": "Endpoint tidak ditemukan."})
            )))),
    )
)]
pub(crate) async fn file(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let tail = req.match_info().get("file").unwrap_or_default();
    match utoipa_swagger_ui::serve(tail, Arc::clone(&SWAGGER)) {
        Ok(Some(file)) => {
            let mut response = HttpResponse::Ok();
            response
                .content_type(file.content_type)
                .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(ASSET_CACHE)));
            Ok(match file.bytes {
                Cow::Borrowed(bytes) => response.body(bytes),
                Cow::Owned(bytes) => response.body(bytes),
            })
        }
        Ok(None) => Err(ApiError::EndpointNotFound),
        Err(error) => {
            log::error!("cannot serve the documentation file {tail:?}: {error}");
            Err(ApiError::Documentation)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_points_at_the_description_without_internet() {
        let index = utoipa_swagger_ui::serve("swagger-initializer.js", Arc::clone(&SWAGGER))
            .unwrap()
            .unwrap();
        let script = String::from_utf8(index.bytes.into_owned()).unwrap();
        assert!(script.contains("../openapi.json"), "{script}");
        assert!(script.contains(r#""validatorUrl": "none""#), "{script}");
    }

    #[test]
    fn the_index_links_only_local_files() {
        let index = utoipa_swagger_ui::serve("", Arc::clone(&SWAGGER))
            .unwrap()
            .unwrap();
        let html = String::from_utf8(index.bytes.into_owned()).unwrap();
        assert!(html.contains("swagger-ui-bundle.js"), "{html}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
    }

    #[test]
    fn the_description_serializes() {
        assert!(OPENAPI_JSON.is_ok());
    }
}
