//! A thin txparity adapter in Rust: the payments ledger of `../python/ledger.py`,
//! sequential engine, behind txparity's protocol for external executors (SPEC 8).
//!
//!     cargo build --release --manifest-path examples/adapters/rust/Cargo.toml
//!     txparity check CASE --reference 'cmd:python3 examples/adapters/python/adapter.py --engine sequential' \
//!         --executor cmd:examples/adapters/rust/target/release/ledger-adapter
//!
//! One case per line in, one answer per line out, in order; a blank line gets no
//! answer. Replace `Ledger` and `run_block` with a call into your own executor: the
//! three parts an adapter has stay the same.
//!
//! 1. `block_of` and `ledger_of` map the case onto the executor's own types;
//! 2. `result_of` maps its post-state and outcomes onto the canonical result
//!    (SPEC 7 and 10.5), keys sorted, zero amounts left out;
//! 3. what the executor does not have (contracts) is answered
//!    `{"error":"unsupported: ..."}`, and nothing ever panics or exits: txparity
//!    counts an exit as a crash.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

const NATIVE: &str = "TOS";
const MAX_LEGS: usize = 16;

// ---------------------------------------------------------------- JSON in and out

enum Json {
    Null,
    #[allow(dead_code)] // no field of a case is a boolean, but a JSON line may hold one
    Bool(bool),
    Int(u64),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn parse(text: &'a str) -> Result<Json, String> {
        let mut parser = Parser {
            text: text.as_bytes(),
            at: 0,
        };
        let value = parser.value(0)?;
        parser.space();
        if parser.at != parser.text.len() {
            return Err(format!("unexpected text at byte {}", parser.at));
        }
        Ok(value)
    }

    fn space(&mut self) {
        while self.at < self.text.len() && b" \t\r\n".contains(&self.text[self.at]) {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() != Some(byte) {
            return Err(format!("expected '{}' at byte {}", byte as char, self.at));
        }
        self.at += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 200 {
            return Err("nested too deep".into());
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b'0'..=b'9') => self.integer(),
            _ => self.word(),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.expect(b'{')?;
        let mut fields = BTreeMap::new();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Json::Obj(fields));
        }
        loop {
            self.space();
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            if fields.insert(key.clone(), value).is_some() {
                return Err(format!("key {:?} repeated in one object", key));
            }
            match self.peek() {
                Some(b',') => self.at += 1,
                _ => break,
            }
        }
        self.expect(b'}')?;
        Ok(Json::Obj(fields))
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.at += 1,
                _ => break,
            }
        }
        self.expect(b']')?;
        Ok(Json::Arr(items))
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let mut out: Vec<u8> = Vec::new();
        while let Some(&byte) = self.text.get(self.at) {
            self.at += 1;
            match byte {
                b'"' => return String::from_utf8(out).map_err(|_| "not UTF-8".to_string()),
                b'\\' => {
                    let escape = *self.text.get(self.at).ok_or("unfinished escape")?;
                    self.at += 1;
                    let ch = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode()?,
                        _ => return Err("bad escape".into()),
                    };
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
                _ => out.push(byte),
            }
        }
        Err("unfinished string".into())
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .ok_or("short \\u escape")?;
        self.at += 4;
        let text = std::str::from_utf8(digits).map_err(|_| "bad \\u escape")?;
        u32::from_str_radix(text, 16).map_err(|_| "bad \\u escape".to_string())
    }

    fn unicode(&mut self) -> Result<char, String> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) && self.text[self.at..].starts_with(b"\\u")
        {
            self.at += 2;
            let low = self.hex4()?;
            0x10000 + ((first - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| "bad \\u escape".to_string())
    }

    fn integer(&mut self) -> Result<Json, String> {
        let start = self.at;
        while self.at < self.text.len() && self.text[self.at].is_ascii_digit() {
            self.at += 1;
        }
        if self.at < self.text.len() && b".eE".contains(&self.text[self.at]) {
            return Err(format!("a number at byte {start} is not an integer"));
        }
        let digits = std::str::from_utf8(&self.text[start..self.at]).unwrap_or("");
        digits
            .parse::<u64>()
            .map(Json::Int)
            .map_err(|_| format!("{digits} is not a u64"))
    }

    fn word(&mut self) -> Result<Json, String> {
        for (word, value) in [
            ("true", Json::Bool(true)),
            ("false", Json::Bool(false)),
            ("null", Json::Null),
        ] {
            if self.text[self.at..].starts_with(word.as_bytes()) {
                self.at += word.len();
                return Ok(value);
            }
        }
        Err(format!("unexpected character at byte {}", self.at))
    }
}

