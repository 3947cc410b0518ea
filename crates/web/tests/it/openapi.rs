//! The API contract, checked against a running server: the served `/api/openapi.json` validates
//! as OpenAPI 3.1 (openapi-spec-validator, from PyPI), real answers of every operation validate
//! against the schemas the document gives them (openapi-schema-validator, which comes with it),
//! and every error of an `/api/` route is a problem document.

use crate::beds::{OWN_WARD, api_client, seed_beds, staff_scope, token_for};
use crate::for_each_backend;
use crate::harness::TestApp;
use nimo_domain::access::Role;
use serde_json::{Value, json};
use std::process::Command;

const INSTALL: &str = "scripts/install-deps.sh --test (or: pip install openapi-spec-validator==0.9.0)";
const PROBLEM_JSON: &str = "application/problem+json";
const SHEET_API: &str = "/api/v1/municipalities/{code}/sheets/{fy}";

/// Fails, naming the install command, when the validator is not installed.
fn require_validator() {
    let found = Command::new("python3")
        .args(["-c", "import openapi_spec_validator, openapi_schema_validator"])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(found, "openapi-spec-validator (Python) is not installed: run {INSTALL}");
}

/// Runs a Python program with arguments; panics with its output when it fails.
fn python(program: &str, args: &[&std::path::Path]) {
    let output = Command::new("python3").arg("-c").arg(program).args(args).output().expect("python3");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The document as the server serves it.
async fn served_document(app: &TestApp) -> Value {
    let response = api_client().get(format!("{}/api/openapi.json", app.base)).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_served_document_validates_as_openapi_3_1() {
    require_validator();
    let app = TestApp::spawn(nimo_store::testing::backends()[0]).await;
    let document = served_document(&app).await;
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.1.")), "{}", document["openapi"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    python(
        "import sys; from openapi_spec_validator.__main__ import main; sys.exit(main(['--schema', '3.1', sys.argv[1]]))",
        &[&file],
    );
}

/// The schema the document gives an operation's answer (a `$ref` or an inline schema).
fn schema_of(document: &Value, path: &str, method: &str, status: u16, content_type: &str) -> Value {
    let schema = &document["paths"][path][method]["responses"][status.to_string()]["content"][content_type]["schema"];
    assert!(schema.is_object(), "{method} {path} {status} {content_type} is not documented");
    schema.clone()
}

/// The named component schema a `$ref` points to.
fn component<'a>(document: &'a Value, reference: &Value) -> &'a Value {
    let name = reference["$ref"].as_str().unwrap().trim_start_matches("#/components/schemas/");
    &document["components"]["schemas"][name]
}

