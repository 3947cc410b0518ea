//! Integration tests of nimo-report: sheets rendered to the PDF bytes a user downloads, read
//! back with poppler-utils (`pdftotext`, `pdfinfo`, `pdffonts`).

mod marks;
mod placement;
mod poppler;
mod records;
mod seed;

use nimo_domain::figure::{Figure, Value};
use nimo_domain::{PartialDate, ProgramMenu, Sheet};
use nimo_report::{DERIVED_MARKER, Fonts, render_pdf, typst_source};
use placement::Mismatch;
use poppler::{RenderedPdf, squeeze};
use std::sync::OnceLock;

/// Fonts are loaded once for the whole binary, as the web server does.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::discover().expect("fonts-noto-cjk is installed"))
}

fn render(sheet: &Sheet) -> RenderedPdf {
    let menu = ProgramMenu::builtin(sheet.fiscal_year);
    RenderedPdf::write(&render_pdf(sheet, &menu, fonts()).unwrap())
}

/// The expected texts that the printed text (squeezed) lacks.
fn missing<'a>(printed: &str, expected: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let printed = squeeze(printed);
    expected.into_iter().filter(|text| !printed.contains(&squeeze(text))).collect()
}

/// Texts up to this many characters never wrap in the demo sheet, so they must also appear in
/// the `-layout` text; longer ones may wrap inside a table cell, where `-layout` interleaves them
/// with the neighbouring column, and are checked in content order (`-raw`) only.
const FITS_ON_ONE_LINE: usize = 20;

#[test]
fn demo_sheet_pdf_shows_every_value_of_the_seed() {
    let pdf = render(&nimo_domain::demo::meguro_r4());
    let (layout, raw) = (pdf.layout_text(), pdf.raw_text());

    let expected = seed::expected_texts();
    let lost = missing(&raw, expected.iter().map(String::as_str));
    assert!(lost.is_empty(), "not in the PDF: {lost:#?}\n\n{raw}");
    let short = expected.iter().map(String::as_str).filter(|text| text.chars().count() <= FITS_ON_ONE_LINE);
    let lost = missing(&layout, short);
    assert!(lost.is_empty(), "not in the -layout text: {lost:#?}\n\n{layout}");
}

#[test]
fn demo_sheet_pdf_prints_every_value_beside_its_label() {
    let demo = nimo_domain::demo::meguro_r4();
    // What the checks below expect of section 1 is the original's, as written out by hand.
    let expected: Vec<(&str, String)> = placement::expected_figures(&demo)
        .into_iter()
        .map(|(def, printed)| (def.label, printed.replace(DERIVED_MARKER, "")))
        .collect();
    let written: Vec<(&str, String)> =
        seed::FIGURE_ROWS.iter().map(|(label, printed)| (*label, printed.to_string())).collect();
    assert_eq!(expected, written);

    let words = placement::words(&render(&demo).bbox_layout());
    let misplaced = placement::misplaced(&words, &demo);
    assert!(misplaced.is_empty(), "not beside their labels: {misplaced:#?}");
}

/// The check above fails when values are printed beside the wrong label or not at all, although
/// every value still appears somewhere in the document.
#[test]
fn the_placement_check_names_swapped_and_blank_figures() {
    let demo = nimo_domain::demo::meguro_r4();
    let mut altered = demo.clone();
    let figures = &mut altered.basic.figures;
    let (ippan, tokutei) = (figures["soudan_ippan"], figures["soudan_tokutei"]);
    figures.insert("soudan_ippan".into(), tokutei);
    figures.insert("soudan_tokutei".into(), ippan);
    figures.insert("hokenjo".into(), Figure::unknown());
    let pdf = render(&altered);

    let lost = missing(&pdf.raw_text(), seed::FIGURES.iter().copied());
    assert!(lost.is_empty(), "the text-only check cannot tell: {lost:?}");

    let misplaced = placement::misplaced(&placement::words(&pdf.bbox_layout()), &demo);
    let mismatch = |what: &str, expected: &str, found: &str| Mismatch {
        what: what.into(),
        expected: expected.into(),
        found: vec![found.into()],
    };
    assert_eq!(
        misplaced,
        [
            mismatch("保健所数", "1か所", "か所"),
            mismatch("一般相談支援事業所数", "7か所", "88か所"),
            mismatch("特定相談支援事業所数", "88か所", "7か所"),
        ]
    );
}