fn field<'j>(value: &'j Json, key: &str) -> Result<&'j Json, String> {
    match value {
        Json::Obj(fields) => fields
            .get(key)
            .ok_or_else(|| format!("missing field {key}")),
        _ => Err(format!("not an object where {key} belongs")),
    }
}

fn u64_of(value: &Json) -> Result<u64, String> {
    match value {
        Json::Int(n) => Ok(*n),
        _ => Err("not an integer".into()),
    }
}

fn str_of(value: &Json) -> Result<&str, String> {
    match value {
        Json::Str(text) => Ok(text),
        _ => Err("not a string".into()),
    }
}

fn obj_of(value: &Json) -> Result<&BTreeMap<String, Json>, String> {
    match value {
        Json::Obj(fields) => Ok(fields),
        _ => Err("not an object".into()),
    }
}

fn arr_of(value: &Json) -> Result<&Vec<Json>, String> {
    match value {
        Json::Arr(items) => Ok(items),
        _ => Err("not a list".into()),
    }
}

fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `{"k":v,...}` with the keys in code point order (a `BTreeMap` of UTF-8 strings).
fn object(fields: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{}", quoted(k), v))
        .collect();
    format!("{{{}}}", inner.join(","))
}

// ---------------------------------------------------------------- the executor (replace with yours)

#[derive(Clone, Default)]
struct Wallet {
    seq: u64,
    funds: BTreeMap<String, u64>,
}

enum Tx {
    Payment {
        sender: String,
        seq: u64,
        fee: u64,
        legs: Vec<(String, String, u64)>,
    },
    Burn {
        sender: String,
        seq: u64,
        fee: u64,
        asset: String,
        amount: u64,
    },
}

struct Block {
    producer: String,
    subsidy: u64,
    txs: Vec<Tx>,
    fees_each_tx: bool,
    gas_cap: Option<u64>,
}

struct Ledger {
    wallets: BTreeMap<String, Wallet>,
    burned: BTreeMap<String, u64>,
}

impl Tx {
    fn sender(&self) -> &str {
        match self {
            Tx::Payment { sender, .. } | Tx::Burn { sender, .. } => sender,
        }
    }
    fn seq(&self) -> u64 {
        match self {
            Tx::Payment { seq, .. } | Tx::Burn { seq, .. } => *seq,
        }
    }
    fn fee(&self) -> u64 {
        match self {
            Tx::Payment { fee, .. } | Tx::Burn { fee, .. } => *fee,
        }
    }
    /// (asset, amount, receiver) of each movement; a burn has no receiver.
    fn movements(&self) -> Vec<(String, u64, Option<String>)> {
        match self {
            Tx::Payment { legs, .. } => legs
                .iter()
                .map(|(to, asset, amount)| (asset.clone(), *amount, Some(to.clone())))
                .collect(),
            Tx::Burn { asset, amount, .. } => vec![(asset.clone(), *amount, None)],
        }
    }
}

fn credit(ledger: &mut Ledger, owner: &str, asset: &str, amount: u64) {
    let wallet = ledger.wallets.entry(owner.to_string()).or_default();
    *wallet.funds.entry(asset.to_string()).or_insert(0) += amount;
}

fn debit(ledger: &mut Ledger, owner: &str, asset: &str, amount: u64) {
    if let Some(wallet) = ledger.wallets.get_mut(owner) {
        *wallet.funds.entry(asset.to_string()).or_insert(0) -= amount;
    }
}

