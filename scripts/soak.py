#!/usr/bin/env python3
"""Chaos soak of the local Imagery system: a stream of uploads while processes are killed and paused.

What runs (everything on 127.0.0.1, every process started here is stopped at the end, also on
failure and Ctrl-C; children also get SIGKILL if this script dies, through setpriv --pdeathsig):

- moto (scripts/moto-server.py) on a free port, with the imagery-local stack (bucket, table, queue
  + DLQ) created in it through CloudFormation;
- one imagery-server and several imagery-worker processes (the binaries in --bin-dir), configured
  as on an instance, with a short visibility timeout so that a killed worker's messages come back
  within seconds;
- a load generator: client threads that create images and upload a seeded mix of files through the
  HTTP API, retrying as a careful client does (connection errors, 5xx; a 409 after a lost answer
  means an earlier attempt went through):
    valid    PNG (RGB, RGBA, grey; 1x1 to 640x360) and JPEG (4:2:0, 4:4:4, grey; 8x8 to 2000x1500,
             sizes that are not multiples of the block size), written by this script;
    rejected not images (text, GIF, empty, random bytes): the server answers 415 before storing
             anything, so the image stays `created` with nothing stored and nothing queued;
    corrupt  what passes the server's sniff (a JPEG or PNG signature) but cannot be decoded: a
             truncated JPEG, a truncated PNG, a signature followed by garbage, a 3-byte JPEG, a PNG
             header claiming 30000x30000 pixels. The worker marks these `failed` with a reason.
  Every pool file is first run through `imagery-worker sepia IN OUT` offline: valid files must
  convert (their output is what the processed object must equal byte for byte), corrupt ones must
  be refused; PNG outputs are also checked pixel by pixel against Jimp's sepia computed here.
- a fault injector that, at seeded random moments, SIGKILLs a worker and restarts it, SIGTERMs one
  (graceful drain: it must exit 0) and restarts it, restarts the server (SIGTERM) or SIGKILLs and
  restarts it, and pauses moto with SIGSTOP for 2-5 s; one fault at a time, every kind once early
  on. Worker 1 is never killed, and in a run of at least twice --trend-min-seconds the server is
  left alone for the last --trend-min-seconds, so that long-lived processes exist whose memory
  trend can be judged.
- a sampler of RSS (VmRSS, VmHWM from /proc) of every server and worker process, once a second,
  and an observer that reads random images through the API to catch a state going backwards.

After the load phase the faults stop and the system drains (bounded). Then the invariants, each
printed with its figures; the exit status is 1 if any fails:

- lost = 0: every accepted upload ends `processed` (valid files) or `failed` (exactly the corrupt
  ones); every rejected upload left its image `created`, version 0, with no upload/ object;
- the processed object of every processed image is byte-identical to the offline output, also
  when read through GET /image/{id}/processed.png (a sample);
- duplicates = 0: no image reached `processed` twice (the workers' "processed" log lines), has
  more than one object under processed/, or was seen going back to an earlier state or version;
- the queue holds no visible or in-flight message and the DLQ is empty; no object under
  processed/ lacks a processed record pointing at it; records the client never heard of (a
  POST /image whose answer was lost to a server kill) are `created` and nothing else;
- no process crashed (exited without being told to); every SIGTERM ended in exit 0 within 30 s;
- memory: every process's peak RSS (VmHWM) stays under --max-rss-mib (128 MiB; the release
  binaries peak near 50 MiB); an incarnation that lived at least --trend-min-seconds (120 s) grew,
  from the first to the last quarter of its life after a 20 s warm-up (median RSS), by no more than
  --max-growth-percent (25 %) or --growth-slack-mib (16 MiB), whichever is larger. That catches a
  leak of image buffers, not one of a few bytes per request.

The report adds: faults by kind, requests the clients had to retry (refused, reset, 5xx), the
time from the first upload attempt to the record's `updated` stamp when it became processed
(p50/p90/p99), how many images waited a whole visibility timeout and whether a worker SIGKILL
explains it, and the RSS figures. Not covered: a client that gives up after the server died
between the state write and SendMessage would leave its image `uploaded` with no message (this
client retries, which heals it; nothing in the system re-enqueues such an image).

Usage:
    make soak                                  # 300 s, writes bench/results/soak.txt and soak.json
    make soak SOAK_SECONDS=600 SOAK_SEED=42    # longer, or rerun a seed's fault schedule
    make soak-short                            # what make test runs: 30 s -> .infra/soak-short.txt
    scripts/soak.py --bin-dir packer/build/bin --seconds 60 --seed 7 --report /tmp/soak.txt

The seed fixes the pool of files, the sequence of uploads and the fault schedule (kinds, targets,
moments, pause lengths), not the interleaving of threads and processes, so a rerun reproduces the
conditions rather than the exact run. Logs of every process are kept in --work-dir.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import imagery_api  # noqa: E402  (scripts/imagery_api.py, beside this file)
import benchlib  # noqa: E402  (stdlib only: machine description and bench/results files)

VISIBILITY_SECONDS = 12
WORKER_WAIT_SECONDS = 5
WORKER_CONCURRENCY = 2
TERM_EXIT_BOUND_SECONDS = 30
WARMUP_SECONDS = 20
FAULT_KINDS = ("worker_kill", "worker_term", "server_restart", "server_kill", "moto_pause")
FAULT_TITLES = {
    "worker_kill": "worker SIGKILL, restarted",
    "worker_term": "worker SIGTERM (graceful drain), restarted",
    "server_restart": "server SIGTERM, restarted",
    "server_kill": "server SIGKILL, restarted",
    "moto_pause": "moto paused (SIGSTOP 2-5 s, SIGCONT)",
}


class SoakError(Exception):
    """The soak could not be set up or run (as opposed to an invariant that failed)."""


# ---------------------------------------------------------------------------------------------
# Images: PNG and baseline JPEG writers, a PNG reader, Jimp's sepia
# ---------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_encode(width: int, height: int, color_type: int, rows: list[bytes]) -> bytes:
    """An 8-bit, non-interlaced PNG with filter type 0 on every row."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in rows)
    return PNG_SIGNATURE + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(data, 6)) + png_chunk(b"IEND", b"")


