//! Scalars the contract names that async-graphql does not ship under that name.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

const DATE_FORMAT: &str = "a Date must be a real calendar date written YYYY-MM-DD";

/// Exactly four digits, a hyphen, two digits, a hyphen, two digits.
fn is_written_yyyy_mm_dd(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date, written `YYYY-MM-DD`.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // chrono alone also takes `2000-1-1`, `+002000-01-01` and a leading space.
            Value::String(s) if is_written_yyyy_mm_dd(s) => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Date).map_err(|_| InputValueError::custom(DATE_FORMAT))
            }
            Value::String(_) => Err(InputValueError::custom(DATE_FORMAT)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_written_exactly_yyyy_mm_dd() {
        for good in ["2000-01-01", "2012-02-29"] {
            assert!(Date::parse(Value::String(good.into())).is_ok(), "{good}");
        }
        for bad in
            ["2000-1-1", "+002000-01-01", " 2000-01-01", "2000-01-01 ", "2010-02-30", "２０００-01-01", "20000-01-01"]
        {
            assert!(Date::parse(Value::String(bad.into())).is_err(), "{bad}");
        }
    }
}
