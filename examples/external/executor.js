#!/usr/bin/env node
// An external txparity executor in plain Node.js (standard library only).
//
// It speaks the line protocol of SPEC section 8: one compact case per line on
// standard input, one canonical result (SPEC 7) per line on standard output, in
// order; a case it cannot run is answered {"error": "..."}; blank lines are skipped;
// standard error is free-form log. Each case is executed sequentially, exactly as
// SPEC sections 2 to 6 describe, so its answers must equal the reference executor's.
//
// It speaks both versions of the case format. A "txparity.case/1" case is run by
// sections 1 to 9 alone and answered with a "txparity.result/1" result; a
// "txparity.case/2" case adds section 10 (contract nonces, DESTROY and revival
// through deploy salts, LOG and receipt logs, BALANCEOF, CLONE, fees paid to the
// miner after each transaction, a block gas limit) and is answered with a
// "txparity.result/2" result. The version is read once, from `format`, and decides
// three things only: which fields a case may have, which ops its code may use, and
// the shape of the result. Execution itself has one set of rules: a version 1 case
// can reach none of the additions, so it runs exactly as it did before them.
//
// Readings where SPEC section 10 leaves room, chosen here:
//
// - block_full: the block's gas is the sum of gas_used of included transactions, a
//   reverted invoke's included; rejected ones add nothing. Only the gas so far is
//   compared, never a transaction's max_gas with what is left of the limit.
// - The destroy of the marked contracts is the last part of the invoke's effect:
//   after the run, before the fee debit (section 5's order). As every swept balance
//   goes to the same account, the order of marking changes no result.
// - BALANCEOF during a run sees section 5's order: the source already without its
//   deposits, not yet without its fee and gas; the miner, with each_tx, with the
//   fees of earlier transactions only; with block_end, with none of this block's.
// - each_tx with the miner as the source: the debit, then the credit of the same
//   amount; validation still needs the whole fee + max_gas beforehand.
// - CLONE: its cost is charged first (section 6); then the create_failed checks,
//   then the creation and the nonce bump, then the push. With a full stack and a
//   free address, the run fails with stack (and undoes the creation); with a full
//   stack and a create_failed condition, create_failed. "Names an account" includes
//   accounts created earlier in the block, the miner's included; "names a
//   contract" includes one marked in this run and one created in this run.
// - A contract created by CLONE and destroyed in the same run leaves nothing, but
//   its creator's nonce stays bumped.
// - A deploy with a salt still needs nonce < 2**64 - 1 and still bumps the
//   account's nonce; the 64-character rule applies to the salted address only.
// - A version 2 field given as null is a wrong type (an invalid case), not an absent
//   field; fee_payment "block_end" given explicitly is the default. In a version 1
//   case any version 2 field is unknown, even with its default value.
// - BALANCEOF's operand is well-formed when it is an address (section 1); whether
//   it names anything is read at run time.
// - Every version 2 receipt has "logs"; only an applied invoke's can be non-empty.
//
// Every integer is a BigInt: u64 values reach 2**64 - 1, far beyond the integers a
// JavaScript number holds exactly, which is why the case is read by the small JSON
// parser below instead of JSON.parse.
//
// Objects are kept in Maps, never in plain JS objects: "__proto__" and "constructor"
// are valid addresses (a-z 0-9 _ .), and a plain object would treat them specially.

'use strict';

const crypto = require('node:crypto');

const U64_LIMIT = 1n << 64n;
const NATIVE = 'TOS';
// The case format names its version; the result answers in the same version.
const CASE_FORMATS = new Map([['txparity.case/1', 1], ['txparity.case/2', 2]]);
const RESULT_FORMATS = new Map([[1, 'txparity.result/1'], [2, 'txparity.result/2']]);
const FEE_PAYMENTS = ['block_end', 'each_tx']; // SPEC 10.2; the first is the default

const MAX_ADDRESS_LENGTH = 64;
const MAX_OUTPUTS = 16;
const MAX_ARGS = 8;
const MAX_GAS_LIMIT = 1000000n;
const MAX_PROGRAM_LENGTH = 256;
const MAX_STACK = 64;
const MAX_FRAMES = 4;
const MAX_JSON_DEPTH = 900; // deeper documents are refused rather than overflowing the JS stack

const ADDRESS_RE = new RegExp(`^[a-z0-9_.]{1,${MAX_ADDRESS_LENGTH}}$`);
const ASSET_RE = /^[A-Z][A-Z0-9]{0,7}$/;
const DECIMAL_RE = /^(0|[1-9][0-9]*)$/;
const NETWORKS = new Set(['devnet', 'testnet', 'mainnet']);

// ============================================================ JSON in
//
// Produces: Map for objects (insertion order kept), Array, string, BigInt for
// integer literals, NonInteger for literals with a fraction or an exponent (they
// are valid JSON but never integers: inside deploy code they make the code
// malformed, elsewhere the case invalid), true, false, null.

class InvalidCase extends Error {
  constructor(path, message) {
    super(`${path}: ${message}`);
  }
}

// Python's json number grammar; sticky, so it matches exactly at lastIndex.
const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class NonInteger {
  constructor(text) {
    this.text = text;
  }
}

class JsonParser {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  fail(what) {
    throw new InvalidCase('case', `not valid JSON (${what} at character ${this.pos})`);
  }

