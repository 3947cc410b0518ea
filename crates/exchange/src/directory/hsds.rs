//! Open Referral HSDS 3.0 for the resource directory, as one JSON document: `organizations`
//! (with their identifiers, phones, locations with addresses and schedules, and attributes) and
//! `services` (with attributes and service_at_locations), and the `taxonomies` and
//! `taxonomy_terms` that say what nimo's types, 相談支援 services, memberships and specialties are.
//! Ids are UUIDs made from the municipality and the record's nimo id, so an export of the same
//! records is the same file. docs/directory-hsds.md describes the mapping.

use crate::{FileFormat, ImportError};
use nimo_domain::directory::{OrgType, Organisation, Specialty};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The taxonomy of nimo's terms.
const TAXONOMY: &str = "nimo-directory";

/// A UUID (version 8, RFC 9562's custom layout) from a SHA-256 of the parts.
fn uuid(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let mut b: [u8; 16] = hash.finalize()[..16].try_into().unwrap_or([0; 16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Every term nimo writes: (code, name).
fn terms() -> Vec<(String, String)> {
    let mut terms: Vec<(String, String)> =
        OrgType::ALL.iter().map(|t| (format!("type:{}", t.code()), t.label().to_string())).collect();
    terms.push(("service:soudan_ippan".into(), "一般相談支援（地域移行支援・地域定着支援）".into()));
    terms.push(("service:soudan_tokutei".into(), "特定相談支援（計画相談支援）".into()));
    for (code, name) in [("ishikai", "医師会"), ("shikaishikai", "歯科医師会"), ("yakuzaishikai", "薬剤師会")]
    {
        terms.push((format!("membership:{code}"), format!("{name}会員（かかりつけ）")));
    }
    terms.extend(Specialty::ALL.iter().map(|s| (format!("specialty:{}", s.code()), s.label().to_string())));
    terms.push(("area".into(), "地区・圏域".into()));
    terms.push(("capacity".into(), "定員".into()));
    terms
}

/// The directory as an HSDS 3.0 JSON document.
pub fn to_hsds(municipality: &str, orgs: &[Organisation]) -> Vec<u8> {
    let term_id = |code: &str| uuid(&["term", code]);
    let attribute = |link: &str, entity: &str, code: &str, value: &str| {
        json!({"id": uuid(&["attribute", link, code]), "link_id": link, "link_type": "nimo", "link_entity": entity,
               "taxonomy_term_id": term_id(code), "value": value})
    };
    let mut organizations = Vec::new();
    let mut services = Vec::new();
    for org in orgs {
        let id = uuid(&[municipality, "organization", &org.reference]);
        let location_id = uuid(&[municipality, "location", &org.reference]);
        let mut identifiers = vec![json!({"id": uuid(&[&id, "nimo"]), "organization_id": id,
            "identifier_scheme": "nimo", "identifier_type": "id", "identifier": org.reference})];
        if let Some(hospital) = &org.hospital_id {
            identifiers.push(json!({"id": uuid(&[&id, "hospital"]), "organization_id": id,
                "identifier_scheme": "nimo-hospital", "identifier_type": "hospital_id", "identifier": hospital}));
        }
        let mut phones = Vec::new();
        for (kind, number) in [("voice", &org.phone), ("fax", &org.fax)] {
            if !number.is_empty() {
                phones.push(json!({"id": uuid(&[&id, kind]), "organization_id": id, "number": number, "type": kind}));
            }
        }
        let mut attributes = vec![attribute(&id, "organization", &format!("type:{}", org.org_type.code()), "")];
        let m = org.memberships;
        for (on, code) in [(m.ishikai, "ishikai"), (m.shikaishikai, "shikaishikai"), (m.yakuzaishikai, "yakuzaishikai")]
        {
            if on {
                attributes.push(attribute(&id, "organization", &format!("membership:{code}"), ""));
            }
        }
        for s in &org.specialties {
            attributes.push(attribute(&id, "organization", &format!("specialty:{}", s.code()), ""));
        }
        let mut location = json!({"id": location_id, "organization_id": id, "location_type": "physical",
            "name": org.name, "latitude": org.coordinates.map(|c| c.0), "longitude": org.coordinates.map(|c| c.1),
            "addresses": [{"id": uuid(&[&location_id, "address"]), "location_id": location_id,
                "address_1": org.address, "city": "", "region": "", "state_province": "", "postal_code": "",
                "country": "JP", "address_type": "physical"}],
            "schedules": [], "attributes": []});
        if !org.hours.is_empty() {
            location["schedules"] = json!([{"id": uuid(&[&location_id, "hours"]), "location_id": location_id,
                "description": org.hours}]);
        }
        if !org.area.is_empty() {
            location["attributes"] = json!([attribute(&location_id, "location", "area", &org.area)]);
        }
        organizations.push(json!({"id": id, "name": org.name, "alternate_name": org.name_kana,
            "description": org.description, "email": org.email, "website": org.url,
            "organization_identifiers": identifiers, "phones": phones, "locations": [location],
            "attributes": attributes}));
        for (code, label) in org.services() {
            let service_id = uuid(&[municipality, "service", &org.reference, code]);
            let mut service_attributes = vec![attribute(&service_id, "service", &service_term(code), "")];
            if let Some(n) = org.capacity {
                service_attributes.push(attribute(&service_id, "service", "capacity", &n.to_string()));
            }
            services.push(json!({"id": service_id, "organization_id": id, "name": label,
                "status": if org.active { "active" } else { "inactive" }, "attributes": service_attributes,
                "service_at_locations": [{"id": uuid(&[&service_id, "at"]), "service_id": service_id,
                    "location_id": location_id}]}));
        }
    }
    let taxonomy_id = uuid(&["taxonomy", TAXONOMY]);
    let document = json!({
        "hsds_version": "3.0",
        "publisher": {"name": "nimo", "municipality_code": municipality},
        "taxonomies": [{"id": taxonomy_id, "name": TAXONOMY, "version": "1",
            "description": "nimo の社会資源名簿の種別・相談支援・三師会・専門分野"}],
        "taxonomy_terms": terms().iter().map(|(code, name)| json!({"id": term_id(code), "code": code, "name": name,
            "description": name, "taxonomy": TAXONOMY, "taxonomy_id": taxonomy_id})).collect::<Vec<_>>(),
        "organizations": organizations,
        "services": services,
    });
    serde_json::to_vec_pretty(&document).unwrap_or_default()
}

/// A service's term: 相談支援's own, or the organisation's type.
fn service_term(code: &str) -> String {
    if code.starts_with("soudan_") { format!("service:{code}") } else { format!("type:{code}") }
}

fn json_error(path: String, reason: &str) -> ImportError {
    ImportError::Json { path, line: None, column: None, reason: reason.to_string() }
}

/// The organisations of an HSDS document nimo (or another system following docs/directory-hsds.md)
/// wrote, or every problem found, each with its JSON place.
pub fn from_hsds(bytes: &[u8]) -> Result<Vec<Organisation>, Vec<ImportError>> {
    let document: Value =
        serde_json::from_slice(bytes.strip_prefix(crate::csv::BOM).unwrap_or(bytes)).map_err(|e| {
            vec![ImportError::Unreadable {
                format: FileFormat::Json,
                reason: format!("{}行目 {}列目: {e}", e.line(), e.column()),
            }]
        })?;
    let mut errors = Vec::new();
    let terms: Vec<(String, String)> = document["taxonomy_terms"]
        .as_array()
        .map(|all| all.iter().map(|t| (text(&t["id"]), text(&t["code"]))).collect())
        .unwrap_or_default();
    let code_of = |attribute: &Value| {
        let id = text(&attribute["taxonomy_term_id"]);
        terms
            .iter()
            .find(|(t, _)| *t == id)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| text(&attribute["taxonomy_term"]["code"]))
    };
    let Some(organizations) = document["organizations"].as_array() else {
        return Err(vec![json_error("organizations".into(), "組織の一覧（配列）がありません")]);
    };
    let services = document["services"].as_array().cloned().unwrap_or_default();
    let mut orgs = Vec::new();
    for (i, o) in organizations.iter().enumerate() {
        let place = |field: &str| format!("organizations[{i}].{field}");
        let id = text(&o["id"]);
        let identifier = |scheme: &str| {
            o["organization_identifiers"]
                .as_array()
                .and_then(|all| all.iter().find(|x| x["identifier_scheme"] == scheme).map(|x| text(&x["identifier"])))
        };
        let codes: Vec<String> =
            o["attributes"].as_array().map(|a| a.iter().map(code_of).collect()).unwrap_or_default();
        let Some(org_type) = codes.iter().find_map(|c| c.strip_prefix("type:").and_then(OrgType::parse)) else {
            errors.push(json_error(place("attributes"), "種別（type:…の用語）がないか、知らない種別です"));
            continue;
        };
        let mut org = Organisation::empty(org_type);
        org.reference = identifier("nimo").unwrap_or_else(|| id.clone());
        org.hospital_id = identifier("nimo-hospital");
        org.name = if org.hospital_id.is_some() { String::new() } else { text(&o["name"]) };
        (org.name_kana, org.description) = (text(&o["alternate_name"]), text(&o["description"]));
        (org.email, org.url) = (text(&o["email"]), text(&o["website"]));
        let has = |code: &str| codes.iter().any(|c| c == code);
        org.memberships.ishikai = has("membership:ishikai");
        org.memberships.shikaishikai = has("membership:shikaishikai");
        org.memberships.yakuzaishikai = has("membership:yakuzaishikai");
        for code in codes.iter().filter_map(|c| c.strip_prefix("specialty:")) {
            match Specialty::parse(code) {
                Some(s) if !org.specialties.contains(&s) => org.specialties.push(s),
                Some(_) => {}
                None => errors.push(json_error(place("attributes"), &format!("知らない専門分野です（{code}）"))),
            }
        }
        org.specialties.sort();
        for phone in o["phones"].as_array().into_iter().flatten() {
            match text(&phone["type"]).as_str() {
                "fax" => org.fax = text(&phone["number"]),
                _ if org.phone.is_empty() => org.phone = text(&phone["number"]),
                _ => {}
            }
        }
        if let Some(location) = o["locations"].as_array().and_then(|l| l.first()) {
            org.address = text(&location["addresses"][0]["address_1"]);
            org.hours = text(&location["schedules"][0]["description"]);
            match (location["latitude"].as_f64(), location["longitude"].as_f64()) {
                (Some(lat), Some(lon)) => org.coordinates = Some((lat, lon)),
                (None, None) => {}
                _ => errors.push(json_error(place("locations[0].latitude"), "緯度と経度は両方入れてください")),
            }
            if let Some(area) = location["attributes"].as_array().into_iter().flatten().find(|a| code_of(a) == "area") {
                org.area = text(&area["value"]);
            }
        }
        let own: Vec<&Value> = services.iter().filter(|s| text(&s["organization_id"]) == id).collect();
        org.active = own.is_empty() || own.iter().any(|s| s["status"] == "active");
        for service in &own {
            for attribute in service["attributes"].as_array().into_iter().flatten() {
                match code_of(attribute).as_str() {
                    "service:soudan_ippan" => org.soudan_ippan = true,
                    "service:soudan_tokutei" => org.soudan_tokutei = true,
                    "capacity" => org.capacity = text(&attribute["value"]).parse().ok(),
                    _ => {}
                }
            }
        }
        for problem in org.problems() {
            errors.push(json_error(place(problem.field), &problem.reason));
        }
        orgs.push(org);
    }
    if errors.is_empty() { Ok(orgs) } else { Err(errors) }
}

/// A JSON value as text (empty for null or a missing field).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}
