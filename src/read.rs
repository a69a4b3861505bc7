//! Reading one source file for checking: the size limit, the prefilter and the text encoding.
//!
//! A file that cannot hold a finding (it contains none of the rules' trigger words) is dropped
//! silently, whatever its encoding or size. A file that might hold one but cannot be checked is
//! reported with the reason, and is never written.

use std::path::Path;

use crate::language::Language;
use crate::walk::Prefilter;

/// The largest file that mockfix parses. On a 20 MB generated file, parsing took about 100 bytes
/// of memory per byte of source, and each double adds passes over the whole file, so a file of
/// tens of megabytes would take minutes and gigabytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The outcome of reading a file.
#[derive(Debug)]
pub enum SourceText {
    /// The file contains none of the trigger words, so it cannot hold a finding.
    NotCandidate,
    /// The file's text, after a UTF-8 byte order mark, with the bytes as read.
    Text { bytes: Vec<u8>, bom: bool, text: String },
    /// The file might hold a finding but cannot be checked, for the reason given.
    Unchecked(String),
}

/// Reads the file at `path`, a source file of `language`, and decides whether and how it can be
/// checked.
pub fn read_source(path: &Path, prefilter: &Prefilter, language: Language) -> SourceText {
    let size = match std::fs::metadata(path) {
        Ok(metadata) => metadata.len(),
        Err(err) => return SourceText::Unchecked(format!("cannot read: {err}")),
    };
    if size > MAX_FILE_BYTES {
        let candidate = std::fs::File::open(path)
            .and_then(|file| prefilter.is_candidate_stream(std::io::BufReader::new(file), language));
        return match candidate {
            Ok(false) => SourceText::NotCandidate,
            Ok(true) => SourceText::Unchecked(format!(
                "the file is {:.1} MiB, larger than the {} MiB that mockfix checks, so it was skipped and left unchanged; if it is generated code, list it in a .ignore file",
                size as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            )),
            Err(err) => SourceText::Unchecked(format!("cannot read: {err}")),
        };
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => return SourceText::Unchecked(format!("cannot read: {err}")),
    };
    decode(bytes, prefilter, language)
}

fn decode(bytes: Vec<u8>, prefilter: &Prefilter, language: Language) -> SourceText {
    if let Some((order, units)) = utf16_units(&bytes) {
        let text = String::from_utf16_lossy(&units);
        if !prefilter.is_candidate(text.as_bytes(), language) {
            return SourceText::NotCandidate;
        }
        return SourceText::Unchecked(format!(
            "the file is encoded as UTF-16 ({order}), and Rust source must be UTF-8; the file was skipped and left unchanged"
        ));
    }
    if !prefilter.is_candidate(&bytes, language) {
        return SourceText::NotCandidate;
    }
    if let Some(at) = memchr::memchr(0, &bytes) {
        return SourceText::Unchecked(format!(
            "the file contains binary data (a NUL byte at offset {at}), not Rust source; the file was skipped and left unchanged"
        ));
    }
    match decode_utf8(&bytes) {
        Ok((bom, text)) => {
            let text = text.to_string();
            SourceText::Text { bytes, bom, text }
        }
        Err(message) => SourceText::Unchecked(message),
    }
}

/// Decodes `bytes` as UTF-8 after an optional byte order mark, and returns whether there was
/// one, or the message for a file that is not valid UTF-8.
pub(crate) fn decode_utf8(bytes: &[u8]) -> Result<(bool, &str), String> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    std::str::from_utf8(body).map(|text| (bom, text)).map_err(|err| {
        format!(
            "not valid UTF-8 (invalid byte at offset {}); the file was skipped and left unchanged",
            err.valid_up_to() + if bom { 3 } else { 0 }
        )
    })
}

/// Decodes the UTF-16 code units of a file that starts with a UTF-16 byte order mark, and names
/// the byte order.
fn utf16_units(bytes: &[u8]) -> Option<(&'static str, Vec<u16>)> {
    let (order, body, from_bytes): (_, _, fn([u8; 2]) -> u16) = match bytes {
        [0xFF, 0xFE, rest @ ..] => ("little-endian, byte order mark FF FE", rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => ("big-endian, byte order mark FE FF", rest, u16::from_be_bytes),
        _ => return None,
    };
    let units = body
        .chunks_exact(2)
        .map(|pair| from_bytes([pair[0], pair[1]]))
        .collect();
    Some((order, units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefilter() -> Prefilter {
        Prefilter::new(&crate::config::RuleSet::builtin())
    }

    fn decode(bytes: Vec<u8>, prefilter: &Prefilter) -> SourceText {
        super::decode(bytes, prefilter, Language::Rust)
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut bytes = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
        for unit in text.encode_utf16() {
            let pair = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        bytes
    }

    #[test]
    fn utf16_candidates_are_reported_by_byte_order() {
        for (big_endian, order) in [(false, "FF FE"), (true, "FE FF")] {
            match decode(utf16("struct MockA { a: RefCell<u8> }", big_endian), &prefilter()) {
                SourceText::Unchecked(reason) => {
                    assert!(reason.contains("UTF-16"), "{reason}");
                    assert!(reason.contains(order), "{reason}");
                }
                other => panic!("expected a reason, got {other:?}"),
            }
        }
    }

    #[test]
    fn utf16_without_trigger_words_is_not_candidate() {
        assert!(matches!(
            decode(utf16("fn main() {}", false), &prefilter()),
            SourceText::NotCandidate
        ));
    }

    #[test]
    fn binary_data_is_reported() {
        let bytes = b"struct MockA { a: RefCell<u8> }\x00\x01\x02".to_vec();
        match decode(bytes, &prefilter()) {
            SourceText::Unchecked(reason) => assert!(reason.contains("binary data"), "{reason}"),
            other => panic!("expected a reason, got {other:?}"),
        }
    }

    #[test]
    fn byte_order_mark_is_stripped_and_remembered() {
        match decode(b"\xEF\xBB\xBFstruct MockA { a: RefCell<u8> }".to_vec(), &prefilter()) {
            SourceText::Text { bom, text, bytes } => {
                assert!(bom);
                assert_eq!(text, "struct MockA { a: RefCell<u8> }");
                assert_eq!(bytes.len(), text.len() + 3);
            }
            other => panic!("expected text, got {other:?}"),
        }
    }

    #[test]
    fn empty_file_is_not_candidate() {
        assert!(matches!(decode(Vec::new(), &prefilter()), SourceText::NotCandidate));
    }
}