  // JSON whitespace is exactly space, tab, newline and carriage return.
  skipWhitespace() {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  parseDocument() {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('extra data');
    return value;
  }

  parseValue(depth) {
    if (depth > MAX_JSON_DEPTH) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject(depth);
    if (c === '[') return this.parseArray(depth);
    if (c === '"') return this.parseString();
    if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    // NaN and Infinity included: they are not JSON.
    return this.fail('expecting a value');
  }

  parseObject(depth) {
    this.pos++; // '{'
    const result = new Map();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expecting a property name');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expecting ':'");
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(depth + 1);
      // SPEC 3: a key repeated within one JSON object makes the case invalid,
      // wherever it appears (even inside deploy code).
      if (result.has(key)) throw new InvalidCase('case', `key ${JSON.stringify(key)} repeated in one object`);
      result.set(key, value);
      this.skipWhitespace();
      const sep = this.text[this.pos++];
      if (sep === '}') return result;
      if (sep !== ',') { this.pos--; this.fail("expecting ',' or '}'"); }
    }
  }

  parseArray(depth) {
    this.pos++; // '['
    const result = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const sep = this.text[this.pos++];
      if (sep === ']') return result;
      if (sep !== ',') { this.pos--; this.fail("expecting ',' or ']'"); }
    }
  }

  parseString() {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) { // closing quote
        out += t.slice(start, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) { // not a backslash
        this.pos++;
        continue;
      }
      out += t.slice(start, this.pos);
      const e = t[this.pos + 1];
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && Object.prototype.hasOwnProperty.call(simple, e)) {
        out += simple[e];
        this.pos += 2;
      } else if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
        out += String.fromCharCode(parseInt(hex, 16)); // surrogate pairs join by themselves
        this.pos += 6;
      } else {
        this.fail('invalid escape');
      }
      start = this.pos;
    }
  }

  parseNumber() {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) this.fail('invalid number');
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new NonInteger(m[0]);
    // Python refuses integer literals of more than 4300 digits (its int() limit), so
    // the reference finds such a case invalid JSON; so do we.
    if (m[0].replace('-', '').length > 4300) this.fail('integer literal too long');
    return BigInt(m[0]);
  }
}

function parseJson(text) {
  return new JsonParser(text).parseDocument();
}

// ============================================================ JSON out (SPEC 7)

// The same escaping as Python's json.dumps(..., ensure_ascii=False).
function encodeString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

// Canonical JSON: Map keys sorted (JS string order = code-unit order, the same as
// code-point order for the ASCII keys a result holds), no whitespace.
function canonical(value) {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return encodeString(value);
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
  if (value instanceof Map) {
    const keys = [...value.keys()].sort();
    return '{' + keys.map((k) => encodeString(k) + ':' + canonical(value.get(k))).join(',') + '}';
  }
  throw new Error(`cannot encode ${typeof value}`);
}

// ============================================================ case shape and ranges (SPEC 3)

const isMap = (v) => v instanceof Map;
const mapPath = (path, key) => `${path}[${JSON.stringify(key)}]`;

// An object with exactly the required keys and perhaps some optional ones. A key
// in `later` is one a later version of the format allows: here it is still an
// unknown field (SPEC 10), and the message says which format would accept it.
function fields(value, path, required, optional = [], later = []) {
  if (!isMap(value)) throw new InvalidCase(path || 'case', 'must be an object');
  for (const name of value.keys()) {
    if (!required.includes(name) && !optional.includes(name)) {
      const hint = later.includes(name) ? ` (a version 2 field: the case's format must be "txparity.case/2")` : '';
      throw new InvalidCase(path ? `${path}.${name}` : name, `unknown field${hint}`);
    }
  }
  for (const name of required) {
    if (!value.has(name)) throw new InvalidCase(path ? `${path}.${name}` : name, 'missing field');
  }
  return value;
}

function integer(value, path) {
  if (typeof value !== 'bigint') throw new InvalidCase(path, 'must be an integer');
  if (value < 0n) throw new InvalidCase(path, 'must be >= 0');
  if (value >= U64_LIMIT) throw new InvalidCase(path, 'must be < 2**64');
  return value;
}

function patterned(value, path, re, what) {
  if (typeof value !== 'string') throw new InvalidCase(path, 'must be a string');
  if (!re.test(value)) throw new InvalidCase(path, `${JSON.stringify(value)} is not ${what}`);
  return value;
}

const address = (v, path) => patterned(v, path, ADDRESS_RE, 'an address (1-64 of a-z 0-9 _ .)');
const asset = (v, path) => patterned(v, path, ASSET_RE, 'an asset (1-8 of A-Z 0-9, a letter first)');

function list(value, path) {
  if (!Array.isArray(value)) throw new InvalidCase(path, 'must be a list');
  return value;
}

// A JSON object keyed by data (addresses, assets, slots): checks each key and value.
function mapping(value, path, key, item) {
  if (!isMap(value)) throw new InvalidCase(path, 'must be an object');
  const result = new Map();
  for (const [name, entry] of value) {
    const p = mapPath(path, name);
    result.set(key(name, p), item(entry, p));
  }
  return result;
}

const balances = (v, path) => mapping(v, path, asset, integer);

function isCanonicalDecimal(text) {
  return typeof text === 'string' && DECIMAL_RE.test(text) && BigInt(text) < U64_LIMIT;
}

function storageSlot(name, path) {
  if (!isCanonicalDecimal(name)) throw new InvalidCase(path, 'storage key must be a canonical decimal below 2**64');
  return name; // kept as its canonical decimal text: the storage Map's key
}

// The shape of code (SPEC 3): an object whose values are lists. Anything finer is
// well-formedness (SPEC 6), checked by parseCode.
function codeObject(value, path) {
  if (!isMap(value)) throw new InvalidCase(path, 'code must be an object of lists');
  for (const [name, program] of value) {
    if (!Array.isArray(program)) throw new InvalidCase(mapPath(path, name), 'code must be an object of lists');
  }
  return value;
}

// ============================================================ code well-formedness (SPEC 6)

