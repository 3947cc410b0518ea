//! One organisation of the directory as entered (a form, a CSV line, an HSDS record) and the
//! checks every way in applies, each problem naming its field.

use super::{OrgType, Specialty, is_reading};
use crate::text::TextRule;

/// Membership of the 三師会, which makes a clinic, 歯科 or 薬局 a かかりつけ of the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memberships {
    /// 医師会.
    pub ishikai: bool,
    /// 歯科医師会.
    pub shikaishikai: bool,
    /// 薬剤師会.
    pub yakuzaishikai: bool,
}

impl Memberships {
    /// Whether any membership makes it a かかりつけ.
    pub fn any(self) -> bool {
        self.ishikai || self.shikaishikai || self.yakuzaishikai
    }

    /// The memberships as the page shows them (「医師会・薬剤師会」), empty when none.
    pub fn label(self) -> String {
        [(self.ishikai, "医師会"), (self.shikaishikai, "歯科医師会"), (self.yakuzaishikai, "薬剤師会")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join("・")
    }
}

/// A service an organisation gives, as exchanged (HSDS services): its code and label.
pub type ServiceCode = (&'static str, &'static str);

/// A field and why its value is refused (Japanese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's code (the CSV column, the form field).
    pub field: &'static str,
    /// Why, in Japanese.
    pub reason: String,
}

/// One organisation with its one location and contacts.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// Its id in files (CSV, HSDS), unique in the municipality: letters, digits, `-`, `_`, `.`.
    pub reference: String,
    /// Its type.
    pub org_type: OrgType,
    /// Its name; for a 精神科病院 the bed finder's hospital name (not stored with the record).
    pub name: String,
    /// Its reading in kana (may be empty).
    pub name_kana: String,
    /// The bed finder's hospital (a 精神科病院 only, which it must have).
    pub hospital_id: Option<String>,
    /// 医師会 / 歯科医師会 / 薬剤師会.
    pub memberships: Memberships,
    /// 一般相談支援 (地域移行・地域定着).
    pub soudan_ippan: bool,
    /// 特定相談支援 (計画相談).
    pub soudan_tokutei: bool,
    /// Specialties (sorted, once each).
    pub specialties: Vec<Specialty>,
    /// A short description.
    pub description: String,
    /// 所在地.
    pub address: String,
    /// 電話.
    pub phone: String,
    /// FAX.
    pub fax: String,
    /// メール.
    pub email: String,
    /// ウェブサイト.
    pub url: String,
    /// 地区 or 圏域.
    pub area: String,
    /// 定員 (people or places), when it has one.
    pub capacity: Option<i64>,
    /// 開所時間 as text.
    pub hours: String,
    /// Latitude and longitude (WGS84), when known.
    pub coordinates: Option<(f64, f64)>,
    /// Whether it is in operation (inactive records stay, out of counts).
    pub active: bool,
}

impl Organisation {
    /// An empty record of a type (what a new form starts from).
    pub fn empty(org_type: OrgType) -> Self {
        Self {
            reference: String::new(),
            org_type,
            name: String::new(),
            name_kana: String::new(),
            hospital_id: None,
            memberships: Memberships::default(),
            soudan_ippan: false,
            soudan_tokutei: false,
            specialties: Vec::new(),
            description: String::new(),
            address: String::new(),
            phone: String::new(),
            fax: String::new(),
            email: String::new(),
            url: String::new(),
            area: String::new(),
            capacity: None,
            hours: String::new(),
            coordinates: None,
            active: true,
        }
    }

    /// Whether it counts as a かかりつけ of the network.
    pub fn kakaritsuke(&self) -> bool {
        self.memberships.any()
    }

    /// The services it gives, as exchanged: 一般/特定相談支援 for a 相談支援事業所, its type otherwise.
    pub fn services(&self) -> Vec<ServiceCode> {
        if self.org_type == OrgType::SoudanShien {
            let mut services = Vec::new();
            if self.soudan_ippan {
                services.push(("soudan_ippan", "一般相談支援（地域移行支援・地域定着支援）"));
            }
            if self.soudan_tokutei {
                services.push(("soudan_tokutei", "特定相談支援（計画相談支援）"));
            }
            return services;
        }
        vec![(self.org_type.code(), self.org_type.label())]
    }

