//! 市町村長同意 pages: the list (`list`), receiving a hospital's request from a person's page, the request's
//! page with its checks, clocks and next steps, and the decision (`pages`); the forms are read and
//! checked in `forms`.

pub(crate) mod forms;
pub(crate) mod list;
pub(crate) mod pages;
