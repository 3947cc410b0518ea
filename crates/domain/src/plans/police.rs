//! 警察 at a 支援会議: the guideline (障発0327第16号, II.7 会議の開催) says the police do not take
//! part for crime prevention (防犯の観点から警察が参加することは認められず); they may exceptionally
//! take part as a supporter, for the person's support only, after the views of 本人 and the
//! family and other supporters were heard and the supporters other than the police agreed; if
//! the person refuses, they must not take part. The wording was read in secondary sources that
//! quote the guideline (MHLW 障害者総合支援法改正法施行後3年の見直しについて 報告書; jmedj
//! 2018-04), not in the guideline's own text: pages say 要確認.

/// The conditions, each with its code (stored) and the label staff confirm.
pub const CONDITIONS: &[(&str, &str)] = &[
    ("support_only", "警察の参加は本人の支援を目的とし、防犯（犯罪防止）のためではない"),
    ("views_heard", "本人及び家族その他の支援者から警察の参加について意見を聴いた"),
    ("others_agreed", "警察以外の支援関係者の間で警察の参加について合意した"),
    ("person_not_refused", "本人は警察の参加を拒否していない（拒否した場合は参加させない）"),
];

/// The warning pages show beside the meeting form and on a meeting the police attended.
pub const WARNING: &str = "会議には防犯の観点から警察が参加することは認められません。例外的に本人の支援を目的として参加する場合は、下の条件をすべて満たす必要があります（ガイドラインの文言は二次資料で確認、要確認）";

/// Whether a participant line names the police (機関名 with 警察).
pub fn names_police(organisation: &str) -> bool {
    organisation.contains("警察")
}

/// The reason a meeting with the police is refused, naming what is missing; `None` when it may be
/// recorded. `confirmed` are the condition codes staff checked.
pub fn refusal(police_attended: bool, confirmed: &[&str]) -> Option<String> {
    if !police_attended {
        return None;
    }
    let missing: Vec<&str> =
        CONDITIONS.iter().filter(|(code, _)| !confirmed.contains(code)).map(|(_, label)| *label).collect();
    (!missing.is_empty()).then(|| {
        format!("警察が参加する会議は、次の条件をすべて確認した場合に限り記録できます: {}", missing.join("／"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn police_attendance_needs_every_condition() {
        assert_eq!(refusal(false, &[]), None);
        let all: Vec<&str> = CONDITIONS.iter().map(|(c, _)| *c).collect();
        assert_eq!(refusal(true, &all), None);
        let missing = refusal(true, &all[..3]).unwrap();
        assert!(missing.contains("拒否していない") && !missing.contains("防犯（犯罪防止）"), "{missing}");
        assert!(names_police("目黒警察署") && !names_police("目黒区保健予防課"));
    }
}
