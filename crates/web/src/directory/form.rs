//! The organisation form (new and edit) as posted, turned into the domain's `Organisation`
//! with each problem beside its field, and filled from a stored record for editing.

use crate::pages::{Errors, Fields};
use nimo_domain::directory::{Memberships, OrgType, Organisation, Specialty, parse_coordinates};

/// The form as posted; checkboxes are `Some("1")` when ticked.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrgForm {
    #[serde(default)]
    pub(crate) reference: String,
    #[serde(default)]
    pub(crate) org_type: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) name_kana: String,
    #[serde(default)]
    pub(crate) hospital_id: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) address: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) fax: String,
    #[serde(default)]
    pub(crate) email: String,
    #[serde(default)]
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) area: String,
    #[serde(default)]
    pub(crate) capacity: String,
    #[serde(default)]
    pub(crate) hours: String,
    #[serde(default)]
    pub(crate) latitude: String,
    #[serde(default)]
    pub(crate) longitude: String,
    pub(crate) ishikai: Option<String>,
    pub(crate) shikaishikai: Option<String>,
    pub(crate) yakuzaishikai: Option<String>,
    pub(crate) soudan_ippan: Option<String>,
    pub(crate) soudan_tokutei: Option<String>,
    pub(crate) active: Option<String>,
    pub(crate) specialty_alcohol: Option<String>,
    pub(crate) specialty_drug: Option<String>,
    pub(crate) specialty_gambling: Option<String>,
    pub(crate) specialty_brain_injury: Option<String>,
    pub(crate) specialty_dementia: Option<String>,
    pub(crate) specialty_developmental: Option<String>,
    pub(crate) specialty_youth: Option<String>,
    #[serde(default)]
    pub(crate) revision: String,
}

/// The form's fields in the order it shows them (the error summary's order).
pub(crate) const ORDER: [&str; 19] = [
    "reference",
    "org_type",
    "hospital_id",
    "name",
    "name_kana",
    "soudan",
    "kakaritsuke",
    "specialties",
    "area",
    "address",
    "phone",
    "fax",
    "email",
    "url",
    "hours",
    "capacity",
    "latitude",
    "longitude",
    "description",
];

/// What the form calls a field, for the summary at the top of a failed form.
pub(crate) fn label_of(field: &str) -> &'static str {
    match field {
        "reference" => "ID",
        "org_type" => "種別",
        "hospital_id" => "緊急入院先検索の病院",
        "name" => "名称",
        "name_kana" => "よみがな",
        "soudan" => "相談支援",
        "kakaritsuke" => "かかりつけ",
        "specialties" => "専門分野",
        "area" => "地区・圏域",
        "address" => "所在地",
        "phone" => "電話",
        "fax" => "FAX",
        "email" => "メール",
        "url" => "ウェブサイト",
        "hours" => "開所時間",
        "capacity" => "定員",
        "latitude" => "緯度",
        "longitude" => "経度",
        "description" => "説明",
        _ => "送信内容",
    }
}

/// The form field a domain or store field code stands for.
pub(crate) fn field_of(code: &str) -> String {
    match code {
        "id" => "reference".into(),
        "type" => "org_type".into(),
        other => other.to_string(),
    }
}

/// The element an error's field links to (a group of checkboxes links to its first box).
pub(crate) fn element_of(field: &str) -> String {
    match field {
        "soudan" => "soudan_ippan".into(),
        "kakaritsuke" => "ishikai".into(),
        "specialties" => "specialty_alcohol".into(),
        other => other.to_string(),
    }
}

impl OrgForm {
    /// The specialty checkboxes: (specialty, ticked).
    fn specialties(&self) -> [(Specialty, bool); 7] {
        let on = |v: &Option<String>| v.is_some();
        [
            (Specialty::Alcohol, on(&self.specialty_alcohol)),
            (Specialty::Drug, on(&self.specialty_drug)),
            (Specialty::Gambling, on(&self.specialty_gambling)),
            (Specialty::BrainInjury, on(&self.specialty_brain_injury)),
            (Specialty::Dementia, on(&self.specialty_dementia)),
            (Specialty::Developmental, on(&self.specialty_developmental)),
            (Specialty::Youth, on(&self.specialty_youth)),
        ]
    }

