//! The phrases the kindness check looks for, written as people read them.
//!
//! A pattern is words separated by spaces. A word may offer alternatives
//! (`bò|chó`) or name a set (`{you}`); `!` before a word asks for it
//! written with its marks (`!cút`: `cut` is English); `..` stands for up to
//! two other words; `~a|b` first or last says the word before or after may
//! not be one of them (`chết đi ~được`: "ngon chết đi được" is praise).
//! Without marks a word matches any spelling of its letters, so `may ngu`
//! is `mày ngu`; with marks only its own (`ngủ` is never `ngu`).
use std::sync::OnceLock;

use super::check::{Word, bare, collapse, has_marks};

/// How a comment hurts, from the least to the most severe; the nudge's
/// suggestion follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Harm {
    Insult,
    BodyShaming,
    Slur,
    Threat,
}

/// Ways of calling someone names in Vietnamese: `mày ngu`, `thằng ngu`, `đồ ngu`.
const NAME_CALLING: &str = "mày|m|mầy|mi|thằng|thg|con|đồ|bọn|lũ|tụi|loại|thứ|nó";
/// The same, and ways of saying "you" that are polite until the word after.
const YOU_VI: &str = "mày|m|mầy|mi|thằng|thg|con|đồ|bọn|lũ|tụi|loại|thứ|nó|bạn|cậu|ông|bà|chúng_mày";
/// Intensifiers after an insult: `ngu thế`, `ngu vl`.
const SO: &str = "thế|vậy|the|z|zậy|vl|vcl|vkl|vãi|vc|quá|thật|dữ|lắm|ghê|bỏ_mẹ";
const ANIMAL: &str = "bò|chó|lợn|heo|trâu|khỉ|ma|quỷ|cún";
/// What follows `ngủ` written without marks: `ban ngu ngon` wishes good night.
const SLEEP: &str = "ngon|quên|say|dậy|sớm|muộn|trễ|trưa|nướng|gật|gục|đủ|ít|nhiều|lại|tiếp|thêm|chưa|không|ko|k|đi|giờ|với|cùng|chung|nha|nhé|đây|được";
const YOU_EN: &str = "you|ur|u|youre|your";

