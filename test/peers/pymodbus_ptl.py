#!/usr/bin/python3
"""Independent Modbus peer for the driver contract suite (STYLE.md section 8).

A pymodbus (Debian python3-pymodbus, 3.0.x) server holding the pickline-ptl-v1
register map of CONTRACTS.md section 4 for a set of unit ids, over Modbus TCP
or RTU on a serial device (one end of a socat pty pair).

Usage:
  pymodbus_ptl.py --units 1,2,3 --tcp            # listens on 127.0.0.1, ephemeral port
  pymodbus_ptl.py --units 1,2,3 --rtu /dev/pts/7 --baud 19200

Prints one line `READY {"transport": "tcp", "host": ..., "port": ...}` on stdout
once serving. Then reads JSON commands, one per line, on stdin and answers each
with one JSON line on stdout:
  {"cmd": "press", "unit": 1, "key": "confirm"|"short"}
  {"cmd": "plus", "unit": 1, "n": 1}     {"cmd": "minus", "unit": 1, "n": 1}
  {"cmd": "regs", "unit": 1, "table": "h"|"i", "address": 0, "count": 4}
  {"cmd": "silence", "unit": 1, "on": true|false}   the unit stops answering / answers again
  {"cmd": "quit"}
Pymodbus cannot write input registers over Modbus, hence this side channel.
A confirm press while UNIT_ID (holding 100) differs from the unit id moves the
module to the new id and is not a key event (accept "key" of the profile).
"""
import argparse
import asyncio
import json
import logging
import sys

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

MODE, COLOR, DISPLAY, JOB_SEQ, UNIT_ID = 0, 1, 2, 3, 100
EVENT_COUNT, EVENT_KEY, EVENT_QTY, EVENT_SEQ = 0, 1, 2, 3
KEYS = {"confirm": 1, "short": 2}
BLANK, DISPLAY_MAX = 65535, 9999


def make_unit(unit):
    hr = ModbusSequentialDataBlock(0, [0] * 128)
    ir = ModbusSequentialDataBlock(0, [0] * 32)
    ctx = ModbusSlaveContext(
        hr=hr, ir=ir,
        co=ModbusSequentialDataBlock(0, [0] * 8),
        di=ModbusSequentialDataBlock(0, [0] * 8),
        zero_mode=True,
    )
    ctx.setValues(3, DISPLAY, [BLANK])
    ctx.setValues(3, UNIT_ID, [unit])
    ctx.setValues(4, 10, [1, 2, 3, 5000 + unit])  # MODEL, FW_MAJOR, FW_MINOR, SERIAL
    return ctx


class Bank:
    def __init__(self, units):
        self.context = ModbusServerContext(slaves={u: make_unit(u) for u in units}, single=False)
        self.silent = {}  # units taken out of the server context: no reply (ignore_missing_slaves)

    def unit(self, unit):
        return self.silent[unit] if unit in self.silent else self.context[unit]

    def silence(self, unit, on):
        if on and unit not in self.silent:
            self.silent[unit] = self.context[unit]
            del self.context[unit]
        elif not on and unit in self.silent:
            self.context[unit] = self.silent.pop(unit)
        return {"ok": True}

    def press(self, unit, key):
        ctx = self.unit(unit)
        new_id = ctx.getValues(3, UNIT_ID, 1)[0]
        if key == "confirm" and new_id != unit:
            del self.context[unit]
            self.context[new_id] = ctx
            return {"ok": True, "readdressed": new_id}
        count, = ctx.getValues(4, EVENT_COUNT, 1)
        display, seq = ctx.getValues(3, DISPLAY, 2)
        ctx.setValues(4, EVENT_COUNT, [(count + 1) & 0xFFFF, KEYS[key], display, seq])
        return {"ok": True}

    def adjust(self, unit, delta):
        ctx = self.unit(unit)
        mode, _, display = ctx.getValues(3, MODE, 3)
        if mode != 0 and display != BLANK:
            ctx.setValues(3, DISPLAY, [max(0, min(DISPLAY_MAX, display + delta))])
        return {"ok": True}

    def run(self, cmd):
        c = cmd["cmd"]
        if c == "press":
            return self.press(cmd["unit"], cmd.get("key", "confirm"))
        if c in ("plus", "minus"):
            n = cmd.get("n", 1)
            return self.adjust(cmd["unit"], n if c == "plus" else -n)
        if c == "silence":
            return self.silence(cmd["unit"], bool(cmd.get("on", True)))
        if c == "regs":
            fc = 3 if cmd.get("table", "h") == "h" else 4
            return {"values": self.unit(cmd["unit"]).getValues(fc, cmd["address"], cmd.get("count", 1))}
        return {"error": f"unknown command {c}"}


async def commands(bank, stop):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break  # stdin closed: the test is gone
        line = line.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
            if cmd.get("cmd") == "quit":
                break
            out = bank.run(cmd)
        except Exception as exc:  # a bad command must not kill the peer
            out = {"error": repr(exc)}
        print(json.dumps(out), flush=True)
    stop.set()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", required=True)
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rtu")
    ap.add_argument("--baud", type=int, default=19200)
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    bank = Bank([int(u) for u in args.units.split(",")])
    stop = asyncio.Event()
    if args.rtu:
        server = ModbusSerialServer(
            bank.context, framer=ModbusRtuFramer, port=args.rtu, baudrate=args.baud,
            ignore_missing_slaves=True,
        )
        await server.start()
        ready = {"transport": "rtu", "path": args.rtu, "baud": args.baud}
    else:
        server = ModbusTcpServer(
            bank.context, framer=ModbusSocketFramer, address=(args.host, args.port),
            ignore_missing_slaves=True,
        )
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        port = server.server.sockets[0].getsockname()[1]
        ready = {"transport": "tcp", "host": args.host, "port": port}
    print("READY " + json.dumps(ready), flush=True)
    await commands(bank, stop)
    await stop.wait()
    await server.shutdown()
    if not args.rtu:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
