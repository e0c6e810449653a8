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

/// The best of each client in each scenario, `best[scenario][client]`,
/// over `rounds` rounds in which every client runs every scenario in turn.
/// `run` does one scenario with one client and returns the operations it
/// did.
pub fn best_of(
    rounds: usize,
    scenarios: &[&str],
    clients: &[&str],
    mut run: impl FnMut(usize, usize) -> usize,
) -> Vec<Vec<Best>> {
    let mut best = vec![vec![Best::default(); clients.len()]; scenarios.len()];
    for round in 0..rounds {
        for (scenario, row) in best.iter_mut().enumerate() {
            for (client, cell) in row.iter_mut().enumerate() {
                let (cpu, allocations) = (cpu_seconds(), crate::counting::allocations());
                let started = Instant::now();
                let ops = run(scenario, client);
                let (elapsed, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
                let allocated = crate::counting::allocations() - allocations;
                let rate = ops as f64 / elapsed;
                let per_op = cpu * 1e6 / ops as f64;
                let allocs = allocated as f64 / ops as f64;
                eprintln!(
                    "round {} {} {}: {rate:.0}/s, {per_op:.2} us CPU/op, {allocs:.2} allocations/op",
                    round + 1,
                    scenarios[scenario],
                    clients[client]
                );
                cell.rate = cell.rate.max(rate);
                cell.cpu = cell.cpu.min(per_op);
                cell.allocations = cell.allocations.min(allocs);
            }
        }
    }
    best
}

/// One client's best in one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Best {
    /// Operations per second.
    pub rate: f64,
    /// CPU microseconds per operation.
    pub cpu: f64,
    /// Heap allocations per operation (0 where the binary does not count).
    pub allocations: f64,
}

impl Default for Best {
    fn default() -> Self {
        Self {
            rate: 0.0,
            cpu: f64::MAX,
            allocations: f64::MAX,
        }
    }
}

/// Prints `best` as a markdown table, with a column per ratio
/// `(heading, client, against)` of the two clients' rates.
pub fn print_table(
    scenarios: &[&str],
    clients: &[&str],
    best: &[Vec<Best>],
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
            .map(|best| {
                let cell = format!("{:.0}/s, {:.2} us CPU", best.rate, best.cpu);
                if best.allocations > 0.0 {
                    format!("{cell}, {:.2} allocs", best.allocations)
                } else {
                    cell
                }
            })
            .collect();
        let ratios: Vec<String> = ratios
            .iter()
            .map(|(_, client, against)| format!("{:.2}x", row[*client].rate / row[*against].rate))
            .collect();
        println!(
            "| {} | {} | {} |",
            scenarios[scenario],
            cells.join(" | "),
            ratios.join(" | ")
        );
    }
}
