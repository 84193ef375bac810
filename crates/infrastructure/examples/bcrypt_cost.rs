//! Measures what one bcrypt hash costs on this machine at each work factor:
//! `cargo run --release -p infrastructure --example bcrypt_cost [ROUNDS]`.

use std::time::Instant;

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    println!("cost  ms/hash (median of {rounds})");
    for cost in 10..=13 {
        let mut samples: Vec<f64> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                let hash = bcrypt::hash("correct horse battery staple", cost);
                assert!(hash.is_ok(), "bcrypt failed at cost {cost}");
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        println!("{cost:>4}  {:>8.1}", samples[samples.len() / 2]);
    }
}