/// Why the ledger refuses `tx`, as SPEC names it (5.1 and 10.3), or None.
fn refusal(ledger: &Ledger, tx: &Tx, block: &Block) -> Option<&'static str> {
    if block.gas_cap == Some(0) {
        return Some("block_full"); // payments use no gas: only a cap of 0 is ever full
    }
    let well_formed = tx.seq() < u64::MAX
        && match tx {
            Tx::Payment { legs, .. } => {
                (1..=MAX_LEGS).contains(&legs.len()) && legs.iter().all(|leg| leg.2 >= 1)
            }
            Tx::Burn { amount, .. } => *amount >= 1,
        };
    if !well_formed {
        return Some("malformed");
    }
    let Some(sender) = ledger.wallets.get(tx.sender()) else {
        return Some("unknown_sender");
    };
    if tx.seq() != sender.seq {
        return Some("bad_nonce");
    }
    if tx
        .movements()
        .iter()
        .any(|(_, _, to)| to.as_deref() == Some(tx.sender()))
    {
        return Some("self_transfer");
    }
    let mut needed: BTreeMap<String, u128> = BTreeMap::new();
    *needed.entry(NATIVE.to_string()).or_insert(0) += tx.fee() as u128;
    for (asset, amount, _) in tx.movements() {
        *needed.entry(asset).or_insert(0) += amount as u128;
    }
    let broke = needed
        .iter()
        .any(|(asset, need)| (*sender.funds.get(asset).unwrap_or(&0) as u128) < *need);
    if broke {
        Some("insufficient_funds")
    } else {
        None
    }
}

fn run_block(ledger: &mut Ledger, block: &Block) -> Vec<Option<&'static str>> {
    credit(ledger, &block.producer, NATIVE, block.subsidy);
    let mut owed: u64 = 0;
    let mut outcomes = Vec::new();
    for tx in &block.txs {
        let refused = refusal(ledger, tx, block);
        outcomes.push(refused);
        if refused.is_some() {
            continue;
        }
        if let Some(wallet) = ledger.wallets.get_mut(tx.sender()) {
            wallet.seq += 1;
        }
        for (asset, amount, to) in tx.movements() {
            debit(ledger, tx.sender(), &asset, amount);
            match to {
                Some(to) => credit(ledger, &to, &asset, amount),
                None => *ledger.burned.entry(asset).or_insert(0) += amount,
            }
        }
        debit(ledger, tx.sender(), NATIVE, tx.fee());
        if block.fees_each_tx {
            credit(ledger, &block.producer, NATIVE, tx.fee());
        } else {
            owed += tx.fee();
        }
    }
    credit(ledger, &block.producer, NATIVE, owed);
    outcomes
}

// ---------------------------------------------------------------- the case, as the executor's types

fn ledger_of(case: &Json) -> Result<Ledger, String> {
    let genesis = field(case, "genesis")?;
    if !obj_of(field(genesis, "contracts")?)?.is_empty() {
        return Err("unsupported: genesis contracts: the ledger has no contracts".into());
    }
    let mut wallets = BTreeMap::new();
    for (address, account) in obj_of(field(genesis, "accounts")?)? {
        let mut funds = BTreeMap::new();
        for (asset, amount) in obj_of(field(account, "balances")?)? {
            funds.insert(asset.clone(), u64_of(amount)?);
        }
        wallets.insert(
            address.clone(),
            Wallet {
                seq: u64_of(field(account, "nonce")?)?,
                funds,
            },
        );
    }
    Ok(Ledger {
        wallets,
        burned: BTreeMap::new(),
    })
}

fn block_of(case: &Json) -> Result<Block, String> {
    let block = field(case, "block")?;
    let fields = obj_of(block)?;
    let mut txs = Vec::new();
    for (index, tx) in arr_of(field(block, "txs")?)?.iter().enumerate() {
        txs.push(transaction_of(tx, index)?);
    }
    Ok(Block {
        producer: str_of(field(block, "miner")?)?.to_string(),
        subsidy: u64_of(field(block, "reward")?)?,
        txs,
        fees_each_tx: matches!(fields.get("fee_payment"), Some(Json::Str(s)) if s == "each_tx"),
        gas_cap: fields.get("gas_limit").map(u64_of).transpose()?,
    })
}

