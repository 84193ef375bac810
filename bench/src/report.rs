//! The run's results as JSON, a Markdown table and an SVG chart (ratio of each route to the
//! floor), each stamped with the commit and the machine's core count.

use std::path::Path;

use plotters::prelude::*;
use serde::Serialize;

use crate::{cpu::CpuPerRequest, wrk::Outcome};

#[derive(Debug, Serialize)]
pub struct Fixed {
    pub rate: u32,
    pub sent: usize,
    /// Keep-alive connections the schedule was spread over.
    pub connections: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct RouteResult {
    pub name: String,
    pub rounds: Vec<Outcome>,
    pub median_rps: f64,
    pub min_rps: f64,
    pub max_rps: f64,
    /// Median rps over the floor's median rps.
    pub ratio: f64,
    /// Each round's rps over the floor's in the same round, lowest first: how far the ratio
    /// itself moves between rounds on a shared machine.
    pub round_ratios: Vec<f64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Medians over the rounds of each process's CPU per request.
    pub cpu: Option<CpuPerRequest>,
    pub fixed: Option<Fixed>,
}

impl RouteResult {
    pub fn new(name: &str, rounds: Vec<Outcome>) -> Self {
        let mut rps: Vec<f64> = rounds.iter().map(|o| o.rps).collect();
        rps.sort_by(f64::total_cmp);
        let mid = |f: fn(&Outcome) -> f64| {
            let mut v: Vec<f64> = rounds.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        Self {
            name: name.into(),
            median_rps: rps.get(rps.len() / 2).copied().unwrap_or(0.0),
            min_rps: rps.first().copied().unwrap_or(0.0),
            max_rps: rps.last().copied().unwrap_or(0.0),
            ratio: 0.0,
            round_ratios: Vec::new(),
            p50_ms: mid(|o| o.p50_ms),
            p99_ms: mid(|o| o.p99_ms),
            cpu: rounds
                .iter()
                .all(|o| o.cpu.is_some())
                .then(|| CpuPerRequest {
                    app_us: mid(|o| o.cpu.map_or(f64::NAN, |c| c.app_us)),
                    database_us: mid(|o| o.cpu.map_or(f64::NAN, |c| c.database_us)),
                    redis_us: mid(|o| o.cpu.map_or(f64::NAN, |c| c.redis_us)),
                }),
            fixed: None,
            rounds,
        }
    }

    /// Sets `ratio` and `round_ratios` against the floor's rounds, in the same order.
    pub fn compare_to_floor(&mut self, floor_median: f64, floor_rounds: &[f64]) {
        self.ratio = self.median_rps / floor_median.max(f64::MIN_POSITIVE);
        let mut ratios: Vec<f64> = self
            .rounds
            .iter()
            .zip(floor_rounds)
            .map(|(o, floor)| o.rps / floor.max(f64::MIN_POSITIVE))
            .collect();
        ratios.sort_by(f64::total_cmp);
        self.round_ratios = ratios;
    }
}

#[derive(Debug, Serialize)]
pub struct Flood {
    /// Logins per second alone and beside the read load.
    pub logins_alone: f64,
    pub logins_beside_reads: f64,
    pub reads_alone: f64,
    pub reads_beside_logins: f64,
    /// `PASSWORD_HASH_CONCURRENCY / bcrypt time`: the most logins the server could do.
    pub login_ceiling: f64,
    pub bcrypt_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct Rss {
    pub idle_mb: f64,
    pub peak_mb: f64,
    pub after_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub commit: String,
    pub cores: usize,
    pub backend: String,
    pub date: String,
    pub users: usize,
    pub posts: usize,
    pub comments: usize,
    pub rounds: usize,
    pub seconds: u32,
    pub connections: u32,
    pub note: String,
    pub routes: Vec<RouteResult>,
    pub flood: Option<Flood>,
    pub rss: Rss,
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "Commit `{}`, {} cores, {} backend, {} ({} users, {} posts, {} comments). wrk, \
             {} connections, {} rounds of {} s interleaved; medians, spread min-max; \
             \"by round\": each round's rate over the floor's in that round, min-max. {}\n\n\
             | route | rps (median) | spread | ratio to floor | by round | p50 ms | p99 ms | p99 ms at half rate | errors |\n\
             |---|---|---|---|---|---|---|---|---|\n",
            self.commit,
            self.cores,
            self.backend,
            self.date,
            self.users,
            self.posts,
            self.comments,
            self.connections,
            self.rounds,
            self.seconds,
            self.note,
        );
        for r in &self.routes {
            let fixed = r
                .fixed
                .as_ref()
                .map(|f| format!("{:.1} (at {} rps; max {:.1})", f.p99_ms, f.rate, f.max_ms))
                .unwrap_or_else(|| "-".into());
            let by_round = match (r.round_ratios.first(), r.round_ratios.last()) {
                (Some(low), Some(high)) => format!("{low:.2}-{high:.2}"),
                _ => "-".into(),
            };
            md += &format!(
                "| {} | {:.0} | {:.0}-{:.0} | {:.2} | {} | {:.2} | {:.2} | {} | {} |\n",
                r.name,
                r.median_rps,
                r.min_rps,
                r.max_rps,
                r.ratio,
                by_round,
                r.p50_ms,
                r.p99_ms,
                fixed,
                r.rounds.iter().map(|o| o.errors).sum::<u64>()
            );
        }
        if self.routes.iter().any(|r| r.cpu.is_some()) {
            md += "\nCPU per request, by process (microseconds, medians of the rounds; read from \
                   `/proc` around each run; wrk's own share is not counted). The application is \
                   the server, or the floor for the floor's routes; the database is \
                   PostgreSQL's processes (SQLite runs inside the server).\n\n\
                   | route | application | database | Redis | total | total / floor's |\n\
                   |---|---|---|---|---|---|\n";
            let floor = self
                .routes
                .first()
                .and_then(|r| r.cpu)
                .map_or(f64::NAN, |c| c.total_us());
            for r in &self.routes {
                if let Some(c) = r.cpu {
                    md += &format!(
                        "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |\n",
                        r.name,
                        c.app_us,
                        c.database_us,
                        c.redis_us,
                        c.total_us(),
                        c.total_us() / floor
                    );
                }
            }
        }
        if let Some(f) = &self.flood {
            md += &format!(
                "\nLogin flood (bcrypt {:.0} ms a hash): logins {:.1}/s alone, {:.1}/s beside reads \
                 (ceiling {:.1}/s, {:.0}%); reads {:.0} rps alone, {:.0} rps beside the flood ({:.0}%).\n",
                f.bcrypt_ms,
                f.logins_alone,
                f.logins_beside_reads,
                f.login_ceiling,
                100.0 * f.logins_beside_reads / f.login_ceiling,
                f.reads_alone,
                f.reads_beside_logins,
                100.0 * f.reads_beside_logins / f.reads_alone.max(1.0),
            );
        }
        md += &format!(
            "\nServer RSS: {:.1} MB idle, {:.1} MB peak under load, {:.1} MB 5 s after the load.\n",
            self.rss.idle_mb, self.rss.peak_mb, self.rss.after_mb
        );
        md
    }