// The instruction table: each op's cost, and the first version whose code may use
// it. A version 1 case's code using a version 2 op is not well-formed (SPEC 10).
const COST = {
  PUSH: 1n, POP: 1n, DUP: 1n, SWAP: 1n,
  ADD: 2n, SUB: 2n, MUL: 2n, DIV: 2n, MOD: 2n,
  LT: 1n, EQ: 1n, ISZERO: 1n, ARG: 1n, CALLER: 1n,
  SLOAD: 5n, SSTORE: 10n, BALANCE: 2n, PAY: 10n,
  JUMP: 1n, JUMPI: 1n, CALL: 20n, STOP: 0n, REVERT: 0n,
  // SPEC 10.4
  LOG: 3n, BALANCEOF: 2n, DESTROY: 5n, CLONE: 30n,
};
const SINCE_VERSION = new Map(Object.keys(COST).map((op) => [op, 1]));
for (const op of ['LOG', 'BALANCEOF', 'DESTROY', 'CLONE']) SINCE_VERSION.set(op, 2);

// What each operand position accepts, per op (ops not listed take none).
const OPERANDS = {
  PUSH: ['u64'],
  ARG: ['arg_index'],
  JUMP: ['target'],
  JUMPI: ['target'],
  CALL: ['address', 'u64', 'call_args'],
  BALANCEOF: ['address'], // written like CALL's first operand (SPEC 10.4)
};

class CodeNotWellFormed extends Error {}

function operandFits(operand, kind, length) {
  if (kind === 'address') return typeof operand === 'string' && ADDRESS_RE.test(operand);
  if (typeof operand !== 'bigint') return false; // booleans and fractions are not integers
  switch (kind) {
    case 'u64': return operand >= 0n && operand < U64_LIMIT;
    case 'arg_index': return operand >= 0n && operand <= 7n;
    case 'target': return operand >= 0n && operand < BigInt(length);
    case 'call_args': return operand >= 0n && operand <= 8n;
    default: return false;
  }
}

// Parse an object of lists into code: Map(entry id text -> program), where a program
// is an array of {op, operands, cost}, for a case of the given version. Throws
// CodeNotWellFormed.
function parseCode(raw, version) {
  const entries = new Map();
  for (const name of [...raw.keys()].sort()) {
    const program = raw.get(name);
    const where = `[${JSON.stringify(name)}]`;
    if (!isCanonicalDecimal(name)) throw new CodeNotWellFormed(`${where}: entry id must be a canonical decimal`);
    if (program.length > MAX_PROGRAM_LENGTH) throw new CodeNotWellFormed(`${where}: more than ${MAX_PROGRAM_LENGTH} instructions`);
    entries.set(name, program.map((item, index) => parseInstruction(item, program.length, version, `${where}[${index}]`)));
  }
  return entries;
}

function parseInstruction(item, length, version, where) {
  if (!Array.isArray(item) || item.length === 0) throw new CodeNotWellFormed(`${where}: an instruction must be a non-empty list`);
  const [op, ...operands] = item;
  if (typeof op !== 'string' || !SINCE_VERSION.has(op)) throw new CodeNotWellFormed(`${where}: unknown op`);
  if (SINCE_VERSION.get(op) > version) {
    throw new CodeNotWellFormed(`${where}: unknown op (${op} is a version 2 op: the case's format must be "txparity.case/2")`);
  }
  const kinds = OPERANDS[op] || [];
  if (operands.length !== kinds.length) throw new CodeNotWellFormed(`${where}: ${op} takes ${kinds.length} operand(s)`);
  kinds.forEach((kind, i) => {
    if (!operandFits(operands[i], kind, length)) throw new CodeNotWellFormed(`${where}[${i + 1}]: ${op} needs ${kind}`);
  });
  return { op, operands, cost: COST[op] };
}

// The code's JSON for the result: entry id -> [[OP, operand...], ...].
function codeJson(entries) {
  const out = new Map();
  for (const [id, program] of entries) out.set(id, program.map((ins) => [ins.op, ...ins.operands]));
  return out;
}

// ============================================================ decoding a case

// The fields a version 2 case adds (SPEC 10.2), per object: optional there, unknown
// in a version 1 case.
const V2_FIELDS = {
  contract: ['nonce'],
  block: ['fee_payment', 'gas_limit'],
  deploy: ['salt'],
};
const addedFields = (version, where) => (version >= 2 ? V2_FIELDS[where] : []);
const laterFields = (version, where) => (version >= 2 ? [] : V2_FIELDS[where]);

function decodeCase(top) {
  fields(top, '', ['format', 'genesis', 'block'], ['config']);
  const version = CASE_FORMATS.get(top.get('format'));
  if (version === undefined) {
    throw new InvalidCase('format', `must be ${[...CASE_FORMATS.keys()].map((f) => JSON.stringify(f)).join(' or ')}`);
  }
  const genesis = decodeGenesis(top.get('genesis'), 'genesis', version);
  const block = decodeBlock(top.get('block'), 'block', version);
  decodeConfig(top.has('config') ? top.get('config') : new Map(), 'config'); // checked, never used
  checkCrossRules(genesis, block);
  return { version, genesis, block };
}

