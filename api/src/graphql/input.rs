//! Every input within its bound, checked once for every argument and
//! variable of every operation before anything runs.
//!
//! - Each `String` argument and input field declares its maximum length in
//!   its description ("At most 100 characters", or a range such as
//!   "1..=120 characters"), and each list its maximum count ("At most 100
//!   items"). The description is the one declaration: clients read it in the
//!   schema, and this module enforces it. `declared_maximum` finds it; a test
//!   fails the build's suite for any input without one.
//! - `ID` and the other text scalars (dates, times) hold short, fixed-shape
//!   text: at most `SCALAR_MAX_CHARS` characters.
//! - No text may hold the NUL character: PostgreSQL cannot store it (the
//!   statement would fail as `INTERNAL`) and SQLite would keep it.
//!
//! Over a bound is `BAD_USER_INPUT`, naming the field. The walk visits each
//! field of the document once (fragments are walked from their own
//! definitions, not at every spread), so it costs linear time.
use std::collections::HashMap;

use async_graphql::Positioned;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::registry::{MetaInputValue, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Variables};
use async_graphql_value::{ConstValue, Value};

use crate::error::AppError;

/// The longest `ID`, `Date`, `DateTime`, `Time` or other text scalar accepted.
pub const SCALAR_MAX_CHARS: usize = 64;
/// What an undeclared `String` may hold (the suite refuses undeclared ones;
/// this only keeps a slip from being unbounded).
const UNDECLARED_MAX_CHARS: usize = 1_000;
/// What an undeclared list may hold.
const UNDECLARED_MAX_ITEMS: usize = 100;

/// The maximum an input declares in its description.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Declared {
    pub chars: Option<usize>,
    pub items: Option<usize>,
}

/// The maximum a description states: "At most 2,200 characters",
/// "1..=120 characters", "At most 100 items", "0..=8 items".
pub fn declared_maximum(description: Option<&str>) -> Declared {
    let text = description.unwrap_or_default();
    Declared { chars: number_before(text, "characters"), items: number_before(text, "items") }
}

/// The number written just before `unit`, after "At most " or "..=".
fn number_before(text: &str, unit: &str) -> Option<usize> {
    text.match_indices(unit).find_map(|(at, _)| {
        let before = text[..at].trim_end();
        let digits: String = before.chars().rev().take_while(|c| c.is_ascii_digit() || *c == ',').collect();
        let number: String = digits.chars().rev().filter(char::is_ascii_digit).collect();
        let lead = before[..before.len() - digits.len()].to_ascii_lowercase();
        (lead.ends_with("at most ") || lead.ends_with("..=")).then(|| number.parse().ok()).flatten()
    })
}

/// The base type a (possibly list, possibly non-null) type string names, and
/// how many list levels wrap it.
fn unwrap_type(ty: &str) -> (&str, usize) {
    let mut name = ty;
    let mut lists = 0;
    loop {
        name = name.trim_end_matches('!');
        match name.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
            Some(inner) => {
                name = inner;
                lists += 1;
            }
            None => return (name, lists),
        }
    }
}

/// `BAD_USER_INPUT` when the query text holds a NUL character; in the
/// text it can only come escaped, as \u0000.
pub fn check_text(query: &str) -> Result<(), AppError> {
    if query.contains('\0') || query.to_ascii_lowercase().contains("\\u0000") {
        return Err(nul_refusal("input"));
    }
    Ok(())
}

/// Holds every argument, literal or variable, of `document` to its bound.
pub fn check(
    bounds: &Bounds,
    registry: &Registry,
    document: &ExecutableDocument,
    values: &VariableValues,
) -> Result<(), AppError> {
    bounds.check(registry, document, values)
}

fn nul_refusal(field: &str) -> AppError {
    AppError::field(field, "may not contain the NUL character")
}

/// The values of a document's variables: those sent, and otherwise the
/// defaults that the operation which runs declares. (Only it runs, and the
/// fragments it spreads see its variables; another operation's default for
/// the same name must not stand in for it.)
pub struct VariableValues<'a> {
    sent: &'a Variables,
    defaults: HashMap<&'a str, &'a ConstValue>,
}

impl<'a> VariableValues<'a> {
    pub fn new(document: &'a ExecutableDocument, operation_name: Option<&str>, sent: &'a Variables) -> Self {
        let defaults = selected_operation(document, operation_name)
            .into_iter()
            .flat_map(|operation| operation.node.variable_definitions.iter())
            .filter_map(|definition| {
                let default = definition.node.default_value.as_ref()?;
                Some((definition.node.name.node.as_str(), &default.node))
            })
            .collect();
        Self { sent, defaults }
    }

