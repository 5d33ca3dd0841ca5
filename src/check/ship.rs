//! The build a project ships, as `check` and `ci` build it: a profile of the project's own
//! (`tuned`, as `auto --apply` writes it) or a preset, with its PGO/BOLT stages.

use anyhow::Result;

use crate::spec::{Candidate, parse_candidates};
use crate::variant::Variant;

/// The candidate for `spec` (`--variant`, else `ship` in [package.metadata.tune]), else the
/// `--profile` as it is. A name that is no preset is read as a profile in Cargo.toml, built as
/// it stands: `tuned+pgo` is `--profile tuned` with PGO.
pub(crate) fn shipped(spec: Option<&str>, profile: &str) -> Result<Candidate> {
    let spec = spec.map(str::trim).filter(|s| !s.is_empty());
    let Some(spec) = spec else {
        return Ok(Candidate::plain(profile, Variant::new(profile, profile)));
    };
    let (mut head, mut pgo, mut bolt) = (spec, false, false);
    loop {
        if let Some(h) = head.strip_suffix("+bolt") {
            (head, bolt) = (h, true);
        } else if let Some(h) = head.strip_suffix("+pgo") {
            (head, pgo) = (h, true);
        } else {
            break;
        }
    }
    let own_profile = !head.is_empty()
        && !head.contains(['=', ',', '+'])
        && !matches!(head, "pgo" | "bolt")
        && crate::presets::find(head).is_none();
    if own_profile {
        return Ok(Candidate {
            config: head.to_string(),
            pgo,
            bolt,
            ..Candidate::plain(spec, Variant::new(head, head))
        });
    }
    let mut all = parse_candidates(&[spec.to_string()], &[], profile)?;
    Ok(all.remove(0))
}

/// `tuned+pgo` → (`tuned`, pgo, bolt): the profile to pass as `--profile` and the stages, when
/// the candidate is a profile as it stands (no settings changed on top).
pub(crate) fn as_profile(c: &Candidate) -> Option<(String, bool, bool)> {
    let plain = Variant::new(&c.variant.base_profile, &c.variant.base_profile);
    (c.variant.hash() == plain.hash()).then(|| (c.variant.base_profile.clone(), c.pgo, c.bolt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_profiles_presets_and_stages() {
        let c = shipped(None, "release").unwrap();
        assert_eq!((c.variant.base_profile.as_str(), c.pgo), ("release", false));
        let c = shipped(Some("tuned+pgo"), "release").unwrap();
        assert_eq!(c.variant.base_profile, "tuned");
        assert!(c.pgo && !c.bolt);
        assert_eq!(as_profile(&c), Some(("tuned".into(), true, false)));
        let c = shipped(Some("release+pgo+bolt"), "release").unwrap();
        assert!(c.pgo && c.bolt);
        assert_eq!(as_profile(&c), Some(("release".into(), true, true)));
        let c = shipped(Some("production"), "release").unwrap();
        assert_eq!(c.variant.base_profile, "release");
        assert_eq!(as_profile(&c), None, "a preset changes settings on top");
        assert!(shipped(Some("+lto"), "release").is_err());
    }
}
