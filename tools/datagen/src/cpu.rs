//! CPU accounting from /proc, so every measurement says how much CPU other
//! processes used meanwhile (the machine is shared).

use std::fs;

/// Clock ticks per second of /proc's counters (`getconf CLK_TCK`; 100 on
/// every Linux this runs on).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// CPU counters at one moment, in clock ticks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// All CPUs, busy (user + nice + system + irq + softirq + steal).
    pub machine_busy: u64,
    /// This process (utime + stime).
    pub own: u64,
    /// The database's server processes serving `database` (PostgreSQL
    /// backends), when there are any.
    pub database: u64,
}

/// utime + stime of one process, from `/proc/<pid>/stat`.
pub fn process_ticks(pid: &str) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may hold spaces: fields count from after its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn machine_busy() -> u64 {
    let Ok(stat) = fs::read_to_string("/proc/stat") else {
        return 0;
    };
    stat.lines()
        .next()
        .map(|line| {
            line.split_whitespace()
                .skip(1)
                .enumerate()
                // user nice system idle iowait irq softirq steal; interrupt
                // time (loopback networking) is charged to no process, so
                // it is left out rather than counted as other processes'.
                .filter(|(i, _)| matches!(i, 0 | 1 | 2 | 7))
                .filter_map(|(_, v)| v.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

/// PostgreSQL backends connected to `database` (their process title is
/// `postgres: … <user> <database> <host>(<port>) …`).
fn database_ticks(database: Option<&str>) -> u64 {
    let Some(database) = database else { return 0 };
    let needle = format!(" {database} ");
    let Ok(entries) = fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmd| {
                let cmd = String::from_utf8_lossy(&cmd);
                cmd.starts_with("postgres: ") && cmd.contains(&needle)
            })
        })
        .filter_map(|pid| process_ticks(&pid))
        .sum()
}

impl Snapshot {
    /// The counters now.
    pub fn take(database: Option<&str>) -> Self {
        Self {
            machine_busy: machine_busy(),
            own: process_ticks("self").unwrap_or(0),
            database: database_ticks(database),
        }
    }

    /// Seconds of CPU between `self` and a later snapshot: (machine, own,
    /// database, everyone else).
    pub fn until(&self, later: &Self) -> (f64, f64, f64, f64) {
        let machine = later.machine_busy.saturating_sub(self.machine_busy) as f64;
        let own = later.own.saturating_sub(self.own) as f64;
        let database = later.database.saturating_sub(self.database) as f64;
        let others = (machine - own - database).max(0.0);
        (
            machine / TICKS_PER_SECOND,
            own / TICKS_PER_SECOND,
            database / TICKS_PER_SECOND,
            others / TICKS_PER_SECOND,
        )
    }
}