/// Validates each answer against its schema, in one Python run (OpenAPI 3.1's JSON Schema
/// dialect, references resolved within the document).
fn validate_all(document: &Value, cases: &[(String, Value, Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let document_file = dir.path().join("openapi.json");
    let cases_file = dir.path().join("cases.json");
    std::fs::write(&document_file, serde_json::to_vec(document).unwrap()).unwrap();
    let cases: Vec<Value> = cases
        .iter()
        .map(|(label, schema, answer)| json!({ "label": label, "schema": schema, "answer": answer }))
        .collect();
    std::fs::write(&cases_file, serde_json::to_vec(&cases).unwrap()).unwrap();
    python(
        r#"
import json, sys
from openapi_schema_validator import OAS31Validator
document = json.load(open(sys.argv[1]))
failed = []
for case in json.load(open(sys.argv[2])):
    schema = dict(case["schema"], components=document["components"])
    errors = list(OAS31Validator(schema).iter_errors(case["answer"]))
    failed += [f'{case["label"]}: {"/".join(map(str, e.absolute_path))}: {e.message}' for e in errors]
print("\n".join(failed))
sys.exit(1 if failed else 0)
"#,
        &[&document_file, &cases_file],
    );
}

/// The content type and JSON of an answer.
async fn answer(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    (status, content_type, response.json().await.unwrap())
}

#[tokio::test]
async fn real_answers_validate_against_the_documented_schemas() {
    require_validator();
    for_each_backend(|app| async move {
        let document = served_document(&app).await;
        seed_beds(&app.db, &[]).await;
        let (_, staff) = token_for(&app.db, "contract-staff", Role::Staff, staff_scope()).await;
        let mut cases = Vec::new();

        // The sheet API, for the demo sheet: at least its keys are the schema's properties.
        let (status, _, sheet) = answer(
            app.client.get(format!("{}/api/v1/municipalities/131105/sheets/2022", app.base)).send().await.unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let schema = schema_of(&document, SHEET_API, "get", 200, "application/json");
        let properties = |schema: &Value| {
            let mut keys: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let keys = |value: &Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let envelope = component(&document, &schema);
        assert_eq!(keys(&sheet), properties(envelope));
        assert_eq!(keys(&sheet["sheet"]), properties(component(&document, &envelope["properties"]["sheet"])));
        cases.push(("sheet".to_string(), schema, sheet));

        // The bed finder: a search, a hold, its answer, a posting.
        let search = api_client()
            .get(format!("{}/api/v1/beds/search?admission=sochi&from=131105", app.base))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        let (status, _, results) = answer(search).await;
        assert_eq!(status, 200);
        assert!(!results["results"].as_array().unwrap().is_empty());
        cases.push((
            "search".into(),
            schema_of(&document, "/api/v1/beds/search", "get", 200, "application/json"),
            results,
        ));
        let hold = json!({ "ward_id": OWN_WARD, "case_ref": "R4-023", "admission": "sochi" });
        let placed = api_client()
            .post(format!("{}/api/v1/holds", app.base))
            .bearer_auth(&staff)
            .json(&hold)
            .send()
            .await
            .unwrap();
        let (status, _, held) = answer(placed).await;
        assert_eq!(status, 201, "{held}");
        cases.push((
            "hold".into(),
            schema_of(&document, "/api/v1/holds", "post", 201, "application/json"),
            held.clone(),
        ));
        let (_, hospital) = token_for(
            &app.db,
            "contract-byoin",
            Role::HospitalStaff,
            crate::beds::hospital_scope(crate::beds::OWN_HOSPITAL),
        )
        .await;
        let declined = api_client()
            .post(format!("{}/api/v1/holds/{}/decline", app.base, held["id"]))
            .bearer_auth(&hospital)
            .json(&json!({ "reason": "full" }))
            .send()
            .await
            .unwrap();
        let (status, _, declined) = answer(declined).await;
        assert_eq!((status, declined["state"].as_str()), (200, Some("declined")), "{declined}");
        let path = "/api/v1/holds/{hold}/decline";
        cases.push(("decline".into(), schema_of(&document, path, "post", 200, "application/json"), declined));
        let posted = api_client()
            .put(format!("{}/api/v1/wards/{OWN_WARD}/availability", app.base))
            .bearer_auth(&hospital)
            .json(&json!({ "free_beds": 3 }))
            .send()
            .await
            .unwrap();
        let (status, _, posted) = answer(posted).await;
        assert_eq!(status, 200);
        let path = "/api/v1/wards/{ward}/availability";
        cases.push(("posting".into(), schema_of(&document, path, "put", 200, "application/json"), posted));

        // A 422 names the request's fields, as problem details.
        let wrong = json!({ "ward_id": OWN_WARD, "case_ref": "目黒 花子", "admission": "nothing" });
        let refused = api_client()
            .post(format!("{}/api/v1/holds", app.base))
            .bearer_auth(&staff)
            .json(&wrong)
            .send()
            .await
            .unwrap();
        let (status, content_type, problem) = answer(refused).await;
        assert_eq!((status, content_type.as_str()), (422, PROBLEM_JSON));
        let fields: Vec<&str> =
            problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["case_ref", "admission"], "{problem}");
        assert!(problem["errors"][0]["detail"].as_str().unwrap().contains("受付番号"), "{problem}");
        assert_eq!(problem["status"], 422);
        cases.push(("422".into(), schema_of(&document, "/api/v1/holds", "post", 422, PROBLEM_JSON), problem));
        validate_all(&document, &cases);
    })
    .await;
}

#[tokio::test]
async fn every_api_error_is_a_problem_document() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, staff) = token_for(&app.db, "problem-staff", Role::Staff, staff_scope()).await;
        let client = api_client();
        let base = &app.base;
        let checks: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
            ("no credentials", client.get(format!("{base}/api/v1/beds/search")), 401),
            ("an unknown token", client.get(format!("{base}/api/v1/beds/search")).bearer_auth("nimo_0000"), 401),
            (
                "another role's route",
                client
                    .put(format!("{base}/api/v1/wards/{OWN_WARD}/availability"))
                    .bearer_auth(&staff)
                    .json(&json!({ "free_beds": 1 })),
                403,
            ),
            ("a cookie without the CSRF header", app.client.post(format!("{base}/api/v1/holds")).json(&json!({})), 403),
            (
                "an unknown sheet",
                client.get(format!("{base}/api/v1/municipalities/131105/sheets/2001")).bearer_auth(&staff),
                404,
            ),
            ("an unknown route", client.get(format!("{base}/api/v1/nothing-here")).bearer_auth(&staff), 404),
            ("a wrong method", client.delete(format!("{base}/api/v1/holds")).bearer_auth(&staff), 405),
            ("a body that is not JSON", client.post(format!("{base}/api/v1/holds")).bearer_auth(&staff).body("{"), 422),
            ("a wrong parameter", client.get(format!("{base}/api/v1/beds/search?age=abc")).bearer_auth(&staff), 422),
        ];
        for (what, request, expected) in checks {
            let response = request.send().await.unwrap();
            let headers = response.headers().clone();
            let (status, content_type, problem) = answer(response).await;
            assert_eq!((status, content_type.as_str()), (expected, PROBLEM_JSON), "{what}: {problem}");
            assert_eq!(problem["status"], expected, "{what}");
            assert!(problem["type"].is_string() && problem["title"].is_string(), "{what}: {problem}");
            assert!(!problem["detail"].as_str().unwrap().is_ascii(), "{what}: the detail is Japanese: {problem}");
            assert!(headers.contains_key("content-security-policy"), "{what}: the security headers stay");
            match expected {
                401 if what == "an unknown token" => assert_eq!(headers["www-authenticate"], "Bearer"),
                405 => assert!(headers.contains_key("allow"), "{what}"),
                _ => {}
            }
        }
        let (_, _, wrong) =
            answer(client.get(format!("{base}/api/v1/beds/search?age=abc")).bearer_auth(&staff).send().await.unwrap())
                .await;
        assert_eq!(
            wrong["errors"],
            json!([{ "field": "age", "detail": "年齢: 0から120までの整数で入力してください" }])
        );
    })
    .await;
}