function decodeGenesis(value, path, version) {
  fields(value, path, ['accounts', 'contracts']);
  const accounts = mapping(value.get('accounts'), `${path}.accounts`, address, (v, p) => {
    fields(v, p, ['nonce', 'balances']);
    return { nonce: integer(v.get('nonce'), `${p}.nonce`), balances: balances(v.get('balances'), `${p}.balances`) };
  });
  const contracts = mapping(value.get('contracts'), `${path}.contracts`, address, (v, p) => {
    fields(v, p, ['code', 'balances', 'storage'], addedFields(version, 'contract'), laterFields(version, 'contract'));
    const raw = codeObject(v.get('code'), `${p}.code`);
    let code;
    try {
      code = parseCode(raw, version);
    } catch (error) {
      // A genesis contract's ill-formed code makes the whole case invalid.
      if (error instanceof CodeNotWellFormed) throw new InvalidCase(`${p}.code`, error.message);
      throw error;
    }
    const storage = mapping(v.get('storage'), `${p}.storage`, storageSlot, integer);
    const nonce = v.has('nonce') ? integer(v.get('nonce'), `${p}.nonce`) : 0n; // SPEC 10.2: absent means 0
    return { code, storage, nonce, balances: balances(v.get('balances'), `${p}.balances`) };
  });
  return { accounts, contracts };
}

function decodeBlock(value, path, version) {
  fields(value, path, ['miner', 'reward', 'txs'], addedFields(version, 'block'), laterFields(version, 'block'));
  const txs = list(value.get('txs'), `${path}.txs`);
  return {
    miner: address(value.get('miner'), `${path}.miner`),
    reward: integer(value.get('reward'), `${path}.reward`),
    feePayment: value.has('fee_payment') ? feePayment(value.get('fee_payment'), `${path}.fee_payment`) : FEE_PAYMENTS[0],
    gasLimit: value.has('gas_limit') ? integer(value.get('gas_limit'), `${path}.gas_limit`) : null, // null: no limit
    txs: txs.map((tx, i) => decodeTransaction(tx, `${path}.txs[${i}]`, version)),
  };
}

function feePayment(value, path) {
  if (typeof value !== 'string') throw new InvalidCase(path, 'must be a string');
  if (!FEE_PAYMENTS.includes(value)) throw new InvalidCase(path, `must be one of ${FEE_PAYMENTS.join(', ')}`);
  return value;
}

const COMMON = ['kind', 'source', 'nonce', 'fee'];
const KIND_FIELDS = {
  transfer: ['outputs'],
  burn: ['asset', 'amount'],
  deploy: ['code'],
  invoke: ['contract', 'entry', 'args', 'deposits', 'max_gas'],
};

function decodeTransaction(value, path, version) {
  if (!isMap(value)) throw new InvalidCase(path, 'must be an object');
  const kind = value.get('kind');
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(KIND_FIELDS, kind)) {
    throw new InvalidCase(`${path}.kind`, value.has('kind') ? 'unknown kind' : 'missing field');
  }
  const added = kind === 'deploy' ? addedFields(version, 'deploy') : [];
  const later = kind === 'deploy' ? laterFields(version, 'deploy') : [];
  fields(value, path, COMMON.concat(KIND_FIELDS[kind]), added, later);
  const tx = {
    kind,
    source: address(value.get('source'), `${path}.source`),
    nonce: integer(value.get('nonce'), `${path}.nonce`),
    fee: integer(value.get('fee'), `${path}.fee`),
  };
  switch (kind) {
    case 'transfer':
      tx.outputs = list(value.get('outputs'), `${path}.outputs`).map((o, i) => {
        const p = `${path}.outputs[${i}]`;
        fields(o, p, ['dest', 'asset', 'amount']);
        return { dest: address(o.get('dest'), `${p}.dest`), asset: asset(o.get('asset'), `${p}.asset`), amount: integer(o.get('amount'), `${p}.amount`) };
      });
      break;
    case 'burn':
      tx.asset = asset(value.get('asset'), `${path}.asset`);
      tx.amount = integer(value.get('amount'), `${path}.amount`);
      break;
    case 'deploy': {
      // Code that is not an object of lists is a shape error (invalid case); code of
      // that shape that is not well-formed only makes this transaction malformed.
      const raw = codeObject(value.get('code'), `${path}.code`);
      try {
        tx.code = parseCode(raw, version);
      } catch (error) {
        if (!(error instanceof CodeNotWellFormed)) throw error;
        tx.code = null;
      }
      tx.salt = value.has('salt') ? integer(value.get('salt'), `${path}.salt`) : null; // null: no salt
      break;
    }
    case 'invoke':
      {
        const args = list(value.get('args'), `${path}.args`);
        tx.contract = address(value.get('contract'), `${path}.contract`);
        tx.entry = integer(value.get('entry'), `${path}.entry`);
        tx.args = args.map((a, i) => integer(a, `${path}.args[${i}]`));
        tx.deposits = balances(value.get('deposits'), `${path}.deposits`);
        tx.max_gas = integer(value.get('max_gas'), `${path}.max_gas`);
      }
      break;
  }
  return tx;
}

function decodeConfig(value, path) {
  fields(value, path, [], ['network', 'threads', 'schedule_seed']);
  const network = value.has('network') ? value.get('network') : 'devnet';
  if (typeof network !== 'string' || !NETWORKS.has(network)) throw new InvalidCase(`${path}.network`, 'must be one of devnet, testnet, mainnet');
  const threads = integer(value.has('threads') ? value.get('threads') : 4n, `${path}.threads`);
  if (threads < 1n) throw new InvalidCase(`${path}.threads`, 'must be >= 1');
  integer(value.has('schedule_seed') ? value.get('schedule_seed') : 0n, `${path}.schedule_seed`);
}

// The rules of SPEC 3 that relate one part of the case to another.
function checkCrossRules(genesis, block) {
  for (const addr of genesis.accounts.keys()) {
    if (genesis.contracts.has(addr)) throw new InvalidCase(mapPath('genesis.contracts', addr), 'address is also a genesis account');
  }
  if (genesis.contracts.has(block.miner)) throw new InvalidCase('block.miner', 'is a genesis contract');
  // Total supply per asset (plus the reward in TOS) below 2**64 makes overflow impossible.
  const totals = new Map([[NATIVE, block.reward]]);
  const holders = [...genesis.accounts.values(), ...genesis.contracts.values()];
  for (const holder of holders) {
    for (const [a, amount] of holder.balances) totals.set(a, (totals.get(a) || 0n) + amount);
  }
  for (const [a, total] of totals) {
    if (total >= U64_LIMIT) throw new InvalidCase('genesis', `total supply of ${a} (with the reward) must be < 2**64`);
  }
}