    /// Every problem of the record, in field order (empty when it is fine). The name is not
    /// checked for a 精神科病院 (it is the hospital's).
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let mut add = |field: &'static str, reason: String| problems.push(FieldProblem { field, reason });
        let reference_ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if self.reference.is_empty() {
            add("id", "入力してください".into());
        } else if self.reference.len() > 64 || !self.reference.chars().all(reference_ok) {
            add("id", "半角英数字と - _ . の64文字までで入力してください".into());
        }
        match (self.org_type, &self.hospital_id) {
            (OrgType::PsychHospital, None) => {
                add("hospital_id", "精神科病院は緊急入院先検索の病院を選んでください".into())
            }
            (OrgType::PsychHospital, Some(_)) => {}
            (_, Some(_)) => add("hospital_id", "病院を結び付けられるのは精神科病院だけです".into()),
            (_, None) => {
                if self.name.trim().is_empty() {
                    add("name", "入力してください".into());
                }
                for reason in TextRule::line(100).problems(&self.name) {
                    add("name", reason);
                }
            }
        }
        for reason in TextRule::line(100).problems(&self.name_kana) {
            add("name_kana", reason);
        }
        if !is_reading(&self.name_kana) {
            add("name_kana", "ひらがなかカタカナで入力してください".into());
        }
        if self.memberships.any() && !self.org_type.may_be_kakaritsuke() {
            add("kakaritsuke", format!("{}は医師会・歯科医師会・薬剤師会の会員にできません", self.org_type.label()));
        }
        if self.org_type == OrgType::SoudanShien && !(self.soudan_ippan || self.soudan_tokutei) {
            add("soudan", "一般相談・特定相談の少なくとも一方を選んでください".into());
        }
        if self.org_type != OrgType::SoudanShien && (self.soudan_ippan || self.soudan_tokutei) {
            add("soudan", "一般相談・特定相談は相談支援事業所だけに付けられます".into());
        }
        for (field, text, max) in [
            ("description", &self.description, 1000),
            ("address", &self.address, 200),
            ("phone", &self.phone, 30),
            ("fax", &self.fax, 30),
            ("email", &self.email, 200),
            ("url", &self.url, 300),
            ("area", &self.area, 50),
            ("hours", &self.hours, 200),
        ] {
            let rule = if field == "description" { TextRule::lines(max) } else { TextRule::line(max) };
            for reason in rule.problems(text) {
                add(field, reason);
            }
        }
        let phone_ok = |t: &str| t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | ' ' | '+'));
        for (field, text) in [("phone", &self.phone), ("fax", &self.fax)] {
            if !phone_ok(text) {
                add(field, "半角数字とハイフンで入力してください（例 03-1234-5678）".into());
            }
        }
        if !self.email.is_empty() && (!self.email.contains('@') || self.email.contains(char::is_whitespace)) {
            add("email", "メールアドレスの形ではありません".into());
        }
        if !(self.url.is_empty() || self.url.starts_with("https://") || self.url.starts_with("http://")) {
            add("url", "https:// か http:// で始まるアドレスを入力してください".into());
        }
        if self.capacity.is_some_and(|n| !(0..=100_000).contains(&n)) {
            add("capacity", "0以上の整数で入力してください".into());
        }
        if let Some((lat, lon)) = self.coordinates {
            if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                add("latitude", "緯度は -90 から 90 までの数です".into());
            }
            if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                add("longitude", "経度は -180 から 180 までの数です".into());
            }
        }
        problems
    }
}

/// Reads coordinates typed as two texts: both empty is none, one without the other or a text
/// that is no number is the problem of that field.
pub fn parse_coordinates(latitude: &str, longitude: &str) -> Result<Option<(f64, f64)>, FieldProblem> {
    let (latitude, longitude) = (latitude.trim(), longitude.trim());
    if latitude.is_empty() && longitude.is_empty() {
        return Ok(None);
    }
    let number = |field: &'static str, text: &str| {
        if text.is_empty() {
            return Err(FieldProblem { field, reason: "緯度と経度は両方入力してください".into() });
        }
        crate::text::nfkc(text)
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| FieldProblem { field, reason: format!("数ではありません（{text}）") })
    };
    Ok(Some((number("latitude", latitude)?, number("longitude", longitude)?)))
}
