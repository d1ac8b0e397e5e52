//! `vectors/message.json` against `courier_core::message`.

use alloy_primitives::keccak256;
use courier_core::{HEADER_LEN, Message, VERSION};

use crate::util::{array, bytes, int, load, word};

#[test]
fn every_message_encodes_decodes_and_hashes() {
    let file = load("message.json");
    let messages = array(&file, "messages");
    assert_eq!(int(&file, "count") as usize, messages.len());
    assert!(messages.len() >= 8);
    for (i, v) in messages.iter().enumerate() {
        let message = Message {
            version: int(v, "version") as u8,
            nonce: u32::try_from(int(v, "nonce")).unwrap(),
            origin: int(v, "origin"),
            sender: word(v, "sender"),
            destination: int(v, "destination"),
            recipient: word(v, "recipient"),
            body: bytes(v, "body"),
        };
        let encoded = bytes(v, "encoded");
        assert_eq!(message.version, VERSION, "message {i}");
        assert_eq!(message.encode(), encoded.to_vec(), "message {i}: encoding");
        assert_eq!(
            encoded.len(),
            HEADER_LEN + message.body.len(),
            "message {i}: length"
        );
        assert_eq!(
            Message::decode(&encoded).unwrap(),
            message,
            "message {i}: decoding"
        );
        assert_eq!(message.id(), word(v, "id"), "message {i}: id");
        assert_eq!(
            keccak256(&encoded),
            word(v, "id"),
            "message {i}: id is keccak of encoding"
        );
    }
}

#[test]
fn the_edge_cases_are_covered() {
    let file = load("message.json");
    let messages: Vec<Message> = array(&file, "messages")
        .iter()
        .map(|v| Message::decode(&bytes(v, "encoded")).unwrap())
        .collect();
    let has = |what: &str, f: &dyn Fn(&Message) -> bool| {
        assert!(messages.iter().any(f), "no vector with {what}");
    };
    has("an empty body", &|m| m.body.is_empty());
    has("a 32-byte body", &|m| m.body.len() == 32);
    has("a 300-byte body", &|m| m.body.len() == 300);
    has("the maximal nonce", &|m| m.nonce == u32::MAX);
    has("origin 11297108109", &|m| m.origin == 11_297_108_109);
    has("mainnet to BNB", &|m| m.origin == 1 && m.destination == 56);
    has("a destination above 2^32", &|m| {
        m.destination > u64::from(u32::MAX)
    });
    has("a recipient that is no address", &|m| {
        m.recipient_address().is_err()
    });
}