// ============================================================ state (SPEC 2)
//
// accounts:  Map address -> {nonce, balances: Map asset -> BigInt}
// contracts: Map address -> {code, nonce, balances: Map asset -> BigInt, storage: Map decimal -> BigInt}
// burned:    Map asset -> BigInt
//
// A contract's nonce (SPEC 10.1) counts the contracts it has created with CLONE; a
// version 1 case can never change it (its code cannot use CLONE), and a version 1
// result does not show it.
//
// Writes that a failed contract run must undo (balances, storage, and in version 2
// the contracts a run creates and their creators' nonces) go through setEntry or
// setNonce, which record the old value in the active undo journal, if any.

class State {
  constructor(genesis) {
    this.accounts = new Map();
    for (const [addr, acc] of genesis.accounts) this.accounts.set(addr, { nonce: acc.nonce, balances: new Map(acc.balances) });
    this.contracts = new Map();
    for (const [addr, c] of genesis.contracts) {
      this.contracts.set(addr, { code: c.code, nonce: c.nonce, balances: new Map(c.balances), storage: new Map(c.storage) });
    }
    this.burned = new Map();
    this.journal = null; // an array of undo closures while a contract run is open
  }

  record(undo) {
    if (this.journal !== null) this.journal.push(undo);
  }

  setEntry(map, key, value) {
    const had = map.has(key);
    const old = map.get(key);
    this.record(() => (had ? map.set(key, old) : map.delete(key)));
    map.set(key, value);
  }

  deleteEntry(map, key) {
    const old = map.get(key);
    this.record(() => map.set(key, old));
    map.delete(key);
  }

  // An address names an account, a contract, or nothing (SPEC 2, 10.1).
  names(addr) {
    return this.accounts.has(addr) || this.contracts.has(addr);
  }

  // Every new contract, deployed or cloned, starts with nonce 0, no balances and
  // empty storage (SPEC 10.3), also at the address of a destroyed one (a revival).
  createContract(addr, code) {
    this.setEntry(this.contracts, addr, { code, nonce: 0n, balances: new Map(), storage: new Map() });
  }

  // A destroyed contract's address names nothing afterwards, as if the contract had
  // never existed (SPEC 10.1): code, balances, storage and nonce all go with it.
  deleteContract(addr) {
    this.deleteEntry(this.contracts, addr);
  }

  setNonce(addr, nonce) {
    const c = this.contracts.get(addr);
    const old = c.nonce;
    this.record(() => { c.nonce = old; });
    c.nonce = nonce;
  }

  // Crediting an absent account creates it with nonce 0 (SPEC 2). Account creation
  // is never journaled: inside a run only the source (which exists) is credited.
  account(addr) {
    let acc = this.accounts.get(addr);
    if (acc === undefined) {
      acc = { nonce: 0n, balances: new Map() };
      this.accounts.set(addr, acc);
    }
    return acc;
  }

  balance(addr, a) {
    const acc = this.accounts.get(addr);
    return (acc && acc.balances.get(a)) || 0n;
  }

  creditAccount(addr, a, amount) {
    const acc = this.account(addr);
    this.setEntry(acc.balances, a, (acc.balances.get(a) || 0n) + amount);
  }

  debitAccount(addr, a, amount) {
    const acc = this.accounts.get(addr);
    this.setEntry(acc.balances, a, (acc.balances.get(a) || 0n) - amount);
  }

  contractBalance(addr, a) {
    return this.contracts.get(addr).balances.get(a) || 0n;
  }

  creditContract(addr, a, amount) {
    const c = this.contracts.get(addr);
    this.setEntry(c.balances, a, (c.balances.get(a) || 0n) + amount);
  }

  debitContract(addr, a, amount) {
    const c = this.contracts.get(addr);
    this.setEntry(c.balances, a, (c.balances.get(a) || 0n) - amount);
  }

  // Undo journaling: begin() opens it, commit() keeps the writes, rollback() undoes them.
  begin() { this.journal = []; }
  commit() { this.journal = null; }
  rollback() {
    const journal = this.journal;
    this.journal = null;
    for (let i = journal.length - 1; i >= 0; i--) journal[i]();
  }

  // The canonical state of SPEC 7: zero balances, storage values and burns omitted;
  // in version 2 every contract also carries its nonce (SPEC 10.5).
  dump(version) {
    const nonZero = (map) => {
      const out = new Map();
      for (const [k, v] of map) if (v !== 0n) out.set(k, v);
      return out;
    };
    const accounts = new Map();
    for (const [addr, acc] of this.accounts) accounts.set(addr, new Map([['balances', nonZero(acc.balances)], ['nonce', acc.nonce]]));
    const contracts = new Map();
    for (const [addr, c] of this.contracts) {
      const shown = new Map([['balances', nonZero(c.balances)], ['code', codeJson(c.code)], ['storage', nonZero(c.storage)]]);
      if (version >= 2) shown.set('nonce', c.nonce);
      contracts.set(addr, shown);
    }
    return new Map([['accounts', accounts], ['burned', nonZero(this.burned)], ['contracts', contracts]]);
  }
}

// ============================================================ validation (SPEC 5.1)

// The new contract's address (SPEC 5.2): "<source>.<nonce>", the transaction's own
// nonce; with a salt s (version 2, SPEC 10.3), "<source>.s<s>" instead, which does
// not depend on the nonce, so that a later deploy can revive a destroyed contract.
const deployAddress = (tx) => (tx.salt === null ? `${tx.source}.${tx.nonce}` : `${tx.source}.s${tx.salt}`);

