//! Every key `[package.metadata.tune]` accepts, per table, read from the serde definitions
//! themselves (so a new field is listed without a second list to keep in step).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};

use super::{LoadConfig, TuneConfig, WeightedUrl, WorkloadConfig};

/// One table of the configuration and the keys it accepts, as Cargo.toml spells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigTable {
    /// `package.metadata.tune`, `package.metadata.tune.workload`, … (`workspace.metadata.tune`
    /// takes the same keys).
    pub table: &'static str,
    pub keys: &'static [&'static str],
}

/// The tables in the order a reader meets them: the tune table, a workload, its load, a
/// weighted URL of the load.
pub fn config_tables() -> Vec<ConfigTable> {
    vec![
        ConfigTable {
            table: "package.metadata.tune",
            keys: fields_of::<TuneConfig<WorkloadConfig>>(),
        },
        ConfigTable {
            table: "package.metadata.tune.workload",
            keys: fields_of::<WorkloadConfig>(),
        },
        ConfigTable {
            table: "package.metadata.tune.workload.load",
            keys: fields_of::<LoadConfig>(),
        },
        ConfigTable {
            table: "package.metadata.tune.workload.load.urls",
            keys: fields_of::<WeightedUrl>(),
        },
    ]
}

/// The field names serde's derive hands to `deserialize_struct` (after `rename_all`).
fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldCatcher) {
        Err(Caught(Some(fields))) => fields,
        _ => panic!(
            "{} is not deserialized as a plain struct (a `flatten` field?): list its keys by hand",
            std::any::type_name::<T>()
        ),
    }
}

/// A deserializer that stops at the first struct and reports its fields.
struct FieldCatcher;

#[derive(Debug)]
struct Caught(Option<&'static [&'static str]>);

impl fmt::Display for Caught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names caught")
    }
}

impl std::error::Error for Caught {}

impl de::Error for Caught {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Caught(None)
    }
}

impl<'de> de::Deserializer<'de> for FieldCatcher {
    type Error = Caught;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Caught> {
        Err(Caught(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Caught> {
        Err(Caught(Some(fields)))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_spelled_as_in_cargo_toml() {
        let tables = config_tables();
        let tune = &tables[0];
        assert!(tune.keys.contains(&"max-compile-time"), "{tune:?}");
        assert!(tune.keys.contains(&"workload"), "{tune:?}");
        assert!(tables[1].keys.contains(&"allow-failure"), "{:?}", tables[1]);
        assert!(tables[2].keys.contains(&"rate"), "{:?}", tables[2]);
        assert_eq!(tables[3].keys, ["url", "weight", "method", "body"]);
    }
}