    pub fn get(&self, name: &str) -> Option<&ConstValue> {
        self.sent.get(&Name::new(name)).or_else(|| self.defaults.get(name).copied())
    }
}

/// The operation async-graphql runs: the one named, or the only one.
pub fn selected_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.iter().find(|(n, _)| n.as_str() == name).map(|(_, o)| o)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next(),
        _ => None,
    }
}

/// Where the schema's inputs declare their maxima.
pub struct Bounds {
    /// By "Type.field" then argument name, and by input type then field name.
    declared: HashMap<String, HashMap<String, Declared>>,
}

impl Bounds {
    pub fn of(registry: &Registry) -> Self {
        let mut declared = HashMap::new();
        let of_values = |values: &async_graphql::indexmap::IndexMap<String, MetaInputValue>| {
            values.iter().map(|(name, value)| (name.clone(), declared_maximum(value.description.as_deref()))).collect()
        };
        for (type_name, ty) in &registry.types {
            match ty {
                MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                    for (field_name, field) in fields {
                        declared.insert(format!("{type_name}.{field_name}"), of_values(&field.args));
                    }
                }
                MetaType::InputObject { input_fields, .. } => {
                    declared.insert(type_name.clone(), of_values(input_fields));
                }
                _ => {}
            }
        }
        Self { declared }
    }

    fn check(
        &self,
        registry: &Registry,
        document: &ExecutableDocument,
        values: &VariableValues,
    ) -> Result<(), AppError> {
        let walk = Walk { bounds: self, registry, values };
        for (_, operation) in document.operations.iter() {
            let root = match operation.node.ty {
                async_graphql::parser::types::OperationType::Query => Some(registry.query_type.as_str()),
                async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref(),
                async_graphql::parser::types::OperationType::Subscription => registry.subscription_type.as_deref(),
            };
            walk.selections(&operation.node.selection_set.node, root)?;
        }
        for fragment in document.fragments.values() {
            walk.selections(
                &fragment.node.selection_set.node,
                Some(fragment.node.type_condition.node.on.node.as_str()),
            )?;
        }
        // Variables no argument uses are still read into memory: hold them to
        // the NUL rule too.
        for (name, value) in values.sent.iter() {
            if holds_nul(value) {
                return Err(nul_refusal(name.as_str()));
            }
        }
        Ok(())
    }
}

fn holds_nul(value: &ConstValue) -> bool {
    match value {
        ConstValue::String(text) => text.contains('\0'),
        ConstValue::List(items) => items.iter().any(holds_nul),
        ConstValue::Object(fields) => fields.iter().any(|(name, value)| name.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

struct Walk<'a> {
    bounds: &'a Bounds,
    registry: &'a Registry,
    values: &'a VariableValues<'a>,
}

impl Walk<'_> {
    fn selections(&self, set: &SelectionSet, parent: Option<&str>) -> Result<(), AppError> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let meta = parent.and_then(|p| self.registry.types.get(p)).and_then(|t| t.field_by_name(name));
                    if let (Some(parent), Some(meta)) = (parent, meta) {
                        let declared = self.bounds.declared.get(&format!("{parent}.{name}"));
                        for (arg, value) in &field.arguments {
                            let arg = arg.node.as_str();
                            let Some(input) = meta.args.get(arg) else { continue };
                            let maximum = declared.and_then(|d| d.get(arg)).copied().unwrap_or_default();
                            self.value(&value.node, &input.ty, maximum, Place::Argument(arg))?;
                        }
                    }
                    let child = meta.map(|m| MetaTypeName::concrete_typename(&m.ty));
                    self.selections(&field.selection_set.node, child)?;
                }
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(parent);
                    self.selections(&inline.node.selection_set.node, on)?;
                }
                // Walked once, from its definition.
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }

    /// Checks a literal (which may hold variables) against its type, as a
    /// variable's value is once the variables' values are put in. A
    /// variable nobody sent is left to validation, which refuses it.
    fn value(&self, value: &Value, ty: &str, maximum: Declared, place: Place) -> Result<(), AppError> {
        let Ok(filled) = value.clone().into_const_with(|name| {
            Ok::<_, std::convert::Infallible>(self.values.get(name.as_str()).cloned().unwrap_or(ConstValue::Null))
        });
        self.constant(&filled, ty, maximum, place)
    }

    /// Checks a value against the type it is used as.
    fn constant(&self, value: &ConstValue, ty: &str, maximum: Declared, place: Place) -> Result<(), AppError> {
        let path = place.name();
        match value {
            ConstValue::List(items) => {
                let (_, lists) = unwrap_type(ty);
                if lists == 0 {
                    return Ok(());
                }
                check_count(items.len(), maximum, &path)?;
                let inner = list_item_type(ty);
                items.iter().try_for_each(|item| self.constant(item, inner, Declared { items: None, ..maximum }, place))
            }
            ConstValue::Object(fields) => {
                let (name, _) = unwrap_type(ty);
                let Some(MetaType::InputObject { input_fields, .. }) = self.registry.types.get(name) else {
                    return Ok(());
                };
                for (field, value) in fields {
                    let Some(input) = input_fields.get(field.as_str()) else { continue };
                    let maximum = self.input_field_maximum(name, field.as_str());
                    self.constant(value, &input.ty, maximum, place.field(field.as_str()))?;
                }
                Ok(())
            }
            ConstValue::String(text) => check_string(text, ty, maximum, &path),
            _ => Ok(()),
        }
    }

    fn input_field_maximum(&self, input: &str, field: &str) -> Declared {
        self.bounds.declared.get(input).and_then(|fields| fields.get(field)).copied().unwrap_or_default()
    }
}

