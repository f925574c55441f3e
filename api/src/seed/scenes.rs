//! The demo's videos. No real video files can be shipped, so each demo item
//! plays as a short scene the web app draws: beats of captions (Vietnamese
//! and English) and pictograms over the item's duration, written here from
//! the catalogue entry. Its `mediaUrl` is `/media/demo/NNN.json`.
use serde::Serialize;

use super::TAGS;
use super::catalogue::{self, Entry};

/// Where each demo item's scene is served.
pub fn media_url(index: usize) -> String {
    format!("/media/demo/{index:03}.json")
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scene {
    duration_seconds: i32,
    pillar: entity::Pillar,
    beats: Vec<Beat>,
}

/// One caption on screen from `start_ms` until the next beat.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Beat {
    start_ms: i32,
    /// A tag slug: the app shows that tag's pictogram. None: the app's mark.
    pictogram: Option<&'static str>,
    vi: String,
    en: String,
}

/// The scene of the demo item at `index` in the catalogue, by its file name
/// (`007.json`); None for anything else.
pub fn by_file_name(name: &str) -> Option<Scene> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    catalogue::CONTENT.get(digits.parse::<usize>().ok()?).map(scene)
}

/// Title, caption, what it is about, and the campaign's line, in that order.
fn scene(entry: &Entry) -> Scene {
    let (_, _, title, caption, seconds, slugs, _, _) = *entry;
    let tags: Vec<_> = slugs.iter().filter_map(|slug| TAGS.iter().find(|tag| tag.0 == *slug)).collect();
    let first = tags.first().map(|tag| tag.0);
    let last = tags.last().map(|tag| tag.0);
    let at = |share: i32| seconds * 10 * share;
    let both = |text: &str| (text.to_owned(), text.to_owned());
    let about = (
        tags.iter().map(|tag| format!("#{}", tag.2)).collect::<Vec<_>>().join(" · "),
        tags.iter().map(|tag| format!("#{}", tag.1)).collect::<Vec<_>>().join(" · "),
    );
    let mut lines = vec![(0, first, both(title))];
    if !caption.is_empty() {
        lines.push((at(30), last, both(caption)));
    }
    lines.push((at(60), first, about));
    lines.push((
        at(85),
        None,
        ("Trăm xem không bằng một thử".to_owned(), "A hundred views are not worth one try".to_owned()),
    ));
    Scene {
        duration_seconds: seconds,
        pillar: tags.first().map_or(entity::Pillar::Discover, |tag| tag.3),
        beats: lines.into_iter().map(|(start_ms, pictogram, (vi, en))| Beat { start_ms, pictogram, vi, en }).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_item_has_a_scene_that_fills_its_duration() {
        for index in 0..catalogue::CONTENT.len() {
            let url = media_url(index);
            let scene = by_file_name(url.rsplit('/').next().unwrap_or_default()).unwrap_or_else(|| panic!("{url}"));
            let starts: Vec<i32> = scene.beats.iter().map(|beat| beat.start_ms).collect();
            assert_eq!(starts[0], 0, "{url} starts with a beat");
            assert!(starts.windows(2).all(|w| w[0] < w[1]), "{url}: beats in order {starts:?}");
            assert!(*starts.last().unwrap_or(&0) < scene.duration_seconds * 1000, "{url}: every beat is shown");
            assert!(scene.beats.iter().all(|beat| !beat.vi.is_empty() && !beat.en.is_empty()), "{url}: both languages");
        }
    }

    #[test]
    fn names_that_are_not_a_demo_item_have_no_scene() {
        let past_the_end = format!("{:03}.json", catalogue::CONTENT.len());
        for name in ["", "7.json", "007", "0007.json", "-01.json", "../00.json", "00a.json", past_the_end.as_str()] {
            assert!(by_file_name(name).is_none(), "{name}");
        }
    }
}
