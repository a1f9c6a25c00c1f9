"""The instruction table (``executors.vm.INSTRUCTIONS``) against SPEC 6's table.

The table is read from docs/SPEC.md itself, so the code and the document cannot
drift apart unnoticed: the same ops in ``Op`` order, the same costs, the operand
kinds of SPEC 6's well-formedness sentence, one function per op that takes exactly
those operands, and a docstring naming the op and every failure its row lists.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from txparity.executors.code import CodeNotWellFormed, parse_code
from txparity.executors.model import Op
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
}


def spec_rows() -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """op -> (cost, operand count, failure reasons) from SPEC 6's table."""
    text = SPEC.read_text(encoding="utf-8")
    section = text[text.index("## 6. ") : text.index("## 7. ")]
    rows: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        ops, cost, _effect, fails = (cell.strip() for cell in line.strip("|").split(" | "))
        reasons = tuple(re.findall(r"`([a-z_]+)`", fails))
        for written in re.findall(r"`([^`]+)`", ops):
            name, *operands = written.split()
            rows[name] = (int(cost), len(operands), reasons)
    return rows


def test_the_spec_table_is_read_whole() -> None:
    rows = spec_rows()
    assert len(rows) == 23
    assert rows["CALL"] == (20, 3, ("stack", "bad_call", "depth"))
    assert rows["PAY"] == (10, 0, ("stack", "contract_funds"))


def test_the_table_has_one_row_per_op_in_op_order() -> None:
    assert list(INSTRUCTIONS) == list(Op)
    assert set(spec_rows()) == {op.value for op in Op}


@pytest.mark.parametrize("op", list(Op))
def test_each_row_matches_spec_6(op: Op) -> None:
    cost, operand_count, _ = spec_rows()[op.value]
    row = INSTRUCTIONS[op]
    assert row.cost == cost
    assert row.operands == OPERAND_KINDS.get(op, ())
    assert len(row.operands) == operand_count
    assert row.since == 1


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


@pytest.mark.parametrize("op", list(Op))
def test_the_grammar_takes_its_operand_count_from_the_row(op: Op) -> None:
    """An op with one operand too many is refused, naming the count from the row."""
    fitting = {Operand.U64: 0, Operand.ARG_INDEX: 0, Operand.TARGET: 0, Operand.ADDRESS: "c"}
    operands = [fitting.get(kind, 0) for kind in INSTRUCTIONS[op].operands]
    assert parse_code({"0": [[op.value, *operands]]}).entries[0][0].op is op
    with pytest.raises(CodeNotWellFormed) as refused:
        parse_code({"0": [[op.value, *operands, 0]]})
    assert refused.value.message == f"{op} takes {len(operands)} operand(s)"