const PATTERNS: &[(&str, Harm)] = &[
    // Vietnamese insults.
    ("{you} ngu ~{sleep}", Harm::Insult),
    ("{you} này|kia|ấy|đó|bị ngu|đần|khùng|điên|hâm|thần_kinh", Harm::Insult),
    ("~buồn|giấc|đi ngu {so}", Harm::Insult),
    ("^ngu$", Harm::Insult),
    ("vl|vcl|vãi ngu", Harm::Insult),
    ("ngu như {animal}", Harm::Insult),
    ("ngu si|dốt|học|lâu|ngốc ~hưởng", Harm::Insult),
    ("~hạt|sữa|dầu|bánh|quả|trái|nhân|bột óc chó|lợn|heo|bò|trâu|tôm ~rang|sấy|tách|mỹ|nướng", Harm::Insult),
    ("đầu đất", Harm::Insult),
    ("không có não|óc", Harm::Insult),
    ("đồ|thứ bỏ đi", Harm::Insult),
    ("đéo|đếch ai xem|thèm", Harm::Insult),
    ("dcm|đcm", Harm::Insult),
    ("não tôm|lợn|chó", Harm::Insult),
    ("!đần", Harm::Insult),
    ("đần độn", Harm::Insult),
    ("{you} đần|khùng|điên|dở_hơi|thần_kinh|hâm|ngốc", Harm::Insult),
    ("mất dạy", Harm::Insult),
    ("vô học", Harm::Insult),
    ("vô giáo dục", Harm::Insult),
    ("rác rưởi", Harm::Insult),
    ("{names} rác|vô_dụng|thất_bại|ăn_hại|ăn_bám|khốn|khốn_nạn|chó_má|súc_vật|mất_dạy", Harm::Insult),
    ("thằng|thg|đồ|mày chó", Harm::Insult),
    ("ăn bám", Harm::Insult),
    ("khốn nạn", Harm::Insult),
    ("nhục mặt", Harm::Insult),
    ("cái thá gì", Harm::Insult),
    ("trẻ trâu", Harm::Insult),
    ("{you} là chó|lợn|rác", Harm::Insult),
    ("dm|đm|dmm|đmm|dcm|đcm {you}", Harm::Insult),
    ("đkm|dkm|đkmm|cmm|đmcs", Harm::Insult),
    ("địt|!đụ|!đù mẹ|má", Harm::Insult),
    ("con mẹ mày", Harm::Insult),
    ("hãm vl|vãi|vcl|tài|lờ|l", Harm::Insult),
    ("thiểu năng", Harm::Insult),
    ("bại não", Harm::Insult),
    ("phế vật", Harm::Insult),
    ("{names} phế|hèn|ngáo|rẻ_rách", Harm::Insult),
    ("ngáo đá", Harm::Insult),
    ("{you} sủa", Harm::Insult),
    ("ăn cứt", Harm::Insult),
    ("đồ|thằng|thg con lợn|heo|chó|khỉ", Harm::Insult),
    ("!lồn|loz|lìn", Harm::Insult),
    ("mặt lợn|chó|khỉ|heo|mâm|hãm|lồn|loz|l|thớt", Harm::BodyShaming),
    ("ghê|kinh tởm", Harm::Insult),
    ("i hate you|u", Harm::Insult),
    ("{you_en} suck|sucks", Harm::Insult),
    ("fatso|fatty|lardass", Harm::BodyShaming),
    // Body-shaming.
    ("béo|mập|xấu như {animal}", Harm::BodyShaming),
    ("xấu vãi|vl|vcl|kinh|xí|kinh_tởm", Harm::BodyShaming),
    ("{names} xấu|béo|mập|lùn", Harm::BodyShaming),
    ("mặt như cái", Harm::BodyShaming),
    ("lợn|heo béo|nái", Harm::BodyShaming),
    ("béo ú", Harm::BodyShaming),
    ("đồ|thằng|thg què|lùn|hói", Harm::BodyShaming),
    ("lùn như", Harm::BodyShaming),
    ("ugly af|asf", Harm::BodyShaming),
    // Slurs.
    ("bê|pê đê ~thương|chịu|dàng|ngủ|ăn|hiểu|thấy|làm|nhìn|học|xem", Harm::Slur),
    ("mọi rợ", Harm::Slur),
    ("thằng|thg|đồ|bọn|lũ|tụi mọi", Harm::Slur),
    ("tàu khựa", Harm::Slur),
    ("bọn|lũ|thằng|con|đồ|tụi !bắc !kỳ", Harm::Slur),
    ("parky", Harm::Slur),
    ("!khựa", Harm::Slur),
    ("con !đĩ|!điếm", Harm::Slur),
    ("!đĩ !điếm", Harm::Slur),
    ("!đĩ", Harm::Slur),
    // Threats and "go die".
    ("~ngon|đẹp|cười|vui|sướng|yêu|thương|mệt|buồn|xinh|hay|thích|mê|no chết đi ~được|mất", Harm::Threat),
    ("đi chết", Harm::Threat),
    ("chết mẹ {you}", Harm::Threat),
    ("tự !tử|!vẫn đi|luôn|mẹ|cho", Harm::Threat),
    ("xe tông|cán chết", Harm::Threat),
    ("tạt axit|acid", Harm::Threat),
    ("die in a fire", Harm::Threat),
    ("neck|unalive yourself|urself", Harm::Threat),
    ("nhảy lầu|cầu đi", Harm::Threat),
    ("biến đi|khỏi|ngay ~đâu|mất", Harm::Threat),
    ("~trứng|chim|xe|thịt !cút ~kít", Harm::Threat),
    ("cút đi|khỏi|ngay|mẹ|xéo", Harm::Threat),
    ("câm mồm|miệng|họng", Harm::Threat),
    ("im mồm|họng", Harm::Threat),
    ("tao đánh|giết|xử|đấm", Harm::Threat),
    ("giết|đánh|đấm|xử {you}", Harm::Threat),
    ("đánh chết", Harm::Threat),
    ("muốn đấm|tát", Harm::Threat),
    ("liệu hồn", Harm::Threat),
    ("tìm ra|đến nhà {you}", Harm::Threat),
    ("không xứng đáng sống", Harm::Threat),
    ("đáng chết", Harm::Threat),
    // English.
    ("idiot|idiots|moron|morons|retard|retarded|dumbass|imbecile|loser|losers|freak", Harm::Insult),
    ("{you_en} .. stupid|dumb|worthless|pathetic|disgusting|trash|garbage|joke|waste|clown", Harm::Insult),
    ("stupid|dumb bitch|fuck|cunt|ass|cow", Harm::Insult),
    ("nobody|noone likes|wants|cares", Harm::Insult),
    ("everyone|everybody hates you", Harm::Insult),
    ("waste of space|air", Harm::Insult),
    ("shut the fuck up", Harm::Insult),
    ("stfu", Harm::Insult),
    ("get off the internet", Harm::Insult),
    ("delete your account|channel", Harm::Insult),
    ("{you_en} .. ugly|fat|disgusting", Harm::BodyShaming),
    ("ugly face|ass|body", Harm::BodyShaming),
    ("this ugly", Harm::BodyShaming),
    ("fat|disgusting pig|cow|ass|body", Harm::BodyShaming),
    ("go back to your country", Harm::Slur),
    ("kill yourself|urself|yourselves", Harm::Threat),
    ("kys", Harm::Threat),
    ("go|just die", Harm::Threat),
    ("hope|wish you|u die", Harm::Threat),
    ("you|u should|must .. die", Harm::Threat),
    ("i ll|will find you", Harm::Threat),
    ("beat you up", Harm::Threat),
];

