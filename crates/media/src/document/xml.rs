//! A namespace-aware walk over one XML part of an office file (or of a 3MF package, for
//! `model3d`), with quick-xml.
//!
//! Names are matched by namespace URI and local name, never by prefix: `w:`, `dc:` and
//! `text:` are only conventions, and a producer may bind other prefixes.
//! Entity references are resolved for the five XML entities and character references only;
//! a DTD's own entities are never expanded, so entity-expansion bombs do nothing.

use std::io::BufRead;
use std::ops::ControlFlow;

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceResolver, QName, ResolveResult};
use quick_xml::{NsReader, XmlVersion};

/// Dublin Core elements: `dc:title`, `dc:creator` (OOXML core properties and ODF meta).
pub(super) const DC: &str = "http://purl.org/dc/elements/1.1/";

/// What the walk reports, in document order.
pub(crate) enum Visit<'a> {
    /// An element starts (an empty element is an `Open` followed by a `Close`).
    Open(Element<'a>),
    /// Character data, with references resolved, possibly in several pieces.
    Text(&'a str),
    /// An element ends.
    Close(Name<'a>),
}

/// An element's namespace URI (empty when unbound) and local name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Name<'a> {
    pub ns: &'a str,
    pub local: &'a str,
}

impl Name<'_> {
    /// Whether this is `local` in namespace `ns`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

/// A start tag, for reading its name and attributes.
pub(crate) struct Element<'a> {
    pub name: Name<'a>,
    start: &'a BytesStart<'a>,
    resolver: &'a NamespaceResolver,
}

impl Element<'_> {
    /// The value of attribute `local` in namespace `ns`, if present and well-formed.
    pub fn attribute(&self, ns: &str, local: &str) -> Option<String> {
        self.start.attributes().flatten().find_map(|attribute| {
            let (bound, name) = self.resolver.resolve_attribute(attribute.key);
            (namespace(&bound) == ns && name.as_ref() == local)
                .then(|| attribute.normalized_value(XmlVersion::Implicit1_0).ok())
                .flatten()
                .map(|v| v.into_owned())
        })
    }
}

/// Reads `source` to its end, or until `visit` breaks.
///
/// Errors: the parser's, for XML that is not well-formed (end tags are checked), and the
/// source's, e.g. a part that inflates beyond its bound.
pub(crate) fn walk<R: BufRead>(
    source: R,
    mut visit: impl FnMut(Visit<'_>) -> ControlFlow<()>,
) -> Result<(), quick_xml::Error> {
    let mut reader = NsReader::from_reader(source);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf)?;
        let resolver = reader.resolver();
        let flow = match &event {
            Event::Start(start) | Event::Empty(start) => {
                let name = resolve(resolver, start.name());
                let flow = visit(Visit::Open(Element {
                    name,
                    start,
                    resolver,
                }));
                if matches!(event, Event::Empty(_)) && flow.is_continue() {
                    visit(Visit::Close(name))
                } else {
                    flow
                }
            }
            Event::End(end) => visit(Visit::Close(resolve(resolver, end.name()))),
            Event::Text(text) => visit(Visit::Text(&text.xml10_content())),
            Event::CData(data) => visit(Visit::Text(&data.xml10_content())),
            Event::GeneralRef(reference) => {
                let mut utf8 = [0; 4];
                let resolved = match reference.resolve_char_ref()? {
                    Some(c) => Some(&*c.encode_utf8(&mut utf8)),
                    None => resolve_xml_entity(reference),
                };
                match resolved {
                    Some(text) => visit(Visit::Text(text)),
                    None => ControlFlow::Continue(()),
                }
            }
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {
                ControlFlow::Continue(())
            }
        };
        if flow.is_break() {
            return Ok(());
        }
    }
}

fn resolve<'a>(resolver: &'a NamespaceResolver, qname: QName<'a>) -> Name<'a> {
    let (bound, local) = resolver.resolve_element(qname);
    Name {
        ns: namespace(&bound),
        local: local.into_inner(),
    }
}

fn namespace<'a>(bound: &ResolveResult<'a>) -> &'a str {
    match bound {
        ResolveResult::Bound(ns) => ns.into_inner(),
        ResolveResult::Unbound | ResolveResult::Unknown(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(xml: &str) -> Vec<String> {
        let mut seen = Vec::new();
        walk(xml.as_bytes(), |visit| {
            seen.push(match visit {
                Visit::Open(e) => format!(
                    "<{}|{} a={:?}",
                    e.name.ns,
                    e.name.local,
                    e.attribute("urn:x", "a")
                ),
                Visit::Text(t) => t.to_owned(),
                Visit::Close(n) => format!(">{}", n.local),
            });
            ControlFlow::Continue(())
        })
        .map(|()| seen)
        .unwrap_or_else(|e| vec![format!("error: {e}")])
    }

    #[test]
    fn names_resolve_by_namespace_not_prefix() {
        assert_eq!(
            events(r#"<q:r xmlns:q="urn:x" q:a="1" a="2"><t>x&amp;&#233;</t><q:e/></q:r>"#),
            [
                "<urn:x|r a=Some(\"1\")",
                "<|t a=None",
                "x",
                "&",
                "é",
                ">t",
                "<urn:x|e a=None",
                ">e",
                ">r"
            ]
        );
    }

    #[test]
    fn dtd_entities_are_not_expanded_and_bad_xml_fails() {
        let bomb = r#"<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>"#;
        assert_eq!(events(bomb), ["<|d a=None", ">d"]);
        assert!(events("<a><b></a>")[0].starts_with("error"));
    }
}