def png_decode(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, channels, rows) of an 8-bit non-interlaced PNG; enough for the worker's output."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    offset, idat, header = 8, bytearray(), None
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, color_type, _, _, interlace = header
    if depth != 8 or interlace != 0 or color_type not in PNG_CHANNELS:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {color_type}, interlace {interlace}")
    channels = PNG_CHANNELS[color_type]
    raw = zlib.decompress(bytes(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        elif kind != 0:
            raise ValueError(f"PNG row {y} has filter type {kind}")
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def png_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(PNG_SIGNATURE) or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def jimp_sepia(r: int, g: int, b: int) -> tuple[int, int, int]:
    """Jimp 0.16's sepia: each step uses the new value of the one before; truncation; clamp at 255."""
    r1 = r * 0.393 + g * 0.769 + b * 0.189
    g1 = r1 * 0.349 + g * 0.686 + b * 0.168
    b1 = r1 * 0.272 + g1 * 0.534 + b * 0.131
    return (int(r1) if r1 < 255 else 255, int(g1) if g1 < 255 else 255, int(b1) if b1 < 255 else 255)


class BitWriter:
    """MSB-first bit packing with JPEG byte stuffing (0xFF is followed by 0x00)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.bits = 0
        self.count = 0

    def write(self, value: int, length: int) -> None:
        self.bits = (self.bits << length) | (value & ((1 << length) - 1))
        self.count += length
        while self.count >= 8:
            self.count -= 8
            byte = (self.bits >> self.count) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)
        self.bits &= (1 << self.count) - 1

    def finish(self) -> bytes:
        if self.count:
            pad = 8 - self.count
            self.write((1 << pad) - 1, pad)
        return bytes(self.out)


# One DC and one AC Huffman table with fixed-length codes: valid (no all-ones code), simple, and the
# decoder does not care that they are not optimal. A symbol's code is its index in the list.
DC_SYMBOLS = list(range(12))
AC_SYMBOLS = [0x00, 0xF0] + [(run << 4) | size for run in range(16) for size in range(1, 11)]
AC_CODE = {symbol: index for index, symbol in enumerate(AC_SYMBOLS)}
JPEG_QUANT = 16
JPEG_LAYOUTS = {"gray": [(1, 1, 1)], "444": [(1, 1, 1), (2, 1, 1), (3, 1, 1)], "420": [(1, 2, 2), (2, 1, 1), (3, 1, 1)]}


def magnitude(value: int) -> tuple[int, int]:
    """JPEG's (size category, extra bits) of a coefficient or DC difference."""
    size = abs(value).bit_length()
    return size, (value if value >= 0 else value + (1 << size) - 1)


def jpeg_encode(width: int, height: int, layout: str, rng: random.Random) -> bytes:
    """A baseline JPEG built in the frequency domain: smooth DC fields plus a few random AC terms.

    No forward DCT is needed (the coefficients are chosen, not computed), so even 2000x1500 takes a
    second in pure Python; the pixels are whatever libjpeg makes of them, and the soak compares the
    worker against its own offline pipeline on the same bytes.
    """
    components = JPEG_LAYOUTS[layout]
    h_max = max(h for _, h, _ in components)
    v_max = max(v for _, _, v in components)
    mcus_x, mcus_y = math.ceil(width / (8 * h_max)), math.ceil(height / (8 * v_max))
    phases = [(rng.uniform(0.5, 3), rng.uniform(0.5, 3), rng.uniform(0, 6.3)) for _ in components]

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload

    def huffman(table_class: int, symbols: list[int], length: int) -> bytes:
        counts = [0] * 16
        counts[length - 1] = len(symbols)
        return bytes([table_class << 4]) + bytes(counts) + bytes(symbols)

    out = bytearray(b"\xFF\xD8")
    out += segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += segment(0xDB, bytes([0]) + bytes([JPEG_QUANT] * 64))
    out += segment(0xC0, struct.pack(">BHHB", 8, height, width, len(components))
                   + b"".join(bytes([cid, (h << 4) | v, 0]) for cid, h, v in components))
    out += segment(0xC4, huffman(0, DC_SYMBOLS, 4) + huffman(1, AC_SYMBOLS, 8))
    out += segment(0xDA, bytes([len(components)]) + b"".join(bytes([cid, 0x00]) for cid, _, _ in components) + b"\x00\x3F\x00")

    def ac_bits(coefficients: list[int]) -> tuple[int, int]:
        """The entropy-coded AC part of a block (zig-zag positions 1..63) as one (bits, length)."""
        value, length, run = 0, 0, 0

        def put(code: int, n: int) -> None:
            nonlocal value, length
            value, length = (value << n) | code, length + n

        last = max((k for k, c in enumerate(coefficients) if c), default=-1)
        for coefficient in coefficients[:last + 1]:
            if coefficient == 0:
                run += 1
                continue
            while run > 15:
                put(AC_CODE[0xF0], 8)
                run -= 16
            size, extra = magnitude(coefficient)
            put(AC_CODE[(run << 4) | size], 8)
            put(extra, size)
            run = 0
        if last + 1 < 63:
            put(AC_CODE[0x00], 8)
        return value, length

    # 256 random AC patterns (a few low frequencies, sometimes one higher), picked per block.
    patterns = []
    for _ in range(256):
        coefficients = [rng.randint(-4, 4) for _ in range(5)]
        if rng.random() < 0.15:
            coefficients += [0] * rng.randint(0, 20) + [rng.choice((-3, -2, 2, 3))]
        patterns.append(ac_bits(coefficients))

    bits = BitWriter()
    previous_dc = [0] * len(components)
    for my in range(mcus_y):
        for mx in range(mcus_x):
            for index, (_, h, v) in enumerate(components):
                fx, fy, phase = phases[index]
                for by in range(v):
                    for bx in range(h):
                        u = (mx * h + bx) / (mcus_x * h)
                        w = (my * v + by) / (mcus_y * v)
                        amplitude = 95 if index == 0 else 45
                        mean = amplitude * math.sin(6.2832 * (u * fx + w * fy) + phase)
                        dc = round(8 * mean / JPEG_QUANT)
                        size, extra = magnitude(dc - previous_dc[index])
                        previous_dc[index] = dc
                        bits.write((size << size) | extra, 4 + size)
                        bits.write(*patterns[rng.getrandbits(8)])
    out += bits.finish()
    out += b"\xFF\xD9"
    return bytes(out)


def scene_rows(width: int, height: int, channels: int, rng: random.Random) -> list[bytes]:
    """Gradients, a checker of coloured tiles and noise; alpha (4 channels) is a diagonal ramp."""
    tiles = [tuple(rng.randrange(256) for _ in range(3)) for _ in range(16)]
    tile = max(4, min(width, height) // 6)
    rows = []
    for y in range(height):
        row = bytearray()
        gy = y * 255 // max(1, height - 1)
        for x in range(width):
            gx = x * 255 // max(1, width - 1)
            tr, tg, tb = tiles[((x // tile) + 3 * (y // tile)) % 16]
            noise = rng.getrandbits(5)
            r, g, b = ((gx + tr) // 2) ^ noise, (gy + tg) // 2, min(255, (255 - gx + tb) // 2 + noise // 4)
            if channels == 1:
                row.append((r * 3 + g * 6 + b) // 10)
            elif channels == 3:
                row += bytes((r, g, b))
            else:
                row += bytes((r, g, b, (x + y) * 255 // max(1, width + height - 2)))
        rows.append(bytes(row))
    return rows


def expected_sepia_rows(rows: list[bytes], channels: int) -> tuple[int, list[bytes]]:
    """The worker's output pixels for an 8-bit input: RGB, or RGBA when the input has alpha."""
    out_channels = 4 if channels in (2, 4) else 3
    result = []
    for row in rows:
        out = bytearray()
        for i in range(0, len(row), channels):
            if channels <= 2:
                r = g = b = row[i]
            else:
                r, g, b = row[i], row[i + 1], row[i + 2]
            out += bytes(jimp_sepia(r, g, b))
            if out_channels == 4:
                out.append(row[i + channels - 1])
        result.append(bytes(out))
    return out_channels, result


# ---------------------------------------------------------------------------------------------
# The pool of files the load generator uploads
# ---------------------------------------------------------------------------------------------

@dataclass
class Sample:
    name: str
    kind: str  # "valid", "rejected" (the server answers 415) or "corrupt" (the worker fails it)
    data: bytes
    content_type: str
    filename: str
    weight: float
    expected_output: bytes | None = None  # what `imagery-worker sepia` writes for it
    reference_rows: tuple[int, list[bytes]] | None = None  # Jimp's sepia of the pixels, for PNGs we wrote
    reference_checked: bool = False


def build_pool(seed: int, worker_binary: Path, work: Path) -> list[Sample]:
    rng = random.Random(f"pool-{seed}")
    pool: list[Sample] = []

    def png(name, width, height, color_type, weight, reference=True):
        channels = PNG_CHANNELS[color_type]
        rows = scene_rows(width, height, channels, rng)
        sample = Sample(name, "valid", png_encode(width, height, color_type, rows), "image/png", f"{name}.png", weight)
        if reference:
            sample.reference_rows = expected_sepia_rows(rows, channels)
        pool.append(sample)
        return sample

    def jpeg(name, width, height, layout, weight):
        sample = Sample(name, "valid", jpeg_encode(width, height, layout, rng), "image/jpeg", f"{name}.jpg", weight)
        pool.append(sample)
        return sample

    png("png-rgb-1x1", 1, 1, 2, 2)
    png("png-rgb-64x48", 64, 48, 2, 8)
    png("png-rgba-128x96", 128, 96, 6, 6)
    png("png-grey-200x150", 200, 150, 0, 5)
    png("png-rgb-333x211", 333, 211, 2, 6)
    png("png-rgb-640x360", 640, 360, 2, 4, reference=False)
    jpeg("jpeg444-8x8", 8, 8, "444", 3)
    jpeg("jpeg-grey-100x75", 100, 75, "gray", 6)
    jpeg("jpeg444-256x256", 256, 256, "444", 8)
    big_jpeg = jpeg("jpeg420-640x480", 640, 480, "420", 10)
    jpeg("jpeg420-1023x767", 1023, 767, "420", 8)
    jpeg("jpeg420-2000x1500", 2000, 1500, "420", 4)
    big_png = next(s for s in pool if s.name == "png-rgb-640x360")

    def invalid(name, kind, data, content_type, filename, weight):
        pool.append(Sample(name, kind, data, content_type, filename, weight))

    # Refused by the server (first bytes are neither JPEG nor PNG): about 10 % of uploads.
    invalid("text", "rejected", b"this is not an image\n" * 40, "image/jpeg", "notes.jpg", 3)
    invalid("gif", "rejected", b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(30) + b";", "image/gif", "a.gif", 2)
    invalid("empty", "rejected", b"", "image/png", "empty.png", 2)
    invalid("random", "rejected", b"\x00" + bytes(rng.randrange(256) for _ in range(3000)), "application/octet-stream", "x.bin", 3)
    # Accepted by the server, refused by the decoder: about 10 % of uploads.
    cut = len(big_jpeg.data) // 2
    invalid("jpeg-truncated", "corrupt", big_jpeg.data[:cut], "image/jpeg", "cut.jpg", 3)
    invalid("jpeg-magic-garbage", "corrupt", b"\xFF\xD8\xFF" + bytes(rng.randrange(256) for _ in range(2000)), "image/jpeg", "g.jpg", 2)
    invalid("jpeg-3-bytes", "corrupt", b"\xFF\xD8\xFF", "image/jpeg", "3.jpg", 1)
    invalid("png-truncated", "corrupt", big_png.data[:len(big_png.data) * 2 // 3], "image/png", "cut.png", 2)
    invalid("png-magic-garbage", "corrupt", PNG_SIGNATURE + bytes(rng.randrange(256) for _ in range(500)), "image/png", "g.png", 1)
    bomb_header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    bomb = PNG_SIGNATURE + png_chunk(b"IHDR", bomb_header) + png_chunk(b"IDAT", zlib.compress(bytes(1000))) + png_chunk(b"IEND", b"")
    invalid("png-30000x30000", "corrupt", bomb, "image/png", "bomb.png", 1)

    # What the worker's own pipeline makes of each file, offline: the expectation for the soak.
    offline = work / "offline"
    offline.mkdir(parents=True, exist_ok=True)
    for sample in pool:
        if sample.kind == "rejected":
            continue
        source, target = offline / sample.filename, offline / (sample.name + ".out.png")
        source.write_bytes(sample.data)
        target.unlink(missing_ok=True)
        result = subprocess.run([str(worker_binary), "sepia", str(source), str(target)], capture_output=True, text=True, timeout=120)
        if sample.kind == "valid":
            if result.returncode != 0:
                raise SoakError(f"the pool file {sample.name} is meant to be valid, but `imagery-worker sepia` refused it: "
                                f"{result.stderr.strip()}")
            sample.expected_output = target.read_bytes()
            if png_size(sample.expected_output) is None:
                raise SoakError(f"`imagery-worker sepia` wrote no PNG for {sample.name}")
        elif result.returncode != 2:
            raise SoakError(f"the pool file {sample.name} is meant to be undecodable, but `imagery-worker sepia` exited "
                            f"{result.returncode} ({result.stdout.strip() or result.stderr.strip()}); fix the soak's sample")
    # An independent check of the expectation: Jimp's sepia of the pixels we wrote.
    for sample in pool:
        if sample.reference_rows is None or sample.expected_output is None:
            continue
        channels, expected = sample.reference_rows
        width, height, got_channels, rows = png_decode(sample.expected_output)
        if got_channels != channels or rows != expected:
            bad = next((y for y, (a, b) in enumerate(zip(rows, expected)) if a != b), None)
            raise SoakError(f"`imagery-worker sepia` of {sample.name} differs from Jimp's sepia computed here "
                            f"(channels {got_channels} vs {channels}, first differing row {bad})")
        sample.reference_checked = True
        sample.reference_rows = None  # free the memory
    return pool


# ---------------------------------------------------------------------------------------------
# Processes: moto, the server and the workers
# ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Incarnation:
    """One run of one process, from start to exit, with its RSS samples."""
    role: str
    name: str
    number: int
    pid: int
    started: float
    ended: float | None = None
    exit_code: int | None = None
    expected_exit: str | None = None  # "SIGKILL", "SIGTERM" or None (it should still be running)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, KiB)
    peak_kib: int = 0


# setpriv (util-linux) sets the parent-death signal and execs the program; without it, children are
# still stopped on every exit of this script except a SIGKILL.
DEATH_SIGNAL_PREFIX = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


class Child:
    """A server or worker process slot: started, signalled and restarted by the main thread only."""

    def __init__(self, role: str, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self.role, self.name, self.argv, self.env, self.log_path = role, name, argv, env, log_path
        self.proc: subprocess.Popen | None = None
        self.current: Incarnation | None = None
        self.history: list[Incarnation] = []

    def start(self) -> None:
        number = len(self.history) + 1
        with open(self.log_path, "a") as log:
            log.write(f"==== soak: {self.name} incarnation {number} starting at {time.strftime('%H:%M:%S')} ====\n")
            log.flush()
            # setpriv --pdeathsig: the child dies with this script even if it is SIGKILLed; setpriv
            # execs the binary, so the pid (and /proc/PID) is the binary's.
            self.proc = subprocess.Popen([*DEATH_SIGNAL_PREFIX, *self.argv], env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.current = Incarnation(self.role, self.name, number, self.proc.pid, time.monotonic())
        self.history.append(self.current)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def reap(self) -> Incarnation | None:
        """Records the exit of a process that is gone; returns its incarnation if it exited."""
        if self.proc is None or self.current is None or self.proc.poll() is None:
            return None
        incarnation = self.current
        if incarnation.ended is None:
            incarnation.ended = time.monotonic()
            incarnation.exit_code = self.proc.returncode
        return incarnation

    def signal(self, signum: int, expected: str) -> None:
        if self.current is not None:
            self.current.expected_exit = expected
        if self.alive() and self.proc is not None:
            self.proc.send_signal(signum)

    def wait(self, timeout: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        self.reap()
        return True


class Moto:
    """moto in its own process (so SIGSTOP pauses it and nothing else), on a free loopback port."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "moto-server.py"), "--port", "0", "--stdin-lifeline"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.endpoint = ""
        self.paused = False

    def wait_ready(self) -> None:
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if not line.startswith("ready "):
            raise SoakError(f"moto did not start ({line!r}); is moto[server] installed (make deps)? see {self.log_path}")
        self.endpoint = line.split(" ", 1)[1]

    def pause(self) -> None:
        self.paused = True
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)
                if self.proc.stdin:
                    self.proc.stdin.close()
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def read_status_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a live process in KiB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    if "VmRSS" not in values:
        return None
    return int(values["VmRSS"]), int(values.get("VmHWM", values["VmRSS"]))


# ---------------------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------------------

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


def transport_error_kind(error: BaseException) -> str:
    """'refused' (nobody listening), 'timeout', or 'reset' (the connection broke with a request in flight)."""
    reason = error.reason if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError) else error
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timeout"
    return "reset"


# (status, body) of one request; an HTTP error status is an answer; raises one of TRANSPORT_ERRORS when
# no answer arrived.
http_call = imagery_api.http


def multipart(sample: Sample) -> tuple[bytes, str]:
    boundary = "soak-" + uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{sample.filename}\"\r\n"
            f"Content-Type: {sample.content_type}\r\n\r\n").encode()
    return head + sample.data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------------------------------------
# Load generator and observer
# ---------------------------------------------------------------------------------------------

@dataclass
class Upload:
    """One image as the client saw it."""
    sample: Sample
    id: str | None = None
    outcome: str = "pending"  # accepted, rejected, create_failed, gave_up, error
    detail: str = ""
    upload_started: float | None = None  # wall clock (time.time()), first attempt
    attempts: int = 0
    create_attempts: int = 0


class LoadGenerator:
    def __init__(self, base_url: str, pool: list[Sample], seed: int, rate: float, clients: int, retry_seconds: float) -> None:
        self.base_url, self.pool, self.rate, self.clients, self.retry_seconds = base_url, pool, rate, clients, retry_seconds
        # (what, kind, monotonic start, monotonic end) of every request that got no answer, and 5xx answers.
        self.transport_errors: list[tuple[str, str, float, float]] = []
        self.server_errors: collections.Counter = collections.Counter()
        self.rng = random.Random(f"load-{seed}")
        self.weights = [s.weight for s in pool]
        self.lock = threading.Lock()
        self.uploads: list[Upload] = []
        self.next_slot = time.monotonic()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.client, name=f"client-{i}", daemon=True) for i in range(clients)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def take_slot(self) -> Sample | None:
        with self.lock:
            now = time.monotonic()
            slot = max(self.next_slot, now - 1.0)  # a client that fell behind does not burst to catch up
            self.next_slot = slot + 1.0 / self.rate
            sample = self.rng.choices(self.pool, self.weights)[0]
        delay = slot - now
        if delay > 0 and self.stop.wait(delay):
            return None
        return None if self.stop.is_set() else sample

    def client(self) -> None:
        while not self.stop.is_set():
            sample = self.take_slot()
            if sample is None:
                return
            upload = Upload(sample)
            with self.lock:
                self.uploads.append(upload)
            try:
                self.run(upload)
            except Exception as error:  # a bug in the soak itself must not pass as a clean run
                upload.outcome, upload.detail = "error", f"client exception: {error!r}"

    def call_with_retries(self, what: str, method: str, url: str, make_body, counter) -> tuple[int, bytes, bool] | None:
        """Retries transport errors and 5xx until retry_seconds pass. Returns (status, body, had_lost_attempt)."""
        deadline = time.monotonic() + self.retry_seconds
        delay, lost = 0.1, False
        while True:
            counter()
            body, headers = make_body()
            began = time.monotonic()
            try:
                status, answer = http_call(method, url, body, headers, timeout=30)
                if status < 500:
                    return status, answer, lost
                with self.lock:
                    self.server_errors[f"{what} {status}"] += 1
            except TRANSPORT_ERRORS as error:
                with self.lock:
                    self.transport_errors.append((what, transport_error_kind(error), began, time.monotonic()))
            lost = True  # no answer, or 5xx: the request may or may not have taken effect
            if time.monotonic() + delay > deadline:
                return None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def run(self, upload: Upload) -> None:
        def count_create():
            upload.create_attempts += 1

        created = self.call_with_retries("create", "POST", f"{self.base_url}/image",
                                         lambda: (None, {"Accept": "application/json"}), count_create)
        if created is None or created[0] != 201:
            upload.outcome, upload.detail = "create_failed", f"POST /image: {created[0] if created else 'no answer'}"
            return
        upload.id = json.loads(created[1])["id"]

        def count_upload():
            upload.attempts += 1

        def body():
            payload, content_type = multipart(upload.sample)
            return payload, {"Content-Type": content_type, "Accept": "application/json"}

        upload.upload_started = time.time()
        answer = self.call_with_retries("upload", "POST", f"{self.base_url}/image/{upload.id}/upload", body, count_upload)
        if answer is None:
            upload.outcome, upload.detail = "gave_up", "no answer to the upload within the retry period"
            return
        status, payload, lost = answer
        if status in (200, 201):
            upload.outcome = "accepted"
        elif status == 415:
            upload.outcome = "rejected"
        elif status == 409 and lost:
            # An earlier attempt went through and its answer was lost; the image moved on since.
            upload.outcome, upload.detail = "accepted", "409 after a lost answer"
        else:
            upload.outcome, upload.detail = "error", f"upload answered {status}: {payload[:200]!r}"

    def snapshot(self) -> list[Upload]:
        with self.lock:
            return list(self.uploads)


STATE_RANK = {"created": 0, "uploaded": 1, "processed": 2, "failed": 2}


class Observer:
    """Reads random images through the API while the soak runs; flags a state or version going back."""

    def __init__(self, base_url: str, load: LoadGenerator, seed: int) -> None:
        self.base_url, self.load = base_url, load
        self.rng = random.Random(f"observer-{seed}")
        self.seen: dict[str, tuple[int, str]] = {}
        self.regressions: list[str] = []
        self.reads = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="observer", daemon=True)

    def loop(self) -> None:
        while not self.stop.wait(0.25):
            candidates = [u.id for u in self.load.snapshot()[-200:] if u.id and u.outcome in ("accepted", "pending")]
            for image_id in self.rng.sample(candidates, min(3, len(candidates))):
                try:
                    status, body = http_call("GET", f"{self.base_url}/image/{image_id}", headers={"Accept": "application/json"}, timeout=10)
                except TRANSPORT_ERRORS:
                    continue
                if status != 200:
                    continue
                record = json.loads(body)
                self.reads += 1
                version, state = record["version"], record["state"]
                before = self.seen.get(image_id)
                if before and (version < before[0] or STATE_RANK[state] < STATE_RANK[before[1]]
                               or (STATE_RANK[before[1]] == 2 and state != before[1])):
                    self.regressions.append(f"{image_id}: seen {before[1]} v{before[0]}, then {state} v{version}")
                if not before or version >= before[0]:
                    self.seen[image_id] = (version, state)


# ---------------------------------------------------------------------------------------------
# The soak
# ---------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[index]


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.seed = args.seed
        self.work = Path(args.work_dir).resolve()
        self.bin_dir = Path(args.bin_dir).resolve()
        self.faults: collections.Counter = collections.Counter()
        self.fault_log: list[str] = []
        self.term_exit_seconds: list[float] = []
        self.pause_seconds: list[float] = []
        self.server_windows: list[tuple[str, float, float]] = []  # (kind, signalled, healthy again), monotonic
        self.worker_faults: list[tuple[str, float]] = []  # (kind, wall clock), to explain slow images
        self.checks: list[Check] = []
        self.problems: list[str] = []  # problems seen while running (crashes, hung drains)
        self.moto: Moto | None = None
        self.server: Child | None = None
        self.workers: list[Child] = []
        self.sampler_stop = threading.Event()
        self.moto_rss: list[int] = []
        self.started = time.monotonic()

    # -- setup ------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[soak {time.monotonic() - self.started:7.1f}s] {message}", flush=True)

    def setup(self) -> None:
        for binary in ("imagery-server", "imagery-worker"):
            if not os.access(self.bin_dir / binary, os.X_OK):
                raise SoakError(f"{self.bin_dir / binary} is missing: build it (make stage, or make soak which does)")
        marker = self.work / ".soak-work-dir"
        if self.work.exists() and any(self.work.iterdir()):
            if not marker.exists():
                raise SoakError(f"{self.work} is not empty and not an earlier soak's work directory; choose another --work-dir")
            shutil.rmtree(self.work)
        (self.work / "spool").mkdir(parents=True)
        marker.touch()
        (self.work / "tmp").mkdir()

        self.moto = Moto(self.work / "moto.log")  # it imports for a few seconds: build the pool meanwhile
        self.log(f"seed {self.seed}; building the pool of files")
        self.pool = build_pool(self.seed, self.bin_dir / "imagery-worker", self.work)
        self.log(f"pool: {len(self.pool)} files ({sum(s.kind == 'valid' for s in self.pool)} valid, "
                 f"{sum(s.kind == 'rejected' for s in self.pool)} rejected by the server, "
                 f"{sum(s.kind == 'corrupt' for s in self.pool)} corrupt); "
                 f"{sum(s.reference_checked for s in self.pool)} checked against Jimp's sepia computed here")

        self.moto.wait_ready()
        self.log(f"moto on {self.moto.endpoint} (pid {self.moto.proc.pid})")
        import boto3  # from requirements-dev.txt
        from botocore.config import Config

        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        config = Config(retries={"max_attempts": 10, "mode": "standard"}, connect_timeout=5, read_timeout=30)
        self.cloudformation = session.client("cloudformation", endpoint_url=self.moto.endpoint, config=config)
        self.dynamodb = session.client("dynamodb", endpoint_url=self.moto.endpoint, config=config)
        self.s3 = session.client("s3", endpoint_url=self.moto.endpoint, config=config)
        self.sqs = session.client("sqs", endpoint_url=self.moto.endpoint, config=config)
        stack = "imagery-soak"
        self.cloudformation.create_stack(StackName=stack, TemplateBody=(ROOT / "templates" / "imagery-local.yaml").read_text())
        outputs = {o["OutputKey"]: o["OutputValue"] for o in self.cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}
        self.queue_url, self.dlq_url = outputs["QueueUrl"], outputs["DeadLetterQueueUrl"]
        self.bucket, self.table = outputs["BucketName"], outputs["TableName"]

        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        public = self.bin_dir.parent / "public"
        if not (public / "index.html").exists():
            public = ROOT / "Sources" / "ImageryServer" / "public"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "AWS_ENDPOINT_URL": self.moto.endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "TMPDIR": str(self.work / "tmp"),
            "IMAGERY_QUEUE_URL": self.queue_url, "IMAGERY_BUCKET": self.bucket, "IMAGERY_TABLE": self.table,
        }
        server_env = dict(env, IMAGERY_HOST="127.0.0.1", IMAGERY_PORT=str(self.port), IMAGERY_PUBLIC_DIR=str(public),
                          IMAGERY_SPOOL_DIR=str(self.work / "spool"))
        worker_env = dict(env, IMAGERY_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS), IMAGERY_WAIT_TIME_SECONDS=str(WORKER_WAIT_SECONDS),
                          IMAGERY_WORKER_CONCURRENCY=str(WORKER_CONCURRENCY), IMAGERY_BACKOFF_MS="200")
        self.server = Child("server", "server", [str(self.bin_dir / "imagery-server")], server_env, self.work / "server.log")
        self.workers = [Child("worker", f"worker-{i + 1}", [str(self.bin_dir / "imagery-worker"), "run"], worker_env,
                              self.work / f"worker-{i + 1}.log") for i in range(self.args.workers)]
        self.server.start()
        for worker in self.workers:
            worker.start()
        self.wait_healthy()
        self.log(f"server on {self.base_url}, {len(self.workers)} workers × {WORKER_CONCURRENCY} jobs, "
                 f"visibility {VISIBILITY_SECONDS} s, binaries from {self.bin_dir}")

    def wait_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if http_call("GET", f"{self.base_url}/health", timeout=2)[0] == 200:
                    return
            except TRANSPORT_ERRORS:
                pass
            if self.server and not self.server.alive():
                break
            time.sleep(0.1)
        raise SoakError(f"the server did not answer /health within {seconds} s; see {self.server.log_path if self.server else ''}")

    # -- background: RSS sampling --------------------------------------------------------------

    def sample_memory(self) -> None:
        while not self.sampler_stop.wait(1.0):
            for child in [self.server, *self.workers]:
                incarnation = child.current if child else None
                if incarnation is None or incarnation.ended is not None:
                    continue
                status = read_status_kib(incarnation.pid)
                if status:
                    incarnation.rss.append((time.monotonic(), status[0]))
                    incarnation.peak_kib = max(incarnation.peak_kib, status[1])
            if self.moto and not self.moto.paused:
                status = read_status_kib(self.moto.proc.pid)
                if status:
                    self.moto_rss.append(status[0])

    # -- faults ------------------------------------------------------------------------------

    def check_crashes(self) -> None:
        """Restarts (and reports) any process that exited without being told to."""
        for child in [self.server, *self.workers]:
            if child is None:
                continue
            incarnation = child.reap()
            if incarnation is not None and incarnation.expected_exit is None:
                problem = f"{child.name} (pid {incarnation.pid}) exited by itself with status {incarnation.exit_code}; see {child.log_path}"
                self.problems.append(problem)
                self.log("CRASH: " + problem)
                incarnation.expected_exit = "crash"
                child.start()
                if child.role == "server":
                    self.wait_healthy()

    def terminate(self, child: Child) -> None:
        """SIGTERM, then the process must exit 0 within the bound (graceful drain)."""
        child.signal(signal.SIGTERM, "SIGTERM")
        began = time.monotonic()
        if not child.wait(TERM_EXIT_BOUND_SECONDS):
            self.problems.append(f"{child.name} did not exit within {TERM_EXIT_BOUND_SECONDS} s of SIGTERM (killed)")
            child.signal(signal.SIGKILL, "SIGKILL")
            child.wait(10)
        else:
            self.term_exit_seconds.append(time.monotonic() - began)
            code = child.current.exit_code if child.current else None
            if code != 0:
                self.problems.append(f"{child.name} exited {code} after SIGTERM, not 0; see {child.log_path}")

    def inject(self, kind: str, rng: random.Random) -> None:
        victims = self.workers[1:] if len(self.workers) > 1 else self.workers
        if kind in ("worker_kill", "worker_term"):
            worker = rng.choice(victims)
            self.worker_faults.append((kind, time.time()))
            if kind == "worker_kill":
                worker.signal(signal.SIGKILL, "SIGKILL")
                worker.wait(10)
                time.sleep(rng.uniform(0.2, 2.0))
            else:
                self.terminate(worker)
            worker.start()
            target = worker.name
        elif kind in ("server_restart", "server_kill"):
            assert self.server is not None
            signalled = time.monotonic()
            if kind == "server_kill":
                self.server.signal(signal.SIGKILL, "SIGKILL")
                self.server.wait(10)
            else:
                self.terminate(self.server)
            self.server.start()
            self.wait_healthy()
            self.server_windows.append((kind, signalled, time.monotonic()))
            target = "server"
        else:
            assert self.moto is not None
            seconds = rng.uniform(2.0, 5.0)
            self.moto.pause()
            try:
                time.sleep(seconds)
            finally:
                self.moto.resume()
            self.pause_seconds.append(seconds)
            target = f"moto for {seconds:.1f} s"
        self.faults[kind] += 1
        line = f"{time.monotonic() - self.load_started:6.1f}s {kind:<15} {target}"
        self.fault_log.append(line)
        self.log("fault: " + line.strip())

    def run_faults(self, seconds: float) -> None:
        """The main thread's timeline: faults at seeded random moments until the load phase ends.

        Every kind comes once early on (in a seeded order), then weighted picks, so short runs see
        them all. In a run long enough to judge a memory trend, the server is left alone for the
        last trend-min-seconds so that its last incarnation lives long enough to be judged (worker-1
        is never killed, for the same reason).
        """
        rng = random.Random(f"faults-{self.seed}")
        queue = list(FAULT_KINDS)
        rng.shuffle(queue)
        weights = {"worker_kill": 3, "worker_term": 2, "server_restart": 1, "server_kill": 1, "moto_pause": 2}
        end = self.load_started + seconds
        server_faults_end = end - self.args.trend_min_seconds if seconds >= 2 * self.args.trend_min_seconds else end
        next_fault = self.load_started + rng.uniform(2.0, 4.0)
        while time.monotonic() < end:
            self.check_crashes()
            if time.monotonic() >= next_fault:
                kind = queue.pop(0) if queue else rng.choices(list(weights), list(weights.values()))[0]
                if kind.startswith("server") and time.monotonic() >= server_faults_end:
                    kind = rng.choice(["worker_kill", "worker_term", "moto_pause"])
                self.inject(kind, rng)
                next_fault = time.monotonic() + rng.uniform(*self.args.fault_interval)
            time.sleep(0.05)

    # -- run -----------------------------------------------------------------------------------

    def run(self) -> int:
        self.setup()
        sampler = threading.Thread(target=self.sample_memory, name="rss-sampler", daemon=True)
        sampler.start()
        self.load = LoadGenerator(self.base_url, self.pool, self.seed, self.args.rate, self.args.clients, self.args.retry_seconds)
        self.observer = Observer(self.base_url, self.load, self.seed)
        self.load_started = time.monotonic()
        self.log(f"load: {self.args.seconds:.0f} s at {self.args.rate} uploads/s from {self.args.clients} clients, faults every "
                 f"{self.args.fault_interval[0]:g}-{self.args.fault_interval[1]:g} s")
        self.load.start()
        self.observer.thread.start()
        self.run_faults(self.args.seconds)
        self.log("load phase over; no more faults; waiting for the clients' last requests")
        self.load.finish()
        self.load_seconds = time.monotonic() - self.load_started
        self.check_crashes()
        self.drain()
        self.observer.stop.set()
        self.observer.thread.join()
        self.verify()
        self.shutdown_gracefully()
        self.sampler_stop.set()
        sampler.join()
        self.check_processes()
        self.check_memory()
        report = self.report()
        print(report)
        if self.args.bench_results:
            benchlib.write_results("soak", report, self.figures(), self.machine)
        if self.args.report:
            Path(self.args.report).parent.mkdir(parents=True, exist_ok=True)
            Path(self.args.report).write_text(report)
            print(f"wrote {self.args.report}")
        return 0 if all(c.ok for c in self.checks) else 1

    def scan_table(self) -> dict[str, dict]:
        records, kwargs = {}, {"TableName": self.table, "ConsistentRead": True}
        while True:
            page = self.dynamodb.scan(**kwargs)
            for item in page["Items"]:
                record = {k: next(iter(v.values())) for k, v in item.items()}
                records[record["id"]] = record
            if "LastEvaluatedKey" not in page:
                return records
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def queue_counts(self, url: str) -> dict[str, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return {name: int(attributes.get(name, 0)) for name in names}

    def drain(self) -> None:
        """Waits (bounded) until every accepted upload is processed or failed and the queue is empty."""
        began = time.monotonic()
        deadline = began + self.args.drain_seconds
        accepted = [u for u in self.load.snapshot() if u.outcome == "accepted"]
        while True:
            self.check_crashes()
            records = self.scan_table()
            pending = [u for u in accepted if records.get(u.id, {}).get("state") not in ("processed", "failed")]
            counts = self.queue_counts(self.queue_url)
            if not pending and sum(counts.values()) == 0:
                break
            if time.monotonic() > deadline:
                self.log(f"drain timed out after {self.args.drain_seconds:.0f} s: {len(pending)} images pending, queue {counts}")
                break
            time.sleep(1.0)
        self.drain_seconds = time.monotonic() - began
        self.log(f"drained in {self.drain_seconds:.1f} s")

    def shutdown_gracefully(self) -> None:
        """The end of the run is one more graceful stop of every process; each must exit 0."""
        for child in [*self.workers, self.server]:
            if child is not None and child.alive():
                self.terminate(child)

    # -- verification --------------------------------------------------------------------------

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, ok, detail))

    def verify(self) -> None:
        uploads = self.load.snapshot()
        records = self.scan_table()
        by_outcome = collections.Counter(u.outcome for u in uploads)
        accepted = [u for u in uploads if u.outcome == "accepted"]
        rejected = [u for u in uploads if u.outcome == "rejected"]
        self.uploads, self.records = uploads, records

        # Clients: every request got a definite answer, and the server judged each file as expected.
        unclear = [u for u in uploads if u.outcome not in ("accepted", "rejected")]
        self.check("every create and upload got a definite answer", not unclear,
                   "; ".join(f"{u.sample.name} {u.id}: {u.outcome} {u.detail}" for u in unclear[:5]) or f"{len(uploads)} images")
        misjudged = [u for u in accepted if u.sample.kind == "rejected"] + [u for u in rejected if u.sample.kind != "rejected"]
        self.check("the server refused exactly the non-images (415)", not misjudged,
                   "; ".join(f"{u.sample.name} {u.id}: {u.outcome}" for u in misjudged[:5]) or
                   f"{len(rejected)} refused, {len(accepted)} accepted")

        # Outcomes: processed or failed, exactly as the pool says.
        lost, wrong = [], []
        self.latencies: list[float] = []
        self.slow: collections.Counter = collections.Counter()  # images that waited a visibility timeout, by likely cause
        for upload in accepted:
            record = records.get(upload.id, {})
            state = record.get("state")
            if state not in ("processed", "failed"):
                lost.append(f"{upload.id} ({upload.sample.name}) is {state}")
                continue
            if state != ("processed" if upload.sample.kind == "valid" else "failed"):
                wrong.append(f"{upload.id} ({upload.sample.name}) is {state}: {record.get('failureReason', '')}")
            if state == "failed" and not record.get("failureReason"):
                wrong.append(f"{upload.id} is failed without a reason")
            if state == "processed" and upload.upload_started is not None and "updated" in record:
                done = int(record["updated"]) / 1000
                self.latencies.append(done - upload.upload_started)
                if done - upload.upload_started >= VISIBILITY_SECONDS:
                    # A worker killed up to one long poll before the upload can still take its message:
                    # the dead worker's poll goes on at SQS and receives it for nobody.
                    during = {kind for kind, at in self.worker_faults
                              if upload.upload_started - (WORKER_WAIT_SECONDS if kind == "worker_kill" else 0) <= at <= done}
                    self.slow["worker SIGKILL" if "worker_kill" in during else
                              "worker SIGTERM, no SIGKILL" if "worker_term" in during else "no worker fault"] += 1
        self.lost, self.wrong = lost, wrong
        self.check("lost = 0 (every accepted upload is processed or failed)", not lost, "; ".join(lost[:5]) or f"{len(accepted)} accepted")
        self.check("failed = exactly the corrupt uploads, processed = exactly the valid ones", not wrong, "; ".join(wrong[:5]) or "ok")

        # Refused uploads: nothing stored, nothing changed.
        keys = self.list_keys()
        self.keys = keys
        touched = [f"{u.id}: {records.get(u.id, {}).get('state')} v{records.get(u.id, {}).get('version')}"
                   + (" with an upload/ object" if f"upload/{u.id}" in keys else "")
                   for u in rejected if records.get(u.id, {}).get("state") != "created"
                   or str(records.get(u.id, {}).get("version")) != "0" or f"upload/{u.id}" in keys]
        self.check("refused uploads left the image created v0 with no upload/ object", not touched, "; ".join(touched[:5]) or f"{len(rejected)} checked")

        # Processed objects: byte-identical to the offline pipeline's output.
        mismatched, checked = [], 0
        for upload in accepted:
            record = records.get(upload.id, {})
            if record.get("state") != "processed" or upload.sample.expected_output is None:
                continue
            key = f"processed/{upload.id}.png"
            if record.get("processedS3Key") != key or key not in keys:
                mismatched.append(f"{upload.id}: processedS3Key {record.get('processedS3Key')}, object {'present' if key in keys else 'missing'}")
                continue
            data = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            checked += 1
            if data != upload.sample.expected_output:
                mismatched.append(f"{upload.id} ({upload.sample.name}): {len(data)} bytes differ from the offline output")
        self.check("every processed object equals `imagery-worker sepia` of its upload", not mismatched,
                   "; ".join(mismatched[:5]) or f"{checked} objects compared byte for byte")
        self.api_sample_checked = self.check_through_api(accepted, records)

        # Duplicates.
        processed_lines = collections.Counter()
        for worker in self.workers:
            for match in re.finditer(r"image ([0-9a-f-]{36}) processed:", worker.log_path.read_text(errors="replace")):
                processed_lines[match.group(1)] += 1
        per_image_objects = collections.Counter(key.split("/")[1][:36] for key in keys if key.startswith("processed/"))
        duplicates = sorted({i for i, n in processed_lines.items() if n > 1} | {i for i, n in per_image_objects.items() if n > 1})
        self.duplicates = duplicates
        self.retransitions = sum(n - 1 for n in processed_lines.values() if n > 1)
        self.check("duplicates = 0 (no image processed twice, one processed object each, no state going back)",
                   not duplicates and not self.observer.regressions,
                   "; ".join([f"{i}: {processed_lines[i]} processed transitions, {per_image_objects[i]} objects" for i in duplicates[:5]]
                             + self.observer.regressions[:5]) or
                   f"{sum(processed_lines.values())} processed transitions logged for {len(processed_lines)} images; "
                   f"{self.observer.reads} reads by the observer")

        # Queues.
        main, dead = self.queue_counts(self.queue_url), self.queue_counts(self.dlq_url)
        self.check("no message left in the queue (visible, in flight or delayed)", sum(main.values()) == 0, str(main))
        dead_bodies = []
        if sum(dead.values()):
            for message in self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10).get("Messages", []):
                dead_bodies.append(message["Body"])
        self.check("the dead-letter queue is empty", sum(dead.values()) == 0, str(dead) + (f" e.g. {dead_bodies[:3]}" if dead_bodies else ""))

        # Objects and records nobody accounts for.
        orphans = [k for k in keys if k.startswith("processed/")
                   and records.get(k[len("processed/"):][:36], {}).get("processedS3Key") != k]
        orphans += [k for k in keys if k.startswith("processed/") and records.get(k[len("processed/"):][:36], {}).get("state") != "processed"]
        self.check("no orphan object under processed/", not orphans, ", ".join(sorted(set(orphans))[:5]) or
                   f"{sum(k.startswith('processed/') for k in keys)} objects, each with its processed record")
        known = {u.id for u in uploads if u.id}
        unknown = {i: r for i, r in records.items() if i not in known}
        self.abandoned = len(unknown)
        bad_unknown = [f"{i}: {r.get('state')}" for i, r in unknown.items() if r.get("state") != "created"]
        self.check("records the client never heard of were never uploaded (lost POST /image answers)", not bad_unknown,
                   "; ".join(bad_unknown[:5]) or f"{len(unknown)} such records, all created")
        stray = [k for k in keys if k.startswith("upload/") and k[len("upload/"):] not in {u.id for u in accepted}]
        self.check("every upload/ object belongs to an accepted upload", not stray, ", ".join(stray[:5]) or "ok")

    def check_processes(self) -> None:
        self.check("no process crashed; every SIGTERM ended in exit 0 within "
                   f"{TERM_EXIT_BOUND_SECONDS} s", not self.problems, "; ".join(self.problems[:5]) or
                   f"{len(self.term_exit_seconds)} graceful stops")

    def list_keys(self) -> set[str]:
        keys, kwargs = set(), {"Bucket": self.bucket}
        while True:
            page = self.s3.list_objects_v2(**kwargs)
            keys.update(o["Key"] for o in page.get("Contents", []))
            if not page.get("IsTruncated"):
                return keys
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def check_through_api(self, accepted: list[Upload], records: dict) -> int:
        rng = random.Random(f"api-sample-{self.seed}")
        processed = [u for u in accepted if records.get(u.id, {}).get("state") == "processed"]
        sample = rng.sample(processed, min(self.args.api_sample, len(processed)))
        bad = []
        for upload in sample:
            try:
                status, body = http_call("GET", f"{self.base_url}/image/{upload.id}/processed.png", timeout=30)
            except TRANSPORT_ERRORS as error:
                bad.append(f"{upload.id}: {error!r}")
                continue
            if status != 200 or body != upload.sample.expected_output:
                bad.append(f"{upload.id} ({upload.sample.name}): {status}, {len(body)} bytes")
        self.check("GET /image/{id}/processed.png serves the expected PNG (sample)", not bad,
                   "; ".join(bad[:5]) or f"{len(sample)} images read through the server")
        return len(sample)

    def check_memory(self) -> None:
        bound_kib = self.args.max_rss_mib * 1024
        over, growth, judged = [], [], []
        for child in [self.server, *self.workers]:
            if child is None:
                continue
            for incarnation in child.history:
                label = f"{child.name}#{incarnation.number}"
                if incarnation.peak_kib > bound_kib:
                    over.append(f"{label} peak {incarnation.peak_kib / 1024:.0f} MiB")
                samples = [(t, kib) for t, kib in incarnation.rss if t - incarnation.started >= WARMUP_SECONDS]
                if not samples or samples[-1][0] - incarnation.started < self.args.trend_min_seconds:
                    continue
                quarter = max(1, len(samples) // 4)
                first = statistics.median(k for _, k in samples[:quarter])
                last = statistics.median(k for _, k in samples[-quarter:])
                allowed = max(first * self.args.max_growth_percent / 100, self.args.growth_slack_mib * 1024)
                judged.append(f"{label} {first / 1024:.1f} -> {last / 1024:.1f} MiB over "
                              f"{samples[-1][0] - samples[0][0]:.0f} s")
                if last - first > allowed:
                    growth.append(judged[-1])
        self.memory_judged = judged
        self.check(f"peak RSS of every server and worker process < {self.args.max_rss_mib} MiB", not over, "; ".join(over) or "ok")
        self.check(f"no RSS growth beyond max({self.args.max_growth_percent:g} %, {self.args.growth_slack_mib} MiB) "
                   f"in incarnations that lived >= {self.args.trend_min_seconds:.0f} s (medians of first vs last quarter after "
                   f"{WARMUP_SECONDS} s)", not growth,
                   "; ".join(growth) or ("; ".join(judged) if judged else "no incarnation lived long enough to judge a trend"))

    # -- report --------------------------------------------------------------------------------

    def peak_mib(self, role: str) -> float:
        peaks = [i.peak_kib for c in [self.server, *self.workers] if c and c.role == role for i in c.history]
        return max(peaks, default=0) / 1024

    def figures(self) -> list[benchlib.Figure]:
        processed = sum(1 for u in self.uploads if u.outcome == "accepted" and self.records.get(u.id, {}).get("state") == "processed")
        failed = sum(1 for u in self.uploads if u.outcome == "accepted" and self.records.get(u.id, {}).get("state") == "failed")
        faults = ", ".join(f"{self.faults[k]} {k}" for k in FAULT_KINDS)
        return [
            benchlib.Figure(f"Chaos soak {self.load_seconds:.0f} s: images in / processed / failed / refused (415)",
                            f"{len(self.uploads)} / {processed} / {failed} / {sum(u.outcome == 'rejected' for u in self.uploads)}",
                            "failed = exactly the corrupt uploads", not self.wrong),
            benchlib.Figure("Chaos soak: lost / duplicates", f"{len(self.lost)} / {len(self.duplicates)}", "0 / 0",
                            not self.lost and not self.duplicates and not self.observer.regressions),
            benchlib.Figure("Chaos soak: faults injected", f"{sum(self.faults.values())} ({faults})", "", None),
            benchlib.Figure("Chaos soak: upload to processed p50 / p99",
                            f"{percentile(self.latencies, 50):.2f} / {percentile(self.latencies, 99):.2f} s", "", None),
            benchlib.Figure("Chaos soak: peak RSS server / worker",
                            f"{self.peak_mib('server'):.0f} / {self.peak_mib('worker'):.0f} MiB",
                            f"< {self.args.max_rss_mib} MiB, no growth", all(c.ok for c in self.checks if "RSS" in c.name)),
            benchlib.Figure("Chaos soak: every invariant", f"{sum(c.ok for c in self.checks)} of {len(self.checks)} hold",
                            "all", all(c.ok for c in self.checks)),
        ]

    def report(self) -> str:
        self.machine = benchlib.machine()
        uploads, records = self.uploads, self.records
        accepted = [u for u in uploads if u.outcome == "accepted"]
        state_of = lambda u: records.get(u.id, {}).get("state")  # noqa: E731
        processed = [u for u in accepted if state_of(u) == "processed"]
        failed = [u for u in accepted if state_of(u) == "failed"]
        verdict = "PASS" if all(c.ok for c in self.checks) else "FAIL"
        args = self.args
        lines = [
            f"Imagery chaos soak: {verdict}",
            "",
            f"seed {self.seed}; rerun: scripts/soak.py --seed {self.seed} --seconds {args.seconds:g} --rate {args.rate:g} "
            f"--workers {args.workers} --clients {args.clients}",
            *benchlib.machine_lines(self.machine, {"binaries": str(self.bin_dir)}),
            f"load {self.load_seconds:.0f} s at {args.rate:g} uploads/s target from {args.clients} clients; "
            f"{args.workers} workers x {WORKER_CONCURRENCY} jobs, visibility timeout {VISIBILITY_SECONDS} s, long poll "
            f"{WORKER_WAIT_SECONDS} s; drain {self.drain_seconds:.1f} s (bound {args.drain_seconds:.0f} s); "
            f"wall time {time.monotonic() - self.started:.0f} s",
            "",
            "images",
            f"  in (ids returned by POST /image)      {sum(1 for u in uploads if u.id)}",
            f"  uploads accepted                      {len(accepted)}"
            f" (valid {sum(u.sample.kind == 'valid' for u in accepted)}, corrupt {sum(u.sample.kind == 'corrupt' for u in accepted)})",
            f"  uploads refused by the server (415)   {sum(u.outcome == 'rejected' for u in uploads)}"
            "   (not images: the record stays created, nothing stored or queued)",
            f"  processed                             {len(processed)}",
            f"  failed                                {len(failed)}"
            f"   (expected: the {sum(u.sample.kind == 'corrupt' for u in accepted)} corrupt uploads)",
            f"  lost                                  {len(self.lost)}",
            f"  duplicates                            {len(self.duplicates)}"
            f"   (images processed twice, or with >1 processed object; plus {len(self.observer.regressions)} state regressions seen)",
            f"  wrong outcome                         {len(self.wrong)}",
            f"  no definite answer                    {sum(u.outcome not in ('accepted', 'rejected') for u in uploads)}",
            f"  abandoned creates                     {self.abandoned}"
            "   (POST /image answers lost to a server kill; the client retried; record stays created)",
            f"  upload requests retried               {sum(max(0, u.attempts - 1) for u in uploads)}"
            f"; create requests retried {sum(max(0, u.create_attempts - 1) for u in uploads)}",
            f"  processed objects compared            {sum(1 for u in processed if u.sample.expected_output)} byte for byte"
            f" with the offline pipeline; {self.api_sample_checked} also through GET /image/{{id}}/processed.png; "
            f"pool PNGs checked against Jimp's sepia: {sum(s.reference_checked for s in self.pool)}",
            "",
            f"faults injected: {sum(self.faults.values())}",
        ]
        for kind in FAULT_KINDS:
            lines.append(f"  {FAULT_TITLES[kind]:<45} {self.faults[kind]}")
        if self.term_exit_seconds:
            lines.append(f"  SIGTERM to exit (graceful drain): median {statistics.median(self.term_exit_seconds):.2f} s, "
                         f"max {max(self.term_exit_seconds):.2f} s, all exit 0 unless listed below")
        if self.pause_seconds:
            lines.append(f"  moto paused {sum(self.pause_seconds):.1f} s in all")
        kinds = collections.Counter(kind for _, kind, _, _ in self.load.transport_errors)
        during_kill = sum(1 for _, kind, began, ended in self.load.transport_errors if kind == "reset" and any(
            w == "server_kill" and began <= healthy and ended >= signalled for w, signalled, healthy in self.server_windows))
        lines += [
            "",
            f"requests without an answer, retried by the clients: {kinds['refused']} refused (server down), "
            f"{kinds['reset']} reset ({during_kill} while the server was being SIGKILLed; the rest around graceful "
            f"restarts: connections still in the listen queue when the listener closed), {kinds['timeout']} timed out; "
            f"5xx answers: {dict(self.load.server_errors) or 0}",
        ]
        lat = self.latencies
        lines += [
            "",
            f"upload to processed (first upload attempt to the record's `updated`), n={len(lat)}: "
            + (f"p50 {percentile(lat, 50):.2f} s, p90 {percentile(lat, 90):.2f} s, p99 {percentile(lat, 99):.2f} s, "
               f"max {max(lat):.2f} s" if lat else "none"),
            f"  waited >= the visibility timeout ({VISIBILITY_SECONDS} s): {sum(self.slow.values())}"
            + (f", by what happened to workers meanwhile: {dict(self.slow)}" if self.slow else "")
            + " (a worker SIGKILL explains it: its messages come back after the timeout)",
            "",
            f"memory (bound: peak RSS < {args.max_rss_mib} MiB per process; growth <= max({args.max_growth_percent:g} %, "
            f"{args.growth_slack_mib} MiB) for incarnations living >= {args.trend_min_seconds:.0f} s)",
        ]
        for child in [self.server, *self.workers]:
            if child is None:
                continue
            peaks = [i.peak_kib / 1024 for i in child.history]
            lines.append(f"  {child.name:<9} {len(child.history)} incarnation(s), peak RSS max {max(peaks):.1f} MiB")
        for judged in self.memory_judged:
            lines.append(f"  trend {judged}")
        if self.moto_rss:
            lines.append(f"  (moto itself, not judged: {self.moto_rss[0] / 1024:.0f} -> {self.moto_rss[-1] / 1024:.0f} MiB; it keeps every object)")
        lines += ["", "invariants"]
        for check in self.checks:
            lines.append(f"  [{'ok' if check.ok else 'FAIL'}] {check.name}: {check.detail}")
        lines += ["", "fault timeline (seconds after the load started)"]
        lines += [f"  {line}" for line in self.fault_log]
        lines += [
            "",
            "moto caveats: moto serves each request on its own thread and checks a DynamoDB condition and then writes,",
            "with no lock between the two, so two racing conditional writes could in principle both succeed (on AWS they",
            "cannot); a duplicate reported here would have to be ruled out as that before blaming the worker. Its SQS",
            "receive is not atomic either (a message can go to two receivers at once), which the workers must and do",
            "absorb. Visibility timeouts, redelivery and the DLQ redrive are moto's. Nothing is persisted, so moto is",
            "paused (SIGSTOP) but never restarted. Logs: " + str(self.work),
            "",
        ]
        return "\n".join(lines)

    # -- cleanup -------------------------------------------------------------------------------

    def cleanup(self) -> None:
        self.sampler_stop.set()
        if self.moto:
            self.moto.resume()
        for child in [*self.workers, self.server]:
            if child is not None and child.alive():
                child.signal(signal.SIGTERM, "SIGTERM")
        for child in [*self.workers, self.server]:
            if child is not None and not child.wait(15):
                child.signal(signal.SIGKILL, "SIGKILL")
                child.wait(5)
        if self.moto:
            self.moto.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", default=str(ROOT / "packer" / "build" / "bin"), help="where imagery-server and imagery-worker are")
    parser.add_argument("--seconds", type=float, default=300, help="length of the load phase (faults stop with it)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the pool, the uploads and the fault schedule")
    parser.add_argument("--rate", type=float, default=4.0, help="uploads per second (target)")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=3, help="imagery-worker processes")
    parser.add_argument("--fault-interval", type=float, nargs=2, default=(2.0, 6.0), metavar=("MIN", "MAX"),
                        help="seconds between the end of one fault and the next")
    parser.add_argument("--drain-seconds", type=float, default=90, help="bound on the drain after the load phase")
    parser.add_argument("--retry-seconds", type=float, default=60, help="how long a client retries one request")
    parser.add_argument("--api-sample", type=int, default=25, help="processed images also read through the server")
    parser.add_argument("--max-rss-mib", type=int, default=128)
    parser.add_argument("--max-growth-percent", type=float, default=25)
    parser.add_argument("--growth-slack-mib", type=int, default=16)
    parser.add_argument("--trend-min-seconds", type=float, default=120)
    parser.add_argument("--work-dir", default=str(ROOT / "bench" / "work" / "soak"), help="logs and temporary files (wiped first)")
    parser.add_argument("--report", help="also write the report to this file")
    parser.add_argument("--bench-results", action="store_true", help="write bench/results/soak.txt and soak.json")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = int.from_bytes(os.urandom(4), "big")
    print(f"soak: seed {args.seed}", flush=True)

    def terminated(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminated)

    soak = Soak(args)
    try:
        return soak.run()
    except SoakError as error:
        print(f"soak: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("soak: interrupted; stopping everything it started", file=sys.stderr)
        return 130
    finally:
        soak.cleanup()


if __name__ == "__main__":
    sys.exit(main())
