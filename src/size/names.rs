//! Demangled symbol names: the crate a path names, and the generic function an instantiation
//! belongs to (`Vec<T>::push` over every `T`).

/// Crates that ship with the toolchain; shown as one `std` row unless split on request.
pub(crate) const STD_CRATES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "compiler_builtins",
    "panic_unwind",
    "panic_abort",
    "std_detect",
    "unwind",
    "rustc_std_workspace_core",
    "rustc_std_workspace_alloc",
];

/// The demangled name without its hash (`core::fmt::write`), or `None` for a non-Rust symbol.
pub(crate) fn demangle(name: &str) -> Option<String> {
    rustc_demangle::try_demangle(name)
        .ok()
        .map(|d| format!("{d:#}"))
}

/// The crate a demangled path belongs to. For `<Type as Trait>::f` that is the type's crate,
/// unless the type is the toolchain's or a primitive: then the trait's (the impl lives there).
pub(crate) fn crate_of_path(path: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix('<') {
        let inner = &rest[..matching_close(rest)?];
        let (ty, tr) = match split_top_level(inner, " as ") {
            Some((ty, tr)) => (ty, Some(tr)),
            None => (inner, None),
        };
        let ty_crate = crate_of_path(ty.trim_start_matches(['&', '*']).trim_start_matches("mut "));
        let tr_crate = tr.and_then(crate_of_path);
        return match (ty_crate, tr_crate) {
            (Some(t), Some(r)) if STD_CRATES.contains(&t.as_str()) => Some(r),
            (Some(t), _) => Some(t),
            (None, r) => r,
        };
    }
    let first = path.split("::").next()?;
    let ident = first.split(['<', '[', ' ']).next()?;
    let valid = !ident.is_empty()
        && ident.chars().all(|c| c.is_alphanumeric() || c == '_')
        && path.contains("::");
    valid.then(|| ident.to_string())
}

/// The generic function an instantiation belongs to: every `<…>` argument list after a name is
/// dropped (`<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop` → `<alloc::vec::Vec as
/// core::ops::drop::Drop>::drop`, `core::ptr::drop_in_place::<x::Y>` → `core::ptr::drop_in_place`).
pub(crate) fn generic_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        let after_name = out
            .chars()
            .last()
            .is_some_and(|p| p.is_alphanumeric() || p == '_' || p == ':' || p == '}');
        if c == '<' && after_name {
            let mut depth = 1;
            for (_, c) in chars.by_ref() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if out.ends_with("::") {
                out.truncate(out.len() - 2);
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// Index of the `>` that closes an opened `<` (the text starts just after it).
fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at the first `sep` outside any `<…>`.
fn split_top_level<'a>(s: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            _ if depth == 0 && s[i..].starts_with(sep) => {
                return Some((&s[..i], &s[i + sep.len()..]));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_of_paths() {
        let c = |p: &str| crate_of_path(p);
        assert_eq!(c("core::fmt::write").as_deref(), Some("core"));
        assert_eq!(c("textproc::vm::Vm::run").as_deref(), Some("textproc"));
        assert_eq!(
            c("<serde_json::error::Error as core::fmt::Display>::fmt").as_deref(),
            Some("serde_json")
        );
        assert_eq!(
            c("<alloc::vec::Vec<T> as serde::ser::Serialize>::serialize").as_deref(),
            Some("serde")
        );
        assert_eq!(
            c("<u32 as core::fmt::Display>::fmt").as_deref(),
            Some("core")
        );
        assert_eq!(
            c("<&mut a::B as core::fmt::Debug>::fmt").as_deref(),
            Some("a")
        );
        assert_eq!(c("<a::Parser>::parse").as_deref(), Some("a"));
        assert_eq!(c("main"), None);
        assert_eq!(c("memcpy"), None);
    }

    #[test]
    fn instantiations_group_by_their_generic_function() {
        assert_eq!(
            generic_key("<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop"),
            "<alloc::vec::Vec as core::ops::drop::Drop>::drop"
        );
        assert_eq!(
            generic_key("core::ptr::drop_in_place::<a::B<u8>>"),
            "core::ptr::drop_in_place"
        );
        assert_eq!(
            generic_key("core::ptr::drop_in_place<a::B>"),
            "core::ptr::drop_in_place"
        );
        assert_eq!(generic_key("<a::B as c::D>::f"), "<a::B as c::D>::f");
        assert_eq!(generic_key("a::f::{{closure}}"), "a::f::{{closure}}");
        assert_eq!(
            generic_key("<alloc::raw_vec::RawVec<T,A>>::grow_one"),
            "<alloc::raw_vec::RawVec>::grow_one"
        );
    }

    #[test]
    fn demangles_both_schemes_without_hashes() {
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE").as_deref(),
            Some("core::fmt::write")
        );
        assert_eq!(
            demangle("_RNvCs1234_7mycrate3foo").as_deref(),
            Some("mycrate::foo")
        );
        assert_eq!(demangle("memcpy"), None);
    }
}