    pub fn chart(&self, path: &Path) -> anyhow::Result<()> {
        let rows = self.routes.len();
        let height = 90 + 30 * u32::try_from(rows)?;
        let root = SVGBackend::new(path, (900, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = self.routes.iter().map(|r| r.ratio).fold(1.0_f64, f64::max) * 1.1;
        let caption = format!(
            "Throughput / floor, {} backend, {} cores, commit {}",
            self.backend, self.cores, self.commit
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(300)
            .build_cartesian_2d(0.0..top, (0..rows).into_segmented())?;
        let names: Vec<String> = self.routes.iter().map(|r| r.name.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("ratio of median rps to the floor (bare JWT + PK select)")
            .draw()?;
        chart.draw_series(self.routes.iter().enumerate().map(|(i, r)| {
            let color = if r.ratio >= 0.75 {
                GREEN.mix(0.7)
            } else if r.ratio >= 0.5 {
                BLUE.mix(0.6)
            } else {
                RED.mix(0.6)
            };
            Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (r.ratio, SegmentValue::Exact(i + 1)),
                ],
                color.filled(),
            )
        }))?;
        root.present()?;
        Ok(())
    }

    pub fn write(&self, dir: &Path, stem: &str) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join(format!("{stem}.json")),
            serde_json::to_vec_pretty(self)?,
        )?;
        std::fs::write(dir.join(format!("{stem}.md")), self.markdown())?;
        self.chart(&dir.join(format!("{stem}.svg")))
    }
}
