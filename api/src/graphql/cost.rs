//! What an operation may cost, decided before anything runs: every field
//! (`__typename` included) counts 1, a connection multiplies what is selected
//! inside it by its `first` (20 when absent, a variable's default counting as
//! its value), an operation selects at most a set number of root fields, its
//! data fields nest at most so deep, and it asks for at most a few aggregate
//! fields (figures computed over many rows).
//! async-graphql's own complexity counts neither page sizes nor
//! `__typename`, so a hundred aliased pages of pages would pass it; its depth
//! limit counts introspection too, whose standard query (GraphiQL's, codegen's)
//! nests `ofType` deeper than any data. Introspection is bounded by the
//! schema's size, and off in production.
//!
//! Each fragment is measured once and its figures reused at every spread, so
//! a document whose fragments each spread the next twice costs linear time
//! to check, not exponential.
use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Field, OperationType, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Value};

use super::input::VariableValues;
use crate::config::QueryLimits;
use crate::error::AppError;
use crate::service::pagination::DEFAULT_PAGE;

/// Fields whose answer is computed over many rows, as `Type.field`: each
/// costs what its work costs, so a request may hold only a few of them.
pub const AGGREGATE_FIELDS: [&str; 3] = ["Query.safetyTransparency", "Query.campaignKpis", "Query.screenTimeReport"];

/// How deep selection sets and fragment spreads may nest before the walk
/// stops and refuses the document. The walk recurses once per level, so a
/// chain of thousands of fragments, each spreading the next, would use up a
/// worker's stack and abort the process; async-graphql refuses anything
/// deeper than 32 levels anyway.
const MAX_NESTING: usize = 64;

/// Refuses a document any of whose operations is too costly.
pub fn check(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &VariableValues,
    limits: QueryLimits,
) -> Result<(), AppError> {
    let mut walker = Walker {
        registry,
        document,
        variables,
        memo: HashMap::new(),
        visits: 0,
        nesting: 0,
        too_deep: false,
        cycle: None,
    };
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let measure = walker.measure(&operation.node.selection_set.node, root, true);
        if walker.too_deep {
            return Err(AppError::QueryTooComplex(format!(
                "Selections and fragment spreads may nest at most {MAX_NESTING} levels"
            )));
        }
        if let Some(name) = walker.cycle {
            return Err(AppError::field("query", format!("fragment {name} spreads itself")));
        }
        if measure.depth > limits.max_depth {
            return Err(AppError::QueryTooComplex(format!(
                "The query is nested too deep: fields may nest at most {} levels (introspection aside), and this \
                 one nests {}",
                limits.max_depth, measure.depth
            )));
        }
        if measure.fields > limits.max_root_fields {
            return Err(AppError::QueryTooComplex(format!(
                "An operation may select at most {} root fields; this one selects {}",
                limits.max_root_fields, measure.fields
            )));
        }
        if measure.aggregates > limits.max_aggregates {
            return Err(AppError::QueryTooComplex(format!(
                "An operation may ask for at most {} aggregate figures (safetyTransparency, campaignKpis, \
                 screenTimeReport); this one asks for {}",
                limits.max_aggregates, measure.aggregates
            )));
        }
        if measure.cost > limits.max_complexity {
            return Err(AppError::QueryTooComplex(format!(
                "The query is too complex: it may cost at most {}, and counting every field and page size it \
                 costs more than that",
                limits.max_complexity
            )));
        }
    }
    Ok(())
}

/// What one selection set asks for. Sums saturate, so no shape overflows.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    /// How deep it nests, counting the leaf: `{ me { email } }` is 2.
    depth: usize,
    /// The fields it selects directly, fragments expanded.
    fields: usize,
    /// Every field counted 1, times the pages it sits in.
    cost: usize,
    /// Aggregate fields, times the pages they sit in.
    aggregates: usize,
}

impl Measure {
    fn add(self, other: Measure) -> Measure {
        Measure {
            depth: self.depth.max(other.depth),
            fields: self.fields.saturating_add(other.fields),
            cost: self.cost.saturating_add(other.cost),
            aggregates: self.aggregates.saturating_add(other.aggregates),
        }
    }
}