/// The same for sections 4 and 6: a target printed as the actual, a breakdown amount left out,
/// schedule contents swapped between rows, and a month beside the wrong row.
#[test]
fn the_placement_check_names_misplaced_outcomes_and_schedule_rows() {
    let demo = nimo_domain::demo::meguro_r4();
    let mut altered = demo.clone();
    let indicator = &mut altered.outcomes.indicators[1];
    std::mem::swap(&mut indicator.target, &mut indicator.actual);
    indicator.breakdown[0].value = Figure::unknown();
    let contents = (altered.schedule[0].content.clone(), altered.schedule[3].content.clone());
    (altered.schedule[3].content, altered.schedule[0].content) = contents;
    altered.schedule[4].month = altered.schedule[5].month;

    let misplaced = placement::misplaced(&placement::words(&render(&altered).bbox_layout()), &demo);
    let mismatch = |what: &str, expected: &str, found: &[&str]| Mismatch {
        what: what.into(),
        expected: squeeze(expected),
        found: found.iter().map(|text| squeeze(text)).collect(),
    };
    assert_eq!(
        misplaced,
        [
            mismatch("②措置入院者退院後支援 目標値（R3年度当初）", "実施2件", &["実施1件"]),
            mismatch("②措置入院者退院後支援 実績値（R3年度末）", "実施1件", &["実施2件"]),
            mismatch("（参考）目黒区内 23条通報", "40件", &[""]),
            mismatch(
                "今年度の取り組み内容に対する具体的な進め方を確認",
                "今年度の取り組み内容の確認",
                &["令和4年9月アウトリーチ支援事業"],
            ),
            mismatch("新しい仕組みでの運用開始", "アウトリーチ支援事業", &["令和4年4月今年度の取り組み内容の確認"]),
            // 令和4年11月 is not printed at all; 令和4年12月 now spans two rows, so it is centred
            // between them, beside neither.
            mismatch("令和4年11月", "普及啓発", &[]),
            mismatch("令和4年12月", "普及啓発（区民・当事者・家族）", &[""]),
        ]
    );
}

#[test]
fn sections_flow_onto_pages_after_the_cover() {
    let pdf = render(&nimo_domain::demo::meguro_r4());
    // The cover alone, then the six sections one after another: 5 pages, where a page per
    // section took 7 and left the page of section 2 mostly white.
    assert_eq!(pdf.pages(), 5);
    let cover = squeeze(&pdf.page_text(1));
    assert!(cover.contains(&squeeze("～さくら咲き 心地よいまち ずっと めぐろ～")));
    let titles = nimo_domain::sheet::SECTION_TITLES.map(squeeze);
    assert!(!titles.iter().any(|t| cover.contains(t.as_str())), "the cover holds no section");
    let page_of = |title: &str| (1..=pdf.pages()).find(|p| squeeze(&pdf.page_text(*p)).contains(title));
    let pages: Vec<_> = titles.iter().map(|t| page_of(t).unwrap_or_else(|| panic!("{t} is not printed"))).collect();
    assert_eq!(pages[0], 2, "section 1 follows the cover");
    assert!(pages.windows(2).all(|w| w[0] <= w[1]), "sections in order: {pages:?}");
    assert_eq!(pages[1], pages[2], "section 3 follows section 2 on its page: {pages:?}");
    // A heading is never the last thing on its page: its section's first block follows it.
    for page in 2..=pdf.pages() {
        let text = pdf.page_text(page);
        let last = text.lines().rev().map(squeeze).find(|l| !l.is_empty() && !l.contains("目黒区") && !l.contains('/'));
        let last = last.unwrap_or_default();
        assert!(!titles.iter().any(|t| last.ends_with(t.as_str())), "page {page} ends with a heading: {last}");
    }
}

#[test]
fn every_page_names_the_municipality_page_and_fiscal_year() {
    let pdf = render(&nimo_domain::demo::meguro_r4());
    for page in 1..=pdf.pages() {
        let text = squeeze(&pdf.page_text(page));
        assert!(text.contains("目黒区"), "page {page}");
        assert!(text.contains(&format!("{page}/{}", pdf.pages())), "page {page}: {text}");
        assert!(text.contains("令和4年度(2022年度)"), "page {page}: {text}");
    }
}

#[test]
fn pdf_is_a4_with_noto_sans_cjk_embedded() {
    let pdf = render(&nimo_domain::demo::meguro_r4());
    let info = pdf.info();
    assert!(info.lines().any(|line| line.starts_with("Page size:") && line.contains("(A4)")), "{info}");
    let fonts = pdf.fonts();
    let noto: Vec<&str> = fonts.lines().filter(|line| line.contains("NotoSansCJKjp")).collect();
    assert!(!noto.is_empty(), "{fonts}");
    // pdffonts' "emb" column: every Noto face is embedded.
    assert!(noto.iter().all(|line| line.contains(" yes ")), "{fonts}");
}

