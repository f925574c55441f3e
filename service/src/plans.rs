//! Statements PostgreSQL plans once. A prepared statement is planned anew on
//! every execution until PostgreSQL judges its generic plan no dearer than
//! the plans made for the values; a bound `LIMIT` makes the generic plan
//! expect a tenth of the rows, so a statement of many limited samples (the
//! feed's candidates) was planned on every request, about as long as it
//! ran. Its limits are the server's own counts: written into the text, they
//! leave only the viewer, the clock and the cursor bound, and PostgreSQL
//! keeps one plan per connection after its first five executions.
use sea_orm::sea_query::{Value, Values};
use sea_orm::{DatabaseBackend, Statement, StatementBuilder};

/// `statement` for `backend`; on PostgreSQL its counts (the `u64` values
/// that `LIMIT` and `OFFSET` take) are written into the text, and the other
/// values stay bound, renumbered.
pub fn planned_once(backend: DatabaseBackend, statement: &impl StatementBuilder) -> Statement {
    let built = statement.build(&backend);
    match (backend, &built.values) {
        (DatabaseBackend::Postgres, Some(values)) => {
            let (sql, values) = counts_written_in(&built.sql, &values.0);
            Statement { sql, values: Some(Values(values)), db_backend: backend }
        }
        _ => built,
    }
}

/// PostgreSQL's `$n` placeholders outside quoted text, with the `u64`
/// values written in and the rest renumbered in order. The text between
/// placeholders is copied in runs: the feed's statement is 6 kB, and
/// copying it a character at a time was a twentieth of its request.
fn counts_written_in(sql: &str, values: &[Value]) -> (String, Vec<Value>) {
    let bytes = sql.as_bytes();
    let mut text = String::with_capacity(sql.len());
    let mut kept = Vec::with_capacity(values.len());
    let mut quote: Option<u8> = None;
    // `sql[..copied]` is in `text` already, rewritten.
    let mut copied = 0;
    let mut at = 0;
    // Quotes and `$` are ASCII, never part of a multi-byte character, so
    // every index where one is found is a character boundary.
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b'$') => {
                let digits = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
                let number = &sql[at..at + digits];
                let value = number.parse::<usize>().ok().and_then(|n| values.get(n.checked_sub(1)?));
                let written = match value {
                    Some(Value::BigUnsigned(Some(count))) => count.to_string(),
                    Some(value) => {
                        kept.push(value.clone());
                        format!("${}", kept.len())
                    }
                    // Not a placeholder of this statement: left as it was.
                    None => continue,
                };
                text.push_str(&sql[copied..at - 1]);
                text.push_str(&written);
                at += digits;
                copied = at;
            }
            (None, _) => {}
        }
    }
    text.push_str(&sql[copied..]);
    (text, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_in_and_the_other_values_renumbered() {
        let values =
            vec![Value::from("a"), Value::BigUnsigned(Some(20)), Value::from(7_i64), Value::BigUnsigned(Some(5))];
        let (sql, kept) =
            counts_written_in(r#"SELECT "$1" FROM t WHERE a = $1 AND b = '$2' LIMIT $2) AND c = $3 LIMIT $4"#, &values);
        assert_eq!(sql, r#"SELECT "$1" FROM t WHERE a = $1 AND b = '$2' LIMIT 20) AND c = $2 LIMIT 5"#);
        assert_eq!(kept, vec![Value::from("a"), Value::from(7_i64)]);
    }

    #[test]
    fn text_around_placeholders_is_kept_whole() {
        let values = vec![Value::from("a"), Value::BigUnsigned(Some(5)), Value::from(true)];
        let (sql, kept) = counts_written_in("$1 = 'ẩm $2' AND \"tên\" = $9$3 AND c = $ LIMIT $2 OFFSET é$2", &values);
        assert_eq!(sql, "$1 = 'ẩm $2' AND \"tên\" = $9$2 AND c = $ LIMIT 5 OFFSET é5");
        assert_eq!(kept, vec![Value::from("a"), Value::from(true)]);
    }

    #[test]
    fn only_postgresql_statements_change() {
        let mut query = sea_orm::sea_query::Query::select();
        query.expr(sea_orm::sea_query::Expr::val(1)).limit(3);
        let sqlite = planned_once(DatabaseBackend::Sqlite, &query);
        assert_eq!(sqlite.sql, "SELECT ? LIMIT ?");
        let postgres = planned_once(DatabaseBackend::Postgres, &query);
        assert_eq!(postgres.sql, "SELECT $1 LIMIT 3");
        assert_eq!(postgres.values.map(|v| v.0.len()), Some(1));
    }
}
