"""Where each address lives: the shard directory of one block.

An address's *home* is one of ``shards`` shards, the same for the whole block
whatever the transaction asking, so that two transactions touching one address
always meet in its home shard's queue:

- an address that a ``CLONE`` may create (``<c>.<n>``, ``c`` a contract or an address
  a ``CLONE`` may create itself) lives with its creator: a clone is created by a run
  of ``c``, in ``c``'s shard, and so is every transaction naming it;
- an address a deploy of the block creates lives with its deployer (``placed``): the
  deploy runs in its deployer's shard and creates the contract there, so the
  directory must say so to every other transaction of the block, before the deploy
  as well as after it (an account created at that address earlier in the block is
  what the deploy's ``contract_exists`` check reads);
- every other address lives in the shard its name hashes to (SHA-256, so the same
  in every process).

The directory of a block is the genesis placement (every genesis address by its
name or its creator) refreshed with the addresses the block's deploys create.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from txparity.executors.model import Case, Deploy, clone_creator

__all__ = ["Directory", "shard_of_name"]


@lru_cache(maxsize=65536)
def shard_of_name(address: str, shards: int) -> int:
    """The shard an address's name hashes to: SHA-256 of its UTF-8, first 8 bytes."""
    digest = hashlib.sha256(address.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


@dataclass(frozen=True, slots=True)
class Directory:
    """The homes of a block's addresses among ``shards`` shards (see the module)."""

    shards: int
    contracts: frozenset[str]  # addresses that hold or may get a contract by deploy
    placed: Mapping[str, str]  # address a deploy of the block creates -> its deployer

    @staticmethod
    def at_genesis(case: Case, shards: int) -> Directory:
        """The directory as the block begins: nothing placed by its deploys yet."""
        return Directory(shards, frozenset(case.genesis.contracts), {})

    def with_deploys(self, deploys: Iterable[Deploy]) -> Directory:
        """This directory refreshed with the addresses ``deploys`` create."""
        placed = dict(self.placed)
        for deploy in deploys:
            placed.setdefault(deploy.new_address, deploy.source)
        return Directory(self.shards, self.contracts | frozenset(placed), placed)

    def home(self, address: str) -> int:
        creator = clone_creator(address)
        if creator is not None and self.may_be_contract(creator):
            return self.home(creator)
        deployer = self.placed.get(address)
        if deployer is not None:
            return self.home(deployer)
        return shard_of_name(address, self.shards)

    def may_be_contract(self, address: str) -> bool:
        """Whether a contract may be at ``address`` during the block: a genesis contract,
        a deploy's target, or a clone of either, however deep."""
        if address in self.contracts:
            return True
        creator = clone_creator(address)
        return creator is not None and self.may_be_contract(creator)
