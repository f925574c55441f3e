//! Parsed documents kept by their text. Clients send the same few documents
//! again and again (the app's queries, with variables), and parsing one was
//! a tenth of the server's instructions for a page of twenty items; a copy
//! of the parsed document costs a small part of that (docs/measurements.md).
//! Parsing does not depend on the variables, the operation name or the
//! caller, so one parse serves every request with the same text; the
//! document checks and execution still run for each request.
//!
//! A parsed document takes up to about a hundred times its text, so what is
//! kept is bounded by the texts' total size as well as their number, and
//! only a document that ran without an error is kept: one the checks or
//! validation refuse never takes room.
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// At most this many documents are kept…
pub const KEPT_DOCUMENTS: usize = 256;
/// …each of at most this many bytes of text (longer ones are parsed each time)…
pub const KEPT_TEXT_BYTES: usize = 4096;
/// …and of at most this many bytes of text together; the oldest kept goes first.
pub const KEPT_TEXT_BYTES_IN_ALL: usize = 256 * 1024;

#[derive(Default)]
pub struct ParsedDocuments {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    documents: HashMap<Arc<str>, Arc<ExecutableDocument>>,
    /// The kept texts, oldest first.
    order: VecDeque<Arc<str>>,
    text_bytes: usize,
}

/// A document parsed for a request, to keep if the request runs well.
pub struct Candidate {
    text: Arc<str>,
    document: Arc<ExecutableDocument>,
}

impl ParsedDocuments {
    /// Gives `request` a copy of its parsed document when one is kept for
    /// its text; otherwise the request parses its text when first asked.
    pub fn parse(&self, request: &mut Request) {
        let kept = self.kept.lock().ok().and_then(|kept| kept.documents.get(request.query.as_str()).cloned());
        if let Some(document) = kept {
            request.set_parsed_query(ExecutableDocument::clone(&document));
        }
    }

    /// The request's parsed document, when it is one worth keeping and not
    /// kept yet (a copy is made for it).
    pub fn candidate(&self, request: &mut Request) -> Option<Candidate> {
        if request.query.len() > KEPT_TEXT_BYTES || self.keeps(&request.query) {
            return None;
        }
        let text: Arc<str> = request.query.as_str().into();
        let document = Arc::new(request.parsed_query().ok()?.clone());
        Some(Candidate { text, document })
    }

    /// Keeps a candidate whose request ran without an error, making room
    /// by dropping the oldest kept.
    pub fn keep(&self, candidate: Candidate) {
        let Ok(mut kept) = self.kept.lock() else { return };
        if kept.documents.contains_key(&candidate.text) {
            return;
        }
        while kept.documents.len() >= KEPT_DOCUMENTS || kept.text_bytes + candidate.text.len() > KEPT_TEXT_BYTES_IN_ALL
        {
            let Some(oldest) = kept.order.pop_front() else { break };
            kept.documents.remove(&oldest);
            kept.text_bytes -= oldest.len();
        }
        kept.text_bytes += candidate.text.len();
        kept.order.push_back(candidate.text.clone());
        kept.documents.insert(candidate.text, candidate.document);
    }

    fn keeps(&self, text: &str) -> bool {
        self.kept.lock().is_ok_and(|kept| kept.documents.contains_key(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(documents: &ParsedDocuments, text: &str, ran_well: bool) -> Request {
        let mut request = Request::new(text);
        documents.parse(&mut request);
        if let Some(candidate) = documents.candidate(&mut request).filter(|_| ran_well) {
            documents.keep(candidate);
        }
        request
    }

    #[test]
    fn a_document_that_ran_well_serves_the_next_request_with_its_text() {
        let documents = ParsedDocuments::default();
        let mut first = run(&documents, "{ a: __typename }", true);
        assert!(documents.keeps("{ a: __typename }"));
        let mut again = run(&documents, "{ a: __typename }", true);
        assert_eq!(format!("{:?}", again.parsed_query().ok()), format!("{:?}", first.parsed_query().ok()));
        run(&documents, "{ b: __typename }", false);
        assert!(!documents.keeps("{ b: __typename }"), "a request that failed keeps nothing");
        run(&documents, "{ a: ", true);
        assert!(!documents.keeps("{ a: "), "nor does a text that does not parse");
        let long = format!("{{ a: __typename }}{}", " ".repeat(KEPT_TEXT_BYTES));
        let mut request = run(&documents, &long, true);
        assert!(request.parsed_query().is_ok(), "a long text is parsed, when asked");
        assert!(!documents.keeps(&long), "and not kept");
    }

    #[test]
    fn what_is_kept_is_bounded_in_number_and_in_bytes_and_the_oldest_goes_first() {
        let documents = ParsedDocuments::default();
        for n in 0..KEPT_DOCUMENTS + 10 {
            run(&documents, &format!("{{ a{n}: __typename }}"), true);
        }
        let count = |documents: &ParsedDocuments| documents.kept.lock().map(|kept| kept.documents.len()).unwrap();
        assert_eq!(count(&documents), KEPT_DOCUMENTS);
        assert!(!documents.keeps("{ a0: __typename }") && documents.keeps("{ a265: __typename }"));

        let documents = ParsedDocuments::default();
        let padded = |n: usize| format!("{{ a{n}: __typename }}{}", " ".repeat(KEPT_TEXT_BYTES - 30));
        for n in 0..100 {
            run(&documents, &padded(n), true);
        }
        let bytes = documents.kept.lock().map(|kept| kept.text_bytes).unwrap();
        assert!(bytes <= KEPT_TEXT_BYTES_IN_ALL, "{bytes}");
        assert!(count(&documents) < 100 && documents.keeps(&padded(99)) && !documents.keeps(&padded(0)));
    }
}
