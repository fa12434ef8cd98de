//! A report's chart: monthly attendance as bars, drawn with `plotters` into a PNG in
//! memory. Its text is a font shipped in the repository (DejaVu Sans, under the
//! Bitstream Vera licence beside it), so nothing needs a system font. The chart's words
//! are exactly [`labels`]: a title, months and numbers — never a member's name; they
//! are also the PNG's `Description` text.
//! Counts that a report hides as "fewer than 5" are drawn as a pale band up to 5, not
//! at their height. A second series, the check-outs of members leaving a bit better,
//! is drawn as a narrower bar inside each month's, when there are any.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 420;
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// One bar: a month, its attendance, and its check-outs of "a bit better".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub month: String,
    pub attendance: i64,
    pub better: i64,
}

/// One quarter of the quarterly answers: how many said yes to feeling more confident,
/// more in control, and more hopeful. Drawn as a line of words under the title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterBar {
    pub quarter: String,
    pub yes: [i64; 3],
}

impl QuarterBar {
    fn label(&self, suppress: bool) -> String {
        format!(
            "{} answering yes: more confident {}, more in control {}, more hopeful {}",
            self.quarter,
            count_label(self.yes[0], suppress),
            count_label(self.yes[1], suppress),
            count_label(self.yes[2], suppress)
        )
    }
}

/// What the inner bars are, in the title, when a chart has any.
pub const BETTER_KEY: &str = " (inner bars: check-outs leaving a bit better)";

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(String);

/// Every word and number the chart shows.
pub fn labels(title: &str, bars: &[Bar], quarters: &[QuarterBar], suppress: bool) -> Vec<String> {
    let mut labels = vec![title.to_string()];
    labels.extend(bars.iter().map(|b| b.month.clone()));
    labels.extend(bars.iter().map(|b| count_label(b.attendance, suppress)));
    labels.extend(
        bars.iter()
            .filter(|b| b.better > 0)
            .map(|b| count_label(b.better, suppress)),
    );
    labels.extend(quarters.iter().map(|q| q.label(suppress)));
    labels
}

fn hidden(count: i64, suppress: bool) -> bool {
    suppress && (1..5).contains(&count)
}

fn count_label(count: i64, suppress: bool) -> String {
    if hidden(count, suppress) {
        "<5".to_string()
    } else {
        count.to_string()
    }
}

fn register() -> Result<(), ChartError> {
    static ONCE: Once = Once::new();
    let mut result = Ok(());
    ONCE.call_once(|| {
        if register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            result = Err(ChartError("the shipped font can't be read".into()));
        }
    });
    result
}

/// The chart as PNG bytes.
pub fn png(
    title: &str,
    bars: &[Bar],
    quarters: &[QuarterBar],
    suppress: bool,
) -> Result<Vec<u8>, ChartError> {
    register()?;
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut pixels, title, bars, quarters, suppress).map_err(|e| ChartError(e.to_string()))?;
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // The chart's words as its description, for screen readers (and for checking
        // that it names nobody).
        encoder
            .add_itxt_chunk(
                "Description".into(),
                labels(title, bars, quarters, suppress).join(" · "),
            )
            .map_err(|e| ChartError(e.to_string()))?;
        let mut writer = encoder.write_header().map_err(|e| ChartError(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| ChartError(e.to_string()))?;
    }
    Ok(out)
}

fn draw(
    pixels: &mut [u8],
    title: &str,
    bars: &[Bar],
    quarters: &[QuarterBar],
    suppress: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    // The quarterly series: a line of words each, at the foot, with room kept for it.
    let foot = 18 * quarters.len() as u32;
    let (root, footer) = root.split_vertically(HEIGHT - foot);
    for (i, quarter) in quarters.iter().enumerate() {
        footer.draw(&Text::new(
            quarter.label(suppress),
            (16, 18 * i as i32),
            ("sans-serif", 13),
        ))?;
    }
    let top = bars
        .iter()
        .map(|b| {
            if hidden(b.attendance, suppress) {
                5
            } else {
                b.attendance
            }
        })
        .max()
        .unwrap_or(0)
        .max(5);
    let n = bars.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..n as f64, 0f64..(top as f64 * 1.15))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .y_label_style(("sans-serif", 14))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    let solid = RGBColor(0x4c, 0x9a, 0x6a);
    let pale = RGBColor(0xc8, 0xe0, 0xd0);
    let inner = RGBColor(0x2f, 0x5d, 0x8a);
    let inner_pale = RGBColor(0xb8, 0xcc, 0xe0);
    let height_of = |count: i64| {
        if hidden(count, suppress) {
            5.0
        } else {
            count as f64
        }
    };
    for (i, bar) in bars.iter().enumerate() {
        let x = i as f64;
        let height = height_of(bar.attendance);
        let colour = if hidden(bar.attendance, suppress) {
            pale
        } else {
            solid
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x + 0.15, 0.0), (x + 0.85, height)],
            colour.filled(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            count_label(bar.attendance, suppress),
            (x + 0.3, height + top as f64 * 0.03),
            ("sans-serif", 14),
        )))?;
        if bar.better > 0 {
            let better = height_of(bar.better).min(height);
            let colour = if hidden(bar.better, suppress) {
                inner_pale
            } else {
                inner
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x + 0.35, 0.0), (x + 0.65, better)],
                colour.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                count_label(bar.better, suppress),
                (x + 0.4, better / 2.0),
                ("sans-serif", 13).into_font().color(&WHITE),
            )))?;
        }
        chart.draw_series(std::iter::once(Text::new(
            bar.month.clone(),
            (x + 0.2, -(top as f64) * 0.02),
            ("sans-serif", 13),
        )))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_and_its_words_are_months_and_numbers() {
        let bars = [
            Bar {
                month: "2026-03".into(),
                attendance: 12,
                better: 7,
            },
            Bar {
                month: "2026-04".into(),
                attendance: 3,
                better: 0,
            },
        ];
        let quarters = [QuarterBar {
            quarter: "2026-Q1".into(),
            yes: [6, 2, 0],
        }];
        let bytes = png("Monthly attendance", &bars, &quarters, true).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(
            labels("Monthly attendance", &bars, &quarters, true),
            [
                "Monthly attendance",
                "2026-03",
                "2026-04",
                "12",
                "<5",
                "7",
                "2026-Q1 answering yes: more confident 6, more in control <5, more hopeful 0"
            ]
        );
    }
}
