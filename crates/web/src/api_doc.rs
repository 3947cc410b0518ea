//! The OpenAPI 3.1 document of the JSON API, served at `/api/openapi.json`. Written out by hand
//! (a few operations; a test checks that every `/api/v1` route of the policy table is in it).

use serde_json::{Value, json};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn hold_path_parameter() -> Value {
    json!({ "name": "hold", "in": "path", "required": true, "schema": { "type": "integer" } })
}

/// The document.
pub fn document() -> Value {
    let query = |name: &str, description: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema });
    let enumeration = |values: Vec<&str>| json!({ "type": "string", "enum": values });
    let admissions: Vec<&str> = nimo_domain::beds::AdmissionType::ALL.iter().map(|a| a.code()).collect();
    let ward_types: Vec<&str> = nimo_domain::beds::WardType::ALL.iter().map(|w| w.code()).collect();
    let reasons: Vec<&str> = nimo_domain::beds::DeclineReason::ALL.iter().map(|r| r.code()).collect();
    let hold_answer = json!({
        "200": { "description": "the hold after the answer", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Hold" } } } },
        "403": error_response("not a ward of the caller's hospital"),
        "409": error_response("the hold expired or was answered already"),
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "nimo bed finder API",
            "version": "1",
            "description": "緊急入院先検索: search wards with free beds, post a ward's free beds, place and answer holds. \
                            Authenticate with `Authorization: Bearer <token>` (`nimo token create`), acting as the token's user."
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/api/v1/beds/search": { "get": {
                "summary": "Search wards (staff)",
                "parameters": [
                    query("admission", "admission type the ward must accept", enumeration(admissions.clone())),
                    query("sex", "the person's sex", enumeration(vec!["male", "female"])),
                    query("age", "the person's age", json!({ "type": "integer", "minimum": 0, "maximum": 120 })),
                    query("ward_type", "ward type", enumeration(ward_types.clone())),
                    query("physical", "set to need 身体合併症 care", json!({ "type": "string" })),
                    query("from", "地方公共団体コード of a Tokyo ward to measure distance from", json!({ "type": "string" })),
                    query("lat", "latitude to measure distance from", json!({ "type": "number" })),
                    query("lon", "longitude to measure distance from", json!({ "type": "number" })),
                    query("include_full", "set to include wards with no bed left", json!({ "type": "string" })),
                ],
                "responses": {
                    "200": { "description": "ranked results", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SearchResults" } } } },
                    "422": error_response("a parameter is wrong (named in fields)"),
                }
            }},
            "/api/v1/wards/{ward}/availability": { "put": {
                "summary": "Post a ward's free beds (hospital staff, own hospital)",
                "parameters": [{ "name": "ward", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false, "required": ["free_beds"],
                    "properties": { "free_beds": { "type": "integer", "minimum": 0, "maximum": nimo_domain::beds::MAX_FREE_BEDS } } } } } },
                "responses": {
                    "200": { "description": "posted", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "403": error_response("not a ward of the caller's hospital"),
                    "422": error_response("free_beds out of range, or below the ward's active holds"),
                }
            }},
            "/api/v1/holds": { "post": {
                "summary": "Place a hold on a ward's bed (staff)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false, "required": ["ward_id", "case_ref", "admission"],
                    "properties": {
                        "ward_id": { "type": "string" },
                        "case_ref": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9-]{0,19}$", "description": "受付番号, never a name" },
                        "admission": enumeration(admissions),
                        "searched_at": { "type": "integer", "description": "Unix seconds of the search (start of the placement time)" }
                    } } } } },
                "responses": {
                    "201": { "description": "held", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Hold" } } } },
                    "409": error_response("no bed left on the ward"),
                    "422": error_response("a field is wrong (named in fields)"),
                }
            }},
            "/api/v1/holds/{hold}/accept": { "post": {
                "summary": "Accept a hold: the admission is recorded (hospital staff)",
                "parameters": [hold_path_parameter()],
                "responses": hold_answer.clone()
            }},
            "/api/v1/holds/{hold}/decline": { "post": {
                "summary": "Decline a hold with a reason: the bed is free again (hospital staff)",
                "parameters": [hold_path_parameter()],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false, "required": ["reason"],
                    "properties": { "reason": enumeration(reasons) } } } } },
                "responses": hold_answer
            }}
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": {
                    "error": { "type": "string" }, "fields": { "type": "object", "additionalProperties": { "type": "string" } } } },
                "Hold": { "type": "object", "properties": {
                    "id": { "type": "integer" }, "ward_id": { "type": "string" }, "hospital_id": { "type": "string" },
                    "case_ref": { "type": "string" }, "admission": { "type": "string" },
                    "state": { "type": "string", "enum": ["held", "accepted", "declined", "expired"] },
                    "searched_at": { "type": "integer" }, "held_at": { "type": "integer" }, "expires_at": { "type": "integer" },
                    "decided_at": { "type": ["integer", "null"] }, "decline_reason": { "type": ["string", "null"] } } },
                "SearchResults": { "type": "object", "properties": {
                    "searched_at": { "type": "integer" },
                    "results": { "type": "array", "items": { "type": "object", "properties": {
                        "ward_id": { "type": "string" }, "ward_name": { "type": "string" }, "ward_type": { "type": "string" },
                        "hospital_id": { "type": "string" }, "hospital_name": { "type": "string" }, "phone": { "type": "string" },
                        "free_beds": { "type": "integer" }, "posted_at": { "type": "integer" }, "age_seconds": { "type": "integer" },
                        "stale": { "type": "boolean" }, "distance_km": { "type": ["number", "null"] } } } } } }
            }
        }
    })
}

/// GET /api/openapi.json.
pub async fn serve() -> axum::Json<Value> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_of_the_policy_is_documented_with_its_method() {
        let document = super::document();
        for (method, path, _) in crate::policy::POLICY.iter().filter(|(_, p, _)| p.starts_with("/api/v1/")) {
            if path.starts_with("/api/v1/municipalities") {
                continue; // the sheet API predates this document
            }
            let operation = &document["paths"][*path][method.to_ascii_lowercase()];
            assert!(operation.is_object(), "{method} {path} is missing from the OpenAPI document");
        }
    }
}