// `malformed`: the rules of form, which need no state.
function isWellFormed(state, tx) {
  if (tx.nonce >= U64_LIMIT - 1n) return false;
  switch (tx.kind) {
    case 'transfer':
      return tx.outputs.length >= 1 && tx.outputs.length <= MAX_OUTPUTS && tx.outputs.every((o) => o.amount >= 1n);
    case 'burn':
      return tx.amount >= 1n;
    case 'invoke':
      return tx.args.length <= MAX_ARGS && [...tx.deposits.values()].every((v) => v >= 1n) && tx.max_gas <= MAX_GAS_LIMIT;
    case 'deploy':
      return tx.code !== null && deployAddress(tx).length <= MAX_ADDRESS_LENGTH;
  }
  return false;
}

// `unknown_sender`: the source must be an account (a contract or nothing is not).
const senderExists = (state, tx) => state.accounts.has(tx.source);

// `bad_nonce`: no gaps, no replays.
const nonceMatches = (state, tx) => state.accounts.get(tx.source).nonce === tx.nonce;

// `self_transfer`: checked over every output before any `not_an_account`.
const notToSelf = (state, tx) => tx.kind !== 'transfer' || tx.outputs.every((o) => o.dest !== tx.source);

// `not_an_account`: a transfer cannot pay a contract.
const destinationsAreAccounts = (state, tx) => tx.kind !== 'transfer' || tx.outputs.every((o) => !state.contracts.has(o.dest));

// `no_contract`
const contractExists = (state, tx) => tx.kind !== 'invoke' || state.contracts.has(tx.contract);

// `no_entry`: entry ids are kept as canonical decimal text.
const entryExists = (state, tx) => tx.kind !== 'invoke' || state.contracts.get(tx.contract).code.has(tx.entry.toString());

// `contract_exists`: the new address must name neither an account (the miner and
// accounts created earlier in the block included) nor a contract.
const deployAddressFree = (state, tx) => tx.kind !== 'deploy' || !state.names(deployAddress(tx));

// Per asset, everything the transaction may spend: fee (TOS) + transfer amounts +
// burn amount + deposits + max_gas (TOS). BigInt sums never overflow, so a sum of
// 2**64 or more is simply more than any balance.
function maximumSpend(tx) {
  const spend = new Map([[NATIVE, tx.fee]]);
  const add = (a, amount) => spend.set(a, (spend.get(a) || 0n) + amount);
  if (tx.kind === 'transfer') for (const o of tx.outputs) add(o.asset, o.amount);
  if (tx.kind === 'burn') add(tx.asset, tx.amount);
  if (tx.kind === 'invoke') {
    for (const [a, amount] of tx.deposits) add(a, amount);
    add(NATIVE, tx.max_gas);
  }
  return spend;
}

// `insufficient_funds`
function fundsSuffice(state, tx) {
  for (const [a, amount] of maximumSpend(tx)) if (state.balance(tx.source, a) < amount) return false;
  return true;
}

const CHECKS = [
  ['malformed', isWellFormed],
  ['unknown_sender', senderExists],
  ['bad_nonce', nonceMatches],
  ['self_transfer', notToSelf],
  ['not_an_account', destinationsAreAccounts],
  ['no_contract', contractExists],
  ['no_entry', entryExists],
  ['contract_exists', deployAddressFree],
  ['insufficient_funds', fundsSuffice],
];

function validate(state, tx) {
  for (const [reason, check] of CHECKS) if (!check(state, tx)) return reason;
  return null;
}

// ============================================================ the VM (SPEC 6)

class RunFailed extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

// CALLER: the first 8 bytes, big-endian, of SHA-256 of the source address in UTF-8.
function callerWord(source) {
  return crypto.createHash('sha256').update(source, 'utf8').digest().readBigUInt64BE(0);
}

// One run: the gas counter shared by all frames, and (version 2) the run's logs and
// the contracts marked by DESTROY, in the order of first marking. Logs and marks
// live only here: they reach the state and the receipt only if the run succeeds.
class Machine {
  constructor(state, source, maxGas) {
    this.state = state;
    this.source = source;
    this.caller = callerWord(source);
    this.maxGas = maxGas;
    this.gasUsed = 0n;
    this.logs = []; // [address, BigInt] pairs, in the order appended
    this.marked = []; // addresses, each once, in the order of first marking
  }

  // Charged before the instruction runs; going over max_gas uses all of it.
  charge(cost) {
    if (this.gasUsed + cost > this.maxGas) {
      this.gasUsed = this.maxGas;
      throw new RunFailed('out_of_gas');
    }
    this.gasUsed += cost;
  }

  // Run one frame to its end; its result is its top of stack, or 0 if empty.
  runFrame(contract, program, args, depth) {
    const frame = new Frame(this, contract, args, depth);
    let pc = 0;
    while (pc < program.length) { // running past the last instruction is STOP
      const ins = program[pc];
      this.charge(ins.cost);
      if (ins.op === 'STOP') break;
      pc = frame.step(ins, pc + 1);
    }
    return frame.stack.length ? frame.stack[frame.stack.length - 1] : 0n;
  }
}

class Frame {
  constructor(machine, contract, args, depth) {
    this.machine = machine;
    this.contract = contract;
    this.args = args;
    this.depth = depth;
    this.stack = [];
  }

  pop() {
    if (this.stack.length === 0) throw new RunFailed('stack');
    return this.stack.pop();
  }

  push(value) {
    if (this.stack.length >= MAX_STACK) throw new RunFailed('stack');
    this.stack.push(value);
  }