/// One place in a pattern.
#[derive(Debug)]
enum Step {
    /// One word of these.
    Word(Vec<Alternative>),
    /// Up to this many other words.
    Gap(usize),
}

#[derive(Debug)]
struct Alternative {
    bare: String,
    spelled: String,
    /// Written with Vietnamese marks.
    marked: bool,
    /// Matches only a word written with these marks.
    needs_marks: bool,
}

#[derive(Debug)]
struct Pattern {
    /// `^…$`: the whole comment, and nothing else (`ngu` alone is an insult).
    whole: bool,
    steps: Vec<Step>,
    not_before: Vec<Alternative>,
    not_after: Vec<Alternative>,
    harm: Harm,
}

fn alternatives(text: &str) -> Vec<Alternative> {
    text.split('|')
        .filter(|a| !a.is_empty())
        .map(|a| {
            let (needs_marks, word) = match a.strip_prefix('!') {
                Some(word) => (true, word),
                None => (false, a),
            };
            Alternative {
                bare: bare(word),
                spelled: collapse(&word.to_lowercase()),
                marked: has_marks(word),
                needs_marks,
            }
        })
        .collect()
}

/// A pattern with its sets written out, and each alternative of two words
/// (`dở_hơi`) made a pattern of its own, so every step is one word.
fn expand(pattern: &str) -> Vec<String> {
    let sets = [
        ("{you}", YOU_VI),
        ("{names}", NAME_CALLING),
        ("{so}", SO),
        ("{animal}", ANIMAL),
        ("{sleep}", SLEEP),
        ("{you_en}", YOU_EN),
    ];
    let mut written = pattern.to_owned();
    for (name, set) in sets {
        written = written.replace(name, set);
    }
    let words: Vec<&str> = written.split(' ').collect();
    let Some(position) = words.iter().position(|w| !w.starts_with('~') && w.contains('_')) else {
        return vec![written];
    };
    let (single, double): (Vec<&str>, Vec<&str>) = words[position].split('|').partition(|a| !a.contains('_'));
    let around = |middle: &str| {
        let mut changed = words.clone();
        changed[position] = middle;
        changed.join(" ")
    };
    let mut out = Vec::new();
    if !single.is_empty() {
        out.extend(expand(&around(&single.join("|"))));
    }
    for two in double {
        out.extend(expand(&around(&two.replace('_', " "))));
    }
    out
}

