//! Case work (23条通報): the worklist, the case page and its steps, intake with matching of known
//! people, the person of a 本人不明 case, a person's timeline with outreach visits, and merging
//! duplicate records of one person, and the case summary as a PDF (`print`).
//!
//! Every page that shows personal data writes one audit row (`read`, record `case`/`person`/
//! `case_list`) before it is answered; every change commits with its own row in the store. A
//! record outside the viewer's municipality or 地区 is answered 404, after a `denied` audit row.

pub(crate) mod case_page;
pub(crate) mod case_view;
pub(crate) mod identify;
pub(crate) mod intake;
pub(crate) mod matching;
pub(crate) mod merge;
pub(crate) mod people;
pub(crate) mod person_fields;
pub(crate) mod print;
pub(crate) mod worklist;
