//! The OpenAPI 3.1 document of the JSON API, served at `/api/openapi.json`. Nothing here is
//! written out by hand: operations come from the handlers' `#[utoipa::path]` attributes, schemas
//! from the `ToSchema` derives of the bodies and the domain types they carry (the sheet, the bed
//! finder's codes), error responses from [`Problem`], and each operation's token scope from
//! `crate::tokens::API_SCOPES` (its security requirement and a line of its description). Tests
//! check the document against the policy table both ways, and validate the served document with openapi-spec-validator
//! (`tests/it/openapi.rs`).

use crate::beds::api as beds_api;
use crate::council::api as council_api;
use crate::directory::api as directory_api;
use crate::events;
use crate::problem::Problem;
use crate::sheets::exports;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};

/// The API's operations, schemas and security.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nimo API",
        version = "1",
        description = "自治体情報シート・協議の場の会議・普及啓発の取得、緊急入院先検索（空床検索、空床数の登録、仮押さえとその回答）と社会資源名簿の検索。\
                       `Authorization: Bearer <token>` で、トークンの利用者として操作します。トークンはアカウント画面（二要素認証でログインした本人）か \
                       `nimo token create --user LOGIN` で発行し、`/api/v1` でだけ使えます。各操作には利用者の役割の権限とトークンのスコープの両方が必要です \
                       （スコープが足りなければ 403、期限切れ・失効・不明のトークンは 401）。\
                       エラーはすべて RFC 9457 の problem details（`application/problem+json`）で返ります。"
    ),
    paths(
        exports::api_sheet,
        events::api_list,
        beds_api::search,
        beds_api::put_availability,
        beds_api::create_hold,
        beds_api::accept,
        beds_api::decline,
        council_api::list,
        council_api::show,
        directory_api::search,
        directory_api::show,
        serve,
    ),
    // `Point` is named by a query parameter, which utoipa does not follow into the components.
    components(schemas(Problem, beds_api::Point)),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    tags(
        (name = "sheets", description = "自治体情報シート"),
        (name = "network", description = "普及啓発（会議・取組とともにシートの第6節の実績になる記録）"),
        (name = "bed finder", description = "緊急入院先検索"),
        (name = "council", description = "協議の場と会議（会議・決定事項・対応事項）"),
        (name = "directory", description = "社会資源名簿"),
        (name = "meta", description = "この文書"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer-token scheme the `security` requirement names (utoipa's derive has no
/// attribute for security schemes), and to each `/api/v1` operation the token scope it needs:
/// as its security requirement (OpenAPI 3.1 lets a non-OAuth requirement list role names) and
/// as the last line of its description.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(
                "API トークン（`nimo_` と16進64桁）。アカウント画面か `nimo token create --user LOGIN` が発行時に一度だけ表示します。\
                 二要素認証済みのログインと同等の資格情報で、保存されるのはハッシュだけです。`/api/v1` でだけ有効で、スコープと有効期限（標準90日、最長1年）があります。",
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [("GET", &mut item.get), ("PUT", &mut item.put), ("POST", &mut item.post)];
            for (method, operation) in operations {
                let (Some(operation), Some(scope)) = (operation.as_mut(), crate::tokens::scope_of(method, path)) else {
                    continue;
                };
                operation.security = Some(vec![SecurityRequirement::new("bearer", [scope.code()])]);
                let line = format!(
                    "必要なトークンのスコープ: `{scope}`（{}）。足りないトークンには 403（`/problems/missing-scope`）を返します。",
                    scope.label()
                );
                operation.description = Some(match operation.description.take() {
                    Some(text) if !text.is_empty() => format!("{text}\n\n{line}"),
                    _ => line,
                });
            }
        }
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
    fn every_api_v1_operation_names_its_token_scope_and_answers_401_and_403() {
        let document = document();
        for (method, path, scope) in crate::tokens::API_SCOPES {
            let operation = &document["paths"][path][method.to_ascii_lowercase()];
            assert_eq!(operation["security"], serde_json::json!([{ "bearer": [scope.code()] }]), "{method} {path}");
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(description.contains(&format!("`{scope}`")), "{method} {path}: {description}");
            for status in ["401", "403"] {
                assert!(operation["responses"][status].is_object(), "{method} {path} documents {status}");
            }
        }
        let openapi = &document["paths"]["/api/openapi.json"]["get"];
        assert_eq!(openapi["security"], serde_json::json!([{}]), "the document itself needs no token");
    }

    #[test]
    fn every_operation_with_a_body_documents_the_413_of_the_body_limit() {
        let document = document();
        let mut bodies = 0;
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if operation.get("requestBody").is_some() {
                    bodies += 1;
                    assert!(operation["responses"]["413"].is_object(), "{method} {path} has no 413");
                }
            }
        }
        assert_eq!(bodies, 3);
    }

    #[test]
    fn a_case_ref_is_documented_as_the_references_the_server_takes() {
        let document = document();
        let case_ref = &document["components"]["schemas"]["PlaceHold"]["properties"]["case_ref"];
        assert_eq!(case_ref["pattern"], "^[A-Za-z0-9][A-Za-z0-9-]{0,19}$", "{case_ref}");
        assert_eq!((case_ref["minLength"].as_u64(), case_ref["maxLength"].as_u64()), (Some(1), Some(20)));
        for taken in ["R4-023", "0", "a-", "A1234567890123456789"] {
            assert!(nimo_domain::beds::CaseRef::parse(taken).is_ok(), "{taken}");
        }
        for refused in ["", "-R4", "R4 023", "A12345678901234567890"] {
            assert!(nimo_domain::beds::CaseRef::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_documented_range_of_a_meeting_year_is_the_domains() {
        let document = document();
        let params = &document["paths"]["/api/v1/municipalities/{code}/meetings"]["get"]["parameters"];
        let fy = params.as_array().unwrap().iter().find(|p| p["name"] == "fy").unwrap();
        let range = nimo_domain::FiscalYear::RANGE;
        assert_eq!(fy["schema"]["minimum"], *range.start());
        assert_eq!(fy["schema"]["maximum"], *range.end());
    }

    #[test]
    fn the_free_beds_limit_is_the_domains() {
        let document = document();
        let limit = &document["components"]["schemas"]["PostAvailability"]["properties"]["free_beds"]["maximum"];
        assert_eq!(limit.as_i64(), Some(nimo_domain::beds::MAX_FREE_BEDS));
    }
}