fn parse(pattern: &str, harm: Harm) -> Pattern {
    let whole = pattern.starts_with('^') && pattern.ends_with('$');
    let pattern = if whole { &pattern[1..pattern.len() - 1] } else { pattern };
    let mut words: Vec<&str> = pattern.split(' ').collect();
    let not_before = match words.first() {
        Some(first) if first.starts_with('~') => alternatives(&words.remove(0)[1..]),
        _ => Vec::new(),
    };
    let not_after = match words.last() {
        Some(last) if last.starts_with('~') => words.pop().map(|w| alternatives(&w[1..])).unwrap_or_default(),
        _ => Vec::new(),
    };
    let steps = words.iter().map(|w| if *w == ".." { Step::Gap(2) } else { Step::Word(alternatives(w)) }).collect();
    Pattern { whole, steps, not_before, not_after, harm }
}

fn patterns() -> &'static [Pattern] {
    static PARSED: OnceLock<Vec<Pattern>> = OnceLock::new();
    PARSED.get_or_init(|| {
        PATTERNS.iter().flat_map(|(pattern, harm)| expand(pattern).into_iter().map(move |p| parse(&p, *harm))).collect()
    })
}

impl Alternative {
    fn matches(&self, word: &Word) -> bool {
        if word.bare != self.bare {
            return false;
        }
        if word.marked {
            // Written with marks: only the same spelling (`ngủ` is not `ngu`).
            word.spelled == self.spelled
        } else if word.strict {
            // Without marks among marked words: meant so (`cho` is not `chó`).
            !self.marked
        } else {
            !self.needs_marks
        }
    }
}

fn any(alternatives: &[Alternative], word: Option<&Word>) -> bool {
    word.is_some_and(|w| alternatives.iter().any(|a| a.matches(w)))
}

/// Where `steps` match from `at`: the index after the last word matched.
fn match_from(steps: &[Step], words: &[Word], at: usize) -> Option<usize> {
    let Some((step, rest)) = steps.split_first() else { return Some(at) };
    match step {
        Step::Word(alternatives) => any(alternatives, words.get(at)).then(|| match_from(rest, words, at + 1)).flatten(),
        Step::Gap(most) => {
            (0..=*most).filter(|skip| at + skip <= words.len()).find_map(|skip| match_from(rest, words, at + skip))
        }
    }
}

/// Every (start, end, harm) where a pattern matches `words`.
pub(super) fn matches(words: &[Word]) -> Vec<(usize, usize, Harm)> {
    let mut found = Vec::new();
    for pattern in patterns() {
        for start in 0..words.len() {
            let Some(end) = match_from(&pattern.steps, words, start) else { continue };
            if pattern.whole && (start > 0 || end < words.len()) {
                continue;
            }
            let before = start.checked_sub(1).and_then(|i| words.get(i));
            if any(&pattern.not_before, before) || any(&pattern.not_after, words.get(end)) {
                continue;
            }
            found.push((start, end, pattern.harm));
        }
    }
    found
}

/// Whether `text` holds the words of `phrase` in a row, each compared as the
/// lexicon compares its words (a word written with marks only as spelled).
pub(super) fn holds_phrase(text: &[Word], phrase: &[Word]) -> bool {
    let steps: Vec<Step> = phrase
        .iter()
        .map(|w| {
            let alternative =
                Alternative { bare: w.bare.clone(), spelled: w.spelled.clone(), marked: w.marked, needs_marks: false };
            Step::Word(vec![alternative])
        })
        .collect();
    !steps.is_empty() && (0..text.len()).any(|start| match_from(&steps, text, start).is_some())
}
