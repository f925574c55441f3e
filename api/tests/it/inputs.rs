//! The input matrix: every string, ID and list argument of every field of the
//! schema, and every such field of every input object, gets a value one past
//! its declared maximum (and, for text, a huge one), and must be refused with
//! `BAD_USER_INPUT` naming it, while a value at the maximum passes the bound,
//! and the process still answers. The inputs come from the schema, so a new
//! argument without a declared maximum fails `every_input_declares_its_maximum`.
use async_graphql::parser::types::{BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use api::graphql::input::{SCALAR_MAX_CHARS, declared_maximum};

use crate::support::*;

/// One input to try: where it sits and what it is.
#[derive(Debug, Clone)]
struct Input {
    /// The type whose field takes the argument (`Query`, `User`, …).
    owner: String,
    field: String,
    argument: String,
    /// The argument's type, as written in the SDL (`ContentFilter`, `[ID!]!`).
    argument_type: String,
    /// Input-object fields from the argument down to the one tried; empty
    /// when the argument itself is tried. `true` marks a list level.
    path: Vec<(String, bool)>,
    /// The tried value's type and description.
    ty: Type,
    description: Option<String>,
}

impl Input {
    /// How the error's `fields` names it: the argument, or the field's path
    /// inside the argument's input object (`search`, `timeAway.start`).
    fn name(&self) -> String {
        if self.path.is_empty() {
            return self.argument.clone();
        }
        self.path.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>().join(".")
    }

    /// A document whose only operation declares `$v` and whose fragment
    /// passes it where this input sits. Parsing is all it needs: bounds are
    /// checked before validation, so nothing else about it must be valid.
    fn document(&self) -> String {
        let value = self.path.iter().rev().fold("$v".to_owned(), |inner, (field, list)| {
            let object = format!("{{ {field}: {inner} }}");
            if *list { format!("[{object}]") } else { object }
        });
        let declared = if self.path.is_empty() { self.argument_type.clone() } else { self.ty.to_string() };
        let v_type = declared.trim_end_matches('!');
        format!(
            "query Probe($v: {v_type}) {{ __typename }} fragment F on {} {{ {}({}: {value}) {{ __typename }} }}",
            self.owner, self.field, self.argument
        )
    }
}

fn sdl_definitions() -> Vec<TypeSystemDefinition> {
    async_graphql::parser::parse_schema(api::graphql::sdl()).unwrap().definitions
}

fn input_objects(definitions: &[TypeSystemDefinition]) -> std::collections::HashMap<String, Vec<InputValueDefinition>> {
    definitions
        .iter()
        .filter_map(|d| match d {
            TypeSystemDefinition::Type(ty) => match &ty.node.kind {
                TypeKind::InputObject(input) => {
                    Some((ty.node.name.node.to_string(), input.fields.iter().map(|f| f.node.clone()).collect()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The named type at the bottom of `ty`, and whether a list wraps it.
fn base(ty: &Type) -> (String, bool) {
    match &ty.base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (base(inner).0, true),
    }
}

/// Every bounded input of the schema: text, IDs, other scalars and lists,
/// through input objects (each input type entered once per path).
fn inputs() -> Vec<Input> {
    let definitions = sdl_definitions();
    let objects = input_objects(&definitions);
    let mut found = Vec::new();
    for definition in &definitions {
        let TypeSystemDefinition::Type(ty) = definition else { continue };
        let TypeKind::Object(object) = &ty.node.kind else { continue };
        for field in &object.fields {
            for argument in &field.node.arguments {
                let argument = &argument.node;
                let start = Input {
                    owner: ty.node.name.node.to_string(),
                    field: field.node.name.node.to_string(),
                    argument: argument.name.node.to_string(),
                    argument_type: argument.ty.node.to_string(),
                    path: Vec::new(),
                    ty: argument.ty.node.clone(),
                    description: argument.description.as_ref().map(|d| d.node.clone()),
                };
                collect(&objects, start, &mut found, 0);
            }
        }
    }
    found
}

fn collect(
    objects: &std::collections::HashMap<String, Vec<InputValueDefinition>>,
    input: Input,
    found: &mut Vec<Input>,
    depth: usize,
) {
    let (name, list) = base(&input.ty);
    if let Some(fields) = objects.get(&name) {
        if list {
            found.push(input.clone());
        }
        if depth < 3 {
            for field in fields {
                let mut inner = input.clone();
                inner.path.push((field.name.node.to_string(), list));
                inner.ty = field.ty.node.clone();
                inner.description = field.description.as_ref().map(|d| d.node.clone());
                collect(objects, inner, found, depth + 1);
            }
        }
        return;
    }
    if list || matches!(name.as_str(), "String" | "ID" | "Date" | "DateTime" | "UUID" | "JSON") {
        found.push(input);
    }
}

/// Every `String` input states its maximum length in its description, and
/// every list its maximum count: the declaration the server enforces.
#[test]
fn every_input_declares_its_maximum() {
    let missing: Vec<String> = inputs()
        .into_iter()
        .filter_map(|input| {
            let (name, list) = base(&input.ty);
            let declared = declared_maximum(input.description.as_deref());
            let place = format!("{}.{}({})", input.owner, input.field, input.name());
            if list && declared.items.is_none() {
                Some(format!("{place}: no \"At most N items\""))
            } else if name == "String" && declared.chars.is_none() {
                Some(format!("{place}: no \"At most N characters\""))
            } else {
                None
            }
        })
        .collect();
    assert!(missing.is_empty(), "inputs without a declared maximum:\n{}", missing.join("\n"));
}

/// What an oversized, and an at-most, value of `input` are.
fn values(input: &Input) -> Vec<(Value, bool)> {
    let (name, list) = base(&input.ty);
    let declared = declared_maximum(input.description.as_deref());
    if list {
        let max = declared.items.unwrap();
        let item = match name.as_str() {
            "String" | "ID" => json!("00000000-0000-4000-8000-000000000000"),
            "Int" => json!(1),
            "Boolean" => json!(true),
            _ if input_objects(&sdl_definitions()).contains_key(&name) => json!({}),
            _ => json!("00000000-0000-4000-8000-000000000000"),
        };
        return vec![(Value::Array(vec![item.clone(); max + 1]), true), (Value::Array(vec![item; max]), false)];
    }
    let max = declared.chars.unwrap_or(SCALAR_MAX_CHARS);
    // Two-byte letters: the bound counts characters, not bytes.
    vec![
        (json!("ư".repeat(max + 1)), true),
        (json!("a".repeat((max + 1).max(100_000))), true),
        (json!("ư".repeat(max)), false),
    ]
}

/// Whether the response refuses `input` for its bound.
fn refused_for_bound(response: &Value, input: &Input) -> bool {
    let messages = &response["errors"][0]["extensions"]["fields"][input.name()];
    error_code(response) == "BAD_USER_INPUT"
        && messages.as_array().is_some_and(|m| m.iter().any(|m| m.as_str().unwrap_or_default().contains("at most")))
}

#[tokio::test]
async fn every_input_over_its_maximum_is_refused_and_the_server_goes_on() {
    on_each_database(|app| async move {
        let inputs = inputs();
        assert!(inputs.len() > 40, "the schema has many bounded inputs: {}", inputs.len());
        let mut wrong = Vec::new();
        for input in &inputs {
            for (value, oversized) in values(input) {
                let body = json!({ "query": input.document(), "variables": { "v": value } });
                let response = app.post_graphql(None, &body).await;
                if refused_for_bound(&response, input) != oversized {
                    wrong.push(format!(
                        "{}.{}({}) oversized={oversized}: {}",
                        input.owner,
                        input.field,
                        input.name(),
                        &response.to_string().chars().take(300).collect::<String>()
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{} inputs not bounded as declared:\n{}", wrong.len(), wrong.join("\n"));
        assert_eq!(app.get("/healthz").await.status(), 200);
    })
    .await;
}

/// Literals in the document are held to the same bounds as variables.
#[tokio::test]
async fn literal_values_are_bounded_like_variables() {
    on_each_database(|app| async move {
        let long = "a ".repeat(20_000);
        let response = app
            .query(&format!("{{ contents(filter: {{ search: \"{long}\" }}) {{ edges {{ cursor }} }} }}"), json!({}))
            .await;
        assert_code(&response, "BAD_USER_INPUT");
        assert!(response["errors"][0]["extensions"]["fields"]["search"].is_array(), "{response}");
        // At most 8 words, built as one flat condition.
        let search = "query($s: String) { contents(filter: { search: $s }) { edges { cursor } } }";
        let eight = app.query(search, json!({ "s": "a b c d e f g h" })).await;
        assert!(eight["errors"].is_null(), "{eight}");
        let nine = app.query(search, json!({ "s": "a b c d e f g h i" })).await;
        assert_code(&nine, "BAD_USER_INPUT");
        assert!(nine["errors"][0]["extensions"]["fields"]["search"].is_array(), "{nine}");
        // A variable's default counts as its value.
        let defaulted = format!(
            "query($s: String = \"{}\") {{ contents(filter: {{ search: $s }}) {{ edges {{ cursor }} }} }}",
            "b".repeat(101)
        );
        assert_code(&app.query(&defaulted, json!({})).await, "BAD_USER_INPUT");
        assert_eq!(app.get("/healthz").await.status(), 200);
    })
    .await;
}