#[test]
fn editorial_notes_are_not_printed() {
    let sheet = nimo_domain::demo::meguro_r4();
    let pdf = render(&sheet);
    let printed = squeeze(&pdf.layout_text());
    for note in &sheet.editorial_notes {
        assert!(!printed.contains(&squeeze(note)), "{note}");
    }
    assert!(!printed.contains("推定"));
}

#[test]
fn markup_in_user_text_comes_out_literally() {
    let tricky = [
        "#set page(width: 1pt)",
        "*bold* _emph_ `raw`",
        "$x^2$",
        "<script>alert(1)</script>",
        r"C:\path\to \n \\ \u{41}",
        "] ) } [",
        "\"quoted\" 'single'",
        "// not a comment",
        "/* nor this */",
        "@label <label>",
        "= not a heading",
        "- not a list",
        "#{panic()}",
    ];
    let mut sheet = nimo_domain::demo::meguro_r4();
    sheet.header.program_title = tricky[0].into();
    sheet.header.slogan = tricky[1].into();
    sheet.header.vision = tricky[2].into();
    sheet.basic.profile = tricky[3].into();
    sheet.policy.goal = tricky[4].into();
    sheet.history[0].text = tricky[5].into();
    sheet.outcomes.indicators[0].effects = vec![tricky[6].into()];
    sheet.strengths.strengths[0] = tricky[7].into();
    sheet.strengths.items[0].actions[0].text = tricky[8].into();
    sheet.strengths.closing = tricky[9].into();
    sheet.schedule[0].item = tricky[10].into();
    sheet.schedule[0].content = tricky[11].into();
    sheet.municipality.name = tricky[12].into();

    let pdf = render(&sheet);
    let info = pdf.info();
    assert!(info.contains("(A4)"), "{info}");
    let raw = pdf.raw_text();
    let lost = missing(&raw, tricky);
    assert!(lost.is_empty(), "not printed literally: {lost:#?}\n\n{raw}");
}

#[test]
fn not_applicable_unknown_and_yes_no_print_as_on_paper() {
    let mut sheet = nimo_domain::demo::meguro_r4();
    sheet.basic.figures.insert("seishin_bukai".into(), Figure::entered(Value::YesNo(true)));
    sheet.basic.figures.insert("psych_beds".into(), Figure::unknown());
    let page = squeeze(&render(&sheet).page_raw_text(2));
    assert!(page.contains("/か所"), "{page}");
    assert!(page.contains("精神科病床数(R4年7月時点)床"), "{page}");
    assert!(page.contains("有・無"), "{page}");
    assert!(page.contains("※印は、入力された内訳などから自動計算した値です。"), "{page}");
}

#[test]
fn an_empty_sheet_renders() {
    let sheet = Sheet::empty(nimo_domain::demo::meguro_r4().municipality, nimo_domain::FiscalYear(2023));
    let pdf = render(&sheet);
    // The cover, section 1's table of empty figures, and the five other sections, empty.
    assert_eq!(pdf.pages(), 3);
    let text = squeeze(&pdf.page_text(1));
    assert!(text.contains("令和5年度(2023年度)"), "{text}");
}

#[test]
fn long_sections_flow_onto_more_pages() {
    let mut sheet = nimo_domain::demo::meguro_r4();
    let event = sheet.history[1].clone();
    sheet.history = (0..60)
        .map(|i| nimo_domain::sheet::HistoryEvent {
            date: PartialDate::month(2000 + i / 12, (i % 12) as u8 + 1),
            text: format!("{}（{i}）", event.text),
            record: None,
        })
        .collect();
    let pdf = render(&sheet);
    assert!(pdf.pages() > 5, "{}", pdf.pages());
    let printed = squeeze(&pdf.raw_text());
    assert!(printed.contains(&squeeze("（59）")));
}

#[test]
fn concurrent_renders_share_the_fonts() {
    let sheet = nimo_domain::demo::meguro_r4();
    let menu = ProgramMenu::builtin(sheet.fiscal_year);
    let pdfs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let fonts = fonts().clone();
                let (sheet, menu) = (&sheet, &menu);
                scope.spawn(move || render_pdf(sheet, menu, &fonts).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(pdfs.iter().all(|pdf| pdf == &pdfs[0]), "renders are deterministic");
}

#[test]
fn the_debugging_source_is_self_contained() {
    let sheet = nimo_domain::demo::meguro_r4();
    let source = typst_source(&sheet, &ProgramMenu::builtin(sheet.fiscal_year));
    assert!(source.contains("精神障害にも対応した地域包括ケアシステム構築支援事業自治体情報シート"));
    assert!(!source.contains("/sheet.json"));
}
