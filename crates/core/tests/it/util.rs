//! Reading the vector files: strict accessors that fail loudly on any deviation from the layout
//! (missing key, wrong type, uppercase or unprefixed hex, numbers beyond 2^53).

use std::path::PathBuf;

use alloy_primitives::{Address, B256, Bytes};
use serde_json::Value;

/// `<workspace>/vectors`.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

/// A parsed vector file.
pub fn load(name: &str) -> Value {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `value[key]`, which must exist.
pub fn get<'a>(value: &'a Value, key: &str) -> &'a Value {
    value
        .get(key)
        .unwrap_or_else(|| panic!("missing key {key:?} in {value}"))
}

pub fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    get(value, key)
        .as_array()
        .unwrap_or_else(|| panic!("{key:?} is not an array"))
        .as_slice()
}

/// An integer that JSON numbers hold exactly.
pub fn int(value: &Value, key: &str) -> u64 {
    let n = get(value, key)
        .as_u64()
        .unwrap_or_else(|| panic!("{key:?} is not an unsigned integer"));
    assert!(n < 1 << 53, "{key:?} = {n} is not exact in JSON");
    n
}

/// 0x-prefixed lowercase hex.
pub fn hex_value(value: &Value) -> Bytes {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is not a string"));
    let digits = text
        .strip_prefix("0x")
        .unwrap_or_else(|| panic!("{text} lacks 0x"));
    assert_eq!(digits, digits.to_lowercase(), "{text} is not lowercase");
    assert_eq!(digits.len() % 2, 0, "{text} has an odd number of digits");
    alloy_primitives::hex::decode(digits).unwrap().into()
}

pub fn bytes(value: &Value, key: &str) -> Bytes {
    hex_value(get(value, key))
}

pub fn word_value(value: &Value) -> B256 {
    let bytes = hex_value(value);
    assert_eq!(bytes.len(), 32, "{value} is not 32 bytes");
    B256::from_slice(&bytes)
}

pub fn word(value: &Value, key: &str) -> B256 {
    word_value(get(value, key))
}

pub fn words(value: &Value, key: &str) -> Vec<B256> {
    array(value, key).iter().map(word_value).collect()
}

pub fn address_value(value: &Value) -> Address {
    let bytes = hex_value(value);
    assert_eq!(bytes.len(), 20, "{value} is not 20 bytes");
    Address::from_slice(&bytes)
}
