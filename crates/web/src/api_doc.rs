//! The OpenAPI 3.1 document of the JSON API, served at `/api/openapi.json`. Nothing here is
//! written out by hand: operations come from the handlers' `#[utoipa::path]` attributes, schemas
//! from the `ToSchema` derives of the bodies and the domain types they carry (the sheet, the bed
//! finder's codes), error responses from [`Problem`]. Tests check the document against the policy
//! table both ways, and validate the served document with openapi-spec-validator
//! (`tests/it/openapi.rs`).

use crate::beds::api as beds_api;
use crate::problem::Problem;
use crate::sheets::exports;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The API's operations, schemas and security.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nimo API",
        version = "1",
        description = "自治体情報シートの取得と緊急入院先検索（空床検索、空床数の登録、仮押さえとその回答）。\
                       `Authorization: Bearer <token>`（`nimo token create --user LOGIN`）で、トークンの利用者として操作します。\
                       エラーはすべて RFC 9457 の problem details（`application/problem+json`）で返ります。"
    ),
    paths(
        exports::api_sheet,
        beds_api::search,
        beds_api::put_availability,
        beds_api::create_hold,
        beds_api::accept,
        beds_api::decline,
        serve,
    ),
    components(schemas(Problem)),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "sheets", description = "自治体情報シート"),
        (name = "bed finder", description = "緊急入院先検索"),
        (name = "meta", description = "この文書"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer-token scheme the `security` requirement names (utoipa's derive has no
/// attribute for security schemes).
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("`nimo token create --user LOGIN` が一度だけ表示するトークン（`nimo_…`）"))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This document
///
/// The OpenAPI 3.1 description of the API; needs no credentials.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "the OpenAPI document", body = Object, content_type = "application/json"))
)]
pub async fn serve() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        serde_json::to_value(super::document()).unwrap()
    }

    #[test]
    fn every_api_route_of_the_policy_is_documented_with_its_method_and_nothing_else_is() {
        let document = document();
        let policy: Vec<(String, String)> = crate::policy::POLICY
            .iter()
            .filter(|(_, path, _)| path.starts_with("/api/"))
            .map(|(method, path, _)| (method.to_ascii_lowercase(), path.to_string()))
            .collect();
        for (method, path) in &policy {
            assert!(
                document["paths"][path][method].is_object(),
                "{method} {path} is missing from the OpenAPI document"
            );
        }
        let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];
        let mut documented = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for method in methods.iter().filter(|m| item.get(**m).is_some()) {
                documented.push((method.to_string(), path.clone()));
                assert!(
                    policy.contains(&(method.to_string(), path.clone())),
                    "{method} {path} is documented but not in POLICY"
                );
            }
        }
        assert_eq!(documented.len(), policy.len());
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_bearer_scheme() {
        let document = document();
        assert!(document["openapi"].as_str().unwrap().starts_with("3.1."), "{}", document["openapi"]);
        assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        assert_eq!(document["security"][0]["bearer"], serde_json::json!([]));
    }

    #[test]
    fn every_error_response_is_a_problem_document() {
        let document = document();
        let mut errors = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with('2') {
                        continue;
                    }
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
                    errors += 1;
                }
            }
        }
        assert!(errors > 0);
    }

    #[test]
    fn the_free_beds_limit_is_the_domains() {
        let document = document();
        let limit = &document["components"]["schemas"]["PostAvailability"]["properties"]["free_beds"]["maximum"];
        assert_eq!(limit.as_i64(), Some(nimo_domain::beds::MAX_FREE_BEDS));
    }
}
