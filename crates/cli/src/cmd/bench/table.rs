//! The one table `bench` prints: figure | value | ceiling or target | ratio | peak RSS.

use std::fmt;

/// One figure.
#[derive(Default)]
pub(crate) struct Row {
    figure: String,
    value: String,
    target: String,
    ratio: String,
    rss: String,
}

/// `1234567.0` → `1 234 567`.
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

pub(crate) fn mib_s(bytes_per_s: f64) -> String {
    format!("{:.0} MiB/s", bytes_per_s / (1u64 << 20) as f64)
}

/// `value / reference` and whether that meets the target.
fn ratio(r: f64, met: bool) -> String {
    format!("{r:.2}× {}", if met { "met" } else { "MISSED" })
}

impl Row {
    pub(crate) fn new(figure: impl Into<String>) -> Row {
        Row { figure: figure.into(), ..Row::default() }
    }

    pub(crate) fn value(mut self, v: impl Into<String>) -> Row {
        self.value = v.into();
        self
    }

    /// Put a remark in the ratio column (for a row without a target).
    pub(crate) fn note(mut self, n: &str) -> Row {
        if self.ratio.is_empty() {
            self.ratio = n.to_string();
        } else {
            self.value = format!("{} ({n})", self.value);
        }
        self
    }

    pub(crate) fn rss(mut self, r: &str) -> Row {
        self.rss = r.to_string();
        self
    }

    /// A rate that should reach `target`.
    pub(crate) fn at_least(figure: &str, v: f64, target: f64, unit: &str) -> Row {
        Row {
            figure: figure.into(),
            value: format!("{} {unit}", grouped(v)),
            target: format!("≥ {} {unit}", grouped(target)),
            ratio: ratio(v / target, v >= target),
            rss: String::new(),
        }
    }

    /// Bytes per second that should reach `share` of the TLS ceiling.
    pub(crate) fn ratio_of(figure: &str, bytes_per_s: f64, share: f64, ceiling: f64) -> Row {
        let target = share * ceiling;
        Row {
            figure: figure.into(),
            value: mib_s(bytes_per_s),
            target: format!("≥ {share} × ceiling = {}", mib_s(target)),
            ratio: ratio(bytes_per_s / ceiling, bytes_per_s >= target),
            rss: String::new(),
        }
    }

    /// A time that should stay within `limit` seconds.
    pub(crate) fn at_most_ms(figure: &str, secs: f64, limit: f64) -> Row {
        Row {
            figure: figure.into(),
            value: format!("{:.2} ms", secs * 1e3),
            target: format!("≤ {:.0} ms", limit * 1e3),
            ratio: ratio(secs / limit, secs <= limit),
            rss: String::new(),
        }
    }

    /// A peak RSS that should stay within `limit_mib`.
    pub(crate) fn at_most_mib(figure: &str, kib: Option<u64>, limit_mib: f64) -> Row {
        let mib = kib.map(|k| k as f64 / 1024.0);
        Row {
            figure: figure.into(),
            value: mib.map_or("?".into(), |m| format!("{m:.0} MiB")),
            target: format!("≤ {limit_mib:.0} MiB"),
            ratio: mib.map_or("?".into(), |m| ratio(m / limit_mib, m <= limit_mib)),
            rss: mib.map_or("?".into(), |m| format!("{m:.0} MiB")),
        }
    }

    /// Many clients: the aggregate rate and how it divides.
    pub(crate) fn scale(figure: &str, aggregate: f64, (min, max): (u64, u64), rss: &str) -> Row {
        Row {
            figure: figure.into(),
            value: format!("{} rec/s together; {min}..{max} records per client", grouped(aggregate)),
            target: "every client gets the whole stream".into(),
            ratio: ratio(if max == 0 { 0.0 } else { min as f64 / max as f64 }, min == max && min > 0),
            rss: rss.into(),
        }
    }
}

/// Rows in the order measured.
#[derive(Default)]
pub(crate) struct Table {
    rows: Vec<Row>,
}

impl Table {
    pub(crate) fn push(&mut self, row: Row) {
        self.rows.push(row);
    }
}

impl fmt::Display for Table {
    /// A Markdown table, columns padded so that it also reads well in a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = ["figure", "value", "ceiling or target", "ratio", "peak RSS"];
        let cells = |r: &Row| [r.figure.clone(), r.value.clone(), r.target.clone(), r.ratio.clone(), r.rss.clone()];
        let mut width = head.map(|h| h.chars().count());
        for r in &self.rows {
            for (w, c) in width.iter_mut().zip(cells(r)) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, c: [String; 5]| -> fmt::Result {
            write!(f, "|")?;
            for (w, c) in width.iter().zip(c) {
                write!(f, " {c}{} |", " ".repeat(w - c.chars().count()))?;
            }
            writeln!(f)
        };
        line(f, head.map(String::from))?;
        line(f, width.map(|w| "-".repeat(w)))?;
        for r in &self.rows {
            line(f, cells(r))?;
        }
        Ok(())
    }
}
