//! Tests of nimo-vault through its public API: sealing and opening, rotation, key files and
//! blind indexes, as the store and the CLI will use them.

mod keyfile;
mod rotation;
mod sealing;
mod search;
