//! Domain values parsed once at the edge ("parse, don't validate"): once a
//! `Handle` or `Email` exists it is known to be valid and normalised.
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use chrono_tz::Tz;
use validator::{ValidateEmail, ValidationError};

fn invalid(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// 3..=24 of `a-z 0-9 . _`, compared case-insensitively (stored lower-case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle(String);

impl Handle {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let handle = raw.trim().to_ascii_lowercase();
        let len = handle.chars().count();
        if !(3..=24).contains(&len) {
            return Err(invalid("length", "must be 3 to 24 characters long"));
        }
        if !handle.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_') {
            return Err(invalid("handle", "may use only letters a-z, digits, '.' and '_'"));
        }
        Ok(Self(handle))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A valid address, compared case-insensitively (stored lower-case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let email = raw.trim().to_lowercase();
        if email.chars().count() > 254 || !email.validate_email() {
            return Err(invalid("email", "must be a valid email address"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 1..=50 characters of any script, trimmed; nothing hidden, no badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(1..=50).contains(&len) {
            return Err(invalid("length", "must be 1 to 50 characters long"));
        }
        crate::text::refuse_hidden(name)?;
        if crate::text::has_badge_look_alike(name) {
            return Err(invalid(
                "characters",
                "may not contain check marks or badges: only verified accounts wear one",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// 10..=128 characters; never logged or printed.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let len = raw.chars().count();
        if !(10..=128).contains(&len) {
            return Err(invalid("length", "must be 10 to 128 characters long"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

pub const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";

pub fn parse_timezone(raw: &str) -> Result<Tz, ValidationError> {
    raw.parse::<Tz>().map_err(|_| invalid("timezone", "must be an IANA time zone such as Asia/Ho_Chi_Minh"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    Vi,
    En,
}

impl Locale {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "vi" => Ok(Locale::Vi),
            "en" => Ok(Locale::En),
            _ => Err(invalid("locale", "must be \"vi\" or \"en\"")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Vi => "vi",
            Locale::En => "en",
        }
    }
}

/// Whether the local time `at` falls in a daily window that opens on `days`
/// at `start` and closes at `end`, on the next day when `end <= start`.
pub fn in_window(days: &[Weekday], start: NaiveTime, end: NaiveTime, at: NaiveDateTime) -> bool {
    let (day, time) = (at.weekday(), at.time());
    if start < end {
        days.contains(&day) && start <= time && time < end
    } else {
        (days.contains(&day) && time >= start) || (days.contains(&day.pred()) && time < end)
    }
}

/// When the window that contains `at` closes, if one does.
pub fn window_end(days: &[Weekday], start: NaiveTime, end: NaiveTime, at: NaiveDateTime) -> Option<NaiveDateTime> {
    if !in_window(days, start, end, at) {
        return None;
    }
    let today_end = at.date().and_time(end);
    if start < end || at.time() < end { Some(today_end) } else { Some(today_end + chrono::Duration::days(1)) }
}

/// `HH:MM` on a 24-hour clock, exactly.
pub fn parse_clock_time(text: &str) -> Option<NaiveTime> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    valid.then(|| NaiveTime::parse_from_str(text, "%H:%M").ok()).flatten()
}

/// The validator adapters: each runs the same parser the domain type uses.
pub mod checks {
    use super::*;

    pub fn handle(raw: &str) -> Result<(), ValidationError> {
        Handle::parse(raw).map(drop)
    }
    pub fn email(raw: &str) -> Result<(), ValidationError> {
        Email::parse(raw).map(drop)
    }
    pub fn display_name(raw: &str) -> Result<(), ValidationError> {
        DisplayName::parse(raw).map(drop)
    }
    pub fn password(raw: &str) -> Result<(), ValidationError> {
        Password::parse(raw).map(drop)
    }
    pub fn timezone(raw: &str) -> Result<(), ValidationError> {
        parse_timezone(raw).map(drop)
    }
    pub fn locale(raw: &str) -> Result<(), ValidationError> {
        Locale::parse(raw).map(drop)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBand {
    Teen13To15,
    Teen16To17,
    Adult,
}

impl AgeBand {
    /// `None` below the minimum age: such people may not have an account.
    pub fn for_age(age: u32) -> Option<Self> {
        match age {
            0..=12 => None,
            13..=15 => Some(AgeBand::Teen13To15),
            16..=17 => Some(AgeBand::Teen16To17),
            _ => Some(AgeBand::Adult),
        }
    }

    pub fn is_teen(self) -> bool {
        self != AgeBand::Adult
    }
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A birth date is plausible when it is not in the future nor over 120 years ago.
pub fn check_birth_date(birth: NaiveDate, today: NaiveDate) -> Result<(), ValidationError> {
    if birth > today {
        return Err(invalid("range", "may not be in the future"));
    }
    let earliest = today.checked_sub_months(chrono::Months::new(120 * 12)).unwrap_or(NaiveDate::MIN);
    if birth < earliest {
        return Err(invalid("range", "may not be more than 120 years ago"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_birth_date_is_at_most_120_years_ago_to_the_day() {
        let today = date(2026, 12, 6);
        assert!(check_birth_date(date(1906, 12, 6), today).is_ok());
        assert!(check_birth_date(date(1906, 12, 5), today).is_err());
        assert!(check_birth_date(today, today).is_ok());
        assert!(check_birth_date(date(2026, 12, 7), today).is_err());
    }

    #[test]
    fn handles_are_normalised_and_checked() {
        assert_eq!(Handle::parse("Lan.Anh_99").unwrap().as_str(), "lan.anh_99");
        assert!(Handle::parse("ab").is_err());
        assert!(Handle::parse(&"a".repeat(25)).is_err());
        assert!(Handle::parse("lan anh").is_err());
        assert!(Handle::parse("phở").is_err());
    }

    #[test]
    fn emails_are_lower_cased() {
        assert_eq!(Email::parse(" Minh@Example.COM ").unwrap().as_str(), "minh@example.com");
        assert!(Email::parse("not-an-email").is_err());
    }

    #[test]
    fn display_names_count_characters_not_bytes() {
        assert!(DisplayName::parse(&"ấ".repeat(50)).is_ok());
        assert!(DisplayName::parse(&"ấ".repeat(51)).is_err());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("Minh Trần ✔").is_err(), "a badge look-alike");
        assert!(DisplayName::parse("Minh Trần\u{200B}").is_err(), "a zero-width space");
        assert!(DisplayName::parse("Bếp nhà Lan 🍜").is_ok());
    }

    #[test]
    fn windows_may_cross_midnight() {
        let at = |d: u32, h: u32, m: u32| date(2026, 11, d).and_hms_opt(h, m, 0).unwrap(); // 30 Nov 2026 is a Monday
        let t = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let monday_night = [Weekday::Mon];
        assert!(in_window(&monday_night, t(21), t(8), at(30, 21, 0)));
        assert!(in_window(&monday_night, t(21), t(8), at(30, 23, 59)));
        assert!(!in_window(&monday_night, t(21), t(8), at(30, 20, 59)));
        // Tuesday morning belongs to Monday's window, and ends at 08:00.
        assert!(!in_window(&monday_night, t(21), t(8), at(29, 7, 0)));
        assert!(in_window(&monday_night, t(21), t(8), date(2026, 12, 1).and_hms_opt(7, 59, 0).unwrap()));
        assert!(!in_window(&monday_night, t(21), t(8), date(2026, 12, 1).and_hms_opt(8, 0, 0).unwrap()));
        assert_eq!(
            window_end(&monday_night, t(21), t(8), at(30, 23, 30)),
            Some(date(2026, 12, 1).and_hms_opt(8, 0, 0).unwrap())
        );
        assert_eq!(
            window_end(&monday_night, t(21), t(8), date(2026, 12, 1).and_hms_opt(7, 0, 0).unwrap()),
            Some(date(2026, 12, 1).and_hms_opt(8, 0, 0).unwrap())
        );
        assert_eq!(window_end(&monday_night, t(21), t(8), at(30, 12, 0)), None);
        // A daytime window.
        assert!(in_window(&monday_night, t(13), t(15), at(30, 14, 0)));
        assert!(!in_window(&monday_night, t(13), t(15), at(30, 15, 0)));
    }

    #[test]
    fn clock_times_are_strict() {
        assert_eq!(parse_clock_time("07:05"), NaiveTime::from_hms_opt(7, 5, 0));
        assert_eq!(parse_clock_time("23:59"), NaiveTime::from_hms_opt(23, 59, 0));
        for bad in ["7:05", "24:00", "12:60", "12:5", "noon", "12:00:00", ""] {
            assert_eq!(parse_clock_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_counts_full_years() {
        assert_eq!(age_on(date(2010, 6, 15), date(2023, 6, 14)), 12);
        assert_eq!(age_on(date(2010, 6, 15), date(2023, 6, 15)), 13);
        assert_eq!(age_on(date(2008, 2, 29), date(2026, 2, 28)), 17);
        assert_eq!(age_on(date(2008, 2, 29), date(2026, 3, 1)), 18);
    }

    #[test]
    fn age_bands_follow_the_contract() {
        assert_eq!(AgeBand::for_age(12), None);
        assert_eq!(AgeBand::for_age(13), Some(AgeBand::Teen13To15));
        assert_eq!(AgeBand::for_age(15), Some(AgeBand::Teen13To15));
        assert_eq!(AgeBand::for_age(16), Some(AgeBand::Teen16To17));
        assert_eq!(AgeBand::for_age(18), Some(AgeBand::Adult));
    }

    #[test]
    fn implausible_birth_dates_are_refused() {
        let today = date(2026, 11, 29);
        assert!(check_birth_date(date(2026, 11, 30), today).is_err());
        assert!(check_birth_date(date(1905, 11, 28), today).is_err());
        assert!(check_birth_date(date(1990, 1, 1), today).is_ok());
    }
}
