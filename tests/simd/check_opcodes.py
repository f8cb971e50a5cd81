#!/usr/bin/env python3
"""Checks src/wasm/simd_ops.def against wabt, an independent encoder.

For every row it assembles a function that uses the instruction with operands typed by the
row's shape (so wat2wasm's validator confirms the shape), then checks that the bytes wat2wasm
emitted are 0xFD + LEB128(opcode). Lane-indexed rows must accept lane `lanes-1` and reject
lane `lanes`; memory rows must accept alignment 2^align and reject 2^(align+1).

usage: check_opcodes.py simd_ops.def wat2wasm wasm-objdump
"""
import os
import re
import subprocess
import sys
import tempfile

V = "(v128.const i64x2 0 0)"
ADDR = "(i32.const 0)"
SPLAT_OPERAND = {"I32": "(i32.const 0)", "I64": "(i64.const 0)", "F32": "(f32.const 0)", "F64": "(f64.const 0)"}
RESULT = {"I32": "i32", "I64": "i64", "F32": "f32", "F64": "f64"}


def text_name(c_name):
    return c_name.replace("_", ".", 1)


def body(name, shape, lanes, align, lane=None, align_bytes=None):
    """Returns (result type or None, folded instruction) for one row."""
    lane = lanes - 1 if lane is None else lane
    memarg = "align=%d" % ((1 << align) if align_bytes is None else align_bytes)
    kind = shape.split("_")[-1]
    if shape == "SIMD_LOAD":
        return "v128", "(%s %s %s)" % (name, memarg, ADDR)
    if shape == "SIMD_STORE":
        return None, "(%s %s %s %s)" % (name, memarg, ADDR, V)
    if shape == "SIMD_LOAD_LANE":
        return "v128", "(%s %s %d %s %s)" % (name, memarg, lane, ADDR, V)
    if shape == "SIMD_STORE_LANE":
        return None, "(%s %s %d %s %s)" % (name, memarg, lane, ADDR, V)
    if shape == "SIMD_CONST":
        return "v128", "(v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)"
    if shape == "SIMD_SHUFFLE":
        return "v128", "(%s 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 %s %s)" % (name, V, V)
    if shape.startswith("SIMD_EXTRACT_"):
        return RESULT[kind], "(%s %d %s)" % (name, lane, V)
    if shape.startswith("SIMD_REPLACE_"):
        return "v128", "(%s %d %s %s)" % (name, lane, V, SPLAT_OPERAND[kind])
    if shape.startswith("SIMD_SPLAT_"):
        return "v128", "(%s %s)" % (name, SPLAT_OPERAND[kind])
    operands = {"SIMD_UNARY": [V], "SIMD_BINARY": [V, V], "SIMD_TERNARY": [V, V, V],
                "SIMD_TEST": [V], "SIMD_SHIFT": [V, "(i32.const 1)"]}[shape]
    result = "i32" if shape == "SIMD_TEST" else "v128"
    return result, "(%s %s)" % (name, " ".join(operands))


def func(result, instr):
    return "  (func %s %s)\n" % ("(result %s)" % result if result else "", instr)


def assemble(wat2wasm, text, out_path):
    with tempfile.NamedTemporaryFile("w", suffix=".wat", delete=False) as f:
        f.write(text)
    try:
        run = subprocess.run([wat2wasm, f.name, "-o", out_path], capture_output=True, text=True)
        return run.returncode == 0, run.stderr
    finally:
        os.unlink(f.name)


def leb128(value):
    out = []
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return out


def main():
    def_path, wat2wasm, objdump = sys.argv[1:4]
    rows = []
    for line in open(def_path):
        m = re.match(r"WASM_SIMD_OP\((\w+), (0x[0-9A-F]+), (\w+), (\d+), (\d+)\)", line)
        if m:
            rows.append((m.group(1), int(m.group(2), 16), m.group(3), int(m.group(4)), int(m.group(5))))
        elif line.startswith("WASM_SIMD_OP"):
            sys.exit("unparsable row: " + line)
    failures = []
    if len(rows) != 236:
        failures.append("expected 236 SIMD instructions, table has %d" % len(rows))
    if len({r[1] for r in rows}) != len(rows) or len({r[0] for r in rows}) != len(rows):
        failures.append("duplicate name or opcode")

    tmp = tempfile.mkdtemp()
    wasm = os.path.join(tmp, "all.wasm")
    module = "(module (memory 1)\n" + "".join(
        func(*body(text_name(c), shape, lanes, align)) for c, _, shape, lanes, align in rows) + ")\n"
    ok, err = assemble(wat2wasm, module, wasm)
    if not ok:
        sys.exit("wat2wasm rejected the shapes:\n" + err)
    dump = subprocess.run([objdump, "-d", wasm], capture_output=True, text=True, check=True).stdout
    # The instruction under test is the last one of each function (operands come first).
    last_per_func = []
    current = None
    for line in dump.splitlines():
        if re.match(r"^[0-9a-f]+ func\[", line):
            current = None
            last_per_func.append(None)
            continue
        m = re.match(r"^ [0-9a-f]+: ([0-9a-f ]+)\| (\S.*)$", line)
        if m and last_per_func:
            if m.group(2).strip() == "end":
                last_per_func[-1] = current
            else:
                current = (bytes.fromhex(m.group(1)), m.group(2).split()[0])
    if len(last_per_func) != len(rows):
        sys.exit("objdump shows %d functions for %d rows" % (len(last_per_func), len(rows)))
    for (c_name, opcode, shape, lanes, align), seen in zip(rows, last_per_func):
        expected = bytes([0xFD] + leb128(opcode))
        if seen is None or seen[1] != text_name(c_name) or not seen[0].startswith(expected):
            emitted = "nothing" if seen is None else "%s for %s" % (seen[0].hex(), seen[1])
            failures.append("%s: table says %s, wat2wasm emitted %s" % (c_name, expected.hex(), emitted))

    for c_name, opcode, shape, lanes, align in rows:
        name = text_name(c_name)
        if lanes:
            ok, _ = assemble(wat2wasm, "(module (memory 1)\n" + func(*body(name, shape, lanes, align, lane=lanes)) + ")", wasm)
            if ok:
                failures.append("%s: lane %d accepted, so lanes=%d is too small" % (c_name, lanes, lanes))
        if shape in ("SIMD_LOAD", "SIMD_STORE", "SIMD_LOAD_LANE", "SIMD_STORE_LANE"):
            ok, _ = assemble(wat2wasm, "(module (memory 1)\n" + func(*body(name, shape, lanes, align, align_bytes=2 << align)) + ")", wasm)
            if ok:
                failures.append("%s: alignment %d accepted, so align=%d is too small" % (c_name, 2 << align, align))
    for f in failures:
        print("FAIL", f)
    print("%d SIMD instructions checked, %d failures" % (len(rows), len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
