//! The one place where text is judged and compared.
//!
//! - [`refuse_hidden`]: text people write (handles, display names, bios,
//!   titles, comments) may not hide anything: no zero-width characters, soft
//!   hyphens, direction overrides or other format and control characters.
//! - [`fold`]: how text is compared in search, blocked keywords and the
//!   kindness check: NFKC, case folded, diacritics removed (`đ` → `d`),
//!   look-alike letters of other scripts mapped to the Latin ones as Unicode
//!   TR39 does (Cyrillic `у` → `y`), invisible characters dropped, runs of
//!   white space collapsed. Word boundaries stay.
//! - [`skeleton`]: how names are compared for impersonation: the fold, then
//!   separators dropped and the common tricks folded (`rn` → `m`, `vv` → `w`,
//!   `0` → `o`, `1` and `l` → `i`, `5` → `s`), so `minh.tran`, `rninh_tran`
//!   and `Minh Trần` share one skeleton.
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_security::confusable_detection::skeleton as tr39_skeleton;
use validator::ValidationError;

/// Characters that change how text reads without being seen: format (Cf)
/// characters such as zero-width spaces, joiners, the soft hyphen and bidi
/// controls, the other invisible fillers, and controls other than line
/// breaks and tabs.
fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{110BD}' | '\u{13430}'..='\u{1343F}')
        || (c.is_control() && !matches!(c, '\n' | '\t'))
}

/// Emoji are written with a zero-width joiner between pictures (👨‍👩‍👧):
/// there it hides nothing.
fn joins_pictures(before: Option<char>, after: Option<char>) -> bool {
    let picture = |c: Option<char>| {
        c.is_some_and(|c| c >= '\u{1F000}' || ('\u{2600}'..='\u{27BF}').contains(&c) || c == '\u{FE0F}')
    };
    picture(before) && picture(after)
}

/// `BAD_USER_INPUT` for text that hides characters: zero-width characters
/// (other than the joiner inside an emoji), the soft hyphen, bidi controls
/// such as U+202E, and other format and control characters.
pub fn refuse_hidden(text: &str) -> Result<(), ValidationError> {
    let chars: Vec<char> = text.chars().collect();
    let hides = chars.iter().enumerate().any(|(i, c)| {
        is_hidden(*c)
            && !(*c == '\u{200D}'
                && joins_pictures(i.checked_sub(1).and_then(|j| chars.get(j)).copied(), chars.get(i + 1).copied()))
    });
    if hides {
        return Err(ValidationError::new("characters").with_message(
            "may not contain invisible or direction-changing characters (zero-width, soft hyphen, bidi controls)"
                .into(),
        ));
    }
    Ok(())
}

/// `text` with its hidden characters dropped, so `n\u{200B}gu` reads `ngu`.
pub(crate) fn without_hidden(text: &str) -> String {
    text.chars().filter(|c| !is_hidden(*c)).collect()
}

/// Text as search, blocked keywords and the kindness check compare it.
pub fn fold(text: &str) -> String {
    let folded: String = text
        .nfkc()
        .filter(|c| !is_hidden(*c))
        .flat_map(|c| if c.is_ascii() { vec![c.to_ascii_lowercase()] } else { prototype(c) })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a letter of any script looks like in plain Latin: its TR39
/// prototype, lower-case and without marks (Cyrillic `у` → `y`, `ầ` → `a`,
/// `đ` → `d`). TR39 maps some lower-case letters to small capitals (`т` →
/// `ᴛ`), so when that is not plain Latin, the capital's prototype is used.
/// Plain ASCII is left alone, so words and numbers stay readable.
fn prototype(c: char) -> Vec<char> {
    if matches!(c, 'đ' | 'Đ') {
        return vec!['d'];
    }
    let latin = |letter: char| -> Vec<char> {
        let mut buffer = [0; 4];
        tr39_skeleton(letter.encode_utf8(&mut buffer))
            .collect::<String>()
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let direct = latin(c);
    if direct.iter().all(char::is_ascii) {
        return direct;
    }
    let capital: Vec<char> = c.to_uppercase().flat_map(latin).collect();
    if capital.iter().all(char::is_ascii) { capital } else { direct }
}

/// A handle's or display name's skeleton: two names with the same skeleton
/// look alike.
pub fn skeleton(name: &str) -> String {
    let joined: String = fold(name).chars().filter(|c| c.is_alphanumeric()).collect();
    joined
        .replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'l' | '|' => 'i',
            '5' => 's',
            other => other,
        })
        .collect()
}

/// The skeletons one edit away from `skeleton` by deleting a character,
/// and `skeleton` itself. Two skeletons are within one edit (a character
/// added, removed, changed, or two swapped) exactly when their variants
/// meet, so a verified account's variants, kept in an index, find look-alikes
/// without scanning anyone.
pub fn one_edit_variants(skeleton: &str) -> Vec<String> {
    let chars: Vec<char> = skeleton.chars().collect();
    let mut variants: Vec<String> = (0..chars.len())
        .map(|skip| chars.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| *c).collect())
        .collect();
    variants.push(skeleton.to_owned());
    variants.sort();
    variants.dedup();
    variants
}

