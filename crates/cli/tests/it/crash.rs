//! No acknowledged write is lost to a crash: a demo database's hospital posts free beds through
//! the API from several clients at once while the server is killed with SIGKILL at a random
//! moment, again and again; after each restart every posting the server answered 200 for is in
//! the database and the audit chain verifies. On SQLite (WAL, `synchronous=FULL`) and PostgreSQL.

use crate::harness::{Server, TestDatabase, block_on, for_each_backend};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Kill cycles per backend (each a few hundred milliseconds of writes).
const CYCLES: usize = 12;
/// Clients writing at once.
const CLIENTS: usize = 4;

/// The hospital account's wards (straight from the database).
fn wards_of(db: &TestDatabase, login: &str) -> Vec<String> {
    block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let wards: Vec<String> = sqlx::query_scalar(
            "SELECT w.id FROM ward w JOIN app_user u ON u.scope_hospital = w.hospital_id WHERE u.login = $1 ORDER BY w.id",
        )
        .bind(login)
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        wards
    })
}

/// How many postings of this ward with this count and time the database holds.
fn postings(db: &TestDatabase, ward: &str, free: i64, at: i64) -> i64 {
    db.count(&format!(
        "SELECT COUNT(*) FROM ward_posting WHERE ward_id = '{ward}' AND free_beds = {free} AND posted_at = {at}"
    ))
}

/// A pseudo-random number from the clock (the kill moments need not be reproducible).
fn jitter(max: u64) -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos());
    u64::from(nanos.unwrap_or(0)) % max
}

#[test]
fn every_acknowledged_posting_survives_sigkill_and_the_audit_chain_verifies() {
    for_each_backend(|db| {
        // The demo's hospitals and accounts, then a token for its hospital account.
        let demo = Server::start(&mut db.command(&["demo", "--addr", "127.0.0.1:0"]));
        drop(demo);
        let token = db.nimo(&["token", "create", "--user", "demo-byoin"]).succeeds().stdout_text().trim().to_string();
        let wards = wards_of(db, "demo-byoin");
        assert!(!wards.is_empty(), "the demo hospital has wards");
        let (mut acknowledged, mut lost) = (Vec::new(), 0usize);
        let started = Instant::now();
        for cycle in 0..CYCLES {
            let server = Server::start(&mut db.command(&["serve", "--addr", "127.0.0.1:0"]));
            let answered = Arc::new(Mutex::new(Vec::new()));
            let mut server = server;
            block_on(async {
                let clients: Vec<_> = (0..CLIENTS)
                    .map(|client| {
                        let (base, token, wards) = (server.base.clone(), token.clone(), wards.clone());
                        let answered = answered.clone();
                        tokio::spawn(async move {
                            let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                            for n in 0.. {
                                let ward = &wards[(client + n) % wards.len()];
                                let free = ((cycle * 31 + client * 7 + n) % 40) as i64 + 5;
                                let response = http
                                    .put(format!("{base}/api/v1/wards/{ward}/availability"))
                                    .bearer_auth(&token)
                                    .json(&serde_json::json!({ "free_beds": free }))
                                    .send()
                                    .await;
                                match response {
                                    Ok(r) if r.status().as_u16() == 200 => {
                                        let body: serde_json::Value = r.json().await.unwrap_or_default();
                                        if let Some(at) = body["posted_at"].as_i64() {
                                            answered.lock().unwrap().push((ward.clone(), free, at));
                                        }
                                    }
                                    Ok(r) => panic!("posting answered {}", r.status()),
                                    // The server is gone: this write was never acknowledged.
                                    Err(_) => break,
                                }
                            }
                        })
                    })
                    .collect();
                tokio::time::sleep(Duration::from_millis(150 + jitter(600))).await;
                server.child.kill().unwrap(); // SIGKILL
                server.child.wait().unwrap();
                for client in clients {
                    client.await.unwrap();
                }
            });
            drop(server);
            acknowledged.extend(answered.lock().unwrap().drain(..));
        }
        // After the last kill, a restart: every acknowledged posting is there.
        let restarted = Server::start(&mut db.command(&["serve", "--addr", "127.0.0.1:0"]));
        let mut expected = std::collections::HashMap::new();
        for key in &acknowledged {
            *expected.entry(key.clone()).or_insert(0i64) += 1;
        }
        for ((ward, free, at), times) in &expected {
            let found = postings(db, ward, *free, *at);
            if found < *times {
                lost += (*times - found) as usize;
            }
        }
        drop(restarted);
        let verify = db.nimo(&["audit", "verify"]).succeeds();
        eprintln!(
            "{:?}: {CYCLES} SIGKILL cycles, {} acknowledged postings, {lost} lost, {:.1} s; audit: {}",
            db.backend,
            acknowledged.len(),
            started.elapsed().as_secs_f64(),
            verify.stderr.trim()
        );
        assert!(acknowledged.len() > CYCLES, "{:?}: writes were acknowledged between the kills", db.backend);
        assert_eq!(lost, 0, "{:?}: acknowledged postings lost", db.backend);
    });
}
