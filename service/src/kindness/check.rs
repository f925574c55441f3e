//! The unkind-wording check: insults, slurs, threats, body-shaming and
//! "go die" phrases, in Vietnamese (with or without diacritics, and the
//! teencode people type) and English. One function, [`check`], serves the
//! nudge, the comment filters and the figures.
//!
//! Text is cut into words after `text::fold` (look-alike letters and
//! invisible characters do not slip past), keeping whether each word was
//! written with Vietnamese marks: without marks, `ngu` may be "stupid" or
//! `ngủ` (sleep), so the lexicon matches phrases with context rather than
//! single syllables, and a word written with other marks (`ngủ ngon`) never
//! matches. Letters spelled out (`n.g.u`, `k y s`), digits for letters
//! (`0c ch0`) and stretched letters (`nguuuu`) are read as the word.
//! English also goes through `rustrict` (its mean and offensive types).
use rustrict::{Censor, Type};
use unicode_normalization::UnicodeNormalization;

use super::lexicon::{self, Harm};
use crate::text::{fold, without_hidden};

/// What the check found: the words as written, and the worst harm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unkind {
    pub words: Vec<String>,
    pub harm: Harm,
}

/// One word of the text, as the lexicon compares it.
#[derive(Debug, Clone)]
pub(super) struct Word {
    /// Folded, letters and digits only, digits read as letters, runs of one
    /// letter made one (`nguuu` → `ngu`).
    pub bare: String,
    /// Lower-case as written, for words written with marks.
    pub spelled: String,
    /// Written with Vietnamese marks (`ủ`, `đ`): then it matches only the
    /// same spelling.
    pub marked: bool,
    /// Written without marks in a text that has them elsewhere: the writer
    /// uses marks, so `cho` means `cho`, not `chó` (digits for letters
    /// excepted: `đồ 0c ch0` is teencode).
    pub strict: bool,
    /// Where it stands in the text as read, so a phrase is told with its
    /// apostrophes and punctuation (`You're so ugly`).
    pub span: std::ops::Range<usize>,
}

/// The unkind words of `text`, if any.
pub fn check(text: &str) -> Option<Unkind> {
    let (written, words) = words_of(text);
    let mut found: Vec<(usize, usize, Harm)> = lexicon::matches(&words);
    found.sort_by_key(|(start, _, _)| *start);
    // Overlapping matches are one phrase: `thằng này ngu` and `ngu như bò`.
    let mut spans: Vec<(usize, usize, Harm)> = Vec::new();
    for (start, end, harm) in found {
        match spans.last_mut() {
            Some(last) if start < last.1 => *last = (last.0, last.1.max(end), last.2.max(harm)),
            _ => spans.push((start, end, harm)),
        }
    }
    let mut shown: Vec<String> = Vec::new();
    let mut worst: Option<Harm> = None;
    for (start, end, harm) in &spans {
        let phrase = written[words[*start].span.start..words[*end - 1].span.end].to_owned();
        if !shown.contains(&phrase) {
            shown.push(phrase);
        }
        worst = Some(worst.map_or(*harm, |w| w.max(*harm)));
    }
    let english = if looks_vietnamese(&words) { Vec::new() } else { english_mean_words(text) };
    for word in english {
        if !shown.iter().any(|s| s.to_lowercase().contains(&word.to_lowercase())) {
            shown.push(word);
        }
        worst = Some(worst.map_or(Harm::Insult, |w| w.max(Harm::Insult)));
    }
    worst.map(|harm| Unkind { words: shown, harm })
}

/// Syllables that show a comment written without marks is Vietnamese.
const VIETNAMESE_WITHOUT_MARKS: &[&str] = &[
    "la", "cua", "va", "khong", "ko", "nay", "minh", "ban", "qua", "thi", "nha", "oi", "roi", "duoc", "cho", "voi",
    "dep", "ngay", "nhu", "cung", "lam", "xem", "hay", "toi", "em", "anh", "chi", "may", "tao", "di", "vay", "gi",
];

/// `rustrict` reads English: Vietnamese syllables (`ngày`, `tập`) look to
/// it like English slurs. A comment is Vietnamese when a word carries marks
/// or two are common Vietnamese syllables.
fn looks_vietnamese(words: &[Word]) -> bool {
    words.iter().any(|w| w.marked)
        || words.iter().filter(|w| VIETNAMESE_WITHOUT_MARKS.contains(&w.bare.as_str())).count() >= 2
}

/// Whether `text` contains `keyword` word for word, compared as the check
/// compares words: folded (look-alike letters, separators between spelled
/// letters), and a word written with marks only as spelled, so the keyword
/// `béo` holds `beo` and `béo` but not `Bèo`, and `ngu` never holds `Nguyễn`
/// or `ngủ`.
pub fn contains_words(text: &str, keyword: &str) -> bool {
    lexicon::holds_phrase(&words(text), &words(keyword))
}

/// The words `rustrict` censors as severely mean or offensive.
fn english_mean_words(text: &str) -> Vec<String> {
    let threshold = (Type::MEAN | Type::OFFENSIVE) & Type::SEVERE;
    let (censored, kind) = Censor::from_str(text).with_censor_threshold(threshold).censor_and_analyze();
    if !kind.is(threshold) {
        return Vec::new();
    }
    let written: Vec<&str> = text.split_whitespace().collect();
    let hidden: Vec<&str> = censored.split_whitespace().collect();
    if written.len() != hidden.len() {
        return vec![text.trim().to_owned()];
    }
    written.iter().zip(&hidden).filter(|(_, h)| h.contains('*')).map(|(w, _)| trim_punctuation(w)).collect()
}

