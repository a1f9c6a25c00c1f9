"""The instruction table (``executors.vm.INSTRUCTIONS``) against SPEC 6's and 10.4's
tables.

The tables are read from docs/SPEC.md itself, so the code and the document cannot
drift apart unnoticed: the same ops in ``Op`` order, the same costs, the operand
kinds of SPEC 6's well-formedness sentence (and 10.4's for ``BALANCEOF``), the
version whose table has the op, one function per op that takes exactly those
operands, and a docstring naming the op and every failure its row lists.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from txparity.executors.code import CodeNotWellFormed, ops_of, parse_code
from txparity.executors.model import Op, RevertReason, Version
from txparity.executors.vm import INSTRUCTIONS, Operand

SPEC = Path(__file__).resolve().parent.parent / "docs" / "SPEC.md"

# SPEC 6: "PUSH v: an integer; ARG i: 0 to 7; JUMP t, JUMPI t: 0 <= t < the
# program's length; CALL c e n: an address, an integer, 0 to 8".
OPERAND_KINDS = {
    Op.PUSH: (Operand.U64,),
    Op.ARG: (Operand.ARG_INDEX,),
    Op.JUMP: (Operand.TARGET,),
    Op.JUMPI: (Operand.TARGET,),
    Op.CALL: (Operand.ADDRESS, Operand.U64, Operand.CALL_ARGS),
    # SPEC 10.4: "BALANCEOF takes an address operand, written like CALL's first operand".
    Op.BALANCEOF: (Operand.ADDRESS,),
}

# Where each version's table is: from its heading to the next heading.
TABLES = {Version.V1: ("## 6. ", "## 7. "), Version.V2: ("### 10.4 ", "### 10.5 ")}

SpecRow = tuple[int, int, tuple[str, ...], Version]
REASONS = frozenset(reason.value for reason in RevertReason)


def spec_rows() -> dict[str, SpecRow]:
    """op -> (cost, operand count, failure reasons, version) from SPEC 6's and 10.4's
    tables."""
    text = SPEC.read_text(encoding="utf-8")
    rows: dict[str, SpecRow] = {}
    for version, (start, end) in TABLES.items():
        section = text[text.index(start) : text.index(end)]
        for line in section.splitlines():
            if not line.startswith("| `"):
                continue
            ops, cost, _effect, fails = (cell.strip() for cell in line.strip("|").split(" | "))
            written_reasons = re.findall(r"`([a-z_]+)`", fails)  # and names such as `n`
            reasons = tuple(reason for reason in written_reasons if reason in REASONS)
            for written in re.findall(r"`([^`]+)`", ops):
                name, *operands = written.split()
                rows[name] = (int(cost), len(operands), reasons, version)
    return rows


def test_the_spec_tables_are_read_whole() -> None:
    rows = spec_rows()
    assert len(rows) == 27
    assert rows["CALL"] == (20, 3, ("stack", "bad_call", "depth"), Version.V1)
    assert rows["PAY"] == (10, 0, ("stack", "contract_funds"), Version.V1)
    assert rows["CLONE"] == (30, 0, ("create_failed", "stack"), Version.V2)
    assert rows["BALANCEOF"] == (2, 1, ("stack",), Version.V2)
    assert rows["DESTROY"] == (5, 0, (), Version.V2)


def test_the_table_has_one_row_per_op_in_op_order() -> None:
    assert list(INSTRUCTIONS) == list(Op)
    assert set(spec_rows()) == {op.value for op in Op}


def test_each_version_has_its_ops_and_the_earlier_ones() -> None:
    assert [op.value for op in ops_of(Version.V1)] == [
        name for name, row in spec_rows().items() if row[3] is Version.V1
    ]
    assert ops_of(Version.V2) == tuple(Op)
    assert ops_of(Version.V2)[-4:] == (Op.LOG, Op.BALANCEOF, Op.DESTROY, Op.CLONE)


@pytest.mark.parametrize("op", list(Op))
def test_each_row_matches_the_spec(op: Op) -> None:
    cost, operand_count, _, version = spec_rows()[op.value]
    row = INSTRUCTIONS[op]
    assert row.cost == cost
    assert row.operands == OPERAND_KINDS.get(op, ())
    assert len(row.operands) == operand_count
    assert row.since is version


@pytest.mark.parametrize("op", list(Op))
def test_each_function_takes_the_frame_and_exactly_the_row_operands(op: Op) -> None:
    row = INSTRUCTIONS[op]
    parameters = list(inspect.signature(row.run).parameters)
    assert parameters[0] == "frame"
    assert len(parameters) == 1 + len(row.operands)
    assert row.run.__name__ == op.value.lower()


@pytest.mark.parametrize("op", list(Op))
def test_each_docstring_names_the_op_and_every_failure_of_its_row(op: Op) -> None:
    doc = inspect.getdoc(INSTRUCTIONS[op].run)
    assert doc is not None
    assert doc.startswith(f"``{op.value}")
    for reason in spec_rows()[op.value][2]:
        assert f"``{reason}``" in doc, f"{op}: {reason}"


def fitting_operands(op: Op) -> list[object]:
    fitting = {Operand.U64: 0, Operand.ARG_INDEX: 0, Operand.TARGET: 0, Operand.ADDRESS: "c"}
    return [fitting.get(kind, 0) for kind in INSTRUCTIONS[op].operands]


@pytest.mark.parametrize("op", list(Op))
def test_the_grammar_takes_its_operand_count_from_the_row(op: Op) -> None:
    """An op with one operand too many is refused, naming the count from the row."""
    operands = fitting_operands(op)
    assert parse_code({"0": [[op.value, *operands]]}, Version.V2).entries[0][0].op is op
    with pytest.raises(CodeNotWellFormed) as refused:
        parse_code({"0": [[op.value, *operands, 0]]}, Version.V2)
    assert refused.value.message == f"{op} takes {len(operands)} operand(s)"


@pytest.mark.parametrize("op", ops_of(Version.V2)[len(ops_of(Version.V1)) :])
def test_a_version_2_op_is_unknown_in_version_1_code(op: Op) -> None:
    """SPEC 10: a new op in a version 1 case's code is not well-formed, and the
    message names the version that has it; the grammar's default is version 1."""
    program = [["PUSH", 1], [op.value, *fitting_operands(op)]]
    for refuse in (
        lambda: parse_code({"7": program}),
        lambda: parse_code({"7": program}, Version.V1),
    ):
        with pytest.raises(CodeNotWellFormed) as refused:
            refuse()
        assert refused.value.path == '["7"][1]'
        assert refused.value.message == (
            f"unknown op '{op.value}' (added by version 2; this case's format is 'txparity.case/1')"
        )
