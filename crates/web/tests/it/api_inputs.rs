//! What the API fuzzing (scripts/api-fuzz.sh) found, kept as tests: the API accepts every value
//! its document offers, refuses what it does not with a 422 naming the parameter, and the document
//! offers only what the server takes.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, api_client, hospital_scope, now, seed_beds, staff_scope, token_for};
use crate::for_each_backend;
use nimo_domain::access::Role;
use serde_json::{Value, json};

/// Status and JSON body of a request.
async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_whole_number_written_with_a_zero_fraction_is_taken_as_that_number() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, hospital) = token_for(&app.db, "whole-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL)).await;
        let (_, staff) = token_for(&app.db, "whole-staff", Role::Staff, staff_scope()).await;
        let put = |body: Value| {
            api_client()
                .put(format!("{}/api/v1/wards/{OWN_WARD}/availability", app.base))
                .bearer_auth(&hospital)
                .json(&body)
        };
        // JSON Schema counts 4.0 as an integer, as the document's `type: integer` allows it.
        let (status, posted) = send(put(json!({ "free_beds": 4.0 }))).await;
        assert_eq!((status, &posted["free_beds"]), (200, &json!(4)), "{posted}");
        let (status, problem) = send(put(json!({ "free_beds": 4.5 }))).await;
        assert_eq!(status, 422, "a fraction is still refused: {problem}");
        let searched_at = (now() - 60) as f64;
        let hold =
            json!({ "ward_id": OWN_WARD, "case_ref": "R4-023", "admission": "sochi", "searched_at": searched_at });
        let request = api_client().post(format!("{}/api/v1/holds", app.base)).bearer_auth(&staff).json(&hold);
        let (status, held) = send(request).await;
        assert_eq!((status, held["searched_at"].as_i64()), (201, Some(now() - 60)), "{held}");
    })
    .await;
}

#[tokio::test]
async fn a_search_parameter_given_twice_is_a_422_that_names_it() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, staff) = token_for(&app.db, "twice-staff", Role::Staff, staff_scope()).await;
        let search =
            |query: &str| api_client().get(format!("{}/api/v1/beds/search?{query}", app.base)).bearer_auth(&staff);
        let (status, problem) = send(search("ward_type=heisa&ward_type=heisa")).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "ward_type", "{problem}");
        let (status, _) = send(search("ward_type=heisa&unknown=1&unknown=2")).await;
        assert_eq!(status, 200, "unknown parameters are ignored, as before");
    })
    .await;
}

#[tokio::test]
async fn every_search_value_the_document_offers_is_accepted() {
    let app = crate::TestApp::spawn(nimo_store::testing::backends()[0]).await;
    seed_beds(&app.db, &[]).await;
    let (_, staff) = token_for(&app.db, "offered-staff", Role::Staff, staff_scope()).await;
    let document: Value =
        api_client().get(format!("{}/api/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    let parameters = document["paths"]["/api/v1/beds/search"]["get"]["parameters"].as_array().unwrap().clone();
    let parameter = |name: &str| parameters.iter().find(|p| p["name"] == name).cloned().unwrap_or(Value::Null);
    let mut queries = Vec::new();
    for name in ["sex", "from"] {
        let values = parameter(name)["schema"]["enum"].as_array().cloned().unwrap_or_default();
        assert!(!values.is_empty(), "`{name}` lists the values the search takes: {}", parameter(name));
        queries.extend(values.iter().map(|value| format!("{name}={}", value.as_str().unwrap())));
    }
    // `lat` and `lon` go together: one object parameter, sent as `lat=…&lon=…`.
    let point = parameter("point");
    assert_eq!((point["style"].as_str(), point["explode"].as_bool()), (Some("form"), Some(true)), "{point}");
    assert!(parameter("lat").is_null() && parameter("lon").is_null(), "no lone `lat` or `lon`");
    let schema = &document["components"]["schemas"]["Point"];
    assert_eq!(schema["required"], json!(["lat", "lon"]), "{schema}");
    for (lat, lon) in [("minimum", "minimum"), ("maximum", "maximum"), ("minimum", "maximum")] {
        let (lat, lon) = (&schema["properties"]["lat"][lat], &schema["properties"]["lon"][lon]);
        queries.push(format!("lat={lat}&lon={lon}&from=131105"));
    }
    for query in queries {
        let request = api_client().get(format!("{}/api/v1/beds/search?{query}", app.base)).bearer_auth(&staff);
        let (status, answer) = send(request).await;
        assert_eq!(status, 200, "{query}: {answer}");
    }
}