fn trim_punctuation(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

/// Whether a word carries Vietnamese marks: a combining mark once
/// decomposed, or `đ`.
pub(super) fn has_marks(word: &str) -> bool {
    const VIETNAMESE_MARKS: [char; 8] =
        ['\u{0300}', '\u{0301}', '\u{0302}', '\u{0303}', '\u{0306}', '\u{0309}', '\u{031B}', '\u{0323}'];
    word.nfd().any(|c| VIETNAMESE_MARKS.contains(&c)) || word.contains(['đ', 'Đ'])
}

/// A word as the lexicon compares it: folded, digits read as letters when
/// it also has letters, and stretched letters made one.
pub(super) fn bare(word: &str) -> String {
    let folded: String = fold(word).chars().filter(|c| c.is_alphanumeric()).collect();
    let has_letters = folded.chars().any(|c| c.is_alphabetic());
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = match c {
            '0' if has_letters => 'o',
            '1' if has_letters => 'i',
            '3' if has_letters => 'e',
            '4' if has_letters => 'a',
            '5' if has_letters => 's',
            '7' if has_letters => 't',
            other => other,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The words of `text`. Runs of single letters (`n.g.u`, `k y s`) become one word.
pub(super) fn words(text: &str) -> Vec<Word> {
    words_of(text).1
}

/// The text as read (hidden characters and variation selectors dropped),
/// and its words, each with where it stands in it.
pub(super) fn words_of(text: &str) -> (String, Vec<Word>) {
    // Variation selectors style emoji; inside a word they only hide it.
    let written: String = without_hidden(text).nfc().filter(|c| !('\u{FE00}'..='\u{FE0F}').contains(c)).collect();
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start: Option<usize> = None;
    for (at, c) in written.char_indices().chain(std::iter::once((written.len(), ' '))) {
        match (c.is_alphanumeric() || is_mark(c), start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                spans.push(from..at);
                start = None;
            }
            _ => {}
        }
    }
    let mut pieces: Vec<Word> = spans
        .into_iter()
        .map(|span| {
            let piece = &written[span.clone()];
            Word {
                bare: bare(piece),
                spelled: collapse(&piece.chars().flat_map(char::to_lowercase).collect::<String>()),
                marked: has_marks(piece),
                strict: !piece.chars().any(|c| c.is_ascii_digit()),
                span,
            }
        })
        .filter(|w| !w.bare.is_empty())
        .collect();
    let mut merged: Vec<Word> = Vec::with_capacity(pieces.len());
    let mut i = 0;
    while i < pieces.len() {
        let run = pieces[i..].iter().take_while(|w| w.bare.chars().count() == 1 && !w.marked).count();
        if run >= 2 {
            let letters: Vec<Word> = pieces.drain(i..i + run).collect();
            let joined: String = letters.iter().map(|w| w.bare.as_str()).collect();
            let span = letters.first().map_or(0, |w| w.span.start)..letters.last().map_or(0, |w| w.span.end);
            merged.push(Word {
                bare: bare(&joined),
                spelled: collapse(&joined.to_lowercase()),
                marked: false,
                strict: true,
                span,
            });
        } else {
            merged.push(pieces[i].clone());
            i += 1;
        }
    }
    let uses_marks = merged.iter().any(|w| w.marked);
    for word in &mut merged {
        word.strict &= uses_marks && !word.marked;
    }
    (written, merged)
}

/// Runs of one letter made one, marks kept (`nguuu` → `ngu`).
pub(super) fn collapse(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// Combining marks stay inside a word (text written decomposed).
fn is_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flagged(text: &str) -> bool {
        check(text).is_some()
    }

    #[test]
    fn vietnamese_insults_are_found_with_or_without_marks_and_in_teencode() {
        for text in ["Mày ngu thế", "may ngu the", "m ngu vcl", "n.g.u vãi", "đồ 0c ch0", "nguuuu thế", "Đồ óc chó"]
        {
            assert!(flagged(text), "{text}");
        }
    }

    #[test]
    fn harmless_words_that_look_alike_are_not_flagged() {
        for text in [
            "Chúc bạn ngủ ngon",
            "ngủ ngon nha ad",
            "Ngũ cốc này mua ở đâu",
            "Con chó nhà bạn dễ thương quá",
            "Ngon chết đi được",
            "Trứng cút luộc bao lâu",
            "Thằng em mình cũng thích",
            "Anh Nguyễn dạy hay",
            "Hay vl, share liền",
        ] {
            assert!(!flagged(text), "{text}");
        }
    }

    #[test]
    fn look_alike_letters_and_hidden_characters_do_not_slip_past() {
        assert!(flagged("mày ngυ thế"), "Greek υ");
        assert!(flagged("mày n\u{200B}gu thế"), "zero-width space");
    }

    #[test]
    fn keywords_match_whole_words_as_written() {
        assert!(contains_words("S.P.O.I.L.E.R: cuối video", "spoiler"));
        assert!(contains_words("beo qua", "béo"));
        assert!(!contains_words("Bèo dạt mây trôi", "béo"));
        assert!(!contains_words("Nguyễn Văn A nhảy đẹp", "ngu"));
        assert!(!contains_words("Chúc cả nhà ngủ ngon", "ngu"));
        assert!(!contains_words("Cho mình hỏi", "chó"));
        assert!(contains_words("Xem phim kinh dị", "phim kinh"));
    }

    #[test]
    fn the_words_are_told_as_written() {
        assert_eq!(check("You're so ugly!").unwrap().words, vec!["You're so ugly".to_owned()]);
        let found = check("Thằng này ngu như bò").unwrap();
        assert_eq!(found.words, vec!["Thằng này ngu như bò".to_owned()]);
    }
}