fn transaction_of(tx: &Json, index: usize) -> Result<Tx, String> {
    let sender = str_of(field(tx, "source")?)?.to_string();
    let (seq, fee) = (u64_of(field(tx, "nonce")?)?, u64_of(field(tx, "fee")?)?);
    match str_of(field(tx, "kind")?)? {
        "transfer" => {
            let mut legs = Vec::new();
            for output in arr_of(field(tx, "outputs")?)? {
                let to = str_of(field(output, "dest")?)?.to_string();
                let asset = str_of(field(output, "asset")?)?.to_string();
                legs.push((to, asset, u64_of(field(output, "amount")?)?));
            }
            Ok(Tx::Payment {
                sender,
                seq,
                fee,
                legs,
            })
        }
        "burn" => {
            let asset = str_of(field(tx, "asset")?)?.to_string();
            Ok(Tx::Burn {
                sender,
                seq,
                fee,
                asset,
                amount: u64_of(field(tx, "amount")?)?,
            })
        }
        kind => Err(format!(
            "unsupported: block.txs[{index}]: a {kind}: the ledger has no contracts"
        )),
    }
}

// ---------------------------------------------------------------- the executor's answer, as a result

fn amounts(values: &BTreeMap<String, u64>) -> String {
    let kept = values
        .iter()
        .filter(|(_, n)| **n != 0)
        .map(|(k, n)| (k.clone(), n.to_string()));
    object(&kept.collect())
}

fn result_of(ledger: &Ledger, outcomes: &[Option<&'static str>], version: u64) -> String {
    let accounts: BTreeMap<String, String> = ledger
        .wallets
        .iter()
        .map(|(address, wallet)| {
            let fields = BTreeMap::from([
                ("balances".to_string(), amounts(&wallet.funds)),
                ("nonce".to_string(), wallet.seq.to_string()),
            ]);
            (address.clone(), object(&fields))
        })
        .collect();
    let receipts: Vec<String> = outcomes
        .iter()
        .map(|refused| {
            let mut fields = BTreeMap::from([
                ("gas_used".to_string(), "0".to_string()),
                (
                    "reason".to_string(),
                    refused.map_or("null".to_string(), quoted),
                ),
                (
                    "status".to_string(),
                    quoted(if refused.is_some() {
                        "rejected"
                    } else {
                        "applied"
                    }),
                ),
            ]);
            if version == 2 {
                fields.insert("logs".to_string(), "[]".to_string());
            }
            object(&fields)
        })
        .collect();
    let state = BTreeMap::from([
        ("accounts".to_string(), object(&accounts)),
        ("burned".to_string(), amounts(&ledger.burned)),
        ("contracts".to_string(), "{}".to_string()),
    ]);
    object(&BTreeMap::from([
        (
            "format".to_string(),
            quoted(&format!("txparity.result/{version}")),
        ),
        ("receipts".to_string(), format!("[{}]", receipts.join(","))),
        ("state".to_string(), object(&state)),
    ]))
}

// ---------------------------------------------------------------- the protocol

fn answer(line: &str) -> Result<String, String> {
    let case = Parser::parse(line)?;
    let version = match str_of(field(&case, "format")?)? {
        "txparity.case/1" => 1,
        "txparity.case/2" => 2,
        other => {
            return Err(format!(
                "format: not a case format this adapter knows: {other:?}"
            ))
        }
    };
    let (mut ledger, block) = (ledger_of(&case)?, block_of(&case)?);
    let outcomes = run_block(&mut ledger, &block);
    Ok(result_of(&ledger, &outcomes, version))
}

fn main() {
    let stdin = io::stdin();
    let mut stdout = io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = answer(&line).unwrap_or_else(|problem| {
            object(&BTreeMap::from([("error".to_string(), quoted(&problem))]))
        });
        if writeln!(stdout, "{reply}")
            .and_then(|_| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}
