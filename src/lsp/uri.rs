//! Conversion between `file:` URIs and paths.
//!
//! `lsp-types` 0.97 parses URIs but has no conversion to file paths. Only the `file` scheme with
//! an empty or `localhost` authority names a local file. Other documents, such as an editor's
//! unsaved `untitled:` buffers, have no path, so the server checks their text without one.

use std::path::{Path, PathBuf};

use lsp_types::Uri;

/// The local path that `uri` names, or `None` for other schemes and remote hosts.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let scheme_end = text.find(':')?;
    if !text[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = text[scheme_end + 1..].strip_prefix("//")?;
    let path_start = rest.find('/')?;
    let authority = &rest[..path_start];
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let encoded = &rest[path_start..];
    let encoded = encoded.split(['?', '#']).next().unwrap_or(encoded);
    let decoded = percent_decode(encoded)?;
    Some(PathBuf::from(windows_drive_path(&decoded).unwrap_or(decoded)))
}

/// The `file:` URI of an absolute `path`.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?.replace('\\', "/");
    // A Windows path such as `C:/x` becomes `file:///C:/x`.
    let rooted = if text.starts_with('/') {
        text
    } else {
        format!("/{text}")
    };
    let mut uri = String::from("file://");
    for byte in rooted.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"/-._~:".contains(&byte);
        if keep {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.parse().ok()
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the bytes are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// `C:/x` for the URI path `/C:/x` on Windows; other paths are kept as they are.
fn windows_drive_path(path: &str) -> Option<String> {
    if !cfg!(windows) {
        return None;
    }
    let bytes = path.as_bytes();
    let has_drive = bytes.len() >= 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':';
    has_drive.then(|| path[1..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn to_path_decodes_escapes() {
        let path = to_path(&uri("file:///home/ada/my%20tests/caf%C3%A9.rs")).unwrap();
        assert_eq!(path, PathBuf::from("/home/ada/my tests/café.rs"));
    }

    #[test]
    fn to_path_accepts_localhost() {
        assert_eq!(
            to_path(&uri("file://localhost/tmp/a.rs")),
            Some(PathBuf::from("/tmp/a.rs"))
        );
    }

    #[test]
    fn to_path_rejects_other_schemes_and_hosts() {
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(to_path(&uri("file://server/share/a.rs")), None);
    }

    #[test]
    fn percent_decode_rejects_malformed_escapes() {
        assert_eq!(percent_decode("/a%zz.rs"), None);
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/a%FF.rs"), None);
    }

    #[test]
    fn from_path_round_trips() {
        let path = Path::new("/home/ada/my tests/café #1.rs");
        let uri = from_path(path).unwrap();
        assert_eq!(uri.as_str(), "file:///home/ada/my%20tests/caf%C3%A9%20%231.rs");
        assert_eq!(to_path(&uri).unwrap(), path);
    }
}
