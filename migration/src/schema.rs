//! Column definitions the migrations share: `NOT NULL` unless the name ends
//! in `_null`.
use sea_orm::sea_query::{ColumnDef, IntoIden};

macro_rules! columns {
    ($($name:ident => $kind:ident, $nullability:ident);* $(;)?) => {$(
        pub(crate) fn $name<T: IntoIden>(col: T) -> ColumnDef {
            ColumnDef::new(col).$kind().$nullability().take()
        }
    )*};
}

columns! {
    big_integer => big_integer, not_null;
    blob => blob, not_null;
    boolean => boolean, not_null;
    date => date, not_null;
    date_null => date, null;
    double => double, not_null;
    integer => integer, not_null;
    integer_null => integer, null;
    json => json, not_null;
    json_null => json, null;
    string => string, not_null;
    text => text, not_null;
    text_null => text, null;
    timestamp_with_time_zone => timestamp_with_time_zone, not_null;
    timestamp_with_time_zone_null => timestamp_with_time_zone, null;
    uuid => uuid, not_null;
    uuid_null => uuid, null;
}

pub(crate) fn string_len<T: IntoIden>(col: T, length: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(length).not_null().take()
}

pub(crate) fn string_len_null<T: IntoIden>(col: T, length: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(length).null().take()
}

pub(crate) fn string_len_uniq<T: IntoIden>(col: T, length: u32) -> ColumnDef {
    string_len(col, length).unique_key().take()
}
