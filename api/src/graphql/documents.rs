//! Parsed documents kept by their text. Clients send the same few documents
//! again and again (the app's queries, with variables), and parsing one was
//! a tenth of the server's instructions for a page of twenty items; a copy
//! of the parsed document costs a small part of that (docs/measurements.md).
//! Parsing does not depend on the variables, the operation name or the
//! caller, so one parse serves every request with the same text; the
//! document checks and execution still run for each request.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// At most this many documents are kept (one is dropped to keep a new one)…
pub const KEPT_DOCUMENTS: usize = 256;
/// …each of at most this many bytes of text; longer ones are parsed each time.
pub const KEPT_TEXT_BYTES: usize = 4096;

#[derive(Default)]
pub struct ParsedDocuments {
    kept: Mutex<HashMap<Box<str>, Arc<ExecutableDocument>>>,
}

impl ParsedDocuments {
    /// Gives `request` its parsed document, from those kept or parsed now
    /// and kept. A document that does not parse is left in the request's
    /// text, for async-graphql to say where it fails.
    pub fn parse(&self, request: &mut Request) {
        if request.query.len() > KEPT_TEXT_BYTES {
            return;
        }
        let kept = self.kept.lock().ok().and_then(|kept| kept.get(request.query.as_str()).cloned());
        if let Some(document) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
            return;
        }
        let Ok(document) = request.parsed_query() else { return };
        let document = Arc::new(document.clone());
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= KEPT_DOCUMENTS {
                // Which one goes does not matter much: a text sent often
                // is soon kept again.
                if let Some(text) = kept.keys().next().cloned() {
                    kept.remove(&text);
                }
            }
            kept.insert(request.query.as_str().into(), document);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().map_or(0, |kept| kept.len())
    }

    #[cfg(test)]
    fn keeps(&self, text: &str) -> bool {
        self.kept.lock().is_ok_and(|kept| kept.contains_key(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_document_serves_the_next_request_and_the_store_stays_bounded() {
        let documents = ParsedDocuments::default();
        let mut first = Request::new("{ a: __typename }");
        documents.parse(&mut first);
        let mut again = Request::new("{ a: __typename }");
        documents.parse(&mut again);
        assert_eq!(documents.len(), 1);
        assert_eq!(
            format!("{:?}", again.parsed_query().ok()),
            format!("{:?}", first.parsed_query().ok()),
            "the same document"
        );

        for n in 0..KEPT_DOCUMENTS + 10 {
            documents.parse(&mut Request::new(format!("{{ a{n}: __typename }}")));
        }
        assert_eq!(documents.len(), KEPT_DOCUMENTS);

        let long = format!("{{ a: __typename }}{}", " ".repeat(KEPT_TEXT_BYTES));
        let mut request = Request::new(long.clone());
        documents.parse(&mut request);
        assert!(request.parsed_query().is_ok(), "still parsed, when asked");
        assert!(!documents.keeps(&long), "a long text is not kept");
        let mut broken = Request::new("{ a: ");
        documents.parse(&mut broken);
        assert!(broken.parsed_query().is_err());
        assert!(!documents.keeps("{ a: "), "nor one that does not parse");
        assert!(documents.keeps("{ a1: __typename }") || documents.keeps("{ a2: __typename }"), "recent ones are");
    }
}
