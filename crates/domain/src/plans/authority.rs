//! Who may take over a 退院後支援計画 on a move (移管): the 保健所設置自治体 of the new address —
//! a 都道府県, a 保健所を設置する市 (政令指定都市, 中核市, 保健所政令市) or a 特別区
//! (guideline 障発0327第16号 II.2 作成主体). For a plain 市町村 the plan goes to its 都道府県.
//!
//! The lists of cities are data as of 令和6年4月 (20 政令指定都市, 62 中核市, 5 保健所政令市), written
//! from the known lists and not checked against 総務省's current table: pages show them as 要確認.

use crate::MunicipalityCode;
use crate::municipality::check_digit;

/// What the lists of cities rest on, as pages show it.
pub const SOURCE: &str = "保健所設置市の一覧（政令指定都市20、中核市62、保健所政令市5、令和6年4月時点）は総務省の一覧と照合していません（要確認）";

/// The kind of a 保健所設置自治体.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityKind {
    /// 都道府県.
    Prefecture,
    /// 政令指定都市.
    DesignatedCity,
    /// 中核市.
    CoreCity,
    /// 保健所政令市 (地域保健法施行令1条3号).
    HealthCentreCity,
    /// 特別区.
    SpecialWard,
}

impl AuthorityKind {
    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            AuthorityKind::Prefecture => "都道府県",
            AuthorityKind::DesignatedCity => "政令指定都市",
            AuthorityKind::CoreCity => "中核市",
            AuthorityKind::HealthCentreCity => "保健所政令市",
            AuthorityKind::SpecialWard => "特別区",
        }
    }
}

/// A 保健所設置自治体: its code, name and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// The 6-digit code.
    pub code: String,
    /// The name.
    pub name: String,
    /// The kind.
    pub kind: AuthorityKind,
}

/// Why a code is not a 保健所設置自治体, with the one that takes the plan instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnAuthority {
    /// The one that does (the 都道府県, or the 政令指定都市 of a ward).
    pub instead: Authority,
}

const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

const DESIGNATED: &[(&str, &str)] = &[
    ("01100", "札幌市"),
    ("04100", "仙台市"),
    ("11100", "さいたま市"),
    ("12100", "千葉市"),
    ("14100", "横浜市"),
    ("14130", "川崎市"),
    ("14150", "相模原市"),
    ("15100", "新潟市"),
    ("22100", "静岡市"),
    ("22130", "浜松市"),
    ("23100", "名古屋市"),
    ("26100", "京都市"),
    ("27100", "大阪市"),
    ("27140", "堺市"),
    ("28100", "神戸市"),
    ("33100", "岡山市"),
    ("34100", "広島市"),
    ("40100", "北九州市"),
    ("40130", "福岡市"),
    ("43100", "熊本市"),
];

const CORE: &[(&str, &str)] = &[
    ("01202", "函館市"),
    ("01204", "旭川市"),
    ("02201", "青森市"),
    ("02203", "八戸市"),
    ("03201", "盛岡市"),
    ("05201", "秋田市"),
    ("06201", "山形市"),
    ("07201", "福島市"),
    ("07203", "郡山市"),
    ("07204", "いわき市"),
    ("08201", "水戸市"),
    ("09201", "宇都宮市"),
    ("10201", "前橋市"),
    ("10202", "高崎市"),
    ("11201", "川越市"),
    ("11203", "川口市"),
    ("11222", "越谷市"),
    ("12204", "船橋市"),
    ("12217", "柏市"),
    ("13201", "八王子市"),
    ("14201", "横須賀市"),
    ("16201", "富山市"),
    ("17201", "金沢市"),
    ("18201", "福井市"),
    ("19201", "甲府市"),
    ("20201", "長野市"),
    ("20202", "松本市"),
    ("21201", "岐阜市"),
    ("23201", "豊橋市"),
    ("23202", "岡崎市"),
    ("23203", "一宮市"),
    ("23211", "豊田市"),
    ("25201", "大津市"),
    ("27203", "豊中市"),
    ("27205", "吹田市"),
    ("27207", "高槻市"),
    ("27210", "枚方市"),
    ("27212", "八尾市"),
    ("27215", "寝屋川市"),
    ("27227", "東大阪市"),
    ("28201", "姫路市"),
    ("28202", "尼崎市"),
    ("28203", "明石市"),
    ("28204", "西宮市"),
    ("29201", "奈良市"),
    ("30201", "和歌山市"),
    ("31201", "鳥取市"),
    ("32201", "松江市"),
    ("33202", "倉敷市"),
    ("34202", "呉市"),
    ("34207", "福山市"),
    ("35201", "下関市"),
    ("37201", "高松市"),
    ("38201", "松山市"),
    ("39201", "高知市"),
    ("40203", "久留米市"),
    ("42201", "長崎市"),
    ("42202", "佐世保市"),
    ("44201", "大分市"),
    ("45201", "宮崎市"),
    ("46201", "鹿児島市"),
    ("47201", "那覇市"),
];