/// Where a value sits, named as `extensions.fields` names it: an argument
/// by its name, a field of an input object by its path inside the argument
/// (`handle`, `timeAway.start`), as the services name them.
#[derive(Clone, Copy)]
enum Place<'a> {
    Argument(&'a str),
    /// A field of the argument's input object, and the field it sits in.
    Field(Option<&'a Place<'a>>, &'a str),
}

impl<'a> Place<'a> {
    fn field(&'a self, name: &'a str) -> Place<'a> {
        match self {
            Place::Argument(_) => Place::Field(None, name),
            Place::Field(..) => Place::Field(Some(self), name),
        }
    }

    fn name(&self) -> String {
        match self {
            Place::Argument(name) | Place::Field(None, name) => (*name).to_owned(),
            Place::Field(Some(outer), name) => format!("{}.{name}", outer.name()),
        }
    }
}

/// `[T!]!` → `T!`.
fn list_item_type(ty: &str) -> &str {
    let ty = ty.trim_end_matches('!');
    ty.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')).unwrap_or(ty)
}

fn check_count(count: usize, maximum: Declared, path: &str) -> Result<(), AppError> {
    let limit = maximum.items.unwrap_or(UNDECLARED_MAX_ITEMS);
    if count > limit {
        return Err(AppError::field(path, format!("may hold at most {limit} items")));
    }
    Ok(())
}

fn check_string(text: &str, ty: &str, maximum: Declared, path: &str) -> Result<(), AppError> {
    if text.contains('\0') {
        return Err(nul_refusal(path));
    }
    let (name, _) = unwrap_type(ty);
    let limit = match name {
        "String" => maximum.chars.unwrap_or(UNDECLARED_MAX_CHARS),
        // Enum values come as enums, not strings; other scalars are short.
        _ => maximum.chars.unwrap_or(SCALAR_MAX_CHARS),
    };
    // Counting stops one past the limit: a huge text costs no more than a fit one.
    if text.chars().take(limit + 1).count() > limit {
        return Err(AppError::field(path, format!("may be at most {limit} characters long")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxima_are_read_from_descriptions() {
        let read = |text: &str| declared_maximum(Some(text));
        assert_eq!(read("At most 2,200 characters.").chars, Some(2200));
        assert_eq!(read("1..=120 characters.").chars, Some(120));
        assert_eq!(read("A note. At most 100 items, each a case id.").items, Some(100));
        assert_eq!(read("3..=24 of a-z 0-9 . _; at most 24 characters").chars, Some(24));
        assert_eq!(read("Some characters").chars, None);
        assert_eq!(read("10 characters or more").chars, None);
        assert_eq!(declared_maximum(None), Declared::default());
    }

    #[test]
    fn types_are_unwrapped() {
        assert_eq!(unwrap_type("[ID!]!"), ("ID", 1));
        assert_eq!(unwrap_type("String"), ("String", 0));
        assert_eq!(unwrap_type("[[Int]]"), ("Int", 2));
        assert_eq!(list_item_type("[ID!]!"), "ID!");
    }
}