  // Run one (already paid for) instruction; return the next program counter.
  step(ins, next) {
    const state = this.machine.state;
    switch (ins.op) {
      // ---- control flow
      case 'JUMP': return Number(ins.operands[0]);
      case 'JUMPI': return this.pop() !== 0n ? Number(ins.operands[0]) : next;
      case 'REVERT': throw new RunFailed('revert');
      // ---- stack
      case 'PUSH': this.push(ins.operands[0]); break;
      case 'POP': this.pop(); break;
      case 'DUP': { const top = this.pop(); this.stack.push(top); this.push(top); break; }
      case 'SWAP': { const b = this.pop(); const a = this.pop(); this.stack.push(b, a); break; }
      // ---- arithmetic and comparison
      case 'ADD': case 'SUB': case 'MUL': case 'DIV': case 'MOD': case 'LT': case 'EQ':
        this.binary(ins.op); break;
      case 'ISZERO': this.push(this.pop() === 0n ? 1n : 0n); break;
      // ---- environment
      case 'ARG': {
        const i = Number(ins.operands[0]);
        if (i >= this.args.length) throw new RunFailed('bad_arg');
        this.push(this.args[i]);
        break;
      }
      case 'CALLER': this.push(this.machine.caller); break;
      case 'BALANCE': this.push(state.contractBalance(this.contract, NATIVE)); break;
      // ---- storage (this run's writes are visible; a failed run undoes them)
      case 'SLOAD': {
        const key = this.pop();
        this.push(state.contracts.get(this.contract).storage.get(key.toString()) || 0n);
        break;
      }
      case 'SSTORE': {
        const key = this.pop();
        const value = this.pop();
        state.setEntry(state.contracts.get(this.contract).storage, key.toString(), value);
        break;
      }
      case 'PAY': this.pay(this.pop()); break;
      case 'CALL': this.call(ins.operands[0], ins.operands[1], Number(ins.operands[2])); break;
      // ---- version 2 (SPEC 10.4)
      case 'LOG': this.machine.logs.push([this.contract, this.pop()]); break;
      case 'BALANCEOF': this.push(balanceOf(state, ins.operands[0])); break;
      case 'DESTROY': this.destroy(); break;
      case 'CLONE': this.clone(); break;
      default: throw new Error(`unknown op ${ins.op}`);
    }
    return next;
  }

  // Pop b (top) then a; push a op b, which must stay inside u64.
  binary(op) {
    const b = this.pop();
    const a = this.pop();
    let result;
    switch (op) {
      case 'ADD': result = a + b; break;
      case 'SUB': result = a - b; break;
      case 'MUL': result = a * b; break;
      case 'DIV': if (b === 0n) throw new RunFailed('div_zero'); result = a / b; break; // BigInt division truncates = floor for u64
      case 'MOD': if (b === 0n) throw new RunFailed('div_zero'); result = a % b; break;
      case 'LT': result = a < b ? 1n : 0n; break;
      case 'EQ': result = a === b ? 1n : 0n; break;
    }
    if (result < 0n || result >= U64_LIMIT) throw new RunFailed('overflow');
    this.push(result);
  }

  // Move `amount` TOS from this contract to the transaction's source.
  pay(amount) {
    const state = this.machine.state;
    if (state.contractBalance(this.contract, NATIVE) < amount) throw new RunFailed('contract_funds');
    state.debitContract(this.contract, NATIVE, amount);
    state.creditAccount(this.machine.source, NATIVE, amount);
  }

  // CALL c e n: pops (the last popped is arg 0), look-ups (bad_call, then depth),
  // the callee, then the push of its result.
  call(addr, entry, count) {
    const popped = [];
    for (let i = 0; i < count; i++) popped.push(this.pop());
    const args = popped.reverse();
    const callee = this.machine.state.contracts.get(addr);
    const program = callee === undefined ? undefined : callee.code.get(entry.toString());
    if (program === undefined) throw new RunFailed('bad_call');
    if (this.depth >= MAX_FRAMES) throw new RunFailed('depth');
    const result = this.machine.runFrame(addr, program, args, this.depth + 1);
    this.push(result);
  }

  // DESTROY only marks: the contract lives on until the run ends (it can still be
  // called, read, written, paid from and cloned), and a failed run forgets the mark.
  destroy() {
    const marked = this.machine.marked;
    if (!marked.includes(this.contract)) marked.push(this.contract);
  }

  // CLONE: c = this frame's contract, n = its nonce. The checks that make it
  // create_failed come first, then the creation of "<c>.<n>" with c's code, c's
  // nonce bump, and last the push of n (which alone can fail with stack).
  clone() {
    const state = this.machine.state;
    const creator = state.contracts.get(this.contract);
    const n = creator.nonce;
    const addr = `${this.contract}.${n}`;
    if (n === U64_LIMIT - 1n || addr.length > MAX_ADDRESS_LENGTH || state.names(addr)) {
      throw new RunFailed('create_failed');
    }
    state.createContract(addr, creator.code);
    state.setNonce(this.contract, n + 1n);
    this.push(n);
  }
}

// BALANCEOF x: the TOS balance of whatever x names, as it stands in this run; an
// address that names nothing (never used, or a destroyed contract's) has 0.
function balanceOf(state, addr) {
  const holder = state.accounts.get(addr) || state.contracts.get(addr);
  return (holder && holder.balances.get(NATIVE)) || 0n;
}

// ============================================================ effects (SPEC 5.2, 10.3, 10.4)

// A receipt: status, reason, gas_used, and (shown in version 2 only) the logs, which
// are empty except for an applied invoke that logged (SPEC 10.5).
const receipt = (status, reason, gasUsed = 0n, logs = []) => ({ status, reason, gas_used: gasUsed, logs });
const APPLIED_WITHOUT_GAS = () => receipt('applied', null);

