//! `cargo run --example classify -- MODE SQL`: print the JSON analysis.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).and_then(|m| m.parse().ok()).unwrap_or_default();
    let sql = args.get(2).cloned().unwrap_or_default();
    let analysis = devpg_policy::sql::classify(&sql, mode);
    println!("{}", analysis.to_json(&sql, false));
}