const HEALTH_CENTRE_CITIES: &[(&str, &str)] =
    &[("01203", "小樽市"), ("13209", "町田市"), ("14205", "藤沢市"), ("14207", "茅ヶ崎市"), ("24202", "四日市市")];

const SPECIAL_WARDS: [&str; 23] = [
    "千代田区",
    "中央区",
    "港区",
    "新宿区",
    "文京区",
    "台東区",
    "墨田区",
    "江東区",
    "品川区",
    "目黒区",
    "大田区",
    "世田谷区",
    "渋谷区",
    "中野区",
    "杉並区",
    "豊島区",
    "北区",
    "荒川区",
    "板橋区",
    "練馬区",
    "足立区",
    "葛飾区",
    "江戸川区",
];

fn full(first_five: &str) -> String {
    format!("{first_five}{}", check_digit(first_five))
}

fn authority(first_five: &str, name: &str, kind: AuthorityKind) -> Authority {
    Authority { code: full(first_five), name: name.to_string(), kind }
}

/// The 都道府県 a code belongs to.
pub fn prefecture_of(code: &MunicipalityCode) -> Option<Authority> {
    let number: usize = code.as_str().get(..2)?.parse().ok()?;
    let name = PREFECTURES.get(number.checked_sub(1)?)?;
    Some(authority(&format!("{:02}000", number), name, AuthorityKind::Prefecture))
}

/// The 保健所設置自治体 a code names, or the one that takes a plan instead of it.
pub fn health_centre_authority(code: &MunicipalityCode) -> Result<Authority, NotAnAuthority> {
    let five = &code.as_str()[..5];
    let prefecture = prefecture_of(code);
    if let Some(p) = prefecture.clone().filter(|_| five.ends_with("000")) {
        return Ok(p);
    }
    let lists = [
        (DESIGNATED, AuthorityKind::DesignatedCity),
        (CORE, AuthorityKind::CoreCity),
        (HEALTH_CENTRE_CITIES, AuthorityKind::HealthCentreCity),
    ];
    for (list, kind) in lists {
        if let Some((c, name)) = list.iter().find(|(c, _)| *c == five) {
            return Ok(authority(c, name, kind));
        }
    }
    let number: u32 = five[2..].parse().unwrap_or(0);
    if five.starts_with("13") && (101..=123).contains(&number) {
        let name = SPECIAL_WARDS[usize::try_from(number - 101).unwrap_or(0)];
        return Ok(authority(five, name, AuthorityKind::SpecialWard));
    }
    // A ward of a 政令指定都市 (横浜市中区 …): the city takes the plan.
    let city = DESIGNATED
        .iter()
        .filter(|(c, _)| c[..2] == five[..2])
        .filter_map(|(c, name)| c[2..].parse::<u32>().ok().map(|base| (base, c, name)))
        .filter(|(base, _, _)| *base < number && number < base + 30)
        .max_by_key(|(base, _, _)| *base);
    if let Some((_, c, name)) = city {
        return Err(NotAnAuthority { instead: authority(c, name, AuthorityKind::DesignatedCity) });
    }
    match prefecture {
        Some(instead) => Err(NotAnAuthority { instead }),
        None => Err(NotAnAuthority { instead: authority("13000", "東京都", AuthorityKind::Prefecture) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> MunicipalityCode {
        MunicipalityCode::parse(text).unwrap()
    }

    #[test]
    fn prefectures_cities_and_wards_take_plans_and_a_plain_town_names_its_prefecture() {
        let meguro = health_centre_authority(&code("131105")).unwrap();
        assert_eq!((meguro.name.as_str(), meguro.kind), ("目黒区", AuthorityKind::SpecialWard));
        assert_eq!(health_centre_authority(&code("130001")).unwrap().name, "東京都");
        assert_eq!(health_centre_authority(&code(&full("14100"))).unwrap().kind, AuthorityKind::DesignatedCity);
        assert_eq!(health_centre_authority(&code(&full("13201"))).unwrap().name, "八王子市");
        assert_eq!(health_centre_authority(&code(&full("13209"))).unwrap().kind, AuthorityKind::HealthCentreCity);
        // 武蔵野市 (13203) has no 保健所: 東京都 takes the plan.
        let refused = health_centre_authority(&code(&full("13203"))).unwrap_err();
        assert_eq!((refused.instead.code.as_str(), refused.instead.name.as_str()), ("130001", "東京都"));
        // 横浜市中区 (14104): 横浜市.
        assert_eq!(health_centre_authority(&code(&full("14104"))).unwrap_err().instead.name, "横浜市");
        assert_eq!(CORE.len(), 62);
        assert_eq!(DESIGNATED.len(), 20);
        for (c, _) in DESIGNATED.iter().chain(CORE).chain(HEALTH_CENTRE_CITIES) {
            assert!(health_centre_authority(&code(&full(c))).is_ok(), "{c}");
        }
    }
}
