//! Truncated, bit-flipped and random bytes: every import function returns an error (or, by
//! chance, a value) and never panics.

use crate::demo;
use nimo_exchange::{figures_from_csv, from_json, from_xlsx, to_csv, to_json, to_xlsx};

/// A small deterministic generator (xorshift64), so that failures can be replayed.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn feed_all(bytes: &[u8]) {
    let _ = from_json(bytes);
    let _ = figures_from_csv(bytes);
    let _ = from_xlsx(bytes);
}

#[test]
fn random_bytes_never_panic() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    for len in [0, 1, 2, 3, 4, 7, 16, 100, 1000, 5000] {
        for _ in 0..20 {
            let mut bytes = noise.bytes(len);
            feed_all(&bytes);
            // Random bytes behind each format's magic, to get past the first check.
            for magic in [&b"PK\x03\x04"[..], b"{\"format\"", b"\xEF\xBB\xBFkey,value\n"] {
                bytes.splice(0..0, magic.iter().copied());
                feed_all(&bytes);
            }
        }
    }
}

#[test]
fn truncated_files_never_panic_and_are_refused() {
    let json = to_json(&demo());
    let csv = to_csv(&demo());
    let xlsx = to_xlsx(&demo()).unwrap();
    for cut in (0..json.len() - 2).step_by(97) {
        assert!(from_json(&json[..cut]).is_err(), "{cut}");
    }
    for cut in (0..csv.len()).step_by(13) {
        let _ = figures_from_csv(&csv[..cut]);
    }
    for cut in (0..xlsx.len()).step_by(211) {
        assert!(from_xlsx(&xlsx[..cut]).is_err(), "{cut}");
    }
}

#[test]
fn flipped_bits_never_panic() {
    let mut noise = Noise(0xD1B5_4A32_D192_ED03);
    let files = [to_json(&demo()), to_csv(&demo()), to_xlsx(&demo()).unwrap()];
    for file in &files {
        for _ in 0..150 {
            let mut bytes = file.clone();
            let at = noise.next() as usize % bytes.len();
            bytes[at] ^= 1 << (noise.next() % 8);
            feed_all(&bytes);
        }
    }
}