    /// The organisation the form describes, or every problem beside its field.
    pub(crate) fn organisation(&self) -> Result<Organisation, Errors> {
        let mut errors = Errors::new();
        let org_type = OrgType::parse(&self.org_type).unwrap_or_else(|| {
            errors.insert("org_type".into(), "種別を選んでください".into());
            OrgType::Other
        });
        let mut org = Organisation::empty(org_type);
        let trimmed = |s: &String| s.replace("\r\n", "\n").trim().to_string();
        org.reference = trimmed(&self.reference);
        org.name = trimmed(&self.name);
        org.name_kana = trimmed(&self.name_kana);
        org.hospital_id = Some(trimmed(&self.hospital_id)).filter(|h| !h.is_empty());
        if org_type == OrgType::PsychHospital {
            org.name.clear();
        }
        org.memberships = Memberships {
            ishikai: self.ishikai.is_some(),
            shikaishikai: self.shikaishikai.is_some(),
            yakuzaishikai: self.yakuzaishikai.is_some(),
        };
        (org.soudan_ippan, org.soudan_tokutei) = (self.soudan_ippan.is_some(), self.soudan_tokutei.is_some());
        org.specialties = self.specialties().iter().filter(|(_, on)| *on).map(|(s, _)| *s).collect();
        org.description = trimmed(&self.description);
        (org.address, org.phone, org.fax) = (trimmed(&self.address), trimmed(&self.phone), trimmed(&self.fax));
        (org.email, org.url, org.area) = (trimmed(&self.email), trimmed(&self.url), trimmed(&self.area));
        org.hours = trimmed(&self.hours);
        org.active = self.active.is_some();
        let capacity = nimo_domain::text::nfkc(self.capacity.trim());
        if !capacity.is_empty() {
            match capacity.parse::<i64>() {
                Ok(n) => org.capacity = Some(n),
                Err(_) => {
                    errors.insert("capacity".into(), format!("定員は整数で入力してください（{capacity}）"));
                }
            }
        }
        match parse_coordinates(&self.latitude, &self.longitude) {
            Ok(coordinates) => org.coordinates = coordinates,
            Err(problem) => {
                errors.insert(problem.field.into(), problem.reason);
            }
        }
        for problem in org.problems() {
            errors.entry(field_of(problem.field)).or_insert(problem.reason);
        }
        if errors.is_empty() { Ok(org) } else { Err(errors) }
    }
}

/// The fields of a form showing a stored organisation (what the edit form starts from).
pub(crate) fn fields_of(org: &Organisation) -> Fields {
    let mut f = Fields::new();
    let flag = |on: bool| if on { "1".to_string() } else { String::new() };
    for (name, value) in [
        ("reference", org.reference.clone()),
        ("org_type", org.org_type.code().to_string()),
        ("name", org.name.clone()),
        ("name_kana", org.name_kana.clone()),
        ("hospital_id", org.hospital_id.clone().unwrap_or_default()),
        ("description", org.description.clone()),
        ("address", org.address.clone()),
        ("phone", org.phone.clone()),
        ("fax", org.fax.clone()),
        ("email", org.email.clone()),
        ("url", org.url.clone()),
        ("area", org.area.clone()),
        ("capacity", org.capacity.map(|n| n.to_string()).unwrap_or_default()),
        ("hours", org.hours.clone()),
        ("latitude", org.coordinates.map(|c| c.0.to_string()).unwrap_or_default()),
        ("longitude", org.coordinates.map(|c| c.1.to_string()).unwrap_or_default()),
        ("ishikai", flag(org.memberships.ishikai)),
        ("shikaishikai", flag(org.memberships.shikaishikai)),
        ("yakuzaishikai", flag(org.memberships.yakuzaishikai)),
        ("soudan_ippan", flag(org.soudan_ippan)),
        ("soudan_tokutei", flag(org.soudan_tokutei)),
        ("active", flag(org.active)),
    ] {
        f.insert(name.to_string(), value);
    }
    for s in &org.specialties {
        f.insert(format!("specialty_{}", s.code()), "1".into());
    }
    f
}