/// Check marks and badges a display name may not wear, so nobody looks verified.
const BADGES: &[char] = &[
    '\u{2713}',
    '\u{2714}',
    '\u{2705}',
    '\u{2611}',
    '\u{1F5F8}',
    '\u{1F5F9}',
    '\u{221A}',
    '\u{237B}',
    '\u{10102}',
    '\u{1F6E1}',
    '\u{1F3C5}',
    '\u{1F396}',
];

pub fn has_badge_look_alike(name: &str) -> bool {
    name.nfkc().any(|c| BADGES.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real impersonation tricks: each pair must share a skeleton.
    #[test]
    fn look_alikes_share_a_skeleton() {
        for (real, fake) in [
            ("minh.tran", "minh_tran"),
            ("minh.tran", "minhtran"),
            ("minh.tran", "rninh.tran"),
            ("minh.tran", "minh..tran"),
            ("minh.tran", ".minh.tran"),
            ("minh.tran", "MINH-TRAN"),
            ("minh.tran", "m1nh.tran"),
            ("minh.tran", "Minh Trần"),
            ("minh.tran", "Мinh Тran"),          // Cyrillic М and Т
            ("minh.tran", "minh.trаn"),          // Cyrillic а
            ("minh.tran", "ｍｉｎｈ．ｔｒａｎ"), // full width
            ("minh.tran", "𝐦𝐢𝐧𝐡 𝐭𝐫𝐚𝐧"),          // mathematical bold
            ("Trần", "Tran"),
            ("Trần", "Trän"),
            ("Bộ Y tế", "Bo Y te"),
            ("Bộ Y tế", "B0 Y tế"),
            ("bep.nha.lan", "bep.nha.1an"),
            ("suckhoe", "5uckhoe"),
            ("hoc.moi.ngay", "hoc.rnoi.ngay"),
            ("wow", "vvovv"),
            ("Học mỗi ngày", "hoc moi ngay"),
        ] {
            assert_eq!(skeleton(real), skeleton(fake), "{real:?} and {fake:?}");
        }
    }

    /// Different people keep different names: no false refusals.
    #[test]
    fn different_names_keep_different_skeletons() {
        for (one, other) in [
            ("minh.tran", "minh.tuan"),
            ("Nguyễn Văn An", "Nguyễn Văn Bình"),
            ("bep.nha.lan", "bep.nha.mai"),
            ("Bộ Y tế", "Bộ Tài chính"),
            ("hoc.moi.ngay", "choi.moi.ngay"),
        ] {
            assert_ne!(skeleton(one), skeleton(other), "{one:?} and {other:?}");
        }
        assert_eq!(skeleton("Phạm Thị Hương"), "phamthihuong");
    }

    #[test]
    fn one_edit_away_means_the_variants_meet() {
        let near = |a: &str, b: &str| {
            let (a, b) = (one_edit_variants(&skeleton(a)), one_edit_variants(&skeleton(b)));
            a.iter().any(|v| b.contains(v))
        };
        assert!(near("minh.tran", "minh.tram"), "one letter changed");
        assert!(near("minh.tran", "minh.trann"), "one letter added");
        assert!(near("minh.tran", "minh.tan"), "one letter removed");
        assert!(near("minh.tran", "mihn.tran"), "two letters swapped");
        assert!(!near("minh.tran", "minh.tuan.99"));
        assert!(!near("minh.tran", "lan.nguyen"));
    }

    #[test]
    fn hidden_characters_are_refused_and_emoji_are_not() {
        for hidden in [
            "minh\u{200B}tran",
            "ngu\u{00AD}y",
            "\u{202E}nart",
            "a\u{2066}b",
            "a\u{FEFF}",
            "a\u{0007}b",
            "tag\u{E0041}",
        ] {
            assert!(refuse_hidden(hidden).is_err(), "{hidden:?}");
        }
        for shown in ["Trần Văn Minh", "Cảm ơn ❤️", "Gia đình 👨‍👩‍👧", "hai dòng\nchữ", "Xin chào 😊"]
        {
            assert!(refuse_hidden(shown).is_ok(), "{shown:?}");
        }
    }

    #[test]
    fn folding_sees_through_look_alikes_and_hidden_characters() {
        let keyword = fold("thử thách nguy hiểm");
        assert_eq!(keyword, "thu thach nguy hiem");
        for title in ["Thử thách ngu\u{0443} hiểm", "thử thách ngu\u{00AD}y hiểm", "THỬ THÁCH NGUY\u{200B} HIỂM"]
        {
            assert!(fold(title).contains(&keyword), "{title:?} folds to {:?}", fold(title));
        }
        assert_eq!(fold("Phở  BÒ"), "pho bo");
        assert_eq!(fold("Trăm xem không bằng một THỬ"), "tram xem khong bang mot thu");
        assert_eq!(fold("Đường đi"), "duong di");
        assert_eq!(fold("Đà Nẵng 15 nghìn"), "da nang 15 nghin", "digits and words stay");
    }

    #[test]
    fn badges_in_names_are_found() {
        for name in ["Minh Trần ✔", "Minh ✓", "Minh ✅", "Minh ☑️", "Minh 🗸"] {
            assert!(has_badge_look_alike(name), "{name:?}");
        }
        assert!(!has_badge_look_alike("Minh Trần"));
    }
}