/// A fragment's measure, or the mark that it is being measured (a cycle,
/// which validation refuses later, measures nothing).
enum Memo {
    InProgress,
    Done(Measure),
}

struct Walker<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    variables: &'a VariableValues<'a>,
    /// By fragment name and whether it is spread at the root (where
    /// introspection does not count toward depth).
    memo: HashMap<(&'a Name, bool), Memo>,
    /// Selections visited so far: at most twice the document's (each
    /// fragment is walked once at the root and once below it).
    visits: usize,
    /// Selection sets being measured, one inside the other.
    nesting: usize,
    /// Set once `nesting` reaches `MAX_NESTING`: the walk goes no deeper.
    too_deep: bool,
    /// A fragment found spreading itself, directly or not.
    cycle: Option<&'a Name>,
}

impl<'a> Walker<'a> {
    /// The measure of a selection set on `parent` (a type name, when known).
    fn measure(&mut self, set: &'a SelectionSet, parent: Option<&str>, root: bool) -> Measure {
        if self.nesting >= MAX_NESTING {
            self.too_deep = true;
            return Measure::default();
        }
        self.nesting += 1;
        let mut total = Measure::default();
        for item in &set.items {
            self.visits += 1;
            let measure = match &item.node {
                Selection::Field(field) => self.field(&field.node, parent, root),
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(parent);
                    self.measure(&inline.node.selection_set.node, on, root)
                }
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name.node, root),
            };
            total = total.add(measure);
        }
        self.nesting -= 1;
        total
    }

    fn field(&mut self, field: &'a Field, parent: Option<&str>, root: bool) -> Measure {
        let name = field.name.node.as_str();
        let meta = parent.and_then(|p| self.registry.types.get(p)).and_then(|t| t.field_by_name(name));
        let child_type = meta.map(|m| MetaTypeName::concrete_typename(&m.ty).to_owned());
        let pages = match meta {
            Some(meta) if meta.args.contains_key("first") => self.first(field),
            _ => 1,
        };
        let inner = self.measure(&field.selection_set.node, child_type.as_deref(), false);
        let aggregate = parent.is_some_and(|p| AGGREGATE_FIELDS.iter().any(|a| *a == format!("{p}.{name}")));
        let introspection = root && (name == "__schema" || name == "__type");
        Measure {
            depth: if introspection { 0 } else { inner.depth.saturating_add(1) },
            fields: 1,
            cost: inner.cost.saturating_mul(pages).saturating_add(1),
            aggregates: inner.aggregates.saturating_mul(pages).saturating_add(usize::from(aggregate)),
        }
    }

    /// A named fragment's measure, worked out at its first spread only.
    fn fragment(&mut self, name: &'a Name, root: bool) -> Measure {
        match self.memo.get(&(name, root)) {
            Some(Memo::Done(measure)) => return *measure,
            Some(Memo::InProgress) => {
                self.cycle.get_or_insert(name);
                return Measure::default();
            }
            None => {}
        }
        let Some(definition) = self.document.fragments.get(name) else { return Measure::default() };
        self.memo.insert((name, root), Memo::InProgress);
        let on = definition.node.type_condition.node.on.node.as_str();
        let measure = self.measure(&definition.node.selection_set.node, Some(on), root);
        self.memo.insert((name, root), Memo::Done(measure));
        measure
    }

    /// The page size a connection field asks for: its `first`, literal or
    /// from a variable (sent, or its default), or the default page.
    fn first(&self, field: &Field) -> usize {
        let value = field.arguments.iter().find(|(name, _)| name.node.as_str() == "first").and_then(|(_, value)| {
            value.node.clone().into_const_with(|name| self.variables.get(name.as_str()).cloned().ok_or(())).ok()
        });
        match value {
            Some(Value::Number(n)) => n.as_u64().map_or(DEFAULT_PAGE as usize, |n| n.max(1) as usize),
            _ => DEFAULT_PAGE as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fragments `F0`..`F{levels}`, each spreading the next twice: 2^levels
    /// spreads if expanded, a few hundred bytes of text.
    fn fan_out(levels: usize) -> String {
        let mut text = String::from("query { ...F0 }\n");
        for level in 0..levels {
            text.push_str(&format!("fragment F{level} on Query {{ ...F{next} ...F{next} }}\n", next = level + 1));
        }
        text.push_str(&format!("fragment F{levels} on Query {{ __typename }}\n"));
        text
    }

    /// How many selections the check visits for `text`.
    fn visits(text: &str) -> usize {
        let document = async_graphql::parser::parse_query(text).unwrap();
        let registry = Registry::default();
        let sent = async_graphql::Variables::default();
        let values = VariableValues::new(&document, None, &sent);
        let mut walker = Walker {
            registry: &registry,
            document: &document,
            variables: &values,
            memo: HashMap::new(),
            visits: 0,
            nesting: 0,
            too_deep: false,
            cycle: None,
        };
        for (_, operation) in document.operations.iter() {
            walker.measure(&operation.node.selection_set.node, None, true);
        }
        walker.visits
    }

    /// Selections written in the document.
    fn written(text: &str) -> usize {
        text.matches("...").count() + text.matches("__typename").count() + text.matches('{').count()
    }

    #[test]
    fn each_fragment_is_measured_once() {
        for levels in [4, 26, 200] {
            let text = fan_out(levels);
            assert!(visits(&text) <= 2 * written(&text), "{levels} levels: {} visits", visits(&text));
        }
    }

    #[test]
    fn a_fan_out_counts_every_field_it_expands_to() {
        let document = async_graphql::parser::parse_query(fan_out(26)).unwrap();
        let registry = Registry::default();
        let sent = async_graphql::Variables::default();
        let values = VariableValues::new(&document, None, &sent);
        let refused = check(&registry, &document, &values, QueryLimits::default());
        assert!(matches!(refused, Err(AppError::QueryTooComplex(_))), "{refused:?}");
    }

    #[test]
    fn a_variable_default_counts_as_its_value() {
        let text = "query($f: Int = 50) { a: contents(first: $f) { x } }";
        let document = async_graphql::parser::parse_query(text).unwrap();
        let sent = async_graphql::Variables::default();
        let values = VariableValues::new(&document, None, &sent);
        assert_eq!(values.get("f"), Some(&Value::from(50)));
        let mut sent_value = async_graphql::Variables::default();
        sent_value.insert(Name::new("f"), Value::from(3));
        assert_eq!(VariableValues::new(&document, None, &sent_value).get("f"), Some(&Value::from(3)));
    }

    #[test]
    fn only_the_running_operations_defaults_count() {
        let text = "query A($f: Int = 1) { a: contents(first: $f) { x } } query B($f: Int = 50) { b: contents(first: $f) { x } }";
        let document = async_graphql::parser::parse_query(text).unwrap();
        let sent = async_graphql::Variables::default();
        assert_eq!(VariableValues::new(&document, Some("B"), &sent).get("f"), Some(&Value::from(50)));
        assert_eq!(VariableValues::new(&document, Some("A"), &sent).get("f"), Some(&Value::from(1)));
        // No operation is chosen: async-graphql runs none, and no default counts.
        assert_eq!(VariableValues::new(&document, None, &sent).get("f"), None);
    }

    /// Each fragment spreading the next, `links` of them: as deep as it is long.
    fn chain(links: usize) -> String {
        let mut text = String::from("query { ...F0 }\n");
        for link in 0..links {
            text.push_str(&format!("fragment F{link} on Query {{ ...F{} }}\n", link + 1));
        }
        text.push_str(&format!("fragment F{links} on Query {{ __typename }}\n"));
        text
    }

    #[test]
    fn a_long_chain_of_fragments_is_refused_without_following_it_to_the_end() {
        let registry = Registry::default();
        let sent = async_graphql::Variables::default();
        let long = async_graphql::parser::parse_query(chain(20_000)).unwrap();
        let values = VariableValues::new(&long, None, &sent);
        let refused = check(&registry, &long, &values, QueryLimits::default());
        assert!(matches!(&refused, Err(AppError::QueryTooComplex(m)) if m.contains("nest")), "{refused:?}");
        let short = async_graphql::parser::parse_query(chain(30)).unwrap();
        let values = VariableValues::new(&short, None, &sent);
        assert!(check(&registry, &short, &values, QueryLimits::default()).is_ok());
    }
}