function applyEffect(state, tx) {
  switch (tx.kind) {
    case 'transfer':
      for (const o of tx.outputs) {
        state.debitAccount(tx.source, o.asset, o.amount);
        state.creditAccount(o.dest, o.asset, o.amount); // a destroyed contract's address becomes an account
      }
      return APPLIED_WITHOUT_GAS();
    case 'burn':
      state.debitAccount(tx.source, tx.asset, tx.amount);
      state.burned.set(tx.asset, (state.burned.get(tx.asset) || 0n) + tx.amount);
      return APPLIED_WITHOUT_GAS();
    case 'deploy':
      state.createContract(deployAddress(tx), tx.code);
      return APPLIED_WITHOUT_GAS();
    case 'invoke':
      return invoke(state, tx);
  }
  throw new Error(`unknown kind ${tx.kind}`);
}

// Deposits in, then the run. A failure undoes the run's writes, the contracts it
// created and the deposits, and forgets its logs and marks. A success destroys the
// marked contracts and keeps the logs.
function invoke(state, tx) {
  state.begin();
  const machine = new Machine(state, tx.source, tx.max_gas);
  try {
    for (const [a, amount] of tx.deposits) {
      state.debitAccount(tx.source, a, amount);
      state.creditContract(tx.contract, a, amount);
    }
    const program = state.contracts.get(tx.contract).code.get(tx.entry.toString());
    machine.runFrame(tx.contract, program, tx.args, 1);
  } catch (error) {
    state.rollback();
    if (error instanceof RunFailed) return receipt('reverted', error.reason, machine.gasUsed);
    throw error;
  }
  for (const addr of machine.marked) destroyContract(state, addr, tx.source);
  state.commit();
  return receipt('applied', null, machine.gasUsed, machine.logs);
}

// The end of a destroyed contract (SPEC 10.4): every balance it holds, in every
// asset (deposits and what it received during the run included), goes to the
// transaction's source; then the contract is deleted.
function destroyContract(state, addr, source) {
  for (const [a, amount] of state.contracts.get(addr).balances) {
    if (amount !== 0n) state.creditAccount(source, a, amount);
  }
  state.deleteContract(addr);
}

// ============================================================ a block (SPEC 5, 10.3)

// SPEC 10.3: once the gas of the included transactions reaches the block's limit,
// every later transaction is rejected before any other check.
const blockIsFull = (gasLimit, blockGas) => gasLimit !== null && blockGas >= gasLimit;

function executeCase(c) {
  const { miner, reward, feePayment, gasLimit, txs } = c.block;
  const state = new State(c.genesis);
  state.creditAccount(miner, NATIVE, reward); // step 1: creates the miner even for 0
  const receipts = [];
  let fees = 0n; // owed to the miner after the last transaction (block_end)
  let blockGas = 0n; // gas_used summed over the included transactions
  for (const tx of txs) {
    const reason = blockIsFull(gasLimit, blockGas) ? 'block_full' : validate(state, tx);
    if (reason !== null) { // rejected: no fee, no nonce, no change
      receipts.push(receipt('rejected', reason));
      continue;
    }
    state.accounts.get(tx.source).nonce += 1n;
    const outcome = applyEffect(state, tx);
    const paid = tx.fee + outcome.gas_used;
    state.debitAccount(tx.source, NATIVE, paid);
    if (feePayment === 'each_tx') state.creditAccount(miner, NATIVE, paid); // right after the debit
    else fees += paid;
    blockGas += outcome.gas_used;
    receipts.push(outcome);
  }
  if (feePayment === 'block_end') state.creditAccount(miner, NATIVE, fees); // step 3
  return resultJson(c.version, state, receipts);
}

// The result (SPEC 7, 10.5), in the version of the case.
function resultJson(version, state, receipts) {
  const receiptJson = (r) => {
    const shown = new Map([['gas_used', r.gas_used], ['reason', r.reason], ['status', r.status]]);
    if (version >= 2) shown.set('logs', r.logs);
    return shown;
  };
  return new Map([
    ['format', RESULT_FORMATS.get(version)],
    ['receipts', receipts.map(receiptJson)],
    ['state', state.dump(version)],
  ]);
}

// ============================================================ the line protocol (SPEC 8)

const utf8 = new TextDecoder('utf-8', { fatal: true });

function answer(bytes) {
  let text;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    return canonical(new Map([['error', 'case: not UTF-8 text']]));
  }
  try {
    return canonical(executeCase(decodeCase(parseJson(text))));
  } catch (error) {
    if (!(error instanceof InvalidCase)) {
      // Our own bug, or input we failed to foresee: answer and keep going.
      process.stderr.write(`executor.js: internal error: ${error && error.stack ? error.stack : error}\n`);
      return canonical(new Map([['error', `internal error: ${error && error.message}`]]));
    }
    return canonical(new Map([['error', error.message]]));
  }
}

// Blank means only ASCII whitespace bytes, as Python's bytes.strip() sees it.
function isBlank(bytes) {
  for (const b of bytes) if (!(b === 0x20 || (b >= 0x09 && b <= 0x0d))) return false;
  return true;
}

function handleLine(bytes) {
  if (isBlank(bytes)) return;
  process.stdout.write(answer(bytes) + '\n');
}

function main() {
  let pending = [];
  process.stdout.on('error', (error) => {
    process.stderr.write(`executor.js: stdout closed (${error.code}), exiting\n`);
    process.exit(0);
  });
  process.stdin.on('data', (chunk) => {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, nl));
      handleLine(Buffer.concat(pending));
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  });
  process.stdin.on('end', () => {
    if (pending.length) handleLine(Buffer.concat(pending));
  });
}

main();
