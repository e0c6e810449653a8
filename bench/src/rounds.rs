//! Interleaved rounds of network clients against one server, and the
//! README table of their best results: shared by `src/bin/clients.rs` and
//! `src/bin/blocking.rs`.

use std::time::Instant;

/// This process's user and system CPU time, in seconds: the server's own
/// work is not counted.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// The best (operations per second, CPU microseconds per operation) of
/// each client in each scenario, `best[scenario][client]`, over `rounds`
/// rounds in which every client runs every scenario in turn. `run` does
/// one scenario with one client and returns the operations it did.
pub fn best_of(
    rounds: usize,
    scenarios: &[&str],
    clients: &[&str],
    mut run: impl FnMut(usize, usize) -> usize,
) -> Vec<Vec<(f64, f64)>> {
    let mut best = vec![vec![(0f64, f64::MAX); clients.len()]; scenarios.len()];
    for round in 0..rounds {
        for (scenario, row) in best.iter_mut().enumerate() {
            for (client, cell) in row.iter_mut().enumerate() {
                let (cpu, started) = (cpu_seconds(), Instant::now());
                let ops = run(scenario, client);
                let (elapsed, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
                let rate = ops as f64 / elapsed;
                let per_op = cpu * 1e6 / ops as f64;
                eprintln!(
                    "round {} {} {}: {rate:.0}/s, {per_op:.2} us CPU/op",
                    round + 1,
                    scenarios[scenario],
                    clients[client]
                );
                cell.0 = cell.0.max(rate);
                cell.1 = cell.1.min(per_op);
            }
        }
    }
    best
}

/// Prints `best` as a markdown table, with a column per ratio
/// `(heading, client, against)` of the two clients' rates.
pub fn print_table(
    scenarios: &[&str],
    clients: &[&str],
    best: &[Vec<(f64, f64)>],
    ratios: &[(&str, usize, usize)],
) {
    let headings: Vec<&str> = ratios.iter().map(|(heading, ..)| *heading).collect();
    println!(
        "| scenario | {} | {} |",
        clients.join(" | "),
        headings.join(" | ")
    );
    println!("|---|{}", "---|".repeat(clients.len() + ratios.len()));
    for (scenario, row) in best.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .map(|(rate, cpu)| format!("{rate:.0}/s, {cpu:.2} us CPU"))
            .collect();
        let ratios: Vec<String> = ratios
            .iter()
            .map(|(_, client, against)| format!("{:.2}x", row[*client].0 / row[*against].0))
            .collect();
        println!(
            "| {} | {} | {} |",
            scenarios[scenario],
            cells.join(" | "),
            ratios.join(" | ")
        );
    }
}
