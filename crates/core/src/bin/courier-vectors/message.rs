//! `message.json`: messages covering the edges of every header field (empty, word-sized, odd and
//! long bodies; maximal nonce; chain ids above 2^32; a recipient that is not an address).

use alloy_primitives::{Address, B256, address};
use courier_core::Message;
use eyre::Result;
use serde::Serialize;

use crate::hex::hex;

#[derive(Serialize)]
pub(crate) struct File {
    count: usize,
    messages: Vec<Vector>,
}

#[derive(Serialize)]
struct Vector {
    version: u8,
    nonce: u32,
    origin: u64,
    sender: String,
    destination: u64,
    recipient: String,
    body: String,
    encoded: String,
    id: String,
}

/// The largest integer a JSON number holds exactly (2^53 - 1): the largest domain in the vectors.
const MAX_JSON_INT: u64 = (1 << 53) - 1;
const PALM: u64 = 11_297_108_109;
const SENDER: Address = address!("0x1111111111111111111111111111111111111111");
const RECIPIENT: Address = address!("0x2222222222222222222222222222222222222222");

pub(crate) fn vectors() -> Result<File> {
    let counting = |len: usize| (0..len).map(|i| i as u8).collect::<Vec<u8>>();
    let mut messages = vec![
        // Empty body: the encoding is exactly the header.
        Message::new(0, 1, SENDER, 56, RECIPIENT, Vec::new()),
        // Ethereum mainnet to BNB Chain with a short text body.
        Message::new(1, 1, SENDER, 56, RECIPIENT, b"hello, courier".to_vec()),
        // One full word of body.
        Message::new(2, 1, SENDER, 10, RECIPIENT, counting(32)),
        // A word and a byte: not word-aligned.
        Message::new(3, 10, SENDER, 1, RECIPIENT, counting(33)),
        // Long body, several words, not aligned.
        Message::new(4, 56, SENDER, 137, RECIPIENT, counting(300)),
        // Largest nonce the field holds.
        Message::new(
            u32::MAX,
            8453,
            SENDER,
            42161,
            RECIPIENT,
            b"max nonce".to_vec(),
        ),
        // Origin above 2^32 (Palm).
        Message::new(7, PALM, SENDER, 1, RECIPIENT, b"from palm".to_vec()),
        // Destination above 2^32.
        Message::new(8, 1, SENDER, PALM, RECIPIENT, b"to palm".to_vec()),
        // Largest domains a JSON number holds exactly.
        Message::new(
            9,
            MAX_JSON_INT,
            SENDER,
            MAX_JSON_INT - 1,
            RECIPIENT,
            vec![0xff],
        ),
        // Zero addresses.
        Message::new(10, 31337, Address::ZERO, 31338, Address::ZERO, vec![0x00]),
    ];
    // Full 32-byte sender and recipient: encodes fine, but the recipient is no EVM address and a
    // destination Mailbox refuses it.
    messages.push(Message {
        sender: B256::repeat_byte(0xab),
        recipient: B256::repeat_byte(0xcd),
        ..Message::new(11, 31337, SENDER, 31338, RECIPIENT, b"wide".to_vec())
    });
    let messages: Vec<Vector> = messages
        .into_iter()
        .map(|m| Vector {
            version: m.version,
            nonce: m.nonce,
            origin: m.origin,
            sender: hex(m.sender),
            destination: m.destination,
            recipient: hex(m.recipient),
            body: hex(&m.body),
            encoded: hex(m.encode()),
            id: hex(m.id()),
        })
        .collect();
    Ok(File {
        count: messages.len(),
        messages,
    })
}
